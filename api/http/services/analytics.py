"""The projection-backed answers: dossier, alerts, responsibility, KPIs, quality, credit, fraud, insurance.

What those answers say is :mod:`projections`' business (:class:`projections.service.Projections`); this module
keeps the views current for the server and adapts the answers to the API — pages, filters, typed errors.

Keeping views current: a follower thread applies new ledger events every ``follow_s`` seconds, and a read first
catches up itself when the views are only a little behind (≤ ``sync_limit`` events), so a client reads its own
writes; during a bulk load reads answer from the views as they are rather than wait for the whole backlog.
One lock serializes catch-ups (the runner keeps state in memory); reads of the stored views need no lock.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, TypeVar

from api.http.auth import Principal
from api.http.errors import PermissionDenied, RequestError
from api.http.services.context import LedgerContext
from ledger.core.errors import ConfigurationError, NotFoundError
from ledger.core.identifiers import format_instant
from projections.config import DEFAULT_THRESHOLDS, Thresholds
from projections.service import Projections

__all__ = ["AnalyticsService", "Page", "paginate"]

log = logging.getLogger("liftledger.api")
T = TypeVar("T")
Page = dict[str, Any]
MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


def paginate(items: Sequence[Any], offset: int, limit: int) -> Page:
    """``items[offset:offset+limit]`` with the total and the next offset (None on the last page)."""
    page = list(items[offset:offset + limit])
    following = offset + limit if offset + limit < len(items) else None
    return {"total": len(items), "offset": offset, "next_offset": following, "items": page}


class AnalyticsService:
    def __init__(self, ctx: LedgerContext, config: Thresholds = DEFAULT_THRESHOLDS, *,
                 follow_s: float = 0.0, sync_limit: int = 5_000) -> None:
        self.ctx = ctx
        self.config = config
        self.sync_limit = sync_limit
        self.projections = Projections(ctx.store, config, clock=ctx.clock)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if follow_s > 0:
            self._thread = threading.Thread(target=self._follow, args=(follow_s,), name="liftledger-projections",
                                            daemon=True)
            self._thread.start()

    # --- keeping current -------------------------------------------------------------------------------------

    def lag(self) -> int:
        """How many ledger positions the slowest view is behind."""
        return self.projections.lag()

    def catch_up(self) -> None:
        with self._lock:
            self.projections.catch_up()

    def status(self) -> dict[str, Any]:
        """Each view's lag and quarantine count (readiness, the dashboard); reads only."""
        return self.projections.status()

    def quarantine(self) -> list[dict[str, Any]]:
        return self.projections.quarantine()

    def current(self) -> Projections:
        """The projections, caught up first when they are only a little behind (read-your-writes)."""
        lag = self.lag()
        if 0 < lag <= self.sync_limit or (lag and self._thread is None):
            self.catch_up()
        return self.projections

    def _follow(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            try:
                if self.lag():
                    self.catch_up()
            except Exception:  # a conflict, a lost connection: log it and keep following
                log.exception("projection catch-up failed; retrying in %s s", every_s)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    # --- answers ---------------------------------------------------------------------------------------------

    def dossier(self, code: str, at: int | None = None) -> dict[str, Any]:
        return _asked(lambda: self.current().dossier(code, at))

    def alerts(self, *, open_only: bool, code: str | None, rule: str | None, severity: str | None,
               at: int | None, offset: int, limit: int) -> Page:
        found = _asked(lambda: self.current().alerts(open_only=open_only, code=code, at=at))
        found = [a for a in found if (rule is None or a["rule"] == rule) and (severity is None or
                                                                               a["severity"] == severity)]
        return {"at": format_instant(self.ctx.now() if at is None else at), **paginate(found, offset, limit)}

    def responsibility(self, *, incident: str | None, code: str | None, at: int | None) -> dict[str, Any]:
        if incident is None and (code is None or at is None):
            raise RequestError("give incident=<event id>, or code and at", code="request.missing_parameter")
        return _asked(lambda: self.current().responsibility(incident=incident, code=code, at=at))

    def months(self) -> list[str]:
        return _asked(lambda: self.current().months())

    def kpis(self, month: str | None, district: str | None) -> dict[str, Any]:
        if month is not None and not MONTH.match(month):
            raise RequestError(f"month must be YYYY-MM, not {month[:20]!r}", code="request.invalid_month")
        result = _asked(lambda: self.current().kpis(month, district))
        result["targets"] = {name: {"op": t.op, "limit": t.limit, "source": t.source}
                             for name, t in self.config.kpi_targets.items()}
        return result

    def kpi_series(self, months: int, district: str | None = None, until: str | None = None) -> dict[str, Any]:
        """The city-wide roll-up row of each of the last ``months`` months with activity, up to the month
        ``until`` (YYYY-MM; default all), for charts."""
        projections = self.current()  # caught up once for the whole series
        chosen = [m for m in _asked(projections.months) if until is None or m <= until][-months:]
        rows = []
        for month in chosen:
            table = _asked(partial(projections.kpis, month, district))
            rollup = next((r for r in table["rows"] if r.get("maintainer") == "*" and
                           r.get("district") == (district or "*")), None)
            rows.append({"month": month, "row": rollup})
        targets = {name: {"op": t.op, "limit": t.limit} for name, t in self.config.kpi_targets.items()}
        return {"months": rows, "targets": targets}

    def quality(self, at: int | None) -> dict[str, Any]:
        return _asked(lambda: self.current().quality(at))

    def credit(self, at: int | None) -> dict[str, Any]:
        return _asked(lambda: self.current().credit(at))

    def fraud(self, *, code: str | None, rule: str | None, at: int | None, since: int | None,
              offset: int, limit: int) -> Page:
        found = _asked(lambda: self.current().fraud(code=code, at=at, since=since))
        found = [s for s in found if rule is None or s["rule"] == rule]
        return paginate(found, offset, limit)

    def claims(self, code: str, at: int | None) -> dict[str, Any]:
        return _asked(lambda: self.current().claims(code, at))

    def policy(self, principal: Principal, policy_no: str) -> list[dict[str, Any]]:
        """A policy by number with its claims; an insurer sees only the policies it issued."""
        found = _asked(lambda: self.current().policy(policy_no))
        if not found:
            raise NotFoundError(f"no policy {policy_no} in this ledger", code="policy.unknown")
        if not principal.is_regulator:
            found = [p for p in found if p["insurer"] == principal.org]
            if not found:
                raise PermissionDenied(f"policy {policy_no} was issued by another insurer", code="auth.out_of_scope")
        return found


def _asked(question: Callable[[], T]) -> T:
    """Ask the projections; their argument errors (ConfigurationError ``argument.*``) are the client's: 400."""
    try:
        return question()
    except ConfigurationError as e:
        if e.code.startswith("argument."):
            raise RequestError(e.message, code=e.code.replace("argument.", "request.invalid_")) from None
        raise
