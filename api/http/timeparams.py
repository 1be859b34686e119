"""Instants in query parameters: the ledger's one format, ``YYYY-MM-DDTHH:MM:SSZ`` (docs/DECISIONS.md)."""

from __future__ import annotations

from api.http.errors import RequestError
from ledger.core.identifiers import instant_from_text

__all__ = ["parse_instant_param"]


def parse_instant_param(name: str, value: str | None) -> int | None:
    """Unix seconds of ``value``, or None when absent; 400 ``request.invalid_instant`` when malformed."""
    if value is None:
        return None
    try:
        return instant_from_text(value)
    except (ValueError, OverflowError, OSError):
        raise RequestError(f"{name} must be an instant YYYY-MM-DDTHH:MM:SSZ, not {value[:40]!r}",
                           code="request.invalid_instant", parameter=name) from None
