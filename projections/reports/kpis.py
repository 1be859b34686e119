"""The seed KPIs (docs/DOMAIN.md (d)) per month × district × maintainer, each with its target and pass/fail.

Pure: :func:`compute_kpis` takes the fleet rows of one window (:mod:`projections.views.fleet`) and returns the table.
Definitions, for window W (a China calendar month):

- ``N_inservice`` = in-service elevator-days in W / days in W.
- Tickets T = 96333 entrapment tickets whose alarm falls in W, without false alarms (误报). Tickets a passenger
  resolved (自行脱困) before dispatch are left out of the arrival KPIs.
- 应急响应率 = #T with ``ack − dispatch ≤ 3 min`` / #T dispatched (a missing ack is not a response). ≥ 99%.
- 救援到场时间 = ``arrive − alarm`` over T with an arrival: mean (≤ 30 min), median, P90 (nearest rank).
- 按时到达率 = #T with ``arrive − alarm ≤ SLA(area)`` / #T; a missing arrival is late. ≥ 98%.
- 故障困人率 = #T caused by the equipment (设备故障 and 门系统) / N_inservice. < 0.5%. Also the 全口径 rate.
- 检验合格率 = periodic inspections whose first visit passed / completed first visits. ≥ 95%. Also the final
  pass rate (after 复检), the same for self-tests (reported separately), and 定检率 = units holding a valid
  inspection at the end of W / units in service then.
- Secondary: 维保及时率 (maintenance intervals within their limit), 现场救援时长 (``freed − arrive``), faults per
  unit-year, repeat-fault rate (same code within 30 days), accidents and deaths per 10,000 units.

Rows are produced for every (district, maintainer) with activity, plus roll-ups with ``*``.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from projections.config import DAY_S, KpiTarget, Thresholds
from projections.framework.events import month_window
from projections.views.fleet import MONTHLY_METRICS

__all__ = ["KPI_LABELS", "KpiInputs", "KpiValue", "compute_kpis", "month_window", "nearest_rank"]

KPI_LABELS: dict[str, str] = {
    "units_in_service": "在用电梯 (台·月均)",
    "response_rate": "应急响应率",
    "arrival_mean_min": "救援到场时间 平均(分钟)",
    "arrival_median_min": "救援到场时间 中位数(分钟)",
    "arrival_p90_min": "救援到场时间 P90(分钟)",
    "on_time_rate": "按时到达率",
    "entrapment_rate": "故障困人率",
    "entrapment_rate_all_causes": "困人率(全口径)",
    "onsite_rescue_min": "现场救援时长 平均(分钟)",
    "first_pass_rate": "检验一次合格率",
    "final_pass_rate": "检验最终合格率",
    "self_test_first_pass_rate": "自行检测一次合格率",
    "inspected_rate": "定检率",
    "maintenance_on_time_rate": "维保及时率",
    "faults_per_unit_year": "故障率 (次/台·年)",
    "repeat_fault_rate": "重复故障率",
    "accidents_per_10k": "万台事故起数",
    "deaths_per_10k": "万台死亡人数",
}


@dataclass(frozen=True, slots=True)
class KpiValue:
    id: str
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    target: KpiTarget | None = None

    @property
    def passed(self) -> bool | None:
        if self.target is None or self.value is None:
            return None
        op, limit = self.target.op, self.target.limit
        return {">=": self.value >= limit, "<=": self.value <= limit, "<": self.value < limit}[op]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "label": KPI_LABELS[self.id], "value": self.value, "numerator": self.numerator,
            "denominator": self.denominator,
            "target": None if self.target is None else {"op": self.target.op, "value": self.target.limit,
                                                        "source": self.target.source},
            "pass": self.passed,
        }


@dataclass
class KpiInputs:
    """The fleet rows of one window (tuples in the column order of the ``pj_kpi_*`` tables)."""

    month: str
    tickets: list[tuple[Any, ...]] = field(default_factory=list)
    inspections: list[tuple[Any, ...]] = field(default_factory=list)
    service: list[tuple[Any, ...]] = field(default_factory=list)
    validity: list[tuple[Any, ...]] = field(default_factory=list)
    monthly: list[tuple[Any, ...]] = field(default_factory=list)


def nearest_rank(values: Sequence[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


Group = tuple[str, str]


def _groups(key: Group) -> list[Group]:
    return [key, (key[0], "*"), ("*", "*")]


def compute_kpis(inputs: KpiInputs, config: Thresholds) -> list[dict[str, Any]]:
    """One row per (district, maintainer) group and roll-up: the KPIs of docs/DOMAIN.md (d) with targets."""
    start, end = month_window(inputs.month)
    days = (end - start) / DAY_S
    acc: dict[Group, dict[str, Any]] = defaultdict(lambda: defaultdict(list))

    for code, seg_start, seg_end, district, maintainer in inputs.service:
        overlap = min(end, seg_end if seg_end is not None else end) - max(start, seg_start)
        if overlap > 0:
            for g in _groups((district, maintainer)):
                acc[g]["elevator_days"].append(overlap / DAY_S)
        if seg_start < end and (seg_end is None or seg_end >= end):
            for g in _groups((district, maintainer)):
                acc[g]["units_at_end"].append(code)
    valid_at_end = {row[0] for row in inputs.validity if row[2] < end <= row[3]}
    for row in inputs.tickets:
        for g in _groups((row[3], row[4])):
            acc[g]["tickets"].append(row)
    for row in inputs.inspections:
        for g in _groups((row[4], row[5])):
            acc[g]["inspections"].append(row)
    for code, _, district, maintainer, *values in inputs.monthly:
        for g in _groups((district, maintainer)):
            for metric, value in zip(MONTHLY_METRICS, values, strict=True):
                acc[g][metric].append(value)

    out = []
    for (district, maintainer), a in sorted(acc.items()):
        values = _kpis(a, days, valid_at_end, config)
        out.append({"month": inputs.month, "district": district, "maintainer": maintainer,
                    "kpis": [v.to_dict() for v in values]})
    return out


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 6) if den else None


def _kpis(a: dict[str, Any], days: float, valid_at_end: set[str], config: Thresholds) -> list[KpiValue]:
    t = config.kpi_targets
    units = sum(a["elevator_days"]) / days
    tickets = [r for r in a["tickets"] if not r[11]]
    dispatched = [r for r in tickets if r[6] is not None]
    responded = [r for r in dispatched if r[7] is not None and r[7] - r[6] <= config.response_ack_s]
    arrival_set = [r for r in tickets if not (r[12] and (r[6] is None or (r[9] is not None and r[9] <= r[6])))]
    arrivals = [(r[8] - r[5]) / 60 for r in arrival_set if r[8] is not None]
    on_time = [r for r in arrival_set if r[8] is not None and r[8] - r[5] <= r[13]]
    onsite = [(r[9] - r[8]) / 60 for r in arrival_set if r[8] is not None and r[9] is not None]
    equipment = [r for r in tickets if r[10] in config.equipment_causes]
    periodic = [r for r in a["inspections"] if r[2] == "periodic"]
    self_tests = [r for r in a["inspections"] if r[2] == "self_test"]
    at_end = set(a["units_at_end"])
    faults, repeats = sum(a["faults"]), sum(a["repeat_faults"])
    unit_years = sum(a["elevator_days"]) / 365
    return [
        KpiValue("units_in_service", round(units, 4), round(sum(a["elevator_days"]), 4), days),
        KpiValue("response_rate", _ratio(len(responded), len(dispatched)), len(responded), len(dispatched),
                 t.get("response_rate")),
        KpiValue("arrival_mean_min", round(statistics.fmean(arrivals), 2) if arrivals else None,
                 round(sum(arrivals), 2), len(arrivals), t.get("arrival_mean_min")),
        KpiValue("arrival_median_min", round(statistics.median(arrivals), 2) if arrivals else None),
        KpiValue("arrival_p90_min", round(nearest_rank(arrivals, 90), 2) if arrivals else None),
        KpiValue("on_time_rate", _ratio(len(on_time), len(arrival_set)), len(on_time), len(arrival_set),
                 t.get("on_time_rate")),
        KpiValue("entrapment_rate", _ratio(len(equipment), units), len(equipment), round(units, 4),
                 t.get("entrapment_rate")),
        KpiValue("entrapment_rate_all_causes", _ratio(len(tickets), units), len(tickets), round(units, 4)),
        KpiValue("onsite_rescue_min", round(statistics.fmean(onsite), 2) if onsite else None),
        KpiValue("first_pass_rate", _ratio(sum(r[7] for r in periodic), len(periodic)), sum(r[7] for r in periodic),
                 len(periodic), t.get("first_pass_rate")),
        KpiValue("final_pass_rate", _ratio(sum(r[8] for r in periodic), len(periodic)), sum(r[8] for r in periodic),
                 len(periodic)),
        KpiValue("self_test_first_pass_rate", _ratio(sum(r[7] for r in self_tests), len(self_tests)),
                 sum(r[7] for r in self_tests), len(self_tests)),
        KpiValue("inspected_rate", _ratio(len(at_end & valid_at_end), len(at_end)), len(at_end & valid_at_end),
                 len(at_end)),
        KpiValue("maintenance_on_time_rate", _ratio(sum(a["maint_on_time"]), sum(a["maint_intervals"])),
                 sum(a["maint_on_time"]), sum(a["maint_intervals"])),
        KpiValue("faults_per_unit_year", _ratio(faults, unit_years), faults, round(unit_years, 4)),
        KpiValue("repeat_fault_rate", _ratio(repeats, faults), repeats, faults),
        KpiValue("accidents_per_10k", _ratio(sum(a["accidents"]) * 10_000, units), sum(a["accidents"]),
                 round(units, 4)),
        KpiValue("deaths_per_10k", _ratio(sum(a["deaths"]) * 10_000, units), sum(a["deaths"]), round(units, 4)),
    ]

