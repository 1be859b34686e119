"""The simulation's shared context: the clock and scheduler, the city, and the one place events are recorded.

Every event goes through :meth:`Sim.emit` (or :meth:`Sim.emit_iot` for terminal messages, which pass through the
IoT adapter like a real terminal's would): it is signed by its recorder, given a reproducible event id, routed for
Kafka and counted; then the bad-submission injector may add a refused variant right after it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from ledger.core.signing import new_event_id
from producers.client import Producer
from producers.iot import IotAdapter
from producers.routing import Route, Router
from producers.simulator.city import City
from producers.simulator.config import CityConfig
from producers.simulator.timeline import Scheduler
from producers.simulator.truth import GroundTruth
from producers.simulator.unit import Unit

__all__ = ["Sim", "SimRecord", "archival"]

UnitAction = Callable[..., None]


@dataclass(frozen=True, slots=True)
class SimRecord:
    """One output record: the JSON line (without newline) and its Kafka route."""

    value: bytes
    route: Route


_ARCHIVAL: set[UnitAction] = set()


def archival(action: UnitAction) -> UnitAction:
    """Mark an action that still runs after its elevator is decommissioned (claims, penalties, complaints)."""
    _ARCHIVAL.add(action)
    return action


class Sim:
    def __init__(self, config: CityConfig, city: City, start: int, end: int) -> None:
        self.config, self.city = config, city
        self.rates, self.fraud = config.rates, config.fraud
        self.window_start, self.end = start, end
        self.scheduler = Scheduler()
        self.truth = GroundTruth()
        self.router = Router()
        self.adapter = IotAdapter([])
        self.out: list[SimRecord] = []
        self.injector: Any = None  # producers.simulator.inject.BadInjector, set by the engine
        self.regulator = city.world.regulator_producer
        self.rng = random.Random(f"{config.seed}:city")

    @property
    def now(self) -> int:
        return self.scheduler.now

    def schedule(self, instant: float, unit: Unit, action: UnitAction, *args: Any) -> None:
        """Run ``action(sim, unit, *args)`` at ``instant`` (dropped if it falls after the window)."""
        if instant < self.end:
            self.scheduler.at(int(max(instant, self.now)), unit.index, self._run, unit, action, args)

    def schedule_city(self, instant: float, action: Callable[[Sim], None]) -> None:
        if instant < self.end:
            self.scheduler.at(int(instant), -1, action, self)

    def _run(self, unit: Unit, action: UnitAction, args: tuple[Any, ...]) -> None:
        if unit.decommissioned and action not in _ARCHIVAL:
            return
        action(self, unit, *args)

    # --- recording -------------------------------------------------------------------------------------------

    def emit(
        self, unit: Unit, producer: Producer, event_type: str, payload: dict[str, Any], *,
        persons: Sequence[dict[str, str]] = (), location: dict[str, int] | None = None,
        evidence: Sequence[dict[str, str]] = (), elevator: bool = True,
    ) -> dict[str, Any]:
        """Sign and record an event at the current instant; ``elevator=False`` for registry events."""
        event_id = new_event_id(self.now * 1000 + unit.rng.randrange(1000), unit.rng.randbytes)
        envelope = producer.event(event_type, payload, occurred_at=self.now,
                                  equipment_code=unit.code if elevator else None, persons=persons,
                                  location=location, evidence=evidence, event_id=event_id)
        self.record(envelope)
        if elevator:
            self.injector.maybe_inject(self, unit, envelope, producer)
        return envelope

    def emit_city(self, producer: Producer, event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
        """A registry-stream event of the city as a whole (credit ratings)."""
        event_id = new_event_id(self.now * 1000 + self.rng.randrange(1000), self.rng.randbytes)
        envelope = producer.event(event_type, payload, occurred_at=self.now, event_id=event_id)
        self.record(envelope)
        return envelope

    def emit_iot(self, unit: Unit, code: int | None = None, **fields: Any) -> dict[str, Any]:
        """A terminal message through the IoT adapter, as the fitted terminal reports it now."""
        assert unit.terminal is not None
        from producers.iot import terminal_message

        envelope = self.adapter.convert(terminal_message(unit.terminal.terminal_id, self.now, code, **fields))
        self.record(envelope)
        self.injector.maybe_inject(self, unit, envelope, unit.terminal.producer)
        return envelope

    def record(self, envelope: dict[str, Any]) -> None:
        self.out.append(SimRecord(orjson.dumps(envelope), self.router.route(envelope)))
        self.truth.records += 1
        self.truth.events[envelope["type"]] += 1

    def record_bad(self, value: bytes, route: Route) -> int:
        """Record a submission the ledger must refuse; returns its 1-based line."""
        self.out.append(SimRecord(value, route))
        self.truth.records += 1
        return self.truth.records

    def chance(self, unit: Unit, p: float) -> bool:
        return unit.rng.random() < p

    def fraud_chance(self, p: float, rng: random.Random) -> bool:
        """A fraud decision, drawn from the unit's fraud generator so that fraud rates leave the honest city be."""
        return p > 0 and rng.random() < p
