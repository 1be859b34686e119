"""Inspections and tests (TSG T7001-2023, TSG T7008-2023), applications, and risk assessment (GB/T 42615)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ledger.core.schema.types import USCC, Code, Day, ExactInt, Omittable, Payload, Text
from ledger.core.vocabulary import Conclusion

__all__ = [
    "InspectionApplied",
    "InspectionReport",
    "PeriodicInspected",
    "RiskAssessed",
    "SelfTested",
    "SupervisoryInspected",
]


class InspectionApplied(Payload):
    kind: Literal["periodic", "supervisory", "self_test"]
    due_date: Day
    inspection_body: Omittable[USCC] = None


class InspectionReport(Payload):
    """Common body of the three report types; the inspectors are ``actor.persons`` with role ``inspector``."""

    report_no: Code
    conclusion: Conclusion
    items_failed: Sequence[Code] = ()
    is_reinspection: bool = False  # 复检
    next_due_date: Omittable[Day] = None

    @model_validator(mode="after")
    def _consistent(self) -> InspectionReport:
        if self.conclusion == "fail" and not self.items_failed:
            raise ValueError("a 不合格 report lists items_failed")
        if self.conclusion == "pass" and self.next_due_date is None:
            raise ValueError("a 合格 report states next_due_date")
        return self


class SupervisoryInspected(InspectionReport):
    """监督检验 after installation, modification or major repair."""

    trigger: Literal["installation", "modification", "major_repair"]


class PeriodicInspected(InspectionReport):
    """定期检验."""


class SelfTested(InspectionReport):
    """自行检测 (TSG T7008-2023)."""


class RiskAssessed(Payload):
    report_no: Code
    score: Annotated[int, Field(ge=0, le=100)]
    grade: Annotated[Literal[1, 2, 3, 4], ExactInt]  # 1 best … 4 worst
    conclusion: Literal["continue", "repair", "modify", "replace"]
    measures: Sequence[Text] = ()
