"""The simulator's parameters, each with its source: docs/DOMAIN.md (g) and §0, tagged as there — [S#] sourced,
[K] general knowledge, [E] an estimate. docs/SIMULATOR.md explains every number.

Rates are per elevator-year unless a name says otherwise. Everything here is plain data: change a number, get a
different city; the same numbers and seed always give the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["BadSubmissionRates", "CityConfig", "FraudRates", "Rates"]


@dataclass(frozen=True)
class FraudRates:
    """Injected fraud (docs/DOMAIN.md (f), rates (g) [E]); every case is written to the ground-truth file."""

    # 虚假维保: share of maintenance records that are fabricated, by the maintainer's credit grade.
    false_maintenance: dict[str, float] = field(
        default_factory=lambda: {"A": 0.005, "B": 0.015, "C": 0.05, "D": 0.08})
    # 无故障报故障套取大修基金: repair-fund claims with no fault behind them, per elevator-year (with a fund).
    repair_fund: float = 0.02
    # 以次充好: share of component replacements that fit a non-OEM part.
    part_substitution: float = 0.015
    # 短接安全回路: share of IoT-monitored units whose safety circuit is bypassed at some point in the window.
    bypass: float = 0.003

    def scaled(self, factor: float) -> FraudRates:
        """All rates multiplied by ``factor`` (shares capped at 1)."""
        return FraudRates(
            {grade: min(1.0, rate * factor) for grade, rate in self.false_maintenance.items()},
            min(1.0, self.repair_fund * factor), min(1.0, self.part_substitution * factor),
            min(1.0, self.bypass * factor),
        )


@dataclass(frozen=True)
class BadSubmissionRates:
    """Injected submissions the ledger must refuse, as a share of elevator events, with the mix of kinds."""

    rate: float = 0.002
    forged_signature: float = 0.4  # signature.invalid: content changed after signing
    wrong_role: float = 0.3  # role.forbidden: signed by an organization whose role may not record the type
    schema_error: float = 0.3  # schema.invalid: unknown field, non-UTC time or a truncated JSON line


@dataclass(frozen=True)
class Rates:
    """Event rates of the honest city."""

    iot_share: float = 0.6  # units with a GB/T 24476 terminal [E]
    on_demand_share: float = 0.15  # 按需维保 among IoT units of A/B maintainers [S3][E]
    iot_faults: tuple[float, float] = (2.0, 6.0)  # per unit-year, drawn per unit [E]
    old_unit_fault_factor: float = 1.75  # ×1.5-2 after 15 years [E]
    on_demand_fault_factor: float = 0.68  # Ningbo pilot: failures −32% [S3]
    fault_repaired: float = 0.8  # non-safety faults followed by a repair record [E]
    fault_replacement: float = 0.08  # faults whose repair replaces a component [E]
    entrapments: float = 0.066  # all causes [S11]
    entrapment_causes: dict[str, float] = field(default_factory=lambda: {
        "external": 0.30, "human": 0.33, "door_system": 0.13, "equipment": 0.24})  # [S11] + derived
    platform_faults_per_entrapment: float = 0.5  # [S11]
    arrival_median_min: float = 12.0  # [S11]
    arrival_sigma: float = 0.356  # lognormal σ: >30 min in 0.5% of rescues [S11]; P95 ≈ 21.5 min
    release_min: tuple[float, float] = (2.5, 8.0)  # on-site release [S11]
    self_rescued: float = 0.05  # [E]
    false_alarm: float = 0.05  # [E]
    late_ack: float = 0.01  # acknowledged > 3 min after dispatch (应急响应率 ≥ 99%) [S11]
    countersigned: float = 0.92  # within 7 days; another 5% later, 3% never [E]
    countersigned_late: float = 0.05
    maintenance_hazards: float = 0.15  # hazards found by maintainers [E]
    regulator_hazards: float = 0.02  # 监督抽查 [E]
    serious_hazard: float = 0.12  # [E]
    hazard_rectified_late: float = 0.05  # after the deadline [E]
    periodic_fail: float = 0.11  # first-pass 不合格 8-15% [E]
    self_test_fail: float = 0.08  # [E]
    reinspection_pass: float = 0.9  # of which 90% pass 复检 within 30 days [E]
    late_application: float = 0.05  # 检验申请 less than 30 days before the due date [E]
    component_replacements: float = 0.06  # replacements not tied to a fault [E]
    major_repairs_old: float = 0.01  # 重大修理, units older than 10 years [E]
    modifications_old: float = 0.005  # 改造, units older than 15 years [E]
    suspensions: float = 0.01  # 停用 for 1-6 months [E]
    contract_switch: float = 0.08  # a change of maintainer at the contract's end or mid-term [E]
    user_unit_changes: float = 0.01  # [E]
    complaints: float = 0.03  # 12345/96333 complaints [E]
    risk_assessment_compliance: float = 0.7  # units > 15 y assessed every 3 years [E][S16]
    decommission_over_design_life: float = 0.04  # per year past design life [E]
    liability_insured: float = 0.85  # 电梯安全责任险 [E]
    elderly_insured_old: float = 0.15  # 养老综合险 among units ≥ 10 years [S13][E]
    liability_claim_per_entrapment: float = 0.075  # → liability claims 0.5% of unit-years [E]
    parts_claim_per_fault: float = 0.4  # → 养老/部件 claims ~1-2 per monitored insured unit-year [E]
    accidents_per_10k: float = 0.013  # [S12]
    penalty_late_rescue: float = 0.3  # [E]
    penalty_false_maintenance: float = 0.02  # share of fabricated records that end in a fine [E]
    penalty_bypass: float = 0.5  # [E]
    penalty_late_application: float = 0.2  # [E]


@dataclass(frozen=True)
class CityConfig:
    """A synthetic city: its size, its time window and seed, its rates and what is injected into it."""

    elevators: int = 2000
    years: int = 3
    seed: int = 1
    end: str = "2026-01-01"  # exclusive end of the window, a fixed date: output never depends on today
    world_start: str = "1990-01-01T00:00:00Z"  # registry bootstrap: keys and licences reach back this far
    region: str = "310000"  # 上海市
    rates: Rates = field(default_factory=Rates)
    fraud: FraudRates = field(default_factory=FraudRates)
    bad: BadSubmissionRates = field(default_factory=BadSubmissionRates)
    elevators_per_maintainer: int = 60
    elevators_per_user_unit: int = 15
    manufacturers: int = 6
    insurers: int = 3
    credit_mix: dict[str, float] = field(default_factory=lambda: {"A": 0.18, "B": 0.54, "C": 0.25, "D": 0.04})

    def with_(self, **changes: Any) -> CityConfig:
        return replace(self, **changes)
