"""The event model: every type has a strict schema; unknown, missing, null, float and mistyped fields are errors."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ledger.core.errors import SchemaError
from ledger.core.keys import SigningKey
from ledger.core.schema import CATALOG
from ledger.core.signing import sign_envelope
from ledger.core.submission import parse_line, parse_submission
from tests.samples import ORG, SAMPLES

KEY = SigningKey.from_seed(bytes(range(32)))
CODE = "311031001201800001"


def envelope(event_type: str, payload: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    spec = CATALOG[event_type]
    unsigned: dict[str, Any] = {
        "event_id": "01900000-0000-7000-8000-000000000001", "type": event_type,
        "occurred_at": "2024-01-01T00:00:00Z", "actor": {"org": ORG, "role": next(iter(spec.roles))},
        "payload": copy.deepcopy(SAMPLES[event_type]) if payload is None else payload,
    }
    if spec.stream == "elevator":
        unsigned["equipment_code"] = CODE
    unsigned.update(top)
    return sign_envelope(unsigned, KEY)


def refused(raw: Any) -> SchemaError:
    with pytest.raises(SchemaError) as caught:
        parse_submission(raw)
    return caught.value


def test_every_event_type_has_a_sample() -> None:
    assert set(SAMPLES) == set(CATALOG)


@pytest.mark.parametrize("event_type", sorted(CATALOG))
def test_sample_of_each_type_parses(event_type: str) -> None:
    sub = parse_submission(envelope(event_type))
    assert sub.type == event_type
    assert sub.stream.kind in ("elevator", "org")


@pytest.mark.parametrize("event_type", sorted(CATALOG))
def test_unknown_payload_field_is_refused(event_type: str) -> None:
    payload = copy.deepcopy(SAMPLES[event_type]) | {"surprise": "x"}
    error = refused(envelope(event_type, payload))
    assert error.path == "payload.surprise"


@pytest.mark.parametrize("event_type", sorted(CATALOG))
def test_each_required_field_is_required(event_type: str) -> None:
    model = CATALOG[event_type].payload
    for name, field in model.model_fields.items():
        if not field.is_required():
            continue
        payload = {k: v for k, v in SAMPLES[event_type].items() if k != name}
        assert refused(envelope(event_type, payload)).path == f"payload.{name}"


@pytest.mark.parametrize("event_type", sorted(CATALOG))
def test_null_is_never_accepted(event_type: str) -> None:
    for name in CATALOG[event_type].payload.model_fields:
        payload = copy.deepcopy(SAMPLES[event_type]) | {name: None}
        assert refused(envelope(event_type, payload)).path.startswith(f"payload.{name}")


def test_floats_and_stringly_numbers_are_refused() -> None:
    for bad in (1000.0, "1000", True):
        payload = SAMPLES["Manufactured"] | {"rated_load_kg": bad}
        assert refused(envelope("Manufactured", payload)).path == "payload.rated_load_kg"


@pytest.mark.parametrize(("field", "value"), [
    ("occurred_at", "2024-01-01T08:00:00+08:00"),
    ("occurred_at", "2024-01-01T00:00:00.5Z"),
    ("occurred_at", "2024-01-01 00:00:00Z"),
    ("occurred_at", "2024-02-30T00:00:00Z"),
    ("event_id", "01900000-0000-4000-8000-000000000001"),  # a v4 UUID
    ("event_id", "01900000-0000-7000-8000-00000000000A"),  # upper case
    ("schema", 2),
    ("type", "NoSuchEvent"),
    ("key_id", "abc"),
    ("signature", "not base64"),
    ("corrects", None),
    ("equipment_code", "31103100120180000"),  # 17 digits
    ("equipment_code", "999931001201800001"),  # unknown variety
    ("equipment_code", "311031001201800000"),  # sequence 00000
])
def test_envelope_fields_are_validated(field: str, value: Any) -> None:
    raw = envelope("Manufactured")
    raw[field] = value
    error = refused(raw)
    assert error.path.startswith(field) or (field == "type" and error.path == "type")


def test_uscc_check_character() -> None:
    raw = envelope("Manufactured")
    raw["actor"]["org"] = ORG[:-1] + ("0" if ORG[-1] != "0" else "1")
    assert refused(raw).path == "actor.org"


def test_stream_rules() -> None:
    made = envelope("Manufactured")
    del made["equipment_code"]
    assert refused(sign_envelope(made, KEY)).path == "equipment_code"
    assert refused(envelope("KeyAdded", equipment_code=CODE)).path == "equipment_code"
    assert parse_submission(envelope("PenaltyImposed")).stream.kind == "org"
    assert parse_submission(envelope("PenaltyImposed", equipment_code=CODE)).stream.kind == "elevator"


def test_unknown_top_level_field_and_non_object() -> None:
    assert refused(envelope("Manufactured") | {"extra": 1}).path == "extra"
    assert refused([1, 2]).path == ""


def test_maintenance_items_are_known_codes_and_consistent() -> None:
    base = SAMPLES["MaintenancePerformed"]
    assert refused(envelope("MaintenancePerformed", base | {"results": {"A-9-99": "pass"}})).path.startswith(
        "payload.results")
    measured_without_result = base | {"measurements": {"A-1-28": {"value": "8", "unit": "mm"}}}
    assert refused(envelope("MaintenancePerformed", measured_without_result)).path == "payload"
    backwards = base | {"ended_at": "2023-12-31T00:00:00Z"}
    assert refused(envelope("MaintenancePerformed", backwards)).path == "payload"


def test_rescue_timeline_must_be_ordered() -> None:
    sample = SAMPLES["EntrapmentRescue"] | {"arrived_at": "2024-01-01T00:30:00Z", "freed_at": "2024-01-01T00:20:00Z"}
    assert "freed_at is before arrived_at" in refused(envelope("EntrapmentRescue", sample)).message


def test_wire_level_errors() -> None:
    with pytest.raises(SchemaError, match="not valid JSON"):
        parse_line(b'{"truncated": ')
    with pytest.raises(SchemaError, match="not valid JSON"):
        parse_line(b'{"bad utf8": "\xff\xfe"}')
    with pytest.raises(SchemaError, match="larger than"):
        parse_line(b" " * (300 * 1024))


def test_canonical_bytes_are_what_is_signed() -> None:
    sub = parse_submission(envelope("Manufactured"))
    assert sub.signing.startswith(b"liftledger/event/v1\n{")
    assert b'"signature"' not in sub.signing and b'"signature"' in sub.record
    KEY.public.verify(sub.signature, sub.signing)
