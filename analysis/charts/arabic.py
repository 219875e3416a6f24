"""Who shapes Arabic (matplotlib, Pillow) and the string each renderer must be given."""

from __future__ import annotations

import functools
import os
import unicodedata

import arabic_reshaper
import matplotlib
import PIL.features
from bidi.algorithm import get_display
from matplotlib import ft2font

from analysis.text import has_arabic, text_direction

__all__ = ["renderer_shapes_arabic", "arabic_text"]

SHAPING_ENV = "ARABIC_FRAMING_SHAPING"
"""Environment variable overriding the shaping decision: auto, native or reshape."""
SHAPING_MODES = ("auto", "native", "reshape")
RENDERERS = ("matplotlib", "pillow")


@functools.cache
def renderer_shapes_arabic(renderer: str = "matplotlib") -> bool:
    """Whether ``renderer`` shapes and orders Arabic itself (decided once per process).

    matplotlib does from 3.11 when built with libraqm; Pillow (which draws word clouds)
    does when it finds libraqm at run time. The environment variable
    ``ARABIC_FRAMING_SHAPING`` overrides the decision for every renderer: ``native``
    (give logical strings), ``reshape`` (reshape and reorder first) or ``auto``.

    Parameters
    ----------
    renderer : {"matplotlib", "pillow"}

    Returns
    -------
    bool
        True when the renderer must receive the logical string unchanged.

    Examples
    --------
    >>> (arabic_text("السعودية") == "السعودية") == renderer_shapes_arabic("matplotlib")
    True
    """
    if renderer not in RENDERERS:
        raise ValueError(f"renderer must be one of {RENDERERS}, not {renderer!r}")
    mode = os.environ.get(SHAPING_ENV, "auto").strip().lower() or "auto"
    if mode not in SHAPING_MODES:
        raise ValueError(f"{SHAPING_ENV} must be one of {SHAPING_MODES}, not {mode!r}")
    if mode != "auto":
        return mode == "native"
    if renderer == "pillow":
        return bool(PIL.features.check("raqm"))
    return _matplotlib_has_raqm()


def _matplotlib_has_raqm() -> bool:
    version = matplotlib.__version_info__
    return (version.major, version.minor) >= (3, 11) and bool(
        getattr(ft2font, "__libraqm_version__", "")
    )


RLM = "\u200f"
"""RIGHT-TO-LEFT MARK: put before a line that has Arabic but starts with a Latin word."""


def _starts_left_to_right(line: str) -> bool:
    """Whether the first strongly directional character of ``line`` is left-to-right (Latin)."""
    for ch in line:
        direction = unicodedata.bidirectional(ch)
        if direction in ("R", "AL"):
            return False
        if direction == "L":
            return True
    return False


def _display(text: str, native: bool) -> str:
    # An Arabic line runs right to left even when it starts with a Latin word
    # ("SMS تبدا" shows SMS at the right end, read first).
    if not has_arabic(text):
        return text
    lines = text.split("\n")
    if native:
        return "\n".join(RLM + line if text_direction(line) == "rtl" and _starts_left_to_right(line) else line
                         for line in lines)
    return "\n".join(get_display(arabic_reshaper.reshape(line), base_dir="R" if text_direction(line) == "rtl" else "L")
                     if has_arabic(line) else line for line in lines)


def arabic_text(text: str, *, reshape: bool | None = None) -> str:
    """The string to give matplotlib so that ``text`` renders correctly.

    Where matplotlib shapes Arabic itself the logical string is returned unchanged;
    elsewhere each line is reshaped into joined letter forms and put in visual order,
    which keeps Latin words and numbers inside an Arabic label ("S-400", "NATO", "2")
    in reading order. A line with at least as many Arabic letters as Latin ones reads
    right to left even when it starts with a Latin word ("SMS تبدا": SMS at the right
    end, read first); natively that is a right-to-left mark before it. Text without
    Arabic is returned unchanged but for ``$``, escaped so that matplotlib never parses a
    label as mathtext (an outlet named ``$\\frac$`` would fail the figure).

    Parameters
    ----------
    text : str
        Label in logical (typing) order.
    reshape : bool, optional
        Force the reshaping recipe on (True) or off (False); by default decided by
        :func:`renderer_shapes_arabic`.

    Returns
    -------
    str

    Examples
    --------
    >>> arabic_text("ستريم 2", reshape=False)
    'ستريم 2'
    >>> arabic_text("لا", reshape=True)
    'ﻻ'
    >>> arabic_text("Riyadh", reshape=True)
    'Riyadh'
    >>> arabic_text("SMS تبدا", reshape=False)
    '\u200fSMS تبدا'
    >>> print(arabic_text("$x$"))
    \\$x\\$
    """
    native = renderer_shapes_arabic("matplotlib") if reshape is None else not reshape
    return _display(str(text), native).replace("$", r"\$")  # a name is data, never mathtext
