"""Generate the transparency-log golden vectors under tests/vectors/ (deterministic: no randomness, fixed seeds).

    python -m tests.vectors.generate_proof_vectors        # from the repository root

Writes one JSON file per vector, named ``<case>--<mutation>.json``, each with ``desc`` and ``want_err`` (null, or
the error ``code`` a conforming verifier raises), into:

* ``inclusion/``   — RFC 9162 inclusion proofs: ``leaf_index``, ``tree_size``, ``leaf_hash``, ``proof``, ``root_hash``
* ``consistency/`` — RFC 9162 consistency proofs: ``old_size``, ``new_size``, ``old_root``, ``new_root``, ``proof``
* ``proof_json/``  — the JSON wire form as text (``text``), parsed strictly, then verified
* ``tlog_proof/``  — c2sp.org/tlog-proof@v1 texts, verified for ``leaf_hash`` against ``log_vkey``
* ``checkpoint/``  — signed checkpoint notes with cosignatures, opened with ``log_vkey`` and ``witness_vkeys``
* ``recorded/``    — log format 2 (docs/FORMAT.md §II.1.1): leaves that commit to the event hash and its recorded
  time; a known answer, then proofs in the JSON form bound to a checkpoint with a ``time`` line
  (``proof_json``, ``checkpoint``, ``log_vkey``) and in the tlog-proof form whose ``extra`` line carries the leaf
  input (``tlog_proof``, ``log_vkey``)

The tree data: leaf ``i`` carries the event hash ``SHA-256("event-<i>")`` (``printf 'event-%d' i | sha256sum``),
so ``leaf_hash(i) = SHA-256(0x00 ‖ event_hash(i))`` (log format 1, kept as history). In ``recorded/`` leaf ``i``
carries ``event_hash(i) ‖ uint64_be(1767225600 + 60·i)``. Roots and proofs come from the naive RFC recursion in
tests/unit/merkle_reference.py, never from ledger.tlog.merkle. tests/unit/test_proofs.py checks that the files
on disk equal this script's output, and the unit tests check every vector against the implementation.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ledger.tlog.checkpoint import (
    Checkpoint,
    NoteSigner,
    WitnessSigner,
    add_signatures,
    cosign,
    cosignature_message,
    format_signature_line,
    sign_note,
)
from tests.unit import merkle_reference as ref

HERE = Path(__file__).resolve().parent

DIRS = ("inclusion", "consistency", "proof_json", "tlog_proof", "checkpoint", "recorded")
ORIGIN = "liftledger.example/log"
LOG_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")  # RFC 8032 test 1
WITNESS1_SEED = bytes.fromhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")  # RFC 8032 test 2
WITNESS2_SEED = bytes.fromhex("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7")  # RFC 8032 test 3
OTHER_SEED = bytes(range(32))
WITNESS1_NAME = "witness.example/w1"
WITNESS2_NAME = "witness.example/w2"
TIMESTAMP = 1_767_225_600  # 2026-01-01T00:00:00Z

INCLUSION_CASES = [(0, 1), (1, 2), (3, 7), (6, 7), (5, 8), (12, 13), (37, 70)]
CONSISTENCY_CASES = [(0, 8), (5, 5), (1, 2), (1, 8), (3, 7), (4, 7), (6, 7), (7, 13), (37, 70)]

Vectors = dict[str, dict[str, Any]]


def event_hash(i: int) -> bytes:
    return hashlib.sha256(f"event-{i}".encode()).digest()


LEAVES = [event_hash(i) for i in range(256)]


def flip(h: bytes, bit: int = 3, byte: int = 0) -> bytes:
    out = bytearray(h)
    out[byte % len(out)] ^= 1 << bit
    return bytes(out)


def hx(hashes: list[bytes]) -> list[str]:
    return [h.hex() for h in hashes]


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _still_valid(name: str, want: str | None) -> str:
    """Explain the mutations that must still verify."""
    if name == "happy" or want is not None:
        return ""
    if "root" in name:
        return " (still valid: every tree is consistent with the empty tree, whatever its root)"
    return (
        " (still valid: an RFC 9162 proof does not bind the tree size when both sizes give the proof the same"
        " shape; the signed checkpoint binds size and root together)"
    )


# --- inclusion ---------------------------------------------------------------------------------------------------


def _inclusion_verdict(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> str | None:
    """The verdict by the rules of docs/FORMAT.md §II.2.3, computed with the naive reference."""
    if not 0 <= index < size:
        return "proof.out_of_range"
    if len(leaf) != 32 or len(root) != 32 or any(len(h) != 32 for h in proof):
        return "proof.invalid"
    if len(proof) != len(ref.path(index, LEAVES[:size])):
        return "proof.invalid"
    leaf_data = next((d for d in LEAVES if ref.mth([d]) == leaf), None)
    if leaf_data is None:
        return "proof.root_mismatch"
    return None if ref.verify_path_naive(leaf_data, index, size, proof) == root else "proof.root_mismatch"


def inclusion_vectors() -> Vectors:
    out: Vectors = {}
    for index, size in INCLUSION_CASES:
        data = LEAVES[:size]
        leaf, proof, root = ref.mth([data[index]]), ref.path(index, data), ref.mth(data)
        case = f"i{index}-s{size}"
        variants: list[tuple[str, str, bytes, int, int, list[bytes], bytes]] = [
            ("happy", "a valid proof", leaf, index, size, proof, root)
        ]
        for j in range(len(proof)):
            mutated = [flip(h) if k == j else h for k, h in enumerate(proof)]
            variants.append((f"proof{j}-bitflip", f"bit 3 of proof[{j}] flipped", leaf, index, size, mutated, root))
        if proof:
            variants.append(("truncated", "last proof hash removed", leaf, index, size, proof[:-1], root))
            variants.append(("empty-proof", "proof emptied", leaf, index, size, [], root))
            variants.append(
                ("short-hash", "proof[0] is 31 bytes", leaf, index, size, [proof[0][:31], *proof[1:]], root)
            )
        if len(proof) > 1:
            variants.append(("reversed-proof", "proof hashes reversed", leaf, index, size, proof[::-1], root))
        variants += [
            ("extra-hash", "an extra hash appended", leaf, index, size, [*proof, root], root),
            ("leading-garbage", "a hash prepended", leaf, index, size, [root, *proof], root),
            ("leaf-bitflip", "leaf hash bit flipped", flip(leaf), index, size, proof, root),
            ("root-bitflip", "root hash bit flipped", leaf, index, size, proof, flip(root)),
            (
                "root-of-other-tree",
                "root of the tree one leaf larger",
                leaf,
                index,
                size,
                proof,
                ref.mth(LEAVES[: size + 1]),
            ),
            (
                "event-hash-as-leaf",
                "the event hash given instead of the leaf hash",
                data[index],
                index,
                size,
                proof,
                root,
            ),
            ("index-plus-1", "leaf index + 1", leaf, index + 1, size, proof, root),
            ("size-plus-1", "tree size + 1", leaf, index, size + 1, proof, root),
            ("size-doubled", "tree size × 2", leaf, index, 2 * size, proof, root),
            ("index-equals-size", "leaf index = tree size", leaf, size, size, proof, root),
            ("size-zero", "tree size 0", leaf, index, 0, proof, root),
        ]
        if index > 0:
            variants.append(("index-minus-1", "leaf index - 1", leaf, index - 1, size, proof, root))
        if size - 1 > index:
            variants.append(("size-minus-1", "tree size - 1", leaf, index, size - 1, proof, root))
        for name, what, lf, i, s, p, r in variants:
            want = _inclusion_verdict(lf, i, s, p, r)
            out[f"inclusion/{case}--{name}.json"] = {
                "desc": f"inclusion of leaf {index} in tree size {size}: {what}" + _still_valid(name, want),
                "leaf_index": i,
                "tree_size": s,
                "leaf_hash": lf.hex(),
                "proof": hx(p),
                "root_hash": r.hex(),
                "want_err": want,
            }
    return out


# --- consistency -------------------------------------------------------------------------------------------------


def _consistency_verdict(old: int, new: int, old_root: bytes, new_root: bytes, proof: list[bytes]) -> str | None:
    """The verdict by the rules of docs/FORMAT.md §II.2.4, computed by replaying the RFC recursion."""
    if not 0 <= old <= new:
        return "proof.out_of_range"
    if any(len(h) != 32 for h in proof):
        return "proof.invalid"
    if old == 0 or old == new:
        if proof:
            return "proof.invalid"
        want_old = ref.mth([]) if old == 0 else new_root
        return None if old_root == want_old else "proof.root_mismatch"
    roots = ref.consistency_roots_naive(old, new, proof, old_root)
    if roots is None:
        return "proof.invalid"
    return None if roots == (old_root, new_root) else "proof.root_mismatch"


def consistency_vectors() -> Vectors:
    out: Vectors = {}
    for old, new in CONSISTENCY_CASES:
        r1, r2, proof = ref.mth(LEAVES[:old]), ref.mth(LEAVES[:new]), ref.proof(old, LEAVES[:new])
        case = f"c{old}-{new}"
        variants: list[tuple[str, str, int, int, bytes, bytes, list[bytes]]] = [
            ("happy", "a valid proof", old, new, r1, r2, proof)
        ]
        for j in range(len(proof)):
            mutated = [flip(h) if k == j else h for k, h in enumerate(proof)]
            variants.append((f"proof{j}-bitflip", f"bit 3 of proof[{j}] flipped", old, new, r1, r2, mutated))
        if proof:
            variants.append(("truncated", "last proof hash removed", old, new, r1, r2, proof[:-1]))
            variants.append(("empty-proof", "proof emptied", old, new, r1, r2, []))
            variants.append(("short-hash", "proof[0] is 31 bytes", old, new, r1, r2, [proof[0][:31], *proof[1:]]))
        if len(proof) > 1:
            variants.append(("reversed-proof", "proof hashes reversed", old, new, r1, r2, proof[::-1]))
        if r1 != r2:
            variants.append(("swapped-roots", "old and new roots swapped", old, new, r2, r1, proof))
        variants += [
            ("extra-hash", "an extra hash appended", old, new, r1, r2, [*proof, r1]),
            ("leading-garbage", "a hash prepended", old, new, r1, r2, [r2, *proof]),
            ("old-root-bitflip", "old root bit flipped", old, new, flip(r1), r2, proof),
            ("new-root-bitflip", "new root bit flipped", old, new, r1, flip(r2), proof),
            ("new-size-plus-1", "new size + 1", old, new + 1, r1, r2, proof),
            ("sizes-swapped", "old and new sizes swapped", new, old, r1, r2, proof) if old != new else None,
            ("old-size-plus-1", "old size + 1", old + 1, new, r1, r2, proof) if old + 1 <= new else None,
        ]
        if old > 0:
            variants.append(("old-size-minus-1", "old size - 1", old - 1, new, r1, r2, proof))
        if new - 1 >= old and new > old:
            variants.append(("new-size-minus-1", "new size - 1", old, new - 1, r1, r2, proof))
        for variant in variants:
            if variant is None:
                continue
            name, what, o, n, a, b, p = variant
            want = _consistency_verdict(o, n, a, b, p)
            out[f"consistency/{case}--{name}.json"] = {
                "desc": f"consistency from tree size {old} to {new}: {what}" + _still_valid(name, want),
                "old_size": o,
                "new_size": n,
                "old_root": a.hex(),
                "new_root": b.hex(),
                "proof": hx(p),
                "want_err": want,
            }
    return out


# --- the JSON wire form ------------------------------------------------------------------------------------------


def proof_json_vectors() -> Vectors:
    index, size = 3, 7
    data = LEAVES[:size]
    good: dict[str, Any] = {
        "type": "inclusion",
        "log_origin": ORIGIN,
        "leaf_index": index,
        "tree_size": size,
        "leaf_hash": ref.mth([data[index]]).hex(),
        "event_hash": data[index].hex(),
        "hashes": hx(ref.path(index, data)),
        "root_hash": ref.mth(data).hex(),
    }
    cons: dict[str, Any] = {
        "type": "consistency",
        "log_origin": ORIGIN,
        "old_size": 3,
        "new_size": 7,
        "old_root": ref.mth(LEAVES[:3]).hex(),
        "new_root": ref.mth(data).hex(),
        "hashes": hx(ref.proof(3, data)),
    }
    text = json.dumps(good)

    def edit(**changes: Any) -> str:
        obj = {**good, **changes}
        return json.dumps({k: v for k, v in obj.items() if v is not _DROP})

    cases: list[tuple[str, str, str, str | None]] = [
        ("inclusion-happy", "a valid inclusion proof with event_hash", text, None),
        ("inclusion-no-event-hash", "event_hash is optional", edit(event_hash=_DROP), None),
        ("consistency-happy", "a valid consistency proof", json.dumps(cons), None),
        ("leading-garbage", "a byte before the object", "x" + text, "proof.invalid"),
        ("trailing-garbage", "a second value after the object", text + " {}", "proof.invalid"),
        ("not-an-object", "an array", json.dumps([good]), "proof.invalid"),
        ("unknown-field", "an extra field", edit(comment="hi"), "proof.invalid"),
        ("missing-field", "root_hash missing", edit(root_hash=_DROP), "proof.invalid"),
        ("duplicate-key", "leaf_index twice", text[:-1] + ', "leaf_index": 4}', "proof.invalid"),
        ("unknown-type", "type is 'audit'", edit(type="audit"), "proof.invalid"),
        ("index-as-string", 'leaf_index is "3"', edit(leaf_index="3"), "proof.invalid"),
        ("index-as-float", "leaf_index is 3.0", edit(leaf_index=3.0), "proof.invalid"),
        ("index-as-bool", "leaf_index is true", edit(leaf_index=True), "proof.invalid"),
        ("negative-index", "leaf_index is -1", edit(leaf_index=-1), "proof.out_of_range"),
        ("index-out-of-range", "leaf_index = tree_size", edit(leaf_index=size), "proof.out_of_range"),
        ("huge-size", "tree_size is 2^53", edit(tree_size=2**53), "proof.out_of_range"),
        ("uppercase-hex", "root_hash in upper case", edit(root_hash=good["root_hash"].upper()), "proof.invalid"),
        ("short-hex", "leaf_hash of 31 bytes", edit(leaf_hash=good["leaf_hash"][:62]), "proof.invalid"),
        ("non-hex", "a proof hash with a 'g'", edit(hashes=["g" * 64, *good["hashes"][1:]]), "proof.invalid"),
        ("hashes-not-list", "hashes is a string", edit(hashes=good["hashes"][0]), "proof.invalid"),
        ("event-hash-mismatch", "event_hash of another event", edit(event_hash=data[4].hex()), "proof.invalid"),
        (
            "proof-bitflip",
            "proof[0] bit flipped",
            edit(hashes=[flip(bytes.fromhex(good["hashes"][0])).hex(), *good["hashes"][1:]]),
            "proof.root_mismatch",
        ),
        ("empty-origin", "log_origin is empty", edit(log_origin=""), "proof.invalid"),
        ("nan", "a NaN literal", text[:-1] + ', "x": NaN}', "proof.invalid"),
        ("consistency-old-gt-new", "old_size > new_size", json.dumps({**cons, "old_size": 8}), "proof.out_of_range"),
    ]
    return {f"proof_json/{name}.json": {"desc": desc, "text": t, "want_err": want} for name, desc, t, want in cases}


_DROP = object()


# --- keys, checkpoints and notes ---------------------------------------------------------------------------------


def keys() -> tuple[NoteSigner, WitnessSigner, WitnessSigner]:
    return (
        NoteSigner.from_seed(ORIGIN, LOG_SEED),
        WitnessSigner.from_seed(WITNESS1_NAME, WITNESS1_SEED),
        WitnessSigner.from_seed(WITNESS2_NAME, WITNESS2_SEED),
    )


def _signed(body: bytes) -> str:
    log, _, _ = keys()
    return sign_note(body, [log])


def _cosigned(size: int) -> tuple[Checkpoint, str]:
    log, w1, w2 = keys()
    cp = Checkpoint(ORIGIN, size, ref.mth(LEAVES[:size]))
    note = add_signatures(sign_note(cp.body(), [log]), [cosign(cp, w1, TIMESTAMP), cosign(cp, w2, TIMESTAMP + 1)])
    return cp, note


def _key_info() -> dict[str, Any]:
    log, w1, w2 = keys()
    return {
        "log": {
            "name": log.name,
            "seed": LOG_SEED.hex(),
            "public_key": log.public_key.hex(),
            "key_id": log.key_id.hex(),
            "vkey": log.vkey(),
        },
        "witnesses": [
            {
                "name": w.name,
                "seed": seed.hex(),
                "public_key": w.public_key.hex(),
                "key_id": w.key_id.hex(),
                "vkey": w.vkey(),
            }
            for w, seed in ((w1, WITNESS1_SEED), (w2, WITNESS2_SEED))
        ],
    }


def checkpoint_vectors() -> Vectors:
    log, w1, w2 = keys()
    other = NoteSigner.from_seed(ORIGIN, OTHER_SEED)
    stranger = NoteSigner.from_seed("stranger.example/log", OTHER_SEED)
    cp, cosigned = _cosigned(7)
    body = cp.body().decode()
    plain = sign_note(cp.body(), [log])
    root_b64 = b64(cp.root_hash)
    sig_lines = cosigned.split("\n\n", 1)[1].splitlines()
    log_line, w1_line, _ = sig_lines

    def resign(text: str) -> str:
        return sign_note(text.encode(), [log])

    def bad_cosig(ts_delta: int) -> str:
        raw = base64.b64decode(w1_line.split(" ")[2])
        ts = (int.from_bytes(raw[4:12], "big") + ts_delta).to_bytes(8, "big")
        return format_signature_line(w1.name, raw[:4], ts + raw[12:])

    many_unknown = [format_signature_line(f"x{i}.example", b"\0\0\0\0", bytes(64)) for i in range(100)]
    cases: list[tuple[str, str, str | bytes, int, str | None]] = [
        ("log-only", "signed by the log key only", plain, 0, None),
        ("cosigned", "log signature and two witness cosignatures", cosigned, 2, None),
        (
            "extension-line",
            "a checkpoint with one extension line",
            resign(body + "liftledger time 1767225600\n"),
            0,
            None,
        ),
        (
            "unknown-signature-ignored",
            "an extra signature by an unknown key",
            plain + stranger_line(stranger, cp),
            0,
            None,
        ),
        (
            "same-name-other-key-ignored",
            "an extra signature by another key with the log's name",
            plain + format_signature_line(other.name, other.key_id, other.sign(cp.body())) + "\n",
            0,
            None,
        ),
        ("size-zero", "the empty tree", resign(f"{ORIGIN}\n0\n{b64(ref.mth([]))}\n"), 0, None),
        ("too-few-cosignatures", "two cosignatures, three required", cosigned, 3, "note.unverified"),
        ("not-signed-by-log", "only an unknown key signed", sign_note(cp.body(), [stranger]), 0, "note.unverified"),
        (
            "other-key-same-name",
            "signed by another key named like the log",
            sign_note(cp.body(), [other]),
            0,
            "note.unverified",
        ),
        (
            "wrong-origin",
            "origin line differs from the log key's name",
            resign(body.replace(ORIGIN, "elsewhere.example/log")),
            0,
            "note.origin",
        ),
        ("duplicate-log-signature", "the log's signature line twice", plain + log_line + "\n", 0, "note.invalid"),
        ("duplicate-cosignature", "a witness's cosignature line twice", cosigned + w1_line + "\n", 1, "note.invalid"),
        (
            "body-modified",
            "tree size changed after signing",
            plain.replace("\n7\n", "\n8\n", 1),
            0,
            "note.unverified",
        ),
        ("signature-bitflip", "a bit of the log signature flipped", _flip_sig(plain, log_line), 0, "note.unverified"),
        (
            "cosignature-bitflip",
            "a bit of a witness signature flipped",
            _flip_sig(cosigned, w1_line),
            1,
            "note.unverified",
        ),
        (
            "cosignature-timestamp-changed",
            "the cosignature timestamp + 1",
            cosigned.replace(w1_line, bad_cosig(1)),
            1,
            "note.unverified",
        ),
        ("missing-final-newline", "last newline removed", plain[:-1], 0, "note.invalid"),
        ("trailing-garbage", "text after the signatures", plain + "garbage\n", 0, "note.invalid"),
        ("trailing-blank-line", "an extra newline at the end", plain + "\n", 0, "note.invalid"),
        ("no-blank-line", "blank line before signatures removed", plain.replace("\n\n", "\n", 1), 0, "note.invalid"),
        ("no-signatures", "body and blank line only", body + "\n", 0, "note.invalid"),
        ("crlf", "CRLF line endings", plain.replace("\n", "\r\n"), 0, "note.invalid"),
        (
            "not-utf8",
            "a 0xff byte in the origin",
            plain.encode().replace(b"liftledger", b"lift\xffledger", 1),
            0,
            "note.invalid",
        ),
        ("hyphen-not-em-dash", "signature line starts with '- '", plain.replace("\u2014 ", "- "), 0, "note.invalid"),
        ("bad-base64", "a '!' in the signature", plain.replace(log_line, log_line[:-3] + "!=="), 0, "note.invalid"),
        (
            "non-canonical-base64",
            "padding bits set in the signature",
            plain.replace(log_line, _noncanonical(log_line)),
            0,
            "note.invalid",
        ),
        ("short-signature", "a 4-byte signature", plain + "\u2014 x.example AAAAAA==\n", 0, "note.invalid"),
        (
            "plus-in-key-name",
            "a key name with '+'",
            plain + format_signature_line("a", b"\0\0\0\0", bytes(64)).replace("a ", "a+b ", 1) + "\n",
            0,
            "note.invalid",
        ),
        (
            "too-many-signatures",
            "101 signature lines",
            plain + "".join(line + "\n" for line in many_unknown),
            0,
            "note.invalid",
        ),
        (
            "size-leading-zero",
            "tree size 07 (validly signed)",
            resign(body.replace("\n7\n", "\n07\n")),
            0,
            "note.invalid",
        ),
        (
            "size-plus-sign",
            "tree size +7 (validly signed)",
            resign(body.replace("\n7\n", "\n+7\n")),
            0,
            "note.invalid",
        ),
        (
            "size-too-big",
            "tree size 2^64 (validly signed)",
            resign(body.replace("\n7\n", f"\n{2**64}\n")),
            0,
            "note.invalid",
        ),
        (
            "root-31-bytes",
            "a 31-byte root hash (validly signed)",
            resign(body.replace(root_b64, b64(cp.root_hash[:31]))),
            0,
            "note.invalid",
        ),
        (
            "root-hex",
            "root hash in hex (validly signed)",
            resign(body.replace(root_b64, cp.root_hash.hex())),
            0,
            "note.invalid",
        ),
        ("two-lines", "no root line (validly signed)", resign(f"{ORIGIN}\n7\n"), 0, "note.invalid"),
        (
            "empty-extension-line",
            "an empty line inside the body (validly signed)",
            resign(body + "\nextra\n"),
            0,
            "note.invalid",
        ),
    ]
    out: Vectors = {}
    info = _key_info()
    for name, desc, note, min_w, want in cases:
        entry: dict[str, Any] = {
            "desc": desc,
            "log_vkey": log.vkey(),
            "witness_vkeys": [w1.vkey(), w2.vkey()],
            "min_witnesses": min_w,
        }
        if isinstance(note, bytes):
            entry["note_base64"] = b64(note)
        else:
            entry["note"] = note
        entry["want_err"] = want
        out[f"checkpoint/{name}.json"] = entry
    out["checkpoint/cosigned.json"].update(
        keys=info,
        want_checkpoint={"origin": cp.origin, "size": cp.size, "root_hash": cp.root_hash.hex()},
        want_cosignatures=[{"name": w1.name, "timestamp": TIMESTAMP}, {"name": w2.name, "timestamp": TIMESTAMP + 1}],
        signed_body=body,
        cosignature_message=cosignature_message(cp.body(), TIMESTAMP).decode(),
    )
    return out


def stranger_line(stranger: NoteSigner, cp: Checkpoint) -> str:
    return format_signature_line(stranger.name, stranger.key_id, stranger.sign(cp.body())) + "\n"


def _flip_sig(note: str, line: str) -> str:
    name, sig = line[2:].split(" ")
    raw = base64.b64decode(sig)
    return note.replace(line, format_signature_line(name, raw[:4], flip(raw[4:], bit=0, byte=10)))


def _noncanonical(line: str) -> str:
    """Same bytes, but with non-zero padding bits in the last base64 character."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    body, pad = line.rstrip("="), len(line) - len(line.rstrip("="))
    last = alphabet[alphabet.index(body[-1]) | 1]
    return body[:-1] + last + "=" * pad


