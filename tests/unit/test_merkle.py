"""ledger.tlog.merkle against RFC 6962 known digests, the naive reference, golden vectors and mutations."""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.core.errors import ProofError, RootMismatchError
from ledger.tlog import merkle as M
from ledger.tlog.merkle import leaf_hash
from tests.unit import merkle_reference as ref

VECTORS = Path(__file__).resolve().parent.parent / "vectors"


class DictSource:
    """A NodeSource over a dict, counting batched reads (the store's contract, in memory)."""

    def __init__(self) -> None:
        self.nodes: dict[M.NodeId, bytes] = {}
        self.calls: list[list[M.NodeId]] = []

    def get_nodes(self, ids: Sequence[M.NodeId]) -> Sequence[bytes]:
        self.calls.append(list(ids))
        return [self.nodes[i] for i in ids]  # KeyError if missing, like a store raising


def build(data: Sequence[bytes]) -> tuple[M.MerkleAppender, DictSource]:
    appender, source = M.MerkleAppender(), DictSource()
    for d in data:
        for node, h in appender.append(M.leaf_hash(d)):
            assert node not in source.nodes, "a node is completed twice"
            source.nodes[node] = h
    return appender, source


def event(i: int) -> bytes:
    return hashlib.sha256(f"event-{i}".encode()).digest()


DATA = [event(i) for i in range(130)]
MORE = [event(i) for i in range(260)]
APPENDER, SOURCE = build(DATA)


# --- RFC 6962 known digests --------------------------------------------------------------------------------------


def test_empty_tree_hash() -> None:
    # printf '' | sha256sum
    assert M.EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert M.root(0, DictSource()) == M.EMPTY_ROOT
    assert M.MerkleAppender().root() == M.EMPTY_ROOT


def test_leaf_hash_of_empty_string() -> None:
    # printf '\x00' | sha256sum
    assert M.leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"


def test_node_hash_of_two_empty_strings() -> None:
    # printf '\x01' | sha256sum  (left and right are empty)
    assert M.node_hash(b"", b"").hex() == "4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a"


def test_node_hash_of_two_leaves() -> None:
    # L=$(printf '\x00' | sha256sum | cut -c1-64); { printf '\x01'; printf '%s%s' $L $L | xxd -r -p; } | sha256sum
    leaf = M.leaf_hash(b"")
    assert M.node_hash(leaf, leaf).hex() == "fe43d66afa4a9a5c4f9c9da89f4ffb52635c8f342e7ffb731d68e36c5982072a"


def test_c2sp_seven_leaf_example_proofs() -> None:
    """The worked example of c2sp.org/merkle-tree: labels a..g, h..l, and the proofs it lists."""
    d = DATA[:7]
    a, b, c, dd, e, f, g = (M.leaf_hash(x) for x in d)
    h, i, j = M.node_hash(a, b), M.node_hash(c, dd), M.node_hash(e, f)
    k, l = M.node_hash(h, i), M.node_hash(j, g)  # noqa: E741  # the example's own labels
    _, source = build(d)
    assert M.root(7, source) == M.node_hash(k, l)
    assert M.inclusion_proof(0, 7, source) == [b, i, l]
    assert M.inclusion_proof(3, 7, source) == [c, h, l]
    assert M.inclusion_proof(4, 7, source) == [f, g, k]
    assert M.inclusion_proof(6, 7, source) == [j, k]
    assert M.consistency_proof(3, 7, source) == [c, dd, h, l]
    assert M.consistency_proof(4, 7, source) == [l]
    assert M.consistency_proof(6, 7, source) == [j, g, k]


# --- the reference oracle, exhaustively --------------------------------------------------------------------------


def test_roots_and_proofs_match_reference_for_all_sizes_and_pairs() -> None:
    """Every size 1..130, every index and every old size: same bytes as the RFC recursion, and they verify."""
    appender, source = M.MerkleAppender(), DictSource()
    for n in range(1, len(DATA) + 1):
        for node, h in appender.append(M.leaf_hash(DATA[n - 1])):
            source.nodes[node] = h
        d = DATA[:n]
        want_root = ref.mth(d)
        assert appender.root() == want_root == M.root(n, source)
        for index in range(n):
            proof = M.inclusion_proof(index, n, source)
            assert proof == ref.path(index, d)
            M.verify_inclusion(M.leaf_hash(d[index]), index, n, proof, want_root)
        for old in range(n + 1):
            proof = M.consistency_proof(old, n, source)
            assert proof == ref.proof(old, d)
            M.verify_consistency(old, n, ref.mth(d[:old]), want_root, proof)


