"""Every flag-class rule of docs/DOMAIN.md (c): a case where the alert fires with the right evidence and interval, and
one where it must not (SQLite + PostgreSQL). Instants in the assertions are UTC; local dates are UTC+8.
"""

from __future__ import annotations

from typing import Any

from ledger.core.identifiers import format_instant
from ledger.core.maintenance_items import TESTED_ITEMS, items_for_tier
from tests.harness import CODE
from tests.projections.conftest import City, t

CODE2 = "311031001201800002"
DAY = 86_400


def ids(alert: dict[str, Any]) -> list[str]:
    return [e["event_id"] for e in alert["evidence"]]


def one(alerts: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    found = [a for a in alerts if all(a.get(k) == v for k, v in match.items())]
    assert len(found) == 1, (match, alerts)
    return found[0]


def visit(city: City, when: str, tier: str = "half_month", code: str = CODE, tested: bool = False,
          number: str = "WB-1") -> dict[str, Any]:
    start = t(when) - 3600
    payload: dict[str, Any] = {"contract_no": number, "tier": tier, "started_at": format_instant(start),
                               "ended_at": when, "results": dict.fromkeys(items_for_tier(tier), "pass")}
    if tested:
        payload["tested"] = sorted(TESTED_ITEMS)
    return city.on(city.maintainer, "MaintenancePerformed", payload, when, code=code,
                   persons=city.maintainer.persons("worker", 2))


def test_f2_unregistered_use(city: City) -> None:
    city.must_accept(city.manufactured(CODE), city.manufactured(CODE2))
    late_run, early_run = city.stats("2018-04-01T00:00:00Z"), city.stats("2018-04-01T00:00:00Z", elevator=CODE2)
    city.must_accept(late_run, early_run)
    registered = city.registered(CODE, "2018-06-01T00:00:00Z")
    city.must_accept(registered, city.registered(CODE2, "2018-04-15T00:00:00Z"))
    alert = one(city.alerts("F2.unregistered_use"))
    assert alert["equipment_code"] == CODE
    assert alert["opened_at"] == "2018-05-01T00:00:00Z" and alert["closed_at"] == "2018-06-01T00:00:00Z"
    assert ids(alert) == [late_run["event_id"], registered["event_id"]]


def test_f3_maintenance_gap_over_15_days(city: City) -> None:
    city.in_service()
    a, b, c = (visit(city, "2024-01-10T02:00:00Z"), visit(city, "2024-01-20T02:00:00Z"),
               visit(city, "2024-02-10T02:00:00Z"))
    city.must_accept(a, b, c)
    gaps = city.alerts("F3.maintenance_gap")
    assert not [g for g in gaps if g["key"] == a["event_id"]]  # 10 days: in time
    late = one(gaps, key=b["event_id"])
    assert late["opened_at"] == format_instant(t("2024-01-20T01:00:00Z") + 15 * DAY)
    assert late["closed_at"] == "2024-02-10T01:00:00Z" and ids(late) == [b["event_id"], c["event_id"]]
    assert one(gaps, key=c["event_id"])["open"]  # no visit since: open now


def test_f3_on_demand_interval_and_iot_silence(city: City) -> None:
    terminal = city.terminal()
    city.must_accept(city.manufactured(), city.registered(), city.contract(
        mode="on_demand", on_demand_interval_days=30, iot_terminal_id=terminal.device))
    first = visit(city, "2024-03-01T02:00:00Z")
    city.must_accept(first, *(city.stats(f"2024-03-{d:02d}T12:00:00Z") for d in range(2, 29)))
    second = visit(city, "2024-03-28T02:00:00Z")  # 27 days: within the declared interval, IoT online
    city.must_accept(second, city.stats("2024-03-29T12:00:00Z"))  # then the terminal goes silent
    third = visit(city, "2024-04-25T02:00:00Z")  # 28 days, but IoT silent since 03-30 12:00: 15 days apply
    city.must_accept(third)
    gaps = city.alerts("F3.maintenance_gap")
    assert not [g for g in gaps if g["key"] == first["event_id"]]
    reverted = one(gaps, key=second["event_id"])
    assert reverted["opened_at"] == format_instant(t("2024-03-28T01:00:00Z") + 15 * DAY)
    assert reverted["detail"]["mode"] == "on_demand"
    assert reverted["detail"]["iot_silent_from"] == "2024-03-30T12:00:00Z"


def test_f3_tier_coverage(city: City) -> None:
    city.must_accept(city.manufactured(), city.registered(when="2025-06-01T00:00:00Z"),
                     city.contract(start="2025-06-01"))
    city.must_accept(visit(city, "2025-06-10T02:00:00Z"), visit(city, "2025-08-01T02:00:00Z", "quarterly"))
    coverage = city.alerts("F3.tier_coverage")
    assert not [a for a in coverage if a["key"].startswith("quarterly@") and a["opened_at"] < "2025-09-01"]
    half_year = one(coverage, detail={"days": 180, "tier": "half_year"})
    assert half_year["opened_at"] == format_instant(t("2025-06-01T00:00:00Z") + 180 * DAY) and half_year["open"]


def test_f3_annual_tests_need_test_evidence(city: City) -> None:
    city.in_service()
    untested = visit(city, "2024-05-01T02:00:00Z", "annual")
    tested = visit(city, "2024-05-12T02:00:00Z", "annual", tested=True)
    city.must_accept(untested, tested)
    alert = one(city.alerts("F3.annual_tests"))
    assert alert["key"] == untested["event_id"] and alert["detail"]["missing_tests"] == sorted(TESTED_ITEMS)
    assert alert["closed_at"] == "2024-05-12T01:00:00Z" and ids(alert) == [untested["event_id"], tested["event_id"]]


def test_f5_countersign_within_7_days(city: City) -> None:
    city.in_service()
    signed, unsigned, refused = (visit(city, "2024-01-10T02:00:00Z"), visit(city, "2024-01-20T02:00:00Z"),
                                 visit(city, "2024-01-30T02:00:00Z"))
    city.must_accept(signed, unsigned, refused, city.countersign(signed, "2024-01-12T02:00:00Z"),
                     city.countersign(refused, "2024-01-31T02:00:00Z", accepted=False))
    alerts = city.alerts("F5.countersign")
    assert {a["key"] for a in alerts} == {unsigned["event_id"], refused["event_id"]}
    assert one(alerts, key=unsigned["event_id"])["opened_at"] == "2024-01-27T02:00:00Z"
    assert one(alerts, key=refused["event_id"])["detail"]["refused"] is True


def test_f6_application_and_expiry(city: City) -> None:
    city.in_service()
    city.elevator(CODE2)
    report = city.inspection("pass", "2024-03-01T02:00:00Z", next_due_date="2025-03-31")
    other = city.on(city.inspector, "PeriodicInspected", {"report_no": "R-2", "conclusion": "pass",
                                                          "next_due_date": "2025-03-31"}, "2024-03-01T02:00:00Z",
                    code=CODE2, persons=city.inspector.persons("inspector"))
    applied = city.on(city.user, "InspectionApplied", {"kind": "periodic", "due_date": "2025-03-31"},
                      "2025-02-20T02:00:00Z", code=CODE2)
    renewed = city.on(city.inspector, "PeriodicInspected", {"report_no": "R-3", "conclusion": "pass",
                                                            "next_due_date": "2026-03-31"}, "2025-03-20T02:00:00Z",
                      code=CODE2, persons=city.inspector.persons("inspector"))
    run = city.stats("2025-05-01T00:00:00Z")
    city.must_accept(report, other, applied, renewed, run)
    apply = one(city.alerts("F6.inspection_apply"), equipment_code=CODE)
    assert apply["opened_at"] == "2025-02-28T16:00:00Z" and ids(apply) == [report["event_id"]]
    expired = one(city.alerts("F6.inspection_expired"), equipment_code=CODE)
    assert expired["opened_at"] == "2025-03-31T16:00:00Z" and expired["open"]
    assert expired["detail"]["art84_candidate"] is True and ids(expired) == [report["event_id"], run["event_id"]]
    # as it stood before the run, the same alert was not yet an Art. 84 candidate
    before = one(city.alerts("F6.inspection_expired", at="2025-04-15T00:00:00Z"), equipment_code=CODE)
    assert "art84_candidate" not in before["detail"] and ids(before) == [report["event_id"]]
    assert not [a for a in city.alerts() if a["equipment_code"] == CODE2 and a["rule"].startswith("F6.")
                and a["key"] == other["event_id"]]


def test_f8_running_after_fail_or_stop_order(city: City) -> None:
    city.in_service()
    failed = city.inspection("fail", "2024-03-01T02:00:00Z")
    run = city.stats("2024-03-05T00:00:00Z")
    passed = city.inspection("pass", "2024-03-20T02:00:00Z")
    stop = city.on(city.inspector, "HazardFound", {
        "hazard_no": "YH-9", "source": "inspection", "severity": "serious", "subsystem": "brake",
        "description": "制动器失效", "deadline": "2024-05-01", "stop_ordered": True}, "2024-04-01T02:00:00Z",
        persons=city.inspector.persons("inspector"))
    fixed = city.on(city.maintainer, "HazardRectified", {"hazard_no": "YH-9", "description": "更换制动器"},
                    "2024-04-10T02:00:00Z", persons=city.maintainer.persons("worker", 2))
    city.must_accept(failed, run, passed, city.stats("2024-03-25T00:00:00Z"), stop,
                     city.stats("2024-04-02T00:00:00Z"), fixed, city.stats("2024-04-11T00:00:00Z"))
    alerts = city.alerts("F8.running_after_fail")
    after_fail = one(alerts, key=f"fail@{failed['event_id']}")
    assert after_fail["opened_at"] == "2024-03-05T00:00:00Z" and after_fail["closed_at"] == "2024-03-20T02:00:00Z"
    assert ids(after_fail) == [failed["event_id"], run["event_id"], passed["event_id"]]
    after_stop = one(alerts, key=f"stop@{stop['event_id']}")
    assert after_stop["opened_at"] == "2024-04-02T00:00:00Z" and after_stop["closed_at"] == "2024-04-10T02:00:00Z"
    assert len(alerts) == 2  # the runs after the pass and after the rectification raise nothing


def test_f8_unrepaired_safety_fault(city: City) -> None:
    city.in_service()
    fault = city.fault("2024-02-01T02:00:00Z", code=1)
    run = city.stats("2024-02-01T08:00:00Z")
    repair = city.on(city.maintainer, "Repaired", {"subsystem": "safety_circuit", "description": "更换门锁触点",
                                                   "fault_refs": [fault["event_id"]]}, "2024-02-02T02:00:00Z",
                     persons=city.maintainer.persons("worker", 2))
    second = city.fault("2024-03-01T02:00:00Z", code=8)
    repair2 = city.on(city.maintainer, "Repaired", {"subsystem": "control", "description": "复位"},
                      "2024-03-01T05:00:00Z", persons=city.maintainer.persons("worker", 2))
    city.must_accept(fault, run, repair, second, repair2, city.stats("2024-03-02T00:00:00Z"))
    alert = one(city.alerts("F8.unrepaired_safety"))
    assert alert["key"] == fault["event_id"] and alert["opened_at"] == "2024-02-01T08:00:00Z"
    assert alert["closed_at"] == "2024-02-02T02:00:00Z"
    assert ids(alert) == [fault["event_id"], run["event_id"], repair["event_id"]]


def test_f9_rescue_sla_and_no_arrival(city: City) -> None:
    city.in_service()
    city.elevator(CODE2, area="other")
    late, quick = city.rescue("2024-05-01T02:00:00Z", 45), city.rescue("2024-05-02T02:00:00Z", 20)
    missing = city.rescue("2024-05-03T02:00:00Z", None)
    self_rescued = city.rescue("2024-05-04T02:00:00Z", None, self_rescued=True)
    rural = city.rescue("2024-05-05T02:00:00Z", 45, area_code=CODE2)  # 60-minute SLA outside the city
    city.must_accept(late, quick, missing, self_rescued, rural)
    late_alert = one(city.alerts("F9.rescue_late"))
    assert late_alert["key"] == late["event_id"] and late_alert["opened_at"] == "2024-05-01T02:30:00Z"
    assert late_alert["closed_at"] == "2024-05-01T02:45:00Z" and late_alert["detail"]["arrival_minutes"] == 45.0
    no_arrival = one(city.alerts("F9.rescue_no_arrival"))
    assert no_arrival["key"] == missing["event_id"] and ids(no_arrival) == [missing["event_id"]]


def test_f10_stop_unreported(city: City) -> None:
    city.in_service()
    city.elevator(CODE2)
    last_run = city.stats("2024-01-01T00:00:00Z")
    idle = [city.stats(f"2024-01-{d:02d}T00:00:00Z", runs=0) for d in (10, 17, 24)]
    city.must_accept(last_run, *idle, city.stats("2024-01-01T00:00:00Z", elevator=CODE2),
                     city.stats("2024-01-10T00:00:00Z", runs=0, elevator=CODE2),
                     city.on(city.user, "Suspended", {"reason": "停用"}, "2024-01-20T00:00:00Z", code=CODE2))
    alert = one(city.alerts("F10.stop_unreported"))
    assert alert["equipment_code"] == CODE and alert["opened_at"] == "2024-12-31T00:00:00Z" and alert["open"]
    assert ids(alert) == [last_run["event_id"], idle[0]["event_id"]]


def test_f13_no_contract_and_three_no(city: City) -> None:
    city.in_service()
    city.elevator(CODE2, contract=False, repair_fund=False)
    city.must_accept(city.on(city.maintainer, "MaintenanceContractTerminated", {
        "contract_no": "WB-1", "effective_date": "2024-06-01", "reason": "合同解除"}, "2024-05-20T00:00:00Z"))
    gaps = city.alerts("F13.no_contract")
    mine = one(gaps, equipment_code=CODE)
    assert mine["opened_at"] == "2024-05-31T16:00:00Z" and mine["open"] and len(ids(mine)) == 2
    assert one(gaps, equipment_code=CODE2)["opened_at"] == "2018-05-31T16:00:00Z"
    three_no = one(city.alerts("F13.three_no"))  # CODE has a maintenance fund: only CODE2 is 三无
    assert three_no["equipment_code"] == CODE2 and three_no["detail"]["missing"] == ["maintainer", "maintenance_fund"]


def test_f14_risk_assessment_after_15_years(city: City) -> None:
    assessor = city.organization("评估中心", ("assessment_body",))
    old = "311031001201000002"
    city.elevator(old, made="2010-03-01T00:00:00Z", registered="2010-06-01T00:00:00Z")
    city.elevator(CODE2, made="2010-03-01T00:00:00Z", registered="2010-06-01T00:00:00Z")
    late = city.on(assessor, "RiskAssessed", {"report_no": "PG-1", "score": 70, "grade": 2, "conclusion": "continue"},
                   "2025-09-01T00:00:00Z", code=old, persons=assessor.persons("assessor"))
    early = city.on(assessor, "RiskAssessed", {"report_no": "PG-2", "score": 80, "grade": 1,
                                               "conclusion": "continue"}, "2025-01-01T00:00:00Z", code=CODE2,
                    persons=assessor.persons("assessor"))
    city.must_accept(late, early)
    alert = one(city.alerts("F14.risk_assessment"))  # 15 years on 2025-06-01; CODE2 was assessed in time
    assert alert["equipment_code"] == old and alert["opened_at"] == "2025-05-31T16:00:00Z"
    assert alert["closed_at"] == "2025-09-01T00:00:00Z" and late["event_id"] in ids(alert)


def test_f14_faults_above_the_fleet_p90(city: City) -> None:
    codes = [f"31103100120180{n:04d}" for n in range(3, 13)]
    for code in codes:
        city.elevator(code)
    noisy = codes[0]
    faults = [city.fault(f"2025-0{m}-01T02:00:00Z", code=2, elevator=noisy) for m in range(1, 6)]
    city.must_accept(*faults, city.fault("2025-03-01T02:00:00Z", code=2, elevator=codes[1]))
    alerts = city.alerts("F14.fault_p90")
    assert [a["equipment_code"] for a in alerts] == [noisy]
    assert alerts[0]["detail"]["faults_last_year"] == 5 and ids(alerts[0]) == [f["event_id"] for f in faults]


def test_f15_safety_part_without_type_test(city: City) -> None:
    city.in_service()

    def replaced(kind: str, serial: str, old: str, when: str, cert: str | None) -> dict[str, Any]:
        payload = {"kind": kind, "serial": serial, "old_serial": old, "maker": "某配件厂", "funding": "owner"}
        if cert:
            payload["type_test_cert"] = cert
        return city.on(city.maintainer, "ComponentReplaced", payload, when, persons=city.maintainer.persons("worker"))

    bad = replaced("governor", "G-2", "G-1", "2024-02-01T00:00:00Z", None)
    good = replaced("brake", "B-2", "B-1", "2024-02-01T00:00:00Z", "TX-B")
    fixed = replaced("governor", "G-3", "G-2", "2024-03-01T00:00:00Z", "TX-G")
    city.must_accept(bad, good, fixed)
    alert = one(city.alerts("F15.no_type_test"))
    assert alert["key"] == bad["event_id"] and alert["closed_at"] == "2024-03-01T00:00:00Z"
    assert alert["detail"]["kind"] == "governor" and ids(alert) == [bad["event_id"], fixed["event_id"]]
