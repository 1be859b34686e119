"""The cast of a simulated city, registered in the ledger's registry from the first record on.

Manufacturers (also their own installers), maintainers with credit grades and crews, user units (物业) per
district, inspection and testing bodies, insurers, a 96333 platform, an assessment body and the regulator — all
fictional, all with keys, licences and certified people (producers.world). Maintainers' crews are organized in
teams of two with fixed visit slots, so that an honest maintainer never has a worker in two places at once.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from producers.simulator.config import CityConfig
from producers.world import ExistingRegulator, Org, World

__all__ = [
    "CYCLE_DAYS", "DISTRICTS", "City", "Crew", "District", "Slot", "build_city", "maintainer_count", "market_shares",
]

CYCLE_DAYS = 14  # a team's visit rota repeats every 14 days (TSG T5002: at least every 15 days)
SLOTS_PER_CYCLE = CYCLE_DAYS * 2  # a morning and an afternoon visit per team per day


@dataclass(frozen=True)
class District:
    name: str
    weight: float
    lat_e6: int
    lon_e6: int
    area: str = "city"  # 96333 arrival SLA: 30 min in the city, 60 elsewhere


# Shanghai's districts: weights roughly by population [E]; centres approximate.
DISTRICTS: tuple[District, ...] = (
    District("浦东新区", 0.23, 31_221_000, 121_544_000), District("闵行区", 0.11, 31_112_000, 121_381_000),
    District("宝山区", 0.09, 31_405_000, 121_489_000), District("徐汇区", 0.05, 31_188_000, 121_437_000),
    District("松江区", 0.08, 31_032_000, 121_228_000), District("嘉定区", 0.08, 31_383_000, 121_266_000),
    District("杨浦区", 0.05, 31_259_000, 121_526_000), District("普陀区", 0.05, 31_249_000, 121_396_000),
    District("静安区", 0.04, 31_229_000, 121_448_000), District("长宁区", 0.03, 31_220_000, 121_424_000),
    District("虹口区", 0.03, 31_264_000, 121_505_000), District("黄浦区", 0.03, 31_231_000, 121_484_000),
    District("青浦区", 0.05, 31_151_000, 121_124_000), District("奉贤区", 0.05, 30_918_000, 121_474_000),
    District("金山区", 0.02, 30_741_000, 121_342_000, "other"), District("崇明区", 0.01, 31_623_000, 121_397_000,
                                                                           "other"),
)
_MAKERS = (
    ("申江电梯有限公司", "31001"), ("沪东电梯制造有限公司", "31012"), ("江南电梯股份有限公司", "32005"),
    ("浙海电梯有限公司", "33008"), ("南粤电梯工业有限公司", "44003"), ("京华电梯有限公司", "11002"),
    ("天津津梯制造有限公司", "12004"), ("川蜀电梯有限公司", "51006"),
)


@dataclass(frozen=True)
class Slot:
    """A team's fixed visit slot: every 14 days on ``day_offset``, in the morning (0) or afternoon (1)."""

    team: int
    day_offset: int
    half: int


@dataclass
class Crew:
    """A maintainer with its credit grade, its teams of two and their free visit slots."""

    org: Org
    grade: str
    teams: int
    free: dict[int, list[Slot]] = field(default_factory=dict)  # day offset → free slots
    occupied: dict[Slot, int] = field(default_factory=dict)  # slot → elevator number

    def workers(self, slot: Slot) -> list[dict[str, str]]:
        return self.org.persons("worker", 2, offset=2 * slot.team)

    def on_call(self) -> list[dict[str, str]]:
        """The on-call pair for repairs and rescues (the last two workers)."""
        return self.org.persons("worker", 2, offset=2 * self.teams)

    def allocate(self, unit: int, near_day: int | None, rng: random.Random) -> Slot:
        """A free slot, on ``near_day``'s offset or the closest one after it (a new team if all are taken)."""
        start = near_day % CYCLE_DAYS if near_day is not None else rng.randrange(CYCLE_DAYS)
        for step in range(CYCLE_DAYS):
            slots = self.free.get((start + step) % CYCLE_DAYS)
            if slots:
                slot = slots.pop(0)
                self.occupied[slot] = unit
                return slot
        slot = Slot(rng.randrange(self.teams), start, rng.randrange(2))  # over capacity: share a slot
        self.occupied.setdefault(slot, unit)
        return slot

    def release(self, slot: Slot, unit: int) -> None:
        if self.occupied.get(slot) == unit:
            del self.occupied[slot]
            self.free.setdefault(slot.day_offset, []).append(slot)

    def neighbour(self, slot: Slot) -> int | None:
        """The elevator the same team visits in the other half of the same day, if any."""
        return self.occupied.get(Slot(slot.team, slot.day_offset, 1 - slot.half))


