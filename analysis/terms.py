"""Term frequencies, n-grams, TF-IDF and keyword-in-context over a corpus.

Every count is of normalized tokens (:func:`analysis.text.normalize` then
:data:`analysis.text.TOKEN_PATTERN`), so أمريكا and امريكا, or ی and ي, are one term.
Rates are per 10,000 tokens of running text (stopwords included), so they do not
change when stopwords are filtered out of the listing.

Counting runs in batches of documents (:mod:`analysis.chunks`, which tokenizes each
distinct chunk of text once), so memory holds the token ids of one batch and the count
table, never every token of the corpus.
Counts of disjoint sets of documents add up (:class:`TermCounts`), which is what
:mod:`analysis.scale` uses to count partitions on several machines.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import multiprocessing
import re
import sys
import traceback

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.chunks import (
    IntBuffer, TokenVocabulary, batches, doc_term_counts, ragged_gather, stored_tokens, take_texts, text_array, token_counts, token_offsets,
    written_token_counts,
)
from analysis.corpus import Corpus, as_docs, cleaned_docs, doc_metadata, group_keys, select_copies
from analysis.charsets import DIGITS
from analysis.text import SENTENCE_END, TOKEN_PATTERN, NormalizeOptions, normalize, stopwords as arabic_stopwords

__all__ = [
    "doc_tokens", "doc_token_counts", "TermCounts", "term_counts", "count_terms", "top_terms", "tfidf_terms", "kwic", "label_terms",
    "content_terms",
]


def doc_tokens(corpus: Corpus | pd.DataFrame, options: NormalizeOptions | None = None, *, clean: bool = True) -> pd.Series:
    """Normalized tokens of every document, as lists, indexed like the documents (``clean``
    as in :func:`count_terms`: skipped spans have no tokens).

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["a"], "source": ["s"], "text": ["فرضت واشنطن «عقوباتٍ» جديدة"]})
    >>> doc_tokens(docs).tolist()
    [['فرضت', 'واشنطن', 'عقوبات', 'جديدة']]
    >>> doc_tokens(docs, NormalizeOptions(teh_marbuta=True)).tolist()[0][-1]
    'جديده'
    """
    docs = cleaned_docs(corpus, clean)
    return pd.Series([TOKEN_PATTERN.findall(normalize(t, options)) for t in docs["text"]], index=docs.index, dtype=object)


def doc_token_counts(corpus: Corpus | pd.DataFrame, options: NormalizeOptions | None = None, *,
                     clean: bool = True) -> np.ndarray:
    """How many tokens each document has, as :func:`doc_tokens` gives them, in document order.

    The corpus's stored token ids (``load_corpus(token_ids=True)``) answer without
    tokenizing where they describe these documents; otherwise the texts are tokenized
    in batches, never as Python lists.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["a", "b"], "source": ["s", "s"], "text": ["فرضت واشنطن «عقوباتٍ»", ""]})
    >>> doc_token_counts(docs).tolist()
    [3, 0]
    """
    docs = as_docs(corpus)
    stored = stored_tokens(corpus, docs, options, clean)
    if stored is not None:
        tokens, rows = stored
        return tokens.docs["tokens"].to_numpy()[rows].astype(np.int64)
    return token_counts(cleaned_docs(corpus, clean)["text"], options)


def _grams(terms: np.ndarray, docs: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """N-grams of consecutive tokens within a document, as an (m, n) array of term ids, and their docs."""
    if n == 1:
        return terms[:, None], docs
    starts = np.flatnonzero(docs[: len(docs) - n + 1] == docs[n - 1:])
    return np.stack([terms[starts + i] for i in range(n)], axis=1), docs[starts]


@dataclasses.dataclass
class TermCounts:
    """Term counts of a set of documents, before ``min_count``: those of disjoint sets add up.

    Attributes
    ----------
    names : the grouping columns (empty for one group).
    groups : one row per group: the group columns, ``tokens`` and ``docs``.
    terms : ``group`` (row of ``groups``), ``term``, ``count`` and ``doc_freq``.

    Examples
    --------
    >>> one = term_counts(pd.DataFrame({"doc_id": ["1"], "source": ["أ"], "text": ["روسيا تفاوض"]}), by="source")
    >>> two = term_counts(pd.DataFrame({"doc_id": ["2"], "source": ["أ"], "text": ["روسيا تهدد"]}), by="source")
    >>> (one + two).table()[["term", "count", "tokens", "docs"]].values.tolist()[0]
    ['روسيا', 2, 4, 2]
    """

    names: list[str]
    groups: pd.DataFrame
    terms: pd.DataFrame

    def __add__(self, other: TermCounts) -> TermCounts:
        if self.names != other.names:
            raise ValueError(f"cannot add counts grouped by {self.names} and by {other.names}")
        both = pd.concat([self.groups, other.groups], ignore_index=True)
        codes, groups = _factorize_groups(both[self.names], self.names)
        groups = groups.assign(tokens=np.bincount(codes, both["tokens"], len(groups)).astype(np.int64),
                               docs=np.bincount(codes, both["docs"], len(groups)).astype(np.int64))
        terms = _add_terms([self.terms.assign(group=codes[self.terms["group"]]),
                            other.terms.assign(group=codes[len(self.groups) + other.terms["group"]])])
        return TermCounts(self.names, groups, terms)

    def table(self, min_count: int = 1) -> pd.DataFrame:
        """The :func:`count_terms` table of these counts."""
        if min_count < 1:
            raise ValueError(f"min_count must be at least 1, not {min_count!r}")
        terms = self.terms[self.terms["count"] >= min_count].reset_index(drop=True)
        group = terms["group"].to_numpy()
        table = pd.concat([self.groups[self.names].iloc[group].reset_index(drop=True),
                           terms[["term", "count", "doc_freq"]]], axis=1)
        table["tokens"] = self.groups["tokens"].to_numpy()[group]
        table["docs"] = self.groups["docs"].to_numpy()[group]
        table["per_10k"] = table["count"] / table["tokens"] * 10_000
        order = _order(group, table["count"].to_numpy(), _alphabetical(pa.array(table["term"])))
        return table.take(order).reset_index(drop=True)

    def top(self, n: int = 20) -> pd.DataFrame:
        """:func:`top_terms` of :meth:`table`, made from the rows that can be among the top ``n`` of
        their group (counted at least as often as its ``n``-th row) instead of every row.

        Examples
        --------
        >>> docs = pd.DataFrame({"doc_id": ["1", "2"], "source": ["أ", "ب"], "text": ["روسيا تفاوض روسيا", "حوار"]})
        >>> term_counts(docs, by="source").top(1)[["source", "term", "count", "rank"]].values.tolist()
        [['أ', 'روسيا', 2, 1], ['ب', 'حوار', 1, 1]]
        """
        if n < 1:
            raise ValueError(f"n must be at least 1, not {n!r}")
        group, count = self.terms["group"].to_numpy(), self.terms["count"].to_numpy()
        order = np.lexsort((-count, group))
        nth = order[_rank_in_group(group[order]) == n]  # each group's n-th row by count
        least = np.zeros(len(self.groups), np.int64)
        least[group[nth]] = count[nth]
        shown = TermCounts(self.names, self.groups, self.terms[count >= least[group]].reset_index(drop=True))
        return top_terms(shown.table(), n, self.names or None)


def _order(group: np.ndarray, count: np.ndarray, term: np.ndarray) -> np.ndarray:
    """Rows ordered by group, then count descending, then term (all as integer codes)."""
    if not np.issubdtype(count.dtype, np.integer):
        return np.lexsort((term, -count, group))
    top, n_terms = int(count.max(initial=0)), int(term.max(initial=0)) + 1
    if (int(group.max(initial=0)) + 1) * (top + 1) * n_terms < 2**63:  # one packed key sorts ~5x faster
        return np.argsort((group * (top + 1) + top - count) * n_terms + term, kind="stable")
    return np.lexsort((term, -count, group))


_MERGE_ROWS = 1_000_000  # pending count rows merged at once, at least
_LOW = (1 << 32) - 1  # keys pack two ids below 2**31 as high << 32 | low


def _sum_by(keys: np.ndarray, *weights: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Distinct ``keys`` (sorted) and each weight summed per key."""
    distinct, codes = np.unique(keys, return_inverse=True)
    return distinct, [np.bincount(codes, w, len(distinct)).astype(np.int64) for w in weights]


