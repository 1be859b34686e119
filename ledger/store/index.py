"""What the ledger stores beside eventsourcing's events, written in the same transaction as them.

- ``ledger_index``: one row per event in global order — ``position`` (the notification id), a dense Merkle
  ``leaf`` number, the event id (unique: the idempotency key), stream, ``seq``, type, signer, ``occurred_at`` and
  the chain ``hash``.
- ``merkle_nodes``: every complete subtree of the RFC 9162 tree over the event hashes, by (level, index).
- ``consumer_offsets``: for each Kafka consumer group, topic and partition, the next offset to consume, so that a
  redelivered record is recognized (the exactly-once effect of the ingest worker).
- ``checkpoints``: every checkpoint note the operator issued, with the witness cosignatures collected onto it.
- ``ledger_meta``: the log's origin and the operator's verifier key (set once).
- ``dead_letters``: every record the ingest worker refused, with its reason and original bytes and headers — an
  outbox written atomically with the offsets, relayed to the dead-letter topic afterwards, so that records in =
  events appended + duplicates + dead letters holds across any crash.

The dialect classes hold the SQL differences (placeholders, schemas, table names); everything else is shared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ledger.core.errors import ConflictError, IntegrityError
from ledger.tlog.merkle import MerkleAppender, NodeId, leaf_hash, range_nodes

__all__ = [
    "DeadLetter",
    "IndexEntry",
    "IndexRow",
    "LedgerBatch",
    "LedgerIndexMixin",
    "OffsetConflictError",
    "OffsetUpdate",
    "RegistryChangedError",
]


class RegistryChangedError(ConflictError):
    """Another writer recorded a registry event after this batch's decisions were made; decide again."""

    code = "conflict.registry"


class OffsetConflictError(ConflictError):
    """Another consumer advanced these Kafka offsets first; this batch was (partly) already applied."""

    code = "conflict.offsets"


@dataclass(frozen=True, slots=True)
class IndexEntry:
    event_id: str
    stream_kind: str
    stream_key: str
    seq: int
    type: str
    org: str
    occurred_at: int
    hash: bytes


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


@dataclass(frozen=True, slots=True)
class IndexRow(IndexEntry):
    """An index entry as stored: with its global position and its Merkle leaf."""

    position: int
    leaf: int


INDEX_COLUMNS = "position, leaf, event_id, stream_kind, stream_key, seq, type, org, occurred_at, hash"


