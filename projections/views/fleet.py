"""Fleet facts: the per-elevator rows that the KPIs, the quality evaluation, credit and responsibility add up.

Each row carries the district and maintainer in force when it happened, so a month × district × maintainer
breakdown is a plain grouping:

- ``pj_kpi_tickets`` — every 96333 rescue ticket with its timeline, cause and SLA;
- ``pj_kpi_inspections`` — every first-visit periodic inspection or self-test with its first and final outcome
  (a 复检 updates the final outcome of the visit it re-inspects);
- ``pj_kpi_service`` — in-service stretches (registered, not suspended or decommissioned) with constant district
  and maintainer, from which elevator-days per month follow;
- ``pj_kpi_validity`` — the stretch each passed report keeps the elevator inspected (until 下次检验日期);
- ``pj_kpi_monthly`` — one row of counters per elevator, month, district and maintainer: visits, maintenance
  intervals and those on time, faults, repeat faults, safety faults, accidents, deaths;
- ``pj_incidents`` — faults, entrapments, accidents and hazards with subsystem, fault code, model and maintainer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

from ledger.core.gbt24476 import FAULT_CODES, SAFETY_FAULT_CODES
from projections.config import DAY_S
from projections.framework.context import ElevatorContext, Suspension
from projections.framework.events import LedgerEvent, day, day_start, instant, month_of, month_window, ref
from projections.framework.runner import ElevatorFoldView, FoldState
from projections.framework.storage import Table

__all__ = [
    "CAUSE_SUBSYSTEM",
    "INCIDENTS",
    "KPI_INSPECTIONS",
    "KPI_MONTHLY",
    "KPI_SERVICE",
    "KPI_TICKETS",
    "KPI_VALIDITY",
    "MONTHLY_METRICS",
    "FleetState",
    "FleetView",
    "IncidentRow",
    "InspectionRow",
    "MonthlyRow",
    "Registration",
    "ServiceRow",
    "TicketRow",
    "ValidityRow",
    "service_segments",
]



class TicketRow(NamedTuple):
    """A 96333 rescue ticket (``pj_kpi_tickets``); instants in Unix seconds, flags 0/1."""

    event_id: str
    code: str
    month: str  # of the alarm
    district: str  # "" when unknown
    maintainer: str  # bound by contract at the alarm; "" when none
    alarm_at: int
    dispatched_at: int | None
    acknowledged_at: int | None
    arrived_at: int | None
    freed_at: int | None
    cause: str
    false_alarm: int
    self_rescued: int
    sla_s: int  # the arrival SLA of the elevator's area
    hash: str


class InspectionRow(NamedTuple):
    """A first-visit periodic inspection or self-test (``pj_kpi_inspections``); a 复检 updates its final outcome."""

    event_id: str
    code: str
    kind: str  # periodic | self_test
    month: str
    district: str
    maintainer: str
    at: int
    first_pass: int
    final_pass: int
    final_event_id: str


class ServiceRow(NamedTuple):
    """An in-service stretch with constant district and maintainer (``pj_kpi_service``); ``end_at`` None: open."""

    code: str
    start_at: int
    end_at: int | None
    district: str
    maintainer: str

    def seconds_within(self, start: int, end: int) -> int:
        """How long the stretch was in service within ``[start, end)``."""
        stretch_end = self.end_at if self.end_at is not None else end
        return max(0, min(end, stretch_end) - max(start, self.start_at))


class ValidityRow(NamedTuple):
    """The stretch a passed report keeps the elevator inspected, until its 下次检验日期 (``pj_kpi_validity``)."""

    code: str
    event_id: str
    start_at: int
    end_at: int


class MonthlyRow(NamedTuple):
    """An elevator's counters for one month, district and maintainer (``pj_kpi_monthly``)."""

    code: str
    month: str
    district: str
    maintainer: str
    visits: int
    maint_intervals: int
    maint_on_time: int
    faults: int
    repeat_faults: int
    safety_faults: int
    accidents: int
    deaths: int


class IncidentRow(NamedTuple):
    """A fault, entrapment, accident or hazard, with what the elevator was at the time (``pj_incidents``)."""

    event_id: str
    code: str
    type: str
    occurred_at: int
    subsystem: str | None
    fault_code: int | None
    safety: int
    cause: str | None
    manufacturer: str | None
    model: str | None
    maintainer: str | None
    district: str | None
    hash: str


