"""The narrow read (and bookkeeping) interfaces of the store, one per kind of reader.

Code outside ``ledger/store`` depends on these Protocols, never on a recorder: the write path and the projections
read events and streams (:class:`EventReader`), the API's scope checks ask which elevators relate to whom
(:class:`ElevatorDirectory`), proofs read Merkle nodes (:class:`MerkleLogReader`), the transparency log keeps its
checkpoints (:class:`CheckpointStore`), the Kafka worker its offsets and dead-letter outbox (:class:`ConsumerState`),
and the verifier reads ranges of the raw tables (:class:`AuditReader`). :class:`~ledger.store.application.Store`
offers one implementation of each (ledger/store/readers.py), on SQLite or PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from ledger.store.rows import (
    CheckpointRow,
    DeadLetter,
    EventRow,
    IndexRow,
    LeafHash,
    PrefixRow,
    RelationRecord,
    StoredRecord,
    StreamHead,
    TableCounts,
    TypedRecord,
)
from ledger.tlog.merkle import NodeSource

__all__ = [
    "AuditReader",
    "CheckpointReader",
    "CheckpointStore",
    "ConsumerState",
    "ElevatorDirectory",
    "EventReader",
    "MerkleLogReader",
]


class EventReader(Protocol):
    """Events with their index rows, in global order or per stream."""

    def lookup_events(self, event_ids: Sequence[str]) -> dict[str, IndexRow]:
        """Index rows for those of ``event_ids`` that are stored."""
        ...

    def record_at(self, position: int) -> bytes | None:
        """The stored record at a global position."""
        ...

    def stream_rows(self, stream_key: str) -> list[StoredRecord]:
        """A stream's events in ``seq`` order, each with its stored record."""
        ...

    def scan(self, after: int, limit: int, *, stream_kind: str | None = None) -> list[StoredRecord]:
        """Events in global order with position > ``after`` (of one stream kind), with their records."""
        ...

    def first_of_type(self, event_type: str) -> IndexRow | None:
        """The earliest event of a type (a scan: for demos and tools, not for hot paths)."""
        ...

    def max_position(self) -> int:
        """The position of the newest indexed event (0 when empty)."""
        ...

    def org_head(self) -> int:
        """The position of the newest organization-stream (registry) event (0 when none)."""
        ...


class ElevatorDirectory(Protocol):
    """Which elevators the ledger holds and which of their records relate an organization to them."""

    def elevator_exists(self, code: str) -> bool: ...

    def elevator_codes(self, after: str, limit: int) -> list[str]:
        """Equipment codes after ``after``, in code order."""
        ...

    def elevators_recorded_by(self, org: str, types: Collection[str], after: str, limit: int) -> list[str]:
        """Equipment codes after ``after`` on which ``org`` signed an event of one of ``types``, in code order."""
        ...

    def relation_records(self, code: str, types: Collection[str]) -> list[RelationRecord]:
        """The elevator's records of ``types``, with their signers."""
        ...

    def records_of_types(self, types: Collection[str], after: str) -> list[TypedRecord]:
        """Every elevator record of ``types`` on an elevator after ``after``, in code order."""
        ...


class MerkleLogReader(NodeSource, Protocol):
    """The RFC 9162 tree over the event hashes as stored: nodes, leaves and size."""

    def tree_size(self) -> int: ...

    def leaf_of(self, event_id: str) -> IndexRow | None:
        """The index row (with its leaf) of an event."""
        ...

    def row_at_leaf(self, leaf: int) -> IndexRow | None: ...

    def leaf_scan(self, after: int, limit: int) -> list[LeafHash]:
        """Leaves > ``after`` in leaf order, with the event hash and recorded time each commits to."""
        ...

    def newest_leaf(self) -> LeafHash | None:
        """The last leaf (None for an empty log): its recorded time is the newest the log holds."""
        ...

    def level_hashes(self, level: int) -> list[bytes]:
        """Every stored node of one level in index order; a missing index ends the list there."""
        ...

    def node_count(self) -> int: ...


class CheckpointReader(Protocol):
    """The log's identity and the checkpoints issued on it."""

    def meta(self) -> dict[str, str]: ...

    def checkpoints(self, *, tree_size: int | None = None, newest_only: bool = False) -> list[CheckpointRow]:
        """Issued checkpoints, oldest first: every one, those of one tree size, or only the newest of them."""
        ...


class CheckpointStore(CheckpointReader, Protocol):
    def set_meta(self, values: dict[str, str]) -> None:
        """Set meta values that are not set yet (the log's identity never changes once chosen)."""
        ...

    def add_checkpoint(self, tree_size: int, issued_at: int, note: str) -> int:
        """Keep an issued checkpoint note; returns its id."""
        ...

    def replace_checkpoint_note(self, checkpoint_id: int, note: str) -> None:
        """Store the note again with more witness cosignatures (the signed text itself never changes)."""
        ...


class ConsumerState(Protocol):
    """What the store keeps for Kafka consumers: their next offsets and the dead-letter outbox."""

    def consumer_offsets(self, group: str, topic: str) -> dict[int, int]:
        """The next offset to consume, per partition, of a consumer group on a topic."""
        ...

    def unpublished_dead_letters(self, group: str, limit: int = 1000) -> list[DeadLetter]: ...

    def mark_dead_letters_published(self, letters: Sequence[DeadLetter]) -> None:
        """Record that ``letters`` reached the dead-letter topic (the outbox relay's second step)."""
        ...

    def dead_letter_count(self, group: str) -> int: ...


class AuditReader(Protocol):
    """The raw tables in position ranges, as the store verifier reads them (nothing in them is trusted)."""

    def max_event_position(self) -> int:
        """The newest position in the events table itself (0 when empty)."""
        ...

    def event_rows(self, after: int, upto: int) -> list[EventRow]:
        """Stored events with positions in (after, upto], in position order."""
        ...

    def index_rows(self, after: int, upto: int) -> list[IndexRow]:
        """Index rows with positions in (after, upto], in position order."""
        ...

    def stream_head_before(self, stream_key: str, position: int) -> StreamHead | None:
        """The indexed seq and hash of the stream's last event before ``position``."""
        ...

    def prefix_rows(self, stream_keys: Sequence[str], position: int, types: Collection[str]) -> list[PrefixRow]:
        """For each of ``stream_keys``: its rows before ``position`` that are of ``types``, its first and its last,
        in (stream, seq) order, each with the hash before it in its stream and its stored record."""
        ...

    def counts(self) -> TableCounts: ...

    def first_orphan_index_row(self) -> IndexRow | None:
        """The first index row whose stored event is gone, if any."""
        ...
