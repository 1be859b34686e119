"""The dossier (一梯一档): everything the ledger knows about one elevator, at now or at any time T.

The fold (:class:`DossierView`) keeps the facts — identity, components and warranties, installation,
registration, contracts, inspections, maintenance by tier, hazards, faults, rescues, repairs, modifications,
insurance, penalties, complaints — and stores them as one canonical JSON body per elevator. What depends on the
moment asked about (is the inspection still valid, who maintains it today, is a part still under warranty) is
derived when the dossier is rendered (:func:`render_dossier`), from the same facts, at the requested instant. A
dossier "as of T" is the fold of the elevator's events up to T, rendered at T.

Warranty (seed 002): the five major parts (曳引机、门机、安全钳、限速器、控制柜) carry at least 10 years while the
original manufacturer maintains the unit; a subsidised renewal (更新改造) carries at least 5 years on the whole
unit. A part replaced by anyone but the original manufacturer's own part loses the OEM warranty; the new part has
only what its maker declared.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, ClassVar, NamedTuple

import orjson

from ledger.core.identifiers import format_instant, instant_from_text
from ledger.core.maintenance_items import TIER_ITEMS
from ledger.core.schema.lifecycle import MAJOR_COMPONENTS
from projections.config import DAY_S, Thresholds
from projections.framework.context import ContractFact, ElevatorContext
from projections.framework.events import (
    EventRef,
    LedgerEvent,
    add_years,
    day,
    format_day,
    local_day,
    ref,
    ref_json,
)
from projections.framework.runner import ElevatorFoldView, FoldState
from projections.framework.storage import Json, Table

__all__ = ["DOSSIER", "DossierRow", "DossierState", "DossierView", "directory_row", "dossier_facts",
           "render_dossier"]


class DossierRow(NamedTuple):
    """One elevator's dossier: the columns fleet questions filter on, and the facts (:func:`dossier_facts`)."""

    code: str
    manufacturer: str | None
    model: str | None
    district: str | None
    user_unit: str | None
    maintainer: str | None  # bound by contract at the last event
    status: str
    manufactured_at: int | None
    use_start: int | None
    decommissioned_at: int | None
    design_life_years: int | None
    site_category: str | None
    body: Json


DOSSIER = Table("pj_dossier", DossierRow, key=("code",), indexes=(("district",), ("model",)), by_code=True)

_RECENT_VISITS = 12
_PASSING = frozenset({"pass", "not_applicable"})
_RECENT_FAULTS = 20
_COVERING = {tier: frozenset(TIER_ITEMS[tier]) for tier in ("quarterly", "half_year", "annual")}
_SORT = orjson.OPT_SORT_KEYS


@dataclass(slots=True)
class DossierState(FoldState):
    identity: dict[str, Any] = field(default_factory=dict)
    components: dict[str, dict[str, Any]] = field(default_factory=dict)
    replacements: list[dict[str, Any]] = field(default_factory=list)
    warranties: list[dict[str, Any]] = field(default_factory=list)
    installation: dict[str, Any] = field(default_factory=dict)
    registrations: list[dict[str, Any]] = field(default_factory=list)
    user_unit_changes: list[dict[str, Any]] = field(default_factory=list)
    inspections: list[dict[str, Any]] = field(default_factory=list)
    applications: list[dict[str, Any]] = field(default_factory=list)
    tiers: dict[str, dict[str, Any]] = field(default_factory=dict)
    visits: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=_RECENT_VISITS))
    visit_count: int = 0
    countersigned: int = 0
    hazards: dict[str, dict[str, Any]] = field(default_factory=dict)
    fault_count: int = 0
    faults_by_code: dict[str, int] = field(default_factory=dict)
    recent_faults: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=_RECENT_FAULTS))
    rescues: list[dict[str, Any]] = field(default_factory=list)
    repairs: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)  # 改造 and 重大修理
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    claims: dict[str, dict[str, Any]] = field(default_factory=dict)
    penalties: list[dict[str, Any]] = field(default_factory=list)
    complaints: dict[str, dict[str, Any]] = field(default_factory=dict)
    assessments: list[dict[str, Any]] = field(default_factory=list)
    accidents: list[dict[str, Any]] = field(default_factory=list)
    suspensions: list[dict[str, Any]] = field(default_factory=list)
    terminals: set[str] = field(default_factory=set)


