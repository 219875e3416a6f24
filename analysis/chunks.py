"""Normalized tokens of a whole corpus, tokenizing each distinct chunk of text once.

A chunk is a run of text between ASCII whitespace. News text repeats itself:
SaudiNewsNet's 8.8 million tokens are written as about 520,000 distinct chunks. Tokens
never contain whitespace, and normalization maps characters one by one and never to or
from whitespace, so a text's normalized tokens are its chunks' normalized tokens in
order. :class:`TokenVocabulary` normalizes and tokenizes each distinct chunk once and
gathers the tokens of every text with numpy, as integer term ids. :func:`token_offsets`
finds tokens in the text as written the same way, for the frame hits and KWIC lines.

Texts are split in batches of about :data:`BATCH_BYTES` bytes, by pyarrow in a second
thread (it releases the Python lock), so memory holds one batch's chunks at a time.
:mod:`analysis.terms` and :mod:`analysis.frames` read the corpus this way.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.charsets import SENTENCE_BREAKS
from analysis.text import TOKEN_PATTERN, NormalizeOptions, merge_spellings, normalize, spelling_merges, spelling_options

__all__ = ["BATCH_BYTES", "text_array", "take_texts", "batches", "split", "TokenVocabulary", "IntBuffer",
           "ragged_gather", "sorted_unique", "doc_term_counts", "token_offsets", "TokenIds", "token_ids", "stored_tokens", "skipped_chars",
           "token_counts", "written_token_counts"]

BATCH_BYTES = 16 * 1024**2
"""Texts are tokenized in batches of about this many bytes of UTF-8."""

# The tokens of many chunks in one pass: chunks are joined by newlines, which no token
# contains, and each newline found marks the end of a chunk.
_TOKEN_OR_NEWLINE = re.compile(f"{TOKEN_PATTERN.pattern}|\n")
_LINE = "\u2029"  # a line break, where texts are split with breaks (no whitespace, no token)
_WHITESPACE = " \t\n\r\x0b\x0c"  # ASCII whitespace: what texts are split into chunks at


def text_array(texts: pd.Series | list) -> pa.ChunkedArray:
    """Texts as one pyarrow string column (missing texts stay null and have no chunks).

    Examples
    --------
    >>> text_array(pd.Series(["روسيا", None])).to_pylist()
    ['روسيا', None]
    """
    array = pa.array(texts, pa.large_string(), from_pandas=True)  # chunked when the column is
    return pa.chunked_array([array]) if isinstance(array, pa.Array) else array


def take_texts(texts: pa.ChunkedArray, doc: np.ndarray) -> np.ndarray:
    """``texts[doc[i]]`` for every i, as Python strings, each text converted once.

    Examples
    --------
    >>> take_texts(text_array(["أ", "ب"]), np.array([1, 1, 0])).tolist()
    ['ب', 'ب', 'أ']
    """
    read, row = np.unique(doc, return_inverse=True)
    return np.asarray(texts.take(read).to_pylist(), dtype=object)[row]


def batches(texts: pa.ChunkedArray, size: int | None = None) -> list[tuple[int, int]]:
    """``(start, stop)`` of consecutive runs of texts holding about ``size`` bytes each.

    Examples
    --------
    >>> batches(text_array(["ab", "cd", "ef"]), size=4)
    [(0, 2), (2, 3)]
    """
    size = BATCH_BYTES if size is None else size
    nbytes = np.cumsum(pc.fill_null(pc.binary_length(texts), 0).to_numpy(zero_copy_only=False))
    cuts = np.searchsorted(nbytes, np.arange(size, nbytes[-1] if len(nbytes) else 0, size), side="right")
    bounds = np.unique(np.r_[0, cuts, len(texts)])
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))


def split(texts: pa.ChunkedArray, start: int, stop: int) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """The chunks of ``texts[start:stop]``: the distinct ones, which of them each chunk
    in order is, and the text (counted from ``start``) each comes from.

    Examples
    --------
    >>> distinct, chunks, docs = split(text_array(["أ ب", "ب"]), 0, 2)
    >>> distinct.to_pylist(), chunks.tolist(), docs.tolist()
    (['أ', 'ب'], [0, 1, 1], [0, 0, 1])
    """
    chunks = pc.ascii_split_whitespace(texts.slice(start, stop - start).combine_chunks())
    encoded = pc.dictionary_encode(chunks.flatten())
    docs = np.repeat(np.arange(stop - start), np.diff(chunks.offsets.to_numpy()))
    return encoded.dictionary, encoded.indices.to_numpy().astype(np.int64), docs


def ragged_gather(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Indices ``starts[i], …, starts[i] + counts[i] - 1`` for every i, concatenated.

    Examples
    --------
    >>> ragged_gather(np.array([5, 0, 2]), np.array([2, 0, 3])).tolist()
    [5, 6, 2, 3, 4]
    """
    ends = np.cumsum(counts)
    return np.arange(int(ends[-1]) if len(ends) else 0) + np.repeat(starts - (ends - counts), counts)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted: ``np.unique(values)`` by sorting.

    numpy 2.4's ``np.unique`` without ``return_*`` takes a hash-table path that is about
    100 times slower than a sort on a million 64-bit integers.

    Examples
    --------
    >>> sorted_unique(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


class IntBuffer:
    """A growing 1-D integer array; its capacity doubles, so appending is amortized O(1)."""

    def __init__(self) -> None:
        self._data = np.empty(1024, dtype=np.int64)
        self.size = 0

    def extend(self, values) -> None:
        end = self.size + len(values)
        if end > len(self._data):
            self._data = np.concatenate([self._data[:self.size], np.empty(max(end, 2 * self.size), np.int64)])
        self._data[self.size:end] = values
        self.size = end

    @property
    def values(self) -> np.ndarray:
        return self._data[:self.size]


class TokenVocabulary:
    """Ids of normalized tokens (``terms``, in id order), and of raw chunks with the ids of their tokens.

    Examples
    --------
    >>> vocabulary = TokenVocabulary()
    >>> texts = text_array(["فرضت «عقوباتٍ»", "عقوبات"])
    >>> [(start, stop, ids.tolist(), docs.tolist()) for start, stop, ids, docs in vocabulary.tokens(texts)]
    [(0, 2, [0, 1, 1], [0, 0, 1])]
    >>> vocabulary.words().to_pylist()
    ['فرضت', 'عقوبات']

    With ``breaks``, how many break characters and line breaks precede each token of a run:

    >>> vocabulary = TokenVocabulary(breaks=".")
    >>> _ = list(vocabulary.tokens(text_array(["أ. ب ج\\nد"])))
    >>> vocabulary.break_counts.tolist()
    [0, 1, 1, 2]
    """

    def __init__(self, options: NormalizeOptions | None = None, breaks: str | None = None) -> None:
        self.options = options
        # With ``breaks`` (characters, e.g. sentence punctuation), :meth:`tokens` also says
        # how many of them precede each token in its text (:attr:`break_counts`).
        self._breaks = "".join(sorted(set(breaks + _LINE) - set(_WHITESPACE))) if breaks else ""  # chunks have none
        self._token_or_break = re.compile(f"{TOKEN_PATTERN.pattern}|[{re.escape(self._breaks)}]") if breaks else None
        self._before = IntBuffer()  # breaks in a chunk before each of its tokens
        self._total = IntBuffer()  # breaks in each chunk
        self.break_counts = np.zeros(0, np.int64)
        self._term_array = pa.array([], pa.large_string())  # every normalized token seen, in id order
        self._chunks = pa.array([], pa.large_string())  # the distinct chunks seen, in id order
        self._starts = IntBuffer()
        self._lengths = IntBuffer()
        self._tokens = IntBuffer()

    def tokens(self, texts: pa.ChunkedArray, runs: list[tuple[int, int]] | None = None
               ) -> Iterator[tuple[int, int, np.ndarray, np.ndarray]]:
        """``(start, stop, term ids, text of each token counted from start)`` for each
        run of texts (default: :func:`batches`), in order.

        With ``breaks``, :attr:`break_counts` holds after each run, for each of its tokens,
        how many break characters (and line breaks) come before it in the run: two tokens
        of a text are in one sentence when their counts are equal.
        """
        runs = batches(texts) if runs is None else runs
        if self._breaks:  # line breaks become chunks of their own, with no token
            texts = pc.replace_substring_regex(texts, "[\n\r\x0b\x0c]+", f" {_LINE} ")
        # pyarrow splits the next run, without holding the Python lock, while this one is read.
        with ThreadPoolExecutor(1) as splitter:
            pending = splitter.submit(split, texts, *runs[0]) if runs else None
            for k, (start, stop) in enumerate(runs):
                distinct, chunks, docs = pending.result()
                if k + 1 < len(runs):
                    pending = splitter.submit(split, texts, *runs[k + 1])
                chunk_ids = self._chunk_ids(distinct)[chunks]
                lengths = self._lengths.values[chunk_ids]
                index = ragged_gather(self._starts.values[chunk_ids], lengths)  # of each token's term id
                if self._breaks:
                    total = self._total.values[chunk_ids]
                    self.break_counts = np.repeat(np.cumsum(total) - total, lengths) + self._before.values[index]
                yield start, stop, self._tokens.values[index], np.repeat(docs, lengths)

    def words(self) -> pa.Array:
        """Every term, in id order."""
        return self._term_array

    @classmethod
    def of_terms(cls, terms: pa.Array, options: NormalizeOptions | None = None) -> "TokenVocabulary":
        """A vocabulary that knows ``terms`` (in id order) and no chunk: what :class:`TokenIds` are ids of."""
        vocabulary = cls(options)
        vocabulary._term_array = terms.cast(pa.large_string())
        return vocabulary

    def ids_of(self, words: pa.Array | list[str]) -> np.ndarray:
        """The id of each of ``words`` (normalized tokens), -1 for those not seen.

        Examples
        --------
        >>> vocabulary = TokenVocabulary()
        >>> _ = list(vocabulary.tokens(text_array(["روسيا تفاوض"])))
        >>> vocabulary.ids_of(["تفاوض", "حرب"]).tolist()
        [1, -1]
        """
        found = pc.index_in(pa.array(words, pa.large_string()), value_set=self._term_array)
        return pc.fill_null(found, -1).to_numpy().astype(np.int64)

    def _chunk_ids(self, chunks: pa.Array) -> np.ndarray:
        """Ids of distinct ``chunks``, tokenizing those not seen before (pyarrow looks them up)."""
        ids = pc.fill_null(pc.index_in(chunks, value_set=self._chunks), -1).to_numpy().astype(np.int64)
        new = np.flatnonzero(ids < 0)
        if len(new):
            fresh = chunks.take(new)
            lengths = self._add_chunks(fresh.to_pylist())
            ids[new] = np.arange(len(self._lengths.values) - len(new), len(self._lengths.values))
            if self._breaks:
                with_breaks = pc.match_substring_regex(fresh, f"[{self._breaks}]").to_numpy(zero_copy_only=False)
                self._count_breaks(fresh, lengths, np.flatnonzero(with_breaks))
            self._chunks = pa.concat_arrays([self._chunks, fresh])
        return ids

    def _add_chunks(self, chunks: list[str]) -> np.ndarray:
        """Tokenize new chunks and record their tokens; the number of tokens of each."""
        found = np.array(_TOKEN_OR_NEWLINE.findall(normalize("\n".join(chunks) + "\n", self.options)), dtype=object)
        is_end = found == "\n"
        lengths = np.diff(np.flatnonzero(is_end), prepend=-1) - 1
        self._starts.extend(self._tokens.size + np.cumsum(lengths) - lengths)
        self._lengths.extend(lengths)
        self._tokens.extend(self._term_ids(found[~is_end]))
        return lengths

    def _count_breaks(self, chunks: pa.Array, lengths: np.ndarray, with_breaks: np.ndarray) -> None:
        """Record, for new chunks, the breaks before each of their tokens and in each chunk.

        Few chunks hold a break character (``word.``), so only those are read again.
        """
        before, total = np.zeros(int(lengths.sum()), np.int64), np.zeros(len(lengths), np.int64)
        first = np.cumsum(lengths) - lengths
        for i, chunk in zip(with_breaks.tolist(), chunks.take(with_breaks).to_pylist()):
            seen = k = 0
            for found in self._token_or_break.findall(normalize(chunk, self.options)):
                if len(found) == 1 and found in self._breaks:  # no token is a break character
                    seen += 1
                else:
                    before[first[i] + k] = seen
                    k += 1
            total[i] = seen
        self._before.extend(before)
        self._total.extend(total)

    def _term_ids(self, words: np.ndarray) -> np.ndarray:
        codes, distinct = pd.factorize(words)
        distinct = pa.array(distinct, pa.large_string())
        ids = self.ids_of(distinct)
        new = np.flatnonzero(ids < 0)
        ids[new] = np.arange(len(self._term_array), len(self._term_array) + len(new))
        self._term_array = pa.concat_arrays([self._term_array, distinct.take(new)])
        return ids[codes]


@dataclasses.dataclass
class TokenIds:
    """Every document's tokens as ids of their spellings, with sentence numbers, and each document's
    counted terms: what counting and frame matching read, kept so that neither tokenizes again.

    A spelling is a token normalized with hamzated alefs and ى kept
    (:func:`~analysis.text.spelling_options`): frame matching compares spellings, and term
    counting merges them into normalized terms (:meth:`terms_counted`), which gives the very
    tokens that tokenizing with the normalization gives. They are the tokens of the default
    :class:`~analysis.text.NormalizeOptions` with the corpus's cleaning skipped, and travel
    with a cached corpus (:mod:`analysis.corpus.cache`) and a report's snapshot.

    Attributes
    ----------
    terms : ``spelling``, the spelling of each id, in id order, and ``counted``, the id of
        the normalized term it counts as (a row of ``counted``).
    counted : ``term``, each normalized term, in id order.
    docs : one row per document: ``doc_id``, ``length`` (characters of its text) and
        ``skipped`` (characters of its cleaning spans), which say whether the ids still
        describe a document, ``start`` and ``tokens``, its slice of ``ids``, and
        ``distinct``, its number of rows in ``bags``.
    ids : one row per token, document after document: ``term``, the id of its spelling, and
        ``sentence``, the sentence of its document it is in (0, 1, …; sentences end at
        :data:`~analysis.charsets.SENTENCE_BREAKS` and line breaks).
    bags : one row per document and normalized term in it, document after document and
        terms by id: ``term`` (a row of ``counted``) and ``count``, its tokens in the
        document. Word counts add these up without sorting any token.
    """

    terms: pd.DataFrame
    counted: pd.DataFrame
    docs: pd.DataFrame
    ids: pd.DataFrame
    bags: pd.DataFrame

    @functools.cached_property
    def terms_counted(self) -> tuple[np.ndarray, pa.Array]:
        """The normalized term each spelling counts as: ``(term id of each spelling id, terms in id order)``.

        Examples
        --------
        >>> tokens = token_ids(pd.Series(["إلى أمن", "الى"]), pd.Series(["x", "y"]), np.zeros(2, np.int64))
        >>> code, terms = tokens.terms_counted
        >>> code.tolist(), terms.to_pylist()
        ([0, 1, 0], ['الي', 'امن'])
        """
        return self.terms["counted"].to_numpy().astype(np.int64), pa.array(self.counted["term"], pa.large_string())

    def bag_runs(self, rows: np.ndarray, size: int = 1 << 22) -> Iterator[tuple[int, int, np.ndarray, np.ndarray, np.ndarray]]:
        """``(start, stop, term ids, counts, rows of each document)`` of the :attr:`bags` of the
        documents ``rows`` (positions in :attr:`docs`), in runs of about ``size`` rows; consecutive
        documents in order are read in place.

        Examples
        --------
        >>> tokens = token_ids(pd.Series(["أ ب أ", "ب"]), pd.Series(["x", "y"]), np.zeros(2, np.int64))
        >>> [tuple(np.asarray(part).tolist() for part in run) for run in tokens.bag_runs(np.array([1, 0]))]
        [(0, 2, [1, 0, 1], [1, 2, 1], [1, 2])]
        """
        counts = self.docs["distinct"].to_numpy()
        starts = (np.cumsum(counts) - counts)[rows]
        counts = counts[rows]
        term, count = self.bags["term"].to_numpy(), self.bags["count"].to_numpy()
        in_place = bool((np.diff(rows) == 1).all())
        for start, stop in _runs_of(counts, size):
            n = counts[start:stop]
            if in_place:
                part = slice(int(starts[start]), int(starts[start]) + int(n.sum()))
                yield start, stop, term[part], count[part], n
            else:
                index = ragged_gather(starts[start:stop], n)
                yield start, stop, term[index], count[index], n

    def runs(self, rows: np.ndarray, size: int = 1 << 20) -> Iterator[tuple[int, int, np.ndarray, np.ndarray]]:
        """``(start, stop, term ids, document of each token counted from start)`` for the
        documents ``rows`` (positions in :attr:`docs`), in runs of about ``size`` tokens; term
        ids as in :attr:`terms_counted`.

        Examples
        --------
        >>> tokens = token_ids(pd.Series(["أ ب", "ب"]), pd.Series(["x", "y"]), np.zeros(2, np.int64))
        >>> [(a, b, ids.tolist(), docs.tolist()) for a, b, ids, docs in tokens.runs(np.array([1, 0]))]
        [(0, 2, [1, 0, 1], [0, 1, 1])]
        """
        starts = self.docs["start"].to_numpy()[rows]
        counts = self.docs["tokens"].to_numpy()[rows]
        term, spelling = self.terms_counted[0], self.ids["term"].to_numpy()
        for start, stop in _runs_of(counts, size):
            n = counts[start:stop]
            yield (start, stop, term[spelling[ragged_gather(starts[start:stop], n)]],
                   np.repeat(np.arange(stop - start), n))

    def spellings(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(spelling ids, first token of each document and the total, sentence numbers)`` of the
        documents ``rows``, one after another; sentence numbers increase through them.

        Examples
        --------
        >>> tokens = token_ids(pd.Series(["أ. ب ج", "د"]), pd.Series(["x", "y"]), np.zeros(2, np.int64))
        >>> [part.tolist() for part in tokens.spellings(np.array([1, 0]))]
        [[3, 0, 1, 2], [0, 1, 4], [0, 1, 2, 2]]
        """
        counts = self.docs["tokens"].to_numpy()[rows]
        index = ragged_gather(self.docs["start"].to_numpy()[rows], counts)
        sentence = self.ids["sentence"].to_numpy()[index].astype(np.int64)
        ends = np.cumsum(counts)
        n_sentences = np.zeros(len(rows), np.int64)
        n_sentences[counts > 0] = sentence[ends[counts > 0] - 1] + 1
        sentence += np.repeat(np.cumsum(n_sentences) - n_sentences, counts)
        if not len(sentence) or sentence[-1] < np.iinfo(np.int32).max:
            sentence = sentence.astype(np.int32)  # 4 bytes a token, unless a corpus has 2**31 sentences
        return self.ids["term"].to_numpy()[index], np.r_[0, ends].astype(np.int64), sentence

    def rows_of(self, doc_id: pd.Series, length: np.ndarray, skipped: np.ndarray) -> np.ndarray | None:
        """Positions in :attr:`docs` of these documents, or None unless every one is there
        with the same text length and cleaning (then the ids describe them)."""
        rows = pd.Index(self.docs["doc_id"]).get_indexer(doc_id)
        if (rows < 0).any():
            return None
        same = ((self.docs["length"].to_numpy()[rows] == length) & (self.docs["skipped"].to_numpy()[rows] == skipped))
        return rows if same.all() else None


def _runs_of(counts: np.ndarray, size: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of consecutive documents holding about ``size`` of ``counts`` each (at least one document).

    Examples
    --------
    >>> _runs_of(np.array([3, 3, 3, 1]), 5)
    [(0, 1), (1, 4)]
    """
    ends = np.cumsum(counts)
    cuts = np.unique(np.r_[0, np.searchsorted(ends, np.arange(size, int(ends[-1]) if len(ends) else 0, size),
                                              side="right"), len(counts)])
    return list(zip(cuts[:-1].tolist(), cuts[1:].tolist()))


def doc_term_counts(docs: np.ndarray, terms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each distinct ``(doc, term)`` pair, sorted, with how often it occurs: ``(doc, term, count)``.

    The pairs are packed as ``doc * size + term`` and sorted, as int32 where they fit
    (twice as fast as int64).

    Examples
    --------
    >>> [a.tolist() for a in doc_term_counts(np.array([0, 0, 0, 1]), np.array([5, 2, 5, 2]))]
    [[0, 0, 1], [2, 5, 2], [1, 2, 1]]
    """
    size = int(terms.max(initial=-1)) + 1
    keys = docs.astype(np.int64) * size + terms
    if int(docs.max(initial=0) + 1) * size < 2**31:
        keys = keys.astype(np.int32)
    keys.sort()
    first = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, np.int64)
    distinct = keys[first].astype(np.int64)
    return distinct // max(size, 1), distinct % max(size, 1), np.diff(np.r_[first, len(keys)])


def stored_tokens(corpus, docs: pd.DataFrame, options: NormalizeOptions | None, clean: bool
                  ) -> tuple[TokenIds, np.ndarray] | None:
    """The corpus's :class:`TokenIds` and the rows of ``docs`` (chosen from its documents, cleaned
    as ``clean`` says) in them, when they are the tokens of these options; else None."""
    tokens = getattr(corpus, "tokens", None)
    spans = getattr(corpus, "cleaning", None)
    if tokens is None or (options is not None and options != NormalizeOptions()) or not len(docs):
        return None
    if not clean and spans is not None and len(spans):
        return None
    length = pc.fill_null(pc.utf8_length(text_array(docs["text"])), 0).to_numpy(zero_copy_only=False)
    rows = tokens.rows_of(docs["doc_id"], length, skipped_chars(docs["doc_id"], spans))
    return None if rows is None else (tokens, rows)


def skipped_chars(doc_id: pd.Series, spans: pd.DataFrame | None) -> np.ndarray:
    """Characters of cleaning ``spans`` (``doc_id``, ``start``, ``end``) in each document of ``doc_id``.

    Examples
    --------
    >>> skipped_chars(pd.Series(["a", "b"]), pd.DataFrame({"doc_id": ["b", "b"], "start": [0, 5], "end": [2, 9]})).tolist()
    [0, 6]
    """
    if spans is None or not len(spans):
        return np.zeros(len(doc_id), np.int64)
    per_doc = (spans["end"] - spans["start"]).groupby(spans["doc_id"].astype(str)).sum()
    return pd.Series(doc_id.astype(str)).map(per_doc).fillna(0).to_numpy().astype(np.int64)


def token_ids(texts: pd.Series, doc_id: pd.Series, skipped: np.ndarray,
              options: NormalizeOptions | None = None) -> TokenIds:
    """The :class:`TokenIds` of ``texts`` (as counted: cleaning spans already blanked), one per ``doc_id``.

    ``skipped`` is each document's characters of cleaning spans, recorded to tell later
    whether the ids still describe it; ``options`` normalize the spellings
    (:func:`~analysis.text.spelling_options` of them).

    Examples
    --------
    >>> tokens = token_ids(pd.Series(["فرضت «عقوباتٍ». إلى", "عقوبات"]), pd.Series(["a", "b"]), np.zeros(2, np.int64))
    >>> tokens.terms["spelling"].tolist(), tokens.ids["term"].tolist(), tokens.docs["tokens"].tolist()
    (['فرضت', 'عقوبات', 'إلى'], [0, 1, 2, 1], [3, 1])
    >>> tokens.ids["sentence"].tolist()
    [0, 0, 1, 0]
    """
    array = text_array(texts)
    vocabulary = TokenVocabulary(spelling_options(options), breaks=SENTENCE_BREAKS)
    counts = np.zeros(len(texts), np.int64)
    parts, sentences = [], []
    for start, stop, ids, docs in vocabulary.tokens(array):
        counts[start:stop] = np.bincount(docs, minlength=stop - start)
        parts.append(ids.astype(np.int32))
        first = np.cumsum(counts[start:stop]) - counts[start:stop]  # of each document, in the run
        sentences.append((vocabulary.break_counts - vocabulary.break_counts[first[docs]]).astype(np.int32))
    length = pc.fill_null(pc.utf8_length(array), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    spellings = vocabulary.words()
    code, counted = pd.factorize(np.array(merge_spellings(spellings.to_pylist(), spelling_merges(options)), dtype=object))
    ids = np.concatenate(parts) if parts else np.zeros(0, np.int32)
    starts, bags, distinct = np.cumsum(counts) - counts, [], np.zeros(len(texts), np.int64)
    for start, stop in _runs_of(counts, 1 << 22):  # each document's distinct terms, for word counts
        n, first = counts[start:stop], int(starts[start])
        doc, term, count = doc_term_counts(np.repeat(np.arange(stop - start), n), code[ids[first:first + int(n.sum())]])
        distinct[start:stop] = np.bincount(doc, minlength=stop - start)
        bags.append((term.astype(np.int32), count.astype(np.int32)))
    return TokenIds(
        terms=pd.DataFrame({"spelling": pd.Series(spellings, dtype="str"), "counted": code.astype(np.int32)}),
        counted=pd.DataFrame({"term": pd.Series(counted, dtype="str")}),
        docs=pd.DataFrame({"doc_id": doc_id.to_numpy(), "length": length, "skipped": np.asarray(skipped, np.int64),
                           "start": starts, "tokens": counts, "distinct": distinct}),
        ids=pd.DataFrame({"term": ids,
                          "sentence": np.concatenate(sentences) if sentences else np.zeros(0, np.int32)}),
        bags=pd.DataFrame({"term": np.concatenate([b[0] for b in bags]) if bags else np.zeros(0, np.int32),
                           "count": np.concatenate([b[1] for b in bags]) if bags else np.zeros(0, np.int32)}))


def token_offsets(texts: pa.ChunkedArray, doc: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Character offsets ``(start, end)`` of token ``index[i]`` of text ``doc[i]``, for every i.

    Tokens are the :data:`~analysis.text.TOKEN_PATTERN` matches of the text as written,
    which correspond one to one to its normalized tokens. Only the texts asked about are
    read, in batches, and each distinct chunk of a batch is tokenized once.

    Examples
    --------
    >>> start, end = token_offsets(text_array(["قال: «محادثات»", "ب"]), np.array([0, 0, 1]), np.array([1, 0, 0]))
    >>> start.tolist(), end.tolist()
    ([6, 0, 0], [13, 3, 1])
    """
    doc, index = np.asarray(doc, np.int64), np.asarray(index, np.int64)
    start, end = np.zeros(len(doc), np.int64), np.zeros(len(doc), np.int64)
    read, row = np.unique(doc, return_inverse=True)
    chosen = texts.take(read)
    for lo, hi in batches(chosen):
        mine = np.flatnonzero((row >= lo) & (row < hi))
        start[mine], end[mine] = _run_offsets(chosen.slice(lo, hi - lo), row[mine] - lo, index[mine])
    return start, end


def _run_offsets(texts: pa.ChunkedArray, doc: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`token_offsets` within one run of texts."""
    chunks, first, nbytes, text_start = _find_chunks(texts)
    codes, distinct = chunks.indices.to_numpy(), chunks.dictionary
    # The distinct chunks joined by newlines, which no token contains, are tokenized at once.
    length = pc.utf8_length(distinct).to_numpy().astype(np.int64)
    begin = np.cumsum(length + 1) - (length + 1)  # of each distinct chunk in the joined text
    spans = np.array([m.span() for m in TOKEN_PATTERN.finditer("\n".join(distinct.to_pylist()))], dtype=np.int64)
    spans = spans.reshape(-1, 2)
    owner = np.searchsorted(begin, spans[:, 0], "right") - 1
    spans -= begin[owner, None]  # offsets within the chunk
    counts = np.bincount(owner, minlength=len(distinct))
    # Which chunk holds each token asked about, and which of its tokens it is.
    per_chunk = counts[codes]
    ends = np.cumsum(per_chunk)  # tokens of the run up to the end of each chunk
    doc_chunk = np.searchsorted(first, text_start[doc])  # first chunk of each text asked about
    token = np.r_[0, ends][doc_chunk] + index  # counted from the start of the run
    chunk = np.searchsorted(ends, token, "right")
    token = (np.cumsum(counts) - counts)[codes[chunk]] + token - (ends[chunk] - per_chunk[chunk])
    # Whitespace is ASCII, so the bytes that do not start a character all lie in chunks.
    skipped = np.r_[0, np.cumsum(nbytes - length[codes])]
    at = first[chunk] - text_start[doc] - (skipped[chunk] - skipped[doc_chunk])  # characters before the chunk
    return at + spans[token, 0], at + spans[token, 1]


def token_counts(texts: pd.Series, options: NormalizeOptions | None = None) -> np.ndarray:
    """How many tokens each text has (normalized with ``options``), tokenized in batches.

    Examples
    --------
    >>> token_counts(pd.Series(["فرضت واشنطن «عقوباتٍ»", "", None])).tolist()
    [3, 0, 0]
    """
    counts = np.zeros(len(texts), np.int64)
    for start, stop, _, in_batch in TokenVocabulary(options).tokens(text_array(texts)):
        counts[start:stop] = np.bincount(in_batch, minlength=stop - start)
    return counts


def written_token_counts(texts: pa.ChunkedArray) -> dict[str, int]:
    """Each token of ``texts`` as written (not normalized) and how often it occurs, each distinct chunk tokenized once.

    What :func:`analysis.terms.label_terms` picks each normalized term's most frequent
    spelling from.

    Parameters
    ----------
    texts : pyarrow.ChunkedArray
        Texts as :func:`text_array` makes them.

    Returns
    -------
    dict of str to int
        Written token → occurrences, in the order first met among the distinct chunks.

    Examples
    --------
    >>> written_token_counts(text_array(pd.Series(["أوكرانيا واوكرانيا", "أوكرانيا"])))
    {'أوكرانيا': 2, 'واوكرانيا': 1}
    """
    chunks, *_ = _find_chunks(texts)
    uses = np.bincount(chunks.indices.to_numpy(zero_copy_only=False), minlength=len(chunks.dictionary))
    counts: dict[str, int] = {}
    for chunk, n in zip(chunks.dictionary.to_pylist(), uses.tolist()):
        for token in TOKEN_PATTERN.findall(chunk):
            counts[token] = counts.get(token, 0) + n
    return counts


def _find_chunks(texts: pa.ChunkedArray) -> tuple[pa.DictionaryArray, np.ndarray, np.ndarray, np.ndarray]:
    """The chunks of ``texts`` in order (dictionary-encoded), the byte where each starts
    and its length, and the byte where each text starts."""
    # Each text followed by a newline, so that no chunk runs from one text into the next.
    lines = pc.binary_join_element_wise(pc.fill_null(texts, ""), pa.scalar("", pa.large_string()),
                                        pa.scalar("\n", pa.large_string())).combine_chunks()
    bounds = np.frombuffer(lines.buffers()[1], np.int64)[lines.offset:lines.offset + len(lines) + 1]
    data = np.frombuffer(lines.buffers()[2], np.uint8)[bounds[0]:bounds[-1]]
    inside = (data != 32) & (data - np.uint8(9) > 4)  # not ASCII whitespace (9 to 13 and 32)
    edges = np.flatnonzero(np.diff(inside, prepend=False))  # where each chunk starts and ends
    first, nbytes = edges[0::2], edges[1::2] - edges[0::2]
    chunks = pa.LargeStringArray.from_buffers(len(first), pa.py_buffer(np.r_[0, np.cumsum(nbytes)]),
                                              pa.py_buffer(data[inside]))
    return pc.dictionary_encode(chunks), first, nbytes, bounds[:-1] - bounds[0]
