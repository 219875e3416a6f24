"""Present results to people: escaped right-to-left tables, provenance, and the HTML report built by running the notebooks."""

from __future__ import annotations

import bisect
import dataclasses
import functools
import html
import json
import os
import re
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import __version__
from analysis.corpus import Corpus, as_docs, group_keys
from analysis.paths import FIGURE_DIR, LEXICON_DIR, NOTEBOOK_DIR
from analysis.text import NormalizeOptions, token_spans

__all__ = [
    "HTMLTable",
    "Provenance",
    "ReportError",
    "NotebookError",
    "html_table",
    "provenance",
    "select_dates",
    "count_documents",
    "duplicate_groups",
    "choose_period",
    "sample_rows",
    "figure_image",
    "lexicon_summary",
    "label_frames",
    "count_matched_terms",
    "match_context",
    "notebook_paths",
    "build_report",
]

_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
PROVENANCE_KEY = "arabic-framing/provenance"
"""Output-metadata key under which a displayed :class:`Provenance` carries its fields."""
TABLE_CSS = (
    "<style>"
    "table.af-table{border-collapse:collapse;margin:0.5em 0;font-size:0.92em}"
    "table.af-table th,table.af-table td{padding:0.25em 0.6em;border-bottom:1px solid #ddd;"
    "vertical-align:top;text-align:start}"
    "table.af-table td.af-num{text-align:right;font-variant-numeric:tabular-nums}"
    "table.af-table caption{caption-side:bottom;text-align:start;color:#555;font-size:0.9em}"
    "</style>"
)
WORKERS = 2
"""Notebooks executed at the same time by :func:`build_report` (each in its own kernel)."""


class ReportError(ValueError):
    """The report cannot be built: bad input, or a notebook failed."""


class NotebookError(ReportError):
    """A notebook failed; the message names the notebook, the cell and the error.

    Attributes
    ----------
    notebook : file name of the notebook.
    cell : 1-based position of the failing cell in the notebook as committed (0 for
        the parameters papermill injected; None when the kernel itself failed).
    line : first line of the failing cell's source.
    error : exception name and message raised in the kernel.
    """

    def __init__(self, notebook: str, cell: int | None, line: str, error: str):
        self.notebook, self.cell, self.line, self.error = notebook, cell, line, error
        where = "" if cell is None else " in the injected parameters" if cell == 0 else f" in cell {cell}"
        quoted = f" ({line!r})" if line else ""
        super().__init__(f"notebook {notebook} failed{where}{quoted}: {error}")


# --- tables --------------------------------------------------------------------------


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


def _is_arabic(text: str) -> bool:
    return _ARABIC.search(text) is not None


def _format(value, digits: int, max_chars: int) -> tuple[str, bool]:
    """The display string of one value and whether it is a number."""
    if value is None or (not isinstance(value, (str, list, tuple, dict, np.ndarray)) and pd.isna(value)):
        return "", False
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
        text = text[: max_chars - 1].rstrip() + "…"
    return text, False


def _cell(tag: str, text: str, numeric: bool) -> str:
    attrs = ' class="af-num"' if numeric else ' dir="rtl" lang="ar"' if _is_arabic(text) else ""
    return f"<{tag}{attrs}>{html.escape(text)}</{tag}>"


