"""The ledger's error hierarchy.

Every error carries a stable, machine-readable ``code`` (used by the CLI, the HTTP API and the Kafka dead-letter
topic) and a human message. The tree is small on purpose::

    LedgerError
    ├── SubmissionError            a submitted envelope was refused (HTTP 4xx, a dead letter)
    │   ├── SchemaError                schema.invalid, with the field path
    │   ├── SignatureError             signature.invalid
    │   ├── KeyStateError              key.unknown / key.revoked / key.not_yet_valid / key.expired
    │   ├── AuthorizationError         role.forbidden / licence.invalid / relationship.missing / certificate.invalid
    │   ├── InvariantError             invariant.<name>
    │   ├── ElevatorUnknownError       elevator.unknown
    │   └── ElevatorDecommissionedError elevator.decommissioned
    ├── IntegrityError             stored or received data does not verify
    │   ├── ChainBrokenError           a hash chain or its seq is broken, located by stream and seq
    │   ├── ProofError                 a Merkle proof is malformed or does not verify
    │   │   └── RootMismatchError      the proof leads to another root
    │   └── NoteError                  a checkpoint note is malformed or badly signed
    ├── ConflictError              the request contradicts recorded state
    │   ├── VersionConflictError       another writer appended first (retried, never forked)
    │   ├── WitnessRollbackError       a witness was shown a smaller tree than it saw
    │   ├── WitnessForkError           a witness was shown a tree inconsistent with the one it saw
    │   └── WitnessSizeMismatchError   the caller's idea of the witness's size is stale
    ├── NotFoundError              no such event, elevator, checkpoint
    ├── ConfigurationError         bad store URL, missing key file, unreadable input
    └── StoreError                 the store named by a URL cannot be used; the message names the URL
        ├── StoreStateError            store.missing / store.empty / store.foreign / store.outdated / store.newer /
        │                              store.log_format: nothing there, or not a store this LiftLedger may use
        └── StoreIOError               store.unreachable / store.damaged / store.full / store.permission /
                                       store.busy / store.io: reaching, reading or writing it failed
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AuthorizationError",
    "ChainBrokenError",
    "ConfigurationError",
    "ConflictError",
    "ElevatorDecommissionedError",
    "ElevatorUnknownError",
    "IntegrityError",
    "InvariantError",
    "KeyStateError",
    "LedgerError",
    "NotFoundError",
    "NoteError",
    "ProofError",
    "RootMismatchError",
    "SchemaError",
    "SignatureError",
    "StoreError",
    "StoreIOError",
    "StoreStateError",
    "SubmissionError",
    "VersionConflictError",
    "WitnessForkError",
    "WitnessRollbackError",
    "WitnessSizeMismatchError",
]


class LedgerError(Exception):
    """Root of every error the ledger raises on purpose."""

    code: str = "ledger.error"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details

    def as_data(self) -> LedgerError:
        """This error detached from the code that raised it, for keeping as a result.

        A kept exception's traceback (and the one of the error it was raised while handling) pins every frame it
        passed through and their locals — for a parse error, the whole batch being parsed.
        """
        self.__traceback__ = None
        self.__context__ = None
        self.__cause__ = None
        return self

    def to_dict(self) -> dict[str, Any]:
        """The wire form shared by the CLI, the HTTP API and dead letters."""
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            out["details"] = self.details
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


# --- submissions -------------------------------------------------------------------------------------------------


class SubmissionError(LedgerError):
    """A submitted envelope was refused; nothing was written for it."""

    code = "submission.rejected"


class SchemaError(SubmissionError):
    """The envelope or its payload does not match its schema."""

    code = "schema.invalid"

    def __init__(self, message: str, *, path: str = "", **details: Any) -> None:
        super().__init__(message, path=path, **details)
        self.path = path


class SignatureError(SubmissionError):
    code = "signature.invalid"


class KeyStateError(SubmissionError):
    """The signing key is unknown, or was not active at the event's time."""

    code = "key.unknown"


class AuthorizationError(SubmissionError):
    """The signer may not record this event (role, licence, relationship, certificate)."""

    code = "role.forbidden"


class InvariantError(SubmissionError):
    """A reject-class rule of the elevator's lifecycle would be broken."""

    def __init__(self, name: str, message: str, **details: Any) -> None:
        super().__init__(message, code=f"invariant.{name}", **details)
        self.name = name


class ElevatorUnknownError(SubmissionError):
    code = "elevator.unknown"


class ElevatorDecommissionedError(SubmissionError):
    code = "elevator.decommissioned"


# --- integrity ---------------------------------------------------------------------------------------------------


class IntegrityError(LedgerError):
    """Data does not verify: a stored row, a proof, a note, a passport."""

    code = "integrity.failed"


class ChainBrokenError(IntegrityError):
    """A stream's hash chain or its gap-free seq is broken at ``(stream, seq)``."""

    code = "integrity.chain"


class ProofError(IntegrityError):
    """A Merkle inclusion or consistency proof is malformed or does not verify."""

    code = "proof.invalid"


class RootMismatchError(ProofError):
    """A proof was well-formed but leads to a different root than expected."""

    code = "proof.root_mismatch"

    def __init__(self, expected: bytes, calculated: bytes, message: str = "") -> None:
        super().__init__(
            message or f"calculated root {calculated.hex()} does not match expected root {expected.hex()}",
            expected=expected.hex(),
            calculated=calculated.hex(),
        )
        self.expected = expected
        self.calculated = calculated


class NoteError(IntegrityError):
    """A signed note (checkpoint, cosignature) is malformed or its signatures do not verify."""

    code = "note.invalid"


# --- conflicts ---------------------------------------------------------------------------------------------------


class ConflictError(LedgerError):
    code = "conflict"


class VersionConflictError(ConflictError):
    code = "conflict.version"


class WitnessRollbackError(ConflictError):
    code = "witness.rollback"


class WitnessForkError(ConflictError):
    code = "witness.fork"


class WitnessSizeMismatchError(ConflictError):
    """The old size the caller proved from is not the size the witness holds (tlog-witness 409)."""

    code = "witness.size_mismatch"

    def __init__(self, message: str, *, witness_size: int) -> None:
        super().__init__(message, witness_size=witness_size)
        self.witness_size = witness_size


# --- the rest ----------------------------------------------------------------------------------------------------


class NotFoundError(LedgerError):
    code = "not_found"


class ConfigurationError(LedgerError):
    code = "config.invalid"


# --- the store ---------------------------------------------------------------------------------------------------


class StoreError(LedgerError):
    """The store named by a URL cannot be used as asked; the message names the URL (never its password)."""

    code = "store.error"


class StoreStateError(StoreError):
    """What is at the URL is not a store this LiftLedger may use: nothing, an empty file or schema, somebody else's
    tables, or a LiftLedger store of another schema version or log format. Nothing was created or changed."""

    code = "store.missing"


class StoreIOError(StoreError):
    """Reaching, reading or writing the store failed: unreachable server, damaged file, full disk, no permission."""

    code = "store.io"
