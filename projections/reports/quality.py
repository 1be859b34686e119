"""质量安全评价: the quality and safety evaluation per manufacturer and model, by fault rate and service life.

Seed 000 asks for "以故障率、使用寿命为主要指标的电梯质量安全评价体系" (seed 004 for a 评价体系 too). Pure. For
each model (and, rolled up, each manufacturer), up to T:

- unit-years in service, faults (all and safety), faults per unit-year, equipment-caused entrapments per unit-year;
- the fault-rate index = the model's faults per unit-year / the fleet's;
- mean age of the units in service, and for decommissioned units the service life against the design life;
- a grade from the index: A ≤ 0.8, B ≤ 1.2, C ≤ 2.0, else D [E]; "insufficient_data" under one unit-year.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from projections.config import DAY_S, Thresholds
from projections.framework.events import years_between
from projections.views.fleet import ServiceRow

__all__ = ["Entrapment", "Fault", "QualityInputs", "Unit", "quality_grade", "quality_report"]


class Unit(NamedTuple):
    """An elevator as the evaluation reads it (some columns of ``pj_dossier``), instants cut at T."""

    code: str
    manufacturer: str | None
    model: str | None
    use_start: int | None  # None: not in use by T
    decommissioned_at: int | None  # None: not decommissioned by T
    design_life_years: int | None

    def as_of(self, at: int) -> Unit:
        """The unit as it stood at ``at``: a later start of use or decommissioning has not happened yet."""
        return self._replace(use_start=_by(self.use_start, at), decommissioned_at=_by(self.decommissioned_at, at))


def _by(instant: int | None, at: int) -> int | None:
    return instant if instant is not None and instant <= at else None


class Fault(NamedTuple):
    code: str
    safety: int  # 1 for a safety fault


class Entrapment(NamedTuple):
    code: str
    cause: str


@dataclass
class QualityInputs:
    at: int
    units: list[Unit] = field(default_factory=list)
    service: list[ServiceRow] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)  # every fault up to T
    entrapments: list[Entrapment] = field(default_factory=list)  # every real ticket up to T
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
    unit_of = {u.code: u for u in inputs.units}
    days: dict[str, float] = defaultdict(float)
    for segment in inputs.service:
        days[segment.code] += segment.seconds_within(segment.start_at, inputs.at) / DAY_S
    faults: dict[str, list[int]] = defaultdict(list)
    for fault in inputs.faults:
        faults[fault.code].append(fault.safety)
    equipment: dict[str, int] = defaultdict(int)
    for entrapment in inputs.entrapments:
        if entrapment.cause in config.equipment_causes:
            equipment[entrapment.code] += 1
    total_years = sum(days.values()) / 365
    total_faults = sum(len(v) for v in faults.values())
    fleet_rate = total_faults / total_years if total_years else None

    def summarize(codes: Sequence[str]) -> dict[str, Any]:
        years = sum(days[c] for c in codes) / 365
        n_faults = sum(len(faults[c]) for c in codes)
        rate = n_faults / years if years else None
        index = rate / fleet_rate if rate is not None and fleet_rate else None
        units = [unit_of[c] for c in codes]
        in_use = [u.use_start for u in units if u.decommissioned_at is None and u.use_start is not None]
        retired = [(u.use_start, u.decommissioned_at, u.design_life_years) for u in units
                   if u.decommissioned_at is not None and u.use_start is not None]
        lives = [years_between(start, end) for start, end, _ in retired]
        life_ratio = [years_between(start, end) / life for start, end, life in retired if life]
        return {
            "units": len(codes), "unit_years": round(years, 3), "faults": n_faults,
            "safety_faults": sum(sum(faults[c]) for c in codes),
            "faults_per_unit_year": None if rate is None else round(rate, 4),
            "equipment_entrapments_per_unit_year":
                round(sum(equipment[c] for c in codes) / years, 4) if years else None,
            "fault_rate_index": None if index is None else round(index, 3),
            "mean_age_years": round(sum(years_between(start, inputs.at) for start in in_use) / len(in_use), 2)
            if in_use else None,
            "decommissioned": len(retired),
            "mean_service_life_years": round(sum(lives) / len(lives), 2) if lives else None,
            "service_life_to_design_life": round(sum(life_ratio) / len(life_ratio), 3) if life_ratio else None,
            "grade": quality_grade(index, years, config),
        }

    by_model: dict[tuple[str, str], list[str]] = defaultdict(list)
    by_maker: dict[str, list[str]] = defaultdict(list)
    for u in inputs.units:
        by_model[(u.manufacturer or "", u.model or "")].append(u.code)
        by_maker[u.manufacturer or ""].append(u.code)
    return {
        "fleet": {"units": len(inputs.units), "unit_years": round(total_years, 3), "faults": total_faults,
                  "faults_per_unit_year": None if fleet_rate is None else round(fleet_rate, 4)},
        "models": [{"manufacturer": maker, "manufacturer_name": inputs.names.get(maker), "model": model,
                    **summarize(codes)} for (maker, model), codes in sorted(by_model.items())],
        "manufacturers": [{"manufacturer": maker, "manufacturer_name": inputs.names.get(maker), **summarize(codes)}
                          for maker, codes in sorted(by_maker.items())],
    }
