"""Elevators, for every audience within its scope: the list, the dossier, provenance, verification, passport.

A regulator sees every elevator; an insurer those it insures; a maintainer those it maintains; a manufacturer
those it made (see :mod:`api.http.auth`). Outside its scope a token gets 403 ``auth.out_of_scope``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.http.deps import PrincipalDep, ServicesDep
from api.http.routers import JSON, errors
from api.http.schemas import (
    EQUIPMENT_CODE,
    DossierPublic,
    ElevatorPage,
    ElevatorPublic,
    ElevatorVerification,
    EventPage,
)
from api.http.services.provenance import EventFilter
from api.http.timeparams import parse_instant_param

__all__ = ["CodePath", "router"]

router = APIRouter(prefix="/v1/elevators", tags=["elevators"])

CodePath = Annotated[str, Path(pattern=EQUIPMENT_CODE, description="设备代码 (18 digits)")]
Limit = Annotated[int, Query(ge=1, le=500, description="page size")]
At = Annotated[str | None, Query(description="an instant, YYYY-MM-DDTHH:MM:SSZ (default: now)")]


@router.get("", response_model=ElevatorPage, responses=errors(401), summary="Elevators within the token's scope")
def list_elevators(services: ServicesDep, principal: PrincipalDep,
                   after: Annotated[str, Query(max_length=18, description="the last code of the previous page")] = "",
                   limit: Limit = 50) -> ElevatorPage:
    codes = services.access.visible_elevators(principal, after, limit + 1)
    page = codes[:limit]
    return ElevatorPage(items=[ElevatorPublic(equipment_code=code) for code in page],
                        next_after=page[-1] if len(codes) > limit else None)


@router.get("/{code}/dossier", response_model=DossierPublic, responses=errors(400, 401, 403, 404),
            summary="The dossier (一梯一档), now or as of ?at=")
def get_dossier(services: ServicesDep, principal: PrincipalDep, code: CodePath, at: At = None) -> JSON:
    when = parse_instant_param("at", at)
    services.access.require_elevator(principal, code)
    return JSON(services.analytics.dossier(code, when))


@router.get("/{code}/events", response_model=EventPage, responses=errors(400, 401, 403, 404),
            summary="Provenance: the signed records with seq, prev_hash, hash and signer")
def get_events(
    services: ServicesDep, principal: PrincipalDep, code: CodePath,
    after_seq: Annotated[int, Query(ge=0, le=2**53)] = 0,
    limit: Limit = 50,
    type: Annotated[list[str] | None, Query(description="only these event types")] = None,
    since: At = None,
    until: At = None,
) -> JSON:
    rows = services.access.elevator_rows(principal, code)
    query = EventFilter(after_seq, limit, frozenset(type or ()), parse_instant_param("since", since),
                        parse_instant_param("until", until))
    return JSON(services.provenance.events(code, rows, query))


@router.get("/{code}/verification", response_model=ElevatorVerification, responses=errors(401, 403, 404),
            summary="Recompute the chain, every signature and the log inclusion of the elevator's records")
def get_verification(services: ServicesDep, principal: PrincipalDep, code: CodePath) -> JSON:
    rows = services.access.elevator_rows(principal, code)
    return JSON({"equipment_code": code, **services.provenance.checks(rows)})


@router.get("/{code}/passport", responses={200: {"description": "the passport (docs/FORMAT.md §II.8)",
                                                 "content": {"application/json": {"schema": {"type": "object"}}}},
                                           **errors(401, 403, 404, 409)},
            summary="The elevator's offline-verifiable passport")
def get_passport(services: ServicesDep, principal: PrincipalDep, code: CodePath) -> JSON:
    services.access.require_elevator(principal, code)
    return JSON(services.transparency.passport(code))
