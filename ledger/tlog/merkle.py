"""RFC 9162 (RFC 6962) Merkle tree maths: hashing, node addressing, proofs and their verification.

Pure functions only: no I/O. Hashes are 32-byte SHA-256 digests (docs/FORMAT.md §II.1)::

    leaf_hash(d)    = SHA-256(0x00 ‖ d)
    node_hash(l, r) = SHA-256(0x01 ‖ l ‖ r)
    MTH({})         = SHA-256("")                 (EMPTY_ROOT)

**Node addressing.** ``NodeId = (level, index)`` names the *complete* subtree covering leaves
``[index·2^level, (index+1)·2^level)``; level-0 nodes are leaf hashes. Only complete subtrees are ever stored,
so a stored node never changes once written. Every range the RFC needs (a root, a proof element) is the
right-fold of a few such nodes (:func:`range_nodes`), so a root or a proof costs O(log n) node reads, fetched in
one batch from a :class:`NodeSource`. Each public generator has a pure *plan* twin (:func:`root_plan`,
:func:`inclusion_plan`, :func:`consistency_plan`) that names the nodes without reading them, so a store can
prefetch.

**Verification** follows RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) step by step, after checking
every hash length, every index bound and the exact proof length. Failures raise :class:`ProofError` (malformed,
out of range, wrong length) or :class:`RootMismatchError` (well-formed, but leads to another root).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from ledger.core.errors import ProofError, RootMismatchError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MAX_TREE_SIZE",
    "MerkleAppender",
    "NodeId",
    "NodeSource",
    "ProofPlan",
    "consistency_plan",
    "consistency_proof",
    "consistency_proof_length",
    "fetch_nodes",
    "fold_range",
    "inclusion_plan",
    "inclusion_proof",
    "inclusion_proof_length",
    "leaf_hash",
    "node_hash",
    "plan_node_ids",
    "range_nodes",
    "root",
    "root_from_inclusion_proof",
    "root_plan",
    "verify_consistency",
    "verify_inclusion",
    "verify_leaves",
]

HASH_SIZE = 32
MAX_TREE_SIZE = 2**64 - 1
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeId = tuple[int, int]
"""``(level, index)``: the complete subtree over leaves ``[index·2^level, (index+1)·2^level)``."""

ProofPlan = list[list[NodeId]]
"""One list of node ids per proof element; the right-fold of each list is that element."""

_sha256 = hashlib.sha256


class NodeSource(Protocol):
    """Where stored node hashes come from (implemented by the store)."""

    def get_nodes(self, ids: Sequence[NodeId]) -> Sequence[bytes]:
        """Return the hash of every node in ``ids``, in order, in one batched read; raise if one is missing."""
        ...


# --- hashing -----------------------------------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    """RFC 6962 leaf hash: SHA-256(0x00 ‖ data). In LiftLedger ``data`` is a 32-byte event hash."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node hash: SHA-256(0x01 ‖ left ‖ right)."""
    return _sha256(b"\x01" + left + right).digest()


def fold_range(hashes: Sequence[bytes]) -> bytes:
    """Right-fold node hashes (largest subtree first) into the MTH of their union.

    Requires a non-empty sequence, as produced for :func:`range_nodes`.
    """
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = _sha256(b"\x01" + h + acc).digest()
    return acc


# --- node addressing and plans -----------------------------------------------------------------------------------


def range_nodes(begin: int, end: int) -> list[NodeId]:
    """The aligned complete subtrees, largest first, whose right-fold is MTH(D[begin:end]).

    Precondition (asserted): ``0 <= begin < end`` and ``begin`` is a multiple of the largest power of two that is
    ``<= end - begin``. Every range in an RFC 9162 root or proof satisfies it: the root range starts at 0, a left
    subtree [b, b+k) is itself complete, and a right remainder [b+k, e) starts at a multiple of k >= e-(b+k).
    Under it, splitting off the subtrees for the set bits of ``end - begin`` from the highest down reproduces the
    RFC's split at "the largest power of two smaller than n" at every step.

    Raises:
        ValueError: the precondition does not hold (a programming error, not bad input).
    """
    size = end - begin
    if begin < 0 or size <= 0:
        raise ValueError(f"range_nodes needs 0 <= begin < end, got [{begin}, {end})")
    top = size.bit_length() - 1
    if begin & ((1 << top) - 1):
        raise ValueError(f"range [{begin}, {end}) is not aligned: {begin} is not a multiple of {1 << top}")
    ids: list[NodeId] = []
    pos = begin
    for level in range(top, -1, -1):
        if (size >> level) & 1:
            ids.append((level, pos >> level))
            pos += 1 << level
    return ids