def _r(ev: LedgerEvent) -> list[Any]:
    return list(ref(ev))


# --- handlers ----------------------------------------------------------------------------------------------------


def _manufactured(view: DossierView, st: DossierState, ev: LedgerEvent) -> None:
    p = ev.payload
    st.identity = {k: p[k] for k in ("model", "factory_serial", "certificate_no", "rated_load_kg",
                                     "rated_speed_mm_s", "floors", "stops", "doors", "design_life_years")}
    if "registration_code" in p:
        st.identity["registration_code"] = p["registration_code"]
    st.identity["event"] = _r(ev)
    for c in p.get("safety_components", ()):
        st.components.setdefault(c["kind"], {
            "kind": c["kind"], "serial": c["serial"], "maker_org": ev.org, "type_test_cert": c["type_test_cert"],
            "fitted_at": ev.occurred_at, "original": True, "oem": True, "event": _r(ev),
        })


def _component_associated(view: DossierView, st: DossierState, ev: LedgerEvent) -> None:
    p = ev.payload
    st.components[p["kind"]] = {
        "kind": p["kind"], "serial": p["serial"], "maker": p["maker"], "maker_org": p.get("maker_org"),
        "type_test_cert": p.get("type_test_cert"), "warranty_until": p.get("warranty_until"),
        "fitted_at": ev.occurred_at, "original": True, "oem": True, "event": _r(ev),
    }


def _component_replaced(view: DossierView, st: DossierState, ev: LedgerEvent) -> None:
    p = ev.payload
    old = st.components.get(p["kind"])
    oem = p.get("maker_org") is not None and p.get("maker_org") == st.ctx.manufacturer
    st.components[p["kind"]] = {
        "kind": p["kind"], "serial": p["serial"], "maker": p["maker"], "maker_org": p.get("maker_org"),
        "type_test_cert": p.get("type_test_cert"), "warranty_until": p.get("warranty_until"),
        "fitted_at": ev.occurred_at, "original": False, "oem": oem, "fitted_by": ev.org, "event": _r(ev),
    }
    st.replacements.append({
        "kind": p["kind"], "serial": p["serial"], "old_serial": p["old_serial"], "by": ev.org,
        "funding": p["funding"], "amount_fen": p.get("amount_fen"), "oem": oem,
        "old_serial_known": old is None or old.get("serial") == p["old_serial"], "event": _r(ev),
    })


def _warranty(view: DossierView, st: DossierState, ev: LedgerEvent) -> None:
    p = ev.payload
    st.warranties.append({"scope": p["scope"], "serial": p.get("serial"), "until": p["warranty_until"],
                          "basis": p["basis"], "issued_at": ev.occurred_at, "event": _r(ev)})
    if p["scope"] == "component":
        for comp in st.components.values():
            if comp["serial"] == p.get("serial"):
                comp["warranty_until"] = p["warranty_until"]


def _installation(view: DossierView, st: DossierState, ev: LedgerEvent) -> None:
    p = ev.payload
    entry = st.installation.setdefault("events", [])
    entry.append(_r(ev))
    st.installation["installer"] = ev.org
    if ev.type == "Installed":
        st.installation.update(installed_at=ev.occurred_at, address=p["address"], district=p["district"],
                               licence_no=p["licence_no"], self_inspection_report_no=p["self_inspection_report_no"])
    else:
        st.installation.update(notice_no=p["notice_no"], planned_start=p["planned_start"])


def _registered(view: DossierView, st: DossierState, ev: LedgerEvent) -> None:
    p = ev.payload
    st.registrations.append({**{k: p[k] for k in ("registration_no", "user_unit", "site_category", "district",
                                                  "address")},
                             "area": p.get("area", "city"), "repair_fund": p.get("repair_fund", True),
                             "rescue_code": p.get("rescue_code"), "change": p.get("change", False),
                             "at": ev.occurred_at, "event": _r(ev)})


def _user_unit_changed(view: DossierView, st: DossierState, ev: LedgerEvent) -> None:
    p = ev.payload
    st.user_unit_changes.append({"old": p["old_user_unit"], "new": p["new_user_unit"],
                                 "change_registration_no": p["change_registration_no"], "at": ev.occurred_at,
                                 "event": _r(ev)})


