"""Projection rebuild: all views from position 0, as events per second and as a ratio to signed ingest.

    python -m benchmarks.bench_projections [--elevators 200] [--days 365] [--stats-every 3]

The workload is a city's year, built here with World/Producer and appended to a temporary SQLite store through
LedgerService (that append is the ingest rate, measured in the same run): elevators made, installed, inspected,
registered and under contract; a maintenance visit every 14 days (tiers rotating, annual tests recorded) with the
IoT terminal's 检修 on/off events around it and the user unit's countersignature the next day; IoT run statistics
every few days; faults, entrapment rescues, periodic inspections (some failing, then 复检), hazards, repairs,
part replacements, policies and claims at realistic rates. Then every view is rebuilt from position 0 (PJ1), and
again on the ingest benchmark's maintenance-only workload (PJ2: the heaviest events to decode and fold).
Target: ≥ 20,000 events/s on one core.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

from benchmarks.common import Figure, build_workload, timed
from ledger.core.identifiers import format_instant, instant_from_text
from ledger.core.maintenance_items import TESTED_ITEMS, items_for_tier
from ledger.store import Store
from ledger.write.service import LedgerService
from producers.world import World
from projections.service import Projections

__all__ = ["build_city", "run"]

BATCH = 2000
DAY = 86_400
_TIERS = ["half_month"] * 5 + ["quarterly"]


def build_city(elevators: int, days: int, *, stats_every: int = 3, seed: int = 11) -> tuple[list[bytes], list[bytes]]:
    """(setup lines, time-ordered activity lines) for ``elevators`` units over ``days`` days from 2024-01-01."""
    rng = random.Random(seed)
    world = World(seed, start="2010-01-01T00:00:00Z")
    maker = world.organization("迅达电梯", ("manufacturer", "installer"), maker_code="31001")
    maintainers = [world.organization(f"维保{n}", ("maintainer",), district="浦东新区", people=8) for n in range(4)]
    users = [world.organization(f"物业{n}", ("user_unit",)) for n in range(3)]
    inspector = world.organization("特检院", ("inspection_body",), people=6)
    platform = world.organization("96333", ("platform_96333",))
    insurer = world.organization("平安财险", ("insurer",))
    codes = [f"3110310012018{n + 1:05d}" for n in range(elevators)]
    terminals = {code: world.terminal(maintainers[n % 4], f"IOT-{n:05d}", code) for n, code in enumerate(codes)}
    setup: list[dict[str, Any]] = []
    activity: list[tuple[int, dict[str, Any]]] = []
    start = instant_from_text("2024-01-01T00:00:00Z")
    for n, code in enumerate(codes):
        m, u = maintainers[n % 4], users[n % 3]
        district = ("浦东新区", "徐汇区", "静安区")[n % 3]
        setup.extend(_setup(world, maker, m, u, inspector, insurer, code, district, n))
        life = _Life(rng, world, code, m, u, inspector, platform, insurer, terminals[code], start, n)
        activity.extend(life.events(days, stats_every))
    activity.sort(key=lambda item: item[0])
    lines = [orjson.dumps(e) for e in [*world.events, *setup]]
    return lines, [orjson.dumps(e) for _, e in activity]


def _setup(world: World, maker: Any, m: Any, u: Any, inspector: Any, insurer: Any, code: str, district: str,
           n: int) -> list[dict[str, Any]]:
    made = f"2018-0{1 + n % 9}-01T02:00:00Z"
    return [
        maker.as_("manufacturer").event("Manufactured", {
            "model": ("3300", "5500", "7000")[n % 3], "factory_serial": f"F{code[-5:]}", "certificate_no": "HG",
            "rated_load_kg": 1000, "rated_speed_mm_s": 1750, "floors": 12, "stops": 12, "doors": 12,
            "design_life_years": 25}, occurred_at=made, equipment_code=code),
        *(maker.as_("manufacturer").event("ComponentAssociated", {
            "kind": kind, "serial": f"{kind[:2].upper()}-{code[-5:]}", "maker": maker.name, "maker_org": maker.org,
            "type_test_cert": f"TX-{kind[:2]}", "warranty_until": "2028-06-30"},
            occurred_at=made, equipment_code=code)
          for kind in ("traction_machine", "door_operator", "governor")),
        maker.as_("installer").event("Installed", {
            "licence_no": world.licence_no(maker, "installation"), "self_inspection_report_no": f"ZJ-{code[-5:]}",
            "address": "世纪大道", "district": district}, occurred_at="2018-10-01T02:00:00Z", equipment_code=code),
        inspector.as_("inspection_body").event("SupervisoryInspected", {
            "report_no": f"JJ-{code[-5:]}", "conclusion": "pass", "trigger": "installation",
            "next_due_date": "2024-03-31"}, occurred_at="2018-10-10T02:00:00Z",
            persons=inspector.persons("inspector"), equipment_code=code),
        world.regulator_producer.event("Registered", {
            "registration_no": f"梯31沪A{code[-5:]}", "user_unit": u.org, "site_category": "residential",
            "district": district, "address": "世纪大道"}, occurred_at="2018-10-20T02:00:00Z", equipment_code=code),
        m.as_("maintainer").event("MaintenanceContractSigned", {
            "contract_no": f"WB-{code[-5:]}", "maintainer": m.org, "user_unit": u.org, "mode": "regular",
            "start_date": "2018-10-20", "end_date": "2030-12-31"}, occurred_at="2018-10-20T02:00:00Z",
            equipment_code=code),
        insurer.as_("insurer").event("PolicyIssued", {
            "policy_no": f"PA-{code[-5:]}", "product": "liability", "insured": u.org, "period_start": "2024-01-01",
            "period_end": "2024-12-31", "premium_fen": 9300, "limit_per_person_fen": 80_000_000,
            "limit_aggregate_fen": 500_000_000}, occurred_at="2023-12-20T02:00:00Z", equipment_code=code),
    ]


class _Life:
    """One elevator's year of activity, as (time, envelope) pairs."""

    def __init__(self, rng: random.Random, world: World, code: str, m: Any, u: Any, inspector: Any, platform: Any,
                 insurer: Any, terminal: Any, start: int, n: int) -> None:
        self.rng, self.world, self.code, self.m, self.u = rng, world, code, m, u
        self.inspector, self.platform, self.insurer, self.terminal = inspector, platform, insurer, terminal
        self.start, self.n = start, n
        self.out: list[tuple[int, dict[str, Any]]] = []

    def emit(self, producer: Any, kind: str, payload: dict[str, Any], t: int, **kw: Any) -> dict[str, Any]:
        envelope: dict[str, Any] = producer.event(kind, payload, equipment_code=self.code, occurred_at=t, **kw)
        self.out.append((t, envelope))
        return envelope

    def events(self, days: int, stats_every: int) -> list[tuple[int, dict[str, Any]]]:
        offset = self.n * 37 % (14 * DAY)
        for visit, t in enumerate(range(self.start + offset + 3600, self.start + days * DAY, 14 * DAY)):
            self.visit(visit, t)
        for d in range(0, days, stats_every):
            t = self.start + d * DAY + 23 * 3600 + self.n % 3000
            self.emit(self.terminal, "RunStatisticsReported", {
                "period_start": format_instant(t - stats_every * DAY), "period_end": format_instant(t),
                "run_count": self.rng.randint(200, 900), "run_seconds": self.rng.randint(3000, 9000)}, t)
        for _ in range(self.rng.choice((1, 2, 3, 4, 5))):
            self.fault(self.start + self.rng.randrange(days * DAY))
        self.inspection(self.start + (80 + self.n % 10) * DAY)
        return self.out

    def visit(self, visit: int, t: int) -> None:
        tier = "annual" if visit == 20 else ("half_year" if visit % 12 == 11 else _TIERS[visit % 6])
        minutes = {"half_month": 45, "quarterly": 75, "half_year": 110, "annual": 200}[tier]
        results = dict.fromkeys(items_for_tier(tier), "pass")
        end = t + minutes * 60
        self.emit(self.terminal, "TerminalEventReported", {"code": 43, "service_mode": 2}, t + 120)
        payload = {"contract_no": f"WB-{self.code[-5:]}", "tier": tier, "started_at": format_instant(t),
                   "ended_at": format_instant(end), "results": results,
                   "measurements": {"A-1-28": {"value": "8", "unit": "mm"}},
                   "checkin": {"lat_e6": 31_230_000 + self.n * 100, "lon_e6": 121_470_000 + self.n * 100}}
        if tier == "annual":
            payload["tested"] = sorted(TESTED_ITEMS)
        done = self.emit(self.m.as_("maintainer"), "MaintenancePerformed", payload, end,
                         persons=self.m.persons("worker", 2, offset=self.n * 2))
        self.emit(self.terminal, "TerminalEventReported", {"code": 40, "service_mode": 1}, end + 60)
        self.emit(self.u.as_("user_unit"), "MaintenanceCountersigned", {"maintenance_ref": done["event_id"]},
                  end + DAY, persons=self.u.persons("safety_manager"))

    def fault(self, t: int) -> None:
        code = self.rng.choice((2, 3, 3, 7, 1))
        fault = self.emit(self.terminal, "FaultReported", {"source": "iot", "code": code, "floor": 3,
                                                           "service_mode": 1, "passengers_present": code == 3}, t)
        if code == 3:
            alarm = t + 30
            arrive = alarm + self.rng.randint(8, 34) * 60
            self.emit(self.platform.as_("platform_96333"), "EntrapmentRescue", {
                "ticket_no": f"T-{fault['event_id'][-8:]}", "alarm_at": format_instant(alarm),
                "dispatched_at": format_instant(alarm + 40), "acknowledged_at": format_instant(alarm + 100),
                "arrived_at": format_instant(arrive), "freed_at": format_instant(arrive + 300),
                "closed_at": format_instant(arrive + 900), "persons_trapped": 1, "level": 1, "cause": "door_system",
                "responder_org": self.m.org, "fault_ref": fault["event_id"]}, arrive + 900)
        subsystem = {1: "safety_circuit", 2: "door", 3: "door", 7: "control"}[code]
        self.emit(self.m.as_("maintainer"), "Repaired", {"subsystem": subsystem, "description": "修复",
                                                         "fault_refs": [fault["event_id"]]}, t + 4 * 3600,
                  persons=self.m.persons("worker", 2))

    def inspection(self, t: int) -> None:
        people = self.inspector.persons("inspector", 2)
        body = self.inspector.as_("inspection_body")
        if self.n % 9 == 0:
            failed = self.emit(body, "PeriodicInspected", {"report_no": f"DJ-{self.code[-5:]}", "conclusion": "fail",
                                                           "items_failed": ["8.6"]}, t, persons=people)
            self.emit(body, "HazardFound", {"hazard_no": f"YH-{self.code[-5:]}", "source": "inspection",
                                            "severity": "general", "subsystem": "brake", "description": "制动衬磨损",
                                            "deadline": "2024-12-31", "inspection_ref": failed["event_id"]},
                      t + 600, persons=people)
            self.emit(self.m.as_("maintainer"), "HazardRectified", {"hazard_no": f"YH-{self.code[-5:]}",
                                                                    "description": "更换制动衬"}, t + 10 * DAY,
                      persons=self.m.persons("worker", 2))
            self.emit(body, "PeriodicInspected", {"report_no": f"DJ-{self.code[-5:]}-F", "conclusion": "pass",
                                                  "is_reinspection": True, "next_due_date": "2025-03-31"},
                      t + 20 * DAY, persons=people)
        else:
            self.emit(body, "PeriodicInspected", {"report_no": f"DJ-{self.code[-5:]}", "conclusion": "pass",
                                                  "next_due_date": "2025-03-31"}, t, persons=people)


