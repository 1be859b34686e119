"""Recorded time (log format 2) on both backends: assigned at the append, committed in the leaf, never decreasing,
bounded by the checkpoints, carried by receipts, proofs and passports, and checked by every verifier."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from ledger.core.errors import LedgerError
from ledger.core.identifiers import format_instant, instant_from_text
from ledger.core.keys import SigningKey
from ledger.core.submission import parse_submission
from ledger.store import Store
from ledger.store.passport_export import build_passport
from ledger.store.transparency import TransparencyLog
from ledger.store.verify import verify_store
from ledger.tlog.checkpoint import TIME_EXTENSION, Checkpoint, NoteSigner, NoteVerifier, sign_note
from ledger.tlog.leaf import record_leaf_hash
from ledger.tlog.merkle import root
from ledger.tlog.passport import verify_passport
from ledger.tlog.proofs import verify_proof
from ledger.write.service import LedgerService
from tests.harness import CODE, NOW, Ledger

OPERATOR = SigningKey.from_seed(b"\x07" * 32)
VECTORS = Path(__file__).resolve().parents[1] / "vectors"


class Clock:
    """A writer's clock the test moves by hand."""

    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ledger(store_url: str) -> Iterator[Ledger]:
    harness = Ledger(store_url)
    harness.in_service()
    yield harness
    harness.close()


def _leaves(store: Store) -> list[tuple[int, int]]:
    return [(leaf.leaf, leaf.recorded_at) for leaf in store.tree.leaf_scan(-1, 1 << 40)]


def test_each_event_is_recorded_at_its_decision_time_and_the_receipt_says_when(ledger: Ledger) -> None:
    clock = Clock(NOW + 3600)
    service = LedgerService(ledger.store, clock=clock)
    visit = ledger.maintenance("2025-12-31T02:00:00Z")
    outcome = service.append([parse_submission(visit)])[0]
    assert outcome.receipt is not None and outcome.receipt.recorded_at == NOW + 3600
    assert outcome.to_dict()["recorded_at"] == format_instant(NOW + 3600)
    row = ledger.store.tree.leaf_of(outcome.receipt.event_id)
    assert row is not None and row.recorded_at == NOW + 3600
    clock.now += 60
    again = service.append([parse_submission(visit)])[0]  # sent again: the original receipt
    assert again.duplicate and again.receipt is not None and again.receipt.recorded_at == NOW + 3600


def test_recorded_times_never_decrease_even_when_a_clock_goes_back(ledger: Ledger) -> None:
    clock = Clock(NOW + 7200)
    service = LedgerService(ledger.store, clock=clock)
    service.append([parse_submission(ledger.maintenance("2025-12-30T02:00:00Z"))])
    clock.now = NOW + 10  # the writer's clock stepped back
    late = service.append([parse_submission(ledger.maintenance("2025-12-31T02:00:00Z"))])[0]
    assert late.receipt is not None and late.receipt.recorded_at == NOW + 7200
    times = [at for _, at in _leaves(ledger.store)]
    assert times == sorted(times)


def test_a_writer_behind_another_writers_clock_decides_again_at_the_later_time(ledger: Ledger) -> None:
    ahead = LedgerService(ledger.store, clock=Clock(NOW + 86_400))
    behind = LedgerService(ledger.store, clock=Clock(NOW))
    behind.append([parse_submission(ledger.maintenance("2025-12-29T02:00:00Z"))])  # learns the log's newest time
    ahead.append([parse_submission(ledger.maintenance("2025-12-30T02:00:00Z"))])
    outcome = behind.append([parse_submission(ledger.maintenance("2025-12-31T02:00:00Z"))])[0]
    assert outcome.receipt is not None and outcome.receipt.recorded_at == NOW + 86_400
    assert verify_store(ledger.store.url).ok


def test_the_replay_clock_records_each_event_at_the_greatest_occurred_at_seen(ledger: Ledger) -> None:
    service = LedgerService(ledger.store, replay_clock=True)
    first, back_dated, later = (ledger.maintenance(t) for t in
                                ("2024-03-10T02:00:00Z", "2024-03-01T02:00:00Z", "2024-03-20T02:00:00Z"))
    outcomes = service.append([parse_submission(e) for e in (first, back_dated, later)])
    got = [o.receipt.recorded_at for o in outcomes if o.receipt is not None]
    floor = _leaves(ledger.store)[0][1]  # the harness's registry, recorded at its fixed clock
    assert got == [max(floor, instant_from_text(t)) for t in
                   ("2024-03-10T02:00:00Z", "2024-03-10T02:00:00Z", "2024-03-20T02:00:00Z")]


def test_a_checkpoint_is_never_dated_before_its_leaves(ledger: Ledger) -> None:
    log = TransparencyLog(ledger.store)
    issued = log.issue(OPERATOR, now=NOW - 86_400)  # a checkpoint clock behind the writer's
    assert issued.checkpoint.time == NOW and issued.issued_at == NOW
    later = log.issue(OPERATOR, now=NOW + 60)
    assert later.checkpoint.time == NOW + 60
    assert verify_store(ledger.store.url).checkpoints == 2


def test_verify_names_a_recorded_time_that_was_changed(ledger: Ledger) -> None:
    last = ledger.store.tree.tree_size() - 1
    ledger.store.database.execute(f"UPDATE {ledger.store.database.table('ledger_index')} "
                                  "SET recorded_at = recorded_at + 1 WHERE leaf = ?", (last,))
    report = verify_store(ledger.store.url)
    assert report.failure is not None and report.failure.code == "integrity.merkle"


