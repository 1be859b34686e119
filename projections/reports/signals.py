"""Fraud signals that need more than one elevator: one worker in two places, one photo on two records, and parts
that fail more often than the fleet after they were fitted. Pure functions over the fraud view's rows.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from itertools import pairwise
from typing import Any, NamedTuple

import orjson

from ledger.core.identifiers import format_instant
from projections.config import DAY_S, Thresholds
from projections.framework.events import EventRef, ref_json
from projections.framework.geo import distance_km
from projections.views.fraud import PATTERNS, EvidenceRow, JobRow, ReplacementRow

__all__ = ["FaultSighting", "duplicate_evidence", "post_replacement", "worker_signals"]


class FaultSighting(NamedTuple):
    """A fault as :func:`post_replacement` reads it (some columns of ``pj_incidents``)."""

    event_id: str
    code: str
    occurred_at: int
    subsystem: str | None
    hash: str


def _signal(rule: str, key: str, at: int, codes: list[str], evidence: list[dict[str, Any]],
            **detail: Any) -> dict[str, Any]:
    return {"rule": rule, "pattern": PATTERNS[rule[:2]], "key": key, "equipment_codes": sorted(set(codes)),
            "opened_at": format_instant(at), "closed_at": None, "detail": detail, "evidence": evidence}


def worker_signals(jobs: Sequence[JobRow], config: Thresholds) -> list[dict[str, Any]]:
    """Consecutive jobs of one worker that overlap, or are too far apart for the time between them.

    Only consecutive pairs (by start time) of one worker are compared, so each worker's day is read once.
    """
    by_worker: dict[str, list[JobRow]] = defaultdict(list)
    for job in jobs:
        for cert in orjson.loads(job.workers):
            by_worker[cert].append(job)
    out = []
    speed = config.travel_speed_kmh
    for cert, items in sorted(by_worker.items()):
        items.sort(key=lambda j: (j.started_at, j.event_id))
        for a, b in pairwise(items):
            evidence = [ref_json(EventRef(job.event_id, "MaintenancePerformed", job.hash, job.ended_at))
                        for job in (a, b)]
            key = f"{cert}:{a.event_id}:{b.event_id}"
            if b.started_at < a.ended_at:
                out.append(_signal("FV.overlapping_jobs", key, b.started_at, [a.code, b.code], evidence,
                                   certificate=cert, maintainer=b.maintainer,
                                   overlap_minutes=round((a.ended_at - b.started_at) / 60, 1)))
                continue
            if a.code == b.code or a.lat_e6 is None or a.lon_e6 is None or b.lat_e6 is None or b.lon_e6 is None:
                continue
            km = distance_km(a.lat_e6, a.lon_e6, b.lat_e6, b.lon_e6)
            minutes = (b.started_at - a.ended_at) / 60
            needed = km / speed * 60
            if minutes < needed:
                out.append(_signal("FV.impossible_travel", key, b.started_at, [a.code, b.code], evidence,
                                   certificate=cert, maintainer=b.maintainer, distance_km=round(km, 2),
                                   minutes_between=round(minutes, 1), minutes_needed=round(needed, 1),
                                   speed_kmh=speed))
    return out


def duplicate_evidence(rows: Sequence[EvidenceRow]) -> list[dict[str, Any]]:
    """The same evidence digest on more than one record."""
    by_digest: dict[str, list[EvidenceRow]] = defaultdict(list)
    for row in rows:
        by_digest[row.sha256].append(row)
    out = []
    for digest, items in sorted(by_digest.items()):
        if len({r.event_id for r in items}) < 2:
            continue
        items.sort(key=lambda r: (r.occurred_at, r.event_id))
        evidence = [ref_json(EventRef(r.event_id, r.type, r.hash, r.occurred_at)) for r in items]
        out.append(_signal("FV.duplicate_evidence", digest, items[1].occurred_at, [r.code for r in items], evidence,
                           sha256=digest, records=len(items), maintainer=items[-1].org))
    return out


def post_replacement(replacements: Sequence[ReplacementRow], faults: Sequence[FaultSighting],
                     fleet_unit_years: float, at: int, config: Thresholds) -> list[dict[str, Any]]:
    """Replacements after which the subsystem failed more often than the fleet baseline.

    ``faults``: every fault up to ``at``. Baseline = the fleet's faults on that subsystem per unit-year.
    """
    if fleet_unit_years <= 0:
        return []
    per_subsystem: dict[str, int] = defaultdict(int)
    by_code: dict[tuple[str, str], list[FaultSighting]] = defaultdict(list)
    for f in faults:
        if f.subsystem is not None:
            per_subsystem[f.subsystem] += 1
            by_code[(f.code, f.subsystem)].append(f)
    later: dict[tuple[str, str], list[int]] = defaultdict(list)
    for r in replacements:
        later[(r.code, r.kind)].append(r.occurred_at)
    out = []
    for r in sorted(replacements, key=lambda r: (r.occurred_at, r.event_id)):
        subsystem, t = r.subsystem, r.occurred_at
        if subsystem is None or t > at:
            continue
        following = [x for x in later[(r.code, r.kind)] if x > t]
        end = min([at, *following])
        days = (end - t) / DAY_S
        history = by_code[(r.code, subsystem)]
        after = [f for f in history if t < f.occurred_at <= end]
        if days < config.replacement_min_days or len(after) < config.replacement_min_faults:
            continue
        rate = len(after) / (days / 365)
        baseline = per_subsystem[subsystem] / fleet_unit_years
        before = sum(1 for f in history if t - (end - t) <= f.occurred_at < t)
        unlikely = _poisson_tail(len(after), baseline * days / 365) < config.replacement_p_value
        if rate > config.replacement_fault_ratio * baseline and unlikely and len(after) > before:
            evidence = [ref_json(EventRef(r.event_id, "ComponentReplaced", r.hash, t)),
                        *(ref_json(EventRef(f.event_id, "FaultReported", f.hash, f.occurred_at)) for f in after[:10])]
            out.append(_signal("FS.post_replacement", r.event_id, after[-1].occurred_at, [r.code], evidence,
                               kind=r.kind, subsystem=subsystem, oem=bool(r.oem), maker_org=r.maker_org,
                               faults_after=len(after), days_observed=round(days, 1),
                               faults_per_unit_year=round(rate, 3), fleet_baseline=round(baseline, 3),
                               ratio_limit=config.replacement_fault_ratio, faults_before=before,
                               p_value_limit=config.replacement_p_value))
    return out


def _poisson_tail(n: int, mean: float) -> float:
    """P(X ≥ n) for X ~ Poisson(mean): how likely the fleet rate alone gives this many faults."""
    if mean <= 0:
        return 0.0 if n > 0 else 1.0
    term = below = math.exp(-mean)
    for k in range(1, n):
        term *= mean / k
        below += term
    return max(0.0, 1.0 - below)
