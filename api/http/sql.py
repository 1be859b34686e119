"""The API's own SQL on the store's database: the same SQLite file or the same PostgreSQL schema.

The API keeps a little state of its own (hashed access tokens) and runs a few read-only queries over the ledger
index that the store does not offer. It borrows the store's eventsourcing datastore — its connection pool, its
transactions, its schema — rather than opening connections of its own, so a server holds one pool per database.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ledger.store import Store

__all__ = ["StoreSQL"]


class StoreSQL:
    """Run SQL written with ``?`` placeholders on either backend; rows come back as tuples."""

    def __init__(self, store: Store) -> None:
        recorder: Any = store.index
        self.datastore = recorder.datastore
        self.pg = store.url.kind == "postgresql"
        self.schema = store.url.schema
        self.index_table = recorder.index_table
        self.events_table = recorder.events_table_ref
        self.rowid = recorder.rowid

    def table(self, name: str) -> str:
        """``name`` as it must appear in SQL (schema-qualified on PostgreSQL)."""
        return f'"{self.schema}".{name}' if self.pg else name

    def _sql(self, text: str) -> str:
        return text.replace("?", "%s") if self.pg else text

    def query(self, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only statement."""
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(self._sql(text), params)
            return [_values(row) for row in cursor.fetchall()]

    def execute(self, text: str, params: Sequence[Any] = ()) -> int:
        """Run one writing statement in its own committed transaction; returns the rows it touched."""
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(self._sql(text), params)
            return int(getattr(cursor, "sqlite_cursor", cursor).rowcount)

    def script(self, statements: Sequence[str]) -> None:
        """Run DDL statements (``CREATE … IF NOT EXISTS``) in one committed transaction."""
        with self.datastore.transaction(commit=True) as cursor:
            for statement in statements:
                cursor.execute(statement)


def _values(row: Any) -> tuple[Any, ...]:
    """PostgreSQL rows are dicts (eventsourcing uses psycopg's dict_row); SQLite rows are sequences."""
    return tuple(row.values()) if isinstance(row, dict) else tuple(row)
