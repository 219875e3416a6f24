"""Who shapes Arabic (matplotlib, Pillow) and the string each renderer must be given."""

from __future__ import annotations

import functools
import os

import arabic_reshaper
import matplotlib
import PIL.features
from bidi.algorithm import get_display
from matplotlib import ft2font

__all__ = ["renderer_shapes_arabic", "arabic_text"]

SHAPING_ENV = "ARABIC_FRAMING_SHAPING"
"""Environment variable overriding the shaping decision: auto, native or reshape."""
SHAPING_MODES = ("auto", "native", "reshape")
RENDERERS = ("matplotlib", "pillow")
_ARABIC_BLOCKS = (
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x08A0, 0x08FF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
)


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


def _has_arabic(text: str) -> bool:
    return any(lo <= ord(ch) <= hi for ch in text for lo, hi in _ARABIC_BLOCKS)


def _display(text: str, native: bool) -> str:
    if native or not _has_arabic(text):
        return text
    return "\n".join(get_display(arabic_reshaper.reshape(line)) for line in text.split("\n"))


def arabic_text(text: str, *, reshape: bool | None = None) -> str:
    """The string to give matplotlib so that ``text`` renders correctly.

    Where matplotlib shapes Arabic itself the logical string is returned unchanged;
    elsewhere each line is reshaped into joined letter forms and put in visual order,
    which keeps Latin words and numbers inside an Arabic label ("S-400", "NATO", "2")
    in reading order. Text without Arabic is always returned unchanged.

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
    """
    native = renderer_shapes_arabic("matplotlib") if reshape is None else not reshape
    return _display(str(text), native)
