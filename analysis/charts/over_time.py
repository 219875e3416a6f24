"""Frames over time: one panel of lines per group."""

from __future__ import annotations

import math
import os

import pandas as pd
from matplotlib import dates as mdates
from matplotlib.figure import Figure

from analysis.charts.arabic import arabic_text
from analysis.charts.layout import (
    LEGEND_COLUMNS, PANEL_WIDTH, _colors, _finish, _frame_names, _groups, _label, _panels, _require, _styled,
)

__all__ = ["plot_frames_over_time"]

def plot_frames_over_time(
    table: pd.DataFrame,
    *,
    group: str = "source",
    period: str = "period",
    frame: str = "frame",
    value: str = "rate_per_1k",
    frame_label: str | None = None,
    ncols: int = 3,
    title: str | None = "Frames over time",
    ylabel: str | None = None,
    font: str | os.PathLike | None = None,
) -> Figure:
    """Lines of each frame's ``value`` over ``period``, one panel per group.

    Parameters
    ----------
    table : pandas.DataFrame
        ``group``, ``period`` (dates or ISO 8601 strings), ``frame`` and ``value`` (``rate_per_1k`` or
        ``hits``) columns.
    group, period, frame, value : str
        Column names.
    frame_label : str, optional
        Column with the frames' display names.
    ncols : int
        Panels per row; panels share both axes.
    title, ylabel : str, optional
    font : str or path-like, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> table = pd.DataFrame({"source": ["okaz"] * 2, "period": pd.to_datetime(["2015-07-01", "2015-08-01"]),
    ...                       "frame": ["الأمن"] * 2, "rate_per_1k": [1.0, 2.0]})
    >>> len(plot_frames_over_time(table).axes[0].lines)
    1
    """
    _require(table, group, period, frame, value)
    try:
        dates = pd.to_datetime(table[period], format="ISO8601")
    except (ValueError, TypeError) as error:
        raise ValueError(f"column {period!r} must hold dates or ISO 8601 strings: {error}") from None
    table = table.assign(**{period: dates})
    names = _frame_names(table, frame, frame_label)
    frames = sorted(names, key=lambda key: names[key])
    colors = dict(zip(frames, _colors(len(frames))))
    groups = _groups(table, group)
    with _styled(font) as family:
        legend_rows = math.ceil(len(frames) / LEGEND_COLUMNS)
        fig, axes = _panels(len(groups), ncols, PANEL_WIDTH, 2.6, extra_height=0.6 + 0.3 * legend_rows,
                            sharex=True, sharey=True)
        for ax, name in zip(axes, groups):
            rows = table[table[group] == name]
            for key in frames:
                line = rows[rows[frame] == key].sort_values(period)
                ax.plot(line[period], line[value], color=colors[key], marker="o", markersize=3,
                        linewidth=1.5, label=names[key])
            locator = mdates.AutoDateLocator()
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
            ax.grid(axis="y", color="0.9")
            ax.set_title(arabic_text(str(name)))
            if ax.get_subplotspec().is_first_col():
                ax.set_ylabel(_label(value, ylabel))
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(frames), LEGEND_COLUMNS))
        return _finish(fig, family, title)
