"""The web pages in headless Chromium (Debian's /usr/bin/chromium driven by playwright) against a real server.

Pages load, the charts render (SVG drawn with points and a target line), the report form submits; a screenshot of
each page is kept under tests/artifacts/browser/. Skipped, saying why, where Chromium or playwright is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.live import REPO, LiveServer
from tests.api.world import ELEVATOR_A

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / "tests" / "artifacts" / "browser"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium (apt-get install -y chromium) to run the browser "
                "tests", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package (test extra) is not installed")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    blocked: list[str] = []
    page.on("request", lambda request: blocked.append(request.url)
            if not request.url.startswith("http://127.0.0.1") and not request.url.startswith("data:") else None)
    yield page
    context.close()
    assert not blocked, f"the page fetched from elsewhere: {blocked}"


def _shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    return path


def _login(page: Any, live: LiveServer, who: str) -> None:
    page.goto(f"{live.url}/login")
    page.fill("#token", live.world.tokens[who])
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state("load")


def test_regulator_dashboard_renders_its_charts(page: Any, live: LiveServer) -> None:
    _login(page, live, "regulator")
    assert page.url.endswith("/dashboard")
    charts = page.locator("#kpi-charts figure.kpi svg.chart")
    assert charts.count() == 5
    for i in range(5):
        box = charts.nth(i).bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 80
    assert page.locator("#kpi-charts svg g.target").count() == 5
    assert page.locator("#kpi-charts svg g.points use").count() >= 5
    assert page.locator("#worst svg.chart g.bars path").count() >= 1
    assert "安心电梯维保有限公司" in page.inner_text("#worst")
    assert page.locator("#alerts tbody tr").count() >= 1
    _shot(page, "dashboard")


def test_elevator_dossier_timeline_with_verified_badges(page: Any, live: LiveServer) -> None:
    _login(page, live, "regulator")
    page.goto(f"{live.url}/elevators/{ELEVATOR_A}")
    events = page.locator("#timeline li.event")
    assert events.count() >= 40
    assert page.locator("#timeline li.event .badge.verified").count() == events.count()
    assert "困人救援" in page.inner_text("#responsibility")
    assert page.locator("#responsibility li").count() >= 2
    assert "已验证" in page.inner_text("#verification")
    _shot(page, "elevator")


def test_insurer_view_shows_claims_and_the_coefficient(page: Any, live: LiveServer) -> None:
    _login(page, live, "insurer")
    assert page.url.endswith("/insurer")
    assert ELEVATOR_A in page.inner_text("#portfolio-table")
    assert float(page.inner_text("#portfolio-table td[data-key=coefficient]")) > 0
    _shot(page, "insurer")
    page.click(f"#portfolio-table a[href='/elevators/{ELEVATOR_A}']")
    assert float(page.inner_text("#premium .coefficient")) > 0
    assert "age_years" not in page.inner_text("#premium") and "梯龄" in page.inner_text("#premium")


def test_public_qr_page_on_a_phone_and_its_report_form(browser: Any, live: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{live.url}/public/elevators/{ELEVATOR_A}")
        summary = page.inner_text("#public-summary")
        for text in ("阳光物业管理有限公司", "维保单位", "最近维保日期", "2024-06-04", "96333", "310001",
                     "下次检验日期"):
            assert text in summary
        phone = page.locator(".rescue .phone").bounding_box()
        assert phone is not None and phone["width"] < 390  # fits the phone's width
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        _shot(page, "public-qr")
        page.select_option("#category", "fault")
        page.fill("#summary", "3楼层门关不上, 联系13800138000")
        page.click("#report-form button[type=submit]")
        page.wait_for_load_state("load")
        receipt = page.inner_text("#report-receipt")
        assert "已受理" in receipt and "QR" in receipt and "已隐去" in receipt
        _shot(page, "public-qr-report")
    finally:
        context.close()


def test_login_refuses_a_bad_token(page: Any, live: LiveServer) -> None:
    page.goto(f"{live.url}/dashboard")
    assert "/login" in page.url
    page.fill("#token", "llt_wrong")
    page.click("#login-form button[type=submit]")
    assert "登录失败" in page.inner_text("main")
