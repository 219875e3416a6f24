"""Tests for analysis.charts: shaping decisions, fonts, figures, and Arabic read back from pixels."""

from __future__ import annotations

import collections
import io
import json
import os
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import PIL.features
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib import font_manager, ft2font
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image, ImageOps

from analysis import charts
from analysis.charts.arabic import RLM
from analysis.charts.fonts import _uncovered
from analysis.text import has_arabic
from analysis.paths import PROJECT_ROOT

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ocr_check  # noqa: E402

OCR_SCRIPT = Path(ocr_check.__file__).resolve()
BASE_LETTERS = range(0x0621, 0x064B)

PHRASES = {
    "وزارة الخارجية": "ara",
    "الحرب في أوكرانيا": "ara",
    "المملكة العربية السعودية": "ara",
    "نورد ستريم 2": "ara",
    "منظمة الناتو NATO": "ara+eng",
    "صواريخ S-400": "ara+eng",
}
"""Phrases Tesseract reads back from a correct rendering; mixed ones with Latin and digits."""
SVG_PHRASES = [phrase for phrase in PHRASES if phrase != "صواريخ S-400"]
"""Rasterized from the SVG's outlines, "صواريخ S-400" renders right but is not read at all."""
WRONG_PHRASES = ["وزارة الخارجية", "الحرب في أوكرانيا", "منظمة الناتو NATO"]

MPL310_VENV = PROJECT_ROOT / ".venv-mpl310"
MPL310_REQUIREMENTS = (
    "matplotlib==3.10.*",
    "arabic-reshaper>=3,<4",
    "python-bidi>=0.4.2,<0.7",
    "pillow>=10,<14",
    "pandas>=2.2,<4",
    "seaborn>=0.13,<0.14",
    "wordcloud>=1.9,<2",
    "regex>=2023.1",
)


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture
def force_shaping(monkeypatch):
    """Set the shaping override for one test; the cached decision is recomputed."""

    def force(mode: str | None) -> None:
        if mode is None:
            monkeypatch.delenv(charts.SHAPING_ENV, raising=False)
        else:
            monkeypatch.setenv(charts.SHAPING_ENV, mode)
        charts.renderer_shapes_arabic.cache_clear()

    yield force
    charts.renderer_shapes_arabic.cache_clear()


@pytest.fixture(scope="session")
def tesseract():
    reason = ocr_check.tesseract_unavailable()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def reference(tesseract):
    """Reading of each phrase drawn independently (Pillow + raqm, DejaVu Sans)."""
    reason = ocr_check.reference_unavailable()
    if reason:
        pytest.skip(reason)
    font = font_manager.findfont("DejaVu Sans")
    cache: dict[str, ocr_check.Reading] = {}

    def reading(phrase: str, lang: str = "ara") -> ocr_check.Reading:
        if phrase not in cache:
            cache[phrase] = ocr_check.read_reference(phrase, font, lang)
        return cache[phrase]

    return reading


@pytest.fixture(scope="session")
def mpl310_python():
    """A venv with matplotlib 3.10 (no shaping of its own), made once and reused."""
    python = MPL310_VENV / "bin" / "python"
    stamp = MPL310_VENV / ".installed"
    wanted = "\n".join(MPL310_REQUIREMENTS)
    if not (stamp.exists() and stamp.read_text() == wanted and python.exists()):
        try:
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(MPL310_VENV)],
                           check=True, capture_output=True, text=True, timeout=300)
            subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                            *MPL310_REQUIREMENTS], check=True, capture_output=True, text=True, timeout=900)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            reason = (f"could not create {MPL310_VENV.name} with matplotlib 3.10 (is the package index "
                      f"reachable?): {(error.stderr or '')[-500:]}")
            if os.environ.get("CI"):
                pytest.fail(reason)
            pytest.skip(reason)
        stamp.write_text(wanted)
    return python


