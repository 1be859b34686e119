"""The simulation run: draw the fleet, register the city, and play every elevator's life in time order.

    simulation = Simulation(CityConfig(elevators=200, years=1, seed=7))
    for record in simulation.records():      # registry first, then every event in time order
        out.write(record.value + b"\\n")
    simulation.truth.write("city.truth.json")

The output depends on the configuration alone (no clock, no OS randomness, no hash-ordered iteration): the same
configuration gives the same bytes.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date

from producers.simulator import lifecycle
from producers.simulator.city import DISTRICTS, City, build_city, maintainer_count, market_shares
from producers.simulator.config import CityConfig
from producers.simulator.context import Sim, SimRecord
from producers.simulator.inject import BadInjector
from producers.simulator.timeline import DAY, YEAR, day_from_text, day_of, day_text, local_instant, year_of
from producers.simulator.unit import Unit
from producers.world import ExistingRegulator

__all__ = ["Simulation", "window"]

_VARIETIES = {"3110": 0.78, "3120": 0.05, "3310": 0.09, "3320": 0.01, "3210": 0.01, "3420": 0.02, "3430": 0.04}
_SITES = {"residential": 0.7, "commercial": 0.2, "public": 0.1}
_STREETS = ("世纪大道", "张杨路", "南京西路", "淮海中路", "漕溪北路", "共和新路", "沪太路", "七莘路", "松汇路",
            "城中路")


def window(config: CityConfig) -> tuple[int, int]:
    """The window's first and last-plus-one instants: local midnights, ``years`` before ``end`` up to ``end``."""
    end = date.fromisoformat(config.end)
    start = end.replace(year=end.year - config.years)
    return local_instant(day_from_text(start.isoformat())), local_instant(day_from_text(config.end))


@dataclass(frozen=True)
class _Draw:
    """A unit's fixed random traits, drawn before the city exists (its maintainer decides the crews' size)."""

    variety: str
    maker: int
    made_at: int
    installed_at: int
    district: int
    site_category: str
    crew: int
    insurer: int
    iot: bool
    on_demand: bool
    repair_fund: bool
    floors: int
    design_life: int
    fault_rate: float


class Simulation:
    def __init__(self, config: CityConfig, *, regulator: ExistingRegulator | None = None) -> None:
        self.config = config
        self.start, self.end = window(config)
        draws = [_draw(config, index) for index in range(config.elevators)]
        counts = Counter(d.crew for d in draws if d.installed_at < self.start)
        self.city = build_city(config, dict(counts), random.Random(f"{config.seed}:city-build"), regulator)
        self.sim = Sim(config, self.city, self.start, self.end)
        self.sim.injector = BadInjector(config.bad, self.city)
        self.units = _units(config, self.city, draws)
        self.truth = self.sim.truth
        self.truth.config = _config_summary(config, self.start, self.end)

    @property
    def now(self) -> int:
        """The simulated instant reached (for progress reports)."""
        return self.sim.now

    def records(self) -> Iterator[SimRecord]:
        """Every record in output order: the registry bootstrap, then the city's life in time order."""
        sim = self.sim
        for envelope in self.city.world.events:
            sim.record(envelope)
        for unit in self.units:
            lifecycle.begin(sim, unit)
        _schedule_credit_ratings(sim, self.start, self.end)
        yield from self._drain()
        scheduler = sim.scheduler
        while len(scheduler) and (scheduler.next_instant() or 0) < self.end:
            scheduler.run_next()
            if sim.out:
                yield from self._drain()
        self._close_truth()

    def _drain(self) -> Iterator[SimRecord]:
        out, self.sim.out = self.sim.out, []
        return iter(out)

    def _close_truth(self) -> None:
        end = self.end
        for unit in self.units:
            if unit.service_from is not None:
                self.truth.unit_years += (min(end, unit.retired_at or end) - unit.service_from) / YEAR
            if unit.terminal_from is not None:
                self.truth.iot_unit_years += (min(end, unit.retired_at or end) - unit.terminal_from) / YEAR


