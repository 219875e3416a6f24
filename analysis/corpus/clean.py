"""Boilerplate and web debris: the spans of each document that counting skips, learned per source from the corpus.

News sites wrap every article in their template: datelines and sign-offs, bylines,
share and subscription blocks, the title repeated in a link line, tag lists, pager
words, scraps of CSS and JavaScript. They recur within one source, which is how
:func:`clean_spans` finds them, and left in they top every keyness list and inflate
frame hits. The text of a document is never changed: cleaning yields the spans to skip
(``doc_id``, ``start``, ``end``, ``kind``, ``pattern``), and :func:`cleaned_docs` gives
the text the counting functions read, each skipped character replaced by a space (line
breaks kept), so every offset a count reports still points into ``docs["text"]``.

**Boilerplate** (``kind="boilerplate"``), learned from each source's own documents:

* a *line* (digits collapsed to 0, whitespace to one space, the document's own title
  replaced by ``<title>``) found in at least ``min_share`` of the source's documents
  (and at least ``min_docs`` of them): SPA's ``// انتهى //``, a bylined ``عين اليوم –
  متابعات``, a subscription block;
* an *edge*: the first words (up to :data:`MAX_EDGE_WORDS`) or the last words of a
  document's first or last line recurring the same way: the ``Next Previous`` of a pager,
  SPA's dateline ``الرياض 15 شوال 1436 هـ الموافق 31 يوليو 2015 م واس``, the slot pattern
  ``رابط الخبر بصحيفة الوئام: <title>`` that ends every alweeam text. Where an edge
  covers more than half of its line's words, the whole line is skipped.
* a *last sentence* of a last line, from its recurring first words to the line's end:
  a related-articles list glued to the article (``… مقالات أخرى للكاتب …``).

A head that closes a document (of its last line or last sentence) counts only where it
rarely opens a middle line of the source's documents (:data:`_INNER_RATIO`): a closing
formula such as ``يذكر أن`` ("it is worth noting that") opens paragraphs too, and is kept.

**Web debris**, each kind switchable in :class:`CleanOptions`: ``html`` (tags, entities,
CSS rules, JavaScript), ``email_protection`` (``[email protected]``), ``url``, ``email``,
``phone`` (phone numbers and SMS short codes with their subscription line), ``pager``
(``Next Previous``) and ``tags`` (a trailing ``سمات`` tag list).
"""

from __future__ import annotations

import dataclasses
import functools
import html
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.chunks import sorted_unique
from analysis.corpus.copies import _mix
from analysis.corpus.model import Corpus, as_docs

__all__ = ["Boilerplate", "CleanOptions", "DEBRIS_KINDS", "MAX_EDGE_WORDS", "learn_boilerplate", "clean_spans",
           "clean_corpus", "cleaned_docs", "cleaned_texts", "boilerplate_patterns", "cleaning_summary"]

MAX_EDGE_WORDS = 12
"""The longest edge (first or last words of a line) :func:`clean_spans` looks for."""

SPAN_COLUMNS = ["doc_id", "start", "end", "kind", "pattern"]

# Each kind of debris: a pyarrow (RE2) pattern that every document with a match of the
# Python pattern matches too (None: the Python pattern itself, which RE2 reads with ASCII
# word boundaries, so finding more), so only those documents are searched in Python.
_ARABIC = "\u0600-\u06ff"
_DEBRIS = {
    "html": ("[<>{};&]|jQuery|function", re.compile(
        r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>\n]{0,300})?/?>"  # a tag
        r"|&(?:[A-Za-z]{2,8}|#[0-9]{2,5});"  # an entity
        r"|/\*[^*]{0,200}\*/"  # a comment
        # a CSS rule: an ASCII selector, then braces around property: value (a Quranic
        # verse quoted in braces is no CSS)
        r"|[#.@]?[A-Za-z_-][A-Za-z0-9_\-\[\]=:#.>,*\"' ]*\{[ \t]*[A-Za-z-]+[ \t]*:[^{}]{0,2000}\}"
        rf"|(?:jQuery|function\s*\(|var\s+[A-Za-z_$][\w$]*\s*=|document\.|window\.)[^\n{_ARABIC}]*"  # JavaScript
    )),
    "email_protection": ("protected", re.compile(r"\[email[ \xa0]protected\]")),
    "url": ("http|www\\.", re.compile(r"(?:https?://|www\.)[^\s<>\"«»]+")),
    "email": ("@", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")),
    "phone": (None, re.compile(
        r"(?i)(?:للتواصل[^\n]{0,40}?)?\bsms\b[\s\S]{0,200}?(?:zain|زين)(?:[\s\S]{0,60}?الرسالة)?"  # subscription block
        r"|\b[0-9]{4,6}[ \xa0]*[-–][ \xa0]*(?:stc|mobily|zain)\b"  # an SMS short code
        r"|(?:\+|\b00)?\b(?:966|0|9200|800)[0-9]{1,3}(?:[ -]?[0-9]{2,4}){2,3}\b"  # a phone number
    )),
    "pager": ("Next|Previous", re.compile(r"\bNext[ \xa0]+Previous\b|\bPrevious[ \xa0]+Next\b")),
    "tags": ("سمات", re.compile(r"سمات(?:[ \xa0]+[^\s]+){1,20}\s*$")),  # after a space: see _debris
}
DEBRIS_KINDS = tuple(_DEBRIS)
"""The kinds of web debris, each a switch of :class:`CleanOptions`."""
_NARROW = {"html": r"</?[A-Za-z]|&(?:[A-Za-z]{2,8}|#[0-9]{2,5});|/\*|\{[ \t]*[A-Za-z-]+[ \t]*:"
                   r"|jQuery|function|var|document\.|window\."}
"""Of the documents a kind's hint picks, Python's regex reads only those this RE2 pattern
matches too: every match of the kind's pattern holds a match of it (a tag's ``<`` and
letter, an entity, a comment's start, a CSS rule's brace and property, a JavaScript word)."""
_FROM_HINT = frozenset({"url", "phone", "pager", "tags"})
"""The kinds of debris whose every match starts at a match of their hint (RE2 reads the
word boundaries of ``phone`` with ASCII word characters, finding a boundary wherever
Python does, and more): no match of their pattern begins before their hint's first."""

_TITLE = "<title>"


@dataclasses.dataclass(frozen=True)
class CleanOptions:
    """What :func:`clean_spans` skips.

    Attributes
    ----------
    boilerplate : learn each source's recurring lines and edges (see the module).
    min_share : the share of a source's documents a line or edge must recur in.
    min_docs : the fewest documents it must recur in.
    html, email_protection, url, email, phone, pager, tags : each kind of web debris.

    Examples
    --------
    >>> CleanOptions(url=False).debris()
    ('html', 'email_protection', 'email', 'phone', 'pager', 'tags')
    """

    boilerplate: bool = True
    min_share: float = 0.03
    min_docs: int = 5
    html: bool = True
    email_protection: bool = True
    url: bool = True
    email: bool = True
    phone: bool = True
    pager: bool = True
    tags: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.min_share <= 1:
            raise ValueError(f"min_share must be above 0 and at most 1, not {self.min_share!r}")
        if not isinstance(self.min_docs, (int, np.integer)) or isinstance(self.min_docs, bool) or self.min_docs < 2:
            raise ValueError(f"min_docs must be a whole number, 2 or more, not {self.min_docs!r}")

    def debris(self) -> tuple[str, ...]:
        """The kinds of debris switched on."""
        return tuple(kind for kind in DEBRIS_KINDS if getattr(self, kind))

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    def describe(self) -> str:
        """The options in one line, for provenance.

        Examples
        --------
        >>> CleanOptions(tags=False).describe()
        'boilerplate (lines and edges in ≥ 3% and ≥ 5 of a source’s documents); debris: html, email_protection, url, email, phone, pager'
        """
        parts = [f"boilerplate (lines and edges in ≥ {self.min_share:.0%} and ≥ {self.min_docs} of a source’s documents)"
                 ] if self.boilerplate else []
        if self.debris():
            parts.append("debris: " + ", ".join(self.debris()))
        return "; ".join(parts) or "nothing"


def _options(options: CleanOptions | dict | bool | None) -> CleanOptions:
    if options is None or options is True:
        return CleanOptions()
    if isinstance(options, CleanOptions):
        return options
    if isinstance(options, dict):
        unknown = set(options) - {f.name for f in dataclasses.fields(CleanOptions)}
        if unknown:
            raise ValueError(f"unknown cleaning option(s) {sorted(unknown)}; "
                             f"known: {', '.join(f.name for f in dataclasses.fields(CleanOptions))}")
        return CleanOptions(**options)
    raise TypeError(f"cleaning options must be a CleanOptions, a dict or True, not {options!r:.80}")