def root_plan(size: int) -> list[NodeId]:
    """The node ids whose right-fold is the root of the tree of ``size`` leaves (none for the empty tree)."""
    _check_size("tree size", size)
    return range_nodes(0, size) if size else []


def inclusion_plan(index: int, size: int) -> ProofPlan:
    """Node ids for each element of PATH(index, D[size]) (RFC 9162 §2.1.3.1), leaf side first.

    Raises:
        ProofError: unless ``0 <= index < size <= MAX_TREE_SIZE``.
    """
    _check_size("tree size", size)
    _check_size("leaf index", index)
    if index >= size:
        raise ProofError(f"leaf index {index} is out of range for tree size {size}", code="proof.out_of_range")
    return [range_nodes(b, e) for b, e in _inclusion_ranges(index, size)]


def consistency_plan(old_size: int, new_size: int) -> ProofPlan:
    """Node ids for each element of PROOF(old_size, D[new_size]) (RFC 9162 §2.1.4.1).

    RFC 9162 defines PROOF(m, D[n]) for 0 < m < n. For m == n it is SUBPROOF(n, D[n], true) = {} (empty), and
    for m == 0 we return the empty proof too (every tree extends the empty tree; c2sp.org/merkle-tree and
    c2sp.org/tlog-witness agree), verified by :func:`verify_consistency` as documented there.

    Raises:
        ProofError: unless ``0 <= old_size <= new_size <= MAX_TREE_SIZE``.
    """
    _check_size("old size", old_size)
    _check_size("new size", new_size)
    if old_size > new_size:
        raise ProofError(f"old size {old_size} is larger than new size {new_size}", code="proof.out_of_range")
    if old_size == 0 or old_size == new_size:
        return []
    return [range_nodes(b, e) for b, e in _consistency_ranges(old_size, new_size)]


def plan_node_ids(plan: Iterable[Sequence[NodeId]]) -> list[NodeId]:
    """Every node id a plan needs, once each, in first-use order: the argument of the one ``get_nodes`` call."""
    seen: dict[NodeId, None] = {}
    for element in plan:
        for node in element:
            seen.setdefault(node, None)
    return list(seen)


def _largest_power_of_two_below(n: int) -> int:
    """The k of RFC 6962 §2.1: the largest power of two strictly smaller than ``n`` (requires n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges whose MTHs form PATH(index, D[0:size]), deepest first (RFC 9162 §2.1.3.1)."""
    ranges: list[tuple[int, int]] = []
    begin, end = 0, size
    while end - begin > 1:
        k = _largest_power_of_two_below(end - begin)
        if index < begin + k:
            ranges.append((begin + k, end))
            end = begin + k
        else:
            ranges.append((begin, begin + k))
            begin += k
    ranges.reverse()
    return ranges


def _consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """Leaf ranges whose MTHs form SUBPROOF(old_size, D[0:new_size], true), deepest first (RFC 9162 §2.1.4.1)."""
    ranges: list[tuple[int, int]] = []
    begin, end, m, known = 0, new_size, old_size, True
    while m != end - begin:
        k = _largest_power_of_two_below(end - begin)
        if m <= k:
            ranges.append((begin + k, end))
            end = begin + k
        else:
            ranges.append((begin, begin + k))
            begin, m, known = begin + k, m - k, False
    if not known:
        ranges.append((begin, end))
    ranges.reverse()
    return ranges


# --- generation from a node source -------------------------------------------------------------------------------


