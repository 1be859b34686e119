"""Fraud signals (docs/DOMAIN.md (f)): patterns in the record that a regulator should look at, each with its evidence.

A signal is not a finding of fraud; it says which events, read together, look like one of the four patterns.
Signals visible within one elevator's history are folded here; those that need several elevators or the fleet
(one worker in two places, the same photo on two records, parts that fail more than the fleet after replacement)
are computed when asked, from the rows this view keeps (:mod:`projections.reports.signals`).

=============================  ==========================================================================
signal                         pattern and evidence
=============================  ==========================================================================
FV.short_duration              虚假维保: visit shorter than its tier's minimum
FV.same_person_twice           虚假维保: one certificate signed twice on one record (two signatures, one person)
FV.no_iot_evidence             虚假维保: the elevator's IoT terminal shows no 检修 (inspection mode) in the window
FV.off_site_checkin           虚假维保: checked in far from where this elevator's visits check in
FV.impossible_travel  (fleet)  虚假维保: one worker's consecutive jobs too far apart for the time between them
FV.overlapping_jobs   (fleet)  虚假维保: one worker on two records at once
FV.duplicate_evidence (fleet)  虚假维保: the same evidence digest (photo) on two records
FR.no_preceding_fault          套取大修基金: repair or replacement with no fault or finding on its subsystem before
FR.repeat_replacement          套取大修基金: the same component replaced again and again
FR.unknown_old_serial          套取大修基金: the "replaced" part is not the one the dossier has
FS.non_oem_part                以次充好: a part not from the original manufacturer
FS.no_type_test                以次充好: a safety component without a type-test certificate
FS.post_replacement   (fleet)  以次充好: faults on the subsystem after the replacement above the fleet baseline
FB.door_open_movement          短接安全回路: car moved with the door circuit open (codes 5, 运行中开门, 开门走梯)
FB.repeated_safety_alarms      短接安全回路: repeated code-1 alarms that stop with no repair
FB.bypass_item_normal          短接安全回路: item A-1-09 (旁路装置) marked normal between anomalies, none repaired
FB.running_while_suspended     短接安全回路: the elevator runs while suspended
=============================  ==========================================================================
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

import orjson

from ledger.core.gbt24476 import DOOR_OPEN_MOVEMENT_CODES, FAULT_CODES, INSPECTION_EVENT_CODE, INSPECTION_SERVICE_MODE
from ledger.core.maintenance_items import ITEMS
from ledger.core.schema.lifecycle import SAFETY_COMPONENTS
from projections.config import DAY_S
from projections.framework.context import ElevatorContext, is_run_evidence
from projections.framework.events import EventRef, LedgerEvent, instant, ref
from projections.framework.findings import BookState, FindingFoldView, FindingRow
from projections.framework.geo import distance_km, median_point
from projections.framework.storage import Json, Table

__all__ = [
    "EVIDENCE",
    "KIND_SUBSYSTEM",
    "PATTERNS",
    "REPLACEMENTS",
    "SIGNALS",
    "SIGNAL_LABELS",
    "WORKER_JOBS",
    "EvidenceRow",
    "FraudState",
    "FraudView",
    "JobRow",
    "ReplacementRow",
]


class JobRow(NamedTuple):
    """A maintenance visit with where it checked in and who did it (``pj_jobs``)."""

    event_id: str
    code: str
    started_at: int
    ended_at: int
    lat_e6: int | None
    lon_e6: int | None
    maintainer: str
    workers: Json  # certificate numbers, in the order signed, each once
    hash: str
    occurred_at: int


class EvidenceRow(NamedTuple):
    """An evidence digest (a photo) on a work record (``pj_evidence``)."""

    sha256: str
    event_id: str
    code: str
    type: str
    occurred_at: int
    org: str
    hash: str


class ReplacementRow(NamedTuple):
    """A component replacement (``pj_replacements``); ``oem`` 1 when the part's maker is the manufacturer."""

    event_id: str
    code: str
    kind: str
    subsystem: str | None
    occurred_at: int
    maker_org: str | None
    oem: int
    type_test_cert: str | None
    by_org: str
    hash: str


SIGNALS = Table("pj_signals", FindingRow, key=("code", "rule", "key"))
# code first: one B-tree serves both lookups and whole-elevator replacement
WORKER_JOBS = Table("pj_jobs", JobRow, key=("code", "event_id"))
EVIDENCE = Table("pj_evidence", EvidenceRow, key=("sha256", "event_id"))
REPLACEMENTS = Table("pj_replacements", ReplacementRow, key=("event_id",))

