"""Injected fraud (docs/DOMAIN.md (f)) beyond fabricated visits (which live in maintenance.py): repair-fund claims
with no fault behind them, non-OEM parts, and bypassed safety circuits. Every case is valid to the ledger — fraud
is not a signature or schema problem — and is written to the ground truth with the signals it leaves.

Decisions use the unit's ``fraud_rng``, so changing a fraud rate does not reshuffle the honest city.
"""

from __future__ import annotations

from typing import Any

from ledger.core.identifiers import format_instant
from producers.simulator import enforcement, maintenance
from producers.simulator.context import Sim
from producers.simulator.tables import PART_PRICE_YUAN
from producers.simulator.timeline import DAY, YEAR
from producers.simulator.unit import Unit

__all__ = ["start", "start_bypass", "substitute"]

_FUND_PARTS = {"traction_machine": "traction", "controller": "control", "door_operator": "door", "brake": "brake",
               "ropes": "traction"}


def start(sim: Sim, unit: Unit) -> None:
    """Repair-fund fraud is a Poisson process of its own, for units that have a 专项维修资金."""
    if unit.repair_fund and sim.fraud.repair_fund > 0:
        sim.schedule(sim.now + unit.fraud_rng.expovariate(sim.fraud.repair_fund) * YEAR, unit, _repair_fund_claim)


def _repair_fund_claim(sim: Sim, unit: Unit) -> None:
    """无故障报故障套取大修基金: a replacement or repair billed to the fund with no fault or finding behind it."""
    start(sim, unit)
    contract = maintenance.contract_on(unit, sim.now)
    if contract is None or not unit.in_service:
        return
    rng = unit.fraud_rng
    recent = {subsystem for when, subsystem, _ in unit.recent_faults if sim.now - when < 90 * DAY}
    kinds = [kind for kind, subsystem in _FUND_PARTS.items() if subsystem not in recent]
    if not kinds:
        return
    kind = rng.choice(kinds)
    _, high = PART_PRICE_YUAN[kind]
    payload: dict[str, Any] = {
        "kind": kind, "serial": unit.number(kind[:2].upper()),
        "old_serial": f"{kind[:2].upper()}-X{rng.randint(10**6, 10**7)}",  # never associated with the unit
        "maker": unit.maker.name, "maker_org": unit.maker.org, "funding": "maintenance_fund",
        "fund_request_ref": unit.number("ZXWX"), "amount_fen": int(high * rng.uniform(1.5, 3.0)) * 100}
    record = sim.emit(unit, contract.crew.org.as_("maintainer"), "ComponentReplaced", payload,
                      persons=contract.crew.on_call())
    case = sim.truth.fraud_case("repair_fund", equipment_code=unit.code, org=contract.crew.org.org,
                                event_ids=[record["event_id"]], kind=kind, at=format_instant(sim.now),
                                signals=["no_prior_fault", "unknown_old_serial", "amount_out_of_band"])
    if rng.random() < 0.3:
        sim.schedule(sim.now + rng.randint(30, 90) * DAY, unit, _replace_again, kind, case)


def _replace_again(sim: Sim, unit: Unit, kind: str, case: dict[str, Any]) -> None:
    """The same component "replaced" again within months."""
    contract = maintenance.contract_on(unit, sim.now)
    if contract is None or not unit.in_service:
        return
    serial, _ = unit.components.get(kind, (case["event_ids"][0], 0))
    _, high = PART_PRICE_YUAN[kind]
    record = sim.emit(unit, contract.crew.org.as_("maintainer"), "ComponentReplaced", {
        "kind": kind, "serial": unit.number(kind[:2].upper()), "old_serial": serial, "maker": unit.maker.name,
        "maker_org": unit.maker.org, "funding": "maintenance_fund", "fund_request_ref": unit.number("ZXWX"),
        "amount_fen": int(high * unit.fraud_rng.uniform(1.5, 3.0)) * 100,
    }, persons=contract.crew.on_call())
    case["event_ids"].append(record["event_id"])
    case["signals"].append("repeated_replacement")


def substitute(payload: dict[str, Any], kind: str) -> None:
    """以次充好: a part from a maker that is not the OEM, without the type-test certificate a safety part needs."""
    payload["maker"] = "宏达机电配件经营部"
    payload.pop("maker_org", None)
    payload.pop("type_test_cert", None)


def start_bypass(sim: Sim, unit: Unit) -> None:
    """短接安全回路: some monitored units get their door-lock circuit bypassed at a random moment in the window."""
    if sim.fraud.bypass <= 0 or unit.fraud_rng.random() >= sim.fraud.bypass:
        return
    begin = max(sim.now, sim.window_start)
    sim.schedule(begin + unit.fraud_rng.random() * (sim.end - begin) * 0.7, unit, _bypass_begins)


def _bypass_begins(sim: Sim, unit: Unit) -> None:
    contract = maintenance.contract_on(unit, sim.now)
    unit.bypass_case = sim.truth.fraud_case(
        "bypass", equipment_code=unit.code, org=contract.crew.org.org if contract else None,
        since=format_instant(sim.now), event_ids=[],
        signals=["repeated_safety_circuit_faults_without_repair", "door_open_movement",
                 "a_1_09_pass_while_anomalous"])
    _bypass_anomaly(sim, unit)


def _bypass_anomaly(sim: Sim, unit: Unit) -> None:
    """Code 1 every few weeks, and now and then the car moving with a door open (5/106/107); never repaired."""
    rng = unit.fraud_rng
    if unit.in_service and unit.terminal is not None and unit.bypass_case is not None:
        code = 1 if rng.random() < 0.6 else rng.choice((5, 106, 107))
        fault = sim.emit_iot(unit, code, floor=rng.randint(1, unit.floors), door_zone=0, service_mode=1,
                             passengers=int(rng.random() < 0.5))
        unit.bypass_case["event_ids"].append(fault["event_id"])
        if len(unit.bypass_case["event_ids"]) == 6 and rng.random() < sim.rates.penalty_bypass and \
                unit.bypass_case.get("org"):
            sim.schedule(sim.now + rng.randint(20, 60) * DAY, unit, enforcement.penalty, unit.bypass_case["org"],
                         "88", "bypass_safety_circuit", "短接电梯安全回路", (30_000, 100_000), unit.bypass_case)
    sim.schedule(sim.now + rng.randint(10, 30) * DAY, unit, _bypass_anomaly)
