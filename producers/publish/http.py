"""Publishing over HTTP to the ledger API's ``POST /v1/events``.

The contract (planned with the HTTP API): the body is one envelope or a JSON array of envelopes; the reply is a
JSON array with one outcome per envelope, in order, each as ``Outcome.to_dict()`` gives it — whatever the status
code, as long as the body is that array. A reply that is not such an array (an error object, a proxy's HTML page)
means the request as a whole failed. Connection failures, 429 and 5xx are retried with backoff: re-sending is
safe because a repeated ``event_id`` comes back as ``duplicate`` with the original receipt.
"""

from __future__ import annotations

import http.client
import time
from typing import Any, Self
from urllib.parse import urlsplit

import orjson

from ledger.errors import ConfigurationError
from producers.publish.base import PublishError, as_bytes

__all__ = ["HttpPublisher"]

_RETRY_STATUS = frozenset({429, 502, 503, 504})


class HttpPublisher:
    """Buffers envelopes and posts them in batches over one kept-alive connection."""

    def __init__(
        self, base_url: str, *, batch_size: int = 500, token: str | None = None, timeout_s: float = 30.0,
        attempts: int = 4, backoff_s: float = 0.2,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(f"{base_url!r} is not an http(s) URL")
        self.path = parts.path.rstrip("/") + "/v1/events"
        self.batch_size, self.attempts, self.backoff_s = batch_size, attempts, backoff_s
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        connection = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        self._connection = connection(parts.hostname, parts.port, timeout=timeout_s)
        self._pending: list[bytes] = []
        self._outcomes: list[dict[str, Any]] = []

    def send(self, envelope: dict[str, Any] | bytes) -> None:
        self._pending.append(as_bytes(envelope))
        if len(self._pending) >= self.batch_size:
            self._post_pending()

    def flush(self) -> list[dict[str, Any]]:
        self._post_pending()
        outcomes, self._outcomes = self._outcomes, []
        return outcomes

    def close(self) -> None:
        try:
            self._post_pending()
        finally:
            self._connection.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _post_pending(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        body = b"[" + b",".join(batch) + b"]"
        outcomes = self._post(body)
        if len(outcomes) != len(batch):
            raise PublishError(f"the ledger answered {len(outcomes)} outcomes for {len(batch)} envelopes")
        self._outcomes.extend(outcomes)

    def _post(self, body: bytes) -> list[dict[str, Any]]:
        problem = "no attempt made"
        for attempt in range(self.attempts):
            if attempt:
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            try:
                self._connection.request("POST", self.path, body=body, headers=self._headers)
                response = self._connection.getresponse()
                status, data = response.status, response.read()
            except (OSError, http.client.HTTPException) as e:
                self._connection.close()  # reconnects on the next request
                problem = f"{type(e).__name__}: {e}"
                continue
            if status in _RETRY_STATUS or status >= 500:
                problem = f"HTTP {status}"
                continue
            return _outcomes_from(status, data)
        raise PublishError(f"POST {self.path} failed after {self.attempts} attempts: {problem}")


def _outcomes_from(status: int, data: bytes) -> list[dict[str, Any]]:
    try:
        decoded = orjson.loads(data)
    except orjson.JSONDecodeError:
        decoded = None
    if isinstance(decoded, list) and all(isinstance(item, dict) for item in decoded):
        return decoded
    error = decoded.get("error") if isinstance(decoded, dict) else None
    if isinstance(error, dict) and "code" in error:
        raise PublishError(f"HTTP {status}: {error.get('message', '')}", code=str(error["code"]))
    raise PublishError(f"HTTP {status}: the reply is not a JSON array of outcomes")
