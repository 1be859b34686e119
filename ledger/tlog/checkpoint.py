"""C2SP signed notes, transparency-log checkpoints and witness cosignatures.

Implements, with no I/O:

* c2sp.org/signed-note — a UTF-8 text ending in a newline, a blank line, then signature lines
  ``— <key name> base64(key ID ‖ signature)``. Ed25519 key IDs are
  ``SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]``; verifier keys are ``name+<8 hex>+base64(type ‖ public key)``.
* c2sp.org/tlog-checkpoint — the note text ``origin \\n size \\n base64(root) \\n [extension lines]``.
* c2sp.org/tlog-cosignature (v1) — a signature of type 0x04 whose 72 bytes are ``u64 timestamp ‖ Ed25519 sig``
  over ``"cosignature/v1\\ntime <t>\\n" ‖ checkpoint text``.

Parsing is strict and every malformation is a :class:`NoteError` with code ``note.invalid``; a note that no
trusted key signed (or that a trusted key's signature fails on) is a NoteError with code ``note.unverified``.
Signature lines are handled *without* their trailing newline; functions that build note text add it.
See docs/FORMAT.md §II.4 for the exact rules and the choices made where the specs leave room.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol, Self

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.core.errors import ConfigurationError, NoteError
from ledger.core.identifiers import instant_from_text

__all__ = [
    "COSIGNATURE_V1_HEADER",
    "MAX_NOTE_BYTES",
    "MAX_SIGNATURES",
    "MAX_SIGNATURE_LINE_BYTES",
    "SIG_TYPE_COSIGNATURE_V1",
    "SIG_TYPE_ED25519",
    "TIME_EXTENSION",
    "Checkpoint",
    "Cosignature",
    "NoteSignature",
    "NoteSigner",
    "NoteVerifier",
    "OpenedNote",
    "SignedCheckpoint",
    "SplitNote",
    "Verifier",
    "WitnessSigner",
    "WitnessVerifier",
    "add_signatures",
    "b64decode_strict",
    "cosign",
    "cosignature_message",
    "format_signature_line",
    "key_id",
    "open_checkpoint",
    "open_note",
    "parse_signature_line",
    "parse_verifier_key",
    "sign_note",
    "split_note",
    "validate_key_name",
    "verify_cosignature",
]

SIG_TYPE_ED25519 = 0x01
TIME_EXTENSION = "time "
"""The checkpoint extension line that carries the operator's issue time (docs/FORMAT.md §II.4)."""
SIG_TYPE_COSIGNATURE_V1 = 0x04
COSIGNATURE_V1_HEADER = b"cosignature/v1\n"
MAX_SIGNATURES = 100
"""Signature lines accepted per note (the spec requires at least 16; Go's sumdb/note caps at 100)."""
MAX_NOTE_BYTES = 1 << 20
MAX_SIGNATURE_LINE_BYTES = 8192
"""Room for a post-quantum signature (~5 kB raw, ~6.6 kB base64) plus a key name."""

_SIG_PREFIX = "\u2014 "  # em dash, space
_DECIMAL = re.compile(r"(?:0|[1-9][0-9]*)\Z")
_HEX8 = re.compile(r"[0-9a-f]{8}\Z")
_U64 = 2**64 - 1
_HASH_SIZE = 32


# --- small helpers -----------------------------------------------------------------------------------------------


def _fail(message: str) -> NoteError:
    return NoteError(message, code="note.invalid")


def b64decode_strict(text: str, what: str) -> bytes:
    """Decode standard, padded, canonical base64 (RFC 4648 §4) or raise NoteError naming ``what``."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise _fail(f"{what} is not valid base64") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise _fail(f"{what} is not canonical base64")
    return raw


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _decode_note_text(note: bytes | str, what: str) -> str:
    """UTF-8 text with no ASCII control character other than newline, within MAX_NOTE_BYTES."""
    raw = note.encode("utf-8", "surrogatepass") if isinstance(note, str) else bytes(note)
    if len(raw) > MAX_NOTE_BYTES:
        raise _fail(f"{what} is {len(raw)} bytes, more than the limit of {MAX_NOTE_BYTES}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _fail(f"{what} is not valid UTF-8") from None
    for ch in text:
        if ch < " " and ch != "\n":
            raise _fail(f"{what} contains the control character U+{ord(ch):04X}")
    return text


def validate_key_name(name: str) -> None:
    """A key name must be non-empty, valid text, and contain no Unicode space and no ``+`` (signed-note §Format)."""
    if type(name) is not str or not name:
        raise _fail("key name must be a non-empty string")
    if "+" in name or any(ch.isspace() or ch < " " for ch in name):
        raise _fail(f"key name {name!r} contains a space, a control character or '+'")


def key_id(name: str, sig_type: int, public_key: bytes) -> bytes:
    """The 4-byte key ID: SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4] (signed-note §Signatures)."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([sig_type]) + public_key).digest()[:4]


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