class LedgerIndexMixin:
    """Shared writes and reads of the ledger tables. Subclasses supply ``_sql`` and ``_read``."""

    events_table_ref: str
    index_table: str
    nodes_table: str
    offsets_table: str
    dead_letters_table: str
    checkpoints_table: str
    meta_table: str
    rowid: str  # the events table's notification id column

    def _sql(self, text: str) -> str:
        """Adapt ``text`` (``?`` placeholders, ``{index}``-style table names) to the dialect."""
        raise NotImplementedError

    def _read(self, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def _write(self, text: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run ``text`` once per row in one committed transaction (outside the event path)."""
        raise NotImplementedError

    def _format(self, text: str) -> str:
        return text.format(
            index=self.index_table, nodes=self.nodes_table, offsets=self.offsets_table,
            dead_letters=self.dead_letters_table, checkpoints=self.checkpoints_table, meta=self.meta_table,
            events=self.events_table_ref, rowid=self.rowid,
        )

    def ledger_table_statements(self) -> list[str]:
        return [
            self._sql(
                "CREATE TABLE IF NOT EXISTS {index} (position {position_key}, leaf BIGINT NOT NULL UNIQUE, "
                "event_id TEXT NOT NULL UNIQUE, stream_kind TEXT NOT NULL, stream_key TEXT NOT NULL, "
                "seq BIGINT NOT NULL, type TEXT NOT NULL, org TEXT NOT NULL, occurred_at BIGINT NOT NULL, "
                "hash {blob} NOT NULL)"
            ),
            self._sql("CREATE INDEX IF NOT EXISTS {index_name}_stream ON {index} (stream_key, seq)"),
            # Registry scans need only the organization rows: a partial index keeps elevator rows out of it.
            self._sql("CREATE INDEX IF NOT EXISTS {index_name}_org ON {index} (position) WHERE stream_kind = 'org'"),
            self._sql(
                "CREATE TABLE IF NOT EXISTS {nodes} (level INTEGER NOT NULL, idx BIGINT NOT NULL, "
                "hash {blob} NOT NULL, PRIMARY KEY (level, idx)){clustered}"
            ),
            self._sql(
                "CREATE TABLE IF NOT EXISTS {offsets} (consumer_group TEXT NOT NULL, topic TEXT NOT NULL, "
                "kafka_partition INTEGER NOT NULL, next_offset BIGINT NOT NULL, "
                "PRIMARY KEY (consumer_group, topic, kafka_partition))"
            ),
            self._sql(
                "CREATE TABLE IF NOT EXISTS {dead_letters} (consumer_group TEXT NOT NULL, topic TEXT NOT NULL, "
                "kafka_partition INTEGER NOT NULL, kafka_offset BIGINT NOT NULL, code TEXT NOT NULL, "
                "message TEXT NOT NULL, value {blob} NOT NULL, headers {blob} NOT NULL, "
                "published INTEGER NOT NULL DEFAULT 0, "
                "PRIMARY KEY (consumer_group, topic, kafka_partition, kafka_offset))"
            ),
            self._sql(
                "CREATE TABLE IF NOT EXISTS {checkpoints} (checkpoint_id BIGINT PRIMARY KEY, tree_size BIGINT NOT NULL, "
                "issued_at BIGINT NOT NULL, note TEXT NOT NULL)"
            ),
            self._sql("CREATE TABLE IF NOT EXISTS {meta} (name TEXT PRIMARY KEY, value TEXT NOT NULL)"),
        ]

    # --- writing, inside the events' transaction -------------------------------------------------------------

    def _write_ledger_batch(self, cursor: Any, positions: Sequence[int], batch: LedgerBatch) -> None:
        if len(positions) != len(batch.entries):
            raise IntegrityError(f"{len(positions)} notification ids for {len(batch.entries)} index entries")
        if batch.org_head is not None:
            self._check_org_head(cursor, batch.org_head)
        for update in batch.offsets:
            self._advance_offset(cursor, update)
        if batch.dead_letters:
            cursor.executemany(self._sql("INSERT INTO {dead_letters} VALUES (?,?,?,?,?,?,?,?,0)"), [
                (d.group, d.topic, d.partition, d.offset, d.code, d.message, d.value, d.headers)
                for d in batch.dead_letters
            ])
        size = self._fetch_one(cursor, "SELECT COALESCE(MAX(leaf) + 1, 0) FROM {index}")
        appender = MerkleAppender(size, self._fetch_nodes(cursor, range_nodes(0, size) if size else []))
        nodes: list[tuple[int, int, bytes]] = []
        rows = []
        for leaf, (position, entry) in enumerate(zip(positions, batch.entries, strict=True), start=size):
            rows.append((
                position, leaf, entry.event_id, entry.stream_kind, entry.stream_key, entry.seq, entry.type,
                entry.org, entry.occurred_at, entry.hash,
            ))
            nodes.extend((level, idx, digest) for (level, idx), digest in appender.append(leaf_hash(entry.hash)))
        cursor.executemany(self._sql(f"INSERT INTO {{index}} ({INDEX_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)"), rows)
        cursor.executemany(self._sql("INSERT INTO {nodes} (level, idx, hash) VALUES (?,?,?)"), nodes)
        batch.positions = list(positions)

    def _check_org_head(self, cursor: Any, expected: int) -> None:
        head = self._fetch_one(cursor, "SELECT COALESCE(MAX(position), 0) FROM {index} WHERE stream_kind = 'org'")
        if head != expected:
            raise RegistryChangedError(f"registry moved from position {expected} to {head} during the batch")

    def _advance_offset(self, cursor: Any, update: OffsetUpdate) -> None:
        key = (update.group, update.topic, update.partition)
        cursor.execute(
            self._sql("SELECT next_offset FROM {offsets} WHERE consumer_group=? AND topic=? AND kafka_partition=?"),
            key,
        )
        row = cursor.fetchone()
        stored = None if row is None else _values(row)[0]
        if stored != update.expected:
            raise OffsetConflictError(
                f"{update.topic}[{update.partition}] for {update.group} is at {stored}, not {update.expected}"
            )
        if stored is None:
            cursor.execute(self._sql("INSERT INTO {offsets} VALUES (?,?,?,?)"), (*key, update.next_offset))
        else:
            cursor.execute(
                self._sql("UPDATE {offsets} SET next_offset=? WHERE consumer_group=? AND topic=? AND kafka_partition=?"),
                (update.next_offset, *key),
            )

    def _fetch_one(self, cursor: Any, text: str, params: Sequence[Any] = ()) -> Any:
        cursor.execute(self._sql(text), params)
        return _values(cursor.fetchone())[0]

    def _fetch_nodes(self, cursor: Any, ids: Sequence[NodeId]) -> list[bytes]:
        if not ids:
            return []
        found = {}
        for level, idx, digest in self._select_nodes(cursor, ids):
            found[(level, idx)] = bytes(digest)
        missing = [node for node in ids if node not in found]
        if missing:
            raise IntegrityError(f"Merkle nodes missing from the store: {missing[:4]}")
        return [found[node] for node in ids]

    def _select_nodes(self, cursor: Any, ids: Sequence[NodeId]) -> list[tuple[int, int, bytes]]:
        text, params = _nodes_query(ids)
        cursor.execute(self._sql(text), params)
        return [tuple(_values(row)) for row in cursor.fetchall()]  # type: ignore[misc]

    # --- reading ---------------------------------------------------------------------------------------------

    def lookup_events(self, event_ids: Sequence[str]) -> dict[str, IndexRow]:
        """Index rows for those of ``event_ids`` that are stored."""
        found: dict[str, IndexRow] = {}
        for start in range(0, len(event_ids), 500):
            chunk = list(event_ids[start:start + 500])
            marks = ",".join("?" * len(chunk))
            for row in self._read(f"SELECT {INDEX_COLUMNS} FROM {{index}} WHERE event_id IN ({marks})", chunk):
                found[row[2]] = _index_row(row)
        return found

    def record_at(self, position: int) -> bytes | None:
        rows = self._read("SELECT state FROM {events} WHERE {rowid} = ?", (position,))
        return bytes(rows[0][0]) if rows else None

    def stream_rows(self, stream_key: str) -> list[tuple[IndexRow, bytes]]:
        """A stream's events in ``seq`` order, each with its stored record."""
        rows = self._read(
            f"SELECT {_qualified(INDEX_COLUMNS, 'i')}, e.state FROM {{index}} i JOIN {{events}} e "
            "ON e.{rowid} = i.position WHERE i.stream_key = ? ORDER BY i.seq",
            (stream_key,),
        )
        return [(_index_row(row[:10]), bytes(row[10])) for row in rows]

    def scan(self, after: int, limit: int, *, stream_kind: str | None = None) -> list[tuple[IndexRow, bytes]]:
        """Events in global order with position > ``after``, with their records."""
        where = "i.position > ?" + (" AND i.stream_kind = ?" if stream_kind else "")
        params: list[Any] = [after] + ([stream_kind] if stream_kind else []) + [limit]
        rows = self._read(
            f"SELECT {_qualified(INDEX_COLUMNS, 'i')}, e.state FROM {{index}} i JOIN {{events}} e "
            f"ON e.{{rowid}} = i.position WHERE {where} ORDER BY i.position LIMIT ?",
            params,
        )
        return [(_index_row(row[:10]), bytes(row[10])) for row in rows]

    def event_rows(self, after: int, upto: int) -> list[tuple[Any, ...]]:
        """Stored events with positions in (after, upto]: (position, originator_id, originator_version, topic, state)."""
        return self._read(
            "SELECT {rowid}, originator_id, originator_version, topic, state FROM {events} "
            "WHERE {rowid} > ? AND {rowid} <= ? ORDER BY {rowid}",
            (after, upto),
        )

    def index_rows(self, after: int, upto: int) -> list[tuple[Any, ...]]:
        """Index rows with positions in (after, upto]: (position, leaf, stream_kind, stream_key, seq, hash,
        event_id, type, org, occurred_at) — the order verification reads them in."""
        rows = self._read(
            "SELECT position, leaf, stream_kind, stream_key, seq, hash, event_id, type, org, occurred_at "
            "FROM {index} WHERE position > ? AND position <= ? ORDER BY position",
            (after, upto),
        )
        return [(*row[:5], bytes(row[5]), *row[6:]) for row in rows]

    def stream_head_before(self, stream_key: str, position: int) -> tuple[int, bytes] | None:
        """(seq, hash) of the stream's last event before ``position``."""
        rows = self._read(
            "SELECT seq, hash FROM {index} WHERE stream_key = ? AND position < ? ORDER BY seq DESC LIMIT 1",
            (stream_key, position),
        )
        return (int(rows[0][0]), bytes(rows[0][1])) if rows else None

    def leaf_scan(self, after: int, limit: int) -> list[tuple[int, bytes]]:
        """(leaf, event hash) in leaf order for leaves > ``after``."""
        rows = self._read("SELECT leaf, hash FROM {index} WHERE leaf > ? ORDER BY leaf LIMIT ?", (after, limit))
        return [(int(leaf), bytes(digest)) for leaf, digest in rows]

    def level_hashes(self, level: int) -> list[bytes]:
        """Every stored node of one level in index order; a missing index ends the list there."""
        hashes: list[bytes] = []
        for idx, digest in self._read("SELECT idx, hash FROM {nodes} WHERE level = ? ORDER BY idx", (level,)):
            if idx != len(hashes):
                break
            hashes.append(bytes(digest))
        return hashes

    def counts(self) -> tuple[int, int, int]:
        """(stored events, index rows, Merkle nodes)."""
        events = self._read("SELECT COUNT(*) FROM {events}")[0][0]
        index = self._read("SELECT COUNT(*) FROM {index}")[0][0]
        return int(events), int(index), self.node_count()

    def node_count(self) -> int:
        return int(self._read("SELECT COUNT(*) FROM {nodes}")[0][0])

    def first_orphan_index_row(self) -> IndexRow | None:
        """The first index row whose stored event is gone, if any."""
        rows = self._read(
            f"SELECT {_qualified(INDEX_COLUMNS, 'i')} FROM {{index}} i LEFT JOIN {{events}} e "
            "ON e.{rowid} = i.position WHERE e.{rowid} IS NULL ORDER BY i.position LIMIT 1"
        )
        return _index_row(rows[0]) if rows else None

    def max_event_position(self) -> int:
        return int(self._read("SELECT COALESCE(MAX({rowid}), 0) FROM {events}")[0][0])

    def org_head(self) -> int:
        rows = self._read("SELECT COALESCE(MAX(position), 0) FROM {index} WHERE stream_kind = 'org'")
        return int(rows[0][0])

    def tree_size(self) -> int:
        return int(self._read("SELECT COALESCE(MAX(leaf) + 1, 0) FROM {index}")[0][0])

    def max_position(self) -> int:
        return int(self._read("SELECT COALESCE(MAX(position), 0) FROM {index}")[0][0])

    def unpublished_dead_letters(self, group: str, limit: int = 1000) -> list[DeadLetter]:
        rows = self._read(
            "SELECT consumer_group, topic, kafka_partition, kafka_offset, code, message, value, headers "
            "FROM {dead_letters} WHERE consumer_group = ? AND published = 0 "
            "ORDER BY topic, kafka_partition, kafka_offset LIMIT ?",
            (group, limit),
        )
        return [DeadLetter(r[0], r[1], int(r[2]), int(r[3]), r[4], r[5], bytes(r[6]), bytes(r[7])) for r in rows]

    def mark_dead_letters_published(self, letters: Sequence[DeadLetter]) -> None:
        """Record that ``letters`` reached the dead-letter topic (the outbox relay's second step)."""
        self._write(
            "UPDATE {dead_letters} SET published = 1 WHERE consumer_group = ? AND topic = ? AND kafka_partition = ? "
            "AND kafka_offset = ?",
            [(d.group, d.topic, d.partition, d.offset) for d in letters],
        )

    def dead_letter_count(self, group: str) -> int:
        return int(self._read("SELECT COUNT(*) FROM {dead_letters} WHERE consumer_group = ?", (group,))[0][0])

    # --- the transparency log ------------------------------------------------------------------------------

    def get_nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        """The stored Merkle nodes ``ids`` in order (ledger.tlog.merkle.NodeSource); raises if one is missing."""
        found: dict[NodeId, bytes] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), 200):
            for level, idx, digest in self._read(*_nodes_query(unique[start:start + 200])):
                found[(int(level), int(idx))] = bytes(digest)
        missing = [node for node in unique if node not in found]
        if missing:
            raise IntegrityError(f"Merkle nodes missing from the store: {missing[:4]}", code="proof.store")
        return [found[node] for node in ids]

    def first_of_type(self, event_type: str) -> IndexRow | None:
        """The earliest event of a type (a scan: for demos and tools, not for hot paths)."""
        rows = self._read(f"SELECT {INDEX_COLUMNS} FROM {{index}} WHERE type = ? ORDER BY position LIMIT 1",
                          (event_type,))
        return _index_row(rows[0]) if rows else None

    def leaf_of(self, event_id: str) -> IndexRow | None:
        return self.lookup_events([event_id]).get(event_id)

    def row_at_leaf(self, leaf: int) -> IndexRow | None:
        rows = self._read(f"SELECT {INDEX_COLUMNS} FROM {{index}} WHERE leaf = ?", (leaf,))
        return _index_row(rows[0]) if rows else None

    def meta(self) -> dict[str, str]:
        return {name: value for name, value in self._read("SELECT name, value FROM {meta}")}

    def set_meta(self, values: dict[str, str]) -> None:
        """Set meta values that are not set yet (the log's identity never changes once chosen)."""
        current = self.meta()
        for name, value in values.items():
            if name in current and current[name] != value:
                raise ConflictError(f"the log's {name} is already {current[name]!r}", code="conflict.meta")
        self._write("INSERT INTO {meta} (name, value) VALUES (?, ?)",
                    [(name, value) for name, value in values.items() if name not in current])

    def add_checkpoint(self, tree_size: int, issued_at: int, note: str) -> int:
        """Keep an issued checkpoint note; returns its id."""
        self._write(
            "INSERT INTO {checkpoints} (checkpoint_id, tree_size, issued_at, note) "
            "SELECT COALESCE(MAX(checkpoint_id), 0) + 1, ?, ?, ? FROM {checkpoints}",
            [(tree_size, issued_at, note)],
        )
        return int(self._read("SELECT MAX(checkpoint_id) FROM {checkpoints}")[0][0])

    def replace_checkpoint_note(self, checkpoint_id: int, note: str) -> None:
        """Store the note again with more witness cosignatures (the signed text itself never changes)."""
        self._write("UPDATE {checkpoints} SET note = ? WHERE checkpoint_id = ?", [(note, checkpoint_id)])

    def checkpoints(self, *, tree_size: int | None = None, newest_only: bool = False
                    ) -> list[tuple[int, int, int, str]]:
        """Issued checkpoints as (id, tree size, issued at, note), oldest first: every one, those of one tree size,
        or only the newest of them."""
        where, params = (" WHERE tree_size = ?", (tree_size,)) if tree_size is not None else ("", ())
        order = " ORDER BY checkpoint_id DESC LIMIT 1" if newest_only else " ORDER BY checkpoint_id"
        rows = self._read("SELECT checkpoint_id, tree_size, issued_at, note FROM {checkpoints}" + where + order, params)
        return [(int(i), int(size), int(at), str(note)) for i, size, at, note in rows]

    def consumer_offsets(self, group: str, topic: str) -> dict[int, int]:
        rows = self._read(
            "SELECT kafka_partition, next_offset FROM {offsets} WHERE consumer_group = ? AND topic = ?", (group, topic)
        )
        return {int(p): int(o) for p, o in rows}


def _values(row: Any) -> Sequence[Any]:
    """A row as a sequence, whether the driver returns tuples, sqlite3.Row or dicts (psycopg dict_row)."""
    return tuple(row.values()) if isinstance(row, dict) else row


def _qualified(columns: str, alias: str) -> str:
    return ", ".join(f"{alias}.{c.strip()}" for c in columns.split(","))


def _index_row(row: Sequence[Any]) -> IndexRow:
    """From the columns in INDEX_COLUMNS order."""
    return IndexRow(event_id=row[2], stream_kind=row[3], stream_key=row[4], seq=int(row[5]), type=row[6],
                    org=row[7], occurred_at=int(row[8]), hash=bytes(row[9]), position=int(row[0]), leaf=int(row[1]))


def _nodes_query(ids: Sequence[NodeId]) -> tuple[str, list[int]]:
    """SELECT the Merkle nodes ``ids`` (level, idx, hash); the text still has the ledger's placeholders."""
    clause = " OR ".join("(level=? AND idx=?)" for _ in ids)
    return f"SELECT level, idx, hash FROM {{nodes}} WHERE {clause}", [value for node in ids for value in node]
