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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ledger.core.identifiers import format_instant
from projections.config import DAY_S, Thresholds
from projections.framework.events import add_years, day, day_start, local_day, ref_json
from projections.views.fleet import MONTHLY_METRICS

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
    licences: list[tuple[Any, ...]] = field(default_factory=list)  # pj_licences rows
    revocations: list[tuple[Any, ...]] = field(default_factory=list)  # pj_revocations rows (≤ at)
    workers: list[tuple[Any, ...]] = field(default_factory=list)  # pj_workers rows
    service: list[tuple[Any, ...]] = field(default_factory=list)  # pj_kpi_service rows overlapping the window
    monthly: list[tuple[Any, ...]] = field(default_factory=list)  # pj_kpi_monthly rows in the window
    tickets: list[tuple[Any, ...]] = field(default_factory=list)
    inspections: list[tuple[Any, ...]] = field(default_factory=list)
    accidents: list[tuple[Any, ...]] = field(default_factory=list)  # pj_incidents rows of type AccidentReported
    penalties: list[tuple[Any, ...]] = field(default_factory=list)  # pj_penalties rows (≤ at, all time)
    signals: list[dict[str, Any]] = field(default_factory=list)  # {rule, maintainer, event_ids, evidence}
    ratings: list[tuple[Any, ...]] = field(default_factory=list)  # pj_ratings rows (≤ at)


def blacklist(inputs: CreditInputs, config: Thresholds) -> list[dict[str, Any]]:
    """Parties on the blacklist at ``inputs.at``, each with the events that put them there."""
    reasons: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for event_id, kind, org, number, revoked_at, reason, h in inputs.revocations:
        if kind == "licence" and revoked_at <= inputs.at:
            reasons[org].append((revoked_at, {"reason": "licence_revoked", "licence_no": number, "detail": reason,
                                              "evidence": ref_json((event_id, "LicenceRevoked", h, revoked_at))}))
    by_party: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in inputs.penalties:
        if row[8] <= inputs.at:
            by_party[row[1]].append(row)
    for party, rows in by_party.items():
        rows.sort(key=lambda r: (r[8], r[0]))
        for row in rows:
            if row[4] in config.blacklist_categories:
                reasons[party].append((row[8], _penalty_reason(row, "serious_penalty")))
        for n in range(len(rows) - config.blacklist_penalties_per_year + 1):
            window = rows[n:n + config.blacklist_penalties_per_year]
            if window[-1][8] - window[0][8] <= 365 * DAY_S:
                reasons[party].append((window[-1][8], {
                    "reason": "repeated_penalties", "count": len(window),
                    "evidence": [_penalty_reason(r, "penalty")["evidence"] for r in window]}))
                break
    out = []
    for org, items in sorted(reasons.items()):
        items.sort(key=lambda x: x[0])
        since = items[0][0]
        until = max(day_start(add_years(local_day(t), config.blacklist_years)) for t, _ in items)
        if until <= inputs.at:
            continue
        out.append({"org": org, "name": inputs.orgs.get(org, {}).get("name"), "listed_from": format_instant(since),
                    "listed_until": format_instant(until), "reasons": [r for _, r in items]})
    return out


def _penalty_reason(row: Sequence[Any], reason: str) -> dict[str, Any]:
    event_id, _, code, article, category, amount, decision, _, at, h = row
    return {"reason": reason, "category": category, "law_article": article, "amount_fen": amount,
            "decision_no": decision, "equipment_code": code, "evidence": ref_json((event_id, "PenaltyImposed", h, at))}


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
    faults_at = 4 + MONTHLY_METRICS.index("faults")
    fleet_faults = sum(r[faults_at] for r in inputs.monthly)
    fleet_rate = fleet_faults / (fleet_days / 365) if fleet_days else 0.0
    out = []
    for org in sorted(o for o, info in inputs.orgs.items() if "maintainer" in info["roles"]):
        out.append(_rate(org, inputs, config, listed.get(org), fleet_rate))
    return out


def _overlap(service_row: Sequence[Any], start: int, end: int) -> float:
    _, a, b, _, _ = service_row
    return float(max(0, min(end, b if b is not None else end) - max(start, a)) / DAY_S)


