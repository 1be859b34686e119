"""Proof wire forms: strict JSON, the C2SP tlog-proof text, binding to checkpoints, and the vectors' freshness."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from ledger.core.errors import IntegrityError, NoteError, ProofError, RootMismatchError
from ledger.tlog import merkle as M
from ledger.tlog.checkpoint import (
    Checkpoint,
    NoteSigner,
    NoteVerifier,
    WitnessSigner,
    WitnessVerifier,
    add_signatures,
    cosign,
    open_checkpoint,
    sign_note,
)
from ledger.tlog.leaf import leaf_input, record_leaf_hash, split_leaf_input
from ledger.tlog.proofs import (
    ConsistencyProof,
    InclusionProof,
    TlogProof,
    parse_proof,
    parse_proof_json,
    verify_proof,
    verify_tlog_proof,
)

VECTORS = Path(__file__).resolve().parent.parent / "vectors"
ORIGIN = "liftledger.example/log"


class Source:
    def __init__(self, n: int) -> None:
        self.appender = M.MerkleAppender()
        self.nodes: dict[M.NodeId, bytes] = {}
        self.events = [hashlib.sha256(f"event-{i}".encode()).digest() for i in range(n)]
        for e in self.events:
            self.nodes.update(self.appender.append(M.leaf_hash(e)))

    def get_nodes(self, ids: Any) -> list[bytes]:
        return [self.nodes[i] for i in ids]


TREE = Source(20)
LOG = NoteSigner.from_seed(ORIGIN, bytes(range(32)))
WITNESS = WitnessSigner.from_seed("witness.example/w1", bytes(range(5, 37)))


def inclusion(index: int = 6, size: int = 20) -> InclusionProof:
    return InclusionProof(
        log_origin=ORIGIN,
        leaf_index=index,
        tree_size=size,
        leaf_hash=M.leaf_hash(TREE.events[index]),
        hashes=tuple(M.inclusion_proof(index, size, TREE)),
        root_hash=M.root(size, TREE),
        event_hash=TREE.events[index],
    )


def consistency(old: int = 9, new: int = 20) -> ConsistencyProof:
    return ConsistencyProof(
        ORIGIN, old, new, M.root(old, TREE), M.root(new, TREE), tuple(M.consistency_proof(old, new, TREE))
    )


def test_json_round_trip_and_verify() -> None:
    for proof in (inclusion(), inclusion(0, 1), consistency(), consistency(0, 20), consistency(20, 20)):
        text = json.dumps(proof.to_json())
        parsed = parse_proof_json(text)
        assert parsed == proof
        assert parse_proof(json.loads(text)) == proof
        verify_proof(parsed)


def test_event_hash_is_optional_and_checked() -> None:
    obj = inclusion().to_json()
    del obj["event_hash"]
    verify_proof(parse_proof(obj))
    obj["event_hash"] = TREE.events[7].hex()
    with pytest.raises(ProofError, match="event_hash"):
        verify_proof(parse_proof(obj))


def test_binding_to_checkpoints() -> None:
    proof = inclusion()
    verify_proof(proof, checkpoint=Checkpoint(ORIGIN, 20, proof.root_hash))
    with pytest.raises(ProofError, match="tree size"):
        verify_proof(proof, checkpoint=Checkpoint(ORIGIN, 21, M.root(20, TREE)))
    with pytest.raises(ProofError, match="log"):
        verify_proof(proof, checkpoint=Checkpoint("other.example/log", 20, proof.root_hash))
    with pytest.raises(RootMismatchError):
        verify_proof(proof, checkpoint=Checkpoint(ORIGIN, 20, M.root(19, TREE)))
    with pytest.raises(ProofError, match="one checkpoint"):
        verify_proof(
            proof,
            checkpoint=Checkpoint(ORIGIN, 20, proof.root_hash),
            old_checkpoint=Checkpoint(ORIGIN, 1, proof.root_hash),
        )
    cons = consistency()
    verify_proof(
        cons, checkpoint=Checkpoint(ORIGIN, 20, cons.new_root), old_checkpoint=Checkpoint(ORIGIN, 9, cons.old_root)
    )
    with pytest.raises(RootMismatchError):
        verify_proof(cons, old_checkpoint=Checkpoint(ORIGIN, 9, cons.new_root))


def test_constructor_rejects_what_parse_rejects() -> None:
    good = inclusion()
    for changes in (
        {"leaf_index": 20},
        {"tree_size": 2**53},
        {"leaf_hash": b"x" * 31},
        {"hashes": [b"\0" * 32]},
        {"log_origin": ""},
        {"hashes": tuple([b"\0" * 32] * 65)},
    ):
        fields = {f: getattr(good, f) for f in good.__dataclass_fields__} | changes
        with pytest.raises(ProofError):
            InclusionProof(**fields)
    with pytest.raises(ProofError):
        ConsistencyProof(ORIGIN, 5, 4, b"\0" * 32, b"\0" * 32, ())


def test_parse_rejects_non_objects_and_bad_utf8() -> None:
    for obj in (None, [], "inclusion", 3):
        with pytest.raises(ProofError):
            parse_proof(obj)
    with pytest.raises(ProofError, match="UTF-8"):
        parse_proof_json(b'{"type": "inclusion\xff"}')
    with pytest.raises(ProofError):
        parse_proof_json("[" * 100_000)


# --- tlog-proof --------------------------------------------------------------------------------------------------


def signed_note(size: int = 20) -> str:
    cp = Checkpoint(ORIGIN, size, M.root(size, TREE))
    return add_signatures(sign_note(cp.body(), [LOG]), [cosign(cp, WITNESS, 1_700_000_000)])


def test_tlog_proof_round_trip_and_verify() -> None:
    proof = TlogProof(6, tuple(M.inclusion_proof(6, 20, TREE)), signed_note(), extra=b"passport")
    text = proof.to_text()
    assert text.startswith("c2sp.org/tlog-proof@v1\nextra cGFzc3BvcnQ=\nindex 6\n")
    parsed = TlogProof.parse(text)
    assert parsed == proof
    signed = verify_tlog_proof(
        parsed,
        M.leaf_hash(TREE.events[6]),
        NoteVerifier(ORIGIN, LOG.public_key),
        witnesses=[WitnessVerifier(WITNESS.name, WITNESS.public_key)],
        min_witnesses=1,
    )
    assert signed.checkpoint.size == 20
    with pytest.raises(RootMismatchError):
        verify_tlog_proof(parsed, M.leaf_hash(TREE.events[7]), LOG.verifier())


def test_tlog_proof_for_a_one_leaf_tree_has_no_hash_lines() -> None:
    proof = TlogProof(0, (), signed_note(1))
    assert "index 0\n\n" in proof.to_text()
    verify_tlog_proof(TlogProof.parse(proof.to_text()), M.leaf_hash(TREE.events[0]), LOG.verifier())


def test_tlog_proof_rejects_a_garbled_checkpoint_at_parse_time() -> None:
    text = TlogProof(6, tuple(M.inclusion_proof(6, 20, TREE)), signed_note()).to_text()
    with pytest.raises(NoteError):
        TlogProof.parse(text.replace("\n20\n", "\n020\n"))
    with pytest.raises(ProofError):
        TlogProof.parse(text.replace("\n\n", "\n", 1))


# --- golden vectors ----------------------------------------------------------------------------------------------


def _files(kind: str) -> list[Path]:
    files = sorted((VECTORS / kind).glob("*.json"))
    assert files
    return files


def _code(call: Any) -> str | None:
    try:
        call()
    except IntegrityError as e:
        return e.code
    return None


@pytest.mark.parametrize("path", _files("proof_json"), ids=lambda p: p.stem)
def test_proof_json_vectors(path: Path) -> None:
    v = json.loads(path.read_text(encoding="utf-8"))
    assert _code(lambda: verify_proof(parse_proof_json(v["text"]))) == v["want_err"], v["desc"]


@pytest.mark.parametrize("path", _files("tlog_proof"), ids=lambda p: p.stem)
def test_tlog_proof_vectors(path: Path) -> None:
    v = json.loads(path.read_text(encoding="utf-8"))

    def check() -> None:
        verify_tlog_proof(
            TlogProof.parse(v["text"]),
            bytes.fromhex(v["leaf_hash"]),
            NoteVerifier.from_vkey(v["log_vkey"]),
            witnesses=[WitnessVerifier.from_vkey(k) for k in v["witness_vkeys"]],
            min_witnesses=v["min_witnesses"],
        )

    assert _code(check) == v["want_err"], v["desc"]


@pytest.mark.parametrize("path", _files("recorded"), ids=lambda p: p.stem)
def test_recorded_time_vectors(path: Path) -> None:
    """Log format 2: the leaf commits to the recorded time, and a checkpoint's time bounds it."""
    v = json.loads(path.read_text(encoding="utf-8"))
    log = NoteVerifier.from_vkey(v["log_vkey"]) if "log_vkey" in v else None

    def check() -> None:
        if "leaf_input" in v:
            assert leaf_input(bytes.fromhex(v["event_hash"]), v["recorded_at"]).hex() == v["leaf_input"]
            assert record_leaf_hash(bytes.fromhex(v["event_hash"]), v["recorded_at"]).hex() == v["leaf_hash"]
            assert hashlib.sha256(b"\x00" + bytes.fromhex(v["leaf_input"])).hexdigest() == v["leaf_hash"]
        elif "proof_json" in v:
            assert log is not None
            checkpoint = open_checkpoint(v["checkpoint"], log).checkpoint
            verify_proof(parse_proof_json(v["proof_json"]), checkpoint=checkpoint)
        else:
            assert log is not None
            parsed = TlogProof.parse(v["tlog_proof"])
            assert parsed.extra is not None
            _, recorded = split_leaf_input(parsed.extra)
            verify_tlog_proof(parsed, M.leaf_hash(parsed.extra), log, recorded_at=recorded)

    assert _code(check) == v["want_err"], v["desc"]


