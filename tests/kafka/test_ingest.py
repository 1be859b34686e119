"""The ingest worker against a real broker: every event exactly once, redeliveries skipped, refused records as
dead letters with their codes — and records in = appended + duplicates + dead letters, always."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from kafka import KafkaProducer

from ledger.adapters.kafka_ingest import IngestConfig, IngestWorker
from ledger.core.identifiers import format_instant
from ledger.core.keys import SigningKey
from ledger.store import OffsetUpdate, Store, parse_store_url
from ledger.store.verify import verify_store
from ledger.write.service import LedgerService, parse_lines
from producers.client import Producer
from producers.simulator import Simulation
from tests.kafka.helpers import ingest, publish_city, read_topic, rewind_group, stored_event_ids

pytestmark = pytest.mark.kafka


def test_n_events_in_exactly_n_in_the_ledger_and_a_redelivery_is_skipped(
    kafka_bootstrap: str, new_topic: Callable[[int], str], tmp_path: Path,
) -> None:
    topic = new_topic(3)
    group = f"ledger-{topic}"
    city = publish_city(kafka_bootstrap, topic)
    url = f"sqlite:///{tmp_path}/ledger.sqlite"

    stats = ingest(url, kafka_bootstrap, topic, group)

    ids = stored_event_ids(url)
    assert len(ids) == len(set(ids)) == len(city.event_ids) and set(ids) == city.event_ids
    assert stats.processed == city.sent == stats.appended + stats.duplicates + stats.dead_letters
    assert (stats.appended, stats.dead_letters) == (len(city.event_ids), 0)
    assert stats.duplicates == city.sent - len(city.event_ids)  # the registry's copies in every partition
    assert verify_store(parse_store_url(url)).ok
    with Store(url) as store:
        assert sum(store.consumers.consumer_offsets(group, topic).values()) == city.sent

    rewind_group(kafka_bootstrap, topic, group)  # Kafka forgets; the store remembers
    again = ingest(url, kafka_bootstrap, topic, group)
    assert (again.skipped, again.processed) == (city.sent, 0)
    assert stored_event_ids(url) == ids


def test_refused_records_become_dead_letters_with_reason_bytes_and_headers(
    kafka_bootstrap: str, new_topic: Callable[[int], str], tmp_path: Path,
) -> None:
    topic = new_topic(2)
    group = f"ledger-{topic}"
    city = publish_city(kafka_bootstrap, topic, elevators=4, seed=8)
    bad, good = _bad_and_good_records(city.simulation)
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    headers = [("producer", b"test-suite")]
    for key, value, _ in [*bad, *good, *good]:  # the good one twice: a duplicate
        producer.send(topic, value=value, key=key, headers=headers)
    producer.flush()
    producer.close()
    url = f"sqlite:///{tmp_path}/ledger.sqlite"

    stats = ingest(url, kafka_bootstrap, topic, group)

    records_in = city.sent + len(bad) + 2
    assert stats.processed == records_in == stats.appended + stats.duplicates + stats.dead_letters
    assert (stats.dead_letters, stats.relayed) == (len(bad), len(bad))
    assert stats.appended == len(city.event_ids) + 1
    with Store(url) as store:
        assert store.consumers.dead_letter_count(group) == len(bad)
        assert store.consumers.unpublished_dead_letters(group) == []
    letters = read_topic(kafka_bootstrap, f"{topic}.dlq", len(bad))
    expected = {value or b"": (key, code) for key, value, code in bad}
    assert len(letters) == len(bad)
    for letter in letters:
        found = dict(letter.headers)
        assert letter.headers[0] == ("producer", b"test-suite")  # the original headers come first, unchanged
        assert (letter.key, found["liftledger.error.code"].decode()) == expected[letter.value]
        assert found["liftledger.source.topic"].decode() == topic and found["liftledger.error.message"]
        assert found["liftledger.consumer.group"] == group.encode()


Record = tuple[bytes, bytes | None, str]  # key, value, the outcome it must get


def _bad_and_good_records(simulation: Simulation) -> tuple[list[Record], list[Record]]:
    unit = next(u for u in simulation.units if u.registered and not u.decommissioned)
    city, code = simulation.city, unit.code
    when = format_instant(simulation.end - 86400)
    user = unit.user_unit.as_("user_unit")
    applied = user.event("InspectionApplied", {"kind": "periodic", "due_date": "2026-06-01"},
                         equipment_code=code, occurred_at=when)
    forged = user.event("InspectionApplied", {"kind": "periodic", "due_date": "2026-06-01"},
                        equipment_code=code, occurred_at=when)
    forged["payload"]["due_date"] = "2026-09-01"
    other_user = next(org for orgs in city.user_units.values() for org in orgs if org.org != unit.user_unit.org)
    stranger_key = Producer(unit.user_unit.org, "user_unit", SigningKey.from_seed(b"\x07" * 32))
    unknown = "311031001209999999"
    cases: list[tuple[Any, str]] = [
        (forged, "signature.invalid"),
        (b'{"type": "Manufactured", ', "schema.invalid"),
        (b"\xff not json", "schema.invalid"),
        (None, "schema.invalid"),
        (city.insurers[0].as_("insurer").event("PeriodicInspected", {
            "report_no": "FAKE-1", "conclusion": "pass", "next_due_date": "2026-12-01"},
            equipment_code=code, occurred_at=when), "role.forbidden"),
        (other_user.as_("user_unit").event("Suspended", {"reason": "停用"}, equipment_code=code, occurred_at=when),
         "relationship.missing"),
        (stranger_key.event("Suspended", {"reason": "停用"}, equipment_code=code, occurred_at=when), "key.unknown"),
        (simulation.sim.regulator.event("Registered", {
            "registration_no": "梯31沪Z99999(99)", "user_unit": other_user.org, "site_category": "residential",
            "district": "浦东新区", "address": "世纪大道1号"}, equipment_code=unknown, occurred_at=when),
         "elevator.unknown"),
    ]
    # Bytes a lax parser would read two ways (docs/FORMAT.md §I.1): each refused as a schema error.
    signed = orjson.dumps(applied, option=orjson.OPT_SORT_KEYS)
    for original, forged in [(b'"schema":1', b'"schema":1.0'), (b'"schema":1', b'"schema":true'),
                             (b'"kind":"periodic"', b'"kind":"periodic","kind":"periodic"')]:
        cases.append((signed.replace(original, forged, 1), "schema.invalid"))
    bad = [(code.encode(), v if v is None or isinstance(v, bytes) else orjson.dumps(v), c) for v, c in cases]
    return bad, [(code.encode(), orjson.dumps(applied), "accepted")]


def test_records_another_worker_applied_first_are_not_applied_again(
    kafka_bootstrap: str, new_topic: Callable[[int], str], tmp_path: Path,
) -> None:
    """The race of a rebalance, made deterministic: right after this worker reads the store's positions, another
    writer applies the first records of partition 0 with their offsets. This worker's first commit then finds the
    offsets moved (an offset conflict), re-reads them and applies only the rest."""
    topic = new_topic(2)
    group = f"ledger-{topic}"
    city = publish_city(kafka_bootstrap, topic)
    url = f"sqlite:///{tmp_path}/ledger.sqlite"
    first = [r.value for r in read_topic(kafka_bootstrap, topic, city.sent) if r.partition == 0][:300]

    def other_worker_gets_there_first(report: dict[str, object]) -> None:
        if report.get("event") == "assigned" and not other.done:
            with Store(url) as store:
                service = LedgerService(store)
                service.append(parse_lines(first), offsets=[OffsetUpdate(group, topic, 0, None, len(first))])
            other.done = True

    other = SimpleNamespace(done=False)
    config = IngestConfig(kafka_bootstrap, topic, group, exit_when_idle_s=1.0, report_every_s=3600)
    with Store(url, mode="create") as store:
        stats = IngestWorker(store, config, report=other_worker_gets_there_first).run()

    assert other.done and stats.offset_conflicts >= 1
    assert stats.processed == city.sent - len(first)
    ids = stored_event_ids(url)
    assert len(ids) == len(set(ids)) == len(city.event_ids)
    assert verify_store(parse_store_url(url)).ok
