"""A naive RFC 6962 / RFC 9162 Merkle tree, written straight from the RFC text, used only as a test oracle.

Everything here is O(n) per call and recomputes from the leaf list; it shares no code with ledger.tlog.merkle on
purpose (only hashlib), so a bug in the fast code cannot hide in both. Inputs ``D`` are lists of leaf *data*
(in LiftLedger: event hashes); ``MTH({d}) = SHA-256(0x00 ‖ d)``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

__all__ = ["consistency_roots_naive", "mth", "path", "proof", "subproof", "verify_path_naive"]


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: Sequence[bytes]) -> bytes:
    """RFC 6962 §2.1: MTH({}) = SHA-256(), MTH({d0}) = SHA-256(0x00 ‖ d0), else split at k."""
    n = len(d)
    if n == 0:
        return _h(b"")
    if n == 1:
        return _h(b"\x00" + d[0])
    k = _k(n)
    return _h(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m: int, d: Sequence[bytes]) -> list[bytes]:
    """RFC 6962 §2.1.1: PATH(m, D[n])."""
    n = len(d)
    assert 0 <= m < n
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def proof(m: int, d: Sequence[bytes]) -> list[bytes]:
    """RFC 6962 §2.1.2: PROOF(m, D[n]) = SUBPROOF(m, D[n], true); empty for m == 0 (c2sp.org/merkle-tree)."""
    assert 0 <= m <= len(d)
    if m == 0:
        return []
    return subproof(m, d, True)


def subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
    """RFC 6962 §2.1.2: SUBPROOF(m, D[n], b)."""
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = _k(n)
    if m <= k:
        return [*subproof(m, d[:k], b), mth(d[k:])]
    return [*subproof(m - k, d[k:], False), mth(d[:k])]


def verify_path_naive(leaf_data: bytes, m: int, d_size: int, proof_hashes: Sequence[bytes]) -> bytes:
    """Recompute a root from an inclusion proof by replaying the PATH recursion (no bit tricks)."""

    def rec(m: int, n: int, hashes: list[bytes]) -> bytes:
        if n == 1:
            assert not hashes
            return _h(b"\x00" + leaf_data)
        k = _k(n)
        last = hashes[-1]
        if m < k:
            return _h(b"\x01" + rec(m, k, hashes[:-1]) + last)
        return _h(b"\x01" + last + rec(m - k, n - k, hashes[:-1]))

    return rec(m, d_size, list(proof_hashes))


def consistency_roots_naive(
    m: int, n: int, proof_hashes: Sequence[bytes], old_root: bytes
) -> tuple[bytes, bytes] | None:
    """Replay the SUBPROOF recursion over a proof: the (old, new) roots it implies, or None if its length is wrong.

    Requires 0 < m <= n. Proof elements are consumed from the end, one per recursion level, as SUBPROOF appends
    them; where SUBPROOF(m, D[m], true) contributes nothing, the subtree hash is the claimed ``old_root``.
    """
    hashes = list(proof_hashes)

    def rec(m: int, n: int, b: bool) -> tuple[bytes, bytes] | None:
        if m == n:
            if b:
                return old_root, old_root
            if not hashes:
                return None
            h = hashes.pop()
            return h, h
        if not hashes:
            return None
        last = hashes.pop()
        k = _k(n)
        if m <= k:
            sub = rec(m, k, b)
            return None if sub is None else (sub[0], _h(b"\x01" + sub[1] + last))
        sub = rec(m - k, n - k, False)
        return None if sub is None else (_h(b"\x01" + last + sub[0]), _h(b"\x01" + last + sub[1]))

    result = rec(m, n, True)
    return result if result is not None and not hashes else None
