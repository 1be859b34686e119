"""Demo: the way into the console on the ledger the demo built — tokens for a regulator, a maintenance company and
an insurer, the command that serves it — then where the demo's files are and how large, and (at a terminal, when
they are kept) the offer to start the dashboard now."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from rich.console import Console

from api.demo.run import DemoRun, Section
from api.http.tokens import TokenStore
from ledger.core.registry import Registry
from ledger.core.submission import parse_line
from projections.service import Projections

__all__ = ["dashboard", "files_report", "offer_dashboard"]

PORT = 8000


def dashboard(*, kept: bool, interactive: bool) -> Section:
    def section(demo: DemoRun) -> None:
        with demo.section("Open the console"):
            if not kept:
                demo.console.print("The demo's files are removed when it ends. Run it with --keep (or --workdir "
                                   "DIR) to keep the ledger and open the console on it.")
                return
            tokens = _tokens(demo)
            demo.console.print(f"  liftledger serve --store {demo.url.display()} --port {PORT}\n"
                               f"then sign in at http://127.0.0.1:{PORT}/login with one of these tokens:")
            for who, (org, token) in tokens.items():
                demo.console.print(f"  {who:<12} {org}  {token}")
            elevator = demo.notes.get("visit_elevator") or demo.notes.get("elevator", "")
            visit = demo.notes.get("visit")
            demo.console.print(
                f"  http://127.0.0.1:{PORT}/dashboard                the regulator's KPIs, alerts, fraud signals\n"
                f"  http://127.0.0.1:{PORT}/alerts?status=open       every open alert: filter, sort, export\n"
                f"  http://127.0.0.1:{PORT}/maintainer               the maintenance company's own work\n"
                f"  http://127.0.0.1:{PORT}/insurer                  the insurer's whole portfolio\n"
                f"  http://127.0.0.1:{PORT}/elevators/{elevator}   一梯一档, its records and their proofs\n"
                + (f"  http://127.0.0.1:{PORT}/records/{visit}   the visit submitted over HTTP\n" if visit else "")
                + f"  http://127.0.0.1:{PORT}/public/elevators/{elevator}   the 使用标志 QR page (no token)\n"
                f"  http://127.0.0.1:{PORT}/docs                     the API, every event type's model")
            if not interactive:
                demo.console.print("(not at a terminal: the console is not started; run the command above)")

    return section


def _tokens(demo: DemoRun) -> dict[str, tuple[str, str]]:
    tokens = TokenStore(demo.store.database)
    now = int(time.time())
    chosen = {"regulator": ("regulator", _genesis_org(demo))}
    if demo.notes.get("maintainer"):
        chosen["maintainer"] = ("maintainer", demo.notes["maintainer"])
    insurer = _busiest_insurer(demo)
    if insurer:
        chosen["insurer"] = ("insurer", insurer)
    return {who: (org, tokens.issue(org, role, label=f"liftledger demo {who}", now=now)[0])
            for who, (role, org) in chosen.items()}


def _genesis_org(demo: DemoRun) -> str:
    ((_, genesis),) = demo.store.index.scan(0, 1, stream_kind="org")
    registry = Registry()
    registry.apply(parse_line(genesis))
    assert registry.genesis_org is not None
    return registry.genesis_org


def _busiest_insurer(demo: DemoRun) -> str | None:
    projections = Projections(demo.store)
    projections.catch_up()
    counts = Counter(p["insurer"] for p in projections.policy_list())
    return counts.most_common(1)[0][0] if counts else None


def files_report(console: Console, workdir: Path, store: str, *, kept: bool) -> None:
    """Where the demo's files are, how large, and whether they stay."""
    files = sorted((p for p in workdir.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size, reverse=True)
    total = sum(p.stat().st_size for p in files)
    largest = ", ".join(f"{p.relative_to(workdir)} {_size(p.stat().st_size)}" for p in files[:4])
    console.rule("[bold]The demo's files")
    console.print(f"{workdir}: {len(files)} files, {_size(total)} ({largest}); the store is {store}")
    if kept:
        console.print(f"Kept. Remove them with: rm -r {workdir}")
    else:
        console.print("Removed now (run with --keep, or --workdir DIR, to keep them).")


def _size(n: int) -> str:
    return f"{n / 2**20:,.1f} MB" if n >= 2**20 else f"{n / 2**10:,.0f} KB"


def offer_dashboard(console: Console, store: str, ask: bool) -> None:
    """At a terminal, offer to serve the console now (Ctrl-C stops it); elsewhere only say how."""
    if not ask:
        return
    answer = console.input(f"Start the console now on http://127.0.0.1:{PORT}? [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        return
    import uvicorn

    from api.http.app import create_app
    from api.http.settings import Settings

    uvicorn.run(create_app(Settings(store=store, projection_follow_s=1.0)), host="127.0.0.1", port=PORT,
                log_level="warning")
