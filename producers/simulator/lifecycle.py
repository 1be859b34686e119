"""An elevator's life from the factory to the scrap yard: manufacture, installation, registration, the IoT
terminal, going into service, suspension, changes of user unit, 改造 and 重大修理, and decommissioning.

Units installed before the window are brought onto the ledger with their founding records at their historic dates
(manufacture, installation, 监督检验, 使用登记), the contract and policy in force and their last inspection; their
day-to-day records start with the window. Units installed inside the window live their whole life in it.
"""

from __future__ import annotations

from ledger.core.identifiers import format_instant
from ledger.core.schema.lifecycle import MAJOR_COMPONENTS, SAFETY_COMPONENTS
from producers.client import Producer
from producers.iot import Terminal
from producers.simulator import hazards, incidents, inspections, insurance, maintenance, monitoring
from producers.simulator.context import Sim
from producers.simulator.timeline import DAY, HOUR, day_of, day_text, local_instant
from producers.simulator.unit import Unit, terminal_id

__all__ = ["begin", "decommission", "reactivate", "start_change", "suspend", "user_unit_change"]

_LOADS = (630, 800, 1000, 1050, 1350, 1600)
_SPEEDS = (1000, 1500, 1750, 2000, 2500)


def begin(sim: Sim, unit: Unit) -> None:
    """Schedule the unit's life: it enters the ledger at its manufacture."""
    sim.schedule(unit.made_at, unit, _manufacture)


def _manufacture(sim: Sim, unit: Unit) -> None:
    maker = unit.maker.as_("manufacturer")
    escalator = unit.escalator
    sim.emit(unit, maker, "Manufactured", {
        "model": f"{unit.maker.maker_code}-{unit.variety}-{unit.floors:02d}", "factory_serial": f"F{unit.code[9:]}",
        "certificate_no": f"HG{unit.code[9:13]}-{unit.code[4:9]}-{unit.code[13:]}",
        "rated_load_kg": 4500 if escalator else unit.rng.choice(_LOADS),
        "rated_speed_mm_s": 500 if escalator else unit.rng.choice(_SPEEDS), "floors": unit.floors,
        "stops": unit.floors, "doors": 1 if escalator else unit.floors, "design_life_years": unit.design_life,
        "safety_components": [{"kind": kind, "serial": f"{kind[:2].upper()}{unit.code[9:]}",
                               "type_test_cert": f"TX-{kind[:2].upper()}-{unit.code[4:9]}"}
                              for kind in ("safety_gear", "governor")],
    })
    warranty_day = day_of(sim.now) + 2 * 365
    for kind in sorted(MAJOR_COMPONENTS):
        serial = f"{kind[:2].upper()}-{unit.code[9:]}-1"
        unit.components[kind] = (serial, warranty_day)
        payload = {"kind": kind, "serial": serial, "maker": unit.maker.name, "maker_org": unit.maker.org,
                   "warranty_until": day_text(warranty_day)}
        if kind in SAFETY_COMPONENTS:
            payload["type_test_cert"] = f"TX-{kind[:2].upper()}-{unit.code[4:9]}"
        sim.emit(unit, maker, "ComponentAssociated", payload)
    sim.emit(unit, maker, "WarrantyIssued", {"scope": "whole_unit", "warranty_until": day_text(warranty_day),
                                             "basis": "standard"})
    notify = max(sim.now + DAY, unit.installed_at - unit.rng.randint(20, 40) * DAY)
    sim.schedule(notify, unit, _notify_installation)


def _installer(sim: Sim, unit: Unit) -> tuple[Producer, str]:
    return unit.maker.as_("installer"), sim.city.world.licence_no(unit.maker, "installation")


def _notify_installation(sim: Sim, unit: Unit) -> None:
    installer, licence = _installer(sim, unit)
    sim.emit(unit, installer, "InstallationNotified", {
        "notice_no": unit.number("SG"), "licence_no": licence, "planned_start": day_text(day_of(sim.now) + 10)})
    sim.schedule(max(unit.installed_at, sim.now + DAY), unit, _installed)


def _installed(sim: Sim, unit: Unit) -> None:
    installer, licence = _installer(sim, unit)
    sim.emit(unit, installer, "Installed", {"licence_no": licence, "self_inspection_report_no": unit.number("ZJ"),
                                            "address": unit.address, "district": unit.district.name})
    sim.schedule(sim.now + unit.rng.randint(3, 10) * DAY, unit, _supervisory_inspection)