def run_cases(python, kind: str, out: Path, *, no_raqm: bool = False) -> dict:
    """Draw every phrase right and ``WRONG_PHRASES`` wrong with ``python`` in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "MPLBACKEND": "Agg"}
    env.pop(charts.SHAPING_ENV, None)
    args = [str(python), str(OCR_SCRIPT), kind, str(out), *(["--no-raqm"] if no_raqm else []),
            *PHRASES, "--wrong", *WRONG_PHRASES]
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads((out / ocr_check.MANIFEST).read_text(encoding="utf-8"))


def check_reads_back(cases: list[dict], reference, *, svg_phrases=()) -> None:
    """Every drawn case (and its SVG outline) reads back as its phrase; its reference does too."""
    assert cases
    for case in cases:
        phrase, lang = case["phrase"], PHRASES.get(case["phrase"], "ara")
        assert reference(phrase, lang).correct, f"reference unreadable, choose another phrase: {reference(phrase, lang)}"
        reading = ocr_check.read(Image.open(case["png"]), phrase, lang)
        assert reading.correct, f"{case['png']}: {reading}"
        if phrase in svg_phrases and not case["title"]:
            reading = ocr_check.read(ocr_check.svg_text_image(case["svg"], case["given"]), phrase, lang)
            assert reading.correct, f"SVG of {case['png']}: {reading}"


def check_rejected(cases: list[dict], reference) -> None:
    """A deliberately wrong rendering fails the same check that passes correct ones."""
    assert cases
    for case in cases:
        phrase, lang = case["phrase"], PHRASES.get(case["phrase"], "ara")
        assert reference(phrase, lang).correct
        reading = ocr_check.read(Image.open(case["png"]), phrase, lang)
        assert not reading.correct, f"a wrong rendering passed: {case['png']}: {reading}"


# --- tidy tables -------------------------------------------------------------------------

TERMS = ["السعودية", "الرياض", "وزارة الخارجية", "منظمة الناتو NATO"]
GLOSSES = ["Saudi Arabia", "Riyadh", "Foreign Ministry", "NATO"]
FRAMES = ["الصراع", "الاقتصاد", "الأمن"]
SOURCES = ["aawsat", "okaz"]


def term_table() -> pd.DataFrame:
    rows = [(s, t, g, 10 * (i + 1) + k, (10 * (i + 1) + k) / 4)
            for k, s in enumerate(SOURCES) for i, (t, g) in enumerate(zip(TERMS, GLOSSES))]
    return pd.DataFrame(rows, columns=["source", "term", "gloss", "count", "per_10k"])


def rate_table() -> pd.DataFrame:
    rows = [(s, f, 1.0 + i + k, 0.5 + i + k, 1.5 + i + k, f"frame {i}")
            for k, s in enumerate(SOURCES) for i, f in enumerate(FRAMES)]
    return pd.DataFrame(rows, columns=["source", "frame", "rate_per_1k", "ci_low", "ci_high", "label_en"])


def time_table() -> pd.DataFrame:
    periods = pd.date_range("2015-07-01", periods=4, freq="MS")
    rows = [(s, p, f, float(i + j + k)) for k, s in enumerate(SOURCES) for j, p in enumerate(periods)
            for i, f in enumerate(FRAMES)]
    return pd.DataFrame(rows, columns=["source", "period", "frame", "rate_per_1k"])


def actor_table() -> pd.DataFrame:
    rows = [(s, a, f, i + j + k) for k, s in enumerate(SOURCES) for i, a in enumerate(["إيران", "روسيا"])
            for j, f in enumerate(FRAMES)]
    return pd.DataFrame(rows, columns=["source", "actor", "frame", "hits"])


def keyness_table() -> pd.DataFrame:
    return term_table().assign(log_odds=lambda t: np.linspace(-1, 2, len(t)))


CHARTS = {
    "top_terms": (charts.plot_top_terms, term_table, "per_10k"),
    "distinctive_terms": (charts.plot_distinctive_terms, keyness_table, "term"),
    "frame_rates": (charts.plot_frame_rates, rate_table, "rate_per_1k"),
    "frame_heatmap": (charts.plot_frame_heatmap, rate_table, "rate_per_1k"),
    "frames_over_time": (charts.plot_frames_over_time, time_table, "period"),
    "wordclouds": (charts.plot_wordclouds, term_table, "count"),
    "actor_frame_heatmap": (charts.plot_actor_frame_heatmap, actor_table, "actor"),
}


def figure_texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


# --- shaping decision --------------------------------------------------------------------


def test_matplotlib_decision_follows_version_and_libraqm(force_shaping):
    force_shaping(None)
    version = matplotlib.__version_info__
    expected = (version.major, version.minor) >= (3, 11) and bool(getattr(ft2font, "__libraqm_version__", ""))
    assert charts.renderer_shapes_arabic("matplotlib") is expected


def test_pillow_decision_follows_raqm(force_shaping):
    force_shaping(None)
    assert charts.renderer_shapes_arabic("pillow") is bool(PIL.features.check("raqm"))


@pytest.mark.parametrize("mode, native", [("native", True), ("reshape", False), ("Reshape ", False)])
def test_environment_overrides_every_renderer(force_shaping, mode, native):
    force_shaping(mode)
    assert charts.renderer_shapes_arabic("matplotlib") is native
    assert charts.renderer_shapes_arabic("pillow") is native


def test_invalid_override_and_renderer_are_rejected(force_shaping):
    force_shaping("sometimes")
    with pytest.raises(ValueError, match=charts.SHAPING_ENV):
        charts.renderer_shapes_arabic("matplotlib")
    force_shaping(None)
    with pytest.raises(ValueError, match="renderer"):
        charts.renderer_shapes_arabic("cairo")


@pytest.mark.parametrize("phrase", list(PHRASES))
def test_native_text_is_the_logical_string(phrase):
    assert charts.arabic_text(phrase, reshape=False) == phrase


@pytest.mark.parametrize(
    "phrase, leftmost",
    [("منظمة الناتو NATO", "NATO "), ("صواريخ S-400", "S-400 "), ("نورد ستريم 2", "2 ")],
)
def test_reshaped_mixed_label_keeps_latin_and_digits_in_reading_order(phrase, leftmost):
    shown = charts.arabic_text(phrase, reshape=True)
    assert shown.startswith(leftmost)
    assert not any(ord(ch) in BASE_LETTERS for ch in shown)


def test_reshaped_lines_are_reordered_one_by_one():
    assert charts.arabic_text("السعودية\nSaudi Arabia", reshape=True).split("\n")[1] == "Saudi Arabia"


@given(st.text(alphabet=st.characters(codec="ascii") | st.sampled_from("éü–—·«»"), max_size=30))
def test_text_without_arabic_is_never_changed_but_for_escaped_dollars(text):
    """``$`` is escaped so that matplotlib never reads a label as mathtext (tests/test_hostile_round2.py)."""
    assert charts.arabic_text(text, reshape=True) == text.replace("$", "\\$")
    assert charts.arabic_text(text, reshape=False) == text.replace("$", "\\$")


@given(st.text(alphabet=charts.ARABIC_LETTERS + " ", min_size=1, max_size=30))
def test_reshaped_arabic_is_all_joined_forms(text):
    shown = charts.arabic_text(text, reshape=True)
    assert not any(ord(ch) in BASE_LETTERS for ch in shown)


# --- fonts -------------------------------------------------------------------------------


def test_default_font_covers_arabic_and_prefers_an_arabic_face():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = charts.arabic_font()
    charmap = ft2font.FT2Font(str(path)).get_charmap()
    assert all(ord(ch) in charmap for ch in charts.ARABIC_LETTERS)
    installed = [family for family in charts.ARABIC_FONTS if installed_family(family)]
    if installed:
        assert font_manager.get_font(path).family_name == installed[0]


def installed_family(family: str) -> bool:
    try:
        font_manager.findfont(family, fallback_to_default=False)
    except ValueError:
        return False
    return True


def test_font_without_arabic_glyphs_warns():
    latin_only = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "cmr10.ttf"
    with pytest.warns(UserWarning, match="no glyph for .* Arabic"):
        charts.arabic_font(latin_only)


@pytest.mark.parametrize("font", ["No Such Family 12", "/nonexistent/font.ttf"])
def test_unknown_font_is_rejected(font):
    with pytest.raises(ValueError, match="font"):
        charts.arabic_font(font)


def test_charts_draw_arabic_with_the_arabic_face_and_latin_fallback():
    fig = charts.plot_top_terms(term_table())
    family = fig.axes[0].get_yticklabels()[0].get_fontfamily()
    assert family[0] == font_manager.get_font(charts.arabic_font()).family_name
    assert family[-1] == charts.FALLBACK_FONT


# --- word clouds -------------------------------------------------------------------------

CLOUD = {"السعودية": 40, "الرياض": 25, "وزارة الخارجية": 12, "إيران": 9, "النفط": 7}


def test_wordcloud_is_reproducible_and_seeded():
    first = np.asarray(charts.wordcloud_image(CLOUD, width=400, height=200))
    again = np.asarray(charts.wordcloud_image(dict(reversed(CLOUD.items())), width=400, height=200))
    other = np.asarray(charts.wordcloud_image(CLOUD, width=400, height=200, seed=1))
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_wordcloud_picks_a_font_covering_latin_words_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        charts.wordcloud_image({"منظمة الناتو NATO": 3, "صواريخ S-400": 2}, width=300, height=150)


def test_wordcloud_warns_when_the_given_font_lacks_the_glyphs():
    latin_only = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "cmr10.ttf"
    with pytest.warns(UserWarning, match="empty boxes"):
        charts.wordcloud_image(CLOUD, font_path=latin_only, width=300, height=150)


def test_wordcloud_takes_its_seed_not_random_state():
    with pytest.raises(ValueError, match="seed"):
        charts.wordcloud_image(CLOUD, random_state=3)


@pytest.mark.parametrize("frequencies", [{}, {"الرياض": 0}, {"الرياض": float("nan")}])
def test_wordcloud_needs_a_positive_weight(frequencies):
    with pytest.raises(ValueError, match="positive"):
        charts.wordcloud_image(frequencies)


# --- charts ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CHARTS))
def test_chart_returns_a_figure_with_every_arabic_label_shaped_for_the_renderer(name, force_shaping):
    plot, table, _ = CHARTS[name]
    force_shaping("reshape")
    texts = figure_texts(plot(table()))
    assert any(has_arabic(text) for text in texts) or name == "wordclouds"
    assert not [t for t in texts if any(ord(ch) in BASE_LETTERS for ch in t)]
    force_shaping("native")
    fig = plot(table())
    assert isinstance(fig, Figure)
    assert any(any(ord(ch) in BASE_LETTERS for ch in t) for t in figure_texts(fig)) or name == "wordclouds"


@pytest.mark.parametrize("name", list(CHARTS))
def test_chart_shows_itself_in_jupyter_as_the_picture_it_saves(name, tmp_path):
    """Regression: a plot_* call as a cell's last line showed "<Figure size 1320x690 with 2 Axes>"."""
    from IPython.core.formatters import PNGFormatter

    plot, table, _ = CHARTS[name]
    fig = plot(table())
    assert isinstance(fig, charts.ChartFigure)
    shown = Image.open(io.BytesIO(PNGFormatter()(fig)))  # what IPython displays for the cell's value
    saved = Image.open(charts.save_figure(fig, name, tmp_path, ("png",), dpi=charts.FIGURE_DPI)[0])
    assert shown.size == saved.size and shown.size[0] > 100


