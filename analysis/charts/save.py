"""Writing a figure as PNG and SVG, atomically and reproducibly."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from analysis.charts.layout import _THEME, CHART_DATA, SAVE_DPI
from analysis.outputs import atomic_file, write_atomic
from analysis.paths import FIGURE_DIR

__all__ = ["save_figure"]

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
    data: bool = True,
) -> list[Path]:
    """Write ``fig`` as ``<directory>/<name>.<format>`` for each format, and its data as ``<name>.csv``.

    PNG is written at ``dpi`` (at least 150); SVG keeps text as glyph outlines, so
    shaped Arabic stays correct in any viewer, and carries no date, so the same figure
    gives the same bytes. The layout (e.g. constrained layout) is computed once, for the
    first format, and kept for the others. The table a chart drew (its ``chart_data``: the rows and
    columns shown, with their denominators) goes beside it as UTF-8 CSV, so every
    number in the picture can be looked up. Each file is written beside its target
    and then renamed.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    name : str
        File name without extension or directory.
    directory : str or path-like
        Created if missing; ``figures/`` by default.
    formats : sequence of {"png", "svg"}
    dpi : int
    data : bool
        Write ``<name>.csv`` when the figure carries its table (every ``plot_*`` figure does).

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
    ['terms.png', 'terms.svg', 'terms.csv']
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
    engine, paths = fig.get_layout_engine(), []
    try:
        with matplotlib.rc_context(_THEME):
            for fmt in formats:
                paths.append(_save_one(fig, directory / f"{name}.{fmt}", fmt, dpi))
                if engine is not None:  # the other formats keep the layout the first one computed, drawn once
                    with matplotlib.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
                        fig.set_layout_engine(None)  # no engine at all: savefig draws once, without a layout pass
    finally:
        fig.set_layout_engine(engine)
    table = getattr(fig, CHART_DATA, None)
    if data and table is not None:
        paths.append(write_atomic(directory / f"{name}.csv", table.to_csv(index=False, lineterminator="\n")))
    return paths


def _save_one(fig: Figure, target: Path, fmt: str, dpi: int) -> Path:
    with atomic_file(target, binary=True) as handle:
        fig.savefig(handle, format=fmt, dpi=dpi, metadata=_SAVE_METADATA[fmt])
    return target
