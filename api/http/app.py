"""The app factory: one FastAPI application per :class:`~api.http.settings.Settings`.

``create_app`` wires the service layer (opened here, closed on shutdown), the error mapping, the routers per
audience and the web pages. Uvicorn serves it (``liftledger serve``); tests drive it in-process or over a socket.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import API_VERSION
from api.http.errors import install_error_handlers
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
from api.http.services import Services
from api.http.settings import Settings

__all__ = ["PageHeaders", "create_app"]

_PAGE_HEADERS = {
    # The pages run no script and load nothing from elsewhere.
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
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

    app = FastAPI(title=settings.title, version=API_VERSION, description=_DESCRIPTION, lifespan=lifespan)
    app.state.services = services
    install_error_handlers(app)
    for router in (producers.router, registry.router, elevators.router, regulators.router, insurers.router,
                   transparency.router, transparency.witness_router, public.router):
        app.include_router(router)

    app.include_router(pages.router)
    app.include_router(console.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).resolve().parent / "static"), name="static")
    app.add_middleware(PageHeaders)

    @app.get("/healthz", tags=["health"], summary="Liveness: the store answers")
    def healthz() -> dict[str, int]:
        return {"tree_size": services.ctx.store.tree.tree_size()}

    return app


class PageHeaders:
    """Security headers on every HTML page (pure ASGI: no per-request cost for the JSON API)."""

    _EXEMPT = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})  # FastAPI's own pages load their scripts

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self._EXEMPT:
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.update(_PAGE_HEADERS)
            await send(message)

        await self.app(scope, receive, send_with_headers)