def html_table(
    table: pd.DataFrame,
    *,
    max_rows: int | None = 50,
    max_chars: int = 200,
    digits: int = 4,
    caption: str | None = None,
    direction: str = "auto",
) -> HTMLTable:
    """Render a table as escaped HTML with Arabic cells right-to-left.

    Every value is escaped: corpus text is data, never markup, so a ``<script>`` in
    an article shows literally. A cell (or header) containing Arabic letters gets
    ``dir="rtl" lang="ar"``; numbers are right-aligned with thousands separators.
    The index is not shown (``reset_index()`` first to keep it).

    Parameters
    ----------
    table : the table to render.
    max_rows : rows shown (the rest are counted in the caption); None shows all.
    max_chars : longer texts are cut with "…" (0 keeps them whole).
    digits : significant digits of floats.
    caption : text under the table.
    direction : ``"auto"`` sets the direction per cell; ``"rtl"`` makes the whole
        table right-to-left (columns run from the right, as in a keyword-in-context
        table read in Arabic order).

    Returns
    -------
    HTMLTable
        Displays itself in Jupyter; ``.html`` is the markup.

    Examples
    --------
    >>> t = html_table(pd.DataFrame({"title": ["<b>عاجل</b>"], "hits": [1200]}))
    >>> '<td dir="rtl" lang="ar">&lt;b&gt;عاجل&lt;/b&gt;</td>' in t.html, '<td class="af-num">1,200</td>' in t.html
    (True, True)
    """
    if direction not in ("auto", "rtl"):
        raise ValueError(f"direction must be 'auto' or 'rtl', not {direction!r}")
    shown = table if max_rows is None else table.head(max_rows)
    head = "".join(_cell("th", str(column), False) for column in shown.columns)
    rows = []
    for values in shown.itertuples(index=False, name=None):
        cells = (_cell("td", *_format(value, digits, max_chars)) for value in values)
        rows.append("<tr>" + "".join(cells) + "</tr>")
    notes = [caption] if caption else []
    if len(shown) < len(table):
        notes.append(f"{len(shown):,} of {len(table):,} rows shown.")
    note = f"<caption>{html.escape(' '.join(notes))}</caption>" if notes else ""
    table_dir = ' dir="rtl"' if direction == "rtl" else ""
    markup = (f'{TABLE_CSS}<table class="af-table"{table_dir}>{note}<thead><tr>{head}</tr></thead>'
              f"<tbody>{''.join(rows)}</tbody></table>")
    with pd.option_context("display.max_colwidth", max_chars or None, "display.width", 200):
        text = shown.to_string(index=False) + (f"\n({len(shown):,} of {len(table):,} rows shown)"
                                               if len(shown) < len(table) else "")
    return HTMLTable(markup, text)


# --- provenance ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Provenance:
    """What a result was computed from, for a reader to reproduce it.

    Displayed in Jupyter as a table; the fields also travel in the output's metadata
    (under :data:`PROVENANCE_KEY`) so that :func:`build_report` can show them on the
    report's index page.
    """

    corpus: str
    documents: int
    sources: tuple[str, ...]
    first_date: str
    last_date: str
    date_filter: str
    rows_read: int
    rows_rejected: int
    lexicon: str
    lexicon_sha256: str
    normalization: dict
    version: str

    def as_dict(self) -> dict:
        """The fields as plain JSON-ready values."""
        return {**dataclasses.asdict(self), "sources": list(self.sources)}

    def rows(self) -> pd.DataFrame:
        """The provenance as ``item``/``value`` rows for people."""
        switched = ", ".join(f"{name} {'on' if on else 'off'}" for name, on in self.normalization.items())
        kept = self.rows_read - self.rows_rejected
        sources = ", ".join(self.sources[:20]) + (f" … ({len(self.sources)} in all)" if len(self.sources) > 20 else "")
        items = [
            ("corpus", self.corpus),
            ("documents", f"{self.documents:,} analysed" + (f" of {kept:,} kept" if self.documents != kept else "")
                          + f"; {self.rows_read:,} rows read, {self.rows_rejected:,} rejected at ingestion"),
            ("dates", f"{self.first_date or '?'} to {self.last_date or '?'}" + (
                f" (filter: {self.date_filter})" if self.date_filter else "")),
            ("sources", f"{len(self.sources)}: {sources}"),
            ("lexicon", self.lexicon),
            ("lexicon sha256", self.lexicon_sha256),
            ("normalization", switched),
            ("analysis version", self.version),
        ]
        return pd.DataFrame(items, columns=["item", "value"])

    def _repr_mimebundle_(self, include=None, exclude=None):
        table = html_table(self.rows(), max_rows=None, max_chars=0)
        data = {"text/plain": table.text, "text/html": "<h4>Provenance</h4>" + table.html}
        return data, {PROVENANCE_KEY: self.as_dict()}


