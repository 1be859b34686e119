"""The scripted demo scenario: a few elevators through their whole lives, recorded by the parties responsible.

Elevator A is made, installed, inspected, registered, maintained, breaks down and traps a passenger, is rescued,
fails its periodic inspection, is rectified and passes on re-inspection, is insured and claimed on; its maintainer
is fined for a late arrival. Elevator B is old, assessed, and decommissioned. A handful of bad submissions (forged
signature, wrong role, no contract, a 合格 report over an open hazard, an event after decommissioning) show the
ledger refusing them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledger.core.identifiers import format_instant, instant_from_text
from ledger.core.maintenance_items import items_for_tier
from producers.client import Producer
from producers.world import Org, World

__all__ = ["Scenario", "build_scenario"]

ELEVATOR_A = "311031001201800001"
ELEVATOR_B = "311031001200500007"
_MAJOR_PARTS = ("traction_machine", "door_operator", "safety_gear", "governor", "controller")


@dataclass
class Scenario:
    world: World
    events: list[dict[str, Any]] = field(default_factory=list)  # elevator events in submission order
    expected: dict[str, str] = field(default_factory=dict)  # event_id → the error code it must be refused with
    cast: dict[str, Org] = field(default_factory=dict)
    terminal: Producer | None = None
    notes: dict[str, str] = field(default_factory=dict)  # named event ids (the entrapment, the claim, …)

    @property
    def submissions(self) -> list[dict[str, Any]]:
        """Everything, in order: the registry first, then the elevators' lives with the bad attempts among them."""
        return [*self.world.events, *self.events]

    def refuse(self, code: str, envelope: dict[str, Any]) -> None:
        self.events.append(envelope)
        self.expected[envelope["event_id"]] = code


def _t(text: str) -> int:
    return instant_from_text(text)


def build_scenario(seed: int = 7) -> Scenario:
    world = World(seed, start="2004-01-01T00:00:00Z")
    cast = {
        "maker": world.organization("迅达电梯(中国)有限公司", ("manufacturer", "installer"), maker_code="31001"),
        "maintainer": world.organization("安心电梯维保有限公司", ("maintainer",), district="浦东新区"),
        "user": world.organization("阳光物业管理有限公司", ("user_unit",), district="浦东新区"),
        "inspector": world.organization("市特种设备监督检验技术研究院", ("inspection_body",)),
        "insurer": world.organization("平安财产保险股份有限公司", ("insurer",)),
        "platform": world.organization("96333 电梯应急处置平台", ("platform_96333",)),
        "assessor": world.organization("电梯安全评估中心", ("assessment_body",)),
        "stranger": world.organization("未签约维保有限公司", ("maintainer",)),
    }
    scenario = Scenario(world, cast=cast, terminal=world.terminal(cast["maintainer"], "IOT-PD-000001", ELEVATOR_A))
    _life_of_a(scenario)
    _life_of_b(scenario)
    return scenario


def _emit(scenario: Scenario, producer: Producer, event_type: str, payload: dict[str, Any], when: str,
          code: str, **kw: Any) -> dict[str, Any]:
    envelope = producer.event(event_type, payload, equipment_code=code, occurred_at=when, **kw)
    scenario.events.append(envelope)
    return envelope


