"""The console on a simulated city: every table filters, searches, sorts, pages and exports, as of a chosen day,
within what the signed-in organization may see; every row leads to the record behind it."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.http.app import create_app
from api.http.export import Column, to_csv, to_xlsx
from api.http.listing import Field, Filter, Listing
from api.http.settings import Settings
from tests.api.city import CityWorld


@pytest.fixture(scope="module")
def client(city: CityWorld) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(store=city.url))) as c:
        yield c


def as_(client: TestClient, city: CityWorld, who: str) -> TestClient:
    client.cookies.clear()
    client.cookies.set("ll_token", city.tokens[who])
    return client


def rows(html: str, table: str) -> list[dict[str, str]]:
    """The table's rows as {column key: cell text}."""
    body = html[html.index(f'id="{table}-table"'):]
    body = body[body.index("<tbody>"):body.index("</tbody>")]
    out = []
    for tr in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        cells = re.findall(r'<td data-key="([^"]+)">(.*?)</td>', tr, flags=re.S)
        out.append({key: re.sub(r"<[^>]+>", "", text).strip() for key, text in cells})
    return out


def matched(html: str) -> int:
    return int(re.search(r'<b class="matched">(\d+)</b>', html).group(1))  # type: ignore[union-attr]


def exported(client: TestClient, path: str) -> list[list[str]]:
    response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith("\ufeff".encode())  # Excel reads the Chinese right
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# --- the regulator's tables -----------------------------------------------------------------------------------


def test_alerts_filter_by_district_and_status_and_page_through(client: TestClient, city: CityWorld) -> None:
    c = as_(client, city, "regulator")
    everything = c.get("/alerts?size=25")
    assert everything.status_code == 200
    total = matched(everything.text)
    assert total > 50 and len(rows(everything.text, "alerts")) == 25
    second = rows(c.get("/alerts?size=25&page=2").text, "alerts")
    assert second and second != rows(everything.text, "alerts")
    district = rows(everything.text, "alerts")[0]["district"]
    narrowed = c.get("/alerts", params={"district": district, "status": "open", "size": 200})
    kept = rows(narrowed.text, "alerts")
    assert 0 < matched(narrowed.text) < total and all(r["district"] == district for r in kept)
    assert all(r["status"] == "未关闭" for r in kept)
    latest_first = [r["opened_at"] for r in rows(everything.text, "alerts")]
    assert latest_first == sorted(latest_first, reverse=True)  # newest first by default
    oldest_first = [r["opened_at"] for r in rows(c.get("/alerts?sort=opened_at&dir=asc").text, "alerts")]
    assert oldest_first == sorted(oldest_first) and oldest_first[0] < latest_first[0]


def test_search_finds_an_elevator_by_each_of_its_codes(client: TestClient, city: CityWorld) -> None:
    c = as_(client, city, "regulator")
    first = rows(c.get("/elevators?size=25").text, "elevators")[3]
    for key in ("equipment_code", "registration_no", "rescue_code"):
        found = rows(c.get("/elevators", params={"q": first[key]}).text, "elevators")
        assert [r["equipment_code"] for r in found] == [first["equipment_code"]], key


def test_a_bad_query_is_refused_with_its_code(client: TestClient, city: CityWorld) -> None:
    c = as_(client, city, "regulator")
    for query, code in (("sort=signature", "request.invalid_sort"), ("page=0", "request.invalid_page"),
                        ("size=7", "request.invalid_page"), ("since=yesterday", "request.invalid_date"),
                        ("as_of=2025-13-40", "request.invalid_date"), ("format=pdf", "request.invalid_format")):
        response = c.get(f"/alerts?{query}")
        assert response.status_code == 400 and code in response.text, query


