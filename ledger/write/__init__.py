"""The write path: the ledger service that decides and commits batches, and its signature-checking pool."""
