"""Wire copy and near-duplicates: stories of documents that share most of their word 5-grams.

Official statements are republished by several outlets with small edits, and outlets
repeat their own items; exact-duplicate detection (``is_duplicate``) misses both. Two
documents are **copies** when the Jaccard similarity of their sets of word 5-grams
(shingles) is at least :data:`THRESHOLD`; a **story** is a connected group of copies
(exact duplicates included), and its first document (earliest date, then corpus order)
is the original the others are ``copy_of``.

How it runs, vectorized with numpy over the whole corpus:

1. **Words** are read from the UTF-8 bytes of each text: every character that is not a
   letter, mark or digit separates words, and the characters of two-byte UTF-8 (all of
   Arabic) are normalized as :func:`analysis.text.normalize` does by default (hamzated
   alefs, alef maqsura, Persian letters, Arabic-Indic digits, diacritics and tatweel).
   Each word is hashed from its first 32 bytes and its length.
2. **Shingles**: each run of :data:`SHINGLE_WORDS` consecutive words of a text is hashed.
3. **Signatures** by one-permutation MinHash (Li, Owen & Zhang 2012): a shingle's hash
   picks one of :data:`BINS` bins and each text keeps the smallest hash per bin; bins a
   short text leaves empty take the next filled bin's value (rotation densification,
   Shrivastava & Li 2014). One hash per shingle, instead of one per shingle and
   permutation.
4. **Repeats**: a text with the same shingles as an earlier one (a 64-bit fingerprint of
   its shingles) is linked to the first and compared no further.
5. **Candidates** by locality-sensitive hashing: texts whose signatures agree on all
   :data:`BAND_ROWS` bins of any band are candidate pairs (with 32 bands of 4, a pair at
   Jaccard 0.5 becomes a candidate with probability 0.87, at 0.6 with 0.99).
6. **Verification**: the exact Jaccard similarity of each candidate pair's shingle sets;
   pairs at or above the threshold are copies, and stories are the connected components
   (:func:`scipy.sparse.csgraph.connected_components`).

**Memory.** Texts are read in runs of about 2 MiB by two threads, a text longer than that
in pieces of 256 KiB cut between words (shingles that run across two reads are joined
afterwards); each read's shingles go at once into the texts' signatures and
fingerprints, and only those of texts shorter than 2 MiB are kept for verification (a
long text that is a candidate is read again). One 17 MB text costs about a quarter of
its size on top of what loading holds; a corpus of short texts, ~12 bytes a shingle.

The hash functions derive from ``seed``: a given seed gives the same stories every time;
another seed can change which borderline pairs LSH proposes, never a verified similarity.

**Threshold.** On SaudiNewsNet, candidate pairs between 0.3 and 0.5 mix rewrites of one
release with *different* events told in one official template (royal congratulation
cables to two countries, two execution statements of the Interior Ministry); from 0.5 up,
samples read were the same event. In 20 random stories of two or more articles (seed 20)
all 20 were copies of one event. Caveat: chaining can still join template notices that
differ in names only (the largest SaudiNewsNet story, 25 articles, is congratulation
cables to several countries).

**Counting copies.** The counting functions keep every document by default
(``copies="all"``): what an outlet republished is part of what its readers read, and the
numbers stay those of the documents as loaded. ``"one"`` measures stories rather than
articles; ``"one_per_source"`` keeps each outlet's decision to run a story but not its
repeats.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.chunks import batches, ragged_gather, sorted_unique, text_array
from analysis.corpus.model import Corpus, as_docs
from analysis.text import normalize

__all__ = ["COPIES", "THRESHOLD", "SHINGLE_WORDS", "BINS", "BAND_ROWS", "copy_pairs", "find_copies",
           "flag_copies", "select_copies", "copy_shares", "copy_partners"]

COPIES = ("all", "one", "one_per_source")
"""What counting functions do with copies: keep ``"all"`` documents, ``"one"`` per story
across the corpus, or ``"one_per_source"`` (one per story and source)."""

THRESHOLD = 0.5
"""Jaccard similarity of two texts' shingle sets from which they are copies."""

SHINGLE_WORDS = 5
"""Words per shingle."""

BINS = 128
"""MinHash bins per signature."""

BAND_ROWS = 4
"""Bins per LSH band (``BINS // BAND_ROWS`` bands)."""

COPY_COLUMNS = ["story_id", "is_near_duplicate", "copy_of"]

