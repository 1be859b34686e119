"""Persistence: the eventsourcing application, its SQLite and PostgreSQL recorders and the ledger tables.

The URL helpers load at once; the application and the index tables load eventsourcing and the database drivers,
so they are imported on first use — a command that only parses ``--store`` (or prints its help) stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ledger.store.url import DEFAULT_STORE, StoreURL, parse_store_url

if TYPE_CHECKING:
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

_HEAVY = {
    "LedgerApplication": "ledger.store.application",
    "Store": "ledger.store.application",
    "DeadLetter": "ledger.store.index",
    "IndexEntry": "ledger.store.index",
    "IndexRow": "ledger.store.index",
    "LedgerBatch": "ledger.store.index",
    "OffsetConflictError": "ledger.store.index",
    "OffsetUpdate": "ledger.store.index",
    "RegistryChangedError": "ledger.store.index",
    "Stream": "ledger.store.stream",
}


def __getattr__(name: str) -> Any:
    module = _HEAVY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