KPI_TICKETS = Table("pj_kpi_tickets", TicketRow, key=("event_id",), indexes=(("month",),))
KPI_INSPECTIONS = Table("pj_kpi_inspections", InspectionRow, key=("event_id",), indexes=(("month",),))
KPI_SERVICE = Table("pj_kpi_service", ServiceRow, key=("code", "start_at"))
KPI_VALIDITY = Table("pj_kpi_validity", ValidityRow, key=("code", "event_id"))
KPI_MONTHLY = Table("pj_kpi_monthly", MonthlyRow, key=("code", "month", "district", "maintainer"),
                    indexes=(("month",),))
INCIDENTS = Table("pj_incidents", IncidentRow, key=("event_id",), indexes=(("model", "fault_code"), ("occurred_at",)))
MONTHLY_METRICS = tuple(column for column in MonthlyRow._fields if column not in KPI_MONTHLY.key)
_METRIC_INDEX = {metric: n for n, metric in enumerate(MONTHLY_METRICS)}

# Where an entrapment's cause points when no fault event is referenced.
CAUSE_SUBSYSTEM: dict[str, str | None] = {"door_system": "door", "external": "power", "equipment": None,
                                          "human": None}
_RECENT_FAULTS = 64


class Registration(NamedTuple):
    at: int
    district: str


@dataclass(slots=True)
class FleetState(FoldState):
    month: str | None = None
    month_start: int = 0
    month_end: int = 0
    counters: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)
    counters_dirty: bool = False
    prev_visit: tuple[int, int] | None = None  # (started_at, limit seconds in force)
    last_fault_by_code: dict[int, int] = field(default_factory=dict)
    recent_faults: dict[str, str | None] = field(default_factory=dict)  # event id → subsystem (fault_ref lookups)
    cycles: dict[str, InspectionRow] = field(default_factory=dict)  # kind → the last first-visit row
    segments: dict[int, ServiceRow] = field(default_factory=dict)  # start → stretch
    registrations: list[Registration] = field(default_factory=list)
    suspensions: list[Suspension] = field(default_factory=list)


