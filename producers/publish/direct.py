"""Publishing straight to a ledger service in the same process (the embedded path: CLI, demo, tests).

The publisher holds a service, never a store: the service is the ledger's only writer and does every check.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from producers.publish.base import BatchingPublisher

__all__ = ["LedgerPublisher"]


class _Outcome(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


class _Service(Protocol):
    def append_lines(self, lines: Sequence[bytes | str]) -> Sequence[_Outcome]: ...


class LedgerPublisher(BatchingPublisher):
    """Buffers envelopes and appends them in batches; ``flush`` returns one outcome per envelope, in order."""

    def __init__(self, service: _Service, *, batch_size: int = 2000) -> None:
        super().__init__(batch_size)
        self.service = service

    def _deliver(self, batch: list[bytes]) -> list[dict[str, Any]]:
        return [outcome.to_dict() for outcome in self.service.append_lines(batch)]
