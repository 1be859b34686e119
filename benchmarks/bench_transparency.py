"""The transparency log: P2 (verification without signatures / raw SHA-256 chain), P3 (Merkle append / pymerkle),
P4 (inclusion proof served from a store of 1,000,000 leaves, beside pymerkle's in-memory tree).

    python -m benchmarks.bench_transparency [--leaves 1000000] [--elevators 500] [--visits 20]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sqlite3
import tempfile
import time
from pathlib import Path

import orjson
from pymerkle import InmemoryTree

from benchmarks.common import Figure, best_of, build_workload, timed
from ledger.merkle import MerkleAppender, inclusion_proof, leaf_hash, root, verify_inclusion
from ledger.service import LedgerService
from ledger.signatures import SignatureChecker
from ledger.store import Store, parse_store_url
from ledger.verify import verify_store

__all__ = ["run"]


def merkle_append(leaves: int) -> Figure:
    """P3: our incremental appender against pymerkle's in-memory tree, same leaf count, same run."""
    data = [hashlib.sha256(n.to_bytes(8, "big")).digest() for n in range(leaves)]

    def ours() -> None:
        appender = MerkleAppender()
        for item in data:
            appender.append(leaf_hash(item))

    def theirs() -> None:
        tree = InmemoryTree(algorithm="sha256")
        for item in data:
            tree.append_entry(item)

    ours_rate = leaves / best_of(3, ours)
    theirs_rate = leaves / best_of(2, theirs)
    return Figure("P3", "Merkle append / pymerkle in-memory", ours_rate, "leaves/s", theirs_rate,
                  "pymerkle InmemoryTree leaves/s", ours_rate / theirs_rate, "≥ 4", ours_rate / theirs_rate >= 4,
                  {"leaves": leaves, "note": "every appended node is also returned for the store to persist"})


def big_tree_store(path: Path, leaves: int) -> Store:
    """A store whose Merkle table holds a tree of ``leaves`` leaves, written the way the ledger writes it."""
    store = Store(parse_store_url(f"sqlite:///{path}"), cache_size=0)
    appender = MerkleAppender()
    with sqlite3.connect(path) as con:
        chunk: list[tuple[int, int, bytes]] = []
        for n in range(leaves):
            chunk.extend((level, idx, digest) for (level, idx), digest in
                         appender.append(leaf_hash(hashlib.sha256(n.to_bytes(8, "big")).digest())))
            if len(chunk) > 200_000:
                con.executemany("INSERT INTO merkle_nodes VALUES (?, ?, ?)", chunk)
                chunk = []
        con.executemany("INSERT INTO merkle_nodes VALUES (?, ?, ?)", chunk)
    return store


def inclusion_at_scale(leaves: int, tmp: Path) -> Figure:
    """P4: proofs for random leaves of a 1M-leaf tree, read from the store's node table (one query each)."""
    store = big_tree_store(tmp / "tree.sqlite", leaves)
    tree_root = root(leaves, store.index)
    rng = random.Random(4)
    picks = [rng.randrange(leaves) for _ in range(2000)]
    samples = []
    for index in picks:
        started = time.perf_counter()
        proof = inclusion_proof(index, leaves, store.index)
        samples.append(time.perf_counter() - started)
        verify_inclusion(leaf_hash(hashlib.sha256(index.to_bytes(8, "big")).digest()), index, leaves, proof, tree_root)
    store.close()
    samples.sort()
    p50, p99 = samples[len(samples) // 2], samples[int(len(samples) * 0.99)]
    peer = _pymerkle_proof_time(min(leaves, 200_000))
    return Figure("P4", f"inclusion proof at {leaves:,} leaves, served from the store (p99)", p99 * 1e3, "ms",
                  peer * 1e3, f"pymerkle in-memory proof at {min(leaves, 200_000):,} leaves (ms)", None, "≤ 1 ms",
                  p99 <= 0.001, {"p50_ms": p50 * 1e3, "p99_ms": p99 * 1e3, "samples": len(samples)})


def _pymerkle_proof_time(leaves: int) -> float:
    tree = InmemoryTree(algorithm="sha256")
    for n in range(leaves):
        tree.append_entry(n.to_bytes(8, "big"))
    rng = random.Random(5)
    picks = [rng.randrange(1, leaves + 1) for _ in range(200)]
    return timed(lambda: [tree.prove_inclusion(i) for i in picks]) / len(picks)


def verification_rate(elevators: int, visits: int, tmp: Path) -> Figure:
    """P2: verify (chains, seq, index, every Merkle node; no signatures) / a bare SHA-256 chain over the same bytes."""
    workload = build_workload(elevators, visits)
    service = LedgerService(Store(f"sqlite:///{tmp / 'verify.sqlite'}"), signatures=SignatureChecker(processes=2))
    for outcomes in service.append_batches([workload.setup, *_chunks(workload.records, 2000)]):
        assert all(o.error is None for o in outcomes)
    service.store.close()
    with sqlite3.connect(tmp / "verify.sqlite") as con:
        records = [bytes(r[0]) for r in con.execute("SELECT state FROM stored_events ORDER BY rowid")]
    events = len(records)

    def bare_chain() -> None:
        head = bytes(32)
        for record in records:
            head = hashlib.sha256(head + record).digest()

    peer = events / best_of(3, bare_chain)
    url = parse_store_url(f"sqlite:///{tmp / 'verify.sqlite'}")
    one = events / best_of(2, lambda: _verified(url, workers=1))
    two = events / best_of(2, lambda: _verified(url, workers=2))
    best = max(one, two)
    return Figure("P2", "full verification without signatures / raw SHA-256 chain over the same bytes", best,
                  "events/s", peer, "SHA-256 chain events/s (in memory)", best / peer, "≥ 0.5", best / peer >= 0.5,
                  {"events": events, "one_process": one, "two_processes": two})


def _verified(url: object, workers: int) -> None:
    report = verify_store(url, signatures=False, workers=workers)  # type: ignore[arg-type]
    if not report.ok:
        raise RuntimeError(f"benchmark store does not verify: {report.failure}")


def _chunks(items: list[bytes], size: int) -> list[list[bytes]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def run(leaves: int = 1_000_000, elevators: int = 500, visits: int = 20) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="ll-bench-tlog-") as tmp_name:
        tmp = Path(tmp_name)
        return [verification_rate(elevators, visits, tmp), merkle_append(min(leaves, 200_000)),
                inclusion_at_scale(leaves, tmp)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--elevators", type=int, default=500)
    parser.add_argument("--visits", type=int, default=20)
    args = parser.parse_args()
    for figure in run(args.leaves, args.elevators, args.visits):
        print(orjson.dumps(figure.to_dict()).decode())


if __name__ == "__main__":
    main()
