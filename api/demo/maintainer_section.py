"""Demo: a maintenance company's system signs today's visit with the company's key and submits it over HTTP.

The API runs on a local port for the length of the section; the company holds an API token for its organization
and its own key (the simulated city's keys are derived from its seed, as every organization keeps its own). The
record goes through ``POST /v1/events`` — the same write path as every other — and comes back as a receipt; sent
again, it is a duplicate with the original receipt; a visit under a contract the company does not hold is refused
with the ledger's code.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from api.demo.run import DemoRun, Section
from ledger.core.identifiers import format_instant, local_date
from ledger.core.maintenance_items import items_for_tier
from producers.client import Producer, worker
from producers.publish import HttpPublisher
from producers.simulator.config import CityConfig
from producers.world import World

__all__ = ["maintainer_over_http"]


def maintainer_over_http(config: CityConfig) -> Section:
    def section(demo: DemoRun) -> None:
        with demo.section("A maintenance company signs today's visit and submits it over HTTP"):
            _submit(demo, config)

    return section


def _submit(demo: DemoRun, config: CityConfig) -> None:
    from api.http.app import create_app
    from api.http.services import Services
    from api.http.settings import Settings

    services = Services.open(Settings(store=demo.url.display()))
    try:
        now = services.ctx.now()
        unit = _unit_under_contract(services, now)
        if unit is None:
            demo.check(False, "", "no elevator under a maintenance contract today to visit")
            return
        org = unit["maintainer"]
        registry = services.ctx.registry()
        certs = [c.cert_no for c in registry.certs.values() if c.org == org and c.category == "T"
                 and c.validity.valid_at(now, local_date(now))][:2]
        key = World(config.seed, start=config.world_start, region=config.region).key(f"org:{org}")
        company = Producer(org, "maintainer", key)
        token = services.access.issue_token(org, "maintainer", "liftledger demo: the company's system").token
        visit = company.event("MaintenancePerformed", {
            "contract_no": unit["contract_no"], "tier": "half_month", "started_at": format_instant(now - 2700),
            "ended_at": format_instant(now - 60), "results": dict.fromkeys(items_for_tier("half_month"), "pass"),
        }, equipment_code=unit["equipment_code"], occurred_at=now - 60, persons=[worker(c) for c in certs])
        foreign = company.event("MaintenancePerformed", {**visit["payload"], "contract_no": "WB-NOT-OURS"},
                                equipment_code=unit["equipment_code"], occurred_at=now - 30,
                                persons=[worker(c) for c in certs])
        with _serving(create_app(services=services)) as url:
            demo.console.print(f"{unit['maintainer_name']} ({org}) visits {unit['equipment_code']} "
                               f"({unit['address']}); its system signs the record and posts it to {url}/v1/events")
            with HttpPublisher(url, token=token) as publisher:
                for envelope in (visit, visit, foreign):
                    publisher.send(envelope)
                first, again, refused = publisher.flush()
        demo.console.print(f"  receipt:   {first['status']}, seq {first.get('seq')} in the elevator's chain, "
                           f"hash {str(first.get('hash', ''))[:16]}…, log position {first.get('position')}")
        demo.console.print(f"  sent again: {again['status']} (the same receipt: re-sending is safe)")
        error = refused.get("error") or {}
        demo.console.print(f"  another contract's number: {refused['status']}, {error.get('code')}: "
                           f"{error.get('message')}")
        demo.check(first["status"] == "accepted" and again["status"] == "duplicate" and refused["status"] ==
                   "rejected", "the visit was accepted over HTTP; the repeat was a duplicate; the wrong contract "
                   "was refused", f"unexpected outcomes: {first}, {again}, {refused}")
        demo.notes.update(visit=visit["event_id"], visit_elevator=unit["equipment_code"], maintainer=org)
    finally:
        services.close()


def _unit_under_contract(services: Any, now: int) -> dict[str, Any] | None:
    """An elevator in service with a maintenance contract in force today, the one visited longest ago."""
    rows = [r for r in services.analytics.current().directory(now)
            if r["status"] == "in_service" and r["contract_no"] and r["last_visit_at"]]
    return min(rows, key=lambda r: (r["last_visit_at"], r["equipment_code"])) if rows else None


@contextmanager
def _serving(app: Any) -> Iterator[str]:
    """The app on a free local port (uvicorn in a thread) for the length of the block."""
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="demo-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