def _report(view: DossierView, st: DossierState, ev: LedgerEvent) -> None:
    p = ev.payload
    st.inspections.append({
        "kind": {"PeriodicInspected": "periodic", "SelfTested": "self_test"}.get(ev.type, "supervisory"),
        "report_no": p["report_no"], "conclusion": p["conclusion"], "items_failed": list(p.get("items_failed", ())),
        "is_reinspection": p.get("is_reinspection", False), "next_due_date": p.get("next_due_date"),
        "trigger": p.get("trigger"), "body": ev.org, "at": ev.occurred_at, "event": _r(ev),
    })


def _applied(view: DossierView, st: DossierState, ev: LedgerEvent) -> None:
    p = ev.payload
    st.applications.append({"kind": p["kind"], "due_date": p["due_date"], "at": ev.occurred_at, "event": _r(ev)})


def _maintenance(view: DossierView, st: DossierState, ev: LedgerEvent) -> None:
    """The visit's stored fact is built here, once: every later flush writes it again (in ``recent`` and in its
    tiers), so expanding it at each write would redo the same work a dozen times per visit."""
    tier, results = ev.payload["tier"], ev.payload["results"]
    visit = _visit_fact(ev)
    st.visits.append(visit)
    st.visit_count += 1
    by_tier = st.tiers.get(tier)
    if by_tier is None:
        by_tier = st.tiers[tier] = {"count": 0}
    by_tier["count"] += 1
    by_tier["last"] = visit
    # A visit covers the tiers whose whole item set it did (tiers are cumulative).
    if len(results) > len(TIER_ITEMS["half_month"]):
        for covered, items in _COVERING.items():
            if tier != covered and len(results) >= len(items) and results.keys() >= items:
                st.tiers.setdefault(covered, {"count": 0})["covered_last"] = visit


def _visit_fact(ev: LedgerEvent) -> dict[str, Any]:
    p = ev.payload
    results = p["results"]
    not_pass = ([] if _PASSING.issuperset(results.values()) else
                sorted(k for k, v in results.items() if v not in _PASSING))
    return {"tier": p["tier"], "started_at": p["started_at"], "ended_at": p["ended_at"], "items": len(results),
            "not_pass": not_pass, "workers": [x["cert_no"] for x in ev.persons if x.get("role") == "worker"],
            "event": _r(ev)}


def _countersigned(view: DossierView, st: DossierState, ev: LedgerEvent) -> None:
    st.countersigned += 1


def _fault(view: DossierView, st: DossierState, ev: LedgerEvent) -> None:
    p = ev.payload
    _terminal(view, st, ev)
    st.fault_count += 1
    code = str(p["code"])
    st.faults_by_code[code] = st.faults_by_code.get(code, 0) + 1
    st.recent_faults.append({"code": p["code"], "source": p["source"], "floor": p.get("floor"),
                             "service_mode": p.get("service_mode"), "event": _r(ev)})


def _rescue(view: DossierView, st: DossierState, ev: LedgerEvent) -> None:
    p = ev.payload
    st.rescues.append({**p, "event": _r(ev)})


def _hazard_found(view: DossierView, st: DossierState, ev: LedgerEvent) -> None:
    p = ev.payload
    old = st.hazards.get(p["hazard_no"], {})
    st.hazards[p["hazard_no"]] = {
        "hazard_no": p["hazard_no"], "source": p["source"], "severity": p["severity"], "subsystem": p["subsystem"],
        "description": p["description"], "deadline": p["deadline"], "stop_ordered": p.get("stop_ordered", False),
        "found_by": ev.org, "found_at": ev.occurred_at, "event": _r(ev),
        "rectified_at": old.get("rectified_at"), "rectification": old.get("rectification"),
    }


def _hazard_rectified(view: DossierView, st: DossierState, ev: LedgerEvent) -> None:
    hazard = st.hazards.get(ev.payload["hazard_no"])
    if hazard is not None and hazard["rectified_at"] is None:
        hazard["rectified_at"], hazard["rectification"] = ev.occurred_at, _r(ev)