@pytest.mark.parametrize("name", list(CHARTS))
def test_chart_names_a_missing_column(name):
    plot, table, column = CHARTS[name]
    with pytest.raises(ValueError, match=column):
        plot(table().drop(columns=column))


@pytest.mark.parametrize("name", list(CHARTS))
def test_chart_rejects_an_empty_table(name):
    plot, table, _ = CHARTS[name]
    with pytest.raises(ValueError, match="empty"):
        plot(table().iloc[0:0])


@pytest.mark.parametrize("name", ["top_terms", "frame_rates", "wordclouds", "actor_frame_heatmap"])
def test_chart_output_is_deterministic(name, tmp_path):
    plot, table, _ = CHARTS[name]
    first = charts.save_figure(plot(table()), name, tmp_path / "a")
    second = charts.save_figure(plot(table().sample(frac=1, random_state=1)), name, tmp_path / "b")
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_top_terms_orders_largest_first_and_glosses_in_english():
    fig = charts.plot_top_terms(term_table(), n=2)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == [charts.arabic_text("منظمة الناتو NATO\nNATO"), charts.arabic_text("وزارة الخارجية\nForeign Ministry")]
    plain = charts.plot_top_terms(term_table(), gloss=None, n=1)
    assert [t.get_text() for t in plain.axes[0].get_yticklabels()] == [charts.arabic_text("منظمة الناتو NATO")]


def test_distinctive_terms_uses_the_score_present_and_needs_one():
    table = term_table().assign(z=1.0)
    assert charts.plot_distinctive_terms(table).get_supxlabel() == "z-score (dashed: ±1.96)"
    with pytest.raises(ValueError, match="score"):
        charts.plot_distinctive_terms(term_table())


def dashed_positions(ax) -> list[float]:
    return sorted(line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == "--")


def test_distinctive_z_scores_get_reference_lines_at_the_5_percent_level():
    table = term_table().assign(z=np.linspace(-3, 3, len(term_table())))
    assert all(dashed_positions(ax) == [-1.96, 1.96] for ax in charts.plot_distinctive_terms(table, score="z").axes)
    assert not dashed_positions(charts.plot_distinctive_terms(table, score="z", reference=False).axes[0])
    assert not dashed_positions(charts.plot_distinctive_terms(keyness_table()).axes[0])  # log-odds: no z threshold


def test_term_panels_share_one_value_scale_unless_told_not_to():
    shared = charts.plot_top_terms(term_table()).axes
    assert shared[0].get_xlim() == shared[1].get_xlim()
    own = charts.plot_top_terms(term_table().assign(per_10k=lambda t: t["per_10k"] * (t["source"] == "okaz") * 9 + 1),
                                share_scale=False).axes
    assert own[0].get_xlim() != own[1].get_xlim()


def test_frame_rates_draw_one_panel_per_frame_with_ci_error_bars_and_group_labels():
    fig = charts.plot_frame_rates(rate_table(), frame_label="label_en")
    assert [ax.get_title() for ax in fig.axes] == ["frame 0", "frame 1", "frame 2"]
    for ax in fig.axes:
        bars = [c for c in ax.containers if isinstance(c, BarContainer)]
        assert len(bars) == 1 and len(bars[0]) == len(SOURCES) and bars[0].errorbar is not None
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == SOURCES
    assert len({ax.get_xlim() for ax in fig.axes}) == 1
    no_ci = charts.plot_frame_rates(rate_table().drop(columns=["ci_low", "ci_high"]))
    assert all(c.errorbar is None for ax in no_ci.axes for c in ax.containers if isinstance(c, BarContainer))


def test_frames_over_time_accepts_date_strings_and_rejects_non_dates():
    table = time_table().assign(period=lambda t: t["period"].dt.strftime("%Y-%m-%d"))
    assert len(charts.plot_frames_over_time(table).axes[0].lines) == len(FRAMES)
    with pytest.raises(ValueError, match="period"):
        charts.plot_frames_over_time(table.assign(period="not a date"))


def test_heatmap_rejects_duplicate_cells():
    with pytest.raises(ValueError):
        charts.plot_frame_heatmap(pd.concat([rate_table(), rate_table()]))


def test_actor_heatmap_labels_actors_on_every_panel_and_frames_on_the_first_column():
    fig = charts.plot_actor_frame_heatmap(actor_table(), ncols=1)
    panels = fig.axes[:len(SOURCES)]
    actors = [charts.arabic_text(a) for a in ["روسيا", "إيران"]]  # by total hits, largest first
    frames = sorted(charts.arabic_text(f) for f in FRAMES)
    assert all([t.get_text() for t in ax.get_xticklabels()] == actors for ax in panels)
    assert all(t.get_rotation() == 0 for ax in panels for t in ax.get_xticklabels())  # short names fit across
    assert [t.get_text() for t in panels[0].get_yticklabels()] == frames
    assert all(t.get_rotation() == 0 for ax in panels for t in ax.get_yticklabels())
    fig = charts.plot_actor_frame_heatmap(actor_table(), ncols=2)
    assert fig.axes[0].get_yticklabels() and not fig.axes[1].get_yticklabels()