_BATCH_BYTES = 2 * 1024**2  # texts read at a time: small enough for the temporaries to stay in cache
_PIECE_BYTES = 256 * 1024  # a longer text is read in pieces of this size: its temporaries stay a small share of it
_SEGMENT_BYTES = _BATCH_BYTES  # a longer text is read in pieces of about this size
_MAX_BUCKET = 64  # an LSH bucket with more texts links each to its first only, not all pairs
_DROP = 0xFF  # a byte that never occurs in UTF-8 marks bytes to remove
_EMPTY = np.uint64(2**64 - 1)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_LENGTH_MASKS = np.array([0] + [(1 << (8 * k)) - 1 for k in range(1, 8)] + [2**64 - 1], dtype=np.uint64)


@lru_cache(maxsize=1)
def _byte_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """How to rewrite characters byte by byte: for two-byte UTF-8 (U+0080–U+07FF) and the
    general punctuation block (U+2000–U+207F), the bytes each becomes (``_DROP`` removes a
    byte, spaces separate words), and which two-byte sequences change."""
    def rewrite(char: str) -> bytes:
        out = normalize(char)
        if out == "":
            return bytes([_DROP]) * len(char.encode())
        if len(out) == 1 and unicodedata.category(out)[0] in "PSZC":
            return b" " * len(char.encode())
        encoded = out.encode()
        if len(out) != 1 or len(encoded) > len(char.encode()):
            return char.encode()  # a ligature that normalizes to several letters stays as written
        return bytes([_DROP]) * (len(char.encode()) - len(encoded)) + encoded

    two = np.array([list(rewrite(chr(cp))) for cp in range(0x80, 0x800)], dtype=np.uint8)
    two = np.r_[np.zeros((0x80, 2), np.uint8), two]
    changes = np.zeros(65536, bool)  # indexed by the two bytes read as a little-endian uint16
    for cp in range(0x80, 0x800):
        first, second = chr(cp).encode()
        changes[second << 8 | first] = bytes(two[cp]) != chr(cp).encode()
    punctuation = np.array([list(rewrite(chr(0x2000 + k))) for k in range(0x80)], dtype=np.uint8)
    return two, changes, punctuation


def _constants(seed: int, shingle: int) -> np.ndarray:
    """Odd 64-bit multipliers of the hash functions for ``seed``: 0–4 hash words, 5–8 the
    rows of a band, 9 a band's number, 16 on the words of a shingle."""
    n = 16 + shingle
    return np.random.default_rng(seed).integers(0, 2**63, size=n, dtype=np.uint64) * np.uint64(2) + np.uint64(1)


