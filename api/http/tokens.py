"""Per-organization API tokens, stored hashed in the store's own database (table ``api_tokens``).

The table sits beside the ledger's (the same SQLite file or PostgreSQL schema) and is reached through the store's
dialect shim, :class:`ledger.store.dialect.Database`. A token is ``llt_`` + 43 characters of URL-safe base64 (256
random bits). Only its SHA-256 is stored: a stolen database yields no usable token, and because the token is
high-entropy a plain hash is enough (no slow KDF is needed, and a lookup per request stays a primary-key read).
Each token has a short public ``token_id`` for listing and revocation, and maps to one organization
(统一社会信用代码) and one role — the audience it reads as. Revocation is immediate: every request looks the hash up.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from ledger.core.errors import NotFoundError
from ledger.store.dialect import Database

__all__ = ["TOKEN_PREFIX", "TokenRecord", "TokenStore", "hash_token"]

TOKEN_PREFIX = "llt_"
_TABLE = "api_tokens"
_COLUMNS = "token_id, org, role, label, created_at, revoked_at"


def hash_token(token: str) -> str:
    """The stored form of a token (hex SHA-256 of its UTF-8 text)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class TokenRecord:
    token_id: str
    org: str
    role: str
    label: str
    created_at: int
    revoked_at: int | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def to_dict(self) -> dict[str, Any]:
        return {"token_id": self.token_id, "org": self.org, "role": self.role, "label": self.label,
                "created_at": self.created_at, "revoked_at": self.revoked_at}


class TokenStore:
    """Issue, look up, list and revoke tokens. Creates its table on first use (idempotent)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.table = db.table(_TABLE)
        db.script([(
            f"CREATE TABLE IF NOT EXISTS {self.table} (token_hash TEXT PRIMARY KEY, token_id TEXT NOT NULL UNIQUE, "
            "org TEXT NOT NULL, role TEXT NOT NULL, label TEXT NOT NULL, created_at BIGINT NOT NULL, "
            "revoked_at BIGINT)"
        )])

    def issue(self, org: str, role: str, *, label: str, now: int) -> tuple[str, TokenRecord]:
        """A new token for ``org`` acting as ``role``; the token text is returned once and never stored."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        record = TokenRecord("tok_" + secrets.token_hex(6), org, role, label, now)
        self.db.execute(
            f"INSERT INTO {self.table} (token_hash, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (hash_token(token), record.token_id, org, role, label, now, None),
        )
        return token, record

    def lookup(self, token: str) -> TokenRecord | None:
        """The record of ``token`` (revoked or not), or None if no such token was ever issued."""
        rows = self.db.read(f"SELECT {_COLUMNS} FROM {self.table} WHERE token_hash = ?", (hash_token(token),))
        return next(map(_record, rows), None)

    def revoke(self, token_id: str, *, now: int) -> TokenRecord:
        """Revoke by public id (revoking twice keeps the first instant)."""
        self.db.execute(f"UPDATE {self.table} SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL",
                         (now, token_id))
        rows = self.db.read(f"SELECT {_COLUMNS} FROM {self.table} WHERE token_id = ?", (token_id,))
        found = next(map(_record, rows), None)
        if found is None:
            raise NotFoundError(f"no token {token_id}", code="token.not_found")
        return found

    def list(self, org: str | None = None) -> list[TokenRecord]:
        """Every token (of ``org``), oldest first; never the token texts, which are not kept."""
        where, params = ("WHERE org = ?", (org,)) if org else ("", ())
        rows = self.db.read(f"SELECT {_COLUMNS} FROM {self.table} {where} ORDER BY created_at, token_id", params)
        return [_record(row) for row in rows]


def _record(row: tuple[Any, ...]) -> TokenRecord:
    """From the columns of ``_COLUMNS``, in that order."""
    token_id, org, role, label, created_at, revoked_at = row
    return TokenRecord(str(token_id), str(org), str(role), str(label), int(created_at),
                       None if revoked_at is None else int(revoked_at))
