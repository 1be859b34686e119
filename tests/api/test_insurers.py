"""Insurers: claim history per elevator and per policy, the premium coefficient explained."""

from __future__ import annotations

from tests.api.world import ELEVATOR_A, ApiWorld

POLICY = "PA-DT-2024-00931"


def test_claim_history_of_an_insured_elevator(served: ApiWorld) -> None:
    body = served.get(f"/v1/elevators/{ELEVATOR_A}/claims", "insurer").json()
    claim = body["claims"][0]
    assert (claim["claim_no"], claim["outcome"], claim["paid_fen"]) == ("PA-CL-2024-0077", "paid", 320_000)
    assert claim["incidents"][0]["event_id"] == served.scenario.notes["entrapment"]
    assert body["policies"][0]["policy_no"] == POLICY and body["policies"][0]["claims"] == [claim]


def test_premium_coefficient_with_its_explanation(served: ApiWorld) -> None:
    premium = served.get(f"/v1/elevators/{ELEVATOR_A}/claims", "regulator").json()["premium"]
    factors = {f["factor"]: f for f in premium["factors"]}
    assert {"use_class", "claims"} <= set(factors)
    product = 1.0
    for f in premium["factors"]:
        product *= f["value"]
        assert "basis" in f and f["label"]
    assert abs(product - premium["coefficient"]) < 1e-3


def test_claims_as_of_before_the_claim(served: ApiWorld) -> None:
    body = served.get(f"/v1/elevators/{ELEVATOR_A}/claims", "insurer", params={"at": "2024-05-01T00:00:00Z"}).json()
    assert body["claims"] == []


def test_policy_by_number_for_its_insurer_only(served: ApiWorld) -> None:
    mine = served.get(f"/v1/policies/{POLICY}", "insurer").json()
    assert [p["equipment_code"] for p in mine] == [ELEVATOR_A] and mine[0]["claims"][0]["claim_no"]
    other = served.get(f"/v1/policies/{POLICY}", "other_insurer")
    assert (other.status_code, other.json()["error"]["code"]) == (403, "auth.out_of_scope")
    assert served.get(f"/v1/policies/{POLICY}", "regulator").status_code == 200
    unknown = served.get("/v1/policies/NO-SUCH-POLICY", "insurer")
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "policy.unknown")
