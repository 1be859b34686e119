"""The console in headless Chromium (Debian's /usr/bin/chromium, driven by playwright) against ``liftledger serve``
on a simulated city: people filter, page, export and drill down on the regulator's, the maintainer's and the
insurer's views, on a desktop and on a phone; /docs and /redoc render with the network cut off. Screenshots are
kept under tests/artifacts/browser/.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook

from tests.api.city import CityWorld
from tests.api.live import serve_store
from tests.api.test_browser import ARTIFACTS, CHROMIUM, FLAGS

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium to run the browser tests", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package (test extra) is not installed")

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def server(city: CityWorld, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_store(city.url, tmp_path_factory.mktemp("console") / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _page(browser: Any, server: str, city: CityWorld, who: str, device: dict[str, Any]) -> Any:
    context = browser.new_context(locale="zh-CN", accept_downloads=True, **device)
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server) else None)
    page.goto(f"{server}/login")
    page.fill("#token", city.tokens[who])
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state("load")
    page.outside = outside
    return page


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def _params(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def _matched(page: Any, table: str) -> int:
    return int(page.inner_text(f"#{table}-summary b.matched"))


def _column(page: Any, table: str, key: str) -> list[str]:
    return [cell.strip() for cell in page.locator(f"#{table}-table tbody td[data-key={key}]").all_inner_texts()]


def _fits(page: Any) -> None:
    """Nothing wider than the screen but the tables, which scroll inside their own box."""
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"] + 1


def _download(page: Any, link: str) -> bytes:
    with page.expect_download() as event:
        page.click(link)
    path = event.value.path()
    return Path(path).read_bytes()


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_regulator_filters_pages_exports_and_drills_down(browser: Any, server: str, city: CityWorld,
                                                             device: dict[str, Any]) -> None:
    page = _page(browser, server, city, "regulator", device)
    page.goto(f"{server}/alerts")
    total = _matched(page, "alerts")
    page.select_option("#alerts-filters select[name=status]", "open")
    page.select_option("#alerts-filters select[name=size]", "25")
    district = page.locator("#alerts-filters select[name=district] option").nth(1).get_attribute("value")
    page.select_option("#alerts-filters select[name=district]", district)
    page.click("#alerts-filters button[type=submit]")
    page.wait_for_load_state("load")
    assert _params(page)["district"] == [district] and _params(page)["status"] == ["open"]
    narrowed = _matched(page, "alerts")
    assert 0 < narrowed < total and set(_column(page, "alerts", "district")) == {district}
    page.goto(f"{server}/alerts?size=25")
    first = _column(page, "alerts", "equipment_code")
    page.click("nav.pager a[rel=next]")
    page.wait_for_load_state("load")
    assert _params(page)["page"] == ["2"] and _column(page, "alerts", "equipment_code") != first
    exported = list(csv.reader(io.StringIO(_download(page, "#alerts-summary a.export[data-format=csv]")
                                           .decode("utf-8-sig"))))
    assert len(exported) - 1 == _matched(page, "alerts")
    _fits(page)
    _shot(page, f"console-alerts-{'phone' if device is PHONE else 'desktop'}")
    page.click("#alerts-table td[data-key=evidence_count] a >> nth=0")
    page.wait_for_load_state("load")
    assert "/records/" in page.url and "已验证" in page.inner_text("h1")
    assert "已对签名检查点验证" in page.inner_text("#proof")
    _fits(page)
    _shot(page, f"console-record-{'phone' if device is PHONE else 'desktop'}")
    assert not page.outside, page.outside
    page.context.close()


def test_the_as_of_control_is_shared_by_every_page(browser: Any, server: str, city: CityWorld) -> None:
    page = _page(browser, server, city, "regulator", DESKTOP)
    page.goto(f"{server}/alerts")
    assert page.input_value("#as-of input[name=as_of]") == "2025-12-31"
    page.fill("#as-of input[name=as_of]", "2024-06-30")
    page.click("#as-of button[type=submit]")
    page.wait_for_load_state("load")
    assert _params(page)["as_of"] == ["2024-06-30"] and "日终" in page.inner_text("#as-of")
    page.click("header.top nav a[href^='/elevators']")
    page.wait_for_load_state("load")
    assert _params(page)["as_of"] == ["2024-06-30"]
    assert page.input_value("#as-of input[name=as_of]") == "2024-06-30"
    page.context.close()


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_maintainer_works_from_its_own_view(browser: Any, server: str, city: CityWorld,
                                               device: dict[str, Any]) -> None:
    page = _page(browser, server, city, "maintainer", device)
    assert page.url.endswith("/maintainer")
    for section in ("#due-visits", "#open-alerts", "#countersignatures"):
        assert page.locator(section).count() == 1
    _fits(page)
    _shot(page, f"console-maintainer-{'phone' if device is PHONE else 'desktop'}")
    page.click("#maintainer-stats a[href^='/elevators']")
    page.wait_for_load_state("load")
    mine = _matched(page, "elevators")
    assert mine > 0 and len(set(_column(page, "elevators", "maintainer_name"))) == 1
    page.fill("#elevators-filters input[name=q]", _column(page, "elevators", "rescue_code")[0])
    page.click("#elevators-filters button[type=submit]")
    page.wait_for_load_state("load")
    assert _matched(page, "elevators") == 1
    page.goto(f"{server}/alerts?size=25")
    assert _matched(page, "alerts") > 0
    page.click("#alerts-table td[data-key=equipment_code] a >> nth=0")
    page.wait_for_load_state("load")
    page.click("#timeline a.open-record >> nth=0")
    page.wait_for_load_state("load")
    assert "/records/" in page.url and page.locator("#signer").count() == 1
    _fits(page)
    assert not page.outside, page.outside
    page.context.close()


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_insurer_pages_through_its_whole_portfolio_and_exports_it(browser: Any, server: str, city: CityWorld,
                                                                      device: dict[str, Any]) -> None:
    page = _page(browser, server, city, "insurer", device)
    assert page.url.endswith("/insurer")
    page.goto(f"{server}/insurer?size=25")
    insured = _matched(page, "portfolio")
    shown = _column(page, "portfolio", "equipment_code")
    assert len(shown) == min(25, insured)
    assert all(float(v) > 0 for v in _column(page, "portfolio", "coefficient"))
    workbook = load_workbook(io.BytesIO(_download(page, "#portfolio-summary a.export[data-format=xlsx]")))
    assert workbook.active.max_row - 1 == insured  # every insured elevator, not the first page
    _fits(page)
    _shot(page, f"console-insurer-{'phone' if device is PHONE else 'desktop'}")
    page.click(f"#portfolio-table a[href='/elevators/{shown[0]}']")
    page.wait_for_load_state("load")
    premium = page.inner_text("#premium")
    assert "梯龄" in premium and "age_years" not in premium and "computed" not in premium
    page.goto(f"{server}/claims?size=25")
    if _matched(page, "claims"):
        page.click("#claims-table td[data-key=claim_no] a >> nth=0")
        page.wait_for_load_state("load")
        assert "/records/" in page.url
    assert not page.outside, page.outside
    page.context.close()


def test_docs_and_redoc_render_with_the_network_cut_off(browser: Any, server: str) -> None:
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    refused: list[str] = []

    def local_only(route: Any) -> None:
        if route.request.url.startswith(server):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", local_only)
    page.goto(f"{server}/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
    assert "LiftLedger" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".opblock").count() > 20
    _shot(page, "docs-offline")
    page.goto(f"{server}/redoc")
    page.wait_for_selector("redoc h1, [role=navigation]", timeout=30_000)
    assert "LiftLedger" in page.inner_text("body")
    _shot(page, "redoc-offline")
    assert not refused, refused
    context.close()