# --------------------------------------------------------------------------- finding spans


def clean_spans(corpus: Corpus | pd.DataFrame, options: CleanOptions | dict | None = None,
                boilerplate: Boilerplate | None = None) -> pd.DataFrame:
    """The spans of each document that counting skips: boilerplate of its source and web debris.

    Parameters
    ----------
    corpus : a Corpus or a documents table (``doc_id``, ``source``, ``text``, and
        ``title``, optional, for the title slot).
    options : a :class:`CleanOptions` (or a dict of its fields); default: everything on.
    boilerplate : what recurs in each source (:func:`learn_boilerplate`), learned from
        more documents than these (all partitions of a corpus); default: learned from these.

    Returns
    -------
    DataFrame
        ``doc_id``, ``start``, ``end`` (character offsets into ``text``), ``kind``
        (``boilerplate`` or a kind of :data:`DEBRIS_KINDS`), ``pattern`` (the recurring
        line or edge as counted, digits as 0 and the title as ``<title>``; for debris,
        its kind). Spans may overlap. Sorted by document order, then ``start``, ``end``
        and ``kind``.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": list("abcde"), "source": ["واس"] * 5,
    ...                      "text": [f"{t}\\n// انتهى //" for t in ("خبر عن الطقس", "مقال عن النفط", "حوار مع الوزير", "تقرير من جدة", "رأي في الدوري")]})
    >>> spans = clean_spans(docs)
    >>> spans[["doc_id", "start", "end", "pattern"]].head(2).values.tolist()
    [['a', 13, 24, '// انتهى //'], ['b', 14, 25, '// انتهى //']]
    >>> docs["text"][0][13:24]
    '// انتهى //'
    """
    options = _options(options)
    docs = as_docs(corpus)
    texts = _text_array(docs)
    parts = []
    # Debris is searched by a second thread while this one learns the boilerplate: its
    # regular-expression passes over all texts (pyarrow) release the Python lock.
    with ThreadPoolExecutor(1) as pool:
        debris = pool.submit(_debris, texts, options.debris()) if options.debris() else None
        if options.boilerplate and len(docs):
            parts.append(_boilerplate(docs, texts, options, boilerplate))
        if debris is not None:
            parts += debris.result()
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return pd.DataFrame({"doc_id": pd.Series(dtype=object), "start": pd.Series(dtype=np.int64),
                             "end": pd.Series(dtype=np.int64), "kind": pd.Series(dtype=object),
                             "pattern": pd.Series(dtype=object)})
    doc = np.concatenate([p[0] for p in parts])
    start = np.concatenate([p[1] for p in parts]).astype(np.int64)
    end = np.concatenate([p[2] for p in parts]).astype(np.int64)
    kind = np.concatenate([p[3] for p in parts])
    pattern = np.concatenate([p[4] for p in parts])
    keep = end > start
    table = pd.DataFrame({"_doc": doc[keep], "start": start[keep], "end": end[keep], "kind": kind[keep],
                          "pattern": pattern[keep]})
    table = table.sort_values(["_doc", "start", "end", "kind"], kind="stable").drop_duplicates(
        ["_doc", "start", "end", "kind"])
    table.insert(0, "doc_id", docs["doc_id"].to_numpy()[table["_doc"].to_numpy()])
    return table.drop(columns="_doc").reset_index(drop=True)


def _text_array(docs: pd.DataFrame) -> pa.Array:
    texts = pa.array(docs["text"], pa.large_string(), from_pandas=True)
    return pc.fill_null(texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts, "")


def _hint(kind: str) -> str:
    hint, pattern = _DEBRIS[kind]
    return pattern.pattern if hint is None else hint


def _debris(texts: pa.Array, kinds: tuple[str, ...]) -> list:
    """Spans of each kind of debris: pyarrow picks the documents (one pass over all texts,
    then one per kind over those picked), Python's regex finds the spans in them, from the
    first match of the kind's hint where every match starts at one (:data:`_FROM_HINT`)."""
    picked = np.flatnonzero(pc.fill_null(pc.match_substring_regex(
        texts, "|".join(f"(?:{_hint(kind)})" for kind in kinds)), False).to_numpy(zero_copy_only=False))
    subset = texts.take(pa.array(picked, pa.int64()))
    parts = []
    for kind in kinds:
        found = pc.fill_null(pc.find_substring_regex(subset, _hint(kind)), -1).to_numpy(zero_copy_only=False)
        mine = np.flatnonzero(found >= 0)
        chosen = subset.take(pa.array(mine, pa.int64()))
        if kind in _NARROW:
            narrow = pc.match_substring_regex(chosen, _NARROW[kind]).to_numpy(zero_copy_only=False)
            mine, chosen = mine[narrow], chosen.filter(pa.array(narrow))
        first = _chars_before(chosen, found[mine]) if kind in _FROM_HINT else np.zeros(len(mine), np.int64)
        pattern = _DEBRIS[kind][1]
        doc, start, end = [], [], []
        for i, at, text in zip(picked[mine].tolist(), first.tolist(), chosen.to_pylist()):
            for m in pattern.finditer(text, at):
                a, b = m.span()
                if kind == "tags" and a and not text[a - 1].isspace():  # سمات as a word of its own
                    continue
                doc.append(i)
                start.append(a)
                end.append(b)
        n = len(doc)
        parts.append((np.asarray(doc, np.int64), np.asarray(start, np.int64), np.asarray(end, np.int64),
                      np.full(n, kind, dtype=object), np.full(n, kind, dtype=object)))
    return parts


def _chars_before(strings: pa.Array, n_bytes: np.ndarray) -> np.ndarray:
    """The characters in the first ``n_bytes`` bytes of each string (UTF-8).

    Examples
    --------
    >>> _chars_before(pa.array(["واس x", "ab"], pa.large_string()), np.array([7, 1])).tolist()
    [4, 1]
    """
    if not len(strings):
        return np.zeros(0, np.int64)
    _, offsets = _byte_views(strings)
    bounds = np.empty(2 * len(strings) + 1, np.int64)
    bounds[0:-1:2], bounds[1::2], bounds[-1] = offsets[:-1], offsets[:-1] + n_bytes, offsets[-1]
    views = pa.LargeStringArray.from_buffers(len(bounds) - 1, pa.py_buffer(bounds), strings.buffers()[2])
    return pc.utf8_length(views).to_numpy(zero_copy_only=False)[0::2].astype(np.int64)


# --------------------------------------------------------------------------- boilerplate
#
# Lines are compared with numpy and pyarrow, never one by one in Python: a line's key is
# its UTF-8 with digit runs (ASCII, Arabic-Indic, Persian) collapsed to one 0, runs of
# whitespace (no-break space included) to one space, trimmed. Edges are sequences of
# the keys' words, compared by a 64-bit polynomial hash of their dictionary codes. Only
# the spans found are located in Python.

_P = np.uint64(1_000_003)
_SLOT = np.uint64(0x9E3779B97F4A7C15)  # stands for the title in a hash
_MAX_LINE_BYTES = 240  # longer lines are paragraphs, not template lines
_HEAD_CHARS = 80  # of a line's start searched for an edge
_TAIL_CHARS = 80  # of a line's end searched for an edge
_LONG_TAIL_CHARS = 320  # of the end of a line that may end with its title
_WORD = re.compile("[^\t\n\x0b\x0c\r \xa0]+")  # the words of a key, as written


