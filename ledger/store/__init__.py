"""Persistence: the eventsourcing application, its SQLite and PostgreSQL recorders and the ledger tables."""

from ledger.store.application import LedgerApplication, Store
from ledger.store.index import (
    DeadLetter,
    IndexEntry,
    IndexRow,
    LedgerBatch,
    OffsetConflictError,
    OffsetUpdate,
    RegistryChangedError,
)
from ledger.store.stream import Stream
from ledger.store.url import DEFAULT_STORE, StoreURL, parse_store_url

__all__ = [
    "DEFAULT_STORE",
    "DeadLetter",
    "IndexEntry",
    "IndexRow",
    "LedgerApplication",
    "LedgerBatch",
    "OffsetConflictError",
    "OffsetUpdate",
    "RegistryChangedError",
    "Store",
    "StoreURL",
    "Stream",
    "parse_store_url",
]
