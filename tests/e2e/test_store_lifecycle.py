"""A store is created only on purpose, and every failure to reach it is one typed line (issue 14's reproductions).

- A mistyped ``--store`` silently created an empty ledger (once inside an unrelated database) and ``verify`` said
  OK: now every command but ``init`` and ``demo`` refuses nothing, an empty file or schema and somebody else's
  tables, naming the URL, and creates nothing.
- A missing directory, an unreachable PostgreSQL or a damaged SQLite file printed a traceback: now one line each.
- ``keys new --out`` over a FIFO or a symbolic link is refused without touching it (the ``/dev/null`` incident).
"""

from __future__ import annotations

import argparse
import base64
import os
import sqlite3
import stat
from contextlib import closing
from pathlib import Path

import orjson
import psycopg
import pytest

from api.cli import build_parser, main
from ledger.store import Store
from ledger.store.tables import SCHEMA_VERSION
from tests.conftest import PG_URL

# The arguments each store command needs besides --store, filled with things that exist; {tmp} is the test's
# directory. A command added with --store and not listed here fails test_every_store_command_is_covered.
_ARGS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("migrate",): (),
    ("append",): ("{tmp}/input.jsonl",),
    ("events",): ("311031001201800001",),
    ("verify",): (),
    ("checkpoint",): ("--operator-key", "{tmp}/op.key"),
    ("checkpoints",): (),
    ("witness-request",): (),
    ("add-cosignature",): ("{tmp}/cosignature.txt", "--witness", "vkey"),
    ("prove", "inclusion"): ("01900000-0000-7000-8000-000000000abc",),
    ("prove", "consistency"): ("1", "2"),
    ("passport",): ("311031001201800001", "--out", "{tmp}/passport.json"),
    ("trust-file",): ("--out", "{tmp}/regulator-trust.json"),
    ("dossier",): ("311031001201800001",),
    ("alerts",): (),
    ("responsibility",): ("--elevator", "311031001201800001"),
    ("kpis",): (),
    ("credit",): (),
    ("quality",): (),
    ("claims",): ("311031001201800001",),
    ("fraud",): (),
    ("rebuild",): (),
    ("project",): ("--exit-when-idle",),
    ("backup",): ("--out", "{tmp}/backup.sqlite"),
    ("status",): (),
    ("ingest",): ("--kafka", "127.0.0.1:1", "--topic", "t", "--group", "g"),
    ("serve",): ("--port", "1"),
    ("tokens", "issue"): ("--org", "91310000MA1FL0000X", "--role", "regulator"),
    ("tokens", "revoke"): ("tok_000000000000",),
    ("tokens", "list"): (),
    ("log-key",): (),
    ("orgs", "list"): (),
    ("orgs", "show"): ("91310000MA1FL0000X",),
    ("orgs", "register"): ("--key", "{tmp}/op.key", "--org", "91310000MA1FL0000X", "--name", "x",
                           "--role", "insurer"),
    ("keys", "add"): ("--key", "{tmp}/op.key", "--org", "91310000MA1FL0000X", "--public-key", "A" * 43 + "="),
    ("keys", "rotate"): ("--key", "{tmp}/op.key", "--org", "91310000MA1FL0000X", "--old", "0" * 32,
                         "--public-key", "A" * 43 + "="),
    ("keys", "revoke"): ("--key", "{tmp}/op.key", "--org", "91310000MA1FL0000X", "--key-id", "0" * 32,
                         "--reason", "x"),
    ("licences", "grant"): ("--key", "{tmp}/op.key", "--org", "91310000MA1FL0000X", "--licence", "maintenance:TS-1"),
    ("licences", "revoke"): ("--key", "{tmp}/op.key", "--org", "91310000MA1FL0000X", "--licence-no", "TS-1",
                             "--reason", "x"),
    ("workers", "certify"): ("--key", "{tmp}/op.key", "--org", "91310000MA1FL0000X", "--cert", "T-1:T"),
    ("workers", "revoke"): ("--key", "{tmp}/op.key", "--org", "91310000MA1FL0000X", "--cert", "T-1", "--reason", "x"),
    ("elevators", "register"): ("--key", "{tmp}/op.key", "--code", "311031001201800001", "--registration-no", "x",
                                "--user-unit", "91310000MA1FL0000X", "--site-category", "residential",
                                "--district", "x", "--address", "x"),
}
_CREATORS = {("init",), ("demo",), ("restore",)}  # restore places a backup where no store is