def fetch_nodes(source: NodeSource, ids: Sequence[NodeId]) -> dict[NodeId, bytes]:
    """Read ``ids`` with exactly one ``get_nodes`` call (none when empty) and check what came back."""
    if not ids:
        return {}
    hashes = source.get_nodes(ids)
    if len(hashes) != len(ids):
        raise ProofError(f"node source returned {len(hashes)} hashes for {len(ids)} ids", code="proof.store")
    for node, h in zip(ids, hashes, strict=True):
        if type(h) is not bytes or len(h) != HASH_SIZE:
            raise ProofError(f"node source returned a malformed hash for node {node}", code="proof.store")
    return dict(zip(ids, hashes, strict=True))


def root(size: int, source: NodeSource) -> bytes:
    """MTH(D[0:size]) from stored complete subtrees: at most log2(size)+1 nodes, one ``get_nodes`` call.

    Requires every complete subtree within the first ``size`` leaves to be stored (see :class:`MerkleAppender`).
    """
    ids = root_plan(size)
    if not ids:
        return EMPTY_ROOT
    nodes = fetch_nodes(source, ids)
    return fold_range([nodes[i] for i in ids])


def inclusion_proof(index: int, size: int, source: NodeSource) -> list[bytes]:
    """The RFC 9162 §2.1.3.1 inclusion proof for leaf ``index`` in the tree of ``size`` leaves.

    One ``get_nodes`` call for O(log size) nodes. Raises ProofError unless ``0 <= index < size``.
    """
    return _materialize(inclusion_plan(index, size), source)


def consistency_proof(old_size: int, new_size: int, source: NodeSource) -> list[bytes]:
    """The RFC 9162 §2.1.4.1 consistency proof from ``old_size`` to ``new_size`` (empty if equal or old is 0).

    One ``get_nodes`` call for O(log new_size) nodes. Raises ProofError unless ``0 <= old_size <= new_size``.
    """
    return _materialize(consistency_plan(old_size, new_size), source)


def _materialize(plan: ProofPlan, source: NodeSource) -> list[bytes]:
    nodes = fetch_nodes(source, plan_node_ids(plan))
    return [fold_range([nodes[i] for i in element]) for element in plan]


# --- appending ---------------------------------------------------------------------------------------------------


class MerkleAppender:
    """The compact range (frontier) of a growing log, for appending leaves in memory.

    The frontier is the hashes of ``range_nodes(0, size)``, largest subtree first: one hash per set bit of
    ``size``. Appending a leaf returns every node that becomes complete, so a store that inserts them all holds
    every complete subtree, which is all :func:`root` and the proof generators need.
    """

    __slots__ = ("_frontier", "_size")

    def __init__(self, size: int = 0, frontier: Sequence[bytes] = ()) -> None:
        """Resume from a stored state. Requires ``frontier`` = hashes of ``range_nodes(0, size)``, largest first.

        Raises:
            ProofError: the frontier has the wrong number of hashes or a hash is not 32 bytes.
        """
        _check_size("tree size", size)
        if len(frontier) != size.bit_count():
            raise ProofError(f"a frontier for size {size} has {size.bit_count()} hashes, got {len(frontier)}")
        for h in frontier:
            _check_hash("frontier hash", h)
        self._size = size
        self._frontier = list(frontier)

    @property
    def size(self) -> int:
        """The number of leaves appended so far (including those of the initial state)."""
        return self._size

    @property
    def frontier(self) -> tuple[bytes, ...]:
        """The hashes of ``range_nodes(0, size)``, largest first: what to persist to resume later."""
        return tuple(self._frontier)

    def root(self) -> bytes:
        """MTH of the current tree (EMPTY_ROOT when empty)."""
        return fold_range(self._frontier) if self._frontier else EMPTY_ROOT

    def append(self, leaf: bytes) -> list[tuple[NodeId, bytes]]:
        """Append one leaf hash; return the newly complete nodes: the leaf at level 0, then each parent it completes.

        Requires ``leaf`` to be a 32-byte leaf hash (see :func:`leaf_hash`); raises ProofError otherwise.
        """
        if len(leaf) != HASH_SIZE:
            raise ProofError(f"a leaf hash must be {HASH_SIZE} bytes, got {len(leaf)}")
        index = self._size
        frontier = self._frontier
        out = [((0, index), leaf)]
        h = leaf
        level = 0
        while index & 1:
            h = _sha256(b"\x01" + frontier.pop() + h).digest()
            level += 1
            index >>= 1
            out.append(((level, index), h))
        frontier.append(h)
        self._size += 1
        return out

    def extend(self, leaves: Iterable[bytes]) -> list[tuple[NodeId, bytes]]:
        """Append several leaf hashes in order; return all newly complete nodes."""
        out: list[tuple[NodeId, bytes]] = []
        for leaf in leaves:
            out.extend(self.append(leaf))
        return out


