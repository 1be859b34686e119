"""The projections' part of ``liftledger demo``: state rebuilt from the events, every finding pointing at them.

:func:`print_demo_sections` catches the views up with the store, then prints the dossier of one elevator, the open
alerts, the KPI table of the incident's month against the seed targets, the responsibility report for the
incident, and the fraud signals — and shows that a rebuild from position 0 gives byte-identical views.
"""

from __future__ import annotations

from rich.console import Console

from ledger.identifiers import format_instant
from ledger.store import Store
from projections import tables
from projections.events import month_of
from projections.service import Projections

__all__ = ["print_demo_sections"]


def print_demo_sections(store: Store, console: Console, *, elevator: str, incident_event_id: str) -> bool:
    """Print the sections; returns False if something did not come out as it must (a rebuild that differs)."""
    projections = Projections(store)
    console.rule("[bold]Projections: the views, caught up with the log")
    report = projections.catch_up()
    console.print(f"{report.events} events folded into {len(projections.views)} views "
                  f"({', '.join(v.name for v in projections.views)}) in {report.seconds:.2f} s; "
                  f"{report.rows} rows written, position {max(report.positions.values(), default=0)}")

    console.rule(f"[bold]一梯一档: the dossier of {elevator}")
    console.print(tables.dossier_tables(projections.dossier(elevator)))

    console.rule("[bold]Compliance alerts open now (flag-class rules, each with its evidence)")
    console.print(tables.alerts_table(projections.alerts(open_only=True), "open alerts"))

    row = store.index.lookup_events([incident_event_id]).get(incident_event_id)
    month = month_of(row.occurred_at) if row is not None else None
    console.rule(f"[bold]KPIs of {month or 'the latest month'} against the seed targets")
    console.print(tables.kpi_tables(projections.kpis(month=month), secondary=False))

    console.rule("[bold]Responsibility for the entrapment: ranked, with event ids and hashes — not a verdict")
    console.print(tables.responsibility_table(projections.responsibility(incident=incident_event_id)))

    console.rule("[bold]Fraud signals")
    signals = projections.fraud()
    console.print(tables.fraud_table(signals) if signals else "no fraud signals in this ledger")

    console.rule("[bold]Rebuild every view from position 0")
    before = projections.dump()
    rebuilt = projections.rebuild()
    same = projections.dump() == before
    style = "green" if same else "red"
    console.print(f"[{style}]{'✓' if same else '✗'}[/{style}] rebuilt {rebuilt.events} events in "
                  f"{rebuilt.seconds:.2f} s at {format_instant(projections.now())}: the views are "
                  f"{'byte-identical' if same else 'DIFFERENT'}")
    return same
