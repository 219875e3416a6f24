"""Word clouds of Arabic terms, drawn with Pillow whether or not it shapes Arabic itself."""

from __future__ import annotations

import math
import os
import unittest.mock
import warnings
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import seaborn as sns
from matplotlib import font_manager
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
import wordcloud.wordcloud
from PIL import Image, ImageDraw
from wordcloud import WordCloud

from analysis.charts.arabic import _display, arabic_text, renderer_shapes_arabic
from analysis.charts.fonts import FALLBACK_FONT, _default_font_path, _resolve_font, _uncovered
from analysis.charts.layout import PALETTE, PANEL_WIDTH, _finish, _groups, _labelsize, _panels, _require, _styled
from analysis.limits import shorten

__all__ = ["wordcloud_image", "plot_wordclouds"]

WORDCLOUD_COLORS = ListedColormap(sns.color_palette(PALETTE)[:5], name="colorblind5")
"""The first five colour-blind-safe hues of the bars; the palette's pale ones would fade on white."""
WORDCLOUD_DEFAULTS = {
    "background_color": "white",
    "prefer_horizontal": 1.0,
    "colormap": WORDCLOUD_COLORS,
    "margin": 14,
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
    re-tokenized; each word is given to Pillow in the form it renders correctly. A word
    too long to be drawn at all (a frequent 5,000-letter token) is left out with a
    warning, and the cloud drawn without it.

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
    # wordcloud measures each word's box from its top-left ink ("lt") but draws it from
    # the ascender ("la"): the ink lands below (and, for Arabic, beside) the box it was
    # placed by, and runs into the neighbouring words. Drawn from "lt", it stays in its box.
    skipped = []
    for _ in range(_REDRAWS):
        try:
            with unittest.mock.patch.object(wordcloud.wordcloud, "ImageDraw", _TopAnchoredDraw):
                image = cloud.generate_from_frequencies(words).to_image()
            break
        except ValueError as err:  # the first word does not fit even at the smallest size
            if "find space" not in str(err) or len(words) < 2:
                raise ValueError(f"no word of the cloud can be drawn at {width}×{height} pixels: "
                                 f"{shorten(next(iter(words)))} is too long") from None
            top = max(words, key=words.get)
            skipped.append(top)
            del words[top]
    else:
        raise ValueError(f"word cloud: the {_REDRAWS} most frequent words are too long to draw, "
                         f"e.g. {shorten(skipped[0])}")
    if skipped:
        warnings.warn(f"word cloud: {len(skipped)} word(s) too long to draw left out: "
                      f"{', '.join(shorten(word, 30) for word in skipped)}", UserWarning, stacklevel=2)
    return image


#: Times a cloud is redrawn without its most frequent word when that word cannot be placed at all.
_REDRAWS = 5


class _TopLeftDraw(ImageDraw.ImageDraw):
    def text(self, xy, text, fill=None, font=None, anchor=None, *args, **kwargs):
        return super().text(xy, text, fill, font, "lt" if anchor is None else anchor, *args, **kwargs)


class _TopAnchoredDraw:
    """Stands for the ``PIL.ImageDraw`` module inside wordcloud: its ``Draw`` anchors text at the top left."""

    @staticmethod
    def Draw(image, mode=None):  # noqa: N802 (the name wordcloud calls)
        return _TopLeftDraw(image, mode)


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
    display: str | None = "display",
    max_words: int = 100,
    content_only: bool = True,
    ncols: int | None = None,
    seed: int = 0,
    title: str | None = "Word clouds",
    font: str | os.PathLike | None = None,
) -> Figure:
    """A grid of word clouds, one per group, each drawn by :func:`wordcloud_image`.

    Each cloud is drawn from the table's frequencies (never from running text, so no
    two neighbouring words are fused into one), by default without function words:
    stopwords, stopwords behind a proclitic (وذلك، والتي، فإن، بهذا), single letters and
    bare numbers (see :func:`analysis.terms.content_terms`).

    Parameters
    ----------
    table : pandas.DataFrame
        Term counts: ``group``, ``term`` and ``value`` columns.
    group, term, value : str
        Column names.
    display : str or None
        Column of the spellings to draw (see :func:`analysis.terms.label_terms`) when
        present; None draws ``term``.
    max_words : int
        Most frequent terms per cloud.
    content_only : bool
        Leave function words, letters and numbers out (default).
    ncols : int, optional
        Clouds per row; by default as many as fit a page.
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
    >>> table = pd.DataFrame({"source": ["okaz", "okaz"], "term": ["الرياض", "وذلك"], "count": [9, 4]})
    >>> fig = plot_wordclouds(table)
    >>> len(fig.axes), fig.chart_data["term"].tolist()
    (1, ['الرياض'])
    """
    _require(table, group, term, value)
    shown = display if display is not None and display in table.columns else term
    from analysis.terms import content_terms  # here: drawing a chart needs no corpus machinery

    kept = table[content_terms(table[term])] if content_only else table
    if kept.empty:
        raise ValueError("no term left to draw once function words, letters and numbers are left out "
                         "(content_only=False keeps them)")
    groups = _groups(kept, group)
    drawn = (kept[kept[group].isin(groups)].sort_values([group, value, term], ascending=[True, False, True])
             .groupby(group, sort=True).head(max_words))
    with _styled(font) as family:
        fig, axes, scale = _panels(len(groups), ncols, PANEL_WIDTH, PANEL_WIDTH * 0.62, extra_height=0.5)
        for ax, name in zip(axes, groups):
            rows = drawn[drawn[group] == name]
            image = wordcloud_image(
                dict(zip(rows[shown].fillna(rows[term]), rows[value])), font_path=font, width=880, height=540,
                seed=seed, max_words=max_words,
            )
            ax.imshow(image, interpolation="lanczos")
            ax.set_axis_off()
            ax.set_title(arabic_text(str(name)))
        return _finish(fig, family, title, drawn[list(dict.fromkeys([group, term, shown, value]))],
                       labelsize=_labelsize(scale))
