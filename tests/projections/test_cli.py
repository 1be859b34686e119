"""The projection commands end to end: JSON shapes, readable tables, typed errors and exit codes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from api.cli import main
from ledger.store import Store
from ledger.write.service import LedgerService
from producers.scenario import ELEVATOR_A, Scenario


@pytest.fixture
def store(store_url: str, scenario: Scenario) -> Iterator[str]:
    with Store(store_url, mode="create") as s:
        LedgerService(s).append_lines([orjson.dumps(e) for e in scenario.submissions])
    yield store_url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, orjson.loads(out) if "--json" in argv and code == 0 else out, err


def test_every_command_as_json(store: str, scenario: Scenario, capsys: pytest.CaptureFixture[str]) -> None:
    s = ("--store", store, "--json")
    code, dossier, _ = run(capsys, "dossier", ELEVATOR_A, "--at", "2024-05-06", *s)
    assert code == 0 and dossier["as_of"] == "2024-05-06T15:59:59Z" and dossier["status"] == "in_service"
    assert dossier["parties"]["maintainer"]["contract_no"] == "WB-2018-031"
    code, alerts, _ = run(capsys, "alerts", "--open", "--elevator", ELEVATOR_A, "--at", "2024-12-31", *s)
    assert code == 0 and alerts
    assert {"rule", "label", "severity", "opened_at", "closed_at", "evidence"} <= set(alerts[0])
    code, report, _ = run(capsys, "responsibility", "--incident", scenario.notes["entrapment"], *s)
    assert code == 0 and report["findings"][0]["rule"] == "M1" and report["findings"][0]["evidence"][0]["hash"]
    code, at_t, _ = run(capsys, "responsibility", "--elevator", ELEVATOR_A, "--at", "2024-05-06T12:10:00Z", *s)
    assert code == 0 and at_t["incident"] is None
    code, kpis, _ = run(capsys, "kpis", "--month", "2024-05", "--district", "浦东新区", *s)
    assert code == 0 and kpis["month"] == "2024-05" and all(r["district"] == "浦东新区" for r in kpis["rows"])
    code, credit, _ = run(capsys, "credit", "--at", "2024-12-31", *s)
    assert code == 0 and {"maintainers", "blacklist"} <= set(credit)
    code, quality, _ = run(capsys, "quality", *s)
    assert code == 0 and quality["models"]
    code, claims, _ = run(capsys, "claims", ELEVATOR_A, *s)
    assert code == 0 and claims["policies"][0]["claims"][0]["claim_no"] == "PA-CL-2024-0077"
    code, fraud, _ = run(capsys, "fraud", *s)
    assert code == 0 and isinstance(fraud, list)
    code, rebuilt, _ = run(capsys, "rebuild", "--view", "alerts", "--store", store, "--json")
    assert code == 0 and rebuilt["events"] > 0 and rebuilt["positions"]["alerts"] == rebuilt["positions"]["dossier"]


def test_readable_tables(store: str, scenario: Scenario, capsys: pytest.CaptureFixture[str]) -> None:
    for argv, expected in [(("dossier", ELEVATOR_A), "一梯一档"), (("alerts", "--open"), "open alerts"),
                           (("responsibility", "--incident", scenario.notes["entrapment"]), "regulator decides"),
                           (("kpis",), "seed KPIs"), (("credit",), "maintainer credit"),
                           (("quality",), "quality evaluation"), (("claims", ELEVATOR_A), "premium"),
                           (("fraud",), "fraud signals"), (("rebuild",), "rebuilt all views")]:
        code, out, _ = run(capsys, *argv, "--store", store)
        assert code == 0 and expected in out, (argv, out[:300])


def test_errors_are_typed(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "dossier", "311031001201899999", "--store", store, "--json")
    assert code == 1 and "elevator.unknown" in err and "Traceback" not in err
    code, _, err = run(capsys, "dossier", ELEVATOR_A, "--at", "yesterday", "--store", store)
    assert code == 2 and "argument.at" in err
    code, _, err = run(capsys, "responsibility", "--incident", "01900000-0000-7000-8000-000000000099",
                       "--store", store)
    assert code == 1 and "event.unknown" in err
    code, _, err = run(capsys, "responsibility", "--elevator", ELEVATOR_A, "--store", store)
    assert code == 2 and "argument.missing" in err
    code, _, err = run(capsys, "kpis", "--month", "2024-5", "--store", store)
    assert code == 2 and "argument.month" in err
    code, _, err = run(capsys, "dossier", ELEVATOR_A, "--at", "2001-01-01", "--store", store)
    assert code == 1 and "elevator.not_yet" in err
