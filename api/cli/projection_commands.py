"""CLI commands over the projections: dossier, alerts, responsibility, kpis, credit, quality, claims, fraud, rebuild.

Every command takes ``--store URL`` and ``--json``. Before answering, a command catches the views up with the
ledger (only what was appended since the last run is read). ``--json`` prints the documented JSON of
docs/PROJECTIONS.md; without it, readable tables. Unknown elevators and events are ``not_found`` errors (exit 1),
bad ``--at``/``--month``/``--view`` values usage errors (exit 2).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from api.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    json_argument,
    log_format,
    log_format_argument,
    open_store,
    store_argument,
)
from api.cli.output import console, print_json, progress_bar
from ledger.core.errors import ConfigurationError

if TYPE_CHECKING:
    from projections.service import Projections

__all__ = ["register"]

# A query: the projections' JSON-ready answer and its readable tables (api/cli/tables.py, imported when it runs).
Handler = Callable[["Projections", argparse.Namespace], tuple[Any, Any]]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = _command(sub, "dossier", "一梯一档: an elevator's dossier, now or as of --at", _dossier)
    p.add_argument("code", metavar="CODE", help="设备代码 (equipment code)")
    _at(p)
    p = _command(sub, "alerts", "compliance alerts (flag-class rules of docs/DOMAIN.md (c))", _alerts)
    p.add_argument("--open", action="store_true", dest="open_only", help="only alerts open at --at (default now)")
    p.add_argument("--elevator", metavar="CODE", default=None, help="only this elevator (设备代码)")
    _at(p)
    p = _command(sub, "responsibility", "ranked responsibility with evidence, for an incident or an elevator at T",
                 _responsibility)
    p.add_argument("--incident", metavar="EVENT_ID", default=None,
                   help="a fault, entrapment, claim, accident or hazard")
    p.add_argument("--elevator", metavar="CODE", default=None, help="only this elevator (设备代码)")
    _at(p)
    p = _command(sub, "kpis", "seed KPIs per month × district × maintainer, against their targets", _kpis)
    p.add_argument("--month", metavar="YYYY-MM", default=None, help="default: the latest month with activity")
    p.add_argument("--district", default=None, help="only this district (区县)")
    p = _command(sub, "credit", "maintainer credit A–D with indicators and vetoes, and the blacklist", _credit)
    _at(p)
    p = _command(sub, "quality", "quality and safety evaluation per manufacturer and model", _quality)
    _at(p)
    p = _command(sub, "claims", "claim history per policy of an elevator, and its premium coefficient", _claims)
    p.add_argument("code", metavar="CODE", help="设备代码 (equipment code)")
    _at(p)
    p = _command(sub, "fraud", "fraud signals (虚假维保, 套取大修基金, 以次充好, 短接安全回路) with evidence", _fraud)
    p.add_argument("--elevator", metavar="CODE", default=None, help="only this elevator (设备代码)")
    _at(p)
    p = sub.add_parser("project", help="keep the views current: fold new records every --every seconds until SIGTERM "
                                       "(the projection runner of a deployment)")
    store_argument(p)
    p.add_argument("--every", type=float, default=1.0, metavar="SECONDS", help="how often to look for new records")
    p.add_argument("--metrics-port", type=int, default=None, metavar="PORT",
                   help="serve Prometheus metrics (views' lag, records folded) on this port")
    p.add_argument("--exit-when-idle", action="store_true", help="stop once the views are caught up")
    log_format_argument(p)
    p.set_defaults(run=cmd_project)

    p = sub.add_parser("rebuild", help="drop views and rebuild them from position 0 of the log")
    store_argument(p)
    # Projections.rebuild checks the names (argument.view, listing the views): parsing needs no projections.
    p.add_argument("--view", action="append", default=None, metavar="NAME",
                   help="rebuild only this view (repeatable; an unknown name is refused with the list); default: all")
    p.add_argument("--json", action="store_true", help="print the run report as JSON")
    p.set_defaults(run=cmd_rebuild)

    p = sub.add_parser("status", help="the store (schema, log size, checkpoint) and each view: lag, quarantined "
                                      "records; exit 1 if a view holds a record in quarantine")
    store_argument(p)
    p.add_argument("--catch-up", action="store_true", help="catch the views up first (default: report as stored)")
    json_argument(p)
    p.set_defaults(run=cmd_status)


def _command(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help_text: str,
             handler: Handler) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help_text)
    store_argument(p)
    p.add_argument("--json", action="store_true", help="print the documented JSON instead of tables")
    p.set_defaults(run=lambda args: _query(args, handler))
    return p


def _at(p: argparse.ArgumentParser) -> None:
    p.add_argument("--at", metavar="T", default=None,
                   help="as of this time: YYYY-MM-DDTHH:MM:SSZ (UTC) or YYYY-MM-DD (end of that day in China)")


def _query(args: argparse.Namespace, handler: Handler) -> int:
    from projections.service import Projections

    with open_store(args) as store:
        projections = Projections(store)
        _catch_up(projections, quiet=args.json)
        data, view = handler(projections, args)
    if args.json:
        print_json(data)
    else:
        console().print(view)
    return EXIT_OK


def _catch_up(projections: Projections, *, quiet: bool) -> None:
    show = not quiet and sys.stderr.isatty() and projections.lag() > 20_000
    with progress_bar("catching up the views", None, enabled=show) as bar:
        projections.catch_up(progress=lambda done, total: bar.update(completed=done, total=total))


def _dossier(p: Projections, args: argparse.Namespace) -> tuple[Any, Any]:
    from api.cli import tables
    from projections.service import parse_at

    data = p.dossier(args.code, at=parse_at(args.at))
    return data, tables.dossier_tables(data)


def _alerts(p: Projections, args: argparse.Namespace) -> tuple[Any, Any]:
    from api.cli import tables
    from projections.service import parse_at

    data = p.alerts(open_only=args.open_only, code=args.elevator, at=parse_at(args.at))
    return data, tables.alerts_table(data, "open alerts" if args.open_only else "alerts")


def _responsibility(p: Projections, args: argparse.Namespace) -> tuple[Any, Any]:
    from api.cli import tables
    from projections.service import parse_at

    at = parse_at(args.at)
    if args.incident is None and (args.elevator is None or at is None):
        raise ConfigurationError("give --incident EVENT_ID, or --elevator CODE with --at T", code="argument.missing")
    if args.incident is not None and (args.elevator is not None or at is not None):
        raise ConfigurationError("--incident takes neither --elevator nor --at (the incident fixes both)",
                                 code="argument.conflict")
    data = p.responsibility(incident=args.incident, code=args.elevator, at=at)
    return data, tables.responsibility_table(data)


def _kpis(p: Projections, args: argparse.Namespace) -> tuple[Any, Any]:
    from api.cli import tables

    data = p.kpis(month=args.month, district=args.district)
    return data, tables.kpi_tables(data)


def _credit(p: Projections, args: argparse.Namespace) -> tuple[Any, Any]:
    from rich.console import Group

    from api.cli import tables
    from projections.service import parse_at

    data = p.credit(at=parse_at(args.at))
    return data, Group(tables.credit_table(data), tables.blacklist_table(data["blacklist"]))


def _quality(p: Projections, args: argparse.Namespace) -> tuple[Any, Any]:
    from api.cli import tables
    from projections.service import parse_at

    data = p.quality(at=parse_at(args.at))
    return data, tables.quality_table(data)


def _claims(p: Projections, args: argparse.Namespace) -> tuple[Any, Any]:
    from api.cli import tables
    from projections.service import parse_at

    data = p.claims(args.code, at=parse_at(args.at))
    return data, tables.claims_tables(data)


def _fraud(p: Projections, args: argparse.Namespace) -> tuple[Any, Any]:
    from api.cli import tables
    from projections.service import parse_at

    data = p.fraud(code=args.elevator, at=parse_at(args.at))
    return data, tables.fraud_table(data)


def cmd_project(args: argparse.Namespace) -> int:
    import logging
    import signal
    import threading

    from api.logs import configure
    from projections.service import Projections

    configure(log_format(args))
    log = logging.getLogger("liftledger.projections")
    stopping = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stopping.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with open_store(args) as store:
            projections = Projections(store)
            gauges = _runner_metrics(args.metrics_port)
            while not stopping.is_set():
                report = projections.catch_up()
                lag = projections.lag()
                if gauges is not None:
                    gauges[0].inc(report.events)
                    for view, position in projections.positions().items():
                        gauges[1].labels(view).set(max(0, store.index.max_position() - position))
                if report.events:
                    log.info("folded %d records in %.2f s", report.events, report.seconds,
                             extra={"event": "folded", "records": report.events, "seconds": round(report.seconds, 3),
                                    "lag": lag})
                if args.exit_when_idle and lag == 0:
                    break
                stopping.wait(args.every)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return EXIT_OK


def _runner_metrics(port: int | None) -> tuple[Any, Any] | None:
    if port is None:
        return None
    from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

    registry = CollectorRegistry()
    folded = Counter("liftledger_projection_folded_records", "records folded by this runner", registry=registry)
    lag = Gauge("liftledger_projection_lag_records", "records a view has not folded yet", ("view",),
                registry=registry)
    start_http_server(port, registry=registry)
    return folded, lag


def cmd_status(args: argparse.Namespace) -> int:
    from ledger.core.identifiers import format_instant
    from ledger.store.tables import SCHEMA_VERSION
    from projections.service import Projections

    with open_store(args) as store:
        projections = Projections(store)
        if args.catch_up:
            _catch_up(projections, quiet=args.json)
        status = projections.status()
        newest = store.checkpoints.checkpoints(newest_only=True)
        report = {
            "store": store.url.display(), "schema_version": SCHEMA_VERSION,
            "log_format": int(store.checkpoints.meta().get("log_format", "1")),
            "tree_size": store.tree.tree_size(),
            "checkpoint": ({"id": newest[0].checkpoint_id, "size": newest[0].tree_size,
                            "issued_at": format_instant(newest[0].issued_at)} if newest else None),
            **status, "quarantine": projections.quarantine(),
        }
    if args.json:
        print_json(report)
    else:
        from api.cli import tables

        console().print(tables.status_tables(report))
    return EXIT_FAILED if report["quarantined"] else EXIT_OK


def cmd_rebuild(args: argparse.Namespace) -> int:
    from projections.service import Projections

    with open_store(args) as store:
        projections = Projections(store, flush_every=50_000)
        total = store.index.max_position()
        with progress_bar("rebuilding views", total, enabled=not args.json and sys.stderr.isatty()) as bar:
            report = projections.rebuild(args.view, progress=lambda done, _: bar.update(completed=done))
    if args.json:
        print_json(report.to_dict())
    else:
        views = ", ".join(args.view) if args.view else "all views"
        console().print(f"rebuilt {views}: {report.events} events in {report.seconds:.2f} s "
                      f"({report.rate:,.0f} events/s), {report.rows} rows written")
    return EXIT_OK
