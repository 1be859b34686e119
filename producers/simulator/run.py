"""Running a simulation into a sink: a JSON-lines file or a publisher, with progress reports.

Kept apart from the engine so the engine stays a pure generator of records.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import BinaryIO

from producers.publish.kafka import KafkaPublisher
from producers.simulator.config import CityConfig
from producers.simulator.engine import Simulation
from producers.simulator.truth import GroundTruth
from producers.world import ExistingRegulator

__all__ = ["Progress", "simulate_to_file", "simulate_to_kafka", "truth_path_for"]

# progress(simulated instant, records so far, first instant, last instant)
Progress = Callable[[int, int, int, int], None]
_REPORT_EVERY = 5000


def truth_path_for(out: str | Path) -> Path:
    """``city.jsonl`` → ``city.truth.json``: the ground truth sits beside the events."""
    path = Path(out)
    return path.with_name(path.name.removesuffix(".jsonl") + ".truth.json")


def simulate_to_file(config: CityConfig, out: str | Path | BinaryIO, *, progress: Progress | None = None,
                     buffer_records: int = 2000, regulator: ExistingRegulator | None = None) -> GroundTruth:
    """Write every record as one JSON line; returns the ground truth (the caller decides where it goes).
    With ``regulator`` the city's registry is signed for an existing ledger (producers.world.ExistingRegulator)."""
    simulation = Simulation(config, regulator=regulator)
    with ExitStack() as opened:  # a file named here is closed here; a handle given stays the caller's
        handle = opened.enter_context(open(out, "wb")) if isinstance(out, str | Path) else out
        chunk: list[bytes] = []
        for count, record in enumerate(simulation.records(), start=1):
            chunk.append(record.value)
            if len(chunk) >= buffer_records:
                handle.write(b"\n".join(chunk) + b"\n")
                chunk = []
            if progress is not None and count % _REPORT_EVERY == 0:
                progress(simulation.now, count, simulation.start, simulation.end)
        if chunk:
            handle.write(b"\n".join(chunk) + b"\n")
    if progress is not None:
        progress(simulation.end, simulation.truth.records, simulation.start, simulation.end)
    return simulation.truth


def simulate_to_kafka(config: CityConfig, publisher: KafkaPublisher, *, progress: Progress | None = None,
                      regulator: ExistingRegulator | None = None) -> GroundTruth:
    """Publish every record along its route (registry broadcast, elevators keyed by 设备代码), then flush."""
    simulation = Simulation(config, regulator=regulator)
    for count, record in enumerate(simulation.records(), start=1):
        publisher.send_routed(record.value, record.route)
        if progress is not None and count % _REPORT_EVERY == 0:
            progress(simulation.now, count, simulation.start, simulation.end)
    publisher.flush()
    if progress is not None:
        progress(simulation.end, simulation.truth.records, simulation.start, simulation.end)
    return simulation.truth
