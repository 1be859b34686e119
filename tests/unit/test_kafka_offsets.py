"""The ingest worker's offset bookkeeping, without a broker: what is applied, read, rewound, appended, committed."""

from __future__ import annotations

import threading
from typing import NamedTuple

import pytest

from ledger.adapters.kafka_offsets import Activity, AssignmentChanges, OffsetBook, retry_delay
from ledger.store import OffsetUpdate


class TP(NamedTuple):
    topic: str
    partition: int


class Rec(NamedTuple):
    offset: int


P0, P1, P2 = TP("t", 0), TP("t", 1), TP("t", 2)


def recs(*offsets: int) -> list[Rec]:
    return [Rec(o) for o in offsets]


def owned(stored: dict[int, int], beginnings: dict[TP, int | None] | None = None,
          partitions: tuple[TP, ...] = (P0, P1)) -> OffsetBook[TP]:
    book: OffsetBook[TP] = OffsetBook()
    book.take_over(partitions, stored, beginnings or {})
    return book


# --- taking partitions over --------------------------------------------------------------------------------------


def test_a_partition_is_taken_over_at_the_stores_next_offset_or_at_its_beginning() -> None:
    assert OffsetBook.without_stored_offset([P0, P1, P2], {0: 7}) == [P1, P2]
    book = owned({0: 7}, {P1: 3, P2: None}, (P0, P1, P2))
    assert dict(book.floors) == {P0: 7, P1: 3, P2: 0}
    assert book.owned == [0, 1, 2]
    # The store's offset is what the next append is checked against; a partition it lacks expects None.
    updates = book.offset_updates([(P0, recs(7, 8)), (P1, recs(3))], "g", "t")
    assert updates == [OffsetUpdate("g", "t", 0, 7, 9), OffsetUpdate("g", "t", 1, None, 4)]


def test_a_forgotten_partition_contributes_nothing_and_is_not_committed_on_close() -> None:
    book = owned({0: 5, 1: 9})
    book.forget([P1])
    assert book.owned == [0]
    found = book.unapplied({P0: recs(5), P1: recs(9, 10)})
    assert found.batch == [(P0, recs(5))] and found.skipped == 0
    assert book.commits_on_close() == {P0: 5}


# --- reading -------------------------------------------------------------------------------------------------------


def test_redelivered_records_below_the_store_offset_are_skipped() -> None:
    book = owned({0: 10})
    found = book.unapplied({P0: recs(7, 8, 9, 10, 11)})
    assert found.batch == [(P0, recs(10, 11))]
    assert (found.skipped, found.rewinds) == (3, {})


def test_records_already_taken_into_a_batch_are_not_taken_again() -> None:
    book = owned({0: 0})
    assert book.unapplied({P0: recs(0, 1)}).batch == [(P0, recs(0, 1))]
    again = book.unapplied({P0: recs(1, 2)})  # a fetch that overlaps the previous one
    assert (again.batch, again.skipped) == ([(P0, recs(2))], 1)


def test_a_gap_ahead_of_the_store_rewinds_the_partition_once() -> None:
    book = owned({0: 4})
    first = book.unapplied({P0: recs(6, 7)})  # Kafka's committed offset ran ahead of the store
    assert (first.batch, first.rewinds) == ([], {P0: 4})
    second = book.unapplied({P0: recs(6, 7)})  # records still from beyond the gap: no second rewind, take them
    assert (second.batch, second.rewinds) == ([(P0, recs(6, 7))], {})


def test_a_rewound_partition_reads_the_gap() -> None:
    book = owned({0: 4})
    assert book.unapplied({P0: recs(6)}).rewinds == {P0: 4}
    assert book.unapplied({P0: recs(4, 5, 6)}).batch == [(P0, recs(4, 5, 6))]


def test_partitions_are_independent() -> None:
    book = owned({0: 2, 1: 0})
    found = book.unapplied({P0: recs(1, 2), P1: recs(3)})
    assert found.batch == [(P0, recs(2))]
    assert (found.rewinds, found.skipped) == ({P1: 0}, 1)