def _draw(config: CityConfig, index: int) -> _Draw:
    rng = random.Random(f"{config.seed}:draw:{index}")
    end_year = date.fromisoformat(config.end).year
    years = list(range(end_year - 30, end_year))
    year = rng.choices(years, [1.09 ** k for k in range(len(years))])[0]  # fleet growth ~9%/yr [E][S12]
    made_day = day_from_text(f"{year}-01-01") + rng.randrange(365)
    made_at = local_instant(made_day, 9 + rng.random() * 7)
    variety = rng.choices(list(_VARIETIES), list(_VARIETIES.values()))[0]
    site = rng.choices(list(_SITES), list(_SITES.values()))[0]
    floors = 2 if variety in ("3310", "3320") else rng.randint(*{"residential": (6, 33), "commercial": (5, 40),
                                                                   "public": (2, 20)}[site])
    crews = maintainer_count(config)
    return _Draw(
        variety=variety, maker=rng.choices(range(config.manufacturers), [1 / (k + 1) for k in range(
            config.manufacturers)])[0], made_at=made_at, installed_at=made_at + rng.randint(60, 240) * DAY,
        district=rng.choices(range(len(DISTRICTS)), [d.weight for d in DISTRICTS])[0], site_category=site,
        crew=rng.choices(range(crews), market_shares(crews))[0], insurer=rng.randrange(config.insurers),
        iot=rng.random() < config.rates.iot_share, on_demand=rng.random() < config.rates.on_demand_share,
        repair_fund=rng.random() < (0.9 if site == "residential" else 0.7), floors=floors,
        design_life=rng.choice((15, 20, 20, 20, 25)), fault_rate=rng.uniform(*config.rates.iot_faults),
    )


def _units(config: CityConfig, city: City, draws: list[_Draw]) -> list[Unit]:
    sequence: Counter[tuple[int, int]] = Counter()
    units = []
    for index, d in enumerate(draws):
        maker = city.makers[d.maker]
        year = year_of(d.made_at)
        sequence[(d.maker, year)] += 1
        code = f"{d.variety}{maker.maker_code}{year}{sequence[(d.maker, year)]:05d}"
        district = DISTRICTS[d.district]
        rng = random.Random(f"{config.seed}:unit:{index}")
        user = rng.choice(city.user_units[district.name])
        units.append(Unit(
            index=index, code=code, variety=d.variety, maker=maker, made_at=d.made_at, installed_at=d.installed_at,
            district=district, site_category=d.site_category,
            address=f"{district.name}{rng.choice(_STREETS)}{rng.randint(1, 999)}号{rng.randint(1, 30)}号楼",
            lat_e6=district.lat_e6 + rng.randint(-30_000, 30_000),
            lon_e6=district.lon_e6 + rng.randint(-30_000, 30_000),
            user_unit=user, crew_index=d.crew, insurer=city.insurers[d.insurer], iot=d.iot, on_demand=d.on_demand,
            repair_fund=d.repair_fund, floors=d.floors, design_life=d.design_life, fault_rate=d.fault_rate, rng=rng,
            fraud_rng=random.Random(f"{config.seed}:fraud:{index}"),
            bad_rng=random.Random(f"{config.seed}:bad:{index}"),
        ))
    return units


def _schedule_credit_ratings(sim: Sim, start: int, end: int) -> None:
    first_year = year_of(start)
    for year in range(first_year, year_of(end - 1) + 1):
        sim.schedule_city(local_instant(day_from_text(f"{year}-01-10"), 10), _credit_round)


def _credit_round(sim: Sim) -> None:
    """维保单位信用评价 for the past year; a penalty for 短接 vetoes the grade to D [S14]."""
    year = year_of(sim.now) - 1
    vetoed = {case.get("org") for case in sim.truth.fraud
              if case["pattern"] == "bypass" and "penalty_event_id" in case}
    for crew in sim.city.crews:
        if crew.org.org in vetoed:
            crew.grade = "D"
        score = {"A": 92, "B": 82, "C": 70, "D": 55}[crew.grade] + sim.rng.randint(-4, 4)
        sim.emit_city(sim.regulator, "CreditRated", {
            "org": crew.org.org, "grade": crew.grade, "period": str(year), "rule_set": "沪市监维保信用评价-2021",
            "score": score})


def _config_summary(config: CityConfig, start: int, end: int) -> dict[str, object]:
    summary = asdict(config)
    summary["window"] = {"start": day_text(day_of(start)), "end": day_text(day_of(end))}
    return summary
