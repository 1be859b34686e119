"""The persisted transparency log on both backends: the tree against the RFC, checkpoints, witnesses, passports."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from ledger.adapters.witness_state import WitnessStateFile
from ledger.core.errors import ConfigurationError, LedgerError
from ledger.core.keys import SigningKey
from ledger.store.passport_export import build_passport
from ledger.store.transparency import TransparencyLog
from ledger.store.verify import verify_store
from ledger.tlog import merkle
from ledger.tlog.checkpoint import NoteVerifier, WitnessSigner
from ledger.tlog.leaf import leaf_input
from ledger.tlog.merkle import leaf_hash, verify_consistency, verify_inclusion
from ledger.tlog.passport import verify_passport
from ledger.tlog.witness import InMemoryWitnessState, Witness, parse_cosignature_response
from tests.harness import CODE, Ledger
from tests.unit import merkle_reference as ref

OPERATOR = SigningKey.from_seed(b"\x07" * 32)
WITNESS = WitnessSigner("insurer.example/witness", SigningKey.from_seed(b"\x08" * 32).private)


@pytest.fixture
def ledger(store_url: str) -> Iterator[Ledger]:
    harness = Ledger(store_url)
    yield harness
    harness.close()


def grow(ledger: Ledger, visits: int, code: str = CODE, start_day: int = 1) -> None:
    for day in range(start_day, start_day + visits):
        ledger.must_accept(ledger.maintenance(f"2024-{1 + day // 28:02d}-{1 + day % 28:02d}T02:00:00Z", code=code))


def leaf_inputs(ledger: Ledger) -> list[bytes]:
    """What each leaf commits to (log format 2): the event hash and its recorded time."""
    return [leaf_input(leaf.hash, leaf.recorded_at) for leaf in ledger.store.tree.leaf_scan(-1, 1_000_000)]


def test_persisted_tree_equals_the_rfc_reference_for_every_size_and_index(ledger: Ledger) -> None:
    """Appended in uneven batches (so the appender resumes from the stored frontier), then checked exhaustively."""
    ledger.in_service()
    for batch in (1, 2, 3, 5, 8, 13):
        ledger.must_accept(*[ledger.maintenance(f"2024-02-{d:02d}T0{batch % 10}:00:00Z")
                             for d in range(1, batch + 1)])
    data = leaf_inputs(ledger)
    nodes = ledger.store.tree  # the store's Merkle table is the NodeSource proofs are read from
    for size in range(1, len(data) + 1):
        root = ref.mth(data[:size])
        assert merkle.root(size, nodes) == root
        for index in range(size):
            hashes = merkle.inclusion_proof(index, size, nodes)
            assert hashes == ref.path(index, data[:size])
            verify_inclusion(leaf_hash(data[index]), index, size, hashes, root)
        for old in range(1, size):
            hashes = merkle.consistency_proof(old, size, nodes)
            assert hashes == ref.proof(old, data[:size])
            verify_consistency(old, size, ref.mth(data[:old]), root, hashes)
    log = TransparencyLog(ledger.store)
    log.issue(OPERATOR)
    last = log.inclusion(ledger.store.tree.row_at_leaf(len(data) - 1).event_id)  # type: ignore[union-attr]
    assert last.tree_size == len(data) and last.root_hash == ref.mth(data)
    assert last.event_hash is not None and last.recorded_at is not None
    assert leaf_input(last.event_hash, last.recorded_at) == data[-1]


def test_checkpoints_are_kept_and_verified(ledger: Ledger) -> None:
    ledger.in_service()
    log = TransparencyLog(ledger.store)
    first = log.issue(OPERATOR, now=1_700_000_000)
    grow(ledger, 3)
    second = log.issue(OPERATOR, now=1_700_000_100)
    assert [c.size for c in log.checkpoints()] == [first.size, second.size] and second.size == first.size + 3
    assert log.at_size(first.size).note == first.note  # type: ignore[union-attr]
    assert verify_store(ledger.store.url).checkpoints == 2
    with pytest.raises(ConfigurationError):
        log.issue(SigningKey.from_seed(b"\x09" * 32))  # not the operator's key


def test_a_tampered_checkpoint_fails_verification(ledger: Ledger) -> None:
    ledger.in_service()
    log = TransparencyLog(ledger.store)
    issued = log.issue(OPERATOR)
    ledger.store.checkpoints.replace_checkpoint_note(issued.checkpoint_id, issued.note.replace("\n8\n", "\n7\n", 1)
                                               if "\n8\n" in issued.note else issued.note[:-3] + "AA\n")
    report = verify_store(ledger.store.url)
    assert not report.ok and report.failure and report.failure.stream == "checkpoints"


def test_witness_cosigns_growth_and_refuses_rollback_fork_and_stale_sizes(ledger: Ledger, tmp_path: Path) -> None:
    ledger.in_service()
    log = TransparencyLog(ledger.store)
    witness = Witness(WITNESS, {}, InMemoryWitnessState())
    first = log.issue(OPERATOR)
    witness = Witness(WITNESS, {log.origin: log.operator}, WitnessStateFile(tmp_path / "w"))
    lines = parse_cosignature_response(witness.handle_add_checkpoint(log.witness_request(0), int(time.time())))
    log.add_cosignatures(lines, WITNESS.verifier())
    grow(ledger, 4)
    second = log.issue(OPERATOR)
    witness.handle_add_checkpoint(log.witness_request(first.size, second), int(time.time()))
    restarted = Witness(WITNESS, {log.origin: log.operator}, WitnessStateFile(tmp_path / "w"))
    with pytest.raises(LedgerError) as stale:
        restarted.handle_add_checkpoint(log.witness_request(first.size, second), int(time.time()))
    assert stale.value.code == "witness.size_mismatch" and stale.value.details["witness_size"] == second.size
    with pytest.raises(LedgerError) as rollback:
        restarted.handle_add_checkpoint(log.witness_request(second.size, first), int(time.time()))
    assert rollback.value.code == "witness.rollback"


def test_passport_verifies_offline_and_grows_with_log_n(ledger: Ledger) -> None:
    ledger.in_service()
    grow(ledger, 6)
    log = TransparencyLog(ledger.store)
    issued = log.issue(OPERATOR)
    witness = Witness(WITNESS, {log.origin: log.operator}, InMemoryWitnessState())
    lines = parse_cosignature_response(witness.handle_add_checkpoint(log.witness_request(0), int(time.time())))
    log.add_cosignatures(lines, WITNESS.verifier())
    doc = orjson.loads(orjson.dumps(build_passport(ledger.store, CODE)))
    summary = verify_passport(doc, log.operator, witnesses=(WITNESS.verifier(),), min_witnesses=1)
    assert summary.events == 9 and summary.events_by_type["MaintenancePerformed"] == 6
    assert summary.checkpoint.checkpoint.size == issued.size and summary.witnesses[0][0] == WITNESS.name
    assert {s["name"] for s in summary.signers.values()} >= {"迅达电梯", "安心维保", "市场监督管理局"}
    assert all(len(item["proof"]) <= issued.size.bit_length() + 1 for item in _events(doc))


@pytest.fixture
def passport(ledger: Ledger) -> tuple[dict[str, Any], NoteVerifier]:
    ledger.in_service()
    grow(ledger, 4)
    log = TransparencyLog(ledger.store)
    log.issue(OPERATOR)
    return build_passport(ledger.store, CODE), log.operator


def _flip(hex_text: str) -> str:
    return ("1" if hex_text[0] != "1" else "2") + hex_text[1:]


def _events(d: dict[str, Any]) -> list[dict[str, Any]]:
    return d["streams"][0]["records"]  # type: ignore[no-any-return]


def _org(d: dict[str, Any]) -> list[dict[str, Any]]:
    return d["streams"][-1]["records"]  # type: ignore[no-any-return]


MUTATIONS: dict[str, tuple[Any, str]] = {
    "record changed": (lambda d: _events(d)[-1].update(
        record=_events(d)[-1]["record"].replace("half_month", "quarterly")), "proof.root_mismatch"),
    "proof element bit flip": (lambda d: _events(d)[1]["proof"].__setitem__(0, _flip(_events(d)[1]["proof"][0])),
                               "proof.root_mismatch"),
    "proof truncated": (lambda d: _events(d)[1]["proof"].pop(), "proof.invalid"),
    "extra proof hash": (lambda d: _events(d)[1]["proof"].append("00" * 32), "proof.invalid"),
    "wrong leaf index": (lambda d: _events(d)[1].update(leaf_index=_events(d)[1]["leaf_index"] + 1),
                         "proof.root_mismatch"),
    "events swapped": (lambda d: _events(d).__setitem__(slice(1, 3), [_events(d)[2], _events(d)[1]]),
                       "integrity.seq"),
    "event removed": (lambda d: _events(d).pop(3), "integrity.seq"),
    "registry stream removed": (lambda d: d["streams"].pop(), None),
    "registry record removed from the middle": (lambda d: _org(d).pop(0), "integrity.seq"),
    "signature replaced": (lambda d: _events(d)[1].update(record=_events(d)[1]["record"].replace(
        orjson.loads(_events(d)[1]["record"])["signature"], orjson.loads(_events(d)[2]["record"])["signature"])),
        "proof.root_mismatch"),
    "unknown field": (lambda d: d.update(extra=1), "passport.malformed"),
    "missing field": (lambda d: d.pop("streams"), "passport.malformed"),
    "wrong format": (lambda d: d.update(format="liftledger-passport/9"), "passport.malformed"),
    "wrong origin": (lambda d: d.update(log_origin="evil.example/log"), "passport.malformed"),
    "checkpoint altered": (lambda d: d.update(checkpoint=d["checkpoint"].replace("\n", "\n\n", 1)),
                           "note.unverified"),
    "non-canonical record": (lambda d: _events(d)[0].update(record=_events(d)[0]["record"].replace(":", ": ", 1)),
                             "integrity.canonical"),
    "foreign elevator": (lambda d: d.update(equipment_code="311031001201800009"), "passport.malformed"),
    "stream listed twice": (lambda d: d["streams"].append(copy.deepcopy(d["streams"][-1])), "passport.malformed"),
    "leaf_index not an integer": (lambda d: _events(d)[0].update(leaf_index="1"), "passport.malformed"),
    "seq a boolean": (lambda d: _events(d)[0].update(seq=True), "passport.malformed"),
    "seq a float": (lambda d: _events(d)[0].update(seq=1.0), "passport.malformed"),
    "recorded_at changed": (lambda d: _events(d)[-1].update(recorded_at=_events(d)[-1]["recorded_at"] - 1),
                            "proof.root_mismatch"),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_every_passport_mutation_is_refused_with_a_typed_error(
        passport: tuple[dict[str, Any], NoteVerifier], mutation: str) -> None:
    doc, operator = passport
    verify_passport(copy.deepcopy(doc), operator)
    broken = copy.deepcopy(doc)
    mutate, code = MUTATIONS[mutation]
    mutate(broken)
    with pytest.raises(LedgerError) as refused:
        verify_passport(broken, operator)
    if code is not None:  # else: whichever rule first misses the dropped registry stream
        assert refused.value.code == code, refused.value


def test_passport_needs_the_right_trust_and_enough_witnesses(passport: tuple[dict[str, Any], NoteVerifier]) -> None:
    doc, operator = passport
    other = NoteVerifier(operator.name, SigningKey.from_seed(b"\x0a" * 32).public.raw)
    with pytest.raises(LedgerError) as untrusted:
        verify_passport(doc, other)
    assert untrusted.value.code == "note.unverified"
    with pytest.raises(LedgerError) as lonely:
        verify_passport(doc, operator, witnesses=(WITNESS.verifier(),), min_witnesses=1)
    assert lonely.value.code == "note.unverified"
