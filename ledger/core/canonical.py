"""Canonical bytes: the one encoding that is signed and hashed (docs/FORMAT.md §I.1).

Signed data is JSON restricted to what every language agrees on — objects with string keys, arrays, strings,
integers within ±(2^53 − 1), ``true`` and ``false``. No floats and no ``null`` (absent optional fields are omitted).
The encoding is orjson's compact output with keys sorted by code point, which equals UTF-8 byte order::

    canonical(x)      = compact JSON, sorted keys, UTF-8, minimal escapes
    signing_bytes(e)  = b"liftledger/event/v1\\n" ‖ canonical(e without "signature")
    record_bytes(e)   = canonical(e)   (with "signature"; this is what is stored and chained)
"""

from __future__ import annotations

from typing import Any

import orjson

from ledger.core.errors import SchemaError
from ledger.core.strictjson import MAX_SAFE_INTEGER, check_strict_value

__all__ = [
    "CANONICAL_VERSION",
    "MAX_SAFE_INTEGER",
    "SIGNING_PREFIX",
    "canonical",
    "check_canonical_value",
    "record_bytes",
    "signing_bytes",
]

CANONICAL_VERSION = 1
SIGNING_PREFIX = b"liftledger/event/v1\n"

_SORT = orjson.OPT_SORT_KEYS


def canonical(value: Any) -> bytes:
    """Compact JSON with sorted keys. ``value`` must already satisfy :func:`check_canonical_value`."""
    try:
        return orjson.dumps(value, option=_SORT)
    except orjson.JSONEncodeError as e:  # lone surrogates, non-str keys built in Python
        raise SchemaError(f"cannot encode canonically: {e}", path="") from None


def signing_bytes(envelope: dict[str, Any]) -> bytes:
    """The bytes an organization's key signs: every envelope field except ``signature``."""
    return SIGNING_PREFIX + canonical({k: v for k, v in envelope.items() if k != "signature"})


def record_bytes(envelope: dict[str, Any]) -> bytes:
    """The stored, chained form of a signed envelope."""
    return canonical(envelope)


def check_canonical_value(value: Any, path: str = "") -> None:
    """Reject what canonical bytes cannot carry: floats, nulls, huge integers, non-string keys.

    Raises:
        SchemaError: naming the JSON path of the first offending value.
    """
    check_strict_value(value, prefix=path)
