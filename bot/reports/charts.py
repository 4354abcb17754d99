"""Charts with Chinese text: matplotlib (Agg, no display) and the CJK font that mplfonts ships."""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"  # shipped by the mplfonts package (a dependency)


@functools.cache
def cjk_font() -> tuple[str, str]:
    """(path, family name) of the CJK font, registered with matplotlib once."""
    from importlib.resources import files

    from matplotlib import font_manager

    path = str(files("mplfonts") / "fonts" / CJK_FONT_FILE)
    font_manager.fontManager.addfont(path)
    return path, font_manager.FontProperties(fname=path).get_name()


@contextmanager
def cjk_figure(width: float, height: float, layout: str | None = "constrained") -> Iterator[Figure]:
    """A figure whose texts use the CJK font; render it with `png(fig)` inside the block. The
    constrained layout measures every text again and again: large charts place their axes themselves."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    _, family = cjk_font()
    with matplotlib.rc_context({"font.family": [family], "axes.unicode_minus": False}):
        fig = Figure(figsize=(width, height), dpi=100, layout=layout)
        FigureCanvasAgg(fig)
        yield fig


def png(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", pil_kwargs={"compress_level": 3})  # 6 (the default) costs more, saves little
    return out.getvalue()


NAME_CHARS = 10  # longer unit names are cut on the chart (the figures and files have them whole)


def _short(name: str) -> str:
    return name if len(name) <= NAME_CHARS else name[:NAME_CHARS - 1] + "…"


@dataclass(frozen=True, slots=True)
class RankingText:
    title: str
    attendance: str  # axis/title of the attendance ranking
    study: str  # axis/title of the study-hours ranking
    trend: str  # title of the trend panel
    rate: str  # legend of the attendance trend
    hours: str  # legend of the hours trend


def render_ranking(units: list[tuple[str, int, int]], trend: list[tuple[str, int | None, float]],
                   text: RankingText) -> bytes:
    """A PNG: units ranked by attendance rate and by study-hour completion (percent), and the
    attendance rate and study hours per sub-period (trend: (label, rate % or None without sessions, hours))."""
    width, height = 9.0, 4 + 0.35 * max(len(units), 3)
    units = [(_short(name), *rest) for name, *rest in units]
    with cjk_figure(width, height, layout=None) as fig:
        # Margins in inches: unit names on the left of each ranking, titles above, hours on the right.
        left, right, top, bottom, wgap, hgap = 1.5, 0.6, 0.85, 0.5, 1.6, 0.85
        span_w, span_h = width - left - right, height - top - bottom
        grid = fig.add_gridspec(2, 2, height_ratios=[max(len(units), 3), 4], left=left / width,
                                right=1 - right / width, top=1 - top / height, bottom=bottom / height,
                                wspace=wgap / ((span_w - wgap) / 2), hspace=hgap / ((span_h - hgap) / 2))
        att_ax, study_ax = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
        trend_ax = fig.add_subplot(grid[1, :])
        for ax, index, title, color in ((att_ax, 1, text.attendance, "#1565c0"), (study_ax, 2, text.study, "#2e7d32")):
            ranked = sorted(units, key=lambda u: u[index])
            ys = range(len(ranked))
            ax.barh(list(ys), [u[index] for u in ranked], color=color)
            ax.set_yticks(list(ys), [u[0] for u in ranked], fontsize=9)
            ax.set_xlim(0, max(100, *(u[index] for u in ranked)) * 1.1)
            ax.axvline(100, color="#c62828", linewidth=0.8, linestyle="--")
            for y, u in zip(ys, ranked):
                ax.text(u[index], y, f" {u[index]}%", va="center", fontsize=8)
            ax.set_title(title)
        xs = list(range(len(trend)))
        trend_ax.plot(xs, [math.nan if r is None else r for _, r, _ in trend], marker="o", color="#1565c0", label=text.rate)
        trend_ax.set_ylim(0, 105)
        trend_ax.set_ylabel("%")
        hours_ax = trend_ax.twinx()
        hours_ax.bar(xs, [h for _, _, h in trend], alpha=0.3, color="#2e7d32", label=text.hours)
        trend_ax.set_xticks(xs, [label for label, _, _ in trend], fontsize=8)
        trend_ax.set_zorder(hours_ax.get_zorder() + 1)
        trend_ax.patch.set_visible(False)
        lines = trend_ax.get_legend_handles_labels()
        bars = hours_ax.get_legend_handles_labels()
        trend_ax.legend(lines[0] + bars[0], lines[1] + bars[1], loc="upper left", fontsize=8)
        trend_ax.set_title(text.trend)
        fig.suptitle(text.title)
        return png(fig)
