"""Signature checking for a batch, optionally on several threads.

Ed25519 verification is the ingest ceiling (DOMAIN-independent: ~100-170 µs each, LIBRARIES.md §5), and OpenSSL
releases the GIL while it verifies. So before a batch is decided, :meth:`SignatureChecker.prefetch` verifies every
signature whose key the registry already knows, spread over a thread pool; the sequential decision step then only
looks the answer up. Keys introduced inside the same batch are verified inline.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from ledger.errors import SignatureError

if TYPE_CHECKING:
    from ledger.registry import KeyRecord, Registry
    from ledger.submission import Submission

__all__ = ["SignatureChecker"]

# (public key bytes, valid) per submission, keyed by id(submission) for the duration of one batch.
Verified = dict[int, tuple[bytes, bool]]


class SignatureChecker:
    def __init__(self, threads: int = 1) -> None:
        self.threads = threads
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="verify") if threads > 1 else None

    def prefetch(self, subs: list[Submission], registry: Registry) -> Verified:
        """Verify, in parallel, the signatures of ``subs`` whose keys are already registered."""
        if self._pool is None or len(subs) < 2 * self.threads:
            return {}
        jobs = []
        for sub in subs:
            record = registry.keys.get(sub.envelope.key_id)
            if record is not None:
                jobs.append((sub, record.public))
        chunk = max(1, len(jobs) // (self.threads * 4))
        results = self._pool.map(lambda job: job[1].is_valid_signature(job[0].signature, job[0].signing), jobs,
                                 chunksize=chunk)
        return {id(sub): (public.raw, ok) for (sub, public), ok in zip(jobs, results, strict=True)}

    def require(self, sub: Submission, key: KeyRecord, verified: Verified) -> None:
        """Raise SignatureError unless ``key`` signed ``sub``."""
        known = verified.get(id(sub))
        if known is not None and known[0] == key.public.raw:
            if not known[1]:
                raise SignatureError(f"signature does not verify with key {key.key_id}")
            return
        key.public.verify(sub.signature, sub.signing)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
