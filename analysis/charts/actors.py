"""Actor × frame co-occurrence heatmaps, one panel per group."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import PercentFormatter

from analysis.charts.arabic import arabic_text
from analysis.charts.layout import (
    HEATMAP_CMAP, TICK_LABEL_SIZE, _finish, _frame_names, _groups, _integer_axis, _label, _labelsize, _panels, _require, _styled,
    _text_width,
)

__all__ = ["plot_actor_frame_heatmap"]

NORMALIZE = ("actor", None)
MIN_ACTOR_HITS = 20
"""Fewest frame words near an actor in a group for its shares to be drawn (``min_hits``).

Chosen on SaudiNewsNet and the demo corpus (``international-news``, 8 frames, window
10): from 20 words on, the widest 95 % Wilson interval of a column's shares is at most
±20 points (±0.17 at the median); from 10 to 19 words it is ±0.23 at the median and
up to ±0.26, below 10 up to ±0.41. Hits cluster in articles, so the true uncertainty
is wider still. At 20, 30 of SaudiNewsNet's 142 outlet × actor columns with any hit
are too few (and 26 have none)."""
ACTOR_COLUMN_WIDTH = 0.55
"""Width in inches of an actor's column in a full-size panel."""
LABEL_LINE_HEIGHT = 1.6
"""Height of a line of Arabic text in font sizes (Arabic faces reach far above and below): sets how
large an actor's name, written up its column, may be without touching its neighbours'."""
TOO_FEW_HATCH = "////"
TOO_FEW_COLOR = "0.75"


