"""The transparency CLI end to end: checkpoint, witness round trip, proofs, passports and their refusals."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import orjson
import pytest

from api.cli import main
from producers.scenario import ELEVATOR_A, build_scenario


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_checkpoint_witness_proofs_and_passport(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    store = f"sqlite:///{tmp_path}/l.sqlite"
    data = tmp_path / "scenario.jsonl"
    scenario = build_scenario()
    data.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in scenario.submissions))
    cli(capsys, "init", "--empty", "--store", store)
    cli(capsys, "append", "--store", store, str(data))
    cli(capsys, "keys", "new", "--out", str(tmp_path / "operator.key"))
    code, out, _ = cli(capsys, "checkpoint", "--store", store, "--operator-key", str(tmp_path / "operator.key"),
                       "--json")
    assert code == 0
    first = orjson.loads(out)
    operator = first["operator_vkey"]
    _, out, _ = cli(capsys, "witness", "new-key", "--out", str(tmp_path / "w.key"), "--name", "insurer.example/w",
                    "--json")
    witness = orjson.loads(out)["vkey"]
    witness_args = ["--key", str(tmp_path / "w.key"), "--name", "insurer.example/w", "--state", str(tmp_path / "ws"),
                    "--log", operator]

    _, request, _ = cli(capsys, "witness-request", "--store", store, "--old", "0")
    (tmp_path / "req").write_text(request)
    code, cosignature, _ = cli(capsys, "witness", "cosign", str(tmp_path / "req"), *witness_args)
    assert code == 0 and cosignature.startswith("— insurer.example/w ")
    (tmp_path / "cos").write_text(cosignature)
    assert cli(capsys, "add-cosignature", "--store", store, str(tmp_path / "cos"), "--witness", witness)[0] == 0

    code, out, _ = cli(capsys, "witness", "cosign", str(tmp_path / "req"), *witness_args)  # a replayed request
    refused = orjson.loads(out)["error"]
    assert code == 1 and refused["code"] == "witness.size_mismatch"
    assert refused["details"]["witness_size"] == first["size"]

    rescue = scenario.notes["entrapment"]
    _, proof, _ = cli(capsys, "prove", "inclusion", "--store", store, rescue)
    (tmp_path / "p.json").write_text(proof)
    assert cli(capsys, "verify-proof", str(tmp_path / "p.json"), "--trust", operator)[0] == 0
    forged = orjson.loads(proof)
    forged["proof"]["hashes"][0] = "00" * 32
    (tmp_path / "forged.json").write_bytes(orjson.dumps(forged))
    code, _, err = cli(capsys, "verify-proof", str(tmp_path / "forged.json"), "--trust", operator)
    assert code == 1 and "proof." in err
    _, consistency, _ = cli(capsys, "prove", "consistency", "--store", store, "5", str(first["size"]))
    (tmp_path / "c.json").write_text(consistency)
    assert cli(capsys, "verify-proof", str(tmp_path / "c.json"), "--trust", operator)[0] == 0

    passport = tmp_path / "passport.json"
    assert cli(capsys, "passport", "--store", store, ELEVATOR_A, "--out", str(passport))[0] == 0
    code, out, _ = cli(capsys, "verify-passport", str(passport), "--trust", operator, "--witness", witness,
                       "--min-witnesses", "1", "--json")
    summary = orjson.loads(out)
    assert code == 3 and summary["equipment_code"] == ELEVATOR_A and not summary["verified"]  # no regulator root
    assert summary["witnesses"][0]["name"] == "insurer.example/w"
    assert cli(capsys, "trust-file", "--store", store, "--out", str(tmp_path / "regulator.json"))[0] == 0
    code, out, _ = cli(capsys, "verify-passport", str(passport), "--trust", operator, "--witness", witness,
                       "--min-witnesses", "1", "--regulator-trust", str(tmp_path / "regulator.json"), "--json")
    assert code == 0 and orjson.loads(out)["verified"] is True
    assert cli(capsys, "verify-passport", str(passport), "--trust", operator, "--min-witnesses", "2")[0] == 1
    (tmp_path / "truncated.json").write_bytes(passport.read_bytes()[:500])
    code, _, err = cli(capsys, "verify-passport", str(tmp_path / "truncated.json"), "--trust", operator)
    assert code == 1 and "passport.malformed" in err

    _, rollback_request, _ = cli(capsys, "witness-request", "--store", store, "--old", str(first["size"] + 5))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(rollback_request.encode())))
    code, out, _ = cli(capsys, "witness", "cosign", *witness_args)
    assert code == 1 and orjson.loads(out)["error"]["code"] in ("proof.out_of_range", "witness.rollback")
    code, out, _ = cli(capsys, "verify", "--store", store, "--json")
    assert code == 0 and orjson.loads(out)["checkpoints"] == 1

    # The auditor keeps the cosigned checkpoint: the store must extend it, and can be audited from it on.
    _, out, _ = cli(capsys, "checkpoints", "--store", store, "--json")
    (tmp_path / "held.note").write_text(orjson.loads(out)[-1]["note"])
    anchors = ["--trust", operator, "--regulator-trust", str(tmp_path / "regulator.json"), "--witness", witness,
               "--min-witnesses", "1"]
    code, out, _ = cli(capsys, "verify", "--store", store, *anchors, "--checkpoint", str(tmp_path / "held.note"),
                       "--json")
    report = orjson.loads(out)
    assert code == 0 and report["extends_checkpoint"] == first["size"] and report["operator_word"] == []
    code, out, _ = cli(capsys, "verify", "--store", store, *anchors, "--since", str(tmp_path / "held.note"), "--json")
    assert code == 0 and orjson.loads(out)["mode"] == "since" and orjson.loads(out)["events"] == 0
    code, _, err = cli(capsys, "verify", "--store", store, "--checkpoint", str(tmp_path / "held.note"))
    assert code == 2 and "--trust" in err
    code, out, _ = cli(capsys, "verify", "--store", store, "--trust", operator, "--min-witnesses", "1",
                       "--checkpoint", str(tmp_path / "held.note"), "--json")
    assert code == 1 and orjson.loads(out)["failure"]["code"] == "note.unverified"  # no witness key to count