def _repaired(view: DossierView, st: DossierState, ev: LedgerEvent) -> None:
    p = ev.payload
    st.repairs.append({"subsystem": p["subsystem"], "description": p["description"], "by": ev.org,
                       "parts": list(p.get("parts", ())), "fault_refs": list(p.get("fault_refs", ())),
                       "fund_request_ref": p.get("fund_request_ref"), "amount_fen": p.get("amount_fen"),
                       "event": _r(ev)})


def _change(view: DossierView, st: DossierState, ev: LedgerEvent) -> None:
    p = ev.payload
    st.changes.append({"kind": "modification" if ev.type == "Modified" else "major_repair", "scope": p["scope"],
                       "by": ev.org, "licence_no": p["licence_no"], "parts": list(p.get("parts", ())),
                       "fund_request_ref": p.get("fund_request_ref"), "amount_fen": p.get("amount_fen"),
                       "event": _r(ev)})


def _policy(view: DossierView, st: DossierState, ev: LedgerEvent) -> None:
    p = ev.payload
    if ev.type == "PolicyIssued":
        st.policies[p["policy_no"]] = {**p, "insurer": ev.org, "adjustments": [], "event": _r(ev)}
    else:
        policy = st.policies.get(p["policy_no"])
        if policy is not None:
            policy["adjustments"].append({**p, "event": _r(ev)})
            policy["premium_fen"] = p["premium_fen"]
            if "coefficients" in p:
                policy["coefficients"] = p["coefficients"]


def _claim(view: DossierView, st: DossierState, ev: LedgerEvent) -> None:
    p = ev.payload
    if ev.type == "ClaimFiled":
        st.claims[p["claim_no"]] = {**p, "insurer": ev.org, "filed_at": ev.occurred_at, "event": _r(ev)}
    elif p["claim_no"] in st.claims:
        st.claims[p["claim_no"]]["settlement"] = {**p, "at": ev.occurred_at, "event": _r(ev)}


def _penalty(view: DossierView, st: DossierState, ev: LedgerEvent) -> None:
    st.penalties.append({**ev.payload, "at": ev.occurred_at, "event": _r(ev)})


def _complaint(view: DossierView, st: DossierState, ev: LedgerEvent) -> None:
    p = ev.payload
    if ev.type == "ComplaintFiled":
        st.complaints[p["complaint_no"]] = {**p, "at": ev.occurred_at, "event": _r(ev)}
    elif p["complaint_no"] in st.complaints:
        st.complaints[p["complaint_no"]]["resolution"] = {**p, "at": ev.occurred_at, "event": _r(ev)}


def _assessed(view: DossierView, st: DossierState, ev: LedgerEvent) -> None:
    st.assessments.append({**ev.payload, "at": ev.occurred_at, "event": _r(ev)})


def _accident(view: DossierView, st: DossierState, ev: LedgerEvent) -> None:
    st.accidents.append({**ev.payload, "at": ev.occurred_at, "event": _r(ev)})


def _suspended(view: DossierView, st: DossierState, ev: LedgerEvent) -> None:
    st.suspensions.append({"reason": ev.payload["reason"], "planned_until": ev.payload.get("planned_until"),
                           "from": ev.occurred_at, "until": None, "event": _r(ev), "reactivation": None})


def _reactivated(view: DossierView, st: DossierState, ev: LedgerEvent) -> None:
    if st.suspensions and st.suspensions[-1]["until"] is None:
        st.suspensions[-1].update(until=ev.occurred_at, reactivation=_r(ev))


def _terminal(view: DossierView, st: DossierState, ev: LedgerEvent) -> None:
    if ev.device is not None:
        st.terminals.add(ev.device)


