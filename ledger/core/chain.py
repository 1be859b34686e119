"""The per-stream hash chain: ``head_n = SHA-256(head_{n-1} ‖ record_n)`` from 32 zero bytes (docs/FORMAT.md)."""

from __future__ import annotations

import hashlib

__all__ = ["GENESIS_HASH", "chain_hash"]

GENESIS_HASH = bytes(32)


def chain_hash(previous: bytes, record: bytes) -> bytes:
    return hashlib.sha256(previous + record).digest()
