"""The producer SDK: an organization's signing identity that builds typed, signed envelopes.

It never touches the store. What it makes goes to a publisher (producers.publish): straight to a ledger service,
to Kafka, or over HTTP.

    maintainer = Producer(org="91310000…", role="maintainer", key=SigningKey.generate())
    envelope = maintainer.event("MaintenancePerformed", payload, equipment_code="311031001202400001",
                                occurred_at="2025-03-01T02:00:00Z", persons=[worker("T-1001"), worker("T-1002")])
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ledger.core.identifiers import format_instant, instant_from_text
from ledger.core.keys import SigningKey
from ledger.core.signing import new_event_id, sign_envelope
from ledger.core.submission import Submission, parse_submission

__all__ = ["Producer", "person", "worker"]


def person(cert_no: str, role: str) -> dict[str, str]:
    return {"cert_no": cert_no, "role": role}


def worker(cert_no: str) -> dict[str, str]:
    return person(cert_no, "worker")


@dataclass
class Producer:
    """Signs events as ``org`` acting in ``role`` (and, for an IoT terminal, as ``device``)."""

    org: str
    role: str
    key: SigningKey
    device: str | None = None
    # Randomness for event ids; a seeded random.Random makes output reproducible.
    rng: Callable[[int], bytes] = field(default=os.urandom)

    @classmethod
    def seeded(cls, org: str, role: str, key: SigningKey, seed: int, device: str | None = None) -> Producer:
        source = random.Random(seed)
        return cls(org, role, key, device, rng=source.randbytes)

    def event(
        self,
        event_type: str,
        payload: dict[str, Any],
        *,
        occurred_at: str | int,
        equipment_code: str | None = None,
        persons: Sequence[dict[str, str]] = (),
        corrects: str | None = None,
        evidence: Sequence[dict[str, str]] = (),
        location: dict[str, int] | None = None,
        event_id: str | None = None,
    ) -> dict[str, Any]:
        """A signed envelope (a plain dict, ready for JSON)."""
        when = occurred_at if isinstance(occurred_at, str) else format_instant(occurred_at)
        actor: dict[str, Any] = {"org": self.org, "role": self.role}
        if persons:
            actor["persons"] = list(persons)
        if self.device is not None:
            actor["device"] = self.device
        unsigned: dict[str, Any] = {
            "event_id": event_id or self._event_id(when),
            "type": event_type,
            "occurred_at": when,
            "actor": actor,
            "payload": payload,
        }
        optional = {"equipment_code": equipment_code, "corrects": corrects, "location": location}
        unsigned.update({name: value for name, value in optional.items() if value is not None})
        if evidence:
            unsigned["evidence"] = list(evidence)
        return sign_envelope(unsigned, self.key)

    def submission(self, event_type: str, payload: dict[str, Any], **kwargs: Any) -> Submission:
        """The same, parsed and validated locally (raises SchemaError before anything is sent)."""
        return parse_submission(self.event(event_type, payload, **kwargs))

    def _event_id(self, when: str) -> str:
        return new_event_id(instant_from_text(when) * 1000, self.rng)
