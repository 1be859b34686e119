"""Producers: submit signed envelopes (``POST /v1/events``) and ask who the token is (``GET /v1/me``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.http.deps import BodyDep, PrincipalDep, ServicesDep
from api.http.routers import JSON, errors
from api.http.schemas import OutcomePublic, PrincipalPublic

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["producers"])

_ENVELOPE = {"$ref": "#/components/schemas/SignedEnvelope"}  # one model per event type (api/http/event_models.py)
_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"oneOf": [
            _ENVELOPE, {"type": "array", "items": _ENVELOPE, "minItems": 1},
        ]}}},
    }
}
_OUTCOME = {"$ref": "#/components/schemas/OutcomePublic"}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "a duplicate (the original receipt), or a batch all accepted or duplicates",
          "content": {"application/json": {"schema": {"oneOf": [_OUTCOME, {"type": "array", "items": _OUTCOME}]}}}},
    201: {"model": OutcomePublic, "description": "the envelope was accepted: its receipt"},
    207: {"description": "a batch in which some envelopes were refused: one outcome per envelope, in order",
          "content": {"application/json": {"schema": {"type": "array", "items": _OUTCOME}}}},
    **errors(400, 401, 403, 404, 409, 413),
}


@router.post("/events", status_code=201, responses=_RESPONSES, openapi_extra=_BODY,
             summary="Append one signed envelope or a batch")
def post_events(services: ServicesDep, principal: PrincipalDep, body: BodyDep) -> JSON:
    """Each envelope goes through the ledger's one write path; outcomes are those of ``liftledger append``.

    A single envelope answers 201 with its receipt, 200 with the original receipt if its ``event_id`` was already
    recorded with the same bytes, or its error's status with ``{"status": "rejected", "error": …}``. A batch
    answers 200 (all accepted or duplicates) or 207 (some refused) with one outcome per envelope, in order.
    Envelopes must be signed for the token's own organization (else ``auth.actor_mismatch``).
    """
    result = services.submissions.submit(principal, body)
    return JSON(result.body, status_code=result.status)


@router.get("/me", response_model=PrincipalPublic, responses=errors(401), summary="The token's organization and role")
def get_me(principal: PrincipalDep) -> PrincipalPublic:
    return PrincipalPublic(token_id=principal.token_id, org=principal.org, role=principal.role, name=principal.name)
