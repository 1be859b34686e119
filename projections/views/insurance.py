"""Insurance: every policy and claim, per elevator and per policy, with the incidents each claim rests on.

Insurers verify a claim against the ledger (docs/DOMAIN.md, insurance): the policy was in force, the incident events
exist (their ids and chain hashes are in the claim's evidence), and what the maintenance and inspection record
looked like then. The premium coefficient (base × use class × age × maintainer grade × claims experience, extended
with the IoT fault rate) depends on the fleet and on credit, so it is computed when asked
(:func:`projections.reports.premium`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import orjson

from projections.framework.context import ElevatorContext
from projections.framework.events import EventRef, LedgerEvent, ref, ref_json
from projections.framework.runner import ElevatorFoldView, FoldState
from projections.framework.storage import Table

__all__ = ["CLAIMS", "POLICIES", "InsuranceState", "InsuranceView"]

POLICIES = Table("pj_policies", (
    ("code", "text"), ("policy_no", "text"), ("insurer", "text"), ("product", "text"), ("insured", "text"),
    ("period_start", "text"), ("period_end", "text"), ("premium_fen", "int"), ("limit_per_person_fen", "int"),
    ("limit_aggregate_fen", "int"), ("coefficients", "json"), ("adjustments", "json"), ("evidence", "json"),
), key=("code", "policy_no"), indexes=(("policy_no",), ("insurer",)))
CLAIMS = Table("pj_claims", (
    ("code", "text"), ("claim_no", "text"), ("policy_no", "text"), ("insurer", "text"), ("filed_at", "int"),
    ("loss_type", "text"), ("reserve_fen", "int"), ("incidents", "json"), ("outcome", "text"), ("paid_fen", "int"),
    ("settled_at", "int"), ("liability_finding", "text"), ("liable_parties", "json"), ("subrogation_target", "text"),
    ("evidence", "json"),
), key=("code", "claim_no"), indexes=(("policy_no",),))

_INCIDENT_TYPES = frozenset({"FaultReported", "EntrapmentRescue", "AccidentReported", "HazardFound"})
_SORT = orjson.OPT_SORT_KEYS


@dataclass(slots=True)
class InsuranceState(FoldState):
    incidents: dict[str, EventRef] = field(default_factory=dict)
    policies: dict[str, list[Any]] = field(default_factory=dict)
    claims: dict[str, list[Any]] = field(default_factory=dict)


def _j(value: Any) -> str:
    return orjson.dumps(value, option=_SORT).decode()


class InsuranceView(ElevatorFoldView):
    name: ClassVar[str] = "insurance"
    version: ClassVar[str] = "1"
    tables: ClassVar[tuple[Table, ...]] = (POLICIES, CLAIMS)
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
            row = [st.code, p["policy_no"], ev.org, p["product"], p["insured"], p["period_start"], p["period_end"],
                   p["premium_fen"], p["limit_per_person_fen"], p["limit_aggregate_fen"],
                   _j(p.get("coefficients")), "[]", _j([ref_json(ref(ev))])]
        else:
            old = st.policies.get(p["policy_no"])
            if old is None:
                return
            row = list(old)
            adjustments = orjson.loads(row[11])
            adjustments.append({"premium_fen": p["premium_fen"], "coefficients": p.get("coefficients"),
                                "reason": p["reason"], "event": ref_json(ref(ev))})
            row[7], row[11] = p["premium_fen"], _j(adjustments)
            if "coefficients" in p:
                row[10] = _j(p["coefficients"])
        st.policies[p["policy_no"]] = row
        st.rows[(POLICIES, (st.code, p["policy_no"]))] = tuple(row)

    def _claim(self, st: InsuranceState, ev: LedgerEvent) -> None:
        p = ev.payload
        if ev.type == "ClaimFiled":
            incidents = [ref_json(st.incidents[i]) if i in st.incidents else {"event_id": i} for i in p["incident_refs"]]
            row = [st.code, p["claim_no"], p["policy_no"], ev.org, ev.occurred_at, p["loss_type"], p["reserve_fen"],
                   _j(incidents), None, None, None, None, "[]", None, _j([ref_json(ref(ev))])]
        else:
            old = st.claims.get(p["claim_no"])
            if old is None:
                return
            row = list(old)
            evidence = orjson.loads(row[14])
            evidence.append(ref_json(ref(ev)))
            row[8:15] = [p["outcome"], p["paid_fen"], ev.occurred_at, p["liability_finding"],
                         _j(list(p.get("liable_parties", ()))), p.get("subrogation_target"), _j(evidence)]
        st.claims[p["claim_no"]] = row
        st.rows[(CLAIMS, (st.code, p["claim_no"]))] = tuple(row)


InsuranceView.handlers = {
    **dict.fromkeys(_INCIDENT_TYPES, InsuranceView._incident),
    "PolicyIssued": InsuranceView._policy,
    "PremiumAdjusted": InsuranceView._policy,
    "ClaimFiled": InsuranceView._claim,
    "ClaimSettled": InsuranceView._claim,
}
