"""Term and frame counts over partitions of a corpus: one at a time, or on a Dask cluster.

A partition is whatever :func:`analysis.corpus.load_corpus` reads: a file (a zip of
JSON arrays, a CSV, a JSONL file…) or a folder. Each partition is loaded and counted
where it is and only its counts travel, because counts of disjoint sets of documents
add up: term counts as :class:`analysis.terms.TermCounts`, frame counts as the
:func:`analysis.frames.aggregate_frame_counts` table. The results equal
:func:`analysis.terms.count_terms` and :func:`analysis.frames.count_frames` on all
the documents loaded at once (duplicates are flagged, never dropped, in both).
With cleaning (``load_corpus``'s default), what recurs in each source is learned once over
the whole corpus: a first pass counts each partition's lines and edges
(:func:`partition_boilerplate`, counts of disjoint documents add up), and the counting
pass cleans every partition with those totals, so the sums equal the counts of the corpus
loaded at once. Learned per partition instead, a pattern in 3 % of an outlet's articles
would be missed in a partition where it falls short of ``min_docs`` or the share, and
found where it clears them by chance. ``clean=False`` (passed on to ``load_corpus``)
counts the texts as written, in one pass.

Dask is optional (``pip install 'arabic-framing[dask]'``); with a
``dask.distributed.Client`` open, :func:`count_terms_dask` and :func:`count_frames_dask`
run on its cluster, otherwise on Dask's local scheduler.
"""

from __future__ import annotations

import functools
import itertools
import operator
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from analysis.corpus import FORMATS, Boilerplate, clean_corpus, cleaned_docs, flag_copies, learn_boilerplate, load_corpus
from analysis.terms import _LOW, TermCounts, _alphabetical, _order, _rank_in_group, _sum_by, term_counts, top_terms
from analysis.text import NormalizeOptions

__all__ = [
    "corpus_partitions",
    "partition_boilerplate",
    "partition_term_counts",
    "partition_frame_counts",
    "add_frame_counts",
    "count_terms_by_partition",
    "count_frames_by_partition",
    "TermTotals",
    "sum_term_counts",
    "count_terms_dask",
    "count_frames_dask",
]

_FRAME_SUMS = ["hits", "docs_with_hit", "docs", "tokens"]


def corpus_partitions(path: str | os.PathLike) -> list[Path]:
    """One partition per corpus file directly in a folder, sorted; a file is its own.

    Sub-folders are partitions of their own (plain .txt files take their source from
    their folder, so a folder of them must stay together).

    Examples
    --------
    >>> from analysis.paths import DEMO_CORPUS
    >>> [p.name for p in corpus_partitions(DEMO_CORPUS)]
    ['articles.jsonl']
    """
    path = Path(path)
    if not path.is_dir():
        return [path]
    return sorted(p for p in path.iterdir()
                  if not p.name.startswith(".") and (p.is_dir() or p.suffix.lower() in FORMATS))


def partition_boilerplate(partition: str | os.PathLike, **load_options) -> Boilerplate:
    """Load one partition as written and count what recurs in each source
    (:func:`analysis.corpus.learn_boilerplate`); the partitions' counts add up.

    Examples
    --------
    >>> from analysis.paths import DEMO_CORPUS
    >>> int(partition_boilerplate(DEMO_CORPUS).sources.sum()) > 0
    True
    """
    load_options = {**load_options, "clean": False, "near_duplicates": False}
    return learn_boilerplate(load_corpus(partition, progress=False, **load_options))


def _load(partition: str | os.PathLike, boilerplate: Boilerplate | None, load_options: dict):
    """A partition as ``load_corpus`` gives it, cleaned with ``boilerplate`` (learned over
    all partitions) where it is given and cleaning is on."""
    clean = load_options.get("clean", True)
    if boilerplate is None or clean is False:
        return load_corpus(partition, progress=False, **load_options)
    near_duplicates = load_options.get("near_duplicates", True)
    corpus = load_corpus(partition, progress=False, **{**load_options, "clean": False, "near_duplicates": False})
    corpus = clean_corpus(corpus, None if clean is True else clean, boilerplate)
    return flag_copies(corpus, cleaned_docs(corpus)["text"]) if near_duplicates else corpus


