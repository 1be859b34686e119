"""The console's rows: alerts, fraud signals, elevators, claims and an insurer's portfolio, each row joined with
where the elevator is and who is responsible for it, so every table filters by district and maintainer and is
searched by 设备代码, 注册代码, 使用登记证编号 and 救援识别码.

Everything is "as of" one instant shared by every page: by default the ledger's latest record time (the recorded
time of the newest leaf of the log), so a ledger loaded from history reads as of its own end rather than today;
a person picks another day with the page's date control (the end of that day in China). Rows are what the
principal may see: a regulator everything, a maintainer the elevators it maintains at that time, an insurer what
it insures, a user unit its own elevators, a manufacturer those it made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from api.http.auth import Principal
from api.http.errors import RequestError
from api.http.services.access import AccessService
from api.http.services.analytics import AnalyticsService
from api.http.services.context import LedgerContext
from ledger.core.identifiers import date_from_text, format_instant, local_date

__all__ = ["AsOf", "ConsoleService"]

_DAY_S = 86_400
_CHINA = 8 * 3600
_CACHE = 8


@dataclass(frozen=True, slots=True)
class AsOf:
    """The instant every page answers at, and how it was chosen."""

    at: int
    day: str  # its calendar day in China, YYYY-MM-DD
    latest: bool  # the ledger's latest record time (not a day a person chose)

    @property
    def instant(self) -> str:
        return format_instant(self.at)


class ConsoleService:
    def __init__(self, ctx: LedgerContext, access: AccessService, analytics: AnalyticsService) -> None:
        self.ctx = ctx
        self.access = access
        self.analytics = analytics
        self._directory = lru_cache(maxsize=_CACHE)(self._directory_at)

    # --- the shared "as of" ------------------------------------------------------------------------------------

    def latest(self) -> int:
        """The ledger's latest record time: when the newest record entered the log (now, for an empty ledger)."""
        newest = self.ctx.store.tree.newest_leaf()
        return newest.recorded_at if newest is not None else self.ctx.now()

    def as_of(self, text: str | None) -> AsOf:
        """``as_of=YYYY-MM-DD`` (the end of that day in China, never past the latest record time), or the latest."""
        latest = self.latest()
        if not text:
            return AsOf(latest, local_date(latest).isoformat(), True)
        try:
            chosen = date_from_text(text.strip())
        except ValueError:
            raise RequestError("as_of is a date YYYY-MM-DD", code="request.invalid_date") from None
        end_of_day = (chosen - date(1970, 1, 1)).days * _DAY_S + _DAY_S - 1 - _CHINA
        return AsOf(min(end_of_day, latest), chosen.isoformat(), end_of_day >= latest)

    # --- tables --------------------------------------------------------------------------------------------------

    def elevators(self, principal: Principal, as_of: AsOf) -> list[dict[str, Any]]:
        """The elevators the principal may see, with their open alerts counted."""
        rows = [row for row in self._directory(as_of.at, self._position()) if self._sees(principal, row, as_of)]
        open_alerts: dict[str, int] = {}
        for alert in self._alerts(as_of.at):
            if alert["open"]:
                open_alerts[alert["equipment_code"]] = open_alerts.get(alert["equipment_code"], 0) + 1
        return [{**row, "open_alerts": open_alerts.get(row["equipment_code"], 0)} for row in rows]

    def alerts(self, principal: Principal, as_of: AsOf) -> list[dict[str, Any]]:
        """Alerts opened by ``as_of`` on the elevators the principal may see, with where and who."""
        seen = self._seen(principal, as_of)
        return [{**self._place(seen, a["equipment_code"]), **a, "status": "open" if a["open"] else "closed",
                 "evidence_count": len(a["evidence"])}
                for a in self._alerts(as_of.at) if a["equipment_code"] in seen]

    def fraud(self, principal: Principal, as_of: AsOf) -> list[dict[str, Any]]:
        """Fraud signals standing or closed by ``as_of`` (regulators only: they are suspicions, not findings)."""
        self.access.require_role(principal, "regulator")
        seen = self._seen(principal, as_of)
        signals = self.analytics.current().fraud(at=as_of.at, include_closed=True)
        out = []
        for s in signals:
            code = s["equipment_codes"][0] if s["equipment_codes"] else ""
            out.append({**self._place(seen, code), **s, "equipment_code": code,
                        "status": "open" if s["closed_at"] is None else "closed",
                        "evidence_count": len(s["evidence"])})
        return out

    def claims(self, principal: Principal, as_of: AsOf) -> list[dict[str, Any]]:
        """Claims filed by ``as_of``: an insurer's own, or all for a regulator."""
        self.access.require_role(principal, "insurer", "regulator")
        insurer = None if principal.is_regulator else principal.org
        seen = self._directory_by_code(as_of)
        names = self.ctx.names()
        return [{**self._place(seen, c["equipment_code"]), **c, "insurer_name": names.get(c["insurer"]),
                 "status": c["outcome"] or "open", "incident_count": len(c["incidents"])}
                for c in self.analytics.current().claim_list(as_of.at, insurer)]

    def portfolio(self, principal: Principal, as_of: AsOf) -> list[dict[str, Any]]:
        """An insurer's elevators — every one it has insured by ``as_of``, one row each: in force then (the
        premium of the policies in force) or run out (the latest policy's end), with their claims."""
        self.access.require_role(principal, "insurer", "regulator")
        insurer = None if principal.is_regulator else principal.org
        projections = self.analytics.current()
        by_code: dict[str, dict[str, Any]] = {}
        for policy in sorted(projections.policy_list(as_of.at, insurer), key=lambda p: p["period_end"]):
            entry = by_code.setdefault(policy["equipment_code"], {"policies": [], "premium_fen": 0,
                                                                  "cover": "expired"})
            entry["policies"].append(policy["policy_no"])
            entry["period_end"] = policy["period_end"]
            if policy["in_force"]:
                entry["premium_fen"] += policy["premium_fen"]
                entry["cover"] = "in_force"
        claims: dict[str, list[dict[str, Any]]] = {}
        for claim in projections.claim_list(as_of.at, insurer):
            claims.setdefault(claim["equipment_code"], []).append(claim)
        seen = self._directory_by_code(as_of)
        rows = []
        for code, entry in sorted(by_code.items()):
            history = claims.get(code, [])
            rows.append({**self._place(seen, code), **entry, "equipment_code": code,
                         "policy_nos": ", ".join(entry["policies"]), "claims": len(history),
                         "open_claims": sum(1 for c in history if c["outcome"] is None),
                         "paid_fen": sum(c["paid_fen"] or 0 for c in history)})
        return rows

    def premium(self, code: str, as_of: AsOf) -> dict[str, Any]:
        return self.analytics.current().premium(code, as_of.at)

    def countersignatures(self, principal: Principal, as_of: AsOf) -> list[dict[str, Any]]:
        """Maintenance records of the principal's elevators awaiting the user unit's countersignature at ``as_of``:
        overdue (the F5 alert is open) or still within the 7 days it allows."""
        seen = self._seen(principal, as_of)
        found = self.analytics.current().awaiting_countersignature(as_of.at)
        mine = principal.role != "maintainer"  # a maintainer sees the records it signed; others their elevators'
        return [{**self._place(seen, row["equipment_code"]), **row} for row in found
                if row["equipment_code"] in seen and (mine or row["maintainer"] == principal.org)]

    # --- helpers -------------------------------------------------------------------------------------------------

    def _position(self) -> int:
        """Where the views are (a cache key: a new record changes what the tables show)."""
        return self.ctx.store.tree.tree_size()

    def _directory_at(self, at: int, position: int) -> list[dict[str, Any]]:
        return self.analytics.current().directory(at)

    def _directory_by_code(self, as_of: AsOf) -> dict[str, dict[str, Any]]:
        return {row["equipment_code"]: row for row in self._directory(as_of.at, self._position())}

    def _seen(self, principal: Principal, as_of: AsOf) -> dict[str, dict[str, Any]]:
        return {code: row for code, row in self._directory_by_code(as_of).items()
                if self._sees(principal, row, as_of)}

    def _alerts(self, at: int) -> list[dict[str, Any]]:
        return self.analytics.current().alerts(at=at)

    def _sees(self, principal: Principal, row: dict[str, Any], as_of: AsOf) -> bool:
        if principal.is_regulator:
            return True
        who: Callable[[dict[str, Any]], Any] | None = {
            "maintainer": lambda r: r["maintainer"], "user_unit": lambda r: r["user_unit"],
            "manufacturer": lambda r: r["manufacturer"],
        }.get(principal.role)
        if who is not None:
            return bool(who(row) == principal.org)
        if principal.role == "insurer":
            return row["equipment_code"] in self._insured(principal.org, as_of.at, self._position())
        return False

    @lru_cache(maxsize=_CACHE)  # noqa: B019  # one console per server; the key includes the log position
    def _insured(self, insurer: str, at: int, position: int) -> frozenset[str]:
        return frozenset(p["equipment_code"] for p in self.analytics.current().policy_list(at, insurer))  # ever

    @staticmethod
    def _place(seen: dict[str, dict[str, Any]], code: str) -> dict[str, Any]:
        row = seen.get(code, {})
        return {key: row.get(key) for key in ("district", "registration_no", "registration_code", "rescue_code",
                                              "maintainer", "maintainer_name", "user_unit_name", "address")}