def plot_actor_frame_heatmap(
    table: pd.DataFrame,
    *,
    group: str = "source",
    actor: str = "actor",
    frame: str = "frame",
    value: str = "hits",
    normalize: str | None = "actor",
    min_hits: int = MIN_ACTOR_HITS,
    drop_empty: bool = True,
    frame_label: str | None = None,
    ncols: int | None = None,
    title: str | None = "Actors and frames",
    font: str | os.PathLike | None = None,
) -> Figure:
    """Heatmaps of frame × actor co-occurrence, one panel per group, one colour scale.

    By default each cell is the share of the frame words found near an actor in a
    group that belong to each frame (``share = hits / actor_hits``), so a large outlet
    does not dominate the scale by its volume: columns add up to 100 %. A column whose
    denominator ``actor_hits`` is below ``min_hits`` is too few to read a share from:
    it is hatched grey, without colour or numbers, and a note under the figure says so.
    The table behind the figure (``Figure.chart_data``, written as CSV by
    :func:`save_figure`) keeps ``hits``, ``actor_hits``, ``share`` (empty where
    ``actor_hits`` is 0) and ``too_few`` for every cell, hatched ones included. Frames
    are rows (their labels written on the first column), actors are columns, ordered by
    their total over all groups; a missing combination is 0. Actors' names are written
    across their columns where they fit, else up them, at a size that keeps them apart.

    Parameters
    ----------
    table : pandas.DataFrame
        ``group``, ``actor``, ``frame`` and ``value`` columns
        (:func:`analysis.frames.actor_frame_counts`).
    group, actor, frame, value : str
        Column names.
    normalize : {"actor", None}
        ``"actor"`` draws shares of each group × actor's hits; None draws ``value``
        (raw counts, which have no denominator: ``min_hits`` does not apply).
    min_hits : int
        Fewest frame words near an actor in a group for its column of shares to be
        drawn; :data:`MIN_ACTOR_HITS` (20) by default, chosen on SaudiNewsNet (see
        there); 0 or 1 draws every column with a hit.
    drop_empty : bool
        Leave out actors with no frame words near them in any group (default), named
        in a note under the figure; False gives them an empty column (as they get when
        no actor has any).
    frame_label : str, optional
        Column with the frames' display names.
    ncols : int, optional
        Panels per row; by default as many as fit a page.
    title : str, optional
    font : str or path-like, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> table = pd.DataFrame({"source": ["okaz", "sabq"], "actor": ["إيران", "إيران"],
    ...                       "frame": ["الصراع", "الصراع"], "hits": [30, 4]})
    >>> fig = plot_actor_frame_heatmap(table)
    >>> len(fig.axes)  # two panels and a colour bar
    3
    >>> fig.chart_data[["source", "actor_hits", "too_few"]].values.tolist()
    [['okaz', 30, False], ['sabq', 4, True]]
    """
    _require(table, group, actor, frame, value)
    if normalize not in NORMALIZE:
        raise ValueError(f"normalize must be one of {NORMALIZE}, not {normalize!r}")
    if isinstance(min_hits, bool) or not isinstance(min_hits, (int, np.integer)) or min_hits < 0:
        raise ValueError(f"min_hits must be a non-negative integer, not {min_hits!r}")
    names = _frame_names(table, frame, frame_label)
    frames = sorted(names, key=lambda key: names[key])
    totals = table.groupby(actor)[value].sum()
    empty = sorted((key for key in totals.index if totals[key] == 0), key=str) if drop_empty else []
    empty = [] if len(empty) == len(totals) else empty  # with no word anywhere, every column says so
    actors = sorted(totals.index.difference(empty), key=lambda key: (-totals[key], str(key)))
    groups = _groups(table, group)
    full = pd.MultiIndex.from_product([groups, actors, frames], names=[group, actor, frame])
    data = table.groupby([group, actor, frame])[value].sum().reindex(full, fill_value=0).reset_index()
    shown = value
    if normalize == "actor":
        data["actor_hits"] = data.groupby([group, actor])[value].transform("sum")
        data["share"] = data[value] / data["actor_hits"].where(data["actor_hits"] > 0)
        data["too_few"] = (data["actor_hits"] < max(min_hits, 1)).to_numpy()
        shown = "share"
    if frame_label is not None:
        data.insert(3, frame_label, data[frame].map(table.drop_duplicates(frame).set_index(frame)[frame_label]))
    drawn = data[~data["too_few"]] if shown == "share" else data
    vmax = max(float(drawn[shown].max()) if len(drawn) else 0.0, 1e-12)
    with _styled(font) as family:
        fig, axes, scale = _panels(len(groups), ncols, 0.5 + ACTOR_COLUMN_WIDTH * len(actors),
                                   1.3 + 0.36 * len(frames), extra_width=1.4 + _text_width(names.values()),
                                   extra_height=0.5 + 0.5 * bool(empty))
        annotate = scale >= 0.6
        actor_size, rotation = _actor_labels([arabic_text(str(key)) for key in actors], ACTOR_COLUMN_WIDTH * scale,
                                             _labelsize(scale))
        for ax, name in zip(axes, groups):
            rows = data[data[group] == name]
            grid = rows.pivot(index=frame, columns=actor, values=shown).reindex(index=frames, columns=actors)
            grid.index = [names[key] for key in grid.index]
            grid.columns = [arabic_text(str(key)) for key in grid.columns]
            too_few = (rows.pivot(index=frame, columns=actor, values="too_few").reindex(index=frames, columns=actors)
                       .to_numpy(dtype=bool) if shown == "share" else np.zeros(grid.shape, dtype=bool))
            # Labels are set here, not by seaborn: it measures its labels for overlap, and on a
            # figure without a canvas each measure allocates and keeps a figure-sized image.
            sns.heatmap(grid, ax=ax, cmap=HEATMAP_CMAP, vmin=0, vmax=vmax, annot=annotate, mask=too_few,
                        fmt=".0%" if shown == "share" else "g", annot_kws={"fontsize": 8 * max(scale, 0.75)},
                        linewidths=0.5, xticklabels=False, yticklabels=False, cbar=False)
            for column in np.flatnonzero(too_few.all(axis=0)):  # a column shares one denominator
                ax.add_patch(Rectangle((column, 0), 1, len(frames), facecolor="white", edgecolor=TOO_FEW_COLOR,
                                       hatch=TOO_FEW_HATCH, linewidth=0.5))
            ax.set_xticks(np.arange(len(actors)) + 0.5, grid.columns, rotation=rotation, fontsize=actor_size,
                          horizontalalignment="center")
            if ax.get_subplotspec().is_first_col():
                ax.set_yticks(np.arange(len(frames)) + 0.5, grid.index, verticalalignment="center")
            ax.tick_params(axis="y", rotation=0)
            ax.set_title(arabic_text(str(name)))
            ax.set_xlabel("")
            ax.set_ylabel("")
        label = "Share of the actor's frame words" if shown == "share" else _label(value, None)
        bar = fig.colorbar(axes[0].collections[0], ax=axes, label=arabic_text(label), shrink=0.8)
        notes = []
        if shown == "share":
            bar.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            if data["too_few"].any():
                notes.append(f"Hatched: fewer than {max(min_hits, 1)} frame words near the actor, too few for "
                             "shares (the counts, actor_hits, are in the table beside the figure)")
        else:
            _integer_axis(bar.ax.yaxis, value)
        if empty:
            notes.append(arabic_text(f"Not drawn, no frame words near them in any group: {', '.join(map(str, empty))}"))
        if notes:
            fig.supxlabel("\n".join(notes), fontsize=_labelsize(scale), fontweight="normal", color="0.3")
        fig = _finish(fig, family, title, data, labelsize=_labelsize(scale))
        for ax in axes:  # after _finish, which gives every tick label one size
            ax.tick_params(axis="x", labelsize=actor_size)
        return fig


def _actor_labels(labels: list[str], column: float, size: float) -> tuple[float, int]:
    """Font size and rotation of actors' names on columns ``column`` inches wide.

    Across the column (0°) where the longest name fits at ``size``; else up it (90°), no
    taller than the column is wide, so that neighbours never touch.
    """
    if _text_width(labels) * size / TICK_LABEL_SIZE <= column:
        return size, 0
    return min(size, column * 72 / LABEL_LINE_HEIGHT), 90
