"""The server's typed settings: one frozen object built from ``LIFTLEDGER_*`` environment variables or the CLI.

Everything the server needs from its operator is here — the store, the platform's own signing identity (for
public reports), the witness it runs, the rate limits and request limits — so that the rest of the package never
reads the environment itself, and tests build a :class:`Settings` directly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ledger.core.errors import ConfigurationError

__all__ = ["ENV_PREFIX", "Settings"]

ENV_PREFIX = "LIFTLEDGER_"


@dataclass(frozen=True, slots=True)
class Settings:
    """How one server instance runs. Paths are files the operator provides; nothing is generated silently."""

    store: str | None = None  # store URL (None: $LIFTLEDGER_STORE or the CLI default)
    # The platform's own identity: public reports (扫一扫) are recorded as ComplaintFiled signed with this key,
    # by this organization, which must be registered as platform_96333.
    platform_key: Path | None = None
    platform_org: str | None = None
    # The registry desk: a regulator's key with which the server signs registry acts asked for by that regulator's
    # tokens (POST /v1/registry/…); unset, those acts answer 503 registry.no_key.
    registry_key: Path | None = None
    # The C2SP witness this server runs at POST /add-checkpoint (all three, or none).
    witness_key: Path | None = None
    witness_name: str | None = None
    witness_state: Path | None = None
    witness_logs: tuple[str, ...] = ()  # trusted logs' verifier keys; empty: this server's own log
    # Limits.
    report_limit: int = 5  # public reports per client …
    report_window_s: int = 600  # … per this many seconds
    max_body_bytes: int = 8 * 1024 * 1024
    max_batch: int = 1000
    projection_follow_s: float = 0.0  # > 0: a thread keeps the projections current every this many seconds
    projection_sync_limit: int = 5_000  # a read catches the projections up itself when at most this far behind
    ready_max_lag: int = 10_000  # /readyz answers 503 while a view is further behind the ledger than this
    trust_forwarded_for: bool = False  # behind a reverse proxy: rate-limit on X-Forwarded-For's first address
    cookie_secure: bool = False  # set the page session cookie with Secure (behind HTTPS)
    title: str = "LiftLedger"
    # The address the public reaches this server at, printed into the 使用标志 QR codes (e.g. https://dt.example.cn);
    # unset: the address of the request that asked for the code.
    public_url: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``LIFTLEDGER_*`` variables, then ``overrides`` (non-None values win)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, convert in _ENV_FIELDS.items():
            raw = env.get(ENV_PREFIX + name.upper())
            if raw is not None and raw != "":
                values[name] = _convert(name, raw, convert)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        """A copy with ``changes`` (tests and the CLI adjust one field at a time)."""
        return replace(self, **changes)

    @property
    def witness_enabled(self) -> bool:
        return self.witness_key is not None and self.witness_name is not None and self.witness_state is not None

    @property
    def platform_enabled(self) -> bool:
        return self.platform_key is not None and self.platform_org is not None


def _split(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _flag(raw: str) -> bool:
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{raw!r} is not a boolean")


_ENV_FIELDS: dict[str, Any] = {
    "store": str, "platform_key": Path, "platform_org": str, "registry_key": Path, "witness_key": Path,
    "witness_name": str,
    "witness_state": Path, "witness_logs": _split, "report_limit": int, "report_window_s": int,
    "max_body_bytes": int, "max_batch": int, "projection_follow_s": float,
    "projection_sync_limit": int, "ready_max_lag": int, "trust_forwarded_for": _flag,
    "cookie_secure": _flag, "title": str, "public_url": str,
}


def _convert(name: str, raw: str, convert: Any) -> Any:
    try:
        return convert(raw)
    except ValueError as e:
        raise ConfigurationError(f"{ENV_PREFIX}{name.upper()}: {e}") from None
