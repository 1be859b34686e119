"""Demo: the scripted lifecycle scenario — signed records accepted, bad ones refused, verify, a tampered copy."""

from __future__ import annotations

from collections import Counter

import orjson
from rich.table import Table

from api.demo.run import DemoRun, copy_sqlite
from api.demo.tamper import alter_record
from ledger.core.identifiers import format_instant
from ledger.store import parse_store_url
from ledger.store.verify import verify_store
from ledger.write.service import LedgerService
from producers.scenario import ELEVATOR_A, Scenario, build_scenario

__all__ = ["scripted_lifecycle"]


def scripted_lifecycle(demo: DemoRun) -> None:
    with demo.section("A city's organizations and two elevators' lives, each record signed by its recorder"):
        scenario = build_scenario()
        _append(demo, scenario)
        demo.notes["elevator"] = ELEVATOR_A
        entrapment = scenario.notes["entrapment"]
        demo.notes["tamper_position"] = str(demo.store.lookup_events([entrapment])[entrapment].position)
    with demo.section(f"一梯一档: the chained records of elevator {ELEVATOR_A}"):
        _show_stream(demo, scenario)
    with demo.section("Verify every chain, signature, index row and Merkle node"):
        report = verify_store(demo.url, store=demo.store)
        summary = report.to_dict()
        demo.check(report.ok, f"{summary['events']} events, {summary['signatures_verified']} signatures, "
                              f"{summary['merkle_nodes']} Merkle nodes verified in {summary['seconds']} s",
                   f"verification failed: {report.failure}")
    if demo.url.kind == "sqlite":
        with demo.section("Change one byte of a copy of the store, and verify the copy"):
            _tamper_and_verify(demo)


def _append(demo: DemoRun, scenario: Scenario) -> None:
    outcomes = LedgerService(demo.store).append_lines([orjson.dumps(e) for e in scenario.submissions])
    statuses = Counter(o.to_dict()["status"] for o in outcomes)
    demo.console.print(f"{len(outcomes)} submissions: {dict(statuses)}")
    names = {org.org: org.name for org in scenario.world.orgs.values()}
    table = Table(title="Refused, as they must be", show_edge=False)
    for column in ("event", "signed by", "code", "why"):
        table.add_column(column)
    as_expected = True
    for envelope, outcome in zip(scenario.submissions, outcomes, strict=True):
        expected = scenario.expected.get(envelope["event_id"])
        as_expected &= expected == (outcome.error.code if outcome.error else None)
        if outcome.error is not None:
            table.add_row(envelope["type"], names.get(envelope["actor"]["org"], envelope["actor"]["org"]),
                          outcome.error.code, outcome.error.message)
    demo.console.print(table)
    demo.check(as_expected, "every submission accepted or refused exactly as expected", "unexpected outcomes")


def _show_stream(demo: DemoRun, scenario: Scenario) -> None:
    names = {org.org: org.name for org in scenario.world.orgs.values()}
    table = Table(show_edge=False)
    for column in ("seq", "occurred (UTC)", "event", "recorded by", "hash"):
        table.add_column(column)
    for row, _ in demo.store.index.stream_rows(ELEVATOR_A):
        table.add_row(str(row.seq), format_instant(row.occurred_at), row.type, names.get(row.org, row.org),
                      row.hash.hex()[:12] + "…")
    demo.console.print(table)


def _tamper_and_verify(demo: DemoRun) -> None:
    copy = copy_sqlite(demo.url.path, demo.workdir / "tampered.sqlite")
    position = int(demo.notes["tamper_position"])
    demo.console.print(f"in the copy, the rescue record at position {position}: {alter_record(copy, position)}")
    report = verify_store(parse_store_url(f"sqlite:///{copy}"))
    demo.check(not report.ok, f"caught: {report.failure}", "the tampered copy verified")