def _store_commands() -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()

    def walk(parser: argparse.ArgumentParser, prefix: tuple[str, ...]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    walk(child, (*prefix, name))
        if any("--store" in action.option_strings for action in parser._actions):
            found.add(prefix)

    walk(build_parser(), ())
    return found


def _argv(command: tuple[str, ...], store: str, tmp: Path) -> list[str]:
    return [*command, "--store", store, *(a.format(tmp=tmp) for a in _ARGS[command])]


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    (tmp_path / "input.jsonl").write_bytes(b"")
    (tmp_path / "cosignature.txt").write_text(f"— witness.example/w1 {base64.b64encode(bytes(76)).decode()}\n")
    assert main(["keys", "new", "--out", str(tmp_path / "op.key")]) == 0
    return tmp_path


def _refused(capsys: pytest.CaptureFixture[str], argv: list[str], code: str, url: str, exit_code: int = 2) -> str:
    capsys.readouterr()
    assert main(argv) == exit_code, argv
    err = capsys.readouterr().err
    assert err.startswith(f"liftledger: {code}: "), (argv, err)
    assert url in err and err.count("\n") == 1 and "Traceback" not in err, (argv, err)
    return err


def test_every_store_command_is_covered() -> None:
    assert _store_commands() == set(_ARGS) | _CREATORS


def test_a_mistyped_sqlite_url_is_refused_by_every_command_and_nothing_is_created(
        inputs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    typo = inputs / "ledgr.sqlite"
    url = f"sqlite:///{typo}"
    for command in sorted(_ARGS):
        _refused(capsys, _argv(command, url, inputs), "store.missing", url)
        assert not typo.exists(), command


def test_an_empty_file_and_somebody_elses_database_are_refused_and_left_unchanged(
        inputs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = inputs / "empty.sqlite"
    empty.touch()
    other = inputs / "crm.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    before = other.read_bytes()
    for command in [("verify",), ("append",), ("rebuild",), ("tokens", "list"), ("migrate",)]:
        _refused(capsys, _argv(command, f"sqlite:///{empty}", inputs), "store.empty", f"sqlite:///{empty}")
        err = _refused(capsys, _argv(command, f"sqlite:///{other}", inputs), "store.foreign", f"sqlite:///{other}")
        assert "customers" in err
    # init refuses to put a ledger inside somebody else's database, too
    _refused(capsys, ["init", "--store", f"sqlite:///{other}", "--regulator-key-out", str(inputs / "r.key"),
                      "--operator-key-out", str(inputs / "o.key")], "store.foreign", f"sqlite:///{other}")
    assert other.read_bytes() == before and empty.stat().st_size == 0


@pytest.mark.postgres
def test_tables_in_an_unrelated_postgresql_schema_are_refused_and_left_alone(
        pg_url: str, inputs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = pg_url.rsplit("schema=", 1)[1]
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE TABLE "{schema}".invoices (id INTEGER PRIMARY KEY)')
    for command in [("verify",), ("serve",), ("rebuild",)]:
        _refused(capsys, _argv(command, pg_url, inputs), "store.foreign", pg_url.split("?")[0])
    _refused(capsys, ["init", "--empty", "--store", pg_url], "store.foreign", "invoices")
    missing_schema = pg_url.replace(schema, schema + "_typo")
    _refused(capsys, _argv(("verify",), missing_schema, inputs), "store.missing", schema + "_typo")
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        tables = conn.execute("SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                              "WHERE n.nspname = %s AND relkind = 'r'", (schema,)).fetchall()
        assert tables == [("invoices",)]
        assert conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema + "_typo",)).fetchone() is None


def test_a_missing_postgresql_database_and_an_unreachable_server_are_one_line(
        inputs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nodb = PG_URL.rsplit("/", 1)[0] + "/no_such_database_here"
    _refused(capsys, _argv(("verify",), nodb, inputs), "store.missing", "no_such_database_here")
    down = "postgresql://postgres@127.0.0.1:1/test"
    for command in [("verify",), ("init",), ("tokens", "list")]:
        argv = ["init", "--empty", "--store", down] if command == ("init",) else _argv(command, down, inputs)
        _refused(capsys, argv, "store.unreachable", "127.0.0.1:1", exit_code=1)


def test_a_missing_directory_and_a_damaged_file_are_one_line(
        inputs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nowhere = f"sqlite:///{inputs}/no/such/dir/l.sqlite"
    _refused(capsys, ["init", "--empty", "--store", nowhere], "store.io", nowhere, exit_code=1)
    assert not (inputs / "no").exists()
    junk = inputs / "junk.sqlite"
    junk.write_bytes(os.urandom(8192))
    _refused(capsys, _argv(("verify",), f"sqlite:///{junk}", inputs), "store.damaged", str(junk), exit_code=1)
    _refused(capsys, ["init", "--empty", "--store", f"sqlite:///{junk}"], "store.damaged", str(junk), exit_code=1)


def test_a_store_whose_pages_are_damaged_fails_with_one_line(
        inputs: Path, scenario_lines: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    path = inputs / "l.sqlite"
    url = f"sqlite:///{path}"
    assert main(["init", "--empty", "--store", url]) == 0
    (inputs / "s.jsonl").write_bytes(scenario_lines)
    main(["append", "--store", url, str(inputs / "s.jsonl"), "--workers", "0"])
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(path.read_bytes())
    for page in range(2, len(data) // page_size):  # every page but the header's: b-tree pages lose their shape
        data[page * page_size:page * page_size + 64] = b"\xa5" * 64
    path.write_bytes(bytes(data))
    for command in [("verify",), ("events",), ("alerts",)]:
        capsys.readouterr()
        assert main(_argv(command, url, inputs)) in (1, 2)
        err = capsys.readouterr().err
        assert err.startswith("liftledger: store.damaged: ") and url in err and "Traceback" not in err, err


@pytest.fixture
def scenario_lines() -> bytes:
    from producers.scenario import build_scenario

    return b"".join(orjson.dumps(e) + b"\n" for e in build_scenario().submissions)


def _make_version_zero(path: Path, *, log_format: bool = True) -> None:
    """What a store made before schema versions were recorded looks like: no version, no history — and, before log
    formats were recorded (format 1), no log format either."""
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("DELETE FROM ledger_meta WHERE name = 'schema_version'")
        if not log_format:
            conn.execute("DELETE FROM ledger_meta WHERE name = 'log_format'")
        conn.execute("DROP TABLE ledger_migrations")


def test_an_older_store_is_refused_until_migrated_and_the_steps_are_recorded(
        inputs: Path, scenario_lines: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    path = inputs / "old.sqlite"
    url = f"sqlite:///{path}"
    assert main(["init", "--empty", "--store", url]) == 0
    (inputs / "s.jsonl").write_bytes(scenario_lines)
    main(["append", "--store", url, str(inputs / "s.jsonl"), "--workers", "0"])
    _make_version_zero(path)
    err = _refused(capsys, _argv(("verify",), url, inputs), "store.outdated", url)
    assert "liftledger migrate" in err
    capsys.readouterr()
    assert main(["migrate", "--store", url, "--json"]) == 0
    report = orjson.loads(capsys.readouterr().out)
    assert report["from_version"] == 0 and report["schema_version"] == SCHEMA_VERSION
    assert [step["version"] for step in report["applied"]] == list(range(1, SCHEMA_VERSION + 1))
    assert [row["version"] for row in report["history"]] == list(range(1, SCHEMA_VERSION + 1))
    assert main(["migrate", "--store", url, "--json"]) == 0  # again: nothing to do
    assert orjson.loads(capsys.readouterr().out)["applied"] == []
    assert main(["verify", "--store", url, "--workers", "0"]) == 0
    with Store(url) as store:
        assert store.checkpoints.meta()["log_format"] == "2"
        assert [version for version, _, _ in store.schema_history()] == list(range(1, SCHEMA_VERSION + 1))


def test_a_store_in_log_format_1_is_refused_even_by_migrate(inputs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = inputs / "format1.sqlite"
    url = f"sqlite:///{path}"
    assert main(["init", "--empty", "--store", url]) == 0
    _make_version_zero(path, log_format=False)
    before = path.read_bytes()
    for argv in (_argv(("verify",), url, inputs), ["migrate", "--store", url]):
        err = _refused(capsys, argv, "store.log_format", url)
        assert "format 1" in err
    assert path.read_bytes() == before


def test_a_newer_store_or_another_log_format_is_refused(inputs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name, value, code in [("schema_version", "99", "store.newer"), ("schema_version", "x", "store.newer"),
                              ("log_format", "1", "store.log_format"), ("log_format", "3", "store.log_format")]:
        path = inputs / f"{name}-{value}.sqlite"
        url = f"sqlite:///{path}"
        assert main(["init", "--empty", "--store", url]) == 0
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE ledger_meta SET value = ? WHERE name = ?", (value, name))
        _refused(capsys, _argv(("verify",), url, inputs), code, url)
        if code == "store.newer":
            _refused(capsys, ["migrate", "--store", url], code, url)


@pytest.mark.parametrize("kind", ["fifo", "symlink"])
def test_keys_new_never_writes_through_a_fifo_or_a_symbolic_link(
        tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The /dev/null incident, at the command line: the path is refused, the thing it names is untouched."""
    victim = tmp_path / "victim"
    if kind == "fifo":
        os.mkfifo(victim, 0o644)
        path = victim
    else:
        victim.write_text("somebody's file")
        os.chmod(victim, 0o644)
        path = tmp_path / "link"
        path.symlink_to(victim)
    for force in ([], ["--force"]):
        capsys.readouterr()
        assert main(["keys", "new", "--out", str(path), *force]) == 2
        assert "not a regular file" in capsys.readouterr().err
        assert stat.S_IMODE(os.stat(victim).st_mode) == 0o644
    if kind == "symlink":
        assert victim.read_text() == "somebody's file"