# --- keys --------------------------------------------------------------------------------------------------------


class Verifier(Protocol):
    """Anything that can check one key's signatures in a note."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> bytes: ...

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (without the key ID) is this key's signature on the note text ``text``."""
        ...


class _Ed25519Public:
    """An Ed25519 public key bound to a key name and a signature type."""

    sig_type: int = SIG_TYPE_ED25519

    def __init__(self, name: str, public_key: Ed25519PublicKey | bytes) -> None:
        validate_key_name(name)
        if isinstance(public_key, Ed25519PublicKey):
            raw = _raw_public(public_key)
        else:
            if type(public_key) is not bytes or len(public_key) != 32:
                raise _fail("an Ed25519 public key is 32 bytes")
            raw = public_key
        self._name = name
        self._raw = raw
        self._key = Ed25519PublicKey.from_public_bytes(raw)
        self._key_id = key_id(name, self.sig_type, raw)

    @property
    def name(self) -> str:
        """The key name that appears in signature lines."""
        return self._name

    @property
    def key_id(self) -> bytes:
        """The 4-byte key ID (big-endian uint32 in the signature)."""
        return self._key_id

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte Ed25519 public key."""
        return self._raw

    def vkey(self) -> str:
        """The verifier key string ``name+<hex key ID>+base64(type ‖ public key)``."""
        return f"{self._name}+{self._key_id.hex()}+{_b64(bytes([self.sig_type]) + self._raw)}"

    def _ed25519_ok(self, message: bytes, signature: bytes) -> bool:
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.vkey()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Ed25519Public) and type(other) is type(self) and other.vkey() == self.vkey()

    def __hash__(self) -> int:
        return hash(self.vkey())


class NoteVerifier(_Ed25519Public):
    """Verifies Ed25519 note signatures (type 0x01), e.g. a log's signature on its checkpoints."""

    sig_type = SIG_TYPE_ED25519

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is a valid 64-byte Ed25519 signature on ``text`` (the note text)."""
        return len(signature) == 64 and self._ed25519_ok(text, signature)

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        """Parse a ``name+hex+base64`` verifier key of type 0x01; raise NoteError if malformed or another type."""
        name, raw = _parse_vkey(vkey, SIG_TYPE_ED25519)
        return cls(name, raw)


class WitnessVerifier(_Ed25519Public):
    """Verifies timestamped Ed25519 cosignatures (c2sp.org/tlog-cosignature v1, type 0x04)."""

    sig_type = SIG_TYPE_COSIGNATURE_V1

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether the 72-byte ``signature`` (u64 timestamp ‖ Ed25519) signs the v1 message for ``text``."""
        if len(signature) != 72:
            return False
        timestamp = int.from_bytes(signature[:8], "big")
        return self._ed25519_ok(cosignature_message(text, timestamp), signature[8:])

    @staticmethod
    def timestamp(signature: bytes) -> int:
        """The timestamp (seconds since the UNIX epoch) of a 72-byte cosignature."""
        if len(signature) != 72:
            raise _fail(f"a cosignature is 72 bytes, got {len(signature)}")
        return int.from_bytes(signature[:8], "big")

    @classmethod
    def from_vkey(cls, vkey: str) -> WitnessVerifier:
        """Parse a ``name+hex+base64`` verifier key of type 0x04; raise NoteError if malformed or another type."""
        name, raw = _parse_vkey(vkey, SIG_TYPE_COSIGNATURE_V1)
        return cls(name, raw)


