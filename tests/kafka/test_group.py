"""Two ingest workers in one consumer group (real processes) share the partitions: every event once, every chain
intact — on SQLite and on PostgreSQL."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Callable

import orjson
import pytest

from ledger.store import Store, parse_store_url
from ledger.store.verify import verify_store
from tests.kafka.helpers import publish_city, stored_event_ids, worker_process

pytestmark = pytest.mark.kafka


class _Reports:
    """Collects a worker's JSON reports from its stderr as they come."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.assigned: set[int] = set()
        self.lines: list[bytes] = []
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stderr is not None
        for line in process.stderr:
            self.lines.append(line)
            try:
                report = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if report.get("event") == "assigned":
                self.assigned = set(report["partitions"])


def _wait(condition: Callable[[], bool], seconds: float, what: str,
          context: Callable[[], object] = lambda: "") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {context()}"
        time.sleep(0.1)


def _count(url: str) -> int:
    with Store(url) as store:
        return store.tree.tree_size()


def test_two_workers_in_one_group_apply_every_event_once(
    kafka_bootstrap: str, new_topic: Callable[[int], str], store_url: str,
) -> None:
    topic = new_topic(4)
    group = f"ledger-{topic}"
    Store(store_url, mode="create").close()  # create the schema once, before two processes race to
    workers = [worker_process(store_url, kafka_bootstrap, topic, group, "--batch", "200") for _ in range(2)]
    reports = [_Reports(w) for w in workers]
    try:
        _wait(lambda: all(r.assigned for r in reports) and not (reports[0].assigned & reports[1].assigned)
              and reports[0].assigned | reports[1].assigned == {0, 1, 2, 3}, 60, "both workers to own partitions",
              lambda: [r.lines[-6:] for r in reports])
        city = publish_city(kafka_bootstrap, topic, elevators=12, seed=13)
        _wait(lambda: _count(store_url) >= len(city.event_ids), 120, "every event to be appended")
        results = []
        for worker in workers:  # one at a time: Tansu 0.6.0 can wedge when a group's members leave together
            worker.send_signal(signal.SIGTERM)  # finish the batch, leave the group
            results.append(worker.communicate(timeout=60))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    assert [w.returncode for w in workers] == [0, 0], [r[1].decode()[-2000:] for r in results]
    stats = [orjson.loads(out) for out, _ in results]
    assert all(s["appended"] > 0 for s in stats)  # both did their share
    assert sum(s["appended"] for s in stats) == len(city.event_ids)
    assert sum(s["processed"] for s in stats) == city.sent
    ids = stored_event_ids(store_url)
    assert len(ids) == len(set(ids)) == len(city.event_ids)
    assert verify_store(parse_store_url(store_url)).ok
