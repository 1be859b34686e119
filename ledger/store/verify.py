"""Full verification of a store: every chain, every seq, every signature, every index row and Merkle node.

Nothing stored is trusted. For each stored event, in global order:

- it has exactly one index row, whose stream and ``seq`` agree with the stored row;
- ``seq`` continues its stream without a gap, and SHA-256(previous hash ‖ stored bytes) is the indexed hash;
- the leaf numbers run 0…n−1 without a gap, and the recorded times never decrease in leaf order;
- with signatures on: the stored bytes parse strictly, are canonical and agree with the index, and the record is
  one the ledger would have accepted when it was recorded: it is replayed through the ledger's own rule set
  (ledger/core/replay.py) against the registry and the elevator's state as the records before it left them, at
  its recorded time — key, signature, role, licence, certificates, relationships and lifecycle rules, each
  refusal with the ledger's code — and its ``event_id`` is in the log once (``log.replayed_record``).

Then the Merkle log: every stored node at level 0 is the leaf hash of the (just verified) event hash and its recorded
time (log format 2), every stored node above is the hash of its two children, and there are no others. Last, every
checkpoint the operator issued verifies with the operator's key and commits to a prefix of that tree — which makes
them mutually consistent — and its time is no earlier than the recorded time of the last leaf below it.

The event pass splits by position ranges over worker processes (each picks up the stream heads, the registry and
the elevators' states at its range start from the records the earlier range checks), so independent elevators
verify on both cores.

With trust anchors (ledger/tlog/trust.py) the checkpoints are verified with the pinned operator key rather than
the one the store holds, the log's genesis must be the pinned regulator root, and with ``checkpoint`` — a
checkpoint the auditor holds — the store must be a consistent extension of it: a truncated or rolled-back store
fails, naming what is missing. ledger/store/audit_since.py verifies only what was appended after such a
checkpoint.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ledger.core.chain import GENESIS_HASH
from ledger.core.elevator import STATE_CHANGING_TYPES, Earlier, ElevatorState, referenced_ids
from ledger.core.errors import IntegrityError, LedgerError, NoteError
from ledger.core.identifiers import format_instant
from ledger.core.replay import Replay
from ledger.core.submission import Submission, parse_line, stream_id
from ledger.store import (
    AuditReader,
    CheckpointReader,
    EventReader,
    EventRow,
    IndexRow,
    MerkleLogReader,
    Store,
    StoreURL,
    StreamHead,
)
from ledger.store.stream import record_type
from ledger.tlog.checkpoint import Checkpoint, NoteVerifier, open_checkpoint
from ledger.tlog.leaf import record_leaf_hash
from ledger.tlog.merkle import node_hash
from ledger.tlog.merkle import root as merkle_root
from ledger.tlog.trust import TrustAnchors

__all__ = [
    "Failure",
    "Progress",
    "RangeVerifier",
    "StartState",
    "VerifyReport",
    "check_checkpoint_time",
    "check_extends",
    "expected_node_count",
    "merge_parts",
    "verify_store",
]

_CHUNK = 20_000
_DECIDE_BATCH = 2_000  # records parsed and looked up together before they are decided
_OPENED, _APPENDED = "liftledger:opened", "liftledger:appended"
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Failure:
    position: int
    stream: str
    seq: int | None
    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"position": self.position, "stream": self.stream, "seq": self.seq, "code": self.code,
                "message": self.message}

    def __str__(self) -> str:
        where = f"{self.stream} seq {self.seq}" if self.seq is not None else self.stream
        return f"{where} (position {self.position}): {self.code}: {self.message}"


@dataclass
class VerifyReport:
    events: int = 0
    signatures: int = 0
    elevators: int = 0
    organizations: int = 0
    tree_size: int = 0
    nodes: int = 0
    checkpoints: int = 0
    seconds: float = 0.0
    failure: Failure | None = None
    mode: str = "full"  # "full" | "since": only what was appended after a trusted checkpoint
    since_size: int | None = None  # the trusted checkpoint's size, in "since" mode
    extends: int | None = None  # the size of the auditor's checkpoint the store was checked to extend
    anchors: dict[str, Any] | None = None
    operator_word: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failure is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "events": self.events, "signatures_verified": self.signatures,
            "elevators": self.elevators, "organizations": self.organizations, "tree_size": self.tree_size,
            "merkle_nodes": self.nodes, "checkpoints": self.checkpoints, "seconds": round(self.seconds, 3),
            "mode": self.mode, "since_size": self.since_size, "extends_checkpoint": self.extends,
            "anchors": self.anchors, "operator_word": self.operator_word,
            "failure": self.failure.to_dict() if self.failure else None,
        }


def verify_store(
    url: StoreURL, *, signatures: bool = True, workers: int = 1, progress: Progress | None = None,
    store: Store | None = None, anchors: TrustAnchors | None = None, checkpoint: str | None = None,
) -> VerifyReport:
    """Verify everything in the store at ``url``; the report names the first failure in log order.

    ``anchors``: what the auditor trusts (the operator's key, the regulator's root, witnesses). ``checkpoint``: a
    signed checkpoint the auditor holds (opened with ``anchors``), which the store must extend.
    """
    started = time.perf_counter()
    own = store is None
    store = store or Store(url, cache_size=0)
    try:
        report = VerifyReport(anchors=anchors.to_dict() if anchors else None,
                              operator_word=_operator_word(anchors, checkpoint))
        merkle = _verify_events(store, url, signatures, workers, progress, report)
        _verify_counts(store, report)
        if report.failure is None:
            report.failure, report.nodes = merkle
        if report.failure is None:
            _verify_checkpoints(store.checkpoints, store.tree, report, anchors)
        if report.failure is None and anchors is not None and anchors.regulator is not None and signatures:
            report.failure = _check_root(store, anchors)
        if report.failure is None and checkpoint is not None:
            assert anchors is not None, "a held checkpoint is opened with the auditor's trust anchors"
            report.failure = check_extends(store.tree, checkpoint, anchors, report)
        report.seconds = time.perf_counter() - started
        return report
    finally:
        if own:
            store.close()


def _operator_word(anchors: TrustAnchors | None, checkpoint: str | None) -> list[str]:
    """What a verification with these anchors takes on the operator's word, said plainly."""
    said = [] if anchors is None else [fact for fact in anchors.operator_word() if "witness" not in fact]
    if anchors is None:
        said.append("the operator's key: the checkpoints were checked with the key the store itself holds "
                    "(--trust pins it)")
        said.append("who the regulator is, and so every registry fact: no regulator root was pinned "
                    "(--regulator-key or --regulator-trust)")
    if checkpoint is None:
        said.append("that this is the whole log: a store cut back to an earlier size, with its later checkpoints "
                    "removed, passes the same checks (--checkpoint NOTE: one the auditor holds)")
    return said


