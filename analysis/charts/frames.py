"""Frame rates per group: grouped bars with intervals, and the group × frame heatmap."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from analysis.charts.arabic import arabic_text
from analysis.charts.layout import (
    HEATMAP_CMAP, ChartFigure, _data_columns, _finish, _fit_size, _frame_names, _groups,
    _integer_axis, _label, _labelsize, _panels, _require, _styled, _text_width, _wrap, group_colors,
)

__all__ = ["plot_frame_rates", "plot_frame_heatmap"]

FRAME_LABEL_WRAP = 26
"""Frame labels longer than this many characters are broken into lines (panel titles)."""
HEATMAP_LABEL_WRAP = 12
"""Heatmap column labels are broken into lines of about this many characters."""


def plot_frame_rates(
    table: pd.DataFrame,
    *,
    group: str = "source",
    frame: str = "frame",
    value: str = "rate_per_1k",
    ci_low: str = "ci_low",
    ci_high: str = "ci_high",
    frame_label: str | None = None,
    ncols: int | None = None,
    share_scale: bool = True,
    title: str | None = "Frame rates by source",
    xlabel: str | None = None,
    font: str | os.PathLike | None = None,
) -> Figure:
    """One panel per frame: a bar per group (its own colour) with CI error bars.

    Groups are labelled beside their bars, in the same order on every panel, so no
    legend is needed; panels wrap to fit a page (2 to 30 groups) and share one value
    scale by default.

    Parameters
    ----------
    table : pandas.DataFrame
        Frame rates: ``group``, ``frame``, ``value`` and optionally ``ci_low`` and
        ``ci_high`` columns (error bars are drawn when both are present).
    group, frame, value, ci_low, ci_high : str
        Column names.
    frame_label : str, optional
        Column with the frames' display names (e.g. ``frame_label`` from
        :func:`analysis.lexicon.label_frames`, in English, Arabic or both).
    ncols : int, optional
        Panels per row; by default as many as fit.
    share_scale : bool
        One value scale for every panel (default).
    title, xlabel : str, optional
    font : str or path-like, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> table = pd.DataFrame({"source": ["okaz", "sabq"], "frame": ["الصراع", "الصراع"],
    ...                       "rate_per_1k": [4.0, 2.5], "ci_low": [3.1, 1.9], "ci_high": [5.0, 3.2]})
    >>> len(plot_frame_rates(table).axes[0].patches)
    2
    """
    _require(table, group, frame, value)
    names = _frame_names(table, frame, frame_label, wrap=FRAME_LABEL_WRAP)
    frames = sorted(names, key=lambda key: names[key])
    groups = _groups(table, group)
    colors = group_colors(len(groups))
    with_ci = ci_low in table.columns and ci_high in table.columns
    label_width = _text_width(arabic_text(str(name)) for name in groups) + 0.4
    with _styled(font) as family:
        fig, axes, scale = _panels(len(frames), ncols, 2.7, 1.4 + 0.24 * len(groups), extra_width=label_width,
                                   extra_height=0.9, sharex=share_scale, sharey=True)
        for ax, key in zip(axes, frames):
            rows = table[table[frame] == key].set_index(group).reindex(groups)
            rates = rows[value].to_numpy(dtype=float)
            errors = None
            if with_ci:
                # Clipped at 0: an interval whose bound equals the value up to rounding
                # (a Wilson interval at a share of 0 or 1) has no bar on that side.
                errors = np.nan_to_num(np.clip(np.vstack([rates - rows[ci_low].to_numpy(dtype=float),
                                                          rows[ci_high].to_numpy(dtype=float) - rates]), 0, None))
            ax.barh(np.arange(len(groups)), np.nan_to_num(rates), height=0.75, color=colors,
                    xerr=errors, error_kw={"ecolor": "0.2", "elinewidth": 1, "capsize": 2})
            ax.set_yticks(np.arange(len(groups)), [arabic_text(str(name)) for name in groups])
            ax.set_ylim(len(groups) - 0.5, -0.5)
            ax.tick_params(axis="x", labelbottom=True)
            _integer_axis(ax.xaxis, value)
            ax.grid(axis="x", color="0.9")
            ax.set_axisbelow(True)
            if len(frames) > 1 or frame_label is not None:
                ax.set_title(names[key])
        fig.supxlabel(_label(value, xlabel))
        data = table[table[frame].isin(frames)].sort_values([frame, group])
        return _finish(fig, family, title, data[_data_columns(table, group, frame, frame_label, value, ci_low, ci_high)],
                       labelsize=_labelsize(scale))


def plot_frame_heatmap(
    table: pd.DataFrame,
    *,
    group: str = "source",
    frame: str = "frame",
    value: str = "rate_per_1k",
    frame_label: str | None = None,
    annotate: bool = True,
    fmt: str = ".1f",
    transpose: bool | None = None,
    title: str | None = "Frame rates by source",
    font: str | os.PathLike | None = None,
) -> Figure:
    """Heatmap of ``value`` for every group × frame, the longer side down the page.

    Every row and column is labelled, horizontally: column labels are broken into
    lines of about 12 characters, and rows and columns shrink to fit a page (at most
    ``MAX_FIGURE_PIXELS`` either way); cell values are written while they fit.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per (group, frame): ``group``, ``frame`` and ``value`` columns.
    group, frame, value : str
        Column names.
    frame_label : str, optional
        Column with the frames' display names.
    annotate : bool
        Write each cell's value, formatted with ``fmt``.
    transpose : bool, optional
        Groups as rows and frames as columns; by default when there are more groups
        than frames.
    title : str, optional
    font : str or path-like, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> table = pd.DataFrame({"source": ["okaz", "sabq"], "frame": ["الاقتصاد", "الاقتصاد"], "rate_per_1k": [1.5, 0.5]})
    >>> [t.get_text() for t in plot_frame_heatmap(table).axes[0].get_yticklabels()]  # more groups than frames
    ['okaz', 'sabq']
    """
    _require(table, group, frame, value)
    names = _frame_names(table, frame, frame_label)
    wrapped = _frame_names(table, frame, frame_label, wrap=HEATMAP_LABEL_WRAP)
    grid = table.pivot(index=frame, columns=group, values=value)
    frames = sorted(grid.index, key=lambda key: names[key])
    groups = _groups(table, group)
    grid = grid.loc[frames, groups]
    if transpose is None:
        transpose = len(groups) > len(frames)
    group_names = [arabic_text(str(name)) for name in groups]
    wrapped_groups = [arabic_text(_wrap(str(name), HEATMAP_LABEL_WRAP)) for name in groups]
    if transpose:
        grid = grid.T
        rows, columns = group_names, [wrapped[key] for key in frames]
    else:
        rows, columns = [names[key] for key in frames], wrapped_groups
    grid.index, grid.columns = rows, columns
    with _styled(font) as family:
        column_width = max(0.7, _text_width(columns) + 0.25)
        row_label = _text_width(rows) + 0.3
        lines = max(str(c).count("\n") + 1 for c in columns)
        width, height = 2.0 + row_label + column_width * len(columns), 1.3 + 0.18 * lines + 0.4 * len(rows)
        fitted = _fit_size(width, height)
        scale = min((fitted[0] - 2.0 - row_label) / (column_width * len(columns)),
                    (fitted[1] - 1.3 - 0.18 * lines) / (0.4 * len(rows)), 1.0)
        fig = ChartFigure(figsize=fitted, layout="constrained")
        ax = fig.subplots()
        cell_points = 72 * min(column_width, 0.4) * scale
        annotate = annotate and cell_points >= 12
        # Labels are set here, not by seaborn: it measures its labels for overlap, and on a
        # figure without a canvas each measure allocates and keeps a figure-sized image.
        sns.heatmap(grid, ax=ax, cmap=HEATMAP_CMAP, annot=annotate, fmt=fmt, linewidths=0.5,
                    annot_kws={"fontsize": max(6.0, min(9.0, cell_points / 2.2))},
                    xticklabels=False, yticklabels=False, cbar_kws={"label": _label(value, None)})
        _integer_axis(ax.collections[0].colorbar.ax.yaxis, value)
        ax.set_xticks(np.arange(grid.shape[1]) + 0.5, grid.columns)
        ax.set_yticks(np.arange(grid.shape[0]) + 0.5, grid.index, verticalalignment="center")
        ax.set_xlabel("" if transpose else arabic_text(group))
        ax.set_ylabel(arabic_text(group) if transpose else "")
        data = table.sort_values([frame, group])
        return _finish(fig, family, title, data[_data_columns(table, group, frame, frame_label, value)],
                       labelsize=_labelsize(scale))
