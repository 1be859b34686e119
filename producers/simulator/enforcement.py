"""Administrative penalties (特种设备安全法), recorded by the regulator on the elevator's stream."""

from __future__ import annotations

from typing import Any

from producers.simulator.context import Sim, archival
from producers.simulator.timeline import year_of
from producers.simulator.unit import Unit

__all__ = ["penalty"]


@archival
def penalty(sim: Sim, unit: Unit, party: str, article: str, category: str, violation: str,
            amount_yuan: tuple[int, int], case: dict[str, Any] | None) -> None:
    """A fine on ``party`` under ``article``; ``case`` (a ground-truth entry) learns the penalty's event id."""
    year = year_of(sim.now)
    record = sim.emit(unit, sim.regulator, "PenaltyImposed", {
        "decision_no": f"沪市监特罚〔{year}〕{unit.number('CF')}号", "party": party, "law_article": article,
        "category": category, "violation": violation,
        "amount_fen": unit.rng.randint(*amount_yuan) // 100 * 100 * 100})
    if case is not None:
        case["penalty_event_id"] = record["event_id"]
