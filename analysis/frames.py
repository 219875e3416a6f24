"""Find lexicon terms in documents (clitic-aware, auditable hits), count them by document and group, and read them in context."""

from __future__ import annotations

import bisect
import dataclasses
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis import charsets
from analysis.chunks import ragged_gather, sorted_unique, stored_tokens, take_texts, text_array, token_ids, token_offsets
from analysis.corpus import Corpus, as_docs, cleaned_docs, doc_metadata, group_keys, select_copies
from analysis.corpus.clean import cleaned_texts
from analysis.lexicon import Lexicon, load_lexicon, terms_words
from analysis.paths import LEXICON_DIR
from analysis.limits import shorten
from analysis.text import NormalizeOptions, merge_spellings, normalize, spelling_merges, spelling_options, token_spans

__all__ = [
    "frame_matches",
    "doc_frame_counts",
    "aggregate_frame_counts",
    "count_frames",
    "actor_frame_counts",
    "count_matched_terms",
    "match_context",
    "clitic_words",
    "CONJUNCTIONS",
    "PREPOSITIONS",
    "ARTICLE",
    "ENCLITICS",
]

CONJUNCTIONS = ("و", "ف")
PREPOSITIONS = ("ب", "ك", "ل")
ARTICLE = "ال"
ENCLITICS = ("ه", "ها", "هما", "هم", "هن", "ك", "كما", "كم", "كن", "نا", "ي")
VERB_PROCLITICS = ("س", "ل")
"""Before a verb listed in the imperfect (its first letter one of :data:`IMPERFECT_LETTERS`): سيتهم، ليتهم."""
IMPERFECT_LETTERS = ("ي", "ت", "ن", "أ")
SUBJECT_SUFFIXES = ("ت", "تا", "ا", "وا", "ن", "نا", "تم", "تما", "تن", "ون", "ان", "ين")
OBJECT_ENCLITICS = ("ه", "ها", "هما", "هم", "هن", "ك", "كما", "كم", "كن", "نا", "ني")
SENTENCE_BREAKS = charsets.SENTENCE_BREAKS
"""A multi-word term never matches across one of these (between its words)."""

_TANWEEN_ALEF = "ا"
_NO_TANWEEN_AFTER = ("ا", "ء", "ى")
_TEH = "ت"
_ALEF_MAQSURA = "ى"
_HAMZA = "ء"
_HAMZA_SEATS = ("ء", "ئ", "ؤ")
_BARE_ALEF = "اٱ"  # an alef the writer typed without hamza or madda
_HAMZA_ALEF = "أإ"
_YEH_FORMS = "يى"
_OWN_WORDS_FILE = LEXICON_DIR / "clitic_words.txt"


# --------------------------------------------------------------------------- compiling terms


class _Pattern(NamedTuple):
    frame: int
    term: str
    words: tuple[str, ...]
    wildcard: bool
    exclude: bool
    verb: bool = False


class _Form(NamedTuple):
    """One surface form of one word of a pattern."""

    pattern: int
    position: int
    spelling: str  # as the term writes it: hamza, madda and final ى kept
    clitics: int  # letters read as proclitics (و ب ل …) directly before the word, which may begin a word of its own
    pronoun_ya: bool  # ends in the enclitic pronoun ي


def _definite(prep: str, word: str) -> str:
    """``prep`` before ``word``, which begins with the article: ل + الحرب = للحرب, ل + الله = لله."""
    if prep != "ل":
        return prep + word
    return prep + word[2:] if word.startswith(ARTICLE + "ل") else prep + word[1:]


def _with_proclitics(word: str) -> dict[str, tuple[bool, int]]:
    """Every proclitic form of ``word``: whether it carries the article, and how many letters were read
    as proclitics that could instead begin a word of its own (0 where the article follows them: بالأمن)."""
    native = word.startswith(ARTICLE)
    definite = word if native else ARTICLE + word
    forms = {}
    for conj in ("", *CONJUNCTIONS):
        for prep in ("", *PREPOSITIONS):
            clitics = len(conj) + len(prep)
            if not native:
                forms.setdefault(conj + prep + word, (False, clitics))
            forms[conj + _definite(prep, definite)] = (True, 0)
    return forms


