"""Word clouds of Arabic terms, drawn with Pillow whether or not it shapes Arabic itself."""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import seaborn as sns
from matplotlib import font_manager
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from PIL import Image
from wordcloud import WordCloud

from analysis.charts.arabic import _display, arabic_text, renderer_shapes_arabic
from analysis.charts.fonts import FALLBACK_FONT, _default_font_path, _resolve_font, _uncovered
from analysis.charts.layout import PALETTE, PANEL_WIDTH, _finish, _groups, _panels, _require, _styled

__all__ = ["wordcloud_image", "plot_wordclouds"]

WORDCLOUD_COLORS = ListedColormap(sns.color_palette(PALETTE)[:5], name="colorblind5")
"""The first five colour-blind-safe hues of the bars; the palette's pale ones would fade on white."""
WORDCLOUD_DEFAULTS = {
    "background_color": "white",
    "prefer_horizontal": 1.0,
    "colormap": WORDCLOUD_COLORS,
    "margin": 4,
}


def wordcloud_image(
    frequencies: Mapping[str, float],
    *,
    font_path: str | os.PathLike | None = None,
    width: int = 800,
    height: int = 400,
    seed: int = 0,
    reshape: bool | None = None,
    **options,
) -> Image.Image:
    """Draw a word cloud of Arabic terms, correct whether or not Pillow has raqm.

    Words are placed with ``WordCloud.generate_from_frequencies``, so nothing is
    re-tokenized; each word is given to Pillow in the form it renders correctly.

    Parameters
    ----------
    frequencies : mapping of str to float
        Term → weight; terms with a non-positive or missing weight are left out.
    font_path : str or path-like, optional
        Font file or family name (see :func:`arabic_font`); an Arabic face by default.
    width, height : int
        Size in pixels.
    seed : int
        Seed for placement and colours: the same input gives the same pixels.
    reshape : bool, optional
        Force the reshaping recipe on or off; decided from Pillow by default.
    **options
        Further ``wordcloud.WordCloud`` arguments (``max_words``, ``colormap``,
        ``background_color`` …), over ``WORDCLOUD_DEFAULTS``.

    Returns
    -------
    PIL.Image.Image

    Examples
    --------
    >>> image = wordcloud_image({"السعودية": 5, "الرياض": 3}, width=200, height=100)
    >>> image.size
    (200, 100)
    """
    if "random_state" in options:
        raise ValueError("pass seed=, not random_state=: the seed is wordcloud_image's own argument")
    native = renderer_shapes_arabic("pillow") if reshape is None else not reshape
    words = _display_frequencies(frequencies, native)
    if not words:
        raise ValueError("frequencies has no term with a positive weight")
    cloud = WordCloud(
        font_path=str(_cloud_font(font_path, "".join(words))),
        width=width,
        height=height,
        random_state=seed,
        **{**WORDCLOUD_DEFAULTS, **options},
    )
    return cloud.generate_from_frequencies(words).to_image()


def _cloud_font(font: str | os.PathLike | None, text: str) -> Path:
    # Pillow has no font fallback: the one font must cover every character drawn.
    if font is not None:
        candidates = [_resolve_font(font)]
    else:
        candidates = [_default_font_path(), Path(font_manager.findfont(FALLBACK_FONT))]
    for path in candidates:
        missing = _uncovered(path, text)
        if not missing:
            return path
    warnings.warn(
        f"font {path.name} has no glyph for {''.join(missing[:10])!r}: these characters "
        "will show as empty boxes in the word cloud. Pass a font that covers them.",
        UserWarning,
        stacklevel=3,
    )
    return path


def _display_frequencies(frequencies: Mapping[str, float], native: bool) -> dict[str, float]:
    words: dict[str, float] = {}
    for term, weight in sorted(frequencies.items(), key=lambda item: (-_weight(item[1]), str(item[0]))):
        if _weight(weight) > 0:
            shown = _display(str(term), native)
            words[shown] = words.get(shown, 0.0) + float(weight)
    return words


def _weight(value) -> float:
    value = float(value) if value is not None else 0.0
    return value if math.isfinite(value) else 0.0


def plot_wordclouds(
    table: pd.DataFrame,
    *,
    group: str = "source",
    term: str = "term",
    value: str = "count",
    max_words: int = 100,
    ncols: int = 3,
    seed: int = 0,
    title: str | None = "Word clouds",
    font: str | os.PathLike | None = None,
) -> Figure:
    """A grid of word clouds, one per group, each drawn by :func:`wordcloud_image`.

    Parameters
    ----------
    table : pandas.DataFrame
        Term counts: ``group``, ``term`` and ``value`` columns.
    group, term, value : str
        Column names.
    max_words : int
        Most frequent terms per cloud.
    ncols : int
        Clouds per row.
    seed : int
        Placement and colour seed, the same for every cloud.
    title : str, optional
    font : str or path-like, optional
        Arabic font family or file for the clouds and the titles.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> table = pd.DataFrame({"source": ["okaz", "okaz"], "term": ["الرياض", "جدة"], "count": [9, 4]})
    >>> len(plot_wordclouds(table).axes)
    1
    """
    _require(table, group, term, value)
    groups = _groups(table, group)
    with _styled(font) as family:
        fig, axes = _panels(len(groups), ncols, PANEL_WIDTH, PANEL_WIDTH * 0.62)
        for ax, name in zip(axes, groups):
            rows = table[table[group] == name].sort_values([value, term], ascending=[False, True])
            rows = rows.head(max_words)
            image = wordcloud_image(
                dict(zip(rows[term], rows[value])), font_path=font, width=880, height=540,
                seed=seed, max_words=max_words,
            )
            ax.imshow(image, interpolation="lanczos")
            ax.set_axis_off()
            ax.set_title(arabic_text(str(name)))
        return _finish(fig, family, title)
