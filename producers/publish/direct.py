"""Publishing straight to a ledger service in the same process (the embedded path: CLI, demo, tests).

The publisher holds a service, never a store: the service is the ledger's only writer and does every check.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, Self

from producers.publish.base import as_bytes

__all__ = ["LedgerPublisher"]


class _Outcome(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


class _Service(Protocol):
    def append_lines(self, lines: Sequence[bytes | str]) -> Sequence[_Outcome]: ...


class LedgerPublisher:
    """Buffers envelopes and appends them in batches; ``flush`` returns one outcome per envelope, in order."""

    def __init__(self, service: _Service, *, batch_size: int = 2000) -> None:
        self.service = service
        self.batch_size = batch_size
        self._pending: list[bytes] = []
        self._outcomes: list[dict[str, Any]] = []

    def send(self, envelope: dict[str, Any] | bytes) -> None:
        self._pending.append(as_bytes(envelope))
        if len(self._pending) >= self.batch_size:
            self._append_pending()

    def flush(self) -> list[dict[str, Any]]:
        self._append_pending()
        outcomes, self._outcomes = self._outcomes, []
        return outcomes

    def close(self) -> None:
        self._append_pending()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _append_pending(self) -> None:
        if self._pending:
            lines, self._pending = self._pending, []
            self._outcomes.extend(outcome.to_dict() for outcome in self.service.append_lines(lines))
