"""The offline verifiers need only the core dependencies.

``liftledger verify-passport`` and ``verify-proof`` run in a subprocess where every other dependency of the project
— the store (eventsourcing, psycopg, sqlite3), the broker client, the web stack, rich, segno — cannot be imported: a
``sitecustomize`` on PYTHONPATH puts a finder first on ``sys.meta_path`` that refuses them and logs each attempt.
The passport and proofs come from a real store; the verifiers must accept them and refuse altered ones with the
right code, and no refused module may even be asked for.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest

from api.cli import main
from ledger.core.keys import SigningKey
from ledger.tlog.checkpoint import NoteSigner, NoteVerifier
from producers.scenario import ELEVATOR_A, build_scenario

REPOSITORY = Path(__file__).parents[2]
# Every dependency in pyproject but the core ones (cryptography, orjson, pydantic), and the stdlib's database driver.
NOT_CORE = ("eventsourcing", "psycopg", "psycopg_pool", "sqlite3", "kafka", "crc32c", "fastapi", "starlette",
            "uvicorn", "jinja2", "segno", "rich")
OUR_EDGE = ("ledger.store.application", "ledger.store.index", "ledger.write", "ledger.adapters", "projections",
            "producers", "api.http", "api.demo")

BLOCKER = '''
import sys
from importlib.abc import MetaPathFinder

BLOCKED = {blocked!r}
LOG = {log!r}


class Refuse(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            with open(LOG, "a", encoding="utf-8") as log:
                log.write(name + "\\n")
            raise ModuleNotFoundError(f"{{name}} is made unimportable for this test", name=name)
        return None


sys.meta_path.insert(0, Refuse())
'''

REPORT_MODULES = '''
import atexit, sys
atexit.register(lambda: open({loaded!r}, "w", encoding="utf-8").write("\\n".join(sorted(sys.modules))))
'''


@dataclass(frozen=True)
class Artifacts:
    """What an insurer or regulator is handed: a passport and proofs, and the keys to trust."""

    passport: Path
    inclusion: Path
    consistency: Path
    operator: str  # the log operator's verifier key
    witness: str
    impostor: str  # a verifier key with the log's name that signed none of it
    regulator: Path  # the regulator trust file that pins the genesis key


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    attempted: list[str]  # refused modules something tried to import
    loaded: list[str]


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Artifacts:
    """A scenario appended to a real store, checkpointed, cosigned by a witness, then proven and exported."""
    tmp = tmp_path_factory.mktemp("store")
    store = f"sqlite:///{tmp}/l.sqlite"
    data = tmp / "scenario.jsonl"
    scenario = build_scenario()
    data.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in scenario.submissions))
    cli("init", "--empty", "--store", store)
    cli("append", "--store", store, str(data), expect=1)  # the scenario's refused submissions
    cli("keys", "new", "--out", str(tmp / "operator.key"))
    issued = orjson.loads(cli("checkpoint", "--store", store, "--operator-key", str(tmp / "operator.key"), "--json"))
    operator = issued["operator_vkey"]
    witness = orjson.loads(cli("witness", "new-key", "--out", str(tmp / "w.key"), "--name", "insurer.example/w",
                               "--json"))
    (tmp / "request").write_text(cli("witness-request", "--store", store, "--old", "0"))
    witness_key = ("--key", str(tmp / "w.key"), "--name", "insurer.example/w", "--state", str(tmp / "ws"))
    (tmp / "cosignature").write_text(cli("witness", "cosign", str(tmp / "request"), *witness_key, "--log", operator))
    cli("add-cosignature", "--store", store, str(tmp / "cosignature"), "--witness", witness["vkey"])
    (tmp / "inclusion.json").write_text(cli("prove", "inclusion", "--store", store, scenario.notes["entrapment"]))
    (tmp / "consistency.json").write_text(cli("prove", "consistency", "--store", store, "5", str(issued["size"])))
    cli("passport", "--store", store, ELEVATOR_A, "--out", str(tmp / "passport.json"))
    cli("trust-file", "--store", store, "--out", str(tmp / "regulator.json"))
    impostor = NoteSigner(NoteVerifier.from_vkey(operator).name, SigningKey.generate().private).vkey()
    return Artifacts(tmp / "passport.json", tmp / "inclusion.json", tmp / "consistency.json", operator,
                     witness["vkey"], impostor, tmp / "regulator.json")


def cli(*argv: str, expect: int = 0) -> str:
    """Run a command in this process; its stdout."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    with contextlib.redirect_stdout(out):
        code = main(list(argv))
    out.flush()
    text = out.buffer.getvalue().decode()
    assert code == expect, (argv, text)
    return text