def test_export_writes_the_filtered_rows_unpaged_as_csv_and_excel(client: TestClient, city: CityWorld) -> None:
    c = as_(client, city, "regulator")
    page = c.get("/alerts?status=open&size=25")
    table = exported(c, "/alerts?status=open&size=25&format=csv")
    assert table[0][:3] == ["设备代码", "使用登记证编号", "区县"] and len(table) - 1 == matched(page.text) > 25
    assert all(len(row[0]) == 18 for row in table[1:])  # codes stay text: no digits lost
    workbook = c.get("/alerts?status=open&format=xlsx")
    assert workbook.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(workbook.content), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "设备代码" and len(values) == len(table)
    assert [str(v) for v in values[1][:3]] == table[1][:3]


def test_as_of_defaults_to_the_ledgers_latest_record_time_and_goes_back(client: TestClient, city: CityWorld) -> None:
    c = as_(client, city, "regulator")
    today = c.get("/alerts")
    end = city.truth["config"]["window"]["end"]  # exclusive: the city's last day is the one before
    assert 'name="as_of" value="2025-12-31"' in today.text and end == "2026-01-01"
    assert "账本最新记录时间 2025-12-31" in today.text
    earlier = c.get("/alerts?as_of=2024-06-30")
    assert 'name="as_of" value="2024-06-30"' in earlier.text and "回到最新" in earlier.text
    assert matched(earlier.text) < matched(today.text)
    assert all(r["opened_at"] <= "2024-06-30 23:59" for r in rows(c.get("/alerts?as_of=2024-06-30&size=200").text,
                                                                   "alerts"))
    assert 'name="as_of" value="2024-06-30"' in c.get("/elevators?as_of=2024-06-30").text  # shared by every page


def test_drill_down_from_an_alert_to_the_signed_record_and_its_proof(client: TestClient, city: CityWorld) -> None:
    c = as_(client, city, "regulator")
    html = c.get("/alerts?size=25").text
    link = re.search(r'<td data-key="evidence_count"><a href="(/records/[0-9a-f-]+)">', html).group(1)  # type: ignore[union-attr]
    record = c.get(link)
    assert record.status_code == 200
    for text in ("签名者", "✓ Ed25519 签名有效", "✓ 重新计算一致", "✓ 已对签名检查点验证", "记录内容"):
        assert text in record.text, text


def test_fraud_signals_are_the_regulators_alone(client: TestClient, city: CityWorld) -> None:
    c = as_(client, city, "regulator")
    signals = c.get("/fraud?size=200")
    assert signals.status_code == 200 and matched(signals.text) > 0
    for who in ("maintainer", "insurer"):
        assert as_(client, city, who).get("/fraud").status_code == 403


# --- the maintainer -------------------------------------------------------------------------------------------


def test_a_maintainer_sees_its_own_elevators_alerts_and_work(client: TestClient, city: CityWorld) -> None:
    c = as_(client, city, "maintainer")
    home = c.get("/maintainer")
    assert home.status_code == 200
    for section in ('id="due-visits"', 'id="open-alerts"', 'id="countersignatures"', "在保电梯"):
        assert section in home.text
    mine = rows(c.get("/elevators?size=200").text, "elevators")
    everyone = rows(as_(client, city, "regulator").get("/elevators?size=200").text, "elevators")
    c = as_(client, city, "maintainer")
    names = {r["maintainer_name"] for r in mine}
    assert len(names) == 1 and 0 < len(mine) < len(everyone)
    codes = {r["equipment_code"] for r in mine}
    alerts = rows(c.get("/alerts?size=200").text, "alerts")
    assert alerts and {r["equipment_code"] for r in alerts} <= codes
    waiting = c.get("/countersignatures?size=200")
    awaiting = {r["equipment_code"] for r in rows(waiting.text, "countersignatures")}
    assert waiting.status_code == 200 and awaiting <= codes
    other = next(r["equipment_code"] for r in everyone if r["equipment_code"] not in codes)
    assert c.get(f"/elevators/{other}").status_code == 403


