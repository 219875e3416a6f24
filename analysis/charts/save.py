"""Writing a figure as PNG and SVG, atomically and reproducibly."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from analysis.charts.layout import _THEME
from analysis.outputs import atomic_file
from analysis.paths import FIGURE_DIR

__all__ = ["save_figure"]

SAVE_DPI = 200
MIN_SAVE_DPI = 150
SAVE_FORMATS = ("png", "svg")
_SAVE_METADATA = {"png": {}, "svg": {"Date": None}}


def save_figure(
    fig: Figure,
    name: str,
    directory: str | os.PathLike = FIGURE_DIR,
    formats: Sequence[str] = SAVE_FORMATS,
    *,
    dpi: int = SAVE_DPI,
) -> list[Path]:
    """Write ``fig`` as ``<directory>/<name>.<format>`` for each format, atomically.

    PNG is written at ``dpi`` (at least 150); SVG keeps text as glyph outlines, so
    shaped Arabic stays correct in any viewer, and carries no date, so the same figure
    gives the same bytes. Each file is written beside its target and then renamed.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    name : str
        File name without extension or directory.
    directory : str or path-like
        Created if missing; ``figures/`` by default.
    formats : sequence of {"png", "svg"}
    dpi : int

    Returns
    -------
    list of pathlib.Path

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> from analysis.charts import plot_top_terms
    >>> table = pd.DataFrame({"source": ["okaz"], "term": ["الرياض"], "count": [3], "per_10k": [2.5]})
    >>> paths = save_figure(plot_top_terms(table), "terms", tempfile.mkdtemp())
    >>> [path.name for path in paths]
    ['terms.png', 'terms.svg']
    """
    if not name or Path(name).name != name or name in {".", ".."}:
        raise ValueError(f"name must be a plain file name without directory, not {name!r}")
    unknown = [fmt for fmt in formats if fmt not in SAVE_FORMATS]
    if unknown or not formats:
        raise ValueError(f"formats must be a non-empty selection of {SAVE_FORMATS}, not {list(formats)}")
    if dpi < MIN_SAVE_DPI:
        raise ValueError(f"dpi must be at least {MIN_SAVE_DPI} for publication, not {dpi}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context(_THEME):
        return [_save_one(fig, directory / f"{name}.{fmt}", fmt, dpi) for fmt in formats]


def _save_one(fig: Figure, target: Path, fmt: str, dpi: int) -> Path:
    with atomic_file(target, binary=True) as handle:
        fig.savefig(handle, format=fmt, dpi=dpi, metadata=_SAVE_METADATA[fmt])
    return target
