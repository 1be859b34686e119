"""Hazards (隐患) and their rectification: found by maintainers, inspectors or the regulator (a serious one from
the regulator stops the unit until it is rectified), rectified before the deadline — or late, at the late rate.
"""

from __future__ import annotations

from typing import Any

from producers.simulator import lifecycle, maintenance
from producers.simulator.context import Sim
from producers.simulator.tables import FAULT_LABELS
from producers.simulator.timeline import DAY, HOUR, day_of, day_text
from producers.simulator.unit import Hazard, Unit

__all__ = ["found_hazard", "maintenance_hazard", "rectify", "rectify_blocking", "regulator_hazard"]

_HAZARD_SUBSYSTEMS = ("door", "brake", "traction", "control", "safety_circuit", "car", "environment", "rescue")


def maintenance_hazard(sim: Sim, unit: Unit) -> None:
    contract = maintenance.contract_on(unit, sim.now)
    if contract is None:
        return
    serious = sim.chance(unit, sim.rates.serious_hazard)
    found_hazard(sim, unit, contract.crew.org.as_("maintainer"), "maintenance", serious,
                 persons=contract.crew.on_call())


def found_hazard(sim: Sim, unit: Unit, producer: Any, source: str, serious: bool, *,
                 persons: list[dict[str, str]] | None = None, inspection_ref: str | None = None,
                 stop: bool = False, rectify_days: tuple[int, int] = (3, 25)) -> Hazard:
    """Record a hazard and plan its rectification (late, past the deadline, at the late rate)."""
    rng = unit.rng
    subsystem = rng.choice(_HAZARD_SUBSYSTEMS)
    deadline = day_of(sim.now) + (10 if serious else 30)
    payload: dict[str, Any] = {"hazard_no": unit.number("YH"), "source": source,
                               "severity": "serious" if serious else "general", "subsystem": subsystem,
                               "description": f"{FAULT_LABELS.get(subsystem, subsystem)}存在隐患",
                               "deadline": day_text(deadline)}
    if stop:
        payload["stop_ordered"] = True
    if inspection_ref:
        payload["inspection_ref"] = inspection_ref
    record = sim.emit(unit, producer, "HazardFound", payload, persons=persons or ())
    late = sim.chance(unit, sim.rates.hazard_rectified_late)
    days = (deadline - day_of(sim.now)) + rng.randint(5, 30) if late else rng.randint(*rectify_days)
    hazard = Hazard(payload["hazard_no"], source, payload["severity"], subsystem, record["event_id"],
                    sim.now + days * DAY + rng.randint(1, 8) * HOUR)
    unit.hazards[hazard.hazard_no] = hazard
    sim.schedule(hazard.rectify_at, unit, rectify, hazard.hazard_no, stop)
    return hazard


def rectify(sim: Sim, unit: Unit, hazard_no: str, reactivate_after: bool = False) -> None:
    hazard = unit.hazards.pop(hazard_no, None)
    if hazard is None:
        return
    contract = maintenance.contract_on(unit, sim.now)
    producer = contract.crew.org.as_("maintainer") if contract is not None else unit.user_unit.as_("user_unit")
    sim.emit(unit, producer, "HazardRectified", {"hazard_no": hazard_no, "description": "已按要求整改完毕"})
    if reactivate_after and unit.suspended:
        sim.schedule(sim.now + DAY, unit, lifecycle.reactivate)


def regulator_hazard(sim: Sim, unit: Unit) -> None:
    serious = unit.rng.random() < 0.3
    found_hazard(sim, unit, sim.regulator, "regulator", serious, stop=serious, rectify_days=(5, 20))
    if serious:
        lifecycle.suspend(sim, unit, 30, "监督抽查责令停止使用", reactivate_after=False)




def rectify_blocking(sim: Sim, unit: Unit) -> None:
    """Rectify every hazard that would block a 合格 report, now (before a 监督检验)."""
    for hazard in [h for h in unit.hazards.values() if h.blocks_pass]:
        rectify(sim, unit, hazard.hazard_no)
