"""What the benchmarks share: a reproducible signed workload, timing, and the Figure every benchmark reports."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from ledger.core.identifiers import format_instant, instant_from_text
from ledger.core.maintenance_items import items_for_tier
from producers.world import Org, World

__all__ = ["Figure", "Workload", "best_of", "build_workload", "elevator_codes", "timed", "workload_regulator"]


@dataclass
class Figure:
    """One benchmark result: a measured value, its peer or limit, and the ratio against a target."""

    id: str
    title: str
    value: float
    unit: str
    peer: float | None = None
    peer_label: str = ""
    ratio: float | None = None
    target: str = ""
    passed: bool | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Workload:
    """Signed JSON lines: the registry and the elevators' set-up, then the measured maintenance records."""

    setup: list[bytes]
    records: list[bytes]
    elevators: list[str]


def build_workload(elevators: int, visits: int, *, seed: int = 1, visit_offset: int = 0) -> Workload:
    """``elevators`` in service under contract, then ``visits`` half-monthly maintenance records each, in time order.

    ``visit_offset`` continues an earlier workload of the same seed (same organizations, later visits).
    """
    world = World(seed, start="2015-01-01T00:00:00Z")
    maker = world.organization("迅达电梯", ("manufacturer",), maker_code="31001")
    maintainers = [world.organization(f"维保{n}", ("maintainer",), people=6) for n in range(4)]
    user = world.organization("物业", ("user_unit",))
    codes = elevator_codes(elevators)
    setup = [*world.events]
    for n, code in enumerate(codes):
        setup.extend(_put_in_service(world, maker, maintainers[n % 4], user, code))
    records = []
    start = instant_from_text("2016-07-01T01:00:00Z")  # after the contracts start; ~270 visits before today
    for visit in range(visit_offset, visit_offset + visits):
        for n, code in enumerate(codes):
            maintainer = maintainers[n % 4]
            done = start + visit * 14 * 86400 + n * 60
            records.append(maintainer.as_("maintainer").event("MaintenancePerformed", {
                "contract_no": f"WB-{code[-5:]}", "tier": "half_month", "started_at": format_instant(done - 2700),
                "ended_at": format_instant(done), "results": dict.fromkeys(items_for_tier("half_month"), "pass"),
                "measurements": {"A-1-28": {"value": "8", "unit": "mm"}},
            }, equipment_code=code, occurred_at=done, persons=maintainer.persons("worker", 2, offset=visit)))
    return Workload([orjson.dumps(e) for e in setup], [orjson.dumps(e) for e in records], codes)


def elevator_codes(elevators: int) -> list[str]:
    """The 设备代码 of a workload's elevators (maker 31001, made in 2016)."""
    return [f"3110310012016{n + 1:05d}" for n in range(elevators)]


def workload_regulator(seed: int = 1) -> str:
    """The regulator organization of a workload's world."""
    return World(seed, start="2015-01-01T00:00:00Z").regulator.org


def _put_in_service(world: World, maker: Org, maintainer: Org, user: Org, code: str) -> list[dict[str, Any]]:
    return [
        maker.as_("manufacturer").event("Manufactured", {
            "model": "3300", "factory_serial": f"F{code[-5:]}", "certificate_no": "HG", "rated_load_kg": 1000,
            "rated_speed_mm_s": 1750, "floors": 12, "stops": 12, "doors": 12, "design_life_years": 25,
        }, equipment_code=code, occurred_at="2016-03-01T00:00:00Z"),
        world.regulator_producer.event("Registered", {
            "registration_no": f"梯31沪A{code[-5:]}", "user_unit": user.org, "site_category": "residential",
            "district": "浦东新区", "address": "世纪大道",
        }, equipment_code=code, occurred_at="2016-06-01T00:00:00Z"),
        maintainer.as_("maintainer").event("MaintenanceContractSigned", {
            "contract_no": f"WB-{code[-5:]}", "maintainer": maintainer.org, "user_unit": user.org,
            "mode": "regular", "start_date": "2016-06-01", "end_date": "2030-12-31",
        }, equipment_code=code, occurred_at="2016-06-01T00:00:00Z"),
    ]


def timed(action: Callable[[], Any]) -> float:
    """Seconds one call takes, with the garbage collector kept out of the measurement."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        started = time.perf_counter()
        action()
        return time.perf_counter() - started
    finally:
        if enabled:
            gc.enable()


def best_of(runs: int, action: Callable[[], Any]) -> float:
    """The fastest of ``runs`` timings (the least disturbed by the machine's noise)."""
    return min(timed(action) for _ in range(runs))

