"""Arabic text normalization, tokenization and stopwords.

Normalization is a single ``str.translate`` pass built from individually switchable
steps; tokenization is one compiled regular expression. Both are pure functions of
their input and options, so a recorded :class:`NormalizeOptions` reproduces them.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from analysis import charsets

__all__ = [
    "NormalizeOptions",
    "normalize",
    "tokenize",
    "token_spans",
    "stopwords",
    "spelling_options",
    "spelling_merges",
    "merge_spellings",
    "TOKEN_PATTERN",
    "SENTENCE_END",
    "visible",
    "clean_name",
    "has_arabic",
    "text_direction",
]


@dataclasses.dataclass(frozen=True)
class NormalizeOptions:
    """Which normalization steps to apply; every step can be switched off.

    Parameters
    ----------
    diacritics : strip tashkeel, the superscript alef and Quranic marks.
    tatweel : strip the elongation character ـ.
    alef : write أ إ آ ٱ as ا.
    alef_maqsura : write ى as ي.
    persian : write Persian/Urdu look-alikes (ی ک ە ۀ …) as Arabic letters.
    digits : write Arabic-Indic and Persian digits as ASCII digits.
    controls : remove every default-ignorable code point (zero-width characters, the BOM,
        bidirectional controls, the combining grapheme joiner, invisible operators,
        variation selectors, tags …: the Unicode property, see ``charsets.CONTROLS``).
    presentation_forms : decompose presentation-form glyphs (ﻻ → لا) with NFKC.
    teh_marbuta : write ة as ه (off by default: it merges distinct words).

    Examples
    --------
    >>> NormalizeOptions(teh_marbuta=True).teh_marbuta
    True
    """

    diacritics: bool = True
    tatweel: bool = True
    alef: bool = True
    alef_maqsura: bool = True
    persian: bool = True
    digits: bool = True
    controls: bool = True
    presentation_forms: bool = True
    teh_marbuta: bool = False

    def as_dict(self) -> dict[str, bool]:
        """The options as a plain dict, for provenance records."""
        return dataclasses.asdict(self)


def _options(options: NormalizeOptions | dict | None, overrides: dict) -> NormalizeOptions:
    if options is None:
        options = NormalizeOptions()
    elif isinstance(options, dict):
        options = NormalizeOptions(**options)
    if overrides:
        unknown = set(overrides) - {f.name for f in dataclasses.fields(NormalizeOptions)}
        if unknown:
            raise ValueError(f"unknown normalization option(s): {', '.join(sorted(unknown))}")
        options = dataclasses.replace(options, **overrides)
    return options


@lru_cache(maxsize=64)
def _translation_table(options: NormalizeOptions) -> dict[str, str]:
    mapping: dict[str, str] = {}
    if options.persian:
        mapping.update(charsets.PERSIAN_LETTERS)
    if options.alef:
        mapping.update(charsets.ALEF_FORMS)
    if options.alef_maqsura:
        mapping.update(charsets.ALEF_MAQSURA)
    if options.teh_marbuta:
        mapping.update(charsets.TEH_MARBUTA)
    if options.digits:
        mapping.update(charsets.DIGITS)
    if options.diacritics:
        mapping.update(dict.fromkeys(charsets.DIACRITICS, ""))
    if options.tatweel:
        mapping[charsets.TATWEEL] = ""
    if options.controls:
        mapping.update(dict.fromkeys(charsets.CONTROLS, ""))

    def close(s: str) -> str:  # apply the mapping until nothing changes (ۃ → ة → ه)
        while (t := "".join(mapping.get(ch, ch) for ch in s)) != s:
            s = t
        return s

    table = {ch: close(ch) for ch in mapping}
    if options.presentation_forms:
        for lo, hi in charsets.PRESENTATION_FORMS:
            for code in range(lo, hi + 1):
                ch = chr(code)
                decomposed = unicodedata.normalize("NFKC", ch)
                # Multi-word ligatures (ﷺ) would turn one token into several: keep them.
                if decomposed != ch and " " not in decomposed:
                    table[ch] = close(decomposed)
    return {k: v for k, v in table.items() if v != k}


# Characters normalized at a time: a regular expression's substitution holds a piece per match
# (a fully vocalized text: two a letter), so a huge text is normalized a chunk at a time.
_CHUNK = 2**18

# Letters that nearly every Arabic text is full of and that normalization rewrites.
_FREQUENT = "أإآىة"


def _ranges(chars) -> str:
    """A character-class body for ``chars`` with runs of consecutive code points as ranges.

    The default-ignorable code points number thousands (4,096 tags alone); listed one
    by one, a class beyond the BMP is searched linearly for every character of a text.
    """
    codes = sorted(map(ord, chars))
    runs, start = [], 0
    for i in range(1, len(codes) + 1):
        if i == len(codes) or codes[i] != codes[i - 1] + 1:
            lo, hi = re.escape(chr(codes[start])), re.escape(chr(codes[i - 1]))
            runs.append(lo if start == i - 1 else f"{lo}-{hi}")
            start = i
    return "".join(runs)


@lru_cache(maxsize=64)
def _normalizer(options: NormalizeOptions) -> Callable[[str], str]:
    """The normalization function for ``options``, built once.

    ``str.replace`` rewrites the frequent letters (hamzated alefs, alef maqsura, teh
    marbuta); one regular expression over the other characters that change does the
    rest. A regex callback per character is ~10x slower than ``str.replace``, and
    ``str.translate`` looks up every character of the text in a dict. The order does
    not matter: no replacement contains a character that changes.
    """
    table = _translation_table(options)
    frequent = [(ch, table[ch]) for ch in _FREQUENT if ch in table]
    rest = {ch: to for ch, to in table.items() if ch not in _FREQUENT}
    pattern = re.compile(f"[{_ranges(rest)}]") if rest else None

    def replace(match: re.Match) -> str:
        return rest[match.group()]

    def apply(text: str) -> str:
        if len(text) > _CHUNK:  # every step maps one character: chunks normalize alike, and never all at once
            return "".join(apply(text[i:i + _CHUNK]) for i in range(0, len(text), _CHUNK))
        for ch, to in frequent:
            text = text.replace(ch, to)
        return pattern.sub(replace, text) if pattern else text

    return apply


def normalize(text: str, options: NormalizeOptions | dict | None = None, **steps: bool) -> str:
    """Normalize Arabic text with the chosen steps (see :class:`NormalizeOptions`).

    Parameters
    ----------
    text : the text to normalize.
    options : a :class:`NormalizeOptions` (or dict of its fields); defaults to all
        steps on except ``teh_marbuta``.
    **steps : individual steps switched on or off, overriding ``options``.

    Examples
    --------
    >>> normalize("مُوَاجَهَةٌ إِلى")
    'مواجهة الي'
    >>> normalize("عقوبـــات ٢٠٢١ یک")
    'عقوبات 2021 يك'
    >>> normalize("إلى", alef=False)
    'إلي'
    """
    return _normalizer(_options(options, steps))(text)


_WORD = (
    f"[{charsets.ARABIC_MARKS}]*[{charsets.ARABIC_LETTERS}][{charsets.ARABIC_LETTERS}{charsets.ARABIC_MARKS}]*"
)
# Marks and invisible controls may sit inside any token: normalization removes them,
# and a token must not split where they were.
_M = charsets.ARABIC_MARKS
_LATIN = f"[A-Za-z\u00C0-\u024F][A-Za-z\\d\u00C0-\u024F{_M}]*"
_NUMBER = f"\\d[\\d{_M}]*(?:[.,٫٬][{_M}]*\\d[\\d{_M}]*)*"
TOKEN_PATTERN = re.compile(f"{_WORD}|{_LATIN}|{_NUMBER}")
"""Arabic words (with in-word marks), Latin words and numbers; everything else separates."""
SENTENCE_END = re.compile(
    f"[{re.escape(charsets.SENTENCE_BREAKS.replace('.', ''))}]|\\.(?!\\d)|(?<!\\d)\\."
)
"""Where a sentence ends: ``. ! ? ؟ ؛`` and line breaks (:data:`analysis.charsets.SENTENCE_BREAKS`),
but not a decimal point between digits (3.5)."""


def tokenize(text: str) -> list[str]:
    """Split text into Arabic words, Latin words and numbers.

    Punctuation (، ؛ ؟ « » “ ” …) is never part of a token. Tokens are returned as
    written; normalize the text first (or each token) to count them.

    Examples
    --------
    >>> tokenize("“المواجهة» بين واشنطن، وموسكو؟ S-400 و 3.5%")
    ['المواجهة', 'بين', 'واشنطن', 'وموسكو', 'S', '400', 'و', '3.5']
    """
    return TOKEN_PATTERN.findall(text)


def token_spans(text: str) -> list[tuple[str, int, int]]:
    """Tokens with their character offsets ``(token, start, end)`` in ``text``.

    Examples
    --------
    >>> token_spans("قال: «محادثات»")
    [('قال', 0, 3), ('محادثات', 6, 13)]
    """
    return [(m.group(), m.start(), m.end()) for m in TOKEN_PATTERN.finditer(text)]


@lru_cache(maxsize=8)
def stopwords(options: NormalizeOptions | None = None) -> frozenset[str]:
    """Arabic stopwords (the stopwords-iso list), normalized like the text.

    Examples
    --------
    >>> {"في", "الي", "التي"} <= stopwords()
    True
    >>> "عقوبات" in stopwords()
    False
    """
    import stopwordsiso

    words = stopwordsiso.stopwords("ar")
    return frozenset(
        token for word in words for token in tokenize(normalize(word, options))
    )


_ARABIC = re.compile(f"[{charsets.ARABIC_SCRIPT}]")
_ARABIC_LETTER = re.compile(f"(?=[{charsets.ARABIC_SCRIPT}])[^\\W\\d_]")
_LATIN_LETTER = re.compile(f"(?=[{charsets.LATIN_SCRIPT}])[^\\W\\d_]")


def spelling_options(options: NormalizeOptions | None = None) -> NormalizeOptions:
    """``options`` with hamzated alefs and ى kept: a token as its writer spelled it, normalized otherwise.

    Frame matching tells آمن from أمن by these spellings; :func:`merge_spellings` turns them
    into the tokens ``options`` give.

    Examples
    --------
    >>> normalize("إلى", spelling_options())
    'إلى'
    """
    return dataclasses.replace(options or NormalizeOptions(), alef=False, alef_maqsura=False)


@lru_cache(maxsize=64)
def spelling_merges(options: NormalizeOptions | None = None) -> tuple[tuple[str, str], ...]:
    """The letters that ``options`` merge and that a spelling (:func:`spelling_options`) keeps, each with
    its normalized letter.

    Examples
    --------
    >>> ("ى", "ي") in spelling_merges()
    True
    """
    options = options or NormalizeOptions()
    table = {**(charsets.ALEF_FORMS if options.alef else {}), **(charsets.ALEF_MAQSURA if options.alef_maqsura else {})}
    return tuple(table.items())


def merge_spellings(spellings: list[str], merges: tuple[tuple[str, str], ...]) -> list[str]:
    """The normalized form of each spelling (:func:`spelling_merges`; no spelling holds a tab).

    One ``str.replace`` a letter over the spellings joined, which costs a small share of a
    ``str.translate`` per spelling (that looks up every letter in a dict).

    Examples
    --------
    >>> merge_spellings(["إلى", "أمن"], spelling_merges())
    ['الي', 'امن']
    """
    if not spellings:
        return []
    text = "\t".join(spellings)
    for letter, normalized in merges:
        text = text.replace(letter, normalized)
    return text.split("\t")


def has_arabic(text: str) -> bool:
    """Whether ``text`` holds any character of the Arabic script (letters, marks, digits, punctuation).

    Examples
    --------
    >>> has_arabic("SMS تبدا"), has_arabic("Riyadh 2015")
    (True, False)
    """
    return _ARABIC.search(text) is not None


def text_direction(text: str) -> str:
    """The base direction ``text`` reads in: ``"rtl"`` where its Arabic letters are at
    least as many as its Latin ones (accented Latin letters counted as Latin), ``"ltr"``
    otherwise, a number or a date alone included.

    One rule for every place that lays text out: the report's HTML cells and captions
    (:func:`analysis.display.html_table`) and chart labels
    (:func:`analysis.charts.arabic_text`, line by line). Unlike the first-strong rule of
    ``dir="auto"``, an English sentence that starts with an Arabic word stays left to
    right, and an Arabic phrase that starts with a Latin word stays right to left.

    Examples
    --------
    >>> text_direction("روسيا والولايات المتحدة"), text_direction("موسكو: 15 of 39 occurrences")
    ('rtl', 'ltr')
    >>> text_direction("2015-07-21 02:42"), text_direction("SMS تبدا")
    ('ltr', 'rtl')
    >>> text_direction("Zürich زيورخ")  # six Latin letters (ü among them), five Arabic
    'ltr'
    """
    arabic = len(_ARABIC_LETTER.findall(text))
    return "rtl" if arabic and arabic >= len(_LATIN_LETTER.findall(text)) else "ltr"


_UNSEEN = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{charsets.INVISIBLE}]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(name: str) -> str:
    r"""``name`` with control, invisible and bidirectional characters written as escapes, for showing it to people.

    A file or column name holding an ANSI escape sequence, a newline or a right-to-left
    override would otherwise reach a terminal or a page raw (a forged summary line, text
    reordered or hidden).

    Examples
    --------
    >>> print(visible("أخبار\u202e.txt"), visible("a\x1b[31mb\nc"))
    أخبار\u202e.txt a\u001b[31mb\u000ac
    """
    return _UNSEEN.sub(_escape, name)


_IGNORABLE = re.compile(f"[{charsets.INVISIBLE}]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def clean_name(name: str) -> str:
    r"""A name (an outlet, a group) as people see it: NFC, without default-ignorable code points, controls as spaces.

    Names that differ only by a zero-width space, a right-to-left mark, a BOM, an
    override or by NFD against NFC render identically, so they are one name.

    Examples
    --------
    >>> clean_name("\ufeffالرائد\u200b") == clean_name("الرائد") == "الرائد"
    True
    >>> clean_name("Al\tRaed\n")
    'Al Raed'
    """
    return " ".join(_CONTROL.sub(" ", _IGNORABLE.sub("", unicodedata.normalize("NFC", name))).split())
