"""Hypothesis: random valid histories verify; any one-byte change, deletion or reordering is detected and located."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.store import parse_store_url
from ledger.store.verify import verify_store
from tests.harness import CODE, Ledger

CODES = [CODE, "311031001201800002", "311031001201800003"]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A store with three elevators and a mixed history (built once; each example tampers with a copy)."""
    path = tmp_path_factory.mktemp("tamper") / "base.sqlite"
    ledger = Ledger(f"sqlite:///{path}")
    for code in CODES:
        ledger.in_service(code)
    for day in range(1, 25):
        code = CODES[day % 3]
        ledger.must_accept(ledger.maintenance(f"2024-03-{day:02d}T02:00:00Z", code=code))
        if day % 5 == 0:
            ledger.must_accept(ledger.on(ledger.platform, "FaultReported", {"source": "96333", "code": 2},
                                         f"2024-03-{day:02d}T05:00:00Z", code=code))
    ledger.close()
    assert verify_store(parse_store_url(f"sqlite:///{path}")).ok
    yield path


def _copy(base: Path, tmp: Path) -> tuple[Path, sqlite3.Connection]:
    target = tmp / f"copy-{id(tmp)}.sqlite"
    if target.exists():
        target.unlink()
    shutil.copyfile(base, target)
    return target, sqlite3.connect(target)


def _rowids(con: sqlite3.Connection, table: str) -> list[int]:
    return [r[0] for r in con.execute(f"SELECT rowid FROM {table} ORDER BY rowid")]


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(data=st.data())
def test_any_byte_of_any_stored_record_is_caught_where_it_is(base: Path, tmp_path: Path, data: st.DataObject) -> None:
    path, con = _copy(base, tmp_path)
    rowid = data.draw(st.sampled_from(_rowids(con, "stored_events")))
    state = bytearray(con.execute("SELECT state FROM stored_events WHERE rowid=?", (rowid,)).fetchone()[0])
    offset = data.draw(st.integers(0, len(state) - 1))
    state[offset] = (state[offset] + data.draw(st.integers(1, 255))) % 256
    con.execute("UPDATE stored_events SET state=? WHERE rowid=?", (bytes(state), rowid))
    con.commit()
    con.close()
    report = verify_store(parse_store_url(f"sqlite:///{path}"))
    assert not report.ok
    assert report.failure and report.failure.position == rowid


@SETTINGS
@given(data=st.data())
def test_any_byte_of_any_index_or_node_hash_is_caught(base: Path, tmp_path: Path, data: st.DataObject) -> None:
    path, con = _copy(base, tmp_path)
    table = data.draw(st.sampled_from(["ledger_index", "merkle_nodes"]))
    key = "position" if table == "ledger_index" else "level * 1000000 + idx"
    rows = [r[0] for r in con.execute(f"SELECT {key} FROM {table}")]
    row = data.draw(st.sampled_from(rows))
    digest = bytearray(con.execute(f"SELECT hash FROM {table} WHERE {key}=?", (row,)).fetchone()[0])
    digest[data.draw(st.integers(0, 31))] ^= 1 << data.draw(st.integers(0, 7))
    con.execute(f"UPDATE {table} SET hash=? WHERE {key}=?", (bytes(digest), row))
    con.commit()
    con.close()
    report = verify_store(parse_store_url(f"sqlite:///{path}"))
    assert not report.ok
    if table == "ledger_index":
        assert report.failure and report.failure.position == row
    else:
        assert report.failure and report.failure.code == "integrity.merkle"


@SETTINGS
@given(data=st.data())
def test_seq_and_stream_columns_are_checked(base: Path, tmp_path: Path, data: st.DataObject) -> None:
    path, con = _copy(base, tmp_path)
    rowid = data.draw(st.sampled_from(_rowids(con, "stored_events")))
    column = data.draw(st.sampled_from(["originator_version", "topic", "originator_id"]))
    value = con.execute(f"SELECT {column} FROM stored_events WHERE rowid=?", (rowid,)).fetchone()[0]
    changes = {"originator_version": lambda v: v + 1000, "topic": lambda v: v + "x",
               "originator_id": lambda v: v[::-1]}
    changed = changes[column](value)
    con.execute(f"UPDATE stored_events SET {column}=? WHERE rowid=?", (changed, rowid))
    con.commit()
    con.close()
    report = verify_store(parse_store_url(f"sqlite:///{path}"))
    assert report.failure and report.failure.position == rowid


