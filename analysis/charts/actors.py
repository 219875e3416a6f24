"""Actor × frame co-occurrence heatmaps, one panel per group."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from analysis.charts.arabic import arabic_text
from analysis.charts.layout import (
    HEATMAP_CMAP, _finish, _frame_names, _groups, _label, _panels, _require, _styled, _text_width,
)

__all__ = ["plot_actor_frame_heatmap"]

def plot_actor_frame_heatmap(
    table: pd.DataFrame,
    *,
    group: str = "source",
    actor: str = "actor",
    frame: str = "frame",
    value: str = "hits",
    frame_label: str | None = None,
    ncols: int = 3,
    title: str | None = "Actors and frames",
    font: str | os.PathLike | None = None,
) -> Figure:
    """Heatmaps of frame × actor co-occurrence, one panel per group, one colour scale.

    Frames are rows (their labels written once, on the left), actors are columns,
    ordered by their total over all groups; a missing combination is 0.

    Parameters
    ----------
    table : pandas.DataFrame
        ``group``, ``actor``, ``frame`` and ``value`` columns.
    group, actor, frame, value : str
        Column names.
    frame_label : str, optional
        Column with the frames' display names.
    ncols : int
        Panels per row.
    title : str, optional
    font : str or path-like, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> table = pd.DataFrame({"source": ["okaz", "sabq"], "actor": ["إيران", "إيران"],
    ...                       "frame": ["الصراع", "الصراع"], "hits": [3, 1]})
    >>> len(plot_actor_frame_heatmap(table).axes)  # two panels and a colour bar
    3
    """
    _require(table, group, actor, frame, value)
    names = _frame_names(table, frame, frame_label)
    frames = sorted(names, key=lambda key: names[key])
    totals = table.groupby(actor)[value].sum()
    actors = sorted(totals.index, key=lambda key: (-totals[key], str(key)))
    groups = _groups(table, group)
    vmax = float(table[value].max())
    with _styled(font) as family:
        fig, axes = _panels(len(groups), ncols, 0.6 + 0.6 * len(actors), 1.8 + 0.4 * len(frames),
                            extra_width=1.2 + _text_width(names.values()))
        for index, (ax, name) in enumerate(zip(axes, groups)):
            rows = table[table[group] == name]
            grid = rows.pivot(index=frame, columns=actor, values=value).reindex(index=frames, columns=actors)
            grid = grid.fillna(0)
            grid.index = [names[key] for key in grid.index]
            grid.columns = [arabic_text(str(key)) for key in grid.columns]
            last = index == len(groups) - 1
            # Labels are set here, not by seaborn: it measures its labels for overlap, and on a
            # figure without a canvas each measure allocates and keeps a figure-sized image.
            sns.heatmap(grid, ax=ax, cmap=HEATMAP_CMAP, vmin=0, vmax=vmax, annot=True, fmt="g",
                        linewidths=0.5, xticklabels=False, yticklabels=False, cbar=last,
                        cbar_kws={"label": _label(value, None)} if last else None)
            ax.set_xticks(np.arange(len(actors)) + 0.5, grid.columns, rotation=40,
                          horizontalalignment="right", rotation_mode="anchor")
            if ax.get_subplotspec().is_first_col():
                ax.set_yticks(np.arange(len(frames)) + 0.5, grid.index, verticalalignment="center")
            ax.tick_params(axis="y", rotation=0)
            ax.set_title(arabic_text(str(name)))
            ax.set_xlabel("")
            ax.set_ylabel("")
        return _finish(fig, family, title)
