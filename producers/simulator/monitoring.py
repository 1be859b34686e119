"""The terminal's monthly run statistics (运行次数, 运行时间, 开关门次数) — and, for a few units, a bypassed safety
circuit that starts at some moment of the window (fraud.start_bypass)."""

from __future__ import annotations

from ledger.core.identifiers import format_instant
from producers.simulator import fraud
from producers.simulator.context import Sim
from producers.simulator.timeline import DAY, day_of, local_instant, month_start, next_month
from producers.simulator.unit import Unit

__all__ = ["start_terminal"]


def start_terminal(sim: Sim, unit: Unit) -> None:
    """Monthly run statistics from the terminal, and the bypass (短接) fraud decision."""
    since = max(sim.now, sim.window_start)
    sim.schedule(local_instant(next_month(day_of(since)), 0.2), unit, _run_statistics, since)
    fraud.start_bypass(sim, unit)


def _run_statistics(sim: Sim, unit: Unit, since: int) -> None:
    """The month just ended (or its part since ``since``): runs, running seconds, door cycles."""
    start = max(since, local_instant(month_start(day_of(sim.now) - 1), 0))
    per_day = {"residential": (200, 800), "commercial": (500, 1500), "public": (800, 2500)}[unit.site_category]
    runs = 0 if not unit.in_service else int(unit.rng.randint(*per_day) * (sim.now - start) / DAY)
    sim.emit_iot(unit, kind="statistics", period_start=format_instant(start), period_end=format_instant(sim.now),
                 run_count=runs, run_seconds=runs * unit.rng.randint(18, 35),
                 door_cycles=int(runs * unit.rng.uniform(1.05, 1.2)))
    sim.schedule(local_instant(next_month(day_of(sim.now)), 0.2), unit, _run_statistics, sim.now)
