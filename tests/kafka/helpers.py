"""Shared steps of the Kafka tests: a small simulated city on a topic, the ingest worker, the DLQ's contents."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

from ledger.adapters.kafka_ingest import IngestConfig, IngestStats, IngestWorker
from ledger.store import Store
from ledger.write.signatures import SignatureChecker
from producers.publish import KafkaPublisher
from producers.simulator import BadSubmissionRates, CityConfig, Simulation

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Published:
    sent: int  # records on the topic, broadcast copies included
    event_ids: set[str]  # distinct valid events
    simulation: Simulation


def publish_city(bootstrap: str, topic: str, *, elevators: int = 6, seed: int = 5) -> Published:
    config = CityConfig(elevators=elevators, years=1, seed=seed, bad=BadSubmissionRates(rate=0.0))
    simulation = Simulation(config)
    ids = set()
    with KafkaPublisher(bootstrap, topic) as publisher:
        for record in simulation.records():
            publisher.send_routed(record.value, record.route)
            ids.add(orjson.loads(record.value)["event_id"])
        publisher.flush()
        sent = publisher.sent
    return Published(sent, ids, simulation)


def ingest(store_url: str, bootstrap: str, topic: str, group: str, **overrides: Any) -> IngestStats:
    """Run a worker in this process until it is caught up and idle."""
    config = IngestConfig(bootstrap, topic, group, exit_when_idle_s=1.0, report_every_s=3600, **overrides)
    with Store(store_url, mode="create") as store:
        return IngestWorker(store, config, signatures=SignatureChecker(2)).run()


def stored_event_ids(store_url: str) -> list[str]:
    with Store(store_url) as store:
        return [row.event_id for row, _ in store.index.scan(0, 10_000_000)]


def rewind_group(bootstrap: str, topic: str, group: str) -> None:
    """Commit offset 0 for every partition: Kafka will redeliver everything to the group."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
    consumer.assign(partitions)
    consumer.commit({tp: OffsetAndMetadata(0, "", -1) for tp in partitions})
    consumer.close()


def read_topic(bootstrap: str, topic: str, expected: int, timeout_s: float = 20) -> list[Any]:
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                             enable_auto_commit=False, consumer_timeout_ms=int(timeout_s * 1000))
    records = []
    for record in consumer:
        records.append(record)
        if len(records) >= expected:
            break
    consumer.close()
    return records


def worker_process(store_url: str, bootstrap: str, topic: str, group: str, *extra: str) -> subprocess.Popen[bytes]:
    """``liftledger ingest`` as a real process (so that it can be killed for real)."""
    argv = [sys.executable, "-m", "api.cli", "ingest", "--kafka", bootstrap, "--topic", topic, "--group", group,
            "--store", store_url, "--report-every", "0.5", "--json", *extra]
    return subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
