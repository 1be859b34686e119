"""The one error mapping: every class to its status, and nothing a client sends becomes a 500."""

from __future__ import annotations

import pytest

from api.http.errors import (
    AuthenticationError,
    PayloadTooLargeError,
    PermissionDenied,
    RateLimitedError,
    RequestError,
    ServiceUnavailable,
    status_for,
)
from ledger.core.errors import (
    AuthorizationError,
    ChainBrokenError,
    ConfigurationError,
    ElevatorDecommissionedError,
    ElevatorUnknownError,
    InvariantError,
    KeyStateError,
    LedgerError,
    NoteError,
    NotFoundError,
    ProofError,
    RootMismatchError,
    SchemaError,
    SignatureError,
    VersionConflictError,
    WitnessForkError,
)
from tests.api.world import ApiWorld


@pytest.mark.parametrize(("error", "status"), [
    (AuthenticationError("x"), 401), (PermissionDenied("x"), 403), (RateLimitedError("x", retry_after=1), 429),
    (PayloadTooLargeError("x"), 413), (RequestError("x"), 400), (ServiceUnavailable("x"), 503),
    (SchemaError("x"), 422), (SignatureError("x"), 422), (KeyStateError("x", code="key.revoked"), 422),
    (AuthorizationError("x", code="licence.invalid"), 403), (InvariantError("hazards_open", "x"), 409),
    (ElevatorUnknownError("x"), 404), (ElevatorDecommissionedError("x"), 409), (ChainBrokenError("x"), 422),
    (ProofError("x"), 422), (RootMismatchError(b"a", b"b"), 422), (NoteError("x"), 422),
    (VersionConflictError("x"), 409), (WitnessForkError("x"), 409), (NotFoundError("x"), 404),
    (ConfigurationError("x"), 500), (LedgerError("x", code="not_found"), 404),
    (LedgerError("x", code="passport.stale_checkpoint"), 409), (LedgerError("x"), 400),
])
def test_status_for_each_class(error: LedgerError, status: int) -> None:
    assert status_for(error) == status


def test_routing_errors_have_the_same_body(served: ApiWorld) -> None:
    r = served.get("/v1/nowhere")
    assert (r.status_code, r.json()["error"]["code"]) == (404, "http.not_found")
    r = served.client.delete("/v1/events")
    assert (r.status_code, r.json()["error"]["code"]) == (405, "http.method_not_allowed")


def test_server_errors_do_not_leak_details(api: ApiWorld) -> None:
    api.services.public.settings = api.settings.with_(platform_key=api.tmp / "missing.key")
    api.services.public._platform = None
    r = api.post("/v1/public/reports", json={"equipment_code": "311031001201800001", "category": "fault",
                                             "summary": "坏了"})
    assert r.status_code == 500 and r.json()["error"]["code"] == "config.invalid"
    assert "missing.key" not in r.text


@pytest.mark.parametrize("path", [
    "/v1/elevators/%00%00/dossier", "/v1/elevators/" + "9" * 18 + "/events?after_seq=-1",
    "/v1/elevators/" + "1" * 18 + "/events?limit=100000", "/v1/log/proofs/inclusion?event_id=" + "a" * 5000,
    "/v1/log/proofs/consistency?old=1e9&new=x", "/v1/alerts?at=%FF%FE", "/v1/kpis?month=%F0%9F%98%80",
    "/v1/public/elevators/" + "１" * 18, "/elevators/" + "3" * 18, "/public/elevators/" + "3" * 18,
])
def test_garbage_is_never_a_500(served: ApiWorld, path: str) -> None:
    r = served.get(path, "regulator")
    assert r.status_code < 500, r.text