def _stems(word: str, marbuta: str) -> list[str]:
    """How ``word`` is written before an enclitic: ة as ت, final ى as ا, final ء on any seat."""
    if word.endswith(marbuta):
        # With the teh_marbuta option ة is written ه, so a final ه may also be a plain ه.
        return [word[: -len(marbuta)] + _TEH] + ([word] if marbuta != "ة" else [])
    if word.endswith(_ALEF_MAQSURA):
        return [word[:-1] + "ا"]
    if word.endswith(_HAMZA):
        return [word[:-1] + seat for seat in _HAMZA_SEATS]
    return [word]


def _with_suffixes(word: str, marbuta: str) -> dict[str, bool]:
    """``word`` alone, with each enclitic and with the tanween alef; whether the form ends in the pronoun ي."""
    forms = {word: False}
    for stem in _stems(word, marbuta):
        for enclitic in ENCLITICS:
            forms.setdefault(stem + enclitic, enclitic == "ي")
    if not word.endswith((marbuta, *_NO_TANWEEN_AFTER)):
        forms.setdefault(word + _TANWEEN_ALEF, False)
    return forms


def _verb_forms(word: str, objects: bool) -> set[str]:
    """A verb with its subject suffixes (اتهمت، اتهموا) and, if ``objects``, object pronouns (اتهموه)."""
    if word.endswith(_ALEF_MAQSURA):  # نفى: نفت، نفوا، نفاه
        stem = word[:-1]
        forms = {word, stem + "ت", stem + "تا", stem + "وا"}
        return forms | ({stem + "ا" + o for o in OBJECT_ENCLITICS} if objects else set())
    forms = {word}
    for subject in ("", *SUBJECT_SUFFIXES):
        forms.add(word + subject)
        if objects:
            joined = {"وا": "و", "تم": "تمو"}.get(subject, subject)
            forms.update(word + joined + o for o in OBJECT_ENCLITICS)
    return forms


def _verb_proclitics(word: str) -> dict[str, int]:
    """و/ف, and س or ل before an imperfect verb; never the article, ب or ك."""
    extra = VERB_PROCLITICS if word.startswith(IMPERFECT_LETTERS) else ()
    return {conj + p: len(conj) + len(p) for conj in ("", *CONJUNCTIONS) for p in ("", *extra)}


def _position_forms(words: tuple[str, ...], k: int, marbuta: str, verb: bool = False) -> dict[str, tuple[int, bool]]:
    """The spellings of token forms that match word ``k`` of a term, with their clitic letters and pronoun ي."""
    word, first, last = words[k], k == 0, k == len(words) - 1
    if verb and first:
        return {prefix + form: (n, False) for form in _verb_forms(word, objects=last)
                for prefix, n in _verb_proclitics(word).items()}
    if not last:
        return {form: (n, False) for form, (_, n) in _with_proclitics(word).items()} if first else {word: (0, False)}
    suffixed = {word: False} if word.startswith(ARTICLE) else _with_suffixes(word, marbuta)
    if not first:
        return {form: (0, ya) for form, ya in suffixed.items()}
    forms = {}
    for form, (definite, n) in _with_proclitics(word).items():
        if definite:
            forms.setdefault(form, (n, False))
        else:
            prefix = form[: len(form) - len(word)]
            for suffixed_form, ya in suffixed.items():
                forms.setdefault(prefix + suffixed_form, (n, ya))
    return forms


def _agrees(token: str, form: _Form) -> bool:
    """Whether a token spelled ``token`` (same normalized form as ``form``) may be that form.

    Hamza and madda the writer typed must be the term's (آمن is not أمن, إنفاق is not
    أنفاق); a bare alef stands for any (الامن is الأمن), and a hamza on an alef the term
    writes bare is a common misspelling (إتفاق). A final ى is never the pronoun ي.
    """
    if form.pronoun_ya and token.endswith(_ALEF_MAQSURA):
        return False
    if token == form.spelling:
        return True
    for written, term in zip(token, form.spelling):
        if written == term or (written in _BARE_ALEF and term in charsets.ALEF_FORMS) \
                or (written in _HAMZA_ALEF and term in _BARE_ALEF) or (written in _YEH_FORMS and term in _YEH_FORMS):
            continue
        return False
    return True


def _same_spelling(token: str, word: str) -> bool:
    """Whether ``token`` may be spelled ``word``: equal but where the writer left out a hamza or madda."""
    return all(t == w or (t in _BARE_ALEF and w in charsets.ALEF_FORMS) or (t in _YEH_FORMS and w in _YEH_FORMS)
               for t, w in zip(token, word))


