"""Compliance alerts: every flag-class (F) rule of docs/DOMAIN.md (c), as intervals fixed by events.

Each alert has a rule id, the elevator, a key (which occurrence), ``opened_at``/``closed_at`` and the events that
prove it (ids and chain hashes). Deadline rules are scheduled to open at their deadline and are cancelled, moved or
closed by later events (:mod:`projections.framework.findings`), so "open at T" is ``opened_at <= T < closed_at`` —
the same answer a replay of the events up to T gives.

=====================  ====  ================================================================================
rule                   (c)   fires when
=====================  ====  ================================================================================
F2.unregistered_use    2     running more than 30 days after the first run with no 使用登记
F3.maintenance_gap     3     no maintenance for 15 days (按需: the declared interval, 15 days when IoT is silent
                             for more than 24 h), counted from registration, the last visit or reactivation
F3.tier_coverage       3     no visit covering the 季度/半年/年度 item set within 90/180/365 days
F3.annual_tests        3     a visit with items A-4-04…08 but no test evidence for them (closed by one with it)
F5.countersign         5     no user-unit countersignature within 7 days of a maintenance record
F6.inspection_apply    6     no inspection application by next_due − 30 days
F6.inspection_expired  6     past 下次检验日期 with no new 合格 report; runs after it make it an Art. 84 candidate
F8.running_after_fail  8     runs after a 不合格 report or an ordered stop (停梯指令), until a pass / rectification
F8.unrepaired_safety   8     runs after a safety fault (codes 1, 4, 5, 8, 冲顶, 蹲底) with no repair/inspection
F9.rescue_late         9     arrive − alarm over the SLA (30 min city, 60 min elsewhere)
F9.rescue_no_arrival   9     a real (not false, not self-rescued) ticket with no arrival time
F10.stop_unreported    10    IoT shows no runs for a year since the last run, and no 停用 was filed
F13.no_contract        13    in service with no active maintenance contract
F13.three_no           13    三无: no maintainer and no 专项维修资金 (the registered user unit always exists)
F14.risk_assessment    14    older than 15 years with no RiskAssessed in the last 3 years
F14.fault_p90          14    faults in the last year above the fleet's P90, no RiskAssessed in 3 years
                             (fleet-relative: computed when asked, by :class:`projections.service.Projections`)
F15.no_type_test       15    a safety component fitted without a type-test certificate (型式试验证书)
=====================  ====  ================================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar, NamedTuple

from ledger.core.gbt24476 import SAFETY_FAULT_CODES
from ledger.core.identifiers import date_of_ordinal
from ledger.core.maintenance_items import TESTED_ITEMS, TIER_ITEMS
from ledger.core.schema.lifecycle import SAFETY_COMPONENTS
from projections.config import DAY_S
from projections.framework.context import ElevatorContext, Suspension, is_run_evidence
from projections.framework.events import (
    EventRef,
    LedgerEvent,
    add_years,
    day,
    day_start,
    instant,
    local_day,
    ordinal_start,
    ref,
)
from projections.framework.findings import BookState, Finding, FindingFoldView, FindingRow
from projections.framework.storage import Table

__all__ = ["ALERTS", "RULES", "AlertState", "AlertsView", "Rule", "uncovered"]

ALERTS = Table("pj_alerts", FindingRow, key=("code", "rule", "key"))


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    label: str
    severity: str  # high | medium | low
    source: str


RULES: dict[str, Rule] = {r.id: r for r in (
    Rule("F2.unregistered_use", "运行超过30日未办理使用登记", "medium", "docs/DOMAIN.md (c) 2; TSG 08 [S8]"),
    Rule("F3.maintenance_gap", "维保间隔超期 (15日/按需间隔)", "medium", "docs/DOMAIN.md (c) 3; TSG T5002 [S2][S3]"),
    Rule("F3.tier_coverage", "季度/半年/年度维保项目未按期覆盖", "low", "docs/DOMAIN.md (c) 3 [S1]"),
    Rule("F3.annual_tests", "年度试验项目无试验记录", "medium", "docs/DOMAIN.md (c) 3 [S1]"),
    Rule("F5.countersign", "维保记录7日内未经使用单位签字确认", "low", "docs/DOMAIN.md (c) 5 [E]"),
    Rule("F6.inspection_apply", "未在下次检验日期前30日申报检验", "low", "docs/DOMAIN.md (c) 6 [K][S5]"),
    Rule("F6.inspection_expired", "检验超期 (特种设备安全法第84条候选)", "high", "docs/DOMAIN.md (c) 6 [S9]"),
    Rule("F8.running_after_fail", "检验不合格或停梯指令后仍在运行", "high", "docs/DOMAIN.md (c) 8 [S9]"),
    Rule("F8.unrepaired_safety", "安全故障未经修理即恢复运行", "high", "docs/DOMAIN.md (c) 8 (Art. 84(2))"),
    Rule("F9.rescue_late", "救援到场超时", "medium", "docs/DOMAIN.md (c) 9 [S5][K]"),
    Rule("F9.rescue_no_arrival", "救援工单无到场记录", "high", "docs/DOMAIN.md (c) 9"),
    Rule("F10.stop_unreported", "停用超过1年未办理停用手续", "medium", "docs/DOMAIN.md (c) 10 [S7]"),
    Rule("F13.no_contract", "无有效维保合同", "high", "docs/DOMAIN.md (c) 13"),
    Rule("F13.three_no", "三无电梯 (无维保单位、无维修资金)", "high", "seed 002/004; docs/DOMAIN.md intro"),
    Rule("F14.risk_assessment", "使用超过15年未做安全评估", "medium", "docs/DOMAIN.md (c) 14 [E][S16]"),
    Rule("F14.fault_p90", "故障率高于全市P90未做安全评估", "medium", "docs/DOMAIN.md (c) 14 [E]"),
    Rule("F15.no_type_test", "安全部件无型式试验证书", "high", "docs/DOMAIN.md (c) 15"),
)}

_TIER_SETS = {tier: frozenset(TIER_ITEMS[tier]) for tier in ("quarterly", "half_year", "annual")}
_TESTED = tuple(sorted(TESTED_ITEMS))
_RUN_TYPES = frozenset({"RunStatisticsReported", "TerminalEventReported", "FaultReported", "EntrapmentRescue"})


class Clock(NamedTuple):
    """A running deadline: counted from ``since``, kept as the finding ``key``, proved by ``evidence``."""

    since: int
    key: str
    evidence: EventRef


class Due(NamedTuple):
    """The 下次检验日期 of the last passed report (the key of its inspection findings)."""

    date: date
    key: str
    report: EventRef


class Condition(NamedTuple):
    """A condition the elevator must not run under (a failed report, a stop order, a safety fault)."""

    key: str
    evidence: EventRef


class FundStatus(NamedTuple):
    """Whether the elevator has 专项维修资金 from ``at`` on (as each registration declares)."""

    at: int
    fund: bool
    evidence: EventRef


@dataclass(slots=True)
class AlertState(BookState):
    gap: Clock | None = None  # the maintenance interval
    iot_prev: int | None = None
    silence_from: int | None = None
    cover: dict[str, Clock] = field(default_factory=dict)  # tier → its coverage clock
    tests_key: str | None = None
    due: Due | None = None
    applied: bool = False
    fail: Condition | None = None
    stops: dict[str, Condition] = field(default_factory=dict)  # hazard number → stop order
    safety: Condition | None = None
    first_run: EventRef | None = None
    last_run: EventRef | None = None
    stop_key: str | None = None
    risk_key: str | None = None
    last_risk: EventRef | None = None
    suspensions: list[Suspension] = field(default_factory=list)
    funds: list[FundStatus] = field(default_factory=list)


class AlertsView(FindingFoldView[AlertState]):
    name: ClassVar[str] = "alerts"
    version: ClassVar[str] = "1"
    tables: ClassVar[tuple[Table[Any], ...]] = (ALERTS,)
    finding_table: ClassVar[Table[FindingRow]] = ALERTS
    handlers: ClassVar[dict[str, Callable[[Any, Any, LedgerEvent], None]]] = {}
    types: ClassVar[frozenset[str]] = frozenset({
        "Manufactured", "Installed", "Registered", "UserUnitChanged", "MaintenanceContractSigned",
        "MaintenanceContractTerminated", "MaintenancePerformed", "MaintenanceCountersigned", "InspectionApplied",
        "PeriodicInspected", "SelfTested", "SupervisoryInspected", "HazardFound", "HazardRectified", "Repaired",
        "MajorRepair", "FaultReported", "EntrapmentRescue", "RunStatisticsReported", "TerminalEventReported",
        "Suspended", "Reactivated", "Decommissioned", "RiskAssessed", "ComponentAssociated", "ComponentReplaced",
    })

    def new_state(self, code: str) -> AlertState:
        return self.with_book(AlertState(code, ElevatorContext(code)))

    def step(self, st: AlertState, ev: LedgerEvent) -> None:
        super().step(st, ev)
        if ev.role == "iot_terminal":
            self._iot(st, ev)
        if ev.type in _RUN_TYPES and is_run_evidence(ev):
            self._run(st, ev)

    # --- F3 maintenance gap -----------------------------------------------------------------------------------

    def _limit_days(self, st: AlertState, at: int) -> tuple[int, str]:
        return st.ctx.maintenance_limit(at, self.config.maintenance_interval_days)

    def _gap_deadline(self, st: AlertState, anchor: int) -> tuple[int, dict[str, Any]]:
        """The instant the gap becomes overdue, given what the IoT terminal has shown so far."""
        days, mode = self._limit_days(st, anchor)
        base = anchor + days * DAY_S
        detail: dict[str, Any] = {"limit_days": days, "mode": mode}
        regular = self.config.maintenance_interval_days * DAY_S
        if mode != "on_demand" or days * DAY_S <= regular:
            return base, detail
        revert = self.config.iot_offline_revert_s
        silent = st.silence_from if st.silence_from is not None else (
            st.iot_prev + revert if st.iot_prev is not None else anchor)
        silent = max(silent, anchor)
        if silent >= base:
            return base, detail
        detail["iot_silent_from"] = silent
        return max(anchor + regular, silent), detail

    def _schedule_gap(self, st: AlertState) -> None:
        if st.gap is None:
            return
        deadline, detail = self._gap_deadline(st, st.gap.since)
        st.book.open("F3.maintenance_gap", st.gap.key, deadline, [st.gap.evidence], {"since": st.gap.since, **detail})

    def _start_clocks(self, st: AlertState, ev: LedgerEvent) -> None:
        """Registration or reactivation: the maintenance and coverage clocks start now."""
        t, r = ev.occurred_at, ref(ev)
        st.gap, st.silence_from = Clock(t, ev.event_id, r), None
        self._schedule_gap(st)
        for tier, days in self.config.tier_coverage_days.items():
            key = f"{tier}@{ev.event_id}"
            st.cover[tier] = Clock(t, key, r)
            st.book.open("F3.tier_coverage", key, t + days * DAY_S, [r], {"tier": tier, "days": days})

    def _stop_clocks(self, st: AlertState, t: int, r: EventRef) -> None:
        if st.gap is not None:
            st.book.resolve("F3.maintenance_gap", st.gap.key, t, r)
            st.gap = None
        for clock in st.cover.values():
            st.book.resolve("F3.tier_coverage", clock.key, t, r)
        st.cover.clear()

    def _maintenance(self, st: AlertState, ev: LedgerEvent) -> None:
        p = ev.payload
        s, r = instant(p["started_at"]), ref(ev)
        if st.gap is not None:
            st.book.resolve("F3.maintenance_gap", st.gap.key, s, r)
            st.gap, st.silence_from = Clock(s, ev.event_id, r), None
            self._schedule_gap(st)
        self._coverage(st, ev, s, r)
        self._tests(st, ev, s, r)
        st.book.open("F5.countersign", ev.event_id, ev.occurred_at + self.config.countersign_days * DAY_S, [r],
                     {"days": self.config.countersign_days, "maintainer": ev.org})

    def _coverage(self, st: AlertState, ev: LedgerEvent, s: int, r: EventRef) -> None:
        results = ev.payload["results"]
        for tier, required in _TIER_SETS.items():
            if len(results) < len(required) or not required.issubset(results):
                break  # tiers are cumulative: no quarterly set, no higher one either
            current = st.cover.get(tier)
            if current is None:
                continue
            st.book.resolve("F3.tier_coverage", current.key, s, r)
            key = f"{tier}@{ev.event_id}"
            days = self.config.tier_coverage_days[tier]
            st.cover[tier] = Clock(s, key, r)
            st.book.open("F3.tier_coverage", key, s + days * DAY_S, [r], {"tier": tier, "days": days})

    def _tests(self, st: AlertState, ev: LedgerEvent, s: int, r: EventRef) -> None:
        results = ev.payload["results"]
        if results.keys().isdisjoint(_TESTED):
            return  # no annual test items on this visit: nothing to show or to close
        due = [i for i in _TESTED if results.get(i, "not_applicable") != "not_applicable"]
        if not due:
            return
        tested = set(ev.payload.get("tested", ()))
        missing = [i for i in due if i not in tested]
        if missing and st.tests_key is None:
            st.tests_key = ev.event_id
            st.book.open("F3.annual_tests", ev.event_id, s, [r], {"missing_tests": missing})
        elif missing and st.tests_key is not None:
            f = st.book.get("F3.annual_tests", st.tests_key)
            if f is not None:
                st.book.amend(f, evidence=r)
        elif st.tests_key is not None:
            st.book.resolve("F3.annual_tests", st.tests_key, s, r)
            st.tests_key = None

    def _iot(self, st: AlertState, ev: LedgerEvent) -> None:
        t = ev.occurred_at
        prev = st.iot_prev
        revert = self.config.iot_offline_revert_s
        if st.gap is not None and st.silence_from is None and prev is not None and t - prev > revert:
            st.silence_from = max(prev + revert, st.gap.since)
        st.iot_prev = t
        if st.gap is not None and self._limit_days(st, st.gap.since)[1] == "on_demand":
            self._schedule_gap(st)

    # --- registration, contracts, suspension ------------------------------------------------------------------

    def _registered(self, st: AlertState, ev: LedgerEvent) -> None:
        r = ref(ev)
        st.funds.append(FundStatus(ev.occurred_at, ev.payload.get("repair_fund", True), r))
        if st.first_run is not None:
            st.book.resolve("F2.unregistered_use", "first-run", ev.occurred_at, r)
        if st.gap is None and st.ctx.suspended_at is None and st.ctx.decommissioned_at is None:
            self._start_clocks(st, ev)
        self._schedule_risk(st)
        self._contract_cover(st)

    def _contracts(self, st: AlertState, ev: LedgerEvent) -> None:
        self._schedule_gap(st)
        self._contract_cover(st)

    def _suspended(self, st: AlertState, ev: LedgerEvent) -> None:
        t, r = ev.occurred_at, ref(ev)
        st.suspensions.append(Suspension(t, None))
        self._stop_clocks(st, t, r)
        self._close_inspection_clocks(st, t, r)
        if st.stop_key is not None:
            st.book.resolve("F10.stop_unreported", st.stop_key, t, r)
            st.stop_key = None
        self._contract_cover(st)

    def _reactivated(self, st: AlertState, ev: LedgerEvent) -> None:
        if st.suspensions and st.suspensions[-1].end is None:
            st.suspensions[-1] = st.suspensions[-1]._replace(end=ev.occurred_at)
        if st.ctx.registered_at is not None and st.ctx.decommissioned_at is None:
            self._start_clocks(st, ev)
            self._schedule_inspection(st, not_before=ev.occurred_at)
        self._contract_cover(st)

    def _decommissioned(self, st: AlertState, ev: LedgerEvent) -> None:
        t, r = ev.occurred_at, ref(ev)
        self._stop_clocks(st, t, r)
        self._close_inspection_clocks(st, t, r)
        for f in list(st.book.live.values()):
            if f.rule not in ("F5.countersign", "F13.no_contract", "F13.three_no") and f.closed_at is None:
                st.book.resolve(f.rule, f.key, t, r)
        st.stop_key = st.risk_key = st.tests_key = None
        st.fail, st.safety = None, None
        st.stops.clear()
        self._contract_cover(st)

    def _contract_cover(self, st: AlertState) -> None:
        """F13: recompute the uncovered stretches of the service life from the contracts and suspensions."""
        ctx = st.ctx
        if ctx.registered_at is None:
            return
        start = local_day(ctx.registered_at).toordinal()
        end = local_day(ctx.decommissioned_at).toordinal() if ctx.decommissioned_at is not None else None
        cuts: list[tuple[int, int | None]] = [(c.start.toordinal(), c.last_day.toordinal() + 1)
                                              for c in ctx.contracts.values()]
        cuts += [(local_day(s.start).toordinal(), local_day(s.end).toordinal() if s.end is not None else None)
                 for s in st.suspensions]
        gaps = uncovered((start, end), cuts)
        no_contract: dict[str, Finding] = {}
        three_no: dict[str, Finding] = {}
        registration = ctx.registration
        for g0, g1 in gaps:
            key = date_of_ordinal(g0).isoformat()
            evidence = [r for r in (registration, self._contract_before(ctx, g0)) if r is not None]
            detail = {"from": key}
            no_contract[key] = _interval_finding("F13.no_contract", key, g0, g1, evidence, detail)
            for f0, f1, fund_ref in self._fundless(st):
                a, b = max(g0, f0), _min_end(g1, f1)
                if b is None or a < b:
                    k = date_of_ordinal(a).isoformat()
                    three_no[k] = _interval_finding("F13.three_no", k, a, b, [fund_ref, *evidence[1:]], {
                        "missing": ["maintainer", "maintenance_fund"], "from": k})
        st.book.keep("F13.no_contract", no_contract)
        st.book.keep("F13.three_no", three_no)

    @staticmethod
    def _contract_before(ctx: ElevatorContext, day_ordinal: int) -> EventRef | None:
        ended = [c for c in ctx.contracts.values() if c.last_day.toordinal() < day_ordinal]
        if not ended:
            return None
        last = max(ended, key=lambda c: c.last_day)
        return last.termination or last.ref

    @staticmethod
    def _fundless(st: AlertState) -> list[tuple[int, int | None, EventRef]]:
        """Stretches of days ``[first, after)`` (ordinals; ``after`` None: still) without a repair fund."""
        out = []
        for n, status in enumerate(st.funds):
            if not status.fund:
                nxt = st.funds[n + 1].at if n + 1 < len(st.funds) else None
                out.append((local_day(status.at).toordinal(), local_day(nxt).toordinal() if nxt is not None else None,
                            status.evidence))
        return out

    # --- inspections (F6, F8) -------------------------------------------------------------------------------

    def _report(self, st: AlertState, ev: LedgerEvent) -> None:
        p, t, r = ev.payload, ev.occurred_at, ref(ev)
        if st.safety is not None:
            st.book.resolve("F8.unrepaired_safety", st.safety.key, t, r)
            st.safety = None
        if p["conclusion"] == "fail":
            if st.fail is None:
                st.fail = Condition(f"fail@{ev.event_id}", r)
            return
        if st.fail is not None:
            st.book.resolve("F8.running_after_fail", st.fail.key, t, r)
            st.fail = None
        if p.get("next_due_date") is None:
            return
        self._close_inspection_clocks(st, t, r)
        st.due, st.applied = Due(day(p["next_due_date"]), ev.event_id, r), False
        if st.ctx.suspended_at is None and st.ctx.decommissioned_at is None:
            self._schedule_inspection(st)

    def _schedule_inspection(self, st: AlertState, not_before: int | None = None) -> None:
        if st.due is None:
            return
        due, key, r = st.due.date, st.due.key, st.due.report
        floor = not_before or 0
        detail = {"next_due_date": due.isoformat()}
        if not st.applied:
            apply_by = day_start(due) - self.config.inspection_apply_days * DAY_S
            st.book.open("F6.inspection_apply", key, max(apply_by, floor), [r], dict(detail))
        st.book.open("F6.inspection_expired", key, max(day_start(due) + DAY_S, floor), [r],
                     dict(detail))

    def _close_inspection_clocks(self, st: AlertState, t: int, r: EventRef) -> None:
        if st.due is not None:
            st.book.resolve("F6.inspection_apply", st.due.key, t, r)
            st.book.resolve("F6.inspection_expired", st.due.key, t, r)

    def _applied(self, st: AlertState, ev: LedgerEvent) -> None:
        if st.due is not None:
            st.applied = True
            st.book.resolve("F6.inspection_apply", st.due.key, ev.occurred_at, ref(ev))

    def _hazard_found(self, st: AlertState, ev: LedgerEvent) -> None:
        if ev.payload.get("stop_ordered"):
            st.stops[ev.payload["hazard_no"]] = Condition(f"stop@{ev.event_id}", ref(ev))

    def _hazard_rectified(self, st: AlertState, ev: LedgerEvent) -> None:
        stop = st.stops.pop(ev.payload["hazard_no"], None)
        if stop is not None:
            st.book.resolve("F8.running_after_fail", stop.key, ev.occurred_at, ref(ev))

    # --- faults, repairs, rescues -----------------------------------------------------------------------------

    def _fault(self, st: AlertState, ev: LedgerEvent) -> None:
        if ev.payload["code"] in SAFETY_FAULT_CODES and st.safety is None:
            st.safety = Condition(ev.event_id, ref(ev))

    def _repaired(self, st: AlertState, ev: LedgerEvent) -> None:
        if st.safety is not None:
            st.book.resolve("F8.unrepaired_safety", st.safety.key, ev.occurred_at, ref(ev))
            st.safety = None

    def _rescue(self, st: AlertState, ev: LedgerEvent) -> None:
        p = ev.payload
        if p.get("false_alarm"):
            return
        alarm = instant(p["alarm_at"])
        sla_min = self.config.rescue_sla_minutes_for(st.ctx.area)
        late_at = alarm + sla_min * 60
        detail: dict[str, Any] = {"sla_minutes": sla_min, "area": st.ctx.area, "ticket_no": p["ticket_no"],
                                  "responder": p.get("responder_org"), "maintainer": st.ctx.maintainer_at(alarm)}
        if "arrived_at" in p:
            arrived = instant(p["arrived_at"])
            if arrived > late_at:
                detail["arrival_minutes"] = round((arrived - alarm) / 60, 1)
                st.book.record("F9.rescue_late", ev.event_id, late_at, arrived, [ref(ev)], detail)
        elif not p.get("self_rescued"):
            st.book.record("F9.rescue_no_arrival", ev.event_id, late_at, instant(p["closed_at"]), [ref(ev)], detail)

    # --- runs and IoT (F2, F6, F8, F10) -----------------------------------------------------------------------

    def _run(self, st: AlertState, ev: LedgerEvent) -> None:
        t, r = ev.occurred_at, ref(ev)
        ctx = st.ctx
        if ctx.registered_at is None and st.first_run is None:
            st.first_run = r
            st.book.open("F2.unregistered_use", "first-run", t + self.config.unregistered_grace_days * DAY_S, [r],
                         {"grace_days": self.config.unregistered_grace_days})
        st.last_run = r
        if st.stop_key is not None:
            st.book.resolve("F10.stop_unreported", st.stop_key, t, r)
            st.stop_key = None
        if st.due is not None:
            expired = st.book.get("F6.inspection_expired", st.due.key)
            if expired is not None and t >= expired.opened_at and "art84_candidate_at" not in expired.detail:
                st.book.amend(expired, evidence=r, art84_candidate_at=t)
        if st.fail is not None and st.book.get("F8.running_after_fail", st.fail.key) is None:
            st.book.open("F8.running_after_fail", st.fail.key, t, [st.fail.evidence, r], {"after": "不合格"})
        for stop in st.stops.values():
            if st.book.get("F8.running_after_fail", stop.key) is None:
                st.book.open("F8.running_after_fail", stop.key, t, [stop.evidence, r], {"after": "停梯指令"})
        safety, rule = st.safety, "F8.unrepaired_safety"
        if safety is not None and safety.key != ev.event_id and st.book.get(rule, safety.key) is None:
            st.book.open(rule, safety.key, t, [safety.evidence, r])

    def _statistics(self, st: AlertState, ev: LedgerEvent) -> None:
        """Zero-run statistics prove the terminal watched a stopped elevator (F10)."""
        p = ev.payload
        ctx = st.ctx
        if p["run_count"] > 0 or st.stop_key is not None or ctx.suspended_at is not None:
            return
        if ctx.decommissioned_at is not None or ctx.registered_at is None:
            return
        since = st.last_run.occurred_at if st.last_run is not None else instant(p["period_start"])
        anchor_id = st.last_run.event_id if st.last_run is not None else ev.event_id
        st.stop_key = f"stop@{anchor_id}"
        evidence = [r for r in (st.last_run, ref(ev)) if r is not None]
        st.book.open("F10.stop_unreported", st.stop_key, since + self.config.long_stop_days * DAY_S, evidence,
                     {"stopped_since": since, "report_within_days": self.config.suspension_report_days})

    # --- age and risk assessment (F14), type tests (F15) ------------------------------------------------------

    def _schedule_risk(self, st: AlertState) -> None:
        ctx = st.ctx
        start = ctx.use_start
        if start is None or ctx.decommissioned_at is not None:
            return
        age_at = day_start(add_years(local_day(start), self.config.risk_age_years))
        opens = age_at
        if st.last_risk is not None:
            valid_until = add_years(local_day(st.last_risk.occurred_at), self.config.risk_validity_years)
            opens = max(age_at, day_start(valid_until))
        key = f"after@{st.last_risk.event_id if st.last_risk else 'none'}"
        if st.risk_key is not None and st.risk_key != key:
            st.book.withdraw("F14.risk_assessment", st.risk_key)
        st.risk_key = key
        evidence = [r for r in (ctx.registration or ctx.made, st.last_risk) if r is not None]
        st.book.open("F14.risk_assessment", key, opens, evidence, {"age_years": self.config.risk_age_years,
                                                                   "validity_years": self.config.risk_validity_years})

    def _manufactured(self, st: AlertState, ev: LedgerEvent) -> None:
        self._schedule_risk(st)

    def _assessed(self, st: AlertState, ev: LedgerEvent) -> None:
        if st.risk_key is not None:
            st.book.resolve("F14.risk_assessment", st.risk_key, ev.occurred_at, ref(ev))
            st.risk_key = None
        st.last_risk = ref(ev)
        self._schedule_risk(st)

    def _component(self, st: AlertState, ev: LedgerEvent) -> None:
        p = ev.payload
        kind = p["kind"]
        if kind not in SAFETY_COMPONENTS:
            return
        for f in st.book.live_of("F15.no_type_test"):  # the part without a certificate is gone
            if f.detail["kind"] == kind:
                st.book.resolve(f.rule, f.key, ev.occurred_at, ref(ev))
        if not p.get("type_test_cert"):
            st.book.open("F15.no_type_test", ev.event_id, ev.occurred_at, [ref(ev)],
                         {"kind": kind, "serial": p["serial"], "maker": p["maker"]})

    def _countersigned(self, st: AlertState, ev: LedgerEvent) -> None:
        p = ev.payload
        if p.get("accepted", True):
            st.book.resolve("F5.countersign", p["maintenance_ref"], ev.occurred_at, ref(ev))
        else:
            f = st.book.get("F5.countersign", p["maintenance_ref"])
            if f is not None and "refused_at" not in f.detail:
                st.book.amend(f, evidence=ref(ev), refused_at=ev.occurred_at)


def _interval_finding(rule: str, key: str, d0: int, d1: int | None, evidence: list[EventRef],
                      detail: dict[str, Any]) -> Finding:
    return Finding(rule, key, ordinal_start(d0), ordinal_start(d1) if d1 is not None else None, evidence, detail)


def _min_end(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def uncovered(window: tuple[int, int | None], cuts: list[tuple[int, int | None]]) -> list[tuple[int, int | None]]:
    """The parts of the half-open ``window`` that no cut covers (``None`` ends are open)."""
    start, end = window
    out: list[tuple[int, int | None]] = []
    cursor: int | None = start
    for a, b in sorted(cuts, key=lambda cut: cut[0]):
        if cursor is None or (end is not None and cursor >= end):
            break
        if b is not None and b <= cursor:
            continue
        if a > cursor:
            out.append((cursor, a if end is None else min(a, end)))
        cursor = None if b is None else max(cursor, b)
    if cursor is not None and (end is None or cursor < end):
        out.append((cursor, end))
    return [(a, b) for a, b in out if b is None or a < b]


AlertsView.handlers = {
    "Manufactured": AlertsView._manufactured,
    "Registered": AlertsView._registered,
    "MaintenanceContractSigned": AlertsView._contracts,
    "MaintenanceContractTerminated": AlertsView._contracts,
    "MaintenancePerformed": AlertsView._maintenance,
    "MaintenanceCountersigned": AlertsView._countersigned,
    "InspectionApplied": AlertsView._applied,
    "PeriodicInspected": AlertsView._report,
    "SelfTested": AlertsView._report,
    "SupervisoryInspected": AlertsView._report,
    "HazardFound": AlertsView._hazard_found,
    "HazardRectified": AlertsView._hazard_rectified,
    "FaultReported": AlertsView._fault,
    "Repaired": AlertsView._repaired,
    "MajorRepair": AlertsView._repaired,
    "EntrapmentRescue": AlertsView._rescue,
    "RunStatisticsReported": AlertsView._statistics,
    "Suspended": AlertsView._suspended,
    "Reactivated": AlertsView._reactivated,
    "Decommissioned": AlertsView._decommissioned,
    "RiskAssessed": AlertsView._assessed,
    "ComponentAssociated": AlertsView._component,
    "ComponentReplaced": AlertsView._component,
}
