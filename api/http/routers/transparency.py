"""The transparency log, public like a Certificate Transparency log: checkpoints, proofs, and the witness.

``POST /add-checkpoint`` is the c2sp.org/tlog-witness endpoint (its prefix is the server root): text in, text
out, with the spec's statuses — 400 malformed, 403 unverified, 404 unknown origin, 409 stale size (body: the
witness's size, ``text/x.tlog.size``) or fork, 422 inconsistent proof.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse, Response

from api.http.deps import BodyDep, ServicesDep
from api.http.routers import JSON, errors
from api.http.schemas import EVENT_ID, CheckpointPage, ProofBundle

__all__ = ["router", "witness_router"]

router = APIRouter(prefix="/v1/log", tags=["transparency"])
witness_router = APIRouter(tags=["transparency"])

EventId = Annotated[str, Query(pattern=EVENT_ID, description="the event's event_id")]
Size = Annotated[int, Query(ge=0, le=2**53 - 1)]
_TEXT = {"text/plain": {"schema": {"type": "string"}}}
_NOTE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "the signed checkpoint note (C2SP signed-note checkpoint)", "content": _TEXT},
    **errors(404, json_route=False),
}


@router.get("/checkpoint", response_class=PlainTextResponse, responses=_NOTE_RESPONSES,
            summary="The latest checkpoint, with the witness cosignatures collected so far")
def get_checkpoint(services: ServicesDep) -> PlainTextResponse:
    return PlainTextResponse(services.transparency.latest_note())


@router.get("/checkpoints", response_model=CheckpointPage, responses=errors(),
            summary="Every issued checkpoint, oldest first")
def get_checkpoints(services: ServicesDep, after: Annotated[int, Query(ge=0, le=2**53)] = 0,
                    limit: Annotated[int, Query(ge=1, le=500)] = 100) -> JSON:
    return JSON(services.transparency.checkpoints(after, limit))


@router.get("/proofs/inclusion", response_model=ProofBundle, responses=errors(404),
            summary="RFC 9162 inclusion proof of an event (default size: the latest checkpoint's)")
def get_inclusion(services: ServicesDep, event_id: EventId, size: Size | None = None) -> JSON:
    return JSON(services.transparency.inclusion(event_id, size))


@router.get("/proofs/consistency", response_model=ProofBundle, responses=errors(404),
            summary="RFC 9162 consistency proof between two tree sizes")
def get_consistency(services: ServicesDep, old: Size, new: Size) -> JSON:
    return JSON(services.transparency.consistency(old, new))


@router.get("/proofs/tlog-proof", response_class=PlainTextResponse,
            responses={200: {"description": "c2sp.org/tlog-proof@v1 text", "content": _TEXT},
                       **errors(404, 409, json_route=False)},
            summary="An offline c2sp.org/tlog-proof of an event against the latest checkpoint")
def get_tlog_proof(services: ServicesDep, event_id: EventId) -> PlainTextResponse:
    return PlainTextResponse(services.transparency.tlog_proof(event_id))


_WITNESS_TEXT = {"text/plain": {"schema": {"type": "string"}}}
_ERROR = {"$ref": "#/components/schemas/ErrorBody"}
_WITNESS_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "the witness's cosignature line(s)", "content": _WITNESS_TEXT},
    400: {"description": "malformed request or checkpoint; rollback", "content": _WITNESS_TEXT},
    403: {"description": "the checkpoint is not signed by a trusted log key", "content": _WITNESS_TEXT},
    404: {"description": "unknown log origin", "content": _WITNESS_TEXT},
    409: {"description": "old size is stale (body: the witness's size) or a fork",
          "content": {**_WITNESS_TEXT, "text/x.tlog.size": {"schema": {"type": "string"}}}},
    413: {"description": "body too large", "content": {"application/json": {"schema": _ERROR}}},
    422: {"description": "the consistency proof does not verify", "content": _WITNESS_TEXT},
    503: {"description": "this server runs no witness", "content": {"application/json": {"schema": _ERROR}}},
}
_WITNESS_BODY = {"requestBody": {"required": True, "content": {"text/plain": {"schema": {"type": "string"}}}}}


@witness_router.post("/add-checkpoint", response_class=PlainTextResponse, responses=_WITNESS_RESPONSES,
                     openapi_extra=_WITNESS_BODY, summary="c2sp.org/tlog-witness add-checkpoint")
def add_checkpoint(services: ServicesDep, body: BodyDep) -> Response:
    answer = services.transparency.add_checkpoint(body)
    return Response(answer.body, status_code=answer.status, media_type=answer.content_type)
