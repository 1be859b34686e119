"""The typed event model: envelope, payload schemas per event type, and the catalogue that ties them to roles."""

from ledger.schema.catalog import CATALOG, EventSpec, spec_for
from ledger.schema.envelope import SCHEMA_VERSION, Actor, Envelope, Evidence, Person, validate_envelope
from ledger.schema.types import Payload

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
