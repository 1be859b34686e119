"""Maintainer credit A–D with its indicator breakdown and veto rules, and the blacklist (黑名单).

Pure. The five indicator groups follow Anshan's scheme [S14] — 资源条件, 质量管理, 应急救援, 现场实操, 日常监管 —
measured on what the ledger can see over the trailing window (a year by default):

=============  =====================================================================================
resources      certified 电梯修理(T) workers valid at T, against one per 30 units maintained [E]
quality        维保及时率 of its units, less up to 40 points when their fault rate exceeds the fleet's
rescue         按时到达率 of the rescue tickets on its units
on_site        share of its visits carrying a 虚假维保 signal (short, no IoT evidence, impossible travel, …)
supervision    penalties against it (20 points each) and its units' first-pass inspection rate below 95%
=============  =====================================================================================

The weighted score (weights in :mod:`projections.config`) loses 10 points when any unit had ≥ 3 faults in a month
(Zhuhai [S14]); A ≥ 90, B ≥ 75, C ≥ 60, else D [E]. Veto to D [S14]: no valid maintenance licence, an accident
on a unit it maintained, being on the blacklist, or a penalty for 短接/转包/分包.

Blacklist [K][E]: a revoked licence lists the organization for 3 years (Art. 96); so does a penalty in a serious
category (虚假维保, 短接, 虚假检验, 转包分包, 无证, 事故), or 3 penalties of any kind within a year.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from ledger.core.identifiers import format_instant
from projections.config import DAY_S, Thresholds
from projections.framework.events import EventRef, add_years, day, day_start, local_day, ref_json
from projections.views.fleet import MONTHLY_METRICS, IncidentRow, InspectionRow, MonthlyRow, ServiceRow, TicketRow
from projections.views.parties import LicenceRow, PenaltyRow, RatingRow, RevocationRow, WorkerRow

__all__ = ["CreditInputs", "blacklist", "credit_grade", "credit_ratings"]

INDICATOR_LABELS = {"resources": "资源条件", "quality": "质量管理", "rescue": "应急救援", "on_site": "现场实操",
                    "supervision": "日常监管"}
_ON_SITE_SIGNALS = frozenset({"FV.short_duration", "FV.same_person_twice", "FV.no_iot_evidence",
                              "FV.impossible_travel", "FV.overlapping_jobs", "FV.duplicate_evidence"})


@dataclass
class CreditInputs:
    """What credit needs, already filtered to the window [start, at]."""

    at: int
    start: int
    orgs: dict[str, dict[str, Any]]  # org → {name, roles}
    licences: list[LicenceRow] = field(default_factory=list)
    revocations: list[RevocationRow] = field(default_factory=list)  # ≤ at
    workers: list[WorkerRow] = field(default_factory=list)
    service: list[ServiceRow] = field(default_factory=list)  # stretches overlapping the window
    monthly: list[MonthlyRow] = field(default_factory=list)  # months in the window
    tickets: list[TicketRow] = field(default_factory=list)
    inspections: list[InspectionRow] = field(default_factory=list)
    accidents: list[IncidentRow] = field(default_factory=list)  # incidents of type AccidentReported (≤ at)
    penalties: list[PenaltyRow] = field(default_factory=list)  # ≤ at, all time
    signals: list[dict[str, Any]] = field(default_factory=list)  # {rule, maintainer, event_ids, evidence}
    ratings: list[RatingRow] = field(default_factory=list)  # ≤ at


class _Listing(NamedTuple):
    """Why a party is on the blacklist, from when."""

    at: int
    reason: dict[str, Any]


def blacklist(inputs: CreditInputs, config: Thresholds) -> list[dict[str, Any]]:
    """Parties on the blacklist at ``inputs.at``, each with the events that put them there."""
    reasons: dict[str, list[_Listing]] = defaultdict(list)
    for revoked in inputs.revocations:
        if revoked.kind == "licence" and revoked.revoked_at <= inputs.at:
            reasons[revoked.org].append(_Listing(revoked.revoked_at, {
                "reason": "licence_revoked", "licence_no": revoked.number, "detail": revoked.reason,
                "evidence": _revocation_ref(revoked)}))
    by_party: dict[str, list[PenaltyRow]] = defaultdict(list)
    for penalty in inputs.penalties:
        if penalty.occurred_at <= inputs.at:
            by_party[penalty.party].append(penalty)
    for party, penalties in by_party.items():
        penalties.sort(key=lambda r: (r.occurred_at, r.event_id))
        for penalty in penalties:
            if penalty.category in config.blacklist_categories:
                reasons[party].append(_Listing(penalty.occurred_at, _penalty_reason(penalty, "serious_penalty")))
        for n in range(len(penalties) - config.blacklist_penalties_per_year + 1):
            window = penalties[n:n + config.blacklist_penalties_per_year]
            if window[-1].occurred_at - window[0].occurred_at <= 365 * DAY_S:
                reasons[party].append(_Listing(window[-1].occurred_at, {
                    "reason": "repeated_penalties", "count": len(window),
                    "evidence": [_penalty_reason(r, "penalty")["evidence"] for r in window]}))
                break
    out = []
    for org, listings in sorted(reasons.items()):
        listings.sort(key=lambda listing: listing.at)
        until = max(day_start(add_years(local_day(listing.at), config.blacklist_years)) for listing in listings)
        if until <= inputs.at:
            continue
        out.append({"org": org, "name": inputs.orgs.get(org, {}).get("name"),
                    "listed_from": format_instant(listings[0].at), "listed_until": format_instant(until),
                    "reasons": [listing.reason for listing in listings]})
    return out


def _penalty_reason(penalty: PenaltyRow, reason: str) -> dict[str, Any]:
    return {"reason": reason, "category": penalty.category, "law_article": penalty.law_article,
            "amount_fen": penalty.amount_fen, "decision_no": penalty.decision_no, "equipment_code": penalty.code,
            "evidence": ref_json(EventRef(penalty.event_id, "PenaltyImposed", penalty.hash, penalty.occurred_at))}


def _revocation_ref(revoked: RevocationRow) -> dict[str, Any]:
    return ref_json(EventRef(revoked.event_id, "LicenceRevoked", revoked.hash, revoked.revoked_at))


def credit_grade(score: float, config: Thresholds) -> str:
    for grade, floor in config.credit_grades:
        if score >= floor:
            return grade
    return "D"


def credit_ratings(inputs: CreditInputs, config: Thresholds,
                   blacklisted: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Every maintainer's credit at ``inputs.at``: grade, score, indicators, deductions, vetoes, published grade.

    ``blacklisted``: the blacklist of the same inputs, when the caller has it already.
    """
    entries = blacklist(inputs, config) if blacklisted is None else blacklisted
    listed = {entry["org"]: entry for entry in entries}
    fleet_days = sum(_overlap(r, inputs.start, inputs.at) for r in inputs.service)
    fleet_faults = sum(r.faults for r in inputs.monthly)
    fleet_rate = fleet_faults / (fleet_days / 365) if fleet_days else 0.0
    out = []
    for org in sorted(o for o, info in inputs.orgs.items() if "maintainer" in info["roles"]):
        out.append(_rate(org, inputs, config, listed.get(org), fleet_rate))
    return out