@lru_cache(maxsize=8)
def _own_words(options: NormalizeOptions) -> dict[str, str]:
    """The words of ``clitic_words.txt`` (they begin with clitic letters but are no clitic + word):
    normalized form -> spelling (hamzated alefs and ى kept)."""
    spelling = spelling_options(options)
    lines = _OWN_WORDS_FILE.read_text(encoding="utf-8").splitlines()
    words = [normalize(line.split("\t")[0], spelling).casefold() for line in lines
             if line.strip() and not line.startswith("#")]
    return dict(zip(merge_spellings(words, spelling_merges(options)), words))


def _own_word(key: str, token: str, clitics: int, own_words: dict[str, str]) -> bool:
    """Whether a token (normalized ``key``, spelled ``token``) whose first ``clitics`` letters
    were read as proclitics begins, at one of them, a word of its own (كامل, وكامل, بأسره).

    The writer's hamza decides where they typed it: لأزمة is ل + أزمة, not لازمة.
    """
    for j in range(clitics):
        word = own_words.get(key[j:])
        if word is not None and _same_spelling(token[j:], word):
            return True
    return False


@dataclasses.dataclass(frozen=True)
class _Matcher:
    patterns: tuple[_Pattern, ...]
    forms: dict[str, list[_Form]] | None  # normalized token form -> its forms; None: compiled per vocabulary
    prefixes: dict[str, list[_Form]] | None  # normalized wildcard token prefix -> its forms
    rank: np.ndarray  # priority of each pattern within its frame (lower wins)
    own_words: dict[str, str]
    merging: tuple[tuple[str, str], ...]
    marbuta: str


#: Above this many pattern words a lexicon's forms are compiled per corpus, for the words its vocabulary can
#: match (:func:`_vocabulary_patterns`); below it once per lexicon, for every word (about 1 ms a word).
_EXPAND_LIMIT = 5_000


@lru_cache(maxsize=16)
def _compile(lexicon: Lexicon, options: NormalizeOptions) -> _Matcher:
    spelling = spelling_options(options)
    patterns = [
        _Pattern(f, term, *words, exclude, verb)
        for f, frame in enumerate(lexicon.frames)
        for exclude, verb, terms in ((False, False, frame.terms), (False, True, frame.verbs), (True, False, frame.exclude))
        for term, words in zip(terms, terms_words(terms, spelling))
    ]
    empty = [pattern.term for pattern in patterns if not pattern.words]
    if empty:
        raise ValueError(f"{lexicon.name}: term(s) {shorten(empty)} have no word left with normalization options {options}")
    n_words = np.array([len(pattern.words) for pattern in patterns], dtype=np.int64)
    letters = np.array([sum(map(len, pattern.words)) for pattern in patterns], dtype=np.int64)
    wildcard = np.array([pattern.wildcard for pattern in patterns], dtype=bool)
    order = np.lexsort((np.arange(len(patterns)), -letters, wildcard, -n_words))
    rank = np.empty(len(patterns), dtype=np.int64)
    rank[order] = np.arange(len(patterns))
    matcher = _Matcher(tuple(patterns), None, None, rank, _own_words(options), spelling_merges(options), normalize("ة", options))
    if n_words.sum() > _EXPAND_LIMIT:
        return matcher
    forms, prefixes = _expand(matcher, range(len(patterns)))
    return dataclasses.replace(matcher, forms=forms, prefixes=prefixes)


def _expand(matcher: _Matcher, keep, vocabulary: set[str] | None = None) -> tuple[dict, dict]:
    """The token forms and wildcard prefixes of the patterns numbered in ``keep``, by normalized form.

    With ``vocabulary`` (normalized tokens), only the token forms that are in it.
    """
    forms: dict[str, list[_Form]] = {}
    prefixes: dict[str, list[_Form]] = {}
    for p in keep:
        pattern = matcher.patterns[p]
        n = len(pattern.words)
        for k in range(n):
            if pattern.wildcard and k == n - 1:
                heads = ({form: (c, False) for form, (_, c) in _with_proclitics(pattern.words[k]).items()} if n == 1
                         else {pattern.words[k]: (0, False)})
                target, known = prefixes, None
            else:
                heads, target, known = _position_forms(pattern.words, k, matcher.marbuta, pattern.verb), forms, vocabulary
            for key, (form, (clitics, ya)) in zip(merge_spellings(list(heads), matcher.merging), heads.items()):
                if known is None or key in known:
                    target.setdefault(key, []).append(_Form(p, k, form, clitics, ya))
    return forms, prefixes


