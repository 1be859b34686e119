"""Writing a :class:`LedgerBatch` inside the events' own transaction: index rows, Merkle nodes, offsets, dead letters.

The recorders call :func:`write_ledger_batch` after inserting the events, on the same cursor, so either the events
and all of their ledger rows are stored or none of them is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ledger.core.errors import ConflictError, IntegrityError
from ledger.store.dialect import Cursor, row_values
from ledger.store.rows import IndexRow, LedgerBatch, OffsetUpdate
from ledger.store.tables import INDEX_COLUMNS, LedgerTables, nodes_query
from ledger.tlog.leaf import record_leaf_hash
from ledger.tlog.merkle import MerkleAppender, NodeId, range_nodes

__all__ = ["OffsetConflictError", "RecordedTimeConflictError", "RegistryChangedError", "write_ledger_batch"]


class RegistryChangedError(ConflictError):
    """Another writer recorded a registry event after this batch's decisions were made; decide again."""

    code = "conflict.registry"


class RecordedTimeConflictError(ConflictError):
    """Another writer recorded a later time than this batch was decided at; decide again from that time.

    Recorded times never decrease in leaf order, and each event's recorded time is the time it was decided at,
    so a batch whose decision time fell behind the log's newest recorded time is decided again, not re-dated.
    """

    code = "conflict.recorded_time"

    def __init__(self, message: str, *, newest: int) -> None:
        super().__init__(message, newest=newest)
        self.newest = newest


class OffsetConflictError(ConflictError):
    """Another consumer advanced these Kafka offsets first; this batch was (partly) already applied."""

    code = "conflict.offsets"


def write_ledger_batch(cursor: Cursor, tables: LedgerTables, positions: Sequence[int], batch: LedgerBatch) -> None:
    """Check the batch's assumptions, then append its index rows and Merkle nodes; fills in ``batch.positions``."""
    if len(positions) != len(batch.entries):
        raise IntegrityError(f"{len(positions)} notification ids for {len(batch.entries)} index entries")
    sql = tables.sql
    if batch.org_head is not None:
        _check_org_head(cursor, tables, batch.org_head)
    for update in batch.offsets:
        _advance_offset(cursor, tables, update)
    if batch.dead_letters:
        cursor.executemany(sql("INSERT INTO {dead_letters} VALUES (?,?,?,?,?,?,?,?,0)"), [
            (d.group, d.topic, d.partition, d.offset, d.code, d.message, d.value, d.headers)
            for d in batch.dead_letters
        ])
    size, newest = _log_head(cursor, tables)
    appender = MerkleAppender(size, _fetch_nodes(cursor, tables, range_nodes(0, size) if size else []))
    nodes: list[tuple[int, int, bytes]] = []
    rows = []
    for leaf, (position, entry) in enumerate(zip(positions, batch.entries, strict=True), start=size):
        if entry.recorded_at < newest:
            raise RecordedTimeConflictError(
                f"leaf {leaf} would be recorded at {entry.recorded_at}, before leaf {leaf - 1} ({newest})",
                newest=newest)
        newest = entry.recorded_at
        rows.append((
            position, leaf, entry.event_id, entry.stream_kind, entry.stream_key, entry.seq, entry.type,
            entry.org, entry.occurred_at, entry.hash, entry.recorded_at,
        ))
        leaf_hash = record_leaf_hash(entry.hash, entry.recorded_at)
        nodes.extend((level, idx, digest) for (level, idx), digest in appender.append(leaf_hash))
    marks = ",".join("?" * len(IndexRow._fields))
    cursor.executemany(sql(f"INSERT INTO {{index}} ({INDEX_COLUMNS}) VALUES ({marks})"), rows)
    cursor.executemany(sql("INSERT INTO {nodes} (level, idx, hash) VALUES (?,?,?)"), nodes)
    batch.positions = list(positions)


def _log_head(cursor: Cursor, tables: LedgerTables) -> tuple[int, int]:
    """The log's size and the recorded time of its newest leaf (0 for an empty log)."""
    cursor.execute(tables.sql("SELECT leaf, recorded_at FROM {index} ORDER BY leaf DESC LIMIT 1"), ())
    found = cursor.fetchone()
    if found is None:
        return 0, 0
    leaf, recorded_at = row_values(found)
    return int(leaf) + 1, int(recorded_at)


def _check_org_head(cursor: Cursor, tables: LedgerTables, expected: int) -> None:
    head = _fetch_one(cursor, tables, "SELECT COALESCE(MAX(position), 0) FROM {index} WHERE stream_kind = 'org'")
    if head != expected:
        raise RegistryChangedError(f"registry moved from position {expected} to {head} during the batch")


def _advance_offset(cursor: Cursor, tables: LedgerTables, update: OffsetUpdate) -> None:
    key = (update.group, update.topic, update.partition)
    where = " WHERE consumer_group=? AND topic=? AND kafka_partition=?"
    cursor.execute(tables.sql("SELECT next_offset FROM {offsets}" + where), key)
    found = cursor.fetchone()
    stored: int | None = None
    if found is not None:
        (next_offset,) = row_values(found)
        stored = int(next_offset)
    if stored != update.expected:
        raise OffsetConflictError(
            f"{update.topic}[{update.partition}] for {update.group} is at {stored}, not {update.expected}"
        )
    if stored is None:
        cursor.execute(tables.sql("INSERT INTO {offsets} VALUES (?,?,?,?)"), (*key, update.next_offset))
    else:
        cursor.execute(tables.sql("UPDATE {offsets} SET next_offset=?" + where), (update.next_offset, *key))


def _fetch_one(cursor: Cursor, tables: LedgerTables, text: str) -> Any:
    """The single value of a one-row, one-column query."""
    cursor.execute(tables.sql(text), ())
    (value,) = row_values(cursor.fetchone())
    return value


def _fetch_nodes(cursor: Cursor, tables: LedgerTables, ids: Sequence[NodeId]) -> list[bytes]:
    if not ids:
        return []
    text, params = nodes_query(ids)
    cursor.execute(tables.sql(text), params)
    found: dict[NodeId, bytes] = {}
    for row in cursor.fetchall():
        level, idx, digest = row_values(row)
        found[(level, idx)] = bytes(digest)
    missing = [node for node in ids if node not in found]
    if missing:
        raise IntegrityError(f"Merkle nodes missing from the store: {missing[:4]}")
    return [found[node] for node in ids]
