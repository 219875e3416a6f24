"""What every chart shares: theme, palette, panel grids, column checks and axis labels."""

from __future__ import annotations

import contextlib
import io
import math
import os
import textwrap
from collections.abc import Iterator

import matplotlib
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from analysis.charts.arabic import arabic_text
from analysis.charts.fonts import _font_family

PALETTE = "colorblind"
"""Seaborn's colour-blind-safe palette, for up to 10 groups; more get :func:`group_colors`' longer list."""
HEATMAP_CMAP = "viridis"
FIGURE_DPI = 150
SAVE_DPI = 200
MAX_FIGURE_PIXELS = 2500
"""No figure is wider or taller than this at ``SAVE_DPI``: panels wrap and shrink to fit a page."""
MAX_FIGURE_INCHES = MAX_FIGURE_PIXELS / SAVE_DPI
PANEL_WIDTH = 4.4
_THEME = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "figure.titlesize": 13,
    "figure.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "figure.dpi": FIGURE_DPI,
    "svg.fonttype": "path",
    "svg.hashsalt": "arabic-framing",
}
TICK_LABEL_SIZE = 10
MIN_LABEL_SIZE = 6.5
LABEL_CHAR_WIDTH = 0.085
LEGEND_COLUMNS = 4
LEGEND_ROW_HEIGHT = 0.25
"""Height in inches of one row of a legend at the default font size."""
CHART_DATA = "chart_data"
"""Attribute of every chart's Figure holding the table drawn; :func:`save_figure` writes it as CSV."""

VALUE_LABELS = {
    "count": "Occurrences",
    "per_10k": "Occurrences per 10,000 tokens",
    "rate_per_1k": "Frame hits per 1,000 tokens",
    "hits": "Frame hits",
    "share": "Share",
    "docs": "Articles",
    "tokens": "Tokens",
    "log_odds": "Log-odds ratio",
    "z": "z-score",
    "g2": "Log-likelihood G²",
}
COUNT_COLUMNS = frozenset({"count", "hits", "docs", "tokens", "docs_with_hit", "doc_freq", "selected", "articles"})
"""Columns of whole numbers: their axes get integer ticks."""
SHARE_COLUMNS = frozenset({"share", "shared_share"})
"""Columns of shares (0 to 1): their axes span 0-100 % unless told otherwise."""
SHARE_PAD = 0.03


class ChartFigure(Figure):
    """The matplotlib ``Figure`` every ``plot_*`` returns; in Jupyter it shows itself.

    Charts are drawn without pyplot (no global figure state, nothing to close), so
    Jupyter's inline backend never sees them; as the last value of a cell this class
    shows the picture (a PNG at :data:`FIGURE_DPI`) instead of ``<Figure size … with 2
    Axes>``. Everything else is a plain matplotlib ``Figure``.

    Examples
    --------
    >>> from analysis.charts import plot_top_terms
    >>> table = pd.DataFrame({"source": ["عكاظ"], "term": ["الرياض"], "count": [3], "per_10k": [2.5]})
    >>> plot_top_terms(table)._repr_png_()[:4]
    b'\x89PNG'
    """

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        with matplotlib.rc_context(_THEME):
            self.savefig(buffer, format="png", dpi=FIGURE_DPI)
        return buffer.getvalue()


@contextlib.contextmanager
def _styled(font: str | os.PathLike | None) -> Iterator[list[str]]:
    family = _font_family(font)
    with matplotlib.rc_context({**_THEME, "font.family": family}):
        yield family


def _finish(fig: Figure, family: list[str], title: str | None, data: pd.DataFrame | None = None,
            *, labelsize: float = TICK_LABEL_SIZE) -> Figure:
    if title:
        fig.suptitle(arabic_text(title))
    for ax in fig.axes:
        ax.tick_params(labelfontfamily=family, labelsize=labelsize)
    setattr(fig, CHART_DATA, None if data is None else data.reset_index(drop=True))
    return fig


def _require(table: pd.DataFrame, *columns: str) -> None:
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"expected a pandas DataFrame, not {type(table).__name__}")
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise ValueError(f"table lacks column(s) {missing}; it has {list(table.columns)}")
    if table.empty:
        raise ValueError("table is empty: nothing to draw")


def _groups(table: pd.DataFrame, group: str) -> list:
    return sorted(table[group].dropna().unique(), key=str)


