"""Small helpers the benchmark modules share that are about files, not workloads."""

from __future__ import annotations

import sqlite3
from pathlib import Path

__all__ = ["copy_store"]


def copy_store(source: Path, target: Path) -> Path:
    """A consistent copy of an SQLite ledger (SQLite's online backup, so a WAL is never missed)."""
    target.unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target
