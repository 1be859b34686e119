"""The projection framework: views fed from the notification log, each with its position stored with its rows.

**Reading.** :class:`ProjectionRunner` polls the ledger index by position (``scan(after, limit)``, strictly
greater than the last position seen — PostgreSQL notification ids have gaps, so never ``+1``; eventsourcing's
subscription runner does not work on SQLite). Each event is decoded once (:mod:`projections.framework.events`) and
handed to every view whose position is behind it and that wants its type.

**Writing.** Views buffer row changes; every ``flush_every`` events (``rebuild_flush_every`` in a rebuild) the
runner commits all views' changes and their new positions in one transaction, compare-and-set on each view's old
position (:meth:`projections.framework.storage.ViewDB.commit`). Where the flushes fall never changes the rows. A
redelivered event (position ≤ the view's) is skipped; a concurrent runner that moved a view first makes the commit
fail, and this runner drops its memory and resumes from the stored positions. Rebuild = empty the view, position 0,
run.

**Per-elevator views fold in time order.** An elevator's events are folded in ``(occurred_at, position)`` order,
so a view's state after an event is a function of the elevator's events up to that time — which is what "as of T"
means, and why a replay cut at T gives the same answer. Events usually arrive in that order; one that does not (a
back-dated record) or a correction makes the view refold that elevator from the ledger and replace its rows. State
that is not in memory (a new process, an evicted elevator) is rebuilt the same way, from the elevator's stream
up to the view's stored position — the ledger is the snapshot.

**A record that makes a view throw is quarantined for that view**, and the view goes on: the record is left out of
that view for good (recorded in ``pj_quarantine`` with the error, in the same flush, and logged), and an elevator
whose state it may have half-changed is folded again without it. Other views still fold it. A failure of the store
itself (an I/O error) is not a record's fault: it stops the run, and nothing of the flush is written. A rebuild
empties a view's quarantine and finds its poison again.
"""

from __future__ import annotations

import gc
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from ledger.store import Store, StoredRecord
from ledger.store.faults import STORE_FAILURES
from projections.config import DEFAULT_THRESHOLDS, Thresholds
from projections.framework.context import CONTEXT_TYPES, ElevatorContext
from projections.framework.events import LedgerEvent, decode
from projections.framework.storage import QUARANTINE, ProjectionConflictError, QuarantineRow, Table, ViewBatch, ViewDB

__all__ = [
    "ElevatorFoldView",
    "FoldState",
    "GlobalView",
    "History",
    "ProjectionRunner",
    "Rows",
    "RunReport",
    "St",
    "View",
    "effective_history",
]

log = logging.getLogger("liftledger.projections")
# What a view must never quarantine a record for: the store failing under it, or the process running out of memory.
_NOT_THE_RECORD: tuple[type[BaseException], ...] = (*STORE_FAILURES, MemoryError)
Rows = dict[tuple[Table[Any], tuple[Any, ...]], Any]  # pending changes: (table, key) → row, or None to delete
StoredEvents = list[StoredRecord]  # index rows with their records, as the store scans them
History = Callable[[str, int], list[LedgerEvent]]  # (equipment code, up to position) → events in log order


def effective_history(events: Iterable[LedgerEvent]) -> list[LedgerEvent]:
    """An elevator's events as a fold sees them: corrected events replaced by their corrections, time-ordered.

    A correction amends what the corrected event said (docs/DECISIONS.md): the corrected event drops out and the
    correction stands in its place, at its own ``occurred_at``.
    """
    events = list(events)
    corrected = {ev.corrects for ev in events if ev.corrects}
    kept = [ev for ev in events if ev.event_id not in corrected]
    kept.sort(key=lambda ev: (ev.occurred_at, ev.position))
    return kept


