"""The registry over HTTP: organizations and keys to read, the regulator's acts signed by the server's desk key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.http.services import Services
from ledger.adapters.keyfile import write_signing_key
from ledger.core.keys import SigningKey
from producers.world import make_uscc
from tests.api.world import NOW, ApiWorld

NEW_ORG = make_uscc("310115", 77)


@pytest.fixture
def desk(api: ApiWorld) -> Iterator[TestClient]:
    """The same ledger served with the regulator's key as the registry desk key."""
    path = api.tmp / "registry.key"
    write_signing_key(api.orgs["regulator"].key, path)
    services = Services.open(api.settings.with_(registry_key=path), clock=lambda: NOW)
    with TestClient(create_app(api.settings, services=services)) as client:
        yield client


def test_orgs_are_listed_for_every_token(api: ApiWorld) -> None:
    assert api.get("/v1/orgs").status_code == 401
    listed = api.get("/v1/orgs", "maintainer").json()
    assert listed["total"] == len(listed["organizations"]) >= 8
    insurers = api.get("/v1/orgs?role=insurer", "insurer").json()["organizations"]
    assert {o["org"] for o in insurers} == {api.orgs["insurer"].org, api.orgs["other_insurer"].org}
    maintainer = api.get(f"/v1/orgs/{api.orgs['maintainer'].org}", "insurer").json()
    assert maintainer["roles"] == ["maintainer"] and maintainer["active_keys"] >= 1
    assert maintainer["certificates"] and maintainer["licences"][0]["valid_now"] in (True, False)
    key = api.get(f"/v1/keys/{maintainer['keys'][0]['key_id']}", "user").json()
    assert key["org"] == maintainer["org"] and key["state"] == "active"
    assert api.get(f"/v1/orgs/{NEW_ORG}", "user").json()["error"]["code"] == "org.unknown"
    assert api.get("/v1/keys/" + "0" * 32, "user").status_code == 404


def test_acts_need_a_desk_key(api: ApiWorld) -> None:
    body = {"org": NEW_ORG, "name": "新维保", "roles": ["maintainer"]}
    response = api.post("/v1/registry/organizations", "regulator", json=body)
    assert response.status_code == 503 and response.json()["error"]["code"] == "registry.no_key"


def _auth(api: ApiWorld, who: str) -> dict[str, str]:
    return api.auth(who)


def test_the_desk_registers_an_organization_rotates_and_revokes_its_key(api: ApiWorld, desk: TestClient) -> None:
    first, second = SigningKey.generate(), SigningKey.generate()
    body: dict[str, Any] = {
        "org": NEW_ORG, "name": "新维保", "roles": ["maintainer"], "district": "浦东新区",
        "public_key": first.public.base64, "at": "2025-02-01T00:00:00Z",
        "licences": [{"kind": "maintenance", "licence_no": "TS-77", "valid_from": "2025-02-01",
                      "valid_until": "2029-02-01"}],
        "workers": [{"cert_no": "T-77", "category": "T", "valid_from": "2025-02-01", "valid_until": "2029-02-01"}],
    }
    response = desk.post("/v1/registry/organizations", json=body, headers=_auth(api, "regulator"))
    assert response.status_code == 201, response.text
    assert [o["status"] for o in response.json()] == ["accepted"] * 4
    shown = api.get(f"/v1/orgs/{NEW_ORG}", "regulator").json()
    assert shown["active_keys"] == 1 and shown["licences"][0]["licence_no"] == "TS-77"

    rotate = desk.post(f"/v1/registry/organizations/{NEW_ORG}/keys/{first.key_id}/rotate",
                       json={"public_key": second.public.base64, "at": "2025-02-02T00:00:00Z"},
                       headers=_auth(api, "regulator"))
    assert rotate.status_code == 201 and len(rotate.json()) == 2
    states = {k["key_id"]: k["state"] for k in api.get(f"/v1/orgs/{NEW_ORG}", "regulator").json()["keys"]}
    assert states == {first.key_id: "revoked", second.key_id: "active"}
    revoke = desk.post(f"/v1/registry/organizations/{NEW_ORG}/keys/{second.key_id}/revoke",
                       json={"reason": "泄露", "at": "2025-02-03T00:00:00Z"}, headers=_auth(api, "regulator"))
    assert revoke.status_code == 201
    certify = desk.post(f"/v1/registry/organizations/{NEW_ORG}/certificates", headers=_auth(api, "regulator"),
                        json={"certificates": [{"cert_no": "T-78", "category": "T", "valid_from": "2025-02-01",
                                                "valid_until": "2029-02-01"}]})
    assert certify.status_code == 201


def test_only_a_regulator_may_ask_the_desk(api: ApiWorld, desk: TestClient) -> None:
    body = {"org": NEW_ORG, "name": "自封", "roles": ["manufacturer"]}
    for who in ("maintainer", "insurer", "maker"):
        response = desk.post("/v1/registry/organizations", json=body, headers=_auth(api, who))
        assert response.status_code == 403 and response.json()["error"]["code"] == "auth.role_forbidden"
    assert api.get(f"/v1/orgs/{NEW_ORG}", "regulator").status_code == 404


def test_a_refused_act_answers_207_with_its_code_and_path(api: ApiWorld, desk: TestClient) -> None:
    wrong = NEW_ORG[:-1] + ("0" if NEW_ORG[-1] != "0" else "1")
    response = desk.post("/v1/registry/organizations", json={"org": wrong, "name": "x", "roles": ["insurer"]},
                         headers=_auth(api, "regulator"))
    assert response.status_code == 207
    (outcome,) = response.json()
    assert outcome["error"]["code"] == "schema.invalid" and outcome["error"]["details"]["path"] == "payload.org"
    bad_key = desk.post(f"/v1/registry/organizations/{api.orgs['maintainer'].org}/keys",
                        json={"public_key": "not base64"}, headers=_auth(api, "regulator"))
    assert bad_key.status_code == 422 and bad_key.json()["error"]["code"] == "request.invalid"
    unknown = desk.post("/v1/registry/elevators", headers=_auth(api, "regulator"), json={
        "equipment_code": "311031001202499999", "registration_no": "梯31沪A99999(24)",
        "user_unit": api.orgs["user"].org, "site_category": "residential", "district": "浦东新区", "address": "x"})
    assert unknown.status_code == 207 and unknown.json()[0]["error"]["code"] == "elevator.unknown"
