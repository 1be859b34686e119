"""What each leaf of LiftLedger's log commits to, by log format (docs/FORMAT.md §II.1.1).

- **Format 2** (what every store writes): the leaf input is the event hash followed by the event's recorded time,
  ``event_hash (32 bytes) ‖ recorded_at (uint64 big-endian, Unix seconds)``, so a proof of inclusion also proves
  *when* the ledger recorded the event. Recorded times never decrease in leaf order, and a checkpoint's ``time``
  is never earlier than the recorded time of any leaf below its size.
- **Format 1** (history): the leaf input is the event hash alone. Passports, proofs and vectors made in format 1
  stay verifiable; a store in format 1 is refused (it cannot be upgraded: its leaves would all change).

Either way the leaf hash is RFC 9162's ``SHA-256(0x00 ‖ leaf input)`` (:func:`ledger.tlog.merkle.leaf_hash`).
"""

from __future__ import annotations

from ledger.core.errors import ProofError
from ledger.tlog.merkle import HASH_SIZE, leaf_hash

__all__ = ["LOG_FORMAT", "LOG_FORMATS", "MAX_RECORDED_AT", "leaf_input", "record_leaf_hash", "split_leaf_input"]

LOG_FORMAT = 2
"""The log format this LiftLedger writes."""
LOG_FORMATS = frozenset({1, 2})
"""The log formats it can verify."""
MAX_RECORDED_AT = 2**64 - 1


def leaf_input(event_hash: bytes, recorded_at: int | None) -> bytes:
    """The bytes a leaf commits to: ``event_hash ‖ uint64_be(recorded_at)`` (format 2), or the event hash alone
    when ``recorded_at`` is None (format 1).

    Raises:
        ProofError: the event hash is not 32 bytes, or the recorded time is not an integer in 0..2^64-1.
    """
    if len(event_hash) != HASH_SIZE:
        raise ProofError(f"an event hash is {HASH_SIZE} bytes, got {len(event_hash)}")
    if recorded_at is None:
        return event_hash
    if type(recorded_at) is not int or not 0 <= recorded_at <= MAX_RECORDED_AT:
        raise ProofError(f"recorded_at must be an integer in 0..2^64-1, got {recorded_at!r}",
                         code="proof.out_of_range")
    return event_hash + recorded_at.to_bytes(8, "big")


def record_leaf_hash(event_hash: bytes, recorded_at: int | None) -> bytes:
    """The leaf hash of an event recorded at ``recorded_at`` (None: a format-1 leaf)."""
    return leaf_hash(leaf_input(event_hash, recorded_at))


def split_leaf_input(data: bytes) -> tuple[bytes, int]:
    """The event hash and recorded time of a format-2 leaf input (as a tlog-proof's ``extra`` line carries it).

    Raises:
        ProofError: ``data`` is not 40 bytes.
    """
    if len(data) != HASH_SIZE + 8:
        raise ProofError(f"a format-2 leaf input is {HASH_SIZE + 8} bytes, got {len(data)}")
    return data[:HASH_SIZE], int.from_bytes(data[HASH_SIZE:], "big")
