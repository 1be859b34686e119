"""Responsibility (docs/DOMAIN.md (e)): each rule U1, M1, P1, I1, X1, S1 where it fires (causal or status, with
event ids and hashes) and where it must not; ranking; the (elevator, T) form; typed errors."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from ledger.core.errors import NotFoundError
from ledger.store import Store
from ledger.write.service import LedgerService
from producers.scenario import ELEVATOR_A, Scenario
from tests.harness import CODE
from tests.projections.conftest import City, t


def by_rule(report: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["rule"] == rule]


def reasons(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(f["rule"], f["basis"], f["reason"]) for f in report["findings"]]


def test_the_scenario_entrapment(store_url: str, scenario: Scenario) -> None:
    with Store(store_url, mode="create") as store:
        LedgerService(store).append_lines([orjson.dumps(e) for e in scenario.submissions])
        from projections.service import Projections

        views = Projections(store)
        views.catch_up()
        report = views.responsibility(incident=scenario.notes["entrapment"])
        assert report["failed_subsystem"] == "door" and report["fault_code"] == 3
        first, second = report["findings"][:2]
        assert (first["rule"], first["basis"], first["rank"]) == ("M1", "causal", 1)
        assert second["detail"]["alert"] == "F9.rescue_late"
        assert [f["rule"] for f in report["findings"]][-1] == "S1"
        assert len({f["party"] for f in report["findings"]}) >= 3  # a ranked list, never one verdict
        for finding in report["findings"]:
            for ev in finding["evidence"]:
                row = store.index.lookup_events([ev["event_id"]])[ev["event_id"]]
                assert row.hash.hex() == ev["hash"]  # every piece of evidence is the stored, chained event
        claim = views.responsibility(incident=scenario.notes["claim"])
        assert claim["subject"]["event_id"] == scenario.notes["entrapment"]
        assert any(e["type"] == "ClaimFiled" for f in by_rule(claim, "S1") for e in f["evidence"])
        at_t = views.responsibility(code=ELEVATOR_A, at=t("2024-05-06T12:10:00Z"))
        assert at_t["incident"] is None and by_rule(at_t, "S1") and not by_rule(at_t, "P1")


def test_m1_recurring_fault_and_gap_u1_overdue_hazard(city: City) -> None:
    city.in_service()
    hazard = city.on(city.maintainer, "HazardFound", {
        "hazard_no": "YH-5", "source": "maintenance", "severity": "general", "subsystem": "door",
        "description": "层门变形", "deadline": "2024-03-01"}, "2024-02-01T00:00:00Z",
        persons=city.maintainer.persons("worker"))
    faults = [city.fault(f"2024-03-{d:02d}T02:00:00Z", code=2) for d in (1, 8, 15)]
    city.must_accept(hazard, *faults)
    report = city.project().responsibility(incident=faults[-1]["event_id"])
    m1 = by_rule(report, "M1")
    assert any(f["basis"] == "causal" and "recurred 3 times" in f["reason"] for f in m1)
    assert any(f["basis"] == "status" and f["detail"].get("alert") == "F3.maintenance_gap" for f in m1)
    u1 = by_rule(report, "U1")
    assert [f["basis"] for f in u1 if f["detail"].get("hazard_no") == "YH-5"] == ["causal"]
    assert not by_rule(report, "P1")  # the maintenance record is not clean
    first = city.project().responsibility(incident=faults[0]["event_id"])
    assert not [f for f in by_rule(first, "M1") if "recurred" in f["reason"]]


def test_p1_in_warranty_with_clean_maintenance_and_same_mode_across_the_model(city: City) -> None:
    city.must_accept(city.manufactured(), city.on(city.maker, "ComponentAssociated", {
        "kind": "door_operator", "serial": "D-1", "maker": "迅达", "maker_org": city.maker.org,
        "type_test_cert": "TX", "warranty_until": "2028-06-30"}, "2018-03-02T00:00:00Z", role="manufacturer"),
        city.registered(), city.contract())
    visit = city.maintenance("2024-03-05T02:00:00Z")
    fault = city.fault("2024-03-10T02:00:00Z", code=3)
    city.must_accept(visit, fault)
    report = city.project().responsibility(incident=fault["event_id"])
    # the visit 5 days before marked every door item 'pass': M1 is causal, so the record is not clean and P1
    # (failure in warranty with a clean record) does not fire
    assert not by_rule(report, "P1")
    assert any("marked 'pass'" in f["reason"] for f in by_rule(report, "M1"))
    others = [f"31103100120180{n:04d}" for n in (3, 4, 5)]
    for code in others:
        city.elevator(code)
    same = [city.fault("2024-04-01T02:00:00Z", code=7, elevator=code) for code in others]
    city.must_accept(*same)
    modes = city.project().responsibility(incident=same[-1]["event_id"])
    (p1,) = by_rule(modes, "P1")
    assert p1["basis"] == "causal" and sorted(p1["detail"]["units"]) == others


def test_p1_clean_record_in_warranty(city: City) -> None:
    city.must_accept(city.manufactured(), city.on(city.maker, "ComponentAssociated", {
        "kind": "door_operator", "serial": "D-1", "maker": "迅达", "maker_org": city.maker.org,
        "type_test_cert": "TX", "warranty_until": "2028-06-30"}, "2018-03-02T00:00:00Z", role="manufacturer"),
        city.registered(when="2024-02-20T00:00:00Z"), city.contract(start="2024-02-20"))
    fault = city.fault("2024-03-01T02:00:00Z", code=3)  # no visit yet within 15 days, no gap: a clean record
    city.must_accept(fault)
    report = city.project().responsibility(incident=fault["event_id"])
    (p1,) = by_rule(report, "P1")
    assert p1["basis"] == "causal" and p1["detail"]["parts"][0]["serial"] == "D-1"


def test_i1_failure_in_the_first_year_after_supervision(city: City) -> None:
    city.must_accept(city.manufactured(), city.inspection("pass", "2018-05-01T00:00:00Z", "SupervisoryInspected",
                                                          trigger="installation"))
    installed = {"licence_no": city.world.licence_no(city.maker, "installation"), "self_inspection_report_no": "ZJ",
                 "address": "世纪大道", "district": "浦东新区"}
    city.must_accept(city.on(city.maker, "Installed", installed, "2018-04-20T00:00:00Z", role="installer"),
                     city.registered(), city.contract())
    early, late = city.fault("2018-09-01T02:00:00Z", code=2), city.fault("2020-09-01T02:00:00Z", code=2)
    city.must_accept(early, late)
    (i1,) = by_rule(city.project().responsibility(incident=early["event_id"]), "I1")
    assert i1["party"] == city.maker.org and i1["basis"] == "causal"
    assert not by_rule(city.project().responsibility(incident=late["event_id"]), "I1")


def test_x1_pass_over_an_open_hazard_and_a_condition_present(city: City) -> None:
    city.in_service()
    hazard = city.on(city.maintainer, "HazardFound", {
        "hazard_no": "YH-7", "source": "maintenance", "severity": "general", "subsystem": "door",
        "description": "门刀松动", "deadline": "2024-06-01"}, "2024-03-01T00:00:00Z",
        persons=city.maintainer.persons("worker"))
    earlier = city.fault("2024-03-10T02:00:00Z", code=3)
    passed = city.inspection("pass", "2024-03-20T02:00:00Z")  # a general hazard from maintenance does not block
    fault = city.fault("2024-04-01T02:00:00Z", code=3)
    city.must_accept(hazard, earlier, passed, fault)
    x1 = by_rule(city.project().responsibility(incident=fault["event_id"]), "X1")
    assert {f["basis"] for f in x1} == {"causal"} and len(x1) == 2
    assert all(f["evidence"][0]["event_id"] == passed["event_id"] for f in x1)


def test_u1_no_contract_and_s1_only_while_insured(city: City) -> None:
    city.must_accept(city.manufactured(), city.registered())
    policy = city.on(city.insurer, "PolicyIssued", {
        "policy_no": "P-1", "product": "liability", "insured": city.user.org, "period_start": "2024-01-01",
        "period_end": "2024-12-31", "premium_fen": 9300, "limit_per_person_fen": 1, "limit_aggregate_fen": 1},
        "2023-12-01T00:00:00Z")
    inside, outside = city.fault("2024-06-01T02:00:00Z", code=2), city.fault("2025-06-01T02:00:00Z", code=2)
    city.must_accept(policy, inside, outside)
    report = city.project().responsibility(incident=inside["event_id"])
    assert any("无维保单位" in f["reason"] and f["basis"] == "status" for f in by_rule(report, "U1"))
    (s1,) = by_rule(report, "S1")
    assert s1["evidence"][0]["event_id"] == policy["event_id"] and s1["detail"]["possible_exclusion"]
    assert not by_rule(city.project().responsibility(incident=outside["event_id"]), "S1")


def test_typed_errors(city: City) -> None:
    city.in_service()
    visit = city.maintenance()
    city.must_accept(visit)
    views = city.project()
    with pytest.raises(NotFoundError) as unknown:
        views.responsibility(incident="01900000-0000-7000-8000-000000000099")
    assert unknown.value.code == "event.unknown"
    with pytest.raises(NotFoundError) as not_incident:
        views.responsibility(incident=visit["event_id"])
    assert not_incident.value.code == "incident.unknown"
    with pytest.raises(NotFoundError) as no_elevator:
        views.responsibility(code="311031001201899999", at=t("2024-01-01T00:00:00Z"))
    assert no_elevator.value.code == "elevator.unknown"
    with pytest.raises(NotFoundError) as too_early:
        views.responsibility(code=CODE, at=t("2010-01-01T00:00:00Z"))
    assert too_early.value.code == "elevator.not_yet"


def test_accident_incident_and_credit_veto(city: City) -> None:
    city.in_service()
    fault = city.fault("2025-03-01T02:00:00Z", code=5)  # 开门走车
    accident = city.on(city.world.regulator_producer, "AccidentReported", {
        "grade": "general", "deaths": 0, "injuries": 1, "description": "开门走车致乘客受伤",
        "fault_ref": fault["event_id"]}, "2025-03-01T03:00:00Z")
    city.must_accept(fault, accident)
    views = city.project()
    report = views.responsibility(incident=accident["event_id"])
    assert report["incident"]["type"] == "AccidentReported" and report["failed_subsystem"] == "brake"
    assert report["fault_code"] == 5 and any(f["rule"] == "M1" for f in report["findings"])
    credit = next(m for m in views.credit(at=t("2025-06-01T00:00:00Z"))["maintainers"]
                  if m["org"] == city.maintainer.org)
    (veto,) = [v for v in credit["vetoes"] if v["rule"] == "accident"]
    assert credit["grade"] == "D" and veto["evidence"][0]["event_id"] == accident["event_id"]