def _learns(load_options: dict) -> bool:
    """Whether loading with ``load_options`` learns boilerplate (cleaning on, boilerplate on)."""
    clean = load_options.get("clean", True)
    if clean is False:
        return False
    return clean.get("boilerplate", True) if isinstance(clean, dict) else getattr(clean, "boilerplate", True)


def _learned(partitions, load_options: dict) -> Boilerplate | None:
    """What recurs in each source over all ``partitions``; None where nothing is learned."""
    if not _learns(load_options):
        return None
    return _sum(map(functools.partial(partition_boilerplate, **load_options), partitions), operator.add)


def partition_term_counts(
    partition: str | os.PathLike,
    by: str | list[str] | None = None,
    *,
    ngram: int = 1,
    stopwords: bool | set[str] = True,
    options: NormalizeOptions | None = None,
    boilerplate: Boilerplate | None = None,
    **load_options,
) -> TermCounts:
    """Load one partition and count its terms (see :func:`analysis.terms.term_counts`);
    with ``boilerplate`` (:func:`partition_boilerplate` of all partitions, added up), its
    cleaning is what the whole corpus taught.

    Examples
    --------
    >>> from analysis.paths import DEMO_CORPUS
    >>> counts = partition_term_counts(DEMO_CORPUS, by="source")
    >>> counts.names, int(counts.groups["docs"].sum()) > 0
    (['source'], True)
    """
    return term_counts(_load(partition, boilerplate, load_options), by, ngram=ngram, stopwords=stopwords,
                       options=options)


def partition_frame_counts(
    partition: str | os.PathLike,
    lexicon,
    by: str | list[str] | None = "source",
    options: NormalizeOptions | dict | None = None,
    boilerplate: Boilerplate | None = None,
    **load_options,
) -> pd.DataFrame:
    """Load one partition and count its frames (see :func:`analysis.frames.count_frames`);
    ``boilerplate`` as for :func:`partition_term_counts`.

    Examples
    --------
    >>> from analysis.paths import DEMO_CORPUS
    >>> partition_frame_counts(DEMO_CORPUS, "international-news").columns.tolist()[:3]
    ['source', 'frame', 'hits']
    """
    from analysis.frames import count_frames

    return count_frames(_load(partition, boilerplate, load_options), lexicon, by, options)


def add_frame_counts(left: pd.DataFrame, right: pd.DataFrame, by: str | list[str] | None = "source") -> pd.DataFrame:
    """The :func:`analysis.frames.count_frames` table of two disjoint sets of documents.

    Hits, documents and tokens add up; rates and shares are computed again. Groups
    come out sorted (missing values last) and frames in the order they first appear.

    Examples
    --------
    >>> a = pd.DataFrame({"source": ["أ"], "frame": ["cyber"], "hits": [2], "docs_with_hit": [1],
    ...                   "docs": [2], "tokens": [400], "rate_per_1k": [5.0], "doc_share": [0.5]})
    >>> add_frame_counts(a, a)[["hits", "docs", "rate_per_1k", "doc_share"]].values.tolist()
    [[4.0, 4.0, 5.0, 0.5]]
    """
    names = [] if by is None else [by] if isinstance(by, str) else list(by)
    both = pd.concat([left, right], ignore_index=True)
    frame = pd.Categorical(both["frame"], categories=pd.unique(both["frame"]))
    table = (both[names + _FRAME_SUMS].assign(frame=frame)
             .groupby(names + ["frame"], sort=True, dropna=False, observed=True)[_FRAME_SUMS].sum()
             .reset_index())
    table["frame"] = table["frame"].astype("str")
    tokens = table["tokens"].to_numpy(dtype=float)
    table["rate_per_1k"] = np.divide(table["hits"].to_numpy(dtype=float) * 1000, tokens,
                                     out=np.full(len(table), np.nan), where=tokens > 0)
    table["doc_share"] = table["docs_with_hit"] / table["docs"]
    return table.astype({name: np.int64 for name in _FRAME_SUMS})


