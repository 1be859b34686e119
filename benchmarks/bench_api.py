"""Dossier query latency over HTTP against a raw SQL select of the same elevator's rows, at a store of a given size.

    python -m benchmarks.bench_api [--events 1000000] [--per-elevator 500] [--requests 2000] [--keep DIR]

Builds its own store (SQLite): a registered world, then elevators put in service and maintained fortnightly — every
record really signed, verified on append (two signature worker processes) and chained — generated on two worker
processes while the ledger appends. The projections are caught up, a real server is started (``liftledger
serve``, uvicorn, one process) and a real HTTP client (httpx, keep-alive) asks for the dossiers of randomly
chosen elevators with a regulator's token. In the same run, the same elevators' rows (index joined with the
stored records) are selected with plain sqlite3: the peer. Targets: dossier p99 ≤ 20 ms and p99 ≤ 5 × the raw
select's p99. Prints one JSON Figure per line.
"""

from __future__ import annotations

import argparse
import functools
import multiprocessing
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson

from benchmarks.common import Figure
from ledger.core.identifiers import format_instant, instant_from_text
from ledger.core.maintenance_items import items_for_tier
from ledger.core.signing import new_event_id
from ledger.store import Store
from ledger.write.service import LedgerService
from ledger.write.signatures import SignatureChecker
from producers.world import Org, World

__all__ = ["build_store", "measure", "run"]

SEED = 11
BATCH = 5_000
_CHUNK_ELEVATORS = 10
REPO = Path(__file__).resolve().parents[1]


# --- the store -------------------------------------------------------------------------------------------------


class _Cast:
    """The organizations of the benchmark's world (rebuilt identically in every worker process from the seed)."""

    def __init__(self) -> None:
        self.world = World(SEED, start="2000-01-01T00:00:00Z")
        self.maker = self.world.organization("迅达电梯", ("manufacturer",), maker_code="31001")
        self.maintainers = [self.world.organization(f"维保{n}", ("maintainer",), people=6) for n in range(8)]
        self.user = self.world.organization("物业", ("user_unit",))


@functools.cache
def _cast() -> _Cast:
    return _Cast()


def code_of(n: int) -> str:
    """The n-th elevator's 设备代码 (maker 31001, made in 2000; up to 99,999 elevators)."""
    return f"3110310012000{n + 1:05d}"


def _elevator_records(n: int, visits: int) -> list[bytes]:
    """One elevator's life: made, registered, under contract, then ``visits`` fortnightly maintenance records."""
    cast = _cast()
    code, maintainer = code_of(n), cast.maintainers[n % len(cast.maintainers)]
    records = [_setup(cast, maintainer, code, kind) for kind in ("Manufactured", "Registered", "Contract")]
    # The world's producers draw event ids from seeded generators, identical in every worker: draw fresh ones.
    start = instant_from_text("2001-01-01T01:00:00Z") + n * 60
    producer = maintainer.as_("maintainer")
    results = dict.fromkeys(items_for_tier("half_month"), "pass")
    for visit in range(visits):
        done = start + visit * 14 * 86400
        records.append(producer.event("MaintenancePerformed", {
            "contract_no": f"WB-{code[-5:]}", "tier": "half_month", "started_at": format_instant(done - 2700),
            "ended_at": format_instant(done), "results": results,
        }, equipment_code=code, occurred_at=done, persons=maintainer.persons("worker", 2, offset=visit),
            event_id=new_event_id(done * 1000)))
    return [orjson.dumps(r) for r in records]