def _mix(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finalizer: every bit of the result depends on every bit of ``x``."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _word_bytes(data: np.ndarray) -> np.ndarray:
    """Which bytes of normalized UTF-8 are parts of words: every byte of a non-ASCII
    character, ASCII letters and digits (arithmetic on the bytes: 4x faster than a table lookup)."""
    return (data >= 0x80) | (data - np.uint8(0x30) < 10) | ((data | np.uint8(0x20)) - np.uint8(0x61) < 26)


def _normalized_bytes(texts: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 bytes of ``texts``, each followed by a space, normalized for comparison
    (see the module docstring), padded with 32 zero bytes; and where each text starts."""
    spaced = pc.binary_join_element_wise(pc.fill_null(texts, ""), pa.scalar("", pa.large_string()),
                                         pa.scalar(" ", pa.large_string())).combine_chunks()
    offsets = np.frombuffer(spaced.buffers()[1], np.int64)[spaced.offset:spaced.offset + len(spaced) + 1]
    n = int(offsets[-1] - offsets[0])
    data = np.zeros(n + 32, np.uint8)
    data[:n] = np.frombuffer(spaced.buffers()[2], np.uint8)[offsets[0]:offsets[-1]]
    del spaced
    return _rewrite(data, n, offsets - offsets[0])


def _rewrite(data: np.ndarray, n: int, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``data`` (``n`` bytes of texts starting at ``starts``, then 32 zero bytes) normalized
    for comparison, and where each text starts once the removed bytes are gone."""
    two, changes, punctuation = _byte_tables()
    at = np.flatnonzero(changes[np.ndarray((n,), "<u2", data, 0, (1,))])
    if len(at):
        cp = ((data[at].astype(np.int64) & 0x1F) << 6) | (data[at + 1] & 0x3F)
        data[at], data[at + 1] = two[cp, 0], two[cp, 1]
    at = np.flatnonzero(data[:n] == 0xE2)
    at = at[(data[at + 1] == 0x80) | (data[at + 1] == 0x81)]
    if len(at):
        k = ((data[at + 1].astype(np.int64) & 0x01) << 6) | (data[at + 2] & 0x3F)
        data[at], data[at + 1], data[at + 2] = punctuation[k, 0], punctuation[k, 1], punctuation[k, 2]
    del at
    dropped = np.flatnonzero(data[:n] == _DROP)
    if len(dropped):
        starts = starts - np.searchsorted(dropped, starts)
        data = np.delete(data, dropped)
    return data, starts


def _word_hashes(data: np.ndarray, starts: np.ndarray, constants: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A hash of every word of the normalized texts in ``data`` (from :func:`_rewrite`) in
    order, and the text (counted from 0) it is in."""
    word = _word_bytes(data[:-31])  # every text ends with a space, and so does the padding
    edges = np.flatnonzero(word[1:] != word[:-1]) + 1
    if word[0]:
        edges = np.r_[0, edges]
    del word
    first, length = edges[0::2], edges[1::2] - edges[0::2]
    del edges
    packed = np.ndarray((len(data) - 7,), np.uint64, data, 0, (1,))  # 8 bytes from every position
    # Words are hashed from their first 32 bytes (16 Arabic letters) and their length.
    hashes = length.astype(np.uint64) * constants[4]
    hashes += (packed[first] & _LENGTH_MASKS[np.minimum(length, 8)]) * constants[0]
    part = np.flatnonzero(length > 8)
    for j in range(1, 4):
        hashes[part] += (packed[first[part] + 8 * j] & _LENGTH_MASKS[np.minimum(length[part] - 8 * j, 8)]) * constants[j]
        part = part[length[part] > 8 * (j + 1)]
    words = np.diff(np.searchsorted(first, starts))
    return hashes, np.repeat(np.arange(len(words), dtype=np.int32), words)


def _text_bytes(texts: pa.ChunkedArray, i: int) -> np.ndarray:
    """The UTF-8 bytes of ``texts[i]`` (not null), without copying them."""
    for chunk in texts.chunks:
        if i < len(chunk):
            break
        i -= len(chunk)
    width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    start, stop = np.frombuffer(chunk.buffers()[1], width)[chunk.offset + i:chunk.offset + i + 2]
    return np.frombuffer(chunk.buffers()[2], np.uint8)[start:stop]


def _cuts(data: np.ndarray) -> list[int]:
    """Where to cut one long text's bytes into pieces of about :data:`_PIECE_BYTES`: at
    ASCII bytes that are not letters or digits, so that every word stays whole (no
    multi-byte character has an ASCII byte, and normalization keeps them as they are)."""
    cuts, at = [0], _PIECE_BYTES
    while at < len(data):
        window = 256
        while True:
            found = np.flatnonzero(~_word_bytes(data[at:at + window]))
            if len(found) or at + window >= len(data):
                break
            window *= 4
        if not len(found):
            break
        cuts.append(at + int(found[0]))
        at = cuts[-1] + _PIECE_BYTES
    return cuts + [len(data)]


def _jobs(texts: pa.ChunkedArray) -> list[tuple[int, int, int, int]]:
    """The units :func:`_job_words` reads: ``(start, stop, 0, 0)`` a run of texts of
    about 2 MiB, ``(i, i + 1, lo, hi)`` bytes ``lo:hi`` of a text longer than 2 MiB."""
    nbytes = pc.fill_null(pc.binary_length(texts), 0).to_numpy(zero_copy_only=False)
    jobs = []
    for start, stop in batches(texts, _BATCH_BYTES):
        for i in np.flatnonzero(nbytes[start:stop] > _BATCH_BYTES) + start:
            if start < i:
                jobs.append((start, int(i), 0, 0))
            cuts = _cuts(_text_bytes(texts, int(i)))
            jobs += [(int(i), int(i) + 1, lo, hi) for lo, hi in zip(cuts[:-1], cuts[1:])]
            start = int(i) + 1
        if start < stop:
            jobs.append((start, stop, 0, 0))
    return jobs


def _job_words(texts: pa.ChunkedArray, job: tuple[int, int, int, int], constants: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """The word hashes of one of :func:`_jobs`, and the text (counted from 0) each is in."""
    start, stop, lo, hi = job
    if lo == hi:
        data, starts = _normalized_bytes(texts.slice(start, stop - start))
    else:
        data = np.zeros(hi - lo + 33, np.uint8)
        data[:hi - lo] = _text_bytes(texts, start)[lo:hi]
        data[hi - lo] = ord(" ")
        data, starts = _rewrite(data, hi - lo + 1, np.array([0, hi - lo + 1]))
    word, text = _word_hashes(data, starts, constants)
    return word, text + np.int32(start)


def _windows(word: np.ndarray, text: np.ndarray, words: int, constants: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The hash of every run of ``words`` consecutive words within one text, and its text."""
    n = max(len(word) - words + 1, 0)
    shingle = word[:n] * constants[16]
    for j in range(1, words):
        shingle += word[j:j + n] * constants[16 + j]
    inside = text[:n] == text[words - 1:]
    return _mix(shingle[inside]), text[:n][inside]


def _job_shingles(texts: pa.ChunkedArray, job: tuple[int, int, int, int], words: int, constants: np.ndarray
                  ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The shingles of one of :func:`_jobs` and their texts; and its first and last
    ``words - 1`` words (with their texts), for the shingles that run on into the next job."""
    word, text = _job_words(texts, job, constants)
    head, tail = slice(0, words - 1), slice(max(len(word) - words + 1, 0), len(word))
    return _windows(word, text, words, constants), (word[head].copy(), text[head].copy()), (word[tail].copy(), text[tail].copy())


def _shingles(texts: pa.ChunkedArray, jobs: list[tuple[int, int, int, int]], words: int, constants: np.ndarray
              ) -> Iterator[tuple[np.ndarray, np.ndarray, bool]]:
    """The shingles of the texts of ``jobs`` (:func:`_jobs`), part by part: each part's
    shingles, their texts (``int32``, in order) and whether they are of a piece of a
    long text. Jobs are read by two threads (numpy releases the Python lock in its loops)."""
    carry = (np.zeros(0, np.uint64), np.zeros(0, np.int32))
    with ThreadPoolExecutor(2) as pool:
        for job, (inner, head, tail) in zip(jobs, pool.map(lambda job: _job_shingles(texts, job, words, constants), jobs)):
            piece = job[2] != job[3]
            if words > 1:  # the shingles that run on from earlier jobs, counted at the job of their last word
                if len(carry[0]):
                    yield (*_windows(np.r_[carry[0], head[0]], np.r_[carry[1], head[1]], words, constants), piece)
                carry = np.r_[carry[0], tail[0]][1 - words:], np.r_[carry[1], tail[1]][1 - words:]
            yield (*inner, piece)


def _add_shingles(count: np.ndarray, total: np.ndarray, signature: np.ndarray, shingles: np.ndarray, doc: np.ndarray
                  ) -> None:
    """Count ``shingles`` (of texts ``doc``, in order) into each text's number and sum of
    shingles (:func:`_first_same`) and its one-permutation MinHash signature: a
    shingle's top bits pick one of :data:`BINS` bins, which keeps the smallest hash."""
    if not len(doc):
        return
    count += np.bincount(doc, minlength=len(count))
    runs = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]])
    total[doc[runs]] += np.add.reduceat(shingles, runs)
    shift = np.uint64(64 - int(np.log2(BINS)))
    np.minimum.at(signature.ravel(), doc.astype(np.int64) * BINS + (shingles >> shift).astype(np.int64), shingles)


def _densify(signature: np.ndarray) -> np.ndarray:
    """Signatures (texts × :data:`BINS`) with the bins a short text leaves empty filled;
    rows of texts without shingles stay all ``_EMPTY``."""
    empty = signature == _EMPTY
    sparse = np.flatnonzero(empty.any(axis=1) & ~empty.all(axis=1))
    if len(sparse):
        # Each empty bin takes the next filled bin to its right (circularly), shifted by the distance.
        filled = np.where(empty[sparse], 2 * BINS, np.arange(BINS))
        nearest = np.minimum.accumulate(np.concatenate([filled, filled + BINS], axis=1)[:, ::-1], axis=1)[:, ::-1]
        nearest = nearest[:, :BINS]
        value = np.take_along_axis(signature[sparse], nearest % BINS, axis=1)
        signature[sparse] = value + (nearest - np.arange(BINS)).astype(np.uint64) * _GOLDEN
    return signature


def _candidates(signature: np.ndarray, constants: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(a, b)``, a < b, of texts whose signatures agree on all bins of a band."""
    has = np.flatnonzero(signature[:, 0] != _EMPTY)
    if len(has) < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    bands = BINS // BAND_ROWS
    key = np.zeros((len(has), bands), np.uint64)
    for j in range(BAND_ROWS):
        key += signature[has, j * bands:(j + 1) * bands] * constants[5 + j]  # band k: bins k, k + bands, …
    key = _mix(key + np.arange(bands, dtype=np.uint64) * constants[9]).ravel()
    order = np.argsort(key, kind="stable")
    key, owner = key[order], has[order // bands]
    run = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    size = np.diff(np.r_[run, len(key)])
    run_of = np.repeat(np.arange(len(run)), size)
    offset = np.arange(len(key)) - run[run_of]
    # Within a bucket every text pairs with the later ones; in a large bucket, the first with every other.
    big = size[run_of] > _MAX_BUCKET
    later = np.where(big, np.where(offset == 0, size[run_of] - 1, 0), size[run_of] - 1 - offset)
    first = np.repeat(np.arange(len(key)), later)
    second = ragged_gather(np.arange(len(key)) + 1, later)
    a, b = owner[first], owner[second]
    pairs = sorted_unique(np.minimum(a, b) * len(signature) + np.maximum(a, b))
    pairs = pairs[pairs // len(signature) != pairs % len(signature)]
    return pairs // len(signature), pairs % len(signature)


def _jaccard(parts: list[tuple[np.ndarray, np.ndarray]], n_docs: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The Jaccard similarity of the shingle sets of texts ``a[i]`` and ``b[i]``, for every i."""
    if not len(a):
        return np.zeros(0)
    bits = np.uint64(max(int(n_docs).bit_length(), 1))
    low = np.uint64(2**(64 - int(bits)) - 1)
    involved = np.zeros(n_docs, bool)
    involved[a] = involved[b] = True
    keys = []
    for shingles, doc in parts:
        chosen = involved[doc]
        keys.append((doc[chosen].astype(np.uint64) << np.uint64(64 - int(bits))) | (shingles[chosen] >> bits))
    keys = np.concatenate(keys)
    keys.sort()
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]]  # each text's distinct shingles, texts in order
    owner = (keys >> np.uint64(64 - int(bits))).astype(np.int64)
    start = np.searchsorted(owner, np.arange(n_docs))
    size = np.searchsorted(owner, np.arange(n_docs), "right") - start
    small = np.where(size[a] <= size[b], a, b)
    other = np.where(size[a] <= size[b], b, a)
    pair = np.repeat(np.arange(len(a)), size[small])
    query = (other[pair].astype(np.uint64) << np.uint64(64 - int(bits))) | (keys[ragged_gather(start[small], size[small])] & low)
    found = keys[np.minimum(np.searchsorted(keys, query), len(keys) - 1)] == query
    common = np.bincount(pair[found], minlength=len(a))
    union = size[a] + size[b] - common
    return np.where(union > 0, common / np.maximum(union, 1), 0.0)


