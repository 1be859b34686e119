"""The typed event model: envelope, payload schemas per event type, and the catalogue that ties them to roles."""

from ledger.core.schema.catalog import CATALOG, EventSpec, spec_for
from ledger.core.schema.envelope import SCHEMA_VERSION, Actor, Envelope, Evidence, Person, validate_envelope
from ledger.core.schema.types import Payload

__all__ = [
    "CATALOG",
    "SCHEMA_VERSION",
    "Actor",
    "Envelope",
    "EventSpec",
    "Evidence",
    "Payload",
    "Person",
    "spec_for",
    "validate_envelope",
]
