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
from typing import Any
from urllib.parse import urlsplit

import orjson

from ledger.core.errors import ConfigurationError
from producers.publish.base import BatchingPublisher, PublishError

__all__ = ["HttpPublisher"]

_TOO_MANY_REQUESTS = 429  # retried like a server error: the ledger refused nothing


class HttpPublisher(BatchingPublisher):
    """Buffers envelopes and posts them in batches over one kept-alive connection."""

    def __init__(
        self, base_url: str, *, batch_size: int = 500, token: str | None = None, timeout_s: float = 30.0,
        attempts: int = 4, backoff_s: float = 0.2,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(f"{base_url!r} is not an http(s) URL")
        super().__init__(batch_size)
        self.path = parts.path.rstrip("/") + "/v1/events"
        self.attempts, self.backoff_s = attempts, backoff_s
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        connection = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        self._connection = connection(parts.hostname, parts.port, timeout=timeout_s)

    def _deliver(self, batch: list[bytes]) -> list[dict[str, Any]]:
        outcomes = self._post(b"[" + b",".join(batch) + b"]")
        if len(outcomes) != len(batch):
            raise PublishError(f"the ledger answered {len(outcomes)} outcomes for {len(batch)} envelopes")
        return outcomes

    def _release(self) -> None:
        self._connection.close()

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
            if status == _TOO_MANY_REQUESTS or status >= 500:
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
