"""The console's tables against the views they are built from, on a simulated city.

    python -m benchmarks.bench_console [--elevators 500] [--years 2] [--requests 30]

A city is simulated and loaded (replay clock), the views caught up. Then, in the same run:

- C1: ``/alerts`` — the regulator's table, filtered by district and status, sorted, one page rendered — against
  the projections' own answer it is built from (``Projections.alerts`` at the same instant). The page adds the
  elevator directory join, the filters, the sort, the page and the template. Target: median ≤ 3× the peer.
- C2: the same table exported whole as Excel against ``csv.writer`` writing the same alerts' fields (the least any
  export does). Target: median ≤ 10× the peer (an .xlsx is a zip of XML).

Prints one JSON Figure per line.
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from benchmarks.common import Figure

__all__ = ["run"]


def _median_ms(action: Callable[[], object], times: int) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def run(elevators: int = 500, years: int = 2, requests: int = 30) -> list[Figure]:
    from fastapi.testclient import TestClient

    from api.http.app import create_app
    from api.http.services import Services
    from api.http.settings import Settings
    from ledger.core.errors import LedgerError
    from ledger.core.submission import parse_line
    from ledger.store import Store
    from ledger.write.service import LedgerService
    from producers.simulator.config import CityConfig
    from producers.simulator.run import simulate_to_file
    from projections.service import Projections

    folder = Path(tempfile.mkdtemp(prefix="bench-console-"))
    config = CityConfig(elevators=elevators, years=years, seed=5)
    simulate_to_file(config, folder / "city.jsonl")
    url = f"sqlite:///{folder}/city.sqlite"
    with Store(url, mode="create") as store:
        service = LedgerService(store, replay_clock=True)
        batch: list[object] = []
        for line in (folder / "city.jsonl").read_bytes().splitlines():
            try:
                batch.append(parse_line(line))
            except LedgerError as e:
                batch.append(e)
        for start in range(0, len(batch), 2000):
            service.append(batch[start:start + 2000])  # type: ignore[arg-type]
        Projections(store).catch_up()
    services = Services.open(Settings(store=url))
    regulator = next(org for org, found in services.ctx.registry().orgs.items() if "regulator" in found.roles)
    token = services.access.issue_token(regulator, "regulator", "bench").token
    client = TestClient(create_app(services=services))
    client.cookies.set("ll_token", token)
    as_of = services.console.as_of(None)
    projections = services.analytics.current()
    district = services.console.elevators(services.access.authenticate(token), as_of)[0]["district"]
    page = f"/alerts?status=open&district={district}&sort=opened_at&dir=desc&size=50"
    client.get(page)  # warm the directory cache, the templates and the first chart font lookups
    alerts = projections.alerts(at=as_of.at)

    table_ms = _median_ms(lambda: client.get(page), requests)
    peer_ms = _median_ms(lambda: projections.alerts(at=as_of.at), requests)

    def plain_csv() -> bytes:
        out = io.StringIO()
        writer = csv.writer(out)
        for a in projections.alerts(at=as_of.at):
            writer.writerow((a["equipment_code"], a["label"], a["severity"], a["opened_at"], a["closed_at"]))
        return out.getvalue().encode()

    export_ms = _median_ms(lambda: client.get("/alerts?format=xlsx"), max(5, requests // 5))
    plain_ms = _median_ms(plain_csv, max(5, requests // 5))
    services.close()
    details = {"elevators": elevators, "years": years, "alerts": len(alerts), "requests": requests}
    ratio1, ratio2 = table_ms / peer_ms, export_ms / plain_ms
    return [
        Figure("C1", "console table (filtered, sorted, one page rendered) vs the view's answer", round(table_ms, 2),
               "ms (median)", round(peer_ms, 2), "Projections.alerts (ms)", round(ratio1, 2), "≤ 3×", ratio1 <= 3,
               details),
        Figure("C2", "Excel export of the whole table vs csv.writer of the same alerts", round(export_ms, 2),
               "ms (median)", round(plain_ms, 2), "plain CSV (ms)", round(ratio2, 2), "≤ 10×", ratio2 <= 10,
               details),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--elevators", type=int, default=500)
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args(argv)
    for figure in run(args.elevators, args.years, args.requests):
        sys.stdout.write(orjson.dumps(figure.to_dict()).decode() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