def _setup(cast: _Cast, maintainer: Org, code: str, kind: str) -> dict[str, Any]:
    if kind == "Manufactured":
        return cast.maker.as_("manufacturer").event("Manufactured", {
            "model": "3300", "factory_serial": f"F{code[-5:]}", "certificate_no": "HG", "rated_load_kg": 1000,
            "rated_speed_mm_s": 1750, "floors": 12, "stops": 12, "doors": 12, "design_life_years": 25,
        }, equipment_code=code, occurred_at="2000-03-01T00:00:00Z", event_id=new_event_id(951868800_000))
    if kind == "Registered":
        return cast.world.regulator_producer.event("Registered", {
            "registration_no": f"梯31沪A{code[-5:]}", "user_unit": cast.user.org, "site_category": "residential",
            "district": "浦东新区", "address": "世纪大道", "rescue_code": code[-6:],
        }, equipment_code=code, occurred_at="2000-06-01T00:00:00Z", event_id=new_event_id(959817600_000))
    return maintainer.as_("maintainer").event("MaintenanceContractSigned", {
        "contract_no": f"WB-{code[-5:]}", "maintainer": maintainer.org, "user_unit": cast.user.org,
        "mode": "regular", "start_date": "2000-06-01", "end_date": "2040-12-31",
    }, equipment_code=code, occurred_at="2000-06-01T00:00:00Z", event_id=new_event_id(959817600_000))


def _chunk(args: tuple[int, int, int]) -> list[bytes]:
    first, count, visits = args
    return [line for n in range(first, first + count) for line in _elevator_records(n, visits)]


def _batches(elevators: int, visits: int) -> Iterator[list[bytes]]:
    """The registry, then every elevator's records, generated on two processes, in batches of BATCH lines."""
    yield [orjson.dumps(e) for e in _cast().world.events]
    jobs = [(first, min(_CHUNK_ELEVATORS, elevators - first), visits)
            for first in range(0, elevators, _CHUNK_ELEVATORS)]
    pending: list[bytes] = []
    with multiprocessing.get_context("fork").Pool(2) as pool:
        for lines in pool.imap(_chunk, jobs):
            pending.extend(lines)
            while len(pending) >= BATCH:
                yield pending[:BATCH]
                pending = pending[BATCH:]
    if pending:
        yield pending


