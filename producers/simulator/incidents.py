"""What happens to an elevator between visits, as one Poisson process per unit: the total rate is the sum of the
rates in ``Rates`` (docs/DOMAIN.md (g)) that apply to the unit now, and each arrival is one kind of incident — a
fault, an entrapment, a hazard, a replacement, a complaint, a stop, a change of user unit or maintainer,
改造/重大修理, an accident, the end of its life.
"""

from __future__ import annotations

from collections.abc import Callable

from producers.simulator import faults, fraud, hazards, inspections, lifecycle, maintenance, rescue
from producers.simulator.context import Sim, archival
from producers.simulator.timeline import DAY, YEAR, day_of, day_text
from producers.simulator.unit import Unit

__all__ = ["start"]


def start(sim: Sim, unit: Unit) -> None:
    _schedule_next(sim, unit)
    fraud.start(sim, unit)


def _rates(sim: Sim, unit: Unit) -> dict[str, float]:
    r, age = sim.rates, unit.age_years(sim.now)
    contract = maintenance.contract_on(unit, sim.now)
    rates = {"platform_fault": r.entrapments * r.platform_faults_per_entrapment,
             "maintenance_hazard": r.maintenance_hazards, "regulator_hazard": r.regulator_hazards,
             "component_replacement": r.component_replacements, "complaint": r.complaints,
             "suspension": r.suspensions, "user_unit_change": r.user_unit_changes,
             "contract_switch": r.contract_switch / 2, "accident": r.accidents_per_10k / 10_000}
    if unit.terminal is not None:
        factor = (r.old_unit_fault_factor if age > 15 else 1.0) * \
            (r.on_demand_fault_factor if contract is not None and contract.mode == "on_demand" else 1.0)
        rates["iot_fault"] = unit.fault_rate * factor
    if not unit.escalator:
        rates["entrapment"] = r.entrapments
    if age > 10:
        rates["major_repair"] = r.major_repairs_old
    if age > 15:
        rates["modification"] = r.modifications_old
    if age > unit.design_life:
        rates["end_of_life"] = r.decommission_over_design_life
    return rates


def _schedule_next(sim: Sim, unit: Unit) -> None:
    total = sum(_rates(sim, unit).values())
    sim.schedule(sim.now + unit.rng.expovariate(total) * YEAR, unit, _incident)


def _incident(sim: Sim, unit: Unit) -> None:
    rates = _rates(sim, unit)
    kind = unit.rng.choices(list(rates), list(rates.values()))[0]
    if unit.in_service or kind in ("complaint", "user_unit_change"):
        _HANDLERS[kind](sim, unit)
    _schedule_next(sim, unit)


def _complaint(sim: Sim, unit: Unit) -> None:
    category = unit.rng.choice(("fault", "entrapment", "maintenance", "safety", "service"))
    number = unit.number("TS")
    sim.emit(unit, sim.city.platform.as_("platform_96333"), "ComplaintFiled", {
        "complaint_no": number, "channel": unit.rng.choice(("12345", "96333", "qr_code")), "category": category,
        "summary": "居民反映电梯运行异常"})
    sim.schedule(sim.now + unit.rng.randint(3, 20) * DAY, unit, _complaint_resolved, number)


@archival
def _complaint_resolved(sim: Sim, unit: Unit, number: str) -> None:
    substantiated = unit.rng.random() < 0.4
    sim.emit(unit, sim.regulator, "ComplaintResolved", {
        "complaint_no": number, "finding": "经核查情况属实, 已责令整改" if substantiated else "经核查电梯运行正常",
        "substantiated": substantiated, "resolved_on": day_text(day_of(sim.now))})


def _suspension(sim: Sim, unit: Unit) -> None:
    lifecycle.suspend(sim, unit, unit.rng.randint(30, 180), "加装改造施工期间停用")


def _accident(sim: Sim, unit: Unit) -> None:
    sim.emit(unit, sim.regulator, "AccidentReported", {
        "grade": "general", "deaths": unit.rng.choice((0, 1)), "injuries": unit.rng.randint(0, 2),
        "description": "乘客在轿厢内受伤"})


def _end_of_life(sim: Sim, unit: Unit) -> None:
    inspections.assess(sim, unit, grade=4)


# lifecycle and maintenance are in import cycles with this module: their functions are looked up when called.
def _user_unit_change(sim: Sim, unit: Unit) -> None:
    lifecycle.user_unit_change(sim, unit)


def _switch_maintainer(sim: Sim, unit: Unit) -> None:
    maintenance.switch_maintainer(sim, unit)


_HANDLERS: dict[str, Callable[[Sim, Unit], None]] = {
    "iot_fault": faults.iot_fault, "entrapment": rescue.entrapment, "platform_fault": faults.platform_fault,
    "maintenance_hazard": hazards.maintenance_hazard, "regulator_hazard": hazards.regulator_hazard,
    "component_replacement": faults.component_replacement, "complaint": _complaint, "suspension": _suspension,
    "user_unit_change": _user_unit_change,
    "contract_switch": _switch_maintainer,
    "major_repair": lambda sim, unit: lifecycle.start_change(sim, unit, "major_repair"),
    "modification": lambda sim, unit: lifecycle.start_change(sim, unit, "modification"),
    "accident": _accident, "end_of_life": _end_of_life,
}