def _supervisory_inspection(sim: Sim, unit: Unit) -> None:
    body = sim.city.inspection
    due = day_of(sim.now) + 365
    sim.emit(unit, body.as_("inspection_body"), "SupervisoryInspected", {
        "report_no": unit.number("JJ"), "conclusion": "pass", "trigger": "installation",
        "next_due_date": day_text(due),
    }, persons=body.persons("inspector", 2, offset=unit.index))
    registration = sim.now + unit.rng.randint(5, 25) * DAY
    if registration >= sim.window_start:  # a new unit's first contract starts with its registration
        maintenance.sign_first_contract(sim, unit, day_of(registration), sign_at=registration - 2 * DAY)
    sim.schedule(registration, unit, _register, due)


def _register(sim: Sim, unit: Unit, due_day: int) -> None:
    sim.emit(unit, sim.regulator, "Registered", {
        "registration_no": f"梯31沪{'ABCDEFGH'[unit.index % 8]}{unit.index + 1:05d}({unit.code[11:13]})",
        "user_unit": unit.user_unit.org, "site_category": unit.site_category, "district": unit.district.name,
        "address": unit.address, "area": unit.district.area, "repair_fund": unit.repair_fund,
        "rescue_code": f"{310000 + unit.index:06d}"[-6:],
    })
    unit.registered = True
    if sim.now >= sim.window_start:
        if unit.iot:
            sim.schedule(sim.now + HOUR, unit, _fit_terminal)
        _into_service(sim, unit, due_day)
    else:
        _onboard(sim, unit)


def _onboard(sim: Sim, unit: Unit) -> None:
    """A unit already in service when the window opens: its contract, policy, terminal and last inspection."""
    start = sim.window_start
    insurance.start(sim, unit)
    contract_day = max(day_of(sim.now) + 1, day_of(start) - unit.rng.randint(0, 730))
    maintenance.sign_first_contract(sim, unit, contract_day,
                                    sign_at=max(sim.now + HOUR, local_instant(contract_day - 3, 10)))
    if unit.iot:
        sim.schedule(max(sim.now + DAY, start - unit.rng.randint(1, 1000) * DAY), unit, _fit_terminal)
    anniversary = day_of(unit.installed_at) + 365 * int((start - unit.installed_at) / (365.25 * DAY))
    due = anniversary if anniversary >= day_of(start) else anniversary + 365
    last_inspection = local_instant(due - 365 - unit.rng.randint(1, 20), 10)
    if last_inspection > sim.now + 2 * DAY:
        sim.schedule(last_inspection, unit, inspections.backfill_pass, due)
    sim.schedule(start - unit.rng.randint(1, 5) * DAY, unit, _into_service, due)


def _into_service(sim: Sim, unit: Unit, due_day: int) -> None:
    """Start the day-to-day processes: visits, incidents, inspections (and insurance for a new unit)."""
    unit.service_from = max(sim.now, sim.window_start)
    maintenance.start(sim, unit)
    inspections.start(sim, unit, due_day)
    if sim.now >= sim.window_start:
        insurance.start(sim, unit)
    incidents.start(sim, unit)


def _fit_terminal(sim: Sim, unit: Unit) -> None:
    """Register the terminal (device + its own key), recorded by the regulator on the user unit's behalf."""
    world, owner, device = sim.city.world, unit.user_unit, terminal_id(unit)
    key = world.key(f"device:{device}")
    sim.emit(unit, sim.regulator, "DeviceRegistered",
             {"org": owner.org, "terminal_id": device, "equipment_code": unit.code}, elevator=False)
    sim.emit(unit, sim.regulator, "KeyAdded", {
        "org": owner.org, "key_id": key.key_id, "public_key": key.public.base64,
        "valid_from": format_instant(sim.now), "device": device}, elevator=False)
    unit.terminal_from = max(sim.now, sim.window_start)
    unit.terminal = Terminal(device, unit.code, Producer(owner.org, "iot_terminal", key, device=device))
    sim.adapter.add(unit.terminal)
    monitoring.start_terminal(sim, unit)


# --- use status ----------------------------------------------------------------------------------------------


def suspend(sim: Sim, unit: Unit, days: int, reason: str, *, reactivate_after: bool = True) -> None:
    """停用 by the user unit; back in service after ``days`` unless something else will reactivate it."""
    sim.emit(unit, unit.user_unit.as_("user_unit"), "Suspended",
             {"reason": reason, "planned_until": day_text(day_of(sim.now) + days)})
    unit.suspended = True
    if reactivate_after:
        sim.schedule(sim.now + days * DAY, unit, reactivate)


def reactivate(sim: Sim, unit: Unit, inspection_ref: str | None = None) -> None:
    if not (unit.suspended or unit.change_pending):
        return
    payload: dict[str, object] = {"self_check_done": True}
    if inspection_ref:
        payload["inspection_ref"] = inspection_ref
    sim.emit(unit, unit.user_unit.as_("user_unit"), "Reactivated", payload)
    unit.suspended = unit.change_pending = False


