"""Tests for the report and the notebook helpers: escaped right-to-left tables (analysis.display), provenance, corpus tables, matches in context, and the HTML report."""

import hashlib
import html
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from analysis import __version__
from analysis.cli import main as cli_main
from analysis.corpus import choose_period, count_documents, duplicate_groups, load_corpus, select_dates
from analysis.display import figure_image, html_table, sample_rows
from analysis.frames import count_matched_terms, frame_matches, match_context
from analysis.lexicon import label_frames, lexicon_summary, load_lexicon
from analysis.paths import DEMO_CORPUS, PROJECT_ROOT
from analysis.provenance import PROVENANCE_KEY, provenance
from analysis.report import IncompleteReportError, NotebookError, ReportError, build_report, notebook_paths
from analysis.text import NormalizeOptions, tokenize

PAGES = [path.stem for path in notebook_paths()]
SCRIPT = "<script>alert(1)</script>"
HOSTILE_SOURCE = "<img src=x onerror=alert(2)>"


def _write_jsonl(folder: Path, rows: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "articles.jsonl"
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n", encoding="utf-8")
    return folder


# --- tables ---------------------------------------------------------------------------


def test_html_table_escapes_values_and_headers():
    table = html_table(pd.DataFrame({"<th>": [SCRIPT, 'a"b&c']}))
    assert "<script" not in table.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in table.html
    assert '<th dir="ltr">&lt;th&gt;</th>' in table.html
    assert "a&quot;b&amp;c" in table.html


def test_html_table_puts_arabic_cells_right_to_left_and_numbers_right():
    table = html_table(pd.DataFrame({"source": ["عكاظ", "okaz"], "hits": [1234, 5]}))
    cells = re.findall(r"<td[^>]*>[^<]*</td>", table.html)
    assert cells == ['<td dir="rtl" lang="ar">عكاظ</td>', '<td class="af-num" dir="ltr">1,234</td>',
                     '<td dir="ltr">okaz</td>', '<td class="af-num" dir="ltr">5</td>']


def test_html_table_shows_an_underflowed_p_value_as_below_1e_300_not_zero():
    """Regression: a p-value that underflowed to 0 showed as "0", as if certain."""
    table = pd.DataFrame({"frame": ["war", "peace", "talks"], "p_value": [0.0, 1e-310, 0.04],
                          "p_adjusted": [0.0, 2e-300, 0.08], "hits": [0, 3, 5], "top": [0.0, 1.0, 2.0]})
    shown = html_table(table)
    assert shown.html.count('<td class="af-num" dir="ltr">&lt; 1e-300</td>') == 3
    assert '<td class="af-num" dir="ltr">2e-300</td>' in shown.html and '<td class="af-num" dir="ltr">0.04</td>' in shown.html
    assert '<td class="af-num" dir="ltr">0</td>' in shown.html  # hits and top: zeros that are zeros
    assert shown.text.count("< 1e-300") == 3 and "0.04" in shown.text
    assert table["p_value"].tolist() == [0.0, 1e-310, 0.04]  # the table stays numeric


def test_html_table_rtl_direction_applies_to_the_whole_table():
    assert '<table class="af-table" dir="rtl">' in html_table(pd.DataFrame({"a": [1]}), direction="rtl").html
    assert 'dir="rtl"' not in html_table(pd.DataFrame({"a": [1]})).html
    with pytest.raises(ValueError, match="direction"):
        html_table(pd.DataFrame({"a": [1]}), direction="ltr-ish")


def test_html_table_cuts_rows_and_long_texts_and_says_so():
    table = html_table(pd.DataFrame({"text": ["ن" * 300] + ["قصير"] * 4}), max_rows=2, max_chars=10)
    assert table.html.count("<tr>") == 3  # header and two rows
    assert "2 of 5 rows shown." in table.html
    assert "ن" * 9 + "…" in table.html and "ن" * 10 not in table.html
    assert "(2 of 5 rows shown)" in repr(table)


def test_html_table_formats_missing_values_dates_floats_and_booleans():
    table = pd.DataFrame({
        "date": pd.to_datetime(["2015-07-21", "2015-07-21 14:30", None], format="ISO8601"),
        "rate": [0.000123, 12345.6, float("nan")],
        "flag": [True, False, None],
    })
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", html_table(table).html)
    assert cells == ["2015-07-21", "0.000123", "yes", "2015-07-21 14:30", "12,346", "no", "", "", ""]


# --- provenance -----------------------------------------------------------------------


@pytest.fixture
def dated(tmp_path):
    rows = [
        {"id": "a", "source": "عكاظ", "date": "2021-06-01T10:00:00", "text": "خبر أول عن المفاوضات"},
        {"id": "b", "source": "عكاظ", "date": "2021-06-02T23:59:00", "text": "خبر ثان"},
        {"id": "c", "source": "سبق", "date": "2021-06-03T00:00:00", "text": "خبر أول عن المفاوضات"},
        {"id": "d", "source": "سبق", "text": "خبر بلا تاريخ"},
    ]
    return load_corpus(_write_jsonl(tmp_path / "dated", rows), progress=False)


def test_provenance_records_corpus_lexicon_hash_options_and_version():
    corpus = load_corpus(progress=False)
    record = provenance(corpus, "international-news")
    lexicon = load_lexicon("international-news")
    assert record.lexicon == "international-news"
    assert record.lexicon_sha256 == hashlib.sha256(Path(lexicon.path).read_bytes()).hexdigest()
    assert record.corpus == str(DEMO_CORPUS)
    assert record.documents == len(corpus.docs)
    assert record.rows_read == corpus.report.rows_read
    assert record.normalization == NormalizeOptions().as_dict()
    assert record.version == __version__
    data, metadata = record._repr_mimebundle_()
    assert json.loads(json.dumps(metadata[PROVENANCE_KEY])) == record.as_dict()
    assert record.lexicon_sha256 in data["text/html"] and record.lexicon_sha256 in data["text/plain"]


def test_provenance_escapes_a_hostile_corpus_path(tmp_path):
    folder = _write_jsonl(tmp_path / "<b>corpus</b>", [{"id": "1", "source": "أ", "text": "نص"}])
    html = provenance(load_corpus(folder, progress=False))._repr_mimebundle_()[0]["text/html"]
    assert "<b>" not in html and "&lt;b&gt;corpus&lt;/b&gt;" in html


def test_provenance_states_the_date_filter(dated):
    record = provenance(select_dates(dated, "2021-06-02"), date_from="2021-06-02")
    assert record.date_filter == "from 2021-06-02"
    rows = record.rows().set_index("item")["value"]
    assert rows["dates"] == "2021-06-02 to 2021-06-03 (filter: from 2021-06-02)"
    assert rows["documents"] == "2 analysed of 4 kept; 4 rows read, 0 rejected at ingestion"


def test_provenance_states_the_selection_and_the_articles_it_kept_per_source(dated):
    from analysis.corpus import select_documents

    record = provenance(select_documents(dated, "المفاوضات", date_from="2021-06-01"))
    assert record.selection == "query: المفاوضات; dates from 2021-06-01"
    assert record.selected == (("سبق", 1, 1), ("عكاظ", 1, 2))  # source, kept, before (the undated one left out)
    assert record.date_filter == "from 2021-06-01"
    rows = record.rows().set_index("item")["value"]
    assert rows["selection"] == "query: المفاوضات; dates from 2021-06-01"
    assert rows["selected per source"] == "سبق 1 of 1; عكاظ 1 of 2"
    data, metadata = record._repr_mimebundle_()
    assert json.loads(json.dumps(metadata[PROVENANCE_KEY])) == record.as_dict()
    assert "selected per source" not in provenance(dated).rows()["item"].tolist()


# --- corpus tables --------------------------------------------------------------------


def test_select_dates_includes_the_whole_last_day_and_drops_undated(dated):
    assert select_dates(dated) is dated
    assert select_dates(dated, "2021-06-01", "2021-06-02").docs["doc_id"].tolist() == ["a", "b"]
    assert select_dates(dated, date_from="2021-06-02").docs["doc_id"].tolist() == ["b", "c"]
    assert select_dates(dated, date_to="2021-06-02T12:00").docs["doc_id"].tolist() == ["a"]
    assert select_dates(dated, "2021-06-01").report is dated.report


def test_select_dates_rejects_bad_bounds(dated):
    with pytest.raises(ValueError, match="not a date"):
        select_dates(dated, "June")
    with pytest.raises(ValueError, match="after"):
        select_dates(dated, "2021-06-03", "2021-06-01")


def test_count_documents_counts_documents_duplicates_and_tokens(dated):
    table = count_documents(dated)
    assert table.columns.tolist() == ["source", "docs", "duplicates", "tokens", "tokens_p10", "tokens_median",
                                      "tokens_p90"]
    rows = table.set_index("source")
    assert rows.loc["عكاظ", ["docs", "duplicates", "tokens"]].tolist() == [2, 0, 6]
    assert rows.loc["سبق", ["docs", "duplicates", "tokens"]].tolist() == [2, 1, 7]
    assert count_documents(dated, None)["docs"].tolist() == [4]
    by_day = count_documents(dated, ["source", "day"])
    assert by_day["docs"].tolist() == [1, 1, 1, 1]
    assert by_day.loc[by_day["day"].isna(), "source"].tolist() == ["سبق"]  # undated: a group of its own


def test_duplicate_groups_finds_texts_shared_across_sources(dated):
    table = duplicate_groups(dated)
    assert table[["doc_id", "copies", "n_sources", "sources"]].values.tolist() == [["a", 2, 2, "سبق, عكاظ"]]
    unique = load_corpus(_write_jsonl(Path(dated.path).parent / "unique", [{"id": "1", "source": "أ", "text": "نص"}]),
                         progress=False)
    assert duplicate_groups(unique).empty


def test_duplicate_groups_on_the_demo_corpus_matches_the_flags():
    corpus = load_corpus(progress=False)
    table = duplicate_groups(corpus)
    assert (table["copies"] - 1).sum() == corpus.docs["is_duplicate"].sum()


def test_choose_period_keeps_the_number_of_points_small(dated):
    assert choose_period(dated, min_docs=1) == "day"
    assert choose_period(dated, max_points=1, min_docs=1) == "week"
    docs = pd.DataFrame({"doc_id": ["1", "2"], "source": ["أ"] * 2, "text": ["نص"] * 2,
                         "date": pd.to_datetime(["2010-01-01", "2021-01-01"])})
    assert choose_period(docs) == "year"
    assert choose_period(docs.assign(date=pd.NaT)) == "day"


def test_choose_period_gives_a_typical_outlet_a_few_articles_per_period():
    """Regression: the demo, one article per outlet and day, was plotted per day as a flat line of ones."""
    days = pd.date_range("2015-07-06", periods=28, freq="D")
    daily = pd.DataFrame({"doc_id": [f"{s}{d:%d}" for s in "أب" for d in days], "source": [s for s in "أب" for _ in days],
                          "text": "نص", "date": list(days) * 2})
    assert choose_period(daily) == "week"
    assert choose_period(daily, min_docs=1) == "day"
    assert choose_period(daily, by=None, min_docs=2) == "day"  # two articles a day in all,
    assert choose_period(daily, min_docs=2) == "week"  # one per outlet
    assert choose_period(pd.concat([daily] * 3, ignore_index=True)) == "day"


def test_sample_rows_is_reproducible_capped_per_group_and_in_order():
    table = pd.DataFrame({"frame": list("aaaaabbc"), "i": range(8)})
    sample = sample_rows(table, 2, by="frame", seed=3)
    assert sample["frame"].value_counts().to_dict() == {"a": 2, "b": 2, "c": 1}
    assert sample["i"].is_monotonic_increasing
    assert sample.equals(sample_rows(table, 2, by="frame", seed=3))
    assert len(sample_rows(table, 100)) == 8
    assert {tuple(sample_rows(table, 3, seed=s)["i"]) for s in range(10)} != {tuple(range(3))}


def test_match_context_is_the_original_text_around_each_match():
    corpus = load_corpus(progress=False)
    matches = match_context(corpus, frame_matches(corpus, "international-news"), window=4)
    texts = corpus.docs.set_index("doc_id")["text"]
    assert len(matches) > 50
    for row in matches.itertuples():
        text = texts[row.doc_id]
        assert text[row.start:row.end] == row.surface
        assert text[:row.start].rstrip().endswith(row.before)
        assert text[row.end:].lstrip().startswith(row.after)
        assert len(tokenize(row.before)) == min(4, row.token_index)
        assert len(tokenize(row.after)) <= 4
    assert (matches["before"] != "").mean() > 0.9


def test_count_matched_terms_adds_up_to_the_matches():
    corpus = load_corpus(progress=False)
    matches = frame_matches(corpus, "international-news")
    table = count_matched_terms(matches)
    assert table["count"].sum() == len(matches)
    assert table.groupby("frame")["share"].sum().round(9).eq(1).all()
    first = table.iloc[0]
    assert first["count"] == len(matches.query("frame == @first.frame and term == @first.term"))


def test_lexicon_summary_and_labels_follow_the_lexicon():
    lexicon = load_lexicon("international-news")
    summary = lexicon_summary(lexicon)
    assert summary["frame"].tolist() == list(lexicon.frame_ids)
    assert summary["terms"].tolist() == [len(frame.terms) + len(frame.verbs) for frame in lexicon.frames]
    labelled = label_frames(pd.DataFrame({"frame": ["sanctions", "unknown"]}), lexicon)
    assert labelled["frame_label"].tolist() == ["Sanctions and economic pressure", "unknown"]


def test_figure_image_saves_png_and_svg_and_shows_the_png(tmp_path):
    from analysis.charts import plot_top_terms

    table = pd.DataFrame({"source": ["عكاظ"], "term": ["الرياض"], "count": [3], "per_10k": [2.5]})
    image = figure_image(plot_top_terms(table), "01_terms", tmp_path, dpi=150)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["01_terms.csv", "01_terms.png", "01_terms.svg"]
    assert image.data == (tmp_path / "01_terms.png").read_bytes()
    assert f'href="{tmp_path.name}/01_terms.csv"' in image._repr_html_()
    with pytest.raises(ValueError, match="png"):
        figure_image(plot_top_terms(table), "x", tmp_path, formats=("svg",))


# --- the report on the demo corpus ----------------------------------------------------


@pytest.fixture(scope="session")
def demo_report(tmp_path_factory):
    """The whole report built once on the demo corpus."""
    out = tmp_path_factory.mktemp("demo-report")
    index = build_report(out=out)
    return index.parent


def _page(report: Path, name: str) -> str:
    return (report / f"{name}.html").read_text(encoding="utf-8")


def test_report_writes_an_index_and_one_page_per_notebook(demo_report):
    assert len(PAGES) == 5
    assert sorted(p.name for p in demo_report.iterdir()) == sorted(
        [f"{name}.html" for name in PAGES] + ["index.html", "figures", ".arabic-framing-report"])
    index = (demo_report / "index.html").read_text(encoding="utf-8")
    for path in notebook_paths():
        title = nbformat.read(path, as_version=4).cells[0].source.splitlines()[0][2:]
        assert f'<a href="{path.stem}.html">{title}</a>' in index
        assert f"<title>{title}</title>" in _page(demo_report, path.stem)


def test_every_page_embeds_its_figures_and_saves_them(demo_report):
    figures = demo_report / "figures"
    for name in PAGES:
        pngs = sorted(figures.glob(f"{name[:2]}_*.png"))
        assert pngs, f"{name} saved no figure"
        images = re.findall(r'<img[^>]* src="data:image/png;base64,', _page(demo_report, name))
        assert len(images) == len(pngs), name
    for png in figures.glob("*.png"):
        assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    svgs = list(figures.glob("*.svg"))
    assert len(svgs) == len(list(figures.glob("*.png"))) - 1  # word clouds are bitmaps: PNG only
    for svg in svgs:
        assert ET.parse(svg).getroot().tag.endswith("svg")


def test_tables_put_arabic_right_to_left(demo_report):
    for name in PAGES[:4]:  # the over-time page shows only dates and numbers
        assert '<td dir="rtl" lang="ar">' in _page(demo_report, name), name
    for name in ("02_term_frequencies", "03_framing"):  # keyword-in-context and audit tables
        assert '<table class="af-table" dir="rtl">' in _page(demo_report, name)


def test_keyword_in_context_pages_read_in_logical_order_in_chromium(demo_report, browser):
    """On the rendered page each caption reads "keyword: n of m occurrences" left to right, and each line
    reads before | keyword | after from the right, the text before and after sitting against the keyword."""
    from browser_check import reads_left_to_right, reads_right_to_left

    browser.load(demo_report / "02_term_frequencies.html")
    kwic = "table.af-table[dir=rtl]"
    captions = browser.texts(f"{kwic} caption")
    assert len(captions) >= 1
    for n, caption in enumerate(captions):
        keyword, shown, _, total = caption.split()[:4]
        positions = browser.positions(f"{kwic} caption", [keyword, shown, f"of {total}", "occurrences"], nth=n)
        assert reads_left_to_right(positions), (caption, positions)
    columns = browser.texts(f"{kwic} thead th")[:5]
    assert columns == ["source", "date", "before", "keyword", "after"]
    before, keyword, after = (browser.text_boxes(f"{kwic} tbody td:nth-child({columns.index(name) + 1})")
                              for name in ("before", "keyword", "after"))
    lines = [line for line in zip(before, keyword, after) if None not in line]  # not at a text's start or end
    assert len(lines) >= len(before) // 2
    for line in lines:
        assert reads_right_to_left(list(line)), line
        assert line[0]["left"] - line[1]["right"] < 40 and line[1]["left"] - line[2]["right"] < 40, line  # CSS px


def test_every_page_and_the_index_state_the_provenance(demo_report):
    lexicon = load_lexicon("international-news")
    corpus = load_corpus(progress=False)
    for page in [_page(demo_report, name) for name in PAGES] + [(demo_report / "index.html").read_text("utf-8")]:
        assert "Provenance" in page
        assert lexicon.sha256 in page
        assert f'<td dir="ltr">{DEMO_CORPUS}</td>' in page
        assert f"{len(corpus.docs):,} analysed; {corpus.report.rows_read:,} rows read, 0 rejected" in page
        assert f'<td dir="ltr">analysis version</td><td dir="ltr">{__version__}</td>' in page
        assert "teh_marbuta off" in page


def test_pages_have_no_errors_no_warnings_and_no_scripts(demo_report):
    for name in PAGES + ["index"]:
        page = _page(demo_report, name)
        text = re.sub(r"<[^>]+>", " ", page)
        assert "Traceback" not in text and not re.search(r"\b\w+Error: ", text), name
        assert not re.search(r"\b\w*Warning\b", text), f"{name}: a warning reached the page"
        assert "<script" not in page, f"{name}: the pages are static HTML"


# --- escaping, determinism and failures on tiny corpora -------------------------------


def _hostile_corpus(folder: Path) -> Path:
    """Three outlets, one named like markup, and articles whose title and text carry a script."""
    text = f"المفاوضات قال {SCRIPT} اليوم إن العقوبات مستمرة والحوار متوقف"
    rows = [
        {"id": "x1", "source": "عكاظ", "date": "2021-06-01", "title": f"{SCRIPT} عاجل", "text": text},
        {"id": "x2", "source": HOSTILE_SOURCE, "date": "2021-06-02", "title": "نسخة", "text": text},
        {"id": "x3", "source": "سبق", "date": "2021-06-03", "title": "خبر", "text": "المفاوضات في جنيف"},
        {"id": "x4", "source": "عكاظ", "date": "2021-06-04", "title": "خبر", "text": "المفاوضات والتهديد"},
        {"id": "x5", "source": "سبق", "date": "2021-06-05", "title": "خبر", "text": "المفاوضات مع موسكو وتصعيد"},
    ]
    return _write_jsonl(folder, rows)


@pytest.mark.hostile
def test_article_text_and_source_names_are_escaped_never_markup(tmp_path):
    index = build_report(corpus=_hostile_corpus(tmp_path / "corpus"), out=tmp_path / "out")
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    pages = {name: _page(index.parent, name) for name in PAGES + ["index"]}
    for name, page in pages.items():
        assert "<script" not in page and "<img src=x" not in page, name
    assert escaped in pages["01_corpus_overview"]  # the title of the shared text
    assert escaped in pages["02_term_frequencies"]  # keyword in context
    assert escaped in pages["03_framing"]  # the audit sample
    for name in PAGES + ["index"]:
        assert "&lt;img src=x onerror=alert(2)&gt;" in pages[name], name


def test_the_same_inputs_give_the_same_pages_and_figures(tmp_path):
    corpus = _hostile_corpus(tmp_path / "corpus")
    notebook = [nb for nb in notebook_paths() if nb.stem == "03_framing"]
    first = build_report(corpus=corpus, out=tmp_path / "out", notebooks=notebook).parent
    saved = {p.relative_to(first): p.read_bytes() for p in first.rglob("*") if p.is_file()}
    build_report(corpus=corpus, out=tmp_path / "out", notebooks=notebook)
    again = {p.relative_to(first): p.read_bytes() for p in first.rglob("*") if p.is_file()}
    assert saved.keys() == again.keys()
    assert [name for name in saved if saved[name] != again[name]] == []


def _broken_notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Broken", id="title"),
            nbformat.v4.new_code_cell("corpus = None", id="parameters", metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell("x = 1", id="fine"),
            nbformat.v4.new_code_cell("\n# divide\nratio = 1 / 0\n", id="broken"),
            nbformat.v4.new_code_cell("never = True", id="after"),
        ],
        metadata={"kernelspec": {"name": "no-such-kernel", "display_name": "gone", "language": "python"}},
    )
    path = folder / "99_broken.ipynb"
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_a_failing_notebook_names_the_notebook_and_the_cell(tmp_path):
    with pytest.raises(NotebookError) as caught:
        build_report(out=tmp_path / "out", notebooks=[_broken_notebook(tmp_path)])
    err = caught.value
    assert (err.notebook, err.cell, err.line) == ("99_broken.ipynb", 4, "# divide")
    assert str(err) == ("notebook 99_broken.ipynb failed in cell 4 ('# divide'): "
                        "ZeroDivisionError: division by zero")
    assert not (tmp_path / "out" / "index.html").exists()


