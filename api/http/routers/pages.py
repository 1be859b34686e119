"""The web pages: server-rendered Jinja2, no scripts, the same services as the API.

Pages authenticate with the API token kept in an HttpOnly, SameSite=Strict cookie (set by ``/login``), so a
cross-site form cannot act for a signed-in user. A refusal renders a page with the error's code and status; a
missing or revoked token sends the browser to the login page.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from api.http.deps import COOKIE, BodyDep, ClientDep, PrincipalDep, ServicesDep
from api.http.errors import AuthenticationError, RequestError, status_for
from api.http.labels import (
    CATEGORY_LABELS,
    INSPECTION_STATUS_LABELS,
    ROLE_LABELS,
    SEVERITY_LABELS,
    STATUS_LABELS,
    factor_basis,
    label,
)
from api.http.routers.elevators import CodePath
from api.http.services import Services
from ledger.core.errors import LedgerError

__all__ = ["TEMPLATES", "router"]

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
_HOME_FOR_ROLE = {"regulator": "/dashboard", "insurer": "/insurer", "maintainer": "/maintainer"}
_HEADINGS = {401: "请先登录", 403: "无权查看", 404: "未找到", 409: "与已记录的状态冲突", 429: "请求过于频繁"}


def _party(party: dict[str, Any] | None) -> str:
    return "—" if not party else str(party.get("name") or party.get("org"))


def _yuan(fen: int | None) -> str:
    return "—" if fen is None else f"{fen / 100:,.2f}"


def _local_time(text: str | None) -> str:
    """A UTC instant as China local time, ``YYYY-MM-DD HH:MM`` ("—" for none)."""
    if not text:
        return "—"
    from api.http.export import Column, cell_value

    return str(cell_value(Column("t", "", "instant"), {"t": text}))


def _pretty(value: Any, indent: bool = True) -> str:
    """JSON as people read it: Chinese as is, indented."""
    import orjson

    return orjson.dumps(value, option=orjson.OPT_INDENT_2 if indent else 0).decode()


def _keep_as_of(request: Request, joiner: str = "?") -> str:
    """``?as_of=…`` (or ``&as_of=…``) when the page was asked as of a chosen day, so links keep it."""
    chosen = request.query_params.get("as_of")
    return f"{joiner}as_of={quote(chosen)}" if chosen else ""


TEMPLATES.env.globals.update(
    role_label=lambda key: label(ROLE_LABELS, key), status_label=lambda key: label(STATUS_LABELS, key),
    inspection_label=lambda key: label(INSPECTION_STATUS_LABELS, key), party=_party, yuan=_yuan,
    factor_basis=factor_basis, local_time=_local_time, severity_label=lambda key: label(SEVERITY_LABELS, key),
    pretty=_pretty, keep_as_of=_keep_as_of,
)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("principal", None)
    context.setdefault("title", "LiftLedger")
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)


def error_page(request: Request, error: LedgerError) -> Response:
    """A refusal as a page: to the login page if the token is missing, else the error with its code."""
    if isinstance(error, AuthenticationError):
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    status = status_for(error)
    message = error.message if status < 500 else "服务器配置有误，已通知运营方。"
    return render(request, "error.html", status, status=status, code=error.code, message=message,
                  heading=_HEADINGS.get(status, "无法完成"), public_page=request.url.path.startswith("/public"))


class PageRoute(APIRoute):
    """Routes whose refusals render as pages instead of JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except LedgerError as error:
                return error_page(request, error)

        return page_handler


router = APIRouter(route_class=PageRoute, include_in_schema=False)


def read_form(request: Request, body: BodyDep) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body as a dict (first value of each field)."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise RequestError("expected a form (application/x-www-form-urlencoded)", code="request.not_a_form")
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise RequestError("the form does not decode", code="request.not_a_form") from None
    return {name: values[0] for name, values in fields.items()}


FormDep = Annotated[dict[str, str], Depends(read_form)]


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return render(request, "home.html")


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "") -> HTMLResponse:
    return render(request, "login.html", next=_local(next))


@router.post("/login")
def login(request: Request, services: ServicesDep, form: FormDep) -> Response:
    token = form.get("token", "").strip()
    try:
        principal = services.access.authenticate(token)
    except AuthenticationError as e:
        return render(request, "login.html", 401, message=f"登录失败: {e.message}", next=_local(form.get("next", "")))
    target = _local(form.get("next", "")) or _HOME_FOR_ROLE.get(principal.role, "/elevators")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=services.settings.cookie_secure,
                        max_age=8 * 3600, path="/")
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, services: ServicesDep, principal: PrincipalDep) -> HTMLResponse:
    services.access.require_role(principal, "regulator")
    as_of = services.console.as_of(request.query_params.get("as_of"))
    return render(request, "dashboard.html", principal=principal, view=services.pages.dashboard(as_of.at),
                  as_of=as_of)


@router.get("/elevators/{code}", response_class=HTMLResponse)
def elevator(request: Request, services: ServicesDep, principal: PrincipalDep, code: CodePath) -> HTMLResponse:
    as_of = services.console.as_of(request.query_params.get("as_of"))
    return render(request, "elevator.html", principal=principal, as_of=as_of,
                  view=services.pages.elevator(principal, code, None if as_of.latest else as_of.at))


@router.get("/public/lookup")
def public_lookup(code: str = "") -> Response:
    return RedirectResponse(f"/public/elevators/{quote(code.strip()[:18])}", status_code=303)


@router.get("/public/elevators/{code}", response_class=HTMLResponse)
def public_elevator(request: Request, services: ServicesDep, code: CodePath) -> HTMLResponse:
    return _public(request, services, code)


@router.post("/public/reports", response_class=HTMLResponse)
def public_report(request: Request, services: ServicesDep, client: ClientDep, form: FormDep) -> HTMLResponse:
    code = form.get("equipment_code", "")  # an unknown one is refused (404) by every path below
    category = form.get("category", "")
    text = form.get("summary", "").strip()
    if category not in CATEGORY_LABELS or not 1 <= len(text) <= 500:
        return _public(request, services, code, status=422, message="请选择类别并填写 1–500 字的描述。")
    try:
        receipt = services.public.report(code, category, text, client)
    except LedgerError as e:
        if status_for(e) == 404:
            raise
        return _public(request, services, code, status=status_for(e), message=f"未能受理: {e.message}")
    return _public(request, services, code, status=201, receipt=receipt)


def _public(request: Request, services: Services, code: str, status: int = 200, **extra: Any) -> HTMLResponse:
    return render(request, "public_elevator.html", status, s=services.public.summary(code), public_page=True,
                  categories=CATEGORY_LABELS, **extra)


def _local(target: str) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else ""
