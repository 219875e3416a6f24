"""Provenance: the corpus, lexicon (with its SHA-256), normalization options and package version a result was computed from."""

from __future__ import annotations

import dataclasses

import pandas as pd

from analysis import __version__
from analysis.corpus import Corpus, as_docs
from analysis.display import html_table
from analysis.text import NormalizeOptions

__all__ = ["Provenance", "provenance", "PROVENANCE_KEY"]

PROVENANCE_KEY = "arabic-framing/provenance"
"""Output-metadata key under which a displayed :class:`Provenance` carries its fields."""


_COPIES_LABELS = {"all": "every document counted, copies included", "one": "one document per story",
                  "one_per_source": "one document per story and source"}


@dataclasses.dataclass(frozen=True)
class Provenance:
    """What a result was computed from, for a reader to reproduce it.

    Displayed in Jupyter as a table; the fields also travel in the output's metadata
    (under :data:`PROVENANCE_KEY`) so that :func:`analysis.report.build_report` can show them on the
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
    selection: str = ""
    selected: tuple[tuple[str, int, int], ...] = ()  # (source, selected, articles before the selection)
    copies: str = "all"
    corpus_sha256: str = ""  # of the input files' names, sizes and contents (IngestReport.fingerprint)

    def as_dict(self) -> dict:
        """The fields as plain JSON-ready values."""
        return {**dataclasses.asdict(self), "sources": list(self.sources),
                "selected": [list(row) for row in self.selected]}

    def rows(self) -> pd.DataFrame:
        """The provenance as ``item``/``value`` rows for people."""
        switched = ", ".join(f"{name} {'on' if on else 'off'}" for name, on in self.normalization.items())
        kept = self.rows_read - self.rows_rejected
        sources = ", ".join(self.sources[:20]) + (f" … ({len(self.sources)} in all)" if len(self.sources) > 20 else "")
        items = [
            ("corpus", self.corpus),
            *([("corpus files sha256", self.corpus_sha256)] if self.corpus_sha256 else []),
            ("documents", f"{self.documents:,} analysed" + (f" of {kept:,} kept" if self.documents != kept else "")
                          + f"; {self.rows_read:,} rows read, {self.rows_rejected:,} rejected at ingestion"),
            ("dates", f"{self.first_date or '?'} to {self.last_date or '?'}" + (
                f" (filter: {self.date_filter})" if self.date_filter else "")),
            ("sources", f"{len(self.sources)}: {sources}"),
            *([("selection", self.selection),
               ("selected per source", "; ".join(f"{source} {kept:,} of {before:,}" for source, kept, before in self.selected))]
              if self.selection else []),
            ("lexicon", self.lexicon),
            ("lexicon sha256", self.lexicon_sha256),
            ("normalization", switched),
            ("copies", _COPIES_LABELS.get(self.copies, self.copies)),
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
    copies: str = "all",
) -> Provenance:
    """Record the corpus (path and the SHA-256 of its files), lexicon (name and SHA-256),
    normalization options, the copies option and version.

    Parameters
    ----------
    corpus : the Corpus analysed (after any date filter). Where it was chosen with
        :func:`analysis.corpus.select_documents`, its selection and the articles it
        kept per source are stated.
    lexicon : a lexicon name, path or :class:`analysis.lexicon.Lexicon` (None if unused).
    options : the normalization options used (default: :class:`NormalizeOptions`).
    date_from, date_to : the date filter applied with :func:`analysis.corpus.select_dates`, if any.
    copies : the ``copies`` option the counts were made with (see
        :func:`analysis.corpus.select_copies`).

    Examples
    --------
    >>> from analysis.corpus import load_corpus
    >>> p = provenance(load_corpus(), "international-news")
    >>> p.lexicon, len(p.lexicon_sha256), p.normalization["alef"], p.copies
    ('international-news', 64, True, 'all')
    >>> from analysis.corpus import select_documents
    >>> p = provenance(select_documents(load_corpus(), "عقوبات OR حصار"))
    >>> p.selection, sum(kept for _, kept, _ in p.selected) == p.documents
    ('query: عقوبات OR حصار', True)
    """
    from analysis.corpus import COPIES
    from analysis.lexicon import load_lexicon

    if copies not in COPIES:
        raise ValueError(f"copies must be one of {', '.join(map(repr, COPIES))}, not {copies!r}")

    docs = as_docs(corpus)
    lex = load_lexicon(lexicon) if lexicon is not None else None
    dates = docs["date"].dropna() if "date" in docs.columns else pd.Series([], dtype="datetime64[ns]")
    report = getattr(corpus, "report", None)
    selection = getattr(corpus, "selection", None)
    if selection is not None and not (date_from or date_to):
        date_from, date_to = selection.date_from, selection.date_to
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
        selection=selection.describe() if selection is not None else "",
        selected=tuple((str(row.source), int(row.selected), int(row.docs)) for row in selection.counts.itertuples())
        if selection is not None else (),
        copies=copies,
        corpus_sha256=getattr(report, "fingerprint", "") if report is not None else "",
    )
