"""The Kafka ingest worker: a consumer-group member that appends what it reads, exactly once in effect.

For each batch it reads, the worker

1. drops records below the next offset the *store* holds for their partition (a redelivery after a crash or a
   rebalance: already applied, recognized and skipped);
2. parses, verifies and appends the rest through :class:`~ledger.write.service.LedgerService`, which commits in **one
   database transaction** the accepted events, the new next offsets of the partitions (checked against the
   offsets the batch started from) and a dead letter for every refused record — so after any crash, records
   consumed = events appended + duplicates + dead letters, and nothing is applied twice;
3. only then commits the offsets to Kafka (a convenience for the next start: the store is the truth);
4. relays the new dead letters from the store (a transactional outbox) to the dead-letter topic, and marks them
   relayed.

Like ``liftledger append``, it overlaps the work: while one batch's signatures are verified on the checker's worker
processes, the next batch is fetched and parsed, and the previous one decided and committed.

Workers in one group share the partitions; because every event of an elevator carries its 设备代码 as key, one
elevator's events stay in one partition and keep their order. A version conflict with another writer is retried
by the service (decided again, never forked); an offset conflict — another worker applied part of the batch while
the group rebalanced — makes this worker re-read the stored offsets and apply only what is left. SIGTERM (via
:meth:`IngestWorker.stop`) lets the current batch finish, commits, and leaves the group cleanly.

Kafka transactions are not used: the exactly-once effect comes from the store, which works with any broker (on
Tansu 0.6.0 a ``read_committed`` consumer still saw an aborted record: docs/ARCHITECTURE.md §8). This module is
the only place in ``ledger/`` that imports kafka-python; which offsets are applied, read and committed is decided
in ledger/adapters/kafka_offsets.py, without Kafka and without a clock of its own.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import orjson
from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from ledger.adapters.kafka_offsets import Activity, AssignmentChanges, OffsetBook, retry_delay
from ledger.core.errors import ConfigurationError, LedgerError, SchemaError, VersionConflictError
from ledger.core.submission import Submission
from ledger.store import ConsumerState, DeadLetter, OffsetConflictError, Store
from ledger.write.service import LedgerService, Outcome, Prepared, parse_lines
from ledger.write.signatures import SignatureChecker, Verified

__all__ = ["DLQ_HEADERS", "IngestConfig", "IngestStats", "IngestWorker", "dead_letter_record"]

# Headers added to a dead-letter record (the original headers come first, unchanged).
DLQ_HEADERS = ("liftledger.error.code", "liftledger.error.message", "liftledger.source.topic",
               "liftledger.source.partition", "liftledger.source.offset", "liftledger.consumer.group")
_KEY_HEADER = "liftledger.source.key"  # how the original key is kept in the outbox's headers column
_TRANSIENT = (StoreOperationalError, StoreInterfaceError, VersionConflictError)
Report = Callable[[dict[str, Any]], None]
Clock = Callable[[], float]


@dataclass(frozen=True)
class IngestConfig:
    bootstrap: str
    topic: str
    group: str
    dlq_topic: str | None = None  # None: "<topic>.dlq"; "" disables relaying (letters stay in the store)
    batch_size: int = 2000
    poll_timeout_ms: int = 500
    session_timeout_ms: int = 6000  # docs/ARCHITECTURE.md §8: group joins take about half of it
    heartbeat_interval_ms: int = 2000
    max_poll_interval_ms: int = 60000
    client_id: str = "liftledger-ingest"
    report_every_s: float = 10.0
    exit_when_idle_s: float | None = None  # stop once caught up and idle this long (batch jobs, tests)

    @property
    def dead_letter_topic(self) -> str | None:
        if self.dlq_topic == "":
            return None
        return self.dlq_topic or f"{self.topic}.dlq"


@dataclass
class IngestStats:
    """Counts since this worker started. ``processed`` = appended + duplicates + dead_letters."""

    appended: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    skipped: int = 0  # redelivered records already applied (offset below the stored next offset)
    relayed: int = 0  # dead letters published to the dead-letter topic
    batches: int = 0
    offset_conflicts: int = 0
    retries: int = 0
    seconds_busy: float = 0.0  # time spent appending
    seconds_active: float = 0.0  # from the first record read to the last batch committed (polls included)

    @property
    def processed(self) -> int:
        return self.appended + self.duplicates + self.dead_letters

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["processed"] = self.processed
        out["seconds_busy"] = round(self.seconds_busy, 3)
        out["seconds_active"] = round(self.seconds_active, 3)
        out["events_per_second"] = round(self.processed / self.seconds_active, 1) if self.seconds_active else 0.0
        return out


Batch = list[tuple[TopicPartition, list[Any]]]


class IngestWorker:
    def __init__(self, store: Store, config: IngestConfig, *, signatures: SignatureChecker | None = None,
                 report: Report | None = None, clock: Clock = time.monotonic) -> None:
        self.config = config
        self.consumers: ConsumerState = store.consumers
        self.service = LedgerService(store, signatures=signatures or SignatureChecker())
        self.report = report or (lambda _: None)
        self.clock = clock
        self.stats = IngestStats()
        self._stop = threading.Event()
        self._changes: AssignmentChanges[TopicPartition] = AssignmentChanges()
        self._book: OffsetBook[TopicPartition] = OffsetBook()
        self._waiting: _Waiting | None = None  # parsed, signatures being checked, not yet committed
        self._consumer: KafkaConsumer | None = None
        self._dlq: KafkaProducer | None = None
        self._letters_pending = True  # relay leftovers from an earlier run first
        self._activity = Activity.starting(clock())

    # --- control ---------------------------------------------------------------------------------------------

    def stop(self) -> None:
        """Finish the current batch, commit, leave the group. Safe from a signal handler or another thread."""
        self._stop.set()

    def run(self) -> IngestStats:
        self._open()
        try:
            while not self._stop.is_set():
                self._step()
            self._commit_waiting()
        finally:
            self._close()
        return self.stats

    # --- the loop --------------------------------------------------------------------------------------------

    def _step(self) -> None:
        consumer = self._consumer
        assert consumer is not None
        polled = consumer.poll(timeout_ms=0 if self._waiting else self.config.poll_timeout_ms,
                               max_records=self.config.batch_size)
        self._apply_assignment_changes()
        if polled:
            self._activity.records_arrived(self.clock())
        batch = self._unapplied(polled)
        prepared = self._prepare(batch) if batch else None
        self._commit_waiting()
        self._waiting = prepared
        self._relay_dead_letters()
        self._maybe_report()
        if self._waiting is None and self._idle_and_caught_up():
            self._stop.set()

    def _prepare(self, batch: Batch) -> _Waiting:
        """Parse the batch and start verifying its signatures on the checker's pool."""
        return _Waiting(batch, self.service.prepare(record.value or _EMPTY for _, recs in batch for record in recs))

    def _commit_waiting(self) -> None:
        waiting, self._waiting = self._waiting, None
        if waiting is None:
            return
        started = self.clock()
        if self._book.partly_applied(waiting.batch):
            self._apply_rest(waiting.batch)
        else:
            try:
                outcomes = self._append(waiting.batch, waiting.prepared.items, waiting.prepared.checks.result())
            except OffsetConflictError:
                self.stats.offset_conflicts += 1
                self._apply_rest(waiting.batch)
            else:
                self._count(outcomes)
                self._commit_to_kafka(waiting.batch)
        now = self.clock()
        self.stats.batches += 1
        self.stats.seconds_busy += now - started
        self.stats.seconds_active = self._activity.active_seconds(now)

    def _apply_rest(self, batch: Batch) -> None:
        """Another worker applied part of the batch (a rebalance): re-read the store's offsets and apply only
        what is left, parsing it again."""
        while batch:
            self._reload_offsets([tp for tp, _ in batch])
            batch = self._book.rest_of(batch)
            if not batch:
                return
            try:
                outcomes = self._append(batch)
            except OffsetConflictError:
                self.stats.offset_conflicts += 1
                continue
            self._count(outcomes)
            self._commit_to_kafka(batch)
            return

    def _append(self, batch: Batch, items: list[Submission | LedgerError] | None = None,
                verified: Verified | None = None) -> list[Outcome]:
        """Append the batch with its offsets and dead letters; retry transient store failures."""
        records = [(tp, record) for tp, recs in batch for record in recs]
        if items is None:
            items = parse_lines(record.value or _EMPTY for _, record in records)
        offsets = self._book.offset_updates(batch, self.config.group, self.config.topic)

        def letters(outcomes: list[Outcome]) -> list[DeadLetter]:
            return [self._dead_letter(tp, record, outcome.error)
                    for (tp, record), outcome in zip(records, outcomes, strict=True) if outcome.error is not None]

        for attempt in range(10):
            try:
                return self.service.append(items, offsets=offsets, dead_letters=letters, verified=verified)
            except _TRANSIENT:
                if attempt == 9:
                    raise
                self.stats.retries += 1
                verified = None
                time.sleep(retry_delay(attempt))
        raise AssertionError("unreachable")

    def _count(self, outcomes: Sequence[Outcome]) -> None:
        for outcome in outcomes:
            if outcome.error is not None:
                self.stats.dead_letters += 1
                self._letters_pending = True
            elif outcome.duplicate:
                self.stats.duplicates += 1
            else:
                self.stats.appended += 1

    def _commit_to_kafka(self, batch: Batch) -> None:
        """The store has the batch; advance our view and tell Kafka (best effort: the store is the truth)."""
        offsets = {tp: OffsetAndMetadata(offset, "", -1) for tp, offset in self._book.applied(batch).items()}
        assert self._consumer is not None
        try:
            self._consumer.commit_async(offsets)
        except KafkaError as e:
            self.report({"event": "kafka_commit_failed", "error": str(e)})

    def _dead_letter(self, tp: TopicPartition, record: Any, error: LedgerError | None) -> DeadLetter:
        assert error is not None
        message = error.message
        if isinstance(error, SchemaError) and error.path:
            message = f"{message} (at {error.path})"
        headers = [[key, base64.b64encode(value or b"").decode()] for key, value in record.headers or ()]
        if record.key is not None:
            headers.append([_KEY_HEADER, base64.b64encode(record.key).decode()])
        return DeadLetter(self.config.group, self.config.topic, tp.partition, record.offset, error.code, message,
                          record.value or b"", orjson.dumps(headers))

    # --- partitions and positions ----------------------------------------------------------------------------

    def _apply_assignment_changes(self) -> None:
        """Take over newly assigned partitions at the store's position; forget revoked ones (kafka_offsets.py)."""
        assigned, revoked = self._changes.take()
        if assigned or revoked:
            self._commit_waiting()  # a batch in flight belongs to the old assignment: settle it first
        self._book.forget(revoked - assigned)
        if not assigned:
            return
        stored = self.consumers.consumer_offsets(self.config.group, self.config.topic)
        unknown = self._book.without_stored_offset(assigned, stored)
        assert self._consumer is not None
        beginnings = self._consumer.beginning_offsets(unknown) if unknown else {}
        self._book.take_over(assigned, stored, beginnings)
        self.report({"event": "assigned", "partitions": self._book.owned})

    def _unapplied(self, polled: dict[TopicPartition, list[Any]]) -> Batch:
        """The records not yet applied nor taken into a batch; rewinds a partition whose records start beyond
        what the store holds."""
        found = self._book.unapplied(polled)
        self.stats.skipped += found.skipped
        assert self._consumer is not None
        for tp, offset in found.rewinds.items():
            self._consumer.seek(tp, offset)
        return found.batch

    def _reload_offsets(self, partitions: Sequence[TopicPartition]) -> None:
        self._book.reload(partitions, self.consumers.consumer_offsets(self.config.group, self.config.topic))

    # --- dead letters, reports, idleness ---------------------------------------------------------------------

    def _relay_dead_letters(self) -> None:
        """Publish the outbox's unrelayed letters of this group and topic, then mark them relayed."""
        if self._dlq is None or not self._letters_pending:
            return
        try:
            while True:
                letters = [d for d in self.consumers.unpublished_dead_letters(self.config.group)
                           if d.topic == self.config.topic]
                if not letters:
                    break
                for letter in letters:
                    key, headers = dead_letter_record(letter)
                    self._dlq.send(self.config.dead_letter_topic, value=letter.value, key=key, headers=headers)
                self._dlq.flush()
                self.consumers.mark_dead_letters_published(letters)
                self.stats.relayed += len(letters)
            self._letters_pending = False
        except (KafkaError, *_TRANSIENT) as e:
            self.report({"event": "dead_letter_relay_failed", "error": str(e)})  # retried after the next batch

    def lag(self) -> dict[int, int | None]:
        """Records behind the partition's high watermark, per owned partition (None until first fetched)."""
        consumer = self._consumer
        if consumer is None:
            return {}
        out: dict[int, int | None] = {}
        for tp, floor in self._book.floors.items():
            high = consumer.highwater(tp)
            out[tp.partition] = None if high is None else max(0, high - floor)
        return out

    def _maybe_report(self) -> None:
        now = self.clock()
        if not self._activity.report_due(now, self.config.report_every_s):
            return
        rate = self._activity.reported(now, self.stats.processed)
        lag = {str(partition): behind for partition, behind in sorted(self.lag().items())}
        self.report({"event": "progress", **self.stats.to_dict(), "rate_per_second": round(rate, 1), "lag": lag})

    def _idle_and_caught_up(self) -> bool:
        idle = self.config.exit_when_idle_s
        owned = self._book.floors
        if idle is None or self._activity.idle_for(self.clock()) < idle or not owned:
            return False
        if not all(lag == 0 for lag in self.lag().values()):
            return False
        consumer = self._consumer
        assert consumer is not None
        return all((consumer.highwater(tp) or 0) <= consumer.position(tp, timeout_ms=1000) for tp in owned)

    # --- opening and closing ---------------------------------------------------------------------------------

    def _open(self) -> None:
        c = self.config
        try:
            consumer = KafkaConsumer(
                bootstrap_servers=c.bootstrap, group_id=c.group, client_id=c.client_id, enable_auto_commit=False,
                auto_offset_reset="earliest", session_timeout_ms=c.session_timeout_ms,
                heartbeat_interval_ms=c.heartbeat_interval_ms, max_poll_interval_ms=c.max_poll_interval_ms,
                max_poll_records=c.batch_size, fetch_max_wait_ms=200,
            )
        except KafkaError as e:
            raise ConfigurationError(f"cannot reach Kafka at {c.bootstrap}: {e}") from None
        if not consumer.partitions_for_topic(c.topic):
            consumer.close()
            raise ConfigurationError(f"topic {c.topic} does not exist at {c.bootstrap}")
        consumer.subscribe([c.topic], listener=_Listener(self._changes))
        self._consumer = consumer
        if c.dead_letter_topic:
            self._ensure_dead_letter_topic(len(consumer.partitions_for_topic(c.topic) or ()))
            self._dlq = KafkaProducer(bootstrap_servers=c.bootstrap, acks="all", enable_idempotence=True,
                                      linger_ms=5, client_id=f"{c.client_id}-dlq")
        self.service.signatures.warm_up()
        self.report({"event": "started", "topic": c.topic, "group": c.group, "dlq_topic": c.dead_letter_topic})

    def _ensure_dead_letter_topic(self, partitions: int) -> None:
        """Create the dead-letter topic like the source topic (the broker's default replication) if missing."""
        c = self.config
        try:
            admin = KafkaAdminClient(bootstrap_servers=c.bootstrap, client_id=f"{c.client_id}-admin")
            try:
                if c.dead_letter_topic not in admin.list_topics():
                    spec = {"num_partitions": partitions, "replication_factor": -1}
                    admin.create_topics({c.dead_letter_topic: spec}, raise_errors=False)
            finally:
                admin.close()
        except KafkaError as e:  # no admin rights: the relay still works where the cluster auto-creates topics
            self.report({"event": "dead_letter_topic_not_created", "error": str(e)})

    def _close(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            owned = {tp: OffsetAndMetadata(p, "", -1) for tp, p in self._book.commits_on_close().items()}
            try:
                if owned:
                    consumer.commit(owned)
            except KafkaError as e:
                self.report({"event": "kafka_commit_failed", "error": str(e)})
            consumer.close(autocommit=False)  # leaves the group: its partitions move on at once
        if self._dlq is not None:
            self._dlq.close()
        self.service.signatures.close()
        self.report({"event": "stopped", **self.stats.to_dict()})


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]  # kafka-python is untyped: its base class is Any
    """Runs on kafka-python's IO thread: it only notes changes; the worker acts on them between polls."""

    def __init__(self, changes: AssignmentChanges[TopicPartition]) -> None:
        self.changes = changes

    def on_partitions_revoked(self, revoked: Sequence[TopicPartition]) -> None:
        self.changes.revoked(revoked)

    def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        self.changes.assigned(assigned)


_EMPTY = SchemaError("the record has no value", path="")


@dataclass
class _Waiting:
    """A batch parsed, its signatures being verified, waiting for the previous batch's commit."""

    batch: Batch
    prepared: Prepared


def dead_letter_record(letter: DeadLetter) -> tuple[bytes | None, list[tuple[str, bytes]]]:
    """The dead-letter topic record for ``letter``: the original key, and the original headers followed by
    the reason and where the record came from. Its value is the original value, byte for byte."""
    key = None
    headers: list[tuple[str, bytes]] = []
    for name, encoded in orjson.loads(letter.headers):
        if name == _KEY_HEADER:
            key = base64.b64decode(encoded)
        else:
            headers.append((name, base64.b64decode(encoded)))
    values = (letter.code, letter.message, letter.topic, str(letter.partition), str(letter.offset), letter.group)
    headers.extend((name, value.encode()) for name, value in zip(DLQ_HEADERS, values, strict=True))
    return key, headers
