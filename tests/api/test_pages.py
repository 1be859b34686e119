"""The web pages in-process: login, who may open which page, what each shows (the browser tests render them)."""

from __future__ import annotations

import re

import pytest

from tests.api.world import ELEVATOR_A, ELEVATOR_B, ApiWorld


def _login(world: ApiWorld, who: str) -> None:
    world.client.cookies.clear()
    r = world.client.post("/login", data={"token": world.tokens[who]}, follow_redirects=False)
    assert r.status_code == 303
    world.client.cookies.set("ll_token", world.tokens[who])


@pytest.fixture
def pages(served: ApiWorld) -> ApiWorld:
    served.client.cookies.clear()
    return served


def test_login_sets_a_strict_httponly_cookie_and_goes_home(pages: ApiWorld) -> None:
    r = pages.client.post("/login", data={"token": pages.tokens["insurer"]}, follow_redirects=False)
    assert r.headers["location"] == "/insurer"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    r = pages.client.post("/login", data={"token": pages.tokens["regulator"], "next": "//evil.example/x"},
                          follow_redirects=False)
    assert r.headers["location"] == "/dashboard"


def test_a_bad_token_stays_on_the_login_page(pages: ApiWorld) -> None:
    r = pages.client.post("/login", data={"token": "llt_wrong"})
    assert r.status_code == 401 and "登录失败" in r.text


def test_pages_need_a_login(pages: ApiWorld) -> None:
    r = pages.client.get("/dashboard", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/login?next=/dashboard")


def test_dashboard_is_for_regulators(pages: ApiWorld) -> None:
    _login(pages, "insurer")
    r = pages.client.get("/dashboard")
    assert r.status_code == 403 and "auth.role_forbidden" in r.text
    _login(pages, "regulator")
    r = pages.client.get("/dashboard")
    assert r.status_code == 200
    assert len(re.findall(r'<figure class="kpi"', r.text)) == 5
    assert "未关闭的合规预警" in r.text and "疑似造假信号" in r.text and "信用最低的维保单位" in r.text
    assert "安心电梯维保有限公司" in r.text


def test_elevator_page_timeline_badges_and_responsibility(pages: ApiWorld) -> None:
    _login(pages, "regulator")
    r = pages.client.get(f"/elevators/{ELEVATOR_A}")
    assert r.status_code == 200
    events = re.findall(r'<li class="event', r.text)
    assert len(events) == len(pages.services.ctx.store.index.stream_rows(ELEVATOR_A))
    assert r.text.count("✓ 已验证") == len(events)
    assert 'id="responsibility"' in r.text and "困人救援" in r.text
    _login(pages, "maintainer")
    r = pages.client.get(f"/elevators/{ELEVATOR_A}")
    assert r.status_code == 200 and 'id="responsibility"' not in r.text
    r = pages.client.get(f"/elevators/{ELEVATOR_B}")
    assert r.status_code == 403


def test_insurer_view_lists_claims_and_the_coefficient(pages: ApiWorld) -> None:
    _login(pages, "insurer")
    r = pages.client.get("/insurer")
    assert r.status_code == 200 and ELEVATOR_A in r.text and 'data-key="coefficient"' in r.text
    assert ELEVATOR_B not in r.text
    r = pages.client.get("/claims")
    assert r.status_code == 200 and "PA-CL-2024-0077" in r.text
    _login(pages, "maintainer")
    assert pages.client.get("/insurer").status_code == 403


def test_public_page_is_chinese_and_needs_no_login(pages: ApiWorld) -> None:
    r = pages.client.get(f"/public/elevators/{ELEVATOR_A}")
    assert r.status_code == 200
    for text in ("使用单位", "维保单位", "最近维保日期", "下次检验日期", "96333", "310001", 'id="report-form"'):
        assert text in r.text
    assert "script-src" not in r.headers["content-security-policy"]  # default-src 'none': no scripts at all
    assert pages.client.get("/public/lookup", params={"code": ELEVATOR_A},
                            follow_redirects=False).headers["location"] == f"/public/elevators/{ELEVATOR_A}"


def test_public_form_submits(api: ApiWorld) -> None:
    form = {"equipment_code": ELEVATOR_A, "category": "entrapment", "summary": "有人被困"}
    r = api.client.post("/public/reports", data=form)
    assert r.status_code == 201 and "已受理" in r.text
    r = api.client.post("/public/reports", data={**form, "summary": ""})
    assert r.status_code == 422
    r = api.client.post("/public/reports", data={**form, "equipment_code": ELEVATOR_B})
    assert r.status_code == 409 and "未能受理" in r.text
    r = api.client.post("/public/reports", data={**form, "equipment_code": "311031001209900001"})
    assert r.status_code == 404
    r = api.client.post("/public/reports", content=b"{}", headers={"Content-Type": "application/json"})
    assert r.status_code == 400


def test_logout_clears_the_cookie(pages: ApiWorld) -> None:
    r = pages.client.post("/logout", follow_redirects=False)
    assert r.status_code == 303 and "ll_token=" in r.headers["set-cookie"]
