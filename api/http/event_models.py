"""The signed envelope as OpenAPI models: one per event type, a discriminated union on ``type``.

Generated from the ledger's own schemas (ledger/core/schema: the envelope and the catalogue's payload model per
type), so a client generated from ``/openapi.json`` gets a typed model for every event — ``MaintenancePerformed``
with its ``payload`` fields, and so on — and a union ``SignedEnvelope`` that dispatches on ``type``. Validation on
the server stays the ledger's (``POST /v1/events`` reads the raw bytes through the strict parser); these models
only describe the wire. Elevator events name their ``equipment_code`` (required here); organization events have none.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model
from pydantic.json_schema import models_json_schema

from ledger.core.schema import CATALOG
from ledger.core.schema.envelope import Envelope
from ledger.core.schema.types import EquipmentCode
from producers.examples import ORG, SAMPLES

__all__ = ["ENVELOPE_UNION", "envelope_models", "event_schemas"]

ENVELOPE_UNION = "SignedEnvelope"
_REF = "#/components/schemas/{model}"


@cache
def envelope_models() -> dict[str, type[BaseModel]]:
    """``{event type: its envelope model}``, in catalogue order."""
    models: dict[str, type[BaseModel]] = {}
    for spec in CATALOG.values():
        fields: dict[str, Any] = {
            "type": (Literal[spec.type], Field(description=f"the event type: {spec.type}")),
            "payload": (spec.payload, Field(description=_doc(spec.payload))),
        }
        if spec.stream == "elevator":
            fields["equipment_code"] = (EquipmentCode, Field(description="设备代码 of the elevator"))
        elif spec.stream == "org":
            fields["equipment_code"] = (None, Field(default=None, description="never given: an organization event"))
        roles = ", ".join(f"{role}" + (f" ({' or '.join(kinds)} licence)" if kinds else "")
                          for role, kinds in spec.roles.items())
        models[spec.type] = create_model(
            f"{spec.type}Envelope", __base__=Envelope,
            __doc__=f"A signed {spec.type} record, on the {spec.stream} stream; recorded by: {roles}.",
            **fields,
        )
    return models


def _doc(payload: type[BaseModel]) -> str:
    return (payload.__doc__ or f"the {payload.__name__} payload").strip().splitlines()[0]


@cache
def event_schemas() -> dict[str, Any]:
    """The OpenAPI component schemas: every envelope model, the payloads they use and the union."""
    models = envelope_models()
    _, top = models_json_schema([(m, "validation") for m in models.values()], by_alias=True, ref_template=_REF)
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    for event_type, model in models.items():
        schema = schemas[model.__name__]
        schema["examples"] = [_example(event_type)]
    schemas[ENVELOPE_UNION] = {
        "title": ENVELOPE_UNION,
        "description": "A signed envelope (docs/FORMAT.md §I.2) of any event type, told apart by `type`.",
        "oneOf": [{"$ref": _REF.format(model=m.__name__)} for m in models.values()],
        "discriminator": {"propertyName": "type",
                          "mapping": {t: _REF.format(model=m.__name__) for t, m in models.items()}},
    }
    return schemas


def _example(event_type: str) -> dict[str, Any]:
    spec = CATALOG[event_type]
    example: dict[str, Any] = {
        "schema": 1, "event_id": "01900000-0000-7000-8000-000000000001", "type": event_type,
        "occurred_at": "2024-01-01T01:00:00Z", "actor": {"org": ORG, "role": next(iter(spec.roles))},
        "payload": SAMPLES[event_type], "key_id": "56475aa75463474c0285df5dbf2bcab7", "signature": "A" * 86 + "==",
    }
    if spec.stream == "elevator":
        example["equipment_code"] = "311031001201800001"
    return example

