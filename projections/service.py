"""The projections as one object: catch up, rebuild, and answer every question over the views and the reports.

    with Store(url) as store:
        p = Projections(store)
        p.catch_up()                                   # apply what was appended since the last run
        p.dossier("311031001201800001", at=t)          # 一梯一档 as of t
        p.alerts(open_only=True)                       # every open compliance alert
        p.responsibility(incident=event_id)            # ranked parties with evidence
        p.kpis(month="2024-05")                        # seed KPIs per district × maintainer

Reads never write; they answer from the views as stored (call :meth:`catch_up` first to include the latest
appends). "As of T" questions about one elevator replay its events up to T through the same folds as the views;
fleet questions filter the view rows by time. Every answer is plain JSON-ready data (documented in
docs/PROJECTIONS.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

import orjson

from ledger.core.errors import ConfigurationError, NotFoundError
from ledger.core.identifiers import format_instant, instant_from_text
from ledger.store import Store
from projections.config import DAY_S, DEFAULT_THRESHOLDS, Thresholds
from projections.framework.events import (
    EventRef,
    LedgerEvent,
    add_years,
    day,
    day_start,
    decode,
    local_day,
    month_of,
    month_window,
    ref_json,
    years_between,
)
from projections.framework.findings import BookState, Finding, FindingRow, evidence_json, evidence_refs
from projections.framework.runner import (
    ElevatorFoldView,
    ProjectionRunner,
    RunReport,
    St,
    View,
    effective_history,
)
from projections.framework.storage import Table
from projections.reports.credit import CreditInputs, blacklist, credit_ratings
from projections.reports.kpis import KpiInputs, compute_kpis, nearest_rank
from projections.reports.premium import PremiumInputs, premium
from projections.reports.quality import Entrapment, Fault, QualityInputs, Unit, quality_report
from projections.reports.responsibility import INCIDENT_TYPES, Situation, assess, incident_subject
from projections.reports.signals import FaultSighting, duplicate_evidence, post_replacement, worker_signals
from projections.views.alerts import ALERTS, RULES, AlertsView
from projections.views.dossier import DOSSIER, DossierView, directory_row, dossier_facts, render_dossier
from projections.views.fleet import (
    INCIDENTS,
    KPI_INSPECTIONS,
    KPI_MONTHLY,
    KPI_SERVICE,
    KPI_TICKETS,
    KPI_VALIDITY,
    FleetView,
    ServiceRow,
)
from projections.views.fraud import EVIDENCE, REPLACEMENTS, SIGNAL_LABELS, SIGNALS, WORKER_JOBS, FraudView
from projections.views.insurance import CLAIMS, POLICIES, ClaimRow, InsuranceView, PolicyRow
from projections.views.parties import LICENCES, ORGS, PENALTIES, RATINGS, REVOCATIONS, WORKERS, PartiesView

__all__ = ["VIEW_NAMES", "Projections", "default_views", "parse_at"]

VIEW_NAMES = ("parties", "dossier", "alerts", "fleet", "insurance", "fraud")
_INSTANT_DETAIL = frozenset({"since", "iot_silent_from", "stopped_since", "window_start", "window_end"})
# Detail a later event adds, stored with the instant it became true: shown only from then on.
_LATER_DETAIL = {"art84_candidate_at": "art84_candidate", "refused_at": "refused"}
_EVER = -(2**62)  # before any instant


class _FleetFault(NamedTuple):
    """A fault as F14.fault_p90 reads it (some columns of ``pj_incidents``)."""

    code: str
    event_id: str
    occurred_at: int
    hash: str


def default_views(config: Thresholds = DEFAULT_THRESHOLDS) -> list[View]:
    return [PartiesView(config), DossierView(config), AlertsView(config), FleetView(config),
            InsuranceView(config), FraudView(config)]


def parse_at(text: str | None) -> int | None:
    """``--at``: ``YYYY-MM-DDTHH:MM:SSZ`` or a China calendar date ``YYYY-MM-DD`` (its end, 23:59:59 local)."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            return day_start(day(text)) + DAY_S - 1
        return instant_from_text(text)
    except ValueError:
        raise ConfigurationError(f"--at {text!r}: use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)",
                                 code="argument.at") from None


