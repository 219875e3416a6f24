"""Command line: ``python -m analysis terms|frames|validate|report|cache …`` over the same functions as the notebooks."""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

from analysis.limits import MAX_RESAMPLES, check_count
from analysis.outputs import check_outputs, write_csv

__all__ = ["main"]


class CLIError(Exception):
    """A failure to report as one line, without a traceback."""


PARTITION_BYTES = 256 * 1024**2
"""A corpus folder whose files hold more than this (on disk) is read one file at a time by
``terms`` and ``frames``, so that memory holds one file's documents (not with ``--select``)."""


def _partitions(args) -> list | None:
    """The partitions to read one at a time, or None to load the corpus at once."""
    from analysis.scale import corpus_partitions

    if args.corpus is None or args.select or not Path(args.corpus).is_dir():
        return None
    parts = corpus_partitions(args.corpus)
    size = sum(entry.stat().st_size for part in parts for entry in ([part] if part.is_file() else part.rglob("*"))
               if entry.is_file())
    if len(parts) < 2 or size <= PARTITION_BYTES:
        return None
    print(f"{args.corpus}: {size / 1024**3:.1f} GB in {len(parts)} parts, read one at a time", file=sys.stderr)
    return parts


def _load_options(args) -> dict:
    """The options of ``load_corpus`` given on the command line (those left out keep their defaults)."""
    given = {"text": args.text_column, "source": args.source_column, "date": args.date_column,
             "encoding": args.encoding, "default_source": args.default_source,
             "cache": None if args.cache else False}
    return {name: value for name, value in given.items() if value is not None}


def _load(args, path=None, token_ids=False):
    from analysis.corpus import load_corpus

    corpus = load_corpus(path or args.corpus, progress=None if args.progress else False, token_ids=token_ids,
                         **_load_options(args))
    return _checked(corpus, str(path or args.corpus or "demo corpus"), args.strict, args.select)


def _checked(corpus, label: str, strict: bool, select: str | None):
    """The loaded corpus, checked (CLIError in one line if it keeps nothing, or rejects rows
    under ``--strict``) and told on stderr, then its ``--select`` selection."""
    report = corpus.report
    if strict and len(report.rejected):
        first = report.rejected.iloc[0]
        raise CLIError(f"{len(report.rejected)} row(s) rejected (--strict), first: "
                       f"{first['file']} {first['location']}: {first['reason']}")
    if len(corpus) == 0:
        raise CLIError(f"{label}: no documents kept ({_why_nothing_kept(report)})")
    print(report.summary(), file=sys.stderr)
    if select:
        from analysis.corpus import select_documents

        corpus = select_documents(corpus, select)
        counts = corpus.selection.counts
        print(f"selected {len(corpus):,} of {int(counts['docs'].sum()):,} articles ({corpus.selection.describe()}): "
              + ", ".join(f"{row.source} {row.selected:,}/{row.docs:,}" for row in counts.itertuples()), file=sys.stderr)
        if len(corpus) == 0:
            raise CLIError(f"--select {select!r} kept no article")
    return corpus


def _check_outputs(args, outputs: dict, lexicon=None, sheets=()) -> None:
    """Refuse, before any work, outputs that are an input, lie in the corpus folder or are one file twice."""
    from analysis.paths import DEMO_CORPUS

    inputs = {"--corpus": args.corpus or DEMO_CORPUS} if hasattr(args, "corpus") else {}
    if lexicon is not None:
        inputs["--lexicon"] = lexicon.path
    inputs.update({f"the coding sheet {sheet}": sheet for sheet in sheets})
    check_outputs(outputs, inputs)


def _why_nothing_kept(report) -> str:
    """The first reason a corpus kept no document: a rejected row, else a file not read."""
    if len(report.rejected):
        first = report.rejected.iloc[0]
        return (f"{len(report.rejected):,} row(s) rejected, first: {first['file']} {first['location']}: "
                f"{first['reason']}")
    unread = report.files[report.files["status"] != "read"]
    if len(unread):
        first = unread.iloc[0]
        return f"{len(unread):,} file(s) not read, first: {first['file']}: {first['status']} ({first['note']})"
    return f"{report.rows_read:,} row(s) read" if len(report.files) else "no file of a known format found"


