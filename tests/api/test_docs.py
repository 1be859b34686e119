"""The API's documentation: a typed model per event type in the OpenAPI document, and /docs and /redoc that load
nothing from elsewhere (the browser test renders them with the network cut off)."""

from __future__ import annotations

import re
from typing import Any

import jsonschema_rs
import pytest

from api.http.event_models import ENVELOPE_UNION, envelope_models
from ledger.core.schema import CATALOG
from tests.api.world import ApiWorld


@pytest.fixture(scope="module")
def document(served: ApiWorld) -> dict[str, Any]:
    found: dict[str, Any] = served.client.get("/openapi.json").json()
    return found


def test_every_event_type_has_its_model_in_a_union_on_type(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    union = schemas[ENVELOPE_UNION]
    assert len(union["oneOf"]) == len(CATALOG) and union["discriminator"]["propertyName"] == "type"
    assert set(union["discriminator"]["mapping"]) == set(CATALOG)
    visit = schemas["MaintenancePerformedEnvelope"]
    assert visit["properties"]["type"]["const"] == "MaintenancePerformed"
    assert visit["properties"]["payload"]["$ref"] == "#/components/schemas/MaintenancePerformed"
    assert "equipment_code" in visit["required"]
    payload = schemas["MaintenancePerformed"]["properties"]
    assert payload["started_at"]["type"] == "string" and "T" in payload["started_at"]["pattern"]  # the wire form
    body = document["paths"]["/v1/events"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["oneOf"][0] == {"$ref": f"#/components/schemas/{ENVELOPE_UNION}"}


def test_each_event_type_example_validates_against_its_published_model(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for event_type, model in envelope_models().items():
        schema = {**schemas[model.__name__], "components": document["components"]}
        validator = jsonschema_rs.validator_for(schema)  # its #/components/… references resolve in the copy
        for example in schemas[model.__name__]["examples"]:
            errors = [str(e) for e in validator.iter_errors(example)]
            assert not errors, (event_type, errors[:3])
        wrong = {**schemas[model.__name__]["examples"][0], "occurred_at": 1704070800}  # Unix seconds: not the wire
        assert not validator.is_valid(wrong), event_type


def test_docs_and_redoc_load_only_local_assets(served: ApiWorld) -> None:
    for path in ("/docs", "/redoc"):
        page = served.client.get(path).text
        sources = re.findall(r'(?:src|href)="([^"]+)"', page)
        assert sources and all(s.startswith("/") for s in sources), (path, sources)
        assert "cdn" not in page and "fonts.googleapis" not in page
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
        response = served.client.get(f"/docs-assets/{asset}")
        assert response.status_code == 200 and len(response.content) > 100_000
