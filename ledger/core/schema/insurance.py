"""Insurance: policies, premium adjustments and claims (电梯安全责任险, 养老综合险, 重大部件险)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ledger.core.schema.types import USCC, Code, Day, DecimalText, EventRef, Fen, Omittable, Payload, Strict, Text

__all__ = ["ClaimFiled", "ClaimSettled", "Coefficients", "PolicyIssued", "PremiumAdjusted"]


class Coefficients(Strict):
    """Premium = base × use class × age × maintainer grade × claims experience (docs/DOMAIN.md (g))."""

    base_fen: Fen
    use_class: DecimalText
    age: DecimalText
    maintainer: DecimalText
    claims: DecimalText


class PolicyIssued(Payload):
    policy_no: Code
    product: Literal["liability", "elderly_comprehensive", "major_parts"]
    insured: USCC
    period_start: Day
    period_end: Day
    premium_fen: Fen
    limit_per_person_fen: Fen
    limit_aggregate_fen: Fen
    coefficients: Omittable[Coefficients] = None

    @model_validator(mode="after")
    def _period(self) -> PolicyIssued:
        if self.period_end <= self.period_start:
            raise ValueError("period_end must be after period_start")
        return self


class PremiumAdjusted(Payload):
    policy_no: Code
    premium_fen: Fen
    coefficients: Omittable[Coefficients] = None
    reason: Text


class ClaimFiled(Payload):
    claim_no: Code
    policy_no: Code
    incident_refs: Annotated[Sequence[EventRef], Field(min_length=1, max_length=50)]
    loss_type: Literal["bodily_injury", "property", "parts", "rescue_cost"]
    reserve_fen: Fen


class ClaimSettled(Payload):
    claim_no: Code
    outcome: Literal["paid", "partial", "denied"]
    paid_fen: Fen
    liability_finding: Text
    liable_parties: Sequence[USCC] = ()
    subrogation_target: Omittable[USCC] = None
