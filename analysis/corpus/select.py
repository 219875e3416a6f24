"""Choosing and counting documents: a date range, documents per group, texts published more than once, a period for a time series."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from analysis.corpus.model import Corpus, as_docs, group_keys

__all__ = ["select_dates", "count_documents", "duplicate_groups", "choose_period"]


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
    from analysis.terms import doc_token_counts

    docs = as_docs(corpus)
    keys, names = group_keys(docs, by)
    frame = keys.assign(
        _tokens=doc_token_counts(corpus),
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


def choose_period(corpus: Corpus | pd.DataFrame, max_points: int = 60, *, by: str | None = "source",
                  min_docs: float = 3) -> str:
    """The finest of ``"day"``, ``"week"``, ``"month"``, ``"year"`` that the data can carry.

    That is the finest period splitting the dated span into at most ``max_points``
    periods in which a typical ``by`` group (the median over the group × period cells
    that have articles) has at least ``min_docs`` articles: one article per outlet and
    day is plotted per week, not as a flat line of ones. Without a ``by`` column the
    whole corpus counts as one group.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1", "2"], "source": ["أ", "أ"], "text": ["نص", "نص"],
    ...                      "date": pd.to_datetime(["2015-07-21", "2015-08-07"])})
    >>> choose_period(docs, min_docs=1), choose_period(docs, max_points=5, min_docs=1), choose_period(docs)
    ('day', 'week', 'year')
    """
    docs = as_docs(corpus)
    dated = docs[docs["date"].notna()] if "date" in docs.columns else docs.iloc[0:0]
    if dated.empty:
        return "day"
    days = (dated["date"].max().normalize() - dated["date"].min().normalize()).days + 1
    groups = [by] if by is not None and by in dated.columns else []
    for period, length in (("day", 1), ("week", 7), ("month", 30.4)):
        if days / length > max_points:
            continue
        keys, names = group_keys(dated, groups + [period])
        if keys.groupby(names).size().median() >= min_docs:
            return period
    return "year"