def _overlap(segment: ServiceRow, start: int, end: int) -> float:
    """Days of ``[start, end)`` the stretch was in service."""
    return segment.seconds_within(start, end) / DAY_S


def _rate(org: str, inp: CreditInputs, config: Thresholds, listed: Mapping[str, Any] | None,
          fleet_rate: float) -> dict[str, Any]:
    today = local_day(inp.at)
    segments = [r for r in inp.service if r.maintainer == org]
    unit_days = sum(_overlap(r, inp.start, inp.at) for r in segments)
    units_now = len({r.code for r in segments if r.start_at <= inp.at and (r.end_at is None or r.end_at > inp.at)})
    monthly: defaultdict[str, int] = defaultdict(int)
    unit_month_faults: dict[tuple[str, str], int] = defaultdict(int)
    for counters in inp.monthly:
        if counters.maintainer == org:
            for metric in MONTHLY_METRICS:
                monthly[metric] += getattr(counters, metric)
            unit_month_faults[(counters.code, counters.month)] += counters.faults
    indicators = {
        "resources": _resources(org, inp, config, units_now, today),
        "quality": _quality(monthly, unit_days, fleet_rate),
        "rescue": _rescue(org, inp),
        "on_site": _on_site(org, inp, monthly),
        "supervision": _supervision(org, inp),
    }
    weights = config.credit_weights
    score = sum(weights[k] * v["score"] for k, v in indicators.items()) / sum(weights.values())
    deductions = []
    heavy = sorted(k for k, v in unit_month_faults.items() if v >= config.zhuhai_faults_per_unit_month)
    if heavy:
        deductions.append({"rule": "zhuhai_faults_per_unit_month", "points": config.zhuhai_deduction,
                           "detail": [{"equipment_code": c, "month": m, "faults": unit_month_faults[(c, m)]}
                                      for c, m in heavy]})
        score -= config.zhuhai_deduction
    score = round(max(0.0, score), 1)
    vetoes = _vetoes(org, inp, config, listed, today)
    grade: str | None = "D" if vetoes else credit_grade(score, config)
    if not vetoes and unit_days == 0:
        grade = None  # maintained nothing in the window: nothing to rate
    published = [r for r in inp.ratings if r.org == org]
    latest = max(published, key=lambda r: (r.occurred_at, r.event_id)) if published else None
    return {
        "org": org, "name": inp.orgs[org]["name"], "grade": grade, "score": score,
        "grade_before_veto": credit_grade(score, config), "units": units_now,
        "unit_years": round(unit_days / 365, 3),
        "indicators": [{"id": k, "label": INDICATOR_LABELS[k], "weight": weights[k], **v}
                       for k, v in indicators.items()],
        "deductions": deductions, "vetoes": vetoes,
        "published": None if latest is None else {
            "grade": latest.grade, "period": latest.period, "rule_set": latest.rule_set, "score": latest.score,
            "evidence": ref_json(EventRef(latest.event_id, "CreditRated", latest.hash, latest.occurred_at))},
        "window": {"from": format_instant(inp.start), "to": format_instant(inp.at)},
    }


