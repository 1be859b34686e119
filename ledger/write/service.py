"""The ledger service: validate → verify → authorize → check invariants → chain → store, for a batch.

This is the only writer of the store. The CLI, the HTTP API and the Kafka ingest worker all call
:meth:`LedgerService.append`; none of them holds any ledger logic of its own.

A batch is decided event by event against the state its earlier events produced, then committed in one
transaction. Rejections never stop the others and never write anything. If another writer got in first (a
version conflict on a stream, a registry change, or a later recorded time), the touched aggregates are evicted and
the whole batch is decided again — a stream is never forked.

**Two clocks** (docs/ARCHITECTURE.md §5). Each event is decided at a decision time ``now``, and that time is the
event's ``recorded_at``, committed in its Merkle leaf: the injected clock, but never earlier than the newest
recorded time in the log, so recorded times never decrease in leaf order. With ``replay_clock`` the decision time
instead follows the records themselves (the greatest ``occurred_at`` seen so far): for loading a simulated or
replayed history whose recording times are part of the story, never for live producers.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from eventsourcing.persistence import IntegrityError as StoreIntegrityError

from ledger.core.decide import Facts, decide
from ledger.core.elevator import Earlier, referenced_ids
from ledger.core.errors import InvariantError, LedgerError, SubmissionError, VersionConflictError
from ledger.core.identifiers import format_instant
from ledger.core.registry import KeyRecord, Registry
from ledger.core.submission import Submission, parse_line
from ledger.store import (
    DeadLetter,
    IndexEntry,
    IndexRow,
    LedgerBatch,
    OffsetUpdate,
    RecordedTimeConflictError,
    RegistryChangedError,
    Store,
    Stream,
)
from ledger.write.gcpause import gc_paused
from ledger.write.signatures import PendingChecks, SignatureChecker, Verified

__all__ = ["LedgerService", "Outcome", "Prepared", "Receipt", "parse_lines"]

_MAX_ATTEMPTS = 8


@dataclass(slots=True)
class Receipt:
    event_id: str
    stream: str
    equipment_code: str | None
    seq: int
    hash: str
    recorded_at: int
    position: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "equipment_code": self.equipment_code,
            "stream": self.stream,
            "seq": self.seq,
            "hash": self.hash,
            "recorded_at": format_instant(self.recorded_at),
            "position": self.position,
        }


@dataclass(slots=True)
class Outcome:
    """What happened to one submission: a receipt (new or, for a duplicate, the original) or an error."""

    receipt: Receipt | None = None
    error: LedgerError | None = None
    duplicate: bool = False

    def __post_init__(self) -> None:
        if self.error is not None:
            self.error.as_data()

    @property
    def accepted(self) -> bool:
        return self.receipt is not None

    def to_dict(self) -> dict[str, Any]:
        if self.error is not None:
            return {"status": "rejected", "error": self.error.to_dict()}
        assert self.receipt is not None
        return {"status": "duplicate" if self.duplicate else "accepted", **self.receipt.to_dict()}


class Prepared(NamedTuple):
    """A parsed batch whose signatures are being verified on the checker's pool."""

    items: list[Submission | LedgerError]
    checks: PendingChecks


def parse_lines(lines: Iterable[bytes | str | LedgerError]) -> list[Submission | LedgerError]:
    """Parse wire lines; a line that does not parse (or arrived as an error) becomes its error in place.

    With the collector paused: parsing allocates as much as deciding (see ledger/write/gcpause.py).
    """
    items: list[Submission | LedgerError] = []
    with gc_paused():
        for line in lines:
            if isinstance(line, LedgerError):
                items.append(line)
                continue
            try:
                items.append(parse_line(line))
            except LedgerError as e:
                items.append(e.as_data())
    return items


def _receipt_for(row: IndexRow) -> Receipt:
    code = row.stream_key if row.stream_kind == "elevator" else None
    return Receipt(row.event_id, f"{row.stream_kind}:{row.stream_key}", code, row.seq, row.hash.hex(),
                   row.recorded_at, row.position)


