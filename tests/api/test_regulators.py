"""Regulators: alerts, responsibility, KPIs, quality, credit, fraud signals, store verification."""

from __future__ import annotations

import pytest

from tests.api.world import ELEVATOR_A, ELEVATOR_B, ApiWorld


def test_alerts_filter_and_page(served: ApiWorld) -> None:
    everything = served.get("/v1/alerts", "regulator", params={"open": "false", "limit": 500}).json()
    assert everything["total"] >= 1 and everything["at"] == "2025-03-01T00:00:00Z"
    rules = {a["rule"] for a in everything["items"]}
    rule = min(rules)
    only = served.get("/v1/alerts", "regulator", params={"rule": rule, "open": "false"}).json()
    assert only["items"] and {a["rule"] for a in only["items"]} == {rule}
    on_a = served.get("/v1/alerts", "regulator", params={"code": ELEVATOR_A, "open": "false"}).json()
    assert {a["equipment_code"] for a in on_a["items"]} == {ELEVATOR_A}
    page = served.get("/v1/alerts", "regulator", params={"open": "false", "limit": 1, "offset": 1}).json()
    assert page["offset"] == 1 and len(page["items"]) == 1 and page["items"][0] == everything["items"][1]
    assert all(a["evidence"] for a in everything["items"])


def test_alerts_as_of_an_earlier_time_are_fewer(served: ApiWorld) -> None:
    now = served.get("/v1/alerts", "regulator", params={"open": "false"}).json()["total"]
    then = served.get("/v1/alerts", "regulator", params={"open": "false", "at": "2018-07-01T00:00:00Z"}).json()
    assert then["total"] < now


def test_responsibility_for_the_entrapment(served: ApiWorld) -> None:
    incident = served.scenario.notes["entrapment"]
    body = served.get("/v1/responsibility", "regulator", params={"incident": incident}).json()
    assert body["incident"]["event_id"] == incident
    ranked = body["findings"]
    assert ranked[0]["rank"] == 1 and ranked[0]["party"] == served.orgs["maintainer"].org
    assert all(f["evidence"] for f in ranked)
    at = served.get("/v1/responsibility", "regulator", params={"code": ELEVATOR_A, "at": "2024-06-01T00:00:00Z"})
    assert at.status_code == 200


@pytest.mark.parametrize(("params", "status", "code"), [
    ({}, 400, "request.missing_parameter"),
    ({"code": ELEVATOR_A}, 400, "request.missing_parameter"),
    ({"incident": "01900000-0000-7000-8000-000000000000"}, 404, "event.unknown"),
])
def test_responsibility_needs_an_incident_or_a_time(served: ApiWorld, params: dict[str, str], status: int,
                                                    code: str) -> None:
    r = served.get("/v1/responsibility", "regulator", params=params)
    assert (r.status_code, r.json()["error"]["code"]) == (status, code)


def test_kpis_with_targets(served: ApiWorld) -> None:
    body = served.get("/v1/kpis", "regulator", params={"month": "2024-05"}).json()
    assert body["month"] == "2024-05"
    rollup = next(r for r in body["rows"] if r["district"] == "*" and r["maintainer"] == "*")
    by_id = {k["id"]: k for k in rollup["kpis"]}
    assert by_id["on_time_rate"]["value"] == 0.0 and by_id["on_time_rate"]["pass"] is False  # 36 min > 30
    assert body["targets"]["response_rate"] == {"op": ">=", "limit": 0.99, "source": body["targets"]
                                                ["response_rate"]["source"]}
    series = served.get("/v1/kpis/series", "regulator", params={"months": 3}).json()
    assert len(series["months"]) == 3 and set(series["targets"]) >= {"response_rate", "first_pass_rate"}


@pytest.mark.parametrize("month", ["2024-13", "24-01"])
def test_kpis_refuse_a_bad_month(served: ApiWorld, month: str) -> None:
    r = served.get("/v1/kpis", "regulator", params={"month": month})
    assert r.status_code in (400, 422) and r.json()["error"]["code"].startswith("request.")


def test_quality_credit_and_fraud(served: ApiWorld) -> None:
    quality = served.get("/v1/quality", "regulator").json()
    assert {m["model"] for m in quality["models"]} == {"Schindler 3300", "Schindler 300P"}
    credit = served.get("/v1/credit", "regulator").json()
    graded = {m["org"]: m for m in credit["maintainers"]}
    assert graded[served.orgs["maintainer"].org]["grade"] in ("C", "D")  # fined, late rescue
    fraud = served.get("/v1/fraud-signals", "regulator", params={"code": ELEVATOR_B}).json()
    assert fraud["total"] == len(fraud["items"]) and fraud["next_offset"] is None


def test_store_verification_runs_in_the_background(api: ApiWorld) -> None:
    assert api.get("/v1/verification", "regulator").json()["state"] == "idle"
    started = api.post("/v1/verification", "regulator")
    assert started.status_code in (200, 202)
    done = api.services.provenance.store_check.wait(60)
    assert done["state"] == "done" and done["report"]["ok"] and done["report"]["checkpoints"] == 1
    assert api.get("/v1/verification", "regulator").json()["report"]["events"] == done["report"]["events"]
