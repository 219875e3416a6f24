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

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.text import TOKEN_PATTERN, NormalizeOptions, normalize

__all__ = ["BATCH_BYTES", "text_array", "take_texts", "batches", "split", "TokenVocabulary", "IntBuffer",
           "ragged_gather", "token_offsets", "written_token_counts"]

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
    >>> vocabulary.terms
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
        self.terms: list[str] = []  # every normalized token seen, in id order
        self._term_array = pa.array([], pa.large_string())
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
        ids[new] = np.arange(len(self.terms), len(self.terms) + len(new))
        fresh = distinct.take(new)
        self.terms += fresh.to_pylist()
        self._term_array = pa.concat_arrays([self._term_array, fresh])
        return ids[codes]



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
