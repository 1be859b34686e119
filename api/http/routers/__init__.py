"""Routers per audience. Route functions only translate HTTP to a service call and back.

:func:`errors` documents the error responses a route can give (all with the :class:`ErrorBody` shape), so the
OpenAPI document lists every status a client can see.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response

from api.http.schemas import ErrorBody

__all__ = ["JSON", "errors"]

_DESCRIPTIONS = {
    400: "malformed request", 401: "no valid API token (auth.missing, auth.invalid, auth.revoked)",
    403: "not allowed for this organization or role (auth.role_forbidden, auth.out_of_scope, …)",
    404: "not found", 409: "conflicts with recorded state", 413: "body or batch too large",
    422: "invalid input (schema.invalid, request.invalid, proof.*)", 429: "rate limited (Retry-After)",
    503: "not configured on this server",
}


def errors(*statuses: int, json_route: bool = True) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entries for ``statuses`` (400 and 422 always: requests and parameters are validated).

    On a route whose own responses are not JSON (``json_route=False``), the JSON error body is documented by
    reference, so FastAPI does not list it under the route's media type.
    """
    wanted = sorted({*statuses, 400, 422})
    if json_route:
        return {status: {"model": ErrorBody, "description": _DESCRIPTIONS[status]} for status in wanted}
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    return {status: {"description": _DESCRIPTIONS[status], "content": content} for status in wanted}


class JSON(Response):
    """JSON rendered with orjson (non-ASCII kept as UTF-8: the ledger's text is Chinese)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)