def _panels(
    n: int, ncols: int | None, width: float, height: float, *, extra_width: float = 0.0,
    extra_height: float = 0.0, **kwargs,
) -> tuple[Figure, list, float]:
    """A grid of ``n`` panels of ``width`` × ``height`` inches that fits ``MAX_FIGURE_INCHES``.

    Without ``ncols``, the number of columns is the one that lets the panels shrink
    least (the most columns among equals, for a page's landscape width); panels shrink
    by the returned scale (at most 1) where even that does not fit.
    """
    if ncols is not None and ncols < 1:
        raise ValueError(f"ncols must be at least 1, not {ncols}")
    choices = [min(ncols, n)] if ncols is not None else range(1, n + 1)
    scale, ncols = max((_fit(n, k, width, height, extra_width, extra_height), k) for k in choices)
    nrows = math.ceil(n / ncols)
    fig = ChartFigure(figsize=(width * scale * ncols + extra_width, height * scale * nrows + extra_height),
                 layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs).ravel().tolist()
    for ax in axes[n:]:
        ax.remove()
    return fig, axes[:n], scale


def _fit(n: int, ncols: int, width: float, height: float, extra_width: float, extra_height: float) -> float:
    """Scale at which ``ncols`` columns of ``n`` panels fit the largest figure allowed."""
    nrows = math.ceil(n / ncols)
    room_w, room_h = MAX_FIGURE_INCHES - extra_width, MAX_FIGURE_INCHES - extra_height
    return min(1.0, room_w / (width * ncols), room_h / (height * nrows))


def _fit_size(width: float, height: float) -> tuple[float, float]:
    """``width`` × ``height`` inches, each cut to ``MAX_FIGURE_INCHES``."""
    return min(width, MAX_FIGURE_INCHES), min(height, MAX_FIGURE_INCHES)


def _labelsize(scale: float) -> float:
    """Tick label size for panels drawn at ``scale``: smaller only when they shrank a lot."""
    return max(MIN_LABEL_SIZE, min(TICK_LABEL_SIZE, TICK_LABEL_SIZE * scale / 0.55))


def _integer_axis(axis, column: str) -> None:
    """Whole-number ticks on ``axis`` when ``column`` holds counts."""
    if column in COUNT_COLUMNS:
        axis.set_major_locator(MaxNLocator(integer=True))


def _share_axis(ax, column: str, limits: tuple[float, float] | None = None) -> None:
    """The value axis of ``ax`` from ``limits``; a share's by default 0 to 1 (with room for markers), in per cent."""
    if column in SHARE_COLUMNS:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        limits = (-SHARE_PAD, 1.0 + SHARE_PAD) if limits is None else limits
    if limits is not None:
        ax.set_ylim(*limits)


def _label(column: str, override: str | None) -> str:
    return arabic_text(override if override is not None else VALUE_LABELS.get(column, column))


def _frame_names(table: pd.DataFrame, frame: str, frame_label: str | None, wrap: int | None = None) -> dict:
    """Each frame id's label (``frame_label`` or the id), wrapped at ``wrap`` characters, ready to draw."""
    if frame_label is None:
        pairs = zip(table[frame].unique(), table[frame].unique())
    else:
        _require(table, frame_label)
        unique = table[[frame, frame_label]].drop_duplicates(frame)
        pairs = zip(unique[frame], unique[frame_label])
    return {key: arabic_text(_wrap(label, wrap) if wrap else str(label)) for key, label in pairs}


def _data_columns(table: pd.DataFrame, *columns: str | None) -> list[str]:
    """``columns`` (those given) and the count columns present: what a chart's CSV holds."""
    wanted = [c for c in columns if c] + sorted(COUNT_COLUMNS & set(table.columns))
    return [c for c in dict.fromkeys(wanted) if c in table.columns]


def _text_width(labels) -> float:
    """Rough width in inches of the longest label at the tick label size."""
    return LABEL_CHAR_WIDTH * max((len(line) for label in labels for line in str(label).split("\n")), default=0)


def group_colors(n: int) -> list[tuple[float, float, float]]:
    """``n`` distinct colours: the colour-blind-safe palette up to 10, then tab20 and tab20b's darker half.

    Up to 30 groups each get a colour of their own; beyond that colours repeat.

    Examples
    --------
    >>> len(set(group_colors(30)))
    30
    """
    if n <= 10:
        return sns.color_palette(PALETTE, n)
    extra = [color for i, color in enumerate(matplotlib.colormaps["tab20b"].colors) if i % 4 in (0, 2)]
    colors = [tuple(c) for c in matplotlib.colormaps["tab20"].colors] + [tuple(c) for c in extra]
    return [colors[i % len(colors)] for i in range(n)]


def _wrap(label: str, width: int = 14) -> str:
    """``label`` broken into lines of about ``width`` characters at spaces (existing line breaks kept)."""
    return "\n".join(textwrap.fill(line, width, break_long_words=False) or line for line in str(label).split("\n"))