def _check_root(store: Store, anchors: TrustAnchors) -> Failure | None:
    """The log's genesis (its leaf 0, which the event pass checked is the RegistryGenesis) is the pinned root."""
    assert anchors.regulator is not None
    first = store.tree.row_at_leaf(0)
    record = store.index.record_at(first.position) if first is not None else None
    try:
        anchors.regulator.check_genesis(parse_line(record) if record is not None else None)
    except LedgerError as e:
        return Failure(first.position if first else 0, "org", 1, e.code, e.message)
    return None


def check_extends(tree: MerkleLogReader, note: str, anchors: TrustAnchors, report: VerifyReport) -> Failure | None:
    """The store's log (already verified) is a consistent extension of ``note``, a checkpoint the auditor holds:
    it has at least its leaves, and the root of its first ``size`` leaves is the checkpoint's."""
    try:
        held = anchors.open(note).checkpoint
    except LedgerError as e:
        return Failure(0, "checkpoint", None, e.code, f"the checkpoint held: {e.message}")
    size = tree.tree_size()
    if size < held.size:
        return Failure(0, "log", None, "store.truncated",
                       f"the store's log has {size} leaves, the checkpoint held commits to {held.size}: leaves "
                       f"{size}–{held.size - 1} ({held.size - size} records) are missing — the store was cut back")
    if held.size and merkle_root(held.size, tree) != held.root_hash:
        return Failure(0, "log", None, "store.forked",
                       f"the store's first {held.size} leaves are not the log the checkpoint held commits to: its "
                       "history was rewritten (rolled back and appended again, or forked)")
    report.extends = held.size
    return None


