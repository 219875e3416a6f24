"""Tests for analysis.charts: shaping decisions, fonts, figures, and Arabic read back from pixels."""

from __future__ import annotations

import collections
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
from PIL import Image

from analysis import charts
from analysis.charts.arabic import _has_arabic
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
def test_text_without_arabic_is_never_changed(text):
    assert charts.arabic_text(text, reshape=True) == text
    assert charts.arabic_text(text, reshape=False) == text


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
    assert any(_has_arabic(text) for text in texts) or name == "wordclouds"
    assert not [t for t in texts if any(ord(ch) in BASE_LETTERS for ch in t)]
    force_shaping("native")
    fig = plot(table())
    assert isinstance(fig, Figure)
    assert any(any(ord(ch) in BASE_LETTERS for ch in t) for t in figure_texts(fig)) or name == "wordclouds"


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
    assert charts.plot_distinctive_terms(table).axes[0].get_xlabel() == "z-score"
    with pytest.raises(ValueError, match="score"):
        charts.plot_distinctive_terms(term_table())


def test_frame_rates_draw_ci_error_bars_and_labels():
    fig = charts.plot_frame_rates(rate_table(), frame_label="label_en")
    ax = fig.axes[0]
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert len(bars) == len(SOURCES)
    assert all(bar.errorbar is not None for bar in bars)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["frame 0", "frame 1", "frame 2"]
    no_ci = charts.plot_frame_rates(rate_table().drop(columns=["ci_low", "ci_high"]))
    assert all(c.errorbar is None for c in no_ci.axes[0].containers if isinstance(c, BarContainer))


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
    assert all(t.get_rotation() == 40 for ax in panels for t in ax.get_xticklabels())
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
    assert [t.get_text() for t in ax.get_xticklabels()] == groups
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
    assert [p.name for p in paths] == ["terms.png", "terms.svg"]
    dpi = Image.open(paths[0]).info["dpi"]
    assert min(dpi) >= charts.MIN_SAVE_DPI - 0.5
    svg = paths[1].read_text(encoding="utf-8")
    assert "<text" not in svg and "<use" in svg
    assert sorted(p.name for p in tmp_path.iterdir()) == ["terms.png", "terms.svg"]


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


@pytest.mark.ocr
def test_frame_and_actor_labels_read_back_here(reference, force_shaping):
    force_shaping(None)
    names = ["وزارة الخارجية", "الحرب في أوكرانيا", "المملكة العربية السعودية"]
    rates = charts.plot_frame_rates(pd.DataFrame({"source": "okaz", "frame": names, "rate_per_1k": [3.0, 2.0, 1.0]}))
    actors = charts.plot_actor_frame_heatmap(pd.DataFrame({"source": "okaz", "actor": "x", "frame": names, "hits": [3, 2, 1]}))
    heatmap = charts.plot_frame_heatmap(pd.DataFrame({"source": "okaz", "frame": names, "rate_per_1k": [3.0, 2.0, 1.0]}))
    periods = pd.to_datetime(["2015-07-01", "2015-08-01"])
    over_time = charts.plot_frames_over_time(pd.DataFrame(
        {"source": "okaz", "period": np.repeat(periods, 3), "frame": names * 2, "rate_per_1k": 1.0}))
    for fig, texts in [(rates, rates.axes[0].get_yticklabels()), (actors, actors.axes[0].get_yticklabels()),
                       (heatmap, heatmap.axes[0].get_yticklabels()), (over_time, over_time.legends[0].get_texts())]:
        given = {charts.arabic_text(name): name for name in names}
        for text, crop in zip(texts, ocr_check.crop_texts(fig, texts)):
            phrase = given[text.get_text()]
            assert reference(phrase).correct
            reading = ocr_check.read(crop, phrase)
            assert reading.correct, reading


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