# --- appending and committing --------------------------------------------------------------------------------------


def test_an_applied_batch_moves_floor_and_store_offset_and_yields_the_kafka_commits() -> None:
    book = owned({0: 3, 1: 0})
    batch = book.unapplied({P0: recs(3, 4), P1: recs(0)}).batch
    assert book.applied(batch) == {P0: 5, P1: 1}
    assert dict(book.floors) == {P0: 5, P1: 1}
    assert book.offset_updates([(P0, recs(5))], "g", "t") == [OffsetUpdate("g", "t", 0, 5, 6)]
    assert book.commits_on_close() == {P0: 5, P1: 1}


def test_a_batch_of_a_partition_revoked_meanwhile_is_committed_but_not_owned() -> None:
    book = owned({0: 3, 1: 0})
    batch = book.unapplied({P0: recs(3), P1: recs(0)}).batch
    book.forget([P1])
    assert book.applied(batch) == {P0: 4, P1: 1}  # Kafka still learns the store has them
    assert book.commits_on_close() == {P0: 4} and book.owned == [0]


def test_a_batch_partly_applied_elsewhere_is_cut_to_what_the_store_lacks() -> None:
    book = owned({0: 3, 1: 0})
    batch = book.unapplied({P0: recs(3, 4, 5), P1: recs(0, 1)}).batch
    assert not book.partly_applied(batch)
    book.reload([P0, P1], {0: 5, 1: 2})  # another worker applied 3-4 and 0-1 during a rebalance
    assert book.partly_applied(batch)
    assert book.rest_of(batch) == [(P0, recs(5))]
    assert dict(book.floors) == {P0: 5, P1: 2}
    assert book.offset_updates(book.rest_of(batch), "g", "t") == [OffsetUpdate("g", "t", 0, 5, 6)]


def test_reloading_never_lowers_a_floor_and_checks_unowned_partitions_too() -> None:
    book = owned({0: 8}, partitions=(P0,))
    book.reload([P0, P1], {0: 6, 1: 4})
    assert dict(book.floors) == {P0: 8}
    assert book.offset_updates([(P1, recs(4))], "g", "t") == [OffsetUpdate("g", "t", 1, 4, 5)]
    book.reload([P0], {})
    assert book.offset_updates([(P0, recs(8))], "g", "t") == [OffsetUpdate("g", "t", 0, None, 9)]


# --- rebalance news ------------------------------------------------------------------------------------------------


def test_assignment_changes_keep_the_last_word_about_each_partition() -> None:
    changes: AssignmentChanges[TP] = AssignmentChanges()
    changes.assigned([P0, P1])
    changes.revoked([P1, P2])
    changes.assigned([P2])
    taken = changes.take()
    assert (taken.assigned, taken.revoked) == ({P0, P2}, {P1})
    assert changes.take() == (set(), set())


def test_assignment_changes_from_many_threads_are_all_taken() -> None:
    changes: AssignmentChanges[TP] = AssignmentChanges()
    threads = [threading.Thread(target=changes.assigned, args=([TP("t", n)],)) for n in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {p.partition for p in changes.take().assigned} == set(range(32))


# --- time keeping --------------------------------------------------------------------------------------------------


def test_activity_measures_from_the_first_record_and_paces_reports() -> None:
    activity = Activity.starting(100.0)
    assert activity.active_seconds(105.0) == 0.0
    assert activity.idle_for(130.0) == 30.0
    activity.records_arrived(110.0)
    activity.records_arrived(112.0)
    assert activity.active_seconds(120.0) == 10.0 and activity.idle_for(120.0) == 8.0
    assert not activity.report_due(109.9, 10.0) and activity.report_due(110.0, 10.0)
    assert activity.reported(110.0, 500) == pytest.approx(50.0)
    assert activity.reported(120.0, 800) == pytest.approx(30.0)
    assert activity.reported(120.0, 900) == 0.0  # no time has passed: no rate


def test_retries_back_off_doubling_up_to_two_seconds() -> None:
    assert [retry_delay(n) for n in range(7)] == [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 2.0]
