"""Fraud signals that need more than one elevator: one worker in two places, one photo on two records, and parts
that fail more often than the fleet after they were fitted. Pure functions over the fraud view's rows.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import orjson

from ledger.core.identifiers import format_instant
from projections.config import DAY_S, Thresholds
from projections.framework.events import ref_json
from projections.framework.geo import distance_km
from projections.views.fraud import PATTERNS

__all__ = ["duplicate_evidence", "post_replacement", "worker_signals"]


def _signal(rule: str, key: str, at: int, codes: list[str], evidence: list[dict[str, Any]],
            **detail: Any) -> dict[str, Any]:
    return {"rule": rule, "pattern": PATTERNS[rule[:2]], "key": key, "equipment_codes": sorted(set(codes)),
            "opened_at": format_instant(at), "closed_at": None, "detail": detail, "evidence": evidence}


def worker_signals(jobs: Sequence[tuple[Any, ...]], config: Thresholds) -> list[dict[str, Any]]:
    """Consecutive jobs of one worker that overlap, or are too far apart for the time between them.

    ``jobs`` are ``pj_jobs`` rows: (event_id, code, started_at, ended_at, lat, lon, maintainer, workers JSON,
    hash, occurred_at). Only consecutive pairs (by start time) of one worker are compared, so each worker's day is read once.
    """
    by_worker: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for event_id, code, start, end, lat, lon, maintainer, workers, h, _ in jobs:
        for cert in orjson.loads(workers):
            by_worker[cert].append((cert, event_id, code, start, end, lat, lon, maintainer, h))
    out = []
    speed = config.travel_speed_kmh
    for cert, items in sorted(by_worker.items()):
        items.sort(key=lambda j: (j[3], j[1]))
        for a, b in pairwise(items):
            evidence = [ref_json((job[1], "MaintenancePerformed", job[8], job[4])) for job in (a, b)]
            if b[3] < a[4]:
                out.append(_signal("FV.overlapping_jobs", f"{cert}:{a[1]}:{b[1]}", b[3], [a[2], b[2]], evidence,
                                   certificate=cert, maintainer=b[7], overlap_minutes=round((a[4] - b[3]) / 60, 1)))
                continue
            if a[2] == b[2] or None in (a[5], a[6], b[5], b[6]):
                continue
            km = distance_km(a[5], a[6], b[5], b[6])
            minutes = (b[3] - a[4]) / 60
            needed = km / speed * 60
            if minutes < needed:
                out.append(_signal("FV.impossible_travel", f"{cert}:{a[1]}:{b[1]}", b[3], [a[2], b[2]], evidence,
                                   certificate=cert, maintainer=b[7], distance_km=round(km, 2),
                                   minutes_between=round(minutes, 1), minutes_needed=round(needed, 1),
                                   speed_kmh=speed))
    return out


def duplicate_evidence(rows: Sequence[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """The same evidence digest on more than one record. ``rows``: pj_evidence rows."""
    by_digest: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        by_digest[row[0]].append(row)
    out = []
    for digest, items in sorted(by_digest.items()):
        if len({r[1] for r in items}) < 2:
            continue
        items.sort(key=lambda r: (r[4], r[1]))
        evidence = [ref_json((r[1], r[3], r[6], r[4])) for r in items]
        out.append(_signal("FV.duplicate_evidence", digest, items[1][4], [r[2] for r in items], evidence,
                           sha256=digest, records=len(items), maintainer=items[-1][5]))
    return out


def post_replacement(replacements: Sequence[tuple[Any, ...]], faults: Sequence[tuple[Any, ...]],
                     fleet_unit_years: float, at: int, config: Thresholds) -> list[dict[str, Any]]:
    """Replacements after which the subsystem failed more often than the fleet baseline.

    ``replacements``: pj_replacements rows; ``faults``: (event_id, code, occurred_at, subsystem, hash) for every
    fault up to ``at``. Baseline = the fleet's faults on that subsystem per unit-year.
    """
    if fleet_unit_years <= 0:
        return []
    per_subsystem: dict[str, int] = defaultdict(int)
    by_code: dict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
    for f in faults:
        if f[3] is not None:
            per_subsystem[f[3]] += 1
            by_code[(f[1], f[3])].append(f)
    later: dict[tuple[str, str], list[int]] = defaultdict(list)
    for r in replacements:
        later[(r[1], r[2])].append(r[4])
    out = []
    for r in sorted(replacements, key=lambda r: (r[4], r[0])):
        event_id, code, kind, subsystem, t = r[0], r[1], r[2], r[3], r[4]
        if subsystem is None or t > at:
            continue
        following = [x for x in later[(code, kind)] if x > t]
        end = min([at, *following])
        days = (end - t) / DAY_S
        history = by_code[(code, subsystem)]
        after = [f for f in history if t < f[2] <= end]
        if days < config.replacement_min_days or len(after) < config.replacement_min_faults:
            continue
        rate = len(after) / (days / 365)
        baseline = per_subsystem[subsystem] / fleet_unit_years
        before = sum(1 for f in history if t - (end - t) <= f[2] < t)
        unlikely = _poisson_tail(len(after), baseline * days / 365) < config.replacement_p_value
        if rate > config.replacement_fault_ratio * baseline and unlikely and len(after) > before:
            evidence = [ref_json((event_id, "ComponentReplaced", r[9], t)),
                        *(ref_json((f[0], "FaultReported", f[4], f[2])) for f in after[:10])]
            out.append(_signal("FS.post_replacement", event_id, after[-1][2], [code], evidence, kind=kind,
                               subsystem=subsystem, oem=bool(r[6]), maker_org=r[5], faults_after=len(after),
                               days_observed=round(days, 1), faults_per_unit_year=round(rate, 3),
                               fleet_baseline=round(baseline, 3), ratio_limit=config.replacement_fault_ratio,
                               faults_before=before, p_value_limit=config.replacement_p_value))
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
