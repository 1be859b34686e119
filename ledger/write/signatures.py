"""Signature checking for a batch, on worker processes or threads.

Ed25519 verification is the ingest ceiling (4.5-6k a second per core, docs/ARCHITECTURE.md §8). So while a batch is
parsed and decided on the main thread, :meth:`SignatureChecker.start` verifies every signature whose key the
registry already knows on other cores — worker processes (the public key, signature and message travel as bytes;
each worker keeps its parsed keys), or threads where processes are not wanted. The sequential decision step then
only looks the answer up, after checking it was computed with the very key the registry names. Keys introduced
inside the same batch are verified inline.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import BrokenExecutor, Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.core.errors import SignatureError

if TYPE_CHECKING:
    from ledger.core.registry import KeyRecord, Registry
    from ledger.core.submission import Submission

__all__ = ["Check", "PendingChecks", "SignatureChecker", "Verified"]


class Check(NamedTuple):
    """One signature's answer, with the key it was checked against."""

    public_key: bytes
    valid: bool


# Per submission, keyed by id(submission) while the batch is alive.
Verified = dict[int, Check]


class SignatureChecker:
    """``threads`` > 1: a thread pool; ``processes`` > 0: a process pool (preferred: no GIL hand-offs)."""

    def __init__(self, threads: int = 1, *, processes: int = 0) -> None:
        self.threads = max(threads, processes)
        self._pool: Executor | None = None
        if processes > 0:
            self._pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))
        elif threads > 1:
            self._pool = ThreadPoolExecutor(threads, thread_name_prefix="verify")

    def prefetch(self, subs: list[Submission], registry: Registry) -> Verified:
        """Verify, in parallel, the signatures of ``subs`` whose keys are already registered."""
        return self.start(subs, registry).result()

    def start(self, subs: list[Submission], registry: Registry) -> PendingChecks:
        """Start verifying ``subs`` on the pool and return at once: the caller parses or decides meanwhile."""
        if self._pool is None or len(subs) < 2 * self.threads:
            return PendingChecks([])
        jobs = [(id(sub), record.public.raw, sub.signature, sub.signing)
                for sub in subs if (record := registry.keys.get(sub.envelope.key_id))]
        size = max(1, len(jobs) // (self.threads * 4))
        chunks = [jobs[start:start + size] for start in range(0, len(jobs), size)]
        try:
            return PendingChecks([self._pool.submit(check_chunk, chunk) for chunk in chunks])
        except BrokenExecutor:
            self._pool = None  # a dead pool stays dead: verify inline from now on
            return PendingChecks([])

    def require(self, sub: Submission, key: KeyRecord, verified: Verified) -> None:
        """Raise SignatureError unless ``key`` signed ``sub``."""
        known = verified.get(id(sub))
        if known is not None and known.public_key == key.public.raw:
            if not known.valid:
                raise SignatureError(f"signature does not verify with key {key.key_id}")
            return
        key.public.verify(sub.signature, sub.signing)

    def warm_up(self) -> None:
        """Start the pool's workers now rather than on the first batch."""
        if self._pool is not None:
            for future in [self._pool.submit(check_chunk, []) for _ in range(self.threads)]:
                future.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)


class PendingChecks:
    """Signature checks running on the pool; ``result()`` waits for them.

    If the pool broke (a worker died), the answers are simply missing and the decision step verifies those
    signatures itself: a lost worker costs speed, never correctness.
    """

    def __init__(self, futures: list[Future[list[tuple[int, bytes, bool]]]]) -> None:
        self._futures = futures

    def result(self) -> Verified:
        verified: Verified = {}
        for future in self._futures:
            try:
                verified.update((sub_id, Check(raw, ok)) for sub_id, raw, ok in future.result())
            except BrokenExecutor:
                continue
        return verified


def check_chunk(jobs: list[tuple[int, bytes, bytes, bytes]]) -> list[tuple[int, bytes, bool]]:
    """(submission id, public key, signature, message) → (submission id, public key, valid); runs in a worker."""
    return [(sub_id, raw, _valid(raw, signature, message)) for sub_id, raw, signature, message in jobs]


def _valid(raw: bytes, signature: bytes, message: bytes) -> bool:
    try:
        _public_key(raw).verify(signature, message)
    except InvalidSignature:
        return False
    return True


@lru_cache(maxsize=4096)
def _public_key(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)


