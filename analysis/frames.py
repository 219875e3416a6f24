"""Find lexicon terms in documents (clitic-aware, auditable hits), count them by document and group, and read them in context."""

from __future__ import annotations

import bisect
import dataclasses
from functools import lru_cache

import numpy as np
import pandas as pd

from analysis.chunks import TokenVocabulary, ragged_gather, take_texts, text_array, token_offsets
from analysis.corpus import Corpus, as_docs, doc_metadata, group_keys, select_copies
from analysis.lexicon import Lexicon, load_lexicon, term_words
from analysis.text import SENTENCE_END, NormalizeOptions, normalize, token_spans

__all__ = [
    "frame_matches",
    "doc_frame_counts",
    "aggregate_frame_counts",
    "count_frames",
    "actor_frame_counts",
    "count_matched_terms",
    "match_context",
    "CONJUNCTIONS",
    "PREPOSITIONS",
    "ARTICLE",
    "ENCLITICS",
]

CONJUNCTIONS = ("و", "ف")
PREPOSITIONS = ("ب", "ك", "ل")
ARTICLE = "ال"
ENCLITICS = ("ه", "ها", "هما", "هم", "هن", "ك", "كما", "كم", "كن", "نا", "ي")
_TANWEEN_ALEF = "ا"
_NO_TANWEEN_AFTER = ("ا", "ء", "ى")
_TEH = "ت"


# --------------------------------------------------------------------------- compiling terms


@dataclasses.dataclass(frozen=True)
class _Pattern:
    frame: int
    term: str
    words: tuple[str, ...]
    wildcard: bool
    exclude: bool


def _with_proclitics(word: str) -> dict[str, bool]:
    """Every proclitic form of ``word`` and whether it carries the article."""
    native = word.startswith(ARTICLE)
    forms = {}
    for conj in ("", *CONJUNCTIONS):
        for prep in ("", *PREPOSITIONS):
            forms.setdefault(conj + prep + word, native)
            forms[conj + ("لل" if prep == "ل" else prep + ARTICLE) + word] = True
            if native and prep == "ل":
                forms[conj + "ل" + word[1:]] = True
    return forms


def _with_suffixes(word: str, marbuta: str) -> list[str]:
    """``word`` alone, with each enclitic (ة written ت) and with the tanween alef."""
    stems = [word]
    if word.endswith(marbuta):
        # With the teh_marbuta option ة is written ه, so a final ه may also be a plain ه.
        stems = [word[: -len(marbuta)] + _TEH] + ([word] if marbuta != "ة" else [])
    forms = [word] + [stem + enclitic for stem in stems for enclitic in ENCLITICS]
    if not word.endswith((marbuta, *_NO_TANWEEN_AFTER)):
        forms.append(word + _TANWEEN_ALEF)
    return forms


def _position_forms(words: tuple[str, ...], k: int, marbuta: str) -> set[str]:
    """The token forms that match word ``k`` of a term of ``len(words)`` words."""
    word, first, last = words[k], k == 0, k == len(words) - 1
    if not last:
        return set(_with_proclitics(word)) if first else {word}
    suffixed = [word] if word.startswith(ARTICLE) else _with_suffixes(word, marbuta)
    if not first:
        return set(suffixed)
    forms = set()
    for form, definite in _with_proclitics(word).items():
        prefix = form[: len(form) - len(word)]
        forms.update([form] if definite else (prefix + s for s in suffixed))
    return forms


@dataclasses.dataclass(frozen=True)
class _Matcher:
    patterns: tuple[_Pattern, ...]
    forms: dict[str, list[tuple[int, int]]]  # token form -> (pattern, word position)
    prefixes: dict[str, list[tuple[int, int]]]  # wildcard token prefix -> (pattern, position)
    rank: np.ndarray  # priority of each pattern within its frame (lower wins)