@SETTINGS
@given(data=st.data())
def test_deleted_rows_are_caught_and_located(base: Path, tmp_path: Path, data: st.DataObject) -> None:
    path, con = _copy(base, tmp_path)
    rowid = data.draw(st.sampled_from(_rowids(con, "stored_events")))
    stream = con.execute("SELECT stream_key, seq FROM ledger_index WHERE position=?", (rowid,)).fetchone()
    con.execute("DELETE FROM stored_events WHERE rowid=?", (rowid,))
    con.commit()
    con.close()
    report = verify_store(parse_store_url(f"sqlite:///{path}"))
    assert report.failure is not None
    assert report.failure.stream.endswith(stream[0])


@SETTINGS
@given(data=st.data())
def test_reordered_rows_are_caught(base: Path, tmp_path: Path, data: st.DataObject) -> None:
    path, con = _copy(base, tmp_path)
    ids = _rowids(con, "stored_events")
    a, b = data.draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
    (state_a,), (state_b,) = (con.execute("SELECT state FROM stored_events WHERE rowid=?", (r,)).fetchone()
                              for r in (a, b))
    con.execute("UPDATE stored_events SET state=? WHERE rowid=?", (state_b, a))
    con.execute("UPDATE stored_events SET state=? WHERE rowid=?", (state_a, b))
    con.commit()
    con.close()
    report = verify_store(parse_store_url(f"sqlite:///{path}"))
    assert report.failure is not None and report.failure.position == min(a, b)


OPERATIONS = st.lists(st.tuples(st.sampled_from(["visit", "fault", "hazard", "rectify", "pass"]),
                                st.sampled_from(CODES)), min_size=1, max_size=25)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_random_valid_histories_verify_and_rejections_match_a_model(tmp_path: Path, operations: list) -> None:  # type: ignore[type-arg]
    path = tmp_path / f"random-{abs(hash(tuple(operations)))}.sqlite"
    if path.exists():
        path.unlink()
    ledger = Ledger(f"sqlite:///{path}")
    open_hazards: dict[str, list[str]] = {code: [] for code in CODES}
    try:
        for code in CODES:
            ledger.in_service(code)
        for n, (operation, code) in enumerate(operations):
            when = f"2024-{1 + n // 28:02d}-{1 + n % 28:02d}T02:00:00Z"
            if operation == "visit":
                ledger.must_accept(ledger.maintenance(when, code=code))
            elif operation == "fault":
                ledger.must_accept(ledger.on(ledger.platform, "FaultReported", {"source": "96333", "code": 3},
                                             when, code=code))
            elif operation == "hazard":
                number = f"YH-{n}"
                ledger.must_accept(ledger.on(ledger.inspector, "HazardFound", {
                    "hazard_no": number, "source": "inspection", "severity": "general", "subsystem": "door",
                    "description": "门锁", "deadline": "2025-01-01"}, when, code=code,
                    persons=ledger.inspector.persons("inspector")))
                open_hazards[code].append(number)
            elif operation == "rectify":
                for number in open_hazards[code]:
                    ledger.must_accept(ledger.on(ledger.maintainer, "HazardRectified",
                                                 {"hazard_no": number, "description": "已修"}, when, code=code))
                open_hazards[code] = []
            else:
                report = ledger.on(ledger.inspector, "SelfTested", {
                    "report_no": f"ZC-{n}", "conclusion": "pass", "next_due_date": "2025-06-01"}, when, code=code,
                    persons=ledger.inspector.persons("inspector"))
                if open_hazards[code]:
                    ledger.must_refuse("invariant.hazards_open", report)
                else:
                    ledger.must_accept(report)
    finally:
        ledger.close()
    assert verify_store(parse_store_url(f"sqlite:///{path}")).ok