class FleetView(ElevatorFoldView[FleetState]):
    name: ClassVar[str] = "fleet"
    version: ClassVar[str] = "1"
    tables: ClassVar[tuple[Table[Any], ...]] = (
        KPI_TICKETS, KPI_INSPECTIONS, KPI_SERVICE, KPI_VALIDITY, KPI_MONTHLY, INCIDENTS)
    handlers: ClassVar[dict[str, Callable[[Any, Any, LedgerEvent], None]]] = {}
    types: ClassVar[frozenset[str]] = frozenset({
        "Manufactured", "Installed", "Registered", "UserUnitChanged", "MaintenanceContractSigned",
        "MaintenanceContractTerminated", "MaintenancePerformed", "PeriodicInspected", "SelfTested",
        "SupervisoryInspected", "FaultReported", "EntrapmentRescue", "AccidentReported", "HazardFound",
        "Suspended", "Reactivated", "Decommissioned",
    })

    def new_state(self, code: str) -> FleetState:
        return FleetState(code, ElevatorContext(code))

    def settle(self, st: FleetState) -> None:
        if st.counters_dirty:
            self._emit_counters(st)

    # --- counters --------------------------------------------------------------------------------------------

    def _where(self, st: FleetState, t: int) -> tuple[str, str, str]:
        """(month, district, maintainer) of an instant; a new month writes the last one's counters out."""
        month = month_of(t) if not st.month or not st.month_start <= t < st.month_end else st.month
        if month != st.month:
            if st.counters_dirty:
                self._emit_counters(st)
            st.counters.clear()
            st.month = month
            st.month_start, st.month_end = month_window(month)
        ctx = st.ctx
        return month, ctx.district or "", ctx.maintainer_at(t) or ""

    @staticmethod
    def _count(st: FleetState, where: tuple[str, str, str], metric: str, amount: int = 1) -> None:
        values = st.counters.get(where)
        if values is None:
            values = st.counters[where] = [0] * len(MONTHLY_METRICS)
        values[_METRIC_INDEX[metric]] += amount
        st.counters_dirty = True

    @staticmethod
    def _emit_counters(st: FleetState) -> None:
        for (month, district, maintainer), values in st.counters.items():
            st.rows[(KPI_MONTHLY, (st.code, month, district, maintainer))] = MonthlyRow(
                st.code, month, district, maintainer, *values)
        st.counters_dirty = False

    # --- handlers --------------------------------------------------------------------------------------------

    def _maintenance(self, st: FleetState, ev: LedgerEvent) -> None:
        s = instant(ev.payload["started_at"])
        limit = st.ctx.maintenance_limit(ev.occurred_at, self.config.maintenance_interval_days)[0] * DAY_S
        where = self._where(st, ev.occurred_at)
        self._count(st, where, "visits")
        if st.prev_visit is not None and st.ctx.in_service():
            previous, previous_limit = st.prev_visit
            self._count(st, where, "maint_intervals")
            if s - previous <= previous_limit:
                self._count(st, where, "maint_on_time")
        st.prev_visit = (s, limit)

    def _fault(self, st: FleetState, ev: LedgerEvent) -> None:
        p, t = ev.payload, ev.occurred_at
        code = p["code"]
        where = self._where(st, t)
        self._count(st, where, "faults")
        last = st.last_fault_by_code.get(code)
        if last is not None and t - last <= self.config.repeat_fault_days * DAY_S:
            self._count(st, where, "repeat_faults")
        st.last_fault_by_code[code] = t
        safety = code in SAFETY_FAULT_CODES
        if safety:
            self._count(st, where, "safety_faults")
        known = FAULT_CODES.get(code)
        subsystem = known.subsystem if known else None
        st.recent_faults[ev.event_id] = subsystem
        if len(st.recent_faults) > _RECENT_FAULTS:
            del st.recent_faults[next(iter(st.recent_faults))]
        self._incident(st, ev, subsystem, code, safety, None)

    def _rescue(self, st: FleetState, ev: LedgerEvent) -> None:
        p = ev.payload
        alarm = instant(p["alarm_at"])
        ctx = st.ctx
        sla = self.config.rescue_sla_minutes_for(ctx.area) * 60

        def at(name: str) -> int | None:
            return instant(p[name]) if name in p else None

        st.rows[(KPI_TICKETS, (ev.event_id,))] = TicketRow(
            event_id=ev.event_id, code=st.code, month=month_of(alarm), district=ctx.district or "",
            maintainer=ctx.maintainer_at(alarm) or "", alarm_at=alarm, dispatched_at=at("dispatched_at"),
            acknowledged_at=at("acknowledged_at"), arrived_at=at("arrived_at"), freed_at=at("freed_at"),
            cause=p["cause"], false_alarm=int(bool(p.get("false_alarm"))),
            self_rescued=int(bool(p.get("self_rescued"))), sla_s=sla, hash=ref(ev).hash,
        )
        ref_subsystem = st.recent_faults.get(p.get("fault_ref", ""))
        subsystem = ref_subsystem if ref_subsystem is not None else CAUSE_SUBSYSTEM.get(p["cause"])
        self._incident(st, ev, subsystem, None, False, p["cause"])

    def _accident(self, st: FleetState, ev: LedgerEvent) -> None:
        p = ev.payload
        where = self._where(st, ev.occurred_at)
        self._count(st, where, "accidents")
        if p["deaths"]:
            self._count(st, where, "deaths", p["deaths"])
        self._incident(st, ev, st.recent_faults.get(p.get("fault_ref", "")), None, True, None)

    def _hazard(self, st: FleetState, ev: LedgerEvent) -> None:
        p = ev.payload
        self._incident(st, ev, p["subsystem"], None, p["severity"] == "serious", p["source"])

    def _incident(self, st: FleetState, ev: LedgerEvent, subsystem: str | None, fault_code: int | None, safety: bool,
                  cause: str | None) -> None:
        ctx = st.ctx
        st.rows[(INCIDENTS, (ev.event_id,))] = IncidentRow(
            event_id=ev.event_id, code=st.code, type=ev.type, occurred_at=ev.occurred_at, subsystem=subsystem,
            fault_code=fault_code, safety=int(safety), cause=cause, manufacturer=ctx.manufacturer, model=ctx.model,
            maintainer=ctx.maintainer_at(ev.occurred_at), district=ctx.district, hash=ref(ev).hash,
        )

    def _report(self, st: FleetState, ev: LedgerEvent) -> None:
        p, t = ev.payload, ev.occurred_at
        if p["conclusion"] == "pass" and p.get("next_due_date"):
            end = day_start(day(p["next_due_date"])) + DAY_S
            st.rows[(KPI_VALIDITY, (st.code, ev.event_id))] = ValidityRow(st.code, ev.event_id, t, end)
        if ev.type == "SupervisoryInspected":
            return
        kind = "periodic" if ev.type == "PeriodicInspected" else "self_test"
        passed = int(p["conclusion"] == "pass")
        if not p.get("is_reinspection"):
            ctx = st.ctx
            row = InspectionRow(event_id=ev.event_id, code=st.code, kind=kind, month=month_of(t),
                                district=ctx.district or "", maintainer=ctx.maintainer_at(t) or "", at=t,
                                first_pass=passed, final_pass=passed, final_event_id=ev.event_id)
        else:
            first_visit = st.cycles.get(kind)
            if first_visit is None:
                return
            row = first_visit._replace(final_pass=passed, final_event_id=ev.event_id)
        st.cycles[kind] = row
        st.rows[(KPI_INSPECTIONS, (row.event_id,))] = row

    def _lifecycle(self, st: FleetState, ev: LedgerEvent) -> None:
        t = ev.occurred_at
        if ev.type == "Registered":
            st.registrations.append(Registration(t, ev.payload["district"]))
        elif ev.type == "Suspended":
            st.suspensions.append(Suspension(t, None))
            st.prev_visit = None
        elif ev.type == "Reactivated" and st.suspensions and st.suspensions[-1].end is None:
            st.suspensions[-1] = st.suspensions[-1]._replace(end=t)
            st.prev_visit = None
        self._segments(st)

    def _segments(self, st: FleetState) -> None:
        new = {row.start_at: row for row in service_segments(st.code, st.ctx, st.registrations, st.suspensions)}
        for start in set(st.segments) - set(new):
            st.rows[(KPI_SERVICE, (st.code, start))] = None
        for start, row in new.items():
            if st.segments.get(start) != row:
                st.rows[(KPI_SERVICE, (st.code, start))] = row
        st.segments = new


