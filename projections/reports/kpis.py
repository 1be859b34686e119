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
from projections.views.fleet import MONTHLY_METRICS, InspectionRow, MonthlyRow, ServiceRow, TicketRow, ValidityRow

__all__ = ["KPI_LABELS", "KpiInputs", "KpiValue", "compute_kpis", "nearest_rank"]

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
    """The fleet rows of one window (rows of the ``pj_kpi_*`` tables)."""

    month: str
    tickets: list[TicketRow] = field(default_factory=list)
    inspections: list[InspectionRow] = field(default_factory=list)
    service: list[ServiceRow] = field(default_factory=list)
    validity: list[ValidityRow] = field(default_factory=list)
    monthly: list[MonthlyRow] = field(default_factory=list)


def nearest_rank(values: Sequence[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


Group = tuple[str, str]  # (district, maintainer), either may be "*"


def _groups(district: str, maintainer: str) -> list[Group]:
    """The group itself and its roll-ups: the district over all maintainers, and everything."""
    return [(district, maintainer), (district, "*"), ("*", "*")]


def compute_kpis(inputs: KpiInputs, config: Thresholds) -> list[dict[str, Any]]:
    """One row per (district, maintainer) group and roll-up: the KPIs of docs/DOMAIN.md (d) with targets."""
    start, end = month_window(inputs.month)
    days = (end - start) / DAY_S
    acc: dict[Group, dict[str, Any]] = defaultdict(lambda: defaultdict(list))

    for segment in inputs.service:
        overlap = segment.seconds_within(start, end)
        if overlap > 0:
            for g in _groups(segment.district, segment.maintainer):
                acc[g]["elevator_days"].append(overlap / DAY_S)
        if segment.start_at < end and (segment.end_at is None or segment.end_at >= end):
            for g in _groups(segment.district, segment.maintainer):
                acc[g]["units_at_end"].append(segment.code)
    valid_at_end = {v.code for v in inputs.validity if v.start_at < end <= v.end_at}
    for ticket in inputs.tickets:
        for g in _groups(ticket.district, ticket.maintainer):
            acc[g]["tickets"].append(ticket)
    for inspection in inputs.inspections:
        for g in _groups(inspection.district, inspection.maintainer):
            acc[g]["inspections"].append(inspection)
    for counters in inputs.monthly:
        for g in _groups(counters.district, counters.maintainer):
            for metric in MONTHLY_METRICS:
                acc[g][metric].append(getattr(counters, metric))

    out = []
    for (district, maintainer), a in sorted(acc.items()):
        values = _kpis(a, days, valid_at_end, config)
        out.append({"month": inputs.month, "district": district, "maintainer": maintainer,
                    "kpis": [v.to_dict() for v in values]})
    return out


def _freed_before_dispatch(ticket: TicketRow) -> bool:
    """A passenger got out (自行脱困) before anyone was dispatched: not a test of the arrival KPIs."""
    dispatched, freed = ticket.dispatched_at, ticket.freed_at
    return bool(ticket.self_rescued) and (dispatched is None or (freed is not None and freed <= dispatched))


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 6) if den else None


def _kpis(a: dict[str, Any], days: float, valid_at_end: set[str], config: Thresholds) -> list[KpiValue]:
    t = config.kpi_targets
    units = sum(a["elevator_days"]) / days
    tickets: list[TicketRow] = [r for r in a["tickets"] if not r.false_alarm]
    dispatched = [r for r in tickets if r.dispatched_at is not None]
    responded = [r for r in dispatched if r.acknowledged_at is not None and r.dispatched_at is not None
                 and r.acknowledged_at - r.dispatched_at <= config.response_ack_s]
    arrival_set = [r for r in tickets if not _freed_before_dispatch(r)]
    arrivals = [(r.arrived_at - r.alarm_at) / 60 for r in arrival_set if r.arrived_at is not None]
    on_time = [r for r in arrival_set if r.arrived_at is not None and r.arrived_at - r.alarm_at <= r.sla_s]
    onsite = [(r.freed_at - r.arrived_at) / 60 for r in arrival_set
              if r.arrived_at is not None and r.freed_at is not None]
    equipment = [r for r in tickets if r.cause in config.equipment_causes]
    inspections: list[InspectionRow] = a["inspections"]
    periodic = [r for r in inspections if r.kind == "periodic"]
    self_tests = [r for r in inspections if r.kind == "self_test"]
    first_passed = sum(r.first_pass for r in periodic)
    final_passed = sum(r.final_pass for r in periodic)
    self_tests_passed = sum(r.first_pass for r in self_tests)
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
        KpiValue("first_pass_rate", _ratio(first_passed, len(periodic)), first_passed, len(periodic),
                 t.get("first_pass_rate")),
        KpiValue("final_pass_rate", _ratio(final_passed, len(periodic)), final_passed, len(periodic)),
        KpiValue("self_test_first_pass_rate", _ratio(self_tests_passed, len(self_tests)), self_tests_passed,
                 len(self_tests)),
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

