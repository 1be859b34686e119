"""docs/TUTORIAL.md, run as written: every ``sh`` block, in order, in one shell, in an empty folder.

A new user must reach an insurer's verified maintenance record in at most ``MAX_COMMANDS`` commands, none of which
needs the source. The claims the tutorial makes along the way (an organization cannot register itself; a changed
byte in the passport is caught) are checked here too, and the maintenance company's SDK example
(examples/maintenance_company.py) then submits a visit to the same ledger over HTTP.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import orjson
import pytest

from tests.api.live import free_port

ROOT = Path(__file__).parents[2]
TUTORIAL = ROOT / "docs" / "TUTORIAL.md"
MAX_COMMANDS = 13
CODE = "311031001202400001"
MAINTAINER = "91310115MA00000022"


def blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", TUTORIAL.read_text(encoding="utf-8"), flags=re.S)


def commands(script: str) -> list[str]:
    """The commands a reader types: continuation lines joined, comments and ``export`` lines left out."""
    joined = re.sub(r"\\\n\s*", " ", script)
    lines = [line.split("  #")[0].strip() for line in joined.splitlines()]
    return [line for line in lines if line and not line.startswith(("#", "export "))]


def shell(folder: Path, script: str, *, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFTLEDGER_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["LIFTLEDGER_STORE"] = "sqlite:///city.sqlite"
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=folder, env=env, capture_output=True,
                            text=True, timeout=600, check=False)
    if check:
        assert result.returncode == 0, f"{script}\n--- stdout\n{result.stdout[-3000:]}\n--- stderr\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def done(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("tutorial")
    result = shell(folder, "\n".join(blocks()))
    return folder, result.stdout


def test_the_tutorial_runs_as_written_to_a_verified_record(done: tuple[Path, str]) -> None:
    _, out = done
    assert f"VERIFIED elevator {CODE}: 4 records" in out
    for signer in ("安心电梯维保有限公司", "市场监督管理局", "迅达电梯有限公司"):
        assert signer in out


def test_the_tutorial_is_short_and_needs_no_source() -> None:
    typed = [c for block in blocks() for c in commands(block)]
    assert len(typed) <= MAX_COMMANDS, typed
    assert all(c.startswith("liftledger ") for c in typed), typed
    text = TUTORIAL.read_text(encoding="utf-8")
    assert ".py" not in "".join(blocks()) and "python" not in "".join(blocks())
    assert (ROOT / "examples" / "maintenance_company.py").exists() and "examples/maintenance_company.py" in text


def test_what_the_tutorial_says_is_refused_is_refused(done: tuple[Path, str]) -> None:
    folder, _ = done
    self_registration = shell(folder, "liftledger orgs register --key maintainer.key --org 91310115MA00000048 "
                                      "--name 自封 --role manufacturer", check=False)
    assert self_registration.returncode == 1 and "role.forbidden" in self_registration.stderr

    passport = orjson.loads((folder / "passport.json").read_bytes())
    events = passport["streams"][0]["records"]
    record = orjson.loads(events[-1]["record"])
    record["payload"]["tier"] = "quarterly"  # one visit claimed as a bigger one, its signature kept
    events[-1]["record"] = orjson.dumps(record, option=orjson.OPT_SORT_KEYS).decode()
    (folder / "altered.json").write_bytes(orjson.dumps(passport))
    altered = shell(folder, 'liftledger verify-passport altered.json --trust "$(liftledger log-key)"', check=False)
    assert altered.returncode == 1 and "proof.root_mismatch" in altered.stderr


def test_the_sdk_example_submits_a_visit_over_http(done: tuple[Path, str]) -> None:
    folder, _ = done
    token = shell(folder, f"liftledger tokens issue --org {MAINTAINER} --role maintainer").stdout.split()[0]
    order = {"order_no": "GD-2025-0001", "equipment_code": CODE, "contract_no": "WB-2025-001", "tier": "half_month",
             "workers": ["T-0001", "T-0002"]}
    now = shell(folder, "date -u +%s").stdout.strip()
    from ledger.core.identifiers import format_instant

    order |= {"started_at": format_instant(int(now) - 2700), "ended_at": format_instant(int(now))}
    unknown_contract = {**order, "order_no": "GD-2025-0002", "contract_no": "WB-NONE"}
    (folder / "orders.jsonl").write_bytes(orjson.dumps(order) + b"\n" + orjson.dumps(unknown_contract) + b"\n")
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("LIFTLEDGER_")}, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--store", "sqlite:///city.sqlite",
                               "--port", str(port), "--log-level", "warning"], cwd=folder, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait(url, server)
        example = [sys.executable, str(ROOT / "examples" / "maintenance_company.py"), "--url", url,
                   "--token", token, "--key", "maintainer.key", "--org", MAINTAINER, "orders.jsonl"]
        first = subprocess.run(example, cwd=folder, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert first.returncode == 1, first.stderr
        accepted, refused = first.stdout.splitlines()
        assert accepted.startswith("GD-2025-0001: accepted seq 5")
        assert refused.startswith("GD-2025-0002: refused ") and "WB-NONE" in refused
        again = subprocess.run(example, cwd=folder, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert again.stdout.splitlines()[0].startswith("GD-2025-0001: duplicate seq 5")  # re-sending is safe
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait(url: str, server: subprocess.Popen[bytes]) -> None:
    import time

    for _ in range(300):
        assert server.poll() is None, "the server exited"
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("the server did not start")
