"""The envelope every producer signs (docs/FORMAT.md §I.2) and its strict parsing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import Field, SkipValidation, StringConstraints, ValidationError

from ledger.core.errors import SchemaError
from ledger.core.schema.maintenance import GeoPoint
from ledger.core.schema.types import (
    USCC,
    Code,
    EquipmentCode,
    EventRef,
    ExactInt,
    Instant,
    KeyId,
    Omittable,
    Sha256Hex,
    Strict,
)
from ledger.core.vocabulary import PersonRole, Role

__all__ = ["SCHEMA_VERSION", "Actor", "Envelope", "Evidence", "Person", "schema_error", "validate_envelope"]

SCHEMA_VERSION = 1

SignatureB64 = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+/]{86}==$")]
EventTypeName = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Za-z]{1,63}$")]


class Person(Strict):
    """A person acting for the organization, known only by certificate number (no personal data)."""

    cert_no: Code
    role: PersonRole


class Actor(Strict):
    org: USCC
    role: Role
    persons: Annotated[Sequence[Person], Field(max_length=20)] = ()
    device: Omittable[Code] = None  # the IoT terminal id when role is iot_terminal


class Evidence(Strict):
    """A digest of a photo, document or trace kept off the ledger."""

    sha256: Sha256Hex
    kind: Literal["photo", "video", "pdf", "iot_trace", "document", "other"]


class Envelope(Strict):
    schema_version: Annotated[Literal[1], ExactInt] = Field(alias="schema")
    event_id: EventRef
    type: EventTypeName
    equipment_code: Omittable[EquipmentCode] = None
    occurred_at: Instant
    actor: Actor
    payload: SkipValidation[dict[str, Any]]  # validated by the type's payload schema
    corrects: Omittable[EventRef] = None
    evidence: Annotated[Sequence[Evidence], Field(max_length=50)] = ()
    location: Omittable[GeoPoint] = None
    key_id: KeyId
    signature: SignatureB64


def schema_error(error: ValidationError, prefix: str = "") -> SchemaError:
    """The first pydantic error as a SchemaError with a dotted JSON path."""
    first = error.errors(include_url=False)[0]
    path = prefix
    for part in first["loc"]:
        if isinstance(part, int):
            path = f"{path}[{part}]"
        elif path:
            path = f"{path}.{part}"
        else:
            path = str(part)
    return SchemaError(f"{first['msg']}", path=path)


def validate_envelope(raw: Any) -> Envelope:
    """Structural validation of a wire envelope (the payload is validated by its type's schema)."""
    if type(raw) is not dict:
        raise SchemaError("an envelope is a JSON object", path="")
    try:
        return Envelope.model_validate(raw)
    except ValidationError as e:
        raise schema_error(e) from None
