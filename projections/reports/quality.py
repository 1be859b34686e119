"""质量安全评价: the quality and safety evaluation per manufacturer and model, by fault rate and service life.

Seed 000 asks for "以故障率、使用寿命为主要指标的电梯质量安全评价体系" (seed 004 for a 评价体系 too). Pure. For each model (and, rolled up,
each manufacturer), up to T:

- unit-years in service, faults (all and safety), faults per unit-year, equipment-caused entrapments per unit-year;
- the fault-rate index = the model's faults per unit-year / the fleet's;
- mean age of the units in service, and for decommissioned units the service life against the design life;
- a grade from the index: A ≤ 0.8, B ≤ 1.2, C ≤ 2.0, else D [E]; "insufficient_data" under one unit-year.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from projections.config import DAY_S, Thresholds
from projections.framework.events import years_between

__all__ = ["QualityInputs", "quality_grade", "quality_report"]


@dataclass
class QualityInputs:
    at: int
    units: list[tuple[Any, ...]] = field(default_factory=list)  # (code, manufacturer, model, use_start,
    #                                                              decommissioned_at, design_life_years)
    service: list[tuple[Any, ...]] = field(default_factory=list)  # pj_kpi_service rows
    faults: list[tuple[str, int]] = field(default_factory=list)  # (code, safety) per fault up to T
    entrapments: list[tuple[str, str]] = field(default_factory=list)  # (code, cause) per real ticket up to T
    names: dict[str, str] = field(default_factory=dict)


def quality_grade(index: float | None, unit_years: float, config: Thresholds) -> str:
    if index is None or unit_years < config.quality_min_unit_years:
        return "insufficient_data"
    for grade, ceiling in config.quality_grades:
        if index <= ceiling:
            return grade
    return "D"


def quality_report(inputs: QualityInputs, config: Thresholds) -> dict[str, Any]:
    """``{"fleet": …, "models": [...], "manufacturers": [...]}`` as of ``inputs.at``."""
    unit_of = {u[0]: u for u in inputs.units}
    days: dict[str, float] = defaultdict(float)
    for code, start, end, _, _ in inputs.service:
        days[code] += max(0, min(inputs.at, end if end is not None else inputs.at) - start) / DAY_S
    faults: dict[str, list[int]] = defaultdict(list)
    for code, safety in inputs.faults:
        faults[code].append(safety)
    equipment: dict[str, int] = defaultdict(int)
    for code, cause in inputs.entrapments:
        if cause in config.equipment_causes:
            equipment[code] += 1
    total_years = sum(days.values()) / 365
    total_faults = sum(len(v) for v in faults.values())
    fleet_rate = total_faults / total_years if total_years else None

    def summarize(codes: Sequence[str]) -> dict[str, Any]:
        years = sum(days[c] for c in codes) / 365
        n_faults = sum(len(faults[c]) for c in codes)
        rate = n_faults / years if years else None
        index = rate / fleet_rate if rate is not None and fleet_rate else None
        in_use = [unit_of[c] for c in codes if unit_of[c][4] is None and unit_of[c][3] is not None]
        retired = [unit_of[c] for c in codes if unit_of[c][4] is not None and unit_of[c][3] is not None]
        lives = [years_between(u[3], u[4]) for u in retired]
        life_ratio = [years_between(u[3], u[4]) / u[5] for u in retired if u[5]]
        return {
            "units": len(codes), "unit_years": round(years, 3), "faults": n_faults,
            "safety_faults": sum(sum(faults[c]) for c in codes),
            "faults_per_unit_year": None if rate is None else round(rate, 4),
            "equipment_entrapments_per_unit_year": round(sum(equipment[c] for c in codes) / years, 4) if years else None,
            "fault_rate_index": None if index is None else round(index, 3),
            "mean_age_years": round(sum(years_between(u[3], inputs.at) for u in in_use) / len(in_use), 2)
            if in_use else None,
            "decommissioned": len(retired),
            "mean_service_life_years": round(sum(lives) / len(lives), 2) if lives else None,
            "service_life_to_design_life": round(sum(life_ratio) / len(life_ratio), 3) if life_ratio else None,
            "grade": quality_grade(index, years, config),
        }

    by_model: dict[tuple[str, str], list[str]] = defaultdict(list)
    by_maker: dict[str, list[str]] = defaultdict(list)
    for code, maker, model, *_ in inputs.units:
        by_model[(maker or "", model or "")].append(code)
        by_maker[maker or ""].append(code)
    return {
        "fleet": {"units": len(inputs.units), "unit_years": round(total_years, 3), "faults": total_faults,
                  "faults_per_unit_year": None if fleet_rate is None else round(fleet_rate, 4)},
        "models": [{"manufacturer": maker, "manufacturer_name": inputs.names.get(maker), "model": model,
                    **summarize(codes)} for (maker, model), codes in sorted(by_model.items())],
        "manufacturers": [{"manufacturer": maker, "manufacturer_name": inputs.names.get(maker), **summarize(codes)}
                          for maker, codes in sorted(by_maker.items())],
    }
