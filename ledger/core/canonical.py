"""Canonical bytes: the one encoding that is signed and hashed (docs/FORMAT.md §I.1).

Signed data is JSON restricted to what every language agrees on — objects with string keys, arrays, strings,
integers within ±(2^53 − 1), ``true`` and ``false``. No floats and no ``null`` (absent optional fields are omitted).
The encoding is orjson's compact output with keys sorted by code point, which equals UTF-8 byte order::

    canonical(x)      = compact JSON, sorted keys, UTF-8, minimal escapes
    signing_bytes(e)  = b"liftledger/event/v1\\n" ‖ canonical(e without "signature")
    record_bytes(e)   = canonical(e)   (with "signature"; this is what is stored and chained)
"""

from __future__ import annotations

from typing import Any, NamedTuple

import orjson

from ledger.core.errors import SchemaError

__all__ = [
    "CANONICAL_VERSION",
    "MAX_SAFE_INTEGER",
    "SIGNING_PREFIX",
    "canonical",
    "check_canonical_value",
    "parse_json",
    "record_bytes",
    "signing_bytes",
]

CANONICAL_VERSION = 1
SIGNING_PREFIX = b"liftledger/event/v1\n"
MAX_SAFE_INTEGER = 2**53 - 1

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


def parse_json(data: bytes | str) -> Any:
    """Parse wire JSON, turning every decoder failure into a :class:`SchemaError`."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise SchemaError(f"not valid JSON: {e}", path="") from None


def check_canonical_value(value: Any, path: str = "") -> None:
    """Reject what canonical bytes cannot carry: floats, nulls, huge integers, non-string keys.

    Raises:
        SchemaError: naming the JSON path of the first offending value.
    """
    problem = _first_problem(value)
    if problem is not None:
        raise SchemaError(problem.message, path=_join_path(path, reversed(problem.trail)))


class _Problem(NamedTuple):
    trail: list[str | int]  # the path to the value, innermost first (built only on failure)
    message: str


def _first_problem(value: Any) -> _Problem | None:
    """The first offending value, if any."""
    kind = type(value)
    if kind is str or kind is bool:
        return None
    if kind is int:
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return None
        return _Problem([], "integer outside ±(2^53 − 1)")
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                return _Problem([], "object keys must be strings")
            problem = _first_problem(item)
            if problem is not None:
                problem.trail.append(key)
                return problem
        return None
    if kind is list:
        for index, item in enumerate(value):
            problem = _first_problem(item)
            if problem is not None:
                problem.trail.append(index)
                return problem
        return None
    if value is None:
        return _Problem([], "null is not allowed in signed data; omit the field instead")
    if kind is float:
        return _Problem([], "floats are not allowed in signed data; use integers in stated units")
    return _Problem([], f"{kind.__name__} is not a JSON value")


def _join_path(prefix: str, parts: Any) -> str:
    path = prefix
    for part in parts:
        path = f"{path}[{part}]" if isinstance(part, int) else (f"{path}.{part}" if path else part)
    return path