def _first_same(count: np.ndarray, total: np.ndarray) -> np.ndarray:
    """For each text, the first text with the same shingles, the same number of times
    each (a 64-bit fingerprint from their number ``count`` and the sum of their hashes
    ``total``); -1 for texts without shingles."""
    has = np.flatnonzero(count)
    _, first, group = np.unique(_mix(total[has] ^ (count[has].astype(np.uint64) * _GOLDEN)),
                                return_index=True, return_inverse=True)
    same = np.full(len(count), -1, np.int64)
    same[has] = has[first[group]]
    return same


def copy_pairs(texts, *, threshold: float = THRESHOLD, shingle: int = SHINGLE_WORDS, seed: int = 0) -> pd.DataFrame:
    """Pairs of texts that are copies, enough to link every copy to its story: the
    Jaccard similarity of their shingle sets is at least ``threshold``.

    A text whose shingles are those of an earlier text (a repeat, after the
    normalization in the module docstring) is paired with the first such text only, with
    similarity 1, and compared no further; the others are compared among themselves. So
    ``n`` repeats of a text give ``n - 1`` pairs, not ``n (n - 1) / 2``.

    Parameters
    ----------
    texts : the texts to compare (a sequence of strings, or a pyarrow string array);
        missing texts have no shingles.
    threshold : the Jaccard similarity from which two texts are copies (0 < threshold ≤ 1).
    shingle : words per shingle; texts with fewer words have none and are nobody's copy.
    seed : seeds the hash functions.

    Returns
    -------
    DataFrame
        ``a``, ``b`` (positions of the two texts, a < b), ``jaccard``; sorted by a, b.

    Examples
    --------
    >>> texts = ["أعلن مجلس الوزراء اليوم عن ميزانية جديدة للعام المقبل تشمل دعم التعليم",
    ...          "أعلن مجلس الوزراء اليوم عن ميزانية جديدة للعام المقبل تشمل دعم الصحة",
    ...          "فاز الهلال على النصر في مباراة مثيرة مساء أمس بملعب الملك فهد الدولي"]
    >>> copy_pairs(texts).round(2).values.tolist()
    [[0.0, 1.0, 0.78]]
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be more than 0 and at most 1, not {threshold!r}")
    if shingle < 1:
        raise ValueError(f"shingle must be at least 1 word, not {shingle!r}")
    texts = texts if isinstance(texts, pa.ChunkedArray) else text_array(texts if isinstance(texts, pd.Series) else list(texts))
    constants = _constants(seed, shingle)
    n, jobs = len(texts), _jobs(texts)
    count, total = np.zeros(n, np.int64), np.zeros(n, np.uint64)
    signature = np.full((n, BINS), _EMPTY, np.uint64)
    kept = []  # the shingles of all but long texts, for the Jaccard similarity of candidate pairs
    for shingles, doc, piece in _shingles(texts, jobs, shingle, constants):
        _add_shingles(count, total, signature, shingles, doc)
        if not piece:
            kept.append((shingles, doc))
    same = _first_same(count, total)
    signature[same != np.arange(n)] = _EMPTY  # repeats are compared no further
    a, b = _candidates(_densify(signature), constants)
    del signature
    involved = np.zeros(n, bool)
    involved[a] = involved[b] = True
    again = [job for job in jobs if job[2] != job[3] and involved[job[0]]]  # long texts are read again if need be
    kept += [(shingles, doc) for shingles, doc, _ in _shingles(texts, again, shingle, constants)]
    similarity = _jaccard(kept, n, a, b)
    copy = similarity >= threshold
    repeat = np.flatnonzero((same >= 0) & (same != np.arange(n)))
    pairs = pd.DataFrame({"a": np.r_[a[copy], same[repeat]], "b": np.r_[b[copy], repeat],
                          "jaccard": np.r_[similarity[copy], np.ones(len(repeat))]})
    return pairs.sort_values(["a", "b"], kind="stable").reset_index(drop=True)


def _story_order(docs: pd.DataFrame) -> np.ndarray:
    """Positions of the documents, earliest date first (undated last), then in corpus order."""
    if "date" not in docs.columns:
        return np.arange(len(docs))
    dates = pd.to_datetime(docs["date"]).to_numpy("datetime64[ns]").astype(np.int64)
    dates = np.where(docs["date"].isna().to_numpy(), np.iinfo(np.int64).max, dates)
    return np.lexsort((np.arange(len(docs)), dates))


def find_copies(corpus: Corpus | pd.DataFrame, texts=None, *, threshold: float = THRESHOLD,
                shingle: int = SHINGLE_WORDS, seed: int = 0) -> pd.DataFrame:
    """The story of every document: documents linked by copies (:func:`copy_pairs`) or
    by exact duplication (``duplicate_of``, where present) form one story.

    Parameters
    ----------
    corpus : a Corpus or a documents DataFrame (``doc_id``, ``source``, ``text``, and
        ``date``, ``duplicate_of`` where present).
    texts : the texts to compare, one per document in order (default ``docs["text"]``);
        pass the texts with boilerplate blanked out so that an outlet's template does
        not make its articles look alike.
    threshold, shingle, seed : as for :func:`copy_pairs`.

    Returns
    -------
    DataFrame
        On the documents' index: ``story_id`` (the ``doc_id`` of the story's first
        document: earliest date, undated last, then corpus order), ``is_near_duplicate``
        (True for every document of a story but its first) and ``copy_of`` (the
        story's first document for those, None otherwise).

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1", "2", "3"], "source": ["أ", "ب", "ب"], "text": [
    ...     "أعلن مجلس الوزراء اليوم عن ميزانية جديدة للعام المقبل تشمل دعم التعليم",
    ...     "أعلن مجلس الوزراء اليوم عن ميزانية جديدة للعام المقبل تشمل دعم الصحة",
    ...     "فاز الهلال على النصر في مباراة مثيرة مساء أمس بملعب الملك فهد الدولي"]})
    >>> find_copies(docs).values.tolist()
    [['1', False, None], ['1', True, '1'], ['3', False, None]]
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    docs = as_docs(corpus)
    texts = docs["text"] if texts is None else texts
    if len(texts) != len(docs):
        raise ValueError(f"texts has {len(texts)} entries for {len(docs)} documents")
    pairs = copy_pairs(texts, threshold=threshold, shingle=shingle, seed=seed)
    a, b = pairs["a"].to_numpy(), pairs["b"].to_numpy()
    if "duplicate_of" in docs.columns:
        twin = pd.Index(docs["doc_id"]).get_indexer(docs["duplicate_of"])
        a, b = np.r_[a, np.flatnonzero(twin >= 0)], np.r_[b, twin[twin >= 0]]
    n = len(docs)
    graph = coo_matrix((np.ones(len(a), np.int8), (a, b)), shape=(n, n))
    _, story = connected_components(graph, directed=False)
    order = _story_order(docs)
    first = np.empty(story.max() + 1 if n else 0, np.int64)
    first[story[order[::-1]]] = order[::-1]  # the last write for each story is its first document
    doc_id = docs["doc_id"].to_numpy(dtype=object)
    story_id = doc_id[first[story]]
    is_copy = story_id != doc_id
    return pd.DataFrame({"story_id": pd.Series(story_id, index=docs.index, dtype=docs["doc_id"].dtype),
                         "is_near_duplicate": is_copy,
                         "copy_of": pd.Series(np.where(is_copy, story_id, None), index=docs.index, dtype=object)})


