"""Check that cleaning finds the same spans as an earlier revision of ``clean.py``, on a real corpus.

For a change meant only to make :mod:`analysis.corpus.clean` faster: the revision's
``clean.py`` (``git show REV:analysis/corpus/clean.py``) is loaded beside this one, both
clean the loaded documents, and the span tables (sorted) must be ``.equals``; so must
the counts :func:`learn_boilerplate` learns from the first half of the documents and
the spans cleaned with them. Each is timed (CPU seconds, the faster of ``--repeat``
runs, the two versions alternating). Usage::

    .venv/bin/python benchmarks/check_clean_same.py [--rev main] [--repeat 2] [--corpus PATH]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_pipeline import SAUDINEWSNET  # noqa: E402

from analysis.corpus import clean, load_corpus  # noqa: E402

SPAN_ORDER = ["doc_id", "start", "end", "kind", "pattern"]


def _revision(rev: str):
    source = subprocess.run(["git", "show", f"{rev}:analysis/corpus/clean.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "clean_at_revision.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("clean_at_revision", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _timed(fn, *args, **kwargs):
    cpu, wall = time.process_time(), time.perf_counter()
    result = fn(*args, **kwargs)
    return time.process_time() - cpu, time.perf_counter() - wall, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rev", default="main", help="the git revision to compare with (default: main)")
    parser.add_argument("--corpus", type=Path, default=SAUDINEWSNET, help="corpus folder (default: SaudiNewsNet)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each version; the fastest is kept")
    args = parser.parse_args(argv)
    before = _revision(args.rev)
    docs = load_corpus(args.corpus, near_duplicates=False, clean=False, progress=False, cache=False).docs
    print(f"{len(docs):,} documents; load average {os.getloadavg()[0]:.1f}")
    best, spans = {}, {}
    for _ in range(args.repeat):
        for name, module in ((args.rev, before), ("this tree", clean)):
            cpu, wall, spans[name] = _timed(module.clean_spans, docs)
            best[name] = min(best.get(name, (cpu, wall)), (cpu, wall))
    for name, (cpu, wall) in best.items():
        print(f"  clean_spans, {name:<10} {cpu:6.2f} s cpu {wall:6.2f} s wall")
    same = spans[args.rev].sort_values(SPAN_ORDER).reset_index(drop=True).equals(
        spans["this tree"].sort_values(SPAN_ORDER).reset_index(drop=True))
    half = docs.iloc[:len(docs) // 2]
    learned = {args.rev: before.learn_boilerplate(half), "this tree": clean.learn_boilerplate(half)}
    a, b = (learned[k].counts.sort_values(["source", "key"]).reset_index(drop=True) for k in learned)
    same_counts = a.equals(b) and learned[args.rev].names.equals(learned["this tree"].names)
    x, y = (module.clean_spans(docs, boilerplate=learned[k]).sort_values(SPAN_ORDER).reset_index(drop=True)
            for k, module in ((args.rev, before), ("this tree", clean)))
    print(f"spans equal: {same} ({len(spans['this tree']):,}); learned counts equal: {same_counts} ({len(b):,}); "
          f"spans with learned counts equal: {x.equals(y)}")
    return 0 if same and same_counts and x.equals(y) else 1


if __name__ == "__main__":
    sys.exit(main())
