"""Demo: a simulated city — generated, ingested with progress bars, verified, and read back through the views."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rich.table import Table

from api.cli import tables
from api.cli.output import progress_bar
from api.demo.fraud_score import score_fraud
from api.demo.run import DemoRun
from ledger.core.identifiers import LOCAL_UTC_OFFSET_S, format_instant, instant_from_text
from ledger.store import IndexRow
from ledger.store.verify import verify_store
from ledger.write.service import LedgerService
from ledger.write.signatures import SignatureChecker
from producers.simulator.config import CityConfig
from producers.simulator.run import simulate_to_file
from projections.framework.events import month_of
from projections.service import Projections

__all__ = ["simulated_city"]

_BATCH = 2000


def simulated_city(config: CityConfig) -> Callable[[DemoRun], None]:
    """The city of ``config``: its window ends where the demo's "today" is, so the views read naturally now."""
    def section(demo: DemoRun) -> None:
        city = demo.workdir / "city.jsonl"
        last_day = date.fromisoformat(config.end) - timedelta(days=1)  # the window's end is exclusive
        title = (f"Simulate a city: {config.elevators:,} elevators over {config.years} years, ending {last_day} "
                 f"(seed {config.seed})")
        with demo.section(title):
            truth = _simulate(demo, config, city)
        with demo.section("Ingest it: verify every signature, authorize, apply the rules, chain, log"):
            _ingest(demo, city, truth)
        with demo.section("Verify the whole ledger: chains, signatures and keys, index, Merkle log"):
            report = verify_store(demo.url, workers=2)
            summary = report.to_dict()
            demo.check(report.ok, f"{summary['events']:,} events in {summary['elevators']:,} elevators, "
                                  f"{summary['signatures_verified']:,} signatures, {summary['merkle_nodes']:,} "
                                  f"Merkle nodes verified in {summary['seconds']} s", f"failed: {report.failure}")
        projections = Projections(demo.store)
        with demo.section("Build the views (一梯一档, alerts, KPIs, responsibility, credit, insurance, fraud)"):
            run = projections.catch_up()
            demo.console.print(f"{run.events:,} events folded into {len(projections.views)} views in "
                               f"{run.seconds:.1f} s ({run.events / max(run.seconds, 1e-9):,.0f} events/s)")
        _report(demo, projections, truth)

    return section


