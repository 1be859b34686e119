"""Demo: how to open the web pages on the ledger the demo just built (a regulator token is issued for it)."""

from __future__ import annotations

import time

from api.demo.run import DemoRun
from api.http.tokens import TokenStore
from ledger.core.registry import Registry
from ledger.core.submission import parse_line

__all__ = ["dashboard"]


def dashboard(demo: DemoRun) -> None:
    with demo.section("Open the dashboard"):
        regulator = _genesis_org(demo)
        token, _ = TokenStore(demo.store.database).issue(regulator, "regulator", label="liftledger demo",
                                                now=int(time.time()))
        elevator = demo.notes.get("elevator", "")
        demo.console.print(
            f"  liftledger serve --store {demo.url.display()} --port 8000\n"
            f"then, with the regulator's token issued for this demo ({token}):\n"
            f"  http://127.0.0.1:8000/login                   the regulator dashboard (KPIs, alerts, fraud)\n"
            f"  http://127.0.0.1:8000/elevators/{elevator}   一梯一档 and responsibility for its incidents\n"
            f"  http://127.0.0.1:8000/public/elevators/{elevator}   the 使用标志 QR page (no token)\n"
            f"  http://127.0.0.1:8000/v1/public/elevators/{elevator}/qr.svg   the QR code to print on the sign\n"
            f"  curl -H 'Authorization: Bearer {token}' http://127.0.0.1:8000/v1/kpis"
        )


def _genesis_org(demo: DemoRun) -> str:
    ((_, genesis),) = demo.store.index.scan(0, 1, stream_kind="org")
    registry = Registry()
    registry.apply(parse_line(genesis))
    assert registry.genesis_org is not None
    return registry.genesis_org
