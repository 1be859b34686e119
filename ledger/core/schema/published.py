"""The published JSON Schemas (docs/schemas/): the envelope and every event type's payload, generated from the models.

Pure: :func:`published_schemas` returns each file's name and exact text; ``liftledger schemas --out docs/schemas``
(``make schemas``) writes them, and tests/unit/test_published_schemas.py fails when the files are stale. A new event
type or field needs nothing here: regenerate after changing ``ledger/core/schema/``.

The schemas describe the wire form (JSON Schema 2020-12): instants and dates are strings of their one format,
optional fields are omitted (never ``null``), unknown fields are refused. Each payload schema carries, under
``x-liftledger``, who may record the type (role → licence kinds of which one must be valid), its stream and whether
it is archival. What a schema cannot say — the 统一社会信用代码 check character, the rules of docs/FORMAT.md §I.7 —
the ledger checks besides.
"""

from __future__ import annotations

import json
from typing import Any

from ledger.core.schema.catalog import CATALOG, EventSpec
from ledger.core.schema.envelope import SCHEMA_VERSION, Envelope

__all__ = ["SCHEMA_BASE", "published_schemas"]

SCHEMA_BASE = "https://liftledger.example/schemas/v1/"
_DRAFT = "https://json-schema.org/draft/2020-12/schema"


def published_schemas() -> dict[str, str]:
    """Every schema file's path under docs/schemas/ and its exact text (sorted keys, two-space indents)."""
    files = {"envelope.schema.json": _envelope()}
    index: dict[str, Any] = {}
    for name, spec in sorted(CATALOG.items()):
        path = f"payloads/{name}.schema.json"
        files[path] = _payload(spec, path)
        index[name] = {"payload_schema": path, **_catalogue_entry(spec)}
    files["index.json"] = {"schema_version": SCHEMA_VERSION, "envelope_schema": "envelope.schema.json",
                           "event_types": index}
    return {path: json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
            for path, schema in files.items()}


def _envelope() -> dict[str, Any]:
    schema = _clean(Envelope.model_json_schema(by_alias=True))
    schema["properties"]["payload"] = {"type": "object", "description": "the type's payload: "
                                       "payloads/<type>.schema.json"}
    return {"$schema": _DRAFT, "$id": SCHEMA_BASE + "envelope.schema.json",
            "description": "The signed envelope of every LiftLedger event (docs/FORMAT.md §I.2).", **schema}


def _payload(spec: EventSpec, path: str) -> dict[str, Any]:
    schema = _clean(spec.payload.model_json_schema())
    description = (spec.payload.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
    return {"$schema": _DRAFT, "$id": SCHEMA_BASE + path, **schema,
            "description": description or f"The payload of a {spec.type} event.",
            "x-liftledger": _catalogue_entry(spec)}


def _catalogue_entry(spec: EventSpec) -> dict[str, Any]:
    return {"stream": spec.stream, "roles": {role: list(kinds) for role, kinds in sorted(spec.roles.items())},
            "archival": spec.archival, "persons": dict(sorted(spec.persons.items()))}


def _clean(schema: Any) -> Any:
    """Drop what pydantic adds that the wire does not have: ``"default": null`` (optional fields are omitted)."""
    if isinstance(schema, dict):
        return {key: _clean(value) for key, value in schema.items() if not (key == "default" and value is None)}
    if isinstance(schema, list):
        return [_clean(value) for value in schema]
    return schema
