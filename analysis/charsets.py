"""Arabic character tables used by normalization and tokenization, kept as data."""

# Tashkeel (fathatan … sukun), extended Arabic marks, the superscript (dagger) alef,
# Quranic annotation marks and honorific signs. The combining hamza above/below
# (U+0654/U+0655) are letters' parts, not vowels, and are kept.
DIACRITICS = (
    "".join(chr(c) for c in range(0x064B, 0x0654))  # fathatan … maddah above
    + "".join(chr(c) for c in range(0x0656, 0x0660))  # subscript alef … wavy hamza below
    + "\u0670"  # superscript alef
    + "".join(chr(c) for c in range(0x0610, 0x061B))  # honorific signs, small marks
    + "".join(chr(c) for c in range(0x06D6, 0x06DD))  # Quranic small high ligatures
    + "".join(chr(c) for c in range(0x06DF, 0x06E5))
    + "\u06E7\u06E8"
    + "".join(chr(c) for c in range(0x06EA, 0x06EE))
)

TATWEEL = "\u0640"

# Hamza-carrying and wasla alef forms written as bare alef.
ALEF_FORMS = {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا"}

ALEF_MAQSURA = {"ى": "ي"}

TEH_MARBUTA = {"ة": "ه"}

# Persian and Urdu letters that look like Arabic ones but are other code points.
PERSIAN_LETTERS = {
    "ی": "ي",  # U+06CC Farsi yeh
    "ې": "ي",  # U+06D0 yeh with two dots below (Pashto/Uyghur "e")
    "ے": "ي",  # U+06D2 yeh barree
    "ۍ": "ي",  # U+06CD yeh with tail
    "ک": "ك",  # U+06A9 keheh
    "ڪ": "ك",  # U+06AA swash kaf
    "ە": "ه",  # U+06D5 ae
    "ۀ": "ه",  # U+06C0 heh with yeh above (Persian ezafe)
    "ھ": "ه",  # U+06BE heh doachashmee
    "ہ": "ه",  # U+06C1 heh goal
    "ۃ": "ة",  # U+06C3 teh marbuta goal
    "ٹ": "ت",  # U+0679 tteh
    "ۓ": "ي",  # U+06D3 yeh barree with hamza above
}

# Arabic-Indic (U+0660…) and Extended/Persian (U+06F0…) digits, plus the Arabic
# decimal and thousands separators.
DIGITS = {
    **{chr(0x0660 + i): str(i) for i in range(10)},
    **{chr(0x06F0 + i): str(i) for i in range(10)},
    "٫": ".",
    "٬": ",",
}

def _property_ranges(name: str) -> list[tuple[int, int]]:
    """The code point ranges having a Unicode binary property, from the ``regex`` module's Unicode tables."""
    import numpy as np
    import regex

    everything = np.arange(0x110000, dtype="<u4").tobytes().decode("utf-32-le", "surrogatepass")
    return [(m.start(), m.end() - 1) for m in regex.finditer(rf"\p{{{name}}}+", everything)]


# Every default-ignorable code point (the Unicode property Default_Ignorable_Code_Point:
# zero-width spaces and joiners, the BOM, bidirectional controls and isolates, the soft
# hyphen, the combining grapheme joiner, invisible operators, variation selectors, tags
# …): invisible, but they split or disguise words. From the property, not a hand list.
DEFAULT_IGNORABLE = _property_ranges("Default_Ignorable_Code_Point")
CONTROLS = "".join(chr(c) for lo, hi in DEFAULT_IGNORABLE for c in range(lo, hi + 1))

# Arabic presentation forms (contextual glyph code points found in text copied from
# PDFs): decomposed with NFKC.
PRESENTATION_FORMS = [(0xFB50, 0xFDFF), (0xFE70, 0xFEFF)]

# The Arabic script's blocks (Arabic, Supplement, Extended-A, both presentation-form blocks),
# as a regular-expression character-class body: what counts as Arabic when choosing a direction.
ARABIC_SCRIPT = "\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF"
# Latin letters, accented ones included (Latin-1, Extended-A and -B, Extended Additional).
LATIN_SCRIPT = "A-Za-z\u00C0-\u024F\u1E00-\u1EFF"

# Letters and in-word marks, as regular-expression character-class bodies.
ARABIC_LETTERS = (
    "\u0621-\u063A\u0641-\u064A\u066E\u066F\u0671-\u06D3\u06D5\u06EE\u06EF"
    "\u06FA-\u06FC\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE80-\uFEFC"
)
INVISIBLE = "".join(chr(lo) if lo == hi else f"{chr(lo)}-{chr(hi)}" for lo, hi in DEFAULT_IGNORABLE)  # CONTROLS as a class
ARABIC_MARKS = "\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640\uFE70-\uFE7F" + INVISIBLE

# Where a sentence ends: no multi-word term matches across one, and KWIC contexts can stop
# there. Line breaks (ASCII, NEL, the line and paragraph separators) count as sentence ends.
SENTENCE_BREAKS = ".!?؟؛\n\r\u2028\u2029\x85\x0b\x0c"