def provenance(
    corpus: Corpus,
    lexicon=None,
    *,
    options: NormalizeOptions | None = None,
    date_from=None,
    date_to=None,
) -> Provenance:
    """Record the corpus, lexicon (name and SHA-256), normalization options and version.

    Parameters
    ----------
    corpus : the Corpus analysed (after any date filter).
    lexicon : a lexicon name, path or :class:`analysis.lexicon.Lexicon` (None if unused).
    options : the normalization options used (default: :class:`NormalizeOptions`).
    date_from, date_to : the date filter applied with :func:`select_dates`, if any.

    Examples
    --------
    >>> from analysis.corpus import load_corpus
    >>> p = provenance(load_corpus(), "international-news")
    >>> p.lexicon, len(p.lexicon_sha256), p.normalization["alef"]
    ('international-news', 64, True)
    """
    from analysis.lexicon import load_lexicon

    docs = as_docs(corpus)
    lex = load_lexicon(lexicon) if lexicon is not None else None
    dates = docs["date"].dropna() if "date" in docs.columns else pd.Series([], dtype="datetime64[ns]")
    report = getattr(corpus, "report", None)
    bounds = " ".join(f"{label} {value}" for label, value in (("from", date_from), ("to", date_to)) if value)
    return Provenance(
        corpus=str(getattr(corpus, "path", "")),
        documents=len(docs),
        sources=tuple(sorted(docs["source"].dropna().astype(str).unique())),
        first_date=dates.min().strftime("%Y-%m-%d") if len(dates) else "",
        last_date=dates.max().strftime("%Y-%m-%d") if len(dates) else "",
        date_filter=bounds,
        rows_read=report.rows_read if report is not None else len(docs),
        rows_rejected=len(report.rejected) if report is not None else 0,
        lexicon=lex.name if lex else "",
        lexicon_sha256=lex.sha256 if lex else "",
        normalization=(options or NormalizeOptions()).as_dict(),
        version=__version__,
    )


# --- corpus tables shared by the notebooks ---------------------------------------------


def _timestamp(value, name: str) -> pd.Timestamp | None:
    if value is None or value == "":
        return None
    try:  # strings must be ISO 8601: pandas alone would read "June" as June of the year 1
        return pd.to_datetime(value, format="ISO8601") if isinstance(value, str) else pd.Timestamp(value)
    except (ValueError, TypeError):
        raise ValueError(f"{name} {value!r} is not a date; write it as YYYY-MM-DD") from None


def select_dates(corpus: Corpus, date_from=None, date_to=None) -> Corpus:
    """The documents dated between ``date_from`` and ``date_to``, both included.

    A bound given as a day (``"2015-08-01"``) includes that whole day. With either
    bound set, undated documents are left out. The ingestion report is kept as is.

    Examples
    --------
    >>> from analysis.corpus import load_corpus
    >>> corpus = load_corpus()
    >>> len(select_dates(corpus)) == len(corpus)
    True
    >>> late = select_dates(corpus, date_from="2100-01-01")
    >>> len(late)
    0
    """
    start, end = _timestamp(date_from, "date_from"), _timestamp(date_to, "date_to")
    if start is None and end is None:
        return corpus
    if start is not None and end is not None and start > end:
        raise ValueError(f"date_from {date_from!r} is after date_to {date_to!r}")
    dates = corpus.docs["date"]
    keep = dates.notna()
    if start is not None:
        keep &= dates >= start
    if end is not None:
        keep &= dates < end + pd.Timedelta(days=1) if end == end.normalize() else dates <= end
    return dataclasses.replace(corpus, docs=corpus.docs[keep].reset_index(drop=True))


