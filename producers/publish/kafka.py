"""Publishing to Kafka with kafka-python: keyed by equipment code, acks=all, idempotent, batched.

- **Key = 设备代码**, so one elevator's events land in one partition and keep their order; registry events go to
  every partition (producers.routing explains why).
- **acks=all + idempotent producer**: a record is acknowledged only once every in-sync replica has it, and
  retries never duplicate it within the partition. Across a producer restart a re-sent envelope keeps its
  ``event_id``, which the ledger recognizes as a duplicate.
- **Batching** with ``linger_ms`` and ``batch_size``: the Kafka client, not the broker, is the bottleneck
  (docs/ARCHITECTURE.md §8: 15-18k msg/s with ``linger_ms=10``, ``batch_size=256 KiB`` and ``crc32c`` installed).
"""

from __future__ import annotations

from typing import Any, Self

import orjson
from kafka import KafkaAdminClient, KafkaProducer
from kafka.errors import KafkaError

from ledger.core.errors import ConfigurationError
from producers.publish.base import PublishError, as_bytes
from producers.routing import Route, Router

__all__ = ["KafkaPublisher", "ensure_topic"]

Headers = list[tuple[str, bytes]]


class KafkaPublisher:
    """Sends envelopes to ``topic``; ``flush`` waits for every acknowledgement and raises if any failed."""

    def __init__(
        self, bootstrap: str, topic: str, *, linger_ms: int = 20, batch_size: int = 256 * 1024,
        client_id: str = "liftledger-producer", **config: Any,
    ) -> None:
        self.topic = topic
        self.router = Router()
        self.sent = 0  # records handed to the client, broadcast copies included
        self._failures: list[BaseException] = []
        try:
            self._producer = KafkaProducer(
                bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=linger_ms,
                batch_size=batch_size, client_id=client_id, **config,
            )
            self._partitions = sorted(self._producer.partitions_for(topic) or ())
        except KafkaError as e:
            raise ConfigurationError(f"cannot publish to Kafka at {bootstrap}: {e}") from None
        if not self._partitions:
            raise ConfigurationError(f"topic {topic} has no partitions (create it first: ensure_topic)")

    def send(self, envelope: dict[str, Any] | bytes, *, headers: Headers | None = None) -> None:
        """Route and send one envelope (bytes are decoded only to find their route)."""
        decoded = orjson.loads(envelope) if isinstance(envelope, bytes) else envelope
        self.send_routed(as_bytes(envelope), self.router.route(decoded), headers=headers)

    def send_routed(self, value: bytes, route: Route, *, headers: Headers | None = None) -> None:
        """Send pre-encoded bytes along a known route (the simulator routes as it generates)."""
        key = route.key.encode()
        targets: list[int | None] = list(self._partitions) if route.broadcast else [None]
        for partition in targets:
            future = self._producer.send(self.topic, value=value, key=key, headers=headers, partition=partition)
            future.add_errback(self._failures.append)
            self.sent += 1

    def flush(self, timeout_s: float | None = None) -> list[dict[str, Any]]:
        try:
            self._producer.flush(timeout=timeout_s)
        except KafkaError as e:
            raise PublishError(f"Kafka did not acknowledge every record: {e}") from None
        if self._failures:
            first, count = self._failures[0], len(self._failures)
            self._failures = []
            raise PublishError(f"{count} record(s) were not acknowledged by Kafka; first: {first!r}")
        return []

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._producer.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def ensure_topic(bootstrap: str, topic: str, partitions: int = 3, replication: int = 1) -> int:
    """Create ``topic`` unless it exists; return its partition count (an existing topic keeps its own)."""
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="liftledger-admin")
    except KafkaError as e:
        raise ConfigurationError(f"cannot reach Kafka at {bootstrap}: {e}") from None
    try:
        if topic not in admin.list_topics():
            admin.create_topics({topic: {"num_partitions": partitions, "replication_factor": replication}},
                                raise_errors=False, wait_for_metadata=True)
        return _partition_count(admin, topic)
    finally:
        admin.close()


def _partition_count(admin: KafkaAdminClient, topic: str) -> int:
    for described in admin.describe_topics([topic]):
        if described.get("name") == topic:
            return len(described.get("partitions") or ())
    return 0
