"""``make bench``: every benchmark in one run, reported as ratios to a peer or a physical limit.

    python -m benchmarks.run [--scale full|quick] [--only P1,P5,...]

Writes benchmarks/results/report.md, report.json and cost-vs-size.png (per-event ingest cost against ledger
size). The large ledgers are built once and cached under benchmarks/results/cache/ (benchmarks/bigstore.py); the
first full run builds them and stays within about 15 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from benchmarks import (
    bench_audit,
    bench_console,
    bench_ingest,
    bench_kafka,
    bench_projections,
    bench_scale,
    bench_transparency,
)
from benchmarks.bench_api import measure as measure_dossiers
from benchmarks.bigstore import ensure_big_store
from benchmarks.common import Figure, elevator_codes, workload_regulator

__all__ = ["main"]

RESULTS = Path(__file__).parent / "results"
SCALES: dict[str, dict[str, Any]] = {
    "full": {"ingest": (500, 20), "verify": 100_000, "append_leaves": 200_000, "big": 1_000_000,
             "sizes": (10_000, 100_000, 1_000_000), "projections": (200, 365), "kafka": (300, 1), "requests": 2000,
             "console": (500, 2, 30)},
    "quick": {"ingest": (150, 10), "verify": 10_000, "append_leaves": 50_000, "big": 100_000,
              "sizes": (10_000, 100_000), "projections": (60, 120), "kafka": (60, 1), "requests": 300,
              "console": (120, 1, 15)},
}


def _renamed(figures: list[Figure], names: dict[str, str]) -> list[Figure]:
    for figure in figures:
        if figure.id in names:
            figure.details["measured_as"] = figure.id
            figure.id = names[figure.id]
    return figures


def _dossier_latency(scale: dict[str, Any]) -> list[Figure]:
    """P5 on the cached large ledger: its views caught up, then dossiers over HTTP against raw selects."""
    from ledger.store import Store
    from projections.service import Projections

    path = ensure_big_store(scale["big"])
    with Store(f"sqlite:///{path}") as store:
        Projections(store).catch_up()
    codes = elevator_codes(max(100, scale["big"] // 100))
    figures = measure_dossiers(path, codes, workload_regulator(), scale["requests"])
    for figure in figures:
        figure.details["store_events"] = scale["big"]
    return _renamed(figures, {"A1": "P5", "A1r": "P5r"})


def _suites(scale: dict[str, Any]) -> list[tuple[str, Callable[[], list[Figure]]]]:
    return [
        ("ingest", lambda: bench_ingest.run(*scale["ingest"])),
        ("transparency", lambda: bench_transparency.run(scale["verify"], scale["append_leaves"], scale["big"])),
        ("scale", lambda: bench_scale.run(scale["sizes"])),
        ("audit", lambda: bench_audit.run(scale["big"])),
        ("api", lambda: _dossier_latency(scale)),
        ("projections", lambda: _renamed(bench_projections.run(*scale["projections"]), {"PJ1": "P6", "PJ2": "P6b"})),
        ("kafka", lambda: _renamed(bench_kafka.run(*scale["kafka"]), {"K1": "P7", "K2": "P7b"})),
        ("console", lambda: bench_console.run(*scale["console"])),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--only", default="", help="comma-separated suites: " + ", ".join(n for n, _ in _suites({})))
    args = parser.parse_args(argv)
    wanted = {name for name in args.only.split(",") if name}
    figures: list[Figure] = []
    timings: dict[str, float] = {}
    for name, suite in _suites(SCALES[args.scale]):
        if wanted and name not in wanted:
            continue
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        try:
            produced = suite()
        except Exception:  # a broken suite is reported, and the others still run
            produced = [Figure(name, f"{name} suite failed", float("nan"), "",
                               details={"error": traceback.format_exc()})]
        timings[name] = time.perf_counter() - started
        for figure in produced:
            print(f"   {figure.id}: {_value(figure)}  ratio {_ratio(figure)}  target {figure.target}  "
                  f"{_verdict(figure)}", flush=True)
        figures.extend(produced)
    _write_reports(figures, timings, args.scale)
    print(f"report: {RESULTS / 'report.md'}")
    return 0


def _write_reports(figures: list[Figure], timings: dict[str, float], scale: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    environment = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version, "cpus": os.cpu_count(), "machine": platform.machine(), "scale": scale,
        "command": " ".join(["python -m benchmarks.run", *sys.argv[1:]]),
    }
    (RESULTS / "report.json").write_bytes(orjson.dumps(
        {"environment": environment, "suite_seconds": timings, "figures": [f.to_dict() for f in figures]},
        option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY))
    (RESULTS / "report.md").write_text(_markdown(figures, timings, environment), encoding="utf-8")
    scale_figure = next((f for f in figures if f.id == "P8"), None)
    if scale_figure is not None:
        _chart(scale_figure, RESULTS / "cost-vs-size.png")


def _markdown(figures: list[Figure], timings: dict[str, float], environment: dict[str, Any]) -> str:
    lines = [
        "# LiftLedger benchmarks", "",
        " · ".join(f"{k}: {v}" for k, v in environment.items()), "",
        "| id | what | value | peer / limit | ratio | target | |", "|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        peer = f"{f.peer:,.3g} ({f.peer_label})" if f.peer is not None else ""
        lines.append(f"| {f.id} | {f.title} | {_value(f)} | {peer} | {_ratio(f)} | {f.target} | {_verdict(f)} |")
    lines += ["", "Suite times: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()), "", "## Details", ""]
    for f in figures:
        lines.append(f"- **{f.id}** `{orjson.dumps(f.details, option=orjson.OPT_NON_STR_KEYS).decode()[:600]}`")
    if any(f.id == "P8" for f in figures):
        lines += ["", "![per-event ingest cost against ledger size](cost-vs-size.png)"]
    return "\n".join(lines) + "\n"


def _chart(figure: Figure, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    costs = figure.details["cost_us_by_size"]
    sizes = [int(size) for size in costs]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(sizes, [costs[str(s)] for s in sizes], marker="o", label="signed ingest, warm (µs/event)")
    cold = figure.details.get("cold_load_us_per_elevator", {})
    if cold:
        ax.plot(sizes, [cold[str(s)] / 100 for s in sizes], marker="s", linestyle="--",
                label="cold stream load ÷ 100 (µs/elevator)")
    ax.set_xscale("log")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("events already in the ledger")
    ax.set_ylabel("µs")
    ax.set_title(f"Per-event cost against ledger size (spread {figure.ratio:.2f}×, target ≤ 1.25×)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _value(f: Figure) -> str:
    return f"{f.value:,.3g} {f.unit}".strip()


def _ratio(f: Figure) -> str:
    return "" if f.ratio is None else f"{f.ratio:.2f}"


def _verdict(f: Figure) -> str:
    return {True: "✓", False: "✗ missed", None: ""}[f.passed]


if __name__ == "__main__":
    sys.exit(main())
