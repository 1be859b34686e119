"""Wire forms of Merkle proofs: strict JSON objects and the C2SP tlog-proof text form.

JSON forms (docs/FORMAT.md §II.3); hashes are 64 lowercase hex digits, sizes are JSON integers in
0..2^53-1, and no other field is allowed::

    {"type": "inclusion", "log_origin": str, "leaf_index": int, "tree_size": int, "leaf_hash": hex,
     "event_hash": hex (optional), "recorded_at": int (optional, with event_hash), "hashes": [hex, ...],
     "root_hash": hex}
    {"type": "consistency", "log_origin": str, "old_size": int, "new_size": int, "old_root": hex,
     "new_root": hex, "hashes": [hex, ...]}

The text form is c2sp.org/tlog-proof@v1: a header line, an optional ``extra`` line, ``index N``, one base64 hash
per line, a blank line, then the signed checkpoint note verbatim.

Parsing raises :class:`ProofError` for anything malformed; verification raises ProofError or
:class:`RootMismatchError` (and NoteError for the checkpoint part of a tlog-proof).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ledger.core.errors import NoteError, ProofError, RootMismatchError, SchemaError
from ledger.core.strictjson import parse_strict
from ledger.tlog.checkpoint import (
    MAX_NOTE_BYTES,
    Checkpoint,
    NoteVerifier,
    SignedCheckpoint,
    WitnessVerifier,
    b64decode_strict,
    open_checkpoint,
    split_note,
)
from ledger.tlog.leaf import MAX_RECORDED_AT, record_leaf_hash
from ledger.tlog.merkle import HASH_SIZE, verify_consistency, verify_inclusion

__all__ = [
    "MAX_JSON_INTEGER",
    "MAX_PROOF_HASHES",
    "MAX_PROOF_JSON_BYTES",
    "TLOG_PROOF_HEADER",
    "ConsistencyProof",
    "InclusionProof",
    "TlogProof",
    "check_recorded_before",
    "parse_proof",
    "parse_proof_json",
    "strict_document",
    "verify_proof",
    "verify_tlog_proof",
]

MAX_JSON_INTEGER = 2**53 - 1
"""Sizes and indices in JSON stay within what every JSON implementation represents exactly."""
MAX_PROOF_HASHES = 64
"""No RFC 9162 proof in a tree of fewer than 2^64 leaves has more hashes than this."""
MAX_PROOF_JSON_BYTES = 1 << 20
TLOG_PROOF_HEADER = "c2sp.org/tlog-proof@v1"

_HEX = re.compile(r"[0-9a-f]{64}\Z")
_DECIMAL = re.compile(r"(?:0|[1-9][0-9]*)\Z")
_INCLUSION_FIELDS = {"type", "log_origin", "leaf_index", "tree_size", "leaf_hash", "hashes", "root_hash"}
_CONSISTENCY_FIELDS = {"type", "log_origin", "old_size", "new_size", "old_root", "new_root", "hashes"}


# --- the JSON forms ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """An RFC 9162 inclusion proof of one leaf in the tree of ``tree_size`` leaves of log ``log_origin``.

    ``event_hash`` and ``recorded_at``, when given, say what the leaf commits to (docs/FORMAT.md §II.1.1): the event
    hash and, in log format 2, the time the ledger recorded it; format-1 proofs carry the event hash alone.
    """

    log_origin: str
    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    hashes: tuple[bytes, ...]
    root_hash: bytes
    event_hash: bytes | None = None
    recorded_at: int | None = None

    def __post_init__(self) -> None:
        _check_origin(self.log_origin)
        _check_int("leaf_index", self.leaf_index)
        _check_int("tree_size", self.tree_size)
        if self.leaf_index >= self.tree_size:
            raise ProofError(
                f"leaf_index {self.leaf_index} is out of range for tree_size {self.tree_size}",
                code="proof.out_of_range",
            )
        _check_hash("leaf_hash", self.leaf_hash)
        _check_hash("root_hash", self.root_hash)
        if self.event_hash is not None:
            _check_hash("event_hash", self.event_hash)
        if self.recorded_at is not None:
            if self.event_hash is None:
                raise ProofError("recorded_at is given only with the event_hash it was recorded with")
            if type(self.recorded_at) is not int or not 0 <= self.recorded_at <= min(MAX_RECORDED_AT,
                                                                                      MAX_JSON_INTEGER):
                raise ProofError("recorded_at must be an integer in 0..2^53-1", code="proof.out_of_range")
        _check_hashes(self.hashes)

    def to_json(self) -> dict[str, Any]:
        """The JSON object form (``event_hash`` and ``recorded_at`` omitted when absent)."""
        out: dict[str, Any] = {
            "type": "inclusion",
            "log_origin": self.log_origin,
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
            "leaf_hash": self.leaf_hash.hex(),
        }
        if self.event_hash is not None:
            out["event_hash"] = self.event_hash.hex()
        if self.recorded_at is not None:
            out["recorded_at"] = self.recorded_at
        out["hashes"] = [h.hex() for h in self.hashes]
        out["root_hash"] = self.root_hash.hex()
        return out


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    """An RFC 9162 consistency proof that the tree of ``new_size`` leaves extends the one of ``old_size``."""

    log_origin: str
    old_size: int
    new_size: int
    old_root: bytes
    new_root: bytes
    hashes: tuple[bytes, ...]

    def __post_init__(self) -> None:
        _check_origin(self.log_origin)
        _check_int("old_size", self.old_size)
        _check_int("new_size", self.new_size)
        if self.old_size > self.new_size:
            raise ProofError(
                f"old_size {self.old_size} is larger than new_size {self.new_size}", code="proof.out_of_range"
            )
        _check_hash("old_root", self.old_root)
        _check_hash("new_root", self.new_root)
        _check_hashes(self.hashes)

    def to_json(self) -> dict[str, Any]:
        """The JSON object form."""
        return {
            "type": "consistency",
            "log_origin": self.log_origin,
            "old_size": self.old_size,
            "new_size": self.new_size,
            "old_root": self.old_root.hex(),
            "new_root": self.new_root.hex(),
            "hashes": [h.hex() for h in self.hashes],
        }


def parse_proof(obj: object) -> InclusionProof | ConsistencyProof:
    """Parse a decoded JSON proof object strictly: exact field set, exact types, lowercase hex, sizes in range.

    Raises:
        ProofError: on the first problem, naming the field.
    """
    if type(obj) is not dict:
        raise ProofError("a proof must be a JSON object")
    kind = obj.get("type")
    if kind == "inclusion":
        _check_fields(obj, _INCLUSION_FIELDS, optional={"event_hash", "recorded_at"})
        return InclusionProof(
            log_origin=_str_field(obj, "log_origin"),
            leaf_index=_int_field(obj, "leaf_index"),
            tree_size=_int_field(obj, "tree_size"),
            leaf_hash=_hex_field(obj, "leaf_hash"),
            hashes=_hex_list_field(obj, "hashes"),
            root_hash=_hex_field(obj, "root_hash"),
            event_hash=_hex_field(obj, "event_hash") if "event_hash" in obj else None,
            recorded_at=_int_field(obj, "recorded_at") if "recorded_at" in obj else None,
        )
    if kind == "consistency":
        _check_fields(obj, _CONSISTENCY_FIELDS)
        return ConsistencyProof(
            log_origin=_str_field(obj, "log_origin"),
            old_size=_int_field(obj, "old_size"),
            new_size=_int_field(obj, "new_size"),
            old_root=_hex_field(obj, "old_root"),
            new_root=_hex_field(obj, "new_root"),
            hashes=_hex_list_field(obj, "hashes"),
        )
    raise ProofError(f"unknown proof type {kind!r}; expected 'inclusion' or 'consistency'")


def parse_proof_json(data: bytes | str) -> InclusionProof | ConsistencyProof:
    """Parse proof JSON text: strict JSON (ledger/core/strictjson.py), one object with the fields of its type."""
    return parse_proof(strict_document(data, "proof JSON", max_bytes=MAX_PROOF_JSON_BYTES))


def strict_document(data: bytes | str, what: str, *, max_bytes: int = MAX_PROOF_JSON_BYTES) -> Any:
    """Strict JSON (ledger/core/strictjson.py) for proof documents: every refusal is ``proof.invalid``, but an
    integer beyond 2^53 − 1 is ``proof.out_of_range`` (docs/FORMAT.md §II.3.1)."""
    try:
        return parse_strict(data, max_bytes=max_bytes, what=what)
    except SchemaError as e:
        code = "proof.out_of_range" if e.details.get("kind") == "integer_range" else "proof.invalid"
        where = f" at {e.path}" if e.path else ""
        raise ProofError(f"{e.message}{where}", code=code, path=e.path) from None


def verify_proof(
    proof: InclusionProof | ConsistencyProof,
    *,
    checkpoint: Checkpoint | None = None,
    old_checkpoint: Checkpoint | None = None,
) -> None:
    """Verify a parsed proof; with ``checkpoint`` (and for consistency ``old_checkpoint``) also bind it to them.

    For inclusion, ``leaf_hash`` must equal SHA-256(0x00 ‖ event_hash ‖ uint64_be(recorded_at)) when both are
    present (log format 2), SHA-256(0x00 ‖ event_hash) when only ``event_hash`` is (format 1); and a recorded time
    must not be later than the checkpoint's ``time``. The checkpoints must already be verified (see
    :func:`ledger.tlog.checkpoint.open_checkpoint`); this only checks that the proof is about the same origin, size
    and root.

    Raises:
        ProofError: malformed, wrong leaf hash, a proof for another tree, a leaf recorded after the checkpoint
            (``proof.recorded_after_checkpoint``).
        RootMismatchError: the proof leads to another root than the one stated or checkpointed.
    """
    if isinstance(proof, InclusionProof):
        if old_checkpoint is not None:
            raise ProofError("an inclusion proof is checked against one checkpoint, not two")
        _verify_inclusion_proof(proof, checkpoint)
        return
    if checkpoint is not None:
        _bind(proof.log_origin, proof.new_size, proof.new_root, checkpoint, "new")
    if old_checkpoint is not None:
        _bind(proof.log_origin, proof.old_size, proof.old_root, old_checkpoint, "old")
    verify_consistency(proof.old_size, proof.new_size, proof.old_root, proof.new_root, proof.hashes)


def _verify_inclusion_proof(proof: InclusionProof, checkpoint: Checkpoint | None) -> None:
    if proof.event_hash is not None and record_leaf_hash(proof.event_hash, proof.recorded_at) != proof.leaf_hash:
        if proof.recorded_at is None:
            raise ProofError("leaf_hash is not SHA-256(0x00 ‖ event_hash)")
        raise ProofError("leaf_hash is not SHA-256(0x00 ‖ event_hash ‖ uint64_be(recorded_at))")
    if checkpoint is not None:
        _bind(proof.log_origin, proof.tree_size, proof.root_hash, checkpoint, "")
        check_recorded_before(proof.recorded_at, checkpoint, f"leaf {proof.leaf_index}")
    verify_inclusion(proof.leaf_hash, proof.leaf_index, proof.tree_size, proof.hashes, proof.root_hash)


def check_recorded_before(recorded_at: int | None, checkpoint: Checkpoint, what: str) -> None:
    """A leaf recorded at ``recorded_at`` is below ``checkpoint``: it cannot have been recorded after it was issued.

    Raises:
        ProofError: ``proof.recorded_after_checkpoint``.
    """
    issued = checkpoint.time
    if recorded_at is not None and issued is not None and recorded_at > issued:
        raise ProofError(f"{what} was recorded at {recorded_at}, after the checkpoint's time {issued}",
                         code="proof.recorded_after_checkpoint")


def _bind(origin: str, size: int, root_hash: bytes, checkpoint: Checkpoint, which: str) -> None:
    label = f"{which} checkpoint" if which else "checkpoint"
    if origin != checkpoint.origin:
        raise ProofError(f"proof is for log {origin!r}, the {label} for {checkpoint.origin!r}")
    if size != checkpoint.size:
        raise ProofError(f"proof is for tree size {size}, the {label} has size {checkpoint.size}")
    if root_hash != checkpoint.root_hash:
        raise RootMismatchError(checkpoint.root_hash, root_hash, f"proof root differs from the {label}'s root")


# --- the C2SP tlog-proof text form -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TlogProof:
    """A c2sp.org/tlog-proof@v1: leaf index, inclusion proof hashes, and the signed checkpoint note verbatim."""

    index: int
    hashes: tuple[bytes, ...]
    checkpoint: str
    extra: bytes | None = None

    def __post_init__(self) -> None:
        if type(self.index) is not int or not 0 <= self.index < 2**64:
            raise ProofError("tlog-proof index must be an integer in 0..2^64-1", code="proof.out_of_range")
        _check_hashes(self.hashes)
        if self.extra is not None and (type(self.extra) is not bytes or not self.extra):
            raise ProofError("tlog-proof extra data must be non-empty bytes or absent")
        body, _ = split_note(self.checkpoint)
        Checkpoint.parse(body)

    def to_text(self) -> str:
        """The text form, ending with the checkpoint note (which ends with a newline)."""
        lines = [TLOG_PROOF_HEADER]
        if self.extra is not None:
            lines.append("extra " + _b64(self.extra))
        lines.append(f"index {self.index}")
        lines.extend(_b64(h) for h in self.hashes)
        return "".join(line + "\n" for line in lines) + "\n" + self.checkpoint

    @classmethod
    def parse(cls, text: bytes | str) -> TlogProof:
        """Parse the text form strictly; the checkpoint part is checked for syntax, not signatures.

        Raises:
            ProofError: a malformed header, extra, index or hash line; NoteError: a malformed checkpoint note.
        """
        decoded = _decode_proof_text(text)
        head, sep, note = decoded.partition("\n\n")
        if not sep:
            raise ProofError("tlog-proof has no blank line before the checkpoint")
        lines = head.split("\n")
        if lines[0] != TLOG_PROOF_HEADER:
            raise ProofError(f"tlog-proof must start with the line {TLOG_PROOF_HEADER!r}")
        rest = lines[1:]
        extra = None
        if rest and rest[0].startswith("extra "):
            extra = _b64_or_proof_error(rest[0][len("extra ") :], "tlog-proof extra data")
            if not extra:
                raise ProofError("tlog-proof extra line carries no data")
            rest = rest[1:]
        if not rest or not rest[0].startswith("index "):
            raise ProofError("tlog-proof has no 'index N' line")
        index = _parse_decimal(rest[0][len("index ") :], "tlog-proof index")
        hashes = rest[1:]
        if len(hashes) > MAX_PROOF_HASHES:
            raise ProofError(f"tlog-proof has more than {MAX_PROOF_HASHES} proof lines")
        decoded_hashes = tuple(_b64_or_proof_error(h, f"tlog-proof hash line {i}") for i, h in enumerate(hashes))
        return cls(index, decoded_hashes, note, extra)


def verify_tlog_proof(
    proof: TlogProof,
    leaf: bytes,
    log_keys: NoteVerifier | Sequence[NoteVerifier],
    *,
    witnesses: Sequence[WitnessVerifier] = (),
    min_witnesses: int = 0,
    origin: str | None = None,
    recorded_at: int | None = None,
) -> SignedCheckpoint:
    """Verify a tlog-proof for the leaf hash ``leaf``: the checkpoint's signatures, then inclusion in its tree;
    with ``recorded_at`` (the recorded time the leaf commits to) also that it is not after the checkpoint's time.

    Raises:
        NoteError: the checkpoint is malformed, has the wrong origin, or lacks the required signatures.
        ProofError / RootMismatchError: the inclusion proof does not verify against the checkpoint, or the leaf was
            recorded after it (``proof.recorded_after_checkpoint``).
    """
    signed = open_checkpoint(
        proof.checkpoint, log_keys, witnesses=witnesses, min_witnesses=min_witnesses, origin=origin
    )
    cp = signed.checkpoint
    verify_inclusion(leaf, proof.index, cp.size, proof.hashes, cp.root_hash)
    check_recorded_before(recorded_at, cp, f"leaf {proof.index}")
    return signed


# --- field helpers -----------------------------------------------------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _b64_or_proof_error(text: str, what: str) -> bytes:
    try:
        return b64decode_strict(text, what)
    except NoteError as e:
        raise ProofError(e.message) from None


def _decode_proof_text(text: bytes | str) -> str:
    if isinstance(text, str):
        text = text.encode("utf-8", "surrogatepass")
    if len(text) > MAX_NOTE_BYTES + 64 * (MAX_PROOF_HASHES + 2):
        raise ProofError("tlog-proof is too large")
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        raise ProofError("tlog-proof is not valid UTF-8") from None
    if any(ch < " " and ch != "\n" for ch in decoded):
        raise ProofError("tlog-proof contains a control character")
    return decoded


def _parse_decimal(text: str, what: str) -> int:
    if not _DECIMAL.match(text):
        raise ProofError(f"{what} {text!r} is not a decimal without leading zeros")
    value = int(text)
    if value >= 2**64:
        raise ProofError(f"{what} does not fit in 64 bits", code="proof.out_of_range")
    return value


def _check_fields(obj: dict[str, Any], required: set[str], optional: frozenset[str] | set[str] = frozenset()) -> None:
    missing = sorted(required - obj.keys())
    if missing:
        raise ProofError(f"proof is missing the field {missing[0]!r}")
    unknown = sorted(obj.keys() - required - optional)
    if unknown:
        raise ProofError(f"proof has the unknown field {unknown[0]!r}")


def _str_field(obj: dict[str, Any], name: str) -> str:
    value = obj[name]
    if type(value) is not str:
        raise ProofError(f"{name} must be a string")
    return value


def _int_field(obj: dict[str, Any], name: str) -> int:
    value = obj[name]
    if type(value) is not int:
        raise ProofError(f"{name} must be an integer")
    return value


def _hex(value: object, name: str) -> bytes:
    if type(value) is not str or not _HEX.match(value):
        raise ProofError(f"{name} must be {2 * HASH_SIZE} lowercase hex digits")
    return bytes.fromhex(value)


def _hex_field(obj: dict[str, Any], name: str) -> bytes:
    return _hex(obj[name], name)


def _hex_list_field(obj: dict[str, Any], name: str) -> tuple[bytes, ...]:
    value = obj[name]
    if type(value) is not list:
        raise ProofError(f"{name} must be an array of hex hashes")
    if len(value) > MAX_PROOF_HASHES:
        raise ProofError(f"{name} has more than {MAX_PROOF_HASHES} entries")
    return tuple(_hex(item, f"{name}[{i}]") for i, item in enumerate(value))


def _check_origin(origin: str) -> None:
    if type(origin) is not str or not origin:
        raise ProofError("log_origin must be a non-empty string")
    if any(ch < " " for ch in origin):
        raise ProofError("log_origin contains a control character")


def _check_int(name: str, value: int) -> None:
    if type(value) is not int:
        raise ProofError(f"{name} must be an integer")
    if not 0 <= value <= MAX_JSON_INTEGER:
        raise ProofError(f"{name} {value} is outside 0..2^53-1", code="proof.out_of_range")


def _check_hash(name: str, value: bytes | None) -> None:
    if type(value) is not bytes or len(value) != HASH_SIZE:
        raise ProofError(f"{name} must be {HASH_SIZE} bytes")


def _check_hashes(hashes: tuple[bytes, ...]) -> None:
    if type(hashes) is not tuple:
        raise ProofError("hashes must be a tuple of 32-byte hashes")
    if len(hashes) > MAX_PROOF_HASHES:
        raise ProofError(f"a proof has at most {MAX_PROOF_HASHES} hashes")
    for i, h in enumerate(hashes):
        _check_hash(f"hashes[{i}]", h)
