"""What every per-elevator view needs to know about an elevator at the moment an event happened.

Who made, installed and uses it, where it is, which maintenance contract binds it on a given day, whether it is
registered, suspended or decommissioned, and when its IoT terminal last reported. Each fold view keeps its own
copy (views can be at different positions, e.g. during a single-view rebuild), updated *before* the view's own
handler sees the event. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from ledger.core.identifiers import shift_days
from projections.framework.events import EventRef, LedgerEvent, day, local_ordinal, ref

__all__ = ["CONTEXT_TYPES", "ContractFact", "ElevatorContext", "Suspension", "is_run_evidence"]


@dataclass(slots=True)
class ContractFact:
    contract_no: str
    maintainer: str
    mode: str
    interval_days: int | None
    start: date
    end: date
    ref: EventRef
    terminated: date | None = None
    termination: EventRef | None = None

    @property
    def last_day(self) -> date:
        """The last day the contract binds (a termination takes effect on its effective date)."""
        if self.terminated is not None:
            return min(self.end, shift_days(self.terminated, -1))
        return self.end


class Suspension(NamedTuple):
    """A 停用 from its start until the reactivation (the instants of the two events)."""

    start: int
    end: int | None  # None: still suspended


class _ContractSpan(NamedTuple):
    """Days ``[first, after)`` (ordinals) over which no contract starts or ends, and the one binding them."""

    first: int
    after: int
    contract: ContractFact | None


@dataclass(slots=True)
class ElevatorContext:
    code: str
    manufacturer: str | None = None
    model: str | None = None
    design_life_years: int | None = None
    manufactured_at: int | None = None
    made: EventRef | None = None
    installer: str | None = None
    installed_at: int | None = None
    supervised_at: int | None = None  # the passed 监督检验 after installation
    supervised: EventRef | None = None
    district: str | None = None
    registered_at: int | None = None
    registration: EventRef | None = None
    user_unit: str | None = None
    site_category: str | None = None
    area: str = "city"
    repair_fund: bool | None = None
    contracts: dict[str, ContractFact] = field(default_factory=dict)
    suspended_at: int | None = None
    suspension: EventRef | None = None
    decommissioned_at: int | None = None
    decommission: EventRef | None = None
    last_iot_at: int | None = None
    _memo: _ContractSpan | None = None  # contract_on memo, cleared when contracts change

    def apply(self, ev: LedgerEvent) -> None:
        """Fold ``ev`` in (events arrive in time order; corrections were resolved by the caller)."""
        if ev.role == "iot_terminal":
            self.last_iot_at = ev.occurred_at
        handler = _HANDLERS.get(ev.type)
        if handler is not None:
            handler(self, ev)

    # --- questions -------------------------------------------------------------------------------------------

    def contract_on(self, d: date) -> ContractFact | None:
        """The binding contract on day ``d`` (the latest-starting one if a renewal overlaps)."""
        return self._contract_on_day(d.toordinal())

    def contract_at(self, t: int) -> ContractFact | None:
        """The binding contract on the (China calendar) day of instant ``t``."""
        return self._contract_on_day(local_ordinal(t))

    def maintenance_limit(self, t: int, regular_days: int) -> tuple[int, str]:
        """(days allowed between visits, "on_demand" or "regular") on the day of ``t``: a 按需 contract's declared
        interval, else the regular one."""
        contract = self.contract_at(t)
        if contract is not None and contract.mode == "on_demand" and contract.interval_days:
            return contract.interval_days, "on_demand"
        return regular_days, "regular"

    def maintainer_at(self, t: int) -> str | None:
        c = self.contract_at(t)
        return c.maintainer if c else None

    def _contract_on_day(self, n: int) -> ContractFact | None:
        """The binding contract on the day of ordinal ``n``.

        Asked for nearly every event, mostly about nearby days: the answer is remembered with the span of days
        over which no contract starts or ends (it cannot change inside it), until the contracts change.
        """
        memo = self._memo
        if memo is not None and memo.first <= n < memo.after:
            return memo.contract
        best, lo, hi = None, -(2**62), 2**62
        for c in self.contracts.values():
            first, after = c.start.toordinal(), c.last_day.toordinal() + 1
            if n < first:
                hi = min(hi, first)
            elif n >= after:
                lo = max(lo, after)
            else:
                lo, hi = max(lo, first), min(hi, after)
                if best is None or c.start > best.start:
                    best = c
        self._memo = _ContractSpan(lo, hi, best)
        return best

    def in_service(self) -> bool:
        """Registered, not suspended, not decommissioned (as of the last event folded)."""
        return self.registered_at is not None and self.suspended_at is None and self.decommissioned_at is None

    @property
    def use_start(self) -> int | None:
        """When the unit was put into use: registration, else installation, else manufacture."""
        return self.registered_at or self.installed_at or self.manufactured_at

    # --- handlers --------------------------------------------------------------------------------------------

    def _manufactured(self, ev: LedgerEvent) -> None:
        p = ev.payload
        self.manufacturer, self.model, self.design_life_years = ev.org, p["model"], p["design_life_years"]
        self.manufactured_at, self.made = ev.occurred_at, ref(ev)

    def _installed(self, ev: LedgerEvent) -> None:
        self.installer, self.installed_at = ev.org, ev.occurred_at
        self.district = self.district or ev.payload["district"]

    def _supervisory(self, ev: LedgerEvent) -> None:
        p = ev.payload
        if p["conclusion"] == "pass" and p.get("trigger") == "installation" and self.supervised_at is None:
            self.supervised_at, self.supervised = ev.occurred_at, ref(ev)

    def _registered(self, ev: LedgerEvent) -> None:
        p = ev.payload
        if self.registered_at is None:
            self.registered_at = ev.occurred_at
        self.registration = ref(ev)
        self.user_unit, self.site_category, self.district = p["user_unit"], p["site_category"], p["district"]
        self.area, self.repair_fund = p.get("area", "city"), p.get("repair_fund", True)

    def _user_unit_changed(self, ev: LedgerEvent) -> None:
        self.user_unit = ev.payload["new_user_unit"]

    def _contract_signed(self, ev: LedgerEvent) -> None:
        p = ev.payload
        self._memo = None
        self.contracts[p["contract_no"]] = ContractFact(
            p["contract_no"], p["maintainer"], p["mode"], p.get("on_demand_interval_days"),
            day(p["start_date"]), day(p["end_date"]), ref(ev),
        )

    def _contract_terminated(self, ev: LedgerEvent) -> None:
        c = self.contracts.get(ev.payload["contract_no"])
        self._memo = None
        if c is not None:
            c.terminated, c.termination = day(ev.payload["effective_date"]), ref(ev)

    def _suspended(self, ev: LedgerEvent) -> None:
        self.suspended_at, self.suspension = ev.occurred_at, ref(ev)

    def _reactivated(self, ev: LedgerEvent) -> None:
        self.suspended_at, self.suspension = None, None

    def _decommissioned(self, ev: LedgerEvent) -> None:
        self.decommissioned_at, self.decommission = ev.occurred_at, ref(ev)


_HANDLERS: dict[str, Callable[[ElevatorContext, LedgerEvent], None]] = {
    "Manufactured": ElevatorContext._manufactured,
    "Installed": ElevatorContext._installed,
    "SupervisoryInspected": ElevatorContext._supervisory,
    "Registered": ElevatorContext._registered,
    "UserUnitChanged": ElevatorContext._user_unit_changed,
    "MaintenanceContractSigned": ElevatorContext._contract_signed,
    "MaintenanceContractTerminated": ElevatorContext._contract_terminated,
    "Suspended": ElevatorContext._suspended,
    "Reactivated": ElevatorContext._reactivated,
    "Decommissioned": ElevatorContext._decommissioned,
}
CONTEXT_TYPES: frozenset[str] = frozenset(_HANDLERS)


def is_run_evidence(ev: LedgerEvent) -> bool:
    """Does this event show the car running in normal service (docs/DOMAIN.md (c) 2, 8, 10)?

    IoT run statistics with runs, a terminal in normal service mode, a fault reported in normal service or with
    passengers aboard, and a real entrapment (someone was riding it).
    """
    t, p = ev.type, ev.payload
    if t == "RunStatisticsReported":
        return bool(p["run_count"] > 0)
    if t == "TerminalEventReported":
        return p["code"] == 40 or p.get("service_mode") == 1
    if t == "FaultReported":
        return p.get("service_mode") == 1 or bool(p.get("passengers_present"))
    if t == "EntrapmentRescue":
        return not p.get("false_alarm", False)
    return False