def _roles(word: str) -> list[tuple[tuple[str, ...], int, bool]]:
    """``word`` in every place a pattern can hold it: (words, position, verb)."""
    return [((word,), 0, False), ((word, word), 0, False), ((word, word), 1, False), ((word, word, word), 1, False),
            ((word,), 0, True), ((word, word), 0, True)]


def _keys(word: str) -> tuple[str, str]:
    """A word without its first letter and without its last: every form of the word holds one (:func:`_reach`)."""
    return word[1:], word[:-1]


@lru_cache(maxsize=4)
def _reach(marbuta: str) -> tuple[int, int] | None:
    """How far from a token's start (``head``) and from its end (``tail``) a key of a word lies in its forms.

    Measured on the forms the rules above make of probe words in every role (first,
    inner, last word, verb; wildcard heads), so it follows the rules;
    ``tests/test_frames.py`` checks it on random words. A wildcard head is a token's
    start, so only its ``head`` counts. None when some form holds no key (then no
    pattern is filtered out).
    """
    head = tail = 0
    base = "ثخذض"  # letters no clitic or suffix holds
    for word in (base, ARTICLE + base, "ل" + base, ARTICLE + "ل" + base, "ي" + base, base + marbuta, base + _TEH,
                 base + _ALEF_MAQSURA, base + _HAMZA, base + _TANWEEN_ALEF):
        made = [(form, False) for words, k, verb in _roles(word) for form in _position_forms(words, k, marbuta, verb)]
        made += [(form, True) for form in _with_proclitics(word)]
        for form, wildcard in made:
            placed = [(form.find(key), key) for key in _keys(word) if key in form]
            if not placed:
                return None
            at, key = min(placed)
            head = max(head, at)
            tail = tail if wildcard else max(tail, len(form) - at - len(key))
    return head, tail


def _vocabulary_patterns(matcher: _Matcher, vocabulary: list[str]) -> list[int]:
    """The patterns every word of which may be a form of some token of ``vocabulary`` (normalized forms).

    Every form of a word holds one of its keys (:func:`_keys`) at most :func:`_reach`
    letters from its start and from its end (a wildcard head: from its start, as a
    token's start). A word none of whose keys lies so in a token matches no token, and a
    pattern holding it matches nowhere. Each token is cut (head + 1) x (tail + 1) ways (and
    so for wildcards), however long it is, and each cut is one hash look-up: time and memory
    grow with the vocabulary and the patterns' words, not with patterns x forms.
    """
    reach = _reach(matcher.marbuta)
    if reach is None:
        return list(range(len(matcher.patterns)))
    head, tail = reach
    merged = iter(merge_spellings([word for pt in matcher.patterns for word in pt.words], matcher.merging))
    words = [tuple(next(merged) for _ in pt.words) for pt in matcher.patterns]
    whole = [merged[:-1] if pt.wildcard else merged for pt, merged in zip(matcher.patterns, words)]
    heads = [merged[-1] if pt.wildcard else None for pt, merged in zip(matcher.patterns, words)]  # wildcard words
    keys = {key for merged in whole for word in merged for key in _keys(word)}
    starts = {key for word in heads if word for key in _keys(word)}
    tokens = pa.array(vocabulary, pa.large_string())

    def met(known: set[str], cuts) -> set[str]:
        """The keys of ``known`` that some token cut at ``(start, stop)`` is (as ``token[start:stop]``)."""
        values, met = pa.array(sorted(known), pa.large_string()), {""}  # "": the keys of a one-letter word
        for start, stop in cuts:
            pieces = pc.utf8_slice_codeunits(tokens, start, stop)
            met.update(pieces.filter(pc.is_in(pieces, value_set=values)).unique().to_pylist())
        return met

    found = met(keys, [(i, -t or None) for i in range(head + 1) for t in range(tail + 1)])
    started = met(starts, [(i, i + n) for i in range(head + 1) for n in sorted({len(key) for key in starts})]) | found
    return [p for p in range(len(words))
            if all(not found.isdisjoint(_keys(word)) for word in whole[p])
            and (heads[p] is None or not started.isdisjoint(_keys(heads[p])))]


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
    codes: np.ndarray  # token code of every token, documents one after another
    offsets: np.ndarray  # first token of each document, plus the total
    vocabulary: list[str]  # each code's token as spelled: normalized, hamzated alefs and ى kept (casefolded)
    sentence: np.ndarray  # the sentence of each token, numbered through the documents (TokenIds.spellings)