def flag_copies(corpus: Corpus, texts=None, **options) -> Corpus:
    """The corpus with the :func:`find_copies` columns ``story_id``,
    ``is_near_duplicate`` and ``copy_of`` added to (or replaced in) its documents.

    ``texts`` and ``options`` are passed to :func:`find_copies`; the documents' ``text``
    is unchanged.

    Examples
    --------
    >>> from analysis.corpus import load_corpus
    >>> corpus = flag_copies(load_corpus())
    >>> corpus.docs[["story_id", "is_near_duplicate", "copy_of"]].dtypes.astype(str).tolist()
    ['str', 'bool', 'object']
    """
    docs = as_docs(corpus)
    stories = find_copies(docs, texts, **options)
    return dataclasses.replace(corpus, docs=docs.drop(columns=COPY_COLUMNS, errors="ignore").join(stories))


def select_copies(docs: pd.DataFrame, copies: str = "all") -> pd.DataFrame:
    """The documents that counting keeps under the ``copies`` option (see :data:`COPIES`).

    ``"all"`` keeps every document; ``"one"`` keeps the first document of each story
    (those not ``is_near_duplicate``); ``"one_per_source"`` keeps the first document of
    each story in each source (earliest date, then corpus order), so that an outlet's
    own repeats count once and each outlet that ran a story counts it once.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1", "2", "3"], "source": ["أ", "ب", "ب"], "text": ["", "", ""],
    ...                      "story_id": ["1", "1", "1"], "is_near_duplicate": [False, True, True]})
    >>> [select_copies(docs, c)["doc_id"].tolist() for c in COPIES]
    [['1', '2', '3'], ['1'], ['1', '2']]
    """
    if copies not in COPIES:
        raise ValueError(f"copies must be one of {', '.join(map(repr, COPIES))}, not {copies!r}")
    if copies == "all":
        return docs
    missing = [c for c in ("story_id", "is_near_duplicate") if c not in docs.columns]
    if missing:
        raise ValueError(f"copies={copies!r} needs the column(s) {missing} that load_corpus "
                         "(near_duplicates=True) or analysis.corpus.flag_copies adds")
    if copies == "one":
        keep = ~docs["is_near_duplicate"].to_numpy(dtype=bool)
    else:
        order = _story_order(docs)
        keep = np.zeros(len(docs), bool)
        keep[order] = ~pd.DataFrame({"story": docs["story_id"].to_numpy()[order],
                                     "source": docs["source"].to_numpy()[order]}).duplicated().to_numpy()
    return docs.loc[keep]