def _sum(counts: Iterable, add: Callable):
    """Add up counts in the pattern of a binary counter: only sums of equally many partitions
    are added, so each partition's counts are added about log2(n) times (not n times, as with
    a running total), and at most log2(n) partial sums are held at once."""
    stack: list[tuple[int, object]] = []
    for total in counts:
        size = 1
        while stack and stack[-1][0] == size:
            n, left = stack.pop()
            total, size = add(left, total), size + n
        stack.append((size, total))
    if not stack:
        raise ValueError("no partitions to count")
    return functools.reduce(lambda right, left: add(left[1], right), reversed(stack[:-1]), stack[-1][1])


class TermTotals:
    """Term counts of many partitions added up as integers (see :func:`sum_term_counts`).

    Each (group, term) row is a packed key ``group << 32 | term id`` over one vocabulary
    shared by the partitions, with its ``count`` and ``doc_freq``: 24 bytes a row, where a
    sum of :class:`~analysis.terms.TermCounts` holds every row with its term as a string
    and factorizes them all again at every addition. Strings are attached only to the
    rows a table shows.

    Examples
    --------
    >>> one = term_counts(pd.DataFrame({"doc_id": ["1"], "source": ["أ"], "text": ["روسيا تفاوض"]}), by="source")
    >>> two = term_counts(pd.DataFrame({"doc_id": ["2"], "source": ["ب"], "text": ["روسيا تهدد روسيا"]}), by="source")
    >>> sum_term_counts([one, two]).top(1)[["source", "term", "count", "rank"]].values.tolist()
    [['أ', 'تفاوض', 1, 1], ['ب', 'روسيا', 2, 1]]
    """

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.groups = pd.DataFrame(index=[0]) if not names else None  # distinct groups, in the order first seen
        self.tokens = np.zeros(0, np.int64)
        self.docs = np.zeros(0, np.int64)
        self.vocabulary = pd.Index([], dtype="str")  # term of each term id
        self.keys = np.zeros(0, np.int64)
        self.count = np.zeros(0, np.int64)
        self.doc_freq = np.zeros(0, np.int64)

    def packed(self, counts: TermCounts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Take in the groups and vocabulary of ``counts``; its rows as ``(keys, count, doc_freq)``."""
        if counts.names != self.names:
            raise ValueError(f"cannot add counts grouped by {counts.names} and by {self.names}")
        if self.names:
            seen = 0 if self.groups is None else len(self.groups)
            both = counts.groups[self.names] if self.groups is None else pd.concat(
                [self.groups, counts.groups[self.names]], ignore_index=True)
            codes = both.groupby(self.names, dropna=False, sort=False).ngroup().to_numpy(np.int64)
            first = np.unique(codes, return_index=True)[1]
            self.groups = both.iloc[first].reset_index(drop=True)
            codes = codes[seen:]
        else:
            codes = np.zeros(len(counts.groups), np.int64)
        size = len(self.groups)
        self.tokens = np.bincount(codes, counts.groups["tokens"], size).astype(np.int64) + np.pad(
            self.tokens, (0, size - len(self.tokens)))
        self.docs = np.bincount(codes, counts.groups["docs"], size).astype(np.int64) + np.pad(
            self.docs, (0, size - len(self.docs)))
        terms = counts.terms["term"]
        ids = self.vocabulary.get_indexer(terms)
        new = ids < 0
        if new.any():
            added = pd.Index(pd.unique(terms[new]), dtype="str")
            ids[new] = len(self.vocabulary) + added.get_indexer(terms[new])
            self.vocabulary = self.vocabulary.append(added)
            if len(self.vocabulary) >= 2**31:
                raise ValueError("more than 2**31 - 1 distinct terms to add up")
        keys = codes[counts.terms["group"].to_numpy()] << 32 | ids.astype(np.int64)
        return keys, counts.terms["count"].to_numpy(np.int64), counts.terms["doc_freq"].to_numpy(np.int64)

    def _sorted_groups(self) -> np.ndarray:
        """Each group's place in sorted order (missing values last), by the order first seen."""
        if not self.names:
            return np.zeros(len(self.tokens), np.int64)
        return self.groups.groupby(self.names, dropna=False, sort=True).ngroup().to_numpy(np.int64)

    def _counts(self, rows: np.ndarray | slice = slice(None)) -> TermCounts:
        """The :class:`~analysis.terms.TermCounts` of the given rows (groups sorted)."""
        order = self._sorted_groups()
        groups = self.groups.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)
        groups = groups.assign(tokens=np.bincount(order, self.tokens, len(groups)).astype(np.int64),
                               docs=np.bincount(order, self.docs, len(groups)).astype(np.int64))
        keys = self.keys[rows]
        terms = pd.DataFrame({"group": order[keys >> 32],
                              "term": pd.Series(self.vocabulary.to_numpy()[keys & _LOW], dtype="str"),
                              "count": self.count[rows], "doc_freq": self.doc_freq[rows]})
        return TermCounts(self.names, groups, terms)

    def table(self, min_count: int = 1) -> pd.DataFrame:
        """The :func:`analysis.terms.count_terms` table of the total."""
        return self._counts().table(min_count)

    def top(self, n: int = 20) -> pd.DataFrame:
        """:func:`analysis.terms.top_terms` of :meth:`table`, with strings attached to the top rows only."""
        if n < 1:
            raise ValueError(f"n must be at least 1, not {n!r}")
        group = self._sorted_groups()[self.keys >> 32]
        alphabetical = _alphabetical(pa.array(self.vocabulary.to_numpy(), pa.large_string()))
        ranked = _order(group, self.count, alphabetical[self.keys & _LOW])
        rank = _rank_in_group(group[ranked])
        return top_terms(self._counts(np.sort(ranked[rank <= n])).table(), n, self.names or None)