# --- verification ------------------------------------------------------------------------------------------------


def inclusion_proof_length(index: int, size: int) -> int:
    """The exact number of hashes in the inclusion proof of ``index`` in a tree of ``size`` (needs index < size)."""
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def consistency_proof_length(old_size: int, new_size: int) -> int:
    """The exact number of hashes in the consistency proof from ``old_size`` to ``new_size`` (requires old <= new)."""
    if old_size == 0 or old_size == new_size:
        return 0
    level = (old_size & -old_size).bit_length() - 1
    index = (old_size - 1) >> level
    length = inclusion_proof_length(index, ((new_size - 1) >> level) + 1)
    return length if index == 0 else length + 1


def root_from_inclusion_proof(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` leads to, computed as RFC 9162 §2.1.3.2 steps 2-5.

    Checks bounds, lengths and hash sizes (ProofError) but compares against no root.
    """
    _check_hash("leaf hash", leaf)
    _check_size("tree size", size)
    _check_size("leaf index", index)
    if size == 0:
        raise ProofError("there is no inclusion proof in an empty tree", code="proof.out_of_range")
    if index >= size:
        raise ProofError(f"leaf index {index} is out of range for tree size {size}", code="proof.out_of_range")
    hashes = _check_proof_hashes(proof)
    want = inclusion_proof_length(index, size)
    if len(hashes) != want:
        raise ProofError(
            f"inclusion proof for leaf {index} in tree size {size} must have {want} hashes, got {len(hashes)}"
        )
    return _rfc9162_inclusion(leaf, index, size, hashes)


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes) -> None:
    """Verify that ``leaf`` (a leaf hash) is at ``index`` in the tree of ``size`` leaves with root ``root_hash``.

    Preconditions checked, each a ProofError: ``0 <= index < size <= MAX_TREE_SIZE``, every hash 32 bytes, and
    exactly ``inclusion_proof_length(index, size)`` proof hashes.

    Raises:
        ProofError: malformed input or a proof of the wrong shape.
        RootMismatchError: the proof is well-formed but leads to another root.
    """
    _check_hash("root hash", root_hash)
    calculated = root_from_inclusion_proof(leaf, index, size, proof)
    if calculated != root_hash:
        raise RootMismatchError(root_hash, calculated)


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Verify that the tree (``new_size``, ``new_root``) extends the tree (``old_size``, ``old_root``).

    RFC 9162 §2.1.4.2 for ``0 < old_size < new_size``. Edge cases, as c2sp.org/merkle-tree defines them:
    ``old_size == new_size`` needs an empty proof and equal roots; ``old_size == 0`` needs an empty proof, and
    (our stricter choice) ``old_root`` must be EMPTY_ROOT, the only root a tree of size 0 can have.

    Raises:
        ProofError: sizes out of range or decreasing, a hash not 32 bytes, or a proof of the wrong length.
        RootMismatchError: the proof is well-formed but does not lead to ``old_root`` and ``new_root``.
    """
    _check_size("old size", old_size)
    _check_size("new size", new_size)
    _check_hash("old root", old_root)
    _check_hash("new root", new_root)
    if old_size > new_size:
        raise ProofError(f"old size {old_size} is larger than new size {new_size}", code="proof.out_of_range")
    hashes = _check_proof_hashes(proof)
    want = consistency_proof_length(old_size, new_size)
    if len(hashes) != want:
        raise ProofError(
            f"consistency proof from size {old_size} to {new_size} must have {want} hashes, got {len(hashes)}"
        )
    if old_size == new_size:
        if old_root != new_root:
            raise RootMismatchError(new_root, old_root, f"trees of equal size {old_size} have different roots")
        return
    if old_size == 0:
        if old_root != EMPTY_ROOT:
            raise RootMismatchError(EMPTY_ROOT, old_root, "the root of the empty tree must be SHA-256 of nothing")
        return
    old_calc, new_calc = _rfc9162_consistency(old_size, new_size, old_root, hashes)
    if old_calc != old_root:
        raise RootMismatchError(old_root, old_calc, f"proof leads to old root {old_calc.hex()}, not {old_root.hex()}")
    if new_calc != new_root:
        raise RootMismatchError(new_root, new_calc, f"proof leads to new root {new_calc.hex()}, not {new_root.hex()}")



def verify_leaves(leaves: Mapping[int, bytes], size: int, root_hash: bytes, source: NodeSource) -> None:
    """Check that each ``leaves[index]`` (a leaf hash) is leaf ``index`` of the tree of ``size`` leaves whose root is
    ``root_hash``: one proof for many leaves, the sibling hashes read from ``source`` a level at a time and every
    path recomputed up to the root. It proves what one inclusion proof per leaf would, for the nodes they do not
    share: an auditor who trusts only ``(size, root_hash)`` learns that those leaves are the log's.

    Raises:
        ProofError: an index not below ``size`` (``proof.out_of_range``), a node missing from ``source``.
        RootMismatchError: the leaves and the nodes lead to another root.
    """
    _check_size("tree size", size)
    _check_hash("root hash", root_hash)
    if not leaves:
        return
    for index, digest in leaves.items():
        if not 0 <= index < size:
            raise ProofError(f"leaf {index} is not in a tree of {size} leaves", code="proof.out_of_range")
        _check_hash("leaf hash", digest)
    plan = root_plan(size)
    computed: dict[NodeId, bytes] = {}
    for top, start in plan:  # each complete subtree of the root, from its leaves up
        level_nodes = {i: d for i, d in leaves.items() if i >> top == start}
        if not level_nodes:
            continue
        for level in range(top):
            siblings = sorted({i ^ 1 for i in level_nodes} - level_nodes.keys())
            both = dict(level_nodes)
            if siblings:
                both.update(zip(siblings, source.get_nodes([(level, i) for i in siblings]), strict=True))
            level_nodes = {i >> 1: node_hash(both[i & ~1], both[i | 1]) for i in level_nodes}
        computed[(top, start)] = level_nodes[start]
    rest = [node for node in plan if node not in computed]
    stored = dict(zip(rest, source.get_nodes(rest), strict=True)) if rest else {}
    calculated = fold_range([computed[node] if node in computed else stored[node] for node in plan])
    if calculated != root_hash:
        raise RootMismatchError(root_hash, calculated)


def _rfc9162_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2 steps 2-5; the length was checked, the step-4 and step-5 guards stay as the RFC says."""
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof has too many hashes")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof has too few hashes")
    return r


def _rfc9162_consistency(
    old_size: int, new_size: int, old_root: bytes, proof: Sequence[bytes]
) -> tuple[bytes, bytes]:
    """RFC 9162 §2.1.4.2 steps 1-7 for 0 < old_size < new_size; returns (fr, sr)."""
    if not proof:
        raise ProofError("consistency proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof has too many hashes")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof has too few hashes")
    return fr, sr


# --- input checks ------------------------------------------------------------------------------------------------


def _check_size(what: str, value: int) -> None:
    if type(value) is not int:
        raise ProofError(f"{what} must be an integer, got {type(value).__name__}")
    if not 0 <= value <= MAX_TREE_SIZE:
        raise ProofError(f"{what} {value} is outside 0..2^64-1", code="proof.out_of_range")


def _check_hash(what: str, value: bytes) -> None:
    if type(value) is not bytes:
        raise ProofError(f"{what} must be bytes, got {type(value).__name__}")
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} must be {HASH_SIZE} bytes, got {len(value)}")


def _check_proof_hashes(proof: Sequence[bytes]) -> list[bytes]:
    if isinstance(proof, (bytes, bytearray, str)):
        raise ProofError("a proof is a sequence of hashes, not one byte string")
    hashes = list(proof)
    for i, h in enumerate(hashes):
        _check_hash(f"proof hash [{i}]", h)
    return hashes
