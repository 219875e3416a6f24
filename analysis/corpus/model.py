"""The corpus's nouns (:class:`Corpus`, :class:`IngestReport`, :class:`CorpusError`) and the documents-table helpers every module shares."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from analysis.chunks import TokenIds
    from analysis.corpus.clean import CleanOptions


class CorpusError(ValueError):
    """The corpus cannot be loaded at all (missing path, bad option)."""


@dataclasses.dataclass
class IngestReport:
    """What :func:`load_corpus` read, kept and rejected.

    Attributes
    ----------
    files : one row per file met: ``file``, ``format``, ``encoding``, ``status``
        (``read``, ``skipped``, ``unreadable``), ``rows_read``, ``rows_kept``, ``note``,
        ``calendar`` (the calendars its dates were written in: ``gregorian``, ``hijri``,
        ``persian``, joined by ``+``; empty without dates).
    rejected : one row per rejected input row: ``file``, ``location``, ``reason``.
    warnings : rows kept with a caveat: ``file``, ``location``, ``column``, ``message``
        (e.g. an implausible date set to NaT, an ambiguous day/month order, NUL bytes
        removed from a file, whose location is then ``file``).
    duplicates : number of kept documents whose normalized text repeats an earlier one.
    cache : where this corpus came from: read afresh and stored in the cache, read
        from the cache, not stored and why (see :mod:`analysis.corpus.cache`).
    fingerprint : SHA-256 of the input files' names, sizes and contents: two loads
        with the same fingerprint read the same bytes.
    """

    files: pd.DataFrame
    rejected: pd.DataFrame
    warnings: pd.DataFrame
    duplicates: int
    duplicates_dropped: bool = False
    cache: str = dataclasses.field(default="", compare=False)
    fingerprint: str = dataclasses.field(default="", compare=False)

    @property
    def files_read(self) -> int:
        """Files whose rows were read (archives themselves not counted)."""
        return int(((self.files["status"] == "read") & (self.files["format"] != "zip")).sum())

    @property
    def rows_read(self) -> int:
        return int(self.files["rows_read"].sum())

    @property
    def rows_kept(self) -> int:
        return int(self.files["rows_kept"].sum())

    @property
    def encodings(self) -> dict[str, str]:
        """Detected (or given) encoding per text file."""
        enc = self.files.dropna(subset=["encoding"])
        return dict(zip(enc["file"], enc["encoding"]))

    def summary(self) -> str:
        """One paragraph for people: files, rows read/kept/rejected, reasons, duplicates."""
        lines = [
            f"{self.files_read} file(s) read, {int((self.files['status'] != 'read').sum())} skipped or unreadable; "
            f"{self.rows_read} row(s) read, {self.rows_kept} kept, {len(self.rejected)} rejected; "
            f"{self.duplicates} duplicate text(s) {'dropped' if self.duplicates_dropped else 'flagged'}."
        ]
        for reason, n in self.rejected["reason"].str.replace(r" \(.*", "", regex=True).value_counts().items():
            lines.append(f"  rejected {n}: {reason}")
        for _, row in self.files[self.files["status"] != "read"].iterrows():
            lines.append(f"  {row['status']}: {row['file']} ({row['note']})")
        if len(self.warnings):
            lines.append(f"  {len(self.warnings)} warning(s), e.g. {self.warnings.iloc[0]['message']}")
        if self.cache:
            lines.append(f"  cache: {self.cache}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<IngestReport: {self.summary()}>"

    def _repr_html_(self) -> str:
        """In Jupyter: the counts, then the rejected rows, the warnings and the files, as tables."""
        from analysis.display import html_table

        unread = self.files[self.files["status"] != "read"]
        counts = pd.DataFrame([
            ("files read", self.files_read), ("files skipped or unreadable", len(unread)),
            ("rows read", self.rows_read), ("rows kept", self.rows_kept), ("rows rejected", len(self.rejected)),
            (f"duplicate texts {'dropped' if self.duplicates_dropped else 'flagged'}", self.duplicates),
            ("warnings", len(self.warnings)),
        ], columns=["", "count"])
        parts = ["<h4>Ingest report</h4>", html_table(counts, max_rows=None).html]
        if self.cache:
            parts.append(html_table(pd.DataFrame({"cache": [self.cache]}), max_chars=0).html)
        if len(self.rejected):
            reasons = (self.rejected["reason"].str.replace(r" \(.*", "", regex=True).value_counts()
                       .rename_axis("reason").reset_index(name="rows"))
            parts.append(_details(f"Rejected rows ({len(self.rejected):,})", html_table(reasons).html
                                  + html_table(self.rejected, max_rows=REPR_ROWS).html, open_=True))
        if len(self.warnings):
            parts.append(_details(f"Warnings ({len(self.warnings):,})",
                                  html_table(self.warnings, max_rows=REPR_ROWS).html, open_=True))
        if len(unread):
            parts.append(_details(f"Files not read ({len(unread):,})", html_table(unread).html, open_=True))
        parts.append(_details(f"Files ({len(self.files):,})", html_table(self.files).html))
        return "\n".join(parts)


REPR_ROWS = 10
"""Rejected rows and warnings shown in a notebook (all of them are in the tables)."""


def _details(summary: str, body: str, *, open_: bool = False) -> str:
    import html

    return f"<details{' open' if open_ else ''}><summary>{html.escape(summary)}</summary>{body}</details>"


@dataclasses.dataclass(frozen=True)
class Selection:
    """How :func:`analysis.corpus.select_documents` chose a story's documents, and how many it kept.

    Attributes
    ----------
    query : the boolean query, or None.
    lexicon : name of the lexicon whose mentions were counted, or None.
    frames : the lexicon's frames (actors) counted.
    min_mentions : mentions a frame needs in a document to count.
    min_actors : frames with ``min_mentions`` a document needs.
    date_from, date_to : the date bounds, or None.
    counts : per source: ``source``, ``docs`` (before the selection), ``selected``.
    """

    query: str | None = None
    lexicon: str | None = None
    frames: tuple[str, ...] = ()
    min_mentions: int = 1
    min_actors: int = 1
    date_from: str | None = None
    date_to: str | None = None
    counts: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame, compare=False)

    def describe(self) -> str:
        """The selection in one line.

        Examples
        --------
        >>> Selection(query="روسيا OR موسكو", date_from="2015-08-01").describe()
        'query: روسيا OR موسكو; dates from 2015-08-01'
        """
        parts = [f"query: {self.query}"] if self.query else []
        if self.lexicon:
            parts.append(f"at least {self.min_mentions} mention(s) of at least {self.min_actors} of "
                         f"{', '.join(self.frames)} ({self.lexicon} lexicon)")
        bounds = " ".join(f"{label} {value}" for label, value in (("from", self.date_from), ("to", self.date_to)) if value)
        if bounds:
            parts.append(f"dates {bounds}")
        return "; ".join(parts) or "all documents"


@dataclasses.dataclass
class Corpus:
    """Documents and the record of how they were read.

    Attributes
    ----------
    docs : one row per kept document: ``doc_id``, ``source``, ``date`` (datetime64,
        NaT where unknown), ``title``, ``url``, ``text`` (exactly as read), any other
        metadata columns found, then ``file`` and ``location`` (where the row came
        from), ``is_duplicate`` and ``duplicate_of``, then ``story_id``,
        ``is_near_duplicate`` and ``copy_of`` (see :func:`analysis.corpus.find_copies`).
    report : the :class:`IngestReport`.
    path : what was loaded.
    selection : the :class:`Selection` that chose these documents
        (:func:`analysis.corpus.select_documents`), or None.
    cleaning : the spans the counting functions skip (boilerplate and web debris:
        ``doc_id``, ``start``, ``end``, ``kind``, ``pattern``; see
        :func:`analysis.corpus.clean_spans`), or None where the corpus was not cleaned.
    clean_options : the :class:`~analysis.corpus.CleanOptions` they were found with, or None.
    tokens : the documents' tokens as term ids (:class:`analysis.chunks.TokenIds`), which
        a cached corpus carries so that counting need not tokenize again, or None.
    """

    docs: pd.DataFrame
    report: IngestReport
    path: str = ""
    selection: Selection | None = None
    cleaning: pd.DataFrame | None = None
    clean_options: CleanOptions | None = None
    tokens: TokenIds | None = dataclasses.field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.docs)

    def __repr__(self) -> str:
        return f"<Corpus {self.path!r}: {len(self.docs)} docs from {self.docs['source'].nunique()} sources>"

    def _repr_html_(self) -> str:
        """In Jupyter: what the corpus is (path, documents, sources, dates, selection), then its ingest report."""
        from analysis.display import html_table

        dates = self.docs["date"] if "date" in self.docs.columns else pd.Series(dtype="datetime64[ns]")
        sources = self.docs["source"].value_counts().sort_index()
        rows = [("path", self.path or "(a table)"), ("documents", f"{len(self.docs):,}"),
                ("sources", f"{len(sources):,}")]
        if dates.notna().any():
            rows.append(("dates", f"{dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d}"
                                  + (f" ({int(dates.isna().sum()):,} undated)" if dates.isna().any() else "")))
        if self.selection is not None:
            rows.append(("selection", self.selection.describe()))
        table = html_table(pd.DataFrame(rows, columns=["", "value"]), max_rows=None, max_chars=0)
        per_source = html_table(sources.rename_axis("source").reset_index(name="documents"), max_rows=None)
        return ("<h4>Corpus</h4>" + table.html + _details(f"Documents per source ({len(sources):,})", per_source.html,
                                                           open_=len(sources) <= REPR_ROWS)
                + self.report._repr_html_())


def as_docs(corpus: Corpus | pd.DataFrame) -> pd.DataFrame:
    """The documents table of a Corpus, or a DataFrame passed as is.

    Examples
    --------
    >>> as_docs(pd.DataFrame({"doc_id": ["a"], "source": ["s"], "text": ["نص"]})).shape
    (1, 3)
    """
    docs = getattr(corpus, "docs", corpus)
    if not isinstance(docs, pd.DataFrame):
        raise TypeError(f"expected a Corpus or a DataFrame, got {type(corpus).__name__}")
    missing = {"doc_id", "source", "text"} - set(docs.columns)
    if missing:
        raise ValueError(f"documents table lacks column(s) {sorted(missing)}; it has {list(docs.columns)}")
    return docs


def doc_metadata(docs: pd.DataFrame, rows) -> pd.DataFrame:
    """``doc_id``, ``source`` and ``date`` of the documents at positions ``rows`` (repeats
    allowed), dtypes kept, on a fresh index; ``date`` is NaT where the documents have none.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["a", "b"], "source": ["أ", "ب"], "text": ["", ""]})
    >>> doc_metadata(docs, [1, 1]).values.tolist()
    [['b', 'ب', NaT], ['b', 'ب', NaT]]
    """
    dates = docs["date"] if "date" in docs.columns else pd.Series(pd.NaT, index=docs.index, dtype="datetime64[ns]")
    return pd.DataFrame({name: column.iloc[rows].reset_index(drop=True) for name, column in
                         (("doc_id", docs["doc_id"]), ("source", docs["source"]), ("date", dates))})


PERIODS = {"day": "D", "week": "W-SUN", "month": "M", "year": "Y"}


def group_keys(docs: pd.DataFrame, by: str | list[str] | None) -> tuple[pd.DataFrame, list[str]]:
    """The grouping columns for ``by``, one row per document, and their names.

    ``by`` names metadata columns; ``"day"``, ``"week"``, ``"month"`` and ``"year"``
    (unless the documents have such a column) are periods derived from ``date``,
    given as the period's first day (weeks start on Monday). ``None`` means one group for the whole corpus.

    Examples
    --------
    >>> docs = pd.DataFrame({"source": ["أ", "ب"], "date": pd.to_datetime(["2021-11-03", "2021-12-09"])})
    >>> keys, names = group_keys(docs, ["source", "month"])
    >>> names, keys["month"].dt.strftime("%Y-%m-%d").tolist()
    (['source', 'month'], ['2021-11-01', '2021-12-01'])
    """
    names = [] if by is None else [by] if isinstance(by, str) else list(by)
    keys = {}
    for name in names:
        if name in docs.columns:
            keys[name] = docs[name]
        elif name in PERIODS:
            if "date" not in docs.columns:
                raise ValueError(f"cannot group by {name!r}: the documents have no 'date' column")
            keys[name] = docs["date"].dt.to_period(PERIODS[name]).dt.start_time
        else:
            raise ValueError(f"cannot group by {name!r}: not a column ({', '.join(map(str, docs.columns))}) "
                             f"nor a period ({', '.join(PERIODS)})")
    return pd.DataFrame(keys, index=docs.index), names


def _file_row(file, fmt, encoding, status, rows_read=0, rows_kept=0, note=""):
    return {"file": file, "format": fmt.lstrip("."), "encoding": encoding, "status": status,
            "rows_read": rows_read, "rows_kept": rows_kept, "note": note}


def _reason(err: Exception) -> str:
    return f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