def _byte_views(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 bytes of all texts and where each text starts and ends in them."""
    offsets = np.frombuffer(texts.buffers()[1], np.int64)[texts.offset:texts.offset + len(texts) + 1]
    data = np.frombuffer(texts.buffers()[2], np.uint8) if texts.buffers()[2] is not None else np.zeros(0, np.uint8)
    return data, offsets


def _keys(strings: pa.Array) -> pa.Array:
    """Each string as compared: digit runs as one 0, whitespace runs as one space, trimmed."""
    strings = pc.fill_null(strings.cast(pa.large_string()), "")
    if not len(strings):
        return strings
    data, offsets = _byte_views(strings)
    b = data[offsets[0]:offsets[-1]].copy()
    offsets = offsets - offsets[0]
    if not len(b):
        return strings

    def compress(b, offsets, drop):
        dropped = np.flatnonzero(drop)
        return (b, offsets) if not len(dropped) else (b[~drop], offsets - np.searchsorted(dropped, offsets))

    first = np.zeros(len(b) + 1, bool)
    first[offsets[:-1]] = True  # bytes that start a string
    nxt = np.r_[b[1:], 0]
    # Two-byte digits (U+0660-0669, U+06F0-06F9) and no-break spaces become one byte.
    two = ~first[1:] & (((b == 0xD9) & (nxt >= 0xA0) & (nxt <= 0xA9)) | ((b == 0xDB) & (nxt >= 0xB0) & (nxt <= 0xB9)))
    space = ~first[1:] & (b == 0xC2) & (nxt == 0xA0)
    b[two] = 48
    b[space] = 32
    b, offsets = compress(b, offsets, np.r_[False, (two | space)[:-1]])
    b[(b >= 9) & (b <= 13)] = 32
    b[(b >= 48) & (b <= 57)] = 48
    first = np.zeros(len(b) + 1, bool)
    first[offsets[:-1]] = True
    b, offsets = compress(b, offsets, np.r_[False, (b[1:] == b[:-1]) & ((b[1:] == 32) | (b[1:] == 48))] & ~first[:-1])
    lengths = np.diff(offsets)
    has = lengths > 0
    drop = np.zeros(len(b), bool)
    lead, tail = offsets[:-1][has], offsets[1:][has] - 1
    drop[lead[b[lead] == 32]] = True
    drop[tail[b[tail] == 32]] = True
    b, offsets = compress(b, offsets, drop)
    return pa.LargeStringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(b))


def _window(data: pa.Buffer, start: np.ndarray, end: np.ndarray, chars: int, last: bool = False) -> pa.Array:
    """The first (``last``: the last) ``chars`` characters of each string ``data[start:end]``
    (UTF-8), as ``pyarrow.compute.utf8_slice_codeunits`` cuts them, reading no more than
    the 4 × ``chars`` bytes at that end of each string."""
    if not len(start):
        return pa.array([], pa.large_string())
    b = np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8)
    whole = (start, end)
    if last:
        start = np.maximum(start, end - 4 * chars)
    else:
        end = np.minimum(end, start + 4 * chars)
    for _ in range(3 if len(b) else 0):  # off a character's continuation bytes: forward from the start, back from the end
        if last:
            start = start + ((start > whole[0]) & (b[np.minimum(start, len(b) - 1)] & 0xC0 == 0x80))
        else:
            end = end - ((end < whole[1]) & (b[np.minimum(end, len(b) - 1)] & 0xC0 == 0x80))
    bounds = np.empty(2 * len(start) + 1, np.int64)
    bounds[0:-1:2], bounds[1::2], bounds[-1] = start, end, end[-1]
    views = pa.LargeStringArray.from_buffers(len(bounds) - 1, pa.py_buffer(bounds), data)
    views = views.take(pa.array(np.arange(0, len(bounds) - 1, 2)))
    return pc.utf8_slice_codeunits(views, -chars) if last else pc.utf8_slice_codeunits(views, 0, chars)


def _first_words(strings: pa.Array, n: int) -> pa.Array:
    """Each string cut before its word after the ``n``-th, words as :func:`_keys` separates
    them (by runs of whitespace, no-break space included): ``_keys(_first_words(s, n))``
    is the first ``n`` words of ``_keys(s)``, keying only those.

    Examples
    --------
    >>> _first_words(pa.array(["يذكر\xa0أن  الوزارة أعلنت", " واس "], pa.large_string()), 2).to_pylist()
    ['يذكر\xa0أن  ', ' واس ']
    """
    if not len(strings):
        return strings
    data, offsets = _byte_views(strings)
    b = data[offsets[0]:offsets[-1]]
    nbsp = (b[:-1] == 0xC2) & (b[1:] == 0xA0)
    space = ((b >= 9) & (b <= 13)) | (b == 32)
    space[:-1] |= nbsp
    space[1:] |= nbsp
    after = np.r_[True, space]
    after[offsets[:-1] - offsets[0]] = True  # a string's first byte
    starts = np.r_[np.flatnonzero(~np.r_[space, True] & after) + offsets[0], offsets[-1]]  # each word's start, the end
    at = np.minimum(np.searchsorted(starts, offsets[:-1]) + n, len(starts) - 1)  # each string's word after the n-th
    cut = np.minimum(starts[at], offsets[1:])
    bounds = np.empty(2 * len(strings) + 1, np.int64)
    bounds[0:-1:2], bounds[1::2], bounds[-1] = offsets[:-1], cut, offsets[-1]
    views = pa.LargeStringArray.from_buffers(len(bounds) - 1, pa.py_buffer(bounds), strings.buffers()[2])
    return views.take(pa.array(np.arange(0, len(bounds) - 1, 2)))


def _last_word(keys: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """The last word of each key, and how many words each key has.

    Examples
    --------
    >>> words, n = _last_word(pa.array(["وزير الطاقة", "", "واس"], pa.large_string()))
    >>> words.to_pylist(), n.tolist()
    (['الطاقة', '', 'واس'], [2, 0, 1])
    """
    data, offsets = _byte_views(keys)
    spaces = np.flatnonzero(data[offsets[0]:offsets[-1]] == 32) + offsets[0]
    before, last = np.searchsorted(spaces, offsets[:-1]), np.searchsorted(spaces, offsets[1:])
    n = np.where(offsets[1:] > offsets[:-1], last - before + 1, 0)
    start = np.where(last > before, spaces[np.maximum(last - 1, 0)] + 1 if len(spaces) else offsets[:-1], offsets[:-1])
    bounds = np.empty(2 * len(keys) + 1, np.int64)
    bounds[0:-1:2], bounds[1::2], bounds[-1] = start, offsets[1:], offsets[-1]
    views = pa.LargeStringArray.from_buffers(len(bounds) - 1, pa.py_buffer(bounds), keys.buffers()[2])
    return views.take(pa.array(np.arange(0, len(bounds) - 1, 2))), n


def _string_hashes(strings: pa.Array) -> np.ndarray:
    """A 64-bit hash of each string's UTF-8, the same in every process and partition."""
    strings = pc.fill_null(strings.cast(pa.large_string()), "")
    h = np.zeros(len(strings), np.uint64)
    if not len(strings):
        return h
    data, offsets = _byte_views(strings)
    b = data[offsets[0]:offsets[-1]]
    offsets = offsets - offsets[0]
    lengths = np.diff(offsets)
    with np.errstate(over="ignore"):
        if len(b):
            position = np.arange(len(b)) - np.repeat(offsets[:-1], lengths)
            powers = np.cumprod(np.r_[np.uint64(1), np.full(int(position.max()), _P, np.uint64)], dtype=np.uint64)
            filled = np.flatnonzero(lengths)
            h[filled] = np.add.reduceat((b.astype(np.uint64) + np.uint64(1)) * powers[position], offsets[:-1][filled])
        return _mix(h + lengths.astype(np.uint64) * _SLOT)


@dataclasses.dataclass(frozen=True)
class Boilerplate:
    """What recurs in each source's documents, as :func:`learn_boilerplate` counts it.

    Counts of disjoint sets of documents add up (``a + b``), so a corpus read in
    partitions learns the same boilerplate as the corpus read at once
    (:mod:`analysis.scale`).

    Attributes
    ----------
    counts : ``source``, ``key`` (a 64-bit hash of a line, an edge, a last sentence's
        first words or a middle line's first 2 to 4 words, the same in every process), ``docs`` (documents it is found in).
    names : ``source``, ``name`` (a name the source quotes in ``لـ«…»``, "told …": its
        own masthead where it recurs), ``docs``.
    sources : documents per source.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": list("ab"), "source": ["واس"] * 2, "text": ["خبر\\n// انتهى //"] * 2})
    >>> total = learn_boilerplate(docs) + learn_boilerplate(docs)
    >>> int(total.sources["واس"]), int(total.counts["docs"].max())
    (4, 4)
    """

    counts: pd.DataFrame
    names: pd.DataFrame
    sources: pd.Series

    def __add__(self, other: "Boilerplate") -> "Boilerplate":
        counts = pd.concat([self.counts, other.counts], ignore_index=True)
        names = pd.concat([self.names, other.names], ignore_index=True)
        return Boilerplate(
            counts.groupby(["source", "key"], sort=True)["docs"].sum().reset_index(),
            names.groupby(["source", "name"], sort=True)["docs"].sum().reset_index(),
            self.sources.add(other.sources, fill_value=0).astype(np.int64).sort_index())

    @functools.cached_property
    def _keyed(self) -> tuple[pd.Index, np.ndarray, np.ndarray]:
        """The sources; every key (``key * _P + source position``), sorted; the documents
        each is found in."""
        sources = pd.Index(self.sources.index.astype(str))
        at = pd.Categorical(self.counts["source"].astype(str), categories=sources).codes.astype(np.int64)
        with np.errstate(over="ignore"):
            keys = self.counts["key"].to_numpy(np.uint64) * _P + at.astype(np.uint64)
        order = np.argsort(keys)
        return sources, keys[order], self.counts["docs"].to_numpy(np.int64)[order]


def _no_boilerplate() -> Boilerplate:
    return Boilerplate(pd.DataFrame({"source": pd.Series(dtype=object), "key": pd.Series(dtype=np.uint64),
                                     "docs": pd.Series(dtype=np.int64)}),
                       pd.DataFrame({"source": pd.Series(dtype=object), "name": pd.Series(dtype=object),
                                     "docs": pd.Series(dtype=np.int64)}),
                       pd.Series(dtype=np.int64))


def learn_boilerplate(corpus: Corpus | pd.DataFrame) -> Boilerplate:
    """Count what recurs in each source's documents: lines, first and last words of the
    first and last lines, the first words of the last line's last sentence and of the
    middle lines, and the names each source quotes as "told …" (see the module docstring).

    :func:`clean_spans` learns from the documents it cleans unless it is given a
    :class:`Boilerplate`; pass one learned from a whole corpus (the sum of its
    partitions' counts) to clean each partition alike.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": list("abcde"), "source": ["واس"] * 5,
    ...                      "text": [f"{t}\\n// انتهى //" for t in ("خبر عن الطقس", "مقال عن النفط", "حوار مع الوزير", "تقرير من جدة", "رأي في الدوري")]})
    >>> boilerplate = learn_boilerplate(docs.iloc[:3]) + learn_boilerplate(docs.iloc[3:])
    >>> clean_spans(docs, boilerplate=boilerplate).equals(clean_spans(docs))
    True
    """
    docs = as_docs(corpus)
    if not len(docs):
        return _no_boilerplate()
    return _Candidates(docs, _text_array(docs), stable=True).learned()


def _distinct_docs(keyed: np.ndarray, doc: np.ndarray, n_docs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct ``keyed`` values, which of them each is, and in how many distinct documents each is found."""
    distinct, inverse = np.unique(keyed, return_inverse=True)
    n_docs = max(n_docs, 1)
    pairs = sorted_unique(inverse.astype(np.int64) * n_docs + doc)  # each document once
    return distinct, inverse, np.bincount(pairs // n_docs, minlength=len(distinct))


# The tags that keep the kinds of candidates apart in one set of keys.
_LINE, _HEAD, _TAIL, _LAST, _DATED, _INNER = 0, 1, 2, 3, 4, 5
_INNER_RATIO = 0.1
"""A recurring head that closes a document (the first words of its last line or of that
line's last sentence) is template only if fewer documents than this share of its own
open a middle line with the same words: ``يذكر أن`` ("it is worth noting that") ends many
articles but opens paragraphs inside them too (a discourse formula: in 28-40 % as many
on SaudiNewsNet); the head of a related-articles list or a link line never does. First
lines keep their heads (datelines and bylines, which a story pasted inside another
article may repeat in its middle)."""
_INNER_WORDS = 4
"""The longest head of a middle line counted for :data:`_INNER_RATIO`: a closing head of
more words that recurs is a fixed phrase of the template (counting every length would
nearly double what :func:`learn_boilerplate` keeps)."""
_DATELINE_CHARS, _DATELINE_WORDS = 150, 8
_DATELINE_PATTERN = r"(?:[^\n:\-–«»\"]{1,30}?\s*[-–]\s*){1,3}[^\n:\-–«»\"]{1,30}?:"
_DATELINE = r"\A(?P<space>\s*)(?P<line>" + _DATELINE_PATTERN + ")"
_SENTENCE_END_REVERSED = r"[ \xa0\t]+[\"'»”)]*[.!?؟…]"  # a sentence end and a space, read backwards
_QUOTED = "[«\"“”(][ \xa0]*(?:{})[ \xa0]*[»\"”“)]"  # a name quoted, as :func:`_locate_names` finds it
_TOLD = r"(?:^|[\s(\[])لـ? ?[«\"“(](?P<name>[^«»\"“”()\n:،,.]{2,40}?)[»\"”)]"  # لـ«عكاظ», لـ"سبق": "told …"


class _Candidates:
    """Everything :func:`clean_spans` may find in a corpus's documents, keyed for counting:
    whole lines, edges of the first and last lines, the first words of the last line's
    last sentence, quoted names."""

    def __init__(self, docs: pd.DataFrame, texts: pa.Array, stable: bool):
        # stable: keys are hashes of the text, the same in every process (to add up counts
        # of partitions); otherwise dictionary codes of this call (faster).
        self.docs, self.texts, self.stable = docs, texts, stable
        data, text_offsets = _byte_views(texts)
        n = len(texts)
        # Lines, each with its line break: a zero-copy view of the texts.
        breaks = np.flatnonzero(data[text_offsets[0]:text_offsets[-1]] == 10) + text_offsets[0]
        bounds = np.sort(np.r_[text_offsets, breaks + 1], kind="stable")
        bounds = bounds[np.r_[True, bounds[1:] != bounds[:-1]]]
        self.bounds = bounds
        self.segments = segments = pa.LargeStringArray.from_buffers(len(bounds) - 1, pa.py_buffer(bounds), texts.buffers()[2])
        line_start, line_next = bounds[:-1], bounds[1:]
        self.doc = doc = np.searchsorted(text_offsets, line_start, "right") - 1
        has_break = (data[line_next - 1] == 10).astype(np.int64) if len(line_next) else np.zeros(0, np.int64)
        self.with_break = with_break = pc.utf8_length(segments).to_numpy().astype(np.int64)
        total = np.cumsum(with_break) - with_break
        first_line = np.searchsorted(doc, np.arange(n))
        self.char_start = total - total[np.minimum(first_line, max(len(total) - 1, 0))][doc] if len(total) else total
        self.char_end = self.char_start + with_break - has_break
        self.source_names, codes = np.unique(docs["source"].astype(str).to_numpy(), return_inverse=True)
        self.source = codes.astype(np.int64).reshape(-1)
        group = self.source[doc]
        keyed = []  # (tag, row, k, doc, group, key) of every candidate

        # Whole lines.
        n_bytes = line_next - line_start - has_break
        short = np.flatnonzero((n_bytes > 0) & (n_bytes <= _MAX_LINE_BYTES))
        keys = _keys(segments.take(pa.array(short)))
        nonempty = pc.greater(pc.binary_length(keys), 0).to_numpy(zero_copy_only=False)
        self.short, self.line_keys = short[nonempty], keys.filter(pa.array(nonempty))
        keyed.append((_LINE, np.arange(len(self.short)), np.zeros(len(self.short), np.int64),
                      _string_hashes(self.line_keys) if stable else
                      pc.dictionary_encode(self.line_keys).indices.to_numpy().astype(np.uint64)))

        # Edges of the first and last lines with words.
        worded = np.zeros(len(doc), bool)
        worded[self.short] = True
        worded[n_bytes > _MAX_LINE_BYTES] = True
        rows = np.flatnonzero(worded)
        d = doc[rows]
        self.edge = edge = sorted_unique(np.r_[rows[np.r_[True, d[1:] != d[:-1]]], rows[np.r_[d[1:] != d[:-1], True]]]) \
            if len(rows) else np.zeros(0, np.int64)
        self.last = edge[np.r_[doc[edge][1:] != doc[edge][:-1], True]] if len(edge) else edge
        if len(edge):
            keyed += self._edge_keys()
        # Middle lines (neither the first nor the last with words): only their first words
        # are counted, to tell a template's head from a formula that opens paragraphs.
        self.middle = np.setdiff1d(rows, edge, assume_unique=True) if len(rows) else np.zeros(0, np.int64)
        if len(self.last):
            keyed += self._last_sentence_keys()
        keyed.append(self._datelines())
        tag = np.concatenate([np.full(len(r), t, np.int64) for t, r, _, _ in keyed])
        self.row = np.concatenate([r for _, r, _, _ in keyed]).astype(np.int64)
        self.k = np.concatenate([k for _, _, k, _ in keyed]).astype(np.int64)
        key = np.concatenate([h for _, _, _, h in keyed]).astype(np.uint64)
        with np.errstate(over="ignore"):
            self.key = key * _P + (tag * (MAX_EDGE_WORDS + 1) + self.k).astype(np.uint64)
        self.tag = tag
        first_line = np.searchsorted(doc, np.arange(n))
        line_of = {_LINE: self.short, _HEAD: edge, _TAIL: edge, _LAST: self.last[self.last_info["rows"]] if len(self.last) else self.last, _DATED: first_line[self.dateline_doc],
                   _INNER: self.middle}
        self.line = np.concatenate([line_of[t][r] for t, r, _, _ in keyed]).astype(np.int64) if keyed else np.zeros(0, np.int64)
        self.cand_doc = doc[self.line]
        self.cand_group = group[self.line]
        self._told()

    def _window(self, rows: np.ndarray, chars: int, last: bool = False) -> pa.Array:
        """The first (``last``: the last) ``chars`` characters of the lines ``rows``."""
        return _window(self.texts.buffers()[2], self.bounds[rows], self.bounds[rows + 1], chars, last)

    def _edge_keys(self) -> list:
        """Keys of the first and last words (2 to MAX_EDGE_WORDS) of the first and last lines;
        a last line that ends with its document's title has the title as one word, the slot."""
        edge, doc, width = self.edge, self.doc, self.with_break[self.edge]
        m = len(edge)
        head = self._window(edge, _HEAD_CHARS)
        tail = self._window(edge, _TAIL_CHARS, last=True)
        head_keys, tail_keys, title_keys = _keys(head), _keys(tail), _keys(_titles(self.docs, doc[edge]))
        # Stable codes: a head's key is compared with the keys of middle lines' heads.
        # Of a title, only its last word is compared here.
        last_word, n_title = _last_word(title_keys)
        (head_at, tail_at, title_at), (n_head, n_tail, _), codes = _word_codes(head_keys, tail_keys, last_word,
                                                                              stable=True)
        cut_head = (width > _HEAD_CHARS).astype(np.int64)
        cut_tail = (width > _TAIL_CHARS).astype(np.int64)
        maybe = np.flatnonzero((n_title >= 2) & (n_tail >= 1) & (codes[tail_at + n_tail - 1] == codes[title_at]))
        slot = np.zeros(m, bool)
        l_at = l_n = t_n = l_cut = np.zeros(0, np.int64)
        l_codes = codes
        long_keys = long_tail = pa.array([], pa.large_string())
        if len(maybe):
            long_tail = self._window(edge[maybe], _LONG_TAIL_CHARS, last=True)
            long_keys = _keys(long_tail)
            (l_at, t_at), (l_n, t_n), l_codes = _word_codes(long_keys, title_keys.take(pa.array(maybe)),
                                                        stable=self.stable)
            l_cut = (width[maybe] > _LONG_TAIL_CHARS).astype(np.int64)
            upto = int(t_n.max(initial=0))
            fits = (l_n - l_cut >= t_n) & (_hash_from_end(l_codes, t_at + t_n, t_n, upto) ==
                                           _hash_from_end(l_codes, l_at + l_n, np.minimum(t_n, l_n - l_cut), upto))
            maybe, long_keys, long_tail = maybe[fits], long_keys.filter(pa.array(fits)), long_tail.filter(pa.array(fits))
            slot[maybe] = True
            l_at, l_n, t_n, l_cut = l_at[fits], l_n[fits], t_n[fits], l_cut[fits]
        self.edge_info = dict(head=head, tail=tail, head_keys=head_keys, tail_keys=tail_keys, cut_head=cut_head,
                              cut_tail=cut_tail, maybe=maybe, slot=slot, long_keys=long_keys, long_tail=long_tail,
                              t_n=t_n, l_cut=l_cut)
        out = []
        h_head = np.zeros(m, np.uint64)
        h_tail = np.zeros(m, np.uint64)
        h_slot = np.zeros(len(maybe), np.uint64)
        with np.errstate(over="ignore"):
            for k in range(1, MAX_EDGE_WORDS + 1):
                ok = n_head - cut_head >= k
                h_head = np.where(ok, h_head * _P + codes[np.where(ok, head_at + k - 1, -1)], h_head)
                if k >= 2:
                    rows = np.flatnonzero(ok)
                    out.append((_HEAD, rows, np.full(len(rows), k), h_head[rows]))
                ok = (n_tail - cut_tail >= k) & ~slot
                h_tail = np.where(ok, h_tail * _P + codes[np.where(ok, tail_at + n_tail - k, -1)], h_tail)
                key = h_tail.copy()
                if len(maybe):  # the title and the k - 1 words before it
                    before = l_at + l_n - t_n
                    on = (k >= 2) & (l_n - l_cut - t_n >= k - 1)
                    h_slot = np.where(on, h_slot * _P + l_codes[np.where(on, before - (k - 1), -1)], h_slot)
                    ok[maybe] = on if k >= 2 else np.ones(len(maybe), bool)
                    key[maybe] = h_slot * _P + _SLOT
                if k >= 2:
                    rows = np.flatnonzero(ok)
                    out.append((_TAIL, rows, np.full(len(rows), k), key[rows]))
        return out

    def _last_sentence_keys(self) -> list:
        """Keys of the first words of each last line and of its last sentence, where it has
        more than one: a related-articles list, on a line of its own or glued to the last
        sentence (``… نهاية المقال. مقالات أخرى للكاتب …``). The last sentence end is the
        first one in the reversed tail of the line. And keys of the first words of each
        middle line (``_INNER``), hashed alike (see :data:`_INNER_RATIO`)."""
        tail = self._window(self.last, _LONG_TAIL_CHARS, last=True)
        found = pc.find_substring_regex(pc.utf8_reverse(tail), _SENTENCE_END_REVERSED).to_numpy(zero_copy_only=False)
        data, offsets = _byte_views(tail)
        rows = np.flatnonzero(found > 0)
        end = offsets[1:][rows]
        start = end - found[rows]
        # The text after the sentence end, as every other row of one array over the tails' bytes.
        bounds = np.empty(2 * len(rows), np.int64)
        bounds[0::2], bounds[1::2] = start, end
        bounds = np.r_[bounds, end[-1] if len(end) else offsets[0]]
        after = pa.LargeStringArray.from_buffers(len(bounds) - 1, pa.py_buffer(bounds), tail.buffers()[2])
        after = after.take(pa.array(np.arange(0, len(bounds) - 1, 2)))
        # The first words of the last sentence, and of the whole last line: the same list
        # may begin a line of its own.
        # (The last lines' heads are keyed already, as edges.)
        keys = pa.concat_arrays([_keys(pc.utf8_slice_codeunits(after, 0, _HEAD_CHARS)),
                                 self.edge_info["head_keys"].take(pa.array(np.searchsorted(self.edge, self.last)))])
        inner = _keys(_first_words(self._window(self.middle, _HEAD_CHARS), _INNER_WORDS + 1))
        (at, inner_at), (n, inner_n), codes = _word_codes(keys, inner, stable=True)
        # A middle line cut at _HEAD_CHARS: its last word may be cut too.
        inner_n = inner_n - (self.with_break[self.middle] > _HEAD_CHARS)
        rows = np.r_[rows, np.arange(len(self.last))]
        self.last_info = dict(rows=rows, keys=keys, after_chars=np.r_[pc.utf8_length(after).to_numpy().astype(np.int64),
                                                                     self.with_break[self.last]])
        out = []
        for tag, at, n, upto in ((_LAST, at, n, MAX_EDGE_WORDS), (_INNER, inner_at, inner_n, _INNER_WORDS)):
            h = np.zeros(len(at), np.uint64)
            with np.errstate(over="ignore"):
                for k in range(1, upto + 1):
                    ok = n >= k
                    h = np.where(ok, h * _P + codes[np.where(ok, at + k - 1, -1)], h)
                    if k >= 2:
                        picked = np.flatnonzero(ok)
                        out.append((tag, picked, np.full(len(picked), k), h[picked]))
        return out

    def _datelines(self) -> tuple:
        """Documents that begin with a dateline or byline of dash-separated parts ending
        with a colon (``واس- الرياض:``, ``ياسر العتيبي- سبق- الباحة:``), all one key."""
        found = pc.extract_regex(pc.utf8_slice_codeunits(self.texts, 0, _DATELINE_CHARS), _DATELINE)
        valid = pc.is_valid(found).to_numpy(zero_copy_only=False)
        found = found.filter(pa.array(valid))
        line = pc.struct_field(found, "line")
        words = pc.list_value_length(pc.utf8_split_whitespace(line)).to_numpy(zero_copy_only=False)
        short = words <= _DATELINE_WORDS
        self.dateline_doc = np.flatnonzero(valid)[short]
        self.dateline_at = pc.utf8_length(pc.struct_field(found, "space")).to_numpy()[short].astype(np.int64)
        self.dateline_end = self.dateline_at + pc.utf8_length(line).to_numpy()[short].astype(np.int64)
        n = len(self.dateline_doc)
        return _DATED, np.arange(n), np.zeros(n, np.int64), np.zeros(n, np.uint64)

    def _told(self) -> None:
        """The first name each document quotes as "told …" (``لـ«عكاظ»``)."""
        found = pc.extract_regex(self.texts, _TOLD)
        valid = pc.is_valid(found).to_numpy(zero_copy_only=False)
        self.told_doc = np.flatnonzero(valid)
        self.told_name = pc.utf8_trim_whitespace(pc.struct_field(found.filter(pa.array(valid)), "name")).to_numpy(
            zero_copy_only=False).astype(object)

    def learned(self) -> Boilerplate:
        distinct, inverse, docs = _distinct_docs(self.key * _P + self.cand_group.astype(np.uint64), self.cand_doc,
                                                 len(self.docs)) if len(self.key) else (np.zeros(0, np.uint64),) * 3
        first = np.zeros(len(distinct), np.int64)
        first[inverse[::-1]] = np.arange(len(inverse))[::-1]
        sources = pd.Series(np.bincount(self.source, minlength=len(self.source_names)), index=self.source_names)
        return Boilerplate(pd.DataFrame({"source": self.source_names[self.cand_group[first]], "key": self.key[first],
                                         "docs": docs.astype(np.int64)}),
                           self._names(), sources.astype(np.int64))

    def _names(self) -> pd.DataFrame:
        names = pd.DataFrame({"source": self.source_names[self.source[self.told_doc]], "name": self.told_name})
        return names.groupby(["source", "name"], sort=True).size().rename("docs").reset_index().astype({"docs": np.int64})

    def recurring_here(self, options: CleanOptions) -> tuple[np.ndarray, pd.DataFrame]:
        """Which candidates recur in these documents, and the recurring names."""
        n_docs = np.bincount(self.source, minlength=len(self.source_names))
        needed = np.maximum(options.min_docs, np.ceil(options.min_share * n_docs - 1e-9))
        with np.errstate(over="ignore"):
            keyed = self.key * _P + self.cand_group.astype(np.uint64)
        distinct, inverse, docs = _distinct_docs(keyed, self.cand_doc, len(self.docs))
        found = docs[inverse] >= needed[self.cand_group]
        return self._not_formulas(found, docs[inverse], distinct, docs, self.cand_group), \
            _own_names(self._names(), options.min_docs)

    def _not_formulas(self, found: np.ndarray, docs: np.ndarray, keys: np.ndarray, counts: np.ndarray,
                      group: np.ndarray) -> np.ndarray:
        """``found`` without the closing heads that open middle lines too, in at least
        :data:`_INNER_RATIO` as many documents (``docs``: each candidate's; ``keys``, sorted,
        and ``counts``: the documents of each key with its source, ``group``)."""
        closing = np.zeros(len(self.doc), bool)
        closing[self.last] = True
        heads = found & (((self.tag == _HEAD) & closing[self.line]) | (self.tag == _LAST)) & (self.k <= _INNER_WORDS)
        if not heads.any() or not len(keys):
            return found
        step = np.uint64(MAX_EDGE_WORDS + 1)
        with np.errstate(over="ignore"):
            inner = (self.key[heads] + (np.uint64(_INNER) * step - self.tag[heads].astype(np.uint64) * step)) * _P \
                + group[heads].astype(np.uint64)
        at = np.minimum(np.searchsorted(keys, inner), len(keys) - 1)
        inner_docs = np.where(keys[at] == inner, counts[at], 0)
        found = found.copy()
        found[np.flatnonzero(heads)[inner_docs >= _INNER_RATIO * docs[heads]]] = False
        return found

    def found(self, boilerplate: Boilerplate, options: CleanOptions) -> tuple[np.ndarray, pd.DataFrame]:
        """Which candidates recur, as ``boilerplate`` counted them, and the recurring names."""
        sources, keys, counts = boilerplate._keyed
        needed = np.maximum(options.min_docs, np.ceil(options.min_share * boilerplate.sources.to_numpy() - 1e-9))
        mine = sources.get_indexer(self.source_names)[self.cand_group]
        with np.errstate(over="ignore"):
            combined = self.key * _P + mine.astype(np.uint64)
        docs = np.zeros(len(combined), np.int64)
        if len(keys):
            at = np.minimum(np.searchsorted(keys, combined), len(keys) - 1)
            docs = np.where((mine >= 0) & (keys[at] == combined), counts[at], 0)
        found = (mine >= 0) & (docs >= needed[mine])
        return self._not_formulas(found, docs, keys, counts, mine), _own_names(boilerplate.names, options.min_docs)


def _boilerplate(docs: pd.DataFrame, texts: pa.Array, options: CleanOptions, boilerplate: Boilerplate | None):
    """Spans of the lines, edges, last sentences and quoted names that recur in a share of
    one source's documents (counted in ``boilerplate``, or in ``docs`` themselves)."""
    c = _Candidates(docs, texts, stable=boilerplate is not None)
    found, names = c.recurring_here(options) if boilerplate is None else c.found(boilerplate, options)
    spans = []

    # Whole lines.
    rows = c.row[found & (c.tag == _LINE)]
    lines = c.short[rows]
    recurring = np.zeros(len(c.doc), bool)
    recurring[lines] = True
    spans.append((c.doc[lines], c.char_start[lines], c.char_end[lines],
                  np.asarray(c.line_keys.take(pa.array(rows, pa.int64())).to_pylist(), dtype=object)))

    # The longest recurring edge of each side of a first or last line, and the first words
    # of a last sentence, unless the whole line recurs.
    def longest(tag, size):
        best = np.zeros(size, np.int64)
        on = found & (c.tag == tag)
        np.maximum.at(best, c.row[on], c.k[on])
        return best

    if len(c.edge):
        spans.append(_locate_edges(c, {"start": longest(_HEAD, len(c.edge)), "end": longest(_TAIL, len(c.edge))},
                                   recurring))
    if len(c.last):
        last = longest(_LAST, len(c.last_info["rows"]))
        if len(c.edge):
            spans[-1], lines = _locate_last_lines(c, last, recurring, spans[-1])
            spans.append(lines)
        spans.append(_locate_last_sentences(c, last, recurring))
    if len(names):
        spans.append(_locate_names(c, names))
    dated = c.row[found & (c.tag == _DATED)]
    spans.append((c.dateline_doc[dated], c.dateline_at[dated], c.dateline_end[dated],
                  np.full(len(dated), "dateline … – … :", dtype=object)))
    spans = [s for s in spans if len(s[0])]
    if not spans:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, dtype=object), \
            np.zeros(0, dtype=object)
    d = np.concatenate([s[0] for s in spans])
    return (d, np.concatenate([s[1] for s in spans]), np.concatenate([s[2] for s in spans]),
            np.full(len(d), "boilerplate", dtype=object), np.concatenate([s[3] for s in spans]))


def _no_spans():
    return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, dtype=object)


def _as_spans(out: list):
    if not out:
        return _no_spans()
    d, a, z, p = zip(*out)
    return np.asarray(d, np.int64), np.asarray(a, np.int64), np.asarray(z, np.int64), np.asarray(p, dtype=object)


def _locate_edges(c: _Candidates, longest: dict, recurring: np.ndarray):
    """Where each edge found is, in the line as written (only those rows, in Python)."""
    e = c.edge_info
    edge, width, maybe, slot = c.edge, c.with_break[c.edge], e["maybe"], e["slot"]
    slot_row = dict(zip(maybe.tolist(), range(len(maybe))))
    out = []
    for side in ("start", "end"):
        rows = np.flatnonzero((longest[side] > 0) & ~recurring[edge])
        if not len(rows):
            continue
        plain = rows if side == "start" else rows[~slot[rows]]
        keys, window = (e["head_keys"], e["head"]) if side == "start" else (e["tail_keys"], e["tail"])
        found = dict(zip(plain.tolist(), zip(keys.take(pa.array(plain)).to_pylist(), window.take(pa.array(plain)).to_pylist())))
        if side == "end" and slot[rows].any():
            picked = np.array([slot_row[j] for j in rows[slot[rows]].tolist()])
            found.update(zip(rows[slot[rows]].tolist(), zip(e["long_keys"].take(pa.array(picked)).to_pylist(),
                                                            e["long_tail"].take(pa.array(picked)).to_pylist())))
        for j in rows.tolist():
            key, text = found[j]
            k, i = int(longest[side][j]), int(edge[j])
            words = key.split(" ")
            spans = [s.span() for s in _WORD.finditer(text)]
            if len(spans) != len(words):
                continue
            if side == "start":
                a, z = 0, spans[k - 1][1]
                pattern = " ".join(words[:k]) + " …"
                n_words = len(words) + e["cut_head"][j] * 99
            else:
                titled = int(e["t_n"][slot_row[j]]) if slot[j] else 0
                first = len(words) - titled - (k - bool(slot[j]))
                offset = int(width[j]) - len(text)  # where the window starts in the line
                a, z = offset + spans[first][0], offset + spans[-1][1]
                pattern = "… " + " ".join(words[first:len(words) - titled]) + (" " + _TITLE if slot[j] else "")
                n_words = len(words) - titled + bool(slot[j]) + (e["l_cut"][slot_row[j]] if slot[j] else e["cut_tail"][j]) * 99
            whole = 2 * k > n_words  # most of the line: all of it
            a, z = (c.char_start[i], c.char_end[i]) if whole else (c.char_start[i] + a, c.char_start[i] + z)
            out.append((c.doc[i], a, z, pattern.strip()))
    return _as_spans(out)


def _locate_last_lines(c: _Candidates, longest: np.ndarray, recurring: np.ndarray, edges: tuple):
    """A whole last line whose first words recur (a related-articles list on a line of its
    own, ``مقالات أخرى للكاتب …`` with its titles), unless it recurs whole, an edge found
    already skips all of it, or it is its document's only line (its article). Returns
    ``edges`` without those inside the lines skipped, and the lines' spans; every line
    skipped is marked in ``recurring``."""
    edge_doc = c.doc[c.edge]
    only = c.edge[np.r_[True, edge_doc[1:] != edge_doc[:-1]]] == c.last  # a document of one line with words
    first = len(c.last_info["rows"]) - len(c.last)  # the keys of whole last lines follow those of last sentences
    on = np.flatnonzero((longest[first:] > 0) & ~only & ~recurring[c.last])
    doc, a, z, pattern = edges
    line_of_doc = np.full(len(c.docs), -1, np.int64)
    line_of_doc[c.doc[c.last[on]]] = c.last[on]
    at = line_of_doc[doc]  # the line of the edge's document that may be skipped; -1: none
    inside = (at >= 0) & (a >= c.char_start[at])
    whole = inside & (a == c.char_start[at]) & (z == c.char_end[at])
    on = on[~np.isin(c.doc[c.last[on]], doc[whole])]
    drop = inside & np.isin(doc, c.doc[c.last[on]])
    lines = c.last[on]
    recurring[lines] = True
    keys = c.last_info["keys"].take(pa.array(first + on, pa.int64())).to_pylist()
    patterns = [" ".join(key.split(" ")[:k]) + " …" for key, k in zip(keys, longest[first + on].tolist())]
    return (doc[~drop], a[~drop], z[~drop], pattern[~drop]), \
        (c.doc[lines], c.char_start[lines], c.char_end[lines], np.asarray(patterns, dtype=object))


def _locate_last_sentences(c: _Candidates, longest: np.ndarray, recurring: np.ndarray):
    """The last sentence of a last line, from its recurring first words (counted with the
    first words of every last line) to the line's end."""
    info = c.last_info
    on = np.flatnonzero(longest[:len(info["rows"]) - len(c.last)] > 0)  # last sentences; whole lines only count
    lines = c.last[info["rows"][on]]
    on, lines = on[~recurring[lines]], lines[~recurring[lines]]
    if not len(on):
        return _no_spans()
    start = c.char_start[lines] + c.with_break[lines] - info["after_chars"][on]
    words = [key.split(" ") for key in info["keys"].take(pa.array(on)).to_pylist()]
    patterns = ["… " + " ".join(w[:k]) + " …" for w, k in zip(words, longest[on].tolist())]
    return c.doc[lines], start, c.char_end[lines], np.asarray(patterns, dtype=object)


def _locate_names(c: _Candidates, names: pd.DataFrame):
    """Every quoted occurrence of a source's own name (``«عكاظ»``, ``"سبق"``): one RE2 pass
    over all texts picks the documents quoting any of the names, Python's regex finds the
    spans in those of each name's source."""
    sources = names["source"].astype(str).to_numpy()
    codes = np.searchsorted(c.source_names, sources)
    known = (codes < len(c.source_names)) & (c.source_names[np.minimum(codes, len(c.source_names) - 1)] == sources)
    if not known.any():
        return _no_spans()
    escaped = [re.escape(name) for name in names["name"].to_numpy()[known].tolist()]
    picked = np.flatnonzero(pc.fill_null(pc.match_substring_regex(
        c.texts, _QUOTED.format("|".join(escaped))), False).to_numpy(zero_copy_only=False))
    out = []
    for code, name, pattern in zip(codes[known].tolist(), names["name"].to_numpy()[known].tolist(), escaped):
        quoted = re.compile(_QUOTED.format(pattern))
        mine = picked[c.source[picked] == code]
        for i, text in zip(mine.tolist(), c.texts.take(pa.array(mine, pa.int64())).to_pylist()):
            for m in quoted.finditer(text):
                out.append((i, m.start(), m.end(), "«" + name + "» (the source's own name)"))
    return _as_spans(out)


def _own_names(names: pd.DataFrame, min_docs: int) -> pd.DataFrame:
    """Each source's own name: the name it quotes as "told …" most, in at least
    ``min_docs`` of its documents and more than twice as many as any other name."""
    ranked = names.sort_values(["source", "docs", "name"], ascending=[True, False, True], kind="stable")
    top = ranked.groupby("source", sort=True).head(2)
    second = top.groupby("source")["docs"].nth(1)
    first = top.groupby("source", sort=True).head(1).reset_index(drop=True)
    runner_up = first["source"].map(pd.Series(second.to_numpy(), index=top.loc[second.index, "source"])).fillna(0)
    keep = (first["docs"] >= min_docs) & (first["docs"] > 2 * runner_up)
    return first.loc[keep, ["source", "name", "docs"]].reset_index(drop=True)


def _titles(docs: pd.DataFrame, rows: np.ndarray) -> pa.Array:
    """The titles of the documents ``rows`` as the texts show them (scraped titles keep
    HTML entities: &#8220; for “); empty where there is none."""
    if "title" not in docs.columns:
        return pa.array([""] * len(rows), pa.large_string())
    titles = docs["title"].astype(object).where(docs["title"].notna(), "").astype(str).to_numpy()[rows]
    return pa.array([html.unescape(t) if "&" in t else t for t in titles.tolist()], pa.large_string())


def _word_codes(*keys: pa.Array, stable: bool) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """For each array of keys: where each key's words start among the codes and how many
    it has (0 for an empty key); and the codes of all their words in one dictionary
    (``stable``: a hash of the word, the same in every process; otherwise from 1; the
    last code, 0, is no word)."""
    every = pa.concat_arrays(list(keys))
    words = pc.split_pattern(every, " ")
    offsets = words.offsets.to_numpy().astype(np.int64)
    count = np.where(pc.binary_length(every).to_numpy() > 0, np.diff(offsets), 0)
    encoded = pc.dictionary_encode(words.flatten())
    indices = encoded.indices.to_numpy()
    codes = np.r_[_string_hashes(encoded.dictionary)[indices] if stable else indices.astype(np.uint64) + np.uint64(1),
                  np.uint64(0)]
    bounds = np.cumsum([0] + [len(k) for k in keys])
    return ([offsets[a:b] for a, b in zip(bounds[:-1], bounds[1:])],
            [count[a:b] for a, b in zip(bounds[:-1], bounds[1:])], codes)


def _hash_from_end(codes: np.ndarray, end: np.ndarray, n: np.ndarray, upto: int) -> np.ndarray:
    """The hash of the last ``n`` words before ``end`` (``n`` ≤ ``upto``), as :func:`_edges` hashes edges from the end."""
    h = np.zeros(len(end), np.uint64)
    with np.errstate(over="ignore"):
        for j in range(1, upto + 1):
            on = n >= j
            h = np.where(on, h * _P + codes[np.where(on, end - j, -1)], h)
    return h


# --------------------------------------------------------------------------- the corpus and its cleaned text


def clean_corpus(corpus: Corpus, options: CleanOptions | dict | None = None,
                 boilerplate: Boilerplate | None = None) -> Corpus:
    """The corpus with its cleaning: ``corpus.cleaning`` (the :func:`clean_spans` table) and
    ``corpus.clean_options``. :func:`analysis.corpus.load_corpus` calls it (``clean=``);
    ``boilerplate`` is passed to :func:`clean_spans`.

    Examples
    --------
    >>> from analysis.corpus import load_corpus
    >>> corpus = clean_corpus(load_corpus(clean=False), CleanOptions(boilerplate=False))
    >>> corpus.clean_options.boilerplate, list(corpus.cleaning.columns)
    (False, ['doc_id', 'start', 'end', 'kind', 'pattern'])
    """
    options = _options(options)
    return dataclasses.replace(corpus, cleaning=clean_spans(corpus, options, boilerplate), clean_options=options)


def cleaned_texts(texts: pd.Series, doc_ids: pd.Series, spans: pd.DataFrame) -> pd.Series:
    """``texts`` with every character of ``spans`` replaced by a space (line breaks kept).

    Only the texts with a span are read into Python and put back; the others stay as they are.

    Examples
    --------
    >>> spans = pd.DataFrame({"doc_id": ["a"], "start": [3], "end": [11]})
    >>> cleaned_texts(pd.Series(["خبر\\n// انتهى //"]), pd.Series(["a"]), spans).tolist()
    ['خبر\\n       ى //']
    """
    if not len(spans) or not len(texts):
        return texts.copy()
    position = pd.Index(doc_ids.astype(str)).get_indexer(spans["doc_id"].astype(str))
    mine = position >= 0
    if not mine.any():
        return texts.copy()
    at = position[mine]
    order = np.lexsort((spans["start"].to_numpy()[mine], at))
    at, start, end = at[order], spans["start"].to_numpy()[mine][order], spans["end"].to_numpy()[mine][order]
    bounds = np.flatnonzero(np.r_[True, at[1:] != at[:-1], True])
    rows = at[bounds[:-1]]
    written = texts.iloc[rows].tolist()
    blanked = []
    for text, lo, hi in zip(written, bounds[:-1].tolist(), bounds[1:].tolist()):
        if not isinstance(text, str):
            blanked.append(text)
            continue
        pieces, last = [], 0
        for a, b in zip(start[lo:hi].tolist(), end[lo:hi].tolist()):
            a = max(a, last)
            if b <= a:
                continue
            pieces.append(text[last:a])
            skipped = text[a:b]
            pieces.append(" " * len(skipped) if "\n" not in skipped else re.sub(r"[^\n]", " ", skipped))
            last = b
        pieces.append(text[last:])
        blanked.append("".join(pieces))
    out = texts.copy()
    out.iloc[rows] = blanked
    return out


def cleaned_docs(corpus: Corpus | pd.DataFrame, clean: bool = True) -> pd.DataFrame:
    """The documents table the counting functions read: ``text`` with the corpus's cleaning skipped.

    A Corpus cleaned by :func:`clean_corpus` (as :func:`analysis.corpus.load_corpus`
    does by default) gives its documents with each skipped span blanked (offsets kept);
    ``clean=False``, a Corpus loaded with ``clean=False`` or a plain DataFrame gives the
    documents as they are.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": list("abcde"), "source": ["واس"] * 5,
    ...                      "text": [f"{t}\\n// انتهى //" for t in ("خبر عن الطقس", "مقال عن النفط", "حوار مع الوزير", "تقرير من جدة", "رأي في الدوري")]})
    >>> corpus = clean_corpus(Corpus(docs=docs, report=None))
    >>> cleaned_docs(corpus)["text"][0].strip(), cleaned_docs(corpus, clean=False)["text"][0][-11:]
    ('خبر عن الطقس', '// انتهى //')
    """
    docs = as_docs(corpus)
    spans = getattr(corpus, "cleaning", None)
    if not clean or spans is None or not len(spans):
        return docs
    return docs.assign(text=cleaned_texts(docs["text"], docs["doc_id"], spans))


# --------------------------------------------------------------------------- what was removed


def cleaning_summary(corpus: Corpus, by: str = "source") -> pd.DataFrame:
    """What cleaning removed from each source: documents touched and tokens before and after.

    Returns
    -------
    DataFrame
        ``source`` (or the ``by`` column), ``docs``, ``docs_cleaned`` (with at least one
        span skipped), ``spans``, ``tokens_before``, ``tokens_after`` (what the counting
        functions count), ``token_share_removed``; sorted by ``by``.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": list("abcde"), "source": ["واس"] * 5,
    ...                      "text": [f"{t}\\n// انتهى //" for t in ("خبر عن الطقس", "مقال عن النفط", "حوار مع الوزير", "تقرير من جدة", "رأي في الدوري")]})
    >>> cleaning_summary(clean_corpus(Corpus(docs=docs, report=None)))[["docs_cleaned", "tokens_before", "tokens_after"]].values.tolist()
    [[5, 20, 15]]
    """
    docs = as_docs(corpus)
    spans = getattr(corpus, "cleaning", None)
    spans = spans if spans is not None else pd.DataFrame(columns=SPAN_COLUMNS)
    mine = spans[spans["doc_id"].isin(docs["doc_id"])]
    touched = docs["doc_id"].isin(mine["doc_id"]).to_numpy()
    before, after = _tokens_before_and_after(corpus, touched)
    n_spans = docs["doc_id"].map(mine["doc_id"].value_counts()).fillna(0).astype(np.int64)
    table = pd.DataFrame({by: docs[by].to_numpy(), "docs": 1, "docs_cleaned": touched.astype(np.int64),
                          "spans": n_spans.to_numpy(), "tokens_before": before, "tokens_after": after})
    table = table.groupby(by, sort=True).sum().reset_index()
    table["token_share_removed"] = 1 - table["tokens_after"] / table["tokens_before"].where(table["tokens_before"] > 0)
    return table


def _tokens_before_and_after(corpus: Corpus, touched: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Tokens of each document as written and as counted (cleaning skipped), ``touched`` saying
    which documents cleaning skipped something in: the others' texts are counted as written, so
    only the touched ones are tokenized as written (the counted tokens are the corpus's stored ones where it has them)."""
    from analysis.chunks import token_counts
    from analysis.terms import doc_token_counts

    after = doc_token_counts(corpus)
    before = after.copy()
    if touched.any():
        before[touched] = token_counts(as_docs(corpus)["text"][touched])
    return before, after


def boilerplate_patterns(corpus: Corpus, top: int = 10, by: str = "source") -> pd.DataFrame:
    """The patterns cleaning removed most from each source, with how many documents and tokens they cover.

    Returns
    -------
    DataFrame
        ``source`` (or ``by``), ``kind``, ``pattern``, ``docs`` (documents with the
        pattern), ``doc_share`` (of the source's documents), ``tokens`` (tokens in its
        spans) and ``token_share`` (of the source's tokens, as written); the ``top``
        patterns of each source by tokens, then documents, then pattern.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": list("abcde"), "source": ["واس"] * 5,
    ...                      "text": [f"{t}\\n// انتهى //" for t in ("خبر عن الطقس", "مقال عن النفط", "حوار مع الوزير", "تقرير من جدة", "رأي في الدوري")]})
    >>> boilerplate_patterns(clean_corpus(Corpus(docs=docs, report=None)))[["pattern", "docs", "doc_share", "tokens"]].values.tolist()
    [['// انتهى //', 5, 1.0, 5]]
    """
    from analysis.text import TOKEN_PATTERN

    if top < 1:
        raise ValueError(f"top must be at least 1, not {top!r}")
    docs = as_docs(corpus)
    spans = getattr(corpus, "cleaning", None)
    spans = spans if spans is not None else pd.DataFrame(columns=SPAN_COLUMNS)
    meta = docs.set_index(docs["doc_id"].astype(str))
    spans = spans[spans["doc_id"].astype(str).isin(meta.index)]
    columns = [by, "kind", "pattern", "docs", "doc_share", "tokens", "token_share"]
    if not len(spans):
        return pd.DataFrame(columns=columns)
    doc_ids = spans["doc_id"].astype(str)
    texts = meta.loc[doc_ids, "text"].tolist()
    tokens = [len(TOKEN_PATTERN.findall(t[a:b])) for t, a, b in zip(texts, spans["start"].tolist(), spans["end"].tolist())]
    table = pd.DataFrame({by: meta.loc[doc_ids, by].to_numpy(), "kind": spans["kind"].to_numpy(),
                          "pattern": spans["pattern"].to_numpy(), "doc_id": doc_ids.to_numpy(), "tokens": tokens})
    grouped = table.groupby([by, "kind", "pattern"], sort=True).agg(docs=("doc_id", "nunique"), tokens=("tokens", "sum"))
    grouped = grouped.reset_index()
    n_docs = docs.groupby(by).size()
    written, _ = _tokens_before_and_after(corpus, docs["doc_id"].isin(spans["doc_id"]).to_numpy())
    n_tokens = pd.Series(written, index=docs.index).groupby(docs[by]).sum()
    grouped["doc_share"] = grouped["docs"] / grouped[by].map(n_docs)
    grouped["token_share"] = grouped["tokens"] / grouped[by].map(n_tokens)
    grouped = grouped.sort_values([by, "tokens", "docs", "pattern"], ascending=[True, False, False, True], kind="stable")
    return grouped.groupby(by, sort=False).head(top)[columns].reset_index(drop=True)
