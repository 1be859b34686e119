"""Responsibility at time T (docs/DOMAIN.md (e)): a ranked list of (party, rule, causal|status, evidence), never a
verdict.

Pure. The caller replays the elevator's events up to T (the same folds as the views: dossier facts, the alerts open
at T, the fraud signals found by T) and hands over the fleet facts P1 needs; :func:`assess` applies the rules:

====  ===========  ===============================================================================================
rule  party        fires when (evidence)
====  ===========  ===============================================================================================
U1    使用单位      unregistered; inspection expired or 不合格; stop-ordered or suspended but running; run after a
                   safety fault with no repair; an open hazard past its deadline; no maintenance contract
M1    维保单位      maintenance interval exceeded; the failed subsystem's items missing or marked "pass" within 15
                   days before T; a fraud signal on those visits; rescue later than the SLA; the same fault ≥ 3 times
                   in 30 days with no repair; bypass (短接) evidence
P1    制造单位      failure of its (OEM) part within warranty (causal) or design life (status) with a clean
                   maintenance record; the same failure mode in ≥ k units of the model (同一性缺陷)
I1    安装单位      failure within 12 months after the installation 监督检验 (a cluster if ≥ 3 faults)
X1    检验机构      the last 合格 issued while a hazard was open; the failed subsystem's fault or hazard present
                   (unrepaired) in the 30 days before that 合格; a penalty for false inspection
S1    保险公司      a policy in force at T: payout obligation, subrogating against the parties named above
====  ===========  ===============================================================================================

A finding is **causal** when its precondition touches the failed subsystem, **status** otherwise (an overdue
inspection, a missing contract). Ranking: causal before status, then by rule (M1, P1, I1, U1, X1, S1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ledger.core.gbt24476 import FAULT_CODES
from ledger.core.identifiers import format_instant
from ledger.core.maintenance_items import ITEMS, TIER_ITEMS
from projections.config import DAY_S, Thresholds
from projections.framework.context import ElevatorContext
from projections.framework.events import EventRef, LedgerEvent, add_years, day, local_day, ref, ref_json
from projections.framework.findings import Finding
from projections.views.fleet import CAUSE_SUBSYSTEM, IncidentRow
from projections.views.fraud import KIND_SUBSYSTEM
from projections.views.parties import PenaltyRow

__all__ = ["RULE_ORDER", "Situation", "assess", "incident_subject"]

RULE_ORDER = ("M1", "P1", "I1", "U1", "X1", "S1")
ROLE_OF_RULE = {"U1": "user_unit", "M1": "maintainer", "P1": "manufacturer", "I1": "installer",
                "X1": "inspection_body", "S1": "insurer"}
INCIDENT_TYPES = frozenset({"FaultReported", "EntrapmentRescue", "ClaimFiled", "AccidentReported", "HazardFound"})


@dataclass
class Situation:
    """Everything the rules read, as of T (all of it from events with occurred_at ≤ T)."""

    code: str
    at: int
    incident: LedgerEvent | None
    subject: LedgerEvent | None  # the loss event (for a claim: the incident it claims on)
    events: list[LedgerEvent]
    ctx: ElevatorContext
    facts: Mapping[str, Any]  # dossier facts (projections.views.dossier.dossier_facts)
    alerts: list[Finding]  # every alert opened by T (open or closed)
    signals: list[Finding]  # every fraud signal found by T
    same_mode: list[IncidentRow] = field(default_factory=list)  # the fleet's faults of the same model and code
    penalties: list[PenaltyRow] = field(default_factory=list)  # up to T
    names: Mapping[str, str] = field(default_factory=dict)

    @property
    def day(self) -> date:
        return local_day(self.at)


def incident_subject(incident: LedgerEvent, events: Sequence[LedgerEvent]) -> tuple[LedgerEvent, str | None,
                                                                                     int | None]:
    """The loss event behind an incident, its failed subsystem and fault code (None when unknown)."""
    by_id = {ev.event_id: ev for ev in events}
    subject = incident
    if incident.type == "ClaimFiled":
        refs = [by_id[r] for r in incident.payload["incident_refs"] if r in by_id]
        subject = refs[0] if refs else incident
    p = subject.payload
    if subject.type == "FaultReported":
        known = FAULT_CODES.get(p["code"])
        return subject, known.subsystem if known else None, p["code"]
    if subject.type in ("EntrapmentRescue", "AccidentReported"):
        fault = by_id.get(p.get("fault_ref", ""))
        if fault is not None and fault.type == "FaultReported":
            known = FAULT_CODES.get(fault.payload["code"])
            return subject, known.subsystem if known else None, fault.payload["code"]
        return subject, CAUSE_SUBSYSTEM.get(p.get("cause", "")), None
    if subject.type == "HazardFound":
        return subject, p["subsystem"], None
    return subject, None, None


def _finding(rule: str, party: str | None, basis: str, reason: str, evidence: Sequence[EventRef | None],
             **detail: Any) -> dict[str, Any]:
    return {"rule": rule, "party": party, "role": ROLE_OF_RULE[rule], "basis": basis, "reason": reason,
            "evidence": [ref_json(r) for r in dict.fromkeys(e for e in evidence if e is not None)],
            "detail": detail}


def _fact_ref(value: Sequence[Any] | None) -> EventRef | None:
    """A reference as the dossier facts store it (``[event_id, type, hash, occurred_at]``)."""
    return None if value is None else EventRef(*value)


def assess(s: Situation, subsystem: str | None, fault_code: int | None, config: Thresholds) -> dict[str, Any]:
    """The responsibility report at ``s.at``."""
    m1 = _maintainer(s, subsystem, fault_code, config)
    findings = [*m1, *_manufacturer(s, subsystem, fault_code, m1, config), *_installer(s, config),
                *_user_unit(s, subsystem, config), *_inspection_body(s, subsystem, config)]
    findings += _insurer(s, findings)
    findings.sort(key=lambda f: (f["basis"] != "causal", RULE_ORDER.index(f["rule"]), f["party"] or ""))
    for n, f in enumerate(findings, start=1):
        f["rank"] = n
        f["name"] = s.names.get(f["party"] or "")
    return {
        "equipment_code": s.code,
        "at": format_instant(s.at),
        "incident": ref_json(ref(s.incident)) if s.incident else None,
        "subject": ref_json(ref(s.subject)) if s.subject and s.subject is not s.incident else None,
        "failed_subsystem": subsystem,
        "fault_code": fault_code,
        "parties_at_t": _parties(s),
        "findings": findings,
        "summary": _summary(findings, s.names),
        "note": "a ranked list of who may answer for what, with the events that show it — not a verdict; "
                "the regulator decides",
    }


def _parties(s: Situation) -> dict[str, Any]:
    contract = s.ctx.contract_on(s.day)
    body = _last_pass(s)
    return {
        "user_unit": s.ctx.user_unit, "maintainer": contract.maintainer if contract else None,
        "manufacturer": s.ctx.manufacturer, "installer": s.ctx.installer,
        "inspection_body": body["body"] if body else None,
        "insurers": sorted({p["insurer"] for p in _policies_in_force(s)}),
    }


def _summary(findings: Sequence[Mapping[str, Any]], names: Mapping[str, str]) -> list[dict[str, Any]]:
    parties: dict[tuple[str | None, str], dict[str, Any]] = {}
    for f in findings:
        entry = parties.setdefault((f["party"], f["role"]), {
            "party": f["party"], "name": names.get(f["party"] or ""), "role": f["role"], "rules": [], "causal": 0,
            "status": 0})
        entry["rules"].append(f["rule"])
        entry[f["basis"]] += 1
    out = sorted(parties.values(), key=lambda e: (-e["causal"], -e["status"], RULE_ORDER.index(e["rules"][0])))
    for e in out:
        e["rules"] = sorted(set(e["rules"]), key=RULE_ORDER.index)
    return out


def _open(s: Situation, rule: str) -> list[Finding]:
    """Alerts of ``rule`` open at T."""
    return [f for f in s.alerts if f.rule == rule and (f.closed_at is None or f.closed_at > s.at)]


# --- M1 --------------------------------------------------------------------------------------------------------


def _maintainer(s: Situation, subsystem: str | None, fault_code: int | None,
                config: Thresholds) -> list[dict[str, Any]]:
    contract = s.ctx.contract_on(s.day)
    party = contract.maintainer if contract else None
    if party is None:
        return []
    out = []
    for f in _open(s, "F3.maintenance_gap"):
        out.append(_finding("M1", party, "status", f"no maintenance within the {f.detail.get('limit_days')}-day "
                            "interval before T", f.evidence, alert="F3.maintenance_gap"))
    window = config.maintenance_pass_window_days * DAY_S
    visits = [ev for ev in s.events if ev.type == "MaintenancePerformed" and ev.org == party
              and s.at - window <= ev.occurred_at <= s.at]
    if subsystem is not None and visits:
        out.extend(_items_findings(party, visits[-1], subsystem))
    visit_ids = {v.event_id for v in visits}
    flagged = [f for f in s.signals if f.rule.startswith("FV.") and any(e.event_id in visit_ids for e in f.evidence)]
    for f in flagged:
        out.append(_finding("M1", party, "causal",
                            f"the visits before the failure carry a 虚假维保 signal ({f.rule})", f.evidence,
                            signal=f.rule))
    out.extend(_rescue_findings(s, party))
    if fault_code is not None:
        out.extend(_recurring(s, party, subsystem, fault_code, config))
    for f in s.signals:
        if f.rule.startswith("FB.") and f.opened_at <= s.at:
            out.append(_finding("M1", party, "causal" if subsystem in ("safety_circuit", "door", None) else "status",
                                f"bypass evidence: {f.rule}", f.evidence, signal=f.rule))
    return out


def _items_findings(party: str, visit: LedgerEvent, subsystem: str) -> list[dict[str, Any]]:
    results = visit.payload["results"]
    tier = visit.payload["tier"]
    expected = [i for i in (TIER_ITEMS.get(tier) or tuple(results)) if ITEMS[i].subsystem == subsystem]
    if not expected:
        return []
    missing = [i for i in expected if i not in results]
    if missing:
        return [_finding("M1", party, "causal", f"the last visit before the failure left out {len(missing)} "
                         f"{subsystem} item(s) of its tier", [ref(visit)], items_missing=missing)]
    if all(results[i] == "pass" for i in expected):
        return [_finding("M1", party, "causal", f"every {subsystem} item was marked 'pass' within 15 days before "
                         "the failure", [ref(visit)], items=expected)]
    return []


def _rescue_findings(s: Situation, party: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    ticket = s.subject if s.subject is not None and s.subject.type == "EntrapmentRescue" else None
    if ticket is None:
        return out
    late = [f for f in s.alerts if f.rule in ("F9.rescue_late", "F9.rescue_no_arrival") and f.key == ticket.event_id]
    for f in late:
        responder = f.detail.get("responder") or party
        out.append(_finding("M1", responder, "causal", "rescue arrival later than the SLA" if f.rule ==
                            "F9.rescue_late" else "no arrival recorded for a real entrapment", f.evidence,
                            alert=f.rule, arrival_minutes=f.detail.get("arrival_minutes"),
                            sla_minutes=f.detail.get("sla_minutes")))
    return out


def _recurring(s: Situation, party: str, subsystem: str | None, fault_code: int,
               config: Thresholds) -> list[dict[str, Any]]:
    since = s.at - config.recurring_fault_days * DAY_S
    same = [ev for ev in s.events if ev.type == "FaultReported" and ev.payload["code"] == fault_code
            and since <= ev.occurred_at <= s.at]
    if len(same) < config.recurring_fault_count:
        return []
    first = same[0].occurred_at
    fixed = [ev for ev in s.events if ev.type in ("Repaired", "MajorRepair") and first <= ev.occurred_at <= s.at
             and (ev.type == "MajorRepair" or ev.payload["subsystem"] == subsystem)]
    if fixed:
        return []
    return [_finding("M1", party, "causal", f"fault {fault_code} recurred {len(same)} times in "
                     f"{config.recurring_fault_days} days with no root-cause repair", [ref(ev) for ev in same],
                     occurrences=len(same))]


# --- P1 and I1 -------------------------------------------------------------------------------------------------


def _manufacturer(s: Situation, subsystem: str | None, fault_code: int | None, m1: Sequence[Mapping[str, Any]],
                  config: Thresholds) -> list[dict[str, Any]]:
    maker = s.ctx.manufacturer
    if maker is None:
        return []
    out = []
    parts = [c for c in s.facts["components"] if KIND_SUBSYSTEM.get(c["kind"]) == subsystem]
    clean = not any(f["basis"] == "causal" or f["detail"].get("alert") == "F3.maintenance_gap" for f in m1)
    if subsystem is not None and clean and parts and all(c["oem"] for c in parts):
        in_warranty = [c for c in parts if c.get("warranty_until") and s.day <= day(c["warranty_until"])]
        evidence = [_fact_ref(c["event"]) for c in parts]
        if in_warranty:
            out.append(_finding("P1", maker, "causal", f"{subsystem} part failed within its warranty with a clean "
                                "maintenance record and OEM parts", evidence,
                                parts=[{"kind": c["kind"], "serial": c["serial"],
                                        "warranty_until": c.get("warranty_until")} for c in in_warranty]))
        elif _within_design_life(s):
            out.append(_finding("P1", maker, "status", f"{subsystem} failed within the design life "
                                f"({s.ctx.design_life_years} years) with a clean maintenance record and OEM parts",
                                [*evidence, s.ctx.made]))
    units = sorted({row.code for row in s.same_mode})
    if fault_code is not None and len(units) >= config.same_mode_units:
        evidence = [EventRef(row.event_id, row.type, row.hash, row.occurred_at) for row in s.same_mode[:10]]
        out.append(_finding("P1", maker, "causal", f"the same failure mode (fault {fault_code}) in {len(units)} "
                            f"units of model {s.ctx.model} within {config.same_mode_window_days} days "
                            "(同一性缺陷: recall candidate)", evidence, units=units))
    return out


def _within_design_life(s: Situation) -> bool:
    start, life = s.ctx.use_start, s.ctx.design_life_years
    return start is not None and life is not None and s.day <= add_years(local_day(start), life)


def _installer(s: Situation, config: Thresholds) -> list[dict[str, Any]]:
    installer, since = s.ctx.installer, s.ctx.supervised_at
    if installer is None or since is None or s.subject is None:
        return []
    end = since + config.installation_window_days * DAY_S
    if not since <= s.subject.occurred_at <= end:
        return []
    faults = [ev for ev in s.events if ev.type == "FaultReported" and since <= ev.occurred_at <= end]
    cluster = len(faults) >= config.installation_cluster_faults
    reason = (f"a cluster of {len(faults)} faults" if cluster else "a failure") + \
        " within 12 months of the installation 监督检验"
    return [_finding("I1", installer, "causal", reason, [s.ctx.supervised, *(ref(ev) for ev in faults[:10])],
                     faults_in_window=len(faults))]


# --- U1 --------------------------------------------------------------------------------------------------------


def _user_unit(s: Situation, subsystem: str | None, config: Thresholds) -> list[dict[str, Any]]:
    ctx = s.ctx
    party = ctx.user_unit
    out: list[dict[str, Any]] = []
    if ctx.registered_at is None:
        out.append(_finding("U1", party or ctx.installer, "status",
                            "the elevator was not registered (未办理使用登记)", [ctx.made]))
    if party is None:
        return out
    for f in _open(s, "F6.inspection_expired"):
        out.append(_finding("U1", party, "status", "periodic inspection expired (检验超期)", f.evidence,
                            alert=f.rule, art84_candidate="art84_candidate_at" in f.detail))
    reports = s.facts["inspections"]
    if reports and reports[-1]["conclusion"] == "fail":
        out.append(_finding("U1", party, "status", "the last inspection was 不合格",
                            [_fact_ref(reports[-1]["event"])]))
    hazards = {EventRef(*h["event"]).event_id: h for h in s.facts["hazards"]}
    for f in _open(s, "F8.running_after_fail"):
        stop = hazards.get(f.evidence[0].event_id) if f.evidence else None
        causal = stop is not None and stop["subsystem"] == subsystem
        who = "the maintainer's written stop notice" if stop and stop["source"] == "maintenance" else f.detail.get(
            "after", "不合格")
        out.append(_finding("U1", party, "causal" if causal else "status", f"kept running after {who}", f.evidence,
                            alert=f.rule))
    for f in _open(s, "F8.unrepaired_safety"):
        fault = next((ev for ev in s.events if ev.event_id == f.key), None)
        fault_subsystem = FAULT_CODES[fault.payload["code"]].subsystem if fault else None
        out.append(_finding("U1", party, "causal" if fault_subsystem == subsystem else "status",
                            "operated after a safety fault with no repair", f.evidence, alert=f.rule))
    for f in s.signals:
        if f.rule == "FB.running_while_suspended":
            out.append(_finding("U1", party, "status", "running while suspended (停用)", f.evidence, signal=f.rule))
    for h in s.facts["hazards"]:
        if h["found_at"] <= s.at and (h["rectified_at"] is None or h["rectified_at"] > s.at) \
                and s.day > day(h["deadline"]):
            out.append(_finding("U1", party, "causal" if h["subsystem"] == subsystem else "status",
                                f"hazard {h['hazard_no']} open past its deadline {h['deadline']}",
                                [_fact_ref(h["event"])], hazard_no=h["hazard_no"], subsystem=h["subsystem"]))
    if ctx.registered_at is not None and ctx.contract_on(s.day) is None:
        last = max(ctx.contracts.values(), key=lambda c: c.last_day, default=None)
        out.append(_finding("U1", party, "status", "no maintenance contract in force (无维保单位)",
                            [ctx.registration, last.ref if last else None]))
    return out


# --- X1 --------------------------------------------------------------------------------------------------------


def _last_pass(s: Situation) -> Mapping[str, Any] | None:
    passes = [r for r in s.facts["inspections"] if r["conclusion"] == "pass" and r["at"] <= s.at]
    return passes[-1] if passes else None


def _inspection_body(s: Situation, subsystem: str | None, config: Thresholds) -> list[dict[str, Any]]:
    report = _last_pass(s)
    if report is None:
        return []
    body, at, rref = report["body"], report["at"], _fact_ref(report["event"])
    out = []
    for h in s.facts["hazards"]:
        if h["found_at"] < at and (h["rectified_at"] is None or h["rectified_at"] > at):
            out.append(_finding("X1", body, "causal" if h["subsystem"] == subsystem else "status",
                                f"合格 issued while hazard {h['hazard_no']} was open", [rref, _fact_ref(h["event"])],
                                hazard_no=h["hazard_no"]))
    if subsystem is not None:
        since = at - config.present_at_inspection_days * DAY_S
        before = [ev for ev in s.events if since <= ev.occurred_at < at and (
            (ev.type == "FaultReported" and FAULT_CODES.get(ev.payload["code"]) is not None
             and FAULT_CODES[ev.payload["code"]].subsystem == subsystem)
            or (ev.type == "HazardFound" and ev.payload["subsystem"] == subsystem))]
        repaired = [ev for ev in s.events if ev.type in ("Repaired", "MajorRepair") and before
                    and before[-1].occurred_at <= ev.occurred_at < at]
        if before and not repaired:
            out.append(_finding("X1", body, "causal", f"the {subsystem} condition was on record, unrepaired, in the "
                                f"{config.present_at_inspection_days} days before the 合格",
                                [rref, *(ref(ev) for ev in before)]))
    for penalty in s.penalties:
        if penalty.party == body and penalty.category == "false_inspection" and penalty.occurred_at <= s.at:
            out.append(_finding("X1", body, "status", "penalised for false inspection results (Art. 93)",
                                [rref, EventRef(penalty.event_id, "PenaltyImposed", penalty.hash,
                                                penalty.occurred_at)]))
    return out


# --- S1 --------------------------------------------------------------------------------------------------------


def _policies_in_force(s: Situation) -> list[Mapping[str, Any]]:
    return [p for p in s.facts["policies"] if day(p["period_start"]) <= s.day <= day(p["period_end"])]


def _insurer(s: Situation, findings: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    liable = sorted({f["party"] for f in findings if f["basis"] == "causal" and f["party"]})
    no_maintenance = any(f["detail"].get("alert") == "F3.maintenance_gap" or "无维保" in f["reason"]
                         for f in findings)
    claims = [ev for ev in s.events if ev.type == "ClaimFiled"]
    for p in _policies_in_force(s):
        evidence = [_fact_ref(p["event"]), *(ref(c) for c in claims if c.payload["policy_no"] == p["policy_no"])]
        out.append(_finding("S1", p["insurer"], "status", f"policy {p['policy_no']} ({p['product']}) in force at T: "
                            "payout obligation, subrogating against the parties found causal", evidence,
                            policy_no=p["policy_no"], product=p["product"], subrogation=liable,
                            possible_exclusion="lack of maintenance" if no_maintenance else None))
    return out