def test_every_generator_makes_exactly_one_batched_read() -> None:
    for size in (2, 7, 64, 100, 130):
        for call in (
            lambda n=size: M.root(n, SOURCE),
            lambda n=size: M.inclusion_proof(n // 3, n, SOURCE),
            lambda n=size: M.consistency_proof(max(1, n // 2), n, SOURCE),
        ):
            SOURCE.calls.clear()
            call()
            assert len(SOURCE.calls) == 1
            assert len(SOURCE.calls[0]) == len(set(SOURCE.calls[0]))


def test_trivial_proofs_read_nothing() -> None:
    source = DictSource()
    assert M.consistency_proof(0, 5, source) == []
    assert M.consistency_proof(5, 5, source) == []
    assert M.root(0, source) == M.EMPTY_ROOT
    assert source.calls == []


@pytest.mark.parametrize("size", [1, 2, 3, 1000, 2**20 + 1, 10**6, 2**40 - 1, 2**63 + 12345])
def test_plans_are_logarithmic_and_name_only_complete_subtrees(size: int) -> None:
    bound = 2 * math.ceil(math.log2(size + 1)) + 2
    for index in {0, size // 2, size - 1}:
        ids = M.plan_node_ids(M.inclusion_plan(index, size))
        assert len(ids) <= bound
        assert all((i + 1) << level <= size for level, i in ids)
    for old in {1, size // 3 or 1, size - 1 or 1, size}:
        ids = M.plan_node_ids(M.consistency_plan(old, size))
        assert len(ids) <= bound
        assert all((i + 1) << level <= size for level, i in ids)
    assert len(M.root_plan(size)) == size.bit_count()


def test_proof_lengths_match_the_rfc_recursion() -> None:
    for n in range(1, 70):
        for i in range(n):
            assert M.inclusion_proof_length(i, n) == len(ref.path(i, DATA[:n]))
        for m in range(n + 1):
            assert M.consistency_proof_length(m, n) == len(ref.proof(m, DATA[:n]))


# --- hypothesis: random data, the appender resumed from a frontier, mutations ------------------------------------


@settings(max_examples=40, deadline=None)
@given(st.lists(st.binary(min_size=0, max_size=40), min_size=1, max_size=130), st.data())
def test_random_trees_match_reference(data: list[bytes], draw: st.DataObject) -> None:
    n = len(data)
    split = draw.draw(st.integers(0, n))
    first, source = build(data[:split])
    resumed = M.MerkleAppender(first.size, first.frontier)
    for d in data[split:]:
        for node, h in resumed.append(M.leaf_hash(d)):
            source.nodes[node] = h
    assert resumed.root() == ref.mth(data) == M.root(n, source)
    index = draw.draw(st.integers(0, n - 1))
    assert M.inclusion_proof(index, n, source) == ref.path(index, data)
    old = draw.draw(st.integers(0, n))
    assert M.consistency_proof(old, n, source) == ref.proof(old, data)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 130), st.data())
def test_mutated_inclusion_proofs_fail(n: int, draw: st.DataObject) -> None:
    index = draw.draw(st.integers(0, n - 1))
    proof = M.inclusion_proof(index, n, SOURCE)
    root, leaf = ref.mth(DATA[:n]), M.leaf_hash(DATA[index])
    if proof:
        j, bit = draw.draw(st.integers(0, len(proof) - 1)), draw.draw(st.integers(0, 255))
        flipped = [
            bytes(x ^ (1 << (bit % 8)) if b == bit // 8 else x for b, x in enumerate(h)) if k == j else h
            for k, h in enumerate(proof)
        ]
        with pytest.raises(RootMismatchError):
            M.verify_inclusion(leaf, index, n, flipped, root)
        with pytest.raises(ProofError):
            M.verify_inclusion(leaf, index, n, proof[:-1], root)
    with pytest.raises(ProofError):
        M.verify_inclusion(leaf, index, n, [*proof, root], root)
    # Another size fails, unless both sizes give the proof the same shape: then the RFC recursion agrees that
    # it still leads to the root (proofs do not bind the size; signed checkpoints do).
    other = draw.draw(st.integers(0, 2 * n).filter(lambda s: s != n))
    same_shape = index < other and len(proof) == len(ref.path(index, MORE[:other]))
    if same_shape and ref.verify_path_naive(DATA[index], index, other, proof) == root:
        M.verify_inclusion(leaf, index, other, proof, root)
    else:
        with pytest.raises(ProofError):
            M.verify_inclusion(leaf, index, other, proof, root)


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 130), st.data())
def test_mutated_consistency_proofs_fail(n: int, draw: st.DataObject) -> None:
    old = draw.draw(st.integers(1, n - 1))
    proof = M.consistency_proof(old, n, SOURCE)
    r1, r2 = ref.mth(DATA[:old]), ref.mth(DATA[:n])
    j, bit = draw.draw(st.integers(0, len(proof) - 1)), draw.draw(st.integers(0, 7))
    flipped = [bytes([h[0] ^ (1 << bit), *h[1:]]) if k == j else h for k, h in enumerate(proof)]
    with pytest.raises(RootMismatchError):
        M.verify_consistency(old, n, r1, r2, flipped)
    with pytest.raises(RootMismatchError):
        M.verify_consistency(old, n, r2, r1, proof)
    with pytest.raises(ProofError):
        M.verify_consistency(old, n, r1, r2, proof[:-1])
    with pytest.raises(ProofError):
        M.verify_consistency(old, n, r1, r2, [*proof, r1])
    other = draw.draw(st.integers(1, 2 * n).filter(lambda s: s != old))
    with pytest.raises(ProofError):
        M.verify_consistency(other, n, r1, r2, proof)
    other_new = draw.draw(st.integers(old + 1, 2 * n).filter(lambda s: s != n))
    if ref.consistency_roots_naive(old, other_new, proof, r1) == (r1, r2):
        M.verify_consistency(old, other_new, r1, r2, proof)  # same shape: the size is not bound by the proof
    else:
        with pytest.raises(ProofError):
            M.verify_consistency(old, other_new, r1, r2, proof)


# --- bounds and input checks -------------------------------------------------------------------------------------

ROOT7 = ref.mth(DATA[:7])
LEAF3 = M.leaf_hash(DATA[3])
PROOF3 = ref.path(3, DATA[:7])


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ((LEAF3, 7, 7, PROOF3, ROOT7), "out of range"),
        ((LEAF3, -1, 7, PROOF3, ROOT7), "outside"),
        ((LEAF3, 3, 0, PROOF3, ROOT7), "empty tree"),
        ((LEAF3, 3, 2**64, PROOF3, ROOT7), "outside"),
        ((LEAF3, True, 7, PROOF3, ROOT7), "integer"),
        ((LEAF3[:31], 3, 7, PROOF3, ROOT7), "32 bytes"),
        ((LEAF3, 3, 7, PROOF3, ROOT7 + b"\0"), "32 bytes"),
        ((LEAF3, 3, 7, [PROOF3[0][:31], *PROOF3[1:]], ROOT7), "proof hash [0]"),
        ((LEAF3, 3, 7, PROOF3[:2], ROOT7), "must have 3 hashes, got 2"),
        ((LEAF3, 3, 7, b"".join(PROOF3), ROOT7), "sequence"),
        ((bytearray(LEAF3), 3, 7, PROOF3, ROOT7), "bytes"),
    ],
)
def test_inclusion_input_errors(args: tuple[Any, ...], fragment: str) -> None:
    with pytest.raises(ProofError, match=re.escape(fragment)) as info:
        M.verify_inclusion(*args)
    assert not isinstance(info.value, RootMismatchError)


