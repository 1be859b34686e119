"""What each web page shows, assembled from the other services (the pages' templates only lay it out).

- the regulator's dashboard: the seed KPIs month by month against their targets, open alerts, fraud signals and
  the worst-rated maintainers;
- an elevator's page: its dossier, the timeline of its records each with signer and a verified badge (recomputed
  chain, signature and log inclusion), and — for regulators — the ranked responsibility for its incidents;
- the insurer's view: each insured elevator's claim history and premium coefficient with its factors;
- the public QR page: the 使用标志 summary and the report form.
"""

from __future__ import annotations

from typing import Any

from api.http.auth import Principal
from api.http.charts import Bar, Point, bar_chart, line_chart
from api.http.labels import EVENT_LABELS, factor_basis, label
from api.http.services.access import AccessService, ElevatorRows
from api.http.services.analytics import AnalyticsService, paginate
from api.http.services.context import LedgerContext
from api.http.services.provenance import ProvenanceService
from ledger.core.errors import LedgerError
from ledger.core.identifiers import format_instant, local_date

__all__ = ["SEED_KPIS", "PageService"]

# The seed's 2023 targets (seed 002), in the order the dashboard shows them: (KPI id, is a ratio).
SEED_KPIS: tuple[tuple[str, bool], ...] = (
    ("response_rate", True), ("on_time_rate", True), ("arrival_mean_min", False), ("entrapment_rate", True),
    ("first_pass_rate", True),
)
_INCIDENTS = frozenset({"FaultReported", "EntrapmentRescue", "AccidentReported", "HazardFound", "ClaimFiled"})
_SHOWN_INCIDENTS = 5


