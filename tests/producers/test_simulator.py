"""The fleet simulator: byte-identical per seed, appendable as it is to a fresh store (only the injected bad
submissions refused, exactly as the ground truth says), and its rates where docs/DOMAIN.md (g) puts them."""

from __future__ import annotations

import itertools
import os
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import orjson
import pytest

from ledger.core.identifiers import instant_from_text
from ledger.core.maintenance_items import ITEMS
from ledger.store import Store
from ledger.store.verify import verify_store
from ledger.write.service import LedgerService
from ledger.write.signatures import SignatureChecker
from producers.simulator import BadSubmissionRates, CityConfig, FraudRates, Simulation, simulate_to_file

ROOT = Path(__file__).resolve().parents[2]


def test_the_same_seed_gives_byte_identical_output_in_any_process(tmp_path: Path) -> None:
    config = CityConfig(elevators=25, years=1, seed=4, bad=BadSubmissionRates(rate=0.01))
    here = tmp_path / "here.jsonl"
    simulate_to_file(config, here).write(tmp_path / "here.truth.json")
    there = tmp_path / "there.jsonl"
    argv = [sys.executable, "-m", "api.cli", "simulate", "--elevators", "25", "--years", "1", "--seed", "4",
            "--bad-rate", "0.01", "--out", str(there)]
    env = {**os.environ, "PYTHONHASHSEED": "12345"}  # another hash seed: no set or dict order may leak through
    subprocess.run(argv, cwd=ROOT, env=env, check=True, capture_output=True)
    assert here.read_bytes() == there.read_bytes()
    assert (tmp_path / "here.truth.json").read_bytes() == (tmp_path / "there.truth.json").read_bytes()
    other = tmp_path / "other.jsonl"
    simulate_to_file(config.with_(seed=5), other)
    assert other.read_bytes() != here.read_bytes()


def test_output_appends_to_a_fresh_store_refusing_only_the_injected_bad_submissions(tmp_path: Path) -> None:
    fraud = FraudRates({"A": 0.05, "B": 0.05, "C": 0.2, "D": 0.2}, repair_fund=0.5, part_substitution=0.5,
                       bypass=0.3)
    simulation = Simulation(CityConfig(elevators=30, years=2, seed=21, fraud=fraud,
                                       bad=BadSubmissionRates(rate=0.01)))
    lines = [record.value for record in simulation.records()]
    truth = simulation.truth.to_dict()
    expected = {bad["line"]: bad["expected_code"] for bad in truth["bad_submissions"]}
    assert {f["pattern"] for f in truth["fraud"]} == {"false_maintenance", "repair_fund", "part_substitution",
                                                     "bypass"}
    assert {b["kind"] for b in truth["bad_submissions"]} == {"forged_signature", "wrong_role", "schema_error"}

    store = Store(f"sqlite:///{tmp_path}/fresh.sqlite", mode="create")
    service = LedgerService(store, signatures=SignatureChecker(2))
    refused: dict[int, str] = {}
    for start in range(0, len(lines), 2000):
        for line, outcome in enumerate(service.append_lines(lines[start:start + 2000]), start=start + 1):
            if outcome.error is not None:
                refused[line] = outcome.error.code
    assert refused == expected
    assert store.tree.tree_size() == truth["counts"]["valid_events"] == len(lines) - len(expected)
    fraud_ids = [event_id for case in truth["fraud"] for event_id in case["event_ids"]]
    assert len(store.lookup_events(fraud_ids)) == len(set(fraud_ids))  # fraud is valid to the ledger
    assert verify_store(store.url, store=store).ok
    store.close()


@pytest.fixture(scope="module")
def city() -> tuple[list[dict[str, Any]], dict[str, Any], Simulation]:
    simulation = Simulation(CityConfig(elevators=400, years=1, seed=17))
    records = list(simulation.records())
    truth = simulation.truth.to_dict()
    bad = {b["line"] for b in truth["bad_submissions"]}
    events = [orjson.loads(r.value) for line, r in enumerate(records, start=1) if line not in bad]
    return events, truth, simulation


def _of(events: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == event_type]