def peak_rss_growth(setup: str, call: str) -> int:
    """Bytes by which ``call`` raises the peak RSS of a fresh Python that has run ``setup``."""
    script = (f"import resource\n{setup}\nbefore = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n{call}\n"
              "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                         cwd=PROJECT_ROOT, check=True).stdout
    return int(out)


def test_actor_heatmap_of_fourteen_sources_draws_in_bounded_memory():
    """Regression: each tick label seaborn measured kept a figure-sized image (3.7 GB for 14 sources)."""
    setup = (
        "import pandas as pd\n"
        "from analysis.charts import plot_actor_frame_heatmap\n"
        "def table(groups):\n"
        "    return pd.DataFrame([(f's{g}', f'a{a}', f'f{f}', g + a + f) for g in range(groups)\n"
        "                         for a in range(6) for f in range(8)], columns=['source', 'actor', 'frame', 'hits'])\n"
        "plot_actor_frame_heatmap(table(1))\n"
    )
    assert peak_rss_growth(setup, "plot_actor_frame_heatmap(table(14))") < 200 * 1024**2


def test_frame_heatmap_labels_every_row_and_column_horizontally():
    frames = [f"إطار {i}" for i in range(40)]
    groups = [f"2015-{month:02d}-01 00:00:00" for month in range(1, 13)]  # seaborn turned these vertical
    table = pd.DataFrame([(g, f, 1.0) for g in groups for f in frames], columns=["source", "frame", "rate_per_1k"])
    ax = charts.plot_frame_heatmap(table).axes[0]
    assert [t.get_text().replace("\n", " ") for t in ax.get_xticklabels()] == groups
    assert [t.get_text() for t in ax.get_yticklabels()] == sorted(charts.arabic_text(f) for f in frames)
    assert {t.get_rotation() for t in ax.get_xticklabels() + ax.get_yticklabels()} == {0.0}


def test_frame_heatmap_of_fourteen_sources_and_frames_draws_in_bounded_memory():
    """Regression: the same measuring of tick labels by seaborn took 350 MB here."""
    setup = (
        "import pandas as pd\n"
        "from analysis.charts import plot_frame_heatmap\n"
        "def table(groups):\n"
        "    return pd.DataFrame([(f's{g}', f'f{f}', g + f / 10) for g in range(groups) for f in range(14)],\n"
        "                        columns=['source', 'frame', 'rate_per_1k'])\n"
        "plot_frame_heatmap(table(1))\n"
    )
    assert peak_rss_growth(setup, "plot_frame_heatmap(table(14))") < 100 * 1024**2


def test_panels_need_a_positive_column_count():
    with pytest.raises(ValueError, match="ncols"):
        charts.plot_top_terms(term_table(), ncols=0)


# --- saving ------------------------------------------------------------------------------


def test_save_figure_writes_png_at_publication_dpi_and_svg_as_outlines(tmp_path):
    paths = charts.save_figure(charts.plot_top_terms(term_table()), "terms", tmp_path)
    assert [p.name for p in paths] == ["terms.png", "terms.svg", "terms.csv"]
    dpi = Image.open(paths[0]).info["dpi"]
    assert min(dpi) >= charts.MIN_SAVE_DPI - 0.5
    svg = paths[1].read_text(encoding="utf-8")
    assert "<text" not in svg and "<use" in svg
    assert sorted(p.name for p in tmp_path.iterdir()) == ["terms.csv", "terms.png", "terms.svg"]


def test_save_figure_lays_the_figure_out_once_and_gives_its_layout_back(tmp_path, monkeypatch):
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    fig = charts.plot_top_terms(term_table(), group="source")
    engine = fig.get_layout_engine()
    assert isinstance(engine, ConstrainedLayoutEngine)
    runs = []
    execute = ConstrainedLayoutEngine.execute
    monkeypatch.setattr(ConstrainedLayoutEngine, "execute", lambda self, f: runs.append(1) or execute(self, f))
    charts.save_figure(fig, "terms", tmp_path)
    assert len(runs) == 1  # for the PNG; the SVG keeps its layout
    assert fig.get_layout_engine() is engine  # a later save or resize lays it out again
    charts.save_figure(fig, "again", tmp_path, ("svg",))
    assert len(runs) == 2


def test_save_figure_replaces_an_existing_file(tmp_path):
    (tmp_path / "terms.png").write_bytes(b"old")
    charts.save_figure(charts.plot_top_terms(term_table()), "terms", tmp_path, ("png",))
    assert (tmp_path / "terms.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "kwargs, match",
    [({"name": "../x"}, "name"), ({"name": ""}, "name"), ({"formats": ("jpg",)}, "formats"),
     ({"formats": ()}, "formats"), ({"dpi": 72}, "dpi")],
)
def test_save_figure_rejects_bad_options(tmp_path, kwargs, match):
    fig = charts.plot_top_terms(term_table())
    with pytest.raises(ValueError, match=match):
        charts.save_figure(fig, **{"name": "terms", "directory": tmp_path, **kwargs})


# --- reading the pixels back -------------------------------------------------------------


@pytest.mark.ocr
def test_chart_labels_title_and_svg_read_back_here_and_a_wrong_rendering_does_not(tmp_path, reference, force_shaping):
    force_shaping(None)
    manifest = ocr_check.render_chart_cases(tmp_path, list(PHRASES), WRONG_PHRASES)
    check_reads_back(manifest["right"], reference, svg_phrases=SVG_PHRASES)
    check_rejected(manifest["wrong"], reference)


CHART_FONTS = {
    "Noto Sans Arabic": ("NotoSansArabic-Regular.ttf", "fonts-noto-core"),
    "Noto Naskh Arabic": ("NotoNaskhArabic-Regular.ttf", "fonts-noto-core"),
    "Amiri": ("Amiri-Regular.ttf", "fonts-hosny-amiri"),
    "DejaVu Sans": ("DejaVuSans.ttf", "bundled with matplotlib"),
}
"""Every face charts draw with, by file and Debian package: the preferred Arabic ones in order
(``charts.ARABIC_FONTS``) and the fallback bundled with matplotlib, which is what a machine
without Arabic fonts gets (and what draws Latin letters beside the Noto faces, which have none)."""


def font_file(family: str) -> Path | None:
    """The installed file of ``family`` (by file name: matplotlib's font cache may predate the install)."""
    bundled = str(Path(matplotlib.get_data_path()) / "fonts" / "ttf")
    return next((Path(path) for path in font_manager.findSystemFonts() + font_manager.findSystemFonts(bundled)
                 if Path(path).name == CHART_FONTS[family][0]), None)


@pytest.fixture(params=list(CHART_FONTS))
def chart_font(request) -> Path:
    path = font_file(request.param)
    if path is None:
        name, package = CHART_FONTS[request.param]
        pytest.skip(f"{request.param} ({name}) is not installed (Debian: {package})")
    return path


def test_the_ocr_tests_cover_every_face_a_chart_can_draw_with():
    assert list(CHART_FONTS) == [*charts.ARABIC_FONTS, charts.FALLBACK_FONT]
    assert font_manager.get_font(charts.arabic_font()).family_name in CHART_FONTS  # the default is one of them


@pytest.fixture(scope="session")
def reference_in(tesseract):
    """Reading of a phrase drawn independently (Pillow + raqm) in a given font: can OCR read that face at all?"""
    reason = ocr_check.reference_unavailable()
    if reason:
        pytest.skip(reason)
    cache: dict[tuple, ocr_check.Reading] = {}

    def reading(phrase: str, font: Path, lang: str = "ara") -> ocr_check.Reading:
        if (phrase, font, lang) not in cache:
            cache[phrase, font, lang] = ocr_check.read_reference(phrase, font, lang)
        return cache[phrase, font, lang]

    return reading


def drawn_with(text: Text) -> str:
    """The family of the font file ``text`` is drawn with."""
    return font_manager.get_font(font_manager.findfont(text.get_fontproperties(), fallback_to_default=False)).family_name


@pytest.mark.ocr
def test_frame_and_actor_labels_read_back_here(reference_in, force_shaping, chart_font):
    force_shaping(None)
    names = ["وزارة الخارجية", "الحرب في أوكرانيا", "المملكة العربية السعودية"]
    readable = [name for name in names if reference_in(name, chart_font).correct]
    assert readable, f"OCR reads none of {names} drawn in {chart_font.name} by the reference: choose other phrases"
    font = {"font": chart_font}
    rates = charts.plot_frame_rates(pd.DataFrame({"source": "okaz", "frame": names, "rate_per_1k": [3.0, 2.0, 1.0]}), **font)
    actors = charts.plot_actor_frame_heatmap(pd.DataFrame({"source": "okaz", "actor": "x", "frame": names, "hits": [30, 20, 10]}), **font)
    heatmap = charts.plot_frame_heatmap(pd.DataFrame({"source": "okaz", "frame": names, "rate_per_1k": [3.0, 2.0, 1.0]}), **font)
    periods = pd.to_datetime(["2015-07-01", "2015-08-01"])
    over_time = charts.plot_frames_over_time(pd.DataFrame(
        {"source": "okaz", "period": np.repeat(periods, 3), "frame": names * 2, "rate_per_1k": 1.0}), **font)
    for fig, texts in [(rates, [ax.title for ax in rates.axes]), (actors, actors.axes[0].get_yticklabels()),
                       (heatmap, heatmap.axes[0].get_yticklabels()), (over_time, over_time.legends[0].get_texts())]:
        given = {charts.arabic_text(name): name for name in names}
        for text, crop in zip(texts, ocr_check.crop_texts(fig, texts)):
            assert drawn_with(text) == font_manager.get_font(chart_font).family_name
            phrase = given[text.get_text()]
            if phrase in readable:
                reading = ocr_check.read_scaled(crop, phrase)
                assert reading.correct, f"{chart_font.name}: {reading}"


MIXED_LABEL = "SMS تبدا"
"""A bigram of an outlet's SMS block: SMS is read first, so in an Arabic label it stands at the right end."""
MIXED_LATIN, MIXED_ARABIC = MIXED_LABEL.split()
MIXED_PATHS = {
    "matplotlib png": "this process's matplotlib, its decision, drawn by Agg",
    "matplotlib svg": "the same chart saved as SVG, its glyph outlines rasterized",
    "matplotlib 3.10 png": "matplotlib 3.10 (no shaping: reshape + bidi), in .venv-mpl310",
    "matplotlib 3.10 svg": "the same, saved as SVG",
    "cloud raqm": "a word cloud drawn by Pillow with raqm, here",
    "cloud basic": "a word cloud drawn by Pillow without raqm, in a fresh process",
}
"""Every way a label reaches the pixels: the renderer, its shaping decision and the output format."""


@pytest.fixture(scope="session")
def drawn_elsewhere(tmp_path_factory):
    """``(python, kind, font, no_raqm) -> manifest`` of the mixed label drawn right and wrong in another process, once."""
    made: dict[tuple, dict] = {}

    def draw(python, kind: str, font: Path, no_raqm: bool = False) -> dict:
        key = (str(python), kind, str(font), no_raqm)
        if key not in made:
            out = tmp_path_factory.mktemp("mixed")
            env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "MPLBACKEND": "Agg"}
            env.pop(charts.SHAPING_ENV, None)
            args = [str(python), str(OCR_SCRIPT), kind, str(out), "--font", str(font),
                    *(["--no-raqm"] if no_raqm else []), MIXED_LABEL, "--wrong", MIXED_LABEL]
            result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
            assert result.returncode == 0, result.stderr[-2000:]
            made[key] = json.loads((out / ocr_check.MANIFEST).read_text(encoding="utf-8"))
        return made[key]

    return draw