class DossierView(ElevatorFoldView[DossierState]):
    name: ClassVar[str] = "dossier"
    version: ClassVar[str] = "1"
    tables: ClassVar[tuple[Table[Any], ...]] = (DOSSIER,)
    handlers: ClassVar[dict[str, Callable[[Any, Any, LedgerEvent], None]]] = {
        "Manufactured": _manufactured,
        "ComponentAssociated": _component_associated,
        "ComponentReplaced": _component_replaced,
        "WarrantyIssued": _warranty,
        "InstallationNotified": _installation,
        "Installed": _installation,
        "Registered": _registered,
        "UserUnitChanged": _user_unit_changed,
        "SupervisoryInspected": _report,
        "PeriodicInspected": _report,
        "SelfTested": _report,
        "InspectionApplied": _applied,
        "MaintenancePerformed": _maintenance,
        "MaintenanceCountersigned": _countersigned,
        "FaultReported": _fault,
        "EntrapmentRescue": _rescue,
        "HazardFound": _hazard_found,
        "HazardRectified": _hazard_rectified,
        "Repaired": _repaired,
        "Modified": _change,
        "MajorRepair": _change,
        "PolicyIssued": _policy,
        "PremiumAdjusted": _policy,
        "ClaimFiled": _claim,
        "ClaimSettled": _claim,
        "PenaltyImposed": _penalty,
        "ComplaintFiled": _complaint,
        "ComplaintResolved": _complaint,
        "RiskAssessed": _assessed,
        "AccidentReported": _accident,
        "Suspended": _suspended,
        "Reactivated": _reactivated,
        "TerminalEventReported": _terminal,
        "RunStatisticsReported": _terminal,
    }
    types: ClassVar[frozenset[str]] = frozenset(handlers) | frozenset({
        "MaintenanceContractSigned", "MaintenanceContractTerminated", "Decommissioned",
    })

    def new_state(self, code: str) -> DossierState:
        return DossierState(code, ElevatorContext(code))

    def settle(self, st: DossierState) -> None:
        if st.dirty:
            st.rows[(DOSSIER, (st.code,))] = dossier_row(st)


def _status(ctx: ElevatorContext) -> str:
    return _lifecycle_status(ctx.decommissioned_at, ctx.suspended_at, ctx.registered_at, ctx.installed_at, 2**62)


def dossier_row(st: DossierState) -> DossierRow:
    ctx = st.ctx
    return DossierRow(code=st.code, manufacturer=ctx.manufacturer, model=ctx.model, district=ctx.district,
                      user_unit=ctx.user_unit, maintainer=ctx.maintainer_at(st.last_at), status=_status(ctx),
                      manufactured_at=ctx.manufactured_at, use_start=ctx.use_start,
                      decommissioned_at=ctx.decommissioned_at, design_life_years=ctx.design_life_years,
                      site_category=ctx.site_category, body=orjson.dumps(dossier_facts(st), option=_SORT).decode())


def dossier_facts(st: DossierState) -> dict[str, Any]:
    """The stored body: facts only (instants as Unix seconds, references as lists); nothing time-dependent."""
    ctx = st.ctx
    return {
        "code": st.code,
        "context": {
            "manufacturer": ctx.manufacturer, "installer": ctx.installer, "user_unit": ctx.user_unit,
            "district": ctx.district, "site_category": ctx.site_category, "area": ctx.area,
            "repair_fund": ctx.repair_fund, "manufactured_at": ctx.manufactured_at, "installed_at": ctx.installed_at,
            "registered_at": ctx.registered_at, "supervised_at": ctx.supervised_at, "use_start": ctx.use_start,
            "suspended_at": ctx.suspended_at, "decommissioned_at": ctx.decommissioned_at,
            "decommission": list(ctx.decommission) if ctx.decommission else None,
            "last_event_at": st.last_at if st.last_position else None,
            "last_iot_at": ctx.last_iot_at,
        },
        "contracts": [_contract_fact(c)
                      for c in sorted(ctx.contracts.values(), key=lambda c: (c.start, c.contract_no))],
        "identity": st.identity,
        "components": [st.components[k] for k in sorted(st.components)],
        "replacements": st.replacements,
        "warranties": st.warranties,
        "installation": st.installation,
        "registrations": st.registrations,
        "user_unit_changes": st.user_unit_changes,
        "inspections": st.inspections,
        "applications": st.applications,
        "maintenance": {"visits": st.visit_count, "countersigned": st.countersigned,
                        "tiers": {k: st.tiers[k] for k in sorted(st.tiers)},
                        "recent": list(st.visits)},
        "hazards": [st.hazards[k] for k in sorted(st.hazards)],
        "faults": {"count": st.fault_count, "by_code": dict(sorted(st.faults_by_code.items())),
                   "recent": list(st.recent_faults)},
        "rescues": st.rescues,
        "repairs": st.repairs,
        "modifications": st.changes,
        "policies": [st.policies[k] for k in sorted(st.policies)],
        "claims": [st.claims[k] for k in sorted(st.claims)],
        "penalties": st.penalties,
        "complaints": [st.complaints[k] for k in sorted(st.complaints)],
        "risk_assessments": st.assessments,
        "accidents": st.accidents,
        "suspensions": st.suspensions,
        "terminals": sorted(st.terminals),
    }


