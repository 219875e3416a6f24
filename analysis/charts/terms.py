"""Bar charts of terms per group: most frequent and most distinctive."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.charts.arabic import arabic_text
from analysis.charts.layout import (
    PANEL_WIDTH, _colors, _finish, _groups, _label, _panels, _require, _styled,
)

__all__ = ["plot_top_terms", "plot_distinctive_terms"]

BAR_HEIGHT = 0.3
GLOSS_BAR_HEIGHT = 0.5
SCORE_COLUMNS = ("log_odds", "z", "g2")


def _term_label(term: str, gloss) -> str:
    if isinstance(gloss, str) and gloss.strip():
        return arabic_text(f"{term}\n{gloss.strip()}")
    return arabic_text(str(term))


def _faceted_bars(
    table: pd.DataFrame,
    *,
    group: str,
    term: str,
    value: str,
    gloss: str | None,
    n: int,
    ncols: int,
    title: str | None,
    xlabel: str | None,
    font: str | os.PathLike | None,
) -> Figure:
    _require(table, group, term, value)
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    glossed = gloss is not None and gloss in table.columns
    groups = _groups(table, group)
    bar_height = GLOSS_BAR_HEIGHT if glossed else BAR_HEIGHT
    longest = max(min(n, int((table[group] == g).sum())) for g in groups)
    with _styled(font) as family:
        fig, axes = _panels(len(groups), ncols, PANEL_WIDTH, 1.6 + bar_height * longest)
        for ax, name, color in zip(axes, groups, _colors(len(groups))):
            rows = table[table[group] == name].sort_values([value, term], ascending=[False, True]).head(n)
            labels = [
                _term_label(t, g) for t, g in zip(rows[term], rows[gloss] if glossed else [None] * len(rows))
            ]
            positions = np.arange(len(rows))
            ax.barh(positions, rows[value].to_numpy(dtype=float), color=color, height=0.7)
            ax.set_yticks(positions, labels)
            ax.set_ylim(longest - 0.5, -0.5)
            ax.axvline(0, color="0.3", linewidth=0.8)
            ax.grid(axis="x", color="0.9")
            ax.set_axisbelow(True)
            ax.set_title(arabic_text(str(name)))
            ax.set_xlabel(_label(value, xlabel))
        return _finish(fig, family, title)


def plot_top_terms(
    table: pd.DataFrame,
    *,
    group: str = "source",
    term: str = "term",
    value: str = "per_10k",
    gloss: str | None = "gloss",
    n: int = 10,
    ncols: int = 3,
    title: str | None = "Most frequent terms",
    xlabel: str | None = None,
    font: str | os.PathLike | None = None,
) -> Figure:
    """Horizontal bars of the ``n`` most frequent terms, one panel per group.

    Parameters
    ----------
    table : pandas.DataFrame
        Term counts: ``group``, ``term``, ``value`` and optionally ``gloss`` columns.
    group, term, value : str
        Column names; ``value`` is drawn (``per_10k`` by default, or ``count``).
    gloss : str or None
        Column of English glosses shown under each Arabic term when present.
    n : int
        Terms per panel, largest on top (ties broken by term).
    ncols : int
        Panels per row.
    title, xlabel : str, optional
        Figure title and x-axis label (a label for ``value`` by default).
    font : str or path-like, optional
        Arabic font family or file (see :func:`arabic_font`).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> table = pd.DataFrame({"source": ["okaz", "okaz", "sabq"], "term": ["الرياض", "جدة", "الرياض"],
    ...                       "count": [9, 4, 7], "per_10k": [3.1, 1.4, 2.2], "gloss": ["Riyadh", "Jeddah", "Riyadh"]})
    >>> len(plot_top_terms(table).axes)
    2
    """
    return _faceted_bars(
        table, group=group, term=term, value=value, gloss=gloss, n=n, ncols=ncols,
        title=title, xlabel=xlabel, font=font,
    )


def plot_distinctive_terms(
    table: pd.DataFrame,
    *,
    group: str = "source",
    term: str = "term",
    score: str | None = None,
    gloss: str | None = "gloss",
    n: int = 10,
    ncols: int = 3,
    title: str | None = "Most distinctive terms",
    xlabel: str | None = None,
    font: str | os.PathLike | None = None,
) -> Figure:
    """Horizontal bars of each group's ``n`` highest-scoring (most distinctive) terms.

    Parameters
    ----------
    table : pandas.DataFrame
        Keyness table: ``group``, ``term`` and a score column.
    group, term : str
        Column names.
    score : str, optional
        Score column; by default the first present of ``log_odds``, ``z``, ``g2``.
    gloss, n, ncols, title, xlabel, font
        As in :func:`plot_top_terms`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> table = pd.DataFrame({"source": ["okaz", "sabq"], "term": ["جدة", "الرياض"], "log_odds": [2.1, 1.7]})
    >>> plot_distinctive_terms(table).axes[0].get_xlabel()
    'Log-odds ratio'
    """
    if score is None:
        present = [column for column in SCORE_COLUMNS if column in table.columns]
        if not present:
            raise ValueError(f"table has none of the score columns {SCORE_COLUMNS}; pass score=")
        score = present[0]
    return _faceted_bars(
        table, group=group, term=term, value=score, gloss=gloss, n=n, ncols=ncols,
        title=title, xlabel=xlabel, font=font,
    )
