"""Maintenance (TSG T5002-2017): contracts, the 14-day visit rota with the right tiers, countersignatures — and
fabricated visits (虚假维保) at the rates of the maintainer's credit grade.

A maintainer's teams visit on fixed slots (a day of a 14-day rota, morning or afternoon), so honest records never
put one worker in two places. Tiers follow the cumulative schedule: 季度 every 84+ days, 半年 every 168+, 年度 every
350+, 半月 otherwise. 按需维保 contracts visit every 28 days (declared interval 30) with an annual full visit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledger.core.identifiers import format_instant
from ledger.core.maintenance_items import ITEMS, TESTED_ITEMS, items_for_tier
from producers.simulator import enforcement, faults, insurance
from producers.simulator.city import CYCLE_DAYS, Crew
from producers.simulator.context import Sim
from producers.simulator.tables import WEAR_SUBSYSTEM
from producers.simulator.timeline import DAY, HOUR, MINUTE, day_of, day_text, local_instant
from producers.simulator.unit import Contract, Unit, terminal_id

__all__ = ["contract_on", "release_slot", "sign_first_contract", "start", "switch_maintainer"]

_MINUTES = {"half_month": (30, 60), "quarterly": (60, 90), "half_year": (90, 150), "annual": (180, 300),
            "on_demand": (45, 90)}  # two workers [E]
_SLOT_END_HOUR = (12.0, 18.0)  # a morning visit ends by noon, an afternoon one by 18:00
_EXTRA_ON_DEMAND = tuple(code for code in ITEMS if not code.startswith("A-1-"))


def contract_on(unit: Unit, instant: int) -> Contract | None:
    """The contract binding on the local day of ``instant`` (the ledger's rule: start ≤ day ≤ last day)."""
    day = day_of(instant)
    for contract in (unit.contract, unit.next_contract):
        if contract is not None and contract.start_day <= day <= contract.end_day:
            return contract
    return None


# --- contracts ---------------------------------------------------------------------------------------------


def sign_first_contract(sim: Sim, unit: Unit, start_day: int, *, sign_at: int) -> None:
    crew = sim.city.crews[unit.crew_index]
    unit.contract = _new_contract(sim, unit, crew, start_day)
    sim.schedule(sign_at, unit, _sign, unit.contract)


def _new_contract(sim: Sim, unit: Unit, crew: Crew, start_day: int) -> Contract:
    years = unit.rng.randint(1, 3)
    on_demand = unit.on_demand and unit.iot and crew.grade in ("A", "B")
    return Contract(unit.number("WB"), crew, start_day, start_day + 365 * years - 1, unit.user_unit.org,
                    "on_demand" if on_demand else "regular")


def _sign(sim: Sim, unit: Unit, contract: Contract) -> None:
    payload: dict[str, object] = {
        "contract_no": contract.contract_no, "maintainer": contract.crew.org.org, "user_unit": contract.user_unit,
        "mode": contract.mode, "start_date": day_text(contract.start_day), "end_date": day_text(contract.end_day)}
    if contract.mode == "on_demand":
        payload |= {"on_demand_interval_days": 30, "iot_terminal_id": terminal_id(unit)}
    sim.emit(unit, contract.crew.org.as_("maintainer"), "MaintenanceContractSigned", payload)
    sim.schedule(local_instant(contract.end_day - 25, 10), unit, _renew, contract)


def _renew(sim: Sim, unit: Unit, contract: Contract) -> None:
    """Near the end of a contract: renew with the same maintainer, or change maintainer (half of the changes)."""
    if unit.contract is not contract or unit.next_contract is not None:
        return
    crew = contract.crew
    if sim.chance(unit, sim.rates.contract_switch / 2):
        crew = _other_crew(sim, unit, crew)
    following = _new_contract(sim, unit, crew, contract.end_day + 1)  # with whoever is the user unit now
    unit.next_contract = following
    _sign(sim, unit, following)
    sim.schedule(local_instant(following.start_day, 0) + MINUTE, unit, _takeover, following)


def switch_maintainer(sim: Sim, unit: Unit) -> None:
    """A mid-term change: the user unit terminates, another maintainer signs from the effective date."""
    contract = unit.contract
    if contract is None or unit.next_contract is not None or not unit.registered:
        return
    effective = day_of(sim.now) + unit.rng.randint(15, 30)
    if effective > contract.end_day - 30:
        return
    sim.emit(unit, unit.user_unit.as_("user_unit"), "MaintenanceContractTerminated", {
        "contract_no": contract.contract_no, "effective_date": day_text(effective), "reason": "使用单位更换维保单位"})
    contract.end_day = effective - 1
    following = _new_contract(sim, unit, _other_crew(sim, unit, contract.crew), effective)
    unit.next_contract = following
    sim.schedule(sim.now + unit.rng.randint(1, 5) * DAY, unit, _sign, following)
    sim.schedule(local_instant(effective, 0) + MINUTE, unit, _takeover, following)


def _other_crew(sim: Sim, unit: Unit, current: Crew) -> Crew:
    crews, weights = sim.city.crews, sim.city.crew_weights
    for _ in range(8):
        crew = unit.rng.choices(crews, weights)[0]
        if crew is not current:
            return crew
    return current


def _takeover(sim: Sim, unit: Unit, contract: Contract) -> None:
    previous = unit.contract
    unit.contract, unit.next_contract = contract, None
    if previous is not None and previous.crew is not contract.crew and unit.slot is not None:
        near = unit.slot.day_offset
        previous.crew.release(unit.slot, unit.index)
        unit.slot = contract.crew.allocate(unit.index, near, unit.rng)
        unit.visit_generation += 1
        _schedule_visit(sim, unit, day_of(sim.now))
        insurance.maintainer_changed(sim, unit)


def release_slot(unit: Unit) -> None:
    if unit.slot is not None and unit.contract is not None:
        unit.contract.crew.release(unit.slot, unit.index)
        unit.slot = None


# --- visits ------------------------------------------------------------------------------------------------


def start(sim: Sim, unit: Unit) -> None:
    """Give the unit a slot in its maintainer's rota and start visiting from the window (or its contract)."""
    contract = unit.contract
    if contract is None:
        return
    unit.slot = contract.crew.allocate(unit.index, None, unit.rng)
    today = max(day_of(sim.now), day_of(sim.window_start), contract.start_day)
    unit.last_tier_day = _phase(unit, today)
    _schedule_visit(sim, unit, today)


def _schedule_visit(sim: Sim, unit: Unit, from_day: int) -> None:
    slot = unit.slot
    if slot is None:
        return
    day = from_day + (slot.day_offset - from_day) % CYCLE_DAYS
    contract = contract_on(unit, local_instant(day, 12))
    if contract is not None and contract.mode == "on_demand" and (day // CYCLE_DAYS) % 2 != unit.index % 2:
        day += CYCLE_DAYS
    hour = (8.5 if slot.half == 0 else 13.0) + unit.rng.random() * 0.5
    sim.schedule(local_instant(day, hour), unit, _visit_start, unit.visit_generation)


@dataclass
class _Visit:
    contract: Contract
    tier: str
    started: int
    workers: list[dict[str, str]]
    checkin: dict[str, int]
    ended: int = 0
    signals: list[str] = field(default_factory=list)


def _visit_start(sim: Sim, unit: Unit, generation: int) -> None:
    if generation != unit.visit_generation:
        return
    _schedule_visit(sim, unit, day_of(sim.now) + 1)
    contract = contract_on(unit, sim.now)
    if contract is None or not unit.in_service or unit.slot is None:
        return
    visit = _Visit(contract, _tier(unit, day_of(sim.now), contract.mode), sim.now,
                   contract.crew.workers(unit.slot), _near(unit, 30))
    low, high = _MINUTES[visit.tier]
    minutes = unit.rng.randint(low, high)
    rate = sim.fraud.false_maintenance.get(contract.crew.grade, 0.0)
    if sim.fraud_chance(rate, unit.fraud_rng):
        minutes = _fabricate(sim, unit, visit, minutes)
    elif unit.terminal is not None:
        sim.emit_iot(unit, 43, service_mode=2, floor=1)  # the terminal sees 检修 mode: someone is there
    end_limit = local_instant(day_of(visit.started), _SLOT_END_HOUR[unit.slot.half])
    visit.ended = max(visit.started + 5 * MINUTE, min(visit.started + minutes * MINUTE, end_limit))
    sim.schedule(max(visit.ended, sim.now + 5 * MINUTE), unit, _visit_end, visit)


def _fabricate(sim: Sim, unit: Unit, visit: _Visit, minutes: int) -> int:
    """A record of a visit nobody made: no 检修 on the terminal, and at least one more tell-tale sign.

    Returns the minutes the record will claim.
    """
    rng = unit.fraud_rng
    if unit.terminal is not None:
        visit.signals.append("no_iot_inspection_mode")
    extras = [s for s, p in (("short_duration", 0.5), ("off_site_checkin", 0.3), ("worker_overlap", 0.3))
              if rng.random() < p]
    neighbour = visit.contract.crew.neighbour(unit.slot) if unit.slot is not None else None
    if "worker_overlap" in extras and (neighbour is None or unit.slot is None):
        extras.remove("worker_overlap")
    if not extras and unit.terminal is None:
        extras = [rng.choice(("short_duration", "off_site_checkin"))]
    if "off_site_checkin" in extras:
        visit.checkin = _near(unit, rng.randint(5_000, 15_000))
    if "worker_overlap" in extras and unit.slot is not None:
        other_half = 13.0 if unit.slot.half == 0 else 8.5  # while the team was at the neighbouring unit
        visit.started = local_instant(day_of(sim.now), other_half) + rng.randint(5, 40) * MINUTE
    visit.signals.extend(extras)
    return rng.randint(6, 15) if "short_duration" in extras else minutes


def _visit_end(sim: Sim, unit: Unit, visit: _Visit) -> None:
    contract = visit.contract
    results = _results(unit, visit.tier)
    note_wear(sim, unit, results["results"])
    record = sim.emit(unit, contract.crew.org.as_("maintainer"), "MaintenancePerformed", {
        "contract_no": contract.contract_no, "tier": visit.tier, "started_at": format_instant(visit.started),
        "ended_at": format_instant(visit.ended), **results, "checkin": visit.checkin,
    }, persons=visit.workers)
    if visit.signals:
        case = sim.truth.fraud_case("false_maintenance", equipment_code=unit.code, org=contract.crew.org.org,
                                    grade=contract.crew.grade, event_ids=[record["event_id"]],
                                    signals=list(visit.signals), at=format_instant(sim.now))
        if sim.fraud_chance(sim.rates.penalty_false_maintenance, unit.fraud_rng):
            sim.schedule(sim.now + unit.fraud_rng.randint(30, 120) * DAY, unit, enforcement.penalty,
                         contract.crew.org.org, "88", "false_maintenance", "伪造维保记录", (20_000, 80_000), case)
    _plan_countersign(sim, unit, record["event_id"])


def note_wear(sim: Sim, unit: Unit, results: dict[str, str]) -> None:
    """Worn parts this visit's items cover are recorded as failed and replaced 1-10 days later."""
    for kind in list(unit.worn):
        item = next((i for i in results if ITEMS[i].subsystem == WEAR_SUBSYSTEM[kind]), None)
        if item is not None:
            results[item] = "fail"
            unit.worn.remove(kind)
            sim.schedule(sim.now + unit.rng.randint(1, 10) * DAY, unit, faults.replace_component, kind, [])


def _plan_countersign(sim: Sim, unit: Unit, maintenance_id: str) -> None:
    roll = unit.rng.random()
    if roll < sim.rates.countersigned:
        sim.schedule(sim.now + unit.rng.randint(1, 7 * 24) * HOUR, unit, _countersign, maintenance_id)
    elif roll < sim.rates.countersigned + sim.rates.countersigned_late:
        sim.schedule(sim.now + unit.rng.randint(8, 20) * DAY, unit, _countersign, maintenance_id)


def _countersign(sim: Sim, unit: Unit, maintenance_id: str) -> None:
    user = unit.user_unit
    sim.emit(unit, user.as_("user_unit"), "MaintenanceCountersigned", {"maintenance_ref": maintenance_id},
             persons=user.persons("safety_manager", 1, offset=unit.index))


def _tier(unit: Unit, day: int, mode: str) -> str:
    """年度 every 350 days; 半年 half way between; 季度 half way again; 半月 otherwise — a higher tier is not
    done within four weeks of the next higher one, which covers its items anyway."""
    last = unit.last_tier_day
    since_annual, since_half = day - last["annual"], day - last["half_year"]
    if since_annual >= 350:
        last.update(annual=day, half_year=day, quarterly=day)
        return "annual"
    if mode == "on_demand":
        return "on_demand"
    if since_half >= 168 and since_annual < 322:
        last.update(half_year=day, quarterly=day)
        return "half_year"
    if day - last["quarterly"] >= 84 and since_annual < 322 and since_half < 140:
        last["quarterly"] = day
        return "quarterly"
    return "half_month"


def _phase(unit: Unit, today: int) -> dict[str, int]:
    """Where in its yearly cycle of tiers the unit is when the window opens (a random phase)."""
    annual = today - unit.rng.randint(0, 349)
    done = [annual + offset for offset in (0, 84, 168, 252) if annual + offset <= today]
    half = annual + 168 if annual + 168 <= today else annual
    return {"annual": annual, "half_year": half, "quarterly": done[-1]}


def _results(unit: Unit, tier: str) -> dict[str, Any]:
    """The visit's ``results``, ``measurements`` and (in an annual visit) ``tested`` payload fields."""
    rng = unit.rng
    items = list(items_for_tier("half_month")) + rng.sample(_EXTRA_ON_DEMAND, 8) if tier == "on_demand" \
        else list(items_for_tier(tier))
    results = dict.fromkeys(items, "pass")
    if rng.random() < 0.3:
        for item in rng.sample(items, rng.randint(1, 2)):
            results[item] = "adjusted"
    out: dict[str, Any] = {"results": results, "measurements": {
        "A-1-05": {"value": f"0.{rng.randint(2, 7)}", "unit": "mm"},
        "A-1-28": {"value": str(rng.randint(7, 12)), "unit": "mm"},
    }}
    if tier == "annual":
        out["tested"] = sorted(TESTED_ITEMS)
    return out


def _near(unit: Unit, metres: int) -> dict[str, int]:
    """A point about ``metres`` from the unit's site (1e-6 degrees ≈ 0.11 m north-south)."""
    rng = unit.fraud_rng if metres > 1000 else unit.rng
    dlat = int(metres * 9 * rng.choice((-1, 1)) * rng.uniform(0.3, 1.0))
    dlon = int(metres * 10 * rng.choice((-1, 1)) * rng.uniform(0.3, 1.0))
    return {"lat_e6": unit.lat_e6 + dlat, "lon_e6": unit.lon_e6 + dlon}