def _contract_fact(c: ContractFact) -> dict[str, Any]:
    return {"contract_no": c.contract_no, "maintainer": c.maintainer, "mode": c.mode,
            "interval_days": c.interval_days, "start": c.start.isoformat(), "end": c.end.isoformat(),
            "terminated": format_day(c.terminated), "last_day": c.last_day.isoformat(), "event": list(c.ref)}


# --- rendering -----------------------------------------------------------------------------------------------


def render_dossier(facts: Mapping[str, Any], at: int, names: Mapping[str, str], config: Thresholds) -> dict[str, Any]:
    """The documented dossier JSON at instant ``at`` (statuses derived from the stored facts at that moment)."""
    ctx = facts["context"]
    today = local_day(at)
    contracts = facts["contracts"]
    active = [c for c in contracts if day(c["start"]) <= today <= day(c["last_day"])]
    maintainer = max(active, key=lambda c: c["start"]) if active else None
    policies = [p for p in facts["policies"] if day(p["period_start"]) <= today <= day(p["period_end"])]
    hazards = [_hazard(h, today) for h in facts["hazards"]]
    party = _party(names)
    return {
        "equipment_code": facts["code"],
        "as_of": format_instant(at),
        "status": _status_at(ctx, at),
        "identity": _refs(facts["identity"]),
        "parties": {
            "manufacturer": party(ctx["manufacturer"]),
            "installer": party(ctx["installer"]),
            "user_unit": party(ctx["user_unit"]),
            "maintainer": None if maintainer is None else {
                **_named(names, maintainer["maintainer"]), "contract_no": maintainer["contract_no"],
                "mode": maintainer["mode"], "interval_days": maintainer["interval_days"],
                "until": maintainer["last_day"]},
            "insurers": [{**_named(names, p["insurer"]), "policy_no": p["policy_no"], "product": p["product"]}
                         for p in policies],
        },
        "registration": _registration(facts, ctx),
        "inspection": _inspection(facts, ctx, at, config),
        "components": [_component(c, facts, ctx, maintainer, today, config) for c in facts["components"]],
        "unit_warranty": _unit_warranty(facts["warranties"], today, config),
        "contracts": [_refs(c) for c in contracts],
        "maintenance": _maintenance_summary(facts["maintenance"]),
        "open_hazards": [h for h in hazards if h["open"]],
        "hazards": hazards,
        "faults": {**facts["faults"], "recent": [_refs(f) for f in facts["faults"]["recent"]]},
        "rescues": [_refs(r) for r in facts["rescues"]],
        "repairs": [_refs(r) for r in facts["repairs"]],
        "replacements": [_refs(r) for r in facts["replacements"]],
        "modifications": [_refs(m) for m in facts["modifications"]],
        "policies": [_refs(p) for p in facts["policies"]],
        "claims": [_refs(c) for c in facts["claims"]],
        "penalties": [_refs(p) for p in facts["penalties"]],
        "complaints": [_refs(c) for c in facts["complaints"]],
        "risk_assessments": [_refs(a) for a in facts["risk_assessments"]],
        "accidents": [_refs(a) for a in facts["accidents"]],
        "suspensions": [_refs(s) for s in facts["suspensions"]],
        "installation": _refs(facts["installation"]),
        "user_unit_changes": [_refs(u) for u in facts["user_unit_changes"]],
    }


def _party(names: Mapping[str, str]) -> Callable[[str | None], dict[str, Any] | None]:
    def party(org: str | None) -> dict[str, Any] | None:
        return None if org is None else _named(names, org)

    return party


def _named(names: Mapping[str, str], org: str) -> dict[str, Any]:
    return {"org": org, "name": names.get(org)}


_INSTANT_FIELDS = frozenset({"at", "fitted_at", "found_at", "rectified_at", "installed_at", "issued_at", "filed_at",
                             "from", "until"})


