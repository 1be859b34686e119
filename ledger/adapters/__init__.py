"""Adapters at the edge: the Kafka ingest worker, the witness client and state file, key files."""
