"""What every service of one server shares: the store, the one writer, the registry and the transparency log.

The ledger's :class:`~ledger.write.service.LedgerService` is the only writer and is not thread-safe (its registry and
its aggregate cache are mutated by a batch), while a server answers requests on many threads. So every append
goes through :meth:`LedgerContext.append`, which holds one lock; reads go straight to the store, whose
connection pool is thread-safe, and take the lock only to fold new registry events in.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from ledger.core.errors import LedgerError
from ledger.core.registry import Registry
from ledger.core.submission import Submission
from ledger.store import Store
from ledger.store.transparency import TransparencyLog
from ledger.write.service import LedgerService, Outcome

__all__ = ["LedgerContext"]


class LedgerContext:
    """The store and its single writer, shared by the services of one server (or one CLI command)."""

    def __init__(self, store: Store, *, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        self.log = TransparencyLog(store)
        self._writer = LedgerService(store, clock=clock)
        self._lock = threading.Lock()
        self._names: dict[str, str] = {}
        self._names_at = -1
        # Told every batch's outcomes after it is decided (the server's metrics count them).
        self.observers: list[Callable[[Sequence[Outcome]], None]] = []

    def now(self) -> int:
        return int(self.clock())

    def append(self, items: Sequence[Submission | LedgerError]) -> list[Outcome]:
        """Decide and commit a batch through the ledger service, one batch at a time."""
        with self._lock:
            outcomes = self._writer.append(items)
        for observe in self.observers:
            observe(outcomes)
        return outcomes

    def registry(self) -> Registry:
        """The registry including every registry event recorded so far (by this or any other writer)."""
        if self.store.index.org_head() > self._writer.registry_position:
            with self._lock:
                self._writer.refresh_registry()
        return self._writer.registry

    def names(self) -> dict[str, str]:
        """Every registered organization's name by 统一社会信用代码 (a snapshot, rebuilt when the registry moves)."""
        registry = self.registry()
        if self._names_at != self._writer.registry_position:
            with self._lock:
                self._names = {org: found.name for org, found in registry.orgs.items()}
                self._names_at = self._writer.registry_position
        return self._names

    def org_name(self, org: str | None) -> str | None:
        """An organization's registered name (None for an unknown or absent organization)."""
        if org is None:
            return None
        found = self.registry().orgs.get(org)
        return found.name if found else None

    def close(self) -> None:
        self.store.close()