class View(ABC):
    """A read model with its own tables and tracked position."""

    name: ClassVar[str]
    version: ClassVar[str]  # bump when the view's logic or tables change: a stored view of another version rebuilds
    tables: ClassVar[tuple[Table[Any], ...]]
    types: ClassVar[frozenset[str]]  # event types the view folds; others only advance its position

    def __init__(self, config: Thresholds = DEFAULT_THRESHOLDS) -> None:
        self.config = config
        self.position = 0  # applied up to here (in memory)
        self.durable = 0  # stored up to here
        self.history: History = _no_history
        self.refolds = 0
        self.poisoned: set[str] = set()  # event ids quarantined for this view: never folded into it again
        self.quarantine_log: list[QuarantineRow] = []  # quarantined since the last flush

    def quarantine(self, event_id: str, position: int, event_type: str, stream_key: str, error: Exception) -> None:
        """Leave a record out of this view for good, keeping the error it raised (stored at the next flush)."""
        self.poisoned.add(event_id)
        message = " ".join(str(error).split())[:500] or type(error).__name__
        self.quarantine_log.append(QuarantineRow(self.name, event_id, position, event_type, stream_key,
                                                 type(error).__name__, message))

    def quarantine_event(self, ev: LedgerEvent, error: Exception) -> None:
        self.quarantine(ev.event_id, ev.position, ev.type, ev.stream_key, error)

    def fold_event(self, ev: LedgerEvent) -> None:
        """:meth:`apply`, isolated: a record that makes the view throw is quarantined, and the view goes on."""
        try:
            self.apply(ev)
        except _NOT_THE_RECORD:
            raise
        except Exception as error:
            self.quarantine_event(ev, error)

    @abstractmethod
    def apply(self, ev: LedgerEvent) -> None:
        """Fold one event in (called once per event, in log order, only for events past the position)."""

    @abstractmethod
    def drain(self, batch: ViewBatch) -> None:
        """Move the buffered row changes into ``batch``."""

    @abstractmethod
    def forget(self) -> None:
        """Drop everything held in memory (the stored view is the truth again)."""

    @abstractmethod
    def after_flush(self) -> None:
        """Called after a successful commit (a chance to shed memory)."""


class GlobalView(View):
    """A view whose rows follow from each event alone (no per-elevator state)."""

    def __init__(self, config: Thresholds = DEFAULT_THRESHOLDS) -> None:
        super().__init__(config)
        self.rows: Rows = {}

    def put(self, table: Table[Any], row: tuple[Any, ...]) -> None:
        self.rows[(table, table.key_of(row))] = row

    def delete(self, table: Table[Any], key: tuple[Any, ...]) -> None:
        self.rows[(table, key)] = None

    def fold_event(self, ev: LedgerEvent) -> None:
        """Each record's rows are staged: a record that throws half-way leaves none of its rows behind."""
        kept, self.rows = self.rows, {}
        try:
            self.apply(ev)
            kept.update(self.rows)
        except _NOT_THE_RECORD:
            raise
        except Exception as error:
            self.quarantine_event(ev, error)
        finally:
            self.rows = kept

    def drain(self, batch: ViewBatch) -> None:
        _drain_rows(self.rows, batch)

    def forget(self) -> None:
        self.rows.clear()

    def after_flush(self) -> None:
        """Nothing to shed: the rows left memory when they were drained."""


@dataclass(slots=True)
class FoldState:
    """One elevator's state in one view: the context, the view's own state, and its pending row changes."""

    code: str
    ctx: ElevatorContext
    rows: Rows = field(default_factory=dict)
    last_at: int = -(2**62)  # occurred_at of the last event folded
    last_position: int = 0  # and its position (0: nothing folded yet)
    last_id: str = ""  # and its event id and type
    last_type: str = ""
    dirty: bool = False
    purge: bool = False  # replace every row of this elevator (after a refold)


St = TypeVar("St", bound=FoldState)  # a fold view's state


