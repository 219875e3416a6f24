"""The command line: output files, one-line errors, exit codes."""

import json
import argparse
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis.cli import main


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "analysis", *args], capture_output=True, text=True, cwd=cwd)


def test_terms_writes_top_n_per_source(tmp_path):
    out = tmp_path / "terms.csv"
    assert main(["terms", "--top", "5", "--out", str(out), "--no-progress"]) == 0
    table = pd.read_csv(out)
    assert {"source", "term", "count", "per_10k", "rank"} <= set(table.columns)
    assert table.groupby("source").size().max() == 5
    assert table["source"].nunique() == 4


def test_terms_by_month_as_bigrams(tmp_path):
    out = tmp_path / "bigrams.csv"
    assert main(["terms", "--by", "month", "--ngram", "2", "--top", "3", "--out", str(out), "--no-progress"]) == 0
    table = pd.read_csv(out)
    assert table["term"].str.count(" ").eq(1).all()
    assert table["month"].nunique() >= 2


def test_summary_goes_to_stderr_and_table_to_stdout(tmp_path):
    result = run("terms", "--top", "1")
    assert result.returncode == 0
    assert "row(s) read" in result.stderr and "kept" in result.stderr
    assert "term" in result.stdout.splitlines()[0]


@pytest.mark.parametrize("args, message", [
    (["terms", "--corpus", "/no/such/corpus"], "error: /no/such/corpus: no such file or folder"),
    (["terms", "--by", "outlet"], "error: cannot group by 'outlet'"),
    (["terms", "--encoding", "klingon"], "error: unknown encoding 'klingon'"),
])
def test_errors_are_one_line_without_traceback(args, message):
    result = run(*args)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_strict_fails_when_any_row_is_rejected(tmp_path):
    (tmp_path / "a.csv").write_text("source,text\nالرائد,نص\nالرائد,\n", encoding="utf-8")
    assert run("terms", "--corpus", str(tmp_path / "a.csv")).returncode == 0
    strict = run("terms", "--corpus", str(tmp_path / "a.csv"), "--strict")
    assert strict.returncode == 1
    assert "a.csv line 3: empty text" in strict.stderr


def test_same_input_gives_byte_identical_output(tmp_path):
    for name in ("a.csv", "b.csv"):
        assert main(["terms", "--ngram", "2", "--out", str(tmp_path / name), "--no-progress"]) == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_installed_command_names_itself_and_every_option_has_help():
    from analysis.cli import _parser

    script = Path(sys.executable).with_name("arabic-framing")
    if script.exists():
        assert subprocess.run([script, "--help"], capture_output=True, text=True).stdout.startswith("usage: arabic-framing")
    assert run("--help").stdout.startswith("usage: python -m analysis")
    def parsers(parser):  # a parser and every sub-command's, recursively
        yield parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    yield from parsers(sub)

    missing = [f"{p.prog} {option.option_strings[0]}" for p in parsers(_parser()) for option in p._actions
               if option.option_strings and not option.help and option.dest != "help"]
    assert missing == []


def test_select_keeps_the_storys_articles_and_says_how_many_per_source(tmp_path, capsys):
    from analysis.corpus import load_corpus, select_documents

    out = tmp_path / "frames.csv"
    query = "(روسيا OR موسكو) AND عقوبات"
    assert main(["frames", "--select", query, "--n-boot", "20", "--out", str(out), "--no-progress"]) == 0
    story = select_documents(load_corpus(), query)
    table = pd.read_csv(out)
    assert table.groupby("source")["docs"].first().to_dict() == story.docs["source"].value_counts().to_dict()
    err = capsys.readouterr().err
    assert f"selected {len(story)} of 48 articles (query: {query})" in err
    assert "al-hisn 0/12" in err


def test_select_as_json_on_terms(tmp_path):
    out = tmp_path / "terms.csv"
    spec = '{"lexicon": "actors", "frames": ["russia"], "min_mentions": 3}'
    assert main(["terms", "--select", spec, "--top", "1", "--out", str(out), "--no-progress"]) == 0
    assert len(pd.read_csv(out)) >= 1


@pytest.mark.parametrize("select, message", [("روسيا AND", "expected a term or '(' at the end"),
                                             ("زرافة", "kept no article")])
