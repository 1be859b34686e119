"""Pausing Python's cyclic garbage collector around a batch.

Deciding and storing a batch allocates hundreds of thousands of short-lived objects; with a large live heap (the
aggregate cache, the registry) the collector keeps re-scanning it and takes ~40% of ingest time. A batch is a
bounded burst, so the collector is paused for its duration and runs again afterwards. Re-entrant and
thread-safe: it resumes when the last paused section ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]

class _Pause:
    """How many sections are paused now, and whether the collector ran before the first of them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.was_enabled = True


_pause = _Pause()


@contextmanager
def gc_paused() -> Iterator[None]:
    with _pause.lock:
        if _pause.depth == 0:
            _pause.was_enabled = gc.isenabled()
            gc.disable()
        _pause.depth += 1
    try:
        yield
    finally:
        with _pause.lock:
            _pause.depth -= 1
            if _pause.depth == 0 and _pause.was_enabled:
                gc.enable()