@dataclass
class City:
    config: CityConfig
    world: World
    makers: list[Org]
    crews: list[Crew]
    user_units: dict[str, list[Org]]  # district → user units
    inspection: Org  # 特种设备检验研究院: periodic and supervisory inspections
    testers: list[Org]  # 自行检测 bodies
    insurers: list[Org]
    platform: Org
    assessor: Org
    crew_weights: list[float]


def build_city(config: CityConfig, expected_units: dict[int, int], rng: random.Random,
               regulator: ExistingRegulator | None = None) -> City:
    """Register the cast; ``expected_units`` says how many elevators each maintainer will start with. With
    ``regulator``, the registry is signed by an existing ledger's regulator (no genesis of its own)."""
    world = World(config.seed, start=config.world_start, region=config.region, regulator=regulator)
    makers = [world.organization(name, ("manufacturer", "installer"), maker_code=code, people=4, licence_years=70)
              for name, code in _MAKERS[:config.manufacturers]]
    crews = _crews(config, world, expected_units)
    user_units = _user_units(config, world)
    inspection = world.organization("市特种设备监督检验技术研究院", ("inspection_body",),
                                    people=max(6, config.elevators // 150), licence_years=70)
    testers = [world.organization(name, ("inspection_body",), people=max(4, config.elevators // 300),
                                  licence_years=70)
               for name in ("申检电梯检测技术有限公司", "沪安特种设备检测有限公司")]
    insurers = [world.organization(name, ("insurer",), licence_years=70)
                for name in ("安平财产保险股份有限公司", "人和财产保险股份有限公司", "太保安财产保险有限公司")
                [:config.insurers]]
    platform = world.organization("96333 电梯应急处置服务平台", ("platform_96333",), licence_years=70)
    assessor = world.organization("市电梯安全评估中心", ("assessment_body",), people=4, licence_years=70)
    weights = market_shares(len(crews))
    return City(config, world, makers, crews, user_units, inspection, testers, insurers, platform, assessor, weights)


def maintainer_count(config: CityConfig) -> int:
    return max(4, math.ceil(config.elevators / config.elevators_per_maintainer))


def market_shares(count: int) -> list[float]:
    """A few big maintainers and a long tail (Zipf, s = 0.8) [E]."""
    return [1 / (rank + 1) ** 0.8 for rank in range(count)]


def _grades(config: CityConfig, count: int) -> list[str]:
    """Grades in the credit mix's proportions (largest remainder), shuffled by position deterministically."""
    mix = config.credit_mix
    total = sum(mix.values())
    quotas = {grade: count * share / total for grade, share in mix.items()}
    counts = {grade: int(q) for grade, q in quotas.items()}
    for grade in sorted(quotas, key=lambda g: quotas[g] - counts[g], reverse=True)[:count - sum(counts.values())]:
        counts[grade] += 1
    grades = [grade for grade in sorted(counts) for _ in range(counts[grade])]
    random.Random(f"{config.seed}:grades").shuffle(grades)
    return grades


def _crews(config: CityConfig, world: World, expected_units: dict[int, int]) -> list[Crew]:
    crews = []
    for index, grade in enumerate(_grades(config, maintainer_count(config))):
        units = expected_units.get(index, 0)
        teams = math.ceil(units * 1.5 / SLOTS_PER_CYCLE) + 1  # headroom for new units and changes of maintainer
        district = DISTRICTS[index % len(DISTRICTS)].name
        org = world.organization(f"{district}第{index + 1}电梯维保有限公司", ("maintainer",), district=district,
                                 people=2 * teams + 2, licence_years=70)
        crew = Crew(org, grade, teams)
        for day in range(CYCLE_DAYS):
            crew.free[day] = [Slot(team, day, half) for half in (0, 1) for team in range(teams)]
        crews.append(crew)
    return crews


def _user_units(config: CityConfig, world: World) -> dict[str, list[Org]]:
    count = max(len(DISTRICTS), math.ceil(config.elevators / config.elevators_per_user_unit))
    by_district: dict[str, list[Org]] = {d.name: [] for d in DISTRICTS}
    weights = [d.weight for d in DISTRICTS]
    picker = random.Random(f"{config.seed}:user-units")
    for n in range(count):
        district = DISTRICTS[n] if n < len(DISTRICTS) else picker.choices(DISTRICTS, weights)[0]
        org = world.organization(f"{district.name}第{n + 1}物业管理有限公司", ("user_unit",), district=district.name,
                                 people=2, licence_years=70)
        by_district[district.name].append(org)
    return by_district
