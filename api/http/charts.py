"""Charts drawn on the server with matplotlib and sent inline as SVG: nothing runs in the browser, nothing is fetched.

matplotlib lays out the axes — month labels that never run together (thinned and turned when there are many),
value ticks with their unit (``%`` or minutes), a dashed target line with its label — and writes text as text
(``svg.fonttype = none``), so the browser draws the Chinese in its own fonts and a screen reader reads it. Each
chart is an ``<svg class="chart">`` with ``data-points`` (values drawn) and ``data-target``, and named groups
(``points``, ``target``, ``bars``) that tests and stylesheets can find. Drawing is cached per chart content.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from xml.sax.saxutils import quoteattr

from markupsafe import Markup

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["Bar", "Point", "bar_chart", "line_chart"]

_PASS, _FAIL, _NONE, _LINE, _GRID = "#1a7f37", "#cf222e", "#8c959f", "#0969da", "#d0d7de"
_FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei",
          "sans-serif"]
_LOCK = threading.Lock()  # matplotlib's font cache and rcParams are not thread-safe


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


def _colour(ok: bool | None) -> str:
    return _NONE if ok is None else (_PASS if ok else _FAIL)


def line_chart(title: str, points: Sequence[Point], *, target: float | None = None, target_text: str = "",
               percent: bool = False, width: int = 360, height: int = 200) -> Markup:
    """A line of ``points`` over months (None values leave a gap) with an optional dashed target line."""
    return _line(title, tuple(points), target, target_text, percent, width, height)


def bar_chart(title: str, bars: Sequence[Bar], *, maximum: float = 100.0, width: int = 360) -> Markup:
    """Horizontal bars, one per party, with the value written at the end of each."""
    return _bars(title, tuple(bars), maximum, width)


@lru_cache(maxsize=256)
def _line(title: str, points: tuple[Point, ...], target: float | None, target_text: str, percent: bool,
          width: int, height: int) -> Markup:
    from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

    with _LOCK:
        figure, ax = _figure(width, height)
        xs = list(range(len(points)))
        values = [p.value for p in points]
        ax.plot(xs, [float("nan") if v is None else v for v in values], color=_LINE, linewidth=1.8, zorder=2)
        drawn = [(x, p) for x, p in zip(xs, points, strict=True) if p.value is not None]
        if drawn:
            ax.scatter([x for x, _ in drawn], [p.value or 0.0 for _, p in drawn], s=22, zorder=3,
                       c=[_colour(p.ok) for _, p in drawn], gid="points")
        if target is not None:
            ax.axhline(target, color=_FAIL, linestyle=(0, (4, 3)), linewidth=1.2, gid="target", zorder=1)
            if target_text:
                ax.annotate(target_text, xy=(1, target), xycoords=("axes fraction", "data"), ha="right",
                            va="bottom", fontsize=8, color=_FAIL)
        shown = [v for v in values if v is not None] + ([target] if target is not None else [])
        low, high = (min(shown), max(shown)) if shown else (0.0, 1.0)
        margin = (high - low) * 0.25 or max(abs(high) * 0.05, 0.01)
        ax.set_ylim(max(0.0, low - margin), high + margin)  # around the values: a rate near 99% is not flattened
        ax.yaxis.set_major_locator(MaxNLocator(4))
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None) if percent
                                     else FuncFormatter(lambda v, _: f"{v:g}"))
        step = max(1, -(-len(points) // 6))  # at most six month labels, evenly spaced
        ax.set_xticks(xs[::step], [p.label for p in points][::step])
        ax.set_xlim(-0.5, max(len(points) - 0.5, 0.5))
        ax.set_title(title, fontsize=10, loc="left")
        svg = _svg(figure)
    return _wrap(svg, title, len(drawn), target)


@lru_cache(maxsize=256)
def _bars(title: str, bars: tuple[Bar, ...], maximum: float, width: int) -> Markup:
    with _LOCK:
        figure, ax = _figure(width, 40 + 26 * max(len(bars), 1))
        labels = [b.label[:14] for b in bars]
        ys = list(range(len(bars)))
        ax.barh(ys, [b.value for b in bars], color=[_colour(b.ok) for b in bars], height=0.6, gid="bars")
        for y, bar in zip(ys, bars, strict=True):
            ax.text(bar.value, y, f" {bar.value:.1f} {bar.note}", va="center", fontsize=8)
        ax.set_yticks(ys, labels)
        ax.invert_yaxis()
        ax.set_xlim(0, maximum * 1.15 if maximum else 1)
        ax.set_title(title, fontsize=10, loc="left")
        svg = _svg(figure)
    return _wrap(svg, title, len(bars), None)


def _figure(width: int, height: int) -> tuple[Figure, Axes]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    matplotlib.rcParams.update({"svg.fonttype": "none", "font.family": "sans-serif", "font.sans-serif": _FONTS,
                                "font.size": 8, "axes.spines.top": False, "axes.spines.right": False,
                                "axes.edgecolor": _GRID, "svg.hashsalt": "liftledger"})
    figure = Figure(figsize=(width / 72, height / 72), dpi=72, layout="constrained")
    ax = figure.add_subplot()
    ax.grid(axis="y", color=_GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    ax.tick_params(colors="#57606a", length=2)
    return figure, ax


def _svg(figure: Figure) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return out.getvalue()


_ROOT = re.compile(r"<svg\b[^>]*>")
_STYLE = re.compile(r'style="([^"]*)"')


def _presentational(svg: str) -> str:
    """matplotlib's ``style`` attributes as SVG presentation attributes (``fill="…"``): the pages' Content Security
    Policy allows no inline style, and presentation attributes are not style — the chart draws as meant."""

    def attributes(match: re.Match[str]) -> str:
        pairs = (part.split(":", 1) for part in match.group(1).split(";") if ":" in part)
        return " ".join(f"{name.strip()}={quoteattr(value.strip())}" for name, value in pairs)

    without_sheet = re.sub(r"<style\b.*?</style>", "", svg, flags=re.S)
    return _STYLE.sub(attributes, without_sheet)


_ID = re.compile(r'\bid="([^"]+)"')
_NAMED_GROUPS = ("points", "target", "bars")


def _own_ids(svg: str) -> str:
    """Every id made this chart's own (a page shows several charts inline, and ids must be unique in a page), and
    the groups tests and stylesheets look for marked by class: ``points``, ``target``, ``bars``."""
    prefix = "c" + hashlib.sha1(svg.encode()).hexdigest()[:8]
    ids = set(_ID.findall(svg))
    out = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"' + (f' class="{m.group(1)}"' if m.group(1) in
                                                               _NAMED_GROUPS else ""), svg)
    return re.sub(r"#([A-Za-z_][\w.-]*)", lambda m: f"#{prefix}-{m.group(1)}" if m.group(1) in ids else m.group(0),
                  out)


def _wrap(svg: str, title: str, drawn: int, target: float | None) -> Markup:
    """The SVG without its XML prologue, its root marked as a chart that scales to its container."""
    body = _own_ids(_presentational(re.sub(r"<metadata>.*?</metadata>\s*", "", svg[svg.index("<svg"):],
                                           flags=re.S)))
    root = _ROOT.match(body)
    assert root is not None
    viewbox = re.search(r'viewBox="([^"]+)"', root.group(0))
    target_attr = f' data-target="{target}"' if target is not None else ""
    opening = (f'<svg class="chart" role="img" aria-label={quoteattr(title)} width="100%" '
               f'viewBox="{viewbox.group(1) if viewbox else "0 0 360 200"}" data-points="{drawn}"{target_attr} '
               'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">')
    return Markup(opening + body[root.end():])
