"""The Kafka publisher's routing on a real broker: an elevator's events share one partition in order; registry
events reach every partition (a terminal's own registration goes with its elevator)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import orjson
import pytest

from producers.publish import KafkaPublisher
from producers.routing import BROADCAST_TYPES
from producers.scenario import ELEVATOR_A, Scenario
from tests.kafka.helpers import read_topic

pytestmark = pytest.mark.kafka


def test_elevators_keep_one_partition_and_the_registry_reaches_all(
    kafka_bootstrap: str, new_topic: Callable[[int], str], scenario: Scenario,
) -> None:
    topic = new_topic(3)
    with KafkaPublisher(kafka_bootstrap, topic) as publisher:
        for envelope in scenario.submissions:
            publisher.send(envelope)
        publisher.flush()
        sent = publisher.sent
    broadcast = [e for e in scenario.submissions if e["type"] in BROADCAST_TYPES and "device" not in e["payload"]]
    assert sent == len(scenario.submissions) + 2 * len(broadcast)

    records = read_topic(kafka_bootstrap, topic, sent)
    assert len(records) == sent
    partitions_of: dict[str, set[int]] = defaultdict(set)
    order: dict[str, list[str]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        envelope = orjson.loads(record.value)
        partitions_of[envelope["event_id"]].add(record.partition)
        if "equipment_code" in envelope:
            assert record.key == envelope["equipment_code"].encode()
            order[envelope["equipment_code"]].append(envelope["event_id"])
    for envelope in broadcast:
        assert partitions_of[envelope["event_id"]] == {0, 1, 2}
    for code, ids in order.items():
        assert len({p for i in ids for p in partitions_of[i]}) == 1
        assert ids == [e["event_id"] for e in scenario.submissions if e.get("equipment_code") == code]
    device = [e for e in scenario.submissions if e["type"] == "DeviceRegistered" or "device" in e["payload"]]
    elevator_a = partitions_of[order[ELEVATOR_A][0]]
    assert device and all(partitions_of[e["event_id"]] == elevator_a for e in device)
