"""An I/O failure of the store as one typed error naming the store's URL, never a traceback.

The drivers say what went wrong in their own words: sqlite3 and psycopg raise their own exceptions, eventsourcing
wraps both in its ``PersistenceError`` family (keeping the driver's text), and the operating system raises
``OSError`` with an errno. :func:`store_failure` reads whichever it is given — following ``__cause__`` and
``__context__`` down to the driver's own words — and names the failure by what an operator must do about it:

==================== ==================================================================================
``store.unreachable`` the PostgreSQL server cannot be reached, or the connection went away mid-work
``store.damaged``     the SQLite file is not a database, or a page of it is malformed
``store.full``        the disk (or the database's quota) is full
``store.permission``  the file, directory or schema may not be read or written by this user
``store.busy``        another writer held the store's lock for longer than the lock timeout
``store.missing``     the PostgreSQL database named by the URL does not exist
``store.io``          any other failure of the file system or the driver
==================== ==================================================================================

Nothing here retries: the caller's unit of work (a batch, a flush, a request) was rolled back by the database, so
it can be run again once the cause is fixed; the ingest worker and the projection runner do so on their own.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator

import psycopg
from eventsourcing.persistence import PersistenceError
from psycopg_pool import PoolTimeout

from ledger.core.errors import StoreError, StoreIOError, StoreStateError
from ledger.store.url import StoreURL, parse_store_url

__all__ = ["STORE_FAILURES", "store_failure"]

# The exceptions a store operation can fail with that are not the ledger's own.
STORE_FAILURES: tuple[type[BaseException], ...] = (
    sqlite3.Error, psycopg.Error, PersistenceError, PoolTimeout, OSError,
)

# (code, what it means, words of the drivers that say so), first match wins; the words are lower case.
_KINDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("store.full", "the disk is full", (
        "database or disk is full", "no space left", "disk full", "could not extend file", "disk quota")),
    ("store.damaged", "the database file is damaged or is not an SQLite database", (
        "file is not a database", "malformed", "database disk image", "corrupt", "not a database")),
    ("store.permission", "permission denied", (
        "readonly database", "read-only", "permission denied", "insufficient privilege", "must be owner")),
    ("store.busy", "another writer held the store's lock too long", (
        "database is locked", "lock timeout", "database table is locked")),
    ("store.unreachable", "the database server cannot be reached or went away", (
        "connection refused", "could not connect", "failed to resolve host", "server closed the connection",
        "terminating connection", "connection failed", "timeout expired", "connection is closed",
        "consuming input failed", "connection is lost", "couldn't get a connection", "connection timed out",
        "no route to host", "connection reset", "admin_shutdown", "the connection is lost", "ssl syscall")),
)
_ERRNO_KINDS = {
    errno.ENOSPC: "store.full", errno.EDQUOT: "store.full", errno.EACCES: "store.permission",
    errno.EPERM: "store.permission", errno.EROFS: "store.permission",
}
_MEANING = {code: meaning for code, meaning, _ in _KINDS} | {"store.io": "an I/O operation failed"}


def store_failure(error: BaseException, url: StoreURL | str | None) -> StoreError | None:
    """The typed error for ``error``, raised while using the store at ``url``; None if it is no store failure.

    A :class:`StoreError` is returned as it is (it already names its URL).
    """
    if isinstance(error, StoreError):
        return error
    if not isinstance(error, STORE_FAILURES):
        return None
    where = (url if isinstance(url, StoreURL) else parse_store_url(url)).display()
    detail = _driver_words(error)
    text = detail.lower()
    if 'database "' in text and "does not exist" in text:
        return StoreStateError(f"no PostgreSQL database at {where} ({detail})", code="store.missing")
    code = next((code for code, _, words in _KINDS if any(w in text for w in words)), None)
    if code is None:
        os_error = next((e for e in _chain(error) if isinstance(e, OSError) and e.errno is not None), None)
        code = _ERRNO_KINDS.get(os_error.errno, "store.io") if os_error is not None and os_error.errno else "store.io"
    return StoreIOError(f"{where}: {_MEANING[code]} ({detail})", code=code)


def _chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and the errors it was raised from or while handling, outermost first (no cycles)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _driver_words(error: BaseException) -> str:
    """The innermost non-empty message of the chain, on one line (drivers put hints on later lines)."""
    words = ""
    for e in _chain(error):
        text = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        if isinstance(e, OSError) and e.filename:
            text = f"{text}: {e.filename}"
        first = " ".join(text.split("\n", 1)[0].split())
        if first:
            words = first
    return words[:300] or type(error).__name__