def _story_sources(docs: pd.DataFrame) -> pd.DataFrame:
    """Per story and source: documents; only stories of two documents or more."""
    missing = [c for c in ("story_id", "is_near_duplicate") if c not in docs.columns]
    if missing:
        raise ValueError(f"the documents lack the column(s) {missing}; load_corpus(near_duplicates=True) "
                         "or analysis.corpus.flag_copies adds them")
    size = docs.groupby("story_id", sort=False)["doc_id"].transform("size")
    return docs.loc[size > 1].groupby(["story_id", "source"], sort=False).size().rename("docs").reset_index()


def copy_partners(corpus: Corpus | pd.DataFrame) -> pd.DataFrame:
    """Which outlets share stories with which: for each source and partner source, the
    source's documents whose story includes a document of the partner.

    Returns
    -------
    DataFrame
        ``source``, ``partner``, ``docs`` (documents of ``source`` in a story with
        ``partner``), ``share`` (of all documents of ``source``). Sorted by source, docs
        descending, partner.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1", "2", "3"], "source": ["أ", "ب", "ب"], "text": ["", "", ""],
    ...                      "story_id": ["1", "1", "3"], "is_near_duplicate": [False, True, False]})
    >>> copy_partners(docs).values.tolist()
    [['أ', 'ب', 1, 1.0], ['ب', 'أ', 1, 0.5]]
    """
    docs = as_docs(corpus)
    per_story = _story_sources(docs)
    pairs = per_story.merge(per_story[["story_id", "source"]].rename(columns={"source": "partner"}), on="story_id")
    pairs = pairs.loc[pairs["source"] != pairs["partner"]]
    table = pairs.groupby(["source", "partner"], sort=True)["docs"].sum().reset_index()
    table["docs"] = table["docs"].astype("int64")  # of any dtype when no story is shared
    table["share"] = table["docs"] / table["source"].map(docs["source"].value_counts()).astype("float64")
    return table.sort_values(["source", "docs", "partner"], ascending=[True, False, True],
                             kind="stable").reset_index(drop=True)