@lru_cache(maxsize=16)
def _compile(lexicon: Lexicon, options: NormalizeOptions) -> _Matcher:
    marbuta = normalize("ة", options)
    patterns = [
        _Pattern(f, term, *term_words(term, options), exclude)
        for f, frame in enumerate(lexicon.frames)
        for exclude, terms in ((False, frame.terms), (True, frame.exclude))
        for term in terms
    ]
    empty = [pattern.term for pattern in patterns if not pattern.words]
    if empty:
        raise ValueError(f"{lexicon.name}: term(s) {empty} have no word left with normalization options {options}")
    forms: dict[str, list[tuple[int, int]]] = {}
    prefixes: dict[str, list[tuple[int, int]]] = {}
    for p, pattern in enumerate(patterns):
        n = len(pattern.words)
        for k in range(n):
            if pattern.wildcard and k == n - 1:
                heads = _with_proclitics(pattern.words[k]) if n == 1 else [pattern.words[k]]
                for head in heads:
                    prefixes.setdefault(head, []).append((p, k))
            else:
                for form in _position_forms(pattern.words, k, marbuta):
                    forms.setdefault(form, []).append((p, k))
    order = sorted(
        range(len(patterns)),
        key=lambda p: (-len(patterns[p].words), patterns[p].wildcard, -len("".join(patterns[p].words)), p),
    )
    rank = np.empty(len(patterns), dtype=np.int64)
    rank[order] = np.arange(len(patterns))
    return _Matcher(tuple(patterns), forms, prefixes, rank)


def _as_options(options: NormalizeOptions | dict | None) -> NormalizeOptions:
    if options is None:
        return NormalizeOptions()
    if isinstance(options, dict):
        return NormalizeOptions(**options)
    if isinstance(options, NormalizeOptions):
        return options
    raise ValueError(f"options must be NormalizeOptions, a dict or None, not {type(options).__name__}")


# --------------------------------------------------------------------------- tokens


@dataclasses.dataclass(frozen=True)
class _Tokens:
    codes: np.ndarray  # normalized-token code of every token, documents one after another
    offsets: np.ndarray  # first token of each document, plus the total
    vocabulary: list[str]  # normalized token of each code


def _scan(docs: pd.DataFrame, options: NormalizeOptions) -> _Tokens:
    """Tokenize every text once (:mod:`analysis.chunks`) and code its tokens by their casefolded form.

    Codes are int32 and gathered batch by batch, so memory holds 4 bytes per token of the corpus.
    """
    texts = text_array(docs["text"])
    vocabulary = TokenVocabulary(options)
    folded: dict[str, int] = {}  # casefolded form -> code, in order of first appearance
    fold = np.zeros(0, np.int32)  # code of each term id of the vocabulary
    parts, lengths = [], np.zeros(len(texts), np.int64)
    for start, stop, terms, doc in vocabulary.tokens(texts):
        if len(vocabulary.terms) > len(fold):  # no token holds a tab: the new terms are casefolded in one call
            new = "\t".join(vocabulary.terms[len(fold):]).casefold().split("\t")
            fold = np.concatenate([fold, np.array([folded.setdefault(f, len(folded)) for f in new], np.int32)])
        parts.append(fold[terms])
        lengths[start:stop] = np.bincount(doc, minlength=stop - start)
    codes = np.concatenate(parts) if parts else np.zeros(0, np.int32)
    return _Tokens(codes, np.concatenate([[0], np.cumsum(lengths)]), list(folded))


# --------------------------------------------------------------------------- matching


@dataclasses.dataclass(frozen=True)
class _Hits:
    pos: np.ndarray  # first token (global index)
    size: np.ndarray  # number of tokens
    pattern: np.ndarray
    frame: np.ndarray


