"""eventsourcing process recorders for SQLite and PostgreSQL that also keep the ledger tables (index.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresDatastore, PostgresProcessRecorder
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore, SQLiteProcessRecorder
from psycopg.sql import SQL

from ledger.core.errors import IntegrityError
from ledger.store.index import LedgerBatch, LedgerIndexMixin

__all__ = ["LedgerPostgresRecorder", "LedgerSQLiteRecorder"]

_SCHEMA_LOCK = 0x4C4C_5343  # "LLSC": the PostgreSQL advisory lock that serializes schema creation


class LedgerSQLiteRecorder(LedgerIndexMixin, SQLiteProcessRecorder):
    index_table = "ledger_index"
    nodes_table = "merkle_nodes"
    offsets_table = "consumer_offsets"
    dead_letters_table = "dead_letters"
    checkpoints_table = "checkpoints"
    meta_table = "ledger_meta"
    events_table_ref = "stored_events"
    rowid = "rowid"

    def __init__(self, datastore: SQLiteDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *self.ledger_table_statements()]

    def _sql(self, text: str) -> str:
        # INTEGER PRIMARY KEY makes position the rowid; WITHOUT ROWID stores nodes in their primary key's B-tree.
        dialect = {"{index_name}": "ledger_index", "{blob}": "BLOB", "{position_key}": "INTEGER PRIMARY KEY",
                   "{clustered}": " WITHOUT ROWID"}
        for placeholder, value in dialect.items():
            text = text.replace(placeholder, value)
        return self._format(text)

    def _read(self, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.datastore.transaction(commit=False) as cursor:
            raw = cursor.sqlite_cursor
            raw.row_factory = None  # plain tuples: sqlite3.Row costs more than the query on bulk reads
            raw.execute(self._sql(text), params)
            return raw.fetchall()

    def _write(self, text: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            cursor.executemany(self._sql(text), rows)

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        # The events' INSERT comes first: it takes SQLite's write lock before anything is read.
        positions = self._insert_rows(c, stored_events)
        tracking = kwargs.get("tracking")
        if tracking is not None:
            self._insert_tracking(c, tracking)
        batch: LedgerBatch | None = kwargs.get("ledger_batch")
        if batch is not None:
            self._write_ledger_batch(c, positions, batch)
        return positions

    def _insert_rows(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent]) -> list[int]:
        """One execute for the first row (its rowid), one executemany for the rest.

        Inside the write transaction nobody else inserts, and SQLite gives each new row max(rowid) + 1, so the
        rowids are consecutive; the last one is checked rather than assumed.
        """
        if not stored_events:
            return []
        rows = [(s.originator_id.hex if isinstance(s.originator_id, UUID) else s.originator_id,
                 s.originator_version, s.topic, s.state) for s in stored_events]
        c.execute(self.insert_events_statement, rows[0])
        first = int(c.lastrowid)
        if len(rows) > 1:
            c.executemany(self.insert_events_statement, rows[1:])
        positions = list(range(first, first + len(rows)))
        c.execute(f"SELECT MAX(rowid) FROM {self.events_table_name}")
        if int(c.fetchone()[0]) != positions[-1]:
            raise IntegrityError("SQLite did not assign consecutive rowids to one batch")
        return positions


class LedgerPostgresRecorder(LedgerIndexMixin, PostgresProcessRecorder):
    offsets_table = ""
    dead_letters_table = ""
    checkpoints_table = ""
    meta_table = ""
    rowid = "notification_id"

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events",
        tracking_table_name: str = "notification_tracking",
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name, tracking_table_name=tracking_table_name)
        schema = datastore.schema
        self.events_table_ref = f'"{schema}"."{events_table_name}"'
        self.index_table = f'"{schema}".ledger_index'
        self.nodes_table = f'"{schema}".merkle_nodes'
        self.offsets_table = f'"{schema}".consumer_offsets'
        self.dead_letters_table = f'"{schema}".dead_letters'
        self.checkpoints_table = f'"{schema}".checkpoints'
        self.meta_table = f'"{schema}".ledger_meta'
        self.sql_create_statements.extend(SQL(statement) for statement in self.ledger_table_statements())  # type: ignore[arg-type]

    def create_table(self) -> None:
        """Create the schema with the other processes kept out: eventsourcing re-runs its DDL (``CREATE OR
        REPLACE FUNCTION`` among it) at every start, and two workers starting together would otherwise fail
        with "tuple concurrently updated". A session advisory lock, held on a connection of its own."""
        with self.datastore.get_connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (_SCHEMA_LOCK,))
            try:
                super().create_table()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_SCHEMA_LOCK,))
                conn.commit()

    def _sql(self, text: str) -> str:
        dialect = {"{index_name}": "ledger_index", "{blob}": "BYTEA", "{position_key}": "BIGINT PRIMARY KEY",
                   "{clustered}": ""}
        for placeholder, value in dialect.items():
            text = text.replace(placeholder, value)
        return self._format(text).replace("?", "%s")

    def _read(self, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.datastore.get_connection() as conn, conn.cursor() as cursor:
            cursor.execute(self._sql(text), params)  # type: ignore[arg-type]
            return [tuple(row.values()) for row in cursor.fetchall()]

    def _write(self, text: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as cursor:
            cursor.executemany(self._sql(text), rows)  # type: ignore[arg-type]

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        """One plain transaction: lock, insert events, then the ledger tables; any error rolls all of it back."""
        batch: LedgerBatch | None = kwargs.get("ledger_batch")
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as cursor:
            self._insert_stored_events(cursor, stored_events)
            positions = self._fetch_ids_after_insert_events(cursor, stored_events)
            if batch is not None and positions is not None:
                self._write_ledger_batch(cursor, positions, batch)
        return positions
