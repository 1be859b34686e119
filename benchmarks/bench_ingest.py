"""Signed ingest: P1 (one core / raw Ed25519 verify), P1b (both cores / P1), plain eventsourcing beside them.

    python -m benchmarks.bench_ingest [--elevators 500] [--visits 20]

P1 appends batches of signed maintenance records (parse → verify → authorize → rules → chain → Merkle → SQLite)
on one thread and divides its rate by the rate of bare Ed25519 verification of the same records' signatures,
measured in the same run. P1b checks signatures in two worker processes, overlapped with the main thread. Beside
them, the same records appended as plain eventsourcing events (no signatures, no chains, no index), so the cost of
integrity is visible.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from benchmarks.common import Figure, Workload, best_of, build_workload, timed
from ledger.core.submission import parse_line
from ledger.store import Store
from ledger.write.service import LedgerService
from ledger.write.signatures import SignatureChecker

__all__ = ["run"]

BATCH = 2000


def _fresh_service(tmp: Path, name: str, workload: Workload, processes: int = 0) -> LedgerService:
    checker = SignatureChecker(processes=processes)
    service = LedgerService(Store(f"sqlite:///{tmp / name}.sqlite", mode="create"), signatures=checker)
    assert all(o.error is None for o in service.append_lines(workload.setup))
    return service


def _ingest(service: LedgerService, records: list[bytes]) -> None:
    batches = (records[start:start + BATCH] for start in range(0, len(records), BATCH))
    for outcomes in service.append_batches(batches):
        rejected = [o.error for o in outcomes if o.error]
        if rejected:
            raise RuntimeError(f"benchmark records were refused: {rejected[:2]}")


def raw_verify_rate(service: LedgerService, records: list[bytes]) -> float:
    """Ed25519 verifications per second of these records' signatures, nothing else (the physical limit)."""
    subs = [parse_line(r) for r in records]
    keys = [service.registry.keys[s.envelope.key_id].public for s in subs]

    def verify_all() -> list[bool]:
        return [k.is_valid_signature(s.signature, s.signing) for k, s in zip(keys, subs, strict=True)]

    return len(subs) / best_of(3, verify_all)


class _PlainElevator(Aggregate):
    """The same record as an ordinary eventsourcing event: what integrity costs is the difference."""

    @event("Recorded")
    def record(self, envelope: dict[str, Any]) -> None:
        pass

    @event("Opened")
    def __init__(self, code: str) -> None:
        self.code = code


def plain_eventsourcing_rate(tmp: Path, workload: Workload) -> float:
    app: Application[UUID] = Application(env={
        "PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp / "plain.sqlite"),
        "AGGREGATE_CACHE_MAXSIZE": "100000", "EVENTSOURCING_DISABLE_REDEFINITION_CHECK": "1"})
    aggregates = {}
    for code in workload.elevators:
        aggregate = _PlainElevator(code)
        aggregates[code] = aggregate
    app.save(*aggregates.values())

    def append() -> None:
        for start in range(0, len(workload.records), BATCH):
            touched = {}
            for line in workload.records[start:start + BATCH]:
                envelope = orjson.loads(line)
                aggregate = aggregates[envelope["equipment_code"]]
                aggregate.record(envelope)
                touched[aggregate.id] = aggregate
            app.save(*touched.values())

    return len(workload.records) / timed(append)


def run(elevators: int = 500, visits: int = 20) -> list[Figure]:
    workload = build_workload(elevators, visits)
    with tempfile.TemporaryDirectory(prefix="ll-bench-ingest-") as tmp_name:
        tmp = Path(tmp_name)
        one = _fresh_service(tmp, "one", workload)
        verify_rate = raw_verify_rate(one, workload.records[:4000])
        one_core = len(workload.records) / timed(lambda: _ingest(one, workload.records))
        two = _fresh_service(tmp, "two", workload, processes=2)
        two.signatures.warm_up()  # start the worker processes outside the measurement
        two_cores = len(workload.records) / timed(lambda: _ingest(two, workload.records))
        plain = plain_eventsourcing_rate(tmp, workload)
    size = {"records": len(workload.records), "elevators": elevators, "batch": BATCH}
    return [
        Figure("P1", "signed ingest, one core / raw Ed25519 verify", one_core, "events/s", verify_rate,
               "Ed25519 verify/s", one_core / verify_rate, "≥ 0.75", one_core / verify_rate >= 0.75, size),
        Figure("P1b", "signed ingest, two cores / one core", two_cores, "events/s", one_core, "P1 events/s",
               two_cores / one_core, "≥ 1.6", two_cores / one_core >= 1.6, size),
        Figure("P1-peer", "plain eventsourcing append of the same records (no signatures, chains or index)", plain,
               "events/s", one_core, "P1 events/s", plain / one_core, "(cost of integrity)", None, size),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--elevators", type=int, default=500)
    parser.add_argument("--visits", type=int, default=20)
    args = parser.parse_args()
    for figure in run(args.elevators, args.visits):
        print(orjson.dumps(figure.to_dict()).decode())


if __name__ == "__main__":
    main()
