"""Notebook display helpers: escaped, bidi-isolated HTML tables, reproducible row samples, saved figures shown as images."""

from __future__ import annotations

import base64
import dataclasses
import html
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from IPython.display import Image

from analysis import charsets
from analysis.paths import FIGURE_DIR
from analysis.text import has_arabic, text_direction

__all__ = ["HTMLTable", "html_table", "show_dataframes_rtl", "sample_rows", "figure_image",
           "wide_table"]

_P_COLUMN = re.compile(r"^p(_|$)")  # p, p_value, p_adjusted, p_asymptotic …
P_FLOOR = 1e-300  # p-values below it, 0 included, are shown as "< 1e-300": underflow, not certainty
# A run of Arabic: from an Arabic letter to the last Arabic letter before the next Latin one.
_ARABIC_RUN = re.compile(f"[{charsets.ARABIC_SCRIPT}](?:[^{charsets.LATIN_SCRIPT}]*[{charsets.ARABIC_SCRIPT}])?")
TABLE_CSS = (
    "<style>"
    "table.af-table{border-collapse:collapse;margin:0.5em 0;font-size:0.92em}"
    "table.af-table th,table.af-table td{padding:0.25em 0.6em;border-bottom:1px solid #ddd;"
    "vertical-align:top;text-align:start}"
    "table.af-table td.af-num{text-align:right;font-variant-numeric:tabular-nums}"
    "table.af-table caption{caption-side:bottom;text-align:start;color:#555;font-size:0.9em}"
    "table.af-table td.af-keyword{text-align:center;font-weight:600}"
    "</style>"
)


@dataclasses.dataclass(frozen=True)
class HTMLTable:
    """An HTML table that displays itself in Jupyter (see :func:`html_table`).

    Attributes
    ----------
    html : the markup, every value escaped.
    text : a plain-text rendering, for consoles and logs.
    """

    html: str
    text: str

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


def _isolated(text: str, direction: str) -> str:
    """``text`` escaped, each Arabic run inside left-to-right text isolated in ``<bdi>``.

    Isolated, the run cannot pull the digits after it into right-to-left order
    (``موسكو: 15`` would otherwise show as ``15 :موسكو``). Latin runs inside
    right-to-left text read in order without it.
    """
    if direction == "rtl" or not has_arabic(text):
        return html.escape(text)
    parts, end = [], 0
    for run in _ARABIC_RUN.finditer(text):
        parts += [html.escape(text[end:run.start()]), f"<bdi>{html.escape(run.group())}</bdi>"]
        end = run.end()
    return "".join(parts) + html.escape(text[end:])


def _underflows(column: pd.Series) -> pd.Series:
    """Whether each value of a p-value column is below :data:`P_FLOOR` (0 included)."""
    numbers = pd.to_numeric(column, errors="coerce")
    return (numbers >= 0) & (numbers < P_FLOOR)


def _format(value, digits: int, max_chars: int, p_value: bool = False, cut_start: bool = False) -> tuple[str, bool]:
    """The display string of one value and whether it is a number (``p_value``: a p-value column's;
    ``cut_start``: a long text loses its start, not its end)."""
    if value is None or (not isinstance(value, (str, list, tuple, dict, np.ndarray)) and pd.isna(value)):
        return "", False
    if p_value and isinstance(value, (float, np.floating, int, np.integer)) and 0 <= value < P_FLOOR:
        return f"< {P_FLOOR:.0e}", True
    if isinstance(value, (bool, np.bool_)):
        return ("yes" if value else "no"), False
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}", True
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if value == 0:
            return "0", True
        if abs(value) >= 10**digits:
            return f"{value:,.0f}", True
        return f"{value:.{digits}g}", True
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d" if value == value.normalize() else "%Y-%m-%d %H:%M"), False
    if isinstance(value, (list, tuple, np.ndarray)):
        value = ", ".join(map(str, value))
    text = str(value)
    if max_chars and len(text) > max_chars:
        text = "…" + text[len(text) - max_chars + 1:].lstrip() if cut_start else text[: max_chars - 1].rstrip() + "…"
    return text, False


