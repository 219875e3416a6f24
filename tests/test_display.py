"""Tests for analysis.display: bidi-isolated HTML tables (checked in a real browser), the keyword-in-context layout, right-to-left DataFrames in IPython."""

import html
import re

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.display import html_table, show_dataframes_rtl
from browser_check import reads_left_to_right, reads_right_to_left

CAPTION = "موسكو: 15 of 39 occurrences, sampled at random."
DATE = "2015-07-21 02:42"
KWIC = pd.DataFrame({
    "source": ["okaz", "عكاظ"],
    "date": pd.to_datetime(["2015-07-21 02:42", "2015-07-22 09:05"]),
    "before": ["قال وزير الخارجية إن", "رحبت"],
    "keyword": ["موسكو", "موسكو"],
    "after": ["ترفض العقوبات", "بالمحادثات الجديدة مع واشنطن"],
    "score": [-1.5, 2.25],
})


def _page(table) -> str:
    return f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"></head><body>{table.html}</body></html>'


# --- markup ---------------------------------------------------------------------------


def test_a_cell_whose_accented_latin_letters_outnumber_its_arabic_ones_is_left_to_right():
    """Regression: chart labels counted only ASCII letters as Latin, HTML cells counted accented ones too."""
    cell = "Zürich زيورخ"  # six Latin letters (ü among them), five Arabic
    assert re.search(r'<td dir="ltr">Zürich <bdi>زيورخ</bdi></td>', html_table(pd.DataFrame({"city": [cell]})).html)


def test_every_cell_header_and_caption_carries_its_direction():
    markup = html_table(KWIC, caption=CAPTION, direction="rtl").html
    cells = re.findall(r"<(td|th|caption)( [^>]*)?>", markup)
    assert cells and all('dir="' in attrs for _, attrs in cells)
    assert f'<td dir="ltr">{DATE}</td>' in markup  # a date never inherits the table's right-to-left
    assert '<td class="af-num" dir="ltr">-1.5</td>' in markup  # nor a negative number ("1.5-")
    assert '<td dir="rtl" lang="ar">عكاظ</td>' in markup and '<td dir="ltr">okaz</td>' in markup
    assert '<caption dir="ltr"><bdi>موسكو</bdi>: 15 of 39 occurrences, sampled at random.</caption>' in markup


def test_a_caption_mixing_an_arabic_caption_and_the_rows_note_isolates_the_note():
    markup = html_table(pd.DataFrame({"a": range(3)}), max_rows=1, caption="أكثر الكلمات تكرارا").html
    assert '<caption dir="rtl">أكثر الكلمات تكرارا <bdi dir="ltr">1 of 3 rows shown.</bdi></caption>' in markup


@given(st.text(alphabet="موسكوabc 15:-<&>\"'", min_size=1, max_size=30))
def test_isolation_never_changes_the_text_shown(text):
    """Whatever is wrapped in <bdi>, the text of the cell and the caption (tags removed, unescaped) is the value."""
    markup = html_table(pd.DataFrame({"t": [text]}), max_chars=0, caption=text).html
    for tag in ("td", "caption"):
        shown = re.search(rf"<{tag}[^>]*>(.*?)</{tag}>", markup, re.S).group(1)
        assert "<" not in re.sub(r"</?bdi[^>]*>", "", shown)  # no markup but the isolation
        assert html.unescape(re.sub(r"</?bdi[^>]*>", "", shown)) == text


def test_keyword_in_context_aligns_both_sides_against_the_keyword_in_either_direction():
    rtl = html_table(KWIC, direction="rtl", context=("before", "after")).html
    assert '<td style="text-align:left" dir="rtl" lang="ar">قال وزير الخارجية إن</td>' in rtl
    assert '<td class="af-keyword" dir="rtl" lang="ar">موسكو</td>' in rtl
    assert '<td style="text-align:right" dir="rtl" lang="ar">ترفض العقوبات</td>' in rtl
    ltr = html_table(KWIC, context=("before", "after")).html
    assert '<td style="text-align:right" dir="rtl" lang="ar">قال وزير الخارجية إن</td>' in ltr


def test_keyword_in_context_cuts_the_before_text_at_its_start_and_the_after_text_at_its_end():
    lines = pd.DataFrame({"before": ["أول ثان ثالث رابع"], "keyword": ["موسكو"], "after": ["خامس سادس سابع ثامن"]})
    markup = html_table(lines, max_chars=10, context=("before", "after")).html
    assert ">…ثالث رابع</td>" in markup and ">خامس سادس…</td>" in markup  # the words beside the keyword stay


def test_keyword_in_context_rejects_columns_that_do_not_surround_one_keyword():
    with pytest.raises(ValueError, match="two columns"):
        html_table(KWIC, context=("before", "missing"))
    with pytest.raises(ValueError, match="between them"):
        html_table(KWIC, context=("source", "after"))


def test_show_dataframes_rtl_renders_every_dataframe_with_html_table_and_can_be_undone():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        frame = pd.Series([3, 1], index=pd.Index(["عكاظ", "okaz"], name="source"), name="docs").to_frame()
        show_dataframes_rtl(max_rows=1)
        data, _ = shell.display_formatter.format(frame)
        assert '<table class="af-table" dir="rtl">' in data["text/html"]
        assert '<th dir="ltr">source</th>' in data["text/html"]  # a named index is shown as a column
        assert '<td dir="rtl" lang="ar">عكاظ</td>' in data["text/html"] and "1 of 2 rows shown." in data["text/html"]
        show_dataframes_rtl(False)
        data, _ = shell.display_formatter.format(frame)
        assert "af-table" not in data["text/html"]
    finally:
        show_dataframes_rtl(False)
        InteractiveShell.clear_instance()


