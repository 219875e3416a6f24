"""Term frequencies, n-grams, TF-IDF and keyword-in-context over a corpus.

Every count is of normalized tokens (:func:`analysis.text.normalize` then
:data:`analysis.text.TOKEN_PATTERN`), so أمريكا and امريكا, or ی and ي, are one term.
Rates are per 10,000 tokens of running text (stopwords included), so they do not
change when stopwords are filtered out of the listing.
"""

from __future__ import annotations

from itertools import chain

import numpy as np
import pandas as pd

from analysis.corpus import Corpus, as_docs, group_keys
from analysis.text import TOKEN_PATTERN, NormalizeOptions, normalize, stopwords as arabic_stopwords, token_spans

__all__ = ["doc_tokens", "count_terms", "top_terms", "tfidf_terms", "kwic"]


def doc_tokens(corpus: Corpus | pd.DataFrame, options: NormalizeOptions | None = None) -> pd.Series:
    """Normalized tokens of every document, as lists, indexed like the documents.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["a"], "source": ["s"], "text": ["فرضت واشنطن «عقوباتٍ» جديدة"]})
    >>> doc_tokens(docs).tolist()
    [['فرضت', 'واشنطن', 'عقوبات', 'جديدة']]
    >>> doc_tokens(docs, NormalizeOptions(teh_marbuta=True)).tolist()[0][-1]
    'جديده'
    """
    docs = as_docs(corpus)
    return pd.Series([TOKEN_PATTERN.findall(normalize(t, options)) for t in docs["text"]], index=docs.index, dtype=object)


def _ngrams(tokens: list[str], n: int) -> list[str]:
    return tokens if n == 1 else [" ".join(g) for g in zip(*(tokens[i:] for i in range(n)))]