class PageService:
    def __init__(self, ctx: LedgerContext, access: AccessService, analytics: AnalyticsService,
                 provenance: ProvenanceService) -> None:
        self.ctx = ctx
        self.access = access
        self.analytics = analytics
        self.provenance = provenance

    # --- the regulator's dashboard ----------------------------------------------------------------------------

    def dashboard(self, at: int, months: int = 12) -> dict[str, Any]:
        """The regulator's overview as of ``at``: KPIs month by month up to its month, what is open then."""
        series = self.analytics.kpi_series(months, until=format_instant(at)[:7])
        open_alerts = self.analytics.alerts(open_only=True, code=None, rule=None, severity=None, at=at, offset=0,
                                            limit=10**6)
        newest = sorted(open_alerts["items"], key=lambda a: (a["opened_at"], a["equipment_code"]), reverse=True)
        alerts = {"at": open_alerts["at"], **paginate(newest, 0, 10)}
        fraud = self.analytics.fraud(code=None, rule=None, at=at, since=None, offset=0, limit=10)
        credit = self.analytics.credit(at)
        rated = [m for m in credit["maintainers"] if m["grade"] is not None]
        worst = sorted(rated, key=lambda m: (m["score"], m["org"]))[:5]
        return {
            "kpi_charts": [self._kpi_chart(series, kpi, ratio) for kpi, ratio in SEED_KPIS],
            "months": [m["month"] for m in series["months"]],
            "alerts": alerts,
            "alert_rules": _count_by(open_alerts["items"], "label"),
            "alert_severity": _count_by(open_alerts["items"], "severity"),
            "fraud": fraud,
            "worst": worst,
            "worst_chart": bar_chart("维保单位信用得分 (最低五家)", [
                Bar(m["name"] or m["org"], float(m["score"]), m["grade"] or "—", m["grade"] in ("A", "B"))
                for m in worst
            ]),
            "blacklist": credit["blacklist"],
            "log": {"tree_size": self.ctx.store.tree.tree_size(), "checkpoint": self.provenance.checkpoint()},
            # Records a view could not fold: left out of it, and shown here until the cause is fixed and rebuilt.
            "quarantine": self.analytics.quarantine()[:20],
        }

    @staticmethod
    def _kpi_chart(series: dict[str, Any], kpi: str, ratio: bool) -> dict[str, Any]:
        points, name, target_text, target = [], kpi, "", None
        spec = series["targets"].get(kpi)
        if spec is not None:
            target = spec["limit"]
            target_text = f"目标 {spec['op']} {target * 100:g}%" if ratio else f"目标 {spec['op']} {target:g}"
        for month in series["months"]:
            found = next((k for k in (month["row"] or {}).get("kpis", []) if k["id"] == kpi), None)
            if found is not None:
                name = found["label"]
            value = found["value"] if found is not None else None
            points.append(Point(month["month"][2:], value, found["pass"] if found is not None else None))
        return {"id": kpi, "label": name, "latest": next((p for p in reversed(points) if p.value is not None), None),
                "svg": line_chart(name, points, target=target, target_text=target_text, percent=ratio)}

    # --- an elevator -----------------------------------------------------------------------------------------

    def elevator(self, principal: Principal, code: str, at: int | None = None) -> dict[str, Any]:
        """An elevator as of ``at`` (default now): its dossier, and its records up to then, newest first, each
        with what it says, who signed it and whether it verifies."""
        rows = self.access.elevator_rows(principal, code)
        dossier = self.analytics.dossier(code, at)
        checks = self.provenance.checks(rows)
        by_seq = {r["seq"]: r for r in checks["records"]}
        names = self.ctx.names()
        timeline = []
        shown = [stored for stored in rows if at is None or stored.row.occurred_at <= at]
        for row, record in sorted(shown, key=lambda s: (s.row.occurred_at, s.row.seq), reverse=True):
            check = by_seq[row.seq]
            timeline.append({
                "seq": row.seq, "event_id": row.event_id, "type": row.type, "label": label(EVENT_LABELS, row.type),
                "date": local_date(row.occurred_at).isoformat(), "at": format_instant(row.occurred_at),
                "signer": names.get(row.org, row.org), "org": row.org, "hash": row.hash.hex(),
                "verified": check["verified"], "problem": check["problem"], "incident": row.type in _INCIDENTS,
                "summary": record_summary(record),
            })
        claims = self.analytics.claims(code, at) if principal.role in ("insurer", "regulator") else None
        return {
            "code": code, "dossier": dossier, "timeline": timeline, "verification": checks,
            "responsibility": self._responsibility(principal, rows),
            "alerts": self._alerts(principal, code, at),
            "claims": claims,
            "premium": None if claims is None else [{**f, "basis_text": factor_basis(f)}
                                                   for f in claims["premium"]["factors"]],
        }

    def _responsibility(self, principal: Principal, rows: ElevatorRows) -> list[dict[str, Any]] | None:
        if not principal.is_regulator:
            return None
        incidents = [row for row, _ in rows if row.type in _INCIDENTS][-_SHOWN_INCIDENTS:]
        out = []
        for row in reversed(incidents):
            try:
                found = self.analytics.responsibility(incident=row.event_id, code=None, at=None)
            except LedgerError as e:
                found = {"findings": [], "error": e.to_dict()}
            out.append({"event_id": row.event_id, "label": label(EVENT_LABELS, row.type),
                        "date": local_date(row.occurred_at).isoformat(), "findings": found.get("findings", [])[:6]})
        return out

    def _alerts(self, principal: Principal, code: str, at: int | None) -> list[dict[str, Any]] | None:
        if principal.role not in ("regulator", "maintainer", "user_unit"):
            return None
        page = self.analytics.alerts(open_only=True, code=code, rule=None, severity=None, at=at, offset=0, limit=50)
        items: list[dict[str, Any]] = page["items"]
        return items


def _count_by(items: list[dict[str, Any]], key: str) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item[key]] = counts.get(item[key], 0) + 1
    return [(value, counts[value]) for value in sorted(counts, key=lambda value: (-counts[value], value))]


_SUMMARY_FIELDS = 4


def record_summary(record: bytes) -> str:
    """A record's payload in one line: its first few fields, long values shortened (the record page has it all)."""
    import orjson

    payload = orjson.loads(record).get("payload", {})
    parts = []
    for name, value in payload.items():
        text = f"{len(value)} 项" if isinstance(value, dict | list) else str(value)
        parts.append(f"{name}: {text if len(text) <= 40 else text[:39] + '…'}")
        if len(parts) == _SUMMARY_FIELDS:
            break
    return " · ".join(parts)
