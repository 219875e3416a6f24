"""Frames over time: one panel of lines per group."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.figure import Figure

from analysis.charts.arabic import arabic_text
from analysis.charts.layout import (
    COUNT_COLUMNS, PANEL_WIDTH, _finish, _frame_names, _groups, _integer_axis, _label, _labelsize, _panels, _require,
    _styled, _text_width, group_colors,
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
    ncols: int | None = None,
    share_scale: bool = True,
    title: str | None = "Frames over time",
    ylabel: str | None = None,
    font: str | os.PathLike | None = None,
) -> Figure:
    """Lines of each frame's ``value`` over ``period``, one panel per group, broken at gaps.

    The periods form a regular grid (days, weeks, months or years, read from the
    table). A period with no row for any group is a gap in the data (a crawl that
    missed those days) and breaks every line; a period other groups have but this
    group lacks is drawn as 0 where ``value`` is a count (``hits``, ``docs``…) and as a
    break where it is a rate. Frames are told apart by colour, with the legend beside
    the panels.

    Parameters
    ----------
    table : pandas.DataFrame
        ``group``, ``period`` (dates or ISO 8601 strings), ``frame`` and ``value`` (``rate_per_1k`` or
        ``hits``) columns.
    group, period, frame, value : str
        Column names.
    frame_label : str, optional
        Column with the frames' display names.
    ncols : int, optional
        Panels per row; by default as many as fit a page. Every panel has its dates.
    share_scale : bool
        One value scale for every panel (default); the time axis is always shared.
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
    colors = dict(zip(frames, group_colors(len(frames))))
    groups = _groups(table, group)
    grid = _period_grid(table[period])
    present = set(table[period].dropna())
    fill = 0.0 if value in COUNT_COLUMNS else np.nan
    legend = len(frames) > 1 or frame_label is not None
    legend_width = _text_width(names.values()) + 0.7 if legend else 0.0
    with _styled(font) as family:
        fig, axes, scale = _panels(len(groups), ncols, PANEL_WIDTH, 2.5, extra_width=legend_width + 0.3,
                                   extra_height=0.6, sharex=True, sharey=share_scale)
        drawn = []
        for ax, name in zip(axes, groups):
            rows = table[table[group] == name]
            for key in frames:
                line = rows[rows[frame] == key].groupby(period)[value].sum(min_count=1).reindex(grid)
                line[line.isna() & line.index.isin(present)] = fill
                drawn.append(pd.DataFrame({group: name, frame: key, period: line.index, value: line.to_numpy()}))
                ax.plot(line.index, line.to_numpy(dtype=float), color=colors[key], marker="o",
                        markersize=max(1.5, 3 * scale), linewidth=1.5, label=names[key])
            locator = mdates.AutoDateLocator(maxticks=max(3, int(6 * scale)))
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
            ax.tick_params(axis="x", labelbottom=True)
            _integer_axis(ax.yaxis, value)
            ax.grid(axis="y", color="0.9")
            ax.set_title(arabic_text(str(name)))
        fig.supylabel(_label(value, ylabel))
        if legend:
            handles, labels = axes[0].get_legend_handles_labels()
            fig.legend(handles, labels, loc="outside right upper", ncols=1)
        data = pd.concat(drawn, ignore_index=True)
        if frame_label is not None:
            labels = table.drop_duplicates(frame).set_index(frame)[frame_label]
            data.insert(2, frame_label, data[frame].map(labels))
        return _finish(fig, family, title, data, labelsize=_labelsize(scale))


def _period_grid(dates: pd.Series) -> pd.DatetimeIndex:
    """Every period from the first date to the last, at the step the dates are spaced by.

    Months and years step by calendar (first of the month, of the year); otherwise
    the smallest gap between dates, in days. Dates that do not lie on one such grid
    are returned as they are.
    """
    unique = pd.DatetimeIndex(sorted(dates.dropna().unique()))
    if len(unique) < 3:
        return unique
    step = (unique[1:] - unique[:-1]).min()
    if (unique.day == 1).all() and (unique.month == 1).all() and step >= pd.Timedelta(days=365):
        grid = pd.date_range(unique[0], unique[-1], freq="YS")
    elif (unique.day == 1).all() and step >= pd.Timedelta(days=28):
        grid = pd.date_range(unique[0], unique[-1], freq="MS")
    else:
        grid = pd.date_range(unique[0], unique[-1], freq=step)
    return grid if unique.isin(grid).all() and len(grid) <= 50 * len(unique) else unique