def count_terms(
    corpus: Corpus | pd.DataFrame,
    by: str | list[str] | None = None,
    *,
    ngram: int = 1,
    stopwords: bool | set[str] = True,
    min_count: int = 1,
    options: NormalizeOptions | None = None,
) -> pd.DataFrame:
    """Count terms (or n-grams) overall or per group.

    Parameters
    ----------
    corpus : a Corpus or a documents DataFrame (``doc_id``, ``source``, ``text``…).
    by : grouping: a metadata column, a list of them, or ``"day"``/``"week"``/
        ``"month"``/``"year"`` derived from ``date`` (see :func:`analysis.corpus.group_keys`).
    ngram : 1 for words, 2 or 3 for n-grams of consecutive tokens within a document.
    stopwords : True removes Arabic stopwords (:func:`analysis.text.stopwords`), a set
        removes those words, False keeps everything. N-grams are removed when they
        start or end with a stopword (so حلف شمال الأطلسي stays).
    min_count : drop terms counted fewer times than this in a group.
    options : normalization options (default: :class:`NormalizeOptions`).

    Returns
    -------
    DataFrame
        One row per group and term: the group column(s), ``term``, ``count``,
        ``doc_freq`` (documents of the group containing the term), ``tokens``
        (tokens in the group), ``docs`` (documents in the group) and ``per_10k``
        (count per 10,000 tokens). Sorted by group, then count descending, then term.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1", "2"], "source": ["أ", "ب"],
    ...                      "text": ["العقوبات على موسكو", "العقوبات والعقوبات"]})
    >>> count_terms(docs, by="source")[["source", "term", "count", "doc_freq"]].values.tolist()
    [['أ', 'العقوبات', 1, 1], ['أ', 'موسكو', 1, 1], ['ب', 'العقوبات', 1, 1], ['ب', 'والعقوبات', 1, 1]]
    """
    if ngram not in (1, 2, 3):
        raise ValueError(f"ngram must be 1, 2 or 3, not {ngram!r}")
    if min_count < 1:
        raise ValueError(f"min_count must be at least 1, not {min_count!r}")
    docs = as_docs(corpus)
    keys, names = group_keys(docs, by)
    tokens = doc_tokens(docs, options)
    n_tokens = tokens.map(len).to_numpy()
    grams = tokens if ngram == 1 else tokens.map(lambda t: _ngrams(t, ngram))
    lengths = grams.map(len).to_numpy()

    group_codes, groups = _factorize_groups(keys, names)
    term_codes, terms = pd.factorize(pd.Series(list(chain.from_iterable(grams)), dtype=object))
    terms = np.asarray(terms, dtype=object)
    doc_of = np.repeat(np.arange(len(docs)), lengths)

    keep = _keep_terms(terms, stopwords, options, ngram)[term_codes] if len(terms) else np.zeros(0, bool)
    doc_of, term_codes = doc_of[keep], term_codes[keep]

    n_terms = max(len(terms), 1)
    pairs, counts = _count_pairs(group_codes[doc_of] * n_terms + term_codes)
    doc_pairs = _distinct(doc_of.astype(np.int64) * n_terms + term_codes)
    df_keys, df_counts = _count_pairs(group_codes[doc_pairs // n_terms] * n_terms + doc_pairs % n_terms)
    doc_freq = df_counts[np.searchsorted(df_keys, pairs)]

    group_tokens = np.bincount(group_codes, weights=n_tokens, minlength=len(groups)).astype(np.int64)
    group_docs = np.bincount(group_codes, minlength=len(groups))
    g, t = pairs // n_terms, pairs % n_terms
    table = groups.iloc[g].reset_index(drop=True)
    table["term"] = pd.Series(terms[t], dtype="str") if len(t) else pd.Series([], dtype="str")
    table["count"] = counts
    table["doc_freq"] = doc_freq
    table["tokens"] = group_tokens[g]
    table["docs"] = group_docs[g]
    table["per_10k"] = table["count"] / table["tokens"] * 10_000
    table = table[table["count"] >= min_count]
    return _sort(table, names)


def _distinct(codes: np.ndarray) -> np.ndarray:
    """Sorted distinct values (a sort and a diff: faster than np.unique's hashing here)."""
    codes = np.sort(codes, kind="stable")
    return codes[np.r_[True, codes[1:] != codes[:-1]]] if len(codes) else codes


def _count_pairs(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values of ``codes`` and how often each occurs."""
    codes = np.sort(codes, kind="stable")
    if not len(codes):
        return codes, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    return codes[starts], np.diff(np.r_[starts, len(codes)])


def _factorize_groups(keys: pd.DataFrame, names: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Group code of each document and the groups in sorted order (missing values form a group)."""
    if not names:
        return np.zeros(len(keys), dtype=np.int64), pd.DataFrame(index=[0])
    codes = keys.groupby(names, dropna=False, sort=True).ngroup().to_numpy(dtype=np.int64)
    first = np.unique(codes, return_index=True)[1]
    return codes, keys[names].iloc[first].reset_index(drop=True)


def _keep_terms(terms: np.ndarray, stopwords, options, ngram: int) -> np.ndarray:
    if stopwords is False:
        return np.ones(len(terms), dtype=bool)
    stop = arabic_stopwords(options) if stopwords is True else {normalize(w, options) for w in stopwords}
    if ngram == 1:
        return ~pd.Series(terms).isin(stop).to_numpy()
    first = pd.Series([t.split(" ", 1)[0] for t in terms]).isin(stop).to_numpy()
    last = pd.Series([t.rsplit(" ", 1)[-1] for t in terms]).isin(stop).to_numpy()
    return ~(first | last)


def _sort(table: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    order = names + ["count", "term"]
    ascending = [True] * len(names) + [False, True]
    return table.sort_values(order, ascending=ascending, kind="stable").reset_index(drop=True)


def top_terms(counts: pd.DataFrame, n: int = 20, by: str | list[str] | None = None) -> pd.DataFrame:
    """The ``n`` most frequent terms of each group of a :func:`count_terms` table.

    Ties are broken alphabetically, so the result is the same on every run; ``rank``
    (1 = most frequent) is added.

    Examples
    --------
    >>> counts = pd.DataFrame({"source": ["أ", "أ", "ب"], "term": ["روسيا", "حوار", "عقوبات"], "count": [5, 2, 7]})
    >>> top_terms(counts, 1, by="source")[["source", "term", "rank"]].values.tolist()
    [['أ', 'روسيا', 1], ['ب', 'عقوبات', 1]]
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n!r}")
    names = [] if by is None else [by] if isinstance(by, str) else list(by)
    table = _sort(counts, names)
    rank = table.groupby(names, sort=False).cumcount() + 1 if names else pd.Series(np.arange(1, len(table) + 1))
    table = table.assign(rank=rank.to_numpy())
    return table[table["rank"] <= n].reset_index(drop=True)


def tfidf_terms(
    corpus: Corpus | pd.DataFrame,
    by: str | list[str] = "source",
    **count_options,
) -> pd.DataFrame:
    """TF-IDF of each term in each group: how characteristic a term is of a group.

    ``tf`` is the term's share of the group's tokens; ``idf`` = ln((1 + N) / (1 + df)) + 1
    over the N documents of the whole corpus, where df is the number of documents
    containing the term (the smoothed form scikit-learn uses).

    Returns the :func:`count_terms` columns plus ``tf``, ``idf`` and ``tfidf``, sorted
    by group then ``tfidf`` descending.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1", "2"], "source": ["أ", "ب"],
    ...                      "text": ["روسيا تفاوض", "روسيا تهدد"]})
    >>> t = tfidf_terms(docs, by="source")
    >>> t.groupby("source")["term"].first().tolist()
    ['تفاوض', 'تهدد']
    """
    counts = count_terms(corpus, by, **count_options)
    overall = count_terms(corpus, None, **{**count_options, "min_count": 1})
    n_docs = len(as_docs(corpus))
    df = counts["term"].map(dict(zip(overall["term"], overall["doc_freq"])))
    names = [by] if isinstance(by, str) else list(by)
    table = counts.assign(
        tf=counts["count"] / counts["tokens"],
        idf=np.log((1 + n_docs) / (1 + df)) + 1,
    )
    table["tfidf"] = table["tf"] * table["idf"]
    return table.sort_values(names + ["tfidf", "term"], ascending=[True] * len(names) + [False, True],
                             kind="stable").reset_index(drop=True)


def kwic(
    corpus: Corpus | pd.DataFrame,
    term: str,
    window: int = 5,
    *,
    options: NormalizeOptions | None = None,
) -> pd.DataFrame:
    """Keyword in context: every occurrence of ``term`` with ``window`` tokens each side.

    ``term`` (a word or a phrase) is normalized and matched against normalized tokens
    exactly as :func:`count_terms` counts them, so the number of rows equals the
    term's count. Contexts are cut from the original text.

    Returns
    -------
    DataFrame
        ``doc_id``, ``source``, ``date`` (when present), ``left``, ``keyword`` (as
        written), ``right``, ``start``, ``end`` (offsets of the keyword in ``text``).

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1"], "source": ["أ"],
    ...                      "text": ["قال إن المحادثات «مُهمّة» وإن المحادثات ستستمر"]})
    >>> kwic(docs, "المحادثات", window=1)[["left", "keyword", "right"]].values.tolist()
    [['إن', 'المحادثات', '«مُهمّة'], ['وإن', 'المحادثات', 'ستستمر']]
    """
    if window < 0:
        raise ValueError(f"window must be 0 or more, not {window!r}")
    docs = as_docs(corpus)
    wanted = TOKEN_PATTERN.findall(normalize(term, options))
    if not wanted:
        raise ValueError(f"term {term!r} has no word in it")
    n = len(wanted)
    needle = " ".join(wanted)
    rows = []
    candidates = docs[[needle.split(" ")[0] in normalize(t, options) for t in docs["text"]]]
    for doc in candidates.itertuples(index=False):
        text = doc.text
        spans = token_spans(text)
        normed = [normalize(tok, options) for tok, _, _ in spans]
        for i in range(len(spans) - n + 1):
            if normed[i:i + n] == wanted:
                start, end = spans[i][1], spans[i + n - 1][2]
                lo = spans[max(i - window, 0)][1]
                hi = spans[min(i + n - 1 + window, len(spans) - 1)][2]
                rows.append({
                    "doc_id": doc.doc_id, "source": doc.source, "date": getattr(doc, "date", pd.NaT),
                    "left": text[lo:start].strip(),
                    "keyword": text[start:end],
                    "right": text[end:hi].strip(),
                    "start": start, "end": end,
                })
    columns = ["doc_id", "source", "date", "left", "keyword", "right", "start", "end"]
    return pd.DataFrame(rows, columns=columns)
