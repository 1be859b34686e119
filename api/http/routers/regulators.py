"""Regulators (市场监管局): compliance alerts, responsibility, seed KPIs, quality, credit, fraud signals, and the
verification of the whole store. Lists are paginated (``offset``, ``limit``) and filterable.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.http.deps import RegulatorDep, ServicesDep
from api.http.routers import JSON, errors
from api.http.routers.elevators import At
from api.http.schemas import EQUIPMENT_CODE, EVENT_ID, AlertPage, PageOf, StoreVerificationPublic
from api.http.timeparams import parse_instant_param

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["regulators"])

Offset = Annotated[int, Query(ge=0, le=10**9)]
Limit = Annotated[int, Query(ge=1, le=500)]
CodeFilter = Annotated[str | None, Query(pattern=EQUIPMENT_CODE, description="only this elevator")]
RuleFilter = Annotated[str | None, Query(max_length=64, description="only this rule id")]
_OBJECT: dict[int | str, dict[str, Any]] = {
    200: {"description": "the report (see docs/API.md)",
          "content": {"application/json": {"schema": {"type": "object"}}}},
}


@router.get("/alerts", response_model=AlertPage, responses=errors(400, 401, 403, 404),
            summary="Compliance alerts (flag-class rules), open or all, as of ?at=")
def get_alerts(services: ServicesDep, principal: RegulatorDep, code: CodeFilter = None, rule: RuleFilter = None,
               severity: Annotated[str | None, Query(max_length=32)] = None,
               open_only: Annotated[bool, Query(alias="open")] = True,
               at: At = None, offset: Offset = 0, limit: Limit = 100) -> JSON:
    return JSON(services.analytics.alerts(open_only=open_only, code=code, rule=rule, severity=severity,
                                          at=parse_instant_param("at", at), offset=offset, limit=limit))


@router.get("/responsibility", responses={**_OBJECT, **errors(400, 401, 403, 404)},
            summary="Ranked responsibility (party, rule, evidence) for an incident, or an elevator at a time")
def get_responsibility(services: ServicesDep, principal: RegulatorDep,
                       incident: Annotated[str | None, Query(pattern=EVENT_ID)] = None,
                       code: CodeFilter = None, at: At = None) -> JSON:
    return JSON(services.analytics.responsibility(incident=incident, code=code, at=parse_instant_param("at", at)))


@router.get("/kpis", responses={**_OBJECT, **errors(400, 401, 403)},
            summary="The seed KPIs of a month per district × maintainer, with targets and pass/fail")
def get_kpis(services: ServicesDep, principal: RegulatorDep,
             month: Annotated[str | None, Query(pattern=r"^[0-9]{4}-[0-9]{2}$")] = None,
             district: Annotated[str | None, Query(max_length=64)] = None) -> JSON:
    return JSON(services.analytics.kpis(month, district))


@router.get("/kpis/series", responses={**_OBJECT, **errors(401, 403)},
            summary="The city-wide KPI roll-up of each of the last months with activity, with the targets")
def get_kpi_series(services: ServicesDep, principal: RegulatorDep,
                   months: Annotated[int, Query(ge=1, le=60)] = 12,
                   district: Annotated[str | None, Query(max_length=64)] = None) -> JSON:
    return JSON(services.analytics.kpi_series(months, district))


@router.get("/quality", responses={**_OBJECT, **errors(400, 401, 403)},
            summary="Quality evaluation by manufacturer and model (fault rate, service life)")
def get_quality(services: ServicesDep, principal: RegulatorDep, at: At = None) -> JSON:
    return JSON(services.analytics.quality(parse_instant_param("at", at)))


@router.get("/credit", responses={**_OBJECT, **errors(400, 401, 403)},
            summary="Maintainer credit grades (A–D) with their breakdown, and the blacklist")
def get_credit(services: ServicesDep, principal: RegulatorDep, at: At = None) -> JSON:
    return JSON(services.analytics.credit(parse_instant_param("at", at)))


@router.get("/fraud-signals", response_model=PageOf, responses=errors(400, 401, 403, 404),
            summary="Fraud signals (虚假维保, repair-fund fraud, 以次充好, 短接) with their evidence")
def get_fraud(services: ServicesDep, principal: RegulatorDep, code: CodeFilter = None, rule: RuleFilter = None,
              at: At = None, since: At = None, offset: Offset = 0, limit: Limit = 100) -> JSON:
    return JSON(services.analytics.fraud(code=code, rule=rule, at=parse_instant_param("at", at),
                                         since=parse_instant_param("since", since), offset=offset, limit=limit))


@router.get("/verification", response_model=StoreVerificationPublic, responses=errors(401, 403),
            summary="The latest full verification of the store (every chain, signature, index row, Merkle node)")
def get_verification(services: ServicesDep, principal: RegulatorDep) -> JSON:
    return JSON(services.provenance.store_check.status())


@router.post("/verification", status_code=202, response_model=StoreVerificationPublic,
             responses={200: {"model": StoreVerificationPublic, "description": "a run is already in progress"},
                        **errors(401, 403)},
             summary="Start a full verification of the store in the background")
def post_verification(services: ServicesDep, principal: RegulatorDep) -> JSON:
    started, status = services.provenance.store_check.start()
    return JSON(status, status_code=202 if started else 200)
