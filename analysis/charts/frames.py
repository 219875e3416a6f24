"""Frame rates per group: grouped bars with intervals, and the group × frame heatmap."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from analysis.charts.arabic import arabic_text
from analysis.charts.layout import (
    HEATMAP_CMAP, _colors, _finish, _frame_names, _groups, _label, _require, _styled, _text_width,
)

__all__ = ["plot_frame_rates", "plot_frame_heatmap"]

def plot_frame_rates(
    table: pd.DataFrame,
    *,
    group: str = "source",
    frame: str = "frame",
    value: str = "rate_per_1k",
    ci_low: str = "ci_low",
    ci_high: str = "ci_high",
    frame_label: str | None = None,
    title: str | None = "Frame rates by source",
    xlabel: str | None = None,
    font: str | os.PathLike | None = None,
) -> Figure:
    """Grouped horizontal bars of each frame's rate per group, with CI error bars.

    Parameters
    ----------
    table : pandas.DataFrame
        Frame rates: ``group``, ``frame``, ``value`` and optionally ``ci_low`` and
        ``ci_high`` columns (error bars are drawn when both are present).
    group, frame, value, ci_low, ci_high : str
        Column names.
    frame_label : str, optional
        Column with the frames' display names (e.g. ``label_en`` or ``label_ar``).
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
    names = _frame_names(table, frame, frame_label)
    frames = sorted(names, key=lambda key: names[key])
    groups = _groups(table, group)
    with_ci = ci_low in table.columns and ci_high in table.columns
    slot = 0.8 / len(groups)
    with _styled(font) as family:
        width = 5.0 + _text_width(names.values()) + _text_width(groups)
        fig = Figure(figsize=(width, 1.4 + 0.22 * len(frames) * len(groups)), layout="constrained")
        ax = fig.subplots()
        for index, (name, color) in enumerate(zip(groups, _colors(len(groups)))):
            rows = table[table[group] == name].set_index(frame).reindex(frames)
            positions = np.arange(len(frames)) - 0.4 + slot * (index + 0.5)
            rates = rows[value].to_numpy(dtype=float)
            errors = None
            if with_ci:
                # Clipped at 0: an interval whose bound equals the value up to rounding
                # (a Wilson interval at a share of 0 or 1) has no bar on that side.
                errors = np.nan_to_num(np.clip(np.vstack([rates - rows[ci_low].to_numpy(dtype=float),
                                                          rows[ci_high].to_numpy(dtype=float) - rates]), 0, None))
            ax.barh(positions, rates, height=slot * 0.9, color=color, label=arabic_text(str(name)),
                    xerr=errors, error_kw={"ecolor": "0.2", "elinewidth": 1, "capsize": 2})
        ax.set_yticks(np.arange(len(frames)), [names[key] for key in frames])
        ax.set_ylim(len(frames) - 0.5, -0.5)
        ax.grid(axis="x", color="0.9")
        ax.set_axisbelow(True)
        ax.set_xlabel(_label(value, xlabel))
        fig.legend(title=arabic_text(group), loc="outside right upper")
        return _finish(fig, family, title)


def plot_frame_heatmap(
    table: pd.DataFrame,
    *,
    group: str = "source",
    frame: str = "frame",
    value: str = "rate_per_1k",
    frame_label: str | None = None,
    annotate: bool = True,
    fmt: str = ".1f",
    title: str | None = "Frame rates by source",
    font: str | os.PathLike | None = None,
) -> Figure:
    """Heatmap of ``value`` with frames as rows and groups as columns.

    Every row and column is labelled, horizontally: the figure grows by 0.45 in per
    row and by the longest group name per column, so no label is dropped or turned.

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
    title : str, optional
    font : str or path-like, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> table = pd.DataFrame({"source": ["okaz", "sabq"], "frame": ["الاقتصاد", "الاقتصاد"], "rate_per_1k": [1.5, 0.5]})
    >>> [t.get_text() for t in plot_frame_heatmap(table).axes[0].get_xticklabels()]
    ['okaz', 'sabq']
    """
    _require(table, group, frame, value)
    names = _frame_names(table, frame, frame_label)
    grid = table.pivot(index=frame, columns=group, values=value)
    grid = grid.loc[sorted(grid.index, key=lambda key: names[key]), _groups(table, group)]
    grid.index = [names[key] for key in grid.index]
    grid.columns = [arabic_text(str(name)) for name in grid.columns]
    with _styled(font) as family:
        width = 1.8 + _text_width(grid.index) + max(1.2, _text_width(grid.columns) + 0.3) * grid.shape[1]
        fig = Figure(figsize=(width, 1.4 + 0.45 * grid.shape[0]), layout="constrained")
        ax = fig.subplots()
        # Labels are set here, not by seaborn: it measures its labels for overlap, and on a
        # figure without a canvas each measure allocates and keeps a figure-sized image.
        sns.heatmap(grid, ax=ax, cmap=HEATMAP_CMAP, annot=annotate, fmt=fmt, linewidths=0.5,
                    xticklabels=False, yticklabels=False, cbar_kws={"label": _label(value, None)})
        ax.set_xticks(np.arange(grid.shape[1]) + 0.5, grid.columns)
        ax.set_yticks(np.arange(grid.shape[0]) + 0.5, grid.index, verticalalignment="center")
        ax.set_xlabel(arabic_text(group))
        ax.set_ylabel("")
        return _finish(fig, family, title)
