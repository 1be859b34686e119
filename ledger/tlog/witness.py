"""A transparency-log witness (c2sp.org/tlog-witness): verify, refuse rollbacks and forks, persist, cosign.

:class:`Witness` is a pure state machine over a :class:`WitnessStateStore`; the file I/O lives in
:class:`ledger.adapters.witness_state.WitnessStateFile`. For each trusted log (keyed by checkpoint origin) the
witness keeps the latest (size, root hash) it cosigned, and :meth:`Witness.add_checkpoint` does, in order:

=====================================================  ==========================================  ======
check                                                  error                                       HTTP
=====================================================  ==========================================  ======
request body or checkpoint note malformed              ProofError / NoteError ``note.invalid``     400
origin not trusted                                     NotFoundError ``witness.unknown_origin``    404
no valid signature by the log's key                    NoteError ``note.unverified``               403
old size > checkpoint size, witness holds more         WitnessRollbackError                        400
old size > checkpoint size, otherwise                  ProofError ``proof.out_of_range``           400
old size != size the witness holds                     WitnessSizeMismatchError(witness_size)      409
same size as held but a different root                 WitnessForkError ``witness.fork``           409
consistency proof does not verify                      WitnessForkError ``witness.inconsistent``   422
=====================================================  ==========================================  ======

then persists the new (size, root) — atomically with the checks, under the store's lock — and only then returns
the cosignature line. :func:`error_response` turns an error into the spec's status, content type and body
(for 409 size mismatches: ``text/x.tlog.size`` and the witness's size in decimal).
"""

from __future__ import annotations

import base64
import contextlib
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ledger.core.errors import (
    ConfigurationError,
    LedgerError,
    NoteError,
    NotFoundError,
    ProofError,
    WitnessForkError,
    WitnessRollbackError,
    WitnessSizeMismatchError,
)
from ledger.tlog.checkpoint import (
    MAX_NOTE_BYTES,
    Checkpoint,
    NoteVerifier,
    WitnessSigner,
    b64decode_strict,
    cosign,
    open_note,
    parse_signature_line,
    split_note,
)
from ledger.tlog.merkle import EMPTY_ROOT, HASH_SIZE, verify_consistency

__all__ = [
    "MAX_PROOF_LINES",
    "STATE_FORMAT",
    "AddCheckpointRequest",
    "InMemoryWitnessState",
    "Witness",
    "WitnessState",
    "WitnessStateStore",
    "decode_state",
    "encode_state",
    "error_response",
    "parse_add_checkpoint",
    "parse_cosignature_response",
]

MAX_PROOF_LINES = 63
"""tlog-witness: a client MUST NOT send more than 63 consistency proof lines."""
STATE_FORMAT = "liftledger-witness-state/v1"
SIZE_CONTENT_TYPE = "text/x.tlog.size"

_OLD_LINE = re.compile(r"old (0|[1-9][0-9]*)\Z")
_U64 = 2**64 - 1


@dataclass(frozen=True, slots=True)
class WitnessState:
    """The latest checkpoint a witness cosigned for one log."""

    size: int
    root_hash: bytes


class WitnessStateStore(Protocol):
    """Per-origin witness state. ``locked()`` must make check-then-put atomic against concurrent requests."""

    def locked(self) -> contextlib.AbstractContextManager[None]: ...

    def get(self, origin: str) -> WitnessState | None: ...

    def put(self, origin: str, state: WitnessState) -> None: ...