def test_maintenance_every_14_days_with_the_cumulative_tiers(city: Any) -> None:
    events, truth, _ = city
    visits = _of(events, "MaintenancePerformed")
    by_unit: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for visit in visits:
        by_unit[visit["equipment_code"]].append(visit)
    gaps: list[float] = []
    tiers: Counter[str] = Counter()
    for unit_visits in by_unit.values():
        starts = sorted(instant_from_text(v["payload"]["started_at"]) for v in unit_visits)
        gaps += [(b - a) / 86400 for a, b in itertools.pairwise(starts)]
        tiers.update(v["payload"]["tier"] for v in unit_visits)
    unit_years = truth["counts"]["unit_years"]
    assert 23 <= len(visits) / unit_years <= 27  # every 14 days (按需 units every 28)
    assert statistics.median(gaps) == pytest.approx(14, abs=0.5)
    assert sum(g <= 15 for g in gaps) / len(gaps) >= 0.95  # TSG T5002: at most 15 days (stops, changes aside)
    assert 0.8 <= tiers["annual"] / unit_years <= 1.3
    assert 0.7 <= tiers["half_year"] / unit_years <= 1.3
    assert 1.5 <= tiers["quarterly"] / unit_years <= 2.5
    for visit in visits:
        results = visit["payload"]["results"]
        if visit["payload"]["tier"] == "annual":
            assert len(results) == 76 and set(visit["payload"]["tested"]) >= {"A-4-05", "A-4-08"}
        elif visit["payload"]["tier"] == "half_month":
            assert len(results) == 31
    countersigned = len(_of(events, "MaintenanceCountersigned")) / len(visits)
    assert 0.94 <= countersigned <= 0.99


def test_faults_entrapments_rescues_and_inspections_at_the_domain_rates(city: Any) -> None:
    events, truth, simulation = city
    counts = truth["counts"]
    iot_faults = [e for e in _of(events, "FaultReported") if e["payload"]["source"] == "iot"]
    assert 2.0 <= len(iot_faults) / counts["iot_unit_years"] <= 7.0  # 2-6 per unit-year, more when old
    lifts = sum(1 for u in simulation.units if not u.escalator) / len(simulation.units)
    rescues = _of(events, "EntrapmentRescue")
    assert 0.025 <= len(rescues) / (counts["unit_years"] * lifts) <= 0.12  # 0.066 per unit-year
    arrivals = [(instant_from_text(r["payload"]["arrived_at"]) - instant_from_text(r["payload"]["alarm_at"])) / 60
                for r in rescues if "arrived_at" in r["payload"]]
    assert 8 <= statistics.median(arrivals) <= 16  # median 12 min
    first_visits = [e for e in (*_of(events, "PeriodicInspected"), *_of(events, "SelfTested"))
                    if not e["payload"].get("is_reinspection") and e["occurred_at"] >= "2025-01-01"]
    failed = sum(e["payload"]["conclusion"] == "fail" for e in first_visits) / len(first_visits)
    assert 0.04 <= failed <= 0.2  # first-pass 不合格 8-15%
    assert _of(events, "SelfTested"), "TSG T7001-2023: 自行检测 in the years without 定期检验"


def test_an_honest_replacement_answers_a_fault_or_a_failed_maintenance_item(city: Any) -> None:
    events, truth, _ = city
    fraud_ids = {e for case in truth["fraud"] for e in case["event_ids"]}
    wear = {"door_lock": "door", "door_operator": "door", "brake": "brake", "ropes": "traction",
            "controller": "control", "governor": "governor", "buffer": "buffer"}
    failed: dict[str, list[tuple[str, str]]] = defaultdict(list)  # code → (time, subsystem) of failed items
    for visit in _of(events, "MaintenancePerformed"):
        for item, outcome in visit["payload"]["results"].items():
            if outcome == "fail":
                failed[visit["equipment_code"]].append((visit["occurred_at"], ITEMS[item].subsystem))
    unprompted = [e for e in _of(events, "ComponentReplaced")
                  if "fault_refs" not in e["payload"] and e["event_id"] not in fraud_ids]
    assert unprompted, "wear replacements happen"
    for replacement in unprompted:
        found = [at for at, subsystem in failed[replacement["equipment_code"]]
                 if subsystem == wear[replacement["payload"]["kind"]] and at < replacement["occurred_at"]]
        assert found, replacement


def test_fraud_and_bad_submissions_at_their_configured_rates(city: Any) -> None:
    events, truth, simulation = city
    visits = _of(events, "MaintenancePerformed")
    grade_of = {crew.org.org: crew.grade for crew in simulation.city.crews}
    fake = {case["event_ids"][0] for case in truth["fraud"] if case["pattern"] == "false_maintenance"}
    per_grade: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for visit in visits:
        tally = per_grade["CD" if grade_of[visit["actor"]["org"]] in "CD" else "AB"]
        tally[0] += visit["event_id"] in fake
        tally[1] += 1
    assert 0.03 <= per_grade["CD"][0] / per_grade["CD"][1] <= 0.09  # 3-8% at C/D firms
    assert per_grade["AB"][0] / per_grade["AB"][1] <= 0.025  # <1% at A, 1.5% at B
    for case in truth["fraud"]:
        if case["pattern"] == "false_maintenance":
            assert case["signals"]
    elevator_events = sum(1 for e in events if "equipment_code" in e)
    assert 0.001 <= counts_bad(truth) / elevator_events <= 0.004  # 0.2%
    grades = Counter(crew.grade for crew in simulation.city.crews)
    assert grades["B"] >= grades["C"] >= grades["A"] >= grades["D"]


def counts_bad(truth: dict[str, Any]) -> int:
    return int(truth["counts"]["bad_submissions"])
