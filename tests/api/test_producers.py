"""POST /v1/events: one envelope or a batch, the ledger's own outcomes, idempotent by event_id."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from api.http.services.submissions import SubmissionService
from tests.api.world import ELEVATOR_A, ELEVATOR_B, ApiWorld


def _maintenance(api: ApiWorld, when: str = "2024-06-18T02:00:00Z", **overrides: Any) -> dict[str, Any]:
    m = api.orgs["maintainer"]
    payload = {"contract_no": "WB-2018-031", "tier": "half_month", "started_at": "2024-06-18T01:15:00Z",
               "ended_at": when, "results": {"A-1-01": "pass"}, **overrides}
    return m.as_("maintainer").event("MaintenancePerformed", payload, equipment_code=ELEVATOR_A, occurred_at=when,
                                     persons=m.persons("worker", 2))


def test_one_envelope_is_accepted_with_a_receipt(api: ApiWorld) -> None:
    envelope = _maintenance(api)
    r = api.post("/v1/events", "maintainer", json=envelope)
    assert r.status_code == 201, r.text
    receipt = r.json()
    assert receipt["status"] == "accepted" and receipt["event_id"] == envelope["event_id"]
    assert receipt["stream"] == f"elevator:{ELEVATOR_A}" and len(receipt["hash"]) == 64
    assert api.services.ctx.store.tree.leaf_of(envelope["event_id"]) is not None


def test_resending_returns_the_original_receipt(api: ApiWorld) -> None:
    envelope = _maintenance(api)
    first = api.post("/v1/events", "maintainer", json=envelope).json()
    again = api.post("/v1/events", "maintainer", json=envelope)
    assert again.status_code == 200
    assert again.json() == {**first, "status": "duplicate"}


@pytest.mark.parametrize(("mutate", "status", "code"), [
    (lambda e: e["payload"].update(contract_no="OTHER"), 422, "signature.invalid"),
    (lambda e: e.update(key_id="0" * 32), 422, "key.unknown"),
    (lambda e: e.pop("payload"), 422, "schema.invalid"),
    (lambda e: e.update(occurred_at="2024-06-18 02:00"), 422, "schema.invalid"),
])
def test_a_bad_envelope_gets_the_clis_code(api: ApiWorld, mutate: Any, status: int, code: str) -> None:
    envelope = _maintenance(api)
    mutate(envelope)
    r = api.post("/v1/events", "maintainer", json=envelope)
    assert r.status_code == status
    assert r.json()["status"] == "rejected" and r.json()["error"]["code"] == code


def test_relationship_invariant_and_unknown_elevator(api: ApiWorld) -> None:
    stranger = api.orgs["stranger"]
    no_contract = stranger.as_("maintainer").event("MaintenancePerformed", {
        "contract_no": "NONE", "tier": "half_month", "started_at": "2024-08-01T01:00:00Z",
        "ended_at": "2024-08-01T01:40:00Z", "results": {"A-1-01": "pass"},
    }, equipment_code=ELEVATOR_A, occurred_at="2024-08-01T01:40:00Z", persons=stranger.persons("worker", 2))
    r = api.post("/v1/events", "stranger", json=no_contract)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "relationship.missing")
    user = api.orgs["user"]
    after_end = user.as_("user_unit").event("Suspended", {"reason": "停用"}, equipment_code=ELEVATOR_B,
                                            occurred_at="2025-01-01T02:00:00Z")
    r = api.post("/v1/events", "user", json=after_end)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "elevator.decommissioned")
    unknown = _maintenance(api)
    unknown["equipment_code"] = "311031001202400009"
    r = api.post("/v1/events", "maintainer", json=unknown)
    assert r.json()["error"]["code"] in ("elevator.unknown", "signature.invalid")


def test_a_batch_answers_one_outcome_per_envelope_in_order(api: ApiWorld) -> None:
    good = [_maintenance(api, f"2024-06-{day}T02:00:00Z", started_at=f"2024-06-{day}T01:15:00Z")
            for day in (18, 19)]
    bad = _maintenance(api, "2024-06-20T02:00:00Z", started_at="2024-06-20T01:15:00Z")
    bad["payload"]["tier"] = "quarterly"
    r = api.post("/v1/events", "maintainer", json=[good[0], bad, good[1], good[0]])
    assert r.status_code == 207
    assert [o["status"] for o in r.json()] == ["accepted", "rejected", "accepted", "duplicate"]
    assert r.json()[1]["error"]["code"] == "signature.invalid"
    again = api.post("/v1/events", "maintainer", json=good)
    assert again.status_code == 200 and {o["status"] for o in again.json()} == {"duplicate"}


def test_envelopes_must_be_the_tokens_own_organization(api: ApiWorld) -> None:
    r = api.post("/v1/events", "stranger", json=[_maintenance(api)])
    assert r.status_code == 207
    assert r.json()[0]["error"]["code"] == "auth.actor_mismatch"
    single = api.post("/v1/events", "stranger", json=_maintenance(api))
    assert (single.status_code, single.json()["error"]["code"]) == (403, "auth.actor_mismatch")


@pytest.mark.parametrize(("body", "status", "code"), [
    (b"{not json", 422, "schema.invalid"),
    (b"42", 422, "schema.invalid"),
    (b"[]", 400, "request.empty_batch"),
    (b"[1, \"x\"]", 207, None),
    (b"[1, \"x\", null]", 422, "schema.invalid"),  # the body is one strict JSON document: null is refused in it
    (b"", 422, "schema.invalid"),
])
def test_bodies_that_are_not_envelopes(api: ApiWorld, body: bytes, status: int, code: str | None) -> None:
    r = api.post("/v1/events", "maintainer", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == status
    if code is None:
        assert {o["error"]["code"] for o in r.json()} == {"schema.invalid"}
    else:
        assert r.json()["error"]["code"] == code


@pytest.mark.parametrize(("original", "forged", "path"), [
    (b'"schema":1', b'"schema":1.0', "schema"),
    (b'"schema":1', b'"schema":true', "schema"),
    (b'"schema":1', b'"schema":1,"schema":1', "schema"),
    (b'"tier":"half_month"', b'"tier":"half_month","tier":"quarterly"', "payload.tier"),
])
def test_bytes_a_lax_parser_would_read_two_ways_are_refused(api: ApiWorld, original: bytes, forged: bytes,
                                                             path: str) -> None:
    body = orjson.dumps(_maintenance(api), option=orjson.OPT_SORT_KEYS)
    assert original in body
    before = api.services.ctx.store.index.max_position()
    forged_body = body.replace(original, forged, 1)
    r = api.post("/v1/events", "maintainer", content=forged_body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert (error["code"], error["details"]["path"]) == ("schema.invalid", path)
    # In a batch: a JSON-level fault (repeated key, float) refuses the body; a mistyped field its envelope.
    r = api.post("/v1/events", "maintainer", content=b"[" + forged_body + b"]",
                 headers={"Content-Type": "application/json"})
    error = r.json()["error"] if r.status_code == 422 else r.json()[0]["error"]
    assert r.status_code in (207, 422) and error["code"] == "schema.invalid"
    assert error["details"]["path"] in (path, f"[0].{path}")
    assert api.services.ctx.store.index.max_position() == before


def test_limits_on_batch_and_body(api: ApiWorld) -> None:
    api.services.submissions = SubmissionService(api.services.ctx, max_batch=2)
    r = api.post("/v1/events", "maintainer", json=[_maintenance(api)] * 3)
    assert (r.status_code, r.json()["error"]["code"]) == (413, "request.batch_too_large")
    big = b"[" + b" " * (api.settings.max_body_bytes + 1) + b"]"
    r = api.post("/v1/events", "maintainer", content=big, headers={"Content-Type": "application/json"})
    assert (r.status_code, r.json()["error"]["code"]) == (413, "request.too_large")


def test_submitting_needs_a_token(api: ApiWorld) -> None:
    r = api.post("/v1/events", json=_maintenance(api))
    assert (r.status_code, r.json()["error"]["code"]) == (401, "auth.missing")


def test_outcomes_are_those_of_the_cli(api: ApiWorld) -> None:
    """The same envelope appended over HTTP and by the ledger service directly gives the same wire form."""
    envelope = _maintenance(api)
    over_http = api.post("/v1/events", "maintainer", json=envelope).json()
    direct = api.services.ctx.append([__import__("ledger.core.submission", fromlist=["parse_line"]).parse_line(
        orjson.dumps(envelope))])[0].to_dict()
    assert direct == {**over_http, "status": "duplicate"}
