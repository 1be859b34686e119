"""The public (扫一扫): the 使用标志 summary and reports. No token; reports are rate-limited per client."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Request, Response
from fastapi import Path as PathParam

from api.http.deps import ClientDep, ServicesDep
from api.http.qrcode import QR_MEDIA_TYPES
from api.http.routers import JSON, errors
from api.http.routers.elevators import CodePath
from api.http.schemas import PublicSummary, ReportCreate, ReportReceiptPublic

__all__ = ["router"]

router = APIRouter(prefix="/v1/public", tags=["public"])


@router.get("/elevators/{code}", response_model=PublicSummary, responses=errors(404),
            summary="What the elevator's QR code shows: user unit, maintainer, dates, rescue code")
def get_public_elevator(services: ServicesDep, code: CodePath) -> JSON:
    return JSON(services.public.summary(code))


@router.get("/elevators/{code}/qr.{kind}", response_class=Response,
            responses={200: {"description": "the QR code of the elevator's 使用标志: its public page's address",
                             "content": {media: {} for media in QR_MEDIA_TYPES.values()}},
                       **errors(404, json_route=False)},
            summary="The QR code to print on the 使用标志 (SVG or PNG)")
def get_public_qr(services: ServicesDep, request: Request, code: CodePath,
                  kind: Annotated[Literal["svg", "png"], PathParam(description="svg or png")]) -> Response:
    image = services.public.qr_code(code, kind, str(request.base_url))
    return Response(image, media_type=QR_MEDIA_TYPES[kind], headers={"Cache-Control": "public, max-age=3600"})


@router.post("/reports", status_code=201, response_model=ReportReceiptPublic, responses=errors(404, 409, 429, 503),
             summary="Report a fault or complain; recorded as a ComplaintFiled signed by the platform")
def post_report(services: ServicesDep, client: ClientDep, report: ReportCreate) -> JSON:
    receipt = services.public.report(report.equipment_code, report.category, report.summary, client)
    return JSON(receipt.to_dict(), status_code=201)
