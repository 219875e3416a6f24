"""Frames over time: one panel of lines per group."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullLocator

from analysis.charts.arabic import arabic_text
from analysis.charts.layout import (
    COUNT_COLUMNS, LEGEND_ROW_HEIGHT, PANEL_WIDTH, TICK_LABEL_SIZE, _finish, _fit, _frame_names, _groups, _integer_axis, _label,
    _labelsize, _panels, _require, _share_axis, _styled, _text_width, group_colors,
)

__all__ = ["plot_frames_over_time"]

PERIOD_FORMATS = {"year": "%Y", "month": "%b %Y", "day": "%Y-%m-%d"}
"""Tick label of each kind of period (weeks are labelled by the day they start on)."""
MAX_PERIOD_TICKS = 6
"""Most period ticks on a panel (fewer where their labels would not fit); more periods are labelled every k-th one."""
LEGEND_HANDLE_WIDTH = 0.7
"""Inches a legend entry needs besides its label (the line and marker, the gaps)."""


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
    ylim: tuple[float, float] | None = None,
    font: str | os.PathLike | None = None,
) -> Figure:
    """Lines of each frame's ``value`` over ``period``, one panel per group, broken at gaps.

    The periods form a regular grid (days, weeks, months or years, read from the
    table). A period with no row for any group is a gap in the data (a crawl that
    missed those days) and breaks every line; a period other groups have but this
    group lacks is drawn as 0 where ``value`` is a count (``hits``, ``docs``…) and as a
    break where it is a rate. The time axis ticks at the periods themselves, one label
    per period (every k-th period where there are many), never between them. Frames
    are told apart by colour, with the legend under the panels.

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
    ylim : (float, float), optional
        Value axis limits; by default 0 to 1 (drawn as 0-100 %) for a ``share``, automatic otherwise.
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
    grid, kind = _period_grid(table[period])
    present = set(table[period].dropna())
    fill = 0.0 if value in COUNT_COLUMNS else np.nan
    legend = len(frames) > 1 or frame_label is not None
    with _styled(font) as family:
        legend_rows, legend_cols = _legend_shape(len(groups), ncols, len(frames), _text_width(names.values()))
        extra_height = 0.6 + (LEGEND_ROW_HEIGHT * legend_rows if legend else 0.0)
        fig, axes, scale = _panels(len(groups), ncols, PANEL_WIDTH, 2.5, extra_width=0.3, extra_height=extra_height,
                                   sharex=True, sharey=share_scale)
        drawn = []
        label_width = _text_width([grid[0].strftime(PERIOD_FORMATS[kind])]) * _labelsize(scale) / TICK_LABEL_SIZE
        ticks = _period_ticks(grid, min(MAX_PERIOD_TICKS, int(0.8 * PANEL_WIDTH * scale // (1.2 * label_width))))
        for ax, name in zip(axes, groups):
            rows = table[table[group] == name]
            for key in frames:
                line = rows[rows[frame] == key].groupby(period)[value].sum(min_count=1).reindex(grid)
                line[line.isna() & line.index.isin(present)] = fill
                drawn.append(pd.DataFrame({group: name, frame: key, period: line.index, value: line.to_numpy()}))
                ax.plot(line.index, line.to_numpy(dtype=float), color=colors[key], marker="o",
                        markersize=max(1.5, 3 * scale), linewidth=1.5, label=names[key])
            ax.xaxis.set_major_locator(FixedLocator(mdates.date2num(ticks)))
            ax.xaxis.set_major_formatter(mdates.DateFormatter(PERIOD_FORMATS[kind]))
            ax.xaxis.set_minor_locator(NullLocator())
            ax.margins(x=0.08)  # the first and last labels stay within their panel
            ax.tick_params(axis="x", labelbottom=True)
            _integer_axis(ax.yaxis, value)
            _share_axis(ax, value, ylim)
            ax.grid(axis="y", color="0.9")
            ax.set_title(arabic_text(str(name)))
        fig.supylabel(_label(value, ylabel))
        if legend:
            handles, labels = axes[0].get_legend_handles_labels()
            fig.legend(handles, labels, loc="outside lower center", ncols=legend_cols)
        data = pd.concat(drawn, ignore_index=True)
        if frame_label is not None:
            labels = table.drop_duplicates(frame).set_index(frame)[frame_label]
            data.insert(2, frame_label, data[frame].map(labels))
        return _finish(fig, family, title, data, labelsize=_labelsize(scale))


def _legend_shape(n: int, ncols: int | None, entries: int, label_width: float) -> tuple[int, int]:
    """Rows and columns of a legend of ``entries`` under ``n`` panels: as many columns as the figure is wide."""
    choices = [min(ncols, n)] if ncols is not None else range(1, n + 1)
    scale, columns = max((_fit(n, k, PANEL_WIDTH, 2.5, 0.3, 0.6 + LEGEND_ROW_HEIGHT), k) for k in choices)
    per_row = max(1, min(entries, int(PANEL_WIDTH * scale * columns // (label_width + LEGEND_HANDLE_WIDTH))))
    return -(-entries // per_row), per_row


def _period_ticks(grid: pd.DatetimeIndex, most: int) -> pd.DatetimeIndex:
    """The periods of ``grid`` to tick: all of them, or every k-th so that at most ``most`` remain."""
    return grid[::max(1, -(-len(grid) // max(2, most)))]


def _period_grid(dates: pd.Series) -> tuple[pd.DatetimeIndex, str]:
    """Every period from the first date to the last, at the step the dates are spaced by, and its kind.

    Months and years step by calendar (first of the month, of the year); otherwise
    the smallest gap between dates, in days. Dates that do not lie on one such grid
    are returned as they are. The kind (``"year"``, ``"month"`` or ``"day"``, weeks
    being days 7 apart) names the labels the periods get.
    """
    unique = pd.DatetimeIndex(sorted(dates.dropna().unique()))
    step = (unique[1:] - unique[:-1]).min() if len(unique) > 1 else pd.Timedelta(days=365)
    if (unique.day == 1).all() and (unique.month == 1).all() and step >= pd.Timedelta(days=365):
        kind, freq = "year", "YS"
    elif (unique.day == 1).all() and step >= pd.Timedelta(days=28):
        kind, freq = "month", "MS"
    else:
        kind, freq = "day", step
    if len(unique) < 3:
        return unique, kind
    grid = pd.date_range(unique[0], unique[-1], freq=freq)
    return (grid if unique.isin(grid).all() and len(grid) <= 50 * len(unique) else unique), kind