def _parse_vkey(vkey: str, want_type: int) -> tuple[str, bytes]:
    name, sep1, rest = vkey.partition("+")
    hex_id, sep2, b64 = rest.partition("+")
    if not (sep1 and sep2):
        raise _fail("a verifier key is name+<8 hex digits>+<base64>")
    validate_key_name(name)
    if not _HEX8.match(hex_id):
        raise _fail("a verifier key's key ID must be 8 lowercase hex digits")
    material = b64decode_strict(b64, "verifier key material")
    if len(material) != 33:
        raise _fail(f"verifier key material must be 33 bytes (type ‖ Ed25519 key), got {len(material)}")
    if material[0] != want_type:
        raise _fail(f"verifier key has signature type 0x{material[0]:02x}, expected 0x{want_type:02x}")
    if key_id(name, material[0], material[1:]).hex() != hex_id:
        raise _fail(f"verifier key {name}+{hex_id} does not match its public key")
    return name, material[1:]


def parse_verifier_key(vkey: str) -> NoteVerifier | WitnessVerifier:
    """Parse a verifier key of type 0x01 (log) or 0x04 (witness cosignature) into the matching verifier."""
    _, _, rest = vkey.partition("+")
    _, _, b64 = rest.partition("+")
    try:
        kind = base64.b64decode(b64.encode("ascii"), validate=True)[:1]
    except (binascii.Error, UnicodeEncodeError, ValueError):
        kind = b""
    if kind == bytes([SIG_TYPE_COSIGNATURE_V1]):
        return WitnessVerifier.from_vkey(vkey)
    return NoteVerifier.from_vkey(vkey)


class _Ed25519Private:
    """An Ed25519 private key bound to a key name and a signature type."""

    _verifier_class: type[_Ed25519Public] = _Ed25519Public

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        self._private = private_key
        self._public = self._verifier_class(name, private_key.public_key())

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> Self:
        """Deterministic keys for tests and vectors (a 32-byte RFC 8032 seed)."""
        if len(seed) != 32:
            raise ConfigurationError("an Ed25519 seed is 32 bytes")
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed))

    @property
    def name(self) -> str:
        """The key name that appears in signature lines."""
        return self._public.name

    @property
    def key_id(self) -> bytes:
        """The 4-byte key ID."""
        return self._public.key_id

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte Ed25519 public key."""
        return self._public.public_key

    def vkey(self) -> str:
        """The public verifier key string to hand to verifiers."""
        return self._public.vkey()


class NoteSigner(_Ed25519Private):
    """Signs note text with Ed25519 (type 0x01): the log operator's checkpoint key."""

    _verifier_class = NoteVerifier

    def sign(self, text: bytes) -> bytes:
        """The 64-byte Ed25519 signature on the note text."""
        return self._private.sign(text)

    def verifier(self) -> NoteVerifier:
        """The matching public verifier."""
        return NoteVerifier(self.name, self.public_key)


class WitnessSigner(_Ed25519Private):
    """Produces tlog-cosignature v1 signatures (type 0x04): a witness's key."""

    _verifier_class = WitnessVerifier

    def sign(self, text: bytes, timestamp: int) -> bytes:
        """The 72-byte cosignature (u64 big-endian ``timestamp`` ‖ Ed25519 signature) on checkpoint ``text``."""
        if type(timestamp) is not int or not 0 <= timestamp <= _U64:
            raise _fail("a cosignature timestamp is an integer in 0..2^64-1")
        return timestamp.to_bytes(8, "big") + self._private.sign(cosignature_message(text, timestamp))

    def verifier(self) -> WitnessVerifier:
        """The matching public verifier."""
        return WitnessVerifier(self.name, self.public_key)


def cosignature_message(text: bytes, timestamp: int) -> bytes:
    """The v1 signed message: ``cosignature/v1\\ntime <timestamp>\\n`` followed by the checkpoint text."""
    return COSIGNATURE_V1_HEADER + b"time %d\n" % timestamp + text


# --- signature lines and notes -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One parsed signature line: ``— <name> base64(key_id ‖ signature)``."""

    name: str
    key_id: bytes
    signature: bytes

    @property
    def line(self) -> str:
        """The signature line, without its trailing newline."""
        return format_signature_line(self.name, self.key_id, self.signature)


