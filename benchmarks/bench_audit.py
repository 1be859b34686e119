"""P9: an auditor's incremental audit — ``verify --since`` a checkpoint after 1% growth — against a full verify of
the same store (target ≤ 0.05×).

    python -m benchmarks.bench_audit [--events 1000000]

The cached ledger of ``--events`` events (benchmarks/bigstore.py) is copied; the operator checkpoints it (the
checkpoint the auditor holds); 1% more records are appended through the full write path — the next fortnightly
visit of every elevator, so the growth touches every stream — and checkpointed again. Then, on the same store and
with the same trust anchors, the full verification (signatures, the rule set, Merkle log; two worker processes,
as ``liftledger verify`` runs by default) and the audit of what came after the held checkpoint (one process) are
timed. Both must pass.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import orjson

from benchmarks.bigstore import ensure_big_store
from benchmarks.common import Figure, build_workload, timed
from benchmarks.run_support import copy_store
from ledger.core.keys import SigningKey
from ledger.store import Store, StoreURL, parse_store_url
from ledger.store.audit_since import verify_since
from ledger.store.passport_export import regulator_trust
from ledger.store.transparency import TransparencyLog
from ledger.store.verify import VerifyReport, verify_store
from ledger.tlog.trust import RegulatorRoot, TrustAnchors
from ledger.write.service import LedgerService
from ledger.write.signatures import SignatureChecker

__all__ = ["run"]

_OPERATOR = SigningKey.from_seed(b"\x09" * 32)


def run(events: int = 1_000_000, workers: int = 2) -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        url = parse_store_url(f"sqlite:///{copy_store(ensure_big_store(events), Path(tmp) / 'audit.sqlite')}")
        held, anchors, grown = _grow(url, events)
        full_report: list[VerifyReport] = []
        since_report: list[VerifyReport] = []
        full = timed(lambda: full_report.append(verify_store(url, workers=workers, anchors=anchors)))
        since = timed(lambda: since_report.append(verify_since(url, held, anchors)))
    for report in (*full_report, *since_report):
        if not report.ok:
            raise RuntimeError(f"the audited store does not verify: {report.failure}")
    if since_report[0].events != grown:
        raise RuntimeError(f"the audit verified {since_report[0].events} new records, not {grown}")
    ratio = since / full
    return [Figure(
        "P9", f"verify --since a checkpoint after 1% growth / full verify, {events:,}-event store", since, "s",
        full, f"full verify, {workers} processes (s)", ratio, "≤ 0.05", ratio <= 0.05,
        {"store_events": events, "new_events": grown, "full_events": full_report[0].events,
         "since_events": since_report[0].events, "since_seconds": round(since, 2), "full_seconds": round(full, 2)},
    )]


def _grow(url: StoreURL, events: int) -> tuple[str, TrustAnchors, int]:
    """Checkpoint the store (the auditor keeps it), append 1% more through the write path, checkpoint again."""
    elevators = max(100, events // 100)
    existing_visits = -(-events // elevators)
    workload = build_workload(elevators, max(1, events // 100 // elevators), visit_offset=existing_visits)
    with Store(url) as store:
        log = TransparencyLog(store)
        held = log.issue(_OPERATOR).note
        service = LedgerService(store, signatures=SignatureChecker(processes=2))
        try:
            for outcomes in service.append_batches(workload.records[i:i + 2000]
                                                   for i in range(0, len(workload.records), 2000)):
                if any(o.error for o in outcomes):
                    raise RuntimeError("the growth records were refused")
        finally:
            service.signatures.close()
        log.issue(_OPERATOR)
        anchors = TrustAnchors(log.operator, RegulatorRoot.from_trust_file(orjson.dumps(regulator_trust(store))))
    return held, anchors, len(workload.records)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    for figure in run(args.events):
        print(figure.to_dict())


if __name__ == "__main__":
    main()
