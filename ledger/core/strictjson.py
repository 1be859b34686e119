"""The one strict JSON parser: every JSON document the ledger reads from outside goes through it.

Envelopes (HTTP bodies, Kafka records, JSON-lines files), passports, proof files, trust files and the witness's
state file are all read with :func:`parse_strict`, so that one document can never be read two ways — by this
ledger one way and by a verifier written to docs/FORMAT.md another. It refuses, with the JSON path of the first
offending value:

- text that is not one UTF-8 JSON value (trailing data, ``NaN``, lone surrogates, a byte-order mark);
- a repeated key in any object (most parsers keep the last one silently);
- any number that is not an integer — ``1.0`` and ``1e2`` included — and integers outside ±(2^53 − 1);
- ``null`` (signed data omits what it does not have);
- nesting deeper than ``max_depth`` and text longer than ``max_bytes``.

Integers stay integers and ``true``/``false`` stay booleans: whoever reads a field checks its type exactly (the
payload models are strict; ``True`` is never an integer there). Unknown fields are refused by the reader of each
document kind, which knows its fields.

Speed: orjson parses; when the text is already canonical (docs/FORMAT.md §I.1 — what producers send) it cannot
hold a repeated key, so only the type walk remains. Other text is parsed a second time, by the standard
library with a hook that sees every object's members before they are merged, to find repeated keys.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

import orjson

from ledger.core.errors import SchemaError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DEPTH",
    "MAX_SAFE_INTEGER",
    "PROBLEM_KINDS",
    "check_strict_value",
    "json_path",
    "parse_strict",
]

MAX_SAFE_INTEGER = 2**53 - 1
DEFAULT_MAX_DEPTH = 32
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
# ``SchemaError.details["kind"]``: what a refused document got wrong.
PROBLEM_KINDS = frozenset({"size", "syntax", "depth", "repeated_key", "float", "null", "integer_range", "type"})


def parse_strict(data: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH,
                 what: str = "JSON") -> Any:
    """Parse one strict JSON document (see the module docstring), or raise SchemaError naming the JSON path."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise SchemaError(f"{what} is larger than {max_bytes} bytes", path="", kind="size")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise SchemaError(f"{what} is not valid JSON: {e}", path="", kind="syntax") from None
    problem = _first_problem(value, max_depth)
    if problem is None and orjson.dumps(value, option=orjson.OPT_SORT_KEYS) != raw:
        problem = _repeated_key(raw)
    if problem is not None:
        raise SchemaError(f"{what}: {problem.message}", path=json_path(reversed(problem.trail)), kind=problem.kind)
    return value


def check_strict_value(value: Any, *, max_depth: int = DEFAULT_MAX_DEPTH, prefix: str = "") -> None:
    """Refuse a value built in Python that strict JSON could not carry (floats, nulls, huge integers, depth)."""
    problem = _first_problem(value, max_depth)
    if problem is not None:
        raise SchemaError(problem.message, path=json_path(reversed(problem.trail), prefix), kind=problem.kind)


def json_path(parts: Any, prefix: str = "") -> str:
    """``payload``, ``["results", 3, "code"]`` → ``payload.results[3].code`` (the form every error uses)."""
    path = prefix
    for part in parts:
        path = f"{path}[{part}]" if isinstance(part, int) else (f"{path}.{part}" if path else str(part))
    return path


class _Problem(NamedTuple):
    trail: list[str | int]  # the path to the value, innermost first (built only on failure)
    kind: str  # what is wrong, for readers that answer with their own codes: see PROBLEM_KINDS
    message: str


def _first_problem(value: Any, depth: int) -> _Problem | None:
    """The first value strict JSON refuses, if any (depth: how many more levels of nesting are allowed)."""
    kind = type(value)
    if kind is str or kind is bool:
        return None
    if kind is int:
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return None
        return _Problem([], "integer_range", "integer outside ±(2^53 − 1)")
    if kind is dict or kind is list:
        if depth <= 0:
            return _Problem([], "depth", "nested too deeply")
        items = value.items() if kind is dict else enumerate(value)
        for key, item in items:
            if type(key) is not str and kind is dict:
                return _Problem([], "type", "object keys must be strings")
            problem = _first_problem(item, depth - 1)
            if problem is not None:
                problem.trail.append(key)
                return problem
        return None
    if value is None:
        return _Problem([], "null", "null is not allowed; omit the field instead")
    if kind is float:
        return _Problem([], "float", f"{value!r} is not an integer: numbers are integers in the unit the field names")
    return _Problem([], "type", f"{kind.__name__} is not a JSON value")


class _Repeated:
    """Stands in for an object whose members repeat ``key``, so the walk can say where it is."""

    __slots__ = ("key",)

    def __init__(self, key: str) -> None:
        self.key = key


def _members(pairs: list[tuple[str, Any]]) -> dict[str, Any] | _Repeated:
    out: dict[str, Any] = {}
    for key, item in pairs:
        if key in out:
            return _Repeated(key)
        out[key] = item
    return out


def _repeated_key(raw: bytes) -> _Problem | None:
    """The first repeated key of text orjson already accepted (so it parses; only the members are in question)."""
    value = json.loads(raw, object_pairs_hook=_members)
    return _first_repeated(value)


def _first_repeated(value: Any) -> _Problem | None:
    kind = type(value)
    if kind is _Repeated:
        return _Problem([value.key], "repeated_key", f"the key {value.key!r} is repeated")
    if kind is dict or kind is list:
        for key, item in (value.items() if kind is dict else enumerate(value)):
            problem = _first_repeated(item)
            if problem is not None:
                problem.trail.append(key)
                return problem
    return None
