"""The store's contract, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator

import pytest

from ledger.core.chain import GENESIS_HASH
from ledger.core.submission import parse_submission
from ledger.store import RegistryChangedError, Store, recorders
from ledger.store.migrations import OpenMode
from ledger.store.tables import SCHEMA_VERSION
from ledger.store.verify import verify_store
from ledger.write.service import LedgerService
from tests.harness import CODE, NOW, Ledger


@pytest.fixture
def ledger(store_url: str) -> Iterator[Ledger]:
    harness = Ledger(store_url)
    yield harness
    harness.close()


def visits(ledger: Ledger, count: int, code: str = CODE, day0: int = 1) -> list[dict]:  # type: ignore[type-arg]
    return [ledger.maintenance(f"2024-{1 + (day0 + i) // 28:02d}-{1 + (day0 + i) % 28:02d}T02:00:00Z", code=code)
            for i in range(count)]


def test_receipts_positions_seq_and_hashes(ledger: Ledger) -> None:
    ledger.in_service()
    ledger.must_accept(ledger.manufactured("311031001201800002"))
    batch = [*visits(ledger, 3), ledger.manufactured("311031001201800003"), *visits(ledger, 2, day0=10)]
    outcomes = ledger.must_accept(*batch)
    positions = [o.receipt.position for o in outcomes if o.receipt]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    rows = ledger.store.index.stream_rows(CODE)
    assert [row.seq for row, _ in rows] == list(range(1, len(rows) + 1))
    head = GENESIS_HASH
    for row, record in rows:
        head = hashlib.sha256(head + record).digest()
        assert row.hash == head
    assert outcomes[-1].receipt and outcomes[-1].receipt.hash == rows[-1].row.hash.hex()


def test_a_rejection_in_a_batch_writes_nothing_for_it_and_keeps_the_rest(ledger: Ledger) -> None:
    ledger.in_service()
    before = ledger.store.index.max_position()
    good, bad, good2 = visits(ledger, 3)
    bad["payload"]["tier"] = "annual"  # breaks the signature
    outcomes = ledger.append(good, bad, good2)
    assert [o.error.code if o.error else "ok" for o in outcomes] == ["ok", "signature.invalid", "ok"]
    assert ledger.store.index.max_position() == before + 2
    assert [row.seq for row, _ in ledger.store.index.stream_rows(CODE)][-2:] == [4, 5]


def test_two_writers_never_fork_a_stream(ledger: Ledger, store_url: str) -> None:
    ledger.in_service()
    ledger.must_accept(visits(ledger, 1)[0])  # warms writer A's cache for the elevator
    with Store(store_url) as other:
        writer_b = LedgerService(other, clock=lambda: NOW)
        outcome = writer_b.append([parse_submission(visits(ledger, 1, day0=5)[0])])[0]
        assert outcome.receipt and outcome.receipt.seq == 5
    late = ledger.must_accept(visits(ledger, 1, day0=9)[0])[0]  # A's cached aggregate is stale: retried
    assert late.receipt and late.receipt.seq == 6
    assert verify_store(ledger.store.url).ok


def test_registry_change_during_a_batch_is_decided_again(ledger: Ledger, store_url: str) -> None:
    ledger.in_service()
    from ledger.write.service import _BatchRun  # the two-phase internals make the race deterministic

    late_visit = parse_submission(ledger.maintenance("2024-07-01T02:00:00Z"))
    run = _BatchRun(ledger.service, [late_visit])
    assert run.decide_all()[0].error is None
    revoke = ledger.world.regulator_producer.event("KeyRevoked", {
        "org": ledger.maintainer.org, "key_id": ledger.maintainer.key.key_id, "revoked_at": "2024-06-01T00:00:00Z",
        "reason": "compromised"}, occurred_at="2024-06-01T00:00:00Z")
    with Store(store_url) as other:
        assert LedgerService(other, clock=lambda: NOW).append([parse_submission(revoke)])[0].error is None
    with pytest.raises(RegistryChangedError):
        run.commit([])
    ledger.store.evict(run.touched_ids())
    assert ledger.append(ledger.maintenance("2024-07-01T02:00:00Z"))[0].error.code == "key.revoked"  # type: ignore[union-attr]


def test_a_crash_mid_batch_leaves_nothing_half_written(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger.in_service()
    before = ledger.store.audit.counts()

    def crash(*_: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(recorders, "write_ledger_batch", crash)  # after the events' INSERT, same transaction
    with pytest.raises(OSError):
        ledger.append(*visits(ledger, 3))
    monkeypatch.undo()
    assert ledger.store.audit.counts() == before
    outcomes = ledger.must_accept(*visits(ledger, 3))
    assert [o.receipt.seq for o in outcomes if o.receipt] == [4, 5, 6]
    assert verify_store(ledger.store.url).ok


def test_a_cold_restart_replays_the_same_heads(ledger: Ledger, store_url: str) -> None:
    ledger.in_service()
    ledger.must_accept(*visits(ledger, 4))
    warm = ledger.store.load(parse_submission(ledger.manufactured()).stream)
    with Store(store_url) as cold_store:
        cold = cold_store.load(parse_submission(ledger.manufactured()).stream)
        assert cold is not None and warm is not None
        assert (cold.version, cold.head) == (warm.version, warm.head)
        assert cold.elevator and cold.elevator.contracts.keys() == {"WB-1"}
        service = LedgerService(cold_store, clock=lambda: NOW)
        assert service.append([parse_submission(visits(ledger, 1, day0=20)[0])])[0].receipt.seq == 8  # type: ignore[union-attr]


def test_lookup_and_scan(ledger: Ledger) -> None:
    ledger.in_service()
    made = ledger.store.index.stream_rows(CODE)[0].row
    assert ledger.store.lookup_events([made.event_id, "01900000-0000-7000-8000-0000000000ff"]).keys() == {
        made.event_id}
    rows = ledger.store.index.scan(0, 1_000_000)
    assert [row.position for row, _ in rows] == sorted(row.position for row, _ in rows)
    assert ledger.store.tree.tree_size() == len(rows)


def test_verify_passes_on_both_backends(ledger: Ledger) -> None:
    ledger.in_service()
    ledger.must_accept(*visits(ledger, 5))
    report = verify_store(ledger.store.url)
    assert report.ok, report.failure
    assert report.events == report.signatures == report.tree_size


def test_offsets_and_dead_letters_commit_with_the_events_or_not_at_all(ledger: Ledger) -> None:
    from ledger.store import DeadLetter, OffsetConflictError, OffsetUpdate

    ledger.in_service()
    good, bad = visits(ledger, 2)
    bad["payload"]["tier"] = "annual"

    def letters(outcomes: list) -> list[DeadLetter]:  # type: ignore[type-arg]
        return [DeadLetter("g", "t", 0, 11, o.error.code, o.error.message, b"raw", b"[]")
                for o in outcomes if o.error]

    first = OffsetUpdate("g", "t", 0, None, 12)
    outcomes = ledger.service.append([parse_submission(good), parse_submission(bad)], offsets=[first],
                                     dead_letters=letters)
    assert [o.error is None for o in outcomes] == [True, False]
    assert ledger.store.consumers.consumer_offsets("g", "t") == {0: 12}
    (letter,) = ledger.store.consumers.unpublished_dead_letters("g")
    assert letter.code == "signature.invalid" and letter.value == b"raw"
    ledger.store.consumers.mark_dead_letters_published([letter])
    consumers = ledger.store.consumers
    assert consumers.unpublished_dead_letters("g") == [] and consumers.dead_letter_count("g") == 1
    before = ledger.store.audit.counts()
    with pytest.raises(OffsetConflictError):  # a redelivery from a stale position
        ledger.service.append([parse_submission(visits(ledger, 1, day0=7)[0])],
                              offsets=[OffsetUpdate("g", "t", 0, None, 13)])
    assert ledger.store.audit.counts() == before
    ledger.service.append([], offsets=[OffsetUpdate("g", "t", 0, 12, 20)])
    assert ledger.store.consumers.consumer_offsets("g", "t") == {0: 20}


def test_workers_starting_together_all_open_the_store(store_url: str) -> None:
    """Processes creating one store at once, then opening it at once, all succeed and create it once: on
    PostgreSQL the DDL runs under the schema lock (threads with stores of their own stand in for processes: each
    has its own connections)."""
    starting = 4
    failures: list[BaseException] = []

    def start(barrier: threading.Barrier, mode: OpenMode) -> None:
        barrier.wait()
        try:
            Store(store_url, mode=mode).close()
        except BaseException as e:
            failures.append(e)

    for mode in ("create", "open", "open"):
        barrier = threading.Barrier(starting)
        threads = [threading.Thread(target=start, args=(barrier, mode)) for _ in range(starting)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    with Store(store_url) as store:
        assert store.schema_history() == [(SCHEMA_VERSION, "created", store.schema_history()[0][2])]
    assert failures == []
