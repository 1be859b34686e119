"""The one place where errors become HTTP responses.

Every refusal the service raises is a :class:`ledger.core.errors.LedgerError` with a stable ``code``; the API adds a
few of its own below (authentication, permission, rate limit, request shape). :func:`status_for` maps an error to
its HTTP status by its class (the most specific class wins), with a short table for the codes that the ledger
raises on its base class. The body is always ``{"error": {"code", "message", "details"?}}``.

=================================================  ======  ======================================================
error (class → codes)                              status  meaning
=================================================  ======  ======================================================
AuthenticationError  auth.missing/invalid/revoked   401    no usable API token (with ``WWW-Authenticate: Bearer``)
PermissionDenied     auth.role_forbidden, …         403    the token's organization or role may not see/do this
RateLimitedError     rate.limited                   429    too many public reports from this client (Retry-After)
PayloadTooLargeError request.too_large              413    body or batch over the configured limit
RequestError         request.invalid, …             400    the request itself is malformed
ServiceUnavailable   service.unavailable            503    a feature this server was not configured for
SchemaError          schema.invalid                 422    the envelope does not match its schema
SignatureError       signature.invalid              422    the signature does not verify
KeyStateError        key.*                          422    the signing key is unknown or was not active
AuthorizationError   role.forbidden, licence.*, …   403    the signer may not record this event
InvariantError       invariant.*                    409    a lifecycle rule of the elevator would break
ElevatorUnknownError elevator.unknown               404    no such elevator in the ledger
ElevatorDecommissionedError                         409    the elevator is decommissioned
IntegrityError       proof.*, note.*, integrity.*   422    submitted data does not verify
ConflictError        conflict.*, witness.*          409    contradicts recorded state
NotFoundError        not_found, …                   404    no such event, elevator, checkpoint
ConfigurationError   config.*                       500    the server is misconfigured
StoreError           store.*                        503    the store is unreachable, full, damaged (Retry-After)
=================================================  ======  ======================================================

A driver's or the operating system's failure under a request (PostgreSQL gone, disk full, a damaged page) is
named by ledger/store/faults.py and answered as its ``store.*`` error: ``503`` with ``Retry-After``, logged once.
Anything else is a bug: it is logged and answered ``500 internal.error`` without details.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledger.core.errors import (
    AuthorizationError,
    ConfigurationError,
    ConflictError,
    ElevatorDecommissionedError,
    ElevatorUnknownError,
    IntegrityError,
    InvariantError,
    KeyStateError,
    LedgerError,
    NotFoundError,
    SchemaError,
    SignatureError,
    StoreError,
    SubmissionError,
)

__all__ = [
    "ApiError",
    "AuthenticationError",
    "PayloadTooLargeError",
    "PermissionDenied",
    "RateLimitedError",
    "RequestError",
    "ServiceUnavailable",
    "error_body",
    "install_error_handlers",
    "status_for",
]

log = logging.getLogger("liftledger.api")


class ApiError(LedgerError):
    """An error of the HTTP layer itself (the ledger's own errors keep their classes)."""

    code = "api.error"


class AuthenticationError(ApiError):
    """No token, an unknown token, or a revoked one."""

    code = "auth.missing"


class PermissionDenied(ApiError):
    """A valid token whose organization or role may not see or do this (``auth.role_forbidden``,
    ``auth.out_of_scope``, ``auth.actor_mismatch``)."""

    code = "auth.role_forbidden"


class RateLimitedError(ApiError):
    code = "rate.limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


class RequestError(ApiError):
    """The request is malformed in a way that is not an envelope's schema (a query, a form, a cursor)."""

    code = "request.invalid"


class PayloadTooLargeError(RequestError):
    code = "request.too_large"


class ServiceUnavailable(ApiError):
    """A feature this server was not configured for (no platform key, no witness)."""

    code = "service.unavailable"


_STATUS_BY_CLASS: dict[type[LedgerError], int] = {
    AuthenticationError: 401,
    PermissionDenied: 403,
    RateLimitedError: 429,
    PayloadTooLargeError: 413,
    RequestError: 400,
    ServiceUnavailable: 503,
    ApiError: 400,
    SchemaError: 422,
    SignatureError: 422,
    KeyStateError: 422,
    AuthorizationError: 403,
    InvariantError: 409,
    ElevatorUnknownError: 404,
    ElevatorDecommissionedError: 409,
    SubmissionError: 400,
    IntegrityError: 422,
    ConflictError: 409,
    NotFoundError: 404,
    ConfigurationError: 500,
    StoreError: 503,
}
# A LedgerError raised on the base class itself is mapped by its code (the ledger raises the specific classes;
# this keeps callers outside it, which may not, on the same statuses).
_STATUS_BY_CODE: dict[str, int] = {"not_found": 404, "passport.stale_checkpoint": 409}


def status_for(error: LedgerError) -> int:
    """The HTTP status of ``error``: by its most specific known class, else by its code, else 400."""
    for cls in type(error).__mro__:
        if cls is LedgerError:
            break
        status = _STATUS_BY_CLASS.get(cls)
        if status is not None:
            return status
    return _STATUS_BY_CODE.get(error.code, 400)


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"error": error}


