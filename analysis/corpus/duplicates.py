"""Exact duplicates: documents whose texts have the same words once normalized.

Two texts are duplicates when ``normalize(a).split() == normalize(b).split()``
(:func:`analysis.text.normalize`: diacritics, tatweel, invisible controls and letter
variants do not tell texts apart, nor does how words are spaced). Normalization maps
each character to a fixed string, so the texts are normalized with numpy, a batch of
code points at a time through a table of every code point, instead of character by
character in Python; each text's words are then digested (SHA-1), so no second copy
of the corpus is kept.
"""

from __future__ import annotations

import functools
import hashlib
import re

import numpy as np
import pandas as pd

from analysis.text import NormalizeOptions, _translation_table

__all__ = ["flag_duplicates", "text_keys"]

_KEY_CHUNK = 2**16  # characters: a longer text is keyed in pieces cut just after a space
_KEY_BATCH = 2**20  # characters normalized at a time (~30 MiB of work arrays)
_CODES = 0x110000  # code points; this value is none of them and marks a word break in a key
_WORD_BREAK = np.array([_CODES], np.uint32).tobytes()


@functools.cache
def _code_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The default normalization as arrays over every code point: ``(length, single, start, flat, space)``.

    ``length[c]`` is the length of what ``c`` becomes (0: removed), ``single[c]`` that code
    point where it is one, ``flat[start[c]:start[c] + length[c]]`` what it becomes where it
    is longer, and ``space[c]`` whether ``str.split`` splits at ``c``.
    """
    table = _translation_table(NormalizeOptions())
    length = np.ones(_CODES, np.uint8)
    single = np.arange(_CODES, dtype=np.uint32)
    start = np.zeros(_CODES, np.int64)
    flat = []
    for ch, to in table.items():
        code = ord(ch)
        length[code] = len(to)
        single[code] = ord(to) if len(to) == 1 else code
        if len(to) > 1:
            start[code] = len(flat)
            flat.extend(map(ord, to))
    space = np.zeros(_CODES + 1, bool)
    everything = np.arange(_CODES, dtype="<u4").tobytes().decode("utf-32-le", "surrogatepass")
    space[[m.start() for m in re.finditer(r"\s", everything)]] = True  # re's \s is str.isspace
    return length, single, start, np.array(flat, np.uint32), space


def _pieces(text: str) -> list[str]:
    """``text`` cut into pieces of about :data:`_KEY_CHUNK` characters, each just after a space
    (which normalization keeps and which ends a word), so a key's work is bounded."""
    if len(text) <= _KEY_CHUNK:
        return [text]
    pieces, start = [], 0
    while start < len(text):
        stop = (text.find(" ", start + _KEY_CHUNK) + 1 if start + _KEY_CHUNK < len(text) else 0) or len(text)
        pieces.append(text[start:stop])
        start = stop
    return pieces