class InMemoryWitnessState:
    """A state store in a dict (tests, simulations); the lock is a process-local mutex."""

    def __init__(self) -> None:
        self._states: dict[str, WitnessState] = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the process-local mutex."""
        with self._lock:
            yield

    def get(self, origin: str) -> WitnessState | None:
        """The state held for ``origin``, if any."""
        return self._states.get(origin)

    def put(self, origin: str, state: WitnessState) -> None:
        """Record ``state`` for ``origin``."""
        self._states[origin] = state


# --- the add-checkpoint request body -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AddCheckpointRequest:
    """The body of POST <prefix>/add-checkpoint: old size, consistency proof, signed checkpoint note."""

    old_size: int
    proof: tuple[bytes, ...]
    checkpoint: str

    def to_bytes(self) -> bytes:
        """``old N\\n``, one base64 hash per line, a blank line, then the note."""
        lines = [f"old {self.old_size}", *(base64.b64encode(h).decode("ascii") for h in self.proof)]
        return ("".join(line + "\n" for line in lines) + "\n" + self.checkpoint).encode("utf-8")


def parse_add_checkpoint(body: bytes) -> AddCheckpointRequest:
    """Parse an add-checkpoint request body strictly (tlog-witness §add-checkpoint).

    The old size line is ``old <decimal without leading zeros>``; at most 63 proof lines follow, each the
    canonical base64 of a 32-byte hash; then an empty line and the checkpoint (parsed later, by the witness).

    Raises:
        ProofError: a malformed old size or proof line (HTTP 400).
    """
    if len(body) > MAX_NOTE_BYTES + 64 * (MAX_PROOF_LINES + 1):
        raise ProofError("add-checkpoint request is too large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ProofError("add-checkpoint request is not valid UTF-8") from None
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise ProofError("add-checkpoint request has no empty line before the checkpoint")
    lines = head.split("\n")
    match = _OLD_LINE.match(lines[0])
    if not match:
        raise ProofError("add-checkpoint request must start with 'old <size>' (decimal, no leading zeros)")
    old_size = int(match.group(1))
    if old_size > _U64:
        raise ProofError("old size does not fit in 64 bits", code="proof.out_of_range")
    proof_lines = lines[1:]
    if len(proof_lines) > MAX_PROOF_LINES:
        raise ProofError(f"add-checkpoint request has {len(proof_lines)} proof lines, more than {MAX_PROOF_LINES}")
    return AddCheckpointRequest(old_size, tuple(_proof_hash(line, i) for i, line in enumerate(proof_lines)), note)


def _proof_hash(line: str, i: int) -> bytes:
    try:
        raw = b64decode_strict(line, f"proof line {i}")
    except NoteError as e:
        raise ProofError(e.message) from None
    if len(raw) != HASH_SIZE:
        raise ProofError(f"proof line {i} is {len(raw)} bytes, not {HASH_SIZE}")
    return raw


def parse_cosignature_response(body: bytes) -> list[str]:
    """Split a witness's 200 response into signature lines (without newlines), checking their syntax only.

    Verify them with :func:`ledger.tlog.checkpoint.verify_cosignature`, or append them with ``add_signatures`` and
    open the note with the trusted witness keys.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise NoteError("witness response is not valid UTF-8") from None
    if not text or not text.endswith("\n"):
        raise NoteError("witness response must be one or more newline-terminated signature lines")
    lines = text[:-1].split("\n")
    for line in lines:
        parse_signature_line(line)
    return lines


# --- the witness -------------------------------------------------------------------------------------------------


