"""The CLI contract, end to end: init, keys new, sign, append, events, verify, demo."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from api.cli import main
from producers.scenario import ELEVATOR_A, build_scenario
from producers.world import make_uscc


def run(capsys: pytest.CaptureFixture[str], *argv: str, stdin: bytes | None = None,
        monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str, str]:
    if stdin is not None:
        assert monkeypatch is not None
        import io

        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def lines(out: str) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in out.splitlines() if line.strip()]


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "scenario.jsonl"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in build_scenario().submissions))
    return path


def test_init_creates_keys_and_genesis(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = f"sqlite:///{tmp_path}/l.sqlite"
    reg, op = tmp_path / "reg.key", tmp_path / "op.key"
    code, out, _ = run(capsys, "init", "--store", store, "--regulator-key-out", str(reg),
                       "--operator-key-out", str(op), "--json")
    assert code == 0
    summary = orjson.loads(out)
    assert summary["genesis"]["status"] == "accepted" and summary["genesis"]["seq"] == 1
    assert stat.S_IMODE(reg.stat().st_mode) == 0o600 and stat.S_IMODE(op.stat().st_mode) == 0o600
    code, _, err = run(capsys, "init", "--store", store, "--regulator-key-out", str(tmp_path / "r2.key"),
                       "--operator-key-out", str(tmp_path / "o2.key"))
    assert code == 2 and "already holds a ledger" in err
    assert run(capsys, "verify", "--store", store)[0] == 0


def test_keys_new_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "k.key"
    code, out, _ = run(capsys, "keys", "new", "--out", str(key), "--json")
    assert code == 0 and len(orjson.loads(out)["key_id"]) == 32
    assert run(capsys, "keys", "new", "--out", str(key))[0] == 2
    assert run(capsys, "keys", "new", "--out", str(key), "--force")[0] == 0


def test_sign_then_append_then_events(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    store = f"sqlite:///{tmp_path}/l.sqlite"
    reg = tmp_path / "reg.key"
    _, out, _ = run(capsys, "init", "--store", store, "--regulator-key-out", str(reg),
                    "--operator-key-out", str(tmp_path / "op.key"), "--json")
    regulator_org = orjson.loads(out)["regulator_org"]
    unsigned = {"event_id": "01900000-0000-7000-8000-000000000abc", "type": "OrganizationRegistered",
                "occurred_at": "2024-01-01T00:00:00Z", "actor": {"org": regulator_org, "role": "regulator"},
                "payload": {"org": make_uscc("310000", 42), "name": "x", "roles": ["insurer"]}}
    bad_json = b"{not json\n"
    repeated = orjson.dumps(unsigned).replace(b'"type":', b'"type":"KeyAdded","type":', 1) + b"\n"
    code, signed_out, err = run(capsys, "sign", "--key", str(reg),
                                stdin=orjson.dumps(unsigned) + b"\n" + bad_json + repeated, monkeypatch=monkeypatch)
    assert code == 1 and "line 2" in err and "line 3: schema.invalid" in err and "repeated" in err
    signed_file = tmp_path / "signed.jsonl"
    signed_file.write_text(signed_out)
    code, out, _ = run(capsys, "append", "--store", store, str(signed_file))
    assert code == 0 and lines(out)[0]["status"] == "accepted"
    code, out, _ = run(capsys, "events", "--store", store, unsigned["payload"]["org"])
    (event,) = lines(out)
    assert event["seq"] == 1 and event["prev_hash"] == "00" * 32 and len(event["hash"]) == 64
    assert run(capsys, "events", "--store", store, "311031001201800099")[0] == 1


def test_append_reports_one_line_per_input_line_and_keeps_going(
        tmp_path: Path, scenario_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = f"sqlite:///{tmp_path}/l.sqlite"
    assert run(capsys, "init", "--empty", "--store", store)[0] == 0
    good = scenario_file.read_bytes().splitlines(keepends=True)
    messy = tmp_path / "messy.jsonl"
    messy.write_bytes(b"".join([
        *good[:40],
        b'{"invalid utf8": "\xff\xfe"}\n',
        b"this is not json\n",
        b"\n",
        b"[1, 2, 3]\n",
        b'{"x": "' + b"a" * (300 * 1024) + b'"}\n',
        # read two ways by a lax parser (docs/FORMAT.md §I.1): a float, a boolean for an integer, a repeated key
        good[40].replace(b'"schema":1,', b'"schema":1.0,', 1),
        good[40].replace(b'"schema":1,', b'"schema":true,', 1),
        good[40].replace(b'"schema":1,', b'"schema":1,"schema":1,', 1),
        *good[40:],
        good[50].rstrip(b"\n")[:-20],  # a truncated last line
    ]))
    code, out, _ = run(capsys, "append", "--store", store, str(messy))
    results = lines(out)
    assert code == 1
    assert len(results) == len(good) + 9
    codes = [r["error"]["code"] for r in results[40:48]]
    assert codes == ["schema.invalid"] * 8
    assert [r["error"]["details"]["path"] for r in results[45:48]] == ["schema"] * 3
    assert results[-1]["status"] == "rejected"
    accepted = sum(r["status"] == "accepted" for r in results)
    assert accepted == len(good) - len(build_scenario().expected)
    code, out, _ = run(capsys, "append", "--store", store, str(scenario_file))
    expected_bad = build_scenario().expected
    for envelope, result in zip(build_scenario().submissions, lines(out), strict=True):
        if envelope["event_id"] not in expected_bad:
            assert result["status"] == "duplicate"
    assert run(capsys, "verify", "--store", store)[0] == 0


def test_verify_names_the_tampered_elevator_and_seq(tmp_path: Path, scenario_file: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "l.sqlite"
    store = f"sqlite:///{db}"
    run(capsys, "init", "--empty", "--store", store)
    run(capsys, "append", "--store", store, str(scenario_file))
    with sqlite3.connect(db) as con:
        rowid, state = con.execute(
            "SELECT e.rowid, e.state FROM stored_events e JOIN ledger_index i ON i.position = e.rowid "
            "WHERE i.stream_key = ? AND i.seq = 12", (ELEVATOR_A,)).fetchone()
        con.execute("UPDATE stored_events SET state = ? WHERE rowid = ?",
                    (state.replace(b'"half_month"', b'"half_monti"'), rowid))
    code, out, _ = run(capsys, "verify", "--store", store, "--json")
    report = orjson.loads(out)
    assert code == 1
    assert report["failure"]["stream"] == f"elevator:{ELEVATOR_A}" and report["failure"]["seq"] == 12
    code, out, _ = run(capsys, "verify", "--store", store, "--workers", "1", "--no-signatures")
    assert code == 1 and "seq 12" in out


def test_scripted_demo_runs_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "demo", "--scripted", "--workdir", str(tmp_path / "demo"))
    assert code == 0
    assert "exactly as expected" in out and "caught" in out and "✗" not in out
    assert "witness refused: witness.fork" in out


def test_store_from_environment_and_console_entry_point(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/env.sqlite"
    env = {**os.environ, "LIFTLEDGER_STORE": url}

    def cli(*argv: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([sys.executable, "-m", "api.cli", *argv], env=env, capture_output=True,
                              cwd=Path(__file__).parents[2], check=False)

    refused = cli("verify")  # nothing there: refused, naming the URL, and nothing is created
    assert refused.returncode == 2 and refused.stderr.decode().startswith("liftledger: store.missing: ")
    assert url in refused.stderr.decode() and not (tmp_path / "env.sqlite").exists()
    as_json = cli("verify", "--json")  # the same refusal as the API's error body (docs/CLI.md)
    assert as_json.returncode == 2 and orjson.loads(as_json.stderr)["error"]["code"] == "store.missing"
    assert cli("init", "--empty").returncode == 0
    result = cli("verify", "--json")
    assert result.returncode == 0, result.stderr
    assert orjson.loads(result.stdout)["events"] == 0


def test_city_demo_runs_end_to_end_on_a_small_city(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "demo", "--elevators", "40", "--years", "1", "--workdir", str(tmp_path / "city"))
    assert code == 0, out
    for section in ("refused with the expected code", "verified", "recall", "passport of", "witness refused",
                    "submits it over HTTP", "sent again: duplicate", "relationship.missing", "/maintainer",
                    "The demo's files", "Kept. Remove them with: rm -r"):
        assert section in out, section
    assert "✗" not in out and (tmp_path / "city" / "demo.sqlite").exists()
    assert "(not at a terminal: the console is not started" in out  # it offers, and never waits, when not asked


def test_the_demo_says_where_its_files_are_and_removes_a_temporary_folder_unless_kept(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    code, out, _ = run(capsys, "demo", "--scripted")
    assert code == 0 and "Removed now (run with --keep" in out and ("MB" in out or "KB" in out)
    assert not list(tmp_path.glob("liftledger-demo-*"))
    code, out, _ = run(capsys, "demo", "--scripted", "--keep")
    (kept,) = tmp_path.glob("liftledger-demo-*")
    assert code == 0 and f"{kept}: " in out and "Kept." in out and (kept / "demo.sqlite").exists()
