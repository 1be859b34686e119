"""Schemathesis against the OpenAPI document: no input makes a 500, and every response matches the schema.

Each operation gets a bounded number of generated requests — schema-valid ones and schema-violating ones — sent
with a regulator's token so that every operation is reached past authentication. The checks: no server error,
a documented status code, a documented content type, and a body that matches the documented schema.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.world import ApiWorld

MAX_EXAMPLES = 20  # per operation and generation mode
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
              derandomize=True, database=None)
    def run(case: Any) -> None:
        case.call_and_validate(headers={**headers, **dict(case.headers or {})}, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise  # an operation with no valid request would be a schema bug; with no invalid one, nothing to do


def test_no_input_is_a_server_error_and_responses_match(served: ApiWorld) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", served.app)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 25
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, served.auth("regulator"))


def test_every_operation_documents_its_errors(served: ApiWorld) -> None:
    document = served.app.openapi()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            if operation.get("parameters") or operation.get("requestBody"):
                assert {"400", "422"} <= codes, f"{method} {path}"
            assert any(code.startswith("2") for code in codes), f"{method} {path}"
