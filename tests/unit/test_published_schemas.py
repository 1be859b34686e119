"""The published JSON Schemas (docs/schemas/) are the code's, and say what the ledger accepts on the wire."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest

from ledger.core.schema import CATALOG
from ledger.core.schema.published import published_schemas
from tests.samples import SAMPLES
from tests.unit.test_schema import envelope

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"
jsonschema_rs = pytest.importorskip("jsonschema_rs", reason="the JSON Schema validator comes with schemathesis")


def test_the_published_schemas_are_exactly_what_the_code_generates() -> None:
    want = published_schemas()
    on_disk = {str(p.relative_to(SCHEMAS)): p.read_text(encoding="utf-8") for p in SCHEMAS.rglob("*.json")}
    assert sorted(on_disk) == sorted(want), "run: make schemas   (liftledger schemas --out docs/schemas)"
    stale = [path for path, text in want.items() if on_disk[path] != text]
    assert not stale, f"stale schemas (run: make schemas): {stale[:5]}"


def _validator(path: str) -> Any:
    return jsonschema_rs.validator_for(orjson.loads((SCHEMAS / path).read_bytes()))


@pytest.mark.parametrize("event_type", sorted(CATALOG))
def test_every_payload_schema_accepts_the_sample_and_refuses_what_the_ledger_refuses(event_type: str) -> None:
    validator = _validator(f"payloads/{event_type}.schema.json")
    sample = SAMPLES[event_type]
    assert validator.is_valid(sample), list(validator.iter_errors(sample))[:1]
    assert not validator.is_valid({**sample, "unknown_field": "x"})
    first = next(iter(sample))
    assert not validator.is_valid({**sample, first: None}), "null is never a value"
    times = [name for name, value in sample.items() if isinstance(value, str) and value.endswith("Z")
             and value[4:5] == "-"]
    for name in times:
        assert not validator.is_valid({**sample, name: value_without_zone(sample[name])})


def value_without_zone(instant: str) -> str:
    return instant[:-1] + "+08:00"


def test_the_envelope_schema_accepts_signed_envelopes_and_refuses_mistyped_ones() -> None:
    validator = _validator("envelope.schema.json")
    good = envelope("MaintenancePerformed")
    assert validator.is_valid(good)
    for mutate in (lambda e: e.update(schema=True), lambda e: e.update(schema=2), lambda e: e.pop("key_id"),
                   lambda e: e.update(extra=1), lambda e: e["actor"].update(role="owner"),
                   lambda e: e.update(occurred_at="2024-01-01 00:00:00")):
        bad = copy.deepcopy(good)
        mutate(bad)
        assert not validator.is_valid(bad), bad
    index = orjson.loads((SCHEMAS / "index.json").read_bytes())
    assert set(index["event_types"]) == set(CATALOG)
    assert index["event_types"]["KeyAdded"]["roles"] == {"regulator": []}
