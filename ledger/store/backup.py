"""Backup and restore of a whole store: the events, the ledger tables, the checkpoints, the views and the tokens.

- SQLite: SQLite's online backup API copies the file page by page into a new file, consistent even while writers
  run (a reader's snapshot); restoring is placing that file where the store is to be.
- PostgreSQL: ``pg_dump --format=custom`` of the store's schema (consistent: one transaction's snapshot), and
  ``pg_restore`` into a database or schema that holds no store yet.

A restored store is the store as it was: ``liftledger verify`` recomputes every chain, signature and Merkle node,
and a checkpoint signed before the backup must still verify against the restored log (docs/OPERATIONS.md). Neither
direction overwrites anything: a backup file that exists, or a target that already holds a store, is refused.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ledger.core.errors import ConfigurationError
from ledger.store.url import StoreURL

__all__ = ["BackupResult", "backup_store", "restore_store"]


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: str
    bytes: int
    method: str  # "sqlite-backup-api" | "pg_dump" | "copy" | "pg_restore"


def backup_store(url: StoreURL, out: str | os.PathLike[str]) -> BackupResult:
    target = Path(out)
    if target.exists():
        raise ConfigurationError(f"{target} exists; a backup never overwrites a file", code="backup.exists")
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.kind == "sqlite":
        source = sqlite3.connect(f"file:{url.path}?mode=ro", uri=True)
        try:
            with sqlite3.connect(target) as copy:
                source.backup(copy)
            copy.close()
        except sqlite3.Error as e:
            target.unlink(missing_ok=True)
            raise ConfigurationError(f"cannot back up {url.display()}: {e}", code="backup.failed") from None
        finally:
            source.close()
        return BackupResult(str(target), target.stat().st_size, "sqlite-backup-api")
    _run(["pg_dump", "--format=custom", "--no-owner", f"--schema={url.schema}", f"--file={target}",
          _libpq(url)], url, "pg_dump")
    return BackupResult(str(target), target.stat().st_size, "pg_dump")


def restore_store(backup: str | os.PathLike[str], url: StoreURL) -> BackupResult:
    """Place ``backup`` as the store at ``url``, which must hold none (a store is never restored over)."""
    source = Path(backup)
    if not source.is_file():
        raise ConfigurationError(f"no backup file {source}", code="backup.missing")
    if url.kind == "sqlite":
        target = Path(url.path)
        if target.exists() and target.stat().st_size > 0:
            raise ConfigurationError(f"{url.display()} exists; restore into a new path and move it in place",
                                     code="restore.target_exists")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return BackupResult(str(target), target.stat().st_size, "copy")
    _run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_libpq(url)}", str(source)], url, "pg_restore")
    return BackupResult(url.display(), source.stat().st_size, "pg_restore")


def _libpq(url: StoreURL) -> str:
    """The connection string pg_dump and pg_restore take (the schema goes as its own option)."""
    auth = url.user + (f":{url.password}" if url.password else "")
    return f"postgresql://{auth}{'@' if auth else ''}{url.host}:{url.port}/{url.dbname}"


def _run(command: list[str], url: StoreURL, tool: str) -> None:
    if shutil.which(tool) is None:
        raise ConfigurationError(f"{tool} is not installed here: install PostgreSQL's client tools to back up or "
                                 f"restore {url.display()}", code="backup.tool_missing")
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        problem = (result.stderr.strip().splitlines() or ["failed"])[-1]
        raise ConfigurationError(f"{tool} of {url.display()}: {problem}", code="backup.failed")
