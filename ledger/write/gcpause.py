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

_lock = threading.Lock()
_depth = 0
_was_enabled = True


@contextmanager
def gc_paused() -> Iterator[None]:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