def _life_of_a(s: Scenario) -> None:
    c, w = s.cast, s.world
    maker, mnt, user = c["maker"], c["maintainer"], c["user"]
    code = ELEVATOR_A
    made = _emit(s, maker.as_("manufacturer"), "Manufactured", {
        "model": "Schindler 3300", "factory_serial": "SH3300-18-0001", "certificate_no": "HG2018-0001",
        "rated_load_kg": 1000, "rated_speed_mm_s": 1750, "floors": 18, "stops": 18, "doors": 18,
        "design_life_years": 25,
        "safety_components": [{"kind": "safety_gear", "serial": "SG-18-01", "type_test_cert": "TX-SG-2017-11"},
                              {"kind": "governor", "serial": "GV-18-01", "type_test_cert": "TX-GV-2017-03"}],
    }, "2018-03-01T02:00:00Z", code)
    for n, kind in enumerate(_MAJOR_PARTS, start=1):
        _emit(s, maker.as_("manufacturer"), "ComponentAssociated", {
            "kind": kind, "serial": f"{kind[:2].upper()}-18-{n:03d}", "maker": maker.name, "maker_org": maker.org,
            "type_test_cert": f"TX-{kind[:2].upper()}-2017", "warranty_until": "2028-06-30",
        }, "2018-03-01T03:00:00Z", code)
    installer = maker.as_("installer")
    licence = w.licence_no(maker, "installation")
    _emit(s, installer, "InstallationNotified", {"notice_no": "SG-2018-0421", "licence_no": licence,
                                                 "planned_start": "2018-04-20"}, "2018-04-10T01:00:00Z", code)
    _emit(s, installer, "Installed", {"licence_no": licence, "self_inspection_report_no": "ZJ-2018-0612",
                                      "address": "浦东新区世纪大道 100 号 3 号楼", "district": "浦东新区"},
          "2018-06-12T08:00:00Z", code)
    inspector = c["inspector"]
    _emit(s, inspector.as_("inspection_body"), "SupervisoryInspected", {
        "report_no": "JJ-2018-0777", "conclusion": "pass", "trigger": "installation", "next_due_date": "2019-06-30",
    }, "2018-06-20T02:00:00Z", code, persons=inspector.persons("inspector", 2))
    _emit(s, w.regulator_producer, "Registered", {
        "registration_no": "梯31沪A18001(18)", "user_unit": user.org, "site_category": "residential",
        "district": "浦东新区", "address": "浦东新区世纪大道 100 号 3 号楼", "rescue_code": "310001",
    }, "2018-06-25T02:00:00Z", code)
    _emit(s, mnt.as_("maintainer"), "MaintenanceContractSigned", {
        "contract_no": "WB-2018-031", "maintainer": mnt.org, "user_unit": user.org, "mode": "regular",
        "start_date": "2018-07-01", "end_date": "2026-06-30",
    }, "2018-06-28T02:00:00Z", code)
    _maintenance_run(s, code, "2024-01-02T01:00:00Z", visits=12)
    _incident_and_inspection(s, code, made)


def _maintenance_run(s: Scenario, code: str, first: str, visits: int) -> None:
    mnt, user = s.cast["maintainer"], s.cast["user"]
    start = _t(first)
    for n in range(visits):
        begin = start + n * 14 * 86400
        tier = "quarterly" if n % 6 == 5 else "half_month"
        minutes = 75 if tier == "quarterly" else 45
        done = _emit(s, mnt.as_("maintainer"), "MaintenancePerformed", {
            "contract_no": "WB-2018-031", "tier": tier, "started_at": format_instant(begin),
            "ended_at": format_instant(begin + minutes * 60),
            "results": dict.fromkeys(items_for_tier(tier), "pass"),
            "measurements": {"A-1-28": {"value": "8", "unit": "mm"}},
        }, format_instant(begin + minutes * 60), code, persons=mnt.persons("worker", 2, offset=n))
        if n % 2 == 0:
            _emit(s, user.as_("user_unit"), "MaintenanceCountersigned", {"maintenance_ref": done["event_id"]},
                  format_instant(begin + 86400), code, persons=user.persons("safety_manager"))


