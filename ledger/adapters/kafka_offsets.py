"""The ingest worker's bookkeeping, without Kafka: which offsets are applied, what to read, append and commit.

The store is the truth: with every batch of events it keeps, per partition, the next offset to apply
(ledger/store/batch.py checks it). Kafka delivers from its own committed offset, which may lag the store (a crash
after the store's commit: those records are *redelivered*) or run ahead of it (a commit the store never saw: the
partition is rewound once to read the gap). For every partition it owns, :class:`OffsetBook` keeps

- ``stored``: the store's next offset as last read or written (None: the store holds none) — what the next
  append is checked against, so a batch another worker applied first fails as a whole;
- ``floor``: records below it are applied (or do not exist);
- ``next_read``: the next offset expected from Kafka (≥ floor), so records already taken into a batch are not
  taken again;
- ``sought``: where the partition was last rewound to, so that a gap is rewound once.

Partitions and records are anything with a ``partition`` and an ``offset`` (kafka-python's TopicPartition and
ConsumerRecord in the worker, plain tuples in tests). :class:`AssignmentChanges` collects the rebalance
callbacks' news across threads; :class:`Activity` does the worker's time keeping from an injected clock.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, NamedTuple, Protocol, TypeVar

from ledger.store.rows import OffsetUpdate

__all__ = [
    "Activity",
    "AssignmentChanges",
    "Changes",
    "OffsetBook",
    "PartitionKey",
    "Record",
    "Unapplied",
    "retry_delay",
]


class PartitionKey(Hashable, Protocol):
    @property
    def partition(self) -> int: ...


class Record(Protocol):
    @property
    def offset(self) -> int: ...


P = TypeVar("P", bound=PartitionKey)
R = TypeVar("R", bound=Record)
Batch = list[tuple[P, list[R]]]  # records per partition, each list in offset order


@dataclass
class Unapplied(Generic[P, R]):
    """What a poll brought that is not yet applied nor taken: the batch to append, rewinds to make, skips."""

    batch: list[tuple[P, list[R]]] = field(default_factory=list)
    rewinds: dict[P, int] = field(default_factory=dict)  # partition → offset to seek back to
    skipped: int = 0  # redelivered records (below what was already read)


class OffsetBook(Generic[P]):
    """Per owned partition: stored next offset, floor, next offset to read, and the last rewind."""

    def __init__(self) -> None:
        self._stored: dict[P, int | None] = {}
        self._floor: dict[P, int] = {}
        self._next_read: dict[P, int] = {}
        self._sought: dict[P, int] = {}

    # --- assignment --------------------------------------------------------------------------------------------

    def forget(self, partitions: Iterable[P]) -> None:
        """Drop revoked partitions."""
        for partition in partitions:
            for table in (self._stored, self._floor, self._next_read, self._sought):
                table.pop(partition, None)

    @staticmethod
    def without_stored_offset(partitions: Iterable[P], stored: Mapping[int, int]) -> list[P]:
        """The partitions the store has no offset for: they start at the partition's first offset."""
        return [p for p in partitions if p.partition not in stored]

    def take_over(self, partitions: Iterable[P], stored: Mapping[int, int],
                  beginnings: Mapping[P, int | None]) -> None:
        """Own ``partitions`` from the store's next offset (``stored``, by partition number) or, where the store has
        none, from the partition's first offset (``beginnings``), so nothing before Kafka's position is missed."""
        for p in partitions:
            position = stored.get(p.partition)
            self._stored[p] = position
            self._floor[p] = self._next_read[p] = position if position is not None else int(beginnings.get(p) or 0)
            self._sought.pop(p, None)

    @property
    def owned(self) -> list[int]:
        """The owned partition numbers, sorted."""
        return sorted(p.partition for p in self._floor)

    @property
    def floors(self) -> Mapping[P, int]:
        """Per owned partition: every record below it is applied."""
        return self._floor

    # --- reading -----------------------------------------------------------------------------------------------

    def unapplied(self, polled: Mapping[P, Sequence[R]]) -> Unapplied[P, R]:
        """The polled records not yet applied nor taken into a batch, per partition.

        Records below the next offset to read are redeliveries (skipped). Records starting beyond it (Kafka's
        committed offset ahead of the store) make the partition rewind, once, to read the gap; until then that
        partition contributes nothing. A partition revoked meanwhile is ignored.
        """
        out: Unapplied[P, R] = Unapplied()
        for p, records in polled.items():
            expected = self._next_read.get(p)
            if expected is None:
                continue
            kept = [r for r in records if r.offset >= expected]
            out.skipped += len(records) - len(kept)
            if kept and kept[0].offset > expected and self._sought.get(p) != expected:
                out.rewinds[p] = self._sought[p] = expected
                continue
            if kept:
                self._next_read[p] = kept[-1].offset + 1
                out.batch.append((p, kept))
        return out

    # --- appending ---------------------------------------------------------------------------------------------

    def partly_applied(self, batch: Batch[P, R]) -> bool:
        """Whether the store already holds some of the batch (found applied elsewhere since it was read)."""
        return any(records[0].offset < (self._stored.get(p) or 0) for p, records in batch)

    def rest_of(self, batch: Batch[P, R]) -> Batch[P, R]:
        """The part of ``batch`` the store does not hold yet, partitions left empty dropped."""
        return [(p, rest) for p, records in batch
                if (rest := [r for r in records if r.offset >= (self._stored.get(p) or 0)])]

    def offset_updates(self, batch: Batch[P, R], group: str, topic: str) -> list[OffsetUpdate]:
        """The store's offset moves that commit ``batch``: each checked against the offset the book last saw."""
        return [OffsetUpdate(group, topic, p.partition, self._stored.get(p), records[-1].offset + 1)
                for p, records in batch]

    def reload(self, partitions: Iterable[P], stored: Mapping[int, int]) -> None:
        """Take the store's offsets again (another worker applied some of ours): the next append is checked
        against them, owned or not, and an owned partition's floor rises to them."""
        for p in partitions:
            position = stored.get(p.partition)
            self._stored[p] = position
            if position is not None and p in self._next_read:
                self._floor[p] = max(self._floor[p], position)

    def applied(self, batch: Batch[P, R]) -> dict[P, int]:
        """The store holds ``batch``: advance the owned partitions; returns the offsets to commit to Kafka."""
        commits: dict[P, int] = {}
        for p, records in batch:
            next_offset = records[-1].offset + 1
            if p in self._next_read:  # still ours
                self._stored[p] = self._floor[p] = next_offset
            commits[p] = next_offset
        return commits

    def commits_on_close(self) -> dict[P, int]:
        """The stored next offset of every owned partition that has one (committed to Kafka when leaving)."""
        return {p: position for p in self._next_read if (position := self._stored.get(p)) is not None}