def count_documents(corpus: Corpus | pd.DataFrame, by: str | list[str] | None = "source") -> pd.DataFrame:
    """Documents, duplicates and article lengths (in tokens) per group.

    Parameters
    ----------
    corpus : a Corpus or documents table.
    by : grouping, as for :func:`analysis.terms.count_terms` (a column, or
        ``"day"``/``"week"``/``"month"``/``"year"``, or a list of them).

    Returns
    -------
    DataFrame
        The group column(s), ``docs``, ``duplicates`` (documents whose text repeats an
        earlier one), ``tokens`` and the ``tokens_p10``, ``tokens_median`` and
        ``tokens_p90`` of article length. Sorted by group; documents missing a
        grouping value (an undated one, for a period) form a group of their own.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1", "2", "3"], "source": ["أ", "أ", "ب"],
    ...                      "text": ["خبر قصير", "خبر أطول قليلا", "نص"]})
    >>> count_documents(docs)[["source", "docs", "tokens", "tokens_median"]].values.tolist()
    [['أ', 2, 5, 2.5], ['ب', 1, 1, 1.0]]
    """
    from analysis.terms import doc_tokens

    docs = as_docs(corpus)
    keys, names = group_keys(docs, by)
    frame = keys.assign(
        _tokens=doc_tokens(docs).map(len).astype("int64"),
        _dup=docs["is_duplicate"].astype(bool) if "is_duplicate" in docs.columns else False,
    )
    grouped = frame.groupby(names, sort=True, dropna=False) if names else frame.groupby(np.zeros(len(frame)))
    table = grouped.agg(
        docs=("_tokens", "size"),
        duplicates=("_dup", "sum"),
        tokens=("_tokens", "sum"),
        tokens_p10=("_tokens", lambda s: s.quantile(0.1)),
        tokens_median=("_tokens", "median"),
        tokens_p90=("_tokens", lambda s: s.quantile(0.9)),
    )
    table = table.reset_index() if names else table.reset_index(drop=True)
    return table.astype({"docs": "int64", "duplicates": "int64", "tokens": "int64"})


def duplicate_groups(corpus: Corpus | pd.DataFrame) -> pd.DataFrame:
    """Texts published more than once, such as wire copies carried by several outlets.

    Uses the ``is_duplicate``/``duplicate_of`` flags set by
    :func:`analysis.corpus.load_corpus` (same normalized text).

    Returns
    -------
    DataFrame
        One row per repeated text: ``doc_id`` and ``title`` of its first occurrence,
        ``copies`` (occurrences in all), ``n_sources`` and ``sources`` (sorted, comma
        separated). Sorted by ``n_sources``, then ``copies`` (both descending), then
        ``doc_id``.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1", "2", "3"], "source": ["سبق", "واس", "سبق"],
    ...                      "title": ["خبر", "خبر", "آخر"], "text": ["ن", "ن", "م"],
    ...                      "is_duplicate": [False, True, False], "duplicate_of": [None, "1", None]})
    >>> duplicate_groups(docs)[["doc_id", "copies", "sources"]].values.tolist()
    [['1', 2, 'سبق, واس']]
    """
    docs = as_docs(corpus)
    columns = ["doc_id", "title", "copies", "n_sources", "sources"]
    if "duplicate_of" not in docs.columns or not docs["is_duplicate"].any():
        return pd.DataFrame(columns=columns)
    original = docs["duplicate_of"].where(docs["is_duplicate"].astype(bool), docs["doc_id"])
    repeated = original[docs["is_duplicate"].astype(bool)].unique()
    members = docs.assign(_original=original)[original.isin(repeated)]
    titles = docs.set_index("doc_id")["title"] if "title" in docs.columns else None
    table = members.groupby("_original", sort=True).agg(
        copies=("doc_id", "size"),
        n_sources=("source", "nunique"),
        sources=("source", lambda s: ", ".join(sorted(map(str, s.dropna().unique())))),
    ).rename_axis("doc_id").reset_index()
    table.insert(1, "title", table["doc_id"].map(titles) if titles is not None else "")
    table = table.sort_values(["n_sources", "copies", "doc_id"], ascending=[False, False, True], kind="stable")
    return table[columns].reset_index(drop=True)