def _cell(tag: str, text: str, numeric: bool, attrs: str = "") -> str:
    """One cell, isolated in its own direction: numbers and dates left-to-right (so that
    ``-1.5`` and ``2015-07-21 02:42`` never turn around in a right-to-left table), text by
    :func:`analysis.text.text_direction`."""
    if numeric:
        return f'<{tag} class="af-num" dir="ltr"{attrs}>{html.escape(text)}</{tag}>'
    direction = text_direction(text)
    lang = ' lang="ar"' if direction == "rtl" else ""
    return f'<{tag}{attrs} dir="{direction}"{lang}>{_isolated(text, direction)}</{tag}>'


def _caption(notes: list[str]) -> str:
    """The caption, in the direction of its text; a note in the other direction is isolated."""
    if not notes:
        return ""
    direction = text_direction(" ".join(notes))
    parts = [_isolated(note, direction) if text_direction(note) == direction
             else f'<bdi dir="{text_direction(note)}">{_isolated(note, text_direction(note))}</bdi>' for note in notes]
    return f'<caption dir="{direction}">{" ".join(parts)}</caption>'


def html_table(
    table: pd.DataFrame,
    *,
    max_rows: int | None = 50,
    max_chars: int = 200,
    digits: int = 4,
    caption: str | None = None,
    direction: str = "auto",
    context: tuple[str, str] | None = None,
) -> HTMLTable:
    """Render a table as escaped HTML, each cell and the caption isolated in its own direction.

    Every value is escaped: corpus text is data, never markup, so a ``<script>`` in
    an article shows literally. Every cell, header and the caption carries its
    direction: ``dir="rtl" lang="ar"`` where Arabic letters predominate
    (:func:`analysis.text.text_direction`), ``dir="ltr"`` otherwise, numbers and dates included, so
    mixed Arabic, Latin and digits read in their logical order in a table of either
    direction (an Arabic run inside left-to-right text is isolated in ``<bdi>``).
    Numbers are right-aligned with thousands separators. The index is not shown
    (``reset_index()`` first to keep it). In p-value columns (``p``, ``p_value``,
    ``p_adjusted``, any ``p_…``) a value below 1e-300, 0 included, shows as
    ``< 1e-300``: the probability underflowed, it is not 0. The table itself is not
    changed.

    Parameters
    ----------
    table : the table to render.
    max_rows : rows shown (the rest are counted in the caption); None shows all.
    max_chars : longer texts are cut with "…" (0 keeps them whole).
    digits : significant digits of floats.
    caption : text under the table.
    direction : ``"auto"`` lays the columns out left to right; ``"rtl"`` makes the
        whole table right-to-left (columns run from the right, as in a
        keyword-in-context table read in Arabic order).
    context : the columns of text before and after a keyword, e.g.
        ``("before", "after")``: a keyword-in-context layout. Each is aligned against
        the keyword between them (in either table direction) and a long one is cut on
        its far side, so the words next to the keyword always show; the column
        between them is centred.

    Returns
    -------
    HTMLTable
        Displays itself in Jupyter; ``.html`` is the markup.

    Examples
    --------
    >>> t = html_table(pd.DataFrame({"title": ["<b>عاجل</b>"], "hits": [1200]}))
    >>> '<td dir="rtl" lang="ar">&lt;b&gt;عاجل&lt;/b&gt;</td>' in t.html, '<td class="af-num" dir="ltr">1,200</td>' in t.html
    (True, True)
    >>> html_table(pd.DataFrame({"a": [1]}), caption="موسكو: 15 of 39 occurrences.").html.split("<thead>")[0][-68:]
    '<caption dir="ltr"><bdi>موسكو</bdi>: 15 of 39 occurrences.</caption>'

    """
    if direction not in ("auto", "rtl"):
        raise ValueError(f"direction must be 'auto' or 'rtl', not {direction!r}")
    columns = list(table.columns)
    attrs = [""] * len(columns)
    if context is not None:
        if len(context) != 2 or any(name not in columns for name in context):
            raise ValueError(f"context must name two columns of the table (before, after), not {context!r}; "
                             f"it has {columns}")
        before, after = (columns.index(name) for name in context)
        if after - before != 2:
            raise ValueError(f"context columns {context!r} must have exactly the keyword column between them")
        towards, away = ("left", "right") if direction == "rtl" else ("right", "left")
        attrs[before], attrs[before + 1], attrs[after] = (f' style="text-align:{towards}"', ' class="af-keyword"',
                                                          f' style="text-align:{away}"')
    shown = table if max_rows is None else table.head(max_rows)
    head = "".join(_cell("th", str(column), False) for column in columns)
    p_columns = [bool(_P_COLUMN.match(str(column))) for column in columns]
    cut_start = [context is not None and i == columns.index(context[0]) for i in range(len(columns))]
    rows = []
    for values in shown.itertuples(index=False, name=None):
        cells = (_cell("td", *_format(value, digits, max_chars, p, cut), attr)
                 for value, p, cut, attr in zip(values, p_columns, cut_start, attrs))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    notes = [caption] if caption else []
    if len(shown) < len(table):
        notes.append(f"{len(shown):,} of {len(table):,} rows shown.")
    table_dir = ' dir="rtl"' if direction == "rtl" else ""
    markup = (f'{TABLE_CSS}<table class="af-table"{table_dir}>{_caption(notes)}<thead><tr>{head}</tr></thead>'
              f"<tbody>{''.join(rows)}</tbody></table>")
    underflow = {column: shown[column].astype(object).mask(_underflows(shown[column]), f"< {P_FLOOR:.0e}")
                 for column, p in zip(shown.columns, p_columns) if p}
    with pd.option_context("display.max_colwidth", max_chars or None, "display.width", 200):
        text = shown.assign(**underflow).to_string(index=False) + (
            f"\n({len(shown):,} of {len(table):,} rows shown)" if len(shown) < len(table) else "")
    return HTMLTable(markup, text)


