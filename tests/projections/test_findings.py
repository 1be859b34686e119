"""The finding book: what it writes must not depend on where the runner's flushes fall."""

from __future__ import annotations

from typing import Any

import pytest

from projections.framework.events import EventRef
from projections.framework.findings import FindingBook, FindingRow
from projections.framework.storage import Table

TABLE = Table("pj_test_findings", FindingRow, ("code", "rule", "key"))
EVIDENCE = [EventRef("e1", "Suspended", "00" * 32, 100)]
KEY = (TABLE, ("E1", "F6", "k"))


class FlushedRows:
    """Pending rows and the table they are flushed into (``None`` deletes), as the runner does."""

    def __init__(self) -> None:
        self.pending: dict[Any, Any] = {}
        self.table: dict[Any, Any] = {}

    def flush(self) -> None:
        for key, row in self.pending.items():
            if row is None:
                self.table.pop(key, None)
            else:
                self.table[key] = row
        self.pending.clear()


@pytest.mark.parametrize("flush_after_close", [False, True])
def test_withdrawing_an_unwritten_finding_keeps_the_closed_one_under_its_key(flush_after_close: bool) -> None:
    rows = FlushedRows()
    book = FindingBook(TABLE, "E1", rows.pending)
    book.open("F6", "k", 100, EVIDENCE)
    book.drain()
    rows.flush()  # the open finding is stored
    book.resolve("F6", "k", 200)  # closed by a suspension: written as final
    if flush_after_close:
        rows.flush()
    book.open("F6", "k", 300, EVIDENCE)  # restarted under the same key by the reactivation, never written
    book.withdraw("F6", "k")  # and cancelled
    book.drain()
    rows.flush()
    stored = rows.table[KEY]
    assert (stored.opened_at, stored.closed_at) == (100, 200)  # the closed finding, wherever the flushes fell