# --- the event pass -------------------------------------------------------------------------------------------


@dataclass
class _RangeResult:
    events: int = 0
    signatures: int = 0
    streams: dict[str, int] = field(default_factory=dict)  # "kind:key" → 1 (a set that pickles cheaply)
    first_leaf: int | None = None
    last_leaf: int | None = None
    first_recorded: int = 0
    last_recorded: int = 0
    hashes: list[bytes] = field(default_factory=list)  # leaf hashes, kept only when this process checks the tree
    failure: Failure | None = None


def _verify_events(store: Store, url: StoreURL, signatures: bool, workers: int, progress: Progress | None,
                   report: VerifyReport) -> tuple[Failure | None, int]:
    """The event pass; returns the Merkle check's (failure, nodes), done alongside it.

    With several workers the Merkle check runs in this process, from the indexed hashes, while the workers check
    that those same hashes are the chains' — both must pass.
    """
    total = store.audit.max_event_position()
    ranges = _ranges(total, workers)
    if len(ranges) > 1:
        with ProcessPoolExecutor(len(ranges)) as pool:
            futures = [pool.submit(_verify_range_in_process, (url, a, b, signatures)) for a, b in ranges]
            # Meanwhile, here: the Merkle check from the indexed hashes (the workers prove them to be the chains').
            leaves = store.tree.leaf_scan(-1, 2**62)
            merkle = _verify_merkle(store.tree, [record_leaf_hash(leaf.hash, leaf.recorded_at) for leaf in leaves])
            parts = [future.result() for future in futures]
    else:
        (after, upto), = ranges
        only = RangeVerifier(store, after, upto, signatures, progress, total, keep_hashes=True).run()
        parts, merkle = [only], _verify_merkle(store.tree, only.hashes)
    merge_parts(parts, report)
    return merkle


def merge_parts(parts: list[_RangeResult], report: VerifyReport, *, first_leaf: int = 0, recorded: int = 0) -> None:
    """Add the ranges' results to the report; the leaves must run on from ``first_leaf`` without a gap, and the
    recorded times never decrease from ``recorded``."""
    streams: dict[str, int] = {}
    next_leaf = first_leaf
    for part in parts:
        report.events += part.events
        report.signatures += part.signatures
        streams.update(part.streams)
        if part.failure is not None and report.failure is None:
            report.failure = part.failure
        if part.first_leaf is not None and part.first_leaf != next_leaf and report.failure is None:
            report.failure = Failure(0, "log", None, "integrity.log",
                                     f"leaf {part.first_leaf} where leaf {next_leaf} was due")
        if part.first_leaf is not None and part.first_recorded < recorded and report.failure is None:
            report.failure = Failure(0, "log", None, "integrity.recorded_at",
                                     f"leaf {part.first_leaf} was recorded before leaf {next_leaf - 1}")
        if part.last_leaf is not None:
            next_leaf, recorded = part.last_leaf + 1, part.last_recorded
    report.elevators = sum(1 for s in streams if s.startswith("elevator:"))
    report.organizations = len(streams) - report.elevators


