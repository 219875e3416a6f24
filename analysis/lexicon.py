"""Framing lexicons: load, validate and tabulate YAML lists of Arabic terms per frame."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from analysis.limits import MAX_LEXICON_BYTES, MAX_LEXICON_TERMS, MAX_TERM_CHARS, MAX_TERM_WORDS, shorten
from analysis.paths import LEXICON_DIR
from analysis.text import NormalizeOptions, normalize, tokenize

__all__ = ["Frame", "Lexicon", "load_lexicon", "bundled_lexicons", "term_words", "terms_words", "lexicon_summary", "label_frames"]

_TOP_KEYS = {"name", "description", "frames"}
_FRAME_KEYS = {"id", "label_en", "label_ar", "description", "terms", "verbs", "exclude"}
_FRAME_ID = re.compile(r"[\w.-]+")
_WILDCARD = "*"
# A term is words: letters with their marks, digits, single spaces. Anything else (| \d <b> - …)
# would be silently dropped or split by tokenization, turning the term into another phrase.
_NOT_IN_TERMS = re.compile(r"[^\w\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed ]|_")
_DECIMAL_POINT = re.compile(r"(?<=\d)[.,\u066b\u066c](?=\d)")  # 3.5 and ٣٫٥ are one number, as the tokenizer reads them


class _LexiconLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """A safe YAML loader that refuses aliases and merge keys before they expand, and duplicate keys.

    An alias (``*name``) or a merge key (``<<``) can make a file of a few hundred bytes
    stand for gigabytes ("billion laughs"); a lexicon never needs either. An aliased
    node is the only one met twice while constructing, so it is refused the second
    time, before anything is built from it. A key written twice in one mapping would
    otherwise keep its last value silently.
    """

    def construct_object(self, node, deep=False):
        if node in self.constructed_objects or node in self.recursive_objects:
            raise yaml.constructor.ConstructorError(
                None, None, "aliases (*name) are not allowed in a lexicon (the node anchored here is used again)",
                node.start_mark)
        return super().construct_object(node, deep)

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise yaml.constructor.ConstructorError(None, None, "merge keys (<<) are not allowed in a lexicon",
                                                        key_node.start_mark)
            if isinstance(key_node, yaml.ScalarNode):
                key = (key_node.tag, key_node.value)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {shorten(key_node.value)} (first on line {seen[key]})",
                        key_node.start_mark)
                seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)


@dataclasses.dataclass(frozen=True)
class Frame:
    """One frame (or actor): an id, labels and the terms that indicate it.

    Attributes
    ----------
    id : short identifier used in every output table (``sanctions``).
    label_en, label_ar : human-readable labels (default: the id).
    description : free text (sources, coding notes).
    terms : the indicator terms as written in the lexicon file.
    verbs : indicator verbs (``verbs:`` in the file): they take verb prefixes and
        suffixes (اتهم → واتهمت، اتهموه), never the article or ب/ك.
    exclude : expressions whose hits do not count for this frame.

    Examples
    --------
    >>> Frame("sanctions", terms=("عقوبات",)).label_ar
    'sanctions'
    """

    id: str
    label_en: str = ""
    label_ar: str = ""
    description: str = ""
    terms: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "label_en", self.label_en or self.id)
        object.__setattr__(self, "label_ar", self.label_ar or self.id)


@dataclasses.dataclass(frozen=True)
class Lexicon:
    """A validated framing lexicon and the provenance of the file it came from.

    Attributes
    ----------
    name : the lexicon's ``name`` field.
    frames : the frames, in file order (output tables keep this order).
    sha256 : SHA-256 of the file's bytes, to cite the exact version used.
    path : where the lexicon was read from.
    description : the lexicon's ``description`` field.

    Examples
    --------
    >>> lex = load_lexicon("actors")
    >>> lex.frame_ids[:2], len(lex.sha256)
    (('russia', 'united_states'), 64)
    """

    name: str
    frames: tuple[Frame, ...]
    sha256: str = ""
    path: str = ""
    description: str = ""

    @property
    def frame_ids(self) -> tuple[str, ...]:
        """The frame ids in file order."""
        return tuple(frame.id for frame in self.frames)

    def frame_table(self) -> pd.DataFrame:
        """One row per frame and term: ``frame``, ``label_en``, ``label_ar``, ``term``.

        Terms are listed as written in the file, in file order, each frame's verbs after its terms.

        Examples
        --------
        >>> load_lexicon("actors").frame_table().iloc[0].tolist()
        ['russia', 'Russia', 'روسيا', 'روسيا']
        """
        rows = [(f.id, f.label_en, f.label_ar, term) for f in self.frames for term in f.terms + f.verbs]
        return pd.DataFrame(rows, columns=["frame", "label_en", "label_ar", "term"])


def bundled_lexicons() -> list[str]:
    """Names of the lexicons shipped in ``analysis/lexicons``.

    Examples
    --------
    >>> "international-news" in bundled_lexicons()
    True
    """
    return sorted(path.stem for path in LEXICON_DIR.glob("*.yaml"))


def load_lexicon(source: str | Path | Lexicon) -> Lexicon:
    """Load a lexicon from a YAML file or by the name of a bundled one.

    Parameters
    ----------
    source : a path to a YAML file, the name of a bundled lexicon
        (``"international-news"``, ``"semetko-valkenburg"``, ``"actors"``), or a
        :class:`Lexicon`, returned unchanged. This is also how the command line's
        ``--lexicon`` value is read.

    Raises
    ------
    ValueError
        When the file breaks the format; the message names the file and the entry
        (``my.yaml: frames[2] (id 'cyber'): 'terms' must be a non-empty list``).
    FileNotFoundError
        When ``source`` is neither an existing file nor a bundled name.

    Examples
    --------
    >>> lex = load_lexicon("international-news")
    >>> lex.name, "sanctions" in lex.frame_ids
    ('international-news', True)
    """
    if isinstance(source, Lexicon):
        return source
    path = Path(source)
    if not path.is_file():
        bundled = LEXICON_DIR / f"{source}.yaml"
        if not bundled.is_file():
            raise FileNotFoundError(
                f"lexicon {shorten(str(source))} is neither a file nor a bundled lexicon "
                f"({', '.join(bundled_lexicons())})"
            )
        path = bundled
    label = path.name
    size = path.stat().st_size
    if size > MAX_LEXICON_BYTES:
        raise ValueError(f"{label}: {size:,} bytes; a lexicon may have at most {MAX_LEXICON_BYTES:,}")
    data = path.read_bytes()
    try:
        spec = yaml.load(data.decode("utf-8"), Loader=_LexiconLoader)
    except (UnicodeDecodeError, yaml.YAMLError) as err:
        raise ValueError(f"{label}: not a readable UTF-8 YAML file ({err})") from err
    except RecursionError:
        raise ValueError(f"{label}: not a readable lexicon (nested too deeply)") from None
    name, description, frames = _parse(spec, label)
    return Lexicon(name, frames, hashlib.sha256(data).hexdigest(), str(path), description)


def _parse(spec, label: str) -> tuple[str, str, tuple[Frame, ...]]:
    if not isinstance(spec, dict):
        raise ValueError(f"{label}: the file must be a mapping with 'name' and 'frames'")
    unknown = set(spec) - _TOP_KEYS
    if unknown:
        raise ValueError(f"{label}: unknown key(s) {shorten(sorted(map(str, unknown)))}; allowed: {sorted(_TOP_KEYS)}")
    name = spec.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{label}: 'name' must be a non-empty string")
    description = _text(spec, "description", label)
    items = spec.get("frames")
    if not isinstance(items, list) or not items:
        raise ValueError(f"{label}: 'frames' must be a non-empty list")
    frames, seen, total = [], set(), 0
    for i, item in enumerate(items):
        total += sum(len(item.get(key) or ()) for key in ("terms", "exclude") if isinstance(item, dict))
        if total > MAX_LEXICON_TERMS:
            raise ValueError(f"{label}: more than {MAX_LEXICON_TERMS:,} terms and exclude expressions in all; "
                             "split the lexicon")
        frame = _parse_frame(item, f"{label}: frames[{i}]")
        if frame.id in seen:
            raise ValueError(f"{label}: frames[{i}]: duplicate frame id {shorten(frame.id)}")
        seen.add(frame.id)
        frames.append(frame)
    return name, description, tuple(frames)


def _parse_frame(item, where: str) -> Frame:
    if not isinstance(item, dict):
        raise ValueError(f"{where}: must be a mapping with 'id' and 'terms'")
    frame_id = item.get("id")
    if not isinstance(frame_id, str) or not _FRAME_ID.fullmatch(frame_id):
        raise ValueError(f"{where}: 'id' must be a word without spaces (letters, digits, _ . -), got {shorten(frame_id)}")
    where = f"{where} (id {shorten(frame_id)})"
    unknown = set(item) - _FRAME_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {shorten(sorted(map(str, unknown)))}; allowed: {sorted(_FRAME_KEYS)}")
    verbs = _terms(item, "verbs", where, required=False)
    terms = _terms(item, "terms", where, required=not verbs)
    exclude = _terms(item, "exclude", where, required=False)
    both = set(terms_words(terms)) & set(terms_words(verbs)) if verbs else set()
    if both:
        raise ValueError(f"{where}: {sorted(' '.join(w) for w, _ in both)} listed both in 'terms' and in 'verbs'")
    return Frame(
        id=frame_id,
        label_en=_text(item, "label_en", where),
        label_ar=_text(item, "label_ar", where),
        description=_text(item, "description", where),
        terms=terms,
        verbs=verbs,
        exclude=exclude,
    )


def _text(mapping: dict, key: str, where: str) -> str:
    value = mapping.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{where}: {key!r} must be a string, got {type(value).__name__}")
    return value.strip()


def _terms(item: dict, key: str, where: str, required: bool) -> tuple[str, ...]:
    values = item.get(key)
    if values is None and not required:
        return ()
    if not isinstance(values, list) or (required and not values):
        raise ValueError(f"{where}: {key!r} must be a {'non-empty ' if required else ''}list")
    for value in values:
        if not isinstance(value, str):
            raise ValueError(f"{where}: {key!r} entry {shorten(value)} must be a string")
        if len(value) > MAX_TERM_CHARS:
            raise ValueError(f"{where}: {key!r} entry {shorten(value)} is longer than {MAX_TERM_CHARS} characters")
    try:
        all_words = terms_words([value.strip() for value in values])
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from None
    seen: dict[tuple[str, ...], str] = {}
    for value, words in zip(values, all_words):
        if not words[0]:
            raise ValueError(f"{where}: {key!r} entry {shorten(value)} has no word left after normalization")
        odd = _NOT_IN_TERMS.search(_DECIMAL_POINT.sub("0", value.strip().removesuffix(_WILDCARD)))
        if odd:
            char = odd.group()
            raise ValueError(f"{where}: {key!r} entry {shorten(value)} holds {char!r} (U+{ord(char):04X} "
                             f"{unicodedata.name(char, 'unnamed')}); a term is letters, numbers and spaces "
                             f"(and a final {_WILDCARD}), nothing is a pattern")
        if len(words[0]) > MAX_TERM_WORDS:
            raise ValueError(f"{where}: {key!r} entry {shorten(value)} has more than {MAX_TERM_WORDS} words")
        if words in seen:
            raise ValueError(f"{where}: {key!r} lists {shorten(value)} and {shorten(seen[words])}, "
                             "the same term after normalization")
        seen[words] = value
    return tuple(value.strip() for value in values)


def term_words(term: str, options=None) -> tuple[tuple[str, ...], bool]:
    """The normalized words of a lexicon term and whether it ends in the ``*`` wildcard.

    Words are normalized like the text (:func:`analysis.text.normalize`, then
    ``casefold`` for Latin letters) and split by :func:`analysis.text.tokenize`.

    Raises
    ------
    ValueError
        When ``*`` appears anywhere but at the very end.

    Examples
    --------
    >>> term_words("الحظر الاقتصاديّ")
    (('الحظر', 'الاقتصادي'), False)
    >>> term_words("تفاوض*")
    (('تفاوض',), True)
    >>> term_words("NATO")
    (('nato',), False)
    """
    return terms_words([term], options)[0]


def terms_words(terms, options=None) -> list[tuple[tuple[str, ...], bool]]:
    """:func:`term_words` of many terms, normalized in one call.

    The words of the last lists of terms are kept, so validating a lexicon and
    compiling its matcher normalize its terms once.

    Examples
    --------
    >>> terms_words(["عقوبات", "تفاوض*"])
    [(('عقوبات',), False), (('تفاوض',), True)]
    """
    return list(_terms_words(tuple(terms), _as_options(options)))


@lru_cache(maxsize=256)
def _terms_words(terms: tuple[str, ...], options: NormalizeOptions) -> tuple[tuple[tuple[str, ...], bool], ...]:
    texts, wildcards = [], []
    for term in terms:
        text = term.strip()
        wildcard = text.endswith(_WILDCARD)
        if wildcard:
            text = text[: -len(_WILDCARD)]
        if _WILDCARD in text:
            raise ValueError(f"term {shorten(term)}: '*' is only allowed at the end of a term")
        if wildcard and text != text.rstrip():
            raise ValueError(f"term {shorten(term)}: '*' must follow a word directly")
        texts.append(text)
        wildcards.append(wildcard)
    if any("\n" in text for text in texts):  # the separator of the one call
        normalized = [normalize(text, options).casefold() for text in texts]
    else:
        normalized = normalize("\n".join(texts), options).casefold().split("\n")
    return tuple((tuple(tokenize(text)), wildcard) for text, wildcard in zip(normalized, wildcards))


def _as_options(options) -> NormalizeOptions:
    return NormalizeOptions(**options) if isinstance(options, dict) else options or NormalizeOptions()


def lexicon_summary(lexicon, examples: int = 6) -> pd.DataFrame:
    """One row per frame of a lexicon: ``frame``, ``label_en``, ``label_ar``, ``terms`` (how many, verbs included), ``examples``.

    Examples
    --------
    >>> lexicon_summary("actors", examples=2).iloc[0][["frame", "label_en", "examples"]].tolist()
    ['russia', 'Russia', 'روسيا، موسكو']
    """
    lex = load_lexicon(lexicon)
    rows = [(f.id, f.label_en, f.label_ar, len(f.terms) + len(f.verbs), "، ".join((f.terms + f.verbs)[:examples]))
            for f in lex.frames]
    return pd.DataFrame(rows, columns=["frame", "label_en", "label_ar", "terms", "examples"])


LABELS = ("en", "ar", "both")
"""Languages of frame and actor labels: English, Arabic, or both ("Sanctions … / عقوبات …")."""


def label_frames(table: pd.DataFrame, lexicon, column: str = "frame", *, labels: str = "en") -> pd.DataFrame:
    """Add ``<column>_label``: the label of each frame (or actor) id in ``column``, in ``labels``.

    Parameters
    ----------
    table : a table with frame (or actor) ids in ``column``.
    lexicon : a :class:`Lexicon`, a bundled lexicon's name or a path.
    column : the column of ids; an id the lexicon does not know is its own label.
    labels : ``"en"`` (default), ``"ar"`` or ``"both"`` (English / Arabic); every chart
        and table that shows the labels shows them in that language.

    Examples
    --------
    >>> label_frames(pd.DataFrame({"frame": ["sanctions"]}), "international-news")["frame_label"].tolist()
    ['Sanctions and economic pressure']
    >>> label_frames(pd.DataFrame({"actor": ["russia"]}), "actors", "actor", labels="both")["actor_label"].tolist()
    ['Russia / روسيا']
    """
    if labels not in LABELS:
        raise ValueError(f"labels must be one of {LABELS}, not {labels!r}")
    frames = load_lexicon(lexicon).frames
    names = {"en": {f.id: f.label_en for f in frames}, "ar": {f.id: f.label_ar for f in frames},
             "both": {f.id: f.label_en if f.label_en == f.label_ar else f"{f.label_en} / {f.label_ar}" for f in frames}}
    return table.assign(**{f"{column}_label": table[column].map(names[labels]).fillna(table[column])})
