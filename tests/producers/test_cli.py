"""The producer-side CLI: simulate → append into a fresh store, and the IoT adapter command."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from api.cli import main
from ledger.adapters.keyfile import write_signing_key
from ledger.core.keys import SigningKey
from producers.iot import terminal_message


def test_simulate_then_append_as_it_is(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    city = tmp_path / "city.jsonl"
    assert main(["simulate", "--elevators", "5", "--years", "1", "--seed", "2", "--bad-rate", "0",
                 "--out", str(city), "--json"]) == 0
    summary = orjson.loads(capsys.readouterr().out)
    truth = orjson.loads((tmp_path / "city.truth.json").read_bytes())
    assert summary["records"] == truth["counts"]["records"] == len(city.read_bytes().splitlines())
    assert main(["init", "--empty", "--store", f"sqlite:///{tmp_path}/fresh.sqlite"]) == 0
    capsys.readouterr()
    assert main(["append", str(city), "--store", f"sqlite:///{tmp_path}/fresh.sqlite", "--workers", "0"]) == 0
    outcomes = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(outcomes) == summary["records"] and {o["status"] for o in outcomes} == {"accepted"}


def test_iot_command_signs_messages_and_refuses_bad_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = SigningKey.from_seed(b"\x05" * 32)
    write_signing_key(key, tmp_path / "t1.key")
    (tmp_path / "terminals.json").write_bytes(orjson.dumps([
        {"terminal_id": "IOT-1", "equipment_code": "311031001201800001", "org": "91310000MA0000003X",
         "key_file": "t1.key"}]))
    messages = tmp_path / "messages.jsonl"
    messages.write_bytes(b"\n".join(orjson.dumps(m) for m in (
        terminal_message("IOT-1", 1_714_993_330, 3, floor=7),
        terminal_message("IOT-1", 1_714_993_390, 77),
        terminal_message("IOT-1", 1_714_993_450, 43, service_mode=2),
    )) + b"\n")
    code = main(["iot", "--terminals", str(tmp_path / "terminals.json"), str(messages)])
    out, err = capsys.readouterr()
    envelopes = [orjson.loads(line) for line in out.splitlines()]
    assert code == 1 and [e["type"] for e in envelopes] == ["FaultReported", "TerminalEventReported"]
    assert all(e["key_id"] == key.key_id and e["actor"]["device"] == "IOT-1" for e in envelopes)
    assert "line 2: iot.unknown_code" in err
