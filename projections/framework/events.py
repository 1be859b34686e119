"""The event as projections see it: decoded once from the stored record, shared by every view.

Why not :func:`ledger.core.submission.parse_line`: a stored record was schema-checked, signature-checked and
authorized when it was appended (and ``liftledger verify`` re-checks it), so re-validating it with pydantic on every
rebuild would cost ~20 µs per event for nothing. Projections decode the canonical record with ``orjson`` (~4 µs)
and read the payload as the plain JSON object it is; the index row already carries the position, event id, type,
signer, ``occurred_at`` and chain hash. Payload instants and dates stay text until a rule needs them
(:func:`instant`, :func:`day`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

import orjson

from ledger.core.errors import IntegrityError
from ledger.core.identifiers import LOCAL_UTC_OFFSET_S, format_instant, shift_years
from ledger.core.identifiers import local_date as local_day  # the calendar date in China (UTC+8) of an instant
from ledger.store import IndexRow

__all__ = [
    "EventRef",
    "LedgerEvent",
    "add_years",
    "day",
    "day_start",
    "decode",
    "format_day",
    "instant",
    "local_day",
    "local_ordinal",
    "month_of",
    "month_window",
    "ordinal_start",
    "ref",
    "ref_json",
    "years_between",
]

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


class EventRef(NamedTuple):
    """How every finding points at an event that proves it (stored compactly as ``[event_id, type, hash, at]``)."""

    event_id: str
    type: str
    hash: str  # the event's chain hash, hex
    occurred_at: int


@dataclass(slots=True)
class LedgerEvent:
    position: int
    event_id: str
    hash: bytes
    type: str
    stream_kind: str
    stream_key: str
    org: str
    role: str
    occurred_at: int
    payload: dict[str, Any]
    persons: list[dict[str, str]]
    corrects: str | None
    evidence: list[dict[str, str]]
    location: dict[str, int] | None
    device: str | None = None
    cached_ref: EventRef | None = None  # ref(ev), computed once for all views

    @property
    def code(self) -> str | None:
        """The equipment code when the event is on an elevator's stream."""
        return self.stream_key if self.stream_kind == "elevator" else None


def decode(row: IndexRow, record: bytes) -> LedgerEvent:
    """The projection form of a stored event (its record and its index row)."""
    try:
        raw = orjson.loads(record)
        actor = raw["actor"]
        return LedgerEvent(
            row.position, row.event_id, row.hash, row.type, row.stream_kind, row.stream_key, row.org,
            actor["role"], row.occurred_at, raw["payload"], actor.get("persons", []), raw.get("corrects"),
            raw.get("evidence", []), raw.get("location"), actor.get("device"),
        )
    except (orjson.JSONDecodeError, KeyError, TypeError) as e:
        raise IntegrityError(f"stored record at position {row.position} does not decode: {e}") from None


def ref(ev: LedgerEvent) -> EventRef:
    r = ev.cached_ref
    if r is None:
        r = ev.cached_ref = EventRef(ev.event_id, ev.type, ev.hash.hex(), ev.occurred_at)
    return r


def ref_json(r: EventRef) -> dict[str, Any]:
    """The documented JSON form of an evidence reference."""
    return {"event_id": r.event_id, "type": r.type, "hash": r.hash, "occurred_at": format_instant(r.occurred_at)}


def instant(text: str) -> int:
    """Unix seconds of a canonical ``YYYY-MM-DDTHH:MM:SSZ`` instant (already validated at append)."""
    return int(datetime.fromisoformat(text).timestamp())


def day(text: str) -> date:
    return date.fromisoformat(text)


def local_ordinal(t: int) -> int:
    """``local_day(t).toordinal()``, without making the date."""
    return _EPOCH_ORDINAL + (t + LOCAL_UTC_OFFSET_S) // 86_400


def day_start(d: date) -> int:
    """The instant a China calendar date begins (local midnight, as UTC seconds)."""
    return ordinal_start(d.toordinal())


def ordinal_start(ordinal: int) -> int:
    """The instant the China calendar day with this ordinal begins (any integer: no date is made)."""
    return (ordinal - _EPOCH_ORDINAL) * 86_400 - LOCAL_UTC_OFFSET_S


def month_of(t: int) -> str:
    """``YYYY-MM`` of the China calendar month an instant falls in."""
    d = local_day(t)
    return f"{d.year:04d}-{d.month:02d}"


def add_years(d: date, years: int) -> date:
    """The same calendar date ``years`` later (29 February becomes 28 February; saturated at the calendar's
    ends)."""
    return shift_years(d, years)


def month_window(month: str) -> tuple[int, int]:
    """[start, end) instants of a China calendar month ``YYYY-MM`` (December 9999 ends when 9999 does)."""
    y, m = int(month[:4]), int(month[5:7])
    start = day_start(date(y, m, 1))
    if (y, m) == (date.max.year, 12):
        return start, day_start(date.max) + 86_400
    return start, day_start(date(y + (m == 12), m % 12 + 1, 1))


def format_day(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def years_between(start: int, end: int) -> float:
    return (end - start) / (365.25 * 86_400)
