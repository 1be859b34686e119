"""Authentication (typed 401s) and scopes by audience (typed 403s): who may see what, and who must be refused."""

from __future__ import annotations

import pytest

from api.cli import main as cli
from tests.api.world import ELEVATOR_A, ELEVATOR_B, ApiWorld

SCOPED = ["dossier", "events", "verification"]


def test_no_token_is_401_auth_missing_with_challenge(served: ApiWorld) -> None:
    r = served.get("/v1/me")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "auth.missing"
    assert r.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header",
                         ["Bearer llt_not-a-token", "Bearer nope", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 500])
def test_unknown_or_malformed_token_is_401_auth_invalid(served: ApiWorld, header: str) -> None:
    r = served.client.get("/v1/me", headers={"Authorization": header})
    assert r.status_code == 401
    assert r.json()["error"]["code"] in ("auth.invalid", "auth.missing")


def test_revoked_token_is_401_auth_revoked_at_once(api: ApiWorld) -> None:
    assert api.get("/v1/me", "insurer").status_code == 200
    api.services.access.revoke_token(api.token_ids["insurer"])
    r = api.get("/v1/me", "insurer")
    assert (r.status_code, r.json()["error"]["code"]) == (401, "auth.revoked")


def test_me_names_the_organization_and_role(served: ApiWorld) -> None:
    body = served.get("/v1/me", "maintainer").json()
    assert body["org"] == served.orgs["maintainer"].org
    assert (body["role"], body["name"]) == ("maintainer", "安心电梯维保有限公司")


def test_tokens_are_stored_hashed(served: ApiWorld) -> None:
    rows = served.services.access.tokens.db.read(f"SELECT * FROM {served.services.access.tokens.table}")
    stored = " ".join(str(value) for row in rows for value in row)
    assert all(token not in stored for token in served.tokens.values())


@pytest.mark.parametrize(("who", "visible"), [
    ("regulator", {ELEVATOR_A, ELEVATOR_B}),
    ("insurer", {ELEVATOR_A}),
    ("other_insurer", set()),
    ("maintainer", {ELEVATOR_A}),
    ("stranger", set()),
    ("maker", {ELEVATOR_A, ELEVATOR_B}),
    ("user", {ELEVATOR_A, ELEVATOR_B}),
    ("platform", {ELEVATOR_A}),
])
def test_elevator_list_is_the_scope(served: ApiWorld, who: str, visible: set[str]) -> None:
    r = served.get("/v1/elevators", who)
    assert r.status_code == 200
    assert {item["equipment_code"] for item in r.json()["items"]} == visible


@pytest.mark.parametrize(("who", "code", "allowed"), [
    ("regulator", ELEVATOR_B, True),
    ("insurer", ELEVATOR_A, True),
    ("insurer", ELEVATOR_B, False),  # it insures A only
    ("other_insurer", ELEVATOR_A, False),
    ("maintainer", ELEVATOR_A, True),
    ("maintainer", ELEVATOR_B, False),  # never under its contract
    ("stranger", ELEVATOR_A, False),
    ("maker", ELEVATOR_B, True),
    ("user", ELEVATOR_A, True),
])
@pytest.mark.parametrize("what", SCOPED)
def test_elevator_endpoints_enforce_the_scope(served: ApiWorld, who: str, code: str, allowed: bool,
                                              what: str) -> None:
    r = served.get(f"/v1/elevators/{code}/{what}", who)
    if allowed:
        assert r.status_code == 200, r.text
    else:
        assert (r.status_code, r.json()["error"]["code"]) == (403, "auth.out_of_scope")


@pytest.mark.parametrize("path", ["/v1/alerts", "/v1/kpis", "/v1/kpis/series", "/v1/quality", "/v1/credit",
                                  "/v1/fraud-signals", "/v1/verification", "/v1/responsibility?code=" + ELEVATOR_A])
@pytest.mark.parametrize("who", ["insurer", "maintainer", "maker", "user"])
def test_regulator_endpoints_refuse_other_roles(served: ApiWorld, path: str, who: str) -> None:
    r = served.get(path, who)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "auth.role_forbidden")


@pytest.mark.parametrize("path", [f"/v1/elevators/{ELEVATOR_A}/claims", "/v1/policies/PA-DT-2024-00931"])
@pytest.mark.parametrize("who", ["maintainer", "maker", "user", "stranger"])
def test_insurer_endpoints_refuse_producers(served: ApiWorld, path: str, who: str) -> None:
    r = served.get(path, who)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "auth.role_forbidden")


def test_unknown_elevator_is_404_for_everyone(served: ApiWorld) -> None:
    for who in ("regulator", "insurer"):
        r = served.get("/v1/elevators/311031001209900001/dossier", who)
        assert (r.status_code, r.json()["error"]["code"]) == (404, "elevator.unknown")


def test_token_issue_needs_the_role_in_the_registry(api: ApiWorld) -> None:
    from api.http.errors import RequestError
    from ledger.core.errors import AuthorizationError

    with pytest.raises(AuthorizationError) as refused:
        api.services.access.issue_token(api.orgs["maintainer"].org, "insurer")
    assert refused.value.code == "token.not_registered"
    with pytest.raises(RequestError):
        api.services.access.issue_token("not-a-uscc", "insurer")


def test_tokens_cli_issue_list_revoke(api: ApiWorld, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    org = api.orgs["other_insurer"].org
    assert cli(["tokens", "issue", "--store", api.url, "--org", org, "--role", "insurer", "--label", "cli",
                "--json"]) == 0
    issued = json.loads(capsys.readouterr().out)
    assert issued["token"].startswith("llt_") and issued["org"] == org
    assert api.client.get("/v1/me", headers={"Authorization": f"Bearer {issued['token']}"}).status_code == 200
    assert cli(["tokens", "list", "--store", api.url, "--org", org, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert issued["token_id"] in {t["token_id"] for t in listed} and all("token" not in t for t in listed)
    assert cli(["tokens", "revoke", "--store", api.url, issued["token_id"]]) == 0
    capsys.readouterr()
    r = api.client.get("/v1/me", headers={"Authorization": f"Bearer {issued['token']}"})
    assert r.json()["error"]["code"] == "auth.revoked"
    assert cli(["tokens", "issue", "--store", api.url, "--org", org, "--role", "maintainer"]) == 1
