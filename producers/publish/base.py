"""What every publisher shares: the error a failed transport raises and the JSON encoding of envelopes."""

from __future__ import annotations

from typing import Any

import orjson

from ledger.errors import LedgerError

__all__ = ["PublishError", "as_bytes"]


class PublishError(LedgerError):
    """A transport could not deliver (broker or endpoint unreachable, unexpected reply). Nothing is known to be
    recorded; re-sending is safe because the ledger recognizes a repeated ``event_id`` as a duplicate."""

    code = "publish.failed"


def as_bytes(envelope: dict[str, Any] | bytes) -> bytes:
    """The JSON bytes of an envelope (bytes pass through untouched: a producer may hold pre-encoded lines)."""
    return envelope if isinstance(envelope, bytes) else orjson.dumps(envelope)