def _mixed_images(path: str, font: Path, tmp_path: Path, request) -> tuple[list[Image.Image], list[Image.Image], str]:
    """The mixed label drawn on ``path`` with ``font``, right and wrong (the shaping decision inverted), and the
    font file that really drew it."""
    family = font_manager.get_font(font).family_name
    if path.startswith("cloud"):
        if _uncovered(font, MIXED_LABEL):
            pytest.skip(f"{family} has no Latin letters: a word cloud draws a mixed word with a font covering it "
                        f"(DejaVu Sans), never with {family} (its case is DejaVu Sans's)")
        if path == "cloud raqm":
            if not PIL.features.check("raqm"):
                pytest.skip("Pillow has no raqm here (it needs libfribidi at run time)")
            manifest = ocr_check.render_cloud_cases(tmp_path, [MIXED_LABEL], [MIXED_LABEL], font=str(font))
            assert manifest["layout_engine"] == "RAQM" and manifest["shapes"]
        else:
            manifest = request.getfixturevalue("drawn_elsewhere")(sys.executable, "clouds", font, no_raqm=True)
            assert manifest["layout_engine"] == "BASIC" and not manifest["shapes"]
        used = {case["font"] for case in manifest["right"] + manifest["wrong"]}
        assert used == {str(font)}, used
        return ([Image.open(c["png"]) for c in manifest["right"]], [Image.open(c["png"]) for c in manifest["wrong"]],
                str(font))
    if path.startswith("matplotlib 3.10"):
        python = request.getfixturevalue("mpl310_python")
        manifest = request.getfixturevalue("drawn_elsewhere")(python, "charts", font)
        assert manifest["matplotlib"].startswith("3.10.") and manifest["shapes"] is False
    else:
        manifest = ocr_check.render_chart_cases(tmp_path, [MIXED_LABEL], [MIXED_LABEL], font=str(font))
    assert manifest["font"] == str(font)
    labels = {side: [c for c in manifest[side] if not c["title"]] for side in ("right", "wrong")}
    assert all(c["family"][0] == family for side in labels.values() for c in side)
    if path.endswith("svg"):
        images = {side: [ocr_check.svg_text_image(c["svg"], c["given"]) for c in cases] for side, cases in labels.items()}
    else:
        images = {side: [Image.open(c["png"]) for c in cases] for side, cases in labels.items()}
    return images["right"], images["wrong"], str(font)


@pytest.mark.ocr
@pytest.mark.parametrize("path", [pytest.param(path, marks=pytest.mark.slow) if "3.10" in path else path
                                  for path in MIXED_PATHS])
def test_mixed_script_label_reads_right_to_left_on_every_path_and_a_wrong_rendering_does_not(
        path, chart_font, tesseract, force_shaping, tmp_path, request):
    force_shaping(None)
    right, wrong, font = _mixed_images(path, chart_font, tmp_path, request)
    assert right and wrong
    for image in right:
        reading = ocr_check.read_mixed(image, MIXED_LATIN, MIXED_ARABIC)
        assert reading.correct, f"{path}, {Path(font).name}: {reading}"
    for image in wrong:  # drawn with the shaping decision inverted
        reading = ocr_check.read_mixed(image, MIXED_LATIN, MIXED_ARABIC)
        assert not reading.correct, f"a wrong {path} rendering passed: {reading}"


@pytest.mark.ocr
def test_mixed_script_label_drawn_left_to_right_is_rejected(tesseract, chart_font):
    """The logical string laid out left to right (what a renderer without the right-to-left mark does): SMS at the left."""
    wrong = Figure(figsize=(3, 1))
    plain = wrong.text(0.1, 0.5, MIXED_LABEL, fontsize=10,
                       fontfamily=[font_manager.get_font(chart_font).family_name, charts.FALLBACK_FONT])
    reading = ocr_check.read_mixed(ocr_check.crop_texts(wrong, [plain])[0], MIXED_LATIN, MIXED_ARABIC)
    assert reading.left_latin == MIXED_LATIN and not reading.correct, reading


@pytest.mark.ocr
def test_display_spelling_reads_back_with_its_hamza(tesseract, force_shaping, chart_font):
    from analysis.terms import count_terms, label_terms

    force_shaping(None)
    docs = pd.DataFrame({"doc_id": ["1", "2"], "source": "okaz", "text": ["الحرب في أوكرانيا", "أوكرانيا واوكرانيا"]})
    counts = label_terms(count_terms(docs, "source"), docs)
    assert counts.set_index("term").loc["اوكرانيا", "display"] == "أوكرانيا"
    fig = charts.plot_top_terms(counts, gloss=None, font=chart_font)
    [label] = [t for t in fig.axes[0].get_yticklabels() if t.get_text() == charts.arabic_text("أوكرانيا")]
    assert drawn_with(label) == font_manager.get_font(chart_font).family_name
    text = ocr_check.ocr(ocr_check.crop_texts(fig, [label])[0])
    assert ocr_check.similarity(text, "أوكرانيا") > ocr_check.similarity(text, "اوكرانيا"), text


@pytest.mark.ocr
@pytest.mark.slow
def test_chart_labels_read_back_on_matplotlib_310(tmp_path, reference, mpl310_python):
    manifest = run_cases(mpl310_python, "charts", tmp_path)
    assert manifest["matplotlib"].startswith("3.10.") and manifest["shapes"] is False
    check_reads_back(manifest["right"], reference, svg_phrases=SVG_PHRASES)
    check_rejected(manifest["wrong"], reference)