def _incident_and_inspection(s: Scenario, code: str, made: dict[str, Any]) -> None:
    c = s.cast
    assert s.terminal is not None
    fault = _emit(s, s.terminal, "FaultReported", {"source": "iot", "code": 3, "floor": 7, "door_zone": True,
                                                 "service_mode": 1, "passengers_present": True},
                  "2024-05-06T11:02:10Z", code)
    rescue = _emit(s, c["platform"].as_("platform_96333"), "EntrapmentRescue", {
        "ticket_no": "96333-20240506-0042", "alarm_at": "2024-05-06T11:02:40Z",
        "dispatched_at": "2024-05-06T11:03:30Z", "acknowledged_at": "2024-05-06T11:05:00Z",
        "arrived_at": "2024-05-06T11:39:00Z", "freed_at": "2024-05-06T11:44:00Z", "closed_at": "2024-05-06T12:10:00Z",
        "persons_trapped": 2, "level": 1, "cause": "door_system", "responder_org": c["maintainer"].org,
        "fault_ref": fault["event_id"],
    }, "2024-05-06T12:10:00Z", code)
    s.notes["entrapment"] = rescue["event_id"]
    _emit(s, c["maintainer"].as_("maintainer"), "Repaired", {
        "subsystem": "door", "description": "更换层门门锁触点, 调整门机皮带", "fault_refs": [fault["event_id"]],
        "parts": [{"kind": "door_lock", "serial": "DL-24-5521"}],
    }, "2024-05-06T14:00:00Z", code, persons=c["maintainer"].persons("worker", 2))
    inspector = c["inspector"].as_("inspection_body")
    people = c["inspector"].persons("inspector", 2)
    failed = _emit(s, inspector, "PeriodicInspected", {
        "report_no": "DJ-2024-1188", "conclusion": "fail", "items_failed": ["8.6", "8.9"],
    }, "2024-06-10T02:00:00Z", code, persons=people)
    _emit(s, inspector, "HazardFound", {
        "hazard_no": "YH-2024-0188", "source": "inspection", "severity": "general", "subsystem": "brake",
        "description": "制动器制动衬磨损超限", "deadline": "2024-07-10", "inspection_ref": failed["event_id"],
    }, "2024-06-10T02:30:00Z", code, persons=people)
    s.refuse("invariant.hazards_open", inspector.event("PeriodicInspected", {
        "report_no": "DJ-2024-1199", "conclusion": "pass", "next_due_date": "2025-06-30",
    }, equipment_code=code, occurred_at="2024-06-20T02:00:00Z", persons=people))
    _emit(s, c["maintainer"].as_("maintainer"), "HazardRectified", {
        "hazard_no": "YH-2024-0188", "description": "更换制动衬并调整制动器间隙",
    }, "2024-06-28T06:00:00Z", code, persons=c["maintainer"].persons("worker", 2))
    _emit(s, inspector, "PeriodicInspected", {
        "report_no": "DJ-2024-1188-F", "conclusion": "pass", "is_reinspection": True, "next_due_date": "2025-06-30",
    }, "2024-07-05T02:00:00Z", code, persons=people)
    _insurance_and_penalty(s, code, rescue)
    _bad_submissions(s)


def _insurance_and_penalty(s: Scenario, code: str, rescue: dict[str, Any]) -> None:
    c, w = s.cast, s.world
    insurer = c["insurer"].as_("insurer")
    _emit(s, insurer, "PolicyIssued", {
        "policy_no": "PA-DT-2024-00931", "product": "liability", "insured": c["user"].org,
        "period_start": "2024-01-01", "period_end": "2024-12-31", "premium_fen": 9300,
        "limit_per_person_fen": 80_000_000, "limit_aggregate_fen": 500_000_000,
        "coefficients": {"base_fen": 9300, "use_class": "1.0", "age": "1.0", "maintainer": "1.0", "claims": "1.0"},
    }, "2023-12-20T02:00:00Z", code)
    claim = _emit(s, insurer, "ClaimFiled", {
        "claim_no": "PA-CL-2024-0077", "policy_no": "PA-DT-2024-00931", "incident_refs": [rescue["event_id"]],
        "loss_type": "bodily_injury", "reserve_fen": 500_000,
    }, "2024-05-08T02:00:00Z", code)
    s.notes["claim"] = claim["event_id"]
    _emit(s, insurer, "ClaimSettled", {
        "claim_no": "PA-CL-2024-0077", "outcome": "paid", "paid_fen": 320_000,
        "liability_finding": "门系统故障, 维保单位到场超时", "liable_parties": [c["maintainer"].org],
        "subrogation_target": c["maintainer"].org,
    }, "2024-06-15T02:00:00Z", code)
    _emit(s, w.regulator_producer, "PenaltyImposed", {
        "decision_no": "沪市监特罚〔2024〕112号", "party": c["maintainer"].org, "law_article": "88",
        "category": "other", "violation": "救援到场超过 30 分钟, 维保记录不全", "amount_fen": 2_000_000,
    }, "2024-07-20T02:00:00Z", code)