def choose_period(corpus: Corpus | pd.DataFrame, max_points: int = 60) -> str:
    """The finest of ``"day"``, ``"week"``, ``"month"``, ``"year"`` that splits the dated span into at most ``max_points`` periods.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1", "2"], "source": ["أ", "أ"], "text": ["نص", "نص"],
    ...                      "date": pd.to_datetime(["2015-07-21", "2015-08-07"])})
    >>> choose_period(docs), choose_period(docs, max_points=5)
    ('day', 'week')
    """
    docs = as_docs(corpus)
    dates = docs["date"].dropna() if "date" in docs.columns else pd.Series([], dtype="datetime64[ns]")
    if dates.empty:
        return "day"
    days = (dates.max().normalize() - dates.min().normalize()).days + 1
    for period, length in (("day", 1), ("week", 7), ("month", 30.4), ("year", 365.25)):
        if days / length <= max_points:
            return period
    return "year"


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
    and the notebook shows exactly the file a reader will find in ``directory``.

    Returns
    -------
    IPython.display.Image
        Displays itself in Jupyter.

    Examples
    --------
    >>> import tempfile
    >>> from analysis.charts import plot_top_terms
    >>> table = pd.DataFrame({"source": ["عكاظ"], "term": ["الرياض"], "count": [3], "per_10k": [2.5]})
    >>> image = figure_image(plot_top_terms(table), "terms", tempfile.mkdtemp(), formats=("png",), dpi=150)
    >>> image.format, image.data[:4]
    ('png', b'\\x89PNG')
    """
    from IPython.display import Image

    from analysis.charts import save_figure

    if "png" not in formats:
        raise ValueError(f"formats must include 'png' to show the figure, not {formats!r}")
    paths = save_figure(fig, name, directory, formats, dpi=dpi)
    return Image(filename=str(paths[list(formats).index("png")]))


# --- frames, for reading and auditing -------------------------------------------------


def lexicon_summary(lexicon, examples: int = 6) -> pd.DataFrame:
    """One row per frame of a lexicon: ``frame``, ``label_en``, ``label_ar``, ``terms`` (how many), ``examples``.

    Examples
    --------
    >>> lexicon_summary("actors", examples=2).iloc[0][["frame", "label_en", "examples"]].tolist()
    ['russia', 'Russia', 'روسيا، موسكو']
    """
    from analysis.lexicon import load_lexicon

    lex = load_lexicon(lexicon)
    rows = [(f.id, f.label_en, f.label_ar, len(f.terms), "، ".join(f.terms[:examples])) for f in lex.frames]
    return pd.DataFrame(rows, columns=["frame", "label_en", "label_ar", "terms", "examples"])


def label_frames(table: pd.DataFrame, lexicon, column: str = "frame") -> pd.DataFrame:
    """Add ``<column>_label``: the English label of each frame (or actor) id in ``column``.

    Examples
    --------
    >>> label_frames(pd.DataFrame({"frame": ["sanctions"]}), "international-news")["frame_label"].tolist()
    ['Sanctions and economic pressure']
    """
    from analysis.lexicon import load_lexicon

    labels = {f.id: f.label_en for f in load_lexicon(lexicon).frames}
    return table.assign(**{f"{column}_label": table[column].map(labels).fillna(table[column])})


def count_matched_terms(matches: pd.DataFrame, by: str | list[str] = "frame") -> pd.DataFrame:
    """How many hits each lexicon term contributed, per frame (or other grouping).

    Parameters
    ----------
    matches : a :func:`analysis.frames.frame_matches` table.
    by : grouping column(s) of ``matches``.

    Returns
    -------
    DataFrame
        The ``by`` columns, ``term``, ``count`` (hits), ``docs`` (documents with a hit
        of the term) and ``share`` (of the group's hits). Sorted by group, then count
        descending, then term, so :func:`analysis.terms.top_terms` can cut it.

    Examples
    --------
    >>> m = pd.DataFrame({"doc_id": ["1", "1", "2"], "frame": ["threat"] * 3, "term": ["تهديد", "تهديد", "اتهام"]})
    >>> count_matched_terms(m).values.tolist()
    [['threat', 'تهديد', 2, 1, 0.6666666666666666], ['threat', 'اتهام', 1, 1, 0.3333333333333333]]
    """
    names = [by] if isinstance(by, str) else list(by)
    table = matches.groupby(names + ["term"], sort=True).agg(count=("doc_id", "size"), docs=("doc_id", "nunique"))
    table = table.reset_index()
    table["share"] = table["count"] / table.groupby(names)["count"].transform("sum")
    return table.sort_values(names + ["count", "term"], ascending=[True] * len(names) + [False, True],
                             kind="stable").reset_index(drop=True)


def match_context(corpus: Corpus | pd.DataFrame, matches: pd.DataFrame, window: int = 8) -> pd.DataFrame:
    """Add ``before`` and ``after``: up to ``window`` tokens of original text around each match.

    ``matches`` needs ``doc_id``, ``start`` and ``end`` (character offsets in the
    document's text), as :func:`analysis.frames.frame_matches` gives them.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1"], "source": ["أ"], "text": ["فرضت واشنطن «عقوبات» جديدة على موسكو"]})
    >>> m = pd.DataFrame({"doc_id": ["1"], "surface": ["عقوبات"], "start": [13], "end": [19]})
    >>> match_context(docs, m, window=1)[["before", "surface", "after"]].values.tolist()
    [['واشنطن «', 'عقوبات', '» جديدة']]
    """
    if window < 0:
        raise ValueError(f"window must be 0 or more, not {window!r}")
    texts = as_docs(corpus).drop_duplicates("doc_id").set_index("doc_id")["text"]
    spans: dict = {}
    before, after = [], []
    for doc_id, start, end in zip(matches["doc_id"], matches["start"], matches["end"]):
        text = texts[doc_id]
        if doc_id not in spans:
            found = token_spans(text)
            spans[doc_id] = ([s for _, s, _ in found], [e for _, _, e in found])
        starts, ends = spans[doc_id]
        k = bisect.bisect_right(ends, start)  # tokens ending before the match
        j = bisect.bisect_left(starts, end)  # tokens starting after it
        before.append(text[starts[max(k - window, 0)]:start].strip() if k and window else "")
        after.append(text[end:ends[min(j + window, len(ends)) - 1]].strip() if j < len(ends) and window else "")
    return matches.assign(before=before, after=after)


# --- the report ----------------------------------------------------------------------


def notebook_paths(directory: str | os.PathLike = NOTEBOOK_DIR) -> list[Path]:
    """The report's notebooks: ``NN_*.ipynb`` in ``directory``, in order.

    Examples
    --------
    >>> [path.name for path in notebook_paths()][:2]
    ['01_corpus_overview.ipynb', '02_term_frequencies.ipynb']
    """
    return sorted(Path(directory).glob("[0-9][0-9]_*.ipynb"))


def _write_atomic(path: Path, text: str) -> None:
    """Write beside the target, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
    try:
        with open(partial, "x", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


@functools.cache
def _interpreter_kernel_manager():
    """A kernel manager class that starts ipykernel on this very interpreter.

    Headless runs then never depend on which kernel specs are installed (or on a
    user-level ``python3`` spec pointing at another Python).
    """
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_core.paths import jupyter_runtime_dir
    from traitlets import Unicode, default

    class InterpreterKernelManager(AsyncKernelManager):
        if os.name == "posix":  # local sockets: nothing of the corpus travels over TCP
            transport = Unicode("ipc")

            @default("ip")
            def _unique_socket_prefix(self) -> str:  # kernels started together must not share sockets
                runtime = Path(jupyter_runtime_dir())
                runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
                return str(runtime / f"arabic-framing-{uuid.uuid4().hex}")

        @property
        def kernel_spec(self) -> KernelSpec:
            return KernelSpec(
                argv=[sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name=f"Python {sys.version_info.major}.{sys.version_info.minor} ({sys.executable})",
                language="python",
            )

    return InterpreterKernelManager


def _title(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""


def _summary(nb) -> str:
    """The first paragraph after the title of the notebook's first Markdown cell."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            paragraphs = [p.strip() for p in re.split(r"\n\s*\n", cell.source) if p.strip()]
            rest = [p for p in paragraphs if not p.startswith("#")]
            return " ".join(rest[0].split()) if rest else ""
    return ""


def _failure(name: str, original, err) -> NotebookError:
    """Name the failing cell by its position in the notebook as committed (0: the injected parameters)."""
    source = getattr(err, "source", "")
    cell = next((i for i, c in enumerate(original.cells, 1) if c.cell_type == "code" and c.source == source), 0)
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    error = f"{getattr(err, 'ename', type(err).__name__)}: {getattr(err, 'evalue', err)}".strip()
    return NotebookError(name, cell, first, error)


def _execute(path: Path, parameters: dict, kernel_name: str | None):
    """Run one notebook; return (original, executed) or raise NotebookError."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    original = nbformat.read(path, as_version=4)
    options = {}
    if kernel_name is None:
        kernel_name, options["kernel_manager_class"] = "python3", _interpreter_kernel_manager()
    nb = nbformat.from_dict(json.loads(json.dumps(original)))
    try:
        executed = papermill.execute_notebook(
            nb, None, parameters=parameters, kernel_name=kernel_name, progress_bar=False,
            cwd=str(path.parent), start_timeout=120, shutdown_kernel="immediate", **options,
        )
    except PapermillExecutionError as err:
        raise _failure(path.name, original, err) from None
    except RuntimeError as err:  # the kernel could not start, or died (out of memory?)
        raise NotebookError(path.name, None, "", f"{type(err).__name__}: {err}") from None
    for cell in executed.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"  # papermill draws a random id; keep the output reproducible
    return original, executed


# JupyterLab's look without its scripts (require.js, MathJax, Mermaid from CDNs): the
# pages open offline, and the only markup in them is the template's and our tables'.
_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


def _render(executed, title: str) -> str:
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", template_file="report.html.j2",
                            extra_loaders=[DictLoader({"report.html.j2": _TEMPLATE})],
                            exclude_input_prompt=True, exclude_output_prompt=True, embed_images=True)
    body, _ = exporter.from_notebook_node(executed, resources={"metadata": {"name": title}})
    return body


def _provenance_of(executed) -> dict:
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            found = output.get("metadata", {}).get(PROVENANCE_KEY)
            if found:
                return dict(found)
    return {}


def _index_html(entries: list[tuple[str, str, str]], record: dict) -> str:
    items = "\n".join(
        f'<li><a href="{html.escape(href)}">{html.escape(title)}</a>'
        + (f"<p>{html.escape(summary)}</p>" if summary else "") + "</li>"
        for href, title, summary in entries
    )
    if record:
        fields = Provenance(**{**record, "sources": tuple(record["sources"])})
        prov = html_table(fields.rows(), max_rows=None, max_chars=0).html
    else:
        prov = "<p>No provenance was recorded by the notebooks.</p>"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Arabic media-framing report</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans Arabic", sans-serif;
       max-width: 60em; margin: 2em auto; padding: 0 1em; line-height: 1.5; color: #222; }}
li {{ margin-bottom: 0.8em; }} li p {{ margin: 0.2em 0 0; color: #444; }}
a {{ font-weight: 600; }}
</style>
</head>
<body>
<h1>Arabic media-framing report</h1>
<p>Each page below is a notebook of the <code>analysis</code> package, executed on the corpus described
under Provenance. Figures are also saved as PNG and SVG in <a href="figures/">figures/</a>.</p>
<h2>Notebooks</h2>
<ol>
{items}
</ol>
<h2>Provenance</h2>
{prov}
</body>
</html>
"""


def build_report(
    corpus: str | os.PathLike | None = None,
    out: str | os.PathLike = "report",
    lexicon: str | os.PathLike = "international-news",
    notebooks: list[str | os.PathLike] | None = None,
    kernel_name: str | None = None,
    *,
    parameters: dict | None = None,
    progress: bool | None = None,
) -> Path:
    """Execute every notebook on a corpus and write a standalone HTML report.

    Each notebook runs headlessly (papermill) in a fresh kernel, two at a time; its
    figures go to ``out/figures`` and the executed notebook is rendered to
    ``out/<notebook>.html`` with images embedded. ``out/index.html`` links them,
    with their titles and the provenance (corpus, lexicon and its SHA-256,
    normalization options, package version). Every file is written atomically, and
    only once every notebook has run.

    Parameters
    ----------
    corpus : file or folder to analyse (None: the bundled demo corpus).
    out : output folder, created if missing.
    lexicon : bundled lexicon name or YAML path.
    notebooks : notebooks to run (default: :func:`notebook_paths`).
    kernel_name : an installed Jupyter kernel to run them on. By default a kernel is
        started on the running interpreter, whatever kernel specs are installed.
    parameters : further papermill parameters for every notebook (``by``,
        ``date_from``, ``date_to``, ``top_n``, ``seed``).
    progress : report each finished notebook on stderr (default: when stderr is a terminal).

    Returns
    -------
    Path
        ``out/index.html``.

    Raises
    ------
    ReportError
        When the corpus or lexicon cannot be found or read, or when there are no
        notebooks.
    NotebookError
        When a notebook fails; the message names the notebook, the failing cell
        (position and first line) and the error.
    """
    from analysis.lexicon import load_lexicon

    if corpus is not None and not Path(corpus).exists():
        raise ReportError(f"corpus {str(corpus)!r}: no such file or folder")
    try:
        lex = load_lexicon(lexicon)
    except (OSError, ValueError) as err:
        raise ReportError(str(err).strip("'\"")) from None
    paths = [Path(p) for p in notebooks] if notebooks is not None else notebook_paths()
    if not paths:
        raise ReportError("no notebooks to run")
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise ReportError(f"notebook(s) not found: {', '.join(missing)}")
    if kernel_name is not None:
        from jupyter_client.kernelspec import KernelSpecManager

        installed = KernelSpecManager().find_kernel_specs()
        if kernel_name not in installed:
            raise ReportError(f"no Jupyter kernel named {kernel_name!r}; installed: {', '.join(sorted(installed))}")
    out = Path(out).resolve()
    if out.exists() and not out.is_dir():
        raise ReportError(f"{out}: exists and is not a folder")
    figures = out / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    bundled = Path(lex.path).resolve().parent == LEXICON_DIR.resolve()
    lexicon_arg = Path(lex.path).stem if bundled else str(Path(lex.path).resolve())
    params = {
        **(parameters or {}),
        "corpus": str(Path(corpus).resolve()) if corpus is not None else None,
        "lexicon": lexicon_arg,
        "out_dir": str(figures),
    }
    show = sys.stderr.isatty() if progress is None else progress

    def run(path: Path):
        """Execute and render one notebook (rendering overlaps the other kernel's work)."""
        start = time.perf_counter()
        try:
            original, executed = _execute(path, params, kernel_name)
        except NotebookError as err:
            return err
        title = _title(original) or path.stem
        page = _render(executed, title)
        if show:
            print(f"ran {path.name} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        return title, _summary(original), page, _provenance_of(executed)

    with ThreadPoolExecutor(max_workers=min(WORKERS, len(paths))) as pool:
        results = list(pool.map(run, paths))
    failures = [r for r in results if isinstance(r, NotebookError)]
    if failures:
        first = failures[0]
        if len(failures) > 1:
            others = ", ".join(f.notebook for f in failures[1:])
            raise NotebookError(first.notebook, first.cell, first.line, f"{first.error} (also failed: {others})")
        raise first

    entries, record = [], {}
    for path, (title, summary, page, found) in zip(paths, results):
        _write_atomic(out / f"{path.stem}.html", page)
        entries.append((f"{path.stem}.html", title, summary))
        record = record or found
    index = out / "index.html"
    _write_atomic(index, _index_html(entries, record))
    return index

