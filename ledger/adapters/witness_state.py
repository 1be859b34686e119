"""A witness's state on disk: one JSON file per witness directory, replaced atomically, under an exclusive lock."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from ledger.core.errors import ConfigurationError, SchemaError
from ledger.core.strictjson import parse_strict
from ledger.tlog.witness import WitnessState, decode_state, encode_state

__all__ = ["WitnessStateFile"]


class WitnessStateFile:
    """Witness state in ``<directory>/witness-state.json``, replaced atomically on every change.

    Format: ``{"format": "liftledger-witness-state/v1", "logs": {origin: {"size": int, "root_hash": hex}}}``.
    A missing file is a fresh witness; an unreadable or malformed one is a ConfigurationError (never silently
    reset: a witness that forgets its state would cosign a rollback). ``locked()`` takes an exclusive
    ``flock`` on ``<directory>/witness-state.lock`` so concurrent processes serialize check-and-persist.
    """

    FILE_NAME = "witness-state.json"
    LOCK_NAME = "witness-state.lock"

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as e:
            raise ConfigurationError(
                f"cannot create witness state directory {self.directory}: {e.strerror}"
            ) from None
        self.path = self.directory / self.FILE_NAME

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold an exclusive ``flock`` on the lock file (blocks other processes and threads)."""
        fd = os.open(self.directory / self.LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def get(self, origin: str) -> WitnessState | None:
        """The state held for ``origin``, read from disk."""
        return self.load().get(origin)

    def put(self, origin: str, state: WitnessState) -> None:
        """Record ``state`` for ``origin``: rewrite the file atomically and durably (call under ``locked()``)."""
        states = self.load()
        states[origin] = state
        self._write(states)

    def load(self) -> dict[str, WitnessState]:
        """Every log's state; empty if the file does not exist yet."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as e:
            raise ConfigurationError(f"cannot read witness state {self.path}: {e.strerror}") from None
        try:
            return decode_state(parse_strict(raw, what="witness state"))
        except SchemaError as e:
            raise ConfigurationError(f"witness state {self.path} is corrupt: {e.message} ({e.path})") from None
        except (ValueError, TypeError, KeyError) as e:
            raise ConfigurationError(f"witness state {self.path} is corrupt: {e}") from None

    def _write(self, states: Mapping[str, WitnessState]) -> None:
        data = json.dumps(encode_state(states), sort_keys=True, indent=2).encode("utf-8") + b"\n"
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".witness-state-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        dir_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