# --- tlog-proof --------------------------------------------------------------------------------------------------


def tlog_proof_vectors() -> Vectors:
    log, w1, w2 = keys()
    index, size = 5, 13
    _, note = _cosigned(size)
    proof = ref.path(index, LEAVES[:size])
    lines = [b64(h) for h in proof]
    leaf = ref.mth([LEAVES[index]])

    def text(
        idx: str = str(index),
        hashes: list[str] = lines,
        extra: str | None = None,
        header: str = "c2sp.org/tlog-proof@v1",
        note_: str = note,
    ) -> str:
        head = [header] + ([f"extra {extra}"] if extra is not None else []) + [f"index {idx}"] + hashes
        return "".join(line + "\n" for line in head) + "\n" + note_

    good = text()
    cases: list[tuple[str, str, str, int, str | None]] = [
        ("happy", "a valid proof with two cosignatures", good, 2, None),
        ("with-extra", "an extra line (not authenticated)", text(extra=b64(b"passport v1")), 2, None),
        ("leading-garbage", "a line before the header", "garbage\n" + good, 0, "proof.invalid"),
        ("trailing-garbage", "text after the note", good + "garbage\n", 0, "note.invalid"),
        ("trailing-newline", "an extra newline after the note", good + "\n", 0, "note.invalid"),
        ("wrong-header", "header v2", text(header="c2sp.org/tlog-proof@v2"), 0, "proof.invalid"),
        ("index-leading-zero", "index 05", text(idx="05"), 0, "proof.invalid"),
        ("index-plus-1", "index 6", text(idx="6"), 0, "proof.root_mismatch"),
        ("index-out-of-range", "index = tree size", text(idx=str(size)), 0, "proof.out_of_range"),
        (
            "proof-bitflip",
            "proof line 0 bit flipped",
            text(hashes=[b64(flip(proof[0])), *lines[1:]]),
            0,
            "proof.root_mismatch",
        ),
        ("truncated", "last proof line removed", text(hashes=lines[:-1]), 0, "proof.invalid"),
        ("extra-hash", "a proof line added", text(hashes=[*lines, lines[0]]), 0, "proof.invalid"),
        ("empty-proof", "no proof lines", text(hashes=[]), 0, "proof.invalid"),
        (
            "hash-31-bytes",
            "proof line 0 is 31 bytes",
            text(hashes=[b64(proof[0][:31]), *lines[1:]]),
            0,
            "proof.invalid",
        ),
        (
            "non-canonical-base64",
            "padding bits set",
            text(hashes=[_noncanonical(lines[0]), *lines[1:]]),
            0,
            "proof.invalid",
        ),
        ("empty-extra", "an extra line with no data", text(extra=""), 0, "proof.invalid"),
        ("crlf", "CRLF line endings", good.replace("\n", "\r\n"), 0, "proof.invalid"),
        ("too-few-cosignatures", "three cosignatures required", good, 3, "note.unverified"),
        (
            "checkpoint-tampered",
            "checkpoint size changed",
            good.replace(f"\n{size}\n", f"\n{size + 1}\n", 1),
            0,
            "note.unverified",
        ),
    ]
    return {
        f"tlog_proof/{name}.json": {
            "desc": desc,
            "leaf_hash": leaf.hex(),
            "log_vkey": log.vkey(),
            "witness_vkeys": [w1.vkey(), w2.vkey()],
            "min_witnesses": min_w,
            "text": t,
            "want_err": want,
        }
        for name, desc, t, min_w, want in cases
    }


