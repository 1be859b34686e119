"""The ground truth of a simulated city: what was injected, written beside the events.

One JSON document (format ``liftledger-simulator-truth/1``, described in docs/SIMULATOR.md)::

    {"format": ..., "config": {...}, "counts": {...},
     "bad_submissions": [{"line", "event_id", "kind", "variant", "expected_code", "type", "equipment_code"}],
     "fraud": [{"pattern", "equipment_code", "org", "event_ids", "signals", "at", ...}],
     "violations": [{"kind", "equipment_code", "event_ids", ...}]}

``line`` is the record's 1-based position in the output (its line in the JSON-lines file, its place in the
publication order on Kafka). The document is deterministic: lists are in emission order, keys in a fixed order.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path
from typing import Any

import orjson

__all__ = ["TRUTH_FORMAT", "GroundTruth"]

TRUTH_FORMAT = "liftledger-simulator-truth/1"


@dataclass
class GroundTruth:
    config: dict[str, Any] = field(default_factory=dict)
    records: int = 0
    events: Counter[str] = field(default_factory=Counter)  # accepted-to-be events by type
    bad_submissions: list[dict[str, Any]] = field(default_factory=list)
    fraud: list[dict[str, Any]] = field(default_factory=list)
    violations: list[dict[str, Any]] = field(default_factory=list)
    unit_years: float = 0.0
    iot_unit_years: float = 0.0

    def bad(self, **entry: Any) -> None:
        self.bad_submissions.append(entry)

    def fraud_case(self, pattern: str, **entry: Any) -> dict[str, Any]:
        case = {"pattern": pattern, **entry}
        self.fraud.append(case)
        return case

    def violation(self, kind: str, **entry: Any) -> None:
        self.violations.append({"kind": kind, **entry})

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": TRUTH_FORMAT,
            "config": self.config,
            "counts": {
                "records": self.records,
                "valid_events": sum(self.events.values()),
                "bad_submissions": len(self.bad_submissions),
                "events_by_type": dict(sorted(self.events.items())),
                "bad_by_kind": dict(sorted(Counter(b["kind"] for b in self.bad_submissions).items())),
                "fraud_by_pattern": dict(sorted(Counter(f["pattern"] for f in self.fraud).items())),
                "unit_years": round(self.unit_years, 3),
                "iot_unit_years": round(self.iot_unit_years, 3),
            },
            "bad_submissions": self.bad_submissions,
            "fraud": self.fraud,
            "violations": self.violations,
        }

    def write(self, path: str | Path) -> None:
        Path(path).write_bytes(orjson.dumps(self.to_dict(), default=_plain, option=orjson.OPT_INDENT_2) + b"\n")


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, frozenset | set):
        return sorted(value)
    raise TypeError(f"cannot write {type(value).__name__} into the ground truth")