def build_store(path: Path, events: int, per_elevator: int) -> dict[str, Any]:
    """Append about ``events`` signed events (elevators × (3 + visits)) to a new SQLite store at ``path``."""
    elevators = max(1, events // per_elevator)
    visits = max(1, per_elevator - 3)
    started = time.perf_counter()
    appended = 0
    with Store(f"sqlite:///{path}", mode="create") as store:
        service = LedgerService(store, clock=lambda: instant_from_text("2030-01-01T00:00:00Z"),
                                signatures=SignatureChecker(processes=2))
        for outcomes in service.append_batches(_batches(elevators, visits)):
            refused = [o.error for o in outcomes if o.error is not None]
            if refused:
                raise RuntimeError(f"benchmark records were refused: {refused[:2]}")
            appended += len(outcomes)
        service.signatures.close()
    ingest_s = time.perf_counter() - started
    started = time.perf_counter()
    from projections.service import Projections

    with Store(f"sqlite:///{path}") as store:
        Projections(store).catch_up()
    return {"events": appended, "elevators": elevators, "per_elevator": visits + 3, "ingest_s": round(ingest_s, 1),
            "projections_s": round(time.perf_counter() - started, 1)}


# --- the measurement -------------------------------------------------------------------------------------------


def _regulator_token(path: Path, regulator: str) -> str:
    from api.http.services.access import AccessService
    from api.http.services.context import LedgerContext

    ctx = LedgerContext(Store(f"sqlite:///{path}"))
    try:
        return AccessService(ctx).issue_token(regulator, "regulator", "bench").token
    finally:
        ctx.close()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(path: Path, port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "api.cli", "serve", "--store", f"sqlite:///{path}", "--port", str(port),
               "--projection-follow", "0", "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not start")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def _raw_select(path: Path, codes: list[str]) -> list[float]:
    """Seconds per select of one elevator's index rows joined with its stored records (plain sqlite3)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    query = ("SELECT i.position, i.leaf, i.event_id, i.stream_kind, i.stream_key, i.seq, i.type, i.org, "
             "i.occurred_at, i.hash, e.state FROM ledger_index i JOIN stored_events e ON e.rowid = i.position "
             "WHERE i.stream_key = ? ORDER BY i.seq")
    timings = []
    try:
        for code in codes:
            t0 = time.perf_counter()
            rows = conn.execute(query, (code,)).fetchall()
            timings.append(time.perf_counter() - t0)
            assert rows
    finally:
        conn.close()
    return timings


def _dossiers(url: str, token: str, codes: list[str]) -> tuple[list[float], int]:
    timings, size = [], 0
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        for code in codes:
            t0 = time.perf_counter()
            r = client.get(f"/v1/elevators/{code}/dossier")
            timings.append(time.perf_counter() - t0)
            if r.status_code != 200:
                raise RuntimeError(f"dossier {code}: HTTP {r.status_code} {r.text[:200]}")
            size = len(r.content)
    return timings, size


def measure(path: Path, elevators: list[str], regulator: str, requests: int) -> list[Figure]:
    """Dossier latency for randomly chosen ``elevators`` of the store at ``path``, as the ``regulator``."""
    rng = random.Random(SEED)
    warm = [rng.choice(elevators) for _ in range(min(200, requests))]
    codes = [rng.choice(elevators) for _ in range(requests)]
    token = _regulator_token(path, regulator)
    port = _free_port()
    server = _serve(path, port)
    try:
        _dossiers(f"http://127.0.0.1:{port}", token, warm)
        _raw_select(path, warm)
        http, body = _dossiers(f"http://127.0.0.1:{port}", token, codes)
        raw = _raw_select(path, codes)
    finally:
        server.terminate()
        server.wait(timeout=10)
    p99, raw_p99 = _percentile(http, 0.99) * 1000, _percentile(raw, 0.99) * 1000
    details = {"requests": requests, "dossier_p50_ms": round(statistics.median(http) * 1000, 3),
               "raw_p50_ms": round(statistics.median(raw) * 1000, 3), "dossier_bytes": body}
    ratio = p99 / raw_p99
    return [
        Figure("A1", "dossier GET p99 over HTTP", round(p99, 3), "ms", None, "", None, "≤ 20 ms", p99 <= 20, details),
        Figure("A1r", "dossier GET p99 / raw SQL select of the elevator's rows p99", round(p99, 3), "ms",
               round(raw_p99, 3), "raw select p99 (ms)", round(ratio, 2), "≤ 5×", ratio <= 5, details),
    ]


def run(events: int = 1_000_000, per_elevator: int = 500, requests: int = 2000,
        keep: Path | None = None) -> list[Figure]:
    directory = keep or Path(tempfile.mkdtemp(prefix="ll-bench-api-"))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"api-{events}-{per_elevator}.sqlite"
    built: dict[str, Any] = {"reused": True}
    if not path.exists():
        building = path.with_suffix(".building")
        for stale in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
            stale.unlink(missing_ok=True)
        built = build_store(building, events, per_elevator)
        building.rename(path)
    elevators = max(1, events // per_elevator)
    figures = measure(path, [code_of(n) for n in range(elevators)], _cast().world.regulator.org, requests)
    for figure in figures:
        figure.details.update(store=built, store_events=events)
    if keep is None:
        for leftover in directory.iterdir():
            leftover.unlink()
        directory.rmdir()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000, help="store size in events (default 1,000,000)")
    parser.add_argument("--per-elevator", type=int, default=500, help="events per elevator (default 500)")
    parser.add_argument("--requests", type=int, default=2000, help="measured dossier requests (default 2000)")
    parser.add_argument("--keep", type=Path, default=None, help="keep (and reuse) the store in this directory")
    args = parser.parse_args()
    for figure in run(args.events, args.per_elevator, args.requests, args.keep):
        print(orjson.dumps(figure.to_dict()).decode())


if __name__ == "__main__":
    main()
