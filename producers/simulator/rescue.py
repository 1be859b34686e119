"""Entrapments and their 96333 rescue timelines: 0.066 per unit-year [S11], causes external (power) / human /
door system / equipment, arrival lognormal with median 12 min and 0.5% over 30 min, release 2.5-8 min on site;
some self-rescued, some false alarms. Late arrivals are violations and may be fined; some end in a liability claim.
"""

from __future__ import annotations

import math
from typing import Any

from ledger.core.gbt24476 import FAULT_CODES
from ledger.core.identifiers import format_instant, instant_from_text
from producers.simulator import enforcement, faults, insurance, maintenance
from producers.simulator.context import Sim
from producers.simulator.timeline import DAY, HOUR, MINUTE, day_of, day_text
from producers.simulator.unit import Unit

__all__ = ["entrapment"]


def entrapment(sim: Sim, unit: Unit) -> None:
    r, rng = sim.rates, unit.rng
    cause = rng.choices(list(r.entrapment_causes), list(r.entrapment_causes.values()))[0]
    fault_id = None
    if unit.terminal is not None and cause in ("equipment", "door_system"):
        code = rng.choice((103, 104)) if cause == "equipment" else rng.choice((2, 3, 103))
        fault = sim.emit_iot(unit, code, floor=rng.randint(1, unit.floors), door_zone=int(code != 104),
                             service_mode=1, passengers=1)
        fault_id = fault["event_id"]
        faults.note_fault(unit, sim.now, FAULT_CODES[code].subsystem, fault_id)
    elif unit.terminal is not None and cause == "external":
        sim.emit_iot(unit, 41, service_mode=0, floor=rng.randint(1, unit.floors))
    ticket = _timeline(sim, unit, cause)
    if fault_id:
        ticket["fault_ref"] = fault_id
    closed = instant_from_text(ticket["closed_at"])
    sim.schedule(closed, unit, _rescue_closed, ticket, cause)


def _timeline(sim: Sim, unit: Unit, cause: str) -> dict[str, Any]:
    r, rng, alarm = sim.rates, unit.rng, sim.now
    roll = rng.random()
    self_rescued, false_alarm = roll < r.self_rescued, r.self_rescued <= roll < r.self_rescued + r.false_alarm
    ticket: dict[str, Any] = {"ticket_no": f"96333-{day_text(day_of(alarm)).replace('-', '')}-{unit.number('T')}",
                              "alarm_at": format_instant(alarm), "cause": cause, "level": 1,
                              "persons_trapped": 0 if false_alarm else rng.randint(1, 3)}
    contract = maintenance.contract_on(unit, alarm)
    if contract is not None:
        ticket["responder_org"] = contract.crew.org.org
    if self_rescued:
        freed = alarm + rng.randint(3, 10) * MINUTE
        ticket |= {"freed_at": format_instant(freed), "self_rescued": True}
        ticket["closed_at"] = format_instant(freed + rng.randint(5, 20) * MINUTE)
        return ticket
    dispatched = alarm + rng.randint(30, 120)
    late_ack = rng.random() < r.late_ack
    acknowledged = dispatched + (rng.randint(190, 360) if late_ack else rng.randint(20, 150))
    arrival = alarm + int(r.arrival_median_min * math.exp(r.arrival_sigma * rng.gauss()) * MINUTE)
    arrival = max(arrival, acknowledged + MINUTE)
    ticket |= {"dispatched_at": format_instant(dispatched), "acknowledged_at": format_instant(acknowledged),
               "arrived_at": format_instant(arrival)}
    minutes = (arrival - alarm) / MINUTE
    ticket["level"] = 3 if minutes > 45 else 2 if minutes > 25 else 1
    if false_alarm:
        ticket |= {"false_alarm": True, "closed_at": format_instant(arrival + rng.randint(5, 15) * MINUTE)}
        return ticket
    freed = arrival + int(rng.uniform(*r.release_min) * MINUTE)
    ticket |= {"freed_at": format_instant(freed), "closed_at": format_instant(freed + rng.randint(10, 40) * MINUTE)}
    return ticket


def _rescue_closed(sim: Sim, unit: Unit, ticket: dict[str, Any], cause: str) -> None:
    rescue = sim.emit(unit, sim.city.platform.as_("platform_96333"), "EntrapmentRescue", ticket)
    if ticket.get("false_alarm") or ticket.get("self_rescued"):
        return
    if cause in ("equipment", "door_system"):
        subsystem = "door" if cause == "door_system" else "control"
        sim.schedule(sim.now + unit.rng.uniform(0.5, 3) * HOUR, unit, faults.repair,
                     ticket.get("fault_ref", rescue["event_id"]), subsystem, False)
    if "liability" in unit.policies and sim.chance(unit, sim.rates.liability_claim_per_entrapment):
        loss = unit.rng.choice(("bodily_injury", "rescue_cost"))
        sim.schedule(sim.now + unit.rng.randint(1, 10) * DAY, unit, insurance.file_claim, "liability",
                     [rescue["event_id"]], loss, (500, 20_000))
    _late_arrival(sim, unit, ticket, rescue["event_id"])


def _late_arrival(sim: Sim, unit: Unit, ticket: dict[str, Any], rescue_id: str) -> None:
    sla = 30 if unit.district.area == "city" else 60
    minutes = (instant_from_text(ticket["arrived_at"]) - instant_from_text(ticket["alarm_at"])) / MINUTE
    if minutes <= sla:
        return
    sim.truth.violation("late_rescue", equipment_code=unit.code, event_ids=[rescue_id], minutes=round(minutes, 1))
    responder = ticket.get("responder_org")
    if responder and sim.chance(unit, sim.rates.penalty_late_rescue):
        sim.schedule(sim.now + unit.rng.randint(15, 60) * DAY, unit, enforcement.penalty, responder, "88", "other",
                     "救援人员未在规定时间内到达现场", (10_000, 30_000), None)