def _add_packed(left: tuple, right: tuple) -> tuple:
    """Two ``(keys, count, doc_freq)`` sums added: distinct keys, sorted."""
    keys, (count, doc_freq) = _sum_by(np.concatenate([left[0], right[0]]), np.concatenate([left[1], right[1]]),
                                      np.concatenate([left[2], right[2]]))
    return keys, count, doc_freq


def sum_term_counts(counts: Iterable[TermCounts]) -> TermTotals:
    """Add up the :class:`~analysis.terms.TermCounts` of disjoint sets of documents, such
    as partitions counted one at a time, in bounded memory (:class:`TermTotals`).

    All must be grouped alike. The totals' :meth:`~TermTotals.table` equals the table of
    the counts added with ``+``.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1", "2"], "source": ["أ", "ب"], "text": ["العقوبات على موسكو", "العقوبات"]})
    >>> parts = [term_counts(docs.iloc[[k]], by="source") for k in range(2)]
    >>> sum_term_counts(parts).table().equals((parts[0] + parts[1]).table())
    True
    """
    counts = iter(counts)
    first = next(counts, None)
    if first is None:
        raise ValueError("no partitions to count")
    totals = TermTotals(first.names)
    totals.keys, totals.count, totals.doc_freq = _sum(map(totals.packed, itertools.chain([first], counts)), _add_packed)
    return totals


def count_terms_by_partition(
    partitions: list[str | os.PathLike],
    by: str | list[str] | None = None,
    *,
    ngram: int = 1,
    stopwords: bool | set[str] = True,
    min_count: int = 1,
    options: NormalizeOptions | None = None,
    **load_options,
) -> pd.DataFrame:
    """:func:`analysis.terms.count_terms` over partitions loaded one at a time.

    Memory holds one partition's documents and the count table, never the corpus.

    Examples
    --------
    >>> from analysis.paths import DEMO_CORPUS
    >>> from analysis.terms import count_terms
    >>> table = count_terms_by_partition(corpus_partitions(DEMO_CORPUS), by="source")
    >>> table.equals(count_terms(load_corpus(DEMO_CORPUS, progress=False), by="source"))
    True
    """
    count = functools.partial(partition_term_counts, by=by, ngram=ngram, stopwords=stopwords, options=options,
                              boilerplate=_learned(partitions, load_options), **load_options)
    return sum_term_counts(map(count, partitions)).table(min_count)


