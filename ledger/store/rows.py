"""What goes into the ledger tables with a batch of events, and the rows that come back out, all read by name."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple, TypeVar, cast

__all__ = [
    "CheckpointRow",
    "DeadLetter",
    "EventRow",
    "IndexEntry",
    "IndexRow",
    "LeafHash",
    "LedgerBatch",
    "OffsetUpdate",
    "PrefixRow",
    "RelationRecord",
    "StoredRecord",
    "StreamHead",
    "TableCounts",
    "TypedRecord",
    "row_maker",
]

T = TypeVar("T", bound=tuple[Any, ...])


def row_maker(row_type: type[T]) -> Callable[[Sequence[Any]], T]:
    """Makes a ``row_type`` (a NamedTuple) from a row in its field order, at C speed (no Python frame per row:
    the verifier and the projections make one for every event)."""
    return cast(Callable[[Sequence[Any]], T], partial(tuple.__new__, row_type))


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One event's ``ledger_index`` row as the writer decides it."""

    event_id: str
    stream_kind: str
    stream_key: str
    seq: int
    type: str
    org: str
    occurred_at: int
    hash: bytes
    recorded_at: int  # the decision time, which becomes the leaf's recorded time (docs/FORMAT.md §II.1.1)


class IndexRow(NamedTuple):
    """An index entry as stored, with its global position and its Merkle leaf (fields in column order: a row
    is built straight from the driver's tuple, which the verifier and the projections do for every event)."""

    position: int
    leaf: int
    event_id: str
    stream_kind: str
    stream_key: str
    seq: int
    type: str
    org: str
    occurred_at: int
    hash: bytes
    recorded_at: int  # when the ledger recorded it: Unix seconds, committed in the leaf, non-decreasing by leaf


class StoredRecord(NamedTuple):
    """An event's index row with its stored record bytes."""

    row: IndexRow
    record: bytes


class EventRow(NamedTuple):
    """A stored event as the eventsourcing events table holds it (read, not trusted, by the verifier)."""

    position: int
    originator_id: object  # a UUID on PostgreSQL, its hex text on SQLite
    originator_version: int
    topic: str
    state: object  # the record bytes, unless someone stored something else there


class StreamHead(NamedTuple):
    seq: int
    hash: bytes


class PrefixRow(NamedTuple):
    """A stream's row before some position, with the hash before it in its stream and its record: what an
    incremental audit proves against a trusted checkpoint (fields in column order)."""

    stream_key: str
    seq: int
    leaf: int
    recorded_at: int
    hash: bytes
    prev_hash: bytes | None  # None for seq 1
    type: str
    record: bytes


class LeafHash(NamedTuple):
    leaf: int
    hash: bytes  # the event hash the leaf commits to (not yet leaf-hashed)
    recorded_at: int  # and the recorded time it commits to with it


class TableCounts(NamedTuple):
    events: int
    index_rows: int
    nodes: int


class CheckpointRow(NamedTuple):
    checkpoint_id: int
    tree_size: int
    issued_at: int
    note: str


class RelationRecord(NamedTuple):
    """A record that may relate an organization to an elevator: its type, its signer and its bytes."""

    type: str
    org: str
    record: bytes


class TypedRecord(NamedTuple):
    stream_key: str
    type: str
    record: bytes


@dataclass(frozen=True, slots=True)
class OffsetUpdate:
    group: str
    topic: str
    partition: int
    expected: int | None  # the stored next offset this batch started from (None: none stored yet)
    next_offset: int


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A consumed record the ledger refused, kept with everything needed to look at it again."""

    group: str
    topic: str
    partition: int
    offset: int
    code: str
    message: str
    value: bytes
    headers: bytes  # JSON list of [key, base64 value] pairs, as consumed


@dataclass(slots=True)
class LedgerBatch:
    """Passed through ``Application.save(..., ledger_batch=...)`` to the recorder."""

    entries: list[IndexEntry] = field(default_factory=list)
    org_head: int | None = None  # the org-stream position the decisions saw; None: do not check
    offsets: list[OffsetUpdate] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)  # filled in by the recorder
