"""LiftLedger's ledger: the pure core (core, tlog), the store, the write path and the adapters at its edge."""