class Witness:
    """A witness for a fixed set of logs, with its cosigning key and a state store."""

    def __init__(
        self,
        signer: WitnessSigner,
        trusted_logs: Mapping[str, NoteVerifier | Sequence[NoteVerifier]],
        state: WitnessStateStore,
    ) -> None:
        """``trusted_logs`` maps each checkpoint origin to the log's key (or keys, during a rotation)."""
        self._signer = signer
        self._logs = {
            origin: (keys,) if isinstance(keys, NoteVerifier) else tuple(keys)
            for origin, keys in trusted_logs.items()
        }
        self._state = state

    @property
    def name(self) -> str:
        """The witness's key name, which appears in its cosignature lines."""
        return self._signer.name

    def handle_add_checkpoint(self, body: bytes, now: int) -> bytes:
        """Serve one add-checkpoint request body; return the 200 response body (cosignature lines).

        Raises the errors listed in the module docstring; map them with :func:`error_response`.
        """
        request = parse_add_checkpoint(body)
        lines = self.add_checkpoint(request.old_size, request.proof, request.checkpoint, now)
        return "".join(line + "\n" for line in lines).encode("utf-8")

    def add_checkpoint(self, old_size: int, proof: Sequence[bytes], note: str | bytes, now: int) -> list[str]:
        """Verify ``note`` and the consistency ``proof`` from ``old_size``; persist; return cosignature lines.

        ``now`` is the cosignature timestamp in seconds since the UNIX epoch (an injected clock). Nothing is
        persisted unless every check passes, and the new state is persisted before this returns.
        """
        if type(now) is not int or not 0 <= now <= _U64:
            raise ConfigurationError(f"the witness clock gave an invalid timestamp {now!r}")
        checkpoint = self._verified_checkpoint(note)
        if type(old_size) is not int or not 0 <= old_size <= _U64:
            raise ProofError("old size must be an integer in 0..2^64-1", code="proof.out_of_range")
        with self._state.locked():
            held = self._state.get(checkpoint.origin)
            self._check_sizes(old_size, checkpoint, held)
            held_root = held.root_hash if held is not None else EMPTY_ROOT
            self._check_consistency(old_size, checkpoint, held_root, proof)
            new_state = WitnessState(checkpoint.size, checkpoint.root_hash)
            if new_state != held:
                self._state.put(checkpoint.origin, new_state)
        return [cosign(checkpoint, self._signer, now)]

    def _verified_checkpoint(self, note: str | bytes) -> Checkpoint:
        body, _ = split_note(note)
        checkpoint = Checkpoint.parse(body)
        keys = self._logs.get(checkpoint.origin)
        if keys is None:
            raise NotFoundError(f"unknown log origin {checkpoint.origin!r}", code="witness.unknown_origin")
        open_note(note, keys)
        return checkpoint

    @staticmethod
    def _check_sizes(old_size: int, checkpoint: Checkpoint, held: WitnessState | None) -> None:
        held_size = held.size if held is not None else 0
        if old_size > checkpoint.size:
            if checkpoint.size < held_size:
                raise WitnessRollbackError(
                    f"checkpoint size {checkpoint.size} is smaller than the size {held_size} this witness cosigned"
                )
            raise ProofError(
                f"old size {old_size} is larger than checkpoint size {checkpoint.size}", code="proof.out_of_range"
            )
        if old_size != held_size:
            raise WitnessSizeMismatchError(
                f"old size {old_size} is not the size {held_size} this witness holds", witness_size=held_size
            )

    @staticmethod
    def _check_consistency(old_size: int, checkpoint: Checkpoint, held_root: bytes, proof: Sequence[bytes]) -> None:
        if old_size == checkpoint.size and held_root != checkpoint.root_hash:
            raise WitnessForkError(
                f"checkpoint of size {checkpoint.size} has root {checkpoint.root_hash.hex()}, "
                f"but this witness cosigned root {held_root.hex()} at that size",
                code="witness.fork",
            )
        try:
            verify_consistency(old_size, checkpoint.size, held_root, checkpoint.root_hash, list(proof))
        except ProofError as e:
            raise WitnessForkError(
                f"consistency proof from size {old_size} to {checkpoint.size} does not verify: {e.message}",
                code="witness.inconsistent",
            ) from e


def error_response(error: LedgerError) -> tuple[int, str, bytes]:
    """The tlog-witness HTTP (status, content type, body) for an error raised by :class:`Witness`."""
    if isinstance(error, WitnessSizeMismatchError):
        return 409, SIZE_CONTENT_TYPE, f"{error.witness_size}\n".encode("ascii")
    status = _status(error)
    return status, "text/plain; charset=utf-8", (error.message + "\n").encode("utf-8")


def _status(error: LedgerError) -> int:
    if isinstance(error, WitnessForkError):
        return 422 if error.code == "witness.inconsistent" else 409
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, NoteError):
        return 403 if error.code == "note.unverified" else 400
    if isinstance(error, (WitnessRollbackError, ProofError)):
        return 400
    return 500


# --- the state file's form (its I/O lives in ledger/adapters/witness_state.py) ---------------------------------


def encode_state(states: Mapping[str, WitnessState]) -> dict[str, Any]:
    logs = {origin: {"size": s.size, "root_hash": s.root_hash.hex()} for origin, s in states.items()}
    return {"format": STATE_FORMAT, "logs": logs}


def decode_state(obj: Any) -> dict[str, WitnessState]:
    if type(obj) is not dict or set(obj) != {"format", "logs"} or obj["format"] != STATE_FORMAT:
        raise ValueError(f"expected an object with format {STATE_FORMAT!r} and logs")
    if type(obj["logs"]) is not dict:
        raise ValueError("logs must be an object")
    states: dict[str, WitnessState] = {}
    for origin, entry in obj["logs"].items():
        if type(entry) is not dict or set(entry) != {"size", "root_hash"}:
            raise ValueError(f"log {origin!r} must have exactly size and root_hash")
        size, root_hex = entry["size"], entry["root_hash"]
        if type(size) is not int or not 0 <= size <= _U64:
            raise ValueError(f"log {origin!r} has an invalid size")
        if type(root_hex) is not str or not re.fullmatch(r"[0-9a-f]{64}", root_hex):
            raise ValueError(f"log {origin!r} has an invalid root_hash")
        states[origin] = WitnessState(size, bytes.fromhex(root_hex))
    return states
