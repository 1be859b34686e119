"""The passport golden vectors (tests/vectors/passport/): exactly what the generator writes, and every one refused
with its own code — or, for the valid ones, VERIFIED only against a pinned regulator root."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from ledger.core.errors import LedgerError
from ledger.tlog.checkpoint import NoteVerifier
from ledger.tlog.passport import verify_passport
from ledger.tlog.trust import RegulatorRoot
from tests.vectors import generate_passport_vectors as generator

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "passport"
FILES = sorted(p for p in VECTORS.glob("*.json") if p.name not in generator.KEEP)


def test_vector_files_are_exactly_what_the_generator_writes() -> None:
    want = generator.build_all()
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in FILES}
    assert sorted(on_disk) == sorted(want), "run python -m tests.vectors.generate_passport_vectors"
    stale = [name for name, text in want.items() if on_disk[name] != text]
    assert not stale, f"stale vectors (re-run the generator): {stale}"


def test_there_is_a_valid_vector_and_one_per_forgery_of_the_issue() -> None:
    names = {p.stem for p in FILES}
    assert {"valid", "keyadded-by-manufacturer", "keyadded-replayed-after-revocation", "keyadded-duplicate",
            "elevator-record-repeated", "genesis-not-at-leaf-0", "elevator-records-in-reverse-leaf-order",
            "synthetic-log", "origin-not-operator-key-name", "seq-as-float", "seq-as-boolean",
            "repeated-json-key"} <= names


def _outcome(vector: dict[str, Any]) -> tuple[str | None, bool | None]:
    text = vector["passport_text"] if "passport_text" in vector else orjson.dumps(vector["passport"])
    root = RegulatorRoot.from_key(vector["regulator_key"]) if vector["regulator_key"] else None
    try:
        summary = verify_passport(text, NoteVerifier.from_vkey(vector["operator_vkey"]), regulator=root)
    except LedgerError as e:
        return e.code, None
    return None, summary.verified


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_vector_gets_its_outcome(path: Path) -> None:
    vector = orjson.loads(path.read_bytes())
    assert set(vector) >= {"desc", "want_err", "operator_vkey", "regulator_key"}
    code, verified = _outcome(vector)
    assert code == vector["want_err"], vector["desc"]
    if code is None:
        assert verified is vector["want_verified"]