def _vocabulary_matches(vocabulary: list[str], matcher: _Matcher) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(token code, pattern, word position) for every distinct token and pattern word it matches."""
    lengths = sorted({len(head) for head in matcher.prefixes})
    rows = []
    for code, token in enumerate(vocabulary):
        for p, k in matcher.forms.get(token, ()):
            rows.append((code, p, k))
        for n in lengths:
            for p, k in matcher.prefixes.get(token[:n], ()) if len(token) >= n else ():
                rows.append((code, p, k))
    table = np.array(rows, dtype=np.int64).reshape(-1, 3)
    return table[:, 0], table[:, 1], table[:, 2]


def _candidates(tokens: _Tokens, matcher: _Matcher) -> _Hits:
    """Every place where all words of a pattern match, before overlaps are resolved."""
    codes, offsets = tokens.codes, tokens.offsets
    u, p, k = _vocabulary_matches(tokens.vocabulary, matcher)
    sizes = np.array([len(pt.words) for pt in matcher.patterns], dtype=np.int64)
    frames = np.array([pt.frame for pt in matcher.patterns], dtype=np.int64)
    first = k == 0
    order = np.argsort(u[first], kind="stable")
    first_u, first_p = u[first][order], p[first][order]
    is_first = np.zeros(len(tokens.vocabulary), dtype=bool)
    is_first[first_u] = True
    pos = np.flatnonzero(is_first[codes]) if len(codes) else np.zeros(0, np.int64)
    lo = np.searchsorted(first_u, codes[pos], "left")
    counts = np.searchsorted(first_u, codes[pos], "right") - lo
    pos, pattern = np.repeat(pos, counts), first_p[ragged_gather(lo, counts)]
    size = sizes[pattern]
    doc_end = offsets[np.searchsorted(offsets, pos, "right")]
    keep = pos + size <= doc_end
    n_codes, n_words = max(len(tokens.vocabulary), 1), int(sizes.max(initial=1))
    allowed = np.unique((p * n_words + k) * n_codes + u)
    for j in range(1, n_words):
        check = keep & (size > j)
        at = np.minimum(pos[check] + j, len(codes) - 1)
        keep[check] = np.isin((pattern[check] * n_words + j) * n_codes + codes[at], allowed)
    return _Hits(pos[keep], size[keep], pattern[keep], frames[pattern[keep]])


def _select(hits: _Hits, mask: np.ndarray) -> _Hits:
    return _Hits(hits.pos[mask], hits.size[mask], hits.pattern[mask], hits.frame[mask])


def _drop_excluded(hits: _Hits, excluded: _Hits) -> _Hits:
    """Hits that do not lie inside an exclude match of their own frame."""
    inside = np.zeros(len(hits.pos), dtype=bool)
    for frame in np.unique(excluded.frame):
        ex = _select(excluded, excluded.frame == frame)
        order = np.argsort(ex.pos, kind="stable")
        starts, reach = ex.pos[order], np.maximum.accumulate((ex.pos + ex.size)[order])
        mine = np.flatnonzero(hits.frame == frame)
        j = np.searchsorted(starts, hits.pos[mine], "right") - 1
        inside[mine] = (j >= 0) & (reach[np.maximum(j, 0)] >= hits.pos[mine] + hits.size[mine])
    return _select(hits, ~inside)


def _resolve_overlaps(hits: _Hits, rank: np.ndarray) -> _Hits:
    """Keep one hit per frame and token: longest first, then by pattern rank, then position."""
    order = np.lexsort((hits.pos, rank[hits.pattern], -hits.size, hits.frame))
    hits = _select(hits, order)
    keep = np.ones(len(hits.pos), dtype=bool)
    covered: set[tuple[int, int]] = set()
    for i in np.flatnonzero(hits.size > 1):
        span = [(hits.frame[i], t) for t in range(hits.pos[i], hits.pos[i] + hits.size[i])]
        if covered.isdisjoint(span):
            covered.update(span)
        else:
            keep[i] = False
    single = np.flatnonzero(hits.size == 1)
    if covered:
        keep[single] = [(f, t) not in covered for f, t in zip(hits.frame[single], hits.pos[single])]
    single = single[keep[single]]
    key = hits.frame[single] * (int(hits.pos.max(initial=0)) + 1) + hits.pos[single]
    _, first = np.unique(key, return_index=True)  # single hits are in rank order within a token
    keep[single] = False
    keep[single[first]] = True
    return _select(hits, keep)


def _find(tokens: _Tokens, lexicon: Lexicon, options: NormalizeOptions) -> tuple[_Hits, _Matcher]:
    matcher = _compile(lexicon, options)
    candidates = _candidates(tokens, matcher)
    is_exclude = np.array([pt.exclude for pt in matcher.patterns], dtype=bool)[candidates.pattern]
    hits = _drop_excluded(_select(candidates, ~is_exclude), _select(candidates, is_exclude))
    return _resolve_overlaps(hits, matcher.rank), matcher


def _prepare(corpus, lexicon, options, copies: str = "all") -> tuple[pd.DataFrame, Lexicon, NormalizeOptions]:
    return select_copies(as_docs(corpus), copies), load_lexicon(lexicon), _as_options(options)


# --------------------------------------------------------------------------- public API


def frame_matches(
    corpus: Corpus | pd.DataFrame,
    lexicon: Lexicon | str,
    options: NormalizeOptions | dict | None = None,
    *,
    copies: str = "all",
) -> pd.DataFrame:
    """Every frame hit, with where it is in the original text, for auditing.

    Parameters
    ----------
    corpus : a Corpus or a documents DataFrame with ``doc_id``, ``source``, ``text``
        (and ``date``, optional).
    lexicon : a :class:`~analysis.lexicon.Lexicon`, a YAML path or a bundled name.
    options : normalization options for text and terms (default: all steps on except
        ``teh_marbuta``).
    copies : what to do with copies (:func:`analysis.corpus.select_copies`): ``"all"``
        (default) keeps every document, ``"one"`` one per story, ``"one_per_source"``
        one per story and source.

    Returns
    -------
    DataFrame
        One row per hit: ``doc_id``, ``source``, ``date``, ``frame``, ``term`` (as
        written in the lexicon), ``surface`` (the matched text as written, clitics and
        marks included), ``token_index`` (position of the first token in the document),
        ``start``, ``end`` (character offsets: ``text[start:end] == surface``). Sorted
        by ``doc_id``, position, then frame in lexicon order.

    Notes
    -----
    Text and terms are normalized alike (:func:`analysis.text.normalize`, then ``casefold``
    for Latin letters) and split with :data:`analysis.text.TOKEN_PATTERN`. A one-word term
    matches a whole token made of

    * proclitics: و or ف, then ب, ك or ل, then the article ال (ل + ال is written لل);
    * the term;
    * one enclitic pronoun (ه ها هما هم هن ك كما كم كن نا ي), with ة written ت before it
      (مواجهتها), or the accusative tanween alef (تهديدًا); a word that carries the
      article (from the term or a proclitic) takes neither.

    A term never matches inside another word: سلام does not match الإسلام, عدو does not
    match عدوان. A term that starts with ال (الحرب الباردة) takes the same proclitics
    (والحرب, بالحرب, للحرب). A multi-word term matches consecutive tokens; proclitics are
    allowed on its first word and suffixes on its last, inner words must match exactly.
    A trailing ``*`` makes the last word a prefix (تفاوض* matches التفاوضية).

    Within one frame a token is counted once: where hits of a frame overlap, the one with
    more tokens wins, then an exact term over a wildcard, then the longer term, then the
    term listed first. Frames are matched independently, so a token can count for several
    frames (تهديد نووي is a threat and a nuclear hit). A hit that lies inside a match of
    one of its frame's ``exclude`` expressions is dropped.

    The same rules apply in every function of this module; they are spelled out with
    examples in ``analysis/lexicons/README.md``.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1"], "source": ["أ"],
    ...                      "text": ["قال: “المواجهة” مع واشنطن ومواجهتها بالعقوبات"]})
    >>> frame_matches(docs, "international-news")[["frame", "term", "surface", "start"]].values.tolist()
    [['confrontation', 'مواجهة', 'المواجهة', 6], ['confrontation', 'مواجهة', 'ومواجهتها', 26], ['sanctions', 'عقوبات', 'بالعقوبات', 36]]
    """
    docs, lexicon, options = _prepare(corpus, lexicon, options, copies)
    tokens = _scan(docs, options)
    hits, matcher = _find(tokens, lexicon, options)
    doc = np.searchsorted(tokens.offsets, hits.pos, "right") - 1
    index = hits.pos - tokens.offsets[doc]
    texts = text_array(docs["text"])
    start, end = token_offsets(texts, np.r_[doc, doc], np.r_[index, index + hits.size - 1])
    start, end = start[:len(doc)], end[len(doc):]  # of the first token and of the last
    table = doc_metadata(docs, doc).assign(
        frame=_strings(lexicon.frame_ids, hits.frame),
        term=_strings([pt.term for pt in matcher.patterns], hits.pattern),
        surface=pd.Series([t[s:e] for t, s, e in zip(take_texts(texts, doc), start.tolist(), end.tolist())],
                          dtype="str"),
        token_index=index,
        start=start,
        end=end,
    )
    order = table.assign(_doc=doc, _frame=hits.frame).sort_values(["doc_id", "_doc", "start", "_frame", "term"], kind="stable")
    return table.loc[order.index].reset_index(drop=True)


def _take(column: pd.Series, rows: np.ndarray) -> pd.Series:
    """Rows of a documents column, keeping its dtype, on a fresh index."""
    return column.iloc[rows].reset_index(drop=True)


def _strings(values, codes: np.ndarray) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=object)[codes], dtype="str")


def _hit_matrix(hits: _Hits, tokens: _Tokens, n_frames: int) -> np.ndarray:
    """Hits per document (rows) and frame (columns)."""
    n_docs = len(tokens.offsets) - 1
    doc = np.searchsorted(tokens.offsets, hits.pos, "right") - 1
    return np.bincount(doc * n_frames + hits.frame, minlength=n_docs * n_frames).reshape(n_docs, n_frames)


def doc_frame_counts(
    corpus: Corpus | pd.DataFrame,
    lexicon: Lexicon | str,
    by: str | list[str] | None = "source",
    options: NormalizeOptions | dict | None = None,
    *,
    copies: str = "all",
) -> pd.DataFrame:
    """Hits of every frame in every document, with the document's length and group.

    This is the table every rate, interval and test in :mod:`analysis.compare` is
    computed from; its ``hits`` add up to the rows of :func:`frame_matches`.

    Parameters
    ----------
    corpus : a Corpus or a documents DataFrame (``doc_id``, ``source``, ``text``…).
    lexicon : a Lexicon, a YAML path or a bundled name.
    by : grouping column(s) to carry along: metadata columns, or ``"day"``,
        ``"week"``, ``"month"``, ``"year"`` derived from ``date`` (see
        :func:`analysis.corpus.group_keys`); None for none.
    options : normalization options.
    copies : what to do with copies (:func:`analysis.corpus.select_copies`): ``"all"``
        (default) keeps every document, ``"one"`` one per story, ``"one_per_source"``
        one per story and source.

    Returns
    -------
    DataFrame
        One row per document and frame (zeros included): ``doc_id``, the ``by``
        columns, ``frame``, ``hits``, ``tokens`` (tokens in the document). Documents in
        corpus order, frames in lexicon order.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1", "2"], "source": ["أ", "ب"],
    ...                      "text": ["عقوبات وعقوبات جديدة", "محادثات"]})
    >>> doc_frame_counts(docs, "international-news").query("hits > 0").values.tolist()
    [['1', 'أ', 'sanctions', 2, 3], ['2', 'ب', 'diplomacy', 1, 1]]
    """
    docs, lexicon, options = _prepare(corpus, lexicon, options, copies)
    keys, names = group_keys(docs, by)
    tokens = _scan(docs, options)
    hits, _ = _find(tokens, lexicon, options)
    n_frames = len(lexicon.frames)
    matrix = _hit_matrix(hits, tokens, n_frames)
    rows = np.repeat(np.arange(len(docs)), n_frames)
    table = pd.DataFrame({"doc_id": _take(docs["doc_id"], rows)})
    for name in names:
        table[name] = _take(keys[name], rows)
    table["frame"] = _strings(lexicon.frame_ids, np.tile(np.arange(n_frames), len(docs)))
    table["hits"] = matrix.ravel()
    table["tokens"] = np.diff(tokens.offsets)[rows]
    return table


def aggregate_frame_counts(doc_counts: pd.DataFrame, by: str | list[str] | None = "source") -> pd.DataFrame:
    """Sum a :func:`doc_frame_counts` table by group and frame.

    Parameters
    ----------
    doc_counts : a :func:`doc_frame_counts` table (its ``by`` columns included).
    by : the grouping column(s) of ``doc_counts``; None for the whole corpus.

    Returns
    -------
    DataFrame
        One row per group and frame, zero-hit frames included: the ``by`` columns,
        ``frame``, ``hits``, ``docs_with_hit``, ``docs``, ``tokens`` (of the group),
        ``rate_per_1k`` (hits per 1,000 tokens), ``doc_share`` (docs_with_hit / docs).
        Groups sorted (missing values last), frames in lexicon order.

    Examples
    --------
    >>> dc = pd.DataFrame({"doc_id": ["1", "2"], "source": ["أ", "أ"], "frame": ["cyber"] * 2,
    ...                    "hits": [2, 0], "tokens": [100, 300]})
    >>> aggregate_frame_counts(dc).values.tolist()
    [['أ', 'cyber', 2, 1, 2, 400, 5.0, 0.5]]
    """
    names = _names(by, doc_counts)
    frame = pd.Categorical(doc_counts["frame"], categories=pd.unique(doc_counts["frame"]))
    work = doc_counts[names + ["hits", "tokens"]].assign(frame=frame, with_hit=doc_counts["hits"] > 0)
    table = (
        work.groupby(names + ["frame"], sort=True, dropna=False, observed=True)
        .agg(hits=("hits", "sum"), docs_with_hit=("with_hit", "sum"), docs=("hits", "size"), tokens=("tokens", "sum"))
        .reset_index()
    )
    table["frame"] = table["frame"].astype("str")
    table["rate_per_1k"] = _rate(table["hits"], table["tokens"])
    table["doc_share"] = table["docs_with_hit"] / table["docs"]
    return table.astype({"hits": np.int64, "docs_with_hit": np.int64, "docs": np.int64, "tokens": np.int64})


def _rate(hits, tokens):
    """Hits per 1,000 tokens; NaN where there are no tokens."""
    tokens = np.asarray(tokens, dtype=float)
    return np.divide(np.asarray(hits, dtype=float) * 1000, tokens, out=np.full(tokens.shape, np.nan), where=tokens > 0)


def _names(by: str | list[str] | None, table: pd.DataFrame) -> list[str]:
    names = [] if by is None else [by] if isinstance(by, str) else list(by)
    missing = [name for name in names if name not in table.columns]
    if missing:
        raise ValueError(f"grouping column(s) {missing} not in the table; it has {list(table.columns)}")
    return names


def count_frames(
    corpus: Corpus | pd.DataFrame,
    lexicon: Lexicon | str,
    by: str | list[str] | None = "source",
    options: NormalizeOptions | dict | None = None,
    *,
    copies: str = "all",
) -> pd.DataFrame:
    """Frame hits, documents with a hit and rates per group.

    Parameters
    ----------
    corpus : a Corpus or a documents DataFrame (``doc_id``, ``source``, ``text``…).
    lexicon : a Lexicon, a YAML path or a bundled name.
    by : a column, a list of columns, or ``"day"``/``"week"``/``"month"``/``"year"``
        derived from ``date``; ``["source", "month"]`` gives each outlet over time.
        None counts the whole corpus as one group.
    options : normalization options.
    copies : what to do with copies (:func:`analysis.corpus.select_copies`): ``"all"``
        (default) keeps every document, ``"one"`` one per story, ``"one_per_source"``
        one per story and source.

    Returns
    -------
    DataFrame
        See :func:`aggregate_frame_counts`: the ``by`` columns, ``frame``, ``hits``,
        ``docs_with_hit``, ``docs``, ``tokens``, ``rate_per_1k``, ``doc_share``.
        Tokens are counted with :func:`analysis.text.tokenize`.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1", "2"], "source": ["أ", "ب"],
    ...                      "text": ["فرضت واشنطن عقوبات", "عقد الطرفان محادثات ومشاورات"]})
    >>> table = count_frames(docs, "international-news")
    >>> table.query("frame == 'diplomacy'")[["source", "hits", "tokens", "rate_per_1k"]].values.tolist()
    [['أ', 0, 3, 0.0], ['ب', 2, 4, 500.0]]
    """
    return aggregate_frame_counts(doc_frame_counts(corpus, lexicon, by, options, copies=copies), by)


def _near(hits: _Hits, mentions: _Hits, unit_hits: np.ndarray, unit_mentions: np.ndarray, window: int) -> np.ndarray:
    """Whether each hit lies within ``window`` tokens of one of ``mentions`` in its unit (document or sentence).

    Units are numbers that never decrease through the corpus (a document's index, or
    :func:`_sentence_units`).
    """
    if not len(mentions.pos):
        return np.zeros(len(hits.pos), dtype=bool)
    gap = window + 1  # units are spaced apart so that no window crosses them
    m_start = mentions.pos + unit_mentions * gap
    order = np.argsort(m_start, kind="stable")
    m_start, m_end = m_start[order], (m_start + mentions.size - 1)[order]
    m_reach = np.maximum.accumulate(m_end)
    h_start = hits.pos + unit_hits * gap
    h_end = h_start + hits.size - 1
    j = np.searchsorted(m_start, h_end + window, "right") - 1
    return (j >= 0) & (m_reach[np.maximum(j, 0)] >= h_start - window)


def _inside(hits: _Hits, spans: _Hits) -> np.ndarray:
    """Whether each hit lies wholly inside one of ``spans`` (of any frame)."""
    if not len(spans.pos):
        return np.zeros(len(hits.pos), dtype=bool)
    order = np.argsort(spans.pos, kind="stable")
    starts, reach = spans.pos[order], np.maximum.accumulate((spans.pos + spans.size)[order])
    j = np.searchsorted(starts, hits.pos, "right") - 1
    return (j >= 0) & (reach[np.maximum(j, 0)] >= hits.pos + hits.size)


def _sentence_units(texts, tokens: _Tokens, pos: np.ndarray, doc: np.ndarray) -> np.ndarray:
    """A number for the sentence of each token ``pos`` (of document ``doc``), increasing through the corpus.

    A sentence ends at :data:`analysis.text.SENTENCE_END`; the number counts the sentence
    ends of the document before the token, offset so that documents never share one.
    """
    index = pos - tokens.offsets[doc]
    start, _ = token_offsets(texts, doc, index)
    before = np.zeros(len(pos), np.int64)
    read, row = np.unique(doc, return_inverse=True)
    room = np.zeros(len(read), np.int64)  # sentence ends of each document read
    for r, text in enumerate(take_texts(texts, read)):
        ends = np.array([m.start() for m in SENTENCE_END.finditer(text)], np.int64)
        mine = row == r
        before[mine] = np.searchsorted(ends, start[mine], "right")
        room[r] = len(ends) + 1
    return (np.cumsum(room) - room)[row] + before


def actor_frame_counts(
    corpus: Corpus | pd.DataFrame,
    lexicon: Lexicon | str,
    actors: Lexicon | str = "actors",
    window: int = 10,
    by: str | list[str] | None = "source",
    options: NormalizeOptions | dict | None = None,
    *,
    sentence: bool = True,
    copies: str = "all",
) -> pd.DataFrame:
    """Frame hits within ``window`` tokens of a mention of each actor, in the same sentence.

    A frame hit counts for an actor when a mention of that actor (a hit of the actor
    lexicon) starts or ends at most ``window`` tokens away from it in the same
    document, overlapping included, and, with ``sentence=True`` (default), in the same
    sentence (sentences end at ``. ! ? ؟ ؛`` and line breaks,
    :data:`analysis.text.SENTENCE_END`). A hit counts once per actor however many of its
    mentions are near, and for every actor that is near. A frame hit that lies wholly
    inside an actor mention is the actor's name, not a frame hit, and is not counted:
    البنتاغون is a mention of the United States, not a military hit near it (a longer
    hit such as عقوبات أمريكية still counts).

    Parameters
    ----------
    corpus : a Corpus or a documents DataFrame.
    lexicon : the frame lexicon (Lexicon, YAML path or bundled name).
    actors : the actor lexicon, in the same format; its frames are the actors.
    window : maximum distance in tokens (0: adjacent tokens do not count, only overlap).
    by : grouping column(s) as in :func:`count_frames`, or None.
    options : normalization options.
    sentence : True (default) to stop windows at sentence ends; False lets them run
        over the whole document.
    copies : what to do with copies (:func:`analysis.corpus.select_copies`): ``"all"``
        (default) keeps every document, ``"one"`` one per story, ``"one_per_source"``
        one per story and source.

    Returns
    -------
    DataFrame
        The ``by`` columns, ``actor``, ``frame``, ``hits``; every group × actor ×
        frame combination, zeros included, groups sorted, actors and frames in
        lexicon order.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1"], "source": ["أ"],
    ...                      "text": ["هددت واشنطن موسكو بعقوبات"]})
    >>> t = actor_frame_counts(docs, "international-news", window=2)
    >>> t.query("hits > 0")[["actor", "frame", "hits"]].values.tolist()
    [['russia', 'sanctions', 1], ['russia', 'threat', 1], ['united_states', 'sanctions', 1], ['united_states', 'threat', 1]]
    >>> docs["text"] = ["هددت واشنطن. فرضت عقوبات"]
    >>> t = actor_frame_counts(docs, "international-news", window=2)
    >>> t.query("hits > 0")[["actor", "frame", "hits"]].values.tolist()
    [['united_states', 'threat', 1]]
    """
    if not isinstance(window, (int, np.integer)) or window < 0:
        raise ValueError(f"window must be a non-negative integer, not {window!r}")
    docs, lexicon, options = _prepare(corpus, lexicon, options, copies)
    actors = load_lexicon(actors)
    keys, names = group_keys(docs, by)
    tokens = _scan(docs, options)
    hits, _ = _find(tokens, lexicon, options)
    mentions, _ = _find(tokens, actors, options)
    hits = _select(hits, ~_inside(hits, mentions))
    doc_hits = np.searchsorted(tokens.offsets, hits.pos, "right") - 1
    doc_mentions = np.searchsorted(tokens.offsets, mentions.pos, "right") - 1
    unit_hits, unit_mentions = doc_hits, doc_mentions  # where windows stop: documents, or sentences
    if sentence:
        with_mention = np.isin(doc_hits, doc_mentions)  # no other hit can be near a mention
        hits, doc_hits = _select(hits, with_mention), doc_hits[with_mention]
        units = _sentence_units(text_array(docs["text"]), tokens, np.r_[hits.pos, mentions.pos],
                                np.r_[doc_hits, doc_mentions])
        unit_hits, unit_mentions = units[:len(hits.pos)], units[len(hits.pos):]
    group_codes = keys.groupby(names, sort=True, dropna=False).ngroup().to_numpy() if names else np.zeros(len(docs), int)
    groups = keys.iloc[np.unique(group_codes, return_index=True)[1]].reset_index(drop=True) if names else pd.DataFrame(index=[0])
    n_groups, n_actors, n_frames = len(groups), len(actors.frames), len(lexicon.frames)
    counts = np.zeros((n_groups, n_actors, n_frames), dtype=np.int64)
    for a in range(n_actors):
        mine = mentions.frame == a
        near = _near(hits, _select(mentions, mine), unit_hits, unit_mentions[mine], window)
        np.add.at(counts[:, a, :], (group_codes[doc_hits[near]], hits.frame[near]), 1)
    g, a, f = np.unravel_index(np.arange(counts.size), counts.shape)
    table = groups.iloc[g].reset_index(drop=True)[names]
    table["actor"] = _strings(actors.frame_ids, a)
    table["frame"] = _strings(lexicon.frame_ids, f)
    table["hits"] = counts.ravel()
    return table


# --------------------------------------------------------------------------- reading and auditing matches


def count_matched_terms(matches: pd.DataFrame, by: str | list[str] = "frame") -> pd.DataFrame:
    """How many hits each lexicon term contributed, per frame (or other grouping).

    Parameters
    ----------
    matches : a :func:`analysis.frames.frame_matches` table.
    by : grouping column(s) of ``matches``.

    Returns
    -------
    DataFrame
        The ``by`` columns, ``term``, ``count`` (hits), ``docs`` (documents with a hit
        of the term) and ``share`` (of the group's hits). Sorted by group, then count
        descending, then term, so :func:`analysis.terms.top_terms` can cut it.

    Examples
    --------
    >>> m = pd.DataFrame({"doc_id": ["1", "1", "2"], "frame": ["threat"] * 3, "term": ["تهديد", "تهديد", "اتهام"]})
    >>> count_matched_terms(m).values.tolist()
    [['threat', 'تهديد', 2, 1, 0.6666666666666666], ['threat', 'اتهام', 1, 1, 0.3333333333333333]]
    """
    names = [by] if isinstance(by, str) else list(by)
    table = matches.groupby(names + ["term"], sort=True).agg(count=("doc_id", "size"), docs=("doc_id", "nunique"))
    table = table.reset_index()
    table["share"] = table["count"] / table.groupby(names)["count"].transform("sum")
    return table.sort_values(names + ["count", "term"], ascending=[True] * len(names) + [False, True],
                             kind="stable").reset_index(drop=True)


def match_context(corpus: Corpus | pd.DataFrame, matches: pd.DataFrame, window: int = 8) -> pd.DataFrame:
    """Add ``before`` and ``after``: up to ``window`` tokens of original text around each match.

    ``matches`` needs ``doc_id``, ``start`` and ``end`` (character offsets in the
    document's text), as :func:`analysis.frames.frame_matches` gives them.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1"], "source": ["أ"], "text": ["فرضت واشنطن «عقوبات» جديدة على موسكو"]})
    >>> m = pd.DataFrame({"doc_id": ["1"], "surface": ["عقوبات"], "start": [13], "end": [19]})
    >>> match_context(docs, m, window=1)[["before", "surface", "after"]].values.tolist()
    [['واشنطن «', 'عقوبات', '» جديدة']]
    """
    if window < 0:
        raise ValueError(f"window must be 0 or more, not {window!r}")
    texts = as_docs(corpus).drop_duplicates("doc_id").set_index("doc_id")["text"]
    spans: dict = {}
    before, after = [], []
    for doc_id, start, end in zip(matches["doc_id"], matches["start"], matches["end"]):
        text = texts[doc_id]
        if doc_id not in spans:
            found = token_spans(text)
            spans[doc_id] = ([s for _, s, _ in found], [e for _, _, e in found])
        starts, ends = spans[doc_id]
        k = bisect.bisect_right(ends, start)  # tokens ending before the match
        j = bisect.bisect_left(starts, end)  # tokens starting after it
        before.append(text[starts[max(k - window, 0)]:start].strip() if k and window else "")
        after.append(text[end:ends[min(j + window, len(ends)) - 1]].strip() if j < len(ends) and window else "")
    return matches.assign(before=before, after=after)
