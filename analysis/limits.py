"""Upper bounds that keep a small or hostile input from costing unbounded memory or time (documented in the README)."""

from __future__ import annotations

import numbers

__all__ = [
    "MAX_LEXICON_BYTES",
    "MAX_LEXICON_TERMS",
    "MAX_TERM_CHARS",
    "MAX_TERM_WORDS",
    "MAX_RECORD_COLUMNS",
    "MAX_RESAMPLES",
    "MAX_SHOWN",
    "check_count",
    "shorten",
]

#: A lexicon file larger than this is refused before it is parsed.
MAX_LEXICON_BYTES = 64 * 2**20
#: Terms and exclude expressions of all frames of one lexicon together.
MAX_LEXICON_TERMS = 1_000_000
#: Characters of one term, and words of one (multi-word) term.
MAX_TERM_CHARS = 200
MAX_TERM_WORDS = 12
#: Distinct keys of a JSON / JSON Lines file kept as columns of their own; keys beyond these
#: (the rarest) are kept together in one JSON column, ``extra``, of each record that has them.
MAX_RECORD_COLUMNS = 256
#: Bootstrap resamples, permutations, shuffles and draws of one call.
MAX_RESAMPLES = 1_000_000
#: Characters of a value quoted in an error message or a note.
MAX_SHOWN = 80


def check_count(name: str, value, maximum: int, minimum: int = 1) -> int:
    """``value`` as an ``int`` when it is an integer in ``[minimum, maximum]``, else a ``ValueError`` naming ``name``.

    Examples
    --------
    >>> check_count("n_boot", 200, MAX_RESAMPLES)
    200
    >>> check_count("n_boot", 10**8, MAX_RESAMPLES)
    Traceback (most recent call last):
    ...
    ValueError: n_boot must be an integer from 1 to 1,000,000, not 100000000
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not minimum <= value <= maximum:
        raise ValueError(f"{name} must be an integer from {minimum:,} to {maximum:,}, not {shorten(value)}")
    return int(value)


def shorten(value, limit: int = MAX_SHOWN) -> str:
    """``repr(value)`` cut to about ``limit`` characters, so a message never quotes an unbounded value.

    A long string is cut before it is formatted, so the cost is bounded too.

    Examples
    --------
    >>> shorten("عقوبات")
    "'عقوبات'"
    >>> shorten("ب" * 1000, 20)
    "'بببببببببببببببببببب…' (1,000 characters)"
    >>> shorten(["frame"] + ["x"] * 10)
    "['frame', 'x', 'x', 'x', … 11 in all]"
    """
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}"[:-1] + f"…' ({len(value):,} characters)"
    if isinstance(value, list):  # a few items, each shortened
        items = [shorten(item, limit // 4) for item in value[:4]]
        return "[" + ", ".join(items + ([f"… {len(value):,} in all"] if len(value) > 4 else [])) + "]"
    if isinstance(value, (tuple, dict, set)):
        return f"a {type(value).__name__} of {len(value):,} item(s)"
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"