def _scan(corpus, docs: pd.DataFrame, options: NormalizeOptions, clean: bool, written: bool = False) -> _Tokens:
    """The tokens of ``docs`` (chosen from ``corpus``, cleaned as ``clean`` says), coded by their casefolded spelling.

    Tokens are normalized with ``options`` except that hamzated alefs and ى are kept
    (:func:`~analysis.text.spelling_options`), so the matcher can tell آمن from أمن. They
    are the corpus's stored tokens when it has them (:func:`~analysis.chunks.stored_tokens`:
    a cached corpus or a report's snapshot), else every text is tokenized once
    (:func:`~analysis.chunks.token_ids`); memory holds 8 bytes per token of the corpus.
    """
    known = stored_tokens(corpus, docs, options, clean)
    if known is None:
        spans = getattr(corpus, "cleaning", None)
        texts = docs["text"]
        if written and clean and spans is not None:  # the texts as written (_prepare(texts=False)): clean them
            texts = cleaned_texts(texts, docs["doc_id"], spans)
        known = token_ids(texts, docs["doc_id"], np.zeros(len(docs), np.int64), options), np.arange(len(docs))
    tokens, rows = known
    ids, offsets, sentence = tokens.spellings(rows)
    spellings = tokens.terms["spelling"].tolist()  # no token holds a tab: casefolded in one call
    codes, folded = pd.factorize(np.array("\t".join(spellings).casefold().split("\t") if spellings else [], dtype=object))
    return _Tokens(codes.astype(np.int32)[ids], offsets, list(folded), sentence)


# --------------------------------------------------------------------------- matching


@dataclasses.dataclass(frozen=True)
class _Hits:
    pos: np.ndarray  # first token (global index)
    size: np.ndarray  # number of tokens
    pattern: np.ndarray
    frame: np.ndarray


