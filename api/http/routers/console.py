"""The console: the tables people work in, a maintainer's own view, an insurer's portfolio, and a record's page.

Every table filters, searches (设备代码, 注册代码, 使用登记证编号, 救援识别码), sorts, pages and exports
(``format=csv`` or ``format=xlsx``: the filtered rows, unpaged) from the query string, and answers "as of" the day in
the header (``as_of=YYYY-MM-DD``; by default the ledger's latest record time). Every row leads somewhere: an
elevator's page, or the record behind it — its content, its signer and the key's state, its chain and its
inclusion proof.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from api.http.auth import Principal
from api.http.deps import PrincipalDep, ServicesDep
from api.http.errors import PermissionDenied
from api.http.export import export_response
from api.http.labels import (
    CLAIM_OUTCOME_LABELS,
    EVENT_LABELS,
    SEVERITY_LABELS,
    STATUS_LABELS,
    factor_basis,
    label,
)
from api.http.listing import PAGE_SIZES, Field, Filter, Listing
from api.http.routers.pages import TEMPLATES, PageRoute, render
from api.http.services import Services
from api.http.services.console import AsOf
from ledger.core.errors import NotFoundError

__all__ = ["LISTINGS", "router"]

router = APIRouter(route_class=PageRoute, include_in_schema=False)

EventIdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
Row = dict[str, Any]
_CODES = ("equipment_code", "registration_no", "registration_code", "rescue_code")
_CODES_HINT = "设备代码 / 注册代码 / 使用登记证编号 / 救援识别码"
_OPEN = {"open": "未关闭", "closed": "已关闭"}
_COVER = {"in_force": "在保", "expired": "已到期"}


def _elevator(row: Row) -> str | None:
    return f"/elevators/{row['equipment_code']}" if row.get("equipment_code") else None


def _first_evidence(row: Row) -> str | None:
    evidence = row.get("evidence") or []
    return f"/records/{evidence[0]['event_id']}" if evidence else None


def _record(key: str) -> Callable[[Row], str | None]:
    return lambda row: f"/records/{row[key]}" if row.get(key) else None


def _choice(name: str, title: str, labels: dict[str, str] | None = None, key: str = "") -> Filter:
    return Filter(name, title, key=key or name, label=(lambda v: label(labels, v)) if labels else None)


_DISTRICT = _choice("district", "区县")
_MAINTAINER = Filter("maintainer", "维保单位", key="maintainer_name")
_CODE = Field("equipment_code", "设备代码", href=_elevator)
_REGISTRATION = Field("registration_no", "使用登记证编号")
_DISTRICT_FIELD = Field("district", "区县")
_MAINTAINER_FIELD = Field("maintainer_name", "维保单位")

LISTINGS: dict[str, Listing] = {
    "alerts": Listing(
        "alerts",
        (_CODE, _REGISTRATION, _DISTRICT_FIELD, _MAINTAINER_FIELD, Field("label", "预警"),
         Field("severity", "级别", label=lambda v: label(SEVERITY_LABELS, v)),
         Field("opened_at", "开始", "instant"), Field("closed_at", "关闭", "instant"),
         Field("status", "状态", label=lambda v: label(_OPEN, v)),
         Field("evidence_count", "证据", "int", href=_first_evidence)),
        (_DISTRICT, _MAINTAINER, _choice("rule", "规则", key="label"), _choice("severity", "级别", SEVERITY_LABELS),
         _choice("status", "状态", _OPEN), Filter("since", "开始于(起)", "since", key="opened_at"),
         Filter("until", "开始于(止)", "until", key="opened_at")),
        _CODES, _CODES_HINT, sort="opened_at", descending=True),
    "fraud": Listing(
        "fraud",
        (Field("label", "信号"), _CODE, _REGISTRATION, _DISTRICT_FIELD, _MAINTAINER_FIELD,
         Field("opened_at", "开始", "instant"), Field("closed_at", "关闭", "instant"),
         Field("status", "状态", label=lambda v: label(_OPEN, v)),
         Field("evidence_count", "证据", "int", href=_first_evidence)),
        (_DISTRICT, _MAINTAINER, _choice("rule", "信号", key="label"), _choice("status", "状态", _OPEN),
         Filter("since", "开始于(起)", "since", key="opened_at"),
         Filter("until", "开始于(止)", "until", key="opened_at")),
        _CODES, _CODES_HINT, sort="opened_at", descending=True),
    "elevators": Listing(
        "elevators",
        (_CODE, _REGISTRATION, Field("rescue_code", "救援识别码"), _DISTRICT_FIELD, Field("address", "地址"),
         Field("user_unit_name", "使用单位"), _MAINTAINER_FIELD,
         Field("status", "状态", label=lambda v: label(STATUS_LABELS, v)),
         Field("age_years", "梯龄(年)", "number"), Field("last_visit_at", "最近维保", "instant"),
         Field("next_visit_due", "下次维保", "date"), Field("open_alerts", "未关闭预警", "int")),
        (_DISTRICT, _MAINTAINER, _choice("status", "状态", STATUS_LABELS),
         Filter("due_until", "下次维保不晚于", "until", key="next_visit_due")),
        _CODES, _CODES_HINT, sort="equipment_code"),
    "claims": Listing(
        "claims",
        (Field("claim_no", "理赔号", href=_first_evidence), Field("policy_no", "保单号"), _CODE, _DISTRICT_FIELD,
         _MAINTAINER_FIELD, Field("insurer_name", "保险公司"), Field("loss_type", "损失类型"),
         Field("filed_at", "报案", "instant"), Field("reserve_fen", "准备金(元)", "yuan"),
         Field("paid_fen", "赔付(元)", "yuan"),
         Field("status", "结果", label=lambda v: label(CLAIM_OUTCOME_LABELS, v))),
        (_DISTRICT, _MAINTAINER, _choice("status", "结果", CLAIM_OUTCOME_LABELS), _choice("loss_type", "损失类型"),
         Filter("since", "报案(起)", "since", key="filed_at"), Filter("until", "报案(止)", "until", key="filed_at")),
        (*_CODES, "claim_no", "policy_no"), _CODES_HINT + " / 理赔号 / 保单号", sort="filed_at", descending=True),
    "portfolio": Listing(
        "portfolio",
        (_CODE, _REGISTRATION, _DISTRICT_FIELD, _MAINTAINER_FIELD, Field("policy_nos", "保单"),
         Field("cover", "保障", label=lambda v: label(_COVER, v)), Field("period_end", "保险期至", "date"),
         Field("premium_fen", "在保保费(元)", "yuan"), Field("claims", "理赔次数", "int"),
         Field("open_claims", "未结", "int"), Field("paid_fen", "累计赔付(元)", "yuan"),
         Field("coefficient", "费率系数", "number", sortable=False)),
        (_DISTRICT, _MAINTAINER, _choice("cover", "保障", _COVER)), (*_CODES, "policy_nos"),
        _CODES_HINT + " / 保单号", sort="equipment_code"),
    "countersignatures": Listing(
        "countersignatures",
        (_CODE, _REGISTRATION, _DISTRICT_FIELD, Field("user_unit_name", "使用单位"),
         Field("visit_at", "维保时间", "instant", href=_record("maintenance_event")),
         Field("due_at", "签字期限", "instant"),
         Field("overdue", "状态", label=lambda v: "已超期" if v else "待签字")),
        (_DISTRICT, _choice("overdue", "状态", {"True": "已超期", "False": "待签字"})),
        _CODES, _CODES_HINT, sort="visit_at"),
}


def _table(request: Request, services: Services, principal: Principal, name: str,
           rows: Callable[[AsOf], list[Row]], heading: str, subheading: str = "", intro: str = "",
           decorate: Callable[[list[Row], AsOf], None] | None = None) -> Response:
    """A listing page, or its export when ``format`` is asked for."""
    as_of = services.console.as_of(request.query_params.get("as_of"))
    listing = LISTINGS[name]
    page = listing.answer(rows(as_of), listing.query(request.query_params))
    fmt = request.query_params.get("format")
    if fmt:
        if decorate is not None:
            decorate(page.matched, as_of)
        return export_response(f"{name}-{as_of.day}", [f.column for f in listing.fields], page.matched, fmt)
    if decorate is not None:
        decorate(page.rows, as_of)
    return render(request, "listing_page.html", principal=principal, page=page, as_of=as_of, heading=heading,
                  subheading=subheading, intro=intro)


@router.get("/alerts", response_class=HTMLResponse)
def alerts(request: Request, services: ServicesDep, principal: PrincipalDep) -> Response:
    services.access.require_role(principal, "regulator", "maintainer", "user_unit")
    return _table(request, services, principal, "alerts", lambda a: services.console.alerts(principal, a),
                  "合规预警", "维保、检验、隐患、救援等合规规则")


@router.get("/fraud", response_class=HTMLResponse)
def fraud(request: Request, services: ServicesDep, principal: PrincipalDep) -> Response:
    services.access.require_role(principal, "regulator")
    return _table(request, services, principal, "fraud", lambda a: services.console.fraud(principal, a),
                  "疑似造假信号", "虚假维保、套取大修基金、以次充好、短接安全回路",
                  "信号是需要核查的线索, 不是认定; 每条都附有引发它的签名记录。")


@router.get("/elevators", response_class=HTMLResponse)
def elevators(request: Request, services: ServicesDep, principal: PrincipalDep) -> Response:
    return _table(request, services, principal, "elevators", lambda a: services.console.elevators(principal, a),
                  "电梯", "(全市)" if principal.is_regulator else "(可见范围)")


@router.get("/claims", response_class=HTMLResponse)
def claims(request: Request, services: ServicesDep, principal: PrincipalDep) -> Response:
    services.access.require_role(principal, "insurer", "regulator")
    return _table(request, services, principal, "claims", lambda a: services.console.claims(principal, a),
                  "理赔", "报案、准备金、结案与赔付; 点击理赔号查看签名记录")


@router.get("/insurer", response_class=HTMLResponse)
def insurer(request: Request, services: ServicesDep, principal: PrincipalDep) -> Response:
    services.access.require_role(principal, "insurer", "regulator")

    def coefficients(rows: list[Row], as_of: AsOf) -> None:
        for row in rows:  # only the rows shown (or exported): each is a computation of its own
            row["coefficient"] = float(services.console.premium(row["equipment_code"], as_of)["coefficient"])

    return _table(request, services, principal, "portfolio", lambda a: services.console.portfolio(principal, a),
                  "承保组合", "在保电梯的保单、理赔与费率系数",
                  "费率系数 = 基准 × 梯龄 × 维保信用 × 理赔经验 × 物联网故障率; 点击设备代码查看各因素及其依据。",
                  decorate=coefficients)


@router.get("/countersignatures", response_class=HTMLResponse)
def countersignatures(request: Request, services: ServicesDep, principal: PrincipalDep) -> Response:
    services.access.require_role(principal, "maintainer", "user_unit", "regulator")
    return _table(request, services, principal, "countersignatures",
                  lambda a: services.console.countersignatures(principal, a),
                  "待使用单位签字的维保记录", "使用单位应在 7 日内签字确认")


@router.get("/maintainer", response_class=HTMLResponse)
def maintainer(request: Request, services: ServicesDep, principal: PrincipalDep) -> HTMLResponse:
    services.access.require_role(principal, "maintainer")
    console = services.console
    as_of = console.as_of(request.query_params.get("as_of"))
    mine = console.elevators(principal, as_of)
    today = as_of.day
    due = sorted((r for r in mine if r["next_visit_due"] is not None), key=lambda r: r["next_visit_due"])
    overdue = [r for r in due if r["next_visit_due"] < today]
    open_alerts = [a for a in console.alerts(principal, as_of) if a["open"]]
    waiting = console.countersignatures(principal, as_of)
    return render(request, "maintainer.html", principal=principal, as_of=as_of, elevators=len(mine),
                  due=due[:15], overdue=len(overdue), alerts=sorted(open_alerts, key=lambda a: a["opened_at"],
                                                                    reverse=True)[:10],
                  open_alerts=len(open_alerts), waiting=waiting[:10], waiting_total=len(waiting),
                  waiting_overdue=sum(1 for w in waiting if w["overdue"]), today=today)


@router.get("/records/{event_id}", response_class=HTMLResponse)
def record(request: Request, services: ServicesDep, principal: PrincipalDep, event_id: EventIdPath) -> HTMLResponse:
    found = services.ctx.store.index.lookup_events([event_id]).get(event_id)
    if found is None:
        raise NotFoundError(f"no record {event_id} in this ledger", code="event.unknown")
    if found.stream_kind == "elevator":
        rows = services.access.elevator_rows(principal, found.stream_key)
    elif principal.is_regulator or principal.org == found.stream_key:
        rows = services.ctx.store.index.stream_rows(found.stream_key)
    else:
        raise PermissionDenied(f"record {event_id} is on {found.stream_key}'s registry stream",
                               code="auth.out_of_scope")
    item = services.provenance.record(rows, event_id)
    return render(request, "record.html", principal=principal, r=item, stream_kind=found.stream_kind,
                  stream_key=found.stream_key, label=label(EVENT_LABELS, item["type"]),
                  as_of=services.console.as_of(request.query_params.get("as_of")))


def premium_lines(premium: dict[str, Any]) -> list[dict[str, Any]]:
    """The premium's factors with what each rests on, in words (for the elevator and insurer pages)."""
    return [{**f, "basis_text": factor_basis(f)} for f in premium.get("factors", [])]


def with_params(request: Request, **changes: Any) -> str:
    """The current page's URL with some query parameters changed (None removes one)."""
    params = dict(request.query_params)
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = str(value)
    query = "&".join(f"{quote(k)}={quote(v)}" for k, v in params.items() if v != "")
    return request.url.path + (f"?{query}" if query else "")


def pager(page: int, pages: int) -> list[int | None]:
    """Page numbers to show: the first, the last and two around the current; None for a gap."""
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


TEMPLATES.env.globals.update(with_params=with_params, pager=pager, page_sizes=PAGE_SIZES)
