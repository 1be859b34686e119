"""P8: per-event cost of signed ingest as the ledger grows — 10k, 100k and 1M events (flat within 1.25×).

    python -m benchmarks.bench_scale [--sizes 10000,100000,1000000] [--append 10000]

Each size's cached ledger (benchmarks/bigstore.py) is copied, then the next fortnightly visits of its elevators
are appended through the full path — parse, verify on one core, authorize, rules, chain, Merkle, SQLite — and the
cost per event is compared across sizes.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import orjson

from benchmarks.bigstore import ensure_big_store
from benchmarks.common import Figure, build_workload, timed
from benchmarks.run_support import copy_store
from ledger.service import LedgerService
from ledger.signatures import SignatureChecker
from ledger.store import Store
from ledger.submission import StreamKey

__all__ = ["run"]


def cost_at(size: int, appended: int, tmp: Path) -> tuple[float, float]:
    """(µs per appended event, µs per elevator to load its stream cold) for a ledger of ``size`` events.

    The appends are timed with the aggregate cache warm — a running ingest service's steady state; loading every
    elevator's stream first is timed separately (what a restart costs).
    """
    source = ensure_big_store(size)
    elevators = max(100, size // 100)
    existing_visits = -(-size // elevators)
    workload = build_workload(elevators, max(1, appended // elevators), visit_offset=existing_visits)
    copy = copy_store(source, tmp / f"scale-{size}.sqlite")
    with Store(f"sqlite:///{copy}", cache_size=elevators + 1000) as store:
        service = LedgerService(store, signatures=SignatureChecker())
        service.refresh_registry()
        load = timed(lambda: [store.load(StreamKey("elevator", code)) for code in workload.elevators])
        batches = [workload.records[i:i + 2000] for i in range(0, len(workload.records), 2000)]

        def append() -> None:
            for batch in batches:
                if any(o.error for o in service.append_lines(batch)):
                    raise RuntimeError("scale benchmark records were refused")

        seconds = timed(append)
    copy.unlink()
    return seconds / len(workload.records) * 1e6, load / len(workload.elevators) * 1e6


def run(sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000), appended: int = 10_000) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="ll-bench-scale-") as tmp:
        measured = {size: cost_at(size, appended, Path(tmp)) for size in sizes}
    costs = {size: cost for size, (cost, _) in measured.items()}
    spread = max(costs.values()) / min(costs.values())
    return [Figure("P8", "per-event signed ingest cost across ledger sizes (largest / smallest)", costs[max(sizes)],
                   "µs/event", costs[min(sizes)], f"µs/event at {min(sizes):,} events", spread, "≤ 1.25",
                   spread <= 1.25, {"cost_us_by_size": {str(k): round(v, 1) for k, v in costs.items()},
                                    "cold_load_us_per_elevator": {str(k): round(v) for k, (_, v) in measured.items()},
                                    "appended": appended})]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--append", type=int, default=10_000)
    args = parser.parse_args()
    for figure in run(tuple(int(s) for s in args.sizes.split(",")), args.append):
        print(orjson.dumps(figure.to_dict()).decode())


if __name__ == "__main__":
    main()
