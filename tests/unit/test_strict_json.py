"""One byte form: the strict JSON parser, and envelopes that a lax parser would read two ways."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from ledger.core.canonical import record_bytes
from ledger.core.errors import SchemaError
from ledger.core.strictjson import parse_strict
from ledger.core.submission import parse_line, parse_submission
from tests.unit.test_schema import envelope


def refused(data: bytes | str, **kw: Any) -> SchemaError:
    with pytest.raises(SchemaError) as caught:
        parse_strict(data, **kw)
    return caught.value


@pytest.mark.parametrize(("text", "kind", "path"), [
    (b'{"a": 1, "a": 1}', "repeated_key", "a"),
    (b'{"a": {"b": [{"c": 1, "c": 2}]}}', "repeated_key", "a.b[0].c"),
    (b'{"b": 1, "a": 2, "b": 1}', "repeated_key", "b"),
    (b'{"a": 1.0}', "float", "a"),
    (b'{"a": [1, 2, 1e2]}', "float", "a[2]"),
    (b'{"a": -0.0}', "float", "a"),
    (b'{"a": null}', "null", "a"),
    (b'{"a": 9007199254740992}', "integer_range", "a"),
    (b'{"a": -9007199254740992}', "integer_range", "a"),
    (b'{"a": 18446744073709551616}', "float", "a"),  # beyond 64 bits the decoder makes a float: refused as well
    (b'{"a": NaN}', "syntax", ""),
    (b'{"a": Infinity}', "syntax", ""),
    (b'{"a": 1} x', "syntax", ""),
    (b'{"a": 1}{"a": 1}', "syntax", ""),
    (b'\xef\xbb\xbf{"a": 1}', "syntax", ""),
    (b'{"a": "\\ud800"}', "syntax", ""),
    (b'{"a": "\xff"}', "syntax", ""),
    (b"[" * 40 + b"]" * 40, "depth", "[0]" * 32),
])
def test_what_strict_json_refuses_and_where(text: bytes, kind: str, path: str) -> None:
    error = refused(text)
    assert error.details["kind"] == kind
    assert error.path == path


def test_what_it_accepts_is_what_it_reads() -> None:
    assert parse_strict(b'{"b": true, "a": [1, -2, "x"]}') == {"b": True, "a": [1, -2, "x"]}
    assert parse_strict('  {"a":\n 9007199254740991}\n') == {"a": 9007199254740991}
    assert parse_strict(b'{"a":1,"b":{"a":1}}') == {"a": 1, "b": {"a": 1}}  # the same key in two objects
    assert parse_strict(b"true") is True and type(parse_strict(b"1")) is int


def test_size_is_bounded_before_parsing() -> None:
    assert refused(b'{"a": "' + b"x" * 100 + b'"}', max_bytes=64).details["kind"] == "size"


# --- envelopes: the bytes the issue found read two ways ---------------------------------------------------------


def _line(env: dict[str, Any]) -> bytes:
    return record_bytes(env)


@pytest.mark.parametrize(("original", "forged", "path"), [
    (b'"schema":1', b'"schema":1.0', "schema"),
    (b'"schema":1', b'"schema":true', "schema"),
    (b'"schema":1', b'"schema":1,"schema":1', "schema"),
    (b'"tier":"half_month"', b'"tier":"half_month","tier":"quarterly"', "payload.tier"),
    (b'"tier":"half_month"', b'"tier":"half_month","z":1', "payload.z"),
    (b'"tier":"half_month"', b'"tier":null', "payload.tier"),
])
def test_an_envelope_is_never_read_two_ways(original: bytes, forged: bytes, path: str) -> None:
    line = _line(envelope("MaintenancePerformed"))
    assert parse_line(line).record == line
    assert original in line
    with pytest.raises(SchemaError) as caught:
        parse_line(line.replace(original, forged, 1))
    assert caught.value.path == path, caught.value


@pytest.mark.parametrize("level", [True, 1.0])
def test_integer_literals_take_no_boolean_and_no_float(level: Any) -> None:
    env = envelope("EntrapmentRescue")
    assert parse_submission(env).payload.level == 1  # type: ignore[attr-defined]
    with pytest.raises(SchemaError) as caught:
        parse_submission({**env, "payload": {**env["payload"], "level": level}})
    assert caught.value.path == "payload.level"


def test_pretty_printed_envelopes_are_accepted_and_stored_canonically() -> None:
    env = envelope("MaintenancePerformed")
    pretty = orjson.dumps(env, option=orjson.OPT_INDENT_2)
    assert parse_line(pretty).record == record_bytes(env)