class Changes(NamedTuple, Generic[P]):
    assigned: set[P]
    revoked: set[P]


class AssignmentChanges(Generic[P]):
    """Rebalance news from the consumer's callbacks (another thread), taken between polls.

    A partition revoked and then assigned again before the worker looked counts as assigned, and the reverse as
    revoked: only the last word about a partition matters.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._assigned: set[P] = set()
        self._revoked: set[P] = set()

    def assigned(self, partitions: Iterable[P]) -> None:
        news = set(partitions)
        with self._lock:
            self._assigned |= news
            self._revoked -= news

    def revoked(self, partitions: Iterable[P]) -> None:
        news = set(partitions)
        with self._lock:
            self._revoked |= news
            self._assigned -= news

    def take(self) -> Changes[P]:
        with self._lock:
            changes = Changes(self._assigned, self._revoked)
            self._assigned, self._revoked = set(), set()
        return changes


@dataclass
class Activity:
    """When records came and progress was reported, in seconds of the worker's injected (monotonic) clock."""

    last_record: float
    last_report: float
    first_record: float | None = None
    reported_processed: int = 0

    @classmethod
    def starting(cls, now: float) -> Activity:
        return cls(last_record=now, last_report=now)

    def records_arrived(self, now: float) -> None:
        self.last_record = now
        if self.first_record is None:
            self.first_record = now

    def active_seconds(self, now: float) -> float:
        """From the first record read until ``now`` (0 before any)."""
        return 0.0 if self.first_record is None else now - self.first_record

    def idle_for(self, now: float) -> float:
        return now - self.last_record

    def report_due(self, now: float, every_s: float) -> bool:
        return now - self.last_report >= every_s

    def reported(self, now: float, processed: int) -> float:
        """Note a progress report at ``now``; returns the rate (records per second) since the previous one."""
        rate = (processed - self.reported_processed) / (now - self.last_report) if now > self.last_report else 0.0
        self.last_report, self.reported_processed = now, processed
        return rate


def retry_delay(attempt: int) -> float:
    """Seconds to wait before retrying a transient store failure (attempt 0, 1, …): doubling, at most 2 s."""
    return min(2.0, 0.05 * 2.0**attempt)
