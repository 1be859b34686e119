"""Full verification of a store: every chain, every seq, every signature, every index row and Merkle node.

Nothing stored is trusted. For each stored event, in global order:

- it has exactly one index row, whose stream and ``seq`` agree with the stored row;
- ``seq`` continues its stream without a gap, and SHA-256(previous hash ‖ stored bytes) is the indexed hash;
- the leaf numbers run 0…n−1 without a gap, and the recorded times never decrease in leaf order;
- with signatures on: the stored bytes are canonical and agree with the index; the signer's key was registered
  before the event (in log order), belonged to the signer and was active at ``occurred_at``; and the Ed25519
  signature over the signing bytes verifies.

Then the Merkle log: every stored node at level 0 is the leaf hash of the (just verified) event hash and its recorded
time (log format 2), every stored node above is the hash of its two children, and there are no others. Last, every
checkpoint the operator issued verifies with the operator's key and commits to a prefix of that tree — which makes
them mutually consistent — and its time is no earlier than the recorded time of the last leaf below it.

The event pass splits by position ranges over worker processes (each picks up the stream heads at its range
start from the index, whose hashes the earlier range checks), so independent elevators verify on both cores.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson

from ledger.core.canonical import canonical, signing_bytes
from ledger.core.chain import GENESIS_HASH
from ledger.core.errors import LedgerError, NoteError
from ledger.core.identifiers import format_instant, instant_from_text
from ledger.core.keys import b64decode_strict
from ledger.core.registry import KeyRecord, Registry
from ledger.core.submission import parse_line, stream_id
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
from ledger.tlog.checkpoint import Checkpoint, NoteVerifier, open_checkpoint
from ledger.tlog.leaf import record_leaf_hash
from ledger.tlog.merkle import node_hash
from ledger.tlog.merkle import root as merkle_root

__all__ = ["Failure", "VerifyReport", "verify_store"]

_CHUNK = 20_000
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

    @property
    def ok(self) -> bool:
        return self.failure is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "events": self.events, "signatures_verified": self.signatures,
            "elevators": self.elevators, "organizations": self.organizations, "tree_size": self.tree_size,
            "merkle_nodes": self.nodes, "checkpoints": self.checkpoints, "seconds": round(self.seconds, 3),
            "failure": self.failure.to_dict() if self.failure else None,
        }


def verify_store(
    url: StoreURL, *, signatures: bool = True, workers: int = 1, progress: Progress | None = None,
    store: Store | None = None,
) -> VerifyReport:
    """Verify everything in the store at ``url``; the report names the first failure in log order."""
    started = time.perf_counter()
    own = store is None
    store = store or Store(url, cache_size=0)
    try:
        report = VerifyReport()
        merkle = _verify_events(store, url, signatures, workers, progress, report)
        _verify_counts(store, report)
        if report.failure is None:
            report.failure, report.nodes = merkle
        if report.failure is None:
            _verify_checkpoints(store.checkpoints, store.tree, report)
        report.seconds = time.perf_counter() - started
        return report
    finally:
        if own:
            store.close()


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
        only = _RangeVerifier(store, after, upto, signatures, progress, total, keep_hashes=True).run()
        parts, merkle = [only], _verify_merkle(store.tree, only.hashes)
    _merge_parts(parts, report)
    return merkle


def _merge_parts(parts: list[_RangeResult], report: VerifyReport) -> None:
    streams: dict[str, int] = {}
    next_leaf = recorded = 0
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
        return _RangeVerifier(store, after, upto, signatures, None, 0).run()


class _StreamName(NamedTuple):
    kind: str
    key: str
    label: str  # "kind:key"


_GENESIS_HEAD = StreamHead(0, GENESIS_HASH)


class _Fail(Exception):
    def __init__(self, failure: Failure) -> None:
        self.failure = failure


class _RangeVerifier:
    """Verifies the stored events with positions in (after, upto]; kept lean, it is the hot loop."""

    def __init__(
        self, store: Store, after: int, upto: int, signatures: bool, progress: Progress | None, total: int,
        *, keep_hashes: bool = False,
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
        self.registry = Registry()
        self.result = _RangeResult()

    def run(self) -> _RangeResult:
        try:
            if self.signatures:
                self._replay_registry_before(self.after)
            for start in range(self.after, self.upto, _CHUNK):
                end = min(start + _CHUNK, self.upto)
                for event, row in _merged(self.audit.event_rows(start, end), self.audit.index_rows(start, end)):
                    self._verify(event, row)
                if self.progress:
                    self.progress(end, self.total)
        except _Fail as failed:
            self.result.failure = failed.failure
        self.result.streams = {names.label: 1 for names in self.streams.values()}
        return self.result

    def _replay_registry_before(self, position: int) -> None:
        after = 0
        while batch := [s for s in self.events.scan(after, 1000, stream_kind="org") if s.row.position <= position]:
            for stored in batch:
                self.registry.apply(parse_line(stored.record))
                after = stored.row.position

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
        key = row.stream_key
        try:
            envelope = orjson.loads(record)
            if canonical(envelope) != record:
                self._fail(position, stream, seq, "integrity.canonical", "stored bytes are not in canonical form")
            actor = envelope["actor"]
            seen = (envelope["event_id"], envelope["type"], actor["org"], instant_from_text(envelope["occurred_at"]))
            indexed = (row.event_id, row.type, row.org, row.occurred_at)
            if seen != indexed or envelope.get("equipment_code", key) != key:
                self._fail(position, stream, seq, "integrity.index", "the index row disagrees with the stored event")
            public = self._key(envelope, record)
            signature = b64decode_strict(envelope["signature"], length=64, what="signature")
            if not public.public.is_valid_signature(signature, signing_bytes(envelope)):
                self._fail(position, stream, seq, "signature.invalid",
                           f"signature does not verify with key {public.key_id}")
            self.result.signatures += 1
            if row.stream_kind == "org":
                self.registry.apply(parse_line(record))
        except LedgerError as e:
            self._fail(position, stream, seq, e.code, e.message)
        except (KeyError, TypeError, ValueError, orjson.JSONDecodeError) as e:
            self._fail(position, stream, seq, "integrity.record", f"stored record is malformed: {e}")

    def _key(self, envelope: dict[str, Any], record: bytes) -> KeyRecord:
        if self.registry.genesis_org is None:
            return self.registry.key_for(parse_line(record))
        actor = envelope["actor"]
        return self.registry.active_key(envelope["key_id"], actor["org"], actor["role"], actor.get("device"),
                                        instant_from_text(envelope["occurred_at"]))

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


def _check_checkpoint_time(checkpoint: Checkpoint, checkpoint_id: int, tree: MerkleLogReader) -> None:
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


def _verify_checkpoints(book: CheckpointReader, tree: MerkleLogReader, report: VerifyReport) -> None:
    issued = book.checkpoints()
    if not issued:
        return
    vkey = book.meta().get("operator_vkey")
    try:
        if vkey is None:
            raise NoteError("checkpoints are stored but the operator's key is not", code="integrity.checkpoint")
        operator = NoteVerifier.from_vkey(vkey)
        for row in issued:
            checkpoint = open_checkpoint(row.note, operator).checkpoint
            if checkpoint.size != row.tree_size or row.tree_size > report.tree_size:
                raise NoteError(f"checkpoint {row.checkpoint_id} claims size {checkpoint.size}",
                                code="integrity.checkpoint")
            if merkle_root(row.tree_size, tree) != checkpoint.root_hash:
                raise NoteError(f"checkpoint {row.checkpoint_id} (size {row.tree_size}) does not match the log",
                                code="integrity.checkpoint")
            _check_checkpoint_time(checkpoint, row.checkpoint_id, tree)
            report.checkpoints += 1
    except LedgerError as e:
        report.failure = Failure(0, "checkpoints", None, e.code, e.message)