def test_root_mismatch_carries_both_roots() -> None:
    bad = M.leaf_hash(DATA[4])
    with pytest.raises(RootMismatchError) as info:
        M.verify_inclusion(bad, 3, 7, PROOF3, ROOT7)
    assert info.value.expected == ROOT7
    assert info.value.calculated != ROOT7
    assert info.value.code == "proof.root_mismatch"


def test_consistency_edge_cases() -> None:
    r5 = ref.mth(DATA[:5])
    M.verify_consistency(5, 5, r5, r5, [])
    M.verify_consistency(0, 5, M.EMPTY_ROOT, r5, [])
    M.verify_consistency(0, 0, M.EMPTY_ROOT, M.EMPTY_ROOT, [])
    with pytest.raises(RootMismatchError):
        M.verify_consistency(5, 5, r5, ROOT7, [])
    with pytest.raises(ProofError, match="must have 0 hashes"):
        M.verify_consistency(5, 5, r5, r5, [r5])
    with pytest.raises(ProofError, match="must have 0 hashes"):
        M.verify_consistency(0, 5, M.EMPTY_ROOT, r5, [r5])
    with pytest.raises(RootMismatchError):
        M.verify_consistency(0, 5, r5, r5, [])
    with pytest.raises(ProofError, match="larger than"):
        M.verify_consistency(7, 5, ROOT7, r5, [])
    with pytest.raises(ProofError, match="must have"):
        M.verify_consistency(3, 7, ref.mth(DATA[:3]), ROOT7, [])


def test_generators_reject_out_of_range_arguments() -> None:
    for call in (
        lambda: M.inclusion_proof(7, 7, SOURCE),
        lambda: M.inclusion_proof(0, 0, SOURCE),
        lambda: M.inclusion_proof(-1, 7, SOURCE),
        lambda: M.consistency_proof(8, 7, SOURCE),
        lambda: M.root(-1, SOURCE),
    ):
        with pytest.raises(ProofError):
            call()


