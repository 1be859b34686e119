"""View tables in the ledger's own database, and the one transaction that moves a view forward.

Views live beside the ledger: in the same SQLite file, or in the same PostgreSQL schema (``pj_*`` tables). Each
view has a row in ``pj_tracking`` — its position in the notification log and the version of its code. A flush
writes, in **one** transaction, a compare-and-set of every view's tracking row (old position → new position) and
that view's row changes; if another process moved a view first, the compare fails and nothing is written
(:class:`ProjectionConflictError`), so an event is never counted twice (exactly-once under redelivery).

Only plain values are stored: integers, text and canonical JSON text — never positions or anything that depends
on the backend — so the same events give byte-identical views on SQLite and PostgreSQL (:meth:`ViewDB.dump`).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Annotated, Any, Generic, NamedTuple, TypeVar, get_args, get_origin, get_type_hints

import orjson

from ledger.core.errors import ConflictError
from ledger.store import Store

__all__ = ["QUARANTINE", "Json", "ProjectionConflictError", "QuarantineRow", "Table", "ViewBatch", "ViewDB"]

TRACKING = "pj_tracking"

Json = Annotated[str, "json"]  # a column holding canonical JSON text
R = TypeVar("R", bound=NamedTuple)  # a table's row type
S = TypeVar("S", bound=NamedTuple)  # some of a table's columns, named by its fields


class ProjectionConflictError(ConflictError):
    """Another process moved a view's tracked position during this flush; nothing was written."""

    code = "conflict.projection"


def _column_kind(hint: Any) -> str:
    """``text``, ``int`` or ``json`` for a row field annotated ``str``, ``int`` or :data:`Json` (or ``… | None``)."""
    if get_origin(hint) is Annotated:
        return "json" if "json" in get_args(hint)[1:] else _column_kind(get_args(hint)[0])
    if get_origin(hint) is types.UnionType:
        (kind,) = {_column_kind(arg) for arg in get_args(hint) if arg is not type(None)}
        return kind
    return {str: "text", int: "int"}[hint]


@dataclass(eq=False)
class Table(Generic[R]):
    """A view table, described by its row type: a NamedTuple whose fields are the columns, in order, annotated
    ``str`` (text), ``int`` or :data:`Json` (canonical JSON text), ``| None`` where the column may be empty.

    Rows are written as that type and read back as it (:meth:`ViewDB.select`). Identity is the object (tables are
    module constants), so a table can key a dict cheaply.
    """

    name: str
    row: type[R]
    key: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = ()
    by_code: bool = True  # has a ``code`` column: an elevator's rows can be replaced as a whole
    columns: tuple[tuple[str, str], ...] = field(init=False)  # (name, kind), from the row type

    def __post_init__(self) -> None:
        hints = get_type_hints(self.row, include_extras=True)
        self.columns = tuple((name, _column_kind(hints[name])) for name in self.row._fields)
        names = self.column_names
        getter = itemgetter(*[names.index(k) for k in self.key])
        self._key: Callable[[Sequence[Any]], tuple[Any, ...]] = (
            (lambda row: (getter(row),)) if len(self.key) == 1 else getter)

    @property
    def column_names(self) -> tuple[str, ...]:
        return self.row._fields

    def key_of(self, row: Sequence[Any]) -> tuple[Any, ...]:
        """The primary-key values of ``row`` (a tuple in column order)."""
        return self._key(row)


class QuarantineRow(NamedTuple):
    """A record one view could not fold: it is left out of that view (which goes on), with the error it raised."""

    view: str
    event_id: str
    position: int
    type: str
    stream_key: str
    error: str  # the exception's class
    message: str


# Every view's quarantine in one table, written with the view's rows in its flush and emptied with its rebuild.
QUARANTINE: Table[QuarantineRow] = Table("pj_quarantine", QuarantineRow, key=("view", "event_id"),
                                         indexes=(("view", "position"),), by_code=False)


@dataclass
class ViewBatch:
    """One view's changes for one flush."""

    view: str
    version: str
    old_position: int
    new_position: int
    tables: tuple[Table[Any], ...] = ()
    purge_codes: set[str] = field(default_factory=set)
    upserts: dict[Table[Any], dict[tuple[Any, ...], tuple[Any, ...]]] = field(default_factory=dict)
    deletes: dict[Table[Any], set[tuple[Any, ...]]] = field(default_factory=dict)

    def put(self, table: Table[Any], key: tuple[Any, ...], row: tuple[Any, ...] | None) -> None:
        if row is None:
            self.upserts.get(table, {}).pop(key, None)
            self.deletes.setdefault(table, set()).add(key)
        else:
            self.deletes.get(table, set()).discard(key)
            self.upserts.setdefault(table, {})[key] = row

    @property
    def rows(self) -> int:
        return sum(len(v) for v in self.upserts.values()) + sum(len(v) for v in self.deletes.values())


