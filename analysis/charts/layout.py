"""What every chart shares: theme, palette, panel grids, column checks and axis labels."""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator

import matplotlib
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from analysis.charts.arabic import arabic_text
from analysis.charts.fonts import _font_family

PALETTE = "colorblind"
HEATMAP_CMAP = "viridis"
FIGURE_DPI = 150
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
LABEL_CHAR_WIDTH = 0.085
LEGEND_COLUMNS = 4

VALUE_LABELS = {
    "count": "Occurrences",
    "per_10k": "Occurrences per 10,000 tokens",
    "rate_per_1k": "Frame hits per 1,000 tokens",
    "hits": "Frame hits",
    "log_odds": "Log-odds ratio",
    "z": "z-score",
    "g2": "Log-likelihood G²",
}


@contextlib.contextmanager
def _styled(font: str | os.PathLike | None) -> Iterator[list[str]]:
    family = _font_family(font)
    with matplotlib.rc_context({**_THEME, "font.family": family}):
        yield family


def _finish(fig: Figure, family: list[str], title: str | None) -> Figure:
    if title:
        fig.suptitle(arabic_text(title))
    for ax in fig.axes:
        ax.tick_params(labelfontfamily=family, labelsize=TICK_LABEL_SIZE)
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
    n: int, ncols: int, width: float, height: float, *, extra_width: float = 0.0,
    extra_height: float = 0.0, **kwargs,
) -> tuple[Figure, list]:
    if ncols < 1:
        raise ValueError(f"ncols must be at least 1, not {ncols}")
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(width * ncols + extra_width, height * nrows + extra_height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs).ravel().tolist()
    for ax in axes[n:]:
        ax.remove()
    return fig, axes[:n]


def _label(column: str, override: str | None) -> str:
    return arabic_text(override if override is not None else VALUE_LABELS.get(column, column))


def _frame_names(table: pd.DataFrame, frame: str, frame_label: str | None) -> dict:
    if frame_label is None:
        return {key: arabic_text(str(key)) for key in table[frame].unique()}
    _require(table, frame_label)
    pairs = table[[frame, frame_label]].drop_duplicates(frame)
    return {key: arabic_text(str(label)) for key, label in zip(pairs[frame], pairs[frame_label])}


def _text_width(labels) -> float:
    """Rough width in inches of the longest label at the tick label size."""
    return LABEL_CHAR_WIDTH * max((len(line) for label in labels for line in str(label).split("\n")), default=0)


def _colors(n: int) -> list:
    return sns.color_palette(PALETTE, n)
