"""Dates at the calendar's ends in every date field of every elevator event type (issue 14's first reproduction).

One signed inspection report with ``next_due_date`` 9999-12-31 (or 0001-01-01) used to stop the alerts view on
an ``OverflowError``; from then on alerts, KPIs, credit, quality, fraud, the dashboard, the insurer page, every
dossier and every public page answered 500, ``rebuild`` failed the same way, and ``verify`` said OK.
``at=9999-12-31T23:59:59Z`` gave 500 on five routes; a maintenance record ending in 9999 broke its elevator's public
page. Now each such record is accepted or refused with a typed code; every accepted one folds into every view with
nothing quarantined; a rebuild gives the same rows; every question — the projections', the CLI's, every GET route
of the API and the pages, as every audience, at both ends of time — gets an answer; and the store verifies.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from functools import partial

import pytest

from api.cli import main
from api.http.app import create_app
from api.http.services import Services
from api.http.settings import Settings
from ledger.adapters.keyfile import write_signing_key
from ledger.core.errors import LedgerError, NotFoundError, SubmissionError
from ledger.core.identifiers import MAX_INSTANT, MIN_INSTANT
from ledger.core.schema.catalog import CATALOG
from ledger.store import Store
from ledger.store.verify import verify_store
from projections.service import Projections
from tests.faults.conftest import Poisoned
from tests.faults.extremes import date_fields, uncovered
from tests.faults.life import NOW, build_life
from tests.faults.readside import ask_everything, values_for

AT = (None, MIN_INSTANT, MAX_INSTANT, NOW)


def test_every_date_field_of_every_elevator_event_type_is_poisoned() -> None:
    life = build_life()
    assert {e["type"] for e in life.events} == {t for t, s in CATALOG.items() if s.stream != "org"}
    assert uncovered(life) == []
    fields = {(t, p) for t, spec in CATALOG.items() for p, _ in date_fields(spec.payload)}
    assert ("PeriodicInspected", ("next_due_date",)) in fields and ("MaintenancePerformed", ("ended_at",)) in fields


def test_each_extreme_is_accepted_or_refused_with_its_own_code(poisoned: Poisoned) -> None:
    verdicts: Counter[str] = Counter()
    for case in poisoned.cases:
        *prefix, last = poisoned.outcomes[case.name]
        assert all(o.accepted for o in prefix), case.name  # the copy itself is sound
        if last.error is not None:
            assert isinstance(last.error, SubmissionError) and last.error.code != "submission.rejected", case.name
        verdicts["accepted" if last.accepted else last.error.code] += 1  # type: ignore[union-attr]
    # The issue's records are among those accepted (a rule may refuse others; none may crash the writer).
    accepted = {c.name for c in poisoned.cases if poisoned.outcomes[c.name][-1].accepted}
    for name in ("PeriodicInspected.next_due_date=9999-12-31", "PeriodicInspected.next_due_date=0001-01-01",
                 "MaintenancePerformed.ended_at=9999-12-31T23:59:59Z"):
        assert name in accepted
    assert verdicts["accepted"] >= len(poisoned.cases) // 2, verdicts


def test_every_view_folds_them_and_a_rebuild_gives_the_same_rows(poisoned: Poisoned) -> None:
    with Store(poisoned.url) as store:
        projections = Projections(store, clock=lambda: NOW)
        report = projections.catch_up()
        assert report.quarantined == 0 and projections.quarantine() == []
        caught_up = projections.dump()
        rebuilt = projections.rebuild()
        assert rebuilt.quarantined == 0 and projections.dump() == caught_up
        assert all(v["lag"] == 0 and v["quarantined"] == 0 for v in projections.status()["views"].values())


def _answers(projections: Projections, code: str) -> None:
    for at in AT:
        questions = (partial(projections.dossier, code, at), partial(projections.alerts, code=code, at=at),
                     partial(projections.claims, code, at), partial(projections.fraud, code=code, at=at),
                     partial(projections.responsibility, code=code, at=NOW if at is None else at))
        for question in questions:
            with contextlib.suppress(NotFoundError):  # "no events at or before 0001-01-01" is an answer
                question()


def test_every_projection_answers_about_every_copy_at_both_ends_of_time(poisoned: Poisoned) -> None:
    with Store(poisoned.url) as store:
        projections = Projections(store, clock=lambda: NOW)
        projections.catch_up()
        for code in poisoned.accepted_codes:
            _answers(projections, code)
        for at in AT:
            projections.alerts(at=at)
            projections.credit(at)
            projections.quality(at)
            projections.fraud(at=at)
        for month in [*projections.months(), "0001-01", "9999-12"]:
            projections.kpis(month)
        incidents = [row.event_id for row, _ in store.index.scan(0, 10**6)
                     if row.type in ("FaultReported", "EntrapmentRescue", "ClaimFiled", "AccidentReported")]
        for incident in incidents:
            projections.responsibility(incident=incident)


def test_the_cli_prints_them_for_people_and_as_json(poisoned: Poisoned, capsys: pytest.CaptureFixture[str]) -> None:
    code = next(c.code for c in poisoned.cases if c.name == "PeriodicInspected.next_due_date=9999-12-31")
    store = ["--store", poisoned.url]
    for argv in (["dossier", code], ["alerts", "--elevator", code], ["claims", code], ["fraud"], ["credit"],
                 ["quality"], ["kpis"], ["dossier", code, "--at", "9999-12-31T23:59:59Z"],
                 ["alerts", "--at", "9999-12-31"], ["credit", "--at", "0001-01-01T00:00:00Z"], ["status"]):
        for form in ([], ["--json"]):
            assert main([*argv, *store, *form]) == 0, (argv, capsys.readouterr().err)
    capsys.readouterr()


def test_every_route_answers_every_audience_at_both_ends_of_time(poisoned: Poisoned) -> None:
    if not poisoned.url.startswith("sqlite"):
        pytest.skip("the HTTP layer is the same on both backends; the projections' answers are checked on both")
    cast = poisoned.life.cast
    write_signing_key(cast["platform"].key, poisoned.tmp / "platform.key")
    settings = Settings(store=poisoned.url, platform_key=poisoned.tmp / "platform.key",
                        platform_org=cast["platform"].org)
    services = Services.open(settings, clock=lambda: NOW)
    try:
        tokens = {"regulator": services.access.issue_token(poisoned.life.world.regulator.org, "regulator", "t").token}
        for name, role in (("maintainer", "maintainer"), ("insurer", "insurer"), ("user", "user_unit"),
                           ("maker", "manufacturer")):
            tokens[name] = services.access.issue_token(cast[name].org, role, name).token
        with Store(poisoned.url) as store:
            events = [row.event_id for row, _ in store.index.scan(0, 10**6) if row.stream_kind == "elevator"]
        app = create_app(settings, services=services)
        codes = poisoned.accepted_codes
        everything = values_for(codes, events[::25], policy_no=["P-1"])
        few = values_for(codes[::7], events[::200], policy_no=["P-1"])
        failures = ask_everything(app, {"regulator": tokens["regulator"]}, everything, public=True)
        failures += ask_everything(app, {k: v for k, v in tokens.items() if k != "regulator"}, few, public=False)
        assert failures == []
    finally:
        services.close()


def test_the_store_verifies(poisoned: Poisoned) -> None:
    with Store(poisoned.url) as store:
        report = verify_store(store.url, workers=0, store=store)
    assert report.ok, report.failure


def test_a_refused_extreme_never_reaches_the_ledger(poisoned: Poisoned) -> None:
    refused = [c for c in poisoned.cases if not poisoned.outcomes[c.name][-1].accepted]
    assert refused, "some extremes contradict their record's own order (an end before its start)"
    with Store(poisoned.url) as store:
        found = store.index.lookup_events([c.poison["event_id"] for c in refused])
    assert found == {}
    for case in refused:
        error = poisoned.outcomes[case.name][-1].error
        assert isinstance(error, LedgerError) and error.code  # typed, with a stable code
