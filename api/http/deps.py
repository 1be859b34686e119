"""FastAPI dependencies as ``Annotated`` aliases: the services, the caller, the audiences, the raw body.

Routes declare what they need (``principal: RegulatorDep``) and FastAPI resolves it before the route runs, so a
refused caller never reaches a service. API clients authenticate with ``Authorization: Bearer <token>``; the web
pages use the same token kept in an HttpOnly cookie set by the login page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.http.auth import Principal
from api.http.errors import PayloadTooLargeError
from api.http.services import Services
from api.http.services.access import AccessService

__all__ = [
    "COOKIE",
    "BodyDep",
    "ClientDep",
    "InsurerDep",
    "PrincipalDep",
    "RegulatorDep",
    "ServicesDep",
    "client_address",
    "get_services",
    "read_body",
]

COOKIE = "ll_token"
_bearer = HTTPBearer(auto_error=False, description="a per-organization API token (llt_…), see docs/API.md")


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def current_principal(
    services: ServicesDep,
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller named by the bearer token (or, for pages, the session cookie); 401 with a typed code if none."""
    token = credentials.credentials if credentials is not None else request.cookies.get(COOKIE)
    return services.access.authenticate(token)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def regulator(principal: PrincipalDep) -> Principal:
    return AccessService.require_role(principal, "regulator")


def insurer(principal: PrincipalDep) -> Principal:
    return AccessService.require_role(principal, "insurer", "regulator")


RegulatorDep = Annotated[Principal, Depends(regulator)]
InsurerDep = Annotated[Principal, Depends(insurer)]


async def read_body(request: Request) -> bytes:
    """The request body, refused with 413 past the configured limit (checked while reading, not after)."""
    services: Services = request.app.state.services
    limit = services.settings.max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"the body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"the body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


BodyDep = Annotated[bytes, Depends(read_body)]


def client_address(request: Request, services: ServicesDep) -> str:
    """Whom to rate-limit: the peer address, or behind a trusted proxy the first X-Forwarded-For address."""
    if services.settings.trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "").split(",")[0].strip()
        if forwarded:
            return forwarded
    return request.client.host if request.client else "unknown"


ClientDep = Annotated[str, Depends(client_address)]