def _normalized_words(pieces: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each piece normalized, its words as code points with :data:`_CODES` between them, all
    pieces one after another: ``(code points, where each piece starts and the total)``."""
    length, single, start, flat, space = _code_tables()
    codes = np.frombuffer("".join(pieces).encode("utf-32-le", "surrogatepass"), np.uint32)
    bounds = np.zeros(len(pieces) + 1, np.int64)
    np.cumsum(np.fromiter(map(len, pieces), np.int64, len(pieces)), out=bounds[1:])
    n = length[codes]
    if not (n == 1).all():  # characters removed, or one that becomes several (a presentation-form ligature)
        codes, bounds = _rewritten(codes, n, bounds, single, start, flat)
    else:
        codes = single[codes]
    # A run of spaces becomes one break; none is kept at the start or the end of a piece.
    is_space = space[codes]
    after_space = np.r_[True, is_space[:-1]]
    after_space[bounds[:-1][bounds[:-1] < len(codes)]] = True
    keep = ~is_space | ~after_space
    words = np.where(is_space, np.uint32(_CODES), codes)
    bounds = _kept_bounds(keep, bounds)
    words = words[keep]
    ends = bounds[1:][bounds[1:] > bounds[:-1]] - 1
    trailing = ends[words[ends] == _CODES]
    if len(trailing):
        keep = np.ones(len(words), bool)
        keep[trailing] = False
        bounds, words = _kept_bounds(keep, bounds), words[keep]
    return words, bounds


def _kept_bounds(keep: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Where each piece starts once only the ``keep`` characters are left."""
    kept = np.zeros(len(bounds), np.int64)
    edges = bounds.tolist()
    kept[1:] = [np.count_nonzero(keep[a:b]) for a, b in zip(edges[:-1], edges[1:])]  # faster than a cumsum
    return np.cumsum(kept)


def _rewritten(codes: np.ndarray, n: np.ndarray, bounds: np.ndarray, single: np.ndarray, start: np.ndarray,
               flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``codes`` with every character replaced by its ``n`` characters, and the pieces' new ``bounds``."""
    kept = n > 0
    codes, n = codes[kept], n[kept]
    out = single[codes]  # a character that becomes several is its first here
    bounds = _kept_bounds(kept, bounds)
    several = np.flatnonzero(n > 1)
    if len(several):
        extra = n[several].astype(np.int64) - 1
        first = start[codes[several]]
        out[several] = flat[first]
        rest = flat[np.repeat(first + 1, extra) + np.arange(int(extra.sum())) - np.repeat(np.cumsum(extra) - extra, extra)]
        at = np.repeat(several + 1, extra)
        out = np.insert(out, at, rest)
        bounds = bounds + np.searchsorted(at, bounds, side="right")  # what is inserted at a piece's start ends the piece before
    return out, bounds


def text_keys(texts: pd.Series) -> list[bytes]:
    """A digest of each text's normalized words (equal digests: equal words, see the module).

    Examples
    --------
    >>> a, b, c = text_keys(pd.Series(["مُوَاجَهَةٌ  إِلى", "مواجهة الي", "مواجهة إلى أين"]))
    >>> a == b, a == c
    (True, False)
    """
    digests: list[hashlib._Hash] = []
    batch: list[str] = []
    owners: list[int] = []  # the text of each piece in the batch
    seen = [False] * len(texts)  # whether a text's key has a word yet

    def flush() -> None:
        words, bounds = _normalized_words(batch)
        data = memoryview(words.view(np.uint8))
        for k, owner in enumerate(owners):
            lo, hi = int(bounds[k]) * 4, int(bounds[k + 1]) * 4
            if hi > lo:
                if seen[owner]:
                    digests[owner].update(_WORD_BREAK)
                digests[owner].update(data[lo:hi])
                seen[owner] = True
        batch.clear()
        owners.clear()

    size = 0
    for i, text in enumerate(texts.tolist()):
        digests.append(hashlib.sha1())
        for piece in _pieces(text):
            batch.append(piece)
            owners.append(i)
            size += len(piece)
            if size >= _KEY_BATCH:
                flush()
                size = 0
    if batch:
        flush()
    return [digest.digest() for digest in digests]


def flag_duplicates(docs: pd.DataFrame, drop: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Flag documents whose normalized text repeats an earlier one (``is_duplicate``,
    ``duplicate_of``); return (docs, dropped), dropping the duplicates when ``drop``.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["a", "b"], "text": ["فرضت عقوباتٍ", "فرضت  عقوبات"]})
    >>> flag_duplicates(docs, drop=False)[0][["is_duplicate", "duplicate_of"]].values.tolist()
    [[False, None], [True, 'a']]
    """
    codes, _ = pd.factorize(pd.Series(text_keys(docs["text"]), dtype=object))
    _, first_index = np.unique(codes, return_index=True)
    first = first_index[codes] if len(codes) else np.array([], dtype=int)
    is_dup = first != np.arange(len(docs))
    docs["is_duplicate"] = is_dup
    docs["duplicate_of"] = pd.Series(np.where(is_dup, docs["doc_id"].to_numpy()[first], None), index=docs.index, dtype=object)
    if not drop:
        return docs, docs.iloc[0:0]
    return docs.loc[~is_dup].reset_index(drop=True), docs.loc[is_dup]