# --- log format 2: leaves with their recorded times --------------------------------------------------------------


def recorded_at(i: int) -> int:
    return TIMESTAMP + 60 * i


def leaf_input(i: int) -> bytes:
    return event_hash(i) + recorded_at(i).to_bytes(8, "big")


RECORDED_LEAVES = [leaf_input(i) for i in range(16)]


def recorded_vectors() -> Vectors:
    log, _, _ = keys()
    index, size = 3, 7
    data = RECORDED_LEAVES[:size]
    newest = recorded_at(size - 1)
    leaf = ref.mth([data[index]])

    def checkpoint(time: int) -> str:
        stamp = datetime.fromtimestamp(time, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return sign_note(Checkpoint(ORIGIN, size, ref.mth(data), (f"time {stamp}",)).body(), [log])

    on_time, too_early = checkpoint(newest + 3600), checkpoint(recorded_at(index) - 1)
    good: dict[str, Any] = {
        "type": "inclusion", "log_origin": ORIGIN, "leaf_index": index, "tree_size": size, "leaf_hash": leaf.hex(),
        "event_hash": event_hash(index).hex(), "recorded_at": recorded_at(index),
        "hashes": hx(ref.path(index, data)), "root_hash": ref.mth(data).hex(),
    }

    def edit(**changes: Any) -> str:
        obj = {**good, **changes}
        return json.dumps({k: v for k, v in obj.items() if v is not _DROP})

    proofs: list[tuple[str, str, str, str, str | None]] = [
        ("json-happy", "a format-2 inclusion proof, bound to a checkpoint dated after the leaf", json.dumps(good),
         on_time, None),
        ("json-without-times", "the leaf hash alone (event_hash and recorded_at are optional)",
         edit(event_hash=_DROP, recorded_at=_DROP), on_time, None),
        ("json-recorded-at-changed", "recorded_at one second later: not what the leaf commits to",
         edit(recorded_at=recorded_at(index) + 1), on_time, "proof.invalid"),
        ("json-format-1-leaf", "recorded_at left out: SHA-256(0x00 ‖ event_hash) is not this leaf",
         edit(recorded_at=_DROP), on_time, "proof.invalid"),
        ("json-recorded-at-alone", "recorded_at without the event hash it was recorded with",
         edit(event_hash=_DROP), on_time, "proof.invalid"),
        ("json-recorded-at-negative", "recorded_at is -1", edit(recorded_at=-1), on_time, "proof.out_of_range"),
        ("json-recorded-at-string", 'recorded_at is "1767225780"', edit(recorded_at=str(recorded_at(index))),
         on_time, "proof.invalid"),
        ("json-recorded-after-checkpoint", "the checkpoint is dated one second before the leaf was recorded",
         json.dumps(good), too_early, "proof.recorded_after_checkpoint"),
    ]
    out: Vectors = {
        "recorded/leaf-known-answer.json": {
            "desc": "leaf input = event hash ‖ uint64_be(recorded_at); leaf hash = SHA-256(0x00 ‖ leaf input)",
            "event_hash": event_hash(index).hex(), "recorded_at": recorded_at(index),
            "leaf_input": data[index].hex(), "leaf_hash": leaf.hex(),
            "command": f"{{ printf '\\x00'; printf 'event-{index}' | sha256sum | cut -c1-64 | xxd -r -p; "
                       f"printf '%016x' {recorded_at(index)} | xxd -r -p; }} | sha256sum",
            "want_err": None,
        },
    }
    for name, desc, text, note, want in proofs:
        out[f"recorded/{name}.json"] = {"desc": desc, "proof_json": text, "checkpoint": note,
                                        "log_vkey": log.vkey(), "want_err": want}
    lines = "".join(b64(h) + "\n" for h in ref.path(index, data))
    for name, desc, extra, note, want in [
        ("tlog-happy", "a tlog-proof whose extra line is the leaf input", data[index], on_time, None),
        ("tlog-extra-changed", "the extra line claims a later recorded time", leaf_input(index)[:32]
         + (recorded_at(index) + 1).to_bytes(8, "big"), on_time, "proof.root_mismatch"),
        ("tlog-recorded-after-checkpoint", "the checkpoint is dated before the leaf was recorded", data[index],
         too_early, "proof.recorded_after_checkpoint"),
    ]:
        text = f"c2sp.org/tlog-proof@v1\nextra {b64(extra)}\nindex {index}\n{lines}\n{note}"
        out[f"recorded/{name}.json"] = {"desc": desc, "tlog_proof": text, "log_vkey": log.vkey(),
                                        "want_err": want}
    return out


# --- driver ------------------------------------------------------------------------------------------------------

BUILDERS: list[Callable[[], Vectors]] = [
    inclusion_vectors,
    consistency_vectors,
    proof_json_vectors,
    tlog_proof_vectors,
    checkpoint_vectors,
    recorded_vectors,
]


def build_all() -> dict[str, str]:
    """Every vector file's relative path and exact text."""
    files: dict[str, str] = {}
    for builder in BUILDERS:
        for path, obj in builder().items():
            files[path] = json.dumps(obj, indent=2, ensure_ascii=False) + "\n"
    return files


def main() -> None:
    files = build_all()
    for d in DIRS:
        (HERE / d).mkdir(exist_ok=True)
        for old in (HERE / d).glob("*.json"):
            old.unlink()
    for path, text in sorted(files.items()):
        (HERE / path).write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} vector files under {HERE}")


if __name__ == "__main__":
    main()