def test_a_bad_or_empty_selection_is_one_line(select, message):
    result = run("frames", "--select", select, "--n-boot", "10", "--no-progress")
    assert result.returncode == 1
    assert message in result.stderr and result.stderr.strip().splitlines()[-1].startswith("error:")


def test_report_passes_the_selection_to_every_notebook(monkeypatch, tmp_path):
    import analysis.report

    seen = {}
    monkeypatch.setattr(analysis.report, "build_report", lambda **kwargs: seen.update(kwargs) or tmp_path / "index.html")
    assert main(["report", "--select", "روسيا", "--out", str(tmp_path)]) == 0
    assert seen["parameters"] == {"select": "روسيا"}


def test_report_checks_the_corpus_before_any_notebook_and_fails_in_one_line(tmp_path, monkeypatch, capfd):
    """Regression: on a CSV without a text column, report ran 42 s of notebooks before failing inside one.
    The check runs on the report's one load (in its loading process: capfd reads its stderr)."""
    (tmp_path / "a.csv").write_text("source,words\nعكاظ,نص الخبر\n", encoding="utf-8")
    started = []
    monkeypatch.setattr("analysis.report._run_notebooks", lambda *args: started.append(args) or [])
    assert main(["report", "--corpus", str(tmp_path / "a.csv"), "--out", str(tmp_path / "out")]) == 1
    err = capfd.readouterr().err
    assert err.count("\n") == 1 and not started
    assert err.startswith(f"error: {tmp_path / 'a.csv'}: no documents kept (1 row(s) rejected, first: "
                          "a.csv line 2: no text column among ['source', 'words']")
    assert not (tmp_path / "out").exists()


def test_report_takes_the_corpus_options_of_terms_and_frames(tmp_path, monkeypatch, capfd):
    import analysis.report

    (tmp_path / "a.csv").write_text("site,words,day\nعكاظ,نص الخبر,2015-07-21\nسبق,خبر آخر,2015-07-22\n",
                                    encoding="utf-8")
    calls, runs = [], []
    build = analysis.report.build_report
    monkeypatch.setattr("analysis.report.build_report", lambda **kwargs: calls.append(kwargs) or build(**kwargs))
    monkeypatch.setattr("analysis.report._run_notebooks", lambda paths, params, *args: runs.append(params) or [])
    assert main(["report", "--corpus", str(tmp_path / "a.csv"), "--text-column", "words", "--source-column", "site",
                 "--date-column", "day", "--encoding", "utf-8", "--select", "خبر", "--out", str(tmp_path / "report")]) == 0
    assert calls[0]["load_options"] == {"text": "words", "source": "site", "date": "day", "encoding": "utf-8"}
    assert calls[0]["parameters"] == {"select": "خبر"} and runs[0]["select"] == "خبر"
    err = capfd.readouterr().err
    assert "2 row(s) read, 2 kept, 0 rejected" in err and "selected 2 of 2 articles" in err
    from analysis.cli import _parser

    def options(command):
        return {a.dest for a in _parser()._subparsers._group_actions[0].choices[command]._actions}
    assert options("terms") - {"by", "top", "ngram", "keep_stopwords", "out", "raw_cells"} <= options("report")


@pytest.mark.parametrize("command", ["terms", "frames"])
def test_a_large_corpus_is_read_one_file_at_a_time_with_the_same_table(tmp_path, monkeypatch, capsys, command):
    import analysis.cli

    folder = tmp_path / "corpus"
    folder.mkdir()
    for i, texts in enumerate([["فرضت واشنطن عقوبات على موسكو", "محادثات في جنيف"], ["عقوبات وحصار", "مواجهة ومحادثات"]]):
        rows = [{"source": f"s{j}", "date": f"2015-0{i + 1}-1{j}", "text": t} for j, t in enumerate(texts)]
        (folder / f"part{i}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    outputs = {}
    for limit in (10**12, 0):  # at once, then one file at a time
        monkeypatch.setattr(analysis.cli, "PARTITION_BYTES", limit)
        out = tmp_path / f"{command}-{limit}.csv"
        assert main([command, "--corpus", str(folder), "--no-progress", "--out", str(out), "--by", "source"]) == 0
        outputs[limit] = pd.read_csv(out)
    assert "read one at a time" in capsys.readouterr().err
    assert len(outputs[0]) > 0
    pd.testing.assert_frame_equal(outputs[0], outputs[10**12])