@pytest.mark.ocr
def test_wordclouds_read_back_with_raqm(tmp_path, reference, force_shaping):
    force_shaping(None)
    if not PIL.features.check("raqm"):
        pytest.skip("Pillow has no raqm here (it needs libfribidi at run time)")
    manifest = ocr_check.render_cloud_cases(tmp_path, list(PHRASES), WRONG_PHRASES)
    assert manifest["raqm"] and manifest["layout_engine"] == "RAQM" and manifest["shapes"]
    check_reads_back(manifest["right"], reference)
    check_rejected(manifest["wrong"], reference)


@pytest.mark.ocr
def test_wordclouds_read_back_without_raqm(tmp_path, reference):
    manifest = run_cases(sys.executable, "clouds", tmp_path, no_raqm=True)
    assert not manifest["raqm"] and manifest["layout_engine"] == "BASIC" and not manifest["shapes"]
    check_reads_back(manifest["right"], reference)
    check_rejected(manifest["wrong"], reference)


def saudinewsnet_top_words(directory: Path, n: int, articles: int = 800) -> list[str]:
    """The ``n`` most frequent non-stopwords of the first day's first ``articles`` articles."""
    from analysis.text import normalize, stopwords, tokenize

    with zipfile.ZipFile(sorted(directory.glob("*.zip"))[0]) as archive:
        batch = json.loads(archive.read(archive.namelist()[0]))[:articles]
    skip = stopwords()
    counts = collections.Counter(
        token for item in batch for token in tokenize(item.get("content") or "")
        if len(token) > 2 and normalize(token) not in skip
    )
    return [word for word, _ in counts.most_common(n)]


@pytest.mark.ocr
@pytest.mark.shared
def test_saudinewsnet_top_words_read_back_as_chart_labels(tmp_path, reference, force_shaping, saudinewsnet_dir):
    words = saudinewsnet_top_words(saudinewsnet_dir, 8)
    force_shaping(None)
    manifest = ocr_check.render_chart_cases(tmp_path, words)
    readable = [case for case in manifest["right"] if not case["title"] and reference(case["phrase"]).correct]
    assert len(readable) >= 5, f"too few SaudiNewsNet words readable by OCR at all: {words}"
    for case in readable:
        reading = ocr_check.read(Image.open(case["png"]), case["phrase"])
        assert reading.correct, f"{case['png']}: {reading}"



def test_frame_rates_draw_intervals_whose_bound_equals_the_value_up_to_rounding():
    """Regression: a share of 1 with a Wilson upper bound of 0.9999999999999999 (story_coverage) failed the report."""
    from statsmodels.stats.proportion import proportion_confint

    from analysis.charts import plot_frame_rates

    low, high = proportion_confint(7, 7, method="wilson")
    table = pd.DataFrame({"source": ["أ", "ب"], "frame": ["story", "story"], "share": [1.0, 0.0],
                          "ci_low": [low, -1e-17], "ci_high": [high, 0.3]})
    fig = plot_frame_rates(table, frame="frame", value="share")
    bars = [patch.get_width() for ax in fig.axes for patch in ax.patches]
    assert sorted(bars) == [0.0, 1.0]


# --- many groups: bounded figures, one colour per group ----------------------------------

OUTLETS = ["الرياض", "عكاظ", "الجزيرة", "الشرق الأوسط", "سبق", "الوطن", "المدينة", "اليوم", "الاقتصادية",
           "الحياة", "البلاد", "الندوة", "الرياضية", "واس", "الخليج", "البيان", "الأهرام", "النهار", "السفير",
           "الغد", "الدستور", "الراي", "القبس", "الوسط", "الأيام", "العرب", "الصباح", "الشروق", "المصري اليوم",
           "الوطن العربي"]
MANY_FRAMES = ["Confrontation", "Sanctions and economic pressure", "Diplomacy and negotiation", "Military action",
               "Nuclear programme", "Cyber", "Threat", "De-escalation"]


def many_group_tables(n: int) -> dict[str, pd.DataFrame]:
    """Every chart's table for ``n`` outlets with Arabic names (seeded numbers, gaps in the dates)."""
    rng = np.random.default_rng(n)
    groups = OUTLETS[:n]
    terms = pd.DataFrame([(g, t, int(rng.integers(5, 500))) for g in groups for t in CLOUD_TERMS],
                         columns=["source", "term", "count"]).assign(per_10k=lambda t: t["count"] / 7)
    rates = pd.DataFrame([(g, f, r, r * 0.8, r * 1.2) for g in groups for f in MANY_FRAMES
                          for r in [float(rng.gamma(2, 1))]], columns=["source", "frame", "rate_per_1k", "ci_low", "ci_high"])
    periods = pd.date_range("2015-07-21", "2015-08-20", freq="D").delete([7, 8, 9, 15])
    over_time = pd.DataFrame([(g, p, f, float(rng.gamma(2, 1))) for g in groups for p in periods for f in MANY_FRAMES],
                             columns=["source", "period", "frame", "rate_per_1k"])
    actors = pd.DataFrame([(g, a, f, int(rng.integers(0, 60))) for g in groups for a in ACTORS for f in MANY_FRAMES],
                          columns=["source", "actor", "frame", "hits"])
    return {"top_terms": terms, "distinctive_terms": terms.assign(z=rng.normal(0, 3, len(terms))),
            "frame_rates": rates, "frame_heatmap": rates, "frames_over_time": over_time,
            "wordclouds": terms, "actor_frame_heatmap": actors}


CLOUD_TERMS = ["أوكرانيا", "روسيا", "العقوبات", "الرياض", "وزارة الخارجية", "المملكة", "الحرب", "النفط", "الأمن",
               "الملك", "ولي العهد", "الاتحاد الأوروبي", "إيران", "السعودية", "اليمن"]
ACTORS = ["روسيا", "الولايات المتحدة", "أوكرانيا", "الصين", "الاتحاد الأوروبي", "الناتو"]


def bar_colors(ax) -> list[tuple]:
    return [tuple(np.round(patch.get_facecolor(), 4)) for patch in ax.patches]


@pytest.mark.parametrize("n", [14, 30])
def test_every_chart_of_many_groups_fits_a_page_and_gives_each_group_its_own_colour(n):
    tables = many_group_tables(n)
    options = {"top_terms": {"n": 15}, "distinctive_terms": {"n": 15, "score": "z"}}
    for name, (plot, _, _) in CHARTS.items():
        fig = plot(tables[name], **options.get(name, {}))
        width, height = fig.get_size_inches() * charts.SAVE_DPI
        assert width <= charts.MAX_FIGURE_PIXELS + 0.5 and height <= charts.MAX_FIGURE_PIXELS + 0.5, (name, width, height)
        if name in ("top_terms", "distinctive_terms"):  # one panel per group, in the group's colour
            colors = [set(bar_colors(ax)) for ax in fig.axes]
            assert all(len(c) == 1 for c in colors) and len(set().union(*colors)) == n, name
        if name == "frame_rates":  # one bar per group in every panel
            assert all(len(set(bar_colors(ax))) == n for ax in fig.axes)
        if name == "frames_over_time":
            assert len({line.get_color() for line in fig.axes[0].lines}) == len(MANY_FRAMES)
    assert len(set(charts.group_colors(30))) == 30