def _life_of_b(s: Scenario) -> None:
    c, w = s.cast, s.world
    code = ELEVATOR_B
    _emit(s, c["maker"].as_("manufacturer"), "Manufactured", {
        "model": "Schindler 300P", "factory_serial": "SH300P-05-0007", "certificate_no": "HG2005-0007",
        "rated_load_kg": 800, "rated_speed_mm_s": 1000, "floors": 7, "stops": 7, "doors": 7, "design_life_years": 20,
    }, "2005-05-01T02:00:00Z", code)
    _emit(s, w.regulator_producer, "Registered", {
        "registration_no": "梯31沪A05007(05)", "user_unit": c["user"].org, "site_category": "residential",
        "district": "浦东新区", "address": "浦东新区张杨路 20 号",
    }, "2005-09-01T02:00:00Z", code)
    _emit(s, c["assessor"].as_("assessment_body"), "RiskAssessed", {
        "report_no": "PG-2024-0031", "score": 48, "grade": 4, "conclusion": "replace",
        "measures": ["整梯更新"],
    }, "2024-09-01T02:00:00Z", code, persons=c["assessor"].persons("assessor"))
    _emit(s, c["user"].as_("user_unit"), "Decommissioned", {
        "reason": "使用年限届满, 安全评估结论为更新", "scrap_certificate_no": "BF-2024-0019",
        "certificate_surrendered": True,
    }, "2024-11-01T02:00:00Z", code)
    _decommissioned_then_used(s)


def _bad_submissions(s: Scenario) -> None:
    c = s.cast
    forged = c["maintainer"].as_("maintainer").event("HazardFound", {
        "hazard_no": "YH-X-1", "source": "maintenance", "severity": "general", "subsystem": "door",
        "description": "层门地坎变形", "deadline": "2024-12-01",
    }, equipment_code=ELEVATOR_A, occurred_at="2024-08-01T02:00:00Z")
    forged["payload"]["description"] = "签名之后被改动的描述"
    s.refuse("signature.invalid", forged)
    s.refuse("role.forbidden", c["insurer"].as_("insurer").event("PeriodicInspected", {
        "report_no": "FAKE-1", "conclusion": "pass", "next_due_date": "2026-01-01",
    }, equipment_code=ELEVATOR_A, occurred_at="2024-08-01T02:00:00Z"))
    stranger = c["stranger"]
    s.refuse("relationship.missing", stranger.as_("maintainer").event("MaintenancePerformed", {
        "contract_no": "NONE", "tier": "half_month", "started_at": "2024-08-01T01:00:00Z",
        "ended_at": "2024-08-01T01:40:00Z", "results": {"A-1-01": "pass"},
    }, equipment_code=ELEVATOR_A, occurred_at="2024-08-01T01:40:00Z", persons=stranger.persons("worker", 2)))


def _decommissioned_then_used(s: Scenario) -> None:
    s.refuse("elevator.decommissioned", s.cast["user"].as_("user_unit").event("Suspended", {
        "reason": "停用",
    }, equipment_code=ELEVATOR_B, occurred_at="2025-01-01T02:00:00Z"))
