"""eventsourcing process recorders for SQLite and PostgreSQL that also keep the ledger tables (tables.py).

Both create the ledger tables with the events table (only when the store is created on purpose: ``Store(url,
mode="create")``), stamp them with the schema version, and write a :class:`LedgerBatch` in the events' own
transaction (batch.py); what differs between them is only how eventsourcing inserts the events.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresDatastore, PostgresProcessRecorder
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore, SQLiteProcessRecorder
from psycopg.sql import SQL, Composed

from ledger.core.errors import IntegrityError
from ledger.store.batch import write_ledger_batch
from ledger.store.dialect import SCHEMA_LOCK, postgres_dialect, sqlite_dialect
from ledger.store.rows import LedgerBatch
from ledger.store.tables import LedgerTables

__all__ = ["LedgerPostgresRecorder", "LedgerSQLiteRecorder"]


class LedgerSQLiteRecorder(SQLiteProcessRecorder):
    def __init__(self, datastore: SQLiteDatastore, *, events_table_name: str = "stored_events") -> None:
        self.tables = LedgerTables(sqlite_dialect(), events_table_name)
        super().__init__(datastore, events_table_name=events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *self.tables.create_statements(),
                *self.tables.stamp_statements()]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # The events' INSERT comes first: it takes SQLite's write lock before anything is read.
        positions = self._insert_rows(c, stored_events)
        tracking = kwargs.get("tracking")
        if tracking is not None:
            self._insert_tracking(c, tracking)
        batch: LedgerBatch | None = kwargs.get("ledger_batch")
        if batch is not None:
            write_ledger_batch(c, self.tables, positions, batch)
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
        (last,) = c.fetchone()
        if int(last) != positions[-1]:
            raise IntegrityError("SQLite did not assign consecutive rowids to one batch")
        return positions


class LedgerPostgresRecorder(PostgresProcessRecorder):
    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events",
        tracking_table_name: str = "notification_tracking",
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name, tracking_table_name=tracking_table_name)
        self.tables = LedgerTables(postgres_dialect(datastore.schema), events_table_name)
        self.sql_create_statements.extend(
            Composed([SQL(text)]) for text in [*self.tables.create_statements(), *self.tables.stamp_statements()])

    def create_table(self) -> None:
        """Create the schema with the other processes kept out: eventsourcing re-runs its DDL (``CREATE OR
        REPLACE FUNCTION`` among it) at every start, and two workers starting together would otherwise fail
        with "tuple concurrently updated". A session advisory lock, held on a connection of its own."""
        with self.datastore.get_connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
            try:
                super().create_table()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))
                conn.commit()

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        """One plain transaction: lock, insert events, then the ledger tables; any error rolls all of it back."""
        batch: LedgerBatch | None = kwargs.get("ledger_batch")
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as cursor:
            self._insert_stored_events(cursor, stored_events)
            positions = self._fetch_ids_after_insert_events(cursor, stored_events)
            if batch is not None and positions is not None:
                write_ledger_batch(cursor, self.tables, positions, batch)
        return positions
