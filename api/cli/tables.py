"""Readable tables of the projections' answers, for people (the CLI without ``--json``, and the demo).

Presentation only: every function takes the JSON-ready answer of :class:`projections.service.Projections` and
returns rich renderables. Times are shown in China local time (UTC+8); the JSON keeps UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ledger.core.identifiers import LOCAL_UTC_OFFSET_S, instant_from_text, instant_to_datetime

__all__ = [
    "alerts_table",
    "blacklist_table",
    "claims_tables",
    "credit_table",
    "dossier_tables",
    "fraud_table",
    "kpi_tables",
    "local",
    "quality_table",
    "responsibility_table",
    "status_tables",
]

_SEED_KPIS = ("response_rate", "arrival_mean_min", "on_time_rate", "entrapment_rate", "first_pass_rate")
_MORE_KPIS = ("units_in_service", "arrival_median_min", "arrival_p90_min", "entrapment_rate_all_causes",
              "final_pass_rate", "inspected_rate", "maintenance_on_time_rate", "faults_per_unit_year",
              "repeat_fault_rate", "accidents_per_10k")


def local(text: str | None, *, seconds: bool = False) -> str:
    """A UTC instant shown as China local time."""
    if not text:
        return "—"
    if len(text) == 10:
        return text
    moment = instant_to_datetime(instant_from_text(text) + LOCAL_UTC_OFFSET_S)  # saturated at 9999-12-31
    return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds" if seconds else "minutes")


def _table(title: str, *columns: str, **kw: Any) -> Table:
    table = Table(title=title, show_edge=False, title_justify="left", **kw)
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def _name(party: Mapping[str, Any] | None) -> str:
    if not party:
        return "—"
    return str(party.get("name") or party.get("org"))


def _short(evidence: Sequence[Mapping[str, Any]], limit: int = 3) -> str:
    parts = [f"{e.get('type', '?')} {e['event_id'][:8]}…#{e.get('hash', '')[:8]}" for e in evidence[:limit]]
    more = len(evidence) - limit
    return "\n".join(parts + ([f"+{more} more"] if more > 0 else []))


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


# --- dossier -----------------------------------------------------------------------------------------------------


def dossier_tables(d: Mapping[str, Any]) -> RenderableType:
    ident = d["identity"]
    head = _table(f"一梯一档 {d['equipment_code']} — as of {local(d['as_of'])} — {d['status']}", "", "")
    head.show_header = False
    parties = d["parties"]
    reg = d["registration"] or {}
    insp = d["inspection"]
    rows = [
        ("model", (f"{ident.get('model', '—')} (serial {ident.get('factory_serial', '—')}, design life "
                   f"{ident.get('design_life_years', '—')} y)")),
        ("manufacturer", _name(parties["manufacturer"])),
        ("installer", _name(parties["installer"])),
        ("user unit (使用单位)", _name(parties["user_unit"])),
        ("maintainer (维保单位)", "—" if not parties["maintainer"] else
         f"{_name(parties['maintainer'])} — contract {parties['maintainer']['contract_no']} "
         f"({parties['maintainer']['mode']}) until {parties['maintainer']['until']}"),
        ("insurer", ", ".join(f"{_name(p)} {p['policy_no']} ({p['product']})" for p in parties["insurers"]) or "—"),
        ("registration", f"{reg.get('registration_no', '—')}, {reg.get('district', '')} {reg.get('address', '')}"),
        ("inspection", f"{insp['status']}; next due {insp['next_due_date'] or '—'}"
                       + (f" ({insp.get('next_due_kind')})" if insp.get("next_due_kind") else "")),
        ("maintenance", f"{d['maintenance']['visits']} visits, {d['maintenance']['countersigned']} countersigned; "
                        + ", ".join(f"{t} ×{v['count']}" for t, v in d["maintenance"]["by_tier"].items()
                                    if v.get("count"))),
        ("faults", f"{d['faults']['count']} (by code {d['faults']['by_code']})"),
        ("rescues / claims / penalties", f"{len(d['rescues'])} / {len(d['claims'])} / {len(d['penalties'])}"),
    ]
    for k, v in rows:
        head.add_row(k, v)
    parts: list[RenderableType] = [head]
    comps = _table("components and warranty", "part", "serial", "maker", "OEM", "type test", "warranty until",
                   "in force", "note")
    for c in d["components"]:
        w = c["warranty"]
        comps.add_row(c["kind"], c["serial"], c.get("maker") or c.get("maker_org") or "—",
                      "yes" if c["oem"] else "no", c.get("type_test_cert") or "—", w["effective_until"] or "—",
                      "yes" if w["in_force"] else "no", w["note"] or "")
    if d["components"]:
        parts.append(comps)
    if d["open_hazards"]:
        hz = _table("open hazards", "hazard", "severity", "subsystem", "deadline", "overdue", "description")
        for h in d["open_hazards"]:
            hz.add_row(h["hazard_no"], h["severity"], h["subsystem"], h["deadline"], "yes" if h["overdue"] else "no",
                       h["description"])
        parts.append(hz)
    reports = _table("inspections", "when", "kind", "report", "conclusion", "next due")
    for r in insp["reports"][-6:]:
        reports.add_row(local(r["at"]), r["kind"] + (" (复检)" if r["is_reinspection"] else ""), r["report_no"],
                        r["conclusion"], r.get("next_due_date") or "—")
    if insp["reports"]:
        parts.append(reports)
    return Group(*parts)


# --- alerts ------------------------------------------------------------------------------------------------------


def alerts_table(alerts: Sequence[Mapping[str, Any]], title: str = "compliance alerts") -> Table:
    table = _table(f"{title} ({len(alerts)})", "rule", "", "elevator", "opened", "closed", "sev", "evidence")
    for a in alerts:
        table.add_row(a["rule"], a["label"], a["equipment_code"], local(a["opened_at"]),
                      local(a["closed_at"]) if a["closed_at"] else "open", a["severity"], _short(a["evidence"], 2))
    return table


# --- responsibility ------------------------------------------------------------------------------------------------


def responsibility_table(r: Mapping[str, Any]) -> RenderableType:
    incident = r["incident"]
    title = (f"responsibility for {incident['type']} {incident['event_id']}" if incident else
             f"responsibility for {r['equipment_code']}") + f" at {local(r['at'])}"
    if r["failed_subsystem"]:
        title += f" — failed subsystem: {r['failed_subsystem']}"
    table = _table(title, "#", "party", "role", "rule", "basis", "why", "evidence (event id…#hash)")
    for f in r["findings"]:
        table.add_row(str(f["rank"]), f["name"] or f["party"] or "—", f["role"], f["rule"],
                      Text(f["basis"], style="bold" if f["basis"] == "causal" else ""), f["reason"],
                      _short(f["evidence"]))
    return Group(table, Text(r["note"], style="italic"))


# --- KPIs ----------------------------------------------------------------------------------------------------------


def _kpi_cell(k: Mapping[str, Any]) -> Text:
    value = k["value"]
    if value is None:
        return Text("—")
    shown = f"{value:.2f}" if k["id"].endswith(("_min", "_year", "_10k", "service")) else _pct(value)
    mark = {True: ("✓", "green"), False: ("✗", "red"), None: ("", "")}[k["pass"]]
    return Text(f"{shown} {mark[0]}".strip(), style=mark[1])


def kpi_tables(result: Mapping[str, Any], *, secondary: bool = True) -> RenderableType:
    rows = result["rows"]
    if not rows:
        return Text(f"no KPI activity in {result['month']}")
    first = {k["id"]: k for k in rows[0]["kpis"]}
    targets = [f"{first[i]['target']['op']} {first[i]['target']['value']}" for i in _SEED_KPIS]
    seed = _table(f"seed KPIs {result['month']} (targets: seed 002)", "district", "maintainer",
                  *(first[i]["label"] for i in _SEED_KPIS))
    seed.add_row("target", "", *targets, style="dim")
    more = _table(f"more KPIs {result['month']}", "district", "maintainer", *(first[i]["label"] for i in _MORE_KPIS))
    for row in rows:
        kpis = {k["id"]: k for k in row["kpis"]}
        who = row.get("maintainer_name") or row["maintainer"] or "(none)"
        seed.add_row(row["district"] or "(none)", who, *(_kpi_cell(kpis[i]) for i in _SEED_KPIS))
        more.add_row(row["district"] or "(none)", who, *(_kpi_cell(kpis[i]) for i in _MORE_KPIS))
    return Group(seed, more) if secondary else seed


# --- credit, quality -----------------------------------------------------------------------------------------------


def credit_table(result: Mapping[str, Any]) -> Table:
    table = _table(f"maintainer credit as of {local(result['at'])}", "maintainer", "grade", "score", "资源", "质量",
                   "救援", "实操", "监管", "vetoes", "published")
    for m in result["maintainers"]:
        scores = {i["id"]: f"{i['score']:.0f}" for i in m["indicators"]}
        table.add_row(m["name"], m["grade"] or "unrated", f"{m['score']:.1f}", scores["resources"], scores["quality"],
                      scores["rescue"], scores["on_site"], scores["supervision"],
                      ", ".join(v["rule"] for v in m["vetoes"]) or "—",
                      m["published"]["grade"] if m["published"] else "—")
    return table


def blacklist_table(entries: Sequence[Mapping[str, Any]]) -> Table:
    table = _table(f"blacklist (黑名单) ({len(entries)})", "party", "listed from", "until", "reasons")
    for e in entries:
        table.add_row(e["name"] or e["org"], local(e["listed_from"]), local(e["listed_until"]),
                      ", ".join(r["reason"] for r in e["reasons"]))
    return table


def quality_table(result: Mapping[str, Any]) -> Table:
    fleet = result["fleet"]
    table = _table(f"quality evaluation as of {local(result['at'])} — fleet {fleet['faults_per_unit_year']} "
                   "faults/unit-year", "manufacturer", "model", "units", "unit-years", "faults/unit-yr", "index",
                   "mean age", "life/design", "grade")
    for m in result["models"]:
        table.add_row(m["manufacturer_name"] or m["manufacturer"], m["model"], str(m["units"]),
                      f"{m['unit_years']:.1f}", str(m["faults_per_unit_year"]), str(m["fault_rate_index"]),
                      str(m["mean_age_years"] or "—"), str(m["service_life_to_design_life"] or "—"), m["grade"])
    return table


# --- insurance, fraud -----------------------------------------------------------------------------------------------


def claims_tables(result: Mapping[str, Any]) -> RenderableType:
    policies = _table(f"policies of {result['equipment_code']}", "policy", "product", "period", "premium ¥",
                      "claims")
    for p in result["policies"]:
        policies.add_row(p["policy_no"], p["product"], f"{p['period_start']} – {p['period_end']}",
                         f"{p['premium_fen'] / 100:.2f}", str(len(p["claims"])))
    claims = _table("claims", "claim", "policy", "filed", "loss", "reserve ¥", "outcome", "paid ¥", "incidents")
    for c in result["claims"]:
        claims.add_row(c["claim_no"], c["policy_no"], local(c["filed_at"]), c["loss_type"],
                       f"{c['reserve_fen'] / 100:.2f}", c["outcome"] or "open",
                       "—" if c["paid_fen"] is None else f"{c['paid_fen'] / 100:.2f}", _short(c["incidents"], 2))
    prem = result["premium"]
    factors = _table(f"premium: ¥{prem['base_fen'] / 100:.2f} × {prem['coefficient']} = "
                     f"¥{prem['premium_fen'] / 100:.2f} ({prem['formula']})", "factor", "value", "because")
    for f in prem["factors"]:
        basis = {k: v for k, v in f["basis"].items() if k != "claims"}
        factors.add_row(f"{f['label']} ({f['factor']})", f"{f['value']}",
                        ", ".join(f"{k}={v}" for k, v in basis.items()))
    return Group(policies, claims, factors)


def fraud_table(signals: Iterable[Mapping[str, Any]]) -> Table:
    signals = list(signals)
    table = _table(f"fraud signals ({len(signals)})", "pattern", "signal", "", "elevator(s)", "at", "evidence")
    for s in signals:
        table.add_row(s["pattern"], s["rule"], s["label"], ", ".join(s["equipment_codes"]), local(s["opened_at"]),
                      _short(s["evidence"], 2))
    return table


def status_tables(report: Mapping[str, Any]) -> RenderableType:
    """``liftledger status``: the store, each view's lag and quarantine, and the quarantined records."""
    checkpoint = report["checkpoint"]
    head = Text(f"{report['store']} · schema {report['schema_version']} · log format {report['log_format']} · "
                f"{report['tree_size']} records · " + (
                    f"checkpoint #{checkpoint['id']} (size {checkpoint['size']}, {local(checkpoint['issued_at'])})"
                    if checkpoint else "no checkpoint yet"))
    views = _table("views", "view", "position", "lag", "version", "quarantined")
    for name, view in report["views"].items():
        views.add_row(name, str(view["position"]), str(view["lag"]), view["version"],
                      Text(str(view["quarantined"]), style="red" if view["quarantined"] else ""))
    parts: list[RenderableType] = [head, views]
    if report["quarantine"]:
        held = _table("quarantined records (left out of their view; fix, then liftledger rebuild --view NAME)",
                      "view", "position", "type", "event", "stream", "error")
        for q in report["quarantine"]:
            held.add_row(q["view"], str(q["position"]), q["type"], q["event_id"], q["stream"],
                         f"{q['error']}: {q['message']}")
        parts.append(held)
    return Group(*parts)