class ElevatorFoldView(View, Generic[St]):
    """A view folded per elevator in time order; subclasses give the state and the handlers."""

    handlers: ClassVar[dict[str, Callable[[Any, Any, LedgerEvent], None]]]  # event type → (view, state, event)

    def __init__(self, config: Thresholds = DEFAULT_THRESHOLDS) -> None:
        super().__init__(config)
        self.states: dict[str, St] = {}
        self.touched: dict[str, St] = {}
        self.max_states = 200_000  # elevators kept in memory between flushes; the rest reload from the ledger
        # Memory holds every elevator with an event in (memory_base, position] unless something was evicted;
        # an elevator not in memory then has no history to reload, and the ledger need not be asked.
        self.memory_base = 0
        self.evicted = False

    # --- subclass hooks --------------------------------------------------------------------------------------

    @abstractmethod
    def new_state(self, code: str) -> St:
        """A fresh state for an elevator with no events yet."""

    def settle(self, st: St) -> None:
        """Emit rows that summarize the state (called for each touched elevator when the view flushes)."""

    def loaded(self, st: St) -> None:
        """After a reload from the ledger: the state's rows are already stored."""

    # --- folding ---------------------------------------------------------------------------------------------

    def apply(self, ev: LedgerEvent) -> None:
        if ev.stream_kind != "elevator" or ev.event_id in self.poisoned:
            return
        code = ev.stream_key
        st = self.states.get(code)
        if st is None:
            st = self._load(code)
        if ev.corrects is not None or ev.occurred_at < st.last_at:
            st = self._refold(code, ev.position)
        else:
            try:
                self.step(st, ev)
            except _NOT_THE_RECORD:
                raise
            except Exception as error:  # the state may be half-changed: fold the elevator again without it
                self.quarantine_event(ev, error)
                st = self._refold(code, ev.position)
        if not st.dirty:
            st.dirty = True
            self.touched[code] = st

    def step(self, st: St, ev: LedgerEvent) -> None:
        """Fold one event: context first, then the view's handler."""
        kind = ev.type
        if kind in CONTEXT_TYPES or ev.role == "iot_terminal":
            st.ctx.apply(ev)
        handler = self.handlers.get(kind)
        if handler is not None:
            handler(self, st, ev)
        st.last_at, st.last_position, st.last_id, st.last_type = ev.occurred_at, ev.position, ev.event_id, kind

    def fold(self, code: str, events: Iterable[LedgerEvent]) -> St:
        """A fresh state folded over ``events`` (already effective and time-ordered), leaving out quarantined
        records; a record that throws is quarantined and the fold starts again without it."""
        wanted = [ev for ev in events if ev.type in self.types]
        while True:
            st = self.new_state(code)
            current: LedgerEvent | None = None
            try:
                for current in wanted:
                    if current.event_id not in self.poisoned:
                        self.step(st, current)
                return st
            except _NOT_THE_RECORD:
                raise
            except Exception as error:
                assert current is not None
                self.quarantine_event(current, error)

    def _load(self, code: str) -> St:
        if self.memory_base == 0 and not self.evicted:
            st = self.new_state(code)
            self.states[code] = st
            return st
        st = self.fold(code, effective_history(self.history(code, self.durable)))
        st.rows.clear()
        self.loaded(st)
        self.states[code] = st
        return st

    def _refold(self, code: str, upto: int) -> St:
        st = self.fold(code, effective_history(self.history(code, upto)))
        st.purge = True
        self.states[code] = st
        self.refolds += 1
        return st

    def drain(self, batch: ViewBatch) -> None:
        for code, touched in self.touched.items():
            st = self._settled(code, touched)
            if st.purge:
                batch.purge_codes.add(code)
                st.purge = False
            _drain_rows(st.rows, batch)
            st.dirty = False
        self.touched = {}

    def _settled(self, code: str, st: St) -> St:
        """:meth:`settle`, isolated: if summarizing the state throws, the record that made it throw is found (the
        elevator folded again one record at a time, settling after each), quarantined, and the elevator folded
        again without it, until the state settles."""
        while True:
            try:
                self.settle(st)
                return st
            except _NOT_THE_RECORD:
                raise
            except Exception as error:
                culprit = self._culprit(code)
                if culprit is None:
                    raise  # no record makes it throw on its own: a bug in the view, not poison in the ledger
                self.quarantine_event(culprit, error)
                st = self._refold(code, self.position)
                st.dirty = True

    def _culprit(self, code: str) -> LedgerEvent | None:
        """The first record after which the elevator's state no longer settles."""
        events = effective_history(self.history(code, self.position))
        st = self.new_state(code)
        for ev in events:
            if ev.type not in self.types or ev.event_id in self.poisoned:
                continue
            try:
                self.step(st, ev)
                st.dirty = True
                self.settle(st)
            except _NOT_THE_RECORD:
                raise
            except Exception:
                return ev
        return None

    def forget(self) -> None:
        self.states.clear()
        self.touched = {}
        self.memory_base, self.evicted = self.durable, False

    def after_flush(self) -> None:
        excess = len(self.states) - self.max_states
        if excess > 0:
            self.evicted = True
            for code in list(self.states)[:excess]:
                del self.states[code]