def _output(table, args) -> None:
    if args.out is not None:
        write_csv(table, args.out, raw=args.raw_cells)
        print(f"wrote {len(table)} rows to {args.out}", file=sys.stderr)
    else:
        import pandas as pd

        with pd.option_context("display.max_rows", 200, "display.width", 200):
            print(table.to_string(index=False))


def _terms(args) -> None:
    from analysis.terms import term_counts

    _check_outputs(args, {"--out": args.out})
    by = args.by or None
    parts = _partitions(args)
    if parts is None:
        counts = term_counts(_load(args, token_ids=True), by, ngram=args.ngram, stopwords=not args.keep_stopwords)
        _output(counts.top(args.top), args)
        return
    from analysis.scale import sum_term_counts

    # counts of disjoint documents add up (analysis.scale), as integers until the top rows are shown
    counted = (term_counts(_load(args, part, token_ids=True), by, ngram=args.ngram, stopwords=not args.keep_stopwords)
               for part in parts)
    _output(sum_term_counts(counted).top(args.top), args)


def _frames(args) -> None:
    from analysis.compare import frame_table
    from analysis.frames import frame_matches
    from analysis.lexicon import load_lexicon

    check_count("--n-boot", args.n_boot, MAX_RESAMPLES)  # before the corpus is loaded
    lexicon = load_lexicon(args.lexicon)
    _check_outputs(args, {"--out": args.out, "--matches": args.matches}, lexicon)
    parts = _partitions(args)
    if parts is None:
        corpus = _load(args, token_ids=True)
        _output(frame_table(corpus, lexicon, by=args.by or None, n_boot=args.n_boot, seed=args.seed), args)
        if args.matches is not None:
            write_csv(frame_matches(corpus, lexicon), args.matches, raw=args.raw_cells)
            print(f"wrote matches to {args.matches}", file=sys.stderr)
        return
    import pandas as pd

    from analysis.compare import frame_table_of_counts
    from analysis.frames import doc_frame_counts

    counts, matches = [], []
    for part in parts:  # per-document counts are small; the bootstrap resamples them all at once
        corpus = _load(args, part, token_ids=True)
        counts.append(doc_frame_counts(corpus, lexicon, args.by or None))
        if args.matches is not None:
            matches.append(frame_matches(corpus, lexicon))
        del corpus
    _output(frame_table_of_counts(pd.concat(counts, ignore_index=True), args.by or None, args.n_boot, args.seed), args)
    if args.matches is not None:
        write_csv(pd.concat(matches, ignore_index=True), args.matches, raw=args.raw_cells)
        print(f"wrote matches to {args.matches}", file=sys.stderr)


def _validate_sample(args) -> None:
    from analysis.frames import frame_matches
    from analysis.lexicon import load_lexicon
    from analysis.validation import validation_sample, write_coding_sheet

    lexicon = load_lexicon(args.lexicon)
    _check_outputs(args, {"--out": args.out, "its reading view": str(Path(args.out).with_suffix(".html"))
                          if args.out.strip() else None}, lexicon)
    corpus = _load(args, token_ids=True)
    sample = validation_sample(frame_matches(corpus, lexicon), corpus, per_frame=args.per_frame, seed=args.seed,
                               by=_columns(args.by) or None, window=args.window)
    sheet, view = write_coding_sheet(sample, args.out, lexicon)
    print(f"wrote {len(sample)} items of {sample['frame'].nunique()} frames to {sheet}; reading view: {view}",
          file=sys.stderr)


