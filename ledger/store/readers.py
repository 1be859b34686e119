"""The store's implementations of the read interfaces (ledger/store/interfaces.py), over either backend.

Each reader runs statements written once (ledger/store/tables.py names the tables) through the dialect shim
(ledger/store/dialect.py), and returns named rows (ledger/store/rows.py).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any, TypeVar

from ledger.core.errors import ConflictError, IntegrityError
from ledger.store.dialect import Database
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
    row_maker,
)
from ledger.store.tables import INDEX_COLUMNS, LedgerTables, index_row, nodes_query, qualified
from ledger.tlog.merkle import NodeId

__all__ = ["AuditRanges", "CheckpointTable", "ConsumerTables", "ElevatorIndex", "EventIndex", "MerkleTable"]

T = TypeVar("T")
_event_row = row_maker(EventRow)
_JOINED = (f"SELECT {qualified(INDEX_COLUMNS, 'i')}, e.state "
           "FROM {index} i JOIN {events} e ON e.{rowid} = i.position")


class _Reader:
    """Reads the ledger tables of one database."""

    def __init__(self, db: Database, tables: LedgerTables) -> None:
        self._db = db
        self._tables = tables

    def _read(self, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._db.read(self._tables.format(text), params)

    def _read_as(self, make: Callable[[tuple[Any, ...]], T], text: str, params: Sequence[Any] = ()) -> list[T]:
        return self._db.read_as(make, self._tables.format(text), params)

    def _write(self, text: str, rows: Sequence[Sequence[Any]]) -> None:
        self._db.write(self._tables.format(text), rows)

    def _int(self, text: str, params: Sequence[Any] = ()) -> int:
        """The single integer a one-row, one-column query answers."""
        ((value,),) = self._read(text, params)
        return int(value)

    def _index_rows(self, where: str, params: Sequence[Any] = ()) -> list[IndexRow]:
        return self._read_as(index_row, f"SELECT {INDEX_COLUMNS} FROM {{index}} {where}", params)

    def _stored_records(self, where: str, params: Sequence[Any]) -> list[StoredRecord]:
        """Index rows joined with their records: ``i`` is the index, ``e`` the events table."""
        return self._read_as(_stored_record, f"{_JOINED} {where}", params)


def _stored_record(values: tuple[Any, ...]) -> StoredRecord:
    """From the columns of ``_JOINED``: the index row's, then the record's."""
    return StoredRecord(index_row(values[:-1]), bytes(values[-1]))


def _prefix_row(values: tuple[Any, ...]) -> PrefixRow:
    key, seq, leaf, recorded_at, digest, prev, kind, record = values
    return PrefixRow(key, int(seq), int(leaf), int(recorded_at), bytes(digest), None if prev is None else bytes(prev),
                     kind, bytes(record))


def _marks(values: Collection[str]) -> str:
    return ",".join("?" * len(values))


class EventIndex(_Reader):
    """:class:`~ledger.store.interfaces.EventReader`."""

    def lookup_events(self, event_ids: Sequence[str]) -> dict[str, IndexRow]:
        found: dict[str, IndexRow] = {}
        for start in range(0, len(event_ids), 500):
            chunk = list(event_ids[start:start + 500])
            for row in self._index_rows(f"WHERE event_id IN ({_marks(chunk)})", chunk):
                found[row.event_id] = row
        return found

    def record_at(self, position: int) -> bytes | None:
        for (state,) in self._read("SELECT state FROM {events} WHERE {rowid} = ?", (position,)):
            return bytes(state)
        return None

    def stream_rows(self, stream_key: str) -> list[StoredRecord]:
        return self._stored_records("WHERE i.stream_key = ? ORDER BY i.seq", (stream_key,))

    def scan(self, after: int, limit: int, *, stream_kind: str | None = None) -> list[StoredRecord]:
        if stream_kind:
            return self._stored_records("WHERE i.position > ? AND i.stream_kind = ? ORDER BY i.position LIMIT ?",
                                        (after, stream_kind, limit))
        return self._stored_records("WHERE i.position > ? ORDER BY i.position LIMIT ?", (after, limit))

    def first_of_type(self, event_type: str) -> IndexRow | None:
        return next(iter(self._index_rows("WHERE type = ? ORDER BY position LIMIT 1", (event_type,))), None)

    def max_position(self) -> int:
        return self._int("SELECT COALESCE(MAX(position), 0) FROM {index}")

    def org_head(self) -> int:
        return self._int("SELECT COALESCE(MAX(position), 0) FROM {index} WHERE stream_kind = 'org'")


class ElevatorIndex(_Reader):
    """:class:`~ledger.store.interfaces.ElevatorDirectory`."""

    def elevator_exists(self, code: str) -> bool:
        return bool(self._read("SELECT 1 FROM {index} WHERE stream_key = ? AND seq = 1 AND stream_kind = 'elevator'",
                               (code,)))

    def elevator_codes(self, after: str, limit: int) -> list[str]:
        rows = self._read("SELECT stream_key FROM {index} WHERE stream_key > ? AND seq = 1 "
                          "AND stream_kind = 'elevator' ORDER BY stream_key LIMIT ?", (after, limit))
        return [str(code) for (code,) in rows]

    def elevators_recorded_by(self, org: str, types: Collection[str], after: str, limit: int) -> list[str]:
        if not types:
            return []
        ordered = sorted(types)
        rows = self._read(
            f"SELECT DISTINCT stream_key FROM {{index}} WHERE org = ? AND stream_kind = 'elevator' "
            f"AND type IN ({_marks(ordered)}) AND stream_key > ? ORDER BY stream_key LIMIT ?",
            (org, *ordered, after, limit),
        )
        return [str(code) for (code,) in rows]

    def relation_records(self, code: str, types: Collection[str]) -> list[RelationRecord]:
        if not types:
            return []
        ordered = sorted(types)
        rows = self._read(
            "SELECT i.type, i.org, e.state FROM {index} i JOIN {events} e ON e.{rowid} = i.position "
            f"WHERE i.stream_key = ? AND i.type IN ({_marks(ordered)})", (code, *ordered),
        )
        return [RelationRecord(str(event_type), str(org), bytes(state)) for event_type, org, state in rows]

    def records_of_types(self, types: Collection[str], after: str) -> list[TypedRecord]:
        if not types:
            return []
        ordered = sorted(types)
        rows = self._read(
            "SELECT i.stream_key, i.type, e.state FROM {index} i JOIN {events} e ON e.{rowid} = i.position "
            f"WHERE i.type IN ({_marks(ordered)}) AND i.stream_key > ? ORDER BY i.stream_key", (*ordered, after),
        )
        return [TypedRecord(str(key), str(event_type), bytes(state)) for key, event_type, state in rows]


class MerkleTable(_Reader):
    """:class:`~ledger.store.interfaces.MerkleLogReader` (and so the :class:`~ledger.tlog.merkle.NodeSource`
    proofs and roots are read from)."""

    def get_nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        found: dict[NodeId, bytes] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), 200):
            for level, idx, digest in self._read(*nodes_query(unique[start:start + 200])):
                found[(int(level), int(idx))] = bytes(digest)
        missing = [node for node in unique if node not in found]
        if missing:
            raise IntegrityError(f"Merkle nodes missing from the store: {missing[:4]}", code="proof.store")
        return [found[node] for node in ids]

    def tree_size(self) -> int:
        return self._int("SELECT COALESCE(MAX(leaf) + 1, 0) FROM {index}")

    def leaf_of(self, event_id: str) -> IndexRow | None:
        return next(iter(self._index_rows("WHERE event_id = ?", (event_id,))), None)

    def row_at_leaf(self, leaf: int) -> IndexRow | None:
        return next(iter(self._index_rows("WHERE leaf = ?", (leaf,))), None)

    def leaf_scan(self, after: int, limit: int) -> list[LeafHash]:
        rows = self._read("SELECT leaf, hash, recorded_at FROM {index} WHERE leaf > ? ORDER BY leaf LIMIT ?",
                          (after, limit))
        return [LeafHash(int(leaf), bytes(digest), int(recorded_at)) for leaf, digest, recorded_at in rows]

    def newest_leaf(self) -> LeafHash | None:
        rows = self._read("SELECT leaf, hash, recorded_at FROM {index} ORDER BY leaf DESC LIMIT 1")
        return next((LeafHash(int(leaf), bytes(digest), int(at)) for leaf, digest, at in rows), None)

    def level_hashes(self, level: int) -> list[bytes]:
        hashes: list[bytes] = []
        for idx, digest in self._read("SELECT idx, hash FROM {nodes} WHERE level = ? ORDER BY idx", (level,)):
            if idx != len(hashes):
                break
            hashes.append(bytes(digest))
        return hashes

    def node_count(self) -> int:
        return self._int("SELECT COUNT(*) FROM {nodes}")


class CheckpointTable(_Reader):
    """:class:`~ledger.store.interfaces.CheckpointStore`."""

    def meta(self) -> dict[str, str]:
        return {str(name): str(value) for name, value in self._read("SELECT name, value FROM {meta}")}

    def set_meta(self, values: dict[str, str]) -> None:
        current = self.meta()
        for name, value in values.items():
            if name in current and current[name] != value:
                raise ConflictError(f"the log's {name} is already {current[name]!r}", code="conflict.meta")
        self._write("INSERT INTO {meta} (name, value) VALUES (?, ?)",
                    [(name, value) for name, value in values.items() if name not in current])

    def add_checkpoint(self, tree_size: int, issued_at: int, note: str) -> int:
        self._write(
            "INSERT INTO {checkpoints} (checkpoint_id, tree_size, issued_at, note) "
            "SELECT COALESCE(MAX(checkpoint_id), 0) + 1, ?, ?, ? FROM {checkpoints}",
            [(tree_size, issued_at, note)],
        )
        return self._int("SELECT MAX(checkpoint_id) FROM {checkpoints}")

    def replace_checkpoint_note(self, checkpoint_id: int, note: str) -> None:
        self._write("UPDATE {checkpoints} SET note = ? WHERE checkpoint_id = ?", [(note, checkpoint_id)])

    def checkpoints(self, *, tree_size: int | None = None, newest_only: bool = False) -> list[CheckpointRow]:
        where, params = (" WHERE tree_size = ?", (tree_size,)) if tree_size is not None else ("", ())
        order = " ORDER BY checkpoint_id DESC LIMIT 1" if newest_only else " ORDER BY checkpoint_id"
        columns = ", ".join(CheckpointRow._fields)
        rows = self._read(f"SELECT {columns} FROM {{checkpoints}}{where}{order}", params)
        return [CheckpointRow(int(i), int(size), int(at), str(note)) for i, size, at, note in rows]


class ConsumerTables(_Reader):
    """:class:`~ledger.store.interfaces.ConsumerState`."""

    def consumer_offsets(self, group: str, topic: str) -> dict[int, int]:
        rows = self._read(
            "SELECT kafka_partition, next_offset FROM {offsets} WHERE consumer_group = ? AND topic = ?",
            (group, topic),
        )
        return {int(partition): int(offset) for partition, offset in rows}

    def unpublished_dead_letters(self, group: str, limit: int = 1000) -> list[DeadLetter]:
        rows = self._read(
            "SELECT consumer_group, topic, kafka_partition, kafka_offset, code, message, value, headers "
            "FROM {dead_letters} WHERE consumer_group = ? AND published = 0 "
            "ORDER BY topic, kafka_partition, kafka_offset LIMIT ?",
            (group, limit),
        )
        return [DeadLetter(str(g), str(topic), int(partition), int(offset), str(code), str(message), bytes(value),
                           bytes(headers))
                for g, topic, partition, offset, code, message, value, headers in rows]

    def mark_dead_letters_published(self, letters: Sequence[DeadLetter]) -> None:
        self._write(
            "UPDATE {dead_letters} SET published = 1 WHERE consumer_group = ? AND topic = ? AND kafka_partition = ? "
            "AND kafka_offset = ?",
            [(d.group, d.topic, d.partition, d.offset) for d in letters],
        )

    def dead_letter_count(self, group: str) -> int:
        return self._int("SELECT COUNT(*) FROM {dead_letters} WHERE consumer_group = ?", (group,))


class AuditRanges(_Reader):
    """:class:`~ledger.store.interfaces.AuditReader`."""

    def max_event_position(self) -> int:
        return self._int("SELECT COALESCE(MAX({rowid}), 0) FROM {events}")

    def event_rows(self, after: int, upto: int) -> list[EventRow]:
        return self._read_as(
            _event_row, "SELECT {rowid}, originator_id, originator_version, topic, state FROM {events} "
            "WHERE {rowid} > ? AND {rowid} <= ? ORDER BY {rowid}",
            (after, upto),
        )

    def index_rows(self, after: int, upto: int) -> list[IndexRow]:
        return self._index_rows("WHERE position > ? AND position <= ? ORDER BY position", (after, upto))

    def stream_head_before(self, stream_key: str, position: int) -> StreamHead | None:
        for seq, digest in self._read(
            "SELECT seq, hash FROM {index} WHERE stream_key = ? AND position < ? ORDER BY seq DESC LIMIT 1",
            (stream_key, position),
        ):
            return StreamHead(int(seq), bytes(digest))
        return None

    def prefix_rows(self, stream_keys: Sequence[str], position: int, types: Collection[str]) -> list[PrefixRow]:
        rows: list[PrefixRow] = []
        wanted = sorted(types)
        for start in range(0, len(stream_keys), 200):
            keys = list(stream_keys[start:start + 200])
            rows.extend(self._read_as(_prefix_row, (
                "SELECT x.stream_key, x.seq, x.leaf, x.recorded_at, x.hash, x.prev_hash, x.type, e.state FROM ("
                "SELECT i.stream_key, i.seq, i.leaf, i.recorded_at, i.hash, i.type, i.position, "
                "LAG(i.hash) OVER (PARTITION BY i.stream_key ORDER BY i.seq) AS prev_hash, "
                "MAX(i.seq) OVER (PARTITION BY i.stream_key) AS last_seq "
                f"FROM {{index}} i WHERE i.stream_key IN ({_marks(keys)}) AND i.position < ?) x "
                "JOIN {events} e ON e.{rowid} = x.position "
                f"WHERE x.seq = 1 OR x.seq = x.last_seq OR x.type IN ({_marks(wanted)}) "
                "ORDER BY x.stream_key, x.seq"), (*keys, position, *wanted)))
        return rows

    def counts(self) -> TableCounts:
        return TableCounts(self._int("SELECT COUNT(*) FROM {events}"), self._int("SELECT COUNT(*) FROM {index}"),
                           self._int("SELECT COUNT(*) FROM {nodes}"))

    def first_orphan_index_row(self) -> IndexRow | None:
        rows = self._read(
            f"SELECT {qualified(INDEX_COLUMNS, 'i')} FROM {{index}} i LEFT JOIN {{events}} e "
            "ON e.{rowid} = i.position WHERE e.{rowid} IS NULL ORDER BY i.position LIMIT 1"
        )
        return next(map(index_row, rows), None)
