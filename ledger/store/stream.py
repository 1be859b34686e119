"""The eventsourcing aggregate: one hash-chained stream per elevator and per organization.

A stream's events carry nothing but the canonical record bytes of a signed envelope. Applying an event — when
it is triggered and again whenever the stream is replayed — advances the chain::

    head_0 = 32 zero bytes
    head_n = SHA-256(head_{n-1} ‖ record_n)

so the hash is computed at trigger time and re-derived (not trusted) on every load. Elevator streams also fold
each event into their :class:`~ledger.core.elevator.ElevatorState`, the state the reject rules are checked against.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic

from ledger.core.chain import GENESIS_HASH, chain_hash
from ledger.core.elevator import STATE_CHANGING_TYPES, ElevatorState
from ledger.core.errors import IntegrityError, LedgerError
from ledger.core.submission import StreamKey, Submission, parse_line

__all__ = ["GENESIS_HASH", "RecordMapper", "Stream", "chain_hash", "project_stream", "record_type"]

# eventsourcing wants a timestamp on every event; ours is occurred_at, inside the signed record.
_NO_TIMESTAMP = datetime(1970, 1, 1, tzinfo=UTC)


class Stream(Aggregate):
    """A hash-chained stream of signed records; ``version`` is the gap-free ``seq``."""

    class Event(Aggregate.Event):
        record: bytes
        # The parsed submission when the event is triggered; None when reconstructed (never stored).
        submission: Any

        def apply(self, aggregate: Any) -> None:
            aggregate.advance(self.record, self.submission)

    class Opened(Event, Aggregate.Created):
        """The first record of a stream."""

    class Appended(Event):
        """Every later record."""

    def __init__(self) -> None:
        self.key: StreamKey | None = None
        self.head: bytes = GENESIS_HASH
        self.elevator: ElevatorState | None = None

    @classmethod
    def open(cls, sub: Submission) -> Stream:
        return cls._create(cls.Opened, id=sub.stream.id, record=sub.record, submission=sub, timestamp=_NO_TIMESTAMP)

    def append(self, sub: Submission) -> None:
        self.trigger_event(self.Appended, record=sub.record, submission=sub, timestamp=_NO_TIMESTAMP)

    def advance(self, record: bytes, sub: Submission | None) -> None:
        """Chain ``record`` onto the stream and fold it into the elevator state.

        On replay (``sub`` is None) a record is parsed only when it is the stream's first or of a type that changes
        the decision state; the rest — most of a stream: maintenance, faults, terminal reports — only advance the
        chain, which keeps loading a long stream cheap.
        """
        if sub is None and (self.key is None or record_type(record) in STATE_CHANGING_TYPES):
            sub = _reparse(record, self.id, self.version + (0 if self.key is None else 1))
        if self.key is None:
            assert sub is not None
            self.key = sub.stream
            if sub.stream.kind == "elevator":
                self.elevator = ElevatorState.manufactured(sub)
        self.head = chain_hash(self.head, record)
        if self.elevator is not None and sub is not None:
            self.elevator.apply(sub)


def record_type(record: bytes) -> str:
    """The ``type`` of a canonical record without parsing it: ``type`` sorts last, so the record ends with it."""
    start = record.rfind(b'"type":"')
    return record[start + 8:-2].decode("utf-8", "replace") if start > 0 and record.endswith(b'"}') else ""


def _reparse(record: bytes, stream_id: UUID, seq: int) -> Submission:
    try:
        return parse_line(record)
    except LedgerError as e:
        raise IntegrityError(f"stored record {stream_id} seq {seq} no longer parses: {e.message}") from None


def project_stream(aggregate: Stream | None, events: Iterable[Stream.Event]) -> Stream | None:
    """A projector for the repository without eventsourcing's per-event isinstance assertion (it costs ~30 µs)."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class RecordMapper(Mapper[UUID]):
    """Stores an event as exactly its record bytes; no transcoding, so stored bytes are the chained bytes."""

    TOPICS: ClassVar[dict[type[Stream.Event], str]] = {
        Stream.Opened: "liftledger:opened", Stream.Appended: "liftledger:appended",
    }
    CLASSES: ClassVar[dict[str, type[Stream.Event]]] = {topic: cls for cls, topic in TOPICS.items()}
    AGGREGATE_TOPIC = get_topic(Stream)

    def __init__(self, transcoder: Transcoder | None = None) -> None:
        super().__init__(transcoder=transcoder)  # type: ignore[arg-type]  # None: records are stored untranscoded

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=self.TOPICS[type(domain_event)],
            state=domain_event.record,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        cls = self.CLASSES.get(stored_event.topic)
        if cls is None:
            raise IntegrityError(
                f"stored event {stored_event.originator_id} seq {stored_event.originator_version} "
                f"has unknown topic {stored_event.topic!r}"
            )
        state: dict[str, Any] = {
            "originator_id": _as_uuid(stored_event.originator_id),
            "originator_version": stored_event.originator_version,
            "timestamp": _NO_TIMESTAMP,
            "record": bytes(stored_event.state),
            "submission": None,
        }
        if cls is Stream.Opened:
            state["originator_topic"] = self.AGGREGATE_TOPIC
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event


def _as_uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)
