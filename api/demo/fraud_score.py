"""Fraud signals scored against the simulator's ground truth: per pattern, recall over cases, precision over signals.

A case (one injected fraud) is *found* when a signal of its pattern cites one of the case's records as evidence;
a signal is *right* when it cites a record of some case of its pattern. Signals are grouped by the pattern their
rule belongs to (docs/DOMAIN.md (f)): FV 虚假维保, FR 套取大修基金, FS 以次充好, FB 短接安全回路.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["PATTERN_OF_RULE_PREFIX", "PatternScore", "score_fraud"]

PATTERN_OF_RULE_PREFIX = {"FV": "false_maintenance", "FR": "repair_fund", "FS": "part_substitution", "FB": "bypass"}


@dataclass
class PatternScore:
    pattern: str
    cases: int = 0
    found: int = 0
    signals: int = 0
    right: int = 0

    @property
    def recall(self) -> float | None:
        return self.found / self.cases if self.cases else None

    @property
    def precision(self) -> float | None:
        return self.right / self.signals if self.signals else None


def score_fraud(signals: Iterable[dict[str, Any]], cases: Iterable[dict[str, Any]]) -> list[PatternScore]:
    signals = list(signals)
    scores = {pattern: PatternScore(pattern) for pattern in PATTERN_OF_RULE_PREFIX.values()}
    cited: dict[str, set[str]] = {pattern: set() for pattern in scores}
    for signal in signals:
        pattern = PATTERN_OF_RULE_PREFIX.get(signal["rule"].split(".")[0])
        if pattern is None:
            continue
        ids = {ref["event_id"] for ref in signal["evidence"]}
        scores[pattern].signals += 1
        signal["_ids"] = ids
        cited[pattern] |= ids
    case_ids: dict[str, set[str]] = {pattern: set() for pattern in scores}
    for case in cases:
        pattern = case["pattern"]
        if pattern not in scores:
            continue
        ids = set(case.get("event_ids", ()))
        case_ids[pattern] |= ids
        scores[pattern].cases += 1
        scores[pattern].found += bool(ids & cited[pattern])
    for signal in signals:
        pattern = PATTERN_OF_RULE_PREFIX.get(signal["rule"].split(".")[0])
        if pattern is not None:
            scores[pattern].right += bool(signal.pop("_ids") & case_ids[pattern])
    return list(scores.values())
