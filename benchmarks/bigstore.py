"""A large ledger for the benchmarks that need one (proofs, dossier queries, rebuilds, ingest at scale).

Built once per size and kept under benchmarks/results/cache/ (git-ignored). Every record is really signed and
really chained; only the *pre-fill* skips re-checking signatures the generator itself just made, because what the
benchmarks measure is the cost at a size, not the cost of reaching it. Every measured append verifies.

    python -m benchmarks.bigstore --events 1000000
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from benchmarks.common import build_workload
from ledger.core.registry import KeyRecord, Registry
from ledger.core.submission import Submission
from ledger.store import Store
from ledger.tlog.leaf import LOG_FORMAT
from ledger.write.service import LedgerService
from ledger.write.signatures import SignatureChecker, Verified

__all__ = ["CACHE", "TrustingChecker", "big_store_path", "ensure_big_store", "fill"]

CACHE = Path(__file__).parent / "results" / "cache"
_BATCH = 5000


class TrustingChecker(SignatureChecker):
    """For pre-fills only: the records were signed a moment ago by this very process."""

    def start(self, subs: list[Submission], registry: Registry) -> Any:
        return _Done()

    def require(self, sub: Submission, key: KeyRecord, verified: Verified) -> None:
        return None


class _Done:
    def result(self) -> Verified:
        return {}


def big_store_path(events: int) -> Path:
    """Named by size and log format: a store of another log format is not opened, it is built anew."""
    return CACHE / f"ledger-{events}-format{LOG_FORMAT}.sqlite"


def ensure_big_store(events: int, *, progress: bool = True) -> Path:
    """The path of a store holding about ``events`` events (elevators × fortnightly visits), built if missing."""
    path = big_store_path(events)
    if path.exists():
        with Store(f"sqlite:///{path}", mode="migrate") as store:  # a cache built by an older version
            store.migrate()
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".building")
    for stale in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        stale.unlink(missing_ok=True)
    elevators = max(100, events // 100)
    started = time.perf_counter()
    with Store(f"sqlite:///{partial}", mode="create") as store:
        service = LedgerService(store, signatures=TrustingChecker())
        fill(service, elevators, events, progress=progress)
    os.replace(partial, path)
    if progress:
        print(f"built {path.name} in {time.perf_counter() - started:.0f} s", flush=True)
    return path


def fill(service: LedgerService, elevators: int, events: int, *, progress: bool = False) -> int:
    """Append the set-up and then ``events`` maintenance records, generated in slices to bound memory."""
    appended = 0
    for outcomes in service.append_batches(_generated(elevators, events)):
        bad = [o.error for o in outcomes if o.error]
        if bad:
            raise RuntimeError(f"generated records were refused: {bad[:2]}")
        appended += len(outcomes)
        if progress and appended % 100_000 < _BATCH:
            print(f"  {appended:,} events", flush=True)
    return appended


def _generated(elevators: int, events: int) -> Iterator[list[bytes]]:
    visits = max(1, -(-events // elevators))
    slice_visits = max(1, 100_000 // elevators)
    first = True
    for start in range(0, visits, slice_visits):
        workload = build_workload(elevators, min(slice_visits, visits - start), visit_offset=start)
        lines = (workload.setup if first else []) + workload.records
        first = False
        for at in range(0, len(lines), _BATCH):
            yield lines[at:at + _BATCH]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    print(orjson.dumps({"store": str(ensure_big_store(args.events))}).decode())


if __name__ == "__main__":
    main()