def _refs(value: Any) -> Any:
    """Stored facts → documented JSON: references become objects, instants become text."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if k in ("event", "rectification", "reactivation") and isinstance(v, list):
                out[k] = ref_json(EventRef(*v))
            elif k == "events" and isinstance(v, list):
                out[k] = [ref_json(EventRef(*x)) for x in v]
            elif k in _INSTANT_FIELDS and isinstance(v, int):
                out[k] = format_instant(v)
            else:
                out[k] = _refs(v)
        return out
    if isinstance(value, list):
        return [_refs(v) for v in value]
    return value


def directory_row(facts: Mapping[str, Any], at: int, names: Mapping[str, str],
                  config: Thresholds) -> dict[str, Any]:
    """One elevator as a list of elevators shows it and is searched by, at instant ``at`` (the ``occurred_at``
    clock, like the dossier): its codes (设备代码, 注册代码, 使用登记证编号, 救援识别码), where it is, who is
    responsible for it, its status and age, and its maintenance rhythm — the last visit and when the next is due."""
    ctx = facts["context"]
    today = local_day(at)
    registration = facts["registrations"][-1] if facts["registrations"] else {}
    active = [c for c in facts["contracts"] if day(c["start"]) <= today <= day(c["last_day"])]
    contract = max(active, key=lambda c: c["start"]) if active else None
    visits = [v for v in facts["maintenance"]["recent"] if instant_from_text(v["ended_at"]) <= at]
    last_visit = instant_from_text(visits[-1]["ended_at"]) if visits else None
    interval = (contract["interval_days"] if contract and contract["interval_days"] else
                config.maintenance_interval_days)
    started = ctx["use_start"] or ctx["registered_at"]
    return {
        "equipment_code": facts["code"],
        "registration_no": registration.get("registration_no"),
        "registration_code": facts["identity"].get("registration_code"),
        "rescue_code": registration.get("rescue_code"),
        "district": ctx["district"], "address": registration.get("address"),
        "site_category": ctx["site_category"],
        "user_unit": ctx["user_unit"], "user_unit_name": names.get(ctx["user_unit"] or ""),
        "maintainer": contract["maintainer"] if contract else None,
        "maintainer_name": names.get(contract["maintainer"]) if contract else None,
        "contract_no": contract["contract_no"] if contract else None,
        "manufacturer": ctx["manufacturer"], "manufacturer_name": names.get(ctx["manufacturer"] or ""),
        "model": facts["identity"].get("model"),
        "status": _status_at(ctx, at),
        "in_service_since": format_day(local_day(started)) if started else None,
        "age_years": round((at - started) / (365.25 * DAY_S), 1) if started and started <= at else None,
        "last_visit_at": format_instant(last_visit) if last_visit else None,
        "next_visit_due": format_day(local_day(last_visit) + timedelta(days=interval))
        if last_visit and contract else None,
        "visits": len(visits),
    }


def _status_at(ctx: Mapping[str, Any], at: int) -> str:
    return _lifecycle_status(ctx["decommissioned_at"], ctx["suspended_at"], ctx["registered_at"], ctx["installed_at"],
                             at)


def _lifecycle_status(decommissioned_at: int | None, suspended_at: int | None, registered_at: int | None,
                      installed_at: int | None, at: int) -> str:
    if decommissioned_at is not None and decommissioned_at <= at:
        return "decommissioned"
    if suspended_at is not None and suspended_at <= at:
        return "suspended"
    if registered_at is not None:
        return "in_service"
    if installed_at is not None:
        return "installed"
    return "manufactured"


def _registration(facts: Mapping[str, Any], ctx: Mapping[str, Any]) -> dict[str, Any] | None:
    regs = facts["registrations"]
    if not regs:
        return None
    current = regs[-1]
    return {**_refs(current), "registered_at": format_instant(ctx["registered_at"]),
            "changes": [_refs(r) for r in regs[1:]]}


def use_year(use_start: int, when: date) -> int:
    """The year of use (1 = the first twelve months) a date falls in."""
    start = local_day(use_start)
    years = when.year - start.year - ((when.month, when.day) < (start.month, start.day))
    return years + 1


def scheduled_kind(year: int, config: Thresholds) -> str:
    """TSG T7001-2023: 定期检验 in years 1, 4, 7, 9, 11, 13, 15 and yearly after 15; 自行检测 in the others."""
    if year in config.periodic_years or year > config.yearly_periodic_after_years:
        return "periodic"
    return "self_test"


def _inspection(facts: Mapping[str, Any], ctx: Mapping[str, Any], at: int, config: Thresholds) -> dict[str, Any]:
    reports = facts["inspections"]
    today = local_day(at)
    last = reports[-1] if reports else None
    passes = [r for r in reports if r["conclusion"] == "pass"]
    last_pass = passes[-1] if passes else None
    next_due = day(last_pass["next_due_date"]) if last_pass and last_pass.get("next_due_date") else None
    if last is not None and last["conclusion"] == "fail":
        status = "failed"
    elif next_due is None:
        status = "none"
    elif today > next_due:
        status = "expired"
    else:
        status = "valid"
    later = [a for a in facts["applications"] if last is None or a["at"] >= last["at"]]
    out: dict[str, Any] = {
        "status": status,
        "last": _refs(last) if last else None,
        "last_pass": _refs(last_pass) if last_pass else None,
        "next_due_date": format_day(next_due),
        "days_to_due": (next_due - today).days if next_due else None,
        "application": _refs(later[-1]) if later else None,
        "reports": [_refs(r) for r in reports],
    }
    if ctx["use_start"] is not None and next_due is not None:
        year = use_year(ctx["use_start"], next_due)
        out["next_due_kind"] = scheduled_kind(year, config)
        out["use_year_at_due"] = year
    return out


def _component(c: Mapping[str, Any], facts: Mapping[str, Any], ctx: Mapping[str, Any],
               maintainer: Mapping[str, Any] | None, today: date, config: Thresholds) -> dict[str, Any]:
    declared = day(c["warranty_until"]) if c.get("warranty_until") else None
    oem_maintains = maintainer is not None and maintainer["maintainer"] == ctx["manufacturer"]
    seed_min = None
    if c["kind"] in MAJOR_COMPONENTS and c["oem"] and oem_maintains:
        seed_min = add_years(local_day(c["fitted_at"]), config.major_part_warranty_years)
    candidates = [d for d in (declared, seed_min) if d is not None]
    effective = max(candidates) if candidates else None
    note = None
    if seed_min is not None and declared is not None and declared < seed_min:
        note = (f"declared warranty ends {declared} — shorter than the seed's "
                f"{config.major_part_warranty_years}-year minimum for a major part maintained by its original "
                "manufacturer")
    elif not c["oem"] and not c.get("original", False):
        note = "replaced with a non-OEM part: the original manufacturer's warranty no longer covers it"
    return {
        **_refs(c),
        "warranty": {
            "declared_until": format_day(declared),
            "seed_minimum_until": format_day(seed_min),
            "effective_until": format_day(effective),
            "in_force": effective is not None and today <= effective,
            "basis": "seed_minimum" if seed_min is not None and (declared is None or seed_min > declared)
            else ("declared" if declared else "none"),
            "note": note,
        },
    }


def _unit_warranty(warranties: list[Mapping[str, Any]], today: date, config: Thresholds) -> dict[str, Any] | None:
    units = [w for w in warranties if w["scope"] == "whole_unit"]
    if not units:
        return None
    w = units[-1]
    declared = day(w["until"])
    seed_min = None
    if w["basis"] == "subsidised_renewal":
        seed_min = add_years(local_day(w["issued_at"]), config.renewal_warranty_years)
    effective = max(d for d in (declared, seed_min) if d is not None)
    return {**_refs(w), "seed_minimum_until": format_day(seed_min), "effective_until": effective.isoformat(),
            "in_force": today <= effective,
            "note": None if seed_min is None or declared >= seed_min else
            f"declared warranty is shorter than the seed's {config.renewal_warranty_years}-year minimum after a "
            "subsidised renewal"}


def _maintenance_summary(m: Mapping[str, Any]) -> dict[str, Any]:
    return {"visits": m["visits"], "countersigned": m["countersigned"],
            "by_tier": {tier: _refs(v) for tier, v in m["tiers"].items()},
            "recent": [_refs(v) for v in m["recent"]]}


def _hazard(h: Mapping[str, Any], today: date) -> dict[str, Any]:
    out: dict[str, Any] = _refs(h)
    out["open"] = h["rectified_at"] is None
    out["overdue"] = h["rectified_at"] is None and today > day(h["deadline"])
    return out

