"""扫一扫: the public summary (no personal data) and public reports (signed by the platform, rate-limited)."""

from __future__ import annotations

import io
import re

import orjson
import pytest
import zxingcpp
from PIL import Image

from api.http.services.public import mask_personal_data
from ledger.core.submission import parse_line
from tests.api.world import ELEVATOR_A, ELEVATOR_B, ApiWorld


def test_summary_is_what_the_sign_shows(served: ApiWorld) -> None:
    s = served.get(f"/v1/public/elevators/{ELEVATOR_A}").json()
    assert s["user_unit"]["name"] == "阳光物业管理有限公司" and s["maintainer"]["name"] == "安心电梯维保有限公司"
    assert s["last_maintenance_date"] == "2024-06-04"
    assert s["inspection"] == {"status": "valid", "valid_until": "2025-06-30"}
    assert s["rescue"] == {"phone": "96333", "rescue_code": "310001"}
    assert s["registration_no"] == "梯31沪A18001(18)" and s["status"] == "in_service"


def test_summary_carries_no_personal_data(served: ApiWorld) -> None:
    text = served.get(f"/v1/public/elevators/{ELEVATOR_A}").text
    certificates = [c for org in served.orgs.values() for certs in org.people.values() for c in certs]
    assert certificates and not any(c in text for c in certificates)
    assert "persons" not in text and "cert_no" not in text


def test_decommissioned_and_unknown(served: ApiWorld) -> None:
    assert served.get(f"/v1/public/elevators/{ELEVATOR_B}").json()["status"] == "decommissioned"
    r = served.get("/v1/public/elevators/311031001209900001")
    assert (r.status_code, r.json()["error"]["code"]) == (404, "elevator.unknown")
    bad = served.get("/v1/public/elevators/12345")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "request.invalid"


def test_a_report_is_a_complaint_signed_by_the_platform(api: ApiWorld) -> None:
    r = api.post("/v1/public/reports", json={"equipment_code": ELEVATOR_A, "category": "fault",
                                             "summary": "3楼门关不上，联系我 138 0013 8000 或 a@b.cn"})
    assert r.status_code == 201
    receipt = r.json()
    assert receipt["masked"] and "138" not in receipt["summary"] and "a@b.cn" not in receipt["summary"]
    row = api.services.ctx.store.tree.leaf_of(receipt["event_id"])
    assert row is not None and row.type == "ComplaintFiled" and row.org == api.orgs["platform"].org
    record = api.services.ctx.store.index.record_at(row.position)
    assert record is not None
    sub = parse_line(record)
    assert sub.role == "platform_96333" and sub.payload.channel == "qr_code"  # type: ignore[attr-defined]
    assert orjson.loads(record)["payload"]["complaint_no"] == receipt["complaint_no"]
    complaints = api.get(f"/v1/elevators/{ELEVATOR_A}/dossier", "regulator").json()["complaints"]
    assert [c["complaint_no"] for c in complaints] == [receipt["complaint_no"]]


def test_reports_are_rate_limited_per_client(api: ApiWorld) -> None:
    body = {"equipment_code": ELEVATOR_A, "category": "service", "summary": "照明坏了"}
    assert [api.post("/v1/public/reports", json=body).status_code for _ in range(3)] == [201, 201, 201]
    limited = api.post("/v1/public/reports", json=body)
    assert (limited.status_code, limited.json()["error"]["code"]) == (429, "rate.limited")
    assert int(limited.headers["retry-after"]) > 0


def test_report_refusals(api: ApiWorld) -> None:
    r = api.post("/v1/public/reports", json={"equipment_code": ELEVATOR_B, "category": "fault", "summary": "坏了"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "elevator.decommissioned")
    r = api.post("/v1/public/reports", json={"equipment_code": "311031001209900001", "category": "fault",
                                             "summary": "坏了"})
    assert r.status_code == 404
    for bad in ({"equipment_code": ELEVATOR_A, "category": "nonsense", "summary": "x"},
                {"equipment_code": ELEVATOR_A, "category": "fault", "summary": ""},
                {"equipment_code": ELEVATOR_A, "category": "fault", "summary": "x" * 501},
                {"equipment_code": ELEVATOR_A, "category": "fault", "summary": "x", "name": "张三"}):
        r = api.post("/v1/public/reports", json=bad)
        assert (r.status_code, r.json()["error"]["code"]) == (422, "request.invalid")


def test_reports_need_the_platform_key(api: ApiWorld) -> None:
    api.services.public.settings = api.settings.with_(platform_key=None)
    api.services.public._platform = None
    r = api.post("/v1/public/reports", json={"equipment_code": ELEVATOR_A, "category": "fault", "summary": "坏了"})
    assert (r.status_code, r.json()["error"]["code"]) == (503, "service.unavailable")


@pytest.mark.parametrize(("text", "masked"), [
    ("电话13800138000", "电话***"), ("身份证 11010519491231002X 的人", "身份证 *** 的人"),
    ("2024-05-06 3楼", "2024-05-06 3楼"), ("写信 x.y@example.com", "写信 ***"), ("1234567", "***"),
    ("123456", "123456"),
])
def test_masking_personal_data(text: str, masked: str) -> None:
    assert mask_personal_data(text)[0] == masked


def test_rate_limiter_refills() -> None:
    from api.http.errors import RateLimitedError
    from api.http.ratelimit import RateLimiter

    now = [0.0]
    limiter = RateLimiter(2, 60, clock=lambda: now[0])
    limiter.spend("a")
    limiter.spend("a")
    limiter.spend("b")
    with pytest.raises(RateLimitedError) as refused:
        limiter.spend("a")
    assert refused.value.retry_after == 30
    now[0] = 31
    limiter.spend("a")
    assert re.fullmatch(r"\d+", str(refused.value.retry_after))


def _decoded(png: bytes) -> str:
    (barcode,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert barcode.format == zxingcpp.BarcodeFormat.QRCode
    return str(barcode.text)


def test_the_sign_s_qr_code_scans_to_the_public_page(served: ApiWorld) -> None:
    png = served.get(f"/v1/public/elevators/{ELEVATOR_A}/qr.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert _decoded(png.content) == f"http://testserver/public/elevators/{ELEVATOR_A}"  # the asking address
    svg = served.get(f"/v1/public/elevators/{ELEVATOR_A}/qr.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and svg.text.lstrip().startswith("<svg")
    assert served.get(f"/public/elevators/{ELEVATOR_A}").text.count(f"/v1/public/elevators/{ELEVATOR_A}/qr.") == 2


def test_the_qr_code_carries_the_configured_public_address(served: ApiWorld) -> None:
    public = served.services.public
    before = public.settings
    public.settings = before.with_(public_url="https://dt.example.gov.cn/")  # as --public-url sets it
    try:
        png = served.get(f"/v1/public/elevators/{ELEVATOR_A}/qr.png").content
        assert _decoded(png) == f"https://dt.example.gov.cn/public/elevators/{ELEVATOR_A}"
    finally:
        public.settings = before


def test_no_qr_code_for_an_unknown_elevator_or_a_bad_kind(served: ApiWorld) -> None:
    unknown = served.get("/v1/public/elevators/311031001209900001/qr.svg")
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "elevator.unknown")
    assert served.get(f"/v1/public/elevators/{ELEVATOR_A}/qr.gif").status_code == 422
