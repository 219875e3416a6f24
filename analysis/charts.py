"""Arabic-correct charts and word clouds drawn from tidy tables, and saving them."""

from __future__ import annotations

import contextlib
import functools
import io
import math
import os
import uuid
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import arabic_reshaper
import matplotlib
import numpy as np
import pandas as pd
import PIL.features
import seaborn as sns
from bidi.algorithm import get_display
from matplotlib import dates as mdates
from matplotlib import font_manager, ft2font
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from PIL import Image
from wordcloud import WordCloud

from analysis.paths import FIGURE_DIR

__all__ = [
    "ChartFigure",
    "renderer_shapes_arabic",
    "arabic_text",
    "arabic_font",
    "wordcloud_image",
    "save_figure",
    "plot_top_terms",
    "plot_distinctive_terms",
    "plot_frame_rates",
    "plot_frame_heatmap",
    "plot_frames_over_time",
    "plot_wordclouds",
    "plot_actor_frame_heatmap",
]

SHAPING_ENV = "ARABIC_FRAMING_SHAPING"
"""Environment variable overriding the shaping decision: auto, native or reshape."""
SHAPING_MODES = ("auto", "native", "reshape")
RENDERERS = ("matplotlib", "pillow")

ARABIC_FONTS = ("Noto Sans Arabic", "Noto Naskh Arabic", "Amiri")
"""Arabic faces preferred, in order, when installed (Debian: fonts-noto-core, fonts-hosny-amiri)."""
FALLBACK_FONT = "DejaVu Sans"
"""Bundled with matplotlib; has Latin and Arabic glyphs, so text never shows as boxes."""
ARABIC_LETTERS = "ءآأؤإئابةتثجحخدذرزسشصضطظعغفقكلمنهوىي"
_ARABIC_BLOCKS = (
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x08A0, 0x08FF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
)

PALETTE = "colorblind"
HEATMAP_CMAP = "viridis"
FIGURE_DPI = 150
SAVE_DPI = 200
MIN_SAVE_DPI = 150
SAVE_FORMATS = ("png", "svg")
_SAVE_METADATA = {"png": {}, "svg": {"Date": None}}
PANEL_WIDTH = 4.4
BAR_HEIGHT = 0.3
GLOSS_BAR_HEIGHT = 0.5
_THEME = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "figure.titlesize": 13,
    "figure.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "figure.dpi": FIGURE_DPI,
    "svg.fonttype": "path",
    "svg.hashsalt": "arabic-framing",
}
TICK_LABEL_SIZE = 10
LABEL_CHAR_WIDTH = 0.085
LEGEND_COLUMNS = 4

VALUE_LABELS = {
    "count": "Occurrences",
    "per_10k": "Occurrences per 10,000 tokens",
    "rate_per_1k": "Frame hits per 1,000 tokens",
    "hits": "Frame hits",
    "log_odds": "Log-odds ratio",
    "z": "z-score",
    "g2": "Log-likelihood G²",
}
SCORE_COLUMNS = ("log_odds", "z", "g2")

WORDCLOUD_COLORS = ListedColormap(sns.color_palette(PALETTE)[:5], name="colorblind5")
"""The first five colour-blind-safe hues of the bars; the palette's pale ones would fade on white."""
WORDCLOUD_DEFAULTS = {
    "background_color": "white",
    "prefer_horizontal": 1.0,
    "colormap": WORDCLOUD_COLORS,
    "margin": 4,
}


# --- shaping -------------------------------------------------------------------------


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


# --- fonts ---------------------------------------------------------------------------


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


# --- word clouds ---------------------------------------------------------------------


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


# --- figures and saving --------------------------------------------------------------


class ChartFigure(Figure):
    """The matplotlib ``Figure`` every ``plot_*`` returns; in Jupyter it shows itself.

    Charts are drawn without pyplot (no global figure state, nothing to close), so
    Jupyter's inline backend never sees them; as the last value of a cell this class
    shows the picture (a PNG at :data:`FIGURE_DPI`) instead of ``<Figure size … with 2
    Axes>``. Everything else is a plain matplotlib ``Figure``.

    Examples
    --------
    >>> table = pd.DataFrame({"source": ["عكاظ"], "term": ["الرياض"], "count": [3], "per_10k": [2.5]})
    >>> plot_top_terms(table)._repr_png_()[:4]
    b'\x89PNG'
    """

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        with matplotlib.rc_context(_THEME):
            self.savefig(buffer, format="png", dpi=FIGURE_DPI)
        return buffer.getvalue()


