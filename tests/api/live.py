"""A real server for the browser and transport tests: ``liftledger serve`` in a subprocess on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.api.world import ApiWorld

__all__ = ["LiveServer", "free_port", "live_server", "serve_store"]

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    world: ApiWorld
    log: Path


@contextmanager
def live_server(tmp: Path) -> Iterator[LiveServer]:
    """The scenario in a SQLite store, served by the CLI's ``serve`` (uvicorn) until the block ends."""
    store = f"sqlite:///{tmp}/ledger.sqlite"
    world = ApiWorld(store, tmp)
    world.close()  # the store is ready: scenario, tokens, checkpoint; the server opens it on its own
    port = free_port()
    log = tmp / "server.log"
    command = [sys.executable, "-m", "api.cli", "serve", "--store", store, "--port", str(port),
               "--platform-key", str(world.settings.platform_key), "--platform-org", str(world.settings.platform_org),
               "--witness-key", str(world.settings.witness_key), "--witness-name", str(world.settings.witness_name),
               "--witness-state", str(world.settings.witness_state), "--log-level", "warning"]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                   env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url, process, log)
        yield LiveServer(url, world, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def serve_store(store: str, log: Path) -> Iterator[str]:
    """``liftledger serve`` on an existing store, on a free port, until the block ends; yields its URL."""
    port = free_port()
    command = [sys.executable, "-m", "api.cli", "serve", "--store", store, "--port", str(port), "--log-level",
               "warning"]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                   env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}):\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not start within {timeout_s} s:\n{log.read_text()[-2000:]}")