_DENSE_CELLS = 1 << 24  # group × gram tables up to this many cells are summed without sorting


def _sum_by_group(groups: np.ndarray, grams: np.ndarray, n_groups: int, *weights: np.ndarray
                  ) -> tuple[np.ndarray, list[np.ndarray]]:
    """:func:`_sum_by` of the keys ``group << 32 | gram``, whose first weight is never 0."""
    size = int(grams.max(initial=-1)) + 1
    if n_groups * size > _DENSE_CELLS:
        return _sum_by(groups << 32 | grams, *weights)
    cells = groups * size + grams
    sums = [np.bincount(cells, w, n_groups * size) for w in weights]
    found = np.flatnonzero(sums[0])
    return (found // size) << 32 | found % size, [total[found].astype(np.int64) for total in sums]


class _KeyIds:
    """Ids 0, 1, … of int64 keys in the order they are first met, kept as sorted keys with their ids
    (16 bytes a key; each call merges the keys it meets in linear time).

    Examples
    --------
    >>> ids = _KeyIds()
    >>> [part.tolist() for part in ids.ids(np.array([7, 3, 7]))], [part.tolist() for part in ids.ids(np.array([5, 3]))]
    ([[0, 1, 0], [0, 1]], [[2, 1], [0]])
    """

    def __init__(self) -> None:
        self._keys = np.zeros(0, np.int64)
        self._ids = np.zeros(0, np.int64)

    def ids(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The id of each key, numbering unseen keys as met, and where in ``keys`` each new id is first met."""
        distinct, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        at = np.searchsorted(self._keys, distinct)
        known = at < len(self._keys)
        known[known] = self._keys[at[known]] == distinct[known]
        ids = np.empty(len(distinct), np.int64)
        ids[known] = self._ids[at[known]]
        unseen = np.flatnonzero(~known)
        met = unseen[np.argsort(first[unseen], kind="stable")]
        ids[met] = np.arange(len(self._keys), len(self._keys) + len(met))
        self._keys = np.insert(self._keys, at[unseen], distinct[unseen])
        self._ids = np.insert(self._ids, at[unseen], ids[unseen])
        return ids[inverse], first[met]


class _Counter:
    """Adds up term counts over batches of documents whose groups are known in advance.

    Counts are kept under packed keys ``group << 32 | gram``, where a gram id is a term
    id for words and an id given to each distinct n-gram otherwise.
    """

    def __init__(self, n_groups: int, ngram: int, vocabulary: TokenVocabulary, stop: frozenset[str]) -> None:
        self.ngram = ngram
        self.vocabulary = vocabulary
        self._stop = pa.array(sorted(stop), pa.large_string())
        self.tokens = np.zeros(n_groups, dtype=np.int64)
        self._is_stop = np.zeros(0, dtype=bool)
        self._levels = [_KeyIds() for _ in range(ngram - 1)]  # ids of the first 2, 3 … words
        self._gram_terms = [IntBuffer() for _ in range(ngram)]
        self._parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = [(np.zeros(0, np.int64),) * 3]
        self._rows = self._merged_rows = 0
        width = len(vocabulary.words()) if ngram == 1 and n_groups * len(vocabulary.words()) <= _DENSE_CELLS else 0
        self._dense = np.zeros((2, n_groups, width), np.int64)  # count and doc_freq by group and word, while small

    def add(self, terms: np.ndarray, docs: np.ndarray, groups: np.ndarray) -> None:
        """Count a run of texts given as the term ids of its tokens, the text of each token and each text's group."""
        self.tokens += np.bincount(groups[docs], minlength=len(self.tokens))
        grams, docs = _grams(terms, docs, self.ngram)
        is_stop = self._stop_flags()
        keep = ~(is_stop[grams[:, 0]] | is_stop[grams[:, -1]])
        grams, docs = grams[keep], docs[keep]
        gram = grams[:, 0] if self.ngram == 1 else self._ids(grams)
        doc, gram, per_doc = doc_term_counts(docs, gram)
        self._add_pairs(groups[doc], gram, per_doc)

    def add_bags(self, terms: np.ndarray, counts: np.ndarray, groups: np.ndarray) -> None:
        """Count the words of texts given as their distinct words (:attr:`~analysis.chunks.TokenIds.bags`):
        term ids, their counts and the group of each (their tokens are not counted here)."""
        width = len(self.vocabulary.words())  # the ids of stored words are all known
        if len(self.tokens) * width <= _DENSE_CELLS:  # stopwords are dropped when the table is made
            self._add_dense(groups, terms, counts.astype(np.int64), width)
            return
        keep = ~self._stop_flags()[terms]
        self._add_pairs(groups[keep], terms[keep].astype(np.int64), counts[keep].astype(np.int64))

    def _add_pairs(self, group: np.ndarray, gram: np.ndarray, per_doc: np.ndarray) -> None:
        """Add distinct (text, gram) pairs: each one's group, gram id and count in its text."""
        width = int(gram.max(initial=-1)) + 1
        if self.ngram == 1 and len(self.tokens) * width <= _DENSE_CELLS:
            self._add_dense(group, gram, per_doc, width)  # words: a table of every group and term, without sorting
            return
        keys, (count, doc_freq) = _sum_by_group(group, gram, len(self.tokens), per_doc, np.ones(len(per_doc)))
        self._append(keys, count, doc_freq)

    def _add_dense(self, group: np.ndarray, gram: np.ndarray, per_doc: np.ndarray, width: int) -> None:
        """Add counts into the dense ``(2, group, gram)`` table, widened to ``width`` grams if narrower."""
        if width > self._dense.shape[2]:
            width = max(width, min(2 * self._dense.shape[2], _DENSE_CELLS // len(self.tokens)))
            wider = np.zeros((2, len(self.tokens), width), np.int64)
            wider[:, :, :self._dense.shape[2]] = self._dense
            self._dense = wider
        flat = self._dense.reshape(2, -1)
        cells = group * self._dense.shape[2] + gram
        np.add.at(flat[0], cells, per_doc)
        np.add.at(flat[1], cells, 1)

    def _stop_flags(self) -> np.ndarray:
        """Whether each term id of the vocabulary is a stopword."""
        new = self.vocabulary.words()[len(self._is_stop):]
        if len(new):
            flags = pc.is_in(new, value_set=self._stop).to_numpy(zero_copy_only=False)
            self._is_stop = np.concatenate([self._is_stop, flags])
        return self._is_stop

    def _ids(self, grams: np.ndarray) -> np.ndarray:
        """Ids of the rows of an (m, n) array of term ids, numbering unseen n-grams as met."""
        codes = grams[:, 0]
        for level, column in zip(self._levels, range(1, grams.shape[1])):  # the first i + 1 words, pair by pair
            codes, first = level.ids(codes << 32 | grams[:, column])
        for i, buffer in enumerate(self._gram_terms):
            buffer.extend(grams[first, i])
        return codes

    def _append(self, keys: np.ndarray, count: np.ndarray, doc_freq: np.ndarray) -> None:
        # Merge pending parts once they outgrow the merged table: amortized linear time,
        # and memory about twice the final table's.
        self._parts.append((keys, count, doc_freq))
        self._rows += len(keys)
        if self._rows > max(2 * self._merged_rows, _MERGE_ROWS):
            self._merge()

    def _merge(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        keys, (count, doc_freq) = _sum_by(*(np.concatenate([p[i] for p in self._parts]) for i in range(3)))
        self._parts, self._rows, self._merged_rows = [(keys, count, doc_freq)], len(keys), len(keys)
        return keys, count, doc_freq

    def terms(self) -> pd.DataFrame:
        """``group``, ``term``, ``count`` and ``doc_freq`` of everything added."""
        is_stop = self._stop_flags()
        self._dense[:, :, np.flatnonzero(is_stop[:self._dense.shape[2]])] = 0
        row, column = np.nonzero(self._dense[0])  # the dense table joins the sorted parts once, at the end
        dense = (row.astype(np.int64) << 32 | column, *self._dense[:, row, column])
        self._dense = self._dense[:, :, :0]
        if any(len(part[0]) for part in self._parts):
            self._parts.append(dense)
            keys, count, doc_freq = self._merge()
        else:  # the dense table alone: its cells are distinct and in key order already
            keys, count, doc_freq = dense
        gram = keys & _LOW
        words = self.vocabulary.words()
        if self.ngram == 1:
            term = words.take(pa.array(gram))
        else:
            columns = [words.take(pa.array(b.values[gram])) for b in self._gram_terms]
            term = pc.binary_join_element_wise(*columns, pa.scalar(" ", pa.large_string()))
        return pd.DataFrame({"group": keys >> 32, "term": pd.Series(term, dtype="str"),
                             "count": count, "doc_freq": doc_freq})


def _count_batches(texts: pa.ChunkedArray, runs: list[tuple[int, int]], group_codes: np.ndarray,
                   n_groups: int, ngram: int, vocabulary: TokenVocabulary, stop: frozenset[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Term counts (:meth:`_Counter.terms`) and tokens per group of the given runs of ``texts``."""
    counter = _Counter(n_groups, ngram, vocabulary, stop)
    for start, stop_, terms, docs in vocabulary.tokens(texts, runs):
        counter.add(terms, docs, group_codes[start:stop_])
    return counter.terms(), counter.tokens


def _add_terms(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Sum ``count`` and ``doc_freq`` of count tables whose ``group`` codes mean the same groups."""
    terms = pd.concat(tables, ignore_index=True)
    words, distinct = pd.factorize(terms["term"])
    keys, (count, doc_freq) = _sum_by(terms["group"].to_numpy() << 32 | words,
                                      terms["count"].to_numpy(), terms["doc_freq"].to_numpy())
    return pd.DataFrame({"group": keys >> 32, "term": pd.Series(distinct[keys & _LOW], dtype="str"),
                         "count": count, "doc_freq": doc_freq})


def _n_workers(workers: int, n_batches: int) -> int:
    """Processes to count with: ``workers``, at most one per batch, and 1 where forking is not possible."""
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer, not {workers!r}")
    if sys.platform != "linux" or multiprocessing.current_process().daemon:
        return 1  # forking is Linux-only here, and daemonic processes (Dask workers) may not fork
    return min(workers, max(n_batches, 1))


def _in_forked_processes(jobs: list) -> list:
    """Call each job in a forked child process (which shares the parent's memory); their results in order."""
    context = multiprocessing.get_context("fork")
    children = []
    try:
        for job in jobs:
            receive, send = context.Pipe(duplex=False)
            child = context.Process(target=_send_result, args=(job, send), daemon=True)
            child.start()
            send.close()
            children.append((child, receive))
        results = []
        for child, receive in children:
            ok, value = receive.recv()
            if not ok:
                raise RuntimeError(f"counting process failed:\n{value}")
            results.append(value)
        return results
    finally:
        for child, receive in children:
            receive.close()
            child.terminate()
            child.join()


def _send_result(job, connection) -> None:
    gc.freeze()  # the collector never walks (and so never copies) the objects inherited from the parent
    try:
        result = (True, job())
    except BaseException:  # the parent re-raises it
        result = (False, traceback.format_exc())
    connection.send(result)
    connection.close()


def _stopword_set(stopwords: bool | set[str], options: NormalizeOptions | None) -> frozenset[str]:
    if stopwords is False:
        return frozenset()
    if stopwords is True:
        return arabic_stopwords(options)
    return frozenset(normalize(w, options) for w in stopwords)


def term_counts(
    corpus: Corpus | pd.DataFrame,
    by: str | list[str] | None = None,
    *,
    ngram: int = 1,
    stopwords: bool | set[str] = True,
    options: NormalizeOptions | None = None,
    workers: int = 1,
    copies: str = "all",
    clean: bool = True,
) -> TermCounts:
    """Additive term counts (see :class:`TermCounts`); arguments as for :func:`count_terms`.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1"], "source": ["أ"], "text": ["روسيا تفاوض روسيا"]})
    >>> term_counts(docs).terms[["term", "count"]].values.tolist()
    [['روسيا', 2], ['تفاوض', 1]]
    """
    if ngram not in (1, 2, 3):
        raise ValueError(f"ngram must be 1, 2 or 3, not {ngram!r}")
    chosen = select_copies(as_docs(corpus), copies)
    known = stored_tokens(corpus, chosen, options, clean)
    if known is not None:  # tokenized when the corpus was cached: only add them up
        tokens, rows = known
        keys, names = group_keys(chosen, by)
        group_codes, groups = _factorize_groups(keys, names)
        counter = _Counter(len(groups), ngram, TokenVocabulary.of_terms(tokens.terms_counted[1]),
                           _stopword_set(stopwords, options))
        if ngram == 1:  # words: each document's distinct words and their counts, as stored
            for start, stop, term, count, n in tokens.bag_runs(rows):
                counter.add_bags(term, count, np.repeat(group_codes[start:stop], n))
            counter.tokens += np.bincount(group_codes, tokens.docs["tokens"].to_numpy()[rows], len(groups)).astype(np.int64)
        else:
            for start, stop, term, doc in tokens.runs(rows):
                counter.add(term, doc, group_codes[start:stop])
        terms, n_tokens = counter.terms(), counter.tokens
        groups = groups.assign(tokens=n_tokens, docs=np.bincount(group_codes, minlength=len(groups)))
        return TermCounts(names, groups, terms)
    docs = select_copies(cleaned_docs(corpus, clean), copies)
    keys, names = group_keys(docs, by)
    group_codes, groups = _factorize_groups(keys, names)
    texts = text_array(docs["text"])
    runs = batches(texts)
    n = _n_workers(workers, len(runs))
    stop = _stopword_set(stopwords, options)
    jobs = [functools.partial(_count_batches, texts, runs[k * len(runs) // n:(k + 1) * len(runs) // n],
                              group_codes, len(groups), ngram, TokenVocabulary(options), stop)
            for k in range(n)]
    parts = [jobs[0]()] if n == 1 else _in_forked_processes(jobs)
    groups = groups.assign(tokens=sum(tokens for _, tokens in parts),
                           docs=np.bincount(group_codes, minlength=len(groups)))
    return TermCounts(names, groups, parts[0][0] if n == 1 else _add_terms([terms for terms, _ in parts]))


def count_terms(
    corpus: Corpus | pd.DataFrame,
    by: str | list[str] | None = None,
    *,
    ngram: int = 1,
    stopwords: bool | set[str] = True,
    min_count: int = 1,
    options: NormalizeOptions | None = None,
    workers: int = 1,
    copies: str = "all",
    clean: bool = True,
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
    workers : processes to count with (Linux; elsewhere always 1). More than 1 forks
        processes that each count a share of the batches (:data:`analysis.chunks.BATCH_BYTES`) with
        their own vocabulary, which pays off on many idle CPUs and large corpora, at
        the cost of memory per process; on 2 CPUs one process is as fast. The result
        is the same whatever the number.
    copies : what to do with copies (:func:`analysis.corpus.select_copies`): ``"all"``
        (default) keeps every document, ``"one"`` one per story, ``"one_per_source"``
        one per story and source.
    clean : count the text with the corpus's boilerplate and web debris skipped
        (``corpus.cleaning``, see :func:`analysis.corpus.clean_corpus`; default); False
        counts the text as written. A plain DataFrame is counted as written.

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
    if min_count < 1:
        raise ValueError(f"min_count must be at least 1, not {min_count!r}")
    return term_counts(corpus, by, ngram=ngram, stopwords=stopwords, options=options, workers=workers,
                       copies=copies, clean=clean).table(min_count)


def _factorize_groups(keys: pd.DataFrame, names: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Group code of each row and the groups in sorted order (missing values form a group)."""
    if not names:
        return np.zeros(len(keys), dtype=np.int64), pd.DataFrame(index=[0])
    codes = keys.groupby(names, dropna=False, sort=True).ngroup().to_numpy(dtype=np.int64)
    first = np.unique(codes, return_index=True)[1]
    return codes, keys[names].iloc[first].reset_index(drop=True)


def _alphabetical(terms: pa.Array) -> np.ndarray:
    """Each term's rank in alphabetical (code point) order, from 0; missing terms last.
    Only the distinct terms are sorted."""
    encoded = pc.dictionary_encode(terms)
    order = pc.array_sort_indices(encoded.dictionary).to_numpy()
    rank = np.empty(len(order) + 1, np.int64)
    rank[order] = np.arange(len(order))
    rank[-1] = len(order)
    return rank[pc.fill_null(encoded.indices, -1).to_numpy()]


def _in_order(group: np.ndarray, count: np.ndarray, terms: pa.Array) -> bool:
    """Whether rows are already by group, count descending, then term (checked on neighbours)."""
    step, fall = np.diff(group), np.diff(count)
    if (step < 0).any() or ((step == 0) & (fall > 0)).any() or terms.null_count:
        return False
    ties = pa.array(np.flatnonzero((step == 0) & (fall == 0)))
    if not len(ties):
        return True
    return bool(pc.all(pc.less_equal(terms.take(ties), terms.take(pc.add(ties, 1)))).as_py())


def _sorted(table: pd.DataFrame, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The order of rows by group, count descending, then term (as :meth:`TermCounts.table`
    sorts), and each row's group code (groups sorted, missing values last)."""
    group = (table.groupby(names, sort=True, dropna=False).ngroup().to_numpy() if names
             else np.zeros(len(table), np.int64))
    count, terms = table["count"].to_numpy(), pa.array(table["term"], from_pandas=True)
    terms = terms.cast(pa.large_string()) if pa.types.is_null(terms.type) else terms
    if _in_order(group, count, terms):  # a count_terms table: nothing to sort
        return np.arange(len(table)), group
    return _order(group, count, _alphabetical(terms)), group


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
    order, group = _sorted(counts, names)
    rank = _rank_in_group(group[order])
    return counts.take(order[rank <= n]).reset_index(drop=True).assign(rank=rank[rank <= n])


def _rank_in_group(group: np.ndarray) -> np.ndarray:
    """Each row's place (from 1) among the rows of its group, for rows already ordered by group."""
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if len(group) else np.zeros(0, np.int64)
    return np.arange(1, len(group) + 1) - np.repeat(starts, np.diff(np.r_[starts, len(group)]))


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
    n_docs = len(select_copies(as_docs(corpus), count_options.get("copies", "all")))
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
    exact: bool = False,
    sentence: bool = False,
    options: NormalizeOptions | None = None,
    copies: str = "all",
    clean: bool = True,
) -> pd.DataFrame:
    """Keyword in context: every occurrence of ``term`` with ``window`` tokens each side.

    By default ``term`` is matched with the frame matcher's rules
    (``analysis/lexicons/README.md``): proclitics and suffixes (العقوبات finds
    والعقوبات), multi-word phrases, a trailing ``*`` for a prefix, so the rows are the
    hits :func:`analysis.frames.frame_matches` audits. ``exact=True`` matches the
    normalized tokens exactly, as :func:`count_terms` counts them (its row count is the
    term's count). ``sentence=True`` stops each context at sentence punctuation
    (``. ! ? ؟ ؛`` and line breaks: :data:`analysis.text.SENTENCE_END`). Contexts are cut from the original text.
    ``copies`` chooses the documents and ``clean`` the text counted as in
    :func:`count_terms`: with cleaning, no keyword lies in a skipped span and the window
    counts the tokens counted, while the contexts are cut from the text as written.

    Returns
    -------
    DataFrame
        ``doc_id``, ``source``, ``date`` (NaT where the documents have none),
        ``left``, ``keyword`` (as written), ``right``, ``start``, ``end`` (offsets of
        the keyword in ``text``), in document order.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1"], "source": ["أ"],
    ...                      "text": ["قال إن المحادثات «مُهمّة» وإن والمحادثات ستستمر"]})
    >>> kwic(docs, "المحادثات", window=1)[["left", "keyword", "right"]].values.tolist()
    [['إن', 'المحادثات', '«مُهمّة'], ['وإن', 'والمحادثات', 'ستستمر']]
    >>> len(kwic(docs, "المحادثات", exact=True))
    1
    """
    if not isinstance(window, (int, np.integer)) or isinstance(window, bool) or window < 0:
        raise ValueError(f"window must be a whole number, 0 or more, not {window!r}")
    docs = select_copies(cleaned_docs(corpus, clean), copies)
    texts = text_array(docs["text"])
    if exact:
        wanted = TOKEN_PATTERN.findall(normalize(term, options))
        if not wanted:
            raise ValueError(f"term {term!r} has no word in it")
        doc, index, n_tokens = _occurrences(*_token_runs(corpus, docs, options, clean), len(docs), wanted)
        last = index + len(wanted) - 1
    else:
        doc, index, last = _matched_occurrences(corpus, docs, term, options, clean)
        n_tokens = _tokens_per_doc(corpus, docs, options, clean)
    # Offsets of the first token of the context, the first and last of the keyword, the last of the context.
    starts, ends = token_offsets(texts, np.tile(doc, 4), np.concatenate(
        [np.maximum(index - window, 0), index, last, np.minimum(last + window, n_tokens[doc] - 1)]))
    (lo, start, _, _), (_, _, end, hi) = starts.reshape(4, -1), ends.reshape(4, -1)
    # Contexts as written: skipped spans are blank only in the text counted.
    written = text_array(as_docs(corpus)["text"].loc[docs.index]) if clean and getattr(corpus, "cleaning", None) is not None else texts
    text = take_texts(written, doc)
    left = [t[a:b] for t, a, b in zip(text, lo.tolist(), start.tolist())]
    right = [t[a:b] for t, a, b in zip(text, end.tolist(), hi.tolist())]
    if sentence:
        left = [SENTENCE_END.split(s)[-1] for s in left]
        right = [SENTENCE_END.split(s, maxsplit=1)[0] for s in right]
    return doc_metadata(docs, doc).assign(
        left=pd.Series([s.strip() for s in left], dtype="str"),
        keyword=pd.Series([t[a:b] for t, a, b in zip(text, start.tolist(), end.tolist())], dtype="str"),
        right=pd.Series([s.strip() for s in right], dtype="str"),
        start=start,
        end=end,
    )


def _token_runs(corpus, docs: pd.DataFrame, options: NormalizeOptions | None, clean: bool):
    """``(runs, vocabulary)``: the ``(start, stop, term ids, docs)`` runs of ``docs`` (chosen from
    ``corpus``, cleaned as ``clean`` says) and the vocabulary of their ids; the corpus's stored
    tokens where it has them (:func:`~analysis.chunks.stored_tokens`), else the texts tokenized in batches."""
    known = stored_tokens(corpus, docs, options, clean)
    if known is not None:
        tokens, rows = known
        return tokens.runs(rows), TokenVocabulary.of_terms(tokens.terms_counted[1])
    vocabulary = TokenVocabulary(options)
    return vocabulary.tokens(text_array(docs["text"])), vocabulary


def _tokens_per_doc(corpus, docs: pd.DataFrame, options: NormalizeOptions | None, clean: bool) -> np.ndarray:
    """How many tokens each of ``docs`` (as for :func:`_token_runs`) has."""
    known = stored_tokens(corpus, docs, options, clean)
    if known is not None:
        tokens, rows = known
        return tokens.docs["tokens"].to_numpy()[rows].astype(np.int64)
    return token_counts(docs["text"], options)


def _matched_occurrences(corpus, docs: pd.DataFrame, term: str, options: NormalizeOptions | None, clean: bool
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The hits of ``term`` under the frame matcher's rules in ``docs`` (chosen from ``corpus``,
    cleaned as ``clean`` says): position in ``docs``, first and last token, in the order of
    :func:`~analysis.frames.frame_matches` (by ``doc_id``, then position)."""
    from analysis.frames import _as_options, hit_positions
    from analysis.lexicon import Frame, Lexicon, term_words

    words, _ = term_words(term, options)
    if not words:
        raise ValueError(f"term {term!r} has no word in it")
    lexicon = Lexicon("kwic", (Frame("kwic", terms=(term,)),))
    doc, index, hits, _ = hit_positions(corpus, docs, lexicon, _as_options(options), clean)
    rank = pd.factorize(docs["doc_id"].astype(str).to_numpy(), sort=True)[0]
    order = np.lexsort((index, doc, rank[doc]))
    doc, index = doc[order].astype(np.int64), index[order].astype(np.int64)
    return doc, index, index + hits.size[order] - 1


def _occurrences(runs, vocabulary: TokenVocabulary, n_docs: int, words: list[str]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the normalized tokens ``words`` follow each other in the ``n_docs`` texts of
    ``runs`` (:func:`_token_runs`): the text and the position of the first of them, in
    order, and the number of tokens of every text."""
    doc, index = IntBuffer(), IntBuffer()
    n_tokens = np.zeros(n_docs, np.int64)
    for start, stop, terms, docs in runs:
        counts = np.bincount(docs, minlength=stop - start)
        n_tokens[start:stop] = counts
        ids = vocabulary.ids_of(words).tolist()
        at = np.flatnonzero(terms == ids[0])
        at = at[at + len(ids) <= len(terms)]
        for k in range(1, len(ids)):
            at = at[terms[at + k] == ids[k]]
        at = at[docs[at] == docs[at + len(ids) - 1]]  # within one text
        doc.extend(start + docs[at])
        index.extend(at - (np.cumsum(counts) - counts)[docs[at]])
    return doc.values, index.values, n_tokens


DISPLAY_OPTIONS = NormalizeOptions(alef=False, alef_maqsura=False, digits=False)
"""What a display spelling keeps of the writing: hamza and madda (أوكرانيا), ى, the digits
as written; diacritics, tatweel, controls and presentation forms go, Persian letters become Arabic."""


def label_terms(table: pd.DataFrame, corpus: Corpus | pd.DataFrame, *, column: str = "term",
                options: NormalizeOptions | None = None, clean: bool = True) -> pd.DataFrame:
    """Add ``display``: each normalized term of ``column`` in its most frequent written spelling.

    Counting merges أوكرانيا and اوكرانيا (and ادنى، أدنى، ادني) into one normalized term,
    which reads as a typo to an Arabic reader; ``display`` gives back the spelling the
    corpus uses most (ties broken alphabetically), without diacritics or tatweel
    (:data:`DISPLAY_OPTIONS`). The words of an n-gram are spelled one by one; a term not
    found in the corpus is shown as it is. The table's ``term`` is not changed.

    Parameters
    ----------
    table : a table of terms (:func:`count_terms`, :func:`top_terms`, keyness tables…).
    corpus : the corpus the terms were counted in.
    column : the column of normalized terms.
    options : the normalization the terms were counted with.
    clean : spellings of the text counted, with the corpus's cleaning skipped (default, as
        :func:`count_terms` counts), or of the text as written (False).

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1", "2"], "source": ["أ", "أ"],
    ...                      "text": ["الحرب في أوكرانيا", "أوكرانيا واوكرانيا وأُوكْرانيا"]})
    >>> label_terms(pd.DataFrame({"term": ["اوكرانيا", "الحرب اوكرانيا"]}), docs)["display"].tolist()
    ['أوكرانيا', 'الحرب أوكرانيا']
    """
    if column not in table.columns:
        raise ValueError(f"table lacks column {column!r}; it has {list(table.columns)}")
    words = {word for term in table[column].dropna().unique() for word in str(term).split()}
    spellings = _spellings(corpus, words, options, clean)
    return table.assign(display=[
        " ".join(spellings.get(word, word) for word in str(term).split()) if isinstance(term, str) else term
        for term in table[column]
    ])


_DIGITS_WRITTEN = f"[{re.escape(''.join(DIGITS))}]"
"""Characters that counting rewrites (as ASCII digits and separators) and a display spelling keeps."""
_DIGITS_COUNTED = f"[{re.escape(''.join(sorted(set(DIGITS.values()))))}0-9]"


def _spellings(corpus, words: set[str], options: NormalizeOptions | None, clean: bool) -> dict[str, str]:
    """The most frequent display spelling of each normalized word in ``words``.

    A stored token's spelling (:class:`~analysis.chunks.TokenIds`) is its display spelling,
    except where its text wrote digits otherwise: only those texts are read again, for those words.
    """
    docs = cleaned_docs(corpus, clean)
    if not words or docs.empty:
        return {}
    counts: dict[tuple[str, str], int] = {}
    known = stored_tokens(corpus, docs, options, clean)
    if known is None:
        _add_written(counts, docs["text"], words, options)
    else:
        tokens, rows = known
        n = tokens.docs["tokens"].to_numpy()[rows]
        ids = tokens.ids["term"].to_numpy()[ragged_gather(tokens.docs["start"].to_numpy()[rows], n)]
        doc = np.repeat(np.arange(len(rows)), n)
        code, terms = tokens.terms_counted
        spellings = pa.array(tokens.terms["spelling"], pa.large_string())
        wanted = pc.is_in(terms, value_set=pa.array(sorted(words), pa.large_string())).to_numpy(zero_copy_only=False)
        rewritten = pc.match_substring_regex(spellings, _DIGITS_COUNTED).to_numpy(zero_copy_only=False)
        wanted, digits = wanted[code], wanted[code] & rewritten
        # texts that may write the digits of a wanted word otherwise are read again, for such words
        reread = np.bincount(doc, digits[ids], len(rows)) > 0
        if reread.any():
            maybe = np.flatnonzero(reread)
            written = pc.match_substring_regex(text_array(docs["text"]).take(pa.array(maybe)), _DIGITS_WRITTEN)
            reread[maybe] = pc.fill_null(written, False).to_numpy(zero_copy_only=False)
        take = wanted[ids] & ~(digits[ids] & reread[doc])
        uses = np.bincount(ids[take], minlength=len(spellings))
        used = np.flatnonzero(uses)
        keys = terms.take(pa.array(code[used])).to_pylist()
        for key, shown, n_uses in zip(keys, spellings.take(pa.array(used)).to_pylist(), uses[used].tolist()):
            counts[key, shown] = counts.get((key, shown), 0) + n_uses
        if reread.any():
            _add_written(counts, docs["text"][reread], {w for w in words if re.search(_DIGITS_COUNTED, w)}, options)
    best: dict[str, tuple[int, str]] = {}
    for (key, shown), n in counts.items():
        if key not in best or (-n, shown) < (-best[key][0], best[key][1]):
            best[key] = (n, shown)
    return {key: shown for key, (_, shown) in best.items()}


def _add_written(counts: dict[tuple[str, str], int], texts: pd.Series, words: set[str],
                 options: NormalizeOptions | None) -> None:
    """Add to ``counts`` the occurrences of each (normalized word of ``words``, display spelling) in ``texts``."""
    for raw, n in written_token_counts(text_array(texts)).items():  # each written form normalized once
        key = normalize(raw, options)
        if key in words:
            shown = normalize(raw, DISPLAY_OPTIONS)
            counts[key, shown] = counts.get((key, shown), 0) + n


_PROCLITICS = ("وب", "ول", "فب", "فل", "وك", "و", "ف", "ب", "ل", "ك")
_BARE_NUMBER = re.compile(r"[\d.,٫٬%]+")
_NOT_FUNCTION_WORDS = frozenset({"ولي"})
"""Content words that read as a proclitic + a stopword (ولي العهد, the crown prince)."""


def content_terms(terms: pd.Series, options: NormalizeOptions | None = None) -> pd.Series:
    """Whether each normalized term is a content word (a boolean Series like ``terms``).

    Not content: stopwords (:func:`analysis.text.stopwords`), stopwords behind
    proclitics (وذلك، والتي، فإن، بهذا، لذلك; the rest must keep two letters, so ولي
    and ولا are judged as a whole), single letters and bare numbers. An n-gram is
    content when its first and last words are.

    Examples
    --------
    >>> content_terms(pd.Series(["وذلك", "والتي", "الرياض", "ب", "2015", "ولي العهد"])).tolist()
    [False, False, True, False, False, True]
    """
    stop = arabic_stopwords(options)

    def content(word: str) -> bool:
        if len(word) < 2 or _BARE_NUMBER.fullmatch(word) or word in stop:
            return False
        return word in _NOT_FUNCTION_WORDS or not any(
            word.startswith(p) and len(word) - len(p) >= 2 and word[len(p):] in stop for p in _PROCLITICS)

    verdicts = {term: bool(words) and content(words[0]) and content(words[-1])
                for term in terms.dropna().unique() for words in [str(term).split()]}
    return terms.map(verdicts).fillna(False).astype(bool)

