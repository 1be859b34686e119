"""P8: per-event cost of signed ingest as the ledger grows — 10k, 100k and 1M events (flat within 1.25×).

    python -m benchmarks.bench_scale [--sizes 10000,100000,1000000] [--append 10000]

Each size's cached ledger (benchmarks/bigstore.py) is copied, then the same records — the next fortnightly visits
of 100 elevators — are appended through the full path (parse, verify on one core, authorize, rules, chain,
Merkle, SQLite) and the cost per event is compared across sizes. Beside it (P8s), the same number of records
spread over every elevator of the largest ledger: what a batch's spread costs, as opposed to the ledger's size.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import orjson

from benchmarks.bigstore import ensure_big_store
from benchmarks.common import Figure, build_workload, timed
from benchmarks.run_support import copy_store
from ledger.core.submission import StreamKey
from ledger.store import Store
from ledger.write.service import LedgerService
from ledger.write.signatures import SignatureChecker

__all__ = ["run"]


# Every size gets the same appended work: the next visits of this many elevators (a 10,000-event ledger has 100).
TOUCHED = 100


def cost_at(size: int, appended: int, tmp: Path, touched: int = TOUCHED) -> tuple[float, float]:
    """(µs per appended event, µs per elevator to load its stream cold) for a ledger of ``size`` events.

    The same records are appended at every size — the next fortnightly visits of ``touched`` of its elevators —
    so that only the ledger's size changes. The appends are timed with the aggregate cache warm — a running
    ingest service's steady state; loading the elevators' streams first is timed separately (what a restart
    costs).
    """
    source = ensure_big_store(size)
    existing_visits = -(-size // max(100, size // 100))
    workload = build_workload(touched, max(1, appended // touched), visit_offset=existing_visits)
    copy = copy_store(source, tmp / f"scale-{size}.sqlite")
    with Store(f"sqlite:///{copy}", cache_size=touched + 1000) as store:
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
    largest = max(sizes)
    with tempfile.TemporaryDirectory(prefix="ll-bench-scale-") as tmp:
        measured = {size: cost_at(size, appended, Path(tmp)) for size in sizes}
        # Beside it, what the ledger's size does not explain: the same number of records spread over every
        # elevator of the largest ledger, one visit each — each batch then dirties a page per elevator.
        spread_over = max(TOUCHED, largest // 100)
        spread_cost, _ = cost_at(largest, appended, Path(tmp), touched=spread_over)
    costs = {size: cost for size, (cost, _) in measured.items()}
    ratio = max(costs.values()) / min(costs.values())
    size_figure = Figure(
        "P8", f"per-event signed ingest cost across ledger sizes, same {appended:,} records appended (largest / "
        "smallest)", costs[largest], "µs/event", costs[min(sizes)], f"µs/event at {min(sizes):,} events", ratio,
        "≤ 1.25", ratio <= 1.25,
        {"cost_us_by_size": {str(k): round(v, 1) for k, v in costs.items()}, "elevators_touched": TOUCHED,
         "cold_load_us_per_elevator": {str(k): round(v) for k, (_, v) in measured.items()}, "appended": appended})
    spread_figure = Figure(
        "P8s", f"the same records spread over {spread_over:,} elevators instead of {TOUCHED} "
        f"({largest:,}-event ledger)", spread_cost, "µs/event", costs[largest], f"µs/event over {TOUCHED} elevators",
        spread_cost / costs[largest], "(batch spread, not size)", None,
        {"elevators_touched": spread_over, "appended": appended})
    return [size_figure, spread_figure]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--append", type=int, default=10_000)
    args = parser.parse_args()
    for figure in run(tuple(int(s) for s in args.sizes.split(",")), args.append):
        print(orjson.dumps(figure.to_dict()).decode())


if __name__ == "__main__":
    main()