def _vocabulary_matches(vocabulary: list[str], matcher: _Matcher) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(token code, pattern, word position) for every distinct token and pattern word it matches.

    A token matches a form when their normalized forms are equal, the token's spelling
    agrees with the form's (:func:`_agrees`), and the letters read as proclitics do not
    begin a word of its own (:func:`_own_word`).
    """
    keys = merge_spellings(vocabulary, matcher.merging)
    forms, prefixes, own_words = matcher.forms, matcher.prefixes, matcher.own_words
    if forms is None:  # a large lexicon: the forms of the patterns this vocabulary can match
        forms, prefixes = _expand(matcher, _vocabulary_patterns(matcher, keys), set(keys))
    lengths = sorted({len(head) for head in prefixes})
    rows = []
    for code, key in enumerate(keys):
        found = forms.get(key)
        if found:
            token = vocabulary[code]
            rows += [(code, f.pattern, f.position) for f in found
                     if _agrees(token, f) and not (f.clitics and _own_word(key, token, f.clitics, own_words))]
        for n in lengths:
            found = prefixes.get(key[:n]) if len(key) >= n else None
            if found:
                token = vocabulary[code]
                rows += [(code, f.pattern, f.position) for f in found
                         if _agrees(token[:n], f) and not (f.clitics and _own_word(key, token, f.clitics, own_words))]
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
    allowed = sorted_unique((p * n_words + k) * n_codes + u)
    for j in range(1, n_words):
        check = keep & (size > j)
        at = np.minimum(pos[check] + j, len(codes) - 1)
        keep[check] = np.isin((pattern[check] * n_words + j) * n_codes + codes[at], allowed)
    keep[keep] = tokens.sentence[pos[keep] + size[keep] - 1] == tokens.sentence[pos[keep]]  # no break inside
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


def _prepare(corpus, lexicon, options, copies: str = "all", clean: bool = True, texts: bool = True
             ) -> tuple[pd.DataFrame, Lexicon, NormalizeOptions]:
    """The documents ``copies`` chooses, their texts cleaned as ``clean`` says (``texts=False``: as
    written, for counts that need no offsets: :func:`_scan` cleans them if it tokenizes), the lexicon and the options."""
    docs = cleaned_docs(corpus, clean) if texts else as_docs(corpus)
    return select_copies(docs, copies), load_lexicon(lexicon), _as_options(options)


def hit_positions(corpus, docs: pd.DataFrame, lexicon: Lexicon, options: NormalizeOptions, clean: bool
                  ) -> tuple[np.ndarray, np.ndarray, _Hits, _Matcher]:
    """Where the hits of ``lexicon`` are in ``docs`` (chosen from ``corpus``, cleaned as ``clean``
    says): each hit's document (position in ``docs``) and first token, the hits and the matcher,
    in document and token order; no character offsets (what :func:`frame_matches` adds)."""
    tokens = _scan(corpus, docs, options, clean)
    hits, matcher = _find(tokens, lexicon, options)
    doc = np.searchsorted(tokens.offsets, hits.pos, "right") - 1
    return doc, hits.pos - tokens.offsets[doc], hits, matcher


# --------------------------------------------------------------------------- public API


def frame_matches(
    corpus: Corpus | pd.DataFrame,
    lexicon: Lexicon | str,
    options: NormalizeOptions | dict | None = None,
    *,
    copies: str = "all",
    clean: bool = True,
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
    clean : count the text with the corpus's boilerplate and web debris skipped
        (``corpus.cleaning``, see :func:`analysis.corpus.clean_corpus`; default); False
        counts the text as written. A plain DataFrame is counted as written.

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

    A token that is a word of its own is never read as proclitics + term (كامل is not
    ك + أمل; the words are in ``analysis/lexicons/clitic_words.txt``, see
    :func:`clitic_words`). Normalization merges hamzated alefs and ى, but the spelling the
    writer typed is evidence: a hamza or madda in the text must be the term's (آمن does not
    match أمن; الامن does), and a final ى is never the pronoun ي (أسرى is not أسر + ي).
    Terms in ى take suffixes on ا (جرحاهم), terms in ء on any seat (أعدائه), and
    ل + الله is لله. A frame's ``verbs`` take verb prefixes and suffixes (واتهموه, سيتهم),
    never the article, ب or ك.

    A term never matches inside another word: سلام does not match الإسلام, عدو does not
    match عدوان. A term that starts with ال (الحرب الباردة) takes the same proclitics
    (والحرب, بالحرب, للحرب). A multi-word term matches consecutive tokens of one sentence
    (no :data:`SENTENCE_BREAKS` between them); proclitics are allowed on its first word and
    suffixes on its last, inner words must match exactly.
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
    ...                      "text": ["قال: “التصعيد” مع واشنطن وتصعيدها بالعقوبات الأمريكية"]})
    >>> frame_matches(docs, "international-news")[["frame", "term", "surface", "start"]].values.tolist()
    [['confrontation', 'تصعيد', 'التصعيد', 6], ['confrontation', 'تصعيد', 'وتصعيدها', 25], ['sanctions', 'العقوبات الأمريكية', 'بالعقوبات الأمريكية', 34]]
    """
    docs, lexicon, options = _prepare(corpus, lexicon, options, copies, clean)
    doc, index, hits, matcher = hit_positions(corpus, docs, lexicon, options, clean)
    texts = text_array(docs["text"])
    # Surfaces as written (skipped spans are blank in the text counted).
    written = text_array(as_docs(corpus)["text"].loc[docs.index]) if clean and getattr(corpus, "cleaning", None) is not None else texts
    start, end = token_offsets(texts, np.r_[doc, doc], np.r_[index, index + hits.size - 1])
    start, end = start[:len(doc)], end[len(doc):]  # of the first token and of the last
    table = doc_metadata(docs, doc).assign(
        frame=_strings(lexicon.frame_ids, hits.frame),
        term=_strings([pt.term for pt in matcher.patterns], hits.pattern),
        surface=pd.Series([t[s:e] for t, s, e in zip(take_texts(written, doc), start.tolist(), end.tolist())],
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
    clean: bool = True,
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
    clean : count the text with the corpus's boilerplate and web debris skipped
        (``corpus.cleaning``, see :func:`analysis.corpus.clean_corpus`; default); False
        counts the text as written. A plain DataFrame is counted as written.

    Returns
    -------
    DataFrame
        One row per document and frame (zeros included): ``doc_id``, the ``by``
        columns, ``frame``, ``hits``, ``tokens`` (tokens in the document). Documents in
        corpus order, frames in lexicon order.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1", "2"], "source": ["أ", "ب"],
    ...                      "text": ["عقوبات جديدة وعقوبات دولية", "محادثات"]})
    >>> doc_frame_counts(docs, "international-news").query("hits > 0").values.tolist()
    [['1', 'أ', 'sanctions', 2, 4], ['2', 'ب', 'diplomacy', 1, 1]]
    """
    docs, lexicon, options = _prepare(corpus, lexicon, options, copies, clean, texts=False)
    keys, names = group_keys(docs, by)
    tokens = _scan(corpus, docs, options, clean, written=True)
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
    clean: bool = True,
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
    clean : count the text with the corpus's boilerplate and web debris skipped
        (``corpus.cleaning``, see :func:`analysis.corpus.clean_corpus`; default); False
        counts the text as written. A plain DataFrame is counted as written.

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
    return aggregate_frame_counts(doc_frame_counts(corpus, lexicon, by, options, copies=copies, clean=clean), by)


def _near(hits: _Hits, mentions: _Hits, unit_hits: np.ndarray, unit_mentions: np.ndarray, window: int) -> np.ndarray:
    """Whether each hit lies within ``window`` tokens of one of ``mentions`` in its unit (document or sentence).

    Units are numbers that never decrease through the corpus (a document's index, or
    the sentence numbers of :meth:`~analysis.chunks.TokenIds.spellings`).
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
    clean: bool = True,
) -> pd.DataFrame:
    """Frame hits within ``window`` tokens of a mention of each actor, in the same sentence.

    A frame hit counts for an actor when a mention of that actor (a hit of the actor
    lexicon) starts or ends at most ``window`` tokens away from it in the same
    document, overlapping included, and, with ``sentence=True`` (default), in the same
    sentence (sentences end at ``. ! ? ؟ ؛`` and line breaks, :data:`SENTENCE_BREAKS`). A hit counts once per actor however many of its
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
    clean : count the text with the corpus's boilerplate and web debris skipped
        (``corpus.cleaning``, see :func:`analysis.corpus.clean_corpus`; default); False
        counts the text as written. A plain DataFrame is counted as written.

    Returns
    -------
    DataFrame
        The ``by`` columns, ``actor``, ``frame``, ``hits``; every group × actor ×
        frame combination, zeros included, groups sorted, actors and frames in
        lexicon order.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1"], "source": ["أ"],
    ...                      "text": ["هددت واشنطن موسكو بعقوبات جديدة"]})
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
    docs, lexicon, options = _prepare(corpus, lexicon, options, copies, clean, texts=False)
    actors = load_lexicon(actors)
    keys, names = group_keys(docs, by)
    tokens = _scan(corpus, docs, options, clean, written=True)
    hits, _ = _find(tokens, lexicon, options)
    mentions, _ = _find(tokens, actors, options)
    hits = _select(hits, ~_inside(hits, mentions))
    doc_hits = np.searchsorted(tokens.offsets, hits.pos, "right") - 1
    doc_mentions = np.searchsorted(tokens.offsets, mentions.pos, "right") - 1
    unit_hits, unit_mentions = doc_hits, doc_mentions  # where windows stop: documents, or sentences
    if sentence:
        with_mention = np.isin(doc_hits, doc_mentions)  # no other hit can be near a mention
        hits, doc_hits = _select(hits, with_mention), doc_hits[with_mention]
        units = tokens.sentence[np.r_[hits.pos, mentions.pos]]
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


# --------------------------------------------------------------------------- words that are not clitic + word


def clitic_words(
    corpus: Corpus | pd.DataFrame,
    options: NormalizeOptions | dict | None = None,
    *,
    min_count: int = 5,
    ratio: float = 5.0,
    min_ratio_count: int = 20,
) -> pd.DataFrame:
    """Words that begin with clitic letters (و ف ب ك ل) but are words of their own, by corpus evidence.

    كامل could be read as ك + أمل, بأسره as ب + أسره; the corpus shows they are words.
    A token is listed when another reading as proclitics + a word exists (that word, or
    it with the article, occurs at least ``min_count`` times) and

    * ``article``: the token, or the token without a final pronoun (ه ها هم هما هن) or
      tanween alef (itself a token at least ``min_count`` times), takes the article (الكامل, والكامل, بالكامل …, at least ``min_count`` times), which
      a word that begins with ب, ك, ل, و or ف as a clitic never does; or
    * ``suffixed``: it begins with ب or ك, ends in a pronoun (ه ها هم هما هن) and is at
      least ``ratio`` times as frequent as the token without its first letter (بأسره
      against أسره), in at least ``min_ratio_count`` occurrences: a clitic that is almost
      always there belongs to the word.

    The matcher reads ``analysis/lexicons/clitic_words.txt``, made with this function on
    SaudiNewsNet, so that a document's hits never depend on the rest of the corpus.

    Returns
    -------
    DataFrame
        ``word`` (spelled as where it takes the article, else as most often), ``count``, ``article_count``,
        ``rest_count`` (occurrences of the other reading's word), ``evidence``
        (``article`` or ``suffixed``); sorted by word.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1"], "source": ["أ"],
    ...                      "text": ["الكامل " * 5 + "كامل " * 5 + "أمل " * 5 + "بأمل " * 5]})
    >>> clitic_words(docs)[["word", "evidence"]].values.tolist()
    [['كامل', 'article']]
    """
    docs, options = as_docs(corpus), _as_options(options)
    tokens = _scan(corpus, docs, options, clean=False)
    spelled = np.bincount(tokens.codes, minlength=len(tokens.vocabulary))
    keys = merge_spellings(tokens.vocabulary, spelling_merges(options))
    frame = pd.DataFrame({"key": keys, "spelling": tokens.vocabulary, "n": spelled})
    count = frame.groupby("key")["n"].sum().to_dict()
    spelling = frame.sort_values(["key", "n"], ascending=[True, False]).drop_duplicates("key")
    spelling = dict(zip(spelling["key"], spelling["spelling"]))  # the most frequent spelling of each token

    def spelled(word: str) -> str:
        """How the word is spelled where it takes the article (اللازمة: لازمة, not لأزمة), else its usual spelling."""
        definite = spelling.get(ARTICLE + word)
        return definite[len(ARTICLE):] if definite else spelling[word]

    article_prefixes = [conj + prep + ARTICLE for conj in ("", *CONJUNCTIONS) for prep in ("", "ب", "ك")]

    def article(word: str) -> int:
        # ل + ال + word is written لل + word, which for a word in ل is also ل + ال + the rest (للشركات).
        lam = count.get(_definite("ل", ARTICLE + word), 0) if not word.startswith("ل") else 0
        return sum(count.get(p + word, 0) for p in article_prefixes) + lam

    def rests(word: str) -> list[str]:
        two = len(word) > 2 and word[0] in CONJUNCTIONS and word[1] in PREPOSITIONS
        return [word[1:]] + ([word[2:]] if two else [])

    endings = ("هما", "ها", "هم", "هن", "ه", _TANWEEN_ALEF)
    rows = []
    for word, n in count.items():
        if n < min_count or len(word) < 3 or word[0] not in CONJUNCTIONS + PREPOSITIONS \
                or word.startswith((ARTICLE, "لل")) or word[1:].startswith(ARTICLE):
            continue
        rest = max(count.get(r, 0) + article(r) for r in rests(word))
        if rest < 1:
            continue
        bases = [word] + [word[: -len(e)] for e in endings
                          if word.endswith(e) and len(word) - len(e) >= 3 and count.get(word[: -len(e)], 0) >= min_count]
        by_article = max(article(b) for b in bases)
        if by_article >= min_count and rest >= min_count:
            rows.append((spelled(word), n, by_article, rest, "article"))
        elif word[0] in "بك" and word.endswith(("ه", "ها", "هم", "هما", "هن")) and n >= min_ratio_count \
                and n >= ratio * max(count.get(word[1:], 0), 1):
            rows.append((spelling[word], n, by_article, count.get(word[1:], 0), "suffixed"))
    table = pd.DataFrame(rows, columns=["word", "count", "article_count", "rest_count", "evidence"])
    return table.sort_values("word", kind="stable").reset_index(drop=True)


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
