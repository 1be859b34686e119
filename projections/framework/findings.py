"""Findings with a life: alerts and fraud signals that open, close, move or are withdrawn as events arrive.

Every finding is an interval ``[opened_at, closed_at)`` fixed entirely by events, never by the wall clock: a
deadline rule ("no maintenance within 15 days") is scheduled to open at its deadline, which may still be in the
future of the data; a later event either cancels it (it came in time: the finding never existed) or closes it
(it came late). "Open at T" is then a plain filter, ``opened_at <= T < closed_at``, and equals what a replay of
the events up to T would say.

A book keeps only its *live* findings (those a later event may still change) in memory; final ones are written
once and forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple, TypeVar

import orjson

from projections.framework.events import EventRef, ref_json
from projections.framework.runner import ElevatorFoldView, FoldState, Rows
from projections.framework.storage import Json, Table

__all__ = [
    "BookState",
    "Finding",
    "FindingBook",
    "FindingFoldView",
    "FindingRow",
    "evidence_json",
    "evidence_refs",
    "finding_row",
]

_SORT = orjson.OPT_SORT_KEYS


class FindingRow(NamedTuple):
    """A stored finding (the rows of ``pj_alerts`` and ``pj_signals``)."""

    code: str
    rule: str
    key: str
    opened_at: int
    closed_at: int | None
    detail: Json
    evidence: Json  # compact: [[event_id, type, hash, occurred_at], …]


@dataclass(slots=True)
class Finding:
    rule: str
    key: str
    opened_at: int
    closed_at: int | None
    evidence: list[EventRef]
    detail: dict[str, Any]
    persisted: bool = False
    dirty: bool = True


def finding_row(code: str, f: Finding) -> FindingRow:
    """The stored row; evidence is kept compact (``[event_id, type, hash, occurred_at]``) and expanded to the
    documented objects when read (:func:`evidence_json`)."""
    return FindingRow(code=code, rule=f.rule, key=f.key, opened_at=f.opened_at, closed_at=f.closed_at,
                      detail=orjson.dumps(f.detail, option=_SORT).decode(),
                      evidence=orjson.dumps([tuple(r) for r in f.evidence]).decode())


def evidence_json(stored: str | bytes, at: int | None = None) -> list[dict[str, Any]]:
    """Stored compact evidence → the documented list of ``{event_id, type, hash, occurred_at}``.

    With ``at``, evidence a later event added is left out: the finding as it stood at ``at``.
    """
    return [ref_json(r) for r in evidence_refs(stored) if at is None or r.occurred_at <= at]


def evidence_refs(stored: str | bytes) -> list[EventRef]:
    return [EventRef(*r) for r in orjson.loads(stored)]


class FindingBook:
    """The live findings of one elevator in one view, writing into that elevator's pending rows."""

    __slots__ = ("code", "live", "rows", "table")

    def __init__(self, table: Table[FindingRow], code: str, rows: Rows) -> None:
        self.table, self.code, self.rows = table, code, rows
        self.live: dict[tuple[str, str], Finding] = {}

    def get(self, rule: str, key: str) -> Finding | None:
        return self.live.get((rule, key))

    def open(self, rule: str, key: str, opens_at: int, evidence: list[EventRef],
             detail: dict[str, Any] | None = None) -> Finding:
        """Schedule (or move) a live finding that opens at ``opens_at``."""
        f = self.live.get((rule, key))
        if f is None:
            f = Finding(rule, key, opens_at, None, list(evidence), detail or {})
            self.live[(rule, key)] = f
        elif f.opened_at != opens_at or f.evidence != evidence or (detail is not None and detail != f.detail):
            f.opened_at, f.evidence, f.dirty = opens_at, list(evidence), True
            if detail is not None:
                f.detail = detail
        return f

    def amend(self, f: Finding, *, evidence: EventRef | None = None, **detail: Any) -> None:
        """Add evidence or detail to a live finding."""
        if evidence is not None and evidence not in f.evidence:
            f.evidence.append(evidence)
            f.dirty = True
        for name, value in detail.items():
            if f.detail.get(name) != value:
                f.detail[name], f.dirty = value, True

    def resolve(self, rule: str, key: str, at: int, evidence: EventRef | None = None) -> None:
        """The condition ended at ``at``: before the opening it never existed; after it, the finding closes."""
        f = self.live.pop((rule, key), None)
        if f is None:
            return
        if at < f.opened_at:
            self._withdraw(f)
            return
        f.closed_at = at
        if evidence is not None and evidence not in f.evidence:
            f.evidence.append(evidence)
        self._emit(f)

    def settle(self, rule: str, key: str) -> None:
        """Nothing can change this finding any more: write it if needed and stop holding it."""
        f = self.live.pop((rule, key), None)
        if f is not None and f.dirty:
            self._emit(f)

    def withdraw(self, rule: str, key: str) -> None:
        f = self.live.pop((rule, key), None)
        if f is not None:
            self._withdraw(f)

    def record(self, rule: str, key: str, opened_at: int, closed_at: int | None, evidence: list[EventRef],
               detail: dict[str, Any] | None = None) -> None:
        """A finding already final when it is found (a late rescue, a short visit)."""
        self.live.pop((rule, key), None)
        self._emit(Finding(rule, key, opened_at, closed_at, list(evidence), detail or {}))

    def keep(self, rule: str, wanted: dict[str, Finding]) -> None:
        """Make ``wanted`` the rule's live set (for rules recomputed as a whole, like contract coverage)."""
        for (r, key), f in list(self.live.items()):
            if r == rule and key not in wanted:
                self.live.pop((r, key))
                self._withdraw(f)
        for key, new in wanted.items():
            old = self.live.get((rule, key))
            if old is None:
                self.live[(rule, key)] = new
            elif (old.opened_at, old.closed_at, old.evidence, old.detail) != (
                    new.opened_at, new.closed_at, new.evidence, new.detail):
                old.opened_at, old.closed_at, old.evidence, old.detail = (
                    new.opened_at, new.closed_at, new.evidence, new.detail)
                old.dirty = True

    def live_of(self, rule: str) -> list[Finding]:
        return [f for (r, _), f in self.live.items() if r == rule]

    def drain(self) -> None:
        """Write every changed live finding (called when the view flushes)."""
        for f in self.live.values():
            if f.dirty:
                self._emit(f)
                f.dirty, f.persisted = False, True

    def mark_persisted(self) -> None:
        """After a reload from the ledger: the live findings are already in the database."""
        for f in self.live.values():
            f.dirty, f.persisted = False, True

    def _emit(self, f: Finding) -> None:
        self.rows[(self.table, (self.code, f.rule, f.key))] = finding_row(self.code, f)

    def _withdraw(self, f: Finding) -> None:
        # A finding never written has nothing to take back. Whatever is pending under its key belongs to an
        # earlier finding with the same key (a clock stopped by a suspension and restarted by the reactivation):
        # dropping it would keep that one's stored row, or not, depending on where the flushes fell.
        if f.persisted:
            self.rows[(self.table, (self.code, f.rule, f.key))] = None


@dataclass(slots=True)
class BookState(FoldState):
    """The state of a view whose rows are findings."""

    book: FindingBook = field(init=False)  # set by FindingFoldView.with_book


B = TypeVar("B", bound=BookState)


class FindingFoldView(ElevatorFoldView[B]):
    """A per-elevator view whose rows are findings (alerts, fraud signals), kept by each state's book."""

    finding_table: ClassVar[Table[FindingRow]]

    def with_book(self, st: B) -> B:
        """``st`` with its finding book, which writes into the state's pending rows."""
        st.book = FindingBook(self.finding_table, st.code, st.rows)
        return st

    def settle(self, st: B) -> None:
        st.book.drain()

    def loaded(self, st: B) -> None:
        st.book.mark_persisted()
