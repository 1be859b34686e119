"""A submission: one wire envelope, parsed, schema-checked and canonicalized — not yet verified or authorized.

Parsing happens once, at the edge; everything downstream (signature check, authorization, invariants, the store)
works on this object and never re-reads the wire bytes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, TypeVar

from pydantic import ValidationError

from ledger.core.canonical import record_bytes, signing_bytes
from ledger.core.errors import SchemaError
from ledger.core.identifiers import local_date
from ledger.core.keys import b64decode_strict
from ledger.core.schema import Envelope, EventSpec, Payload, spec_for, validate_envelope
from ledger.core.schema.envelope import schema_error
from ledger.core.strictjson import check_strict_value, parse_strict

__all__ = [
    "MAX_LINE_BYTES",
    "STREAM_NAMESPACE",
    "StreamKey",
    "Submission",
    "parse_line",
    "parse_submission",
    "stream_id",
]

# A record larger than this is refused before parsing: no lifecycle event needs more.
MAX_LINE_BYTES = 256 * 1024
STREAM_NAMESPACE = uuid.UUID("5d3f6a0e-8c1b-4b7e-9a51-7f4c2d1e0b9a")


@dataclass(frozen=True, slots=True)
class StreamKey:
    """Which hash chain an event joins: an elevator (by 设备代码) or an organization (by USCC)."""

    kind: str  # "elevator" | "org"
    key: str

    @property
    def id(self) -> uuid.UUID:
        return stream_id(self.kind, self.key)

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


@lru_cache(maxsize=1 << 17)
def stream_id(kind: str, key: str) -> uuid.UUID:
    """The stored id of a stream: UUIDv5 of ``kind:key`` (cached: it is asked for on every event)."""
    return uuid.uuid5(STREAM_NAMESPACE, f"{kind}:{key}")


PayloadT = TypeVar("PayloadT", bound=Payload)


@dataclass(frozen=True, slots=True)
class Submission:
    raw: dict[str, Any]
    envelope: Envelope
    payload: Payload
    spec: EventSpec
    stream: StreamKey
    signing: bytes  # what the key signed
    record: bytes  # what is stored and chained
    signature: bytes
    day: date  # occurred_at's calendar date in China, which licences, contracts and certificates are dated in

    @property
    def event_id(self) -> str:
        return self.envelope.event_id

    def payload_as(self, model: type[PayloadT]) -> PayloadT:
        """The payload as ``model``, the schema its event type has (rules dispatch on the type; this checks it)."""
        payload = self.payload
        if not isinstance(payload, model):
            raise TypeError(f"a {self.type} payload is a {type(payload).__name__}, not a {model.__name__}")
        return payload

    @property
    def type(self) -> str:
        return self.envelope.type

    @property
    def occurred_at(self) -> int:
        return self.envelope.occurred_at

    @property
    def org(self) -> str:
        return self.envelope.actor.org

    @property
    def role(self) -> str:
        return self.envelope.actor.role

    @property
    def equipment_code(self) -> str | None:
        return self.envelope.equipment_code


def parse_line(line: bytes | str) -> Submission:
    """Parse one JSON line of the wire format (strict JSON, docs/FORMAT.md §I.1) into a submission, or raise
    SchemaError with the JSON path."""
    return _parse_checked(parse_strict(line, max_bytes=MAX_LINE_BYTES, what="envelope"))


def parse_submission(raw: Any) -> Submission:
    """Validate a decoded wire envelope and its payload; compute its canonical bytes.

    ``raw`` may come from anywhere (a decoded HTTP body, a producer's dict): it is held to strict JSON's values
    too — no floats, no nulls, no integers beyond ±(2^53 − 1) — before the schemas see it.
    """
    check_strict_value(raw)
    return _parse_checked(raw)


def _parse_checked(raw: Any) -> Submission:
    envelope = validate_envelope(raw)
    spec = spec_for(envelope.type)
    if spec is None:
        raise SchemaError(f"unknown event type {envelope.type!r}", path="type")
    try:
        payload = spec.payload.model_validate(envelope.payload)
    except ValidationError as e:
        raise schema_error(e, prefix="payload") from None
    stream = _stream_for(envelope, payload, spec)
    signature = b64decode_strict(envelope.signature, length=64, what="signature", path="signature")
    return Submission(raw, envelope, payload, spec, stream, signing_bytes(raw), record_bytes(raw), signature,
                      local_date(envelope.occurred_at))


def _stream_for(envelope: Envelope, payload: Payload, spec: EventSpec) -> StreamKey:
    code = envelope.equipment_code
    if spec.stream == "elevator":
        if code is None:
            raise SchemaError(f"{spec.type} needs equipment_code", path="equipment_code")
        return StreamKey("elevator", code)
    if spec.stream == "org":
        if code is not None:
            raise SchemaError(f"{spec.type} is an organization event: omit equipment_code", path="equipment_code")
        return StreamKey("org", payload.org)  # type: ignore[attr-defined]  # every org-stream payload names its org
    if code is not None:
        return StreamKey("elevator", code)
    return StreamKey("org", payload.party)  # type: ignore[attr-defined]  # "either" events name their party
