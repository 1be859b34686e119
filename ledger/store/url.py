"""Store URLs: ``sqlite:///path/to/file.sqlite`` (the embedded default) or ``postgresql://user@host:port/db``.

A PostgreSQL URL may name a schema with ``?schema=NAME`` (default ``public``); the tests use one schema each.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from ledger.core.errors import ConfigurationError

__all__ = ["DEFAULT_STORE", "StoreURL", "parse_store_url"]

DEFAULT_STORE = "sqlite:///liftledger.sqlite"
_SCHEMA = re.compile(r"[a-z_][a-z0-9_]{0,40}")


@dataclass(frozen=True)
class StoreURL:
    kind: str  # "sqlite" | "postgresql"
    path: str = ""
    host: str = ""
    port: int = 5432
    user: str = ""
    password: str = ""
    dbname: str = ""
    schema: str = "public"

    def eventsourcing_env(self) -> dict[str, str]:
        """The environment eventsourcing's factories read."""
        if self.kind == "sqlite":
            return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": self.path,
                    "SQLITE_LOCK_TIMEOUT": "60"}
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_SCHEMA": self.schema,
            "POSTGRES_LOCK_TIMEOUT": "60",
            "POSTGRES_CONNECT_TIMEOUT": "10",
        }

    def display(self) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.path}"
        return f"postgresql://{self.user + '@' if self.user else ''}{self.host}:{self.port}/{self.dbname}" + (
            f"?schema={self.schema}" if self.schema != "public" else ""
        )


def parse_store_url(url: str | None) -> StoreURL:
    """Parse ``url`` (or ``$LIFTLEDGER_STORE``, or the default) into a :class:`StoreURL`."""
    text = url or os.environ.get("LIFTLEDGER_STORE") or DEFAULT_STORE
    parts = urlsplit(text)
    if parts.scheme == "sqlite":
        path = unquote(text[len("sqlite:///"):]) if text.startswith("sqlite:///") else ""
        if not path:
            raise ConfigurationError(f"store URL {text!r} names no file")
        return StoreURL("sqlite", path=path)
    if parts.scheme in ("postgresql", "postgres"):
        query = parse_qs(parts.query)
        schema = query.get("schema", ["public"])[0]
        if not _SCHEMA.fullmatch(schema):
            raise ConfigurationError(f"schema {schema!r} must be a lowercase SQL identifier")
        return StoreURL(
            "postgresql",
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            dbname=parts.path.lstrip("/") or "postgres",
            schema=schema,
        )
    raise ConfigurationError(f"unsupported store URL {text!r}: use sqlite:///PATH or postgresql://HOST/DB")
