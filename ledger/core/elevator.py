"""An elevator's decision state and its reject-class rules (docs/DOMAIN.md (c), the R rules).

Pure: no I/O. :meth:`ElevatorState.check` raises if a submission would break a rule; :meth:`ElevatorState.apply`
folds an accepted one in. Flag-class rules (F) are not here: they become alerts in ``projections``.

Corrections (events with ``corrects``) amend what the corrected event said; they never repeat a state transition,
so a corrected Suspended does not suspend twice. Keyed facts (contracts, hazards, policies) are replaced by key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from ledger.core.errors import AuthorizationError, ElevatorDecommissionedError, InvariantError
from ledger.core.identifiers import format_instant, shift_days
from ledger.core.registry import Registry
from ledger.core.schema import enforcement, incidents, inspection, insurance, lifecycle, maintenance
from ledger.core.submission import Submission

__all__ = [
    "INCIDENT_TYPES",
    "REACTIVATION_INSPECTION_AFTER_S",
    "STATE_CHANGING_TYPES",
    "Claim",
    "Contract",
    "Earlier",
    "ElevatorState",
    "Hazard",
    "Lookup",
    "referenced_ids",
]

# TSG 08 / docs/DOMAIN.md (c) 10: reactivation after more than one year stopped needs a passed periodic inspection.
REACTIVATION_INSPECTION_AFTER_S = 365 * 86400


class Claim(NamedTuple):
    insurer: str
    settled: bool


@dataclass(slots=True)
class Contract:
    contract_no: str
    maintainer: str
    user_unit: str
    mode: str
    interval_days: int | None
    start: date
    end: date
    terminated: date | None = None

    @property
    def last_day(self) -> date:
        """The last day the contract binds (termination takes effect on its effective date)."""
        if self.terminated is not None:
            return min(self.end, shift_days(self.terminated, -1))
        return self.end

    def active_on(self, day: date) -> bool:
        return self.start <= day <= self.last_day


@dataclass(slots=True)
class Hazard:
    hazard_no: str
    source: str
    severity: str
    found_at: int
    rectified_at: int | None = None

    @property
    def blocks_pass(self) -> bool:
        """隐患整改未完成的，不得出具合格报告: inspection findings and serious hazards from any source."""
        from_inspection = self.source in ("inspection", "self_test")
        return self.rectified_at is None and (from_inspection or self.severity == "serious")


@dataclass(slots=True)
class PendingChange:
    """After 改造 or 重大修理: service waits for a passed 监督检验 and a 变更登记."""

    kind: str
    since: int
    inspected: bool = False
    registered: bool = False

    @property
    def cleared(self) -> bool:
        return self.inspected and self.registered


@dataclass(slots=True)
class ElevatorState:
    code: str
    manufacturer: str
    manufactured_at: int
    user_unit: str | None = None
    registered: bool = False
    decommissioned_at: int | None = None
    suspended_at: int | None = None
    last_periodic_pass_at: int | None = None
    pending_change: PendingChange | None = None
    contracts: dict[str, Contract] = field(default_factory=dict)
    hazards: dict[str, Hazard] = field(default_factory=dict)
    policies: dict[str, str] = field(default_factory=dict)  # policy_no → insurer
    claims: dict[str, Claim] = field(default_factory=dict)  # by claim_no
    complaints: set[str] = field(default_factory=set)

    @classmethod
    def manufactured(cls, sub: Submission) -> ElevatorState:
        return cls(code=sub.equipment_code or "", manufacturer=sub.org, manufactured_at=sub.occurred_at)

    # --- checking -------------------------------------------------------------------------------------------

    def check(self, sub: Submission, registry: Registry, refs: Lookup) -> None:
        """Raise the first rule ``sub`` would break, or return if it may be appended.

        ``refs`` finds earlier events by id (the ledger's index): countersignatures and claims point at them.
        """
        self._check_common(sub)
        check = _CHECKS.get(sub.type)
        if check is not None:
            check(self, sub, registry)
        if sub.type in _REFERENCE_CHECKS:
            _REFERENCE_CHECKS[sub.type](self, sub, refs)

    def _check_common(self, sub: Submission) -> None:
        if self.decommissioned_at is not None and not sub.spec.archival and sub.occurred_at >= self.decommissioned_at:
            raise ElevatorDecommissionedError(
                f"elevator {self.code} was decommissioned at {format_instant(self.decommissioned_at)}"
            )
        if sub.occurred_at < self.manufactured_at:
            raise InvariantError("chronology", f"{sub.type} is dated before the elevator was manufactured")
        role, org = sub.role, sub.org
        if role == "user_unit" and org != self.user_unit:
            raise AuthorizationError(f"{org} is not the user unit (使用单位) of {self.code}",
                                     code="relationship.missing")
        if role == "maintainer" and sub.type not in _CONTRACT_TYPES:
            self._require_contract(org, sub.day)

    def _require_contract(self, maintainer: str, day: date) -> Contract:
        for contract in self.contracts.values():
            if contract.maintainer == maintainer and contract.active_on(day):
                return contract
        raise AuthorizationError(
            f"{maintainer} holds no maintenance contract for {self.code} on {day}", code="relationship.missing"
        )

    def _unless_correction(self, sub: Submission, name: str, message: str, duplicate: bool) -> None:
        if duplicate and sub.envelope.corrects is None:
            raise InvariantError(name, message)

    def _check_manufacturer_only(self, sub: Submission, _: Registry) -> None:
        if sub.org != self.manufacturer:
            raise AuthorizationError(f"only the manufacturer may record {sub.type}", code="relationship.missing")

    def _check_manufactured(self, sub: Submission, _: Registry) -> None:
        self._unless_correction(sub, "duplicate_elevator", f"elevator {self.code} already exists", True)
        self._check_manufacturer_only(sub, _)

    def _check_registered(self, sub: Submission, registry: Registry) -> None:
        p = sub.payload_as(lifecycle.Registered)
        _require_role(registry, p.user_unit, "user_unit")
        self._unless_correction(
            sub, "already_registered", f"{self.code} is registered; use a change registration (change=true)",
            self.registered and not p.change,
        )

    def _check_user_unit_changed(self, sub: Submission, registry: Registry) -> None:
        p = sub.payload_as(lifecycle.UserUnitChanged)
        if p.old_user_unit != self.user_unit:
            raise AuthorizationError(f"{p.old_user_unit} is not the current user unit", code="relationship.missing")
        _require_role(registry, p.new_user_unit, "user_unit")

    def _check_contract_signed(self, sub: Submission, registry: Registry) -> None:
        p = sub.payload_as(maintenance.MaintenanceContractSigned)
        if p.maintainer != sub.org:
            raise AuthorizationError("a maintainer signs only its own contracts", code="relationship.missing")
        if self.user_unit is not None and p.user_unit != self.user_unit:
            raise AuthorizationError(f"{p.user_unit} is not the user unit of {self.code}",
                                     code="relationship.missing")
        _require_role(registry, p.user_unit, "user_unit")
        self._unless_correction(
            sub, "duplicate_number", f"contract {p.contract_no} already exists", p.contract_no in self.contracts
        )
        for other in self.contracts.values():
            overlaps = other.start <= p.end_date and p.start_date <= other.last_day
            if other.contract_no != p.contract_no and other.maintainer != p.maintainer and overlaps:
                raise InvariantError(
                    "contract_overlap",
                    f"{other.maintainer} holds contract {other.contract_no} until {other.last_day}: "
                    "one elevator, one maintainer (维保单位与电梯一一绑定)",
                )

    def _check_contract_terminated(self, sub: Submission, _: Registry) -> None:
        p = sub.payload_as(maintenance.MaintenanceContractTerminated)
        contract = self.contracts.get(p.contract_no)
        if contract is None:
            raise InvariantError("unknown_reference", f"no contract {p.contract_no} on {self.code}")
        if sub.role == "maintainer" and contract.maintainer != sub.org:
            raise AuthorizationError("a maintainer terminates only its own contracts", code="relationship.missing")

    def _check_maintenance(self, sub: Submission, _: Registry) -> None:
        p = sub.payload_as(maintenance.MaintenancePerformed)
        contract = self._require_contract(sub.org, sub.day)
        if contract.contract_no != p.contract_no:
            raise AuthorizationError(
                f"contract {p.contract_no} is not the active contract ({contract.contract_no})",
                code="relationship.missing",
            )

    def _check_countersigned(self, sub: Submission, refs: Lookup) -> None:
        p = sub.payload_as(maintenance.MaintenanceCountersigned)
        found = refs(p.maintenance_ref)
        if found is None or found.stream != f"elevator:{self.code}" or found.type != "MaintenancePerformed":
            raise InvariantError("unknown_reference", f"no maintenance record {p.maintenance_ref} on {self.code}")

    def _check_hazard_found(self, sub: Submission, _: Registry) -> None:
        p = sub.payload_as(incidents.HazardFound)
        self._unless_correction(
            sub, "duplicate_number", f"hazard {p.hazard_no} already recorded", p.hazard_no in self.hazards
        )

    def _check_hazard_rectified(self, sub: Submission, _: Registry) -> None:
        p = sub.payload_as(incidents.HazardRectified)
        hazard = self.hazards.get(p.hazard_no)
        if hazard is None:
            raise InvariantError("unknown_reference", f"no hazard {p.hazard_no} on {self.code}")
        self._unless_correction(
            sub, "already_rectified", f"hazard {p.hazard_no} is already rectified", hazard.rectified_at is not None
        )

    def _check_report(self, sub: Submission, _: Registry) -> None:
        p = sub.payload_as(inspection.InspectionReport)
        if p.conclusion != "pass":
            return
        open_hazards = sorted(h.hazard_no for h in self.hazards.values() if h.blocks_pass)
        if open_hazards:
            raise InvariantError(
                "hazards_open",
                f"a 合格 report cannot be issued while hazards are open (隐患整改未完成): {', '.join(open_hazards)}",
                hazards=open_hazards,
            )
        change = self.pending_change
        if change is not None and not isinstance(p, inspection.SupervisoryInspected) and not change.inspected:
            raise InvariantError(
                "supervisory_inspection_required",
                f"after the {change.kind} only a supervisory inspection (监督检验) can pass this elevator",
            )

    def _check_suspended(self, sub: Submission, _: Registry) -> None:
        self._unless_correction(sub, "already_suspended", f"{self.code} is already suspended",
                                self.suspended_at is not None)

    def _check_reactivated(self, sub: Submission, _: Registry) -> None:
        if sub.envelope.corrects is not None:
            return
        if self.suspended_at is None and self.pending_change is None:
            raise InvariantError("not_suspended", f"{self.code} is not suspended")
        change = self.pending_change
        if change is not None and not change.cleared:
            raise InvariantError(
                "supervisory_inspection_required",
                f"after the {change.kind}, service needs a passed 监督检验 and a 变更登记 first",
            )
        stopped = self.suspended_at
        if stopped is not None and sub.occurred_at - stopped > REACTIVATION_INSPECTION_AFTER_S:
            passed = self.last_periodic_pass_at
            if passed is None or passed < stopped:
                raise InvariantError(
                    "reactivation_inspection_required",
                    "stopped more than a year: reactivation needs a passed periodic inspection (定期检验)",
                )

    def _check_policy_issued(self, sub: Submission, _: Registry) -> None:
        p = sub.payload_as(insurance.PolicyIssued)
        self._unless_correction(
            sub, "duplicate_number", f"policy {p.policy_no} already recorded", p.policy_no in self.policies
        )

    def _check_own_policy(self, sub: Submission, _: Registry) -> None:
        policy_no: str = sub.payload.policy_no  # type: ignore[attr-defined]  # PremiumAdjusted, ClaimFiled: both have it
        insurer = self.policies.get(policy_no)
        if insurer is None:
            raise InvariantError("unknown_reference", f"no policy {policy_no} on {self.code}")
        if insurer != sub.org:
            raise AuthorizationError(f"policy {policy_no} belongs to another insurer", code="relationship.missing")

    def _check_claim_filed(self, sub: Submission, registry: Registry) -> None:
        p = sub.payload_as(insurance.ClaimFiled)
        self._check_own_policy(sub, registry)
        self._unless_correction(sub, "duplicate_number", f"claim {p.claim_no} already filed",
                                p.claim_no in self.claims)

    def _check_claim_incidents(self, sub: Submission, refs: Lookup) -> None:
        p = sub.payload_as(insurance.ClaimFiled)
        stream = f"elevator:{self.code}"
        unknown = [ref for ref in p.incident_refs if (found := refs(ref)) is None or found.stream != stream
                   or found.type not in INCIDENT_TYPES]
        if unknown:
            raise InvariantError("unknown_reference", f"incidents not on {self.code}: {', '.join(unknown)}")

    def _check_claim_settled(self, sub: Submission, _: Registry) -> None:
        p = sub.payload_as(insurance.ClaimSettled)
        claim = self.claims.get(p.claim_no)
        if claim is None:
            raise InvariantError("unknown_reference", f"no claim {p.claim_no} on {self.code}")
        if claim.insurer != sub.org:
            raise AuthorizationError(f"claim {p.claim_no} belongs to another insurer", code="relationship.missing")
        self._unless_correction(sub, "already_settled", f"claim {p.claim_no} is already settled", claim.settled)

    def _check_complaint_filed(self, sub: Submission, _: Registry) -> None:
        number = sub.payload_as(incidents.ComplaintFiled).complaint_no
        self._unless_correction(sub, "duplicate_number", f"complaint {number} already filed",
                                number in self.complaints)

    def _check_complaint_resolved(self, sub: Submission, _: Registry) -> None:
        number = sub.payload_as(incidents.ComplaintResolved).complaint_no
        if number not in self.complaints:
            raise InvariantError("unknown_reference", f"no complaint {number} on {self.code}")

    def _check_penalty(self, sub: Submission, registry: Registry) -> None:
        party = sub.payload_as(enforcement.PenaltyImposed).party
        if party not in registry.orgs:
            raise AuthorizationError(f"{party} is not a registered organization", code="relationship.missing")

    # --- applying -------------------------------------------------------------------------------------------

    def apply(self, sub: Submission) -> None:
        """Fold an accepted event into the state."""
        apply = _APPLIERS.get(sub.type)
        if apply is not None:
            apply(self, sub)

    def _apply_registered(self, sub: Submission) -> None:
        p = sub.payload_as(lifecycle.Registered)
        self.registered = True
        self.user_unit = p.user_unit
        if self.pending_change is not None and p.change and sub.occurred_at >= self.pending_change.since:
            self.pending_change.registered = True

    def _apply_user_unit_changed(self, sub: Submission) -> None:
        self.user_unit = sub.payload_as(lifecycle.UserUnitChanged).new_user_unit

    def _apply_contract_signed(self, sub: Submission) -> None:
        p = sub.payload_as(maintenance.MaintenanceContractSigned)
        self.contracts[p.contract_no] = Contract(
            p.contract_no, p.maintainer, p.user_unit, p.mode, p.on_demand_interval_days, p.start_date, p.end_date
        )

    def _apply_contract_terminated(self, sub: Submission) -> None:
        p = sub.payload_as(maintenance.MaintenanceContractTerminated)
        self.contracts[p.contract_no].terminated = p.effective_date

    def _apply_hazard_found(self, sub: Submission) -> None:
        p = sub.payload_as(incidents.HazardFound)
        previous = self.hazards.get(p.hazard_no)
        rectified = previous.rectified_at if previous else None
        self.hazards[p.hazard_no] = Hazard(p.hazard_no, p.source, p.severity, sub.occurred_at, rectified)

    def _apply_hazard_rectified(self, sub: Submission) -> None:
        hazard = self.hazards[sub.payload_as(incidents.HazardRectified).hazard_no]
        if hazard.rectified_at is None:
            hazard.rectified_at = sub.occurred_at

    def _apply_report(self, sub: Submission) -> None:
        p = sub.payload_as(inspection.InspectionReport)
        if p.conclusion != "pass":
            return
        if isinstance(p, inspection.PeriodicInspected):
            self.last_periodic_pass_at = max(self.last_periodic_pass_at or 0, sub.occurred_at)
        change = self.pending_change
        if isinstance(p, inspection.SupervisoryInspected) and change is not None and sub.occurred_at >= change.since:
            change.inspected = True

    def _apply_change(self, sub: Submission) -> None:
        if sub.envelope.corrects is None:
            kind = "modification (改造)" if sub.type == "Modified" else "major repair (重大修理)"
            self.pending_change = PendingChange(kind, sub.occurred_at)

    def _apply_suspended(self, sub: Submission) -> None:
        if sub.envelope.corrects is None:
            self.suspended_at = sub.occurred_at

    def _apply_reactivated(self, sub: Submission) -> None:
        if sub.envelope.corrects is None:
            self.suspended_at = None
            self.pending_change = None

    def _apply_decommissioned(self, sub: Submission) -> None:
        if sub.envelope.corrects is None:
            self.decommissioned_at = sub.occurred_at

    def _apply_policy(self, sub: Submission) -> None:
        self.policies[sub.payload_as(insurance.PolicyIssued).policy_no] = sub.org

    def _apply_claim_filed(self, sub: Submission) -> None:
        self.claims[sub.payload_as(insurance.ClaimFiled).claim_no] = Claim(sub.org, settled=False)

    def _apply_claim_settled(self, sub: Submission) -> None:
        self.claims[sub.payload_as(insurance.ClaimSettled).claim_no] = Claim(sub.org, settled=True)

    def _apply_complaint(self, sub: Submission) -> None:
        self.complaints.add(sub.payload_as(incidents.ComplaintFiled).complaint_no)


def _require_role(registry: Registry, org: str, role: str) -> None:
    found = registry.orgs.get(org)
    if found is None or role not in found.roles:
        raise AuthorizationError(f"{org} is not a registered {role}", code="relationship.missing")


# What a claim may name as its incident.
INCIDENT_TYPES = frozenset({"FaultReported", "EntrapmentRescue", "AccidentReported", "HazardFound"})


class Earlier(NamedTuple):
    """An earlier event as a reference to it finds it: its stream, type and signer."""

    stream: str  # "kind:key"
    type: str
    org: str


# Looks an earlier event up by id (None: no such event before the one being decided).
Lookup = Callable[[str], "Earlier | None"]

_REFERENCE_CHECKS: dict[str, Callable[[ElevatorState, Submission, Lookup], None]] = {
    "MaintenanceCountersigned": ElevatorState._check_countersigned,
    "ClaimFiled": ElevatorState._check_claim_incidents,
}


def referenced_ids(sub: Submission) -> list[str]:
    """The earlier events a submission names, which a batch looks up before deciding: the corrected event, and
    the events the reference checks above read."""
    payload = sub.payload
    ids = [sub.envelope.corrects] if sub.envelope.corrects else []
    if isinstance(payload, maintenance.MaintenanceCountersigned):
        ids.append(payload.maintenance_ref)
    elif isinstance(payload, insurance.ClaimFiled):
        ids.extend(payload.incident_refs)
    return ids

# Contract events establish or end the maintainer relationship instead of requiring it.
_CONTRACT_TYPES = frozenset({"MaintenanceContractSigned", "MaintenanceContractTerminated"})

_CHECKS: dict[str, Callable[[ElevatorState, Submission, Registry], None]] = {
    "Manufactured": ElevatorState._check_manufactured,
    "ComponentAssociated": ElevatorState._check_manufacturer_only,
    "WarrantyIssued": ElevatorState._check_manufacturer_only,
    "Registered": ElevatorState._check_registered,
    "UserUnitChanged": ElevatorState._check_user_unit_changed,
    "MaintenanceContractSigned": ElevatorState._check_contract_signed,
    "MaintenanceContractTerminated": ElevatorState._check_contract_terminated,
    "MaintenancePerformed": ElevatorState._check_maintenance,
    "HazardFound": ElevatorState._check_hazard_found,
    "HazardRectified": ElevatorState._check_hazard_rectified,
    "SupervisoryInspected": ElevatorState._check_report,
    "PeriodicInspected": ElevatorState._check_report,
    "SelfTested": ElevatorState._check_report,
    "Suspended": ElevatorState._check_suspended,
    "Reactivated": ElevatorState._check_reactivated,
    "PolicyIssued": ElevatorState._check_policy_issued,
    "PremiumAdjusted": ElevatorState._check_own_policy,
    "ClaimFiled": ElevatorState._check_claim_filed,
    "ClaimSettled": ElevatorState._check_claim_settled,
    "ComplaintFiled": ElevatorState._check_complaint_filed,
    "ComplaintResolved": ElevatorState._check_complaint_resolved,
    "PenaltyImposed": ElevatorState._check_penalty,
}

_APPLIERS: dict[str, Callable[[ElevatorState, Submission], None]] = {
    "Registered": ElevatorState._apply_registered,
    "UserUnitChanged": ElevatorState._apply_user_unit_changed,
    "MaintenanceContractSigned": ElevatorState._apply_contract_signed,
    "MaintenanceContractTerminated": ElevatorState._apply_contract_terminated,
    "HazardFound": ElevatorState._apply_hazard_found,
    "HazardRectified": ElevatorState._apply_hazard_rectified,
    "SupervisoryInspected": ElevatorState._apply_report,
    "PeriodicInspected": ElevatorState._apply_report,
    "SelfTested": ElevatorState._apply_report,
    "Modified": ElevatorState._apply_change,
    "MajorRepair": ElevatorState._apply_change,
    "Suspended": ElevatorState._apply_suspended,
    "Reactivated": ElevatorState._apply_reactivated,
    "Decommissioned": ElevatorState._apply_decommissioned,
    "PolicyIssued": ElevatorState._apply_policy,
    "ClaimFiled": ElevatorState._apply_claim_filed,
    "ClaimSettled": ElevatorState._apply_claim_settled,
    "ComplaintFiled": ElevatorState._apply_complaint,
}

# The record types whose application changes the decision state; replaying any other type only advances the chain.
STATE_CHANGING_TYPES: frozenset[str] = frozenset(_APPLIERS)