def count_frames_by_partition(
    partitions: list[str | os.PathLike],
    lexicon,
    by: str | list[str] | None = "source",
    options: NormalizeOptions | dict | None = None,
    **load_options,
) -> pd.DataFrame:
    """:func:`analysis.frames.count_frames` over partitions loaded one at a time.

    Examples
    --------
    >>> from analysis.paths import DEMO_CORPUS
    >>> from analysis.frames import count_frames
    >>> table = count_frames_by_partition(corpus_partitions(DEMO_CORPUS), "international-news")
    >>> table.equals(count_frames(load_corpus(DEMO_CORPUS, progress=False), "international-news"))
    True
    """
    from analysis.lexicon import load_lexicon

    lexicon = load_lexicon(lexicon)
    count = functools.partial(partition_frame_counts, lexicon=lexicon, by=by, options=options,
                              boilerplate=_learned(partitions, load_options), **load_options)
    return _sum(map(count, partitions), functools.partial(add_frame_counts, by=by))


def _bag(partitions: list[str | os.PathLike]):
    import dask.bag as db

    if not partitions:
        raise ValueError("no partitions to count")
    return db.from_sequence([str(p) for p in partitions], npartitions=len(partitions))


def _learned_dask(partitions, load_options: dict, split_every: int) -> Boilerplate | None:
    """:func:`_learned` with one Dask task per partition, the counts added in a tree."""
    if not _learns(load_options):
        return None
    learn = functools.partial(partition_boilerplate, **load_options)
    return _bag(partitions).map(learn).fold(operator.add, split_every=split_every).compute()


def count_terms_dask(
    partitions: list[str | os.PathLike],
    by: str | list[str] | None = None,
    *,
    ngram: int = 1,
    stopwords: bool | set[str] = True,
    min_count: int = 1,
    options: NormalizeOptions | None = None,
    split_every: int = 8,
    **load_options,
) -> pd.DataFrame:
    """:func:`analysis.terms.count_terms` with one Dask task per partition.

    Each task loads its partition (the path must be readable where the task runs) and
    returns its :class:`~analysis.terms.TermCounts`; these are added in a tree, at most
    ``split_every`` at a time, and only the total comes back.

    Examples
    --------
    >>> from analysis.paths import DEMO_CORPUS
    >>> import dask
    >>> with dask.config.set(scheduler="synchronous"):
    ...     table = count_terms_dask([DEMO_CORPUS], by="source")
    >>> table.equals(count_terms_by_partition([DEMO_CORPUS], by="source"))
    True
    """
    count = functools.partial(partition_term_counts, by=by, ngram=ngram, stopwords=stopwords, options=options,
                              boilerplate=_learned_dask(partitions, load_options, split_every), **load_options)
    total = _bag(partitions).map(count).fold(TermCounts.__add__, split_every=split_every)
    return total.compute().table(min_count)


def count_frames_dask(
    partitions: list[str | os.PathLike],
    lexicon,
    by: str | list[str] | None = "source",
    options: NormalizeOptions | dict | None = None,
    split_every: int = 8,
    **load_options,
) -> pd.DataFrame:
    """:func:`analysis.frames.count_frames` with one Dask task per partition.

    Examples
    --------
    >>> from analysis.paths import DEMO_CORPUS
    >>> import dask
    >>> with dask.config.set(scheduler="synchronous"):
    ...     table = count_frames_dask([DEMO_CORPUS], "international-news")
    >>> table.equals(count_frames_by_partition([DEMO_CORPUS], "international-news"))
    True
    """
    from analysis.lexicon import load_lexicon

    lexicon = load_lexicon(lexicon)
    count = functools.partial(partition_frame_counts, lexicon=lexicon, by=by, options=options,
                              boilerplate=_learned_dask(partitions, load_options, split_every), **load_options)
    add = functools.partial(add_frame_counts, by=by)
    return _bag(partitions).map(count).fold(add, split_every=split_every).compute()