_SQLITE_CACHE_KIB = 64 * 1024


def _rowcount(cursor: Any) -> int:
    """Rows touched by the last statement (eventsourcing wraps SQLite's cursor)."""
    return int(getattr(cursor, "sqlite_cursor", cursor).rowcount)


class ViewDB:
    """The projection tables of one store, on either backend."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.dialect = store.dialect  # the store's dialect shim (ledger/store/dialect.py)
        self.datastore = store.database
        self.pg = self.dialect.is_postgres

    # --- SQL text ------------------------------------------------------------------------------------------

    def t(self, name: str) -> str:
        """The table's name as it must appear in SQL (schema-qualified on PostgreSQL)."""
        return self.dialect.table(name)

    def sql(self, text: str) -> str:
        return self.dialect.sql(text)

    def _kind(self, kind: str) -> str:
        return {"int": self.dialect.integer, "text": "TEXT", "json": "TEXT"}[kind]

    def _ddl(self, table: Table[Any]) -> list[str]:
        cols = ", ".join(
            f"{name} {self._kind(kind)}{' NOT NULL' if name in table.key else ''}" for name, kind in table.columns
        )
        out = [f"CREATE TABLE IF NOT EXISTS {self.t(table.name)} ({cols}, PRIMARY KEY ({', '.join(table.key)}))"]
        by_code = (("code",),) if table.by_code and table.key[0] != "code" else ()
        for n, columns in enumerate(by_code + table.indexes):
            out.append(
                f"CREATE INDEX IF NOT EXISTS {table.name}_i{n} ON {self.t(table.name)} ({', '.join(columns)})"
            )
        return out

    # --- transactions ----------------------------------------------------------------------------------------

    def read(self, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(self.sql(text), tuple(params))
            return [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in cursor.fetchall()]

    def _query(self, table: Table[Any], columns: Sequence[str], where: str, params: Sequence[Any],
               distinct: bool = False) -> list[tuple[Any, ...]]:
        select = "SELECT DISTINCT" if distinct else "SELECT"
        condition = f" WHERE {where}" if where else ""
        return self.read(f"{select} {', '.join(columns)} FROM {self.t(table.name)}{condition}", params)

    def select(self, table: Table[R], where: str = "", params: Sequence[Any] = ()) -> list[R]:
        """The rows of ``table`` matching ``where`` (SQL with ``?`` placeholders), as its row type."""
        return [table.row._make(r) for r in self._query(table, table.column_names, where, params)]

    def select_as(self, table: Table[Any], shape: type[S], where: str = "", params: Sequence[Any] = ()) -> list[S]:
        """Some columns of ``table``: those named by the fields of ``shape``, as ``shape``."""
        return [shape._make(r) for r in self._query(table, shape._fields, where, params)]

    def values(self, table: Table[Any], column: str, where: str = "", params: Sequence[Any] = (), *,
               distinct: bool = False) -> list[Any]:
        """One column of the matching rows (its distinct values with ``distinct``)."""
        return [value for (value,) in self._query(table, (column,), where, params, distinct)]

    def count(self, table: Table[Any], where: str = "", params: Sequence[Any] = ()) -> int:
        """How many rows of ``table`` match."""
        ((count,),) = self._query(table, ("COUNT(*)",), where, params)
        return int(count)

    def ensure(self, tables: Iterable[Table[Any]], versions: dict[str, str]) -> None:
        """Create missing tables and tracking rows (new views start at position 0), under the schema lock: two
        servers starting together on a fresh store must not both create one table."""
        with self.datastore.schema_transaction() as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {self.t(TRACKING)} (view TEXT NOT NULL PRIMARY KEY, "
                f"position {self._kind('int')} NOT NULL, version TEXT NOT NULL)"
            )
            for table in (*tables, QUARANTINE):
                for statement in self._ddl(table):
                    cursor.execute(statement)
            for view, version in sorted(versions.items()):
                cursor.execute(
                    self.sql(f"INSERT INTO {self.t(TRACKING)} (view, position, version) VALUES (?, 0, ?) "
                             "ON CONFLICT (view) DO NOTHING"),
                    (view, version),
                )

    def quarantined(self, view: str | None = None) -> list[QuarantineRow]:
        """Quarantined records (of one view), in log order."""
        rows = self.select(QUARANTINE, "view = ?" if view else "", (view,) if view else ())
        return sorted(rows, key=lambda r: (r.position, r.view))

    def quarantined_ids(self, view: str) -> set[str]:
        return set(self.values(QUARANTINE, "event_id", "view = ?", (view,)))

    def quarantine_counts(self) -> dict[str, int]:
        """How many records each view holds in quarantine (views with none are left out)."""
        return {str(view): int(n) for view, n in self.read(
            f"SELECT view, COUNT(*) FROM {self.t(QUARANTINE.name)} GROUP BY view")}

    def positions(self) -> dict[str, tuple[int, str]]:
        return {view: (int(pos), ver) for view, pos, ver in self.read(f"SELECT view, position, version FROM "
                                                                      f"{self.t(TRACKING)}")}

    def reset(self, view: str, version: str, tables: Iterable[Table[Any]], *, recreate: bool = False) -> None:
        """Empty a view and move it back to position 0 (a rebuild replays it from the start).

        ``recreate`` drops and recreates the tables: a new code version may have changed their columns.
        """
        with self.datastore.schema_transaction() as cursor:
            for table in tables:
                if recreate:
                    cursor.execute(f"DROP TABLE IF EXISTS {self.t(table.name)}")
                    for statement in self._ddl(table):
                        cursor.execute(statement)
                else:
                    cursor.execute(f"DELETE FROM {self.t(table.name)}")
            cursor.execute(self.sql(f"DELETE FROM {self.t(QUARANTINE.name)} WHERE view = ?"), (view,))
            cursor.execute(self.sql(f"UPDATE {self.t(TRACKING)} SET position = 0, version = ? WHERE view = ?"),
                           (version, view))

    def commit(self, batches: Sequence[ViewBatch]) -> None:
        """Move every view forward with its rows in one transaction, or raise and write nothing."""
        with self.datastore.transaction(commit=True) as cursor:
            if not self.pg:
                cursor.execute(f"PRAGMA cache_size = -{_SQLITE_CACHE_KIB}")  # this connection's page cache
            for batch in batches:  # tracking first: it takes the write lock before any read
                cursor.execute(
                    self.sql(f"UPDATE {self.t(TRACKING)} SET position = ? WHERE view = ? AND position = ? "
                             "AND version = ?"),
                    (batch.new_position, batch.view, batch.old_position, batch.version),
                )
                if _rowcount(cursor) != 1:
                    raise ProjectionConflictError(
                        f"view {batch.view} is no longer at position {batch.old_position} (another process moved it)"
                    )
            for batch in batches:
                self._write(cursor, batch)

    def _write(self, cursor: Any, batch: ViewBatch) -> None:
        if batch.purge_codes:
            codes = [(code,) for code in sorted(batch.purge_codes)]
            for table in (t for t in batch.tables if t.by_code):
                cursor.executemany(self.sql(f"DELETE FROM {self.t(table.name)} WHERE code = ?"), codes)
        for table, keys in batch.deletes.items():
            if keys:
                where = " AND ".join(f"{k} = ?" for k in table.key)
                cursor.executemany(self.sql(f"DELETE FROM {self.t(table.name)} WHERE {where}"), sorted(keys))
        for table, rows in batch.upserts.items():
            if rows:  # in key order: B-tree inserts stay local (≈ 1.5× faster on SQLite); keys are NOT NULL
                cursor.executemany(self.sql(self._upsert(table)), [rows[k] for k in sorted(rows)])

    def _upsert(self, table: Table[Any]) -> str:
        names = table.column_names
        rest = [n for n in names if n not in table.key]
        action = "DO UPDATE SET " + ", ".join(f"{n} = excluded.{n}" for n in rest) if rest else "DO NOTHING"
        return (f"INSERT INTO {self.t(table.name)} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
                f"ON CONFLICT ({', '.join(table.key)}) {action}")

    # --- inspection ------------------------------------------------------------------------------------------

    def dump(self, tables: Iterable[Table[Any]]) -> bytes:
        """Every row of ``tables`` in key order, as canonical JSON lines: equal dumps mean equal views."""
        out = []
        for table in sorted(tables, key=lambda t: t.name):
            out.append(orjson.dumps({"table": table.name}))
            rows = self._query(table, table.column_names, "", ())
            # Sorted here, not by ORDER BY: PostgreSQL may collate text by locale, SQLite by bytes.
            rows.sort(key=table.key_of)
            out.extend(orjson.dumps(list(row)) for row in rows)
        return b"\n".join(out) + b"\n"