def _ingest(store: Store, setup: list[bytes], activity: list[bytes]) -> float:
    service = LedgerService(store, clock=lambda: instant_from_text("2026-01-01T00:00:00Z"))
    assert all(o.error is None for o in service.append_lines(setup)), "setup refused"

    def go() -> None:
        batches = (activity[i:i + BATCH] for i in range(0, len(activity), BATCH))
        for outcomes in service.append_batches(batches):
            refused = [o.error for o in outcomes if o.error]
            if refused:
                raise RuntimeError(f"benchmark events refused: {refused[:2]}")

    return len(activity) / timed(go)


def _rebuild(store: Store) -> tuple[float, int, dict[str, Any]]:
    projections = Projections(store, flush_every=50_000, chunk=5_000)
    seconds = timed(projections.rebuild)
    events = store.index.max_position()
    check = projections.dump()
    projections.rebuild()
    assert projections.dump() == check, "a rebuild must give byte-identical views"
    return events / seconds, events, {"seconds": round(seconds, 3)}


def run(elevators: int = 200, days: int = 365, stats_every: int = 3) -> list[Figure]:
    setup, activity = build_city(elevators, days, stats_every=stats_every)
    mix = Counter(orjson.loads(line)["type"] for line in activity)
    with tempfile.TemporaryDirectory(prefix="ll-bench-projections-") as tmp_name:
        tmp = Path(tmp_name)
        with Store(f"sqlite:///{tmp / 'city.sqlite'}", mode="create") as store:
            ingest = _ingest(store, setup, activity)
            rebuild, events, extra = _rebuild(store)
        work = build_workload(max(50, elevators), 60)
        with Store(f"sqlite:///{tmp / 'maint.sqlite'}", mode="create") as store:
            ingest2 = _ingest(store, work.setup, work.records)
            rebuild2, events2, extra2 = _rebuild(store)
    size = {"elevators": elevators, "days": days, "events": events, "mix": dict(mix.most_common()), **extra}
    size2 = {"events": events2, "mix": {"MaintenancePerformed": len(work.records)}, **extra2}
    return [
        Figure("PJ1", "rebuild all views from position 0, a city's mixed year / signed ingest of the same events",
               rebuild, "events/s", ingest, "ingest events/s", rebuild / ingest, "≥ 20,000 events/s",
               rebuild >= 20_000, size),
        Figure("PJ2", "rebuild all views, maintenance records only / signed ingest of the same records", rebuild2,
               "events/s", ingest2, "ingest events/s", rebuild2 / ingest2, "≥ 20,000 events/s", rebuild2 >= 20_000,
               size2),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--elevators", type=int, default=200)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--stats-every", type=int, default=3, help="days between IoT run-statistics reports")
    args = parser.parse_args()
    for figure in run(args.elevators, args.days, args.stats_every):
        print(orjson.dumps(figure.to_dict()).decode())


if __name__ == "__main__":
    main()
