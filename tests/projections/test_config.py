"""Thresholds from a JSON object of overrides: each value in the form of the threshold it replaces, and a typed
error for anything that is not an object of known thresholds."""

from __future__ import annotations

import pytest

from ledger.core.errors import ConfigurationError
from projections.config import DEFAULT_THRESHOLDS, KpiTarget, thresholds_from_json


def test_overrides_take_the_form_of_the_threshold_they_replace() -> None:
    config = thresholds_from_json(b"""{
        "maintenance_interval_days": 10,
        "equipment_causes": ["equipment"],
        "credit_grades": [["A", 95], ["B", 80]],
        "kpi_targets": {"response_rate": {"op": ">=", "limit": 0.9, "source": "test"}}
    }""")
    assert config.maintenance_interval_days == 10
    assert config.equipment_causes == frozenset({"equipment"})
    assert config.credit_grades == (("A", 95), ("B", 80))
    assert config.kpi_targets == {"response_rate": KpiTarget(">=", 0.9, "test")}
    assert config.countersign_days == DEFAULT_THRESHOLDS.countersign_days  # the rest is the base


def test_overrides_apply_to_the_base_given() -> None:
    base = thresholds_from_json('{"countersign_days": 3}')
    assert thresholds_from_json('{"long_stop_days": 200}', base).countersign_days == 3


@pytest.mark.parametrize(("text", "message"), [
    (b"{not json", "not JSON"),
    (b"[1, 2]", "must be a JSON object"),
    (b'{"no_such_threshold": 1}', "unknown threshold 'no_such_threshold'"),
])
def test_bad_overrides_are_refused_with_a_typed_error(text: bytes, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        thresholds_from_json(text)
