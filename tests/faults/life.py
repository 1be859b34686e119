"""One elevator's whole life, with an accepted record of every elevator event type, in a registered world.

The fault suite grafts poison onto it: a copy of the life up to one record, on an elevator of its own, with that
record's dates pushed to the calendar's ends (tests/faults/extremes.py). :func:`build_life` returns the registry
and the life as signed envelopes; :meth:`Life.resign` re-signs an edited envelope with the key of whoever signed
it, so an edited record is as authentic as the original.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledger.core.identifiers import format_instant, instant_from_text
from ledger.core.keys import SigningKey
from ledger.core.maintenance_items import items_for_tier
from ledger.core.signing import new_event_id, sign_envelope
from producers.client import Producer
from producers.world import Org, World

__all__ = ["CODE", "NOW", "Life", "build_life"]

CODE = "311031001201800001"
NOW = instant_from_text("2026-01-01T00:00:00Z")
TERMINAL = "IOT-LIFE-1"


@dataclass
class Life:
    world: World
    cast: dict[str, Org]
    registry: list[dict[str, Any]]
    events: list[dict[str, Any]] = field(default_factory=list)  # elevator CODE's life, in order
    names: dict[str, str] = field(default_factory=dict)  # a label → the event id recorded under it

    def key_for(self, envelope: dict[str, Any]) -> SigningKey:
        actor = envelope["actor"]
        if "device" in actor:
            return self.world.key(f"device:{actor['device']}")
        return self.world.orgs[actor["org"]].key

    def resign(self, envelope: dict[str, Any], *, fresh_id: bool = True) -> dict[str, Any]:
        """``envelope`` signed again by its signer's key (with a new event id unless told otherwise)."""
        unsigned = {k: v for k, v in envelope.items() if k not in ("signature", "key_id")}
        if fresh_id:
            unsigned["event_id"] = new_event_id(instant_from_text(unsigned["occurred_at"]) * 1000)
        return sign_envelope(unsigned, self.key_for(envelope))


def build_life() -> Life:
    world = World(5, start="2010-01-01T00:00:00Z")
    cast = {
        "maker": world.organization("迅达电梯", ("manufacturer", "installer"), maker_code="31001"),
        "maintainer": world.organization("安心维保", ("maintainer",), district="浦东新区"),
        "user": world.organization("阳光物业", ("user_unit",), district="浦东新区"),
        "new_user": world.organization("新物业", ("user_unit",), district="浦东新区"),
        "inspector": world.organization("特检院", ("inspection_body",)),
        "assessor": world.organization("评估中心", ("assessment_body",)),
        "insurer": world.organization("平安财险", ("insurer",)),
        "platform": world.organization("96333", ("platform_96333",)),
    }
    terminal = world.terminal(cast["maintainer"], TERMINAL, CODE)
    life = Life(world, cast, list(world.events))
    _live(life, terminal)
    return life


