"""The transparency log: P2 (verification without signatures / raw SHA-256 chain), P3 (Merkle append / pymerkle),
P4 (inclusion proof served from a ledger of 1,000,000 events, beside pymerkle's in-memory tree).

    python -m benchmarks.bench_transparency [--verify-events 100000] [--append-leaves 200000] [--proof-events 1000000]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sqlite3
import time
from pathlib import Path

import orjson
from pymerkle import InmemoryTree

from benchmarks.bigstore import ensure_big_store
from benchmarks.common import Figure, best_of, timed
from ledger.store import Store, StoreURL, parse_store_url
from ledger.store.verify import verify_store
from ledger.tlog.leaf import record_leaf_hash
from ledger.tlog.merkle import MerkleAppender, inclusion_proof, leaf_hash, root, verify_inclusion

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


def inclusion_at_scale(path: Path) -> Figure:
    """P4: proofs for random events of a large ledger, read from its stored nodes (one batched query each)."""
    with Store(parse_store_url(f"sqlite:///{path}"), cache_size=0) as store:
        leaves = store.tree.tree_size()
        tree_root = root(leaves, store.tree)
        rng = random.Random(4)
        picks = [rng.randrange(leaves) for _ in range(2000)]
        hashes = dict(_leaf_hashes(store, picks))
        samples = []
        for index in picks:
            started = time.perf_counter()
            proof = inclusion_proof(index, leaves, store.tree)
            samples.append(time.perf_counter() - started)
            verify_inclusion(hashes[index], index, leaves, proof, tree_root)
    samples.sort()
    p50, p99 = samples[len(samples) // 2], samples[int(len(samples) * 0.99)]
    peer_size = min(leaves, 200_000)
    peer = _pymerkle_proof_time(peer_size)
    return Figure("P4", f"inclusion proof at {leaves:,} leaves, served from the store (p99)", p99 * 1e3, "ms",
                  peer * 1e3, f"pymerkle in-memory proof at {peer_size:,} leaves (ms)", None, "≤ 1 ms",
                  p99 <= 0.001, {"p50_ms": p50 * 1e3, "p99_ms": p99 * 1e3, "samples": len(samples), "leaves": leaves})


def _leaf_hashes(store: Store, leaves: list[int]) -> list[tuple[int, bytes]]:
    return [(leaf, record_leaf_hash(row.hash, row.recorded_at))
            for leaf in set(leaves) if (row := store.tree.row_at_leaf(leaf)) is not None]


def _pymerkle_proof_time(leaves: int) -> float:
    tree = InmemoryTree(algorithm="sha256")
    for n in range(leaves):
        tree.append_entry(n.to_bytes(8, "big"))
    rng = random.Random(5)
    picks = [rng.randrange(1, leaves + 1) for _ in range(200)]
    return timed(lambda: [tree.prove_inclusion(i) for i in picks]) / len(picks)


def verification_rate(path: Path) -> Figure:
    """P2: verify (chains, seq, index, every Merkle node; no signatures) / a bare SHA-256 chain over the same
    bytes."""
    with sqlite3.connect(path) as con:
        records = [bytes(state) for (state,) in con.execute("SELECT state FROM stored_events ORDER BY rowid")]
    events = len(records)

    def bare_chain() -> None:
        head = bytes(32)
        for record in records:
            head = hashlib.sha256(head + record).digest()

    peer = events / best_of(3, bare_chain)
    records.clear()  # free them before verification reads the store
    url = parse_store_url(f"sqlite:///{path}")
    one = events / best_of(2, lambda: _verified(url, workers=1))
    two = events / best_of(2, lambda: _verified(url, workers=2))
    best = max(one, two)
    return Figure("P2", "full verification without signatures / raw SHA-256 chain over the same bytes", best,
                  "events/s", peer, "SHA-256 chain events/s (in memory)", best / peer, "≥ 0.5", best / peer >= 0.5,
                  {"events": events, "one_process": one, "two_processes": two})


def _verified(url: StoreURL, workers: int) -> None:
    report = verify_store(url, signatures=False, workers=workers)
    if not report.ok:
        raise RuntimeError(f"benchmark store does not verify: {report.failure}")


def run(verify_events: int = 100_000, append_leaves: int = 200_000, proof_events: int = 1_000_000) -> list[Figure]:
    """The three figures, on the cached ledgers of benchmarks/bigstore.py (built on first use)."""
    return [verification_rate(ensure_big_store(verify_events)), merkle_append(append_leaves),
            inclusion_at_scale(ensure_big_store(proof_events))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--verify-events", type=int, default=100_000)
    parser.add_argument("--append-leaves", type=int, default=200_000)
    parser.add_argument("--proof-events", type=int, default=1_000_000)
    args = parser.parse_args()
    for figure in run(args.verify_events, args.append_leaves, args.proof_events):
        print(orjson.dumps(figure.to_dict()).decode())


if __name__ == "__main__":
    main()
