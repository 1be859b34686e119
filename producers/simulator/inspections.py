"""Inspections on the TSG T7001-2023 schedule, with applications, first-pass failures, hazards, rectification and
复检 — and GB/T 42615 risk assessments of old units.

Schedule [S4]: from 2024-04-02 (TSG T7001-2023 in force) a unit up to 15 years old has a 定期检验 in its years 1,
4, 7, 9, 11, 13 and 15 and a 自行检测 (TSG T7008-2023) in the other years; older units a 定期检验 every year. Before
that date every unit had a yearly 定期检验. The user unit applies 30-45 days before the due date (5% late [E]);
8-15% of first visits fail [E]: each failed item becomes a hazard, the maintainer rectifies it, and a 复检 follows.
An inspector never issues 合格 while a blocking hazard is open (隐患整改未完成的，不得出具合格报告) — the simulator
fails the visit instead, just as the ledger would refuse the report.
"""

from __future__ import annotations

from typing import Any

from producers.simulator import enforcement, hazards, lifecycle
from producers.simulator.context import Sim
from producers.simulator.timeline import DAY, YEAR, day_from_text, day_text, local_instant
from producers.simulator.unit import Unit

__all__ = ["NEW_RULES_FROM", "assess", "backfill_pass", "inspection_kind", "start"]

NEW_RULES_FROM = day_from_text("2024-04-02")
_PERIODIC_YEARS = frozenset({1, 4, 7, 9, 11, 13, 15})
# TSG T7001 items that typically fail a first visit, with the subsystem they concern [K].
_FAILED_ITEMS = ("2.8", "3.5", "3.13", "4.2", "5.4", "6.1", "6.3", "8.6", "8.9")


def inspection_kind(unit: Unit, due_day: int) -> str:
    if due_day < NEW_RULES_FROM:
        return "periodic"
    age = round((local_instant(due_day) - unit.installed_at) / YEAR)
    return "periodic" if age > 15 or age in _PERIODIC_YEARS else "self_test"


def start(sim: Sim, unit: Unit, due_day: int) -> None:
    sim.schedule(local_instant(due_day - 45, 10), unit, _cycle, due_day)
    if unit.age_years(sim.window_start) > 15 and sim.chance(unit, sim.rates.risk_assessment_compliance):
        sim.schedule(sim.window_start + unit.rng.random() * 3 * YEAR, unit, assess)


def backfill_pass(sim: Sim, unit: Unit, due_day: int) -> None:
    """The last 定期检验 before the window (a unit brought onto the ledger arrives with its valid report)."""
    body = sim.city.inspection
    sim.emit(unit, body.as_("inspection_body"), "PeriodicInspected", {
        "report_no": unit.number("DJ"), "conclusion": "pass", "next_due_date": day_text(due_day)},
        persons=body.persons("inspector", 2, offset=unit.index))


def _cycle(sim: Sim, unit: Unit, due_day: int) -> None:
    """45 days before the due date: plan the application and the visit."""
    kind = inspection_kind(unit, due_day)
    if sim.chance(unit, sim.rates.late_application):
        applied = local_instant(due_day - unit.rng.randint(5, 29), 10)
        sim.truth.violation("late_inspection_application", equipment_code=unit.code, due_date=day_text(due_day))
        if sim.chance(unit, sim.rates.penalty_late_application):
            sim.schedule(applied + unit.rng.randint(30, 90) * DAY, unit, enforcement.penalty, unit.user_unit.org,
                         "83", "overdue_inspection", "未按规定在检验有效期届满前一个月提出定期检验申请",
                         (10_000, 30_000), None)
    else:
        applied = sim.now + unit.rng.randint(0, 15) * DAY
    sim.schedule(applied, unit, _apply, due_day, kind)
    visit = max(applied + DAY, local_instant(due_day - unit.rng.randint(0, 20), 9 + unit.rng.random() * 6))
    sim.schedule(visit, unit, _inspect, due_day, kind, 0)


