"""Insurers (and regulators): claim history per elevator and per policy, the premium coefficient explained.

An insurer sees the elevators it insures (their whole claim history, whoever the insurer of each claim) and the
policies it issued. Passports and proofs, which insurers verify offline, are in the elevators and log routers.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.http.deps import InsurerDep, ServicesDep
from api.http.routers import JSON, errors
from api.http.routers.elevators import At, CodePath
from api.http.schemas import ClaimHistory, PolicyPublic
from api.http.timeparams import parse_instant_param

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["insurers"])

PolicyPath = Annotated[str, Path(pattern=r"^\S{1,64}$", description="保单号 (policy number)")]


@router.get("/elevators/{code}/claims", response_model=ClaimHistory, responses=errors(400, 401, 403, 404),
            summary="Claim history per policy and the premium coefficient with its explanation")
def get_claims(services: ServicesDep, principal: InsurerDep, code: CodePath, at: At = None) -> JSON:
    when = parse_instant_param("at", at)
    services.access.require_elevator(principal, code)
    return JSON(services.analytics.claims(code, when))


@router.get("/policies/{policy_no}", response_model=list[PolicyPublic], responses=errors(401, 403, 404),
            summary="A policy (on every elevator it covers) with its claims")
def get_policy(services: ServicesDep, principal: InsurerDep, policy_no: PolicyPath) -> JSON:
    return JSON(services.analytics.policy(principal, policy_no))