def show_dataframes_rtl(enable: bool = True, **options) -> None:
    """Display every DataFrame in this Jupyter session right-to-left, as :func:`html_table` renders it.

    Plain DataFrames of Arabic otherwise display left-to-right with nothing isolated.
    The index is shown as columns unless it is the default one. ``options`` go to
    :func:`html_table` (``max_rows`` defaults to pandas' ``display.max_rows``);
    ``enable=False`` restores pandas' own display. Outside IPython it does nothing.

    Examples
    --------
    >>> show_dataframes_rtl()  # outside IPython: nothing to change
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return
    shell = get_ipython()
    if shell is None:
        return
    formatter = shell.display_formatter.formatters["text/html"]
    if not enable:
        formatter.pop(pd.DataFrame, None)
        return

    def render(frame: pd.DataFrame) -> str:
        plain = isinstance(frame.index, pd.RangeIndex) and frame.index.name is None
        shown = frame if plain else frame.reset_index()
        return html_table(shown, **{"max_rows": pd.get_option("display.max_rows"), "direction": "rtl",
                                    **options}).html

    formatter.for_type(pd.DataFrame, render)


def sample_rows(table: pd.DataFrame, n: int, *, by: str | list[str] | None = None, seed: int = 0) -> pd.DataFrame:
    """A reproducible random sample of at most ``n`` rows, or of ``n`` rows per group.

    Rows keep their original order, so a sample of keyword-in-context lines or of
    frame matches reads like the corpus.

    Examples
    --------
    >>> table = pd.DataFrame({"source": ["أ"] * 5 + ["ب"] * 2, "i": range(7)})
    >>> sample_rows(table, 2, by="source", seed=1)["source"].tolist()
    ['أ', 'أ', 'ب', 'ب']
    >>> sample_rows(table, 3, seed=1).equals(sample_rows(table, 3, seed=1))
    True
    """
    if n < 0:
        raise ValueError(f"n must be 0 or more, not {n!r}")
    rng = np.random.default_rng(seed)
    if by is None:
        chosen = rng.permutation(len(table))[:n]
    else:
        codes = table.groupby(by, sort=True, dropna=False).ngroup().to_numpy()
        order = rng.permutation(len(table))
        rank = pd.Series(codes[order]).groupby(codes[order]).cumcount().to_numpy()
        chosen = order[rank < n]
    return table.iloc[np.sort(chosen)]


def figure_image(fig, name: str, directory: str | os.PathLike = FIGURE_DIR, *,
                 formats: tuple[str, ...] = ("png", "svg"), dpi: int = 200):
    """Save a figure (:func:`analysis.charts.save_figure`) and return the saved PNG for display.

    Showing the saved file, rather than the figure, draws it once instead of twice,
    and the notebook shows exactly the file a reader will find in ``directory``. Where
    the figure carries its data, the picture is shown with a link to the CSV beside it,
    relative to the folder that holds ``directory`` (where the report's pages are).

    Returns
    -------
    FigureImage
        An ``IPython.display.Image`` that displays itself in Jupyter (as HTML with the data
        link where there is data).

    Examples
    --------
    >>> import tempfile
    >>> from analysis.charts import plot_top_terms
    >>> table = pd.DataFrame({"source": ["عكاظ"], "term": ["الرياض"], "count": [3], "per_10k": [2.5]})
    >>> image = figure_image(plot_top_terms(table), "terms", tempfile.mkdtemp(), formats=("png",), dpi=150)
    >>> image.format, image.data[:4], 'href="' in image._repr_html_()
    ('png', b'\\x89PNG', True)
    """
    from analysis.charts import save_figure

    if "png" not in formats:
        raise ValueError(f"formats must include 'png' to show the figure, not {formats!r}")
    paths = save_figure(fig, name, directory, formats, dpi=dpi)
    data = next((path for path in paths if path.suffix == ".csv"), None)
    return FigureImage(filename=str(paths[list(formats).index("png")]), data_link=data)


class FigureImage(Image):
    """A saved figure's PNG (an ``IPython.display.Image``), shown with a link to the CSV of its data."""

    def __init__(self, *args, data_link: Path | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.data_link = data_link

    def _repr_html_(self) -> str | None:
        if self.data_link is None:
            return None
        href = html.escape(f"{self.data_link.parent.name}/{self.data_link.name}", quote=True)
        encoded = base64.b64encode(self.data).decode("ascii")
        return (f'<figure style="margin: 0"><img src="data:image/png;base64,{encoded}" '
                f'alt="{html.escape(self.data_link.stem, quote=True)}" style="max-width: 100%">'
                f'<figcaption><a href="{href}">Data behind this figure ({html.escape(self.data_link.name)})</a>'
                "</figcaption></figure>")


def wide_table(table: pd.DataFrame, index: str, columns: str, values: str, *, label: str | None = None) -> pd.DataFrame:
    """A long table spread wide for reading: one row per ``index`` value, one column per ``columns`` value.

    Safe for any names, since outlet, frame and label names are data: a group named
    like the index column (an outlet called ``rank``, a frame labelled ``month``), or
    two groups shown under one label (two frames with one ``label_en``), get a column
    each, the later ones with the group's key (or a number) added. ``pivot`` followed
    by ``reset_index`` fails on both.

    Parameters
    ----------
    table : the long table; ``index`` × ``columns`` pairs must be unique.
    index : the column whose values become rows (kept as the first column).
    columns : the column whose values become columns (ids: unique per group).
    values : the column whose values fill the cells.
    label : a column naming each ``columns`` value for people (``frame_label``);
        default: the values themselves.

    Returns
    -------
    DataFrame
        ``index`` first, then one column per group in sorted order of ``columns``.

    Examples
    --------
    >>> long = pd.DataFrame({"rank": [1, 1, 2, 2], "source": ["rank", "الرائد", "rank", "الرائد"],
    ...                      "term": ["حرب", "سلام", "عقوبات", "محادثات"]})
    >>> wide_table(long, "rank", "source", "term").columns.tolist()
    ['rank', 'rank (2)', 'الرائد']
    """
    wide = table.pivot(index=index, columns=columns, values=values)
    names = (table.drop_duplicates(columns).set_index(columns)[label] if label is not None
             else pd.Series(wide.columns, index=wide.columns))
    taken, shown = {str(index)}, []
    for key in wide.columns:
        name = str(names[key])
        if name in taken:
            name = f"{name} ({key})" if str(key) != name and f"{name} ({key})" not in taken else name
            n = 2
            while name in taken:
                name, n = f"{names[key]} ({n})", n + 1
        taken.add(name)
        shown.append(name)
    return pd.DataFrame({str(index): wide.index.to_numpy(), **{name: wide[key].to_numpy()
                                                                for name, key in zip(shown, wide.columns)}})
