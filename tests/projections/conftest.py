"""Fixtures for the projection tests: the rule harness (tests/harness.py) plus an IoT terminal and the views."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ledger.core.identifiers import format_instant, instant_from_text
from producers.client import Producer
from producers.world import Org
from projections.service import Projections
from tests.harness import CODE, NOW, Ledger

__all__ = ["City", "t"]


def t(text: str) -> int:
    return instant_from_text(text)


class City(Ledger):
    """The rule harness with what projection tests need: an IoT terminal, a 96333 ticket, the views."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._terminals: dict[str, Producer] = {}
        self.views = Projections(self.store, clock=lambda: NOW)

    def organization(self, name: str, roles: tuple[str, ...], **kw: Any) -> Org:
        """Register one more organization (its registry events are appended at once)."""
        before = len(self.world.events)
        org = self.world.organization(name, roles, **kw)
        self.must_accept(*self.world.events[before:])
        return org

    def elevator(self, code: str, *, made: str = "2018-03-01T00:00:00Z", registered: str = "2018-06-01T00:00:00Z",
                 contract: bool = True, **registration: Any) -> None:
        """Another elevator, manufactured, registered and (by default) under the maintainer's contract."""
        events = [self.manufactured(code, made), self.registered(code, registered, **registration)]
        if contract:
            events.append(self.contract(code=code, number=f"WB-{code[-5:]}", start=registered[:10]))
        self.must_accept(*events)

    def project(self) -> Projections:
        self.views.catch_up()
        return self.views

    def terminal(self, code: str = CODE) -> Producer:
        if code not in self._terminals:
            before = len(self.world.events)
            producer = self.world.terminal(self.maintainer, f"IOT-{code[-6:]}", code)
            self.must_accept(*self.world.events[before:])
            self._terminals[code] = producer
        return self._terminals[code]

    def fault(self, when: str, code: int = 3, *, elevator: str = CODE, **extra: Any) -> dict[str, Any]:
        payload = {"source": "iot", "code": code, "service_mode": 1, **extra}
        return self.on(self.terminal(elevator), "FaultReported", payload, when, code=elevator)

    def stats(self, when: str, runs: int = 300, *, elevator: str = CODE, hours: int = 24) -> dict[str, Any]:
        end = t(when)
        return self.on(self.terminal(elevator), "RunStatisticsReported", {
            "period_start": format_instant(end - hours * 3600), "period_end": when, "run_count": runs,
            "run_seconds": runs * 10}, when, code=elevator)

    def mode(self, when: str, code: int = 43, *, elevator: str = CODE) -> dict[str, Any]:
        payload = {"code": code, "service_mode": 2 if code == 43 else 1}
        return self.on(self.terminal(elevator), "TerminalEventReported", payload, when, code=elevator)

    def rescue(self, alarm: str, arrive_min: int | None, *, cause: str = "door_system", area_code: str = CODE,
               fault_ref: str | None = None, **extra: Any) -> dict[str, Any]:
        a = t(alarm)
        payload: dict[str, Any] = {
            "ticket_no": f"T-{alarm}", "alarm_at": alarm, "dispatched_at": format_instant(a + 60),
            "acknowledged_at": format_instant(a + 120), "closed_at": format_instant(a + 3 * 3600),
            "persons_trapped": 1, "level": 1, "cause": cause, "responder_org": self.maintainer.org, **extra}
        if arrive_min is not None:
            payload["arrived_at"] = format_instant(a + arrive_min * 60)
            payload["freed_at"] = format_instant(a + arrive_min * 60 + 300)
        if fault_ref:
            payload["fault_ref"] = fault_ref
        return self.on(self.platform, "EntrapmentRescue", payload, payload["closed_at"], code=area_code)

    def countersign(self, maintenance: dict[str, Any], when: str, accepted: bool = True) -> dict[str, Any]:
        return self.on(self.user, "MaintenanceCountersigned", {"maintenance_ref": maintenance["event_id"],
                                                               "accepted": accepted}, when,
                       persons=self.user.persons("safety_manager"))

    def alerts(self, rule: str | None = None, *, at: str | int | None = None, open_only: bool = False,
               code: str | None = None) -> list[dict[str, Any]]:
        moment = t(at) if isinstance(at, str) else at
        found = self.project().alerts(open_only=open_only, at=moment, code=code)
        return [a for a in found if rule is None or a["rule"] == rule]

    def signals(self, rule: str | None = None, *, at: str | None = None) -> list[dict[str, Any]]:
        found = self.project().fraud(at=t(at) if at else None)
        return [s for s in found if rule is None or s["rule"] == rule]


@pytest.fixture
def city(store_url: str) -> Iterator[City]:
    harness = City(store_url)
    yield harness
    harness.close()


@pytest.fixture
def sqlite_city(tmp_path: Any) -> Iterator[City]:
    """For pure-rule tests where the backend is not the point (the framework tests run on both)."""
    harness = City(f"sqlite:///{tmp_path}/city.sqlite")
    yield harness
    harness.close()