# --- in a browser: what a reader sees -------------------------------------------------


def test_without_chromium_the_browser_tests_say_how_to_install_it(monkeypatch):
    import browser_check

    monkeypatch.setattr(browser_check.shutil, "which", lambda name: None)
    assert browser_check.chromium_path() is None
    assert "apt-get install chromium" in browser_check.chromium_unavailable()



def test_a_mixed_direction_caption_and_a_date_read_in_logical_order_in_chromium(browser):
    """Regression: in a right-to-left table the caption read ".of 39 occurrences, sampled at random 15 :موسكو"
    and the date "02:42 2015-07-21"."""
    browser.load(_page(html_table(KWIC, caption=CAPTION, direction="rtl", context=("before", "after"))))
    caption = browser.positions("caption", ["موسكو", "15", "of 39", "occurrences", "random."])
    assert reads_left_to_right(caption), caption
    date = browser.positions("tbody tr:nth-child(1) td:nth-child(2)", ["2015-07-21", "02:42"])
    assert reads_left_to_right(date), date
    number = browser.positions("tbody tr:nth-child(1) td:nth-child(6)", ["-", "1.5"])
    assert reads_left_to_right(number), number


def test_the_unisolated_markup_does_read_scrambled_in_chromium(browser):
    """The check above can fail: the same text without isolation is drawn out of order."""
    browser.load(f'<table dir="rtl"><caption>{CAPTION}</caption><tr><td>{DATE}</td></tr></table>')
    assert not reads_left_to_right(browser.positions("caption", ["موسكو", "15", "of 39", "occurrences", "random."]))
    assert not reads_left_to_right(browser.positions("td", ["2015-07-21", "02:42"]))


def test_keyword_in_context_reads_before_keyword_after_from_the_right_with_no_gap(browser):
    browser.load(_page(html_table(KWIC, direction="rtl", context=("before", "after"))))
    row = "tbody tr:nth-child(1)"
    before = browser.positions(f"{row} td:nth-child(3)", ["إن"])[0]
    keyword = browser.positions(f"{row} td:nth-child(4)", ["موسكو"])[0]
    after = browser.positions(f"{row} td:nth-child(5)", ["ترفض"])[0]
    assert reads_right_to_left([before, keyword, after])
    assert before["left"] - keyword["right"] < 40 and keyword["left"] - after["right"] < 40  # CSS pixels
    words = browser.positions(f"{row} td:nth-child(3)", ["قال", "وزير", "الخارجية", "إن"])
    assert reads_right_to_left(words), words


# --- in a Jupyter kernel: what a JupyterLab user sees ---------------------------------


@pytest.fixture(scope="module")
def kernel_outputs():
    """Each cell's outputs, run in a real kernel on this interpreter (as JupyterLab runs them)."""
    import nbformat
    from nbclient import NotebookClient

    from analysis.report import _interpreter_kernel_manager

    cells = [
        "from analysis.corpus import load_corpus\ncorpus = load_corpus(progress=True, cache=False)",  # a cached corpus reads no file
        "corpus",
        "import pandas as pd\nfrom analysis.charts import plot_top_terms\n"
        "plot_top_terms(pd.DataFrame({'source': ['عكاظ'], 'term': ['الرياض'], 'count': [3], 'per_10k': [2.5]}))",
        "from analysis.display import show_dataframes_rtl\nshow_dataframes_rtl()\ncorpus.docs[['source', 'title']].head(3)",
        "load_corpus(progress=False)\nNone",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    NotebookClient(nb, kernel_name="python3", kernel_manager_class=_interpreter_kernel_manager(), timeout=300).execute()
    return [cell.outputs for cell in nb.cells]


def test_progress_in_jupyter_is_a_notebook_bar_and_never_stderr_text(kernel_outputs):
    """Regression: progress=True printed a text bar on a red stderr background."""
    load, *_, quiet = kernel_outputs
    assert not [o for o in load if o.output_type == "stream" and o.name == "stderr"], load
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in load), load
    assert quiet == []  # progress=False shows nothing


def test_a_corpus_shows_its_summary_and_ingest_report_as_html(kernel_outputs):
    """Regression: the corpus's report printed ~70 lines of raw text."""
    html_out = kernel_outputs[1][0]["data"]["text/html"]
    assert "<h4>Corpus</h4>" in html_out and "<h4>Ingest report</h4>" in html_out
    assert '<td dir="ltr">rows read</td><td class="af-num" dir="ltr">48</td>' in html_out


def test_a_chart_returned_by_a_cell_shows_as_a_picture(kernel_outputs):
    """Regression: a plot_* call as the last line showed "<Figure size 1320x690 with 2 Axes>" and no picture."""
    import base64

    data = kernel_outputs[2][0]["data"]
    assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG")


def test_show_dataframes_rtl_applies_to_the_dataframes_a_cell_returns(kernel_outputs):
    assert '<table class="af-table" dir="rtl">' in kernel_outputs[3][0]["data"]["text/html"]