def _resources(org: str, inp: CreditInputs, config: Thresholds, units: int, today: date) -> dict[str, Any]:
    revoked = {r.number for r in _revoked(inp, org, "certificate")}
    workers = [w for w in inp.workers if w.org == org and w.category == "T"
               and day(w.valid_from) <= today <= day(w.valid_until) and w.cert_no not in revoked]
    needed = max(1.0, units / config.credit_units_per_worker)
    return {"score": round(min(100.0, 100 * len(workers) / needed), 1),
            "basis": {"certified_workers": len(workers), "units": units, "workers_needed": round(needed, 2)}}


def _quality(monthly: Mapping[str, int], unit_days: float, fleet_rate: float) -> dict[str, Any]:
    intervals, on_time = monthly["maint_intervals"], monthly["maint_on_time"]
    timely = on_time / intervals if intervals else 1.0
    rate = monthly["faults"] / (unit_days / 365) if unit_days else 0.0
    ratio = rate / fleet_rate if fleet_rate else 0.0
    penalty = min(40.0, max(0.0, (ratio - 1) * 20))
    return {"score": round(max(0.0, 100 * timely - penalty), 1),
            "basis": {"maintenance_on_time_rate": round(timely, 4), "intervals": intervals,
                      "faults_per_unit_year": round(rate, 3), "fleet_faults_per_unit_year": round(fleet_rate, 3),
                      "fault_penalty": round(penalty, 1)}}