class LedgerService:
    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], float] = time.time,
        signatures: SignatureChecker | None = None,
        replay_clock: bool = False,
    ) -> None:
        self.store = store
        self.clock = clock
        self.replay_clock = replay_clock
        self.signatures = signatures or SignatureChecker()
        self.registry = Registry()
        self.registry_position = 0
        self._newest_recorded: int | None = None  # the log's newest recorded time, as this writer last knew it

    # --- public ----------------------------------------------------------------------------------------------

    def append_lines(self, lines: Sequence[bytes | str | LedgerError]) -> list[Outcome]:
        """Parse and append JSON lines; a line that does not parse gets its schema error."""
        return self.append(parse_lines(lines))

    def append_batches(self, batches: Iterable[Sequence[bytes | str | LedgerError]]) -> Iterator[list[Outcome]]:
        """Append batch after batch, overlapping the work: while batch N's signatures are verified on the
        checker's threads, batch N+1 is parsed and batch N−1 decided and committed (on two cores this nearly
        hides the parsing and the decisions behind signature verification). Yields outcomes in order.
        """
        waiting: Prepared | None = None
        for batch in batches:
            prepared = self.prepare(batch)
            if waiting is not None:
                yield self.append(waiting.items, verified=waiting.checks.result())
            waiting = prepared
        if waiting is not None:
            yield self.append(waiting.items, verified=waiting.checks.result())

    def prepare(self, lines: Iterable[bytes | str | LedgerError]) -> Prepared:
        """Parse a batch and start verifying its signatures on the checker's pool (the pipelines' first step)."""
        items = parse_lines(lines)
        self.refresh_registry()
        return Prepared(items, self.signatures.start([i for i in items if isinstance(i, Submission)], self.registry))

    def append(
        self,
        items: Sequence[Submission | LedgerError],
        *,
        offsets: Sequence[OffsetUpdate] = (),
        dead_letters: Callable[[list[Outcome]], Sequence[DeadLetter]] | None = None,
        verified: Verified | None = None,
    ) -> list[Outcome]:
        """Decide and commit a batch. ``items`` may carry parse errors, which are passed through as outcomes.

        ``offsets`` (consumed Kafka positions) and the dead letters that ``dead_letters`` makes from the
        outcomes are committed in the same transaction as the accepted events — or not at all.
        """
        with gc_paused():
            return self._append(items, offsets, dead_letters, verified)

    def _append(
        self,
        items: Sequence[Submission | LedgerError],
        offsets: Sequence[OffsetUpdate],
        dead_letters: Callable[[list[Outcome]], Sequence[DeadLetter]] | None,
        verified: Verified | None,
    ) -> list[Outcome]:
        for attempt in range(_MAX_ATTEMPTS):
            self.refresh_registry()
            saved_registry = self._registry_checkpoint(items)
            run = _BatchRun(self, items)
            outcomes = run.decide_all(verified if attempt == 0 else None)
            try:
                run.commit(offsets, dead_letters(outcomes) if dead_letters else ())
            except (StoreIntegrityError, RegistryChangedError, RecordedTimeConflictError) as conflict:
                if isinstance(conflict, RecordedTimeConflictError):
                    self._newest_recorded = conflict.newest
                self.store.evict(run.touched_ids())
                self._restore_registry(saved_registry)
                if attempt + 1 == _MAX_ATTEMPTS:
                    raise VersionConflictError("the batch kept conflicting with another writer") from None
                continue
            except BaseException:
                self.store.evict(run.touched_ids())
                self._restore_registry(saved_registry)
                raise
            self._newest_recorded = run.floor
            return outcomes
        raise AssertionError("unreachable")

    def newest_recorded(self) -> int:
        """The newest recorded time in the log as this writer knows it (read once, then kept up to date)."""
        if self._newest_recorded is None:
            newest = self.store.tree.newest_leaf()
            self._newest_recorded = newest.recorded_at if newest is not None else 0
        return self._newest_recorded

    def refresh_registry(self) -> None:
        """Fold registry events recorded since the last look (by any writer) into the registry."""
        while True:
            batch = self.store.index.scan(self.registry_position, 1000, stream_kind="org")
            if not batch:
                return
            for stored in batch:
                self.registry.apply(parse_line(stored.record))
                self.registry_position = stored.row.position

    # --- internals -------------------------------------------------------------------------------------------

    def _registry_checkpoint(self, items: Sequence[Submission | LedgerError]) -> tuple[Registry, int] | None:
        if any(isinstance(item, Submission) and item.stream.kind == "org" for item in items):
            return copy.deepcopy(self.registry), self.registry_position
        return None

    def _restore_registry(self, saved: tuple[Registry, int] | None) -> None:
        if saved is not None:
            self.registry, self.registry_position = saved


class _Pending(NamedTuple):
    """A submission accepted earlier in the batch, with its receipt."""

    sub: Submission
    receipt: Receipt