def light(tmp_path: Path, *argv: str, allow: tuple[str, ...] = ()) -> Run:
    """``python -m api.cli ARGV`` with every dependency outside CORE (and ``allow``) unimportable."""
    blocker, log, loaded = tmp_path / "blocker", tmp_path / "attempted.txt", tmp_path / "loaded.txt"
    blocker.mkdir(exist_ok=True)
    log.unlink(missing_ok=True)
    blocked = sorted(set(NOT_CORE) - set(allow))
    (blocker / "sitecustomize.py").write_text(BLOCKER.format(blocked=blocked, log=str(log))
                                              + REPORT_MODULES.format(loaded=str(loaded)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(blocker), str(REPOSITORY)])}
    result = subprocess.run([sys.executable, "-m", "api.cli", *argv], env=env, cwd=tmp_path, capture_output=True,
                            text=True, check=False, timeout=120)
    attempted = log.read_text().split() if log.exists() else []
    return Run(result.returncode, result.stdout, result.stderr, attempted, loaded.read_text().split())


def assert_light(run: Run) -> None:
    assert run.attempted == [], f"tried to import {run.attempted}: {run.err}"
    edge = [m for m in run.loaded if m.startswith(OUR_EDGE)]
    assert edge == [], f"the offline verifier loaded {edge}"
    assert "Traceback" not in run.err, run.err


def refused(run: Run, code: str, *, exit_code: int = 1) -> None:
    """``liftledger: CODE: …`` on stderr, nothing on stdout; exit 1 (a failed verification) unless told."""
    assert_light(run)
    assert run.code == exit_code and run.err.startswith(f"liftledger: {code}: "), (run.code, run.err)
    assert run.out == ""


def test_the_blocker_blocks(tmp_path: Path) -> None:
    # The same environment refuses a command that needs the store, naming the module: the checks below can fail.
    run = light(tmp_path, "verify", "--store", f"sqlite:///{tmp_path}/x.sqlite")
    assert run.code != 0 and "made unimportable for this test" in run.err
    assert run.attempted and run.attempted[0].split(".")[0] in NOT_CORE


def test_verify_passport_with_core_dependencies_only(tmp_path: Path, artifacts: Artifacts) -> None:
    run = light(tmp_path, "verify-passport", str(artifacts.passport), "--trust", artifacts.operator,
                "--regulator-trust", str(artifacts.regulator), "--witness", artifacts.witness, "--min-witnesses", "1",
                "--json")
    assert_light(run)
    assert run.code == 0, run.err
    summary = orjson.loads(run.out)
    assert summary["ok"] is True and summary["verified"] is True and summary["equipment_code"] == ELEVATOR_A
    assert [w["name"] for w in summary["witnesses"]] == ["insurer.example/w"]
    assert summary["operator_word"] == [] and summary["not_provable"]
    assert summary["events"] == len(orjson.loads(artifacts.passport.read_bytes())["streams"][0]["records"])
    assert not any(m.split(".")[0] in NOT_CORE for m in run.loaded)


def test_without_a_regulator_root_the_output_says_what_is_only_the_operators_word(
        tmp_path: Path, artifacts: Artifacts) -> None:
    run = light(tmp_path, "verify-passport", str(artifacts.passport), "--trust", artifacts.operator, "--json")
    assert run.code == 3, run.err  # checked, but not VERIFIED
    summary = orjson.loads(run.out)
    assert (summary["verified"], summary["status"]) == (False, "operator_only")
    assert any("regulator root" in fact for fact in summary["operator_word"])
    assert any("witness" in fact for fact in summary["operator_word"])
    run = light(tmp_path, "verify-passport", str(artifacts.passport), "--trust", artifacts.operator, allow=("rich",))
    assert run.code == 3 and run.out.startswith("CONSISTENT, NOT VERIFIED") and "only the operator's word" in run.out
    trust = orjson.loads(artifacts.regulator.read_bytes())
    run = light(tmp_path, "verify-passport", str(artifacts.passport), "--trust", artifacts.operator,
                "--regulator-key", trust["public_key"], "--json")
    assert run.code == 0 and orjson.loads(run.out)["verified"] is True
    other = SigningKey.generate().public.base64  # the root of another ledger: this log was not begun by it
    refused(light(tmp_path, "verify-passport", str(artifacts.passport), "--trust", artifacts.operator,
                  "--regulator-key", other), "trust.regulator_root")


def test_verify_passport_summary_for_people_adds_only_rich(tmp_path: Path, artifacts: Artifacts) -> None:
    run = light(tmp_path, "verify-passport", str(artifacts.passport), "--trust", artifacts.operator,
                "--regulator-trust", str(artifacts.regulator), "--witness", artifacts.witness, allow=("rich",))
    assert_light(run)
    assert run.code == 0 and run.out.startswith(f"VERIFIED elevator {ELEVATOR_A}: "), run.err
    assert "records by type" in run.out and "witnesses: insurer.example/w at " in run.out, run.out