# --- saving --------------------------------------------------------------------------


def save_figure(
    fig: Figure,
    name: str,
    directory: str | os.PathLike = FIGURE_DIR,
    formats: Sequence[str] = SAVE_FORMATS,
    *,
    dpi: int = SAVE_DPI,
) -> list[Path]:
    """Write ``fig`` as ``<directory>/<name>.<format>`` for each format, atomically.

    PNG is written at ``dpi`` (at least 150); SVG keeps text as glyph outlines, so
    shaped Arabic stays correct in any viewer, and carries no date, so the same figure
    gives the same bytes. Each file is written beside its target and then renamed.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    name : str
        File name without extension or directory.
    directory : str or path-like
        Created if missing; ``figures/`` by default.
    formats : sequence of {"png", "svg"}
    dpi : int

    Returns
    -------
    list of pathlib.Path

    Examples
    --------
    >>> import tempfile
    >>> table = pd.DataFrame({"source": ["okaz"], "term": ["الرياض"], "count": [3], "per_10k": [2.5]})
    >>> paths = save_figure(plot_top_terms(table), "terms", tempfile.mkdtemp())
    >>> [path.name for path in paths]
    ['terms.png', 'terms.svg']
    """
    if not name or Path(name).name != name or name in {".", ".."}:
        raise ValueError(f"name must be a plain file name without directory, not {name!r}")
    unknown = [fmt for fmt in formats if fmt not in SAVE_FORMATS]
    if unknown or not formats:
        raise ValueError(f"formats must be a non-empty selection of {SAVE_FORMATS}, not {list(formats)}")
    if dpi < MIN_SAVE_DPI:
        raise ValueError(f"dpi must be at least {MIN_SAVE_DPI} for publication, not {dpi}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context(_THEME):
        return [_save_one(fig, directory / f"{name}.{fmt}", fmt, dpi) for fmt in formats]


def _save_one(fig: Figure, target: Path, fmt: str, dpi: int) -> Path:
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
    try:
        with open(partial, "xb") as handle:
            fig.savefig(handle, format=fmt, dpi=dpi, metadata=_SAVE_METADATA[fmt])
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


# --- common figure helpers -----------------------------------------------------------


@contextlib.contextmanager
def _styled(font: str | os.PathLike | None) -> Iterator[list[str]]:
    family = _font_family(font)
    with matplotlib.rc_context({**_THEME, "font.family": family}):
        yield family


def _finish(fig: Figure, family: list[str], title: str | None) -> Figure:
    if title:
        fig.suptitle(arabic_text(title))
    for ax in fig.axes:
        ax.tick_params(labelfontfamily=family, labelsize=TICK_LABEL_SIZE)
    return fig


def _require(table: pd.DataFrame, *columns: str) -> None:
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"expected a pandas DataFrame, not {type(table).__name__}")
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise ValueError(f"table lacks column(s) {missing}; it has {list(table.columns)}")
    if table.empty:
        raise ValueError("table is empty: nothing to draw")


def _groups(table: pd.DataFrame, group: str) -> list:
    return sorted(table[group].dropna().unique(), key=str)


