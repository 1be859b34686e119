"""Simulated time: local calendar days in China (UTC+8) and the discrete-event scheduler.

Every action runs at its own instant and records its events at that instant, so the output comes out in time
order by construction — the order a live ledger would receive it. Ties are broken by the elevator's number and
then by scheduling order, which makes the order (and hence the bytes) a function of the seed alone.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from datetime import date
from typing import Any, NamedTuple

from ledger.core.identifiers import date_from_text, day_number

__all__ = [
    "DAY",
    "HOUR",
    "LOCAL_OFFSET",
    "MINUTE",
    "YEAR",
    "Scheduler",
    "day_from_text",
    "day_of",
    "day_text",
    "local_instant",
    "month_start",
    "next_month",
    "year_of",
]

MINUTE = 60
HOUR = 3600
DAY = 86400
YEAR = 365.25 * DAY
LOCAL_OFFSET = 8 * HOUR  # China Standard Time, no daylight saving
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def day_of(instant: int) -> int:
    """The local (UTC+8) calendar day of an instant, as days since 1970-01-01."""
    return (instant + LOCAL_OFFSET) // DAY


def local_instant(day: int, hour: float = 0.0) -> int:
    """The UTC instant of ``hour`` o'clock local time on local ``day``."""
    return int(day * DAY - LOCAL_OFFSET + hour * HOUR)


def day_text(day: int) -> str:
    return date.fromordinal(day + _EPOCH_ORDINAL).isoformat()


def day_from_text(text: str) -> int:
    return day_number(date_from_text(text))


def _date(day: int) -> date:
    return date.fromordinal(day + _EPOCH_ORDINAL)


def month_start(day: int) -> int:
    """The first day of ``day``'s month."""
    return _date(day).replace(day=1).toordinal() - _EPOCH_ORDINAL


def next_month(day: int) -> int:
    """The first day of the month after ``day``'s."""
    d = _date(day)
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1).toordinal() - _EPOCH_ORDINAL


def year_of(instant: int) -> int:
    """The local calendar year of an instant."""
    return _date(day_of(instant)).year


Action = Callable[..., None]


class _Scheduled(NamedTuple):
    """An action waiting for its instant; entries order by (instant, lane, order), ``order`` being unique."""

    instant: int
    lane: int  # the elevator number (-1: the city)
    order: int  # when it was scheduled: first come, first run
    action: Action
    args: tuple[Any, ...]


class Scheduler:
    """A priority queue of actions, each run at its instant."""

    def __init__(self) -> None:
        self._heap: list[_Scheduled] = []
        self._order = 0
        self.now = 0

    def at(self, instant: int, lane: int, action: Action, *args: Any) -> None:
        self._order += 1
        heapq.heappush(self._heap, _Scheduled(int(instant), lane, self._order, action, args))

    def next_instant(self) -> int | None:
        return self._heap[0].instant if self._heap else None

    def run_next(self) -> None:
        """Pop the earliest action and run it at its instant."""
        entry = heapq.heappop(self._heap)
        self.now = entry.instant
        entry.action(*entry.args)

    def __len__(self) -> int:
        return len(self._heap)
