"""The command line's conventions (docs/CLI.md): every command and option explained, one --json, --version."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from api.cli import build_parser, leaf_parsers, main

ROOT = Path(__file__).parents[2]


def _commands() -> list[argparse.ArgumentParser]:
    return leaf_parsers(build_parser())


def test_every_command_and_option_has_help_text() -> None:
    missing = []
    parser = build_parser()
    for action in parser._actions:  # the commands themselves, one level at a time
        if isinstance(action, argparse._SubParsersAction):
            missing += [f"liftledger {choice.dest}" for choice in action._choices_actions if not choice.help]
    for command in _commands():
        missing += [f"{command.prog} {'/'.join(a.option_strings) or a.dest}" for a in command._actions
                    if a.help is None and not isinstance(a, argparse._SubParsersAction)]
    assert not missing, f"without help text: {missing}"
    assert len(_commands()) >= 40


def test_every_command_takes_json() -> None:
    without = [c.prog for c in _commands() if not any("--json" in a.option_strings for a in c._actions)]
    assert not without


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("liftledger 0.") and "HTTP API 1." in out and "record schema 1" in out


def test_errors_are_text_for_people_and_the_api_body_with_json(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    store = f"sqlite:///{tmp_path}/l.sqlite"
    assert main(["init", "--empty", "--store", store]) == 0
    capsys.readouterr()
    assert main(["events", "311031001201800099", "--store", store]) == 1
    assert capsys.readouterr().err.startswith("liftledger: not_found: ")
    assert main(["events", "311031001201800099", "--store", store, "--json"]) == 1
    body = orjson.loads(capsys.readouterr().err)
    assert body == {"error": {"code": "not_found", "message": "no events for 311031001201800099"}}
    assert main(["orgs", "show", "91310000MA00000019", "--store", store, "--json"]) == 1
    assert orjson.loads(capsys.readouterr().err)["error"]["code"] == "org.unknown"


def test_help_starts_without_the_heavy_dependencies() -> None:
    code = ("import sys; from api.cli import build_parser; build_parser(); "
            "heavy = [m for m in ('fastapi', 'eventsourcing', 'psycopg', 'kafka', 'rich', 'projections') "
            "if m in sys.modules]; print(heavy)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "[]"


def test_docs_cli_lists_every_command() -> None:
    documented = (ROOT / "docs" / "CLI.md").read_text(encoding="utf-8")
    missing = [c.prog.removeprefix("liftledger ") for c in _commands()
               if f"| `{c.prog.removeprefix('liftledger ')}` |" not in documented]
    assert not missing, f"docs/CLI.md does not list: {missing}"