def _simulate(demo: DemoRun, config: CityConfig, out: Path) -> dict[str, Any]:
    with progress_bar("simulating (days)", None, enabled=True) as bar:
        def progress(now: int, records: int, start: int, end: int) -> None:
            bar.update(completed=max(0, min(now, end) - start) // 86400, total=(end - start) // 86400)

        truth = simulate_to_file(config, out, progress=progress)
    truth.write(out.with_name("city.truth.json"))
    data = truth.to_dict()
    counts = data["counts"]
    demo.console.print(f"{counts['records']:,} signed records ({out.stat().st_size / 2**20:,.0f} MB) by "
                       f"{len({c['org'] for c in data['fraud']}) or 'no'} defrauding and many honest organizations; "
                       f"injected: {len(data['fraud']):,} fraud cases, {len(data['bad_submissions']):,} bad "
                       f"submissions (ground truth in {out.with_name('city.truth.json').name})")
    return data


def _ingest(demo: DemoRun, city: Path, truth: dict[str, Any]) -> None:
    expected = {entry["line"]: entry["expected_code"] for entry in truth["bad_submissions"]}
    # History is loaded with the replay clock: each record is recorded at the newest occurred_at seen, as if the
    # ledger had been there all along, so the latest record time — the console's "as of" — is the city's end.
    service = LedgerService(demo.store, signatures=SignatureChecker(processes=2), replay_clock=True)
    statuses: Counter[str] = Counter()
    refusals: Counter[tuple[str, str]] = Counter()
    line = 0
    with progress_bar("appending (records)", truth["counts"]["records"], enabled=True) as bar:
        for outcomes in service.append_batches(_batches(city)):
            for outcome in outcomes:
                line += 1
                statuses[outcome.to_dict()["status"]] += 1
                got = outcome.error.code if outcome.error else None
                if got or line in expected:
                    refusals[(expected.get(line, "—"), got or "accepted")] += 1
            bar.advance(len(outcomes))
    service.signatures.close()
    demo.console.print(f"{line:,} records: {dict(statuses)}")
    table = Table(title="Refusals against the simulator's ground truth", show_edge=False)
    for column in ("injected as", "ledger's answer", "records"):
        table.add_column(column)
    for (wanted, got), count in sorted(refusals.items()):
        table.add_row(wanted, got, f"{count:,}")
    demo.console.print(table)
    exact = all(wanted == got for wanted, got in refusals)
    demo.check(exact, "every injected bad submission refused with the expected code, nothing else refused",
               "refusals differ from the ground truth")


def _batches(path: Path) -> Iterator[list[bytes]]:
    with path.open("rb") as handle:
        batch: list[bytes] = []
        for line in handle:
            batch.append(line.rstrip(b"\n"))
            if len(batch) == _BATCH:
                yield batch
                batch = []
        if batch:
            yield batch


def _report(demo: DemoRun, projections: Projections, truth: dict[str, Any]) -> None:
    """Read the views as of the simulation's end: after it, nothing happens in the city, and every elevator would
    look unmaintained as of today."""
    end = instant_from_text(f"{truth['config']['window']['end']}T00:00:00Z") - LOCAL_UTC_OFFSET_S - 1
    incident = _entrapment(demo, truth)
    with demo.section("KPIs against the seed targets: the city and each maintainer, the last month simulated"):
        kpis = projections.kpis(month=month_of(end))
        kpis["rows"] = [row for row in kpis["rows"] if row["district"] == "*"]
        demo.console.print(tables.kpi_tables(kpis, secondary=False))
    with demo.section(f"Compliance alerts open at the end of the simulation ({format_instant(end)})"):
        _alerts(demo, projections, end)
    with demo.section("Fraud signals against the simulator's ground truth"):
        _fraud(demo, projections, truth, end)
    if incident is not None:
        title = f"Responsibility for an entrapment on elevator {incident.stream_key}: ranked, not a verdict"
        with demo.section(title):
            demo.console.print(tables.responsibility_table(projections.responsibility(incident=incident.event_id)))


def _entrapment(demo: DemoRun, truth: dict[str, Any]) -> IndexRow | None:
    """An entrapment — one the simulation made late on purpose if there is one — which also becomes the subject of
    the passport and of the tampering that follow."""
    late = [v["event_ids"][0] for v in truth["violations"] if v["kind"] == "late_rescue" and v.get("event_ids")]
    rows = demo.store.lookup_events(late[:1]) if late else {}
    row = next(iter(rows.values()), None) or demo.store.index.first_of_type("EntrapmentRescue")
    if row is None:
        return None
    demo.notes.update(elevator=row.stream_key, tamper_position=str(row.position))
    return row


def _alerts(demo: DemoRun, projections: Projections, at: int) -> None:
    alerts = projections.alerts(open_only=True, at=at)
    by_rule = Counter(alert["rule"] for alert in alerts)
    table = Table(title=f"{len(alerts):,} open alerts by rule", show_edge=False)
    table.add_column("rule")
    table.add_column("open", justify="right")
    for rule, count in by_rule.most_common():
        table.add_row(rule, f"{count:,}")
    demo.console.print(table)
    demo.console.print(tables.alerts_table(sorted(alerts, key=lambda a: a["opened_at"])[-8:], "the newest eight"))


def _fraud(demo: DemoRun, projections: Projections, truth: dict[str, Any], at: int) -> None:
    signals = projections.fraud(at=at, include_closed=True)
    table = Table(show_edge=False)
    for column in ("pattern", "cases injected", "found", "recall", "signals", "citing a case", "precision"):
        table.add_column(column, justify="right" if column != "pattern" else "left")
    for score in score_fraud(signals, truth["fraud"]):
        table.add_row(score.pattern, f"{score.cases:,}", f"{score.found:,}", _percent(score.recall),
                      f"{score.signals:,}", f"{score.right:,}", _percent(score.precision))
    demo.console.print(table)
    demo.console.print("A signal is evidence for a regulator to look at, not a verdict; the ground truth only "
                       "knows the injected cases, so an honest record that looks odd counts against precision.")


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"