PATTERNS = {"FV": "虚假维保", "FR": "无故障报故障套取大修基金", "FS": "以次充好", "FB": "短接安全回路"}
SIGNAL_LABELS: dict[str, str] = {
    "FV.short_duration": "维保时长低于该级别最低时长",
    "FV.same_person_twice": "同一证书在一条记录上签名两次",
    "FV.no_iot_evidence": "维保时段内物联网无检修状态记录",
    "FV.off_site_checkin": "维保签到位置远离该电梯通常的签到位置",
    "FV.impossible_travel": "同一作业人员两次作业之间的距离不可能到达",
    "FV.overlapping_jobs": "同一作业人员同时出现在两条维保记录上",
    "FV.duplicate_evidence": "两条记录使用同一证据文件(照片)",
    "FR.no_preceding_fault": "维修/更换前该子系统无故障或隐患记录",
    "FR.repeat_replacement": "同一部件反复更换",
    "FR.unknown_old_serial": "被更换部件编号与档案不符",
    "FS.non_oem_part": "非原厂部件",
    "FS.no_type_test": "安全部件无型式试验证书",
    "FS.post_replacement": "更换后该子系统故障率高于全市基线",
    "FB.door_open_movement": "开门走车/运行中开门",
    "FB.repeated_safety_alarms": "安全回路反复报警后无维修即消失",
    "FB.bypass_item_normal": "旁路装置项(A-1-09)记为正常而异常仍在继续",
    "FB.running_while_suspended": "停用期间仍在运行",
}
# Which subsystem each replaceable component belongs to (ties a replacement to earlier faults).
KIND_SUBSYSTEM: dict[str, str | None] = {
    "traction_machine": "traction", "door_operator": "door", "safety_gear": "governor", "governor": "governor",
    "controller": "control", "buffer": "buffer", "door_lock": "door", "ucmp_device": "brake",
    "ascending_overspeed_device": "governor", "ropes": "traction", "brake": "brake", "other": None,
}
_WORK_TYPES = frozenset({"MaintenancePerformed", "Repaired", "ComponentReplaced", "MajorRepair", "HazardRectified"})
_FINDING_OUTCOMES = frozenset({"fail", "adjusted", "replaced"})
_BYPASS_ITEM = "A-1-09"
_SITE_VISITS = 24  # the check-ins the elevator's site is estimated from (about a year of visits)
_SAFETY_CIRCUIT_CODE = 1
_ANOMALY_CODES = DOOR_OPEN_MOVEMENT_CODES | {_SAFETY_CIRCUIT_CODE}


class IotWindow(NamedTuple):
    """A visit ``[start, end]`` waiting for the IoT terminal's 检修 evidence (the signal key)."""

    start: int
    end: int
    key: str


class AlarmCluster(NamedTuple):
    key: str  # of the live repeated-alarm signal
    last_at: int  # the last alarm in it


class ArmedBypass(NamedTuple):
    """An A-1-09 "pass" just after an unrepaired anomaly, waiting for the next anomaly."""

    anomaly: EventRef
    visit: EventRef


@dataclass(slots=True)
class FraudState(BookState):
    findings: dict[str, int] = field(default_factory=dict)  # subsystem → last fault/finding time ("*": any)
    faults: dict[str, str | None] = field(default_factory=dict)  # fault event id → subsystem
    serials: dict[str, str] = field(default_factory=dict)  # component kind → current serial
    replaced: dict[str, deque[EventRef]] = field(default_factory=dict)
    iot_checks: deque[int] = field(default_factory=lambda: deque(maxlen=64))  # 检修-mode IoT evidence times
    pending_iot: list[IotWindow] = field(default_factory=list)
    alarms: deque[EventRef] = field(default_factory=deque)
    alarm_cluster: AlarmCluster | None = None
    last_anomaly: EventRef | None = None  # the last door-open movement or code-1 alarm since a safety repair
    bypass_pass: ArmedBypass | None = None
    suspended_runs: int = 0
    last_status_at: int | None = None  # the terminal last streamed service modes or run statistics
    checkins: deque[tuple[int, int]] = field(default_factory=lambda: deque(maxlen=_SITE_VISITS))