def test_verify_passport_refusals_with_core_dependencies_only(tmp_path: Path, artifacts: Artifacts) -> None:
    passport = artifacts.passport.read_bytes()
    trust = ("--trust", artifacts.operator)
    refused(light(tmp_path, "verify-passport", str(artifacts.passport), "--trust", artifacts.impostor),
            "note.unverified")
    refused(light(tmp_path, "verify-passport", str(artifacts.passport), *trust, "--min-witnesses", "2",
                  "--witness", artifacts.witness), "note.unverified")
    refused(light(tmp_path, "verify-passport", str(artifacts.passport), *trust, "--min-witnesses", "1"),
            "note.unverified")

    (tmp_path / "truncated.json").write_bytes(passport[:500])
    refused(light(tmp_path, "verify-passport", str(tmp_path / "truncated.json"), *trust), "passport.malformed")

    document = orjson.loads(passport)
    events = document["streams"][0]["records"]
    record = orjson.loads(events[-1]["record"])
    record["occurred_at"] = "2001-01-01T00:00:00Z"  # a later record moved back in time, its signature kept
    events[-1]["record"] = orjson.dumps(record, option=orjson.OPT_SORT_KEYS).decode()
    (tmp_path / "altered.json").write_bytes(orjson.dumps(document))
    refused(light(tmp_path, "verify-passport", str(tmp_path / "altered.json"), *trust), "proof.root_mismatch")

    refused(light(tmp_path, "verify-passport", str(tmp_path / "absent.json"), *trust), "config.invalid",
            exit_code=2)

    text = orjson.dumps(orjson.loads(passport)).decode()  # compact: the splices below find their places
    for name, bad in [("repeated", text.replace('"seq":1,', '"seq":1,"seq":1,', 1)),
                      ("float", text.replace('"seq":1,', '"seq":1.0,', 1)),
                      ("boolean", text.replace('"seq":1,', '"seq":true,', 1))]:
        assert bad != text
        (tmp_path / f"{name}.json").write_text(bad)
        refused(light(tmp_path, "verify-passport", str(tmp_path / f"{name}.json"), *trust), "passport.malformed")


def test_verify_proof_with_core_dependencies_only(tmp_path: Path, artifacts: Artifacts) -> None:
    for proof, kind in ((artifacts.inclusion, "inclusion"), (artifacts.consistency, "consistency")):
        run = light(tmp_path, "verify-proof", str(proof), "--trust", artifacts.operator, "--json")
        assert_light(run)
        assert run.code == 0, run.err
        summary = orjson.loads(run.out)
        assert (summary["ok"], summary["type"]) == (True, kind)
        assert summary["verified"] == "against the operator's signed checkpoint" and summary["checkpoint"]["size"]
        assert not any(m.split(".")[0] in NOT_CORE for m in run.loaded)

    refused(light(tmp_path, "verify-proof", str(artifacts.inclusion), "--trust", artifacts.impostor),
            "note.unverified")
    forged = orjson.loads(artifacts.inclusion.read_bytes())
    forged["proof"]["hashes"][0] = "00" * 32
    (tmp_path / "forged.json").write_bytes(orjson.dumps(forged))
    without_anchor = light(tmp_path, "verify-proof", str(tmp_path / "forged.json"))
    assert without_anchor.code == 2 and "--trust" in without_anchor.err and '"ok"' not in without_anchor.out
    without_anchor = light(tmp_path, "verify-proof", str(artifacts.inclusion))
    assert without_anchor.code == 2 and '"ok"' not in without_anchor.out, "never ok without a trust anchor"
    refused(light(tmp_path, "verify-proof", str(tmp_path / "forged.json"), "--trust", artifacts.operator),
            "proof.root_mismatch")
    (tmp_path / "bare.json").write_bytes(orjson.dumps({"proof": forged["proof"]}))
    refused(light(tmp_path, "verify-proof", str(tmp_path / "bare.json"), "--trust", artifacts.operator),
            "proof.invalid")
    document = orjson.loads(artifacts.inclusion.read_bytes())
    text = orjson.dumps(document).decode()
    assert '{"proof":{' in text and '"leaf_index":' in text
    for name, bad in [("repeated", text.replace('{"proof":', '{"proof":{},"proof":', 1)),
                      ("float", text.replace('"leaf_index":', '"leaf_index":1.0,"x":', 1)),
                      ("boolean", orjson.dumps({**document, "proof": {**document["proof"], "leaf_index": True}})
                       .decode())]:
        (tmp_path / f"{name}.json").write_text(bad)
        refused(light(tmp_path, "verify-proof", str(tmp_path / f"{name}.json"), "--trust", artifacts.operator),
                "proof.invalid")


def test_help_with_core_dependencies_only(tmp_path: Path) -> None:
    for argv in (("--help",), ("verify-passport", "--help"), ("verify-proof", "--help")):
        run = light(tmp_path, *argv)
        assert_light(run)
        assert run.code == 0 and run.out.startswith("usage: "), run.err
        heavy = [m for m in run.loaded if m.startswith(("cryptography", "pydantic", "ledger.tlog"))]
        assert heavy == [], "printing the usage loads no keys, schemas or proofs"