def format_signature_line(name: str, key_id_: bytes, signature: bytes) -> str:
    """``— <name> base64(key ID ‖ signature)``, without the trailing newline."""
    validate_key_name(name)
    return f"{_SIG_PREFIX}{name} {_b64(key_id_ + signature)}"


def parse_signature_line(line: str) -> NoteSignature:
    """Parse one signature line (no trailing newline); raise NoteError if it is malformed.

    The line is an em dash, a space, a valid key name, one space, and canonical base64 of at least 5 bytes.
    """
    if len(line.encode("utf-8", "surrogatepass")) > MAX_SIGNATURE_LINE_BYTES:
        raise _fail(f"signature line longer than {MAX_SIGNATURE_LINE_BYTES} bytes")
    if not line.startswith(_SIG_PREFIX):
        raise _fail("signature line does not start with an em dash and a space")
    name, sep, b64 = line[len(_SIG_PREFIX) :].partition(" ")
    if not sep:
        raise _fail("signature line has no space between key name and signature")
    validate_key_name(name)
    raw = b64decode_strict(b64, f"signature of key {name}")
    if len(raw) < 5:
        raise _fail(f"signature of key {name} is too short")
    return NoteSignature(name, raw[:4], raw[4:])


class SplitNote(NamedTuple):
    text: bytes  # with its final newline
    signatures: list[NoteSignature]


