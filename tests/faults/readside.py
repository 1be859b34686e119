"""Ask the read side everything: every GET route of the API and the pages, as every audience, for every elevator
given, with ``at`` at the calendar's ends — and collect what answered with a server error.

"The read side answering" is what every fault test ends with: a record, a crash or a lost connection may make
views quarantine or fall behind, but no question may get a 5xx for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount

__all__ = ["AT_EXTREMES", "Failure", "ask_everything", "get_routes", "values_for"]

AT_EXTREMES = ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z")
_PARAM = re.compile(r"{([a-z_]+)}")


@dataclass(frozen=True)
class Failure:
    who: str
    path: str
    status: int
    body: str


def get_routes(app: FastAPI) -> list[tuple[str, set[str]]]:
    """(path template, query parameter names) of every GET route (the API's and the pages')."""
    out = []

    def walk(routes: Iterable[Any]) -> None:
        for route in routes:
            included = getattr(route, "original_router", None)  # FastAPI ≥ 0.16x keeps included routers whole
            if included is not None:
                walk(included.routes)
            if isinstance(route, Mount) or not isinstance(route, APIRoute) or "GET" not in route.methods:
                continue
            query = {p.alias for p in route.dependant.query_params}
            for dep in route.dependant.dependencies:
                query |= {p.alias for p in dep.query_params}
            out.append((route.path, query))

    walk(app.routes)
    return out


def _urls(path: str, query: set[str], values: dict[str, list[str]]) -> Iterator[str]:
    """``path`` with each placeholder filled by each of its values; then with each query parameter that names a
    known kind of value (an elevator, an event) set to each of them, and ``at`` at the calendar's ends."""
    fills: list[dict[str, str]] = [{}]
    for name in _PARAM.findall(path):
        fills = [{**f, name: v} for f in fills for v in values.get(name, [])]
    for fill in fills:
        url = path
        for name, value in fill.items():
            url = url.replace("{" + name + "}", value)
        yield url
        for name in sorted(query):
            kind = _QUERY_KINDS.get(name)
            if kind is not None:
                yield from (f"{url}?{name}={value}" for value in values.get(kind, []))
        if not path.startswith("/v1") and path not in _NO_AS_OF:  # the pages' shared as-of control
            yield from (f"{url}?as_of={extreme[:10]}" for extreme in AT_EXTREMES)
        times = [name for name in ("at", "known_at", "since", "until") if name in query]
        for extreme in AT_EXTREMES:
            for name in times:
                yield f"{url}?{name}={extreme}"
            if "code" in query and "at" in query:  # one elevator, at the end of time
                yield from (f"{url}?code={code}&at={extreme}" for code in values.get("code", [])[:3])


_NO_AS_OF = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc", "/healthz", "/readyz", "/login"})
_QUERY_KINDS = {"code": "code", "incident": "event_id", "event_id": "event_id", "policy_no": "policy_no"}


def ask_everything(app: FastAPI, tokens: dict[str, str], values: dict[str, list[str]], *,
                   public: bool = True) -> list[Failure]:
    """Every GET route with every value of its path parameters, as each token's holder (by header for the API, by
    login cookie for the pages) and, with ``public``, anonymously; the answers ≥ 500."""
    failures: list[Failure] = []
    audiences: list[tuple[str, str | None]] = [*([("public", None)] if public else []), *tokens.items()]
    for who, token in audiences:
        client = TestClient(app, raise_server_exceptions=False)  # no lifespan: the app's services stay open
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if token:
            client.post("/login", content=f"token={token}",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
        for path, query in get_routes(app):
            for url in _urls(path, query, values):
                response = client.get(url, headers=headers, follow_redirects=False)
                if response.status_code >= 500:
                    failures.append(Failure(who, url, response.status_code, response.text[:300]))
    return failures


def values_for(codes: Iterable[str], event_ids: Iterable[str], **more: list[str]) -> dict[str, Any]:
    """Path parameter values: equipment codes, event ids, and whatever else a route names."""
    return {"code": list(codes), "event_id": list(event_ids), "kind": ["svg", "png"], **more}