def test_a_kernel_that_dies_is_reported_without_a_cell(tmp_path):
    path = _broken_notebook(tmp_path)
    nb = nbformat.read(path, as_version=4)
    nb.cells[3].source = "import os\nos._exit(1)"
    nbformat.write(nb, path)
    with pytest.raises(NotebookError, match=r"^notebook 99_broken.ipynb failed: DeadKernelError") as caught:
        build_report(out=tmp_path / "out", notebooks=[path])
    assert caught.value.cell is None


def test_a_real_notebook_failing_on_a_bad_parameter_names_its_cell(tmp_path):
    notebook = notebook_paths()[0]
    cells = nbformat.read(notebook, as_version=4).cells
    failing = next(i for i, cell in enumerate(cells, 1) if "count_documents(articles, by)" in cell.source)
    with pytest.raises(NotebookError) as caught:
        build_report(out=tmp_path, notebooks=[notebook], parameters={"by": "no_such_column"})
    assert caught.value.notebook == notebook.name
    assert caught.value.cell == failing
    assert caught.value.line == cells[failing - 1].source.splitlines()[0]
    assert "cannot group by 'no_such_column'" in caught.value.error


def test_the_command_line_reports_a_failing_notebook_in_one_line(tmp_path, monkeypatch, capfd):
    broken = _broken_notebook(tmp_path)
    monkeypatch.setattr("analysis.report.notebook_paths", lambda: [broken])
    assert cli_main(["report", "--out", str(tmp_path / "out")]) == 1
    # what was read (told by the report's loading process), then the one error line
    summary, error = capfd.readouterr().err.split("error: ")
    assert "row(s) read" in summary and "Traceback" not in summary
    assert error.startswith("notebook 99_broken.ipynb failed in cell 4") and error.count("\n") == 1


