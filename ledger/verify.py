"""Full verification of a store: every chain, every seq, every signature, every index row and Merkle node.

Nothing stored is trusted. For each stored event, in global order:

- it has exactly one index row, whose stream, ``seq`` and ids agree with the stored row;
- ``seq`` continues its stream without a gap, and SHA-256(previous hash ‖ stored bytes) is the indexed hash;
- with signatures on: its signer's key was registered before it (in log order), belonged to the signer and was
  active at ``occurred_at``, and the Ed25519 signature over the signing bytes verifies.

Then the Merkle log: leaves are numbered 0…n−1 without a gap, every stored node at level 0 is the leaf hash of
the indexed event hash, and every stored node above is the hash of its two children. Last, every checkpoint the
operator issued verifies with the operator's key and commits to a prefix of that tree.

The work splits by position ranges over worker processes (each picks up the stream heads at its range start from
the index, whose hashes the earlier range checks), so independent elevators verify on both cores.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import orjson

from ledger.canonical import SIGNING_PREFIX, canonical
from ledger.checkpoint import NoteVerifier, open_checkpoint
from ledger.errors import LedgerError, NoteError
from ledger.identifiers import instant_from_text
from ledger.keys import b64decode_strict
from ledger.merkle import leaf_hash, node_hash
from ledger.merkle import root as merkle_root
from ledger.registry import KeyRecord, Registry
from ledger.store import GENESIS_HASH, Store, StoreURL
from ledger.store.stream import RecordMapper
from ledger.submission import STREAM_NAMESPACE, parse_line

__all__ = ["Failure", "VerifyReport", "verify_store"]

_CHUNK = 5000
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
    streams: set[str] = field(default_factory=set)
    tree_size: int = 0
    nodes: int = 0
    checkpoints: int = 0
    seconds: float = 0.0
    failure: Failure | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    def to_dict(self) -> dict[str, Any]:
        elevators = sum(1 for s in self.streams if s.startswith("elevator:"))
        return {
            "ok": self.ok, "events": self.events, "signatures_verified": self.signatures,
            "elevators": elevators, "organizations": len(self.streams) - elevators, "tree_size": self.tree_size,
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
        total = store.index.max_event_position()
        ranges = _ranges(total, workers)
        if workers > 1 and len(ranges) > 1:
            with ProcessPoolExecutor(len(ranges)) as pool:
                parts = list(pool.map(_verify_range_in_process, [(url, a, b, signatures) for a, b in ranges]))
        else:
            parts = [_RangeVerifier(store, a, b, signatures, progress, total).run() for a, b in ranges]
        for part in parts:
            report.events += part.events
            report.signatures += part.signatures
            report.streams |= part.streams
            if part.failure is not None and report.failure is None:
                report.failure = part.failure
        _verify_counts(store, report)
        if report.failure is None:
            _verify_merkle(store, report)
        if report.failure is None:
            _verify_checkpoints(store, report)
        report.seconds = time.perf_counter() - started
        return report
    finally:
        if own:
            store.close()


def _ranges(total: int, workers: int) -> list[tuple[int, int]]:
    """Split positions (0, total] into ``workers`` contiguous half-open-below ranges (after, upto]."""
    if workers <= 1 or total < 10_000:
        return [(0, total)]
    step = -(-total // workers)
    return [(start, min(start + step, total)) for start in range(0, total, step)]


def _verify_range_in_process(args: tuple[StoreURL, int, int, bool]) -> _RangeResult:
    url, after, upto, signatures = args
    with Store(url, cache_size=0) as store:
        return _RangeVerifier(store, after, upto, signatures, None, 0).run()


@dataclass
class _RangeResult:
    events: int = 0
    signatures: int = 0
    streams: set[str] = field(default_factory=set)
    failure: Failure | None = None


class _Fail(Exception):
    def __init__(self, failure: Failure) -> None:
        self.failure = failure


class _RangeVerifier:
    """Verifies stored events with positions in (after, upto]."""

    def __init__(
        self, store: Store, after: int, upto: int, signatures: bool, progress: Progress | None, total: int
    ) -> None:
        self.store = store
        self.after = after
        self.upto = upto
        self.signatures = signatures
        self.progress = progress
        self.total = total
        self.heads: dict[str, tuple[int, bytes]] = {}
        self.registry = Registry()
        self.result = _RangeResult()

    def run(self) -> _RangeResult:
        try:
            if self.signatures:
                self._replay_registry_before(self.after)
            position = self.after
            while position < self.upto:
                rows = self.store.index.verify_scan(position, _CHUNK)
                if not rows:
                    break
                for row in rows:
                    position = int(row[0])
                    if position > self.upto:
                        break
                    self._verify_row(row)
                if self.progress:
                    self.progress(min(position, self.upto), self.total)
        except _Fail as failed:
            self.result.failure = failed.failure
        return self.result

    def _replay_registry_before(self, position: int) -> None:
        after = 0
        while True:
            rows = self.store.index.scan(after, 1000, stream_kind="org")
            rows = [(row, record) for row, record in rows if row.position <= position]
            if not rows:
                return
            for row, record in rows:
                self.registry.apply(parse_line(record))
                after = row.position

    def _verify_row(self, row: tuple[Any, ...]) -> None:
        position, originator_id, version, topic, state = row[:5]
        record = state.encode("utf-8", "surrogateescape") if isinstance(state, str) else bytes(state)
        if row[5] is None:
            self._fail(position, f"stored event {originator_id}", int(version), "integrity.index",
                       "stored event has no index row")
        (_, leaf, event_id, kind, key, seq, event_type, org, occurred_at, stored_hash) = row[5:]
        stream = f"{kind}:{key}"
        seq = int(seq)
        fail = self._failer(position, stream, seq)
        if _stream_uuid(originator_id) != uuid.uuid5(STREAM_NAMESPACE, stream) or int(version) != seq:
            fail("integrity.index", "stored row's stream or version disagrees with its index row")
        if RecordMapper.CLASSES.get(topic) is None or (topic == "liftledger:opened") != (seq == 1):
            fail("integrity.topic", f"unexpected topic {topic!r}")
        previous = self._previous(key, seq, position, fail)
        digest = hashlib.sha256(previous + record).digest()
        if digest != bytes(stored_hash):
            fail("integrity.chain", "SHA-256(previous hash ‖ stored bytes) is not the recorded hash")
        self.heads[key] = (seq, digest)
        self.result.events += 1
        self.result.streams.add(stream)
        if self.signatures:
            self._verify_signed(record, (event_id, event_type, org, int(occurred_at), kind, key), fail)

    def _previous(self, key: str, seq: int, position: int, fail: Callable[[str, str], None]) -> bytes:
        head = self.heads.get(key)
        if head is None:
            head = self.store.index.stream_head_before(key, position) or (0, GENESIS_HASH)
        if head[0] != seq - 1:
            fail("integrity.seq", f"seq {seq} follows seq {head[0]}: the stream has a gap or is reordered")
        return head[1]

    def _verify_signed(self, record: bytes, indexed: tuple[Any, ...], fail: Callable[[str, str], None]) -> None:
        try:
            envelope = orjson.loads(record)
            if canonical(envelope) != record:
                fail("integrity.canonical", "stored bytes are not in canonical form")
            actor = envelope["actor"]
            stream_key = envelope.get("equipment_code") or indexed[5]
            seen = (envelope["event_id"], envelope["type"], actor["org"], instant_from_text(envelope["occurred_at"]))
            if seen != indexed[:4] or stream_key != indexed[5]:
                fail("integrity.index", "the index row disagrees with the stored event")
            key = self._key(envelope, record)
            signature = b64decode_strict(envelope["signature"], length=64, what="signature")
            unsigned = {k: v for k, v in envelope.items() if k != "signature"}
            if not key.public.is_valid_signature(signature, SIGNING_PREFIX + canonical(unsigned)):
                fail("signature.invalid", f"signature does not verify with key {key.key_id}")
            self.result.signatures += 1
            if indexed[4] == "org":
                self.registry.apply(parse_line(record))
        except LedgerError as e:
            fail(e.code, e.message)
        except (KeyError, TypeError, ValueError, orjson.JSONDecodeError) as e:
            fail("integrity.record", f"stored record is malformed: {e}")

    def _key(self, envelope: dict[str, Any], record: bytes) -> KeyRecord:
        if self.registry.genesis_org is None:
            return self.registry.key_for(parse_line(record))
        actor = envelope["actor"]
        return self.registry.active_key(envelope["key_id"], actor["org"], actor["role"], actor.get("device"),
                                        instant_from_text(envelope["occurred_at"]))

    def _failer(self, position: int, stream: str, seq: int) -> Callable[[str, str], None]:
        def fail(code: str, message: str) -> None:
            self._fail(position, stream, seq, code, message)

        return fail

    def _fail(self, position: int, stream: str, seq: int | None, code: str, message: str) -> None:
        raise _Fail(Failure(int(position), stream, seq, code, message))


def _stream_uuid(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


def _verify_counts(store: Store, report: VerifyReport) -> None:
    events, index_rows, _ = store.index.counts()
    report.tree_size = store.index.tree_size()
    orphan = store.index.first_orphan_index_row()
    if orphan is not None and (report.failure is None or orphan.position < report.failure.position):
        report.failure = Failure(orphan.position, f"{orphan.stream_kind}:{orphan.stream_key}", orphan.seq,
                                 "integrity.missing", "the index lists an event that is no longer stored")
    if report.failure is None and not (events == index_rows == report.tree_size == report.events):
        report.failure = Failure(0, "log", None, "integrity.log",
                                 f"{events} stored events, {index_rows} index rows, tree size {report.tree_size}: "
                                 "every event must be in the log exactly once")


def _verify_merkle(store: Store, report: VerifyReport) -> None:
    """Level 0 against the indexed hashes, every level above against its children."""
    size = report.tree_size
    below = _leaf_hashes(store, report, size)
    level = 0
    while below is not None and len(below) > 1:
        stored = _stored_level(store, level, len(below), report)
        if stored is None:
            return
        if stored != below:
            index = next(i for i, (a, b) in enumerate(zip(stored, below, strict=True)) if a != b)
            report.failure = Failure(0, "merkle", None, "integrity.merkle", f"node ({level}, {index}) is wrong")
            return
        report.nodes += len(stored)
        below = [node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
        level += 1
    if below:
        stored = _stored_level(store, level, 1, report)
        if stored is not None and stored != below:
            report.failure = Failure(0, "merkle", None, "integrity.merkle", f"node ({level}, 0) is wrong")
        report.nodes += 1
    if report.failure is None and store.index.counts()[2] != report.nodes:
        report.failure = Failure(0, "merkle", None, "integrity.merkle",
                                 f"{store.index.counts()[2]} Merkle nodes stored, {report.nodes} expected")


def _leaf_hashes(store: Store, report: VerifyReport, size: int) -> list[bytes] | None:
    leaves: list[bytes] = []
    after = -1
    while True:
        rows = store.index.leaf_scan(after, _CHUNK * 4)
        if not rows:
            break
        for leaf, digest in rows:
            if leaf != len(leaves):
                report.failure = Failure(0, "log", None, "integrity.log", f"leaf {leaf} where leaf {len(leaves)} was due")
                return None
            leaves.append(leaf_hash(digest))
            after = leaf
    return leaves if len(leaves) == size else None


def _stored_level(store: Store, level: int, expected: int, report: VerifyReport) -> list[bytes] | None:
    hashes: list[bytes] = []
    after = -1
    while True:
        rows = store.index.node_scan(level, after, _CHUNK * 4)
        if not rows:
            break
        for idx, digest in rows:
            if idx != len(hashes):
                break
            hashes.append(digest)
            after = idx
        else:
            continue
        break
    if len(hashes) != expected:
        report.failure = Failure(0, "merkle", None, "integrity.merkle",
                                 f"level {level} stores {len(hashes)} complete nodes, {expected} expected")
        return None
    return hashes


def _verify_checkpoints(store: Store, report: VerifyReport) -> None:
    """Every issued checkpoint is signed by the operator and commits to a prefix of the verified tree.

    All checkpoints being roots of prefixes of one tree is what makes them mutually consistent.
    """
    issued = store.index.checkpoints()
    if not issued:
        return
    vkey = store.index.meta().get("operator_vkey")
    try:
        if vkey is None:
            raise NoteError("checkpoints are stored but the operator's key is not", code="integrity.checkpoint")
        operator = NoteVerifier.from_vkey(vkey)
        for checkpoint_id, size, _, note in issued:
            checkpoint = open_checkpoint(note, operator).checkpoint
            if checkpoint.size != size or size > report.tree_size:
                raise NoteError(f"checkpoint {checkpoint_id} claims size {checkpoint.size}",
                                code="integrity.checkpoint")
            if merkle_root(size, store.index) != checkpoint.root_hash:
                raise NoteError(f"checkpoint {checkpoint_id} (size {size}) does not match the log",
                                code="integrity.checkpoint")
            report.checkpoints += 1
    except LedgerError as e:
        report.failure = Failure(0, "checkpoints", None, e.code, e.message)
