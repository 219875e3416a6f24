"""Normalized tokens of a whole corpus, tokenizing each distinct chunk of text once.

A chunk is a run of text between ASCII whitespace. News text repeats itself:
SaudiNewsNet's 8.8 million tokens are written as about 520,000 distinct chunks. Tokens
never contain whitespace, and normalization maps characters one by one and never to or
from whitespace, so a text's normalized tokens are its chunks' normalized tokens in
order. :class:`TokenVocabulary` normalizes and tokenizes each distinct chunk once and
gathers the tokens of every text with numpy, as integer term ids.

Texts are split in batches of about :data:`BATCH_BYTES` bytes, by pyarrow in a second
thread (it releases the Python lock), so memory holds one batch's chunks at a time.
:mod:`analysis.terms`, :mod:`analysis.frames` and duplicate detection in
:mod:`analysis.corpus` all read the corpus this way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import repeat

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.text import TOKEN_PATTERN, NormalizeOptions, normalize

__all__ = ["BATCH_BYTES", "text_array", "batches", "split", "TokenVocabulary", "IntBuffer", "ragged_gather"]

BATCH_BYTES = 16 * 1024**2
"""Texts are tokenized in batches of about this many bytes of UTF-8."""

# The tokens of many chunks in one pass: chunks are joined by newlines, which no token
# contains, and each newline found marks the end of a chunk.
_TOKEN_OR_NEWLINE = re.compile(f"{TOKEN_PATTERN.pattern}|\n")


def text_array(texts: pd.Series | list) -> pa.ChunkedArray:
    """Texts as one pyarrow string column (missing texts stay null and have no chunks).

    Examples
    --------
    >>> text_array(pd.Series(["روسيا", None])).to_pylist()
    ['روسيا', None]
    """
    array = pa.array(texts, pa.large_string(), from_pandas=True)  # chunked when the column is
    return pa.chunked_array([array]) if isinstance(array, pa.Array) else array


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
    """Ids of normalized tokens (``terms``), and of raw chunks with the ids of their tokens.

    Examples
    --------
    >>> vocabulary = TokenVocabulary()
    >>> texts = text_array(["فرضت «عقوباتٍ»", "عقوبات"])
    >>> [(start, stop, ids.tolist(), docs.tolist()) for start, stop, ids, docs in vocabulary.tokens(texts)]
    [(0, 2, [0, 1, 1], [0, 0, 1])]
    >>> list(vocabulary.terms)
    ['فرضت', 'عقوبات']
    """

    def __init__(self, options: NormalizeOptions | None = None) -> None:
        self.options = options
        self.terms: dict[str, int] = {}
        self._chunks = pa.array([], pa.large_string())  # the distinct chunks seen, in id order
        self._starts = IntBuffer()
        self._lengths = IntBuffer()
        self._tokens = IntBuffer()

    def tokens(self, texts: pa.ChunkedArray, runs: list[tuple[int, int]] | None = None
               ) -> Iterator[tuple[int, int, np.ndarray, np.ndarray]]:
        """``(start, stop, term ids, text of each token counted from start)`` for each
        run of texts (default: :func:`batches`), in order."""
        runs = batches(texts) if runs is None else runs
        # pyarrow splits the next run, without holding the Python lock, while this one is read.
        with ThreadPoolExecutor(1) as splitter:
            pending = splitter.submit(split, texts, *runs[0]) if runs else None
            for k, (start, stop) in enumerate(runs):
                distinct, chunks, docs = pending.result()
                if k + 1 < len(runs):
                    pending = splitter.submit(split, texts, *runs[k + 1])
                ids, docs = self._gather(self._chunk_ids(distinct)[chunks], docs)
                yield start, stop, ids, docs

    def words(self) -> pa.Array:
        """Every term, in id order."""
        return pa.array(list(self.terms), pa.large_string())

    def _chunk_ids(self, chunks: pa.Array) -> np.ndarray:
        """Ids of distinct ``chunks``, tokenizing those not seen before (pyarrow looks them up)."""
        ids = pc.fill_null(pc.index_in(chunks, value_set=self._chunks), -1).to_numpy().astype(np.int64)
        new = np.flatnonzero(ids < 0)
        if len(new):
            fresh = chunks.take(new)
            ids[new] = self._add_chunks(fresh.to_pylist())
            self._chunks = pa.concat_arrays([self._chunks, fresh])
        return ids

    def _add_chunks(self, chunks: list[str]) -> np.ndarray:
        found = np.array(_TOKEN_OR_NEWLINE.findall(normalize("\n".join(chunks) + "\n", self.options)), dtype=object)
        is_end = found == "\n"
        lengths = np.diff(np.flatnonzero(is_end), prepend=-1) - 1
        self._starts.extend(self._tokens.size + np.cumsum(lengths) - lengths)
        self._lengths.extend(lengths)
        self._tokens.extend(self._term_ids(found[~is_end]))
        return np.arange(len(self._lengths.values) - len(chunks), len(self._lengths.values))

    def _term_ids(self, words: np.ndarray) -> np.ndarray:
        codes, distinct = pd.factorize(words)
        distinct = distinct.tolist()
        ids = np.fromiter(map(self.terms.get, distinct, repeat(-1)), np.int64, len(distinct))
        new = np.flatnonzero(ids < 0)
        ids[new] = np.arange(len(self.terms), len(self.terms) + len(new))
        self.terms.update(zip([distinct[i] for i in new], ids[new].tolist()))
        return ids[codes]

    def _gather(self, chunks: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Term ids of the tokens of a sequence of chunk ids, and the doc of each (from ``docs``, one per chunk)."""
        lengths = self._lengths.values[chunks]
        return self._tokens.values[ragged_gather(self._starts.values[chunks], lengths)], np.repeat(docs, lengths)