def _headers_for(error: LedgerError) -> dict[str, str]:
    if isinstance(error, AuthenticationError):
        return {"WWW-Authenticate": 'Bearer realm="liftledger"'}
    if isinstance(error, RateLimitedError):
        return {"Retry-After": str(error.retry_after)}
    if isinstance(error, StoreError):
        return {"Retry-After": str(_STORE_RETRY_AFTER_S)}
    return {}


_STORE_RETRY_AFTER_S = 5


def ledger_error_response(error: LedgerError) -> JSONResponse:
    """The JSON response for a refusal (server-side errors carry no internal details)."""
    status = status_for(error)
    if status >= 500:
        log.error("server-side error %s: %s", error.code, error.message)
        told = ("the ledger's store cannot be used right now; try again later" if isinstance(error, StoreError)
                else "the server is misconfigured; the operator has been told")
        body = error_body(error.code, told)
    else:
        body = {"error": error.to_dict()}
    return JSONResponse(body, status_code=status, headers=_headers_for(error))


async def _on_ledger_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, LedgerError)
    return ledger_error_response(error)


async def _on_validation_error(request: Request, error: Exception) -> Response:
    """FastAPI's own parameter validation: the first problem, with its location, as ``request.invalid``."""
    assert isinstance(error, RequestValidationError)
    problems = error.errors()
    first = problems[0] if problems else {"loc": (), "msg": "invalid request"}
    where = ".".join(str(part) for part in first.get("loc", ()))
    return JSONResponse(error_body("request.invalid", f"{where}: {first.get('msg', 'invalid')}", {"path": where}),
                        status_code=422)


async def _on_http_error(request: Request, error: Exception) -> Response:
    """Starlette's routing errors (unknown path, wrong method) in the same body shape."""
    assert isinstance(error, StarletteHTTPException)
    code = {404: "http.not_found", 405: "http.method_not_allowed"}.get(error.status_code, "http.error")
    return JSONResponse(error_body(code, str(error.detail)), status_code=error.status_code,
                        headers=getattr(error, "headers", None))


async def _on_unexpected(request: Request, error: Exception) -> Response:
    failure = _store_failure(request, error)
    if failure is not None:
        return ledger_error_response(failure)
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return JSONResponse(error_body("internal.error", "internal error"), status_code=500)


def _store_failure(request: Request, error: Exception) -> StoreError | None:
    """``error`` as the store failure it is (ledger/store/faults.py), naming this server's store; or None."""
    from ledger.store.faults import store_failure

    services = getattr(request.app.state, "services", None)
    url = services.ctx.store.url if services is not None else None
    return store_failure(error, url)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers above on ``app`` (pages register their own HTML rendering on top)."""
    app.add_exception_handler(LedgerError, _on_ledger_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