def _panels(
    n: int, ncols: int, width: float, height: float, *, extra_width: float = 0.0,
    extra_height: float = 0.0, **kwargs,
) -> tuple[Figure, list]:
    if ncols < 1:
        raise ValueError(f"ncols must be at least 1, not {ncols}")
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig = ChartFigure(figsize=(width * ncols + extra_width, height * nrows + extra_height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs).ravel().tolist()
    for ax in axes[n:]:
        ax.remove()
    return fig, axes[:n]


def _label(column: str, override: str | None) -> str:
    return arabic_text(override if override is not None else VALUE_LABELS.get(column, column))


def _frame_names(table: pd.DataFrame, frame: str, frame_label: str | None) -> dict:
    if frame_label is None:
        return {key: arabic_text(str(key)) for key in table[frame].unique()}
    _require(table, frame_label)
    pairs = table[[frame, frame_label]].drop_duplicates(frame)
    return {key: arabic_text(str(label)) for key, label in zip(pairs[frame], pairs[frame_label])}


def _text_width(labels) -> float:
    """Rough width in inches of the longest label at the tick label size."""
    return LABEL_CHAR_WIDTH * max((len(line) for label in labels for line in str(label).split("\n")), default=0)


def _colors(n: int) -> list:
    return sns.color_palette(PALETTE, n)


# --- term charts ---------------------------------------------------------------------


def _term_label(term: str, gloss) -> str:
    if isinstance(gloss, str) and gloss.strip():
        return arabic_text(f"{term}\n{gloss.strip()}")
    return arabic_text(str(term))


def _faceted_bars(
    table: pd.DataFrame,
    *,
    group: str,
    term: str,
    value: str,
    gloss: str | None,
    n: int,
    ncols: int,
    title: str | None,
    xlabel: str | None,
    font: str | os.PathLike | None,
) -> Figure:
    _require(table, group, term, value)
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    glossed = gloss is not None and gloss in table.columns
    groups = _groups(table, group)
    bar_height = GLOSS_BAR_HEIGHT if glossed else BAR_HEIGHT
    longest = max(min(n, int((table[group] == g).sum())) for g in groups)
    with _styled(font) as family:
        fig, axes = _panels(len(groups), ncols, PANEL_WIDTH, 1.6 + bar_height * longest)
        for ax, name, color in zip(axes, groups, _colors(len(groups))):
            rows = table[table[group] == name].sort_values([value, term], ascending=[False, True]).head(n)
            labels = [
                _term_label(t, g) for t, g in zip(rows[term], rows[gloss] if glossed else [None] * len(rows))
            ]
            positions = np.arange(len(rows))
            ax.barh(positions, rows[value].to_numpy(dtype=float), color=color, height=0.7)
            ax.set_yticks(positions, labels)
            ax.set_ylim(longest - 0.5, -0.5)
            ax.axvline(0, color="0.3", linewidth=0.8)
            ax.grid(axis="x", color="0.9")
            ax.set_axisbelow(True)
            ax.set_title(arabic_text(str(name)))
            ax.set_xlabel(_label(value, xlabel))
        return _finish(fig, family, title)


def plot_top_terms(
    table: pd.DataFrame,
    *,
    group: str = "source",
    term: str = "term",
    value: str = "per_10k",
    gloss: str | None = "gloss",
    n: int = 10,
    ncols: int = 3,
    title: str | None = "Most frequent terms",
    xlabel: str | None = None,
    font: str | os.PathLike | None = None,
) -> Figure:
    """Horizontal bars of the ``n`` most frequent terms, one panel per group.

    Parameters
    ----------
    table : pandas.DataFrame
        Term counts: ``group``, ``term``, ``value`` and optionally ``gloss`` columns.
    group, term, value : str
        Column names; ``value`` is drawn (``per_10k`` by default, or ``count``).
    gloss : str or None
        Column of English glosses shown under each Arabic term when present.
    n : int
        Terms per panel, largest on top (ties broken by term).
    ncols : int
        Panels per row.
    title, xlabel : str, optional
        Figure title and x-axis label (a label for ``value`` by default).
    font : str or path-like, optional
        Arabic font family or file (see :func:`arabic_font`).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> table = pd.DataFrame({"source": ["okaz", "okaz", "sabq"], "term": ["الرياض", "جدة", "الرياض"],
    ...                       "count": [9, 4, 7], "per_10k": [3.1, 1.4, 2.2], "gloss": ["Riyadh", "Jeddah", "Riyadh"]})
    >>> len(plot_top_terms(table).axes)
    2
    """
    return _faceted_bars(
        table, group=group, term=term, value=value, gloss=gloss, n=n, ncols=ncols,
        title=title, xlabel=xlabel, font=font,
    )


def plot_distinctive_terms(
    table: pd.DataFrame,
    *,
    group: str = "source",
    term: str = "term",
    score: str | None = None,
    gloss: str | None = "gloss",
    n: int = 10,
    ncols: int = 3,
    title: str | None = "Most distinctive terms",
    xlabel: str | None = None,
    font: str | os.PathLike | None = None,
) -> Figure:
    """Horizontal bars of each group's ``n`` highest-scoring (most distinctive) terms.

    Parameters
    ----------
    table : pandas.DataFrame
        Keyness table: ``group``, ``term`` and a score column.
    group, term : str
        Column names.
    score : str, optional
        Score column; by default the first present of ``log_odds``, ``z``, ``g2``.
    gloss, n, ncols, title, xlabel, font
        As in :func:`plot_top_terms`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> table = pd.DataFrame({"source": ["okaz", "sabq"], "term": ["جدة", "الرياض"], "log_odds": [2.1, 1.7]})
    >>> plot_distinctive_terms(table).axes[0].get_xlabel()
    'Log-odds ratio'
    """
    if score is None:
        present = [column for column in SCORE_COLUMNS if column in table.columns]
        if not present:
            raise ValueError(f"table has none of the score columns {SCORE_COLUMNS}; pass score=")
        score = present[0]
    return _faceted_bars(
        table, group=group, term=term, value=score, gloss=gloss, n=n, ncols=ncols,
        title=title, xlabel=xlabel, font=font,
    )


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


# --- frame charts --------------------------------------------------------------------


def plot_frame_rates(
    table: pd.DataFrame,
    *,
    group: str = "source",
    frame: str = "frame",
    value: str = "rate_per_1k",
    ci_low: str = "ci_low",
    ci_high: str = "ci_high",
    frame_label: str | None = None,
    title: str | None = "Frame rates by source",
    xlabel: str | None = None,
    font: str | os.PathLike | None = None,
) -> Figure:
    """Grouped horizontal bars of each frame's rate per group, with CI error bars.

    Parameters
    ----------
    table : pandas.DataFrame
        Frame rates: ``group``, ``frame``, ``value`` and optionally ``ci_low`` and
        ``ci_high`` columns (error bars are drawn when both are present).
    group, frame, value, ci_low, ci_high : str
        Column names.
    frame_label : str, optional
        Column with the frames' display names (e.g. ``label_en`` or ``label_ar``).
    title, xlabel : str, optional
    font : str or path-like, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> table = pd.DataFrame({"source": ["okaz", "sabq"], "frame": ["الصراع", "الصراع"],
    ...                       "rate_per_1k": [4.0, 2.5], "ci_low": [3.1, 1.9], "ci_high": [5.0, 3.2]})
    >>> len(plot_frame_rates(table).axes[0].patches)
    2
    """
    _require(table, group, frame, value)
    names = _frame_names(table, frame, frame_label)
    frames = sorted(names, key=lambda key: names[key])
    groups = _groups(table, group)
    with_ci = ci_low in table.columns and ci_high in table.columns
    slot = 0.8 / len(groups)
    with _styled(font) as family:
        width = 5.0 + _text_width(names.values()) + _text_width(groups)
        fig = ChartFigure(figsize=(width, 1.4 + 0.22 * len(frames) * len(groups)), layout="constrained")
        ax = fig.subplots()
        for index, (name, color) in enumerate(zip(groups, _colors(len(groups)))):
            rows = table[table[group] == name].set_index(frame).reindex(frames)
            positions = np.arange(len(frames)) - 0.4 + slot * (index + 0.5)
            rates = rows[value].to_numpy(dtype=float)
            errors = None
            if with_ci:
                # Clipped at 0: an interval whose bound equals the value up to rounding
                # (a Wilson interval at a share of 0 or 1) has no bar on that side.
                errors = np.nan_to_num(np.clip(np.vstack([rates - rows[ci_low].to_numpy(dtype=float),
                                                          rows[ci_high].to_numpy(dtype=float) - rates]), 0, None))
            ax.barh(positions, rates, height=slot * 0.9, color=color, label=arabic_text(str(name)),
                    xerr=errors, error_kw={"ecolor": "0.2", "elinewidth": 1, "capsize": 2})
        ax.set_yticks(np.arange(len(frames)), [names[key] for key in frames])
        ax.set_ylim(len(frames) - 0.5, -0.5)
        ax.grid(axis="x", color="0.9")
        ax.set_axisbelow(True)
        ax.set_xlabel(_label(value, xlabel))
        fig.legend(title=arabic_text(group), loc="outside right upper")
        return _finish(fig, family, title)


def plot_frame_heatmap(
    table: pd.DataFrame,
    *,
    group: str = "source",
    frame: str = "frame",
    value: str = "rate_per_1k",
    frame_label: str | None = None,
    annotate: bool = True,
    fmt: str = ".1f",
    title: str | None = "Frame rates by source",
    font: str | os.PathLike | None = None,
) -> Figure:
    """Heatmap of ``value`` with frames as rows and groups as columns.

    Every row and column is labelled, horizontally: the figure grows by 0.45 in per
    row and by the longest group name per column, so no label is dropped or turned.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per (group, frame): ``group``, ``frame`` and ``value`` columns.
    group, frame, value : str
        Column names.
    frame_label : str, optional
        Column with the frames' display names.
    annotate : bool
        Write each cell's value, formatted with ``fmt``.
    title : str, optional
    font : str or path-like, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> table = pd.DataFrame({"source": ["okaz", "sabq"], "frame": ["الاقتصاد", "الاقتصاد"], "rate_per_1k": [1.5, 0.5]})
    >>> [t.get_text() for t in plot_frame_heatmap(table).axes[0].get_xticklabels()]
    ['okaz', 'sabq']
    """
    _require(table, group, frame, value)
    names = _frame_names(table, frame, frame_label)
    grid = table.pivot(index=frame, columns=group, values=value)
    grid = grid.loc[sorted(grid.index, key=lambda key: names[key]), _groups(table, group)]
    grid.index = [names[key] for key in grid.index]
    grid.columns = [arabic_text(str(name)) for name in grid.columns]
    with _styled(font) as family:
        width = 1.8 + _text_width(grid.index) + max(1.2, _text_width(grid.columns) + 0.3) * grid.shape[1]
        fig = ChartFigure(figsize=(width, 1.4 + 0.45 * grid.shape[0]), layout="constrained")
        ax = fig.subplots()
        # Labels are set here, not by seaborn: it measures its labels for overlap, and on a
        # figure without a canvas each measure allocates and keeps a figure-sized image.
        sns.heatmap(grid, ax=ax, cmap=HEATMAP_CMAP, annot=annotate, fmt=fmt, linewidths=0.5,
                    xticklabels=False, yticklabels=False, cbar_kws={"label": _label(value, None)})
        ax.set_xticks(np.arange(grid.shape[1]) + 0.5, grid.columns)
        ax.set_yticks(np.arange(grid.shape[0]) + 0.5, grid.index, verticalalignment="center")
        ax.set_xlabel(arabic_text(group))
        ax.set_ylabel("")
        return _finish(fig, family, title)


def plot_frames_over_time(
    table: pd.DataFrame,
    *,
    group: str = "source",
    period: str = "period",
    frame: str = "frame",
    value: str = "rate_per_1k",
    frame_label: str | None = None,
    ncols: int = 3,
    title: str | None = "Frames over time",
    ylabel: str | None = None,
    font: str | os.PathLike | None = None,
) -> Figure:
    """Lines of each frame's ``value`` over ``period``, one panel per group.

    Parameters
    ----------
    table : pandas.DataFrame
        ``group``, ``period`` (dates or ISO 8601 strings), ``frame`` and ``value`` (``rate_per_1k`` or
        ``hits``) columns.
    group, period, frame, value : str
        Column names.
    frame_label : str, optional
        Column with the frames' display names.
    ncols : int
        Panels per row; panels share both axes.
    title, ylabel : str, optional
    font : str or path-like, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> table = pd.DataFrame({"source": ["okaz"] * 2, "period": pd.to_datetime(["2015-07-01", "2015-08-01"]),
    ...                       "frame": ["الأمن"] * 2, "rate_per_1k": [1.0, 2.0]})
    >>> len(plot_frames_over_time(table).axes[0].lines)
    1
    """
    _require(table, group, period, frame, value)
    try:
        dates = pd.to_datetime(table[period], format="ISO8601")
    except (ValueError, TypeError) as error:
        raise ValueError(f"column {period!r} must hold dates or ISO 8601 strings: {error}") from None
    table = table.assign(**{period: dates})
    names = _frame_names(table, frame, frame_label)
    frames = sorted(names, key=lambda key: names[key])
    colors = dict(zip(frames, _colors(len(frames))))
    groups = _groups(table, group)
    with _styled(font) as family:
        legend_rows = math.ceil(len(frames) / LEGEND_COLUMNS)
        fig, axes = _panels(len(groups), ncols, PANEL_WIDTH, 2.6, extra_height=0.6 + 0.3 * legend_rows,
                            sharex=True, sharey=True)
        for ax, name in zip(axes, groups):
            rows = table[table[group] == name]
            for key in frames:
                line = rows[rows[frame] == key].sort_values(period)
                ax.plot(line[period], line[value], color=colors[key], marker="o", markersize=3,
                        linewidth=1.5, label=names[key])
            locator = mdates.AutoDateLocator()
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
            ax.grid(axis="y", color="0.9")
            ax.set_title(arabic_text(str(name)))
            if ax.get_subplotspec().is_first_col():
                ax.set_ylabel(_label(value, ylabel))
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(frames), LEGEND_COLUMNS))
        return _finish(fig, family, title)


