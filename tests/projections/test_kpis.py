"""KPI formulas (docs/DOMAIN.md (d)) on hand-computed cases, and the same figures through the ledger."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.core.errors import ConfigurationError
from projections.config import DEFAULT_THRESHOLDS
from projections.framework.events import month_window
from projections.reports.kpis import KpiInputs, compute_kpis, nearest_rank
from projections.views.fleet import InspectionRow, MonthlyRow, ServiceRow, TicketRow, ValidityRow
from tests.harness import CODE
from tests.projections.conftest import City

MAY_START, MAY_END = month_window("2024-05")
MIN = 60


def _ticket(n: int, *, ack: int | None, arrive_min: int | None, cause: str, false_alarm: bool = False,
            self_rescued: bool = False, dispatched: bool = True, freed_min: int | None = None) -> TicketRow:
    alarm = MAY_START + n * 86_400
    return TicketRow(
        event_id=f"T{n}", code=f"E{n}", month="2024-05", district="D", maintainer="M", alarm_at=alarm,
        dispatched_at=alarm + 30 if dispatched else None,
        acknowledged_at=alarm + 30 + ack if ack is not None else None,
        arrived_at=alarm + arrive_min * MIN if arrive_min is not None else None,
        freed_at=alarm + freed_min * MIN if freed_min is not None else None, cause=cause,
        false_alarm=int(false_alarm), self_rescued=int(self_rescued), sla_s=30 * MIN, hash="00")


def _inspection(event_id: str, code: str, kind: str, first_pass: int, final_pass: int,
                final_event_id: str) -> InspectionRow:
    return InspectionRow(event_id, code, kind, "2024-05", "D", "M", MAY_START, first_pass, final_pass, final_event_id)


def kpis_of(rows: list[dict[str, Any]], district: str = "D", maintainer: str = "M") -> dict[str, dict[str, Any]]:
    row = next(r for r in rows if (r["district"], r["maintainer"]) == (district, maintainer))
    return {k["id"]: k for k in row["kpis"]}


def test_hand_computed_month() -> None:
    inputs = KpiInputs(
        month="2024-05",
        # two units all month, one for the first 15.5 days: N_inservice = (31 + 31 + 15.5) / 31 = 2.5
        service=[ServiceRow("E1", 0, None, "D", "M"),
                 ServiceRow("E2", MAY_START - 86_400, MAY_END + 86_400, "D", "M"),
                 ServiceRow("E3", MAY_START, MAY_START + 31 * 43_200, "D", "M")],
        tickets=[
            _ticket(1, ack=120, arrive_min=20, cause="equipment", freed_min=25),  # responded, on time
            _ticket(2, ack=240, arrive_min=35, cause="door_system", freed_min=45),  # slow response, late
            _ticket(3, ack=60, arrive_min=5, cause="equipment", false_alarm=True),  # 误报: left out
            _ticket(4, ack=None, arrive_min=None, cause="external", self_rescued=True, dispatched=False),
        ],
        inspections=[_inspection("I1", "E1", "periodic", 1, 1, "I1"),
                     _inspection("I2", "E2", "periodic", 1, 1, "I2"),
                     _inspection("I3", "E3", "periodic", 0, 1, "I3b"),
                     _inspection("I4", "E1", "self_test", 0, 0, "I4")],
        # of the two units in service at the end, one valid
        validity=[ValidityRow("E1", "V1", MAY_START - 1, MAY_END + 10)],
        monthly=[MonthlyRow("E1", "2024-05", "D", "M", visits=2, maint_intervals=2, maint_on_time=2, faults=4,
                            repeat_faults=1, safety_faults=0, accidents=1, deaths=1),
                 MonthlyRow("E2", "2024-05", "D", "M", visits=2, maint_intervals=2, maint_on_time=1, faults=2,
                            repeat_faults=1, safety_faults=0, accidents=0, deaths=0)],
    )
    k = kpis_of(compute_kpis(inputs, DEFAULT_THRESHOLDS))
    assert k["units_in_service"]["value"] == 2.5
    assert (k["response_rate"]["value"], k["response_rate"]["pass"]) == (0.5, False)  # 1 of 2 dispatched ≤ 3 min
    assert (k["arrival_mean_min"]["value"], k["arrival_mean_min"]["pass"]) == (27.5, True)
    assert k["arrival_median_min"]["value"] == 27.5 and k["arrival_p90_min"]["value"] == 35.0
    assert (k["on_time_rate"]["numerator"], k["on_time_rate"]["denominator"]) == (1, 2)  # t4 self-rescued
    assert k["entrapment_rate"]["value"] == 0.8 and k["entrapment_rate"]["pass"] is False  # 2 equipment / 2.5
    assert k["entrapment_rate_all_causes"]["value"] == 1.2  # 3 real tickets / 2.5
    assert k["onsite_rescue_min"]["value"] == 7.5  # (5 + 10) / 2
    assert (k["first_pass_rate"]["value"], k["final_pass_rate"]["value"]) == (0.666667, 1.0)
    assert k["self_test_first_pass_rate"]["value"] == 0.0
    assert (k["inspected_rate"]["numerator"], k["inspected_rate"]["denominator"]) == (1, 2)
    assert k["maintenance_on_time_rate"]["value"] == 0.75
    assert k["faults_per_unit_year"]["value"] == round(6 / (77.5 / 365), 6)
    assert k["repeat_fault_rate"]["value"] == round(2 / 6, 6)
    assert k["accidents_per_10k"]["value"] == 4000.0 and k["deaths_per_10k"]["value"] == 4000.0
    assert k["first_pass_rate"]["target"] == {"op": ">=", "value": 0.95,
                                              "source": "seed 002 (垫江县安全乘梯守护行动, 2023 targets)"}


def test_roll_ups_and_empty_denominators() -> None:
    inputs = KpiInputs(month="2024-05", service=[ServiceRow("E1", 0, None, "D1", "M1"),
                                                 ServiceRow("E2", 0, None, "D2", "M2")],
                       tickets=[_ticket(1, ack=100, arrive_min=10, cause="human")])
    rows = compute_kpis(inputs, DEFAULT_THRESHOLDS)
    assert [(r["district"], r["maintainer"]) for r in rows] == [("*", "*"), ("D", "*"), ("D", "M"), ("D1", "*"),
                                                                ("D1", "M1"), ("D2", "*"), ("D2", "M2")]
    everything = kpis_of(rows, "*", "*")
    assert everything["units_in_service"]["value"] == 2.0 and everything["on_time_rate"]["value"] == 1.0
    empty = kpis_of(rows, "D2", "M2")
    assert empty["response_rate"]["value"] is None and empty["response_rate"]["pass"] is None
    assert empty["entrapment_rate"]["value"] == 0.0 and empty["entrapment_rate"]["pass"] is True


def test_nearest_rank() -> None:
    assert nearest_rank([5, 1, 3, 2, 4], 90) == 5 and nearest_rank([10, 20], 50) == 10


def test_kpis_through_the_ledger(city: City) -> None:
    city.in_service()
    fault = city.fault("2024-05-03T02:00:00Z", code=3)
    city.must_accept(city.maintenance("2024-05-01T02:00:00Z"), city.maintenance("2024-05-12T02:00:00Z"),
                     city.maintenance("2024-05-31T02:00:00Z"), fault, city.fault("2024-05-20T02:00:00Z", code=3),
                     city.rescue("2024-05-03T02:00:30Z", 12, fault_ref=fault["event_id"]),
                     city.rescue("2024-05-10T02:00:00Z", 40, cause="external"),
                     city.inspection("fail", "2024-05-15T02:00:00Z"),
                     city.inspection("pass", "2024-05-25T02:00:00Z", is_reinspection=True))
    result = city.project().kpis(month="2024-05")
    k = kpis_of(result["rows"], "浦东新区", city.maintainer.org)
    assert k["units_in_service"]["value"] == 1.0
    assert (k["on_time_rate"]["numerator"], k["on_time_rate"]["denominator"]) == (1, 2)
    assert k["arrival_mean_min"]["value"] == 26.0  # (12 + 40) / 2
    assert k["entrapment_rate"]["value"] == 1.0  # one door-system ticket / 1 unit
    assert (k["first_pass_rate"]["value"], k["final_pass_rate"]["value"]) == (0.0, 1.0)
    assert (k["maintenance_on_time_rate"]["numerator"], k["maintenance_on_time_rate"]["denominator"]) == (1, 2)
    assert (k["repeat_fault_rate"]["numerator"], k["repeat_fault_rate"]["denominator"]) == (1, 2)
    assert k["inspected_rate"]["value"] == 1.0
    assert result["rows"][0]["maintainer"] == "*" and city.project().kpis()["month"] == "2024-05"
    assert city.project().kpis(month="2024-05", district="徐汇区")["rows"] == []
    with pytest.raises(ConfigurationError):
        city.project().kpis(month="2024-13")
    assert CODE
