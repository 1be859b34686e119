"""Backup and restore (docs/OPERATIONS.md): a restored store verifies, and a checkpoint signed before the backup
still verifies against the restored log — on SQLite and on PostgreSQL (pg_dump and pg_restore)."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from api.cli import main
from ledger.core.keys import SigningKey
from ledger.core.submission import parse_submission
from ledger.store import Store
from ledger.store.transparency import TransparencyLog
from ledger.store.url import parse_store_url
from ledger.store.verify import verify_store
from ledger.tlog.checkpoint import NoteVerifier, open_checkpoint
from ledger.tlog.merkle import root
from ledger.write.service import LedgerService
from tests.conftest import PG_URL

OPERATOR = SigningKey.from_seed(b"b" * 32)


def _load(url: str, scenario: object, upto: int) -> str:
    """The scenario's first ``upto`` submissions in a new store, and a checkpoint over them; its note."""
    with Store(url, mode="create") as store:
        LedgerService(store).append([parse_submission(e) for e in scenario.submissions[:upto]])  # type: ignore[attr-defined]
        return TransparencyLog(store).issue(OPERATOR, origin="backup.example/log").note


def _checkpoint_holds(url: str, note: str) -> None:
    """The note's signature verifies and the restored log's root at its size is the root it signed."""
    signed = open_checkpoint(note, NoteVerifier.from_vkey(_vkey(url))).checkpoint
    with Store(url) as store:
        assert root(signed.size, store.tree) == signed.root_hash
        assert store.tree.tree_size() >= signed.size


def _vkey(url: str) -> str:
    with Store(url) as store:
        return TransparencyLog(store).operator.vkey()


def test_a_restored_sqlite_store_verifies_against_a_checkpoint_taken_before(
        tmp_path: Path, scenario: object, capsys: pytest.CaptureFixture[str]) -> None:
    live = f"sqlite:///{tmp_path}/live.sqlite"
    note = _load(live, scenario, 40)
    assert main(["backup", "--store", live, "--out", str(tmp_path / "backup.sqlite")]) == 0
    with Store(live) as store:  # the live store goes on after the backup
        LedgerService(store).append([parse_submission(e) for e in scenario.submissions[40:60]])  # type: ignore[attr-defined]
    restored = f"sqlite:///{tmp_path}/restored/ledger.sqlite"
    assert main(["restore", str(tmp_path / "backup.sqlite"), "--store", restored]) == 0
    assert main(["verify", "--store", restored]) == 0
    _checkpoint_holds(restored, note)
    with Store(restored) as back, Store(live) as now:
        assert back.tree.tree_size() < now.tree.tree_size()  # the backup is the store as it was
    capsys.readouterr()
    assert main(["backup", "--store", live, "--out", str(tmp_path / "backup.sqlite")]) == 2  # never overwritten
    assert main(["restore", str(tmp_path / "backup.sqlite"), "--store", live]) == 2  # never restored over a store
    assert "restore.target_exists" in capsys.readouterr().err


@pytest.mark.postgres
def test_a_restored_postgresql_store_verifies_against_a_checkpoint_taken_before(
        pg_url: str, tmp_path: Path, scenario: object) -> None:
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("PostgreSQL's client tools (pg_dump, pg_restore) are not installed")
    note = _load(pg_url, scenario, 40)
    assert main(["backup", "--store", pg_url, "--out", str(tmp_path / "ledger.dump")]) == 0
    schema = parse_store_url(pg_url).schema
    with psycopg.connect(PG_URL, autocommit=True) as conn:  # the disaster: the schema is gone
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    assert main(["restore", str(tmp_path / "ledger.dump"), "--store", pg_url]) == 0
    assert verify_store(parse_store_url(pg_url)).ok
    _checkpoint_holds(pg_url, note)
