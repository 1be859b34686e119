"""Settings from the environment, and the charts drawn for the pages (both pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.http.charts import Bar, Point, bar_chart, line_chart
from api.http.settings import Settings
from ledger.core.errors import ConfigurationError


def test_settings_from_the_environment_and_overrides() -> None:
    settings = Settings.from_env({
        "LIFTLEDGER_STORE": "sqlite:///x.sqlite", "LIFTLEDGER_PLATFORM_KEY": "/k/platform.key",
        "LIFTLEDGER_PLATFORM_ORG": "91310000MA00000126", "LIFTLEDGER_WITNESS_LOGS": "a+1+x, b+2+y",
        "LIFTLEDGER_REPORT_LIMIT": "9", "LIFTLEDGER_TRUST_FORWARDED_FOR": "yes", "LIFTLEDGER_TITLE": "",
    }, store="sqlite:///y.sqlite", witness_key=None)
    assert settings.store == "sqlite:///y.sqlite" and settings.platform_key == Path("/k/platform.key")
    assert settings.witness_logs == ("a+1+x", "b+2+y") and settings.report_limit == 9
    assert settings.trust_forwarded_for and settings.platform_enabled and not settings.witness_enabled
    assert settings.title == "LiftLedger"


@pytest.mark.parametrize(("name", "value"), [("REPORT_LIMIT", "many"), ("COOKIE_SECURE", "maybe")])
def test_bad_settings_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=f"LIFTLEDGER_{name}"):
        Settings.from_env({f"LIFTLEDGER_{name}": value})


def test_line_chart_draws_points_gaps_and_the_target() -> None:
    svg = str(line_chart("应急响应率", [Point("24-01", 0.99, True), Point("24-02", None), Point("24-03", 0.5, False)],
                         target=0.99, target_text="目标 ≥ 99%", percent=True))
    assert 'data-points="2"' in svg and 'data-target="0.99"' in svg
    points = svg[svg.index('class="points"'):]
    assert points[:points.index("</g>\n   </g>")].count("<use") == 2  # one mark per value, none for the gap
    assert 'class="target"' in svg and "目标 ≥ 99%" in svg and "#cf222e" in svg and "#1a7f37" in svg
    assert "style=" not in svg and "<style" not in svg  # the pages allow no inline style: attributes only
    assert ">24-01<" in svg and ">24-03<" in svg  # month labels are text


def test_charts_escape_their_labels() -> None:
    svg = str(bar_chart("<script>", [Bar("<b>&</b>", 50.0, "A", True)]))
    assert "<script>" not in svg and "&lt;b&gt;&amp;&lt;/b&gt;" in svg
