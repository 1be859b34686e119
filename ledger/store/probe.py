"""What is at a store URL, found without creating or changing anything.

Opening a store through eventsourcing would create it: ``sqlite3.connect`` makes a missing file, and the recorders
run their DDL. So before a store is opened, the URL is looked at with the bare driver — SQLite read-only, PostgreSQL
on one short connection — and classified:

- ``missing``: no SQLite file; no such PostgreSQL schema.
- ``empty``: a zero-length file, or a file or schema without any table.
- ``foreign``: tables, but not a LiftLedger store's (no ``ledger_index``): somebody else's database.
- ``ledger``: a LiftLedger store; ``ledger_meta`` says its schema version and log format (a store made before
  versions were recorded has neither: schema version 0, log format 1).

:class:`~ledger.store.application.Store` decides from the probe whether it may open, create or migrate
(ledger/store/migrations.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import quote

import psycopg

from ledger.core.errors import StoreIOError
from ledger.store.faults import store_failure
from ledger.store.url import StoreURL

__all__ = ["LEDGER_TABLE", "META_TABLE", "StoreProbe", "probe_store"]

LEDGER_TABLE = "ledger_index"  # the table that makes a database a LiftLedger store
META_TABLE = "ledger_meta"
_CONNECT_TIMEOUT_S = 10


@dataclass(frozen=True)
class StoreProbe:
    """What :func:`probe_store` found at ``url``."""

    url: StoreURL
    kind: Literal["missing", "empty", "foreign", "ledger"]
    tables: tuple[str, ...] = ()
    meta: Mapping[str, str] = field(default_factory=dict)

    @property
    def schema_version(self) -> int:
        """The recorded schema version; 0 for a store made before versions were recorded."""
        return _number(self.meta.get("schema_version", "0"))

    @property
    def log_format(self) -> int:
        """The recorded log format; 1 for a store made before formats were recorded."""
        return _number(self.meta.get("log_format", "1"))


def _number(text: str) -> int:
    return int(text) if text.isdigit() else -1  # -1: a value no LiftLedger wrote, refused as unknown


def probe_store(url: StoreURL) -> StoreProbe:
    """Look at ``url`` without creating or changing anything; an I/O failure is a typed :class:`StoreIOError`."""
    try:
        return _probe_sqlite(url) if url.kind == "sqlite" else _probe_postgres(url)
    except StoreIOError:
        raise
    except Exception as e:
        failure = store_failure(e, url)
        if failure is None:
            raise
        raise failure from None


def _classify(url: StoreURL, tables: list[str], meta: Mapping[str, str]) -> StoreProbe:
    names = tuple(sorted(tables))
    if not names:
        return StoreProbe(url, "empty")
    if LEDGER_TABLE not in names:
        return StoreProbe(url, "foreign", names)
    return StoreProbe(url, "ledger", names, dict(meta))


def _probe_sqlite(url: StoreURL) -> StoreProbe:
    path = Path(url.path)
    if not path.exists():
        return StoreProbe(url, "missing")
    if not path.is_file():
        raise StoreIOError(f"{url.display()}: is not a file", code="store.io")
    if path.stat().st_size == 0:
        return StoreProbe(url, "empty")
    conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=60)
    try:
        tables = [str(name) for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        meta = dict(conn.execute(f"SELECT name, value FROM {META_TABLE}")) if META_TABLE in tables else {}
    finally:
        conn.close()
    return _classify(url, tables, meta)


def _probe_postgres(url: StoreURL) -> StoreProbe:
    with psycopg.connect(host=url.host, port=url.port, user=url.user or None, password=url.password or None,
                         dbname=url.dbname, connect_timeout=_CONNECT_TIMEOUT_S, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (url.schema,)).fetchone() is None:
            return StoreProbe(url, "missing")
        # pg_class, not information_schema: the latter hides tables this user has no privilege on.
        tables = [str(name) for (name,) in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f')", (url.schema,))]
        meta: dict[str, str] = {}
        if META_TABLE in tables:
            meta = {str(n): str(v) for n, v in conn.execute(f'SELECT name, value FROM "{url.schema}".{META_TABLE}')}
    return _classify(url, tables, meta)
