"""The dynamic liability premium (Nanjing [S13]), extended with the IoT fault rate, with its explanation.

    premium = base × use class × age × maintainer grade × claims experience × IoT fault rate

Pure. Every factor says what it was computed from; the values are in :mod:`projections.config` (``premium_*``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from projections.config import Thresholds

__all__ = ["PremiumInputs", "premium"]


@dataclass
class PremiumInputs:
    site_category: str | None
    age_years: float | None
    maintainer: str | None
    maintainer_name: str | None
    maintainer_grade: str | None  # computed credit grade, else the published one, else None
    grade_source: str  # "computed" | "published" | "none"
    claims: list[dict[str, Any]]  # claims filed within the window (id, hash, …)
    faults_per_unit_year: float | None
    fleet_faults_per_unit_year: float | None
    current_premium_fen: int | None = None


def premium(inp: PremiumInputs, config: Thresholds) -> dict[str, Any]:
    factors = [
        _factor("use_class", "使用场所系数", config.premium_use_class.get(inp.site_category or "", 1.0),
                {"site_category": inp.site_category}),
        _age(inp, config),
        _maintainer(inp, config),
        _claims(inp, config),
        _fault_rate(inp, config),
    ]
    coefficient = 1.0
    for f in factors:
        coefficient *= f["value"]
    amount = round(config.premium_base_fen * coefficient)
    return {
        "base_fen": config.premium_base_fen,
        "factors": factors,
        "coefficient": round(coefficient, 4),
        "premium_fen": amount,
        "current_premium_fen": inp.current_premium_fen,
        "formula": "base × use_class × age × maintainer × claims × iot_fault_rate",
    }


def _factor(name: str, label: str, value: float, basis: dict[str, Any]) -> dict[str, Any]:
    return {"factor": name, "label": label, "value": value, "basis": basis}


def _age(inp: PremiumInputs, config: Thresholds) -> dict[str, Any]:
    young, old = config.premium_age
    value = old if inp.age_years is not None and inp.age_years > 15 else young
    return _factor("age", "梯龄系数", value, {"age_years": None if inp.age_years is None else round(inp.age_years, 2),
                                            "threshold_years": 15})


def _maintainer(inp: PremiumInputs, config: Thresholds) -> dict[str, Any]:
    value = config.premium_maintainer.get(inp.maintainer_grade or "", 1.0)
    return _factor("maintainer", "维保单位信用系数", value,
                   {"maintainer": inp.maintainer, "name": inp.maintainer_name, "grade": inp.maintainer_grade,
                    "grade_source": inp.grade_source})


def _claims(inp: PremiumInputs, config: Thresholds) -> dict[str, Any]:
    table = config.premium_claims
    value = table[min(len(inp.claims), len(table) - 1)]
    return _factor("claims", "理赔经验系数", value, {"claims_in_window": len(inp.claims),
                                                   "window_years": config.premium_claims_years,
                                                   "claims": inp.claims})


def _fault_rate(inp: PremiumInputs, config: Thresholds) -> dict[str, Any]:
    rate, fleet = inp.faults_per_unit_year, inp.fleet_faults_per_unit_year
    ratio = rate / fleet if rate is not None and fleet else None
    value = config.premium_fault_rate_high
    if ratio is None:
        value = 1.0
    else:
        for ceiling, coefficient in config.premium_fault_rate:
            if ratio <= ceiling:
                value = coefficient
                break
    return _factor("iot_fault_rate", "物联网故障率系数", value,
                   {"faults_per_unit_year": None if rate is None else round(rate, 3),
                    "fleet_faults_per_unit_year": None if fleet is None else round(fleet, 3),
                    "ratio": None if ratio is None else round(ratio, 3)})
