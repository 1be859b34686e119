"""Persistence: the eventsourcing application, its SQLite and PostgreSQL recorders and the ledger tables.

The URL helpers and the row types load at once; the application, the recorders and the batch writer load
eventsourcing and the database drivers, and the read interfaces the Merkle maths, so they are imported on first
use — a command that only parses ``--store`` (or prints its help) stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ledger.store.rows import (
    CheckpointRow,
    DeadLetter,
    EventRow,
    IndexEntry,
    IndexRow,
    LeafHash,
    LedgerBatch,
    OffsetUpdate,
    PrefixRow,
    RelationRecord,
    StoredRecord,
    StreamHead,
    TableCounts,
    TypedRecord,
)
from ledger.store.url import DEFAULT_STORE, StoreURL, parse_store_url

if TYPE_CHECKING:
    from ledger.store.application import LedgerApplication, Store
    from ledger.store.batch import OffsetConflictError, RecordedTimeConflictError, RegistryChangedError
    from ledger.store.interfaces import (
        AuditReader,
        CheckpointReader,
        CheckpointStore,
        ConsumerState,
        ElevatorDirectory,
        EventReader,
        MerkleLogReader,
    )
    from ledger.store.stream import Stream

__all__ = [
    "DEFAULT_STORE",
    "AuditReader",
    "CheckpointReader",
    "CheckpointRow",
    "CheckpointStore",
    "ConsumerState",
    "DeadLetter",
    "ElevatorDirectory",
    "EventReader",
    "EventRow",
    "IndexEntry",
    "IndexRow",
    "LeafHash",
    "LedgerApplication",
    "LedgerBatch",
    "MerkleLogReader",
    "OffsetConflictError",
    "OffsetUpdate",
    "PrefixRow",
    "RecordedTimeConflictError",
    "RegistryChangedError",
    "RelationRecord",
    "Store",
    "StoreURL",
    "StoredRecord",
    "Stream",
    "StreamHead",
    "TableCounts",
    "TypedRecord",
    "parse_store_url",
]

_HEAVY = {
    "LedgerApplication": "ledger.store.application",
    "Store": "ledger.store.application",
    "OffsetConflictError": "ledger.store.batch",
    "RecordedTimeConflictError": "ledger.store.batch",
    "RegistryChangedError": "ledger.store.batch",
    **dict.fromkeys((
        "AuditReader", "CheckpointReader", "CheckpointStore", "ConsumerState", "ElevatorDirectory", "EventReader",
        "MerkleLogReader",
    ), "ledger.store.interfaces"),
    "Stream": "ledger.store.stream",
}


def __getattr__(name: str) -> Any:
    module = _HEAVY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
