"""Credit A–D (indicators, vetoes), the blacklist, the quality evaluation, claims and the premium coefficient, and
the dossier's warranty and inspection-schedule rules."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.core.errors import NotFoundError
from tests.harness import CODE
from tests.projections.conftest import City, t

CODE2 = "311031001201800002"


def penalty(city: City, party: str, category: str, when: str, n: int) -> dict[str, Any]:
    return city.on(city.world.regulator_producer, "PenaltyImposed", {
        "decision_no": f"罚-{n}", "party": party, "law_article": "88", "category": category, "violation": "违法",
        "amount_fen": 1_000_000}, when, code=None)


def maintainer(result: dict[str, Any], org: str) -> dict[str, Any]:
    return next(m for m in result["maintainers"] if m["org"] == org)


def test_credit_grades_indicators_and_vetoes(city: City) -> None:
    city.in_service()
    visits = [city.maintenance(f"2025-0{m}-{d:02d}T02:00:00Z") for m in (3, 4) for d in (1, 14, 28)]
    city.must_accept(*visits, city.rescue("2025-04-02T02:00:00Z", 12))
    result = city.project().credit(at=t("2025-05-01T00:00:00Z"))
    good = maintainer(result, city.maintainer.org)
    assert good["grade"] in ("A", "B") and not good["vetoes"] and good["units"] == 1
    assert [i["id"] for i in good["indicators"]] == ["resources", "quality", "rescue", "on_site", "supervision"]
    assert next(i for i in good["indicators"] if i["id"] == "rescue")["basis"] == {"tickets": 1, "on_time": 1}
    assert maintainer(result, city.rival.org)["grade"] is None  # maintains nothing: unrated
    bypass = penalty(city, city.maintainer.org, "bypass_safety_circuit", "2025-04-20T00:00:00Z", 1)
    city.must_accept(bypass)
    vetoed = maintainer(city.project().credit(at=t("2025-05-01T00:00:00Z")), city.maintainer.org)
    assert vetoed["grade"] == "D" and {v["rule"] for v in vetoed["vetoes"]} == {"penalty_bypass_or_subcontracting",
                                                                                "blacklisted"}
    assert vetoed["vetoes"][0]["evidence"][0]["event_id"] == bypass["event_id"]
    assert maintainer(city.project().credit(at=t("2025-04-01T00:00:00Z")), city.maintainer.org)["grade"] != "D"


def test_licence_veto_and_blacklist(city: City) -> None:
    revoked = city.on(city.world.regulator_producer, "LicenceRevoked", {
        "org": city.rival.org, "licence_no": city.world.licence_no(city.rival, "maintenance"),
        "revoked_at": "2024-03-01T00:00:00Z", "reason": "虚假维保"}, "2024-03-01T00:00:00Z", code=None)
    minor = [penalty(city, city.maintainer.org, "other", f"2024-0{m}-01T00:00:00Z", m) for m in (1, 2)]
    repeat = [penalty(city, city.unlicensed.org, "other", f"2024-0{m}-01T00:00:00Z", 10 + m) for m in (1, 2, 3)]
    city.must_accept(revoked, *minor, *repeat)
    result = city.project().credit(at=t("2024-06-01T00:00:00Z"))
    listed = {e["org"]: e for e in result["blacklist"]}
    assert set(listed) == {city.rival.org, city.unlicensed.org}  # two minor penalties are not enough
    assert listed[city.rival.org]["reasons"][0]["evidence"]["event_id"] == revoked["event_id"]
    assert listed[city.rival.org]["listed_until"] == "2027-02-28T16:00:00Z"
    assert listed[city.unlicensed.org]["reasons"][0]["reason"] == "repeated_penalties"
    rival = maintainer(result, city.rival.org)
    assert rival["grade"] == "D" and "licence_invalid" in {v["rule"] for v in rival["vetoes"]}
    assert all(e["org"] != city.rival.org for e in city.project().credit(at=t("2028-01-01T00:00:00Z"))["blacklist"])


def test_quality_by_model_fault_rate_and_service_life(city: City) -> None:
    city.in_service()
    city.must_accept(city.manufactured(CODE2), city.registered(CODE2))
    city.must_accept(*(city.fault(f"2024-0{m}-01T02:00:00Z", code=2) for m in range(1, 7)))
    retired = city.on(city.user, "Decommissioned", {"reason": "报废", "scrap_certificate_no": "BF-1",
                                                    "certificate_surrendered": True}, "2025-06-01T00:00:00Z",
                      code=CODE2)
    city.must_accept(retired)
    report = city.project().quality()
    assert report["fleet"]["faults"] == 6
    (model,) = report["models"]
    assert model["units"] == 2 and model["decommissioned"] == 1 and model["fault_rate_index"] == 1.0
    assert model["mean_service_life_years"] == pytest.approx(7.0, abs=0.01)
    assert model["service_life_to_design_life"] == pytest.approx(0.35, abs=0.01)


def test_claims_and_premium(city: City) -> None:
    city.in_service()
    rescue = city.rescue("2024-05-01T02:00:00Z", 45)
    policy = city.on(city.insurer, "PolicyIssued", {
        "policy_no": "P-9", "product": "liability", "insured": city.user.org, "period_start": "2024-01-01",
        "period_end": "2026-12-31", "premium_fen": 9300, "limit_per_person_fen": 1, "limit_aggregate_fen": 1},
        "2023-12-01T00:00:00Z")
    claim = city.on(city.insurer, "ClaimFiled", {"claim_no": "C-1", "policy_no": "P-9",
                                                 "incident_refs": [rescue["event_id"]], "loss_type": "bodily_injury",
                                                 "reserve_fen": 100_000}, "2024-05-03T00:00:00Z")
    settled = city.on(city.insurer, "ClaimSettled", {"claim_no": "C-1", "outcome": "paid", "paid_fen": 80_000,
                                                     "liability_finding": "到场超时", "liable_parties": [
                                                         city.maintainer.org]}, "2024-06-01T00:00:00Z")
    city.must_accept(rescue, policy, claim, settled)
    result = city.project().claims(CODE)
    (p,) = result["policies"]
    (c,) = p["claims"]
    assert c["incidents"][0]["event_id"] == rescue["event_id"] and len(c["incidents"][0]["hash"]) == 64
    assert (c["outcome"], c["paid_fen"]) == ("paid", 80_000) and [e["type"] for e in c["evidence"]] == [
        "ClaimFiled", "ClaimSettled"]
    factors = {f["factor"]: f for f in result["premium"]["factors"]}
    assert factors["claims"]["value"] == 1.0 and factors["claims"]["basis"]["claims_in_window"] == 1
    assert factors["use_class"]["value"] == 1.0 and factors["age"]["value"] == 1.0
    assert result["premium"]["premium_fen"] == round(9300 * result["premium"]["coefficient"])
    assert city.project().policy("P-9")[0]["claims"][0]["claim_no"] == "C-1"
    with pytest.raises(NotFoundError):
        city.project().claims("311031001201899999")


def test_dossier_warranty_rules_and_schedule(city: City) -> None:
    oem = city.organization("原厂电梯", ("manufacturer", "maintainer"), maker_code="31002")
    code = "311031002201800001"
    made = city.on(oem, "Manufactured", {"model": "X", "factory_serial": "F", "certificate_no": "C",
                                         "rated_load_kg": 1000, "rated_speed_mm_s": 1000, "floors": 6, "stops": 6,
                                         "doors": 6, "design_life_years": 20}, "2018-03-01T00:00:00Z",
                   role="manufacturer", code=code)
    part = city.on(oem, "ComponentAssociated", {"kind": "traction_machine", "serial": "TM-1", "maker": "原厂",
                                                "maker_org": oem.org, "warranty_until": "2020-03-01"},
                   "2018-03-02T00:00:00Z", role="manufacturer", code=code)
    city.must_accept(made, part, city.registered(code, "2018-06-01T00:00:00Z"))
    city.must_accept(city.on(oem, "MaintenanceContractSigned", {
        "contract_no": "OEM-1", "maintainer": oem.org, "user_unit": city.user.org, "mode": "regular",
        "start_date": "2018-06-01", "end_date": "2030-12-31"}, "2018-06-01T00:00:00Z", role="maintainer", code=code),
        city.on(city.inspector, "PeriodicInspected", {"report_no": "R", "conclusion": "pass",
                                                      "next_due_date": "2026-05-31"}, "2025-06-01T00:00:00Z",
                code=code, persons=city.inspector.persons("inspector")))
    dossier = city.project().dossier(code)
    (traction,) = dossier["components"]
    assert traction["warranty"]["seed_minimum_until"] == "2028-03-02" and traction["warranty"]["in_force"]
    assert traction["warranty"]["basis"] == "seed_minimum" and "10-year" in traction["warranty"]["note"]
    assert dossier["parties"]["maintainer"]["org"] == oem.org
    assert dossier["inspection"]["status"] == "valid" and dossier["inspection"]["next_due_kind"] == "self_test"
    assert dossier["inspection"]["use_year_at_due"] == 8
    before = city.project().dossier(code, at=t("2018-05-01T00:00:00Z"))  # before the OEM took over maintenance
    assert before["components"][0]["warranty"]["seed_minimum_until"] is None
    assert before["status"] == "manufactured" and before["inspection"]["status"] == "none"
    with pytest.raises(NotFoundError):
        city.project().dossier("311031001201899999")