@contextmanager
def _quiet_gc() -> Iterator[None]:
    """Fewer cyclic-GC passes while folding: view state is long-lived and acyclic, and with the default
    thresholds the collector re-walks it so often that it doubles the cost of a rebuild."""
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, 100_000), max(middle, 50), max(old, 100))
    try:
        yield
    finally:
        gc.set_threshold(young, middle, old)


def _drain_rows(rows: Rows, batch: ViewBatch) -> None:
    for (table, key), row in rows.items():
        batch.put(table, key, row)
    rows.clear()


def _no_history(code: str, upto: int) -> list[LedgerEvent]:
    return []


# --- the runner ------------------------------------------------------------------------------------------------


@dataclass
class RunReport:
    events: int = 0  # events read from the log
    applied: int = 0  # (event, view) pairs folded
    flushes: int = 0
    rows: int = 0
    conflicts: int = 0
    refolds: int = 0
    quarantined: int = 0  # records quarantined by a view during this run
    seconds: float = 0.0
    positions: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"events": self.events, "applied": self.applied, "flushes": self.flushes, "rows": self.rows,
                "conflicts": self.conflicts, "refolds": self.refolds, "quarantined": self.quarantined,
                "seconds": round(self.seconds, 3),
                "events_per_second": round(self.rate), "positions": dict(sorted(self.positions.items()))}


