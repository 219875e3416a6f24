"""A file's encoding, guessed and decoded: BOMs, UTF-16 without BOM, UTF-8, the single-byte Arabic code pages (Windows-1256, ISO-8859-6, DOS 720/864, MacArabic), and files mixing UTF-8 and Windows-1256 line by line."""

from __future__ import annotations

import codecs
import re

from analysis.charsets import ARABIC_SCRIPT
from analysis.corpus.files import _Member
from analysis.text import has_arabic


# The encoding reported for a file whose lines are some UTF-8, some Windows-1256.
MIXED_ENCODING = "utf-8+cp1256"
# C1 controls (U+0080-U+009F: in valid UTF-8 the bytes C2 80-9F) are rare in real text, while
# Windows-1256 bytes such as آپ (C2 81) are valid UTF-8 for them.
_C1_CONTROLS = re.compile(rb"\xc2[\x80-\x9f]")
_BEYOND_LATIN1 = re.compile("[^\x00-\xff]")


# Single-byte code pages that hold Arabic, the most common first; charset-normalizer
# chooses among them where UTF-8 fails, reading at most SNIFF_BYTES of the file.
ARABIC_CODE_PAGES = ("cp1256", "iso8859_6", "cp720", "cp864", "mac_arabic")
SNIFF_BYTES = 256 * 1024

_BOMS = [
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
]


def detect_encoding(data: bytes) -> str:
    """Guess the encoding of ``data``: BOM, then BOM-less UTF-16, then strict UTF-8, then line by line.

    A file that is UTF-8 except for a few corrupt bytes stays ``utf-8`` (the rows
    holding those bytes are rejected); single-byte code pages decode almost any bytes,
    so they are the last guess, never the first: charset-normalizer chooses among
    :data:`ARABIC_CODE_PAGES` (Windows-1256 unless the bytes read better as another,
    e.g. ISO-8859-6, whose letters Windows-1256 turns into Latin mojibake). A file joining UTF-8 lines and Windows-1256
    lines (archives concatenated over the years) is ``utf-8+cp1256``: each line is
    decoded in its own encoding, rather than the UTF-8 ones turned to mojibake.

    Examples
    --------
    >>> detect_encoding("سلام".encode("utf-8"))
    'utf-8'
    >>> detect_encoding("سلام".encode("cp1256"))
    'cp1256'
    >>> detect_encoding("\\ufeffسلام".encode("utf-16-le"))
    'utf-16'
    >>> detect_encoding("سلام\\n".encode("utf-8") + "كلام".encode("cp1256"))
    'utf-8+cp1256'
    >>> detect_encoding("أعلنت وزارة الخارجية أن المحادثات ستستأنف".encode("iso-8859-6"))
    'iso8859-6'
    """
    return _detect(data)[0]


def _detect(data: bytes) -> tuple[str, str | None]:
    """:func:`detect_encoding`, and the text when it was found by decoding it all as UTF-8."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, None
    utf16 = _utf16_byte_order(data[:4096])
    if utf16:
        return utf16, None
    try:
        return "utf-8", data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    kinds = {_line_encoding(line) for line in data.split(b"\n")}
    if "cp1256" not in kinds:
        return "utf-8", None  # valid UTF-8 but for a few damaged lines: keep it, reject their rows
    return (MIXED_ENCODING if "utf-8" in kinds else _code_page(data)), None


def _code_page(data: bytes) -> str:
    """The single-byte Arabic code page ``data`` reads best in (charset-normalizer), Windows-1256 when unsure."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[:SNIFF_BYTES], cp_isolation=list(ARABIC_CODE_PAGES)).best()
    name = codecs.lookup(best.encoding).name if best is not None else "cp1256"
    try:
        data.decode(name)
    except UnicodeDecodeError:  # the sample read well, the rest of the file does not
        return "cp1256"
    return name


