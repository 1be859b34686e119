"""The app factory: one FastAPI application per :class:`~api.http.settings.Settings`.

``create_app`` wires the service layer (opened here, closed on shutdown), the error mapping, the routers per
audience and the web pages. Uvicorn serves it (``liftledger serve``); tests drive it in-process or over a socket.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import API_VERSION
from api.http.errors import install_error_handlers
from api.http.metrics import CONTENT_TYPE, LedgerMetrics, RequestMetrics
from api.http.routers import (
    console,
    elevators,
    insurers,
    pages,
    producers,
    public,
    registry,
    regulators,
    transparency,
)
from api.http.schemas import Readiness, ViewReadiness
from api.http.services import Services
from api.http.settings import Settings
from ledger.store.faults import store_failure

__all__ = ["PageHeaders", "create_app"]

_PAGE_HEADERS = {
    # The pages run no script and load nothing from elsewhere.
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


_DOCS_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' "
                               "'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
                               "worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

_DESCRIPTION = """\
LiftLedger's HTTP API: the signed, hash-chained, transparency-logged lifecycle ledger for elevators (一梯一档).

Authenticate with a per-organization token: `Authorization: Bearer llt_…` (issued with `liftledger tokens issue`).
Every error body is `{"error": {"code", "message", "details"}}` with a stable `code`; see docs/API.md.
"""


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    """The application; it opens the store now (failing fast on a bad URL) and closes it on shutdown."""
    settings = settings or Settings.from_env()
    services = services or Services.open(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            services.close()

    app = FastAPI(title=settings.title, version=API_VERSION, description=_DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None)
    app.state.services = services
    install_error_handlers(app)
    for router in (producers.router, registry.router, elevators.router, regulators.router, insurers.router,
                   transparency.router, transparency.witness_router, public.router):
        app.include_router(router)

    app.include_router(pages.router)
    app.include_router(console.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).resolve().parent / "static"), name="static")
    install_docs(app)
    app.add_middleware(PageHeaders)
    metrics = LedgerMetrics(services)
    app.add_middleware(RequestMetrics, metrics=metrics)

    @app.get("/metrics", tags=["health"], summary="Prometheus metrics (docs/OPERATIONS.md)",
             response_class=PlainTextResponse, responses={200: {"content": {"text/plain": {}}}})
    def prometheus() -> PlainTextResponse:
        return PlainTextResponse(metrics.render(), media_type=CONTENT_TYPE)

    @app.get("/healthz", tags=["health"], summary="Liveness: the process answers (it asks nothing of the store)")
    def healthz() -> dict[str, str]:
        return {"status": "alive"}

    @app.get("/readyz", tags=["health"], response_model=Readiness,
             summary="Readiness: the store answers and no view is far behind; each view's lag and quarantine",
             responses={503: {"model": Readiness, "description": "not ready: the store cannot be read, or a view "
                                                                "is further behind than the configured limit"}})
    def readyz() -> JSONResponse:
        return _readiness(services)

    return app


def _readiness(services: Services) -> JSONResponse:
    try:
        status = services.analytics.status()
    except Exception as error:
        failure = store_failure(error, services.ctx.store.url)
        if failure is None:
            raise
        return JSONResponse(Readiness(ready=False, error=failure.code).model_dump(), status_code=503)
    views = {name: ViewReadiness(position=v["position"], lag=v["lag"], quarantined=v["quarantined"])
             for name, v in status["views"].items()}
    ready = all(v.lag <= services.settings.ready_max_lag for v in views.values())
    body = Readiness(ready=ready, head=status["head"], views=views, quarantined=status["quarantined"])
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


class PageHeaders:
    """Security headers on every HTML page (pure ASGI: no per-request cost for the JSON API)."""

    # The API's documentation runs Swagger UI's and ReDoc's scripts (served from /docs-assets): its own policy lets
    # them run and reach this server alone — nothing is fetched from elsewhere, even ReDoc's logo.
    _DOCS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = _DOCS_HEADERS if scope["path"] in self._DOCS else _PAGE_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.update(policy)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_docs(app: FastAPI) -> None:
    """``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) from the assets packaged with the fastapi-offline
    distribution, served here at ``/docs-assets``: the documentation renders with no network, and the OpenAPI
    document carries a typed model per event type (api/http/event_models.py)."""
    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
    from fastapi.openapi.utils import get_openapi
    from fastapi.responses import HTMLResponse

    from api.http.event_models import event_schemas

    app.mount("/docs-assets", StaticFiles(directory=docs_assets()), name="docs-assets")
    title = f"{app.title} API"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=title,
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon.png",
                                   oauth2_redirect_url="/docs/oauth2-redirect")

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def swagger_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url="/openapi.json", title=title,
                              redoc_js_url="/docs-assets/redoc.standalone.js",
                              redoc_favicon_url="/docs-assets/favicon.png", with_google_fonts=False)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, description=app.description,
                                   routes=app.routes)
            document.setdefault("components", {}).setdefault("schemas", {}).update(event_schemas())
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def docs_assets() -> Path:
    """Where Swagger UI's and ReDoc's files are: the fastapi-offline distribution's static folder."""
    from importlib.resources import files

    return Path(str(files("fastapi_offline") / "static"))
