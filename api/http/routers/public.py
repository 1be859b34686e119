"""The public (扫一扫): the 使用标志 summary and reports. No token; reports are rate-limited per client."""

from __future__ import annotations

from fastapi import APIRouter

from api.http.deps import ClientDep, ServicesDep
from api.http.routers import JSON, errors
from api.http.routers.elevators import CodePath
from api.http.schemas import PublicSummary, ReportCreate, ReportReceiptPublic

__all__ = ["router"]

router = APIRouter(prefix="/v1/public", tags=["public"])


@router.get("/elevators/{code}", response_model=PublicSummary, responses=errors(404),
            summary="What the elevator's QR code shows: user unit, maintainer, dates, rescue code")
def get_public_elevator(services: ServicesDep, code: CodePath) -> JSON:
    return JSON(services.public.summary(code))


@router.post("/reports", status_code=201, response_model=ReportReceiptPublic, responses=errors(404, 409, 429, 503),
             summary="Report a fault or complain; recorded as a ComplaintFiled signed by the platform")
def post_report(services: ServicesDep, client: ClientDep, report: ReportCreate) -> JSON:
    receipt = services.public.report(report.equipment_code, report.category, report.summary, client)
    return JSON(receipt.to_dict(), status_code=201)
