"""Charts as inline SVG, drawn on the server: no JavaScript, no charting library, nothing fetched.

A KPI chart is a line over months with the seed target as a dashed line and each month's point coloured by
pass/fail; a bar chart ranks parties. The SVG carries ``data-*`` attributes (points drawn, target) so tests can
check what a chart shows, and a ``<title>`` for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

__all__ = ["Bar", "Point", "bar_chart", "line_chart"]

_PASS, _FAIL, _NONE, _LINE = "#1a7f37", "#cf222e", "#8c959f", "#0969da"


@dataclass(frozen=True, slots=True)
class Point:
    label: str
    value: float | None
    ok: bool | None = None


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    note: str = ""
    ok: bool | None = None


def _fmt(value: float, percent: bool) -> str:
    return f"{value * 100:.1f}%" if percent else f"{value:.1f}"


def _colour(ok: bool | None) -> str:
    return _NONE if ok is None else (_PASS if ok else _FAIL)


def line_chart(title: str, points: Sequence[Point], *, target: float | None = None, target_text: str = "",
               percent: bool = False, width: int = 360, height: int = 190) -> Markup:
    """A line of ``points`` (None values leave a gap) with an optional dashed target line."""
    left, right, top, bottom = 46, 10, 22, 26
    values = [p.value for p in points if p.value is not None] + ([target] if target is not None else [])
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    low, high = min(low, 0.0), high if high > low else low + 1.0
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / max(len(points), 1))

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - low) / (high - low))

    parts = [f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#f6f8fa"/>',
             f'<text x="4" y="{top + 8}" class="axis">{escape(_fmt(high, percent))}</text>',
             f'<text x="4" y="{top + plot_h}" class="axis">{escape(_fmt(low, percent))}</text>',
             f'<text x="{left}" y="14" class="chart-title">{escape(title)}</text>']
    if target is not None:
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(target):.1f}" y2="{y(target):.1f}" '
                     f'stroke="{_FAIL}" stroke-dasharray="4 3" class="target"/>'
                     f'<text x="{left + plot_w}" y="{y(target) - 3:.1f}" text-anchor="end" class="axis">'
                     f'{escape(target_text)}</text>')
    segment: list[str] = []
    drawn = 0
    for i, point in enumerate(points):
        parts.append(f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="middle" class="axis">'
                     f'{escape(point.label)}</text>')
        if point.value is None:
            parts.append(_polyline(segment))
            segment = []
            continue
        drawn += 1
        segment.append(f"{x(i):.1f},{y(point.value):.1f}")
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(point.value):.1f}" r="3.5" fill="{_colour(point.ok)}">'
                     f'<title>{escape(point.label)}: {escape(_fmt(point.value, percent))}</title></circle>')
    parts.append(_polyline(segment))
    return _svg(title, width, height, parts, drawn, target)


def _polyline(points: list[str]) -> str:
    if len(points) < 2:
        return ""
    return f'<polyline points="{" ".join(points)}" fill="none" stroke="{_LINE}" stroke-width="2"/>'


def bar_chart(title: str, bars: Sequence[Bar], *, maximum: float = 100.0, width: int = 360) -> Markup:
    """Horizontal bars, one per party, longest for the highest value."""
    row, left, top = 22, 150, 22
    height = top + row * max(len(bars), 1) + 6
    plot_w = width - left - 50
    parts = [f'<text x="0" y="14" class="chart-title">{escape(title)}</text>']
    for i, bar in enumerate(bars):
        y0 = top + i * row
        length = max(0.0, min(1.0, bar.value / maximum)) * plot_w if maximum else 0.0
        parts.append(f'<text x="{left - 6}" y="{y0 + 14}" text-anchor="end" class="axis">{escape(bar.label[:14])}'
                     f'</text><rect x="{left}" y="{y0 + 3}" width="{length:.1f}" height="{row - 8}" '
                     f'fill="{_colour(bar.ok)}"><title>{escape(bar.label)}: {bar.value:.1f}</title></rect>'
                     f'<text x="{left + length + 4:.1f}" y="{y0 + 14}" class="axis">{bar.value:.1f} '
                     f'{escape(bar.note)}</text>')
    return _svg(title, width, height, parts, len(bars), None)


def _svg(title: str, width: int, height: int, parts: list[str], drawn: int, target: float | None) -> Markup:
    target_attr = f' data-target="{target}"' if target is not None else ""
    return Markup(
        f'<svg class="chart" role="img" aria-label={quoteattr(title)} viewBox="0 0 {width} {height}" '
        f'width="100%" data-points="{drawn}"{target_attr} xmlns="http://www.w3.org/2000/svg">'
        f'<title>{escape(title)}</title>{"".join(parts)}</svg>'
    )