def _apply(sim: Sim, unit: Unit, due_day: int, kind: str) -> None:
    body = _body(sim, unit, kind)
    sim.emit(unit, unit.user_unit.as_("user_unit"), "InspectionApplied",
             {"kind": kind, "due_date": day_text(due_day), "inspection_body": body.org})


def _body(sim: Sim, unit: Unit, kind: str) -> Any:
    return sim.city.inspection if kind == "periodic" else sim.city.testers[unit.index % len(sim.city.testers)]


def _inspect(sim: Sim, unit: Unit, due_day: int, kind: str, attempt: int) -> None:
    if not unit.in_service:
        sim.schedule(sim.now + 7 * DAY, unit, _inspect, due_day, kind, attempt)  # after the stop
        return
    body = _body(sim, unit, kind)
    event_type = "PeriodicInspected" if kind == "periodic" else "SelfTested"
    persons = body.persons("inspector", 2, offset=unit.index + attempt)
    blocking = [h for h in unit.hazards.values() if h.blocks_pass]
    fail_rate = (sim.rates.periodic_fail if kind == "periodic" else sim.rates.self_test_fail) if attempt == 0 \
        else (1 - sim.rates.reinspection_pass if attempt == 1 else 0.0)
    payload: dict[str, Any] = {"report_no": unit.number("DJ" if kind == "periodic" else "ZX")}
    if attempt:
        payload["is_reinspection"] = True
    if not blocking and not sim.chance(unit, fail_rate):
        payload |= {"conclusion": "pass", "next_due_date": day_text(due_day + 365)}
        sim.emit(unit, body.as_("inspection_body"), event_type, payload, persons=persons)
        sim.schedule(local_instant(due_day + 365 - 45, 10), unit, _cycle, due_day + 365)
        return
    items = sorted(unit.rng.sample(_FAILED_ITEMS, unit.rng.randint(1, 3))) if not blocking else ["8.1"]
    report = sim.emit(unit, body.as_("inspection_body"), event_type,
                      payload | {"conclusion": "fail", "items_failed": items}, persons=persons)
    source = "inspection" if kind == "periodic" else "self_test"
    found = [] if blocking else [
        hazards.found_hazard(sim, unit, body.as_("inspection_body"), source, unit.rng.random() < 0.15,
                               persons=persons, inspection_ref=report["event_id"], rectify_days=(5, 20))
        for _ in items]
    ready = max(h.rectify_at for h in (*blocking, *found))
    sim.schedule(ready + unit.rng.randint(2, 8) * DAY, unit, _inspect, due_day, kind, attempt + 1)


def assess(sim: Sim, unit: Unit, grade: int | None = None) -> None:
    """GB/T 42615 安全评估 (grades as in Beijing 2020 [S21]); a unit graded 4 is often replaced."""
    if not unit.registered:
        return
    rng = unit.rng
    grade = grade or rng.choices((2, 3, 4), (0.66, 0.26, 0.08))[0]
    conclusion = {2: "continue", 3: "repair", 4: rng.choice(("replace", "replace", "modify"))}[grade]
    assessor = sim.city.assessor
    sim.emit(unit, assessor.as_("assessment_body"), "RiskAssessed", {
        "report_no": unit.number("PG"), "score": {2: rng.randint(70, 85), 3: rng.randint(55, 69),
                                                  4: rng.randint(30, 54)}[grade],
        "grade": grade, "conclusion": conclusion, "measures": _MEASURES[conclusion]},
        persons=assessor.persons("assessor", 1, offset=unit.index))
    if conclusion == "replace" and rng.random() < 0.6:
        sim.schedule(sim.now + rng.randint(60, 240) * DAY, unit, lifecycle.decommission)
    elif conclusion == "modify":
        sim.schedule(sim.now + rng.randint(30, 120) * DAY, unit, lifecycle.start_change, "modification")
    sim.schedule(sim.now + 3 * YEAR, unit, assess)


_MEASURES = {"continue": ["继续使用, 加强日常维护保养"], "repair": ["更换磨损部件", "缩短维保周期"],
             "replace": ["整梯更新"], "modify": ["实施改造"]}
