"""Generate tests/vectors/core/*.json: canonical bytes, event signatures and a hash chain (deterministic).

    python -m tests.vectors.generate_core_vectors

Every value is recomputable by hand: e.g. a chain hash is
    printf '%s' "$RECORD" | cat <(printf '%064d' 0 | xxd -r -p) - | sha256sum
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import orjson

from ledger.core.canonical import canonical, record_bytes, signing_bytes
from ledger.core.keys import SigningKey
from ledger.core.signing import sign_envelope

OUT = Path(__file__).parent / "core"
SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")  # RFC 8032 test 1

CANONICAL_CASES: list[tuple[str, Any]] = [
    ("keys sort by code point (UTF-8 byte order), not UTF-16",
     {"b": 1, "a": 2, "é": 3, "\uffff": 4, "😀": 5, "A": 6}),
    ("nested objects sort too; arrays keep their order", {"z": [3, 1, 2], "a": {"y": True, "x": False}}),
    ("control characters: short escapes where JSON has them, else lowercase \\u00XX",
     {"s": "\b\t\n\f\r\u0000\u001f"}),
    ("quote and backslash escaped; solidus, DEL, U+2028 and non-ASCII literal", {"s": "\"\\/\u007f\u2028设备"}),
    ("integers: no sign for positive, no leading zeros, ±(2^53−1) allowed",
     {"max": 2**53 - 1, "min": -(2**53 - 1), "zero": 0}),
    ("empty containers and strings", {"a": [], "o": {}, "s": ""}),
]
INVALID_CASES: list[tuple[str, str, str]] = [
    ("floats are not canonical", '{"a": 1.5}', "schema.invalid"),
    ("null is not canonical (omit the field)", '{"a": null}', "schema.invalid"),
    ("integers beyond 2^53−1 are not canonical", '{"a": 9007199254740992}', "schema.invalid"),
]


def canonical_vectors() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for desc, value in CANONICAL_CASES:
        data = canonical(value)
        out.append({"desc": desc, "value": value, "canonical": data.decode(), "canonical_hex": data.hex(),
                    "sha256": hashlib.sha256(data).hexdigest(), "want_err": None})
    for desc, text, code in INVALID_CASES:
        out.append({"desc": desc, "json": text, "want_err": code})
    return out


def event_vector() -> dict[str, Any]:
    key = SigningKey.from_seed(SEED)
    unsigned = {
        "schema": 1, "event_id": "0190c5e0-8a00-7a1b-8c2d-3e4f5a6b7c8d", "type": "MaintenancePerformed",
        "equipment_code": "311031001201800001", "occurred_at": "2024-07-01T02:45:00Z",
        "actor": {"org": "91310000MA00000025", "role": "maintainer",
                  "persons": [{"cert_no": "T0000022W001", "role": "worker"}]},
        "payload": {"contract_no": "WB-2018-031", "tier": "half_month", "started_at": "2024-07-01T02:00:00Z",
                    "ended_at": "2024-07-01T02:45:00Z", "results": {"A-1-05": "adjusted", "A-1-28": "pass"},
                    "measurements": {"A-1-28": {"value": "8", "unit": "mm"}}},
    }
    signed = sign_envelope(unsigned, key)
    return {
        "desc": "a maintenance record signed with the RFC 8032 test-1 key",
        "seed_hex": SEED.hex(), "public_key": key.public.base64, "key_id": key.key_id,
        "envelope": signed,
        "signing_bytes_hex": signing_bytes(signed).hex(),
        "signature": signed["signature"],
        "record": record_bytes(signed).decode(),
        "record_hex": record_bytes(signed).hex(),
    }


def chain_vector() -> dict[str, Any]:
    records = [
        b'{"n":1}',
        b'{"n":2,"s":"\xe8\xae\xbe\xe5\xa4\x87"}',
        b'{"n":3}',
    ]
    hashes = []
    head = bytes(32)
    for record in records:
        head = hashlib.sha256(head + record).digest()
        hashes.append(head.hex())
    return {
        "desc": "hash_n = SHA-256(hash_{n-1} ‖ record_n), hash_0 = 32 zero bytes",
        "genesis": bytes(32).hex(),
        "records_hex": [r.hex() for r in records],
        "hashes": hashes,
        "mutations": [
            {"desc": "bit flip in record 2", "records_hex": [records[0].hex(), records[1].hex()[:-2] + "7c",
                                                           records[2].hex()], "want_err": "integrity.chain"},
            {"desc": "records 2 and 3 swapped", "records_hex": [records[0].hex(), records[2].hex(),
                                                              records[1].hex()], "want_err": "integrity.chain"},
            {"desc": "record 2 deleted", "records_hex": [records[0].hex(), records[2].hex()],
             "want_err": "integrity.chain"},
        ],
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    files = {"canonical.json": canonical_vectors(), "event.json": event_vector(), "chain.json": chain_vector()}
    for name, content in files.items():
        (OUT / name).write_bytes(orjson.dumps(content, option=orjson.OPT_INDENT_2) + b"\n")


if __name__ == "__main__":
    main()