def _line_encoding(line: bytes) -> str:
    """'ascii', 'utf-8', 'damaged' (UTF-8 with a few bad bytes), 'cp1256', or 'c1' for one line of bytes.

    'c1' is valid UTF-8 whose only non-ASCII characters are C1 controls or Latin-1: in a
    file that also has Windows-1256 lines it is one of them (آپ is C2 81), else UTF-8.
    """
    if line.isascii():
        return "ascii"
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        replaced = line.decode("utf-8", errors="replace")
        non_ascii = sum(1 for ch in replaced if ord(ch) > 127)
        # Windows-1256 Arabic is hardly ever valid UTF-8: nearly every high byte becomes U+FFFD.
        if replaced.count("\ufffd") > 0.3 * non_ascii:
            return "cp1256"
        # A few bad bytes, but the rest holds no Arabic while it reads as Arabic in Windows-1256
        # (ااپآپآ is C7 C7 81 C2 81 C2: one bad byte, then Ǳ, U+0081 and ¡): Windows-1256.
        return "cp1256" if not has_arabic(replaced) and _mostly_arabic(line.decode("cp1256", errors="replace")) \
            else "damaged"
    return "c1" if _C1_CONTROLS.search(line) and not _BEYOND_LATIN1.search(text) else "utf-8"


_ARABIC_CHARACTER = re.compile(f"[{ARABIC_SCRIPT}]")


def _mostly_arabic(text: str) -> bool:
    """Whether at least 80 % of the non-ASCII characters of ``text`` are Arabic.

    Examples
    --------
    >>> _mostly_arabic("ااپآپآ، "), _mostly_arabic("Cafأ© crأ¨me")
    (True, False)
    """
    high = [ch for ch in text if ord(ch) > 127]
    return bool(high) and sum(1 for ch in high if _ARABIC_CHARACTER.match(ch)) >= 0.8 * len(high)


def _utf16_byte_order(sample: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when every other byte is NUL (Latin) or 0x06 (Arabic), else None.

    Checked before UTF-8: Arabic in UTF-16 is often valid (if meaningless) UTF-8.
    """
    if len(sample) < 4:
        return None
    half = len(sample) / 2
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) + odd.count(6) > 0.6 * half and even.count(0) < 0.05 * half:
        return "utf-16-le"
    if even.count(0) + even.count(6) > 0.6 * half and odd.count(0) < 0.05 * half:
        return "utf-16-be"
    return None


def _decode(data: bytes, encoding: str) -> tuple[str, bool]:
    """The text, and whether some bytes did not decode (replaced by U+FFFD)."""
    if encoding == MIXED_ENCODING:
        return _decode_lines(data)[:2]
    try:
        return data.decode(encoding), False
    except UnicodeDecodeError:
        return data.decode(encoding, errors="replace"), True


def _decode_lines(data: bytes) -> tuple[str, bool, int]:
    """Each line in its own encoding (UTF-8 or Windows-1256): the text, whether bytes were lost, Windows-1256 lines."""
    lines, lossy, legacy = [], False, 0
    for line in data.split(b"\n"):
        kind = _line_encoding(line)
        kind = "cp1256" if kind == "c1" else kind  # a MIXED file has Windows-1256 lines: so is this one
        legacy += kind == "cp1256"
        lossy = lossy or kind == "damaged"
        lines.append(line.decode("cp1256") if kind == "cp1256" else line.decode("utf-8", errors="replace"))
    return "\n".join(lines), lossy, legacy


def _text_of(member: _Member, data: bytes, encoding: str | None) -> tuple[str, str, bool, list, list[str]]:
    """Decoded text of a text file: (text, encoding, lossy, warnings, notes).

    BOMs and NUL bytes are removed (NULs with a warning); a forced encoding that does
    not fit is noted with the detected one.
    """
    enc, decoded = (encoding, None) if encoding else _detect(data)  # a whole-file UTF-8 text comes decoded
    warnings, notes, lossy = [], [], False
    if enc == MIXED_ENCODING:
        decoded, lossy, legacy = _decode_lines(data)
        warnings.append((member.label, "file", "", f"{legacy} line(s) in Windows-1256 among UTF-8 ones; "
                                                     "each line decoded in its own encoding"))
    elif decoded is None:
        decoded, lossy = _decode(data, enc)
    decoded = decoded.lstrip("\ufeff")
    if "\x00" in decoded:
        warnings.append((member.label, "file", "", f"{decoded.count(chr(0))} NUL byte(s) removed "
                                                       "(a damaged file, or a wrong encoding)"))
        decoded = decoded.replace("\x00", "")
    if lossy and encoding:
        notes.append(f"encoding {encoding} was forced but does not fit every byte; detection suggests {detect_encoding(data)}")
    return decoded, enc, lossy, warnings, notes
