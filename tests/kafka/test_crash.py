"""SIGKILL the ingest worker (a real process) in the middle of its work, restart it: still every event exactly
once — the store's offsets, written in the same transaction as the events, tell the new process where to go on."""

from __future__ import annotations

import signal
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from ledger.store import Store, parse_store_url
from ledger.store.verify import verify_store
from tests.kafka.helpers import publish_city, stored_event_ids, worker_process

pytestmark = pytest.mark.kafka


def _stored_count(path: Path) -> int:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as con:
            return int(con.execute("SELECT COUNT(*) FROM ledger_index").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_sigkill_mid_batch_and_restart_leaves_every_event_exactly_once(
    kafka_bootstrap: str, new_topic: Callable[[int], str], tmp_path: Path,
) -> None:
    topic = new_topic(3)
    group = f"ledger-{topic}"
    city = publish_city(kafka_bootstrap, topic, elevators=40, seed=9)
    path = tmp_path / "ledger.sqlite"
    url = f"sqlite:///{path}"
    Store(url, mode="create").close()

    first = worker_process(url, kafka_bootstrap, topic, group, "--batch", "50", "--workers", "0")
    deadline = time.monotonic() + 90
    while _stored_count(path) < len(city.event_ids) // 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    killed_at = _stored_count(path)
    assert 0 < killed_at < len(city.event_ids), "the worker must die in the middle of its work"

    second = worker_process(url, kafka_bootstrap, topic, group, "--exit-when-idle", "2")
    out, err = second.communicate(timeout=180)
    assert second.returncode == 0, err.decode()[-3000:]
    stats = orjson.loads(out)

    ids = stored_event_ids(url)
    assert len(ids) == len(set(ids)) == len(city.event_ids) and set(ids) == city.event_ids
    assert stats["appended"] == len(city.event_ids) - killed_at
    assert verify_store(parse_store_url(url)).ok
    with Store(url) as store:  # every record on the topic is accounted for by the store's offsets
        assert sum(store.consumers.consumer_offsets(group, topic).values()) == city.sent
        assert store.consumers.dead_letter_count(group) == 0