class FraudView(FindingFoldView[FraudState]):
    name: ClassVar[str] = "fraud"
    version: ClassVar[str] = "4"
    tables: ClassVar[tuple[Table[Any], ...]] = (SIGNALS, WORKER_JOBS, EVIDENCE, REPLACEMENTS)
    finding_table: ClassVar[Table[FindingRow]] = SIGNALS
    handlers: ClassVar[dict[str, Callable[[Any, Any, LedgerEvent], None]]] = {}
    types: ClassVar[frozenset[str]] = frozenset({
        "Manufactured", "ComponentAssociated", "ComponentReplaced", "Repaired", "MajorRepair", "HazardRectified",
        "MaintenancePerformed", "FaultReported", "HazardFound", "EntrapmentRescue", "PeriodicInspected",
        "SelfTested", "SupervisoryInspected", "ComplaintFiled", "TerminalEventReported", "RunStatisticsReported",
        "Suspended", "Reactivated", "Decommissioned", "MaintenanceContractSigned", "MaintenanceContractTerminated",
        "Registered",
    })

    def new_state(self, code: str) -> FraudState:
        return self.with_book(FraudState(code, ElevatorContext(code)))

    def step(self, st: FraudState, ev: LedgerEvent) -> None:
        self._expire(st, ev.occurred_at)
        super().step(st, ev)
        if ev.type in _WORK_TYPES and ev.evidence:
            for item in ev.evidence:
                st.rows[(EVIDENCE, (item["sha256"], ev.event_id))] = EvidenceRow(
                    sha256=item["sha256"], event_id=ev.event_id, code=st.code, type=ev.type,
                    occurred_at=ev.occurred_at, org=ev.org, hash=ref(ev).hash)
        if ev.type in ("TerminalEventReported", "RunStatisticsReported"):
            st.last_status_at = ev.occurred_at
        if ev.role == "iot_terminal" and _inspection_mode(ev):
            self._iot_check(st, ev.occurred_at)
        if st.ctx.suspended_at is not None and is_run_evidence(ev):
            self._suspended_run(st, ev)

    def _signal(self, st: FraudState, rule: str, key: str, at: int, evidence: list[EventRef], **detail: Any) -> None:
        st.book.record(rule, key, at, None, evidence, {"pattern": PATTERNS[rule[:2]], **detail})

    def _expire(self, st: FraudState, now: int) -> None:
        """Windows that can no longer change: settle their signals."""
        slack = self.config.iot_evidence_slack_s
        if st.pending_iot and st.pending_iot[0].end + slack < now:
            keep = []
            for window in st.pending_iot:
                if window.end + slack < now:
                    st.book.settle("FV.no_iot_evidence", window.key)
                else:
                    keep.append(window)
            st.pending_iot = keep
        cluster = st.alarm_cluster
        if cluster is not None and cluster.last_at + self.config.safety_alarm_days * DAY_S < now:
            st.book.settle("FB.repeated_safety_alarms", cluster.key)
            st.alarm_cluster = None

    # --- 虚假维保 ---------------------------------------------------------------------------------------------

    def _maintenance(self, st: FraudState, ev: LedgerEvent) -> None:
        p = ev.payload
        s, e, r = instant(p["started_at"]), instant(p["ended_at"]), ref(ev)
        minimum = self.config.tier_min_minutes.get(p["tier"], 30)
        if e - s < minimum * 60:
            self._signal(st, "FV.short_duration", ev.event_id, ev.occurred_at, [r], maintainer=ev.org,
                         tier=p["tier"], minutes=(e - s) // 60, minimum_minutes=minimum)
        workers = [x["cert_no"] for x in ev.persons if x.get("role") == "worker"]
        if len(set(workers)) < len(workers):
            self._signal(st, "FV.same_person_twice", ev.event_id, ev.occurred_at, [r], maintainer=ev.org,
                         certificates=workers)
        where = p.get("checkin") or ev.location or {}
        if where:
            self._checkin(st, ev, (where["lat_e6"], where["lon_e6"]), r)
        st.rows[(WORKER_JOBS, (st.code, ev.event_id))] = JobRow(
            event_id=ev.event_id, code=st.code, started_at=s, ended_at=e, lat_e6=where.get("lat_e6"),
            lon_e6=where.get("lon_e6"), maintainer=ev.org,
            workers=orjson.dumps(list(dict.fromkeys(workers))).decode(), hash=r.hash, occurred_at=ev.occurred_at)
        self._iot_window(st, ev, s, e, r)
        results = p["results"]
        if not _FINDING_OUTCOMES.isdisjoint(results.values()):
            for item, outcome in results.items():
                if outcome in _FINDING_OUTCOMES:
                    st.findings[ITEMS[item].subsystem] = ev.occurred_at
        if _BYPASS_ITEM in results:
            self._bypass_item(st, ev, results[_BYPASS_ITEM] == "pass", r)

    def _bypass_item(self, st: FraudState, ev: LedgerEvent, passed: bool, r: EventRef) -> None:
        """A-1-09 marked normal just after an unrepaired anomaly: armed until the next one (see _anomaly).

        One anomaly near a visit is what any elevator shows now and then; anomalies on both sides of a visit that
        found the bypass device normal, with no repair between, are what a bypassed circuit shows.
        """
        anomaly = st.last_anomaly
        window = self.config.bypass_item_days * DAY_S
        recent = anomaly is not None and ev.occurred_at - anomaly.occurred_at <= window
        st.bypass_pass = ArmedBypass(anomaly, r) if passed and anomaly is not None and recent else None

    def _checkin(self, st: FraudState, ev: LedgerEvent, point: tuple[int, int], r: EventRef) -> None:
        """The ledger has no coordinates for an elevator's site; its visits' check-ins do. Once there are enough,
        their median is the site, and a check-in far from it says the record was filed from elsewhere."""
        if len(st.checkins) >= self.config.off_site_min_visits:
            site_lat, site_lon = median_point(st.checkins)
            km = distance_km(site_lat, site_lon, *point)
            if km > self.config.off_site_km:
                self._signal(st, "FV.off_site_checkin", ev.event_id, ev.occurred_at, [r], maintainer=ev.org,
                             distance_km=round(km, 2), site_lat_e6=site_lat, site_lon_e6=site_lon,
                             limit_km=self.config.off_site_km)
        st.checkins.append(point)

    def _iot_window(self, st: FraudState, ev: LedgerEvent, s: int, e: int, r: EventRef) -> None:
        last_status = st.last_status_at
        if last_status is None or last_status < s - self.config.iot_online_days * DAY_S:
            return  # no terminal streaming its status: absence of evidence proves nothing
        slack = self.config.iot_evidence_slack_s
        if _latest_at_or_before(st.iot_checks, e + slack) >= s - slack:
            return
        st.book.open("FV.no_iot_evidence", ev.event_id, ev.occurred_at, [r],
                     {"pattern": PATTERNS["FV"], "maintainer": ev.org, "window_start": s, "window_end": e,
                      "slack_s": slack, "terminal_last_report": last_status})
        st.pending_iot.append(IotWindow(s, e, ev.event_id))

    def _iot_check(self, st: FraudState, t: int) -> None:
        st.iot_checks.append(t)
        slack = self.config.iot_evidence_slack_s
        keep = []
        for window in st.pending_iot:
            if window.start - slack <= t <= window.end + slack:  # the evidence came after all: the signal closes
                st.book.resolve("FV.no_iot_evidence", window.key, t)
            else:
                keep.append(window)
        st.pending_iot = keep

    # --- 套取大修基金 and 以次充好 ----------------------------------------------------------------------------

    def _fault(self, st: FraudState, ev: LedgerEvent) -> None:
        p, t, r = ev.payload, ev.occurred_at, ref(ev)
        code = p["code"]
        known = FAULT_CODES.get(code)
        subsystem = known.subsystem if known else None
        st.faults[ev.event_id] = subsystem
        if subsystem:
            st.findings[subsystem] = t
        if code in _ANOMALY_CODES:
            self._anomaly(st, ev, r)
        if code in DOOR_OPEN_MOVEMENT_CODES:
            self._signal(st, "FB.door_open_movement", ev.event_id, t, [r], code=code,
                         label=known.label if known else str(code), maintainer=st.ctx.maintainer_at(t))
        if code == _SAFETY_CIRCUIT_CODE:
            self._alarm(st, ev, r)

    def _anomaly(self, st: FraudState, ev: LedgerEvent, r: EventRef) -> None:
        armed = st.bypass_pass
        if armed is not None and ev.occurred_at - armed.visit.occurred_at <= self.config.bypass_item_days * DAY_S:
            visit = armed.visit
            self._signal(st, "FB.bypass_item_normal", visit.event_id, ev.occurred_at, [armed.anomaly, visit, r],
                         code=ev.payload["code"], maintainer=st.ctx.maintainer_at(visit.occurred_at))
        st.bypass_pass = None
        st.last_anomaly = r

    def _alarm(self, st: FraudState, ev: LedgerEvent, r: EventRef) -> None:
        window = self.config.safety_alarm_days * DAY_S
        st.alarms.append(r)
        while st.alarms and st.alarms[0].occurred_at < ev.occurred_at - window:
            st.alarms.popleft()
        if len(st.alarms) < self.config.safety_alarm_count:
            return
        key = st.alarms[0].event_id if st.alarm_cluster is None else st.alarm_cluster.key
        live = st.book.get("FB.repeated_safety_alarms", key)
        if live is not None:
            st.book.amend(live, evidence=r)
        else:
            st.book.open("FB.repeated_safety_alarms", key, ev.occurred_at, list(st.alarms),
                         {"pattern": PATTERNS["FB"], "window_days": self.config.safety_alarm_days,
                          "min_alarms": self.config.safety_alarm_count,
                          "maintainer": st.ctx.maintainer_at(ev.occurred_at)})
        st.alarm_cluster = AlarmCluster(key, ev.occurred_at)

    def _finding(self, st: FraudState, ev: LedgerEvent) -> None:
        """Hazards, inspection failures, complaints and door-system entrapments are findings too."""
        p = ev.payload
        if ev.type == "HazardFound":
            st.findings[p["subsystem"]] = ev.occurred_at
        elif ev.type == "EntrapmentRescue":
            if p["cause"] == "door_system":
                st.findings["door"] = ev.occurred_at
            elif p["cause"] == "equipment":  # the equipment failed, which part is for the repair to say
                st.findings["*"] = ev.occurred_at
        elif ev.type == "ComplaintFiled":
            if p["category"] in ("fault", "entrapment", "safety"):
                st.findings["*"] = ev.occurred_at
        elif p.get("conclusion") == "fail":
            st.findings["*"] = ev.occurred_at

    def _repair(self, st: FraudState, ev: LedgerEvent) -> None:
        p, t, r = ev.payload, ev.occurred_at, ref(ev)
        if ev.type == "Repaired":
            subsystems = {p["subsystem"]}
        elif ev.type == "ComponentReplaced":
            subsystems = _subsystems_of([p["kind"]])
        else:
            subsystems = _subsystems_of([part["kind"] for part in p.get("parts", ())])
        if subsystems & {"safety_circuit", "door"}:
            self._safety_repair(st, t)
        since = t - self.config.finding_lookback_days * DAY_S
        referenced = [st.faults[f] for f in p.get("fault_refs", ()) if f in st.faults]
        found = (st.findings.get("*", -1) >= since
                 or any(st.findings.get(s, -1) >= since for s in subsystems)
                 or (not subsystems and any(v >= since for v in st.findings.values()))
                 or any(s in subsystems or s is None for s in referenced))
        if not found:
            funded = p.get("funding") == "maintenance_fund" or "fund_request_ref" in p
            self._signal(st, "FR.no_preceding_fault", ev.event_id, t, [r], subsystems=sorted(subsystems),
                         lookback_days=self.config.finding_lookback_days, repair_fund_claimed=funded,
                         amount_fen=p.get("amount_fen"), maintainer=ev.org)
        for s in subsystems:
            st.findings.pop(s, None)  # a repair consumes the finding it answers

    def _safety_repair(self, st: FraudState, t: int) -> None:
        cluster = st.alarm_cluster
        if cluster is not None and t - cluster.last_at <= self.config.safety_alarm_days * DAY_S:
            st.book.resolve("FB.repeated_safety_alarms", cluster.key, t)  # repaired after all: the signal closes
            st.alarm_cluster = None
        st.alarms.clear()
        st.last_anomaly = st.bypass_pass = None  # the anomalies were answered

    def _replaced(self, st: FraudState, ev: LedgerEvent) -> None:
        p, t, r = ev.payload, ev.occurred_at, ref(ev)
        kind = p["kind"]
        self._repair(st, ev)
        current = st.serials.get(kind)
        if current is not None and current != p["old_serial"]:
            self._signal(st, "FR.unknown_old_serial", ev.event_id, t, [r], kind=kind, dossier_serial=current,
                         claimed_old_serial=p["old_serial"], maintainer=ev.org)
        history = st.replaced.setdefault(kind, deque())
        history.append(r)
        while history and history[0].occurred_at < t - self.config.repeat_replacement_days * DAY_S:
            history.popleft()
        if len(history) >= self.config.repeat_replacement_count:
            first = history[0]
            self._signal(st, "FR.repeat_replacement", f"{kind}@{first.event_id}", first.occurred_at, list(history),
                         kind=kind, replacements=len(history), window_days=self.config.repeat_replacement_days)
        oem = p.get("maker_org") is not None and p.get("maker_org") == st.ctx.manufacturer
        if not oem:
            self._signal(st, "FS.non_oem_part", ev.event_id, t, [r], kind=kind, maker=p["maker"],
                         maker_org=p.get("maker_org"), manufacturer=st.ctx.manufacturer, fitted_by=ev.org)
        if kind in SAFETY_COMPONENTS and not p.get("type_test_cert"):
            self._signal(st, "FS.no_type_test", ev.event_id, t, [r], kind=kind, maker=p["maker"], fitted_by=ev.org)
        st.rows[(REPLACEMENTS, (ev.event_id,))] = ReplacementRow(
            event_id=ev.event_id, code=st.code, kind=kind, subsystem=KIND_SUBSYSTEM.get(kind), occurred_at=t,
            maker_org=p.get("maker_org"), oem=int(oem), type_test_cert=p.get("type_test_cert"), by_org=ev.org,
            hash=r.hash)
        st.serials[kind] = p["serial"]

    def _fitted(self, st: FraudState, ev: LedgerEvent) -> None:
        p = ev.payload
        if ev.type == "Manufactured":
            for c in p.get("safety_components", ()):
                st.serials.setdefault(c["kind"], c["serial"])
        else:
            st.serials[p["kind"]] = p["serial"]

    # --- 短接安全回路 -----------------------------------------------------------------------------------------

    def _suspended_run(self, st: FraudState, ev: LedgerEvent) -> None:
        suspension = st.ctx.suspension
        if suspension is None:
            return
        st.suspended_runs += 1
        key = f"suspended@{suspension.event_id}"
        f = st.book.get("FB.running_while_suspended", key)
        if f is None:
            st.book.open("FB.running_while_suspended", key, ev.occurred_at, [suspension, ref(ev)],
                         {"pattern": PATTERNS["FB"]})
        elif len(f.evidence) < 11:
            st.book.amend(f, evidence=ref(ev))

    def _resumed(self, st: FraudState, ev: LedgerEvent) -> None:
        if ev.type in ("Reactivated", "Decommissioned") and st.suspended_runs:
            for f in st.book.live_of("FB.running_while_suspended"):
                st.book.settle(f.rule, f.key)
        if ev.type in ("Suspended", "Reactivated"):
            st.suspended_runs = 0


def _subsystems_of(kinds: list[str]) -> set[str]:
    """The subsystems whose faults replacing these parts answers (a door lock's contacts are in the safety
    circuit: its failures are reported as code 1, 安全回路断路)."""
    out = {subsystem for kind in kinds if (subsystem := KIND_SUBSYSTEM.get(kind)) is not None}
    if "door_lock" in kinds:
        out.add("safety_circuit")
    return out


def _latest_at_or_before(times: deque[int], limit: int) -> int:
    """The latest of ``times`` not after ``limit`` (``-2**62`` if none).

    ``times`` are in fold order, which is time order, so the search walks back from the newest and stops at the
    first one in range: the 检修 evidence of a visit is usually the last one recorded.
    """
    for t in reversed(times):
        if t <= limit:
            return t
    return -(2**62)


def _inspection_mode(ev: LedgerEvent) -> bool:
    p = ev.payload
    if ev.type == "TerminalEventReported":
        return p["code"] == INSPECTION_EVENT_CODE or p.get("service_mode") == INSPECTION_SERVICE_MODE
    return ev.type == "FaultReported" and p.get("service_mode") == INSPECTION_SERVICE_MODE


FraudView.handlers = {
    "MaintenancePerformed": FraudView._maintenance,
    "FaultReported": FraudView._fault,
    "HazardFound": FraudView._finding,
    "EntrapmentRescue": FraudView._finding,
    "ComplaintFiled": FraudView._finding,
    "PeriodicInspected": FraudView._finding,
    "SelfTested": FraudView._finding,
    "SupervisoryInspected": FraudView._finding,
    "Repaired": FraudView._repair,
    "MajorRepair": FraudView._repair,
    "ComponentReplaced": FraudView._replaced,
    "Manufactured": FraudView._fitted,
    "ComponentAssociated": FraudView._fitted,
    "Suspended": FraudView._resumed,
    "Reactivated": FraudView._resumed,
    "Decommissioned": FraudView._resumed,
}
