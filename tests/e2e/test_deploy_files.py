"""The container files, checked as far as a machine without a container runtime can: docker-compose.yml parses
(and passes ``docker compose config`` where a Compose client is installed), runs every part of a deployment,
and every ``liftledger`` command in it parses with the real CLI; the Dockerfile installs the package and runs it as
an unprivileged user; deploy/smoke.sh is valid shell. deploy/smoke.sh itself runs where a daemon does.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from api.cli import build_parser

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    found: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    return found


def test_compose_runs_every_part_of_a_deployment(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"db", "broker", "init", "ingest", "projections", "api", "checkpointer"} <= set(services)
    assert services["db"]["image"].startswith("postgres:")
    assert "redpanda" in services["broker"]["image"]  # a Kafka-compatible broker
    assert services["ingest"]["deploy"]["replicas"] >= 2  # workers share the topic's partitions
    assert services["api"]["ports"] == ["127.0.0.1:8000:8000"]
    for name in ("ingest", "projections", "api", "checkpointer"):
        assert services[name]["depends_on"]["init"]["condition"] == "service_completed_successfully", name
        assert services[name]["environment"]["LIFTLEDGER_STORE"].startswith("postgresql://"), name
    assert "--projection-follow" in services["api"]["command"]  # the runner folds, not the API


def test_every_liftledger_command_in_compose_parses(compose: dict[str, Any]) -> None:
    parser = build_parser()
    for name, service in compose["services"].items():
        if service.get("image", "").startswith("liftledger") and service.get("entrypoint") is None:
            command = service["command"]
            if command == ["--help"]:
                continue
            args = parser.parse_args(command)  # exits (fails the test) on an unknown command or option
            assert callable(args.run), name
    init = compose["services"]["init"]["command"][0]
    for part in init.split("||"):
        words = part.split()
        assert words[0] == "liftledger"
        parser.parse_args(words[1:])


def test_the_dockerfile_installs_the_package_and_runs_unprivileged() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for package in ("ledger", "projections", "producers", "api"):
        assert f"COPY {package} {package}" in text
    assert "pip install --no-cache-dir --prefix=/install ." in text
    assert "USER liftledger" in text and 'ENTRYPOINT ["liftledger"]' in text and "/healthz" in text


def test_compose_config_where_a_client_is_installed() -> None:
    if shutil.which("docker-compose"):
        command = ["docker-compose", "-f", "docker-compose.yml", "config", "-q"]
    elif shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True,
                                                  check=False).returncode == 0:
        command = ["docker", "compose", "-f", "docker-compose.yml", "config", "-q"]
    else:
        pytest.skip("no Compose client here (docker compose or docker-compose): the structural checks above ran")
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_the_smoke_script_is_valid_shell() -> None:
    assert subprocess.run(["bash", "-n", str(ROOT / "deploy" / "smoke.sh")], check=False).returncode == 0
