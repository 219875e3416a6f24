"""Time cleaning (each source's boilerplate and web debris) on SaudiNewsNet against loading it.

The steps, in this one process, each run ``--repeat`` times (the fastest kept, see
``bench_pipeline.py``):

* ``load_corpus(near_duplicates=False, clean=False)``: reading, decoding, validation,
  dates, exact duplicates — what cleaning is measured against;
* ``clean_spans`` on the loaded documents: boilerplate learned per source and web debris
  (the step ``load_corpus(clean=True)`` runs last); also boilerplate alone and debris alone;
* ``cleaned_docs``: the text the counting functions read (built on each count);
* ``find_copies`` (near-duplicates) on the cleaned text, as ``load_corpus`` runs it, for
  the target of issue 12: cleaning (spans, then the cleaned text) and near-duplicate
  detection together within 1× ``load_corpus``.

It prints the spans found, documents touched, and the ratios (wall time, CPU time in
brackets). Usage::

    .venv/bin/python benchmarks/bench_clean.py [--repeat 3] [--corpus PATH]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_pipeline  # noqa: E402
from bench_pipeline import SAUDINEWSNET, measure  # noqa: E402

from analysis.corpus import CleanOptions, clean_corpus, clean_spans, cleaned_docs, find_copies, load_corpus  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=SAUDINEWSNET, help="corpus folder (default: SaudiNewsNet)")
    parser.add_argument("--repeat", type=int, default=1, help="run each step N times and keep the fastest")
    args = parser.parse_args(argv)
    bench_pipeline.REPEAT = args.repeat
    if not args.corpus.exists():
        raise SystemExit(f"corpus not found: {args.corpus}")
    print(f"corpus {args.corpus}, {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} before starting")
    bare, corpus = measure("load_corpus, no copies, no cleaning", load_corpus, args.corpus,
                           near_duplicates=False, clean=False, progress=False, cache=False)
    docs = corpus.docs
    spans_step, spans = measure("clean_spans (everything)", clean_spans, docs)
    boiler, _ = measure("clean_spans (boilerplate only)", clean_spans, docs, CleanOptions(
        **{kind: False for kind in CleanOptions().debris()}))
    debris, _ = measure("clean_spans (debris only)", clean_spans, docs, CleanOptions(boilerplate=False))
    cleaned = clean_corpus(corpus)
    counted, _ = measure("cleaned_docs (per count)", cleaned_docs, cleaned)
    texts = cleaned_docs(cleaned)["text"]
    near, _ = measure("find_copies on the cleaned text", find_copies, docs, texts)
    print(f"\n{len(spans):,} spans in {spans['doc_id'].nunique():,} of {len(docs):,} documents; by kind: "
          + ", ".join(f"{k} {n:,}" for k, n in spans["kind"].value_counts().sort_index().items()))
    for name, step in (("clean_spans", spans_step), ("  boilerplate", boiler), ("  debris", debris),
                       ("cleaned_docs", counted), ("find_copies", near)):
        print(f"  {name:<14} / load_corpus: {step.wall / bare.wall:.2f} [{step.cpu / bare.cpu:.2f}]")
    both = spans_step.wall + counted.wall + near.wall
    print(f"  clean_spans + cleaned_docs + find_copies / load_corpus (target <= 1): {both / bare.wall:.2f} "
          f"[{(spans_step.cpu + counted.cpu + near.cpu) / bare.cpu:.2f}]")
    print(f"\nLoad average now {os.getloadavg()[0]:.1f}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