def _rescue(org: str, inp: CreditInputs) -> dict[str, Any]:
    tickets = [r for r in inp.tickets if r.maintainer == org and not r.false_alarm
               and not (r.self_rescued and r.dispatched_at is None)]
    on_time = [r for r in tickets if r.arrived_at is not None and r.arrived_at - r.alarm_at <= r.sla_s]
    rate = len(on_time) / len(tickets) if tickets else 1.0
    return {"score": round(100 * rate, 1), "basis": {"tickets": len(tickets), "on_time": len(on_time)}}


def _on_site(org: str, inp: CreditInputs, monthly: Mapping[str, int]) -> dict[str, Any]:
    flagged = {e for s in inp.signals if s["maintainer"] == org and s["rule"] in _ON_SITE_SIGNALS
               for e in s["event_ids"]}
    visits = monthly["visits"]
    share = len(flagged) / visits if visits else 0.0
    return {"score": round(100 * max(0.0, 1 - 5 * share), 1),
            "basis": {"visits": visits, "flagged_visits": len(flagged), "flagged_share": round(share, 4)}}


def _supervision(org: str, inp: CreditInputs) -> dict[str, Any]:
    penalties = [r for r in inp.penalties if r.party == org and inp.start <= r.occurred_at <= inp.at]
    periodic = [r for r in inp.inspections if r.maintainer == org and r.kind == "periodic"]
    first_pass = sum(r.first_pass for r in periodic) / len(periodic) if periodic else 1.0
    score = 100 - 20 * len(penalties) - max(0.0, (0.95 - first_pass) * 200)
    return {"score": round(max(0.0, min(100.0, score)), 1),
            "basis": {"penalties": len(penalties), "inspections": len(periodic),
                      "first_pass_rate": round(first_pass, 4),
                      "evidence": [_penalty_reason(r, "penalty")["evidence"] for r in penalties]}}


def _vetoes(org: str, inp: CreditInputs, config: Thresholds, listed: Mapping[str, Any] | None,
            today: date) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    revoked = {r.number: r for r in _revoked(inp, org, "licence")}
    valid = [r for r in inp.licences if r.org == org and r.kind == "maintenance" and r.licence_no not in revoked
             and day(r.valid_from) <= today <= day(r.valid_until)]
    if not valid:
        evidence = [_revocation_ref(r) for r in revoked.values()]
        out.append({"rule": "licence_invalid", "reason": "no valid maintenance licence (维保许可) at T",
                    "evidence": evidence})
    accidents = [r for r in inp.accidents if r.maintainer == org and inp.start <= r.occurred_at <= inp.at]
    if accidents:
        out.append({"rule": "accident", "reason": "an accident on a unit it maintained",
                    "evidence": [ref_json(EventRef(r.event_id, "AccidentReported", r.hash, r.occurred_at))
                                 for r in accidents]})
    if listed is not None:
        out.append({"rule": "blacklisted", "reason": "on the 严重违法失信名单 (blacklist)",
                    "evidence": [_first_evidence(r) for r in listed["reasons"]]})
    vetoed = [r for r in inp.penalties if r.party == org and r.category in config.credit_veto_categories
              and inp.start <= r.occurred_at <= inp.at]
    if vetoed:
        out.append({"rule": "penalty_bypass_or_subcontracting", "reason": "penalised for 短接/转包/分包",
                    "evidence": [_penalty_reason(r, "penalty")["evidence"] for r in vetoed]})
    return out


def _revoked(inp: CreditInputs, org: str, kind: str) -> list[RevocationRow]:
    """The organization's revocations of ``kind`` (licence, certificate) in force at ``inp.at``."""
    return [r for r in inp.revocations if r.kind == kind and r.org == org and r.revoked_at <= inp.at]


def _first_evidence(reason: Mapping[str, Any]) -> Any:
    evidence = reason["evidence"]
    return evidence[0] if isinstance(evidence, list) else evidence