def _validate_score(args) -> None:
    import pandas as pd

    from analysis.validation import agreement, precision_table, read_codings, read_sample

    _check_outputs(args, {"--out": args.out}, sheets=[*args.sheets, *([args.sample] if args.sample else [])])
    sample = read_sample(args.sample or args.sheets[0])
    codings = read_codings(args.sheets, sample)
    by = _columns(args.by)
    _output(precision_table(codings, sample, by=by), args)
    with pd.option_context("display.width", 200):
        for table in (agreement(codings), agreement(codings, sample, by="frame")):
            print(table.to_string(index=False), file=sys.stderr if args.out else sys.stdout)


def _columns(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def _report(args) -> None:
    from analysis.lexicon import load_lexicon
    from analysis.report import build_report

    missing = [path for path in args.codings if not Path(path).is_file()]
    if missing:
        raise CLIError(f"coding sheet {missing[0]}: no such file")
    _check_outputs(args, {"--out": args.out}, load_lexicon(args.lexicon), sheets=args.codings)
    parameters = {"codings": [str(Path(path).resolve()) for path in args.codings]} if args.codings else {}
    if args.select:
        parameters["select"] = args.select
    # The report's one load is checked as terms and frames check theirs: a corpus that
    # cannot be read fails in one line before any notebook starts.
    check = functools.partial(_checked, label=str(args.corpus or "demo corpus"), strict=args.strict, select=args.select)
    index = build_report(corpus=args.corpus, out=args.out, lexicon=args.lexicon, parameters=parameters or None,
                         load_options=_load_options(args), check=check)
    print(f"report: {index}", file=sys.stderr)


def _cache_clear(args) -> None:
    from analysis.corpus.cache import cache_dir, clear_cache

    removed = clear_cache()
    print(f"removed {removed} file(s) from {cache_dir()}", file=sys.stderr)


def _cache_dir(args) -> None:
    from analysis.corpus.cache import cache_dir

    print(cache_dir())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=_program_name(), description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    corpus = argparse.ArgumentParser(add_help=False)
    corpus.add_argument("--corpus", help="file or folder to load (default: the bundled demo corpus)")
    corpus.add_argument("--text-column", help="input column holding the article text")
    corpus.add_argument("--source-column", help="input column naming the outlet")
    corpus.add_argument("--date-column", help="input column holding the publication date")
    corpus.add_argument("--default-source", help="source for rows that have none")
    corpus.add_argument("--encoding", help="force this encoding instead of detecting it per file")
    corpus.add_argument("--strict", action="store_true", help="fail if any input row is rejected")
    corpus.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    corpus.add_argument("--no-cache", dest="cache", action="store_false",
                        help="read the files afresh, neither using nor filling the corpus cache")
    corpus.add_argument("--select", help="keep only the story's articles: a boolean query of terms, e.g. '(روسيا OR موسكو) AND عقوبات', "
                             "or a JSON object of select_documents options, e.g. "
                             "'{\"lexicon\": \"actors\", \"frames\": [\"russia\"], \"min_mentions\": 2}'")

    terms = sub.add_parser("terms", parents=[corpus], help="top terms or n-grams, overall or per group")
    terms.add_argument("--by", default="source", help="grouping column or day/week/month/year ('' for none)")
    terms.add_argument("--top", type=int, default=20, help="terms per group (default 20)")
    terms.add_argument("--ngram", type=int, default=1, choices=[1, 2, 3],
                       help="count single words (1, default), word pairs (2) or triples (3)")
    terms.add_argument("--keep-stopwords", action="store_true", help="list stopwords too (they always count in rates)")
    terms.add_argument("--out", help="CSV file to write (default: print)")
    terms.add_argument("--raw-cells", action="store_true",
                       help="write cells as they are; by default a text cell starting with = + - @ (a formula "
                            "to a spreadsheet) is written with a leading apostrophe")
    terms.set_defaults(run=_terms)

    frames = sub.add_parser("frames", parents=[corpus], help="frame counts and rates with confidence intervals")
    frames.add_argument("--lexicon", default="international-news", help="bundled lexicon name or YAML path")
    frames.add_argument("--by", default="source", help="grouping column or day/week/month/year ('' for none)")
    frames.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples for the CIs")
    frames.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    frames.add_argument("--out", help="CSV file to write (default: print)")
    frames.add_argument("--matches", help="also write every match to this CSV, for auditing")
    frames.add_argument("--raw-cells", action="store_true",
                       help="write cells as they are; by default a text cell starting with = + - @ (a formula "
                            "to a spreadsheet) is written with a leading apostrophe")
    frames.set_defaults(run=_frames)

    validate = sub.add_parser("validate", help="check a lexicon by reading: draw a coding sample, score codings")
    steps = validate.add_subparsers(dest="step", required=True)
    draw = steps.add_parser("sample", parents=[corpus], help="write a coding sheet (CSV) and its reading view (HTML)")
    draw.add_argument("--lexicon", default="international-news", help="bundled lexicon name or YAML path")
    draw.add_argument("--per-frame", type=int, default=40, help="hits drawn per frame (and --by group); default 40")
    draw.add_argument("--by", default="", help="also stratify by these match columns, e.g. source or term")
    draw.add_argument("--window", type=int, default=12, help="tokens of context on each side (default 12)")
    draw.add_argument("--seed", type=int, default=0, help="seed of the random sample (default 0)")
    draw.add_argument("--out", required=True,
                      help="coding sheet to write (CSV, or a workbook if it ends in .xlsx); the HTML view goes beside it")
    draw.set_defaults(run=_validate_sample)
    score = steps.add_parser("score", help="precision per frame and agreement between coders from filled sheets")
    score.add_argument("sheets", nargs="+", help="filled coding sheets, one per coder")
    score.add_argument("--sample", help="the sheet as written by 'validate sample' (default: the first sheet)")
    score.add_argument("--by", default="frame", help="precision per these sample columns (default frame; e.g. frame,term)")
    score.add_argument("--out", help="CSV file for the precision table (default: print)")
    score.add_argument("--raw-cells", action="store_true",
                       help="write cells as they are; by default a text cell starting with = + - @ (a formula "
                            "to a spreadsheet) is written with a leading apostrophe")
    score.set_defaults(run=_validate_score)

    report = sub.add_parser("report", parents=[corpus], help="run every notebook and render an HTML report",
                            description="Check the corpus, then run every notebook on it and render an HTML report: "
                                        "OUT/index.html, one page per notebook, and the figures in OUT/figures/.")
    report.add_argument("--lexicon", default="international-news", help="bundled lexicon name or YAML path")
    report.add_argument("--out", default="report", help="output folder (default: report/; figures go to report/figures/)")
    report.add_argument("--codings", nargs="+", default=[], metavar="SHEET",
                        help="filled-in coding sheets (validate sample): the framing page adds precision and agreement")
    report.set_defaults(run=_report)

    cache = sub.add_parser("cache", help="the corpus cache: where it is, and clearing it")
    actions = cache.add_subparsers(dest="action", required=True)
    actions.add_parser("clear", help="remove every cached corpus").set_defaults(run=_cache_clear)
    actions.add_parser("dir", help="print the cache folder").set_defaults(run=_cache_dir)
    return parser


def _program_name() -> str:
    """``arabic-framing`` when run as the installed command, else ``python -m analysis``."""
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    return name if name.startswith("arabic-framing") else "python -m analysis"


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    try:
        args.run(args)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except (CLIError, ValueError, OSError, KeyError) as err:
        message = (str(err.args[0]) if isinstance(err, KeyError) and err.args else str(err)) or type(err).__name__
        print(f"error: {_one_line(message)}", file=sys.stderr)
        return 1
    except MemoryError:
        print("error: out of memory; load a smaller part of the corpus (a sub-folder) at a time", file=sys.stderr)
        return 1
    except Exception as err:  # a bug, still told in one line rather than a traceback
        print(f"error: unexpected {type(err).__name__}: {_one_line(str(err))} "
              "(a bug in the analysis package: please report it with the command and its input)", file=sys.stderr)
        return 1
    return 0


def _one_line(message: str) -> str:
    return " ".join(message.split())
