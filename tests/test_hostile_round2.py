"""Hostile inputs, round two (issue 16): formulas in CSV outputs, outputs that would destroy inputs,
control characters in names, silent reinterpretation at ingestion, names that break reports.

Resource bounds are in tests/test_limits.py. Each test states the outcome it expects.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis.outputs import neutralize_cell, restore_cell, write_csv
from analysis.paths import PROJECT_ROOT

pytestmark = pytest.mark.hostile

FORMULAS = ["=HYPERLINK(\"http://evil\",\"x\")", "+966 11", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "'=already"]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", *args, "--no-progress"] if args[0] != "report" else
                          [sys.executable, "-m", "analysis", *args],
                          capture_output=True, text=True, cwd=cwd or PROJECT_ROOT, timeout=600)


def read_cells(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


# ---------------------------------------------------------------- CSV formulas (issue 16, part 7)


@pytest.mark.parametrize("value", FORMULAS)
def test_formula_cells_are_neutralized_and_restored_exactly(value):
    assert neutralize_cell(value).startswith("'") and restore_cell(neutralize_cell(value)) == value


def test_write_csv_neutralizes_text_cells_and_headers_but_not_numbers(tmp_path):
    table = pd.DataFrame({"=cmd": FORMULAS, "n": range(-3, len(FORMULAS) - 3)})
    write_csv(table, tmp_path / "t.csv")
    rows = read_cells(tmp_path / "t.csv")
    assert rows[0] == ["'=cmd", "n"]
    assert [row[0] for row in rows[1:]] == ["'" + value for value in FORMULAS]
    assert [row[1] for row in rows[1:]] == [str(n) for n in range(-3, len(FORMULAS) - 3)]
    write_csv(table, tmp_path / "raw.csv", raw=True)
    assert [row[0] for row in read_cells(tmp_path / "raw.csv")[1:]] == FORMULAS


@pytest.fixture(scope="module")
def formula_corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("formulas")
    rows = [{"source": "=cmd|' /C calc'!A0", "text": "=1+1 فرضت واشنطن عقوبات جديدة"},
            {"source": "@outlet", "text": "-عقوبات دولية قاسية و+عقوبات أخرى"}]
    (root / "c.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return root / "c.jsonl"


def formula_cells(path: Path) -> list[str]:
    """Every cell of a CSV that a spreadsheet would run as a formula."""
    return [cell for row in read_cells(path) for cell in row if cell.startswith(("=", "+", "@", "\t", "\r"))
            or (cell.startswith("-") and not cell.lstrip("-").replace(".", "", 1).isdigit())]


@pytest.mark.parametrize("command", [["terms", "--by", "source"], ["frames", "--by", "source"]])
def test_cli_csv_outputs_hold_no_formula_by_default(tmp_path, formula_corpus, command):
    out = tmp_path / "out.csv"
    extra = ["--matches", str(tmp_path / "matches.csv")] if command[0] == "frames" else []
    result = run_cli(*command, "--corpus", str(formula_corpus), "--out", str(out), *extra)
    assert result.returncode == 0, result.stderr
    assert "'=cmd|' /C calc'!A0" in out.read_text(encoding="utf-8")
    assert formula_cells(out) == []
    if extra:
        assert formula_cells(tmp_path / "matches.csv") == []
    raw = tmp_path / "raw.csv"
    assert run_cli(*command, "--corpus", str(formula_corpus), "--out", str(raw), "--raw-cells").returncode == 0
    assert "=cmd|' /C calc'!A0" in formula_cells(raw)


def test_coding_sheet_holds_no_formula_and_reads_back_exactly(tmp_path, formula_corpus):
    from analysis.corpus import load_corpus
    from analysis.frames import frame_matches
    from analysis.validation import read_sample, validation_sample, write_coding_sheet

    corpus = load_corpus(formula_corpus)
    sample = validation_sample(frame_matches(corpus, "international-news"), corpus, per_frame=5, seed=0)
    sheet, _ = write_coding_sheet(sample, tmp_path / "sheet.csv", "international-news")
    assert "@outlet" in sample["source"].tolist()
    assert formula_cells(sheet) == []
    assert read_sample(sheet)["source"].tolist() == sample["source"].tolist()


# ---------------------------------------------------------------- outputs never destroy inputs (part 2)


@pytest.fixture()
def news(tmp_path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "news.csv").write_text("source,text\nالرائد,فرضت واشنطن عقوبات جديدة\nالميزان,بدأت المحادثات\n",
                                     encoding="utf-8")
    return corpus / "news.csv"


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    return errors[0]


def test_cli_out_that_is_the_corpus_is_refused_and_the_corpus_kept(news):
    """Regression: ``terms --corpus news.csv --out news.csv`` replaced the corpus and exited 0."""
    before = news.read_bytes()
    error = one_line_error(run_cli("terms", "--corpus", str(news), "--out", str(news)))
    assert f"--out {news} is the input --corpus" in error
    assert news.read_bytes() == before


def test_cli_out_and_matches_naming_one_file_are_refused(news, tmp_path):
    """Regression: ``--out X --matches X`` lost one table."""
    out = tmp_path / "x.csv"
    error = one_line_error(run_cli("frames", "--corpus", str(news), "--out", str(out), "--matches",
                                   str(tmp_path / "." / "x.csv")))
    assert "--out and --matches are the same file" in error and not out.exists()


def test_cli_outputs_inside_the_corpus_folder_are_refused(news):
    """Regression: a --matches file written in the corpus folder was read back as corpus on the next run."""
    folder = news.parent
    error = one_line_error(run_cli("frames", "--corpus", str(folder), "--matches", str(folder / "m.csv")))
    assert "--matches" in error and "inside the folder of --corpus" in error
    assert sorted(p.name for p in folder.iterdir()) == ["news.csv"]


def test_cli_output_that_is_the_lexicon_is_refused(news, tmp_path):
    lexicon = tmp_path / "lex.yaml"
    lexicon.write_text("name: l\nframes:\n  - {id: a, terms: [عقوبات]}\n", encoding="utf-8")
    error = one_line_error(run_cli("frames", "--corpus", str(news), "--lexicon", str(lexicon), "--out", str(lexicon)))
    assert "is the input --lexicon" in error and "عقوبات" in lexicon.read_text(encoding="utf-8")


@pytest.mark.parametrize("command", [["terms"], ["frames"], ["validate", "sample"], ["report"]])
def test_cli_empty_out_is_refused(news, command):
    error = one_line_error(run_cli(*command, "--corpus", str(news), "--out", ""))
    assert "--out: an empty path" in error


def test_report_folder_holding_the_corpus_is_refused(news):
    error = one_line_error(run_cli("report", "--corpus", str(news), "--out", str(news.parent.parent)))
    assert "holds the input" in error and news.is_file()


def small_notebook(folder: Path, name: str = "01_small.ipynb", fail: bool = False) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Small", id="title"),
        nbformat.v4.new_code_cell("corpus = None\nlexicon = None\nout_dir = None", id="parameters",
                                  metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("from pathlib import Path\nfrom analysis.corpus import load_corpus\n"
                                  "Path(out_dir, 'figure.txt').write_text('\\n'.join(load_corpus(corpus).docs['text']))",
                                  id="figure"),
        nbformat.v4.new_code_cell("1 / 0" if fail else "print('done')", id="end"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / name)
    return folder / name


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_a_failed_report_run_leaves_the_previous_report_whole(tmp_path, news):
    from analysis.report import NotebookError, build_report

    out = tmp_path / "report"
    build_report(news, out, notebooks=[small_notebook(tmp_path / "nb")])
    before = tree(out)
    assert "figures/figure.txt" in before and "index.html" in before
    other = tmp_path / "other.csv"
    other.write_text("source,text\nب,نص آخر\n", encoding="utf-8")
    with pytest.raises(NotebookError):
        build_report(other, out, notebooks=[small_notebook(tmp_path / "bad", fail=True)])
    assert tree(out) == before  # no figure of the other corpus beside the first report's pages
    assert sorted(p.name for p in tmp_path.iterdir()) == [".report.lock", "bad", "corpus", "nb", "other.csv", "report"]
    build_report(other, out, notebooks=[small_notebook(tmp_path / "nb")])
    assert (out / "figures" / "figure.txt").read_text() == "نص آخر"  # drawn from the second corpus


def test_a_second_run_into_the_same_folder_is_refused_while_one_runs(tmp_path, news):
    import fcntl

    from analysis.report import ReportError, build_report

    out = tmp_path / "report"
    with open(tmp_path / ".report.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a run under way holds it
        with pytest.raises(ReportError, match="another run is writing into this folder"):
            build_report(news, out, notebooks=[small_notebook(tmp_path / "nb")])
    assert not out.exists()


@pytest.mark.slow
def test_partial_folders_of_killed_runs_are_removed_by_the_next_run(tmp_path, news):
    from analysis.report import build_report

    stale = tmp_path / ".report.building-0123"
    (stale / "figures").mkdir(parents=True)
    (stale / "figures" / "half.png").write_bytes(b"\x89PNG")
    build_report(news, tmp_path / "report", notebooks=[small_notebook(tmp_path / "nb")])
    assert not stale.exists()
    assert not [p for p in tmp_path.iterdir() if ".building-" in p.name or ".old-" in p.name]


def test_a_folder_of_other_files_is_never_replaced_by_a_report(tmp_path, news):
    from analysis.report import ReportError, build_report

    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "thesis.docx").write_bytes(b"mine")
    with pytest.raises(ReportError, match="a folder of other files"):
        build_report(news, documents, notebooks=[small_notebook(tmp_path / "nb")])
    assert tree(documents) == {"thesis.docx": b"mine"}


# ---------------------------------------------------------------- control and invisible characters (part 5)

# Invisible code points that hid a word from the matcher before (not in the old hand list).
INVISIBLES = ["\u034f", "\u2061", "\u2062", "\u2063", "\u2064", "\ufe0f", "\u180e", "\u115f", "\U000e0041", "\u3164"]


@pytest.mark.parametrize("mark", INVISIBLES)
def test_an_invisible_character_inside_a_word_does_not_hide_it_from_the_matcher(mark):
    from analysis.frames import frame_matches
    from analysis.text import normalize

    text = f"فرضت واشنطن عقو{mark}بات جديدة اليوم"
    assert normalize(text) == "فرضت واشنطن عقوبات جديدة اليوم"
    docs = pd.DataFrame({"doc_id": ["1"], "source": ["أ"], "text": [text]})
    hits = frame_matches(docs, "international-news")
    assert hits["frame"].tolist() == ["sanctions"] and hits["surface"].tolist() == [f"عقو{mark}بات جديدة"]


def test_the_controls_step_removes_every_default_ignorable_code_point():
    import regex

    from analysis import charsets
    from analysis.text import normalize

    ignorable = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000
                 and regex.match(r"\p{Default_Ignorable_Code_Point}", chr(c))]
    assert len(ignorable) > 4000 and set(charsets.CONTROLS) == set(ignorable)
    assert normalize("ب".join(ignorable)) == "ب" * (len(ignorable) - 1)
    assert normalize("\u200b", controls=False) == "\u200b"


def hostile_names_folder(root: Path) -> Path:
    (root / "news\x1b[31m\nforged: 0 rejected.csv").parent.mkdir(parents=True, exist_ok=True)
    (root / "news\x1b[31m\nforged: 0 rejected.csv").write_text("text\nنص بلا مصدر\n", encoding="utf-8")
    (root / "rlo\u202etxt.json").write_text("not json", encoding="utf-8")
    return root


def test_file_names_with_controls_are_shown_escaped_in_the_summary_and_tables(tmp_path):
    from analysis.corpus import load_corpus

    corpus = load_corpus(hostile_names_folder(tmp_path / "c"), default_source=None)
    summary = corpus.report.summary()
    assert "\x1b" not in summary and "\u202e" not in summary and "\nforged" not in summary
    files = set(corpus.report.files["file"]) | set(corpus.report.rejected["file"])
    assert {"news\\u001b[31m\\u000aforged: 0 rejected.csv", "rlo\\u202etxt.json"} <= files


def test_zip_member_names_with_controls_are_escaped(tmp_path):
    import zipfile

    from analysis.corpus import load_corpus

    with zipfile.ZipFile(tmp_path / "a.zip", "w") as archive:
        archive.writestr("x\x1b]0;pwned\x07.csv", "source,text\nأ,نص\n")
    corpus = load_corpus(tmp_path / "a.zip")
    assert corpus.docs["file"].tolist() == ["a.zip!x\\u001b]0;pwned\\u0007.csv"]


def test_cli_summary_on_a_terminal_holds_no_raw_control(tmp_path):
    result = run_cli("terms", "--corpus", str(hostile_names_folder(tmp_path / "c")), "--default-source", "س")
    assert "\x1b" not in result.stderr + result.stdout and "\u202e" not in result.stderr
    assert "\\u202e" in result.stderr


@pytest.mark.parametrize("variant", ["\u200bالرائد", "الرائد\u200f", "\ufeffالرائد", "\u202eالرائد", "الرائد\u2066",
                                     "الر\u200dائد"])
def test_outlet_names_differing_only_by_invisible_characters_are_one_outlet_with_a_note(tmp_path, variant):
    from analysis.corpus import load_corpus

    rows = [{"source": "الرائد", "text": "نص أول"}, {"source": variant, "text": "نص ثان"}]
    (tmp_path / "c.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    corpus = load_corpus(tmp_path / "c.jsonl")
    assert corpus.docs["source"].tolist() == ["الرائد", "الرائد"]
    notes = corpus.report.warnings.query("column == 'source'")["message"].tolist()
    assert len(notes) == 1 and "2 written forms of the outlet name 'الرائد'" in notes[0]
    assert corpus.docs["text"].tolist() == ["نص أول", "نص ثان"]  # texts as written


def test_outlet_names_in_nfd_and_nfc_are_one_outlet(tmp_path):
    import unicodedata

    from analysis.corpus import load_corpus

    name = "Café Arabi"
    rows = [{"source": unicodedata.normalize("NFD", name), "text": "نص"},
            {"source": unicodedata.normalize("NFC", name), "text": "نص آخر"}]
    (tmp_path / "c.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    assert load_corpus(tmp_path / "c.jsonl").docs["source"].tolist() == [name, name]


# ---------------------------------------------------------------- ingestion (part 6)


def load(path: Path, **options):
    from analysis.corpus import load_corpus

    corpus = load_corpus(path, **options)
    report = corpus.report
    assert report.rows_read == report.rows_kept + len(report.rejected)
    return corpus


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n", "mixed"])
def test_semicolon_csv_with_any_line_endings_is_read_whole(tmp_path, ending):
    """Regression: a ';' CSV with CR-only line endings had all its 100 rows rejected."""
    lines = ["source;text"] + [f"الرائد;خبر رقم {i}" for i in range(100)]
    ends = ["\r", "\n", "\r\n"] * 40 if ending == "mixed" else [ending] * 101
    (tmp_path / "c.csv").write_bytes("".join(line + end for line, end in zip(lines, ends)).encode("utf-8"))
    corpus = load(tmp_path / "c.csv")
    assert len(corpus) == 100 and corpus.docs["text"].iloc[-1] == "خبر رقم 99" and not len(corpus.report.rejected)


@pytest.mark.parametrize("ending", ["\r", "\r\n", "mixed"])
def test_json_lines_with_cr_line_endings_are_one_record_a_line(tmp_path, ending):
    """Regression: 100 JSON Lines records with CR-only endings were read as one."""
    records = [json.dumps({"source": "أ", "text": f"خبر {i}"}, ensure_ascii=False) for i in range(100)]
    ends = ["\r", "\n", "\r\n"] * 34 if ending == "mixed" else [ending] * 100
    (tmp_path / "c.jsonl").write_bytes("".join(r + e for r, e in zip(records, ends)).encode("utf-8"))
    corpus = load(tmp_path / "c.jsonl")
    assert len(corpus) == 100 and corpus.docs["location"].iloc[-1] == "line 100"


def test_a_header_repeated_mid_file_is_rejected_with_its_own_reason(tmp_path):
    """Regression: two concatenated exports kept their second header as an article of outlet 'source'."""
    (tmp_path / "c.csv").write_text("source,text\nأ,نص أول\nsource,text\nب,نص ثان\n", encoding="utf-8")
    corpus = load(tmp_path / "c.csv")
    assert corpus.docs["source"].tolist() == ["أ", "ب"]
    assert corpus.report.rejected.values.tolist() == [["c.csv", "line 3", "repeated header row (files concatenated?)"]]


def test_an_api_answer_wrapping_an_array_of_articles_is_read_as_those_articles(tmp_path):
    articles = [{"source": "أ", "text": f"خبر {i}"} for i in range(50)]
    (tmp_path / "api.json").write_text(json.dumps({"status": "ok", "totalResults": 50, "articles": articles},
                                                  ensure_ascii=False), encoding="utf-8")
    corpus = load(tmp_path / "api.json")
    assert len(corpus) == 50 and not len(corpus.report.rejected)


def test_an_object_of_articles_by_key_is_read_as_those_articles(tmp_path):
    articles = {f"a{i}": {"source": "أ", "text": f"خبر {i}"} for i in range(3)}
    (tmp_path / "keyed.json").write_text(json.dumps(articles, ensure_ascii=False), encoding="utf-8")
    corpus = load(tmp_path / "keyed.json")
    assert corpus.docs["location"].tolist() == ["key 'a0'", "key 'a1'", "key 'a2'"]


def test_ids_are_kept_as_written_never_through_a_float(tmp_path):
    """Regression: 7 became "7.0" beside a record without an id, and ids above 2**53 lost digits and collided."""
    big = 2**53 + 1
    rows = [{"id": 7, "source": "أ", "text": "نص 1"}, {"source": "أ", "text": "نص 2"},
            {"id": big, "source": "أ", "text": "نص 3"}, {"id": big + 1, "source": "أ", "text": "نص 4"}]
    (tmp_path / "c.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    ids = load(tmp_path / "c.jsonl").docs["doc_id"].tolist()
    assert ids == ["7", "c.jsonl:line2", str(big), str(big + 1)]


def test_duplicate_keys_in_a_json_record_are_an_error_naming_the_key(tmp_path):
    (tmp_path / "c.jsonl").write_text('{"source": "أ", "text": "x", "text": "y"}\n{"source": "أ", "text": "z"}\n',
                                      encoding="utf-8")
    corpus = load(tmp_path / "c.jsonl")
    assert corpus.docs["text"].tolist() == ["z"]
    assert corpus.report.rejected["reason"].tolist() == ["invalid JSON (duplicate key 'text' in one object)"]


def test_sidecar_names_match_after_normalizing_and_unmatched_rows_and_files_are_listed(tmp_path):
    """Regression: metadata.csv names such as ./a.txt or B.TXT were silently unmatched."""
    sub = tmp_path / "c" / "sub"
    sub.mkdir(parents=True)
    for name in ("a.txt", "B.TXT", "c.txt"):
        (sub / name).write_text(f"نص {name}", encoding="utf-8")
    (sub / "metadata.csv").write_text("file,source\n./a.txt,أ\nb.txt,ب\nmissing.txt,م\n", encoding="utf-8")
    corpus = load(tmp_path / "c")
    assert corpus.docs[["file", "source"]].values.tolist() == [["sub/B.TXT", "ب"], ["sub/a.txt", "أ"],
                                                                ["sub/c.txt", "sub"]]
    assert corpus.report.warnings[["file", "location", "message"]].values.tolist() == [
        ["sub/c.txt", "file", "no row for this file in the metadata.csv beside it"],
        ["sub/metadata.csv", "line 4", "this metadata row names no .txt file of the corpus"]]


@pytest.mark.parametrize("term, char", [("حرب|سلام", "|"), ("\\\\d+", "\\"), ("<b>حرب</b>", "<"), ("S-400", "-"),
                                        ("حرب\u200f", "\u200f")])
def test_lexicon_terms_with_characters_other_than_letters_and_spaces_are_refused(tmp_path, term, char):
    """Regression: terms with |, \\d or <b> were silently turned into other phrases."""
    from analysis.lexicon import load_lexicon

    path = tmp_path / "l.yaml"
    path.write_text(f'name: l\nframes:\n  - id: a\n    terms: [عقوبات, "{term}"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match=rf"l.yaml: frames\[0\] \(id 'a'\): 'terms' entry .* holds .*U\+{ord(char):04X}"):
        load_lexicon(path)


def test_a_symlink_out_of_the_corpus_folder_is_skipped_with_a_note_unless_followed(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("كلمة السر", encoding="utf-8")
    corpus_dir = tmp_path / "c" / "أ"
    corpus_dir.mkdir(parents=True)
    (corpus_dir / "inside.txt").write_text("نص", encoding="utf-8")
    (corpus_dir / "link.txt").symlink_to(outside)
    (corpus_dir / "alias.txt").symlink_to(corpus_dir / "inside.txt")
    corpus = load(tmp_path / "c")
    assert sorted(corpus.docs["file"]) == ["أ/alias.txt", "أ/inside.txt"]
    row = corpus.report.files.set_index("file").loc["أ/link.txt"]
    assert row["status"] == "skipped" and "outside the corpus folder" in row["note"]
    assert "أ/link.txt" in load(tmp_path / "c", follow_links=True).docs["file"].tolist()


@pytest.mark.parametrize("column", ["_damage", "_calendar", "file", "location"])
def test_user_columns_named_like_internal_ones_keep_their_data(tmp_path, column):
    (tmp_path / "c.jsonl").write_text(json.dumps({"source": "أ", "text": "نص", column: "قيمتي"}, ensure_ascii=False),
                                      encoding="utf-8")
    docs = load(tmp_path / "c.jsonl").docs
    assert docs[f"{column}_input"].tolist() == ["قيمتي"] and docs["text"].tolist() == ["نص"]


# ---------------------------------------------------------------- names are data (part 4)


@pytest.mark.parametrize("groups", [["rank", "الرائد"], ["الرائد", "الرائد "], ["1", "1.0"]])
def test_wide_table_keeps_every_group_whatever_its_name(groups):
    from analysis.display import wide_table

    long = pd.DataFrame({"rank": [1, 1, 2, 2], "source": groups * 2, "term": ["حرب", "سلام", "عقوبات", "محادثات"]})
    wide = wide_table(long, "rank", "source", "term")
    assert wide.columns[0] == "rank" and len(set(wide.columns)) == 3
    assert sorted(wide.iloc[:, 1:].to_numpy().ravel()) == sorted(long["term"])


def test_wide_table_with_labels_equal_to_the_index_or_to_each_other():
    from analysis.display import wide_table

    long = pd.DataFrame({"month": ["2021-01"] * 3, "frame": ["a", "b", "c"], "frame_label": ["month", "War", "War"],
                         "rate": [1.0, 2.0, 3.0]})
    wide = wide_table(long, "month", "frame", "rate", label="frame_label")
    assert wide.columns.tolist() == ["month", "month (a)", "War", "War (c)"]
    assert wide.iloc[0].tolist() == ["2021-01", 1.0, 2.0, 3.0]


def hostile_names_corpus(root: Path) -> Path:
    """Outlets named like table columns and like mathtext, and a frequent 5,000-character token."""
    long_token = "ب" * 5000
    outlets = ["rank", "$\\frac$", "day", "الرائد"]
    rows = [{"source": outlet, "date": f"2021-0{1 + i % 3}-1{i % 9}",
             "text": f"{long_token} {long_token} فرضت واشنطن عقوبات جديدة وبدأت المحادثات في جنيف رقم {i}"}
            for i, outlet in enumerate(outlets * 6)]
    root.mkdir(parents=True, exist_ok=True)
    (root / "c.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return root / "c.jsonl"


def hostile_labels_lexicon(path: Path) -> Path:
    path.write_text(
        "name: labels\nframes:\n"
        "  - {id: sanctions, label_en: month, terms: [عقوبات]}\n"
        "  - {id: talks, label_en: Diplomacy, terms: [محادثات]}\n"
        "  - {id: geneva, label_en: Diplomacy, terms: [جنيف]}\n"
        "  - {id: washington, label_en: rank, terms: [واشنطن]}\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_the_report_renders_whatever_the_outlet_and_frame_names(tmp_path):
    """Regression: an outlet named $\\frac$ or rank, a frame labelled like the period or two frames with one
    label_en, and a frequent 5,000-character token each made the whole report fail."""
    from analysis.report import build_report

    corpus = hostile_names_corpus(tmp_path / "c")
    lexicon = hostile_labels_lexicon(tmp_path / "labels.yaml")
    # Every article of an outlet repeats one line (but for a number), which cleaning rightly takes for the
    # outlet's template; the subject here is names, so the texts are counted as written.
    index = build_report(corpus, tmp_path / "report", lexicon=lexicon, load_options={"clean": False})
    pages = {p.name: p.read_text(encoding="utf-8") for p in index.parent.glob("*.html")}
    assert len(pages) == 6
    for name in ("01_corpus_overview.html", "02_term_frequencies.html", "04_source_comparison.html"):
        assert "$\\frac$" in pages[name] and "rank" in pages[name], name


@pytest.mark.parametrize("name", ["$\\frac$", "$x$ and $y$", "price $5", "\\$"])
def test_chart_labels_are_never_parsed_as_mathtext(tmp_path, name):
    """Regression: an outlet named $\\frac$ made matplotlib's mathtext parser fail the whole figure."""
    from analysis.charts import plot_frame_rates, save_figure

    table = pd.DataFrame({"source": [name, "الرائد"], "frame": ["sanctions"] * 2, "rate_per_1k": [1.0, 2.0],
                          "ci_low": [0.5, 1.5], "ci_high": [1.5, 2.5]})
    fig = plot_frame_rates(table, title=name)
    paths = save_figure(fig, "rates", tmp_path, formats=("svg",))
    texts = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels() + ax.get_xticklabels()]
    assert any(name.replace("$", "\\$") == t or name == t for t in texts + [fig._suptitle.get_text()])
    assert all(Path(p).stat().st_size > 0 for p in paths)


def test_word_cloud_leaves_out_a_token_too_long_to_draw_and_says_so():
    """Regression: a frequent 5,000-character token failed with "Couldn't find space to draw"."""
    from analysis.charts import wordcloud_image

    with pytest.warns(UserWarning, match="1 word.* too long to draw"):
        image = wordcloud_image({"ب" * 5000: 100, "السعودية": 5, "الرياض": 3}, width=200, height=100)
    assert image.size == (200, 100)
