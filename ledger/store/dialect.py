"""The one place that knows how SQLite and PostgreSQL differ, and runs SQL on the store's own connections.

Every statement in the project is written once, for both backends, with ``?`` placeholders and bare table names;
:class:`Dialect` turns it into the backend's text (``%s`` placeholders, tables qualified by the PostgreSQL
schema) and names the few column types that differ. :class:`Database` runs statements through the eventsourcing
datastore — its pool, its transactions, its schema — so a process holds one pool per database and everything the
project stores beside the events (ledger tables, projection views, API tokens) lives in the same file or schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore
from psycopg.rows import tuple_row

__all__ = ["SCHEMA_LOCK", "Cursor", "Database", "Dialect", "postgres_dialect", "row_values", "sqlite_dialect"]

T = TypeVar("T")
# The PostgreSQL advisory lock ("LLSC") every process takes while it creates or changes tables in a schema: the
# ledger's (ledger/store/recorders.py), the projections', the API tokens', and schema migrations.
SCHEMA_LOCK = 0x4C4C_5343


@dataclass(frozen=True, slots=True)
class Dialect:
    """SQL text and column types for one backend."""

    name: Literal["sqlite", "postgresql"]
    schema: str = ""  # PostgreSQL: the schema every table lives in

    @property
    def is_postgres(self) -> bool:
        return self.name == "postgresql"

    def table(self, name: str) -> str:
        """``name`` as it must appear in SQL (schema-qualified on PostgreSQL)."""
        return f'"{self.schema}".{name}' if self.is_postgres else name

    def sql(self, text: str) -> str:
        """``text`` written with ``?`` placeholders, in the backend's placeholder style."""
        return text.replace("?", "%s") if self.is_postgres else text

    @property
    def blob(self) -> str:
        return "BYTEA" if self.is_postgres else "BLOB"

    @property
    def integer(self) -> str:
        """A 64-bit integer column (SQLite's INTEGER already is one)."""
        return "BIGINT" if self.is_postgres else "INTEGER"

    @property
    def events_rowid(self) -> str:
        """The eventsourcing events table's notification id column: the ledger's global position."""
        return "notification_id" if self.is_postgres else "rowid"

    @property
    def position_key(self) -> str:
        """A primary key column that is the ledger position; on SQLite INTEGER PRIMARY KEY makes it the rowid."""
        return f"{self.integer} PRIMARY KEY"

    @property
    def unix_now(self) -> str:
        """An SQL expression: the current time in whole unix seconds."""
        if self.is_postgres:
            return "CAST(EXTRACT(EPOCH FROM now()) AS BIGINT)"
        return "CAST(strftime('%s', 'now') AS INTEGER)"

    @property
    def clustered(self) -> str:
        """Table suffix storing rows in their primary key's B-tree (SQLite's WITHOUT ROWID; PostgreSQL: none)."""
        return "" if self.is_postgres else " WITHOUT ROWID"


def sqlite_dialect() -> Dialect:
    return Dialect("sqlite")


def postgres_dialect(schema: str) -> Dialect:
    return Dialect("postgresql", schema)


class Cursor(Protocol):
    """What the project uses of a DB-API cursor (eventsourcing's SQLite wrapper or a psycopg cursor)."""

    def execute(self, query: Any, params: Any = ..., /) -> Any: ...

    def executemany(self, query: Any, params_seq: Any, /) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> Any: ...


def row_values(row: Any) -> tuple[Any, ...]:
    """A fetched row as a tuple, whether the driver returned a tuple, an sqlite3.Row or a dict (psycopg dict_row)."""
    return tuple(row.values()) if isinstance(row, dict) else tuple(row)


class Database:
    """Runs SQL on the store's database through the eventsourcing datastore; rows come back as tuples."""

    def __init__(self, datastore: SQLiteDatastore | PostgresDatastore, dialect: Dialect) -> None:
        self.datastore = datastore
        self.dialect = dialect

    def table(self, name: str) -> str:
        return self.dialect.table(name)

    def transaction(self, *, commit: bool) -> AbstractContextManager[Any]:
        """A cursor inside one transaction, committed at the end when ``commit`` (else rolled back)."""
        return self.datastore.transaction(commit=commit)

    def read(self, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of a read-only statement."""
        with self._reading() as cursor:
            cursor.execute(self.dialect.sql(text), tuple(params))
            rows: list[tuple[Any, ...]] = cursor.fetchall()  # tuples already (see _reading)
            return rows

    def read_as(self, make: Callable[[tuple[Any, ...]], T], text: str, params: Sequence[Any] = ()) -> list[T]:
        """The rows of a read-only statement, each made into ``make(row)`` as it is fetched: the driver's tuple is
        dropped at once, so a bulk read keeps one object per row alive, not two (and the collector stays quiet)."""
        with self._reading() as cursor:
            cursor.execute(self.dialect.sql(text), tuple(params))
            return [make(row) for row in cursor]

    def write(self, text: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run ``text`` once per row, in one committed transaction."""
        with self.datastore.transaction(commit=True) as cursor:
            cursor.executemany(self.dialect.sql(text), rows)

    def execute(self, text: str, params: Sequence[Any] = ()) -> int:
        """Run one writing statement in its own committed transaction; returns the number of rows it touched."""
        with self.datastore.transaction(commit=True) as cursor:
            raw = cursor.sqlite_cursor if isinstance(cursor, SQLiteCursor) else cursor
            raw.execute(self.dialect.sql(text), tuple(params))
            return int(raw.rowcount)

    def script(self, statements: Sequence[str]) -> None:
        """Run DDL statements (``CREATE … IF NOT EXISTS``), already in the dialect's text, in one transaction."""
        with self.schema_transaction() as cursor:
            for statement in statements:
                cursor.execute(statement)

    @contextmanager
    def schema_transaction(self) -> Iterator[Any]:
        """A committed transaction for creating or changing tables. On PostgreSQL it first takes
        :data:`SCHEMA_LOCK` (released at commit), so processes starting together on a fresh schema create tables
        one after the other: concurrent ``CREATE TABLE IF NOT EXISTS`` of one name can otherwise fail on the
        catalogue's unique index. On SQLite it takes the write lock at once (``BEGIN IMMEDIATE``): a deferred
        transaction that reads the schema and then writes fails with "database is locked", without waiting, when
        another process wrote in between."""
        with self.datastore.transaction(commit=True) as cursor:
            if self.dialect.is_postgres:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            else:  # eventsourcing began a deferred transaction that holds no lock yet: begin again, immediately
                cursor.execute("ROLLBACK")
                cursor.execute("BEGIN IMMEDIATE")
            yield cursor

    @contextmanager
    def _reading(self) -> Iterator[Any]:
        """A cursor that returns plain tuples: on SQLite inside a read transaction (sqlite3.Row costs more than
        the query on bulk reads); on PostgreSQL on an autocommit connection, one statement, no BEGIN/ROLLBACK."""
        datastore = self.datastore
        if isinstance(datastore, PostgresDatastore):
            with datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as cursor:
                yield cursor
        else:
            with datastore.transaction(commit=False) as cursor:
                raw = cursor.sqlite_cursor
                raw.row_factory = None
                yield raw