class Projections:
    """Catch-up, rebuild and queries over one store's views."""

    def __init__(self, store: Store, config: Thresholds = DEFAULT_THRESHOLDS, *,
                 views: Sequence[View] | None = None, clock: Callable[[], float] = time.time,
                 chunk: int = 2_000, flush_every: int = 20_000) -> None:
        self.store, self.config, self.clock = store, config, clock
        self.views = list(views) if views is not None else default_views(config)
        self.runner = ProjectionRunner(store, self.views, chunk=chunk, flush_every=flush_every)
        self.db = self.runner.db

    # --- writing ---------------------------------------------------------------------------------------------

    def catch_up(self, *, progress: Callable[[int, int], None] | None = None) -> RunReport:
        return self.runner.run(progress=progress)

    def rebuild(self, names: Iterable[str] | None = None, *,
                progress: Callable[[int, int], None] | None = None) -> RunReport:
        if names is not None:
            unknown = sorted(set(names) - {v.name for v in self.views})
            if unknown:
                raise ConfigurationError(f"unknown view {unknown[0]!r}; views: {', '.join(VIEW_NAMES)}",
                                         code="argument.view")
        return self.runner.rebuild(names, progress=progress)

    def dump(self) -> bytes:
        """Every view row, canonical and ordered: equal dumps mean identical views."""
        return self.db.dump([t for v in self.views for t in v.tables])

    def positions(self) -> dict[str, int]:
        return {name: pos for name, (pos, _) in self.db.positions().items()}

    def lag(self) -> int:
        """How many ledger positions the slowest view is behind."""
        return max(0, self.store.index.max_position() - min(self.positions().values(), default=0))

    def status(self) -> dict[str, Any]:
        """The ledger's head position and, per view, its position, lag behind the head, code version and how many
        records it holds in quarantine (``liftledger status``, ``/readyz``). Reads only; catches nothing up."""
        head = self.store.index.max_position()
        counts = self.db.quarantine_counts()
        views = {name: {"position": position, "lag": max(0, head - position), "version": version,
                        "quarantined": counts.get(name, 0)}
                 for name, (position, version) in sorted(self.db.positions().items())}
        return {"head": head, "views": views, "quarantined": sum(counts.values())}

    def quarantine(self, view: str | None = None) -> list[dict[str, Any]]:
        """Every quarantined record (of one view), in log order: which view left it out, and the error."""
        return [{"view": r.view, "event_id": r.event_id, "position": r.position, "type": r.type,
                 "stream": r.stream_key, "error": r.error, "message": r.message} for r in self.db.quarantined(view)]

    # --- helpers ---------------------------------------------------------------------------------------------

    def now(self) -> int:
        return int(self.clock())

    def names(self) -> dict[str, str]:
        return {o.org: o.name for o in self.db.select(ORGS)}

    def _dossier_body(self, code: str) -> dict[str, Any] | None:
        bodies = self.db.values(DOSSIER, "body", "code = ?", (code,))
        return orjson.loads(bodies[0]) if bodies else None

    def _history(self, code: str, at: int) -> list[LedgerEvent]:
        """The elevator's events up to ``at`` as a fold sees them (a replay cut at T)."""
        rows = [(row, record) for row, record in self.store.index.stream_rows(code) if row.stream_kind == "elevator"]
        if not rows:
            raise NotFoundError(f"elevator {code} is not in the ledger", code="elevator.unknown")
        events = [decode(row, record) for row, record in rows if row.occurred_at <= at]
        if not events:
            raise NotFoundError(f"elevator {code} has no events at or before {format_instant(at)}",
                                code="elevator.not_yet")
        return effective_history(events)

    def _fold(self, view_class: type[ElevatorFoldView[St]], code: str, events: list[LedgerEvent]) -> St:
        """A replay through a fresh view that leaves out what the stored view quarantined (and, should a record
        throw that the stored view has not reached yet, that record too: a replay never fails on a record)."""
        view = view_class(self.config)
        view.poisoned = self.db.quarantined_ids(view.name)
        return view.fold(code, events)

    # --- dossier ---------------------------------------------------------------------------------------------

    def dossier(self, code: str, at: int | None = None) -> dict[str, Any]:
        """一梯一档 now (from the stored view) or as of ``at`` (a replay of the events up to ``at``)."""
        if at is None:
            facts = self._dossier_body(code)
            if facts is None:
                raise NotFoundError(f"elevator {code} is not in the ledger (or the views are behind: catch up)",
                                    code="elevator.unknown")
            at = self.now()
        else:
            facts = self.dossier_facts_at(code, at)
        return render_dossier(facts, at, self.names(), self.config)

    def dossier_facts_at(self, code: str, at: int) -> dict[str, Any]:
        """The dossier's stored form as a replay up to ``at`` makes it (through JSON, exactly as stored)."""
        st = self._fold(DossierView, code, self._history(code, at))
        facts: dict[str, Any] = orjson.loads(orjson.dumps(dossier_facts(st)))
        return facts

    def directory(self, at: int | None = None) -> list[dict[str, Any]]:
        """Every elevator in 设备代码 order as lists of elevators show it (projections.views.dossier.directory_row),
        as of ``at`` (default now; the ``occurred_at`` clock)."""
        at = self.now() if at is None else at
        names = self.names()
        return [directory_row(orjson.loads(body), at, names, self.config)
                for body in self.db.values(DOSSIER, "body", "code IS NOT NULL ORDER BY code")]

    # --- alerts ----------------------------------------------------------------------------------------------

    def alerts(self, *, open_only: bool = False, code: str | None = None, at: int | None = None,
               fleet_rules: bool = True) -> list[dict[str, Any]]:
        """Alerts opened by ``at`` (default now); with ``open_only``, those still open at ``at``."""
        at = self.now() if at is None else at
        where: list[str] = ["opened_at <= ?"]
        params: list[Any] = [at]
        if open_only:
            where.append("(closed_at IS NULL OR closed_at > ?)")
            params.append(at)
        if code is not None:
            self._require_elevator(code)
            where.append("code = ?")
            params.append(code)
        out = [_alert_json(row, at) for row in self.db.select(ALERTS, " AND ".join(where), params)]
        if fleet_rules:
            out += [a for a in self._fault_p90(at) if code is None or a["equipment_code"] == code]
        out.sort(key=lambda a: (a["equipment_code"], a["opened_at"], a["rule"], a["key"]))
        return out

    def awaiting_countersignature(self, at: int | None = None) -> list[dict[str, Any]]:
        """Maintenance records made by ``at`` that the user unit had not countersigned at ``at``: overdue when
        the rule's days have passed (rule F5.countersign open), else still due (``due_at`` ahead)."""
        at = self.now() if at is None else at
        grace = self.config.countersign_days * DAY_S
        rows = self.db.select(ALERTS, "rule = 'F5.countersign' AND opened_at - ? <= ? AND "
                                      "(closed_at IS NULL OR closed_at > ?)", (grace, at, at))
        return [{"equipment_code": row.code, "maintenance_event": row.key,
                 "maintainer": orjson.loads(row.detail).get("maintainer"),
                 "visit_at": format_instant(row.opened_at - grace), "due_at": format_instant(row.opened_at),
                 "overdue": row.opened_at <= at} for row in sorted(rows, key=lambda r: (r.opened_at, r.code))]

    def _require_elevator(self, code: str) -> None:
        if not self.db.values(DOSSIER, "code", "code = ?", (code,)):
            raise NotFoundError(f"elevator {code} is not in the ledger", code="elevator.unknown")

    def _fault_p90(self, at: int) -> list[dict[str, Any]]:
        """F14 (fleet-relative): faults in the last year above the fleet's P90, no RiskAssessed in 3 years."""
        since = at - 365 * DAY_S
        units = self.db.values(KPI_SERVICE, "code", "start_at <= ? AND (end_at IS NULL OR end_at > ?)", (at, at),
                               distinct=True)
        if not units:
            return []
        faults: dict[str, list[_FleetFault]] = {code: [] for code in units}
        last_year = "type = 'FaultReported' AND occurred_at > ? AND occurred_at <= ?"
        for fault in self.db.select_as(INCIDENTS, _FleetFault, last_year, (since, at)):
            if fault.code in faults:
                faults[fault.code].append(fault)
        p90 = nearest_rank([len(v) for v in faults.values()], self.config.fault_percentile)
        assessed_since = day_start(add_years(local_day(at), -self.config.risk_validity_years))
        out = []
        for code, rows in sorted(faults.items()):
            if len(rows) <= p90 or len(rows) < self.config.fault_percentile_min_faults:
                continue
            body = self._dossier_body(code)
            assert body is not None  # the views are caught up together: a unit in service has its dossier
            if any(assessed_since <= a["at"] <= at for a in body["risk_assessments"]):
                continue
            rows.sort(key=lambda r: r.occurred_at)
            crossing = rows[int(p90)]
            evidence = [ref_json(EventRef(r.event_id, "FaultReported", r.hash, r.occurred_at)) for r in rows[:20]]
            rule = RULES["F14.fault_p90"]
            out.append({"rule": rule.id, "label": rule.label, "severity": rule.severity, "source": rule.source,
                        "equipment_code": code, "key": f"p90@{month_of(at)}",
                        "opened_at": format_instant(crossing.occurred_at), "closed_at": None, "open": True,
                        "computed": True,
                        "detail": {"faults_last_year": len(rows), "fleet_p90": p90}, "evidence": evidence})
        return out

    # --- responsibility --------------------------------------------------------------------------------------

    def responsibility(self, *, incident: str | None = None, code: str | None = None,
                       at: int | None = None) -> dict[str, Any]:
        """The ranked responsibility list for an incident event, or for an elevator at a time."""
        if incident is not None:
            row = self.store.index.lookup_events([incident]).get(incident)
            if row is None:
                raise NotFoundError(f"no event {incident} in the ledger", code="event.unknown")
            if row.type not in INCIDENT_TYPES or row.stream_kind != "elevator":
                raise NotFoundError(f"event {incident} is a {row.type}, not an incident (a fault, entrapment, claim, "
                                    "accident or hazard)", code="incident.unknown")
            code, at = row.stream_key, row.occurred_at
        if code is None or at is None:
            raise ConfigurationError("give an incident event id, or an elevator and a time", code="argument.missing")
        events = self._history(code, at)
        incident_ev = (next((ev for ev in events if incident in (ev.event_id, ev.corrects)), None) if incident
                       else None)
        subject, subsystem, fault_code = (incident_subject(incident_ev, events) if incident_ev is not None
                                          else (None, None, None))
        situation = self._situation(code, at, events, incident_ev, subject, fault_code)
        return assess(situation, subsystem, fault_code, self.config)

    def _situation(self, code: str, at: int, events: list[LedgerEvent], incident: LedgerEvent | None,
                   subject: LedgerEvent | None, fault_code: int | None) -> Situation:
        dossier = self._fold(DossierView, code, events)
        alerts = self._fold(AlertsView, code, events)
        fraud = self._fold(FraudView, code, events)
        same_mode = []
        model = dossier.ctx.model
        if fault_code is not None and model is not None:
            since = at - self.config.same_mode_window_days * DAY_S
            same_mode = self.db.select(INCIDENTS, "model = ? AND fault_code = ? AND type = 'FaultReported' AND "
                                       "occurred_at >= ? AND occurred_at <= ?", (model, fault_code, since, at))
        return Situation(
            code=code, at=at, incident=incident, subject=subject, events=events, ctx=dossier.ctx,
            facts=dossier_facts(dossier),
            alerts=[f for f in _findings_of(alerts, ALERTS) if f.opened_at <= at],
            signals=[f for f in _findings_of(fraud, SIGNALS) if f.opened_at <= at],
            same_mode=same_mode,
            penalties=self.db.select(PENALTIES, "occurred_at <= ?", (at,)),
            names=self.names(),
        )

    # --- KPIs ------------------------------------------------------------------------------------------------

    def months(self) -> list[str]:
        """Months that have KPI activity, oldest first."""
        found: set[str] = set()
        for table in (KPI_MONTHLY, KPI_TICKETS, KPI_INSPECTIONS):
            found.update(self.db.values(table, "month", distinct=True))
        return sorted(found)

    def kpis(self, month: str | None = None, district: str | None = None) -> dict[str, Any]:
        """The KPI table of one month (default: the latest with activity) per district × maintainer."""
        if month is None:
            months = self.months()
            month = months[-1] if months else month_of(self.now())
        _check_month(month)
        start, end = month_window(month)
        inputs = KpiInputs(
            month=month,
            tickets=self.db.select(KPI_TICKETS, "month = ?", (month,)),
            inspections=self.db.select(KPI_INSPECTIONS, "month = ?", (month,)),
            service=self.db.select(KPI_SERVICE, "start_at < ? AND (end_at IS NULL OR end_at > ?)", (end, start)),
            validity=self.db.select(KPI_VALIDITY, "start_at < ? AND end_at >= ?", (end, end)),
            monthly=self.db.select(KPI_MONTHLY, "month = ?", (month,)),
        )
        rows = compute_kpis(inputs, self.config)
        if district is not None:
            rows = [r for r in rows if r["district"] == district]
        names = self.names()
        for r in rows:
            r["maintainer_name"] = names.get(r["maintainer"]) if r["maintainer"] not in ("", "*") else None
        return {"month": month, "district": district, "rows": rows}

    # --- credit, blacklist, quality ----------------------------------------------------------------------------

    def _credit_inputs(self, at: int) -> CreditInputs:
        start = at - self.config.credit_window_days * DAY_S
        orgs = {o.org: {"name": o.name, "roles": orjson.loads(o.roles)} for o in self.db.select(ORGS)}
        signals = [{"rule": s["rule"], "maintainer": s["detail"].get("maintainer"),
                    "event_ids": [e["event_id"] for e in s["evidence"] if e["type"] == "MaintenancePerformed"]}
                   for s in self.fraud(at=at, since=start)]
        return CreditInputs(
            at=at, start=start, orgs=orgs,
            licences=self.db.select(LICENCES),
            revocations=self.db.select(REVOCATIONS, "revoked_at <= ?", (at,)),
            workers=self.db.select(WORKERS),
            service=self.db.select(KPI_SERVICE, "start_at < ? AND (end_at IS NULL OR end_at > ?)", (at, start)),
            monthly=self.db.select(KPI_MONTHLY, "month >= ? AND month <= ?", (month_of(start), month_of(at))),
            tickets=self.db.select(KPI_TICKETS, "alarm_at >= ? AND alarm_at <= ?", (start, at)),
            inspections=self.db.select(KPI_INSPECTIONS, "at >= ? AND at <= ?", (start, at)),
            accidents=self.db.select(INCIDENTS, "type = 'AccidentReported' AND occurred_at <= ?", (at,)),
            penalties=self.db.select(PENALTIES, "occurred_at <= ?", (at,)),
            signals=signals,
            ratings=self.db.select(RATINGS, "occurred_at <= ?", (at,)),
        )

    def credit(self, at: int | None = None) -> dict[str, Any]:
        """Maintainer credit grades with their breakdown, and the blacklist, as of ``at``."""
        at = self.now() if at is None else at
        inputs = self._credit_inputs(at)
        listed = blacklist(inputs, self.config)
        return {"at": format_instant(at), "maintainers": credit_ratings(inputs, self.config, listed),
                "blacklist": listed}

    def quality(self, at: int | None = None) -> dict[str, Any]:
        at = self.now() if at is None else at
        inputs = QualityInputs(
            at=at,
            units=[u.as_of(at) for u in self.db.select_as(DOSSIER, Unit, "manufactured_at <= ?", (at,))],
            service=self.db.select(KPI_SERVICE, "start_at <= ?", (at,)),
            faults=self.db.select_as(INCIDENTS, Fault, "type = 'FaultReported' AND occurred_at <= ?", (at,)),
            entrapments=self.db.select_as(KPI_TICKETS, Entrapment, "alarm_at <= ? AND false_alarm = 0", (at,)),
            names=self.names(),
        )
        return {"at": format_instant(at), **quality_report(inputs, self.config)}

    # --- insurance -------------------------------------------------------------------------------------------

    def claims(self, code: str, at: int | None = None) -> dict[str, Any]:
        """Claim history per policy for one elevator, and its premium coefficient with the explanation."""
        self._require_elevator(code)
        at = self.now() if at is None else at
        policies = [_policy_json(r) for r in self.db.select(POLICIES, "code = ?", (code,))]
        claims = [_claim_json(r) for r in self.db.select(CLAIMS, "code = ? AND filed_at <= ?", (code, at))]
        for p in policies:
            p["claims"] = [c for c in claims if c["policy_no"] == p["policy_no"]]
        return {"equipment_code": code, "at": format_instant(at), "policies": policies, "claims": claims,
                "premium": self._premium(code, at, claims)}

    def claim_list(self, at: int | None = None, insurer: str | None = None) -> list[dict[str, Any]]:
        """Every claim filed by ``at`` (default now), of one insurer or all; a settlement after ``at`` is not yet
        known then, so such a claim reads as open (``outcome`` None)."""
        at = self.now() if at is None else at
        where, params = "filed_at <= ?", list[Any]([at])
        if insurer is not None:
            where += " AND insurer = ?"
            params.append(insurer)
        out = []
        for row in self.db.select(CLAIMS, where, params):
            claim = _claim_json(row)
            if row.settled_at is not None and row.settled_at > at:
                claim.update(outcome=None, paid_fen=None, settled_at=None, liability_finding=None)
            out.append(claim)
        return out

    def policy_list(self, at: int | None = None, insurer: str | None = None) -> list[dict[str, Any]]:
        """The policies whose period had begun by ``at`` (its day in China), of one insurer or all, each saying
        whether it is in force then (``in_force``) or has run out."""
        at = self.now() if at is None else at
        today = local_day(at).isoformat()
        where, params = "period_start <= ?", list[Any]([today])
        if insurer is not None:
            where += " AND insurer = ?"
            params.append(insurer)
        return [{**_policy_json(row), "in_force": row.period_end >= today}
                for row in self.db.select(POLICIES, where, params)]

    def premium(self, code: str, at: int | None = None) -> dict[str, Any]:
        """One elevator's premium coefficient and its factors at ``at``."""
        at = self.now() if at is None else at
        claims = [_claim_json(r) for r in self.db.select(CLAIMS, "code = ? AND filed_at <= ?", (code, at))]
        return self._premium(code, at, claims)

    def policy(self, policy_no: str) -> list[dict[str, Any]]:
        """A policy by number (across elevators), with its claims."""
        out = []
        for row in self.db.select(POLICIES, "policy_no = ?", (policy_no,)):
            p = _policy_json(row)
            p["claims"] = [_claim_json(r) for r in self.db.select(CLAIMS, "code = ? AND policy_no = ?",
                                                                   (row.code, policy_no))]
            out.append(p)
        return out

    def _premium(self, code: str, at: int, claims: list[dict[str, Any]]) -> dict[str, Any]:
        (dossier,) = self.db.select(DOSSIER, "code = ?", (code,))
        facts = orjson.loads(dossier.body)
        today = local_day(at).isoformat()
        active = [c for c in facts["contracts"] if c["start"] <= today <= c["last_day"]]
        maintainer = max(active, key=lambda c: c["start"])["maintainer"] if active else None
        credit = self.credit(at) if maintainer else {"maintainers": []}
        mine = next((m for m in credit["maintainers"] if m["org"] == maintainer), None)
        grade, source = (mine["grade"], "computed") if mine else (None, "none")
        window = at - self.config.premium_claims_years * 365 * DAY_S
        recent = [{"claim_no": c["claim_no"], "filed_at": c["filed_at"], "evidence": c["evidence"][0]}
                  for c in claims if instant_from_text(c["filed_at"]) >= window]
        since = at - 365 * DAY_S
        mine_faults = self.db.count(INCIDENTS, "code = ? AND type = 'FaultReported' AND occurred_at > ? AND "
                                    "occurred_at <= ?", (code, since, at))
        fleet_faults = self.db.count(INCIDENTS, "type = 'FaultReported' AND occurred_at > ? AND occurred_at <= ?",
                                     (since, at))
        service = self.db.select(KPI_SERVICE, "start_at < ? AND (end_at IS NULL OR end_at > ?)", (at, since))
        fleet_years = sum(_overlap_years(r, since, at) for r in service)
        my_years = sum(_overlap_years(r, since, at) for r in service if r.code == code)
        current = [p for p in facts["policies"] if p["period_start"] <= today <= p["period_end"]]
        names = self.names()
        return premium(PremiumInputs(
            site_category=dossier.site_category,
            age_years=years_between(dossier.use_start, at) if dossier.use_start else None,
            maintainer=maintainer, maintainer_name=names.get(maintainer or ""), maintainer_grade=grade,
            grade_source=source, claims=recent,
            faults_per_unit_year=mine_faults / my_years if my_years else None,
            fleet_faults_per_unit_year=fleet_faults / fleet_years if fleet_years else None,
            current_premium_fen=current[-1]["premium_fen"] if current else None,
        ), self.config)

    # --- fraud -----------------------------------------------------------------------------------------------

    def fraud(self, code: str | None = None, at: int | None = None, since: int | None = None, *,
              include_closed: bool = False) -> list[dict[str, Any]]:
        """The fraud signals standing at ``at`` (optionally only those raised from ``since`` on, on one elevator;
        ``include_closed`` adds those a later event closed, e.g. IoT evidence that arrived after all)."""
        at = self.now() if at is None else at
        if code is not None:
            self._require_elevator(code)
        low = since if since is not None else _EVER
        where = "opened_at <= ? AND opened_at >= ?"
        if not include_closed:
            where += " AND (closed_at IS NULL OR closed_at > ?)"
        params = (at, low) if include_closed else (at, low, at)
        stored = [_signal_json(r, at) for r in self.db.select(SIGNALS, where, params)]
        jobs = self.db.select(WORKER_JOBS, "occurred_at <= ? AND started_at >= ?", (at, low - DAY_S))
        evidence = self.db.select(EVIDENCE, "occurred_at <= ?", (at,))
        replacements = self.db.select(REPLACEMENTS, "occurred_at <= ?", (at,))
        faults = self.db.select_as(INCIDENTS, FaultSighting, "type = 'FaultReported' AND occurred_at <= ?", (at,))
        service = self.db.select(KPI_SERVICE, "start_at <= ?", (at,))
        fleet_years = sum(_overlap_years(r, _EVER, at) for r in service)
        computed = [*worker_signals(jobs, self.config), *duplicate_evidence(evidence),
                    *post_replacement(replacements, faults, fleet_years, at, self.config)]
        for s in computed:
            s["label"] = SIGNAL_LABELS[s["rule"]]
            s["computed"] = True
        if since is not None:
            computed = [s for s in computed if instant_from_text(s["opened_at"]) >= since]
        out = stored + computed
        if code is not None:
            out = [s for s in out if code in s["equipment_codes"]]
        out.sort(key=lambda s: (s["opened_at"], s["rule"], s["key"]))
        return out