class _BatchRun:
    """One attempt at deciding and committing a batch."""

    def __init__(self, service: LedgerService, items: Sequence[Submission | LedgerError]) -> None:
        self.service = service
        self.registry = service.registry
        self.store = service.store
        self.items = items
        self.subs = [item for item in items if isinstance(item, Submission)]
        self.streams: dict[Any, Stream | None] = {}
        self.touched: dict[Any, Stream] = {}
        self.events: list[Stream.Event] = []  # in decision order, which becomes the global order
        self.batch = LedgerBatch(org_head=service.registry_position)
        self.pending: dict[str, _Pending] = {}
        self.receipts: list[Receipt] = []
        # The decision time, which is also every accepted event's recorded time (see the module docstring).
        self.floor = service.newest_recorded()  # the newest recorded time: the last accepted event's, or the log's
        self.replay = service.replay_clock
        self.now = self.floor if self.replay else max(int(service.clock()), self.floor)

    def decide_all(self, verified: Verified | None = None) -> list[Outcome]:
        self.stored = self.store.index.lookup_events(self._ids_to_look_up())
        if verified is None:
            verified = self.service.signatures.prefetch(self.subs, self.registry)
        outcomes = []
        for item in self.items:
            if isinstance(item, LedgerError):
                outcomes.append(Outcome(error=item))
                continue
            try:
                outcomes.append(self._decide(item, verified))
            except SubmissionError as e:
                outcomes.append(Outcome(error=e))
        return outcomes

    def commit(self, offsets: Sequence[OffsetUpdate], dead_letters: Sequence[DeadLetter] = ()) -> None:
        self.batch.offsets = list(offsets)
        self.batch.dead_letters = list(dead_letters)
        if not self.batch.entries and not offsets and not dead_letters:
            return
        self.store.save(self.events, list(self.touched.values()), self.batch)
        for receipt, position in zip(self.receipts, self.batch.positions, strict=True):
            receipt.position = position

    def touched_ids(self) -> list[Any]:
        return list(self.touched)

    def _ids_to_look_up(self) -> list[str]:
        """The batch's own ids (duplicates) and every id it refers to (corrections, countersignatures, claims)."""
        ids = {sub.event_id for sub in self.subs}
        for sub in self.subs:
            ids.update(referenced_ids(sub))
        return sorted(ids)

    def _earlier(self, event_id: str) -> Earlier | None:
        """An earlier event's stream, type and signer, stored or accepted earlier in this batch."""
        row = self.stored.get(event_id)
        if row is not None:
            return Earlier(f"{row.stream_kind}:{row.stream_key}", row.type, row.org)
        pending = self.pending.get(event_id)
        if pending is None:
            return None
        return Earlier(str(pending.sub.stream), pending.sub.type, pending.sub.org)

    def _decide(self, sub: Submission, verified: Verified) -> Outcome:
        """The I/O around the one rule set (ledger/core/decide.py): duplicates against the store and the batch,
        loading the stream, then appending what it accepts."""
        duplicate = self._duplicate(sub)
        if duplicate is not None:
            return duplicate
        if self.replay:
            self.now = max(self.floor, sub.occurred_at)
        stream = self._stream(sub)
        elevator = stream.elevator if stream is not None else None

        def check_signature(checked: Submission, key: KeyRecord) -> None:
            self.service.signatures.require(checked, key, verified)

        decide(sub, Facts(self.registry, elevator, self._earlier, self.now), check_signature)
        return Outcome(receipt=self._append(sub, stream))

    def _duplicate(self, sub: Submission) -> Outcome | None:
        row = self.stored.get(sub.event_id)
        if row is not None:
            if self.store.index.record_at(row.position) != sub.record:
                raise InvariantError("event_id_reused", f"event_id {sub.event_id} is already used by another event")
            return Outcome(receipt=_receipt_for(row), duplicate=True)
        earlier = self.pending.get(sub.event_id)
        if earlier is not None:
            if earlier.sub.record != sub.record:
                raise InvariantError("event_id_reused", f"event_id {sub.event_id} is already used in this batch")
            return Outcome(receipt=earlier.receipt, duplicate=True)
        return None

    def _stream(self, sub: Submission) -> Stream | None:
        stream_id = sub.stream.id
        if stream_id not in self.streams:
            self.streams[stream_id] = self.store.load(sub.stream)
        return self.streams[stream_id]

    def _append(self, sub: Submission, stream: Stream | None) -> Receipt:
        if stream is None:
            stream = Stream.open(sub)
            self.streams[stream.id] = stream
        else:
            stream.append(sub)
        self.touched[stream.id] = stream
        # eventsourcing types pending events as any aggregate's; a Stream's are its own Stream.Event subclasses
        self.events.append(cast(Stream.Event, stream.pending_events[-1]))
        if sub.stream.kind == "org":
            self.registry.apply(sub)
        seq = stream.version
        self.batch.entries.append(IndexEntry(
            sub.event_id, sub.stream.kind, sub.stream.key, seq, sub.type, sub.org, sub.occurred_at, stream.head,
            self.now,
        ))
        receipt = Receipt(sub.event_id, str(sub.stream), sub.equipment_code, seq, stream.head.hex(), self.now)
        self.floor = self.now
        self.receipts.append(receipt)
        self.pending[sub.event_id] = _Pending(sub, receipt)
        return receipt