def _rate(org: str, inp: CreditInputs, config: Thresholds, listed: Mapping[str, Any] | None,
          fleet_rate: float) -> dict[str, Any]:
    today = local_day(inp.at)
    segments = [r for r in inp.service if r[4] == org]
    unit_days = sum(_overlap(r, inp.start, inp.at) for r in segments)
    units_now = len({r[0] for r in segments if r[1] <= inp.at and (r[2] is None or r[2] > inp.at)})
    monthly: defaultdict[str, int] = defaultdict(int)
    unit_month_faults: dict[tuple[str, str], int] = defaultdict(int)
    for code, month, _, maintainer, *values in inp.monthly:
        if maintainer == org:
            for metric, value in zip(MONTHLY_METRICS, values, strict=True):
                monthly[metric] += value
            unit_month_faults[(code, month)] += values[MONTHLY_METRICS.index("faults")]
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
    published = [r for r in inp.ratings if r[1] == org]
    latest = max(published, key=lambda r: (r[6], r[0])) if published else None
    return {
        "org": org, "name": inp.orgs[org]["name"], "grade": grade, "score": score,
        "grade_before_veto": credit_grade(score, config), "units": units_now,
        "unit_years": round(unit_days / 365, 3),
        "indicators": [{"id": k, "label": INDICATOR_LABELS[k], "weight": weights[k], **v}
                       for k, v in indicators.items()],
        "deductions": deductions, "vetoes": vetoes,
        "published": None if latest is None else {
            "grade": latest[2], "period": latest[3], "rule_set": latest[4], "score": latest[5],
            "evidence": ref_json((latest[0], "CreditRated", latest[7], latest[6]))},
        "window": {"from": format_instant(inp.start), "to": format_instant(inp.at)},
    }


def _resources(org: str, inp: CreditInputs, config: Thresholds, units: int, today: date) -> dict[str, Any]:
    revoked = {r[3] for r in inp.revocations if r[1] == "certificate" and r[2] == org and r[4] <= inp.at}
    workers = [w for w in inp.workers if w[1] == org and w[2] == "T" and day(w[3]) <= today <= day(w[4])
               and w[0] not in revoked]
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
    tickets = [r for r in inp.tickets if r[4] == org and not r[11] and not (r[12] and r[6] is None)]
    on_time = [r for r in tickets if r[8] is not None and r[8] - r[5] <= r[13]]
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
    penalties = [r for r in inp.penalties if r[1] == org and inp.start <= r[8] <= inp.at]
    periodic = [r for r in inp.inspections if r[5] == org and r[2] == "periodic"]
    first_pass = sum(r[7] for r in periodic) / len(periodic) if periodic else 1.0
    score = 100 - 20 * len(penalties) - max(0.0, (0.95 - first_pass) * 200)
    return {"score": round(max(0.0, min(100.0, score)), 1),
            "basis": {"penalties": len(penalties), "inspections": len(periodic),
                      "first_pass_rate": round(first_pass, 4),
                      "evidence": [_penalty_reason(r, "penalty")["evidence"] for r in penalties]}}


def _vetoes(org: str, inp: CreditInputs, config: Thresholds, listed: Mapping[str, Any] | None,
            today: date) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    revoked = {r[3]: r for r in inp.revocations if r[1] == "licence" and r[2] == org and r[4] <= inp.at}
    valid = [r for r in inp.licences if r[0] == org and r[2] == "maintenance" and r[1] not in revoked
             and day(r[3]) <= today <= day(r[4])]
    if not valid:
        evidence = [ref_json((r[0], "LicenceRevoked", r[6], r[4])) for r in revoked.values()]
        out.append({"rule": "licence_invalid", "reason": "no valid maintenance licence (维保许可) at T",
                    "evidence": evidence})
    accidents = [r for r in inp.accidents if r[10] == org and inp.start <= r[3] <= inp.at]
    if accidents:
        out.append({"rule": "accident", "reason": "an accident on a unit it maintained",
                    "evidence": [ref_json((r[0], "AccidentReported", r[12], r[3])) for r in accidents]})
    if listed is not None:
        out.append({"rule": "blacklisted", "reason": "on the 严重违法失信名单 (blacklist)",
                    "evidence": [_first_evidence(r) for r in listed["reasons"]]})
    vetoed = [r for r in inp.penalties if r[1] == org and r[4] in config.credit_veto_categories
              and inp.start <= r[8] <= inp.at]
    if vetoed:
        out.append({"rule": "penalty_bypass_or_subcontracting", "reason": "penalised for 短接/转包/分包",
                    "evidence": [_penalty_reason(r, "penalty")["evidence"] for r in vetoed]})
    return out


def _first_evidence(reason: Mapping[str, Any]) -> Any:
    evidence = reason["evidence"]
    return evidence[0] if isinstance(evidence, list) else evidence
