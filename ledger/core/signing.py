"""Building and signing envelopes: event ids (UUIDv7) and the signature over the signing bytes."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable
from typing import Any

from ledger.core.canonical import signing_bytes
from ledger.core.keys import SigningKey
from ledger.core.schema import SCHEMA_VERSION
from ledger.core.submission import parse_submission

__all__ = ["PLACEHOLDER_SIGNATURE", "new_event_id", "prepare_envelope", "sign_envelope"]

# Stands for the signature while an unsigned envelope is checked against the schema (never signed or stored).
PLACEHOLDER_SIGNATURE = "A" * 86 + "=="


def new_event_id(unix_ms: int | None = None, random_bytes: Callable[[int], bytes] = secrets.token_bytes) -> str:
    """A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then randomness. Pass both arguments for determinism."""
    ms = int(time.time() * 1000) if unix_ms is None else unix_ms
    rand = int.from_bytes(random_bytes(10), "big")
    value = (ms & (2**48 - 1)) << 80 | 0x7 << 76 | (rand >> 68 & 0xFFF) << 64 | 0b10 << 62 | (rand & (2**62 - 1))
    return str(uuid.UUID(int=value))


def prepare_envelope(unsigned: dict[str, Any], key: SigningKey) -> dict[str, Any]:
    """An unsigned envelope completed and checked before it is signed.

    ``schema`` and ``key_id`` are set, ``event_id`` is made (UUIDv7, now) when absent, and the result is validated
    against the envelope's and its type's schema, so a SchemaError names the field's JSON path before any signature
    exists. Raises SchemaError.
    """
    envelope = {k: v for k, v in unsigned.items() if k != "signature"}
    envelope.setdefault("schema", SCHEMA_VERSION)
    envelope.setdefault("event_id", new_event_id())
    envelope["key_id"] = key.key_id
    parse_submission({**envelope, "signature": PLACEHOLDER_SIGNATURE})
    return envelope


def sign_envelope(unsigned: dict[str, Any], key: SigningKey) -> dict[str, Any]:
    """Return a copy of ``unsigned`` with ``schema`` (if missing), ``key_id`` and ``signature`` set."""
    envelope = {k: v for k, v in unsigned.items() if k != "signature"}
    envelope.setdefault("schema", SCHEMA_VERSION)
    envelope["key_id"] = key.key_id
    envelope["signature"] = key.sign_b64(signing_bytes(envelope))
    return envelope
