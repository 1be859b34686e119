"""Insurance: every policy and claim, per elevator and per policy, with the incidents each claim rests on.

Insurers verify a claim against the ledger (docs/DOMAIN.md, insurance): the policy was in force, the incident events
exist (their ids and chain hashes are in the claim's evidence), and what the maintenance and inspection record
looked like then. The premium coefficient (base × use class × age × maintainer grade × claims experience, extended
with the IoT fault rate) depends on the fleet and on credit, so it is computed when asked
(:func:`projections.reports.premium.premium`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

import orjson

from projections.framework.context import ElevatorContext
from projections.framework.events import EventRef, LedgerEvent, ref, ref_json
from projections.framework.runner import ElevatorFoldView, FoldState
from projections.framework.storage import Json, Table

__all__ = ["CLAIMS", "POLICIES", "ClaimRow", "InsuranceState", "InsuranceView", "PolicyRow"]


class PolicyRow(NamedTuple):
    """A policy on one elevator, as last adjusted (``pj_policies``)."""

    code: str
    policy_no: str
    insurer: str
    product: str
    insured: str
    period_start: str  # YYYY-MM-DD
    period_end: str
    premium_fen: int
    limit_per_person_fen: int
    limit_aggregate_fen: int
    coefficients: Json
    adjustments: Json  # [{premium_fen, coefficients, reason, event}, …]
    evidence: Json  # [the issuing event]


class ClaimRow(NamedTuple):
    """A claim and, once settled, its outcome (``pj_claims``)."""

    code: str
    claim_no: str
    policy_no: str
    insurer: str
    filed_at: int
    loss_type: str
    reserve_fen: int
    incidents: Json  # the incidents claimed on, as evidence references
    outcome: str | None
    paid_fen: int | None
    settled_at: int | None
    liability_finding: str | None
    liable_parties: Json
    subrogation_target: str | None
    evidence: Json  # [the filing, the settlement]


POLICIES = Table("pj_policies", PolicyRow, key=("code", "policy_no"), indexes=(("policy_no",), ("insurer",)))
CLAIMS = Table("pj_claims", ClaimRow, key=("code", "claim_no"), indexes=(("policy_no",),))

_INCIDENT_TYPES = frozenset({"FaultReported", "EntrapmentRescue", "AccidentReported", "HazardFound"})
_SORT = orjson.OPT_SORT_KEYS


@dataclass(slots=True)
class InsuranceState(FoldState):
    incidents: dict[str, EventRef] = field(default_factory=dict)
    policies: dict[str, PolicyRow] = field(default_factory=dict)
    claims: dict[str, ClaimRow] = field(default_factory=dict)


def _j(value: Any) -> str:
    return orjson.dumps(value, option=_SORT).decode()


class InsuranceView(ElevatorFoldView[InsuranceState]):
    name: ClassVar[str] = "insurance"
    version: ClassVar[str] = "1"
    tables: ClassVar[tuple[Table[Any], ...]] = (POLICIES, CLAIMS)
    handlers: ClassVar[dict[str, Callable[[Any, Any, LedgerEvent], None]]] = {}
    types: ClassVar[frozenset[str]] = _INCIDENT_TYPES | {"PolicyIssued", "PremiumAdjusted", "ClaimFiled",
                                                         "ClaimSettled"}

    def new_state(self, code: str) -> InsuranceState:
        return InsuranceState(code, ElevatorContext(code))

    def _incident(self, st: InsuranceState, ev: LedgerEvent) -> None:
        st.incidents[ev.event_id] = ref(ev)

    def _policy(self, st: InsuranceState, ev: LedgerEvent) -> None:
        p = ev.payload
        if ev.type == "PolicyIssued":
            row = PolicyRow(
                code=st.code, policy_no=p["policy_no"], insurer=ev.org, product=p["product"], insured=p["insured"],
                period_start=p["period_start"], period_end=p["period_end"], premium_fen=p["premium_fen"],
                limit_per_person_fen=p["limit_per_person_fen"], limit_aggregate_fen=p["limit_aggregate_fen"],
                coefficients=_j(p.get("coefficients")), adjustments="[]", evidence=_j([ref_json(ref(ev))]))
        else:
            old = st.policies.get(p["policy_no"])
            if old is None:
                return
            adjustments = orjson.loads(old.adjustments)
            adjustments.append({"premium_fen": p["premium_fen"], "coefficients": p.get("coefficients"),
                                "reason": p["reason"], "event": ref_json(ref(ev))})
            row = old._replace(premium_fen=p["premium_fen"], adjustments=_j(adjustments))
            if "coefficients" in p:
                row = row._replace(coefficients=_j(p["coefficients"]))
        st.policies[p["policy_no"]] = row
        st.rows[(POLICIES, (st.code, p["policy_no"]))] = row

    def _claim(self, st: InsuranceState, ev: LedgerEvent) -> None:
        p = ev.payload
        if ev.type == "ClaimFiled":
            incidents = [ref_json(st.incidents[i]) if i in st.incidents else {"event_id": i}
                         for i in p["incident_refs"]]
            row = ClaimRow(
                code=st.code, claim_no=p["claim_no"], policy_no=p["policy_no"], insurer=ev.org,
                filed_at=ev.occurred_at, loss_type=p["loss_type"], reserve_fen=p["reserve_fen"],
                incidents=_j(incidents), outcome=None, paid_fen=None, settled_at=None, liability_finding=None,
                liable_parties="[]", subrogation_target=None, evidence=_j([ref_json(ref(ev))]))
        else:
            old = st.claims.get(p["claim_no"])
            if old is None:
                return
            evidence = orjson.loads(old.evidence)
            evidence.append(ref_json(ref(ev)))
            row = old._replace(outcome=p["outcome"], paid_fen=p["paid_fen"], settled_at=ev.occurred_at,
                               liability_finding=p["liability_finding"],
                               liable_parties=_j(list(p.get("liable_parties", ()))),
                               subrogation_target=p.get("subrogation_target"), evidence=_j(evidence))
        st.claims[p["claim_no"]] = row
        st.rows[(CLAIMS, (st.code, p["claim_no"]))] = row


InsuranceView.handlers = {
    **dict.fromkeys(_INCIDENT_TYPES, InsuranceView._incident),
    "PolicyIssued": InsuranceView._policy,
    "PremiumAdjusted": InsuranceView._policy,
    "ClaimFiled": InsuranceView._claim,
    "ClaimSettled": InsuranceView._claim,
}