def test_the_command_line_rejects_a_missing_corpus_before_starting_kernels(tmp_path, capsys):
    assert cli_main(["report", "--corpus", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err == f"error: {tmp_path / 'nowhere'}: no such file or folder\n"  # as terms says it
    with pytest.raises(ReportError, match="lexicon"):
        build_report(out=tmp_path / "out", lexicon="no-such-lexicon")
    with pytest.raises(ReportError, match="no Jupyter kernel named 'no-such-kernel'; installed: "):
        build_report(out=tmp_path / "out", kernel_name="no-such-kernel")


def test_the_notebooks_read_the_corpus_with_the_load_options_given(tmp_path):
    demo = load_corpus(progress=False).docs
    corpus = tmp_path / "renamed.csv"  # the demo corpus under column names no alias knows
    demo[["source", "date", "text"]].rename(columns={"source": "site", "text": "words"}).to_csv(corpus, index=False)
    with pytest.raises(NotebookError):  # without them: no text column, no document kept, a notebook fails
        build_report(corpus=corpus, out=tmp_path / "bad", notebooks=notebook_paths()[:1])
    index = build_report(corpus=corpus, out=tmp_path / "out", notebooks=notebook_paths()[:1],
                         load_options={"text": "words", "source": "site"})
    page = (index.parent / f"{PAGES[0]}.html").read_text(encoding="utf-8")
    assert f"{len(demo):,} analysed; {len(demo):,} rows read, 0 rejected" in page
    assert f"{demo['source'].nunique()}: " in page


def test_a_named_kernel_can_be_chosen(tmp_path):
    """python3 is always known to jupyter_client (ipykernel ships its spec)."""
    path = _broken_notebook(tmp_path)
    with pytest.raises(NotebookError, match="ZeroDivisionError"):
        build_report(out=tmp_path / "out", notebooks=[path], kernel_name="python3")


def _failing_notebook(folder: Path, name: str, message: str) -> Path:
    """A notebook that saves a figure file, then raises ValueError(message)."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(f"# Failing {name}", id="title"),
        nbformat.v4.new_code_cell("corpus = None\nlexicon = None\nout_dir = None", id="parameters",
                                  metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(f"from pathlib import Path\n_ = Path(out_dir, '{name[:3]}half.csv').write_text('x')",
                                  id="figure"),
        nbformat.v4.new_code_cell(f"raise ValueError({message!r})", id="raise"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    path = folder / f"{name}.ipynb"
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_a_failing_notebook_gets_an_escaped_error_page_and_the_other_pages_render(tmp_path):
    """Regression (issue 16): one failing notebook lost the whole report; its error reached the
    terminal and the page with its markup, newlines and escape sequences raw."""
    corpus = _write_jsonl(tmp_path / "corpus", [{"source": "عكاظ", "text": "عقوبات على موسكو"}])
    good = _provenance_notebook(tmp_path / "nb", "01_good", False)
    out = tmp_path / "out"
    build_report(corpus=corpus, out=out, notebooks=[good])
    hostile = f"{SCRIPT} القيمة\x1b[8m\nerror: forged line\u202e"
    notebooks = [good, _failing_notebook(tmp_path / "nb", "02_hostile", hostile),
                 _failing_notebook(tmp_path / "nb", "03_plain", "no such outlet")]
    with pytest.raises(IncompleteReportError) as caught:
        build_report(corpus=corpus, out=out, notebooks=notebooks)
    err = caught.value
    assert [f.notebook for f in err.failures] == ["02_hostile.ipynb", "03_plain.ipynb"] and err.cell == 4
    shown = "<script>alert(1)</script> القيمة\\u001b[8m\\u000aerror: forged line\\u202e"  # one line, escaped
    assert str(err) == (f"notebook 02_hostile.ipynb failed in cell 4 ({f'raise ValueError({hostile!r})'!r}): "
                        f"ValueError: {shown}; notebook 03_plain.ipynb failed in cell 4 "
                        f"(\"raise ValueError('no such outlet')\"): ValueError: no such outlet; "
                        f"the report of the other 1 notebook(s) is in {out / 'index.html'}, marked incomplete")
    assert err.index == out / "index.html"
    # the partial report replaced the previous one, whole and marked
    assert sorted(p.name for p in out.iterdir()) == [".arabic-framing-report", "01_good.html", "02_hostile.html",
                                                     "03_plain.html", "figures", "index.html"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "<title>Arabic media-framing report (incomplete)</title>" in index
    assert "Incomplete report: 2 of 3 notebooks failed (02_hostile.ipynb, 03_plain.ipynb)." in index
    assert index.count('<li class="failed">') == 2 and "(failed: not rendered)" in index
    page = (out / "02_hostile.html").read_text(encoding="utf-8")
    assert "failed in cell 4" in page and "02_half.csv" in page  # the figure it saved before failing
    escaped = html.escape(shown)
    for text in (page, index):
        assert escaped in text and "<script" not in text and "\x1b" not in text and "\u202e" not in text
    fingerprint = load_corpus(corpus, cache=False).report.fingerprint
    for name in ("01_good", "02_hostile", "03_plain", "index"):
        assert fingerprint in (out / f"{name}.html").read_text(encoding="utf-8"), name  # one provenance


def test_a_notebook_error_naming_a_huge_value_is_cut_and_kept_on_one_line():
    """Regression: an error message holding a whole column reached the terminal and the page whole."""
    from papermill.exceptions import PapermillExecutionError

    from analysis.report import MAX_ERROR_CHARS, _failure

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("table[outlet]", id="c")])
    evalue = "\n".join(["الرياض"] * 10_000)
    err = _failure("01_x.ipynb", nb, PapermillExecutionError(0, 1, "table[outlet]", "KeyError", evalue, []))
    assert err.cell == 1 and err.error.startswith("KeyError: الرياض\nالرياض")
    assert err.error.endswith(f"… ({len(evalue) + 10:,} characters in all)") and len(err.error) < MAX_ERROR_CHARS + 40
    assert "\n" not in str(err) and len(str(err)) < 6 * MAX_ERROR_CHARS  # each newline shown as \\u000a


@pytest.mark.slow
def test_the_command_line_renders_the_rest_when_one_real_notebook_fails(tmp_path):
    """A coding sheet that is not one breaks only the framing notebook: its page says so, the
    other pages render, the index lists the failure, the command exits 1 with one line."""
    sheet = tmp_path / "not-a-sheet.csv"
    sheet.write_text("name,grade\nسارة,1\n", encoding="utf-8")
    out = tmp_path / "report"
    result = subprocess.run([sys.executable, "-m", "analysis", "report", "--codings", str(sheet), "--out", str(out)],
                            capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"error: notebook 03_framing\.ipynb failed in cell \d+ \('if codings:'\): ValueError: "
                        rf".*no column 'item_id'.*; the report of the other 4 notebook\(s\) is in "
                        rf"{re.escape(str(out / 'index.html'))}, marked incomplete", last), last
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Incomplete report: 1 of 5 notebooks failed (03_framing.ipynb)." in index
    assert re.search(r'<li class="failed"><a href="03_framing.html">[^<]*</a> <strong>\(failed', index)
    framing = _page(out, "03_framing")
    assert "not rendered" in framing and "no column &#x27;item_id&#x27;" in framing and "03_frame_rates.png" in framing
    for name in PAGES:
        if name != "03_framing":
            assert re.search(r'<img[^>]* src="data:image/png;base64,', _page(out, name)), name
    record = load_corpus(progress=False).report.fingerprint
    for page in [_page(out, name) for name in PAGES] + [index]:
        assert record in page


# --- SaudiNewsNet ---------------------------------------------------------------------


@pytest.mark.shared
@pytest.mark.slow
def test_report_command_runs_on_a_saudinewsnet_subset(saudinewsnet_dir, tmp_path):
    corpus = tmp_path / "snn"
    corpus.mkdir()
    shutil.copy(saudinewsnet_dir / "2015-07-23.zip", corpus)  # the smallest day: 1,100 articles, 10 outlets
    out = tmp_path / "report"
    result = subprocess.run([sys.executable, "-m", "analysis", "report", "--corpus", str(corpus), "--out", str(out)],
                            capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1] == f"report: {out / 'index.html'}"
    loaded = load_corpus(corpus, progress=False)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert (f"{len(loaded.docs):,} analysed; {loaded.report.rows_read:,} rows read, "
            f"{len(loaded.report.rejected):,} rejected at ingestion") in index
    assert f"{loaded.docs['source'].nunique()}: " in index
    for name in PAGES:
        assert "<script" not in _page(out, name)
        assert re.search(r'<img[^>]* src="data:image/png;base64,', _page(out, name)), name


def _provenance_notebook(folder: Path, name: str, edit: bool) -> Path:
    """A notebook that shows the provenance of its corpus, after appending an article to ``victim`` if ``edit``."""
    edit_cell = ("with open(victim, 'a', encoding='utf-8') as handle:\n"
                 "    handle.write('{\"source\": \"عكاظ\", \"text\": \"خبر أضيف أثناء التقرير\"}\\n')")
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(f"# {name}", id="title"),
        nbformat.v4.new_code_cell("corpus = None\nlexicon = None\nout_dir = None\nvictim = None", id="parameters",
                                  metadata={"tags": ["parameters"]}),
        *([nbformat.v4.new_code_cell(edit_cell, id="edit")] if edit else []),
        nbformat.v4.new_code_cell("from analysis.corpus import load_corpus\nfrom analysis.provenance import provenance\n"
                                  "loaded = load_corpus(corpus, progress=False)\nprovenance(loaded)", id="load"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    path = folder / f"{name}.ipynb"
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_every_page_reads_one_snapshot_and_a_corpus_edited_during_the_run_is_reported(tmp_path, capsys):
    from analysis.corpus.cache import fingerprint, input_files

    corpus = _write_jsonl(tmp_path / "corpus", [{"source": "الرياض", "text": "عقوبات على موسكو"},
                                                {"source": "عكاظ", "text": "محادثات في جنيف"}])
    victim = next(corpus.glob("*.jsonl"))
    before = fingerprint(input_files(corpus))
    notebooks = [_provenance_notebook(tmp_path / "nb", "01_edit", True), _provenance_notebook(tmp_path / "nb", "02_read", False)]
    index = build_report(corpus=corpus, out=tmp_path / "out", notebooks=notebooks, parameters={"victim": str(victim)})
    assert len(load_corpus(corpus, cache=False)) == 3  # the edit happened
    pages = [(index.parent / f"{nb.stem}.html").read_text(encoding="utf-8") for nb in notebooks]
    for page in pages + [index.read_text(encoding="utf-8")]:
        assert before in page and "2 rows read" in page  # the files as read at the start: two articles
    assert "changed while this report was built" in index.read_text(encoding="utf-8")
    assert "changed while the report was built" in capsys.readouterr().err
    assert all(str(corpus) in page and "arabic-framing-report-" not in page for page in pages)  # not the temporary path
