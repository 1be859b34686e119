"""``liftledger demo``: the product end to end on the embedded default, in readable sections with timings."""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
from rich.table import Table

from api.cli.common import EXIT_FAILED, EXIT_OK, store_argument
from api.cli.output import console
from ledger.identifiers import format_instant
from ledger.service import LedgerService
from ledger.store import Store, parse_store_url
from ledger.verify import verify_store
from producers.scenario import ELEVATOR_A, Scenario, build_scenario

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("demo", help="run the scripted lifecycle scenario end to end and show what the ledger does")
    store_argument(p)
    p.add_argument("--workdir", default=None, help="keep the demo's files here (default: a temporary directory)")
    p.set_defaults(run=cmd_demo)


class _Stages:
    def __init__(self) -> None:
        self.timings: list[tuple[str, float]] = []

    @contextmanager
    def stage(self, title: str) -> Iterator[None]:
        console.rule(f"[bold]{title}")
        started = time.perf_counter()
        yield
        self.timings.append((title, time.perf_counter() - started))

    def summary(self) -> None:
        table = Table(title="Stages", show_edge=False)
        table.add_column("stage")
        table.add_column("seconds", justify="right")
        for title, seconds in self.timings:
            table.add_row(title, f"{seconds:.2f}")
        console.print(table)


def cmd_demo(args: argparse.Namespace) -> int:
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="liftledger-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    url = parse_store_url(args.store or f"sqlite:///{workdir / 'demo.sqlite'}")
    stages = _Stages()
    console.print(f"LiftLedger demo — store {url.display()}")
    with Store(url) as store:
        if store.index.max_position() > 0:
            console.print("[red]the demo needs an empty store[/red]")
            return EXIT_FAILED
        with stages.stage("1. A city's organizations and two elevators' lives, signed by whoever recorded them"):
            scenario = build_scenario()
            outcomes = _append_scenario(store, scenario)
        with stages.stage(f"2. The lifecycle of elevator {ELEVATOR_A} (一梯一档)"):
            _show_stream(store, scenario)
        with stages.stage("3. Verify every chain, signature, index row and Merkle node"):
            report = verify_store(url, store=store)
            console.print(report.to_dict())
        ok = report.ok and outcomes
    if url.kind == "sqlite":
        with stages.stage("4. Tamper with one byte of a copy of the store, and verify the copy"):
            ok = _tamper_and_verify(Path(url.path), workdir) and ok
    stages.summary()
    console.print(f"files kept in {workdir}" if args.workdir else "")
    return EXIT_OK if ok else EXIT_FAILED


def _append_scenario(store: Store, scenario: Scenario) -> bool:
    service = LedgerService(store)
    outcomes = service.append_lines([orjson.dumps(e) for e in scenario.submissions])
    statuses = Counter(o.to_dict()["status"] for o in outcomes)
    console.print(f"{len(outcomes)} submissions: {dict(statuses)}")
    table = Table(title="Refused, as they must be", show_edge=False)
    for column in ("event type", "signed by", "code", "reason"):
        table.add_column(column)
    as_expected = True
    names = {org.org: org.name for org in scenario.world.orgs.values()}
    for envelope, outcome in zip(scenario.submissions, outcomes, strict=True):
        expected = scenario.expected.get(envelope["event_id"])
        got = outcome.error.code if outcome.error else None
        as_expected &= expected == got
        if outcome.error is not None:
            table.add_row(envelope["type"], names.get(envelope["actor"]["org"], envelope["actor"]["org"]),
                          outcome.error.code, outcome.error.message)
    console.print(table)
    console.print("[green]every outcome as expected[/green]" if as_expected else "[red]unexpected outcomes[/red]")
    return as_expected


def _show_stream(store: Store, scenario: Scenario) -> None:
    names = {org.org: org.name for org in scenario.world.orgs.values()}
    table = Table(show_edge=False)
    for column in ("seq", "occurred (UTC)", "event", "recorded by", "hash"):
        table.add_column(column)
    for row, _ in store.index.stream_rows(ELEVATOR_A):
        table.add_row(str(row.seq), format_instant(row.occurred_at), row.type, names.get(row.org, row.org),
                      row.hash.hex()[:16] + "…")
    console.print(table)


def _tamper_and_verify(path: Path, workdir: Path) -> bool:
    copy = workdir / "tampered.sqlite"
    shutil.copyfile(path, copy)
    position, before, after = _flip_a_byte(copy, lambda record: b'"2024-05-06T11:39:00Z"' in record)
    console.print(f"changed the stored rescue record at position {position}: arrival {before} → {after}")
    report = verify_store(parse_store_url(f"sqlite:///{copy}"))
    if report.ok:
        console.print("[red]the tampered copy verified — this must not happen[/red]")
        return False
    console.print(f"[green]caught[/green]: {report.failure}")
    return True


def _flip_a_byte(path: Path, choose: Callable[[bytes], bool]) -> tuple[int, str, str]:
    with sqlite3.connect(path) as con:
        for rowid, state in con.execute("SELECT rowid, state FROM stored_events ORDER BY rowid"):
            if choose(bytes(state)):
                edited = bytes(state).replace(b"11:39:00Z", b"11:29:00Z", 1)
                con.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (edited, rowid))
                return int(rowid), "11:39", "11:29"
    raise AssertionError("no record to tamper with")