def test_frames_over_time_break_at_gaps_show_zero_periods_and_date_every_panel():
    periods = pd.to_datetime(["2015-07-21", "2015-07-22", "2015-07-23", "2015-07-27", "2015-07-28"])
    table = pd.DataFrame({"source": ["أ"] * 5 + ["ب"] * 4 + ["ج"], "period": [*periods, *periods[[0, 1, 3, 4]], periods[0]],
                          "frame": "story", "hits": [3, 1, 2, 4, 5, 1, 2, 3, 4, 1]})
    fig = charts.plot_frames_over_time(table, value="hits", ncols=2)  # ب: top right, above no panel
    first, second, _ = (ax.lines[0].get_ydata() for ax in fig.axes)
    assert np.isnan(first[3:6]).all() and not np.isnan(first[[0, 1, 2, 6, 7]]).any()  # 24–26 July: no data at all
    assert second[2] == 0  # ب had no article on the 23rd while أ had: a zero, not a gap
    fig.draw_without_rendering()
    assert all(any(t.get_visible() and t.get_text() for t in ax.get_xticklabels()) for ax in fig.axes)
    assert all(isinstance(ax.yaxis.get_major_locator(), matplotlib.ticker.MaxNLocator) for ax in fig.axes)
    rates = charts.plot_frames_over_time(table.rename(columns={"hits": "rate_per_1k"}), ncols=2)
    assert np.isnan(rates.axes[1].lines[0].get_ydata()[2])  # a rate with no tokens is unknown, not 0


def rendered(fig: Figure):
    """The Agg renderer ``fig`` was just drawn with (charts are made without pyplot, so without a canvas)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def visible_tick_labels(axis) -> list[str]:
    return [t.get_text() for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]


@pytest.mark.parametrize(("periods", "expected"), [
    (pd.to_datetime(["2021-11-01", "2021-12-01"]), ["Nov 2021", "Dec 2021"]),  # the demo: day ticks and 2021-Dec twice
    (pd.date_range("2021-11-01", periods=3, freq="MS"), ["Nov 2021", "Dec 2021", "Jan 2022"]),
    (pd.date_range("2015-07-06", periods=3, freq="7D"), ["2015-07-06", "2015-07-13", "2015-07-20"]),
    (pd.date_range("2013-01-01", periods=2, freq="YS"), ["2013", "2014"]),
])
def test_frames_over_time_ticks_once_at_each_period_and_never_between(periods, expected):
    table = pd.DataFrame({"source": "أ", "period": periods, "frame": "story", "docs": range(1, len(periods) + 1)})
    fig = charts.plot_frames_over_time(table, value="docs")
    fig.draw_without_rendering()
    axis = fig.axes[0].xaxis
    assert visible_tick_labels(axis) == expected
    assert list(axis.get_majorticklocs()) == list(matplotlib.dates.date2num(periods))
    assert len(axis.get_minorticklocs()) == 0


def test_frames_over_time_label_every_kth_period_of_a_long_series_once():
    periods = pd.date_range("2015-01-01", periods=90, freq="D")
    table = pd.DataFrame({"source": "أ", "period": periods, "frame": "story", "docs": 1})
    fig = charts.plot_frames_over_time(table, value="docs")
    fig.draw_without_rendering()
    labels = visible_tick_labels(fig.axes[0].xaxis)
    assert 2 <= len(labels) <= 6 and len(set(labels)) == len(labels)
    assert set(pd.to_datetime(labels)) <= set(periods)
    steps = np.diff(pd.to_datetime(labels))
    assert len(set(steps)) == 1  # evenly spaced periods


def test_share_axes_span_0_to_100_percent_unless_told_otherwise():
    table = pd.DataFrame({"source": ["أ", "أ"], "period": pd.to_datetime(["2021-11-01", "2021-12-01"]),
                          "frame": "story", "share": [1.0, 1.0]})  # the demo's constant 100 %: 0.96 to 1.04
    ax = charts.plot_frames_over_time(table, value="share").axes[0]
    low, high = ax.get_ylim()
    assert low <= 0 and high >= 1 and high - low <= 1.1
    assert isinstance(ax.yaxis.get_major_formatter(), matplotlib.ticker.PercentFormatter)
    assert charts.plot_frames_over_time(table, value="share", ylim=(0.5, 1.0)).axes[0].get_ylim() == (0.5, 1.0)
    assert charts.plot_frames_over_time(table.rename(columns={"share": "docs"}), value="docs").axes[0].get_ylim()[0] > 0


@pytest.mark.parametrize("ncols", [None, 1])
def test_frames_over_time_title_and_legend_do_not_overlap(ncols):
    """Regression: the demo's frames over time, one column, had its title running into the legend."""
    labels = ["Confrontation and conflict", "Cyber operations and information security", "De-escalation and cooperation",
              "Diplomacy and negotiation", "Military and security", "Nuclear weapons and arms control",
              "Sanctions and economic pressure", "Threat and accusation"]
    periods = pd.to_datetime(["2021-11-01", "2021-12-01"])
    table = pd.DataFrame([(s, p, f"f{i}", label, float(i)) for s in ["al-hisn", "al-jisr", "al-mizan", "al-nadhir"]
                          for p in periods for i, label in enumerate(labels)],
                         columns=["source", "period", "frame", "frame_label", "rate_per_1k"])
    fig = charts.plot_frames_over_time(table, frame_label="frame_label", ncols=ncols, title="Frames over time, per month")
    renderer = rendered(fig)
    title, legend = fig.get_suptitle(), fig.legends[0]
    title_box, legend_box = fig._suptitle.get_window_extent(renderer), legend.get_window_extent(renderer)
    assert title and not title_box.overlaps(legend_box)
    assert fig.bbox.contains(legend_box.x0, legend_box.y0) and fig.bbox.contains(legend_box.x1, legend_box.y1)
    assert not any(legend_box.overlaps(ax.get_tightbbox(renderer)) for ax in fig.axes)


@pytest.mark.parametrize("n", [1, 14, 30])
def test_frames_over_time_date_labels_never_overlap_each_other(n):
    fig = charts.plot_frames_over_time(many_group_tables(n)["frames_over_time"])
    renderer = rendered(fig)
    for ax in fig.axes:
        boxes = [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_visible() and t.get_text()]
        assert len(boxes) >= 2 and not any(a.overlaps(b) for a, b in zip(boxes, boxes[1:])), ax.get_title()


@pytest.mark.parametrize("n", [14, 30])
def test_actor_heatmap_names_never_overlap_each_other(n):
    table = many_group_tables(n)["actor_frame_heatmap"]
    fig = charts.plot_actor_frame_heatmap(table)
    renderer = rendered(fig)
    for ax in fig.axes[:n]:
        boxes = [t.get_window_extent(renderer) for t in ax.get_xticklabels()]
        assert len(boxes) == len(ACTORS)
        assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:]), ax.get_title()


