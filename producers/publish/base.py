"""What every publisher shares: the error a failed transport raises, the JSON encoding of envelopes, and the
buffering of the publishers that answer each envelope with an outcome."""

from __future__ import annotations

from typing import Any, Self

import orjson

from ledger.core.errors import LedgerError

__all__ = ["BatchingPublisher", "PublishError", "as_bytes"]


class PublishError(LedgerError):
    """A transport could not deliver (broker or endpoint unreachable, unexpected reply). Nothing is known to be
    recorded; re-sending is safe because the ledger recognizes a repeated ``event_id`` as a duplicate."""

    code = "publish.failed"


def as_bytes(envelope: dict[str, Any] | bytes) -> bytes:
    """The JSON bytes of an envelope (bytes pass through untouched: a producer may hold pre-encoded lines)."""
    return envelope if isinstance(envelope, bytes) else orjson.dumps(envelope)


class BatchingPublisher:
    """Buffers envelopes and delivers them in batches; ``flush`` returns one outcome per envelope, in order.

    Subclasses deliver a batch (``_deliver``) and may release their transport after the last one (``_release``).
    """

    def __init__(self, batch_size: int) -> None:
        self.batch_size = batch_size
        self._pending: list[bytes] = []
        self._outcomes: list[dict[str, Any]] = []

    def send(self, envelope: dict[str, Any] | bytes) -> None:
        self._pending.append(as_bytes(envelope))
        if len(self._pending) >= self.batch_size:
            self._deliver_pending()

    def flush(self) -> list[dict[str, Any]]:
        self._deliver_pending()
        outcomes, self._outcomes = self._outcomes, []
        return outcomes

    def close(self) -> None:
        try:
            self._deliver_pending()
        finally:
            self._release()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _deliver_pending(self) -> None:
        if self._pending:
            batch, self._pending = self._pending, []
            self._outcomes.extend(self._deliver(batch))

    def _deliver(self, batch: list[bytes]) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _release(self) -> None:
        """Nothing to release by default."""