def test_a_maintainer_cannot_open_another_maintainers_record(client: TestClient, city: CityWorld) -> None:
    regulator = as_(client, city, "regulator")
    mine = {r["equipment_code"] for r in rows(as_(client, city, "maintainer").get("/elevators?size=200").text,
                                              "elevators")}
    regulator = as_(client, city, "regulator")
    html = regulator.get("/alerts?size=200").text
    foreign = next(re.finditer(r'href="/elevators/(\d{18})".*?href="(/records/[0-9a-f-]+)"', html, flags=re.S))
    while foreign.group(1) in mine:
        foreign = next(re.finditer(r'href="/elevators/(\d{18})".*?href="(/records/[0-9a-f-]+)"',
                                   html[foreign.end():], flags=re.S))
    assert as_(client, city, "maintainer").get(foreign.group(2)).status_code == 403


# --- the insurer ----------------------------------------------------------------------------------------------


def test_the_insurers_portfolio_is_whole_and_speaks_plainly(client: TestClient, city: CityWorld) -> None:
    c = as_(client, city, "insurer")
    page = c.get("/insurer?size=25")
    assert page.status_code == 200
    insured = set(_insured(city))
    assert matched(page.text) == len(insured) and len(rows(page.text, "portfolio")) == min(25, len(insured))
    everything = exported(c, "/insurer?format=csv")
    assert {row[0] for row in everything[1:]} == insured
    code = rows(page.text, "portfolio")[0]["equipment_code"]
    detail = c.get(f"/elevators/{code}")
    assert 'id="premium"' in detail.text and "梯龄" in detail.text
    assert "age_years" not in detail.text and "grade_source" not in detail.text and "computed" not in detail.text
    claims = c.get("/claims?size=200")
    assert claims.status_code == 200


def _insured(city: CityWorld) -> set[str]:
    import orjson

    found = set()
    for line in (city.folder / "city.jsonl").read_bytes().splitlines():
        try:
            envelope = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if envelope.get("type") == "PolicyIssued" and envelope["actor"]["org"] == city.orgs["insurer"] \
                and envelope["payload"]["period_start"] <= "2025-12-31":
            found.add(envelope["equipment_code"])
    return found


# --- the export helper and the listing engine -------------------------------------------------------------------


def test_export_keeps_codes_as_text_and_never_writes_a_formula() -> None:
    columns = [Column("code", "设备代码"), Column("note", "备注"), Column("paid", "赔付(元)", "yuan"),
               Column("at", "时间", "instant")]
    data: list[dict[str, Any]] = [{"code": "011031001201800001", "note": "=HYPERLINK(\"http://x\")", "paid": 12345,
                                   "at": "2025-01-01T00:00:00Z"}]
    table = list(csv.reader(io.StringIO(to_csv(columns, data).decode("utf-8-sig"))))
    assert table[1] == ["011031001201800001", "'=HYPERLINK(\"http://x\")", "123.45", "2025-01-01 08:00"]
    sheet = load_workbook(io.BytesIO(to_xlsx("t", columns, data))).active
    assert sheet["A2"].value == "011031001201800001" and sheet["A2"].data_type == "s"
    assert sheet["B2"].data_type == "s" and sheet["C2"].value == 123.45


def test_listing_filters_then_searches_then_sorts_then_pages() -> None:
    listing = Listing("t", (Field("code", "code"), Field("n", "n", "int")), (Filter("d", "d"),), ("code",), size=25)
    data = [{"code": f"C{i:03d}", "n": i % 7, "d": "东" if i % 2 else "西"} for i in range(100)]
    page = listing.answer(data, listing.query({"d": "东", "q": "C0", "sort": "n", "dir": "desc", "page": "2"}))
    assert len(page.matched) == 50 and all(r["d"] == "东" for r in page.matched)
    assert [r["n"] for r in page.matched] == sorted((r["n"] for r in page.matched), reverse=True)
    assert page.rows == page.matched[25:50] and page.pages == 2
    assert page.choices["d"] == [("东", "东"), ("西", "西")]