def split_note(note: bytes | str) -> SplitNote:
    """Split a signed note into its text (with final newline) and its parsed signature lines; verify nothing.

    The text ends at the *last* blank line; there must be at least one signature line and a final newline.
    """
    text = _decode_note_text(note, "note")
    split = text.rfind("\n\n")
    if split < 0:
        raise _fail("note has no blank line before its signatures")
    body, block = text[: split + 1], text[split + 2 :]
    if not block:
        raise _fail("note has no signature lines")
    if not block.endswith("\n"):
        raise _fail("note does not end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise _fail(f"note has {len(lines)} signature lines, more than the limit of {MAX_SIGNATURES}")
    return SplitNote(body.encode("utf-8"), [parse_signature_line(line) for line in lines])


@dataclass(frozen=True, slots=True)
class OpenedNote:
    """A note whose signatures by known keys all verified."""

    text: bytes
    verified: tuple[NoteSignature, ...]
    unverified: tuple[NoteSignature, ...]

    def signed_by(self, verifier: Verifier) -> NoteSignature | None:
        """The verified signature of ``verifier``'s key, if present."""
        for sig in self.verified:
            if sig.name == verifier.name and sig.key_id == verifier.key_id:
                return sig
        return None


def _index_verifiers(verifiers: Iterable[Verifier]) -> dict[tuple[str, bytes], Verifier]:
    known: dict[tuple[str, bytes], Verifier] = {}
    for v in verifiers:
        ident = (v.name, v.key_id)
        if ident in known:
            raise ConfigurationError(f"two trusted keys share the name {v.name} and key ID {v.key_id.hex()}")
        known[ident] = v
    return known


def open_note(note: bytes | str, verifiers: Iterable[Verifier], *, min_signatures: int = 1) -> OpenedNote:
    """Parse a signed note and verify every signature by a known key (signed-note §Signatures).

    Signatures whose (name, key ID) match no verifier are ignored (returned as ``unverified``). A known key's
    signature that fails rejects the whole note, and so does a second signature line by the same known key.

    Raises:
        NoteError: ``note.invalid`` if malformed; ``note.unverified`` if a known key's signature fails or fewer
            than ``min_signatures`` known keys signed.
        ConfigurationError: two verifiers share a name and key ID.
    """
    text, signatures = split_note(note)
    known = _index_verifiers(verifiers)
    verified: list[NoteSignature] = []
    unverified: list[NoteSignature] = []
    seen: set[tuple[str, bytes]] = set()
    for sig in signatures:
        ident = (sig.name, sig.key_id)
        verifier = known.get(ident)
        if verifier is None:
            unverified.append(sig)
            continue
        if ident in seen:
            raise _fail(f"note has two signatures by key {sig.name}+{sig.key_id.hex()}")
        seen.add(ident)
        if not verifier.verify(text, sig.signature):
            raise NoteError(f"signature by key {sig.name}+{sig.key_id.hex()} does not verify", code="note.unverified")
        verified.append(sig)
    if len(verified) < max(min_signatures, 1):
        raise NoteError(
            f"note has {len(verified)} valid signatures by trusted keys, needs {max(min_signatures, 1)}",
            code="note.unverified",
        )
    return OpenedNote(text, tuple(verified), tuple(unverified))


def _check_note_text(text: bytes) -> str:
    decoded = _decode_note_text(text, "note text")
    if not decoded.endswith("\n"):
        raise _fail("note text must end with a newline")
    return decoded


def sign_note(text: bytes, signers: Sequence[NoteSigner]) -> str:
    """Sign ``text`` (UTF-8, newline-terminated, no control characters) with each signer; return the note."""
    decoded = _check_note_text(text)
    if not signers:
        raise _fail("a signed note needs at least one signature")
    lines = [format_signature_line(s.name, s.key_id, s.sign(text)) for s in signers]
    return decoded + "\n" + "".join(line + "\n" for line in lines)


def add_signatures(note: str, lines: Iterable[str]) -> str:
    """Append signature lines (e.g. collected cosignatures) to a signed note.

    A line identical to one already present is skipped; a different line by the same (name, key ID) is a
    NoteError, as is any malformed line or exceeding MAX_SIGNATURES. Signatures are not verified here.
    """
    _, existing = split_note(note)
    by_key = {(s.name, s.key_id): s.line for s in existing}
    out = note
    for line in lines:
        sig = parse_signature_line(line)
        present = by_key.get((sig.name, sig.key_id))
        if present == sig.line:
            continue
        if present is not None:
            raise _fail(f"note already has a different signature by key {sig.name}+{sig.key_id.hex()}")
        by_key[(sig.name, sig.key_id)] = sig.line
        out += sig.line + "\n"
    if len(by_key) > MAX_SIGNATURES:
        raise _fail(f"note would have more than {MAX_SIGNATURES} signatures")
    return out


# --- checkpoints -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A tlog-checkpoint note text: origin, tree size, root hash, optional extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line(self.origin, "checkpoint origin")
        if type(self.size) is not int or not 0 <= self.size <= _U64:
            raise _fail("checkpoint tree size must be an integer in 0..2^64-1")
        if type(self.root_hash) is not bytes or len(self.root_hash) != _HASH_SIZE:
            raise _fail("checkpoint root hash must be 32 bytes")
        if type(self.extensions) is not tuple:
            raise _fail("checkpoint extensions must be a tuple of lines")
        for line in self.extensions:
            _check_line(line, "checkpoint extension line")

    @property
    def time(self) -> int | None:
        """The instant of its ``time YYYY-MM-DDTHH:MM:SSZ`` extension line (docs/FORMAT.md §II.8), if it has one.

        Raises:
            NoteError: the line is there but its instant is malformed, or there are two of them.
        """
        found = [line[len(TIME_EXTENSION):] for line in self.extensions if line.startswith(TIME_EXTENSION)]
        if not found:
            return None
        if len(found) > 1:
            raise _fail("checkpoint has more than one time line")
        try:
            return instant_from_text(found[0])
        except ValueError:
            raise _fail(f"checkpoint time {found[0]!r} is not YYYY-MM-DDTHH:MM:SSZ") from None

    def body(self) -> bytes:
        """The note text: ``origin\\nsize\\nbase64(root)\\n`` plus one line per extension."""
        lines = [self.origin, str(self.size), _b64(self.root_hash), *self.extensions]
        return "".join(line + "\n" for line in lines).encode("utf-8")

    @classmethod
    def parse(cls, text: bytes | str) -> Checkpoint:
        """Parse checkpoint note text strictly (tlog-checkpoint §Note text); raise NoteError if malformed.

        At least three lines, each non-empty and newline-terminated; the size in decimal without leading zeros;
        the root hash canonical base64 of exactly 32 bytes.
        """
        decoded = _decode_note_text(text, "checkpoint")
        if not decoded.endswith("\n"):
            raise _fail("checkpoint text must end with a newline")
        lines = decoded[:-1].split("\n")
        if len(lines) < 3:
            raise _fail(f"checkpoint needs at least 3 lines, got {len(lines)}")
        origin, size_text, root_text, *extensions = lines
        if not _DECIMAL.match(size_text):
            raise _fail(f"checkpoint tree size {size_text!r} is not a decimal without leading zeros")
        size = int(size_text)
        if size > _U64:
            raise _fail("checkpoint tree size does not fit in 64 bits")
        root_hash = b64decode_strict(root_text, "checkpoint root hash")
        if len(root_hash) != _HASH_SIZE:
            raise _fail(f"checkpoint root hash must be 32 bytes, got {len(root_hash)}")
        return cls(origin, size, root_hash, tuple(extensions))


def _check_line(line: str, what: str) -> None:
    if type(line) is not str or not line:
        raise _fail(f"{what} must be a non-empty string")
    if any(ch < " " for ch in line):
        raise _fail(f"{what} contains a newline or control character")


@dataclass(frozen=True, slots=True)
class Cosignature:
    """A verified witness cosignature on a checkpoint."""

    name: str
    key_id: bytes
    timestamp: int


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    """A checkpoint whose log signature (and the listed cosignatures) verified."""

    checkpoint: Checkpoint
    note: str
    log_signatures: tuple[NoteSignature, ...]
    cosignatures: tuple[Cosignature, ...]


def open_checkpoint(
    note: bytes | str,
    log_keys: NoteVerifier | Sequence[NoteVerifier],
    *,
    witnesses: Sequence[WitnessVerifier] = (),
    min_witnesses: int = 0,
    origin: str | None = None,
) -> SignedCheckpoint:
    """Verify a checkpoint note: a log key signed it, its origin is right, and enough witnesses cosigned it.

    ``origin`` defaults to the log key's name (our logs name their key after their origin). Signatures by keys
    in neither list are ignored.

    Raises:
        NoteError: malformed note or checkpoint (``note.invalid``), wrong origin (``note.origin``), no valid log
            signature or too few valid cosignatures (``note.unverified``).
    """
    logs = [log_keys] if isinstance(log_keys, NoteVerifier) else list(log_keys)
    if not logs:
        raise ConfigurationError("open_checkpoint needs at least one log key")
    expected = logs[0].name if origin is None else origin
    opened = open_note(note, [*logs, *witnesses], min_signatures=1)
    log_sigs = tuple(s for s in opened.verified if any(opened.signed_by(v) is s for v in logs))
    if not log_sigs:
        raise NoteError("checkpoint is not signed by the log's key", code="note.unverified")
    checkpoint = Checkpoint.parse(opened.text)
    if checkpoint.origin != expected:
        raise NoteError(f"checkpoint origin {checkpoint.origin!r} is not {expected!r}", code="note.origin")
    cosigs = tuple(
        Cosignature(s.name, s.key_id, WitnessVerifier.timestamp(s.signature))
        for s in opened.verified
        if s not in log_sigs
    )
    if len(cosigs) < min_witnesses:
        raise NoteError(
            f"checkpoint has {len(cosigs)} valid witness cosignatures, needs {min_witnesses}", code="note.unverified"
        )
    decoded = note if isinstance(note, str) else note.decode("utf-8")
    return SignedCheckpoint(checkpoint, decoded, log_sigs, cosigs)


def cosign(checkpoint: Checkpoint, signer: WitnessSigner, timestamp: int) -> str:
    """The witness's cosignature line (no trailing newline) on ``checkpoint`` at ``timestamp`` (UNIX seconds)."""
    return format_signature_line(signer.name, signer.key_id, signer.sign(checkpoint.body(), timestamp))


def verify_cosignature(checkpoint: Checkpoint, line: str, verifier: WitnessVerifier) -> int:
    """Check one cosignature line by ``verifier`` on ``checkpoint``; return its timestamp.

    Raises:
        NoteError: the line is malformed (``note.invalid``), by another key, or does not verify (``note.unverified``).
    """
    sig = parse_signature_line(line)
    if (sig.name, sig.key_id) != (verifier.name, verifier.key_id):
        raise NoteError(
            f"cosignature is by {sig.name}+{sig.key_id.hex()}, not {verifier.name}", code="note.unverified"
        )
    if not verifier.verify(checkpoint.body(), sig.signature):
        raise NoteError(f"cosignature by {verifier.name} does not verify", code="note.unverified")
    return WitnessVerifier.timestamp(sig.signature)