def _ranges(total: int, workers: int) -> list[tuple[int, int]]:
    """Split positions (0, total] into ``workers`` contiguous ranges (after, upto]."""
    if workers <= 1 or total < 20_000:
        return [(0, total)]
    step = -(-total // workers)
    return [(start, min(start + step, total)) for start in range(0, total, step)]


def _verify_range_in_process(args: tuple[StoreURL, int, int, bool]) -> _RangeResult:
    url, after, upto, signatures = args
    with Store(url, cache_size=0) as store:
        return RangeVerifier(store, after, upto, signatures, None, 0).run()


class _StreamName(NamedTuple):
    kind: str
    key: str
    label: str  # "kind:key"


_GENESIS_HEAD = StreamHead(0, GENESIS_HASH)


class _Fail(Exception):
    def __init__(self, failure: Failure) -> None:
        self.failure = failure


@dataclass
class StartState:
    """What a range starts from when it is known already (verified against a trusted checkpoint): the registry and
    the states of the elevators it will meet, in ``replay``, and the heads of the streams it will meet."""

    replay: Replay
    heads: dict[str, StreamHead]  # by stream key


class RangeVerifier:
    """Verifies the stored events with positions in (after, upto]; kept lean, it is the hot loop."""

    def __init__(
        self, store: Store, after: int, upto: int, signatures: bool, progress: Progress | None, total: int,
        *, keep_hashes: bool = False, start: StartState | None = None,
    ) -> None:
        self.audit: AuditReader = store.audit
        self.events: EventReader = store.index
        self.keep_hashes = keep_hashes
        self.after = after
        self.upto = upto
        self.signatures = signatures
        self.progress = progress
        self.total = total
        self.heads: dict[object, StreamHead] = {}
        self.streams: dict[object, _StreamName] = {}  # by stored stream id
        self.start = start
        self.replay = start.replay if start is not None else Replay(remember_events=False)
        # Elevators whose state before this range is in the replay already (or that began in it).
        self.known_elevators: set[str] = set(self.replay.elevators) if start is not None else set()
        self.parsed: dict[int, Submission | LedgerError] = {}  # by position, for the records being decided
        self.looked_up: dict[str, IndexRow] = {}  # their own ids and the ids they refer to
        self.result = _RangeResult()

    def run(self) -> _RangeResult:
        try:
            if self.signatures and self.start is None:
                self._replay_registry_before(self.after)
            for start in range(self.after, self.upto, _CHUNK):
                end = min(start + _CHUNK, self.upto)
                pairs = list(_merged(self.audit.event_rows(start, end), self.audit.index_rows(start, end)))
                for at in range(0, len(pairs), _DECIDE_BATCH):
                    batch = pairs[at:at + _DECIDE_BATCH]
                    if self.signatures:
                        self._prepare(batch)
                    for event, row in batch:
                        self._verify(event, row)
                if self.progress:
                    self.progress(end, self.total)
        except _Fail as failed:
            self.result.failure = failed.failure
        self.result.streams = {names.label: 1 for names in self.streams.values()}
        return self.result

    def _replay_registry_before(self, position: int) -> None:
        """The registry where this range starts, folded from the records an earlier range checks."""
        after = 0
        while batch := [s for s in self.events.scan(after, 1000, stream_kind="org") if s.row.position <= position]:
            for stored in batch:
                sub = parse_line(stored.record)
                self.replay.registry.apply(sub)
                after = stored.row.position

    def _prepare(self, batch: list[tuple[EventRow | None, IndexRow | None]]) -> None:
        """Parse a batch's records and look up, in one go, their own ids and the earlier events they refer to."""
        self.parsed = {}
        ids: list[str] = []
        for event, row in batch:
            if event is None or row is None:
                continue
            state = event.state
            try:
                sub = parse_line(state if type(state) is bytes else _as_bytes(state))
            except LedgerError as e:
                self.parsed[int(event.position)] = e
                continue
            self.parsed[int(event.position)] = sub
            ids.append(sub.event_id)
            ids.extend(referenced_ids(sub))
        self.looked_up = self.events.lookup_events(ids)

    def _verify(self, event: EventRow | None, row: IndexRow | None) -> None:
        if row is None:
            assert event is not None
            raise _Fail(Failure(int(event.position), f"stored stream {event.originator_id}",
                                int(event.originator_version), "integrity.index", "stored event has no index row"))
        if event is None:
            raise _Fail(Failure(row.position, f"{row.stream_kind}:{row.stream_key}", row.seq, "integrity.missing",
                                "the index lists an event that is no longer stored"))
        position, originator, seq = event.position, event.originator_id, row.seq
        stream = self._stream(originator, row).label
        if event.originator_version != seq:
            self._fail(position, stream, seq, "integrity.index", "stored row's version disagrees with its index row")
        if event.topic != (_OPENED if seq == 1 else _APPENDED):
            self._fail(position, stream, seq, "integrity.topic", f"unexpected topic {event.topic!r}")
        state = event.state
        record = state if type(state) is bytes else _as_bytes(state)
        head = self.heads.get(originator) or self._head_before(row.stream_key, position)
        if head.seq != seq - 1:
            self._fail(position, stream, seq, "integrity.seq",
                       f"seq {seq} follows seq {head.seq}: the stream has a gap or is reordered")
        digest = hashlib.sha256(head.hash + record).digest()
        if digest != row.hash:
            self._fail(position, stream, seq, "integrity.chain",
                       "SHA-256(previous hash ‖ stored bytes) is not the recorded hash")
        self._leaf(row, stream)
        self.heads[originator] = StreamHead(seq, digest)
        if self.keep_hashes:
            self.result.hashes.append(record_leaf_hash(digest, row.recorded_at))
        self.result.events += 1
        if self.signatures:
            self._verify_signed(record, row, position, stream, seq)

    def _stream(self, originator: object, row: IndexRow) -> _StreamName:
        """The stream a stored row belongs to, its id checked against the index once per stream."""
        kind, key = row.stream_kind, row.stream_key
        known = self.streams.get(originator)
        if known is None:
            expected = stream_id(kind, key)
            if (expected.hex if isinstance(originator, str) else expected) != originator:
                self._fail(row.position, f"{kind}:{key}", row.seq, "integrity.index",
                           "stored row's stream disagrees with its index row")
            known = self.streams[originator] = _StreamName(kind, key, f"{kind}:{key}")
        elif known.kind != kind or known.key != key:
            self._fail(row.position, known.label, row.seq, "integrity.index", "index row names another stream")
        return known

    def _head_before(self, key: str, position: int) -> StreamHead:
        """A stream's head where this range starts (only a range that starts mid-log needs to look it up)."""
        if self.after == 0:
            return _GENESIS_HEAD
        if self.start is not None:
            return self.start.heads.get(key, _GENESIS_HEAD)
        return self.audit.stream_head_before(key, position) or _GENESIS_HEAD

    def _leaf(self, row: IndexRow, stream: str) -> None:
        result, leaf = self.result, row.leaf
        if result.first_leaf is None or result.last_leaf is None:
            result.first_leaf, result.first_recorded = leaf, row.recorded_at
        elif leaf != result.last_leaf + 1:
            self._fail(row.position, stream, row.seq, "integrity.log", f"leaf {leaf} follows leaf {result.last_leaf}")
        elif row.recorded_at < result.last_recorded:
            self._fail(row.position, stream, row.seq, "integrity.recorded_at",
                       f"leaf {leaf} was recorded before leaf {result.last_leaf}: recorded times never decrease")
        result.last_leaf, result.last_recorded = leaf, row.recorded_at

    def _verify_signed(self, record: bytes, row: IndexRow, position: int, stream: str, seq: int) -> None:
        """The record parses strictly, is canonical, agrees with its index row, is in the log once, and the ledger's
        rule set accepts it at its recorded time (key, signature, authority, lifecycle)."""
        sub = self.parsed.get(position)
        if not isinstance(sub, Submission):
            message = sub.message if isinstance(sub, LedgerError) else "it was not read"
            self._fail(position, stream, seq, "integrity.record", f"stored record does not parse: {message}")
            return
        if sub.record != record:
            self._fail(position, stream, seq, "integrity.canonical", "stored bytes are not in canonical form")
        seen = (sub.event_id, sub.type, sub.org, sub.occurred_at, str(sub.stream))
        if seen != (row.event_id, row.type, row.org, row.occurred_at, stream):
            self._fail(position, stream, seq, "integrity.index", "the index row disagrees with the stored event")
        once = self.looked_up.get(sub.event_id)
        if once is None or once.position != position:
            self._fail(position, stream, seq, "log.replayed_record",
                       f"event {sub.event_id} is in the log more than once: the ledger never appends a record twice")
        if sub.stream.kind == "elevator":
            self._elevator_before(sub.stream.key)
        try:
            self.replay.record(sub, leaf=row.leaf, now=row.recorded_at, where=f"{stream} seq {seq}",
                               lookup=self._earlier(position))
        except IntegrityError as e:
            self._fail(position, stream, seq, e.code, e.message)
        self.result.signatures += 1

    def _earlier(self, position: int) -> Callable[[str], Earlier | None]:
        """Looks up an event recorded before ``position`` (an index row an earlier check covered)."""
        def lookup(event_id: str) -> Earlier | None:
            row = self.looked_up.get(event_id)
            if row is None or row.position >= position:
                return None
            return Earlier(f"{row.stream_kind}:{row.stream_key}", row.type, row.org)
        return lookup

    def _elevator_before(self, code: str) -> None:
        """The elevator's decision state where this range starts: folded from its records before the range (which
        an earlier range checks), once per elevator and only when the range starts mid-log."""
        if code in self.known_elevators:
            return
        self.known_elevators.add(code)
        if self.after == 0 or self.start is not None:
            return
        state: ElevatorState | None = None
        for stored in self.events.stream_rows(code):
            if stored.row.position > self.after:
                break
            if state is None or record_type(stored.record) in STATE_CHANGING_TYPES:
                sub = parse_line(stored.record)
                state = state or ElevatorState.manufactured(sub)
                state.apply(sub)
        if state is not None:
            self.replay.elevators[code] = state

    def _fail(self, position: int, stream: str, seq: int | None, code: str, message: str) -> None:
        raise _Fail(Failure(int(position), stream, seq, code, message))


def _merged(events: list[EventRow], rows: list[IndexRow]) -> Iterator[tuple[EventRow | None, IndexRow | None]]:
    """Pair stored events with index rows by position; a side that is missing a position yields None."""
    if len(events) == len(rows) and (not events or (events[0].position == rows[0].position
                                                    and events[-1].position == rows[-1].position)):
        yield from zip(events, rows, strict=True)  # the common case: no row missing on either side
        return
    i = j = 0
    while i < len(events) or j < len(rows):
        if j == len(rows) or (i < len(events) and events[i].position < rows[j].position):
            yield events[i], None
            i += 1
        elif i == len(events) or rows[j].position < events[i].position:
            yield None, rows[j]
            j += 1
        else:
            yield events[i], rows[j]
            i, j = i + 1, j + 1


def _as_bytes(state: Any) -> bytes:
    """A stored value that is not a blob (it was tampered with as text) as the bytes it spells."""
    return state.encode("utf-8", "surrogateescape") if isinstance(state, str) else bytes(state)


# --- the log as a whole ---------------------------------------------------------------------------------------


def _verify_counts(store: Store, report: VerifyReport) -> None:
    counts = store.audit.counts()
    events, index_rows = counts.events, counts.index_rows
    report.tree_size = store.tree.tree_size()
    orphan = store.audit.first_orphan_index_row()
    if orphan is not None and (report.failure is None or orphan.position < report.failure.position):
        report.failure = Failure(orphan.position, f"{orphan.stream_kind}:{orphan.stream_key}", orphan.seq,
                                 "integrity.missing", "the index lists an event that is no longer stored")
    if report.failure is None and not (events == index_rows == report.tree_size == report.events):
        report.failure = Failure(0, "log", None, "integrity.log",
                                 f"{events} stored events, {index_rows} index rows, tree size {report.tree_size}: "
                                 "every event must be in the log exactly once")


def _verify_merkle(tree: MerkleLogReader, leaf_hashes: list[bytes]) -> tuple[Failure | None, int]:
    """Each stored level equals the level computed from the leaf hashes, and nothing else is stored.

    Returns (the first failure or None, the number of nodes checked).
    """
    level, nodes, computed = 0, 0, leaf_hashes
    while computed:
        stored = tree.level_hashes(level)
        if stored != computed:
            index = next((i for i, (a, b) in enumerate(zip(stored, computed, strict=False)) if a != b),
                         min(len(stored), len(computed)))
            return Failure(0, "merkle", None, "integrity.merkle",
                           f"node ({level}, {index}) is wrong or missing: {len(stored)} stored at level {level}, "
                           f"{len(computed)} expected"), nodes
        nodes += len(stored)
        computed = [node_hash(computed[i], computed[i + 1]) for i in range(0, len(computed) - 1, 2)]
        level += 1
    stored_total = tree.node_count()
    if stored_total != nodes:
        return Failure(0, "merkle", None, "integrity.merkle",
                       f"{stored_total} Merkle nodes stored, {nodes} expected"), nodes
    return None, nodes


def expected_node_count(size: int) -> int:
    """How many complete subtrees a tree of ``size`` leaves has: what the store keeps of it."""
    count = 0
    while size:
        count += size
        size >>= 1
    return count


def check_checkpoint_time(checkpoint: Checkpoint, checkpoint_id: int, tree: MerkleLogReader) -> None:
    """A checkpoint's time is no earlier than the recorded time of its last leaf (recorded times never decrease,
    so of every leaf below it)."""
    last = tree.row_at_leaf(checkpoint.size - 1) if checkpoint.size else None
    issued = checkpoint.time
    if last is None:
        return
    if issued is None:
        raise NoteError(f"checkpoint {checkpoint_id} has no time line to bound its leaves' recorded times",
                        code="integrity.checkpoint")
    if last.recorded_at > issued:
        raise NoteError(f"checkpoint {checkpoint_id} is dated {format_instant(issued)}, before its leaf {last.leaf} "
                        f"was recorded ({format_instant(last.recorded_at)})", code="integrity.checkpoint")


def _verify_checkpoints(book: CheckpointReader, tree: MerkleLogReader, report: VerifyReport,
                        anchors: TrustAnchors | None = None, *, above: int = -1) -> None:
    """Every checkpoint issued (of a size above ``above``) verifies — with the pinned operator key when there is
    one, else with the key the store holds — and commits to a prefix of the verified tree."""
    issued = [row for row in book.checkpoints() if row.tree_size > above]
    if not issued:
        return
    vkey = book.meta().get("operator_vkey")
    try:
        if vkey is None and anchors is None:
            raise NoteError("checkpoints are stored but the operator's key is not", code="integrity.checkpoint")
        operator = anchors.operator if anchors is not None else NoteVerifier.from_vkey(vkey or "")
        for row in issued:
            checkpoint = open_checkpoint(row.note, operator).checkpoint
            if checkpoint.size != row.tree_size or row.tree_size > report.tree_size:
                raise NoteError(f"checkpoint {row.checkpoint_id} claims size {checkpoint.size}",
                                code="integrity.checkpoint")
            if merkle_root(row.tree_size, tree) != checkpoint.root_hash:
                raise NoteError(f"checkpoint {row.checkpoint_id} (size {row.tree_size}) does not match the log",
                                code="integrity.checkpoint")
            check_checkpoint_time(checkpoint, row.checkpoint_id, tree)
            report.checkpoints += 1
    except LedgerError as e:
        report.failure = Failure(0, "checkpoints", None, e.code, e.message)