def test_verify_refuses_recorded_times_that_go_back_even_with_the_tree_rebuilt(ledger: Ledger) -> None:
    db, tree = ledger.store.database, ledger.store.tree
    index, nodes = db.table("ledger_index"), db.table("merkle_nodes")
    db.execute(f"UPDATE {index} SET recorded_at = recorded_at - 10 WHERE leaf = ?", (tree.tree_size() - 1,))
    _rebuild_tree(ledger.store, index, nodes)
    report = verify_store(ledger.store.url)
    assert report.failure is not None and report.failure.code == "integrity.recorded_at"


def test_verify_refuses_a_checkpoint_dated_before_its_last_leaf(ledger: Ledger) -> None:
    log = TransparencyLog(ledger.store)
    issued = log.issue(OPERATOR)
    signer = NoteSigner(log.origin, OPERATOR.private)
    early = Checkpoint(log.origin, issued.size, root(issued.size, ledger.store.tree),
                       (TIME_EXTENSION + format_instant(NOW - 1),))
    ledger.store.checkpoints.replace_checkpoint_note(issued.checkpoint_id, sign_note(early.body(), [signer]))
    report = verify_store(ledger.store.url)
    assert report.failure is not None and report.failure.code == "integrity.checkpoint"
    assert "before its leaf" in report.failure.message


def test_inclusion_proof_carries_the_recorded_time_and_is_bounded_by_the_checkpoint(ledger: Ledger) -> None:
    log = TransparencyLog(ledger.store)
    issued = log.issue(OPERATOR)
    row = ledger.store.tree.row_at_leaf(issued.size - 1)
    assert row is not None
    proof = log.inclusion(row.event_id)
    assert proof.recorded_at == row.recorded_at and proof.leaf_hash == record_leaf_hash(row.hash, row.recorded_at)
    verify_proof(proof, checkpoint=issued.checkpoint)
    lying = copy.copy(proof.to_json())
    lying["recorded_at"] = row.recorded_at - 86_400  # "it was recorded a day earlier"
    from ledger.tlog.proofs import parse_proof

    with pytest.raises(LedgerError) as refused:
        verify_proof(parse_proof(lying), checkpoint=issued.checkpoint)
    assert refused.value.code == "proof.invalid"


def test_a_format_2_passport_carries_recorded_times_and_refuses_changed_ones(ledger: Ledger) -> None:
    log = TransparencyLog(ledger.store)
    log.issue(OPERATOR)
    doc = orjson.loads(orjson.dumps(build_passport(ledger.store, CODE)))
    assert doc["format"] == "liftledger-passport/3"
    assert all(type(item["recorded_at"]) is int for stream in doc["streams"] for item in stream["records"])
    verify_passport(copy.deepcopy(doc), log.operator)

    def last(d: dict[str, Any]) -> dict[str, Any]:
        return d["streams"][0]["records"][-1]  # type: ignore[no-any-return]

    for mutate, code in (
        (lambda d: last(d).update(recorded_at=last(d)["recorded_at"] - 1), "proof.root_mismatch"),
        (lambda d: last(d).pop("recorded_at"), "passport.malformed"),
        (lambda d: last(d).update(recorded_at=str(last(d)["recorded_at"])), "passport.malformed"),
        (lambda d: d.update(format="liftledger-passport/1"), "passport.malformed"),
    ):
        broken = copy.deepcopy(doc)
        mutate(broken)
        with pytest.raises(LedgerError) as refused:
            verify_passport(broken, log.operator)
        assert refused.value.code == code


def test_a_format_1_passport_still_verifies_as_history() -> None:
    kept = orjson.loads((VECTORS / "passport" / "format1.json").read_bytes())
    summary = verify_passport(kept["passport"], NoteVerifier.from_vkey(kept["trust"]))
    assert summary.events == 4 and summary.equipment_code == CODE
    assert (summary.status, summary.verified) == ("legacy", False)  # it cannot carry what the rules need


def test_a_store_in_log_format_1_is_refused_with_a_typed_error(ledger: Ledger) -> None:
    url = ledger.store.url
    meta = ledger.store.database.table("ledger_meta")
    ledger.store.database.execute(f"UPDATE {meta} SET value = '1' WHERE name = 'log_format'")
    with pytest.raises(LedgerError) as refused:
        Store(url)
    assert refused.value.code == "store.log_format" and refused.value.details["log_format"] == "1"
    ledger.store.database.execute(f"DELETE FROM {meta} WHERE name = 'log_format'")  # as a format-1 store has it
    with pytest.raises(LedgerError) as unrecorded:
        Store(url)
    assert unrecorded.value.code == "store.log_format"


def _rebuild_tree(store: Store, index: str, nodes: str) -> None:
    """What an operator rewriting history would do: recompute every node from the (edited) index rows."""
    from ledger.tlog.merkle import MerkleAppender

    appender = MerkleAppender()
    rows: list[Any] = []
    for leaf in store.tree.leaf_scan(-1, 1 << 40):
        rows.extend((level, idx, digest) for (level, idx), digest in
                    appender.append(record_leaf_hash(leaf.hash, leaf.recorded_at)))
    store.database.execute(f"DELETE FROM {nodes}")
    store.database.write(f"INSERT INTO {nodes} (level, idx, hash) VALUES (?, ?, ?)", rows)
    assert index  # the index rows were edited by the caller
