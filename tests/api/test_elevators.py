"""Elevators: the list, the dossier now and as of T, provenance, verification, passports."""

from __future__ import annotations

import hashlib

import orjson
import pytest

from ledger.core.chain import GENESIS_HASH
from ledger.tlog.checkpoint import NoteVerifier
from ledger.tlog.passport import verify_passport
from tests.api.world import ELEVATOR_A, ELEVATOR_B, ApiWorld


def test_list_pages_by_code(served: ApiWorld) -> None:
    first = served.get("/v1/elevators?limit=1", "regulator").json()
    assert first["items"] == [{"equipment_code": ELEVATOR_B}] and first["next_after"] == ELEVATOR_B
    second = served.get(f"/v1/elevators?limit=1&after={first['next_after']}", "regulator").json()
    assert second == {"items": [{"equipment_code": ELEVATOR_A}], "next_after": None}


def test_dossier_now_and_as_of_a_time(served: ApiWorld) -> None:
    now = served.get(f"/v1/elevators/{ELEVATOR_A}/dossier", "regulator").json()
    assert now["equipment_code"] == ELEVATOR_A and now["status"] == "in_service"
    assert now["parties"]["maintainer"]["name"] == "安心电梯维保有限公司"
    assert [c["claim_no"] for c in now["claims"]] == ["PA-CL-2024-0077"]
    before = served.get(f"/v1/elevators/{ELEVATOR_A}/dossier?at=2018-06-30T00:00:00Z", "regulator").json()
    assert before["as_of"] == "2018-06-30T00:00:00Z"
    assert before["claims"] == [] and before["maintenance"]["visits"] == 0
    assert before["registration"]["registration_no"] == "梯31沪A18001(18)"
    b = served.get(f"/v1/elevators/{ELEVATOR_B}/dossier", "maker").json()
    assert b["status"] == "decommissioned"


@pytest.mark.parametrize("at", ["2024-01-01", "yesterday", "2024-01-01T00:00:00+08:00"])
def test_malformed_instants_are_400(served: ApiWorld, at: str) -> None:
    r = served.get(f"/v1/elevators/{ELEVATOR_A}/dossier", "regulator", params={"at": at})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "request.invalid_instant")


def test_provenance_is_the_chain(served: ApiWorld) -> None:
    page = served.get(f"/v1/elevators/{ELEVATOR_A}/events?limit=500", "regulator").json()
    items = page["items"]
    assert [e["seq"] for e in items] == list(range(1, len(items) + 1)) and page["next_after_seq"] is None
    previous = GENESIS_HASH.hex()
    for event in items:
        record = orjson.dumps(event["record"], option=orjson.OPT_SORT_KEYS)
        assert event["prev_hash"] == previous
        assert hashlib.sha256(bytes.fromhex(previous) + record).hexdigest() == event["hash"]
        assert event["signer"]["org"] == event["record"]["actor"]["org"]
        assert event["signer"]["key_id"] == event["record"]["key_id"]
        previous = event["hash"]
    assert items[0]["type"] == "Manufactured" and items[0]["signer"]["name"] == "迅达电梯(中国)有限公司"


def test_provenance_pages_and_filters(served: ApiWorld) -> None:
    path = f"/v1/elevators/{ELEVATOR_A}/events"
    first = served.get(path, "maintainer", params={"limit": 5}).json()
    assert len(first["items"]) == 5 and first["next_after_seq"] == 5
    second = served.get(path, "maintainer", params={"limit": 5, "after_seq": 5}).json()
    assert second["items"][0]["seq"] == 6 and second["items"][0]["prev_hash"] == first["items"][-1]["hash"]
    typed = served.get(path, "maintainer", params={"type": ["PeriodicInspected", "HazardFound"]}).json()
    assert {e["type"] for e in typed["items"]} == {"PeriodicInspected", "HazardFound"}
    window = served.get(path, "maintainer", params={"since": "2024-05-06T00:00:00Z",
                                                    "until": "2024-05-07T00:00:00Z"}).json()
    assert {e["type"] for e in window["items"]} == {"FaultReported", "EntrapmentRescue", "Repaired"}


def test_verification_recomputes_every_record(served: ApiWorld) -> None:
    body = served.get(f"/v1/elevators/{ELEVATOR_A}/verification", "insurer").json()
    assert body["ok"] and body["chain_ok"] and body["signatures_ok"]
    assert body["checkpoint"]["verified"] and body["newest_logged_proof_ok"] is True
    assert body["events"] == len(body["records"]) == body["logged"]
    assert all(r["verified"] for r in body["records"])


def test_passport_verifies_offline(served: ApiWorld) -> None:
    r = served.get(f"/v1/elevators/{ELEVATOR_A}/passport", "insurer")
    assert r.status_code == 200
    operator = NoteVerifier.from_vkey(served.services.ctx.log.operator.vkey())
    summary = verify_passport(r.json(), operator)
    assert summary.to_dict()["equipment_code"] == ELEVATOR_A


def test_passport_needs_a_fresh_checkpoint(api: ApiWorld) -> None:
    api.post("/v1/public/reports", json={"equipment_code": ELEVATOR_A, "category": "service", "summary": "灯不亮"})
    r = api.get(f"/v1/elevators/{ELEVATOR_A}/passport", "regulator")
    assert (r.status_code, r.json()["error"]["code"]) == (409, "passport.stale_checkpoint")
    verification = api.get(f"/v1/elevators/{ELEVATOR_A}/verification", "regulator").json()
    assert not verification["ok"] and verification["records"][-1]["problem"] == "not yet under a signed checkpoint"
    api.services.ctx.log.issue(api.operator)
    assert api.get(f"/v1/elevators/{ELEVATOR_A}/passport", "regulator").status_code == 200


def test_written_events_are_read_at_once(api: ApiWorld) -> None:
    """Read-your-writes: the dossier includes an event appended a moment ago over the API."""
    m = api.orgs["maintainer"]
    envelope = m.as_("maintainer").event("HazardFound", {
        "hazard_no": "YH-NEW-1", "source": "maintenance", "severity": "general", "subsystem": "door",
        "description": "层门地坎变形", "deadline": "2025-04-01",
    }, equipment_code=ELEVATOR_A, occurred_at="2025-02-01T02:00:00Z", persons=m.persons("worker"))
    assert api.post("/v1/events", "maintainer", json=envelope).status_code == 201
    dossier = api.get(f"/v1/elevators/{ELEVATOR_A}/dossier", "maintainer").json()
    assert [h["hazard_no"] for h in dossier["open_hazards"]] == ["YH-NEW-1"]