def copy_shares(corpus: Corpus | pd.DataFrame, top: int = 3) -> pd.DataFrame:
    """How much of each outlet is copy, and with whom it shares stories.

    Parameters
    ----------
    corpus : a Corpus or documents with the :func:`find_copies` columns.
    top : how many partner outlets to name.

    Returns
    -------
    DataFrame
        One row per source: ``source``, ``docs``, ``near_duplicates`` (documents that
        are a copy of an earlier one, in any source), ``near_duplicate_share``,
        ``shared`` (documents whose story includes another source),
        ``shared_share``, ``repeats`` (documents whose story has an earlier document
        of the same source: what ``copies="one_per_source"`` drops), and
        ``top_partners`` (the ``top`` sources sharing most of its documents, with how
        many, from :func:`copy_partners`). Sorted by source.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1", "2", "3"], "source": ["أ", "ب", "ب"], "text": ["", "", ""],
    ...                      "story_id": ["1", "1", "1"], "is_near_duplicate": [False, True, True]})
    >>> copy_shares(docs)[["source", "docs", "near_duplicates", "shared", "repeats", "top_partners"]].values.tolist()
    [['أ', 1, 0, 1, 0, 'ب 1'], ['ب', 2, 2, 2, 1, 'أ 2']]
    """
    docs = as_docs(corpus)
    per_story = _story_sources(docs)
    sources_in_story = per_story.groupby("story_id")["source"].size()
    multi = per_story["story_id"].map(sources_in_story) > 1
    kept = select_copies(docs, "one_per_source")
    table = pd.DataFrame({
        "docs": docs.groupby("source").size(),
        "near_duplicates": docs.groupby("source")["is_near_duplicate"].sum(),
        "shared": per_story.loc[multi].groupby("source")["docs"].sum(),
        "repeats": docs.groupby("source").size() - kept.groupby("source").size(),
    }).fillna(0).astype("int64")
    table.insert(2, "near_duplicate_share", table["near_duplicates"] / table["docs"])
    table.insert(4, "shared_share", table["shared"] / table["docs"])
    partners = copy_partners(docs)
    named = partners.groupby("source", sort=False).head(top).assign(
        label=lambda t: t["partner"].astype(str) + " " + t["docs"].astype(str))
    table["top_partners"] = named.groupby("source")["label"].agg(", ".join).reindex(table.index).fillna("")
    return table.rename_axis("source").reset_index()