def _live(life: Life, terminal: Producer) -> None:
    w, c = life.world, life.cast
    maker, maintainer, user, inspector = c["maker"], c["maintainer"], c["user"], c["inspector"]

    def rec(who: Org | Producer, role: str | None, kind: str, payload: dict[str, Any], when: str, *,
            label: str = "", persons: list[dict[str, str]] | None = None) -> str:
        producer = who if isinstance(who, Producer) else who.as_(role or who.roles[0])
        envelope = producer.event(kind, payload, equipment_code=CODE, occurred_at=when, persons=persons or ())
        life.events.append(envelope)
        if label:
            life.names[label] = envelope["event_id"]
        return str(envelope["event_id"])

    inspectors = inspector.persons("inspector")
    rec(maker, "manufacturer", "Manufactured", {
        "model": "3300", "factory_serial": "F-00001", "certificate_no": "HG-1", "rated_load_kg": 1000,
        "rated_speed_mm_s": 1750, "floors": 10, "stops": 10, "doors": 10, "design_life_years": 20,
    }, "2018-03-01T00:00:00Z")
    rec(maker, "manufacturer", "ComponentAssociated", {
        "kind": "governor", "serial": "G-1", "maker": "迅达", "maker_org": maker.org, "type_test_cert": "TX-1",
        "warranty_until": "2020-03-01"}, "2018-03-02T00:00:00Z")
    rec(maker, "manufacturer", "WarrantyIssued", {"scope": "whole_unit", "warranty_until": "2020-03-01",
                                                  "basis": "standard"}, "2018-03-03T00:00:00Z")
    rec(maker, "installer", "InstallationNotified", {
        "notice_no": "SG-1", "licence_no": w.licence_no(maker, "installation"), "planned_start": "2018-04-01"},
        "2018-03-20T00:00:00Z")
    rec(maker, "installer", "Installed", {
        "licence_no": w.licence_no(maker, "installation"), "self_inspection_report_no": "ZJ-1",
        "address": "世纪大道1号", "district": "浦东新区"}, "2018-05-01T00:00:00Z")
    rec(inspector, None, "SupervisoryInspected", {
        "report_no": "JJ-1", "conclusion": "pass", "trigger": "installation", "next_due_date": "2019-05-20"},
        "2018-05-20T00:00:00Z", persons=inspectors)
    rec(w.regulator, "regulator", "Registered", {
        "registration_no": "梯31沪A00001(18)", "user_unit": user.org, "site_category": "residential",
        "district": "浦东新区", "address": "世纪大道1号"}, "2018-06-01T00:00:00Z")
    rec(maintainer, None, "MaintenanceContractSigned", {
        "contract_no": "WB-1", "maintainer": maintainer.org, "user_unit": user.org, "mode": "regular",
        "start_date": "2018-06-01", "end_date": "2030-12-31"}, "2018-06-01T00:00:00Z")
    visit = rec(maintainer, None, "MaintenancePerformed", {
        "contract_no": "WB-1", "tier": "half_month", "started_at": "2018-06-10T01:15:00Z",
        "ended_at": "2018-06-10T02:00:00Z", "results": dict.fromkeys(items_for_tier("half_month"), "pass")},
        "2018-06-10T02:00:00Z", persons=maintainer.persons("worker", 2))
    rec(user, None, "MaintenanceCountersigned", {"maintenance_ref": visit}, "2018-06-10T03:00:00Z",
        persons=user.persons("safety_manager"))
    rec(terminal, None, "TerminalEventReported", {"code": 43}, "2018-06-11T00:00:00Z")
    rec(terminal, None, "RunStatisticsReported", {
        "period_start": "2018-06-11T00:00:00Z", "period_end": "2018-06-12T00:00:00Z", "run_count": 300,
        "run_seconds": 9000}, "2018-06-12T00:00:00Z")
    fault = rec(maintainer, None, "FaultReported", {"source": "maintainer", "code": 1}, "2018-07-01T00:00:00Z",
                label="fault")
    rec(c["platform"], None, "EntrapmentRescue", {
        "ticket_no": "96333-1", "alarm_at": "2018-07-02T00:00:00Z", "dispatched_at": "2018-07-02T00:01:00Z",
        "acknowledged_at": "2018-07-02T00:02:00Z", "arrived_at": "2018-07-02T00:12:00Z",
        "freed_at": "2018-07-02T00:15:00Z", "closed_at": "2018-07-02T00:20:00Z", "persons_trapped": 1,
        "level": 1, "cause": "equipment"}, "2018-07-02T00:20:00Z", label="entrapment")
    rec(maintainer, None, "Repaired", {"subsystem": "door", "description": "修门"}, "2018-07-03T00:00:00Z")
    rec(maintainer, None, "ComponentReplaced", {
        "kind": "governor", "serial": "G-2", "old_serial": "G-1", "maker": "迅达", "maker_org": maker.org,
        "warranty_until": "2020-07-01", "funding": "maintenance_fund", "fault_refs": [fault]},
        "2018-07-04T00:00:00Z")
    rec(inspector, None, "HazardFound", {
        "hazard_no": "YH-1", "source": "inspection", "severity": "general", "subsystem": "brake",
        "description": "制动衬磨损", "deadline": "2018-09-01"}, "2018-08-01T00:00:00Z", persons=inspectors)
    rec(maintainer, None, "HazardRectified", {"hazard_no": "YH-1", "description": "已更换"}, "2018-08-10T00:00:00Z")
    rec(user, None, "InspectionApplied", {"kind": "periodic", "due_date": "2019-05-20",
                                          "inspection_body": inspector.org}, "2019-04-01T00:00:00Z")
    rec(inspector, None, "PeriodicInspected", {"report_no": "DJ-1", "conclusion": "pass",
                                               "next_due_date": "2020-05-20"}, "2019-05-10T00:00:00Z",
        persons=inspectors)
    rec(inspector, None, "SelfTested", {"report_no": "ZC-1", "conclusion": "pass", "next_due_date": "2021-05-20"},
        "2020-05-10T00:00:00Z", persons=inspectors)
    rec(c["assessor"], None, "RiskAssessed", {"report_no": "PG-1", "score": 60, "grade": 3, "conclusion": "repair"},
        "2020-06-01T00:00:00Z", persons=c["assessor"].persons("assessor"))
    rec(c["insurer"], None, "PolicyIssued", {
        "policy_no": "P-1", "product": "liability", "insured": user.org, "period_start": "2018-07-01",
        "period_end": "2030-07-01", "premium_fen": 9300, "limit_per_person_fen": 100_000_000,
        "limit_aggregate_fen": 500_000_000}, "2018-06-20T00:00:00Z")
    rec(c["insurer"], None, "PremiumAdjusted", {"policy_no": "P-1", "premium_fen": 9000, "reason": "无赔款优待"},
        "2020-07-01T00:00:00Z")
    accident = rec(w.regulator, "regulator", "AccidentReported", {
        "grade": "general", "deaths": 0, "injuries": 1, "description": "剪切", "fault_ref": fault},
        "2020-08-01T00:00:00Z", label="accident")
    rec(c["insurer"], None, "ClaimFiled", {"claim_no": "CL-1", "policy_no": "P-1", "incident_refs": [accident],
                                           "loss_type": "bodily_injury", "reserve_fen": 100_000},
        "2020-08-05T00:00:00Z")
    rec(c["insurer"], None, "ClaimSettled", {"claim_no": "CL-1", "outcome": "paid", "paid_fen": 80_000,
                                             "liability_finding": "维保责任"}, "2020-09-01T00:00:00Z")
    rec(c["platform"], None, "ComplaintFiled", {"complaint_no": "TS-1", "channel": "96333", "category": "fault",
                                                "summary": "经常停梯"}, "2020-10-01T00:00:00Z")
    rec(w.regulator, "regulator", "ComplaintResolved", {
        "complaint_no": "TS-1", "finding": "已维修", "substantiated": True, "resolved_on": "2020-10-10"},
        "2020-10-10T00:00:00Z")
    rec(w.regulator, "regulator", "PenaltyImposed", {
        "decision_no": "罚-1", "party": maintainer.org, "law_article": "88", "category": "other",
        "violation": "维保记录不全", "amount_fen": 1_000_000}, "2020-11-01T00:00:00Z")
    rec(user, None, "Suspended", {"reason": "大修", "planned_until": "2021-06-01"}, "2021-01-01T00:00:00Z")
    rec(maker, "installer", "MajorRepair", {
        "licence_no": w.licence_no(maker, "repair"), "scope": "更换曳引机",
        "parts": [{"kind": "traction_machine", "serial": "TM-2"}]}, "2021-02-01T00:00:00Z")
    rec(maker, "installer", "Modified", {"licence_no": w.licence_no(maker, "modification"), "scope": "加装能量回馈"},
        "2021-03-01T00:00:00Z")
    passed = rec(inspector, None, "SupervisoryInspected", {
        "report_no": "JJ-2", "conclusion": "pass", "trigger": "major_repair", "next_due_date": "2022-04-01"},
        "2021-04-01T00:00:00Z", persons=inspectors)
    rec(w.regulator, "regulator", "Registered", {
        "registration_no": "梯31沪A00001(21)", "user_unit": user.org, "site_category": "residential",
        "district": "浦东新区", "address": "世纪大道1号", "change": True}, "2021-04-10T00:00:00Z")
    rec(user, None, "Reactivated", {"self_check_done": True, "inspection_ref": passed}, "2021-04-20T00:00:00Z")
    rec(w.regulator, "regulator", "UserUnitChanged", {
        "old_user_unit": user.org, "new_user_unit": c["new_user"].org, "change_registration_no": "BG-1"},
        "2022-01-01T00:00:00Z")
    rec(maintainer, None, "MaintenanceContractTerminated", {"contract_no": "WB-1", "effective_date": "2024-01-01",
                                                            "reason": "到期"}, "2023-12-01T00:00:00Z")
    rec(c["new_user"], None, "Decommissioned", {
        "reason": "报废", "scrap_certificate_no": "BF-1", "certificate_surrendered": True},
        "2025-01-01T00:00:00Z")


def instant(text: str) -> str:
    """``text`` (a date or an instant) as the canonical instant text."""
    return format_instant(instant_from_text(text if "T" in text else f"{text}T00:00:00Z"))