def service_segments(code: str, ctx: ElevatorContext, registrations: list[Registration],
                     suspensions: list[Suspension]) -> list[ServiceRow]:
    """In-service stretches with constant district and maintainer.

    In service = registered, not suspended, not decommissioned. Contract boundaries are local midnights; the last
    stretch may be open (``end`` None) or end at a contract's last day still in the future.
    """
    if not registrations:
        return []
    start = registrations[0].at
    end = ctx.decommissioned_at
    cuts = {start}
    cuts.update(r.at for r in registrations)
    for s in suspensions:
        cuts.add(s.start)
        if s.end is not None:
            cuts.add(s.end)
    for c in ctx.contracts.values():
        cuts.add(day_start(c.start))
        cuts.add(day_start(c.last_day) + DAY_S)
    points = sorted(t for t in cuts if t >= start and (end is None or t < end))
    out: list[ServiceRow] = []
    for n, a in enumerate(points):
        b = points[n + 1] if n + 1 < len(points) else end
        if any(s.start <= a and (s.end is None or a < s.end) for s in suspensions):
            continue
        district = [r.district for r in registrations if r.at <= a][-1]
        maintainer = ctx.maintainer_at(a) or ""
        last = out[-1] if out else None
        if last is not None and last.end_at == a and (last.district, last.maintainer) == (district, maintainer):
            out[-1] = last._replace(end_at=b)
        else:
            out.append(ServiceRow(code, a, b, district, maintainer))
    return out


FleetView.handlers = {
    "MaintenancePerformed": FleetView._maintenance,
    "FaultReported": FleetView._fault,
    "EntrapmentRescue": FleetView._rescue,
    "AccidentReported": FleetView._accident,
    "HazardFound": FleetView._hazard,
    "PeriodicInspected": FleetView._report,
    "SelfTested": FleetView._report,
    "SupervisoryInspected": FleetView._report,
    "Registered": FleetView._lifecycle,
    "Suspended": FleetView._lifecycle,
    "Reactivated": FleetView._lifecycle,
    "Decommissioned": FleetView._lifecycle,
    "MaintenanceContractSigned": FleetView._lifecycle,
    "MaintenanceContractTerminated": FleetView._lifecycle,
}