def user_unit_change(sim: Sim, unit: Unit) -> None:
    candidates = [org for org in sim.city.user_units[unit.district.name] if org.org != unit.user_unit.org]
    if not candidates:
        return
    new = unit.rng.choice(candidates)
    sim.emit(unit, sim.regulator, "UserUnitChanged", {
        "old_user_unit": unit.user_unit.org, "new_user_unit": new.org, "change_registration_no": unit.number("BG")})
    unit.user_unit = new


# --- 改造 and 重大修理 -------------------------------------------------------------------------------------------


def start_change(sim: Sim, unit: Unit, kind: str) -> None:
    """Stop the unit, do the work, 监督检验, 变更登记, then return it to service."""
    if not unit.in_service or unit.contract is None:
        return
    suspend(sim, unit, unit.rng.randint(25, 60), "改造" if kind == "modification" else "重大修理",
            reactivate_after=False)  # the change inspection reactivates it
    sim.schedule(sim.now + unit.rng.randint(5, 15) * DAY, unit, _do_change, kind)


def _do_change(sim: Sim, unit: Unit, kind: str) -> None:
    if kind == "modification":
        installer = unit.maker.as_("installer")
        licence = sim.city.world.licence_no(unit.maker, "modification")
        sim.emit(unit, installer, "Modified", {"licence_no": licence, "scope": "更换控制系统和曳引机, 加装能量回馈",
                                               "parts": [{"kind": "controller"}, {"kind": "traction_machine"}]})
    else:
        contract = maintenance.contract_on(unit, sim.now)
        if contract is None:
            unit.suspended = False
            return
        crew = contract.crew
        payload: dict[str, object] = {"licence_no": sim.city.world.licence_no(crew.org, "repair"),
                                      "scope": "更换曳引钢丝绳和制动器",
                                      "parts": [{"kind": "ropes"}, {"kind": "brake"}]}
        if unit.repair_fund:
            payload |= {"fund_request_ref": unit.number("ZXWX"), "amount_fen": unit.rng.randint(8, 20) * 1_000_000}
        sim.emit(unit, crew.org.as_("maintainer"), "MajorRepair", payload, persons=crew.on_call())
    unit.change_pending = True
    sim.schedule(sim.now + unit.rng.randint(4, 12) * DAY, unit, _change_inspection, kind)


def _change_inspection(sim: Sim, unit: Unit, kind: str) -> None:
    hazards.rectify_blocking(sim, unit)
    body = sim.city.inspection
    report = sim.emit(unit, body.as_("inspection_body"), "SupervisoryInspected", {
        "report_no": unit.number("JJ"), "conclusion": "pass", "trigger": kind,
        "next_due_date": day_text(day_of(sim.now) + 365),
    }, persons=body.persons("inspector", 2, offset=unit.index))
    sim.schedule(sim.now + unit.rng.randint(1, 5) * DAY, unit, _change_registration, report["event_id"])


def _change_registration(sim: Sim, unit: Unit, inspection_ref: str) -> None:
    sim.emit(unit, sim.regulator, "Registered", {
        "registration_no": f"梯31沪{'ABCDEFGH'[unit.index % 8]}{unit.index + 1:05d}({unit.code[11:13]})B",
        "user_unit": unit.user_unit.org, "site_category": unit.site_category, "district": unit.district.name,
        "address": unit.address, "area": unit.district.area, "repair_fund": unit.repair_fund, "change": True,
    })
    sim.schedule(sim.now + unit.rng.randint(1, 3) * DAY, unit, reactivate, inspection_ref)


# --- the end -------------------------------------------------------------------------------------------------


def decommission(sim: Sim, unit: Unit) -> None:
    """报废: the user unit ends the contract, scraps the unit and surrenders its certificate."""
    if not unit.registered:
        return
    contract = maintenance.contract_on(unit, sim.now)
    if contract is not None:
        sim.emit(unit, unit.user_unit.as_("user_unit"), "MaintenanceContractTerminated", {
            "contract_no": contract.contract_no, "effective_date": day_text(day_of(sim.now) + 1),
            "reason": "电梯报废"})
    sim.emit(unit, unit.user_unit.as_("user_unit"), "Decommissioned", {
        "reason": "使用年限届满, 安全评估结论为更新", "scrap_certificate_no": unit.number("BF"),
        "certificate_surrendered": True})
    unit.decommissioned = True
    unit.retired_at = sim.now
    maintenance.release_slot(unit)
