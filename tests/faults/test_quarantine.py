"""A record that makes a view throw is quarantined for that view, and the view goes on.

The views here are the real ones, made brittle on one chosen record (the ledger accepts nothing that breaks a
stock view any more — tests/faults/test_extreme_dates.py — so the poison is planted in the view instead). What
must hold: the record is left out of that view only, recorded with its error in ``pj_quarantine`` (in the flush
that moves the view past it), logged, counted by ``liftledger status``, ``/readyz`` and the dashboard, never folded
into that view again until a rebuild; the view keeps folding everything after it; a rebuild completes; a failing
store is not mistaken for a poison record.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from api.cli import main
from api.http.app import create_app
from api.http.services import Services
from api.http.settings import Settings
from ledger.store import Store
from projections.framework.events import LedgerEvent
from projections.framework.runner import View
from projections.service import Projections, default_views
from projections.views.alerts import AlertsView
from projections.views.dossier import DOSSIER, DossierState, DossierView
from projections.views.parties import ORGS, PartiesView
from tests.faults.conftest import load_life
from tests.faults.life import NOW, Life


class BrittleAlerts(AlertsView):
    """The alerts view, throwing on one record."""

    poison: str = ""

    def step(self, st: Any, ev: LedgerEvent) -> None:
        super().step(st, ev)  # half the work done: the state is changed when it throws
        if ev.event_id == self.poison:
            raise RuntimeError("planted poison")


class BrittleDossier(DossierView):
    """The dossier view, whose summary of an elevator throws once it holds one record."""

    poison: str = ""

    def settle(self, st: DossierState) -> None:
        if any(report["event"][0] == self.poison for report in st.inspections):
            raise ValueError("planted poison in the summary")
        super().settle(st)


class BrittleParties(PartiesView):
    """The parties view, throwing half-way through one record (after writing a row for it)."""

    poison: str = ""

    def apply(self, ev: LedgerEvent) -> None:
        super().apply(ev)
        if ev.event_id == self.poison:
            raise KeyError("planted poison after a row was put")


class FailingStore(AlertsView):
    """The alerts view, hitting a full disk on one record: the store's failure, not the record's."""

    poison: str = ""

    def step(self, st: Any, ev: LedgerEvent) -> None:
        if ev.event_id == self.poison:
            raise sqlite3.OperationalError("database or disk is full")
        super().step(st, ev)


def _views(**replacing: View) -> list[View]:
    return [replacing.get(v.name, v) for v in default_views()]


def _brittle(cls: type[Any], poison: str) -> Any:
    view = cls()
    view.poison = poison
    return view


@pytest.fixture
def life_store(store_url: str) -> Iterator[tuple[Life, Store]]:
    life, service = load_life(store_url)
    try:
        yield life, service.store
    finally:
        service.store.close()


def _event(life: Life, event_type: str, nth: int = 0) -> dict[str, Any]:
    return [e for e in life.events if e["type"] == event_type][nth]


def test_a_record_that_makes_a_view_throw_is_quarantined_and_the_view_goes_on(
        life_store: tuple[Life, Store], caplog: pytest.LogCaptureFixture) -> None:
    life, store = life_store
    poison = _event(life, "PeriodicInspected")
    projections = Projections(store, views=_views(alerts=_brittle(BrittleAlerts, poison["event_id"])),
                              clock=lambda: NOW)
    with caplog.at_level(logging.ERROR, logger="liftledger.projections"):
        report = projections.catch_up()
    assert report.quarantined == 1
    (held,) = projections.quarantine()
    assert (held["view"], held["event_id"], held["type"], held["error"]) == (
        "alerts", poison["event_id"], "PeriodicInspected", "RuntimeError")
    assert held["message"] == "planted poison" and held["stream"] == poison["equipment_code"]
    assert any(poison["event_id"] in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)
    status = projections.status()
    assert status["views"]["alerts"]["quarantined"] == 1 and status["views"]["alerts"]["lag"] == 0
    assert status["quarantined"] == 1 and status["views"]["dossier"]["quarantined"] == 0
    # Other views folded the record; the alerts view went on past it (later records are in it).
    reports = projections.dossier(poison["equipment_code"])["inspection"]["reports"]
    assert poison["event_id"] in {r["event"]["event_id"] for r in reports}
    assert projections.alerts(code=poison["equipment_code"], at=NOW)  # the elevator's other alerts are there
    # As-of replays leave it out of the alerts fold as the stored view did, and still answer.
    answer = projections.responsibility(code=poison["equipment_code"], at=NOW)
    assert answer["equipment_code"] == poison["equipment_code"]


def test_a_quarantined_record_stays_out_until_a_rebuild_and_a_rebuild_completes(
        life_store: tuple[Life, Store]) -> None:
    life, store = life_store
    poison = _event(life, "SelfTested")["event_id"]
    brittle = Projections(store, views=_views(alerts=_brittle(BrittleAlerts, poison)), clock=lambda: NOW)
    brittle.catch_up()
    rebuilt = brittle.rebuild(["alerts"])  # the brittle view again: the rebuild completes and finds the poison
    assert rebuilt.quarantined == 1 and [q["event_id"] for q in brittle.quarantine()] == [poison]
    stock = Projections(store, clock=lambda: NOW)  # fixed code, a new process: the record stays out …
    stock.catch_up()
    assert [q["event_id"] for q in stock.quarantine()] == [poison]
    with_poison_left_out = stock.dump()
    stock.rebuild(["alerts"])  # … until a rebuild, which folds it
    assert stock.quarantine() == [] and stock.dump() != with_poison_left_out


def test_a_summary_that_throws_quarantines_the_record_that_made_it_throw(life_store: tuple[Life, Store]) -> None:
    life, store = life_store
    poison = _event(life, "PeriodicInspected")
    projections = Projections(store, views=_views(dossier=_brittle(BrittleDossier, poison["event_id"])),
                              clock=lambda: NOW)
    projections.catch_up()
    (held,) = projections.quarantine()
    assert (held["view"], held["event_id"], held["error"]) == ("dossier", poison["event_id"], "ValueError")
    body = orjson.loads(projections.db.values(DOSSIER, "body", "code = ?", (poison["equipment_code"],))[0])
    assert poison["event_id"] not in orjson.dumps(body).decode()  # stored, without the record
    assert len(body["inspections"]) == 3  # and with the others (two supervisory, one self-test)


def test_a_global_view_keeps_no_row_of_a_record_that_threw_half_way(life_store: tuple[Life, Store]) -> None:
    life, store = life_store
    poison = next(e for e in life.registry if e["type"] == "OrganizationRegistered")
    projections = Projections(store, views=_views(parties=_brittle(BrittleParties, poison["event_id"])),
                              clock=lambda: NOW)
    projections.catch_up()
    assert [q["event_id"] for q in projections.quarantine()] == [poison["event_id"]]
    orgs = {row.org for row in projections.db.select(ORGS)}
    assert poison["payload"]["org"] not in orgs and len(orgs) == len(life.world.orgs) - 1


def test_a_failing_store_is_not_mistaken_for_a_poison_record(life_store: tuple[Life, Store]) -> None:
    life, store = life_store
    poison = _event(life, "MaintenancePerformed")["event_id"]
    projections = Projections(store, views=_views(alerts=_brittle(FailingStore, poison)), clock=lambda: NOW)
    before = projections.positions()
    with pytest.raises(sqlite3.OperationalError):
        projections.catch_up()
    assert projections.quarantine() == [] and projections.positions() == before  # nothing of the flush written
    assert Projections(store, clock=lambda: NOW).catch_up().quarantined == 0  # the next run folds it


def test_status_readiness_and_the_dashboard_show_the_quarantine(
        life_store: tuple[Life, Store], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    life, store = life_store
    poison = _event(life, "PeriodicInspected")["event_id"]
    Projections(store, views=_views(alerts=_brittle(BrittleAlerts, poison)), clock=lambda: NOW).catch_up()
    url = store.url.display() if store.url.kind == "sqlite" else _url(store)
    capsys.readouterr()
    assert main(["status", "--store", url, "--json"]) == 1  # something needs the operator's attention
    status = orjson.loads(capsys.readouterr().out)
    assert status["quarantined"] == 1 and status["quarantine"][0]["event_id"] == poison
    assert status["views"]["alerts"]["quarantined"] == 1 and status["schema_version"] >= 2
    assert main(["status", "--store", url]) == 1 and poison in capsys.readouterr().out
    services = Services.open(Settings(store=url), clock=lambda: NOW)
    try:
        regulator = services.access.issue_token(life.world.regulator.org, "regulator", "t").token
        client = TestClient(create_app(services.settings, services=services))
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["views"]["alerts"] == {"position": ready.json()["head"], "lag": 0, "quarantined": 1}
        assert client.get("/healthz").json() == {"status": "alive"}
        client.post("/login", content=f"token={regulator}",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
        page = client.get("/dashboard")
        assert page.status_code == 200 and 'id="quarantine"' in page.text and poison in page.text
    finally:
        services.close()


def _url(store: Store) -> str:
    u = store.url
    return f"postgresql://{u.user}@{u.host}:{u.port}/{u.dbname}?schema={u.schema}"


def test_readiness_says_not_ready_while_a_view_is_far_behind(life_store: tuple[Life, Store]) -> None:
    life, store = life_store
    url = store.url.display() if store.url.kind == "sqlite" else _url(store)
    services = Services.open(Settings(store=url, ready_max_lag=10), clock=lambda: NOW)
    try:
        client = TestClient(create_app(services.settings, services=services))
        behind = client.get("/readyz")
        assert behind.status_code == 503 and behind.json()["ready"] is False
        assert behind.json()["views"]["alerts"]["lag"] == len(life.registry) + len(life.events)
        services.analytics.catch_up()
        assert client.get("/readyz").status_code == 200
    finally:
        services.close()