def test_range_nodes_alignment_precondition() -> None:
    assert M.range_nodes(0, 7) == [(2, 0), (1, 2), (0, 6)]
    assert M.range_nodes(8, 13) == [(2, 2), (0, 12)]
    assert M.range_nodes(2, 5) == [(1, 1), (0, 4)]
    for begin, end in ((1, 3), (2, 6), (0, 0), (5, 4), (-2, 2)):
        with pytest.raises(ValueError):
            M.range_nodes(begin, end)


def test_missing_or_malformed_nodes_from_the_store() -> None:
    class Short(DictSource):
        def get_nodes(self, ids: Sequence[M.NodeId]) -> Sequence[bytes]:
            return [b"\0" * 31 for _ in ids]

    with pytest.raises(ProofError, match="malformed hash"):
        M.root(5, Short())
    with pytest.raises(KeyError):
        M.root(5, DictSource())


def test_appender_rejects_bad_state_and_leaves() -> None:
    with pytest.raises(ProofError):
        M.MerkleAppender(3, [b"\0" * 32])
    with pytest.raises(ProofError):
        M.MerkleAppender(1, [b"\0" * 31])
    with pytest.raises(ProofError):
        M.MerkleAppender().append(b"short")


def test_appender_returns_every_completed_node_once() -> None:
    appender = M.MerkleAppender()
    produced = []
    for i in range(16):
        produced += [node for node, _ in appender.append(M.leaf_hash(DATA[i]))]
    assert len(produced) == 31 == len(set(produced))
    assert appender.extend([]) == []
    assert appender.frontier == (appender.root(),)


# --- golden vectors ----------------------------------------------------------------------------------------------


def _vectors(kind: str) -> list[Path]:
    files = sorted((VECTORS / kind).glob("*.json"))
    assert files, f"no vectors under {kind}/"
    return files


def _outcome(call: Any) -> str | None:
    try:
        call()
    except ProofError as e:
        return e.code
    return None


@pytest.mark.parametrize("path", _vectors("inclusion"), ids=lambda p: p.stem)
def test_inclusion_vectors(path: Path) -> None:
    v = json.loads(path.read_text())
    proof = [bytes.fromhex(h) for h in v["proof"]]
    got = _outcome(
        lambda: M.verify_inclusion(
            bytes.fromhex(v["leaf_hash"]), v["leaf_index"], v["tree_size"], proof, bytes.fromhex(v["root_hash"])
        )
    )
    assert got == v["want_err"], v["desc"]


@pytest.mark.parametrize("path", _vectors("consistency"), ids=lambda p: p.stem)
def test_consistency_vectors(path: Path) -> None:
    v = json.loads(path.read_text())
    proof = [bytes.fromhex(h) for h in v["proof"]]
    got = _outcome(
        lambda: M.verify_consistency(
            v["old_size"], v["new_size"], bytes.fromhex(v["old_root"]), bytes.fromhex(v["new_root"]), proof
        )
    )
    assert got == v["want_err"], v["desc"]


# --- many leaves at once ------------------------------------------------------------------------------------------


class _Nodes:
    def __init__(self, size: int) -> None:
        from ledger.tlog.merkle import MerkleAppender

        appender = MerkleAppender()
        self.leaves = [leaf_hash(bytes([i % 256, i // 256])) for i in range(size)]
        self.nodes = dict(appender.extend(self.leaves))
        self.root = appender.root()

    def get_nodes(self, ids: Any) -> list[bytes]:
        return [self.nodes[node] for node in ids]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 13, 70, 257])
def test_many_leaves_verify_together_and_any_wrong_one_fails(size: int) -> None:
    from ledger.tlog.merkle import verify_leaves

    tree = _Nodes(size)
    rng = random.Random(size)
    for count in (1, 2, size // 2 + 1, size):
        chosen = rng.sample(range(size), min(count, size))
        verify_leaves({i: tree.leaves[i] for i in chosen}, size, tree.root, tree)
        wrong = {i: tree.leaves[i] for i in chosen}
        victim = chosen[0]
        wrong[victim] = leaf_hash(b"forged")
        with pytest.raises(RootMismatchError):
            verify_leaves(wrong, size, tree.root, tree)
        if size > 1:  # a leaf claimed at another index
            moved = {(victim + 1) % size: tree.leaves[victim]}
            with pytest.raises(RootMismatchError):
                verify_leaves(moved, size, tree.root, tree)
    with pytest.raises(ProofError) as outside:
        verify_leaves({size: tree.leaves[0]}, size, tree.root, tree)
    assert outside.value.code == "proof.out_of_range"
