"""The tlog-witness state machine: accept growth, refuse rollbacks and forks, persist before answering."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from ledger.adapters.witness_state import WitnessStateFile
from ledger.core.errors import (
    ConfigurationError,
    LedgerError,
    NoteError,
    NotFoundError,
    ProofError,
    WitnessForkError,
    WitnessRollbackError,
    WitnessSizeMismatchError,
)
from ledger.tlog import merkle as M
from ledger.tlog.checkpoint import (
    Checkpoint,
    NoteSigner,
    WitnessSigner,
    add_signatures,
    open_checkpoint,
    sign_note,
    verify_cosignature,
)
from ledger.tlog.witness import (
    AddCheckpointRequest,
    InMemoryWitnessState,
    Witness,
    WitnessState,
    error_response,
    parse_add_checkpoint,
    parse_cosignature_response,
)

ORIGIN = "liftledger.example/log"
LOG = NoteSigner.from_seed(ORIGIN, bytes(range(32)))
OTHER_LOG = NoteSigner.from_seed(ORIGIN, bytes(range(1, 33)))
WITNESS = WitnessSigner.from_seed("witness.example/w1", bytes(range(7, 39)))
NOW = 1_767_225_600


class Log:
    """A log in memory: appender + node dict, signing checkpoints with ``signer``."""

    def __init__(self, n: int, salt: str = "", signer: NoteSigner = LOG) -> None:
        self.appender, self.nodes, self.signer = M.MerkleAppender(), {}, signer
        for i in range(n):
            self.append(f"{salt}event-{i}")

    def append(self, data: str) -> None:
        self.nodes.update(self.appender.append(M.leaf_hash(hashlib.sha256(data.encode()).digest())))

    def get_nodes(self, ids: Any) -> list[bytes]:
        return [self.nodes[i] for i in ids]

    def note(self, size: int | None = None, origin: str = ORIGIN) -> str:
        size = self.appender.size if size is None else size
        return sign_note(Checkpoint(origin, size, M.root(size, self)).body(), [self.signer])

    def proof(self, old: int, new: int | None = None) -> list[bytes]:
        return M.consistency_proof(old, self.appender.size if new is None else new, self)


def make_witness(state: Any = None) -> Witness:
    return Witness(WITNESS, {ORIGIN: LOG.verifier()}, state if state is not None else InMemoryWitnessState())


def test_first_checkpoint_then_growth_are_cosigned() -> None:
    log, witness = Log(10), make_witness()
    lines = witness.add_checkpoint(0, [], log.note(), NOW)
    cp = Checkpoint.parse(log.note().split("\n\n")[0].encode() + b"\n")
    assert verify_cosignature(cp, lines[0], WITNESS.verifier()) == NOW
    for _ in range(7):
        log.append("more")
    lines = witness.add_checkpoint(10, log.proof(10), log.note(), NOW + 1)
    signed = open_checkpoint(
        add_signatures(log.note(), lines), LOG.verifier(), witnesses=[WITNESS.verifier()], min_witnesses=1
    )
    assert signed.cosignatures[0].timestamp == NOW + 1
    # The same checkpoint again (old size = its size, empty proof) is cosigned again.
    witness.add_checkpoint(17, [], log.note(), NOW + 2)


def test_stale_old_size_is_a_size_mismatch_carrying_the_witness_size() -> None:
    log, witness = Log(10), make_witness()
    witness.add_checkpoint(0, [], log.note(5), NOW)
    with pytest.raises(WitnessSizeMismatchError) as info:
        witness.add_checkpoint(3, log.proof(3), log.note(), NOW)
    assert info.value.witness_size == 5
    assert error_response(info.value) == (409, "text/x.tlog.size", b"5\n")
    with pytest.raises(WitnessSizeMismatchError) as info:
        witness.add_checkpoint(0, [], log.note(), NOW)  # a client that does not know the witness's size
    assert info.value.witness_size == 5


def test_rollback_is_refused() -> None:
    log, witness = Log(10), make_witness()
    witness.add_checkpoint(0, [], log.note(), NOW)
    with pytest.raises(WitnessRollbackError) as info:
        witness.add_checkpoint(10, [], log.note(6), NOW)
    assert error_response(info.value)[0] == 400


def test_old_size_larger_than_checkpoint_is_a_bad_request() -> None:
    log, witness = Log(10), make_witness()
    with pytest.raises(ProofError) as info:
        witness.add_checkpoint(12, [], log.note(), NOW)
    assert error_response(info.value)[0] == 400


def test_fork_at_the_same_size_is_refused() -> None:
    honest, forked, witness = Log(10), Log(10, salt="evil-"), make_witness()
    witness.add_checkpoint(0, [], honest.note(), NOW)
    with pytest.raises(WitnessForkError) as info:
        witness.add_checkpoint(10, [], forked.note(), NOW)
    assert info.value.code == "witness.fork"
    assert error_response(info.value)[0] == 409


def test_inconsistent_growth_is_refused() -> None:
    honest, forked, witness = Log(10), Log(14, salt="evil-"), make_witness()
    witness.add_checkpoint(0, [], honest.note(), NOW)
    with pytest.raises(WitnessForkError) as info:
        witness.add_checkpoint(10, forked.proof(10), forked.note(), NOW)
    assert info.value.code == "witness.inconsistent"
    assert error_response(info.value)[0] == 422
    honest_more = Log(14)
    with pytest.raises(WitnessForkError):  # a truncated honest proof is no proof
        witness.add_checkpoint(10, honest_more.proof(10)[:-1], honest_more.note(), NOW)
    with pytest.raises(WitnessForkError):  # old size 0 takes no proof
        make_witness().add_checkpoint(0, honest.proof(4), honest.note(), NOW)


def test_refused_requests_do_not_change_state(tmp_path: Path) -> None:
    honest, forked = Log(10), Log(14, salt="evil-")
    state = WitnessStateFile(tmp_path)
    witness = make_witness(state)
    witness.add_checkpoint(0, [], honest.note(), NOW)
    before = (tmp_path / "witness-state.json").read_bytes()
    attempts = [
        (10, forked.proof(10), forked.note()),
        (10, [], Log(10, salt="evil-").note()),
        (10, [], honest.note(4)),
        (3, [], honest.note()),
        (10, [], Log(12, signer=OTHER_LOG).note()),
    ]
    for old, proof, note in attempts:
        with pytest.raises(LedgerError):
            witness.add_checkpoint(old, proof, note, NOW)
    assert (tmp_path / "witness-state.json").read_bytes() == before
    assert state.get(ORIGIN) == WitnessState(10, M.root(10, honest))


def test_state_survives_a_restart(tmp_path: Path) -> None:
    log = Log(10)
    make_witness(WitnessStateFile(tmp_path)).add_checkpoint(0, [], log.note(), NOW)
    restarted = make_witness(WitnessStateFile(tmp_path))
    with pytest.raises(WitnessSizeMismatchError) as info:
        restarted.add_checkpoint(0, [], log.note(), NOW)
    assert info.value.witness_size == 10
    log.append("x")
    restarted.add_checkpoint(10, log.proof(10), log.note(), NOW)
    saved = json.loads((tmp_path / "witness-state.json").read_text())
    assert saved == {
        "format": "liftledger-witness-state/v1",
        "logs": {ORIGIN: {"size": 11, "root_hash": M.root(11, log).hex()}},
    }
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_state_is_persisted_before_the_cosignature_is_returned(tmp_path: Path) -> None:
    class Recording(WitnessStateFile):
        def put(self, origin: str, state: WitnessState) -> None:
            super().put(origin, state)
            events.append("put")

    events: list[str] = []
    log = Log(3)
    lines = make_witness(Recording(tmp_path)).add_checkpoint(0, [], log.note(), NOW)
    events.append("returned")
    assert events == ["put", "returned"] and lines


def test_a_failed_write_returns_no_cosignature(tmp_path: Path) -> None:
    class Broken(WitnessStateFile):
        def put(self, origin: str, state: WitnessState) -> None:
            raise OSError("disk full")

    with pytest.raises(OSError):
        make_witness(Broken(tmp_path)).add_checkpoint(0, [], Log(3).note(), NOW)


def test_corrupt_state_is_a_configuration_error_not_a_reset(tmp_path: Path) -> None:
    (tmp_path / "witness-state.json").write_text('{"format": "liftledger-witness-state/v1", "logs": {"x": {}}}')
    with pytest.raises(ConfigurationError):
        make_witness(WitnessStateFile(tmp_path)).add_checkpoint(0, [], Log(3).note(), NOW)
    (tmp_path / "witness-state.json").write_text("not json")
    with pytest.raises(ConfigurationError):
        WitnessStateFile(tmp_path).load()


def test_unknown_origin() -> None:
    with pytest.raises(NotFoundError) as info:
        make_witness().add_checkpoint(0, [], Log(3).note(origin="elsewhere.example/log"), NOW)
    assert info.value.code == "witness.unknown_origin"
    assert error_response(info.value)[0] == 404


def test_bad_log_signature() -> None:
    forged = Log(5, signer=OTHER_LOG)  # same origin and key name, another key: its signature is ignored
    with pytest.raises(NoteError) as info:
        make_witness().add_checkpoint(0, [], forged.note(), NOW)
    assert info.value.code == "note.unverified"
    assert error_response(info.value)[0] == 403
    tampered = Log(5).note().replace("\n5\n", "\n6\n")
    with pytest.raises(NoteError) as info:
        make_witness().add_checkpoint(0, [], tampered, NOW)
    assert error_response(info.value)[0] == 403
    with pytest.raises(NoteError) as info:
        make_witness().add_checkpoint(0, [], Log(5).note()[:-1], NOW)
    assert error_response(info.value)[0] == 400


# --- the HTTP request body ---------------------------------------------------------------------------------------


def test_handle_add_checkpoint_round_trip() -> None:
    log, witness = Log(8), make_witness()
    witness.add_checkpoint(0, [], log.note(5), NOW)
    body = AddCheckpointRequest(5, tuple(log.proof(5)), log.note()).to_bytes()
    assert body.startswith(b"old 5\n")
    response = witness.handle_add_checkpoint(body, NOW)
    lines = parse_cosignature_response(response)
    assert len(lines) == 1 and response == lines[0].encode() + b"\n"


@pytest.mark.parametrize(
    "body",
    [
        b"old 05\n\n",
        b"old -1\n\n",
        b"old 5\n",
        b"new 5\n\n",
        b"old 5 \n\n",
        b"old 5\nAAAA\n\n",
        b"old 5\n" + b"A" * 42 + b"==\n\n",  # 31 bytes
        b"old 5\n" + b"A" * 43 + b"B\n\n",  # not canonical: padding bits set
        b"old 5\n" + b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n" * 64 + b"\n",
        b"\xffold 5\n\n",
        b"old 18446744073709551616\n\n",
    ],
)
def test_malformed_request_bodies(body: bytes) -> None:
    with pytest.raises(ProofError) as info:
        parse_add_checkpoint(body + Log(3).note().encode())
    assert error_response(info.value)[0] == 400


def test_request_parse_accepts_63_proof_lines() -> None:
    line = b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
    request = parse_add_checkpoint(b"old 5\n" + line * 63 + b"\n" + Log(3).note().encode())
    assert len(request.proof) == 63 and request.old_size == 5


def test_cosignature_response_parsing_is_strict() -> None:
    for body in (b"", b"\xe2\x80\x94 w AAAAAAA=", b"garbage\n", b"\xff\n"):
        with pytest.raises(NoteError):
            parse_cosignature_response(body)


def test_concurrent_file_locks_serialize(tmp_path: Path) -> None:
    state = WitnessStateFile(tmp_path)
    with state.locked():
        state.put(ORIGIN, WitnessState(1, b"\0" * 32))
    with state.locked():
        assert state.get(ORIGIN) == WitnessState(1, b"\0" * 32)


def test_an_invalid_clock_reading_changes_nothing() -> None:
    state = InMemoryWitnessState()
    with pytest.raises(ConfigurationError):
        make_witness(state).add_checkpoint(0, [], Log(3).note(), -1)
    assert state.get(ORIGIN) is None
