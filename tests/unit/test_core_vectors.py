"""The golden vectors under tests/vectors/core are data: recompute every value from its inputs."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import orjson
import pytest

from ledger.core.canonical import canonical, check_canonical_value, record_bytes, signing_bytes
from ledger.core.errors import SchemaError
from ledger.core.keys import PublicKey, SigningKey
from ledger.core.submission import parse_submission

VECTORS = Path(__file__).parents[1] / "vectors" / "core"


def load(name: str) -> Any:
    return orjson.loads((VECTORS / name).read_bytes())


@pytest.mark.parametrize("case", load("canonical.json"), ids=lambda c: c["desc"][:40])
def test_canonical_vectors(case: dict[str, Any]) -> None:
    if case["want_err"] is None:
        data = canonical(case["value"])
        assert data.hex() == case["canonical_hex"]
        assert data.decode() == case["canonical"]
        assert hashlib.sha256(data).hexdigest() == case["sha256"]
    else:
        with pytest.raises(SchemaError) as caught:
            check_canonical_value(orjson.loads(case["json"]))
        assert caught.value.code == case["want_err"]


def test_event_vector() -> None:
    vector = load("event.json")
    key = SigningKey.from_seed(bytes.fromhex(vector["seed_hex"]))
    assert key.public.base64 == vector["public_key"] and key.key_id == vector["key_id"]
    envelope = vector["envelope"]
    assert signing_bytes(envelope).hex() == vector["signing_bytes_hex"]
    assert record_bytes(envelope).hex() == vector["record_hex"] == vector["record"].encode().hex()
    public = PublicKey.from_base64(vector["public_key"])
    public.verify(base64.b64decode(vector["signature"]), bytes.fromhex(vector["signing_bytes_hex"]))
    assert parse_submission(envelope).record.hex() == vector["record_hex"]
    tampered = bytearray(bytes.fromhex(vector["signing_bytes_hex"]))
    tampered[-5] ^= 0x01
    assert not public.is_valid_signature(base64.b64decode(vector["signature"]), bytes(tampered))


def chain(records_hex: list[str], genesis: bytes) -> list[str]:
    head, out = genesis, []
    for record in records_hex:
        head = hashlib.sha256(head + bytes.fromhex(record)).digest()
        out.append(head.hex())
    return out


def test_chain_vector_and_its_mutations() -> None:
    vector = load("chain.json")
    genesis = bytes.fromhex(vector["genesis"])
    assert chain(vector["records_hex"], genesis) == vector["hashes"]
    for mutation in vector["mutations"]:
        got = chain(mutation["records_hex"], genesis)
        assert got != vector["hashes"][: len(got)] or len(got) != len(vector["hashes"]), mutation["desc"]
        assert mutation["want_err"] == "integrity.chain"
