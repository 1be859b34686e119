"""Enforcement: administrative penalties under the 特种设备安全法."""

from __future__ import annotations

from typing import Literal

from ledger.core.schema.types import USCC, Code, Fen, Payload, Text

__all__ = ["PenaltyImposed"]

ViolationCategory = Literal[
    "unregistered",
    "overdue_inspection",
    "no_maintenance",
    "false_maintenance",
    "bypass_safety_circuit",
    "subcontracting",
    "unlicensed",
    "false_inspection",
    "producer_defect",
    "accident",
    "other",
]


class PenaltyImposed(Payload):
    decision_no: Code
    party: USCC
    law_article: Code  # e.g. "83", "84", "88", "93"
    category: ViolationCategory
    violation: Text
    amount_fen: Fen
