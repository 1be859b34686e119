"""Signed notes, checkpoints and cosignatures: known answers from other implementations, vectors, malformations."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from ledger.core.errors import ConfigurationError, NoteError
from ledger.tlog.checkpoint import (
    MAX_SIGNATURES,
    Checkpoint,
    NoteSigner,
    NoteVerifier,
    WitnessSigner,
    WitnessVerifier,
    add_signatures,
    cosign,
    cosignature_message,
    format_signature_line,
    key_id,
    open_checkpoint,
    open_note,
    parse_signature_line,
    parse_verifier_key,
    sign_note,
    split_note,
    verify_cosignature,
)

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "checkpoint"

ORIGIN = "liftledger.example/log"
LOG = NoteSigner.from_seed(ORIGIN, bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
W1 = WitnessSigner.from_seed("witness.example/w1", bytes(range(1, 33)))
W2 = WitnessSigner.from_seed("witness.example/w2", bytes(range(2, 34)))
ROOT = hashlib.sha256(b"root").digest()
CP = Checkpoint(ORIGIN, 42, ROOT)
NOTE = sign_note(CP.body(), [LOG])


# --- known answers from golang.org/x/mod/sumdb/note (its package documentation's example) ------------------------

GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = b"If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_NOTE = (
    GO_TEXT.decode()
    + "\n\u2014 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_go_sumdb_note_example_signs_and_verifies_byte_for_byte() -> None:
    seed = base64.b64decode(GO_SKEY.split("+", 4)[4])[1:]
    signer = NoteSigner.from_seed("PeterNeumann", seed)
    assert signer.vkey() == GO_VKEY
    assert sign_note(GO_TEXT, [signer]) == GO_NOTE
    opened = open_note(GO_NOTE, [NoteVerifier.from_vkey(GO_VKEY)])
    assert opened.text == GO_TEXT
    assert [s.name for s in opened.verified] == ["PeterNeumann"]


def test_key_ids_follow_the_spec_formula() -> None:
    # SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]
    for signer, kind in ((LOG, 0x01), (W1, 0x04)):
        want = hashlib.sha256(signer.name.encode() + b"\n" + bytes([kind]) + signer.public_key).digest()[:4]
        assert signer.key_id == want == key_id(signer.name, kind, signer.public_key)
    name, hex_id, material = LOG.vkey().split("+", 2)
    assert (name, hex_id) == (ORIGIN, LOG.key_id.hex())
    assert base64.b64decode(material) == b"\x01" + LOG.public_key


def test_verifier_keys_round_trip_and_are_strict() -> None:
    assert NoteVerifier.from_vkey(LOG.vkey()) == LOG.verifier()
    assert WitnessVerifier.from_vkey(W1.vkey()) == W1.verifier()
    assert isinstance(parse_verifier_key(W1.vkey()), WitnessVerifier)
    assert isinstance(parse_verifier_key(LOG.vkey()), NoteVerifier)
    name, hex_id, b64 = LOG.vkey().split("+", 2)
    bad = [
        f"{name}+{hex_id.upper()}+{b64}",  # upper-case hex
        f"{name}+{hex_id[:-1]}0+{b64}" if not hex_id.endswith("0") else f"{name}+{hex_id[:-1]}1+{b64}",
        f"{name}+{hex_id}",
        f"{name}+{hex_id}+{b64[:-4]}",
        f"bad name+{hex_id}+{b64}",
        W1.vkey().replace("+B", "+A", 1),  # type byte changed, key id then mismatches
    ]
    for vkey in bad:
        with pytest.raises(NoteError):
            NoteVerifier.from_vkey(vkey)
    with pytest.raises(NoteError, match="signature type 0x04"):
        NoteVerifier.from_vkey(W1.vkey())


# --- notes -------------------------------------------------------------------------------------------------------


def test_open_note_reports_verified_and_ignored_signatures() -> None:
    stranger = NoteSigner.from_seed("stranger.example", bytes(32))
    note = sign_note(CP.body(), [LOG, stranger])
    opened = open_note(note, [LOG.verifier()])
    assert [s.name for s in opened.verified] == [ORIGIN]
    assert [s.name for s in opened.unverified] == ["stranger.example"]
    assert opened.signed_by(LOG.verifier()) is not None
    with pytest.raises(NoteError) as info:
        open_note(note, [LOG.verifier(), stranger.verifier()], min_signatures=3)
    assert info.value.code == "note.unverified"


def test_duplicate_trusted_keys_are_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        open_note(NOTE, [LOG.verifier(), NoteVerifier(ORIGIN, LOG.public_key)])


@pytest.mark.parametrize(
    ("note", "fragment"),
    [
        (NOTE.replace("\n\n", "\n"), "no blank line"),
        (NOTE[:-1], "does not end with a newline"),
        (NOTE + "\n", "no signature lines"),
        (NOTE + "x\n", "em dash"),
        (NOTE.replace("\u2014 " + ORIGIN, "\u2014 " + ORIGIN + " "), "not valid base64"),
        (NOTE.replace("\u2014 " + ORIGIN + " ", "\u2014 " + ORIGIN), "no space"),
        (NOTE.replace("\u2014 ", "\u2014 \u00a0"), "space"),
        (NOTE.replace("\n", "\t\n", 1), "control character"),
        (NOTE.encode() + b"\xc3\x28", "UTF-8"),
        ("x" * (1 << 20) + NOTE, "limit"),
        (NOTE + "\u2014 x " + "A" * 9000 + "\n", "longer than"),
    ],
)
def test_malformed_notes(note: str | bytes, fragment: str) -> None:
    with pytest.raises(NoteError, match=fragment) as info:
        open_note(note, [LOG.verifier()])
    assert info.value.code == "note.invalid"


def test_signature_count_limit() -> None:
    filler = [format_signature_line(f"k{i}", b"\0\0\0\0", bytes(64)) for i in range(MAX_SIGNATURES - 1)]
    at_limit = add_signatures(NOTE, filler)
    assert len(open_note(at_limit, [LOG.verifier()]).unverified) == MAX_SIGNATURES - 1
    with pytest.raises(NoteError, match="limit"):
        open_note(at_limit + format_signature_line("one-more", b"\0\0\0\0", bytes(64)) + "\n", [LOG.verifier()])


def test_sign_note_preconditions() -> None:
    for text in (b"no newline", b"tab\there\n", b"\xff\n"):
        with pytest.raises(NoteError):
            sign_note(text, [LOG])
    with pytest.raises(NoteError):
        sign_note(CP.body(), [])
    with pytest.raises(NoteError):
        NoteSigner.from_seed("has+plus", bytes(32))


def test_split_note_does_not_verify() -> None:
    text, sigs = split_note(NOTE)
    assert text == CP.body()
    assert sigs[0].key_id == LOG.key_id and len(sigs[0].signature) == 64
    assert parse_signature_line(sigs[0].line) == sigs[0]


# --- checkpoints -------------------------------------------------------------------------------------------------


def test_checkpoint_body_and_parse_round_trip() -> None:
    cp = Checkpoint(ORIGIN, 0, hashlib.sha256(b"").digest(), ("ext one", "ext two"))
    body = cp.body()
    assert body == (f"{ORIGIN}\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next one\next two\n").encode()
    assert Checkpoint.parse(body) == cp


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"origin\n1\n",
        b"origin\n01\n" + base64.b64encode(ROOT) + b"\n",
        b"origin\n-1\n" + base64.b64encode(ROOT) + b"\n",
        b"origin\n1 \n" + base64.b64encode(ROOT) + b"\n",
        b"origin\n\xd9\xa1\n" + base64.b64encode(ROOT) + b"\n",  # Arabic-Indic digit one
        b"origin\n18446744073709551616\n" + base64.b64encode(ROOT) + b"\n",
        b"origin\n1\n" + base64.b64encode(ROOT[:31]) + b"\n",
        b"origin\n1\n" + base64.b64encode(ROOT).rstrip(b"=") + b"\n",
        b"origin\n1\n" + base64.b64encode(ROOT),
        b"\n1\n" + base64.b64encode(ROOT) + b"\n",
        b"origin\n1\n" + base64.b64encode(ROOT) + b"\n\n",
    ],
)
def test_malformed_checkpoint_bodies(body: bytes) -> None:
    with pytest.raises(NoteError):
        Checkpoint.parse(body)


def test_checkpoint_constructor_validates() -> None:
    for args in (("", 1, ROOT), ("o\nx", 1, ROOT), ("o", -1, ROOT), ("o", 2**64, ROOT), ("o", 1, ROOT[:31])):
        with pytest.raises(NoteError):
            Checkpoint(*args)  # type: ignore[arg-type]
    with pytest.raises(NoteError):
        Checkpoint("o", 1, ROOT, ("",))


def test_largest_size_is_accepted() -> None:
    cp = Checkpoint(ORIGIN, 2**64 - 1, ROOT)
    assert Checkpoint.parse(cp.body()).size == 2**64 - 1


def test_open_checkpoint_checks_origin_and_log_key() -> None:
    signed = open_checkpoint(NOTE, LOG.verifier())
    assert signed.checkpoint == CP and signed.cosignatures == ()
    with pytest.raises(NoteError) as info:
        open_checkpoint(NOTE, LOG.verifier(), origin="elsewhere.example/log")
    assert info.value.code == "note.origin"
    # A witness cosignature alone is not a log signature.
    only_witness = CP.body().decode() + "\n" + cosign(CP, W1, 5) + "\n"
    with pytest.raises(NoteError):
        open_checkpoint(only_witness, LOG.verifier(), witnesses=[W1.verifier()])


# --- cosignatures ------------------------------------------------------------------------------------------------


def test_cosignature_message_and_line() -> None:
    assert cosignature_message(CP.body(), 1679315147) == b"cosignature/v1\ntime 1679315147\n" + CP.body()
    line = cosign(CP, W1, 1679315147)
    raw = base64.b64decode(line.split(" ")[2])
    assert raw[:4] == W1.key_id and len(raw) == 4 + 72
    assert int.from_bytes(raw[4:12], "big") == 1679315147
    assert verify_cosignature(CP, line, W1.verifier()) == 1679315147


def test_cosignatures_collect_onto_the_note() -> None:
    lines = [cosign(CP, W1, 100), cosign(CP, W2, 200)]
    note = add_signatures(NOTE, lines)
    assert add_signatures(note, lines) == note  # idempotent
    signed = open_checkpoint(note, LOG.verifier(), witnesses=[W1.verifier(), W2.verifier()], min_witnesses=2)
    assert [(c.name, c.timestamp) for c in signed.cosignatures] == [(W1.name, 100), (W2.name, 200)]
    with pytest.raises(NoteError, match="different signature"):
        add_signatures(note, [cosign(CP, W1, 101)])
    with pytest.raises(NoteError) as info:
        open_checkpoint(note, LOG.verifier(), witnesses=[W1.verifier()], min_witnesses=2)
    assert info.value.code == "note.unverified"


def test_cosignature_failures() -> None:
    line = cosign(CP, W1, 7)
    other_cp = Checkpoint(ORIGIN, 43, ROOT)
    with pytest.raises(NoteError, match="does not verify"):
        verify_cosignature(other_cp, line, W1.verifier())
    with pytest.raises(NoteError, match=r"not witness\.example/w2"):
        verify_cosignature(CP, line, W2.verifier())
    # The same key as a plain Ed25519 (type 0x01) signer has another key ID: its line is not a cosignature.
    plain = NoteSigner.from_seed(W1.name, bytes(range(1, 33)))
    fake = format_signature_line(plain.name, plain.key_id, bytes(8) + plain.sign(CP.body()))
    with pytest.raises(NoteError):
        verify_cosignature(CP, fake, W1.verifier())
    with pytest.raises(NoteError):
        W1.sign(CP.body(), -1)


# --- golden vectors ----------------------------------------------------------------------------------------------


def _vectors() -> list[Path]:
    files = sorted(VECTORS.glob("*.json"))
    assert files
    return files


def _open_vector(v: dict[str, Any]) -> Any:
    note: str | bytes = base64.b64decode(v["note_base64"]) if "note_base64" in v else v["note"]
    return open_checkpoint(
        note,
        NoteVerifier.from_vkey(v["log_vkey"]),
        witnesses=[WitnessVerifier.from_vkey(k) for k in v["witness_vkeys"]],
        min_witnesses=v["min_witnesses"],
    )


@pytest.mark.parametrize("path", _vectors(), ids=lambda p: p.stem)
def test_checkpoint_vectors(path: Path) -> None:
    v = json.loads(path.read_text(encoding="utf-8"))
    try:
        _open_vector(v)
    except NoteError as e:
        got: str | None = e.code
    else:
        got = None
    assert got == v["want_err"], v["desc"]


def test_cosigned_vector_is_reproducible_from_its_seeds() -> None:
    v = json.loads((VECTORS / "cosigned.json").read_text(encoding="utf-8"))
    keys = v["keys"]
    log = NoteSigner.from_seed(keys["log"]["name"], bytes.fromhex(keys["log"]["seed"]))
    assert (log.vkey(), log.key_id.hex(), log.public_key.hex()) == (
        keys["log"]["vkey"],
        keys["log"]["key_id"],
        keys["log"]["public_key"],
    )
    witnesses = [WitnessSigner.from_seed(w["name"], bytes.fromhex(w["seed"])) for w in keys["witnesses"]]
    assert [w.vkey() for w in witnesses] == [w["vkey"] for w in keys["witnesses"]]
    want = v["want_checkpoint"]
    cp = Checkpoint(want["origin"], want["size"], bytes.fromhex(want["root_hash"]))
    assert cp.body().decode() == v["signed_body"]
    lines = [cosign(cp, w, c["timestamp"]) for w, c in zip(witnesses, v["want_cosignatures"], strict=True)]
    assert add_signatures(sign_note(cp.body(), [log]), lines) == v["note"]
    assert cosignature_message(cp.body(), v["want_cosignatures"][0]["timestamp"]).decode() == v["cosignature_message"]
    signed = _open_vector(v)
    assert signed.checkpoint == cp
    assert [{"name": c.name, "timestamp": c.timestamp} for c in signed.cosignatures] == v["want_cosignatures"]
