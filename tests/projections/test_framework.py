"""The projection framework on SQLite and PostgreSQL: position stored with the rows, exactly-once under redelivery
and concurrent runners, rebuild byte-identical, catch-up equal to a rebuild, gaps in notification ids, back-dated
events and corrections, and "as of T" equal to a replay cut at T.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import orjson
import psycopg
import pytest

from ledger.core.identifiers import instant_from_text
from ledger.store import Store
from ledger.write.service import LedgerService
from producers.scenario import ELEVATOR_A, ELEVATOR_B, Scenario
from projections.framework.runner import ElevatorFoldView, ProjectionRunner, RunReport
from projections.framework.storage import ProjectionConflictError
from projections.service import Projections, default_views
from tests.harness import CODE, NOW
from tests.projections.conftest import City

CLOCK = instant_from_text("2025-01-01T00:00:00Z")


def _accepted(scenario: Scenario) -> list[bytes]:
    return [orjson.dumps(e) for e in scenario.submissions if e["event_id"] not in scenario.expected]


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with Store(store_url, mode="create") as s:
        yield s


def _append(store: Store, lines: list[bytes]) -> None:
    outcomes = LedgerService(store).append_lines(lines)
    assert all(o.error is None for o in outcomes), [o.error for o in outcomes if o.error][:3]


def test_rebuild_is_byte_identical_and_catch_up_equals_rebuild(store: Store, scenario: Scenario) -> None:
    lines = _accepted(scenario)
    views = Projections(store, clock=lambda: CLOCK, chunk=7, flush_every=11)  # many small chunks and flushes
    for start in range(0, len(lines), 23):  # appended in pieces, caught up after each
        _append(store, lines[start:start + 23])
        views.catch_up()
    incremental = views.dump()
    assert views.positions() == {v.name: store.index.max_position() for v in views.views}
    report = views.rebuild()
    assert report.events == store.index.max_position()
    assert views.dump() == incremental
    fresh = Projections(store, clock=lambda: CLOCK)  # a new process: nothing in memory
    assert fresh.catch_up().events == 0
    assert fresh.dump() == incremental


def test_same_events_give_identical_views_on_every_backend(store: Store, scenario: Scenario, tmp_path: Any) -> None:
    lines = _accepted(scenario)
    _append(store, lines)
    here = Projections(store)
    here.catch_up()
    with Store(f"sqlite:///{tmp_path}/other.sqlite", mode="create") as other_store:
        _append(other_store, lines)
        other = Projections(other_store)
        other.catch_up()
        assert other.dump() == here.dump()


def test_redelivered_events_change_nothing(store: Store, scenario: Scenario) -> None:
    _append(store, _accepted(scenario))
    views = Projections(store)
    views.catch_up()
    before = views.dump()
    # Feed the whole log again to views already past it: nothing is folded twice.
    rows = store.index.scan(0, 10_000)
    assert views.runner._apply_behind(rows) == 0
    assert views.runner.run().events == 0
    assert views.dump() == before


def test_a_runner_that_lost_the_race_writes_nothing_and_recovers(store: Store, scenario: Scenario) -> None:
    lines = _accepted(scenario)
    _append(store, lines[:60])
    first = ProjectionRunner(store, default_views())
    first.run()
    _append(store, lines[60:])
    first._sync()
    first._apply_all(store.index.scan(first.views[0].position, 10_000))  # folded in memory, not yet flushed
    second = ProjectionRunner(store, default_views())
    second.run()  # another process gets there first
    with pytest.raises(ProjectionConflictError):
        first._flush(RunReport())
    assert first.run().events == 0  # resumes from the stored positions: nothing to do, nothing doubled
    reference = Projections(store)
    assert reference.dump() == first.db.dump([t for v in first.views for t in v.tables])
    reference.rebuild()
    assert reference.dump() == first.db.dump([t for v in first.views for t in v.tables])


def test_single_view_rebuild_and_code_version_change(store: Store, scenario: Scenario) -> None:
    _append(store, _accepted(scenario))
    views = Projections(store)
    views.catch_up()
    before = views.dump()
    report = views.rebuild(["alerts"])
    assert report.events == store.index.max_position()
    assert views.dump() == before
    # A new version of a view's code: the stored view is dropped and rebuilt on the next run.
    with store.database.transaction(commit=True) as cursor:
        cursor.execute(views.db.sql(f"UPDATE {views.db.t('pj_tracking')} SET version = 'old' WHERE view = 'fleet'"))
    again = Projections(store)
    assert again.catch_up().events == store.index.max_position()
    assert again.dump() == before


def test_cold_catch_up_reloads_elevators_from_the_ledger(store: Store, scenario: Scenario) -> None:
    lines = _accepted(scenario)
    _append(store, lines[:70])
    Projections(store).catch_up()
    _append(store, lines[70:])
    cold = Projections(store)  # memory empty, views at position 70: elevators are reloaded from their streams
    for view in cold.views:
        if isinstance(view, ElevatorFoldView):
            view.max_states = 1  # and evicted right after every flush
    cold.runner.flush_every = 3
    cold.catch_up()
    reference = Projections(store)
    reference.rebuild()
    assert cold.dump() == reference.dump()


def test_back_dated_event_and_correction_refold_the_elevator(city: City) -> None:
    city.in_service()
    city.must_accept(city.maintenance("2024-01-10T02:00:00Z"), city.maintenance("2024-01-24T02:00:00Z"))
    city.project()
    late = city.maintenance("2024-01-17T02:00:00Z")  # recorded after a later visit
    city.must_accept(late)
    city.project()
    assert city.views.dossier(CODE)["maintenance"]["visits"] == 3
    assert city.views.alerts(code=CODE, at=instant_from_text("2024-02-01T00:00:00Z")) == city.views.alerts(
        code=CODE, at=instant_from_text("2024-02-01T00:00:00Z"))
    bad = city.on(city.world.regulator_producer, "Registered", {
        "registration_no": "梯31沪A00001(18)", "user_unit": city.user.org, "site_category": "public",
        "district": "徐汇区", "address": "改正", "change": True}, "2018-06-01T00:00:00Z")
    city.must_accept(bad)
    fix = city.on(city.world.regulator_producer, "Registered", {
        "registration_no": "梯31沪A00001(18)", "user_unit": city.user.org, "site_category": "commercial",
        "district": "徐汇区", "address": "改正", "change": True}, "2018-06-01T00:00:00Z", corrects=bad["event_id"])
    city.must_accept(fix)
    views = city.project()
    dossier = views.dossier(CODE)
    assert dossier["registration"]["site_category"] == "commercial"  # the correction stands in for the original
    assert bad["event_id"] not in orjson.dumps(dossier).decode()
    incremental = views.dump()
    views.rebuild()
    assert views.dump() == incremental


def test_notification_id_gaps_on_postgresql(pg_url: str, scenario: Scenario) -> None:
    lines = _accepted(scenario)
    with Store(pg_url, mode="create") as store:
        _append(store, lines[:50])
        views = Projections(store)
        views.catch_up()
        table = store.events_table
        with psycopg.connect(pg_url.split("?")[0], autocommit=True) as conn:  # what a failed insert leaves behind
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'notification_id'), "
                         f"(SELECT MAX(notification_id) FROM {table}) + 100)")
        _append(store, lines[50:])
        positions = [row.position for row, _ in store.index.scan(0, 10_000)]
        assert any(b - a > 1 for a, b in pairwise(positions)), "no gap was made"
        views.catch_up()
        assert views.positions()["dossier"] == positions[-1]
        reference = Projections(store)
        reference.rebuild()
        assert views.dump() == reference.dump()


@pytest.mark.parametrize("moment", ["2018-06-26T00:00:00Z", "2024-05-06T12:00:00Z", "2024-06-20T00:00:00Z",
                                    "2024-10-01T00:00:00Z"])
def test_as_of_answers_match_a_replay_cut_at_t(tmp_path: Any, scenario: Scenario, moment: str) -> None:
    at = instant_from_text(moment)
    lines = _accepted(scenario)
    cut = [line for line in lines if instant_from_text(orjson.loads(line)["occurred_at"]) <= at]
    with Store(f"sqlite:///{tmp_path}/full.sqlite", mode="create") as full, \
            Store(f"sqlite:///{tmp_path}/cut.sqlite", mode="create") as part:
        _append(full, lines)
        _append(part, cut)
        whole = Projections(full, clock=lambda: at)
        whole.catch_up()
        replay = Projections(part, clock=lambda: at)
        replay.catch_up()
        # The cut store chains fewer events, so chain hashes differ; event ids identify the evidence.
        for code in (ELEVATOR_A, ELEVATOR_B):
            assert _unhashed(whole.dossier(code, at=at)) == _unhashed(replay.dossier(code))
        assert _unhashed(whole.alerts(open_only=True, at=at)) == _unhashed(replay.alerts(open_only=True, at=at))
        assert _unhashed(whole.fraud(at=at)) == _unhashed(replay.fraud(at=at))
        if at >= instant_from_text("2024-06-01T00:00:00Z"):  # a month wholly before T
            assert whole.kpis(month="2024-05") == replay.kpis(month="2024-05")


def _unhashed(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _unhashed(v) for k, v in value.items() if k != "hash"}
    if isinstance(value, list):
        return [_unhashed(v) for v in value]
    return value


def test_clock_is_injected(city: City) -> None:
    city.in_service()
    assert city.project().dossier(CODE)["as_of"] == "2026-01-01T00:00:00Z"
    assert instant_from_text("2026-01-01T00:00:00Z") == NOW