def test_actor_heatmap_leaves_out_actors_without_words_and_says_so():
    table = pd.concat([actor_table(), pd.DataFrame({"source": "okaz", "actor": "الصين", "frame": FRAMES, "hits": 0})])
    fig = charts.plot_actor_frame_heatmap(table)
    assert charts.arabic_text("الصين") not in [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert any("Not drawn" in t and "الصين" in t for t in figure_texts(fig))
    kept = charts.plot_actor_frame_heatmap(table, drop_empty=False)
    assert charts.arabic_text("الصين") in [t.get_text() for t in kept.axes[0].get_xticklabels()]
    assert not any("Not drawn" in t for t in figure_texts(kept))
    assert not any("Not drawn" in t for t in figure_texts(charts.plot_actor_frame_heatmap(actor_table())))
    silent = charts.plot_actor_frame_heatmap(actor_table().assign(hits=0))  # a corpus where no actor has a word
    assert len(silent.axes[0].get_xticklabels()) == 2 and silent.chart_data["too_few"].all()


def test_actor_heatmap_draws_shares_of_each_actors_frame_words_with_their_denominators():
    fig = charts.plot_actor_frame_heatmap(actor_table())
    data = fig.chart_data
    assert {"hits", "actor_hits", "share"} <= set(data.columns)
    assert np.allclose(data.groupby(["source", "actor"])["share"].sum(), 1.0)
    assert np.allclose(data["share"], data["hits"] / data["actor_hits"])
    raw = charts.plot_actor_frame_heatmap(actor_table(), normalize=None).chart_data
    assert "share" not in raw.columns
    with pytest.raises(ValueError, match="normalize"):
        charts.plot_actor_frame_heatmap(actor_table(), normalize="source")


@pytest.mark.parametrize("name", list(CHARTS))
def test_every_chart_saves_the_table_it_drew_beside_it(name, tmp_path):
    plot, table, _ = CHARTS[name]
    paths = charts.save_figure(plot(table()), name, tmp_path, ("png",))
    assert [p.name for p in paths] == [f"{name}.png", f"{name}.csv"]
    saved = pd.read_csv(paths[1])
    assert len(saved) > 0 and "source" in saved.columns
    assert charts.save_figure(plot(table()), "again", tmp_path, ("png",), data=False)[-1].suffix == ".png"


def test_wordclouds_leave_out_function_words_letters_and_numbers_and_draw_display_forms():
    table = pd.DataFrame({"source": "أ", "term": ["اوكرانيا", "وذلك", "والتي", "ب", "2015", "الرياض"],
                          "display": ["أوكرانيا", "وذلك", "والتي", "ب", "2015", "الرياض"], "count": [9, 8, 7, 6, 5, 4]})
    drawn = charts.plot_wordclouds(table).chart_data
    assert drawn["term"].tolist() == ["اوكرانيا", "الرياض"] and drawn["display"].tolist() == ["أوكرانيا", "الرياض"]
    assert len(charts.plot_wordclouds(table, content_only=False).chart_data) == 6


def test_term_bars_draw_the_display_spelling_and_keep_the_normalized_term():
    table = term_table().assign(display=lambda t: t["term"].replace({"السعودية": "السعوديّة"}))
    fig = charts.plot_top_terms(table, gloss=None)
    shown = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert charts.arabic_text("السعوديّة") in shown and charts.arabic_text("السعودية") not in shown
    assert "السعودية" in fig.chart_data["term"].tolist()
    plain = charts.plot_top_terms(table, gloss=None, display=None)
    assert charts.arabic_text("السعودية") in [t.get_text() for t in plain.axes[0].get_yticklabels()]


def test_wordcloud_words_stay_in_the_boxes_they_were_placed_by(monkeypatch):
    """Regression: wordcloud placed words by their top-left ink but drew them from the ascender,
    so Arabic words ran into their neighbours (847 shared pixels in this cloud)."""
    from PIL import ImageDraw, ImageFont

    from analysis.charts import clouds

    made = []

    class Recording(clouds.WordCloud):
        def generate_from_frequencies(self, *args, **kwargs):
            made.append(self)
            return super().generate_from_frequencies(*args, **kwargs)

    monkeypatch.setattr(clouds, "WordCloud", Recording)
    words = {"الملك": 50, "روسيا": 45, "إيران": 30, "أوكرانيا": 28, "النفط": 20, "الأمن": 18, "اليمن": 15,
             "الحرب": 12, "ولي العهد": 10, "المملكة": 9, "السعودية": 8}
    image = np.asarray(charts.wordcloud_image(words, width=880, height=540).convert("L")) < 250
    cloud = made[0]  # (it calls itself once more to size the largest word)
    masks = []
    for (word, _), size, (row, column), _, _ in cloud.layout_:
        canvas = Image.new("L", image.shape[::-1])
        ImageDraw.Draw(canvas).text((column, row), word, fill=255, anchor="lt", font=ImageFont.truetype(cloud.font_path, size))
        masks.append(np.asarray(canvas) > 128)
    assert len(masks) == len(words)
    assert not (np.sum(masks, axis=0) > 1).any(), "two words share pixels"
    assert all(image[mask].mean() > 0.95 for mask in masks), "a word is not drawn where it was placed"


def test_label_direction_is_the_html_cells_rule_accented_latin_counted_as_latin():
    """Regression: chart labels counted only ASCII letters as Latin (analysis.text.text_direction is the one rule)."""
    assert charts.arabic_text("Rome روما", reshape=False).startswith(RLM)  # four and four: an Arabic line
    assert charts.arabic_text("Zürich زيورخ", reshape=False) == "Zürich زيورخ"  # six Latin letters, five Arabic
    assert charts.arabic_text("Zürich زيورخ", reshape=True).startswith("Zürich")  # base direction L: Zürich at the left
    assert charts.arabic_text("Rome روما", reshape=True).endswith("Rome")  # base direction R: Rome at the right


def test_actor_heatmap_hatches_columns_with_too_few_frame_words_and_keeps_their_counts():
    table = pd.DataFrame([("أ", "روسيا", f, h) for f, h in zip(FRAMES, [30, 10, 5])]
                         + [("أ", "إيران", f, h) for f, h in zip(FRAMES, [13, 6, 1])]  # 20: just enough
                         + [("ب", "روسيا", f, h) for f, h in zip(FRAMES, [2, 1, 0])]
                         + [("ب", "إيران", f, 0) for f in FRAMES], columns=["source", "actor", "frame", "hits"])
    fig = charts.plot_actor_frame_heatmap(table, min_hits=20)
    data = fig.chart_data.set_index(["source", "actor"])
    assert data.groupby(level=[0, 1])["too_few"].all().to_dict() == {
        ("أ", "روسيا"): False, ("أ", "إيران"): False, ("ب", "روسيا"): True, ("ب", "إيران"): True}
    assert data.loc[("ب", "روسيا"), "actor_hits"].tolist() == [3, 3, 3]  # the denominator stays in the CSV
    assert data.loc[("ب", "إيران"), "share"].isna().all()  # no words near it: no share, not 0 %
    first, second = fig.axes[:2]
    assert not np.ma.getmaskarray(first.collections[0].get_array()).any()
    assert np.ma.getmaskarray(second.collections[0].get_array()).all()  # nothing coloured in ب
    hatched = [p for p in second.patches if p.get_hatch()]
    assert len(hatched) == 2 and not [p for p in first.patches if p.get_hatch()]
    assert not [t for t in second.texts if t.get_visible() and "%" in t.get_text()]  # no share printed
    assert fig.axes[-1].get_ylim()[1] == pytest.approx(30 / 45)  # the colour scale of the drawn cells only
    assert any("fewer than 20 frame words" in t for t in figure_texts(fig))
    every = charts.plot_actor_frame_heatmap(table, min_hits=0)
    assert every.chart_data.groupby(["source", "actor"])["too_few"].all().tolist() == [False, False, True, False]
    assert not any("fewer than" in t for t in figure_texts(charts.plot_actor_frame_heatmap(table.assign(hits=50))))


def test_actor_heatmap_draws_at_least_min_hits_words_and_rejects_a_bad_minimum():
    assert charts.plot_actor_frame_heatmap(actor_table()).chart_data["too_few"].all()  # 3 to 9 words: below 20
    fig = charts.plot_actor_frame_heatmap(actor_table(), min_hits=9)
    data = fig.chart_data
    assert (data["too_few"] == (data["actor_hits"] < 9)).all() and not data["too_few"].all()
    assert "too_few" not in charts.plot_actor_frame_heatmap(actor_table(), normalize=None).chart_data
    for bad in (-1, 2.5, True, "20"):
        with pytest.raises(ValueError, match="min_hits"):
            charts.plot_actor_frame_heatmap(actor_table(), min_hits=bad)