# --- JSON shapes -------------------------------------------------------------------------------------------------


def _check_month(month: str) -> None:
    if len(month) != 7 or month[4] != "-" or not (month[:4] + month[5:]).isdigit() or not 1 <= int(month[5:]) <= 12:
        raise ConfigurationError(f"--month {month!r}: use YYYY-MM", code="argument.month")


def _overlap_years(segment: ServiceRow, start: int, end: int) -> float:
    return segment.seconds_within(start, end) / (365 * DAY_S)


def _detail_json(detail: dict[str, Any], at: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in detail.items():
        if k in _LATER_DETAIL:
            if v <= at:
                out[_LATER_DETAIL[k]] = True
                out[k] = format_instant(v)
        else:
            out[k] = format_instant(v) if k in _INSTANT_DETAIL and isinstance(v, int) else v
    return out


def _alert_json(row: FindingRow, at: int) -> dict[str, Any]:
    rule = RULES[row.rule]
    closed = row.closed_at
    still_open = closed is None or closed > at
    return {"rule": row.rule, "label": rule.label, "severity": rule.severity, "source": rule.source,
            "equipment_code": row.code, "key": row.key, "opened_at": format_instant(row.opened_at),
            "closed_at": None if closed is None or still_open else format_instant(closed), "open": still_open,
            "detail": _detail_json(orjson.loads(row.detail), at), "evidence": evidence_json(row.evidence, at)}


def _signal_json(row: FindingRow, at: int) -> dict[str, Any]:
    detail = orjson.loads(row.detail)
    closed = row.closed_at
    return {"rule": row.rule, "label": SIGNAL_LABELS[row.rule], "pattern": detail.pop("pattern", None),
            "key": row.key, "equipment_codes": [row.code], "opened_at": format_instant(row.opened_at),
            "closed_at": format_instant(closed) if closed is not None and closed <= at else None,
            "detail": _detail_json(detail, at), "evidence": evidence_json(row.evidence, at)}


def _findings_of(st: BookState, table: Table[FindingRow]) -> list[Finding]:
    """Every finding a replayed state holds: live ones and those already written to its pending rows."""
    found = {(f.rule, f.key): f for f in st.book.live.values()}
    for (t, _), row in st.rows.items():
        if t is table and row is not None and (row.rule, row.key) not in found:
            written: FindingRow = row
            found[(written.rule, written.key)] = Finding(written.rule, written.key, written.opened_at,
                                                         written.closed_at, evidence_refs(written.evidence),
                                                         orjson.loads(written.detail))
    return sorted(found.values(), key=lambda f: (f.opened_at, f.rule, f.key))


def _policy_json(row: PolicyRow) -> dict[str, Any]:
    return {"equipment_code": row.code, "policy_no": row.policy_no, "insurer": row.insurer, "product": row.product,
            "insured": row.insured, "period_start": row.period_start, "period_end": row.period_end,
            "premium_fen": row.premium_fen, "limit_per_person_fen": row.limit_per_person_fen,
            "limit_aggregate_fen": row.limit_aggregate_fen, "coefficients": orjson.loads(row.coefficients),
            "adjustments": orjson.loads(row.adjustments), "evidence": orjson.loads(row.evidence)}


def _claim_json(row: ClaimRow) -> dict[str, Any]:
    return {"equipment_code": row.code, "claim_no": row.claim_no, "policy_no": row.policy_no, "insurer": row.insurer,
            "filed_at": format_instant(row.filed_at), "loss_type": row.loss_type, "reserve_fen": row.reserve_fen,
            "incidents": orjson.loads(row.incidents), "outcome": row.outcome, "paid_fen": row.paid_fen,
            "settled_at": format_instant(row.settled_at) if row.settled_at is not None else None,
            "liability_finding": row.liability_finding, "liable_parties": orjson.loads(row.liable_parties),
            "subrogation_target": row.subrogation_target, "evidence": orjson.loads(row.evidence)}