class ProjectionRunner:
    """Catches views up with the notification log; rebuilds them from position 0."""

    def __init__(self, store: Store, views: Sequence[View], *, chunk: int = 2_000, flush_every: int = 20_000,
                 rebuild_flush_every: int = 50_000, max_attempts: int = 5) -> None:
        self.store = store
        self.views = list(views)
        self.db = ViewDB(store)
        self.chunk, self.flush_every, self.max_attempts = chunk, flush_every, max_attempts
        # A replay from position 0 touches nearly every elevator between two flushes, and each flush rewrites the
        # dossier of every elevator touched (its whole history, as one body): in a rebuild the number of flushes,
        # not the number of events, sets the cost of writing. It never flushes more often than a catch-up.
        self.rebuild_flush_every = rebuild_flush_every
        self._histories: dict[str, list[LedgerEvent]] = {}
        self._routes: dict[str, list[View]] = {}
        for view in self.views:
            view.history = self._history
        self.db.ensure([t for v in self.views for t in v.tables], {v.name: v.version for v in self.views})
        self._synced = False

    def view(self, name: str) -> View:
        for v in self.views:
            if v.name == name:
                return v
        raise KeyError(name)

    def run(self, *, progress: Callable[[int, int], None] | None = None) -> RunReport:
        """Apply every event past each view's position; returns when the log has no more."""
        return self._run_all(self.flush_every, progress)

    def rebuild(self, names: Iterable[str] | None = None, *,
                progress: Callable[[int, int], None] | None = None) -> RunReport:
        """Empty the named views (all by default) and replay the whole log into them."""
        chosen = [self.view(n) for n in names] if names is not None else self.views
        for view in chosen:
            self.db.reset(view.name, view.version, view.tables)
            view.position = view.durable = 0
            view.forget()
        self._synced = False
        return self._run_all(max(self.flush_every, self.rebuild_flush_every), progress)

    # --- internals -------------------------------------------------------------------------------------------

    def _run_all(self, flush_every: int, progress: Callable[[int, int], None] | None) -> RunReport:
        report = RunReport()
        started = time.perf_counter()
        with _quiet_gc():
            for _ in range(self.max_attempts):
                try:
                    self._run(report, flush_every, progress)
                    break
                except ProjectionConflictError:
                    report.conflicts += 1
                    self._drop_memory()
            else:
                raise ProjectionConflictError("views kept moving under this runner; try again")
        report.seconds = time.perf_counter() - started
        report.positions = {v.name: v.durable for v in self.views}
        return report

    def _sync(self) -> None:
        """Line memory up with the stored positions; a view of another code version starts again."""
        stored = self.db.positions()
        for view in self.views:
            position, version = stored[view.name]
            if version != view.version:
                self.db.reset(view.name, view.version, view.tables, recreate=True)
                position = 0
            if position != view.durable or not self._synced:
                view.position = view.durable = position
                view.forget()
                view.poisoned = self.db.quarantined_ids(view.name)
                view.quarantine_log.clear()
        self._synced = True

    def _drop_memory(self) -> None:
        for view in self.views:
            view.forget()
        self._synced = False

    def _run(self, report: RunReport, flush_every: int, progress: Callable[[int, int], None] | None) -> None:
        self._sync()
        head = self.store.index.max_position()
        cursor = min(v.position for v in self.views) if self.views else head
        pending = 0
        while True:
            rows = self.store.index.scan(cursor, self.chunk)
            if not rows:
                break
            (first, _), (last, _) = rows[0], rows[-1]
            if max(v.position for v in self.views) < first.position:
                report.applied += self._apply_all(rows)
            else:
                report.applied += self._apply_behind(rows)
            cursor = last.position
            report.events += len(rows)
            pending += len(rows)
            if progress is not None:
                progress(cursor, max(head, cursor))
            if pending >= flush_every:
                self._flush(report)
                pending = 0
        self._flush(report)

    def _apply_all(self, rows: StoredEvents) -> int:
        """Every view is behind every row (the usual case): route by type, decode each event once."""
        applied = 0
        routes = self._routes
        for row, record in rows:
            wanted = routes.get(row.type)
            if wanted is None:
                wanted = routes[row.type] = [v for v in self.views if row.type in v.types]
            if wanted:
                ev = decode(row, record)
                for view in wanted:
                    view.fold_event(ev)
                applied += len(wanted)
        last, _ = rows[-1]
        for view in self.views:
            view.position = last.position
        return applied

    def _apply_behind(self, rows: StoredEvents) -> int:
        """Some views are ahead (a single-view rebuild, a redelivery): each row goes only to views behind it."""
        applied = 0
        for row, record in rows:
            behind = [v for v in self.views if row.position > v.position]
            wanted = [v for v in behind if row.type in v.types]
            if wanted:
                ev = decode(row, record)
                for view in wanted:
                    view.fold_event(ev)
                applied += len(wanted)
            for view in behind:
                view.position = row.position
        return applied

    def _flush(self, report: RunReport) -> None:
        batches = []
        for view in self.views:
            batch = ViewBatch(view.name, view.version, view.durable, view.position, view.tables)
            view.drain(batch)
            for row in view.quarantine_log:
                batch.put(QUARANTINE, QUARANTINE.key_of(row), row)
            if batch.rows or batch.purge_codes or view.position != view.durable:
                batches.append(batch)
                report.rows += batch.rows
        self._histories.clear()
        if not batches:
            return
        self.db.commit(batches)
        report.flushes += 1
        for view in self.views:
            for row in view.quarantine_log:
                log.error("view %s quarantined %s %s (position %d, %s): %s: %s", row.view, row.type, row.event_id,
                          row.position, row.stream_key, row.error, row.message)
            report.quarantined += len(view.quarantine_log)
            view.quarantine_log.clear()
            view.durable = view.position
            report.refolds += view.refolds
            view.refolds = 0
            view.after_flush()

    def _history(self, code: str, upto: int) -> list[LedgerEvent]:
        """An elevator's events with position ≤ ``upto``, decoded once per flush for all views."""
        events = self._histories.get(code)
        if events is None or (events and events[-1].position < upto):
            events = [decode(row, record) for row, record in self.store.index.stream_rows(code)
                      if row.stream_kind == "elevator"]
            self._histories[code] = events
        return [ev for ev in events if ev.position <= upto]
