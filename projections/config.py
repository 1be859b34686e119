"""Every threshold the projections use, in one place, each tagged with where it comes from.

Tags follow docs/DOMAIN.md: **[S#]** a public source, **[K]** general knowledge not confirmed against the original,
**[E]** an estimate, **[seed]** the seed documents (which win), **[design]** a LiftLedger choice. Nothing in the
rule or formula modules hard-codes a number; they read it from a :class:`Thresholds`. Change a value with
``dataclasses.replace(DEFAULT_THRESHOLDS, ...)`` or by loading a JSON object of overrides
(:func:`thresholds_from_json`); a view's stored rows depend on the thresholds, so changing them needs
``liftledger rebuild``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import orjson

from ledger.core.errors import ConfigurationError

__all__ = ["DAY_S", "DEFAULT_THRESHOLDS", "KpiTarget", "Thresholds", "thresholds_from_json"]

DAY_S = 86_400


@dataclass(frozen=True, slots=True)
class KpiTarget:
    """A seed target: ``value <op> limit`` passes (op is one of ``>=``, ``<=``, ``<``)."""

    op: str
    limit: float
    source: str


def _targets() -> dict[str, KpiTarget]:
    seed = "seed 002 (垫江县安全乘梯守护行动, 2023 targets)"
    return {
        "response_rate": KpiTarget(">=", 0.99, seed),
        "entrapment_rate": KpiTarget("<", 0.005, seed),
        "first_pass_rate": KpiTarget(">=", 0.95, seed),
        "arrival_mean_min": KpiTarget("<=", 30.0, seed),
        "on_time_rate": KpiTarget(">=", 0.98, seed),
    }


@dataclass(frozen=True, slots=True)
class Thresholds:
    # --- maintenance (TSG T5002-2017) -------------------------------------------------------------------------
    maintenance_interval_days: int = 15  # [S2] at least every 15 days
    iot_offline_revert_s: int = 24 * 3600  # [design] 按需 reverts to 15 days when IoT is silent > 24 h
    tier_coverage_days: dict[str, int] = field(
        default_factory=lambda: {"quarterly": 90, "half_year": 180, "annual": 365}
    )  # [S1]
    countersign_days: int = 7  # [E] user unit countersigns within 7 days
    tier_min_minutes: dict[str, int] = field(
        default_factory=lambda: {"half_month": 30, "quarterly": 60, "half_year": 90, "annual": 180, "on_demand": 30}
    )  # [S1-code] ≥ 30 min; the rest are the lower bounds of docs/DOMAIN.md (g) durations [E]
    # --- registration, use, inspection ------------------------------------------------------------------------
    unregistered_grace_days: int = 30  # [S8] register ≤ 30 days after first use
    inspection_apply_days: int = 30  # [K][S5] apply ≥ 30 days before 下次检验日期
    suspension_report_days: int = 30  # [S7] 停用 notified within 30 days
    long_stop_days: int = 365  # [S7] stopped ≥ 1 year
    periodic_years: tuple[int, ...] = (1, 4, 7, 9, 11, 13, 15)  # [S4] TSG T7001-2023 定期检验 years (≤ 15 y)
    yearly_periodic_after_years: int = 15  # [S4] older units: 定期检验 every year
    # --- rescue ----------------------------------------------------------------------------------------------
    rescue_sla_minutes: dict[str, int] = field(default_factory=lambda: {"city": 30, "other": 60})  # [S5][K]
    response_ack_s: int = 180  # [S11] 3分钟响应率 (Jinan, Shantou)
    # --- risk assessment (GB/T 42615) -------------------------------------------------------------------------
    risk_age_years: int = 15  # [E][S16]
    risk_validity_years: int = 3  # [E]
    fault_percentile: int = 90  # [E] faults above the fleet P90
    fault_percentile_min_faults: int = 3  # [design] never flag fewer than this many faults a year
    # --- KPIs (docs/DOMAIN.md (d)) ---------------------------------------------------------------------------------
    equipment_causes: frozenset[str] = frozenset({"equipment", "door_system"})  # [design] DECISIONS.md
    repeat_fault_days: int = 30  # docs/DOMAIN.md (d): repeat-fault rate, same code ≤ 30 days
    kpi_targets: dict[str, KpiTarget] = field(default_factory=_targets)
    # --- responsibility (docs/DOMAIN.md (e)) -----------------------------------------------------------------------
    recurring_fault_count: int = 3  # docs/DOMAIN.md (e) M1: ≥ 3 times in 30 days
    recurring_fault_days: int = 30
    maintenance_pass_window_days: int = 15  # docs/DOMAIN.md (e) M1: "pass" within 15 days before T
    same_mode_units: int = 3  # [E] P1 同一性缺陷: same failure mode in ≥ k units of the model
    same_mode_window_days: int = 365  # [E]
    installation_window_days: int = 365  # docs/DOMAIN.md (e) I1: first 12 months after 监检
    installation_cluster_faults: int = 3  # [E] I1 fault cluster
    present_at_inspection_days: int = 30  # [E] X1: condition evidently present at the inspection
    # --- fraud (docs/DOMAIN.md (f)) --------------------------------------------------------------------------------
    travel_speed_kmh: int = 60  # [E] faster than this between two jobs is impossible travel (Suzhou: 8.3 km/1 min)
    iot_evidence_slack_s: int = 30 * 60  # [E] 检修 evidence may precede or follow the record by 30 min
    off_site_km: float = 1.0  # [E] a check-in this far from the median of the elevator's check-ins is off site
    off_site_min_visits: int = 5  # [E] check-ins needed before the median stands for the site
    iot_online_days: int = 32  # [E] the IoT counts as fitted if it reported within this before (a monthly run report)
    finding_lookback_days: int = 90  # [E] a repair needs a fault or finding on its subsystem this recently
    repeat_replacement_count: int = 3  # [E] the same component replaced ≥ 3 times …
    repeat_replacement_days: int = 365  # [E] … within a year
    safety_alarm_count: int = 3  # [E] repeated code-1 alarms …
    safety_alarm_days: int = 30  # [E] … within 30 days, with no repair
    bypass_item_days: int = 15  # [E] A-1-09 "normal" this close after an anomaly and before the next
    replacement_fault_ratio: float = 2.0  # [E] post-replacement fault rate above 2× the fleet baseline
    replacement_min_faults: int = 2  # [E]
    replacement_min_days: int = 30  # [E]
    # A count that high must be unlikely under the fleet rate (Poisson tail), not a handful of faults in a short
    # window; and higher than the elevator's own count over as long a window before the replacement, or the part
    # is not what changed (a fault-prone elevator stays fault-prone whatever is fitted).
    replacement_p_value: float = 0.001  # [E]
    # --- credit, blacklist, quality (docs/DOMAIN.md credit section) ------------------------------------------------
    credit_window_days: int = 365  # [E] indicators over the trailing year
    credit_weights: dict[str, int] = field(
        default_factory=lambda: {"resources": 15, "quality": 30, "rescue": 25, "on_site": 15, "supervision": 15}
    )  # [E] Anshan's five indicator groups [S14]; the weights are estimates
    credit_grades: tuple[tuple[str, int], ...] = (("A", 90), ("B", 75), ("C", 60))  # [E] else D
    credit_units_per_worker: int = 30  # [E] resources: one certified worker per 30 units
    zhuhai_faults_per_unit_month: int = 3  # [S14] Zhuhai deducts 10 points …
    zhuhai_deduction: int = 10  # [S14]
    credit_veto_categories: frozenset[str] = frozenset({"bypass_safety_circuit", "subcontracting"})  # [S14]
    blacklist_years: int = 3  # [K] Art. 96 (no new licence for 3 years); listing period assumed equal
    blacklist_categories: frozenset[str] = frozenset(
        {"false_maintenance", "bypass_safety_circuit", "false_inspection", "subcontracting", "unlicensed", "accident"}
    )  # [E] penalties that put a party on the 严重违法失信名单
    blacklist_penalties_per_year: int = 3  # [E] or this many penalties of any kind within a year
    quality_grades: tuple[tuple[str, float], ...] = (("A", 0.8), ("B", 1.2), ("C", 2.0))  # [E] by fault-rate index
    quality_min_unit_years: float = 1.0  # [E] below this, "insufficient data"
    # --- warranty (seed 002) ----------------------------------------------------------------------------------
    major_part_warranty_years: int = 10  # [seed] five major parts when the original manufacturer maintains
    renewal_warranty_years: int = 5  # [seed] whole unit after a subsidised renewal
    # --- insurance (docs/DOMAIN.md (g), Nanjing [S13]) -------------------------------------------------------------
    premium_base_fen: int = 9_300  # [S13] ¥93
    premium_use_class: dict[str, float] = field(
        default_factory=lambda: {"residential": 1.0, "commercial": 1.1, "public": 1.3}
    )  # [S13]
    premium_age: tuple[float, float] = (1.0, 1.2)  # [S13] ≤ 15 years, > 15 years
    premium_maintainer: dict[str, float] = field(
        default_factory=lambda: {"A": 0.9, "B": 1.0, "C": 1.1, "D": 1.3}
    )  # [E] the Nanjing example uses 1.1 for one star level
    premium_claims: tuple[float, ...] = (0.95, 1.0, 1.1, 1.25)  # [S13] claim-free 0.95; 1, 2, ≥ 3 claims [E]
    premium_claims_years: int = 3  # [E] claims experience window
    premium_fault_rate: tuple[tuple[float, float], ...] = ((1.0, 1.0), (2.0, 1.05))  # [E] ≤1×, ≤2× baseline; else
    premium_fault_rate_high: float = 1.1  # [E] … above 2× the fleet fault rate

    def rescue_sla_minutes_for(self, area: str) -> int:
        """The rescue-arrival SLA of an area ("city" or "other"); an unknown area gets the city's."""
        return self.rescue_sla_minutes.get(area, self.rescue_sla_minutes["city"])


DEFAULT_THRESHOLDS = Thresholds()


def thresholds_from_json(data: bytes | str, base: Thresholds = DEFAULT_THRESHOLDS) -> Thresholds:
    """``base`` with the fields named in a JSON object replaced (lists become tuples, sets frozensets)."""
    try:
        overrides: Any = orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise ConfigurationError(f"thresholds are not JSON: {e}") from None
    if not isinstance(overrides, dict):
        raise ConfigurationError("thresholds must be a JSON object")
    known = {f.name for f in dataclasses.fields(Thresholds)}
    changes: dict[str, Any] = {}
    for name, given in overrides.items():
        if name not in known:
            raise ConfigurationError(f"unknown threshold {name!r}")
        changes[name] = _threshold_value(name, given, getattr(base, name))
    return dataclasses.replace(base, **changes)


def _threshold_value(name: str, given: Any, current: Any) -> Any:
    """A JSON value in the form of the threshold it replaces."""
    if isinstance(current, frozenset):
        return frozenset(given)
    if isinstance(current, tuple):
        return tuple(tuple(v) if isinstance(v, list) else v for v in given)
    if name == "kpi_targets":
        return {k: KpiTarget(**v) for k, v in given.items()}
    return given