@pytest.mark.parametrize("kind", ["inclusion", "consistency"])
def test_merkle_vectors_agree_through_the_json_form(kind: str) -> None:
    """Each inclusion/consistency vector gives the same verdict when wrapped in the JSON wire form."""
    for path in _files(kind):
        v = json.loads(path.read_text(encoding="utf-8"))
        if kind == "inclusion":
            obj = {
                "type": "inclusion",
                "log_origin": ORIGIN,
                "leaf_index": v["leaf_index"],
                "tree_size": v["tree_size"],
                "leaf_hash": v["leaf_hash"],
                "hashes": v["proof"],
                "root_hash": v["root_hash"],
            }
        else:
            obj = {
                "type": "consistency",
                "log_origin": ORIGIN,
                "old_size": v["old_size"],
                "new_size": v["new_size"],
                "old_root": v["old_root"],
                "new_root": v["new_root"],
                "hashes": v["proof"],
            }
        got = _code(lambda o=obj: verify_proof(parse_proof_json(json.dumps(o))))
        assert got == v["want_err"], (path.name, v["desc"])


def test_vector_files_are_exactly_what_the_generator_writes() -> None:
    spec = importlib.util.spec_from_file_location("generate_proof_vectors", VECTORS / "generate_proof_vectors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    want: dict[str, str] = module.build_all()
    on_disk = {
        str(p.relative_to(VECTORS)): p.read_text(encoding="utf-8")
        for d in module.DIRS
        for p in (VECTORS / d).glob("*.json")
    }
    assert sorted(on_disk) == sorted(want), "run tests/vectors/generate_proof_vectors.py"
    stale = [path for path, text in want.items() if on_disk[path] != text]
    assert not stale, f"stale vectors (re-run the generator): {stale[:5]}"
