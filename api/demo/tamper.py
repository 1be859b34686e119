"""What the demo does to copies of its store to show that changes are caught: edit a record, rewrite history."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from pathlib import Path

from ledger.core.chain import GENESIS_HASH
from ledger.tlog.leaf import record_leaf_hash
from ledger.tlog.merkle import MerkleAppender

__all__ = ["alter_record", "rewrite_history"]

_OCCURRED = re.compile(rb'"occurred_at":"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:)(\d)(\d)Z"')


def alter_record(path: Path, position: int) -> str:
    """Move the stored record's ``occurred_at`` by ten seconds in place; returns what was changed, for the reader."""
    with sqlite3.connect(path) as con:
        (state,) = con.execute("SELECT state FROM stored_events WHERE rowid = ?", (position,)).fetchone()
        record = bytes(state)
        match = _OCCURRED.search(record)
        if match is None:
            raise ValueError(f"record {position} has no occurred_at")
        tens = str((int(match.group(2)) + 1) % 6).encode()
        edited = record[:match.start(2)] + tens + record[match.end(2):]
        con.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (edited, position))
    before = (match.group(1) + match.group(2) + match.group(3)).decode()
    return f"occurred_at {before} → {(match.group(1) + tens + match.group(3)).decode()}"


def rewrite_history(path: Path, position: int) -> None:
    """What a dishonest operator would do after editing a record: re-chain the stream and rebuild the tree."""
    with sqlite3.connect(path) as con:
        (stream,) = con.execute("SELECT stream_key FROM ledger_index WHERE position = ?", (position,)).fetchone()
        head = GENESIS_HASH
        rows = con.execute("SELECT i.position, e.state FROM ledger_index i JOIN stored_events e "
                           "ON e.rowid = i.position WHERE i.stream_key = ? ORDER BY i.seq", (stream,)).fetchall()
        for row_position, state in rows:
            head = hashlib.sha256(head + bytes(state)).digest()
            con.execute("UPDATE ledger_index SET hash = ? WHERE position = ?", (head, row_position))
        con.execute("DELETE FROM merkle_nodes")
        appender = MerkleAppender()
        for digest, recorded_at in con.execute("SELECT hash, recorded_at FROM ledger_index ORDER BY leaf").fetchall():
            nodes = appender.append(record_leaf_hash(bytes(digest), int(recorded_at)))
            con.executemany("INSERT INTO merkle_nodes VALUES (?, ?, ?)", [(lv, i, h) for (lv, i), h in nodes])
