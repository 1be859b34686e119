"""Verifying only what was appended after a checkpoint the auditor trusts: an audit whose cost grows with the new
records, not with the whole history (``liftledger verify --since NOTE``).

Given a signed checkpoint the auditor holds — size ``m``, root ``r``, opened with its trust anchors — and a store:

1. **The store extends it.** The stored complete subtrees of the first ``m`` leaves fold to ``r`` (else
   ``store.forked``); a store with fewer leaves is ``store.truncated``.
2. **The state the new records are decided against**, rebuilt without reading the history and proved against
   ``(m, r)``: the registry as of the checkpoint (every organization-stream record before it, chained from ``seq`` 1
   per stream and folded), the head of every stream the new records touch, and the records that built each touched
   elevator's decision state (its first record and those of the types that change it, each with the hash before it
   in its stream). Every one of these leaves is checked against ``r`` in one multi-leaf proof
   (:func:`~ledger.tlog.merkle.verify_leaves`).
3. **The new records**, exactly as a full verify checks them (ledger/store/verify.py): chains from the proved
   heads, index rows, leaves from ``m`` on, recorded times, strict bytes and the ledger's rule set.
4. **The new Merkle nodes**, recomputed from the proved frontier and the new leaves and compared with the stored
   ones; every checkpoint issued after the held one verifies with the operator's key and commits to its prefix;
   events, index rows, leaves and nodes are as many as they must be.

What it takes from the store without proof: which of the records before the checkpoint belong to which stream,
type and signer (the index) — so a record hidden from the index before the checkpoint, say to fork a stream across
it, is found by a full verify and not by this one. That history is what the checkpoint the auditor holds stands
for: an earlier full (or incremental) audit covered it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from ledger.core.chain import GENESIS_HASH
from ledger.core.elevator import STATE_CHANGING_TYPES, ElevatorState
from ledger.core.errors import LedgerError
from ledger.core.replay import Replay
from ledger.core.schema.registry_events import RegistryGenesis
from ledger.core.submission import parse_line
from ledger.store import IndexRow, Store, StoreURL, StreamHead
from ledger.store.verify import (
    Failure,
    Progress,
    RangeVerifier,
    StartState,
    VerifyReport,
    check_checkpoint_time,
    expected_node_count,
    merge_parts,
)
from ledger.tlog.checkpoint import Checkpoint, open_checkpoint
from ledger.tlog.leaf import record_leaf_hash
from ledger.tlog.merkle import EMPTY_ROOT, MerkleAppender, fold_range, root_plan, verify_leaves
from ledger.tlog.trust import TrustAnchors

__all__ = ["verify_since"]

_SCAN = 20_000


class _Failed(Exception):
    def __init__(self, failure: Failure) -> None:
        self.failure = failure


def verify_since(url: StoreURL, note: str, anchors: TrustAnchors, *, progress: Progress | None = None,
                 store: Store | None = None) -> VerifyReport:
    """Verify what the store appended after ``note``, a checkpoint the auditor trusts (see the module docstring)."""
    started = time.perf_counter()
    own = store is None
    store = store or Store(url, cache_size=0)
    report = VerifyReport(mode="since", anchors=anchors.to_dict(), operator_word=[
        fact for fact in anchors.operator_word() if "witness" not in fact])
    try:
        _Audit(store, anchors, report, progress).run(note)
    except _Failed as failed:
        report.failure = failed.failure
    finally:
        report.seconds = time.perf_counter() - started
        if own:
            store.close()
    return report


@dataclass
class _Proved:
    """The leaves of the history before the checkpoint that the new records build on, to prove in one go."""

    leaves: dict[int, bytes] = field(default_factory=dict)

    def add(self, leaf: int, event_hash: bytes, recorded_at: int) -> None:
        self.leaves[leaf] = record_leaf_hash(event_hash, recorded_at)


class _Audit:
    def __init__(self, store: Store, anchors: TrustAnchors, report: VerifyReport, progress: Progress | None) -> None:
        self.store = store
        self.anchors = anchors
        self.report = report
        self.progress = progress

    def run(self, note: str) -> None:
        held = self._open(note)
        size = held.size
        self.report.since_size = self.report.extends = size
        frontier = self._extends(held)
        after = self._position_of_leaf(size - 1) if size else 0
        upto = self.store.audit.max_event_position()
        start, floor = self._start_state(after, upto, held)
        verifier = RangeVerifier(self.store, after, upto, True, self.progress, upto, keep_hashes=True, start=start)
        result = verifier.run()
        merge_parts([result], self.report, first_leaf=size, recorded=floor)
        if self.report.failure is not None:
            return
        self.report.tree_size = self.store.tree.tree_size()
        roots = self._new_nodes(size, frontier, result.hashes)
        self._counts()
        self._checkpoints(held, roots)

    def _fail(self, code: str, message: str, position: int = 0, stream: str = "log", seq: int | None = None) -> None:
        raise _Failed(Failure(position, stream, seq, code, message))

    # --- 1. the held checkpoint and the store's extension of it ---------------------------------------------------

    def _open(self, note: str) -> Checkpoint:
        try:
            return self.anchors.open(note).checkpoint
        except LedgerError as e:
            raise _Failed(Failure(0, "checkpoint", None, e.code, f"the checkpoint held: {e.message}")) from None

    def _extends(self, held: Checkpoint) -> list[bytes]:
        """The stored frontier of the held checkpoint's tree, proved by folding to its root."""
        size = self.store.tree.tree_size()
        if size < held.size:
            self._fail("store.truncated", f"the store's log has {size} leaves, the checkpoint held commits to "
                       f"{held.size}: leaves {size}–{held.size - 1} ({held.size - size} records) are missing — the "
                       "store was cut back")
        plan = root_plan(held.size)
        try:
            frontier = list(self.store.tree.get_nodes(plan)) if plan else []
        except LedgerError as e:
            self._fail("store.forked", f"the store no longer holds the tree the checkpoint held commits to: "
                       f"{e.message}")
        if (fold_range(frontier) if frontier else EMPTY_ROOT) != held.root_hash:
            self._fail("store.forked", f"the store's first {held.size} leaves are not the log the checkpoint held "
                       "commits to: its history was rewritten (rolled back and appended again, or forked)")
        return frontier

    def _position_of_leaf(self, leaf: int) -> int:
        row = self.store.tree.row_at_leaf(leaf)
        if row is None:
            self._fail("integrity.log", f"leaf {leaf} has no index row")
            raise AssertionError("unreachable")
        return row.position

    # --- 2. the state before, proved ------------------------------------------------------------------------------

    def _start_state(self, after: int, upto: int, held: Checkpoint) -> tuple[StartState, int]:
        """The state before the checkpoint, proved; and the recorded time of its last leaf (the new ones' floor)."""
        replay, heads, proved = Replay(remember_events=False), dict[str, StreamHead](), _Proved()
        floor = 0
        if held.size:
            last = self.store.tree.row_at_leaf(held.size - 1)
            assert last is not None  # _position_of_leaf found it
            proved.add(last.leaf, last.hash, last.recorded_at)
            floor = last.recorded_at
        self._registry(replay, heads, proved, after)
        touched = sorted(self._touched_elevators(after, upto))
        self._elevators(replay, heads, proved, touched, after)
        try:
            verify_leaves(proved.leaves, held.size, held.root_hash, self.store.tree)
        except LedgerError as e:
            self._fail("store.forked", f"the records before the checkpoint that the new ones build on are not in "
                       f"the log it commits to: {e.message}")
        if self.anchors.regulator is not None:
            try:
                self.anchors.regulator.check_genesis(replay.genesis)
            except LedgerError as e:
                self._fail(e.code, e.message, stream="org", seq=1)
        return StartState(replay, heads), floor

    def _registry(self, replay: Replay, heads: dict[str, StreamHead], proved: _Proved, after: int) -> None:
        """Every organization-stream record before the checkpoint, chained per stream from seq 1 and folded."""
        for stored in self._org_records(after):
            row, record = stored
            head = heads.get(row.stream_key, StreamHead(0, GENESIS_HASH))
            where = f"org:{row.stream_key}"
            if row.seq != head.seq + 1:
                self._fail("integrity.seq", f"seq {row.seq} follows seq {head.seq}", row.position, where, row.seq)
            digest = hashlib.sha256(head.hash + record).digest()
            if digest != row.hash:
                self._fail("integrity.chain", "SHA-256(previous hash ‖ stored bytes) is not the recorded hash",
                           row.position, where, row.seq)
            try:
                sub = parse_line(record)
            except LedgerError as e:
                self._fail("integrity.record", e.message, row.position, where, row.seq)
                raise AssertionError("unreachable") from None
            replay.registry.apply(sub)
            if isinstance(sub.payload, RegistryGenesis) and row.leaf == 0:
                replay.genesis = sub
            heads[row.stream_key] = StreamHead(row.seq, digest)
            proved.add(row.leaf, digest, row.recorded_at)

    def _org_records(self, after: int) -> Iterator[tuple[IndexRow, bytes]]:
        position = 0
        while batch := self.store.index.scan(position, 2000, stream_kind="org"):
            for stored in batch:
                if stored.row.position > after:
                    return
                yield stored.row, stored.record
                position = stored.row.position

    def _touched_elevators(self, after: int, upto: int) -> set[str]:
        touched: set[str] = set()
        for start in range(after, upto, _SCAN):
            touched.update(row.stream_key for row in self.store.audit.index_rows(start, min(start + _SCAN, upto))
                           if row.stream_kind == "elevator")
        return touched

    def _elevators(self, replay: Replay, heads: dict[str, StreamHead], proved: _Proved, touched: list[str],
                   after: int) -> None:
        """Each touched elevator's head and decision state before the checkpoint, from the records that built it."""
        state: ElevatorState | None = None
        key = ""
        for row in self.store.audit.prefix_rows(touched, after + 1, STATE_CHANGING_TYPES):
            if row.stream_key != key:
                if state is not None:
                    replay.elevators[key] = state
                key, state = row.stream_key, None
            where = f"elevator:{row.stream_key}"
            digest = hashlib.sha256((row.prev_hash or GENESIS_HASH) + row.record).digest()
            if digest != row.hash or (row.prev_hash is None) != (row.seq == 1):
                self._fail("integrity.chain", "SHA-256(previous hash ‖ stored bytes) is not the recorded hash",
                           stream=where, seq=row.seq)
            proved.add(row.leaf, digest, row.recorded_at)
            heads[row.stream_key] = StreamHead(row.seq, digest)  # rows come in seq order: the last is the head
            if row.seq == 1 or row.type in STATE_CHANGING_TYPES:
                try:
                    sub = parse_line(row.record)
                except LedgerError as e:
                    self._fail("integrity.record", e.message, stream=where, seq=row.seq)
                    raise AssertionError("unreachable") from None
                state = state or ElevatorState.manufactured(sub)
                state.apply(sub)
        if state is not None:
            replay.elevators[key] = state

    # --- 4. the new nodes, the counts, the later checkpoints ------------------------------------------------------

    def _new_nodes(self, size: int, frontier: list[bytes], leaf_hashes: list[bytes]) -> dict[int, bytes]:
        """Recompute every node the new leaves complete, compare them with the stored ones; return the roots at the
        sizes of the checkpoints issued since."""
        wanted = {row.tree_size for row in self.store.checkpoints.checkpoints() if row.tree_size > size}
        appender = MerkleAppender(size, frontier)
        roots: dict[int, bytes] = {}
        pending: list[tuple[tuple[int, int], bytes]] = []
        for leaf in leaf_hashes:
            pending.extend(appender.append(leaf))
            if appender.size in wanted:
                roots[appender.size] = appender.root()
            if len(pending) >= 4000:
                self._compare(pending)
                pending = []
        self._compare(pending)
        self.report.nodes = expected_node_count(appender.size) - expected_node_count(size)
        return roots

    def _compare(self, computed: list[tuple[tuple[int, int], bytes]]) -> None:
        if not computed:
            return
        ids = [node for node, _ in computed]
        try:
            stored = self.store.tree.get_nodes(ids)
        except LedgerError as e:
            self._fail("integrity.merkle", e.message, stream="merkle")
            return
        for (node, digest), found in zip(computed, stored, strict=True):
            if found != digest:
                self._fail("integrity.merkle", f"node {node} is wrong", stream="merkle")

    def _counts(self) -> None:
        counts = self.store.audit.counts()
        size = self.report.tree_size
        if not counts.events == counts.index_rows == size:
            self._fail("integrity.log", f"{counts.events} stored events, {counts.index_rows} index rows, tree size "
                       f"{size}: every event must be in the log exactly once")
        if counts.nodes != expected_node_count(size):
            expected = expected_node_count(size)
            self._fail("integrity.merkle", f"{counts.nodes} Merkle nodes stored, {expected} expected",
                       stream="merkle")

    def _checkpoints(self, held: Checkpoint, roots: dict[int, bytes]) -> None:
        """Every checkpoint issued after the held one: signed by the operator's key, at a size of the verified tree,
        its root the recomputed one."""
        for row in self.store.checkpoints.checkpoints():
            if row.tree_size <= held.size:
                continue
            try:
                checkpoint = open_checkpoint(row.note, self.anchors.operator).checkpoint
            except LedgerError as e:
                self._fail(e.code, f"checkpoint {row.checkpoint_id}: {e.message}", stream="checkpoints")
                return
            if checkpoint.size != row.tree_size or roots.get(row.tree_size) != checkpoint.root_hash:
                self._fail("integrity.checkpoint", f"checkpoint {row.checkpoint_id} (size {row.tree_size}) does not "
                           "match the log", stream="checkpoints")
            try:
                check_checkpoint_time(checkpoint, row.checkpoint_id, self.store.tree)
            except LedgerError as e:
                self._fail(e.code, e.message, stream="checkpoints")
            self.report.checkpoints += 1
