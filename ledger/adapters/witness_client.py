"""Collecting witness cosignatures: the log operator's side of c2sp.org/tlog-witness.

For each witness the operator trusts, the latest checkpoint is sent with a consistency proof from the size that
witness last cosigned. A witness that holds another size answers 409 with that size (``text/x.tlog.size``): the
request is made again from there, once. A 200 carries cosignature lines, which are verified against the witness's
key before they are stored onto the checkpoint. Anything else — a refusal, a fork, a witness that is down — is
reported for that witness and never stops the others; the next round tries again.

The transport is a function, so the rounds are tested against real witnesses in-process or over HTTP alike.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ledger.core.errors import LedgerError, NoteError, WitnessSizeMismatchError
from ledger.store.transparency import TransparencyLog
from ledger.tlog.checkpoint import WitnessVerifier
from ledger.tlog.witness import SIZE_CONTENT_TYPE, parse_cosignature_response

__all__ = ["CosignatureCollector", "Transport", "WitnessEndpoint", "WitnessOutcome", "http_transport"]

# (url, body) → (status, content type, body)
Transport = Callable[[str, bytes], tuple[int, str, bytes]]
_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class WitnessEndpoint:
    url: str  # the witness's prefix: requests go to {url}/add-checkpoint
    verifier: WitnessVerifier

    @property
    def name(self) -> str:
        return self.verifier.name


@dataclass(frozen=True)
class WitnessOutcome:
    witness: str
    size: int  # the checkpoint's size
    cosigned: bool
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"witness": self.witness, "size": self.size, "cosigned": self.cosigned, "error": self.error}


def http_transport(url: str, body: bytes) -> tuple[int, str, bytes]:
    """POST with the standard library; HTTP error statuses are answers, not exceptions."""
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "text/plain"})
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


@dataclass
class CosignatureCollector:
    """Pushes the latest checkpoint to every witness and stores what they cosign."""

    log: TransparencyLog
    witnesses: Sequence[WitnessEndpoint]
    transport: Transport = http_transport
    known_sizes: dict[str, int] = field(default_factory=dict)  # what each witness last cosigned

    def collect(self) -> list[WitnessOutcome]:
        """One round over the witnesses for the latest checkpoint."""
        return [self._collect_one(witness) for witness in self.witnesses]

    def _collect_one(self, witness: WitnessEndpoint) -> WitnessOutcome:
        latest = self.log.latest()
        if witness.name in latest.signers:
            self.known_sizes[witness.name] = latest.size
            return WitnessOutcome(witness.name, latest.size, True)
        old = min(self.known_sizes.get(witness.name, 0), latest.size)
        try:
            for _ in range(2):
                status, content_type, body = self.transport(
                    witness.url.rstrip("/") + "/add-checkpoint", self.log.witness_request(old, latest))
                if status == 409 and content_type.startswith(SIZE_CONTENT_TYPE):
                    old = _held_size(body, latest.size)
                    continue
                if status != 200:
                    return WitnessOutcome(witness.name, latest.size, False, _refusal(status, body))
                self.log.add_cosignatures(parse_cosignature_response(body), witness.verifier, latest)
                self.known_sizes[witness.name] = latest.size
                return WitnessOutcome(witness.name, latest.size, True)
            return WitnessOutcome(witness.name, latest.size, False, f"the witness holds size {old} and refused it")
        except LedgerError as e:
            return WitnessOutcome(witness.name, latest.size, False, f"{e.code}: {e.message}")
        except OSError as e:  # unreachable, timed out, connection reset
            return WitnessOutcome(witness.name, latest.size, False, f"unreachable: {e}")


def _held_size(body: bytes, latest: int) -> int:
    """The size a 409 says the witness holds; one beyond this log's checkpoint cannot be proven from here."""
    try:
        size = int(body.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        raise NoteError(f"the witness answered 409 with a size that is not a number: {body[:40]!r}") from None
    if not 0 <= size <= latest:
        raise WitnessSizeMismatchError(f"the witness holds size {size}, beyond this log's latest checkpoint "
                                       f"({latest}): it has seen another log under this name", witness_size=size)
    return size


def _refusal(status: int, body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip().replace("\n", " ")
    return f"HTTP {status}: {text[:300]}" if text else f"HTTP {status}"
