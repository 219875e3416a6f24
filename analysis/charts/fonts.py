"""Which font draws Arabic: preferred Arabic faces, the DejaVu Sans fallback, glyph coverage checks."""

from __future__ import annotations

import contextlib
import functools
import os
import warnings
from pathlib import Path

from matplotlib import font_manager, ft2font

from analysis.charts.arabic import _display, renderer_shapes_arabic

__all__ = ["arabic_font"]

ARABIC_FONTS = ("Noto Sans Arabic", "Noto Naskh Arabic", "Amiri")
"""Arabic faces preferred, in order, when installed (Debian: fonts-noto-core, fonts-hosny-amiri)."""
FALLBACK_FONT = "DejaVu Sans"
"""Bundled with matplotlib; has Latin and Arabic glyphs, so text never shows as boxes."""
ARABIC_LETTERS = "ءآأؤإئابةتثجحخدذرزسشصضطظعغفقكلمنهوىي"


def arabic_font(font: str | os.PathLike | None = None, *, renderer: str = "matplotlib") -> Path:
    """The font file to draw Arabic with, warning when it lacks Arabic glyphs.

    Parameters
    ----------
    font : str or path-like, optional
        A font file, or a family name known to matplotlib's font manager. By default
        the first installed of ``ARABIC_FONTS``, else matplotlib's bundled DejaVu Sans.
    renderer : {"matplotlib", "pillow"}
        Whose shaping decides which glyphs are needed: joined presentation forms
        when the text is reshaped, the base letters otherwise.

    Returns
    -------
    pathlib.Path

    Warns
    -----
    UserWarning
        When the font has no glyph for some of the Arabic letters in the forms needed.

    Examples
    --------
    >>> arabic_font("DejaVu Sans").name
    'DejaVuSans.ttf'
    """
    path = _default_font_path() if font is None else _resolve_font(font)
    missing = _missing_glyphs(str(path), renderer_shapes_arabic(renderer))
    if missing:
        warnings.warn(
            f"font {path.name} has no glyph for {len(missing)} Arabic characters "
            f"(such as {''.join(missing[:6])!r}): Arabic text will show as empty boxes. "
            f"Pass an Arabic-capable font or install one of {ARABIC_FONTS}.",
            UserWarning,
            stacklevel=2,
        )
    return path


@functools.cache
def _default_font_path() -> Path:
    for family in ARABIC_FONTS:
        with contextlib.suppress(ValueError):
            return Path(font_manager.findfont(family, fallback_to_default=False))
    return Path(font_manager.findfont(FALLBACK_FONT))


def _resolve_font(font: str | os.PathLike) -> Path:
    path = Path(font)
    if path.suffix.lower() in {".ttf", ".otf", ".ttc"}:
        if not path.is_file():
            raise ValueError(f"font file {path} does not exist")
        return path
    try:
        return Path(font_manager.findfont(str(font), fallback_to_default=False))
    except ValueError:
        raise ValueError(f"font family {font!r} is not installed; pass a font file path") from None


@functools.cache
def _charmap(path: str) -> frozenset[int]:
    return frozenset(ft2font.FT2Font(path).get_charmap())


def _uncovered(path: Path, text: str) -> list[str]:
    charmap = _charmap(str(path))
    return sorted(ch for ch in set(text) if not ch.isspace() and ord(ch) not in charmap)


def _missing_glyphs(path: str, native: bool) -> list[str]:
    sample = ARABIC_LETTERS + " " + " ".join(ARABIC_LETTERS)
    return _uncovered(Path(path), _display(sample, native))


def _font_family(font: str | os.PathLike | None) -> list[str]:
    path = arabic_font(font)
    if str(path) not in {entry.fname for entry in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(path)
    family = font_manager.get_font(path).family_name
    return [family] if family == FALLBACK_FONT else [family, FALLBACK_FONT]
