"""Faults and what follows them: GB/T 24476 faults reported by terminals (through the IoT adapter) and by the
96333 platform, repairs, and component replacements (honest, or with a non-OEM part at the substitution rate).

IoT-detected faults run at 2-6 per unit-year, ×1.75 past 15 years, −32% under 按需维保 [S11][S3][E]; every safety
fault (codes 1, 4, 5, 8, 101, 102) is repaired within hours, other faults at the repair rate [E].
"""

from __future__ import annotations

from typing import Any

from ledger.core.gbt24476 import FAULT_CODES, SAFETY_FAULT_CODES
from ledger.core.identifiers import format_instant
from ledger.core.schema.lifecycle import SAFETY_COMPONENTS
from producers.simulator import fraud, insurance, maintenance
from producers.simulator.context import Sim
from producers.simulator.tables import (
    ELEVATOR_FAULTS,
    ESCALATOR_FAULTS,
    FAULT_LABELS,
    PART_FOR,
    PART_PRICE_YUAN,
    WEAR_SUBSYSTEM,
)
from producers.simulator.timeline import DAY, HOUR, day_of, day_text
from producers.simulator.unit import Unit

__all__ = ["component_replacement", "iot_fault", "note_fault", "platform_fault", "repair", "replace_component"]

def iot_fault(sim: Sim, unit: Unit) -> None:
    table = ESCALATOR_FAULTS if unit.escalator else ELEVATOR_FAULTS
    code = unit.rng.choices(list(table), list(table.values()))[0]
    fault = sim.emit_iot(unit, code, floor=unit.rng.randint(1, unit.floors), door_zone=int(code in (2, 3, 103)),
                         service_mode=1, passengers=int(unit.rng.random() < 0.3))
    subsystem = FAULT_CODES[code].subsystem
    note_fault(unit, sim.now, subsystem, fault["event_id"])
    if code in SAFETY_FAULT_CODES or sim.chance(unit, sim.rates.fault_repaired):
        delay = unit.rng.uniform(0.5, 6 if code in SAFETY_FAULT_CODES else 24) * HOUR
        replace = sim.chance(unit, sim.rates.fault_replacement)
        sim.schedule(sim.now + delay, unit, repair, fault["event_id"], subsystem, replace)
    policy = unit.policies.get("elderly_comprehensive")
    if policy is not None and sim.chance(unit, sim.rates.parts_claim_per_fault):
        sim.schedule(sim.now + unit.rng.randint(3, 20) * DAY, unit, insurance.file_claim, "elderly_comprehensive",
                     [fault["event_id"]], "parts", (2_000, 30_000))


def note_fault(unit: Unit, instant: int, subsystem: str, event_id: str) -> None:
    unit.recent_faults.append((instant, subsystem, event_id))
    del unit.recent_faults[:-20]


def repair(sim: Sim, unit: Unit, fault_id: str, subsystem: str, replace: bool) -> None:
    contract = maintenance.contract_on(unit, sim.now)
    if contract is None or unit.decommissioned:
        return
    kind = PART_FOR.get(subsystem)
    if replace and kind is not None:
        replace_component(sim, unit, kind, [fault_id])
        return
    sim.emit(unit, contract.crew.org.as_("maintainer"), "Repaired", {
        "subsystem": subsystem, "description": f"{FAULT_LABELS.get(subsystem, '故障')}处理, 恢复运行",
        "fault_refs": [fault_id]}, persons=contract.crew.on_call())


def replace_component(sim: Sim, unit: Unit, kind: str, fault_refs: list[str]) -> None:
    """An honest replacement — or, at the substitution rate, a non-OEM part (以次充好)."""
    contract = maintenance.contract_on(unit, sim.now)
    if contract is None:
        return
    day = day_of(sim.now)
    old_serial, warranty_end = unit.components.get(kind, (f"{kind[:2].upper()}-{unit.code[9:]}-0", 0))
    serial = unit.number(kind[:2].upper())
    low, high = PART_PRICE_YUAN[kind]
    payload: dict[str, Any] = {"kind": kind, "serial": serial, "old_serial": old_serial, "maker": unit.maker.name,
                               "maker_org": unit.maker.org, "warranty_until": day_text(day + 365)}
    if kind in SAFETY_COMPONENTS:
        payload["type_test_cert"] = f"TX-{kind[:2].upper()}-{unit.code[4:9]}"
    if day <= warranty_end:
        payload["funding"] = "warranty"
    else:
        payload |= {"funding": "maintenance_fund" if unit.repair_fund and high >= 10_000 else "owner",
                    "amount_fen": unit.rng.randint(low, high) * 100}
        if payload["funding"] == "maintenance_fund":
            payload["fund_request_ref"] = unit.number("ZXWX")
    if fault_refs:
        payload["fault_refs"] = fault_refs
    substituted = sim.fraud_chance(sim.fraud.part_substitution, unit.fraud_rng)
    if substituted:
        fraud.substitute(payload, kind)
    record = sim.emit(unit, contract.crew.org.as_("maintainer"), "ComponentReplaced", payload,
                      persons=contract.crew.on_call())
    unit.components[kind] = (serial, day + 365)
    if substituted:
        signals = ["non_oem_maker"] + (["no_type_test_cert"] if kind in SAFETY_COMPONENTS else [])
        sim.truth.fraud_case("part_substitution", equipment_code=unit.code, org=contract.crew.org.org,
                             event_ids=[record["event_id"]], signals=signals, kind=kind, at=format_instant(sim.now))


def component_replacement(sim: Sim, unit: Unit) -> None:
    """A part wears out: the next visit whose items cover it records it as failed, and it is replaced within days
    (maintenance.note_wear) — an honest replacement with no fault has a maintenance finding behind it."""
    kind = unit.rng.choice(list(WEAR_SUBSYSTEM))
    if kind not in unit.worn:
        unit.worn.append(kind)


def platform_fault(sim: Sim, unit: Unit) -> None:
    code = unit.rng.choice((61, 65) if unit.escalator else (2, 3, 4, 7))
    fault = sim.emit(unit, sim.city.platform.as_("platform_96333"), "FaultReported", {
        "source": "96333", "code": code, "floor": unit.rng.randint(1, unit.floors), "passengers_present": False})
    subsystem = FAULT_CODES[code].subsystem
    note_fault(unit, sim.now, subsystem, fault["event_id"])
    sim.schedule(sim.now + unit.rng.uniform(1, 24) * HOUR, unit, repair, fault["event_id"], subsystem, False)
