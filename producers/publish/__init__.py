"""Publishers: where a producer's signed envelopes go — straight to a ledger service, to Kafka, or over HTTP.

Every publisher has the same small surface, so a producer (or the simulator) does not care which one it holds::

    with KafkaPublisher("127.0.0.1:9092", "liftledger.events") as publisher:
        publisher.send(envelope)          # buffered; a dict envelope or its JSON bytes
        outcomes = publisher.flush()      # synchronous transports return one outcome per envelope

Outcomes are the ledger's own wire form (``Outcome.to_dict()``: ``{"status": "accepted" | "duplicate" |
"rejected", ...}``). Kafka is asynchronous: its outcomes arrive later, on the ledger side and on the dead-letter
topic, so its ``flush`` returns an empty list once every record is acknowledged by the brokers.
"""

from __future__ import annotations

from producers.publish.base import PublishError
from producers.publish.direct import LedgerPublisher
from producers.publish.http import HttpPublisher
from producers.publish.kafka import KafkaPublisher, ensure_topic

__all__ = ["HttpPublisher", "KafkaPublisher", "LedgerPublisher", "PublishError", "ensure_topic"]