def plot_actor_frame_heatmap(
    table: pd.DataFrame,
    *,
    group: str = "source",
    actor: str = "actor",
    frame: str = "frame",
    value: str = "hits",
    frame_label: str | None = None,
    ncols: int = 3,
    title: str | None = "Actors and frames",
    font: str | os.PathLike | None = None,
) -> Figure:
    """Heatmaps of frame × actor co-occurrence, one panel per group, one colour scale.

    Frames are rows (their labels written once, on the left), actors are columns,
    ordered by their total over all groups; a missing combination is 0.

    Parameters
    ----------
    table : pandas.DataFrame
        ``group``, ``actor``, ``frame`` and ``value`` columns.
    group, actor, frame, value : str
        Column names.
    frame_label : str, optional
        Column with the frames' display names.
    ncols : int
        Panels per row.
    title : str, optional
    font : str or path-like, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> table = pd.DataFrame({"source": ["okaz", "sabq"], "actor": ["إيران", "إيران"],
    ...                       "frame": ["الصراع", "الصراع"], "hits": [3, 1]})
    >>> len(plot_actor_frame_heatmap(table).axes)  # two panels and a colour bar
    3
    """
    _require(table, group, actor, frame, value)
    names = _frame_names(table, frame, frame_label)
    frames = sorted(names, key=lambda key: names[key])
    totals = table.groupby(actor)[value].sum()
    actors = sorted(totals.index, key=lambda key: (-totals[key], str(key)))
    groups = _groups(table, group)
    vmax = float(table[value].max())
    with _styled(font) as family:
        fig, axes = _panels(len(groups), ncols, 0.6 + 0.6 * len(actors), 1.8 + 0.4 * len(frames),
                            extra_width=1.2 + _text_width(names.values()))
        for index, (ax, name) in enumerate(zip(axes, groups)):
            rows = table[table[group] == name]
            grid = rows.pivot(index=frame, columns=actor, values=value).reindex(index=frames, columns=actors)
            grid = grid.fillna(0)
            grid.index = [names[key] for key in grid.index]
            grid.columns = [arabic_text(str(key)) for key in grid.columns]
            last = index == len(groups) - 1
            # Labels are set here, not by seaborn: it measures its labels for overlap, and on a
            # figure without a canvas each measure allocates and keeps a figure-sized image.
            sns.heatmap(grid, ax=ax, cmap=HEATMAP_CMAP, vmin=0, vmax=vmax, annot=True, fmt="g",
                        linewidths=0.5, xticklabels=False, yticklabels=False, cbar=last,
                        cbar_kws={"label": _label(value, None)} if last else None)
            ax.set_xticks(np.arange(len(actors)) + 0.5, grid.columns, rotation=40,
                          horizontalalignment="right", rotation_mode="anchor")
            if ax.get_subplotspec().is_first_col():
                ax.set_yticks(np.arange(len(frames)) + 0.5, grid.index, verticalalignment="center")
            ax.tick_params(axis="y", rotation=0)
            ax.set_title(arabic_text(str(name)))
            ax.set_xlabel("")
            ax.set_ylabel("")
        return _finish(fig, family, title)
