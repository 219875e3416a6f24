"""Time our term and frame counts against two baselines on SaudiNewsNet, and check they agree.

Every counting step starts from the same documents already in memory: the corpus is
loaded once with :func:`analysis.corpus.load_corpus` and that load is timed on its own
(it parses, accounts for and de-duplicates every row, which neither baseline does).
A plain script's reading (the zips' JSON arrays through ``zipfile`` and ``json.loads``,
articles with text kept) is timed as well, for ratios end to end: ``load_corpus`` plus
our counts against that reading plus each baseline's counts.
The steps, all in this one process (each run once, or ``--repeat`` times):

* ours, terms: ``count_terms(docs, by="source", stopwords=False)``, and again with
  ``workers=2`` (two forked processes);
* ours, frames: ``count_frames(docs, "international-news", by="source")``;
* baseline 1: a Python loop, ``Counter.update(TOKEN_PATTERN.findall(normalize(text)))``
  into one Counter per source;
* baseline 2: scikit-learn ``CountVectorizer(preprocessor=normalize,
  token_pattern=TOKEN_PATTERN.pattern)``, document rows summed per source.
* near-duplicates: :func:`analysis.corpus.find_copies` on the loaded documents (the
  step ``load_corpus`` runs last), against ``load_corpus(near_duplicates=False)``
  (target: at most half its time), and :func:`analysis.corpus.copy_pairs` on the texts
  replicated ``--replicate`` times.

All three term counts must be equal, term for term and source for source, or the script
exits with an error. Peak memory is the largest resident memory of the process tree
during a step: the larger of the process's own high-water mark (reset before the step
through ``/proc/self/clear_refs``, so Linux only) and, sampled every 20 ms, its resident
memory plus the proportional resident memory (PSS) of its worker processes (an upper
bound: pages shared with the workers count in full for the process and in part for
them). The documents in memory are included. CPU time is the process's plus its workers'. The command line
runs (``python -m analysis terms`` and ``frames`` on the corpus folder) are timed
from start-up to exit, loading included, their memory sampled the same way.

``--repeat N`` runs every step N times and keeps the fastest (on a shared machine the
slowest runs measure the neighbours); the counting steps run in N rounds of one run each,
so that a slow spell of the machine slows ours and the baselines alike. ``--replicate N`` repeats the counting steps on the documents replicated N times in
memory, and counts the corpus files N times over with
:func:`analysis.scale.count_terms_by_partition` (one file in memory at a time, loading
included), to check that time grows linearly and memory stays bounded.

The command line runs twice per command: on an empty corpus cache (cold) and on the
cache that run filled (warm); ``--report`` times the HTML report on a cold cache (the
memory of all its processes, kernels included), and ``--synthetic N`` writes N
articles (the corpus replicated, each copy with its own outlets and dates) as JSON Lines
to a temporary folder, never kept, and runs ``terms`` and ``frames`` on them. The last
table gives every target of the performance issue against the plain-Python baseline
(plain reading plus the loop with ``Counter``) measured in the same run; rows not run say so.

Usage::

    .venv/bin/python benchmarks/bench_pipeline.py [--repeat 3] [--replicate 4] [--corpus PATH] [--no-cli]
        [--report] [--synthetic 250000 1000000] [--synthetic-only]
"""

from __future__ import annotations

import argparse
import compileall
import ctypes
import dataclasses
import gc
import json
import os
import subprocess
import sys
import resource
import shutil
import tempfile
import threading
import time
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.corpus import copy_pairs, find_copies, load_corpus  # noqa: E402
from analysis.frames import count_frames  # noqa: E402
from analysis.paths import SAUDINEWSNET  # noqa: E402
from analysis.scale import corpus_partitions, count_terms_by_partition  # noqa: E402
from analysis.terms import count_terms  # noqa: E402
from analysis.text import TOKEN_PATTERN, normalize  # noqa: E402

LEXICON = "international-news"


@dataclasses.dataclass
class Step:
    name: str
    wall: float
    cpu: float
    peak_mb: float
    start_mb: float


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak() -> float:
    """Free what can be freed, reset the high-water mark, return the resident MB."""
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    Path("/proc/self/clear_refs").write_text("5")
    return _status_mb("VmRSS")


def _children(pid: int) -> list[int]:
    return [int(c) for task in Path(f"/proc/{pid}/task").iterdir() for c in (task / "children").read_text().split()]


def _pss_mb(pid: int) -> float:
    """Proportional resident MB of a process and its descendants: shared pages divided among sharers."""
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    pss = next(int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:"))
    return pss / 1024 + sum(map(_pss_mb, _children(pid)))


def _tree_mb(pid: int) -> float:
    """Resident MB of a process plus the proportional resident MB of its descendants.

    Reading a large process's smaps costs time, so only the (short-lived) workers are read
    that way; the process itself is read from the cheap ``statm``. Pages the workers share
    with it are counted in full for it and in part for them: an upper bound.
    """
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1024**2 + sum(map(_pss_mb, _children(pid)))
    except (FileNotFoundError, ProcessLookupError, StopIteration):
        return 0.0  # a process ended while being read


class TreePeak:
    """Largest resident memory of a process tree (see ``_tree_mb``), sampled every 20 ms in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_mb = pid, 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(0.02):
            self.peak_mb = max(self.peak_mb, _tree_mb(self.pid))

    def __enter__(self) -> "TreePeak":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


REPEAT = 1  # runs of each step; the fastest is kept (--repeat)


def measure_once(name: str, fn, *args, **kwargs) -> tuple[Step, object]:
    """One run of ``fn``: its wall and CPU time, peak and starting memory, and its result."""
    start = _reset_peak()
    wall, cpu = time.perf_counter(), time.process_time() + _children_cpu()
    with TreePeak(os.getpid()) as tree:
        result = fn(*args, **kwargs)
    return Step(name, time.perf_counter() - wall, time.process_time() + _children_cpu() - cpu,
                max(_status_mb("VmHWM"), tree.peak_mb), start), result


def fastest(runs: list[Step]) -> Step:
    """The fastest run, with the largest peak of all runs; printed."""
    step = dataclasses.replace(min(runs, key=lambda r: r.wall), peak_mb=max(r.peak_mb for r in runs))
    print(f"  {step.name:<34} {step.wall:7.2f} s wall {step.cpu:7.2f} s cpu {step.peak_mb:7.0f} MB peak "
          f"({step.start_mb:.0f} MB at start)", flush=True)
    return step


def measure(name: str, fn, *args, **kwargs):
    """Run ``fn`` REPEAT times in a row; the fastest run (see :func:`fastest`) and the last result."""
    runs = []
    for _ in range(REPEAT):
        step, result = measure_once(name, fn, *args, **kwargs)
        runs.append(step)
    return fastest(runs), result


# --------------------------------------------------------------------------- the three ways to count


def ours_terms(docs: pd.DataFrame) -> pd.DataFrame:
    return count_terms(docs, by="source", stopwords=False)


def ours_terms_two_processes(docs: pd.DataFrame) -> pd.DataFrame:
    return count_terms(docs, by="source", stopwords=False, workers=2)


def ours_frames(docs: pd.DataFrame) -> pd.DataFrame:
    return count_frames(docs, LEXICON, by="source")


def baseline_read(corpus: Path) -> pd.DataFrame:
    """What a plain script reads from SaudiNewsNet's zips of JSON arrays: source and text of each article with text."""
    rows = []
    for path in sorted(corpus.glob("*.zip")):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                rows += [(item["source"], item["content"]) for item in json.loads(archive.read(name))
                         if (item.get("content") or "").strip()]
    return pd.DataFrame(rows, columns=["source", "text"])


def baseline_loop(docs: pd.DataFrame) -> dict[str, Counter]:
    counters: dict[str, Counter] = {}
    for source, text in zip(docs["source"], docs["text"]):
        counters.setdefault(source, Counter()).update(TOKEN_PATTERN.findall(normalize(text)))
    return counters


def baseline_sklearn(docs: pd.DataFrame):
    from scipy import sparse
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(preprocessor=normalize, token_pattern=TOKEN_PATTERN.pattern, lowercase=False)
    matrix = vectorizer.fit_transform(docs["text"])
    codes, sources = pd.factorize(docs["source"])
    by_source = sparse.csr_matrix((np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(len(sources), len(codes)))
    return (by_source @ matrix).tocoo(), list(sources), vectorizer.get_feature_names_out()


# --------------------------------------------------------------------------- agreement


def as_dict_ours(table: pd.DataFrame) -> dict:
    return dict(zip(zip(table["source"], table["term"]), table["count"].tolist()))


def as_dict_loop(counters: dict[str, Counter]) -> dict:
    return {(source, term): n for source, counter in counters.items() for term, n in counter.items()}


def as_dict_sklearn(result) -> dict:
    coo, sources, terms = result
    return {(sources[i], terms[j]): int(v) for i, j, v in zip(coo.row, coo.col, coo.data)}


def as_frame(counts: dict) -> pd.DataFrame:
    """``{(source, term): count}`` as a sorted table. Kept between steps instead of the dict:
    a million Python objects alive would slow every later step's garbage collection."""
    keys = list(counts)
    table = pd.DataFrame({"source": [k[0] for k in keys], "term": [k[1] for k in keys],
                          "count": np.fromiter(counts.values(), np.int64, len(keys))})
    return table.sort_values(["source", "term"], ignore_index=True)


def check_equal(name: str, ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    if not ours.equals(theirs):
        diff = ours.merge(theirs, how="outer", on=["source", "term"], indicator=True)
        diff = diff[(diff["_merge"] != "both") | (diff["count_x"] != diff["count_y"])].head(5)
        raise SystemExit(f"MISMATCH between ours and {name}: {len(ours):,} vs {len(theirs):,} pairs; e.g.\n{diff}")


# --------------------------------------------------------------------------- runs


def run_counts(docs: pd.DataFrame, label: str) -> dict[str, Step]:
    """Every counting step REPEAT times, in rounds of one run each, so that a slow spell of
    a shared machine slows ours and the baselines alike; each result checked against ours."""
    print(f"\n{label}: {len(docs):,} documents", flush=True)
    steps = [("ours_terms", "ours: count_terms by source", ours_terms, as_dict_ours),
             ("ours_terms_2", "ours: same, workers=2", ours_terms_two_processes, as_dict_ours),
             ("ours_frames", "ours: count_frames by source", ours_frames, None),
             ("loop", "baseline 1: loop + Counter", baseline_loop, as_dict_loop),
             ("sklearn", "baseline 2: CountVectorizer", baseline_sklearn, as_dict_sklearn)]
    ours = None
    runs: dict[str, list[Step]] = {key: [] for key, *_ in steps}
    for _ in range(REPEAT):
        for key, name, fn, as_dict in steps:
            step, result = measure_once(name, fn, docs)
            runs[key].append(step)
            if as_dict is not None:
                counts = as_frame(as_dict(result))
                del result
                if ours is None:
                    ours = counts
                else:
                    check_equal(name, ours, counts)
                del counts
    for key, name, *_ in steps:
        runs[key] = fastest(runs[key])
    print(f"  term counts equal in every run: ours, workers=2, baseline 1, baseline 2 "
          f"({len(ours):,} source-term pairs, {ours['count'].sum():,} tokens)")
    return runs


TIME_V = Path("/usr/bin/time")  # GNU time: its -v gives the peak resident memory of a single process


def _time_v_peak_mb(stderr: str) -> float | None:
    """The "Maximum resident set size" GNU ``time -v`` printed, in MB, or None."""
    for line in stderr.splitlines():
        if "Maximum resident set size" in line:
            return int(line.rsplit(":", 1)[1]) / 1024
    return None


def run_cli(corpus: Path, command: str, cache: Path, name: str | None = None, extra: tuple = ()) -> Step:
    """Run ``python -m analysis <command>`` on the corpus with the corpus cache in ``cache``;
    wall time and the peak memory of the child and its own children (a report's kernels).

    ``terms`` and ``frames`` (one process each) run under GNU ``time -v`` where it is
    installed, and the larger of its peak and the sampled one is kept."""
    with tempfile.TemporaryDirectory() as tmp:
        target = ["--out", str(Path(tmp) / (command if command == "report" else f"{command}.csv"))]
        args = [sys.executable, "-m", "analysis", command, "--corpus", str(corpus), *target, *extra]
        if command != "report" and TIME_V.exists():
            args = [str(TIME_V), "-v", *args]
        args += [] if command == "report" else ["--no-progress"]
        env = {**os.environ, "ARABIC_FRAMING_CACHE": str(cache)}
        start = time.perf_counter()
        with open(Path(tmp) / "stderr.txt", "w+") as err:
            child = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err, env=env)
            with TreePeak(child.pid) as tree:
                _, status, usage = os.wait4(child.pid, 0)
            wall = time.perf_counter() - start
            err.seek(0)
            stderr = err.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"CLI {command} failed:\n{stderr}")
    # The child's own ru_maxrss starts at this process's resident size (Linux keeps it across
    # fork and exec), so only the sampled tree counts.
    peak = max(tree.peak_mb, _time_v_peak_mb(stderr) or 0.0)
    step = Step(name or f"CLI {command}", wall, usage.ru_utime + usage.ru_stime, peak, 0.0)
    print(f"  {step.name:<34} {step.wall:7.2f} s wall {step.cpu:7.2f} s cpu {step.peak_mb:7.0f} MB peak "
          f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    return step


def ratios(steps: dict[str, Step], read: Step | None = None, load: Step | None = None) -> None:
    """Wall-time ratios to each baseline (CPU-time ratios in brackets).

    Counting steps compare on the same documents in memory. With ``read`` (the plain
    script's reading) and ``load`` (``load_corpus``), end to end too: loading plus
    counting, ours against reading plus the baseline's counting.
    """
    terms, two, frames = steps["ours_terms"], steps["ours_terms_2"], steps["ours_frames"]

    def ratio(ours: list[Step], theirs: list[Step]) -> str:
        wall, cpu = (sum(getattr(s, f) for s in ours) / sum(getattr(s, f) for s in theirs) for f in ("wall", "cpu"))
        return f"{wall:.2f} [{cpu:.2f}]"

    for name, key, target in [("baseline 1", "loop", 0.5), ("baseline 2", "sklearn", 0.3)]:
        base = steps[key]
        print(f"  ours / {name} (target <= {target}): terms {ratio([terms], [base])}, "
              f"workers=2 {ratio([two], [base])}, terms + frames {ratio([terms, frames], [base])}")
        if read and load:
            print(f"    end to end, loading included: load + terms {ratio([load, terms], [read, base])}, "
                  f"load + terms + frames {ratio([load, terms, frames], [read, base])}")


def synthetic_corpus(docs: pd.DataFrame, n: int, folder: Path, per_file: int = 50_000) -> Path:
    """``n`` articles as JSON Lines files in ``folder``: the documents replicated, each copy with
    its own outlets (``source`` + copy number) and dates (shifted by the copy number in weeks)."""
    folder.mkdir(parents=True, exist_ok=True)
    base = docs[["source", "date", "title", "text"]].reset_index(drop=True)
    written, copy = 0, 0
    while written < n:
        part = base.iloc[: n - written].copy()
        part["source"] = part["source"] + f" {copy}"
        part["date"] = (part["date"] + pd.Timedelta(weeks=copy)).dt.strftime("%Y-%m-%d")
        for start in range(0, len(part), per_file):
            chunk = part.iloc[start:start + per_file]
            chunk.to_json(folder / f"part-{written + start:08d}.jsonl", orient="records", lines=True, force_ascii=False)
        written += len(part)
        copy += 1
    return folder


def run_synthetic(docs: pd.DataFrame, sizes: list[int]) -> dict[str, Step]:
    """CLI ``terms`` and ``frames`` on a synthetic corpus of each size in turn (written to a
    temporary folder and removed), their time per article against the first size."""
    steps: dict[str, Step] = {}
    for n in sizes:
        with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
            start = time.perf_counter()
            folder = synthetic_corpus(docs, n, Path(tmp) / "corpus")
            size = sum(p.stat().st_size for p in folder.iterdir()) / 1024**2
            print(f"\nsynthetic corpus: {n:,} articles, {size:,.0f} MB in {len(list(folder.iterdir()))} "
                  f"files, written in {time.perf_counter() - start:.0f} s; load average {os.getloadavg()[0]:.1f}",
                  flush=True)
            for command in ("terms", "frames"):
                steps[f"{n} {command}"] = run_cli(folder, command, Path(tmp) / "cache", f"CLI {command}, {n:,} articles",
                                                  ("--no-cache",))
    first = min(sizes)
    for n in [n for n in sizes if n != first]:
        for command in ("terms", "frames"):
            a, b = steps[f"{first} {command}"], steps[f"{n} {command}"]
            print(f"  {command}: {n / first:.2f}x the articles, {b.wall / a.wall:.2f}x the wall time, "
                  f"{b.cpu / a.cpu:.2f}x the CPU time; peak {a.peak_mb:,.0f} -> {b.peak_mb:,.0f} MB")
    largest = max(sizes)
    steps["million terms"], steps["million frames"] = steps[f"{largest} terms"], steps[f"{largest} frames"]
    return steps


def targets(read: Step, loop: Step, cli: dict[str, Step]) -> None:
    """The issue's target table: each row against the plain-Python baseline of this run."""
    baseline, baseline_cpu = read.wall + loop.wall, read.cpu + loop.cpu
    print(f"\ntargets (baseline: plain reading + loop + Counter = {baseline:.2f} s wall, {baseline_cpu:.2f} s cpu, "
          "measured in this run; CPU-time ratio in brackets):")
    print(f"  {'what':<58} {'measured':>16} {'target':>8}")
    rows = [("CLI terms on the corpus, cold cache / baseline", "terms cold", "wall", 0.5),
            ("CLI frames, cold cache / baseline", "frames cold", "wall", 0.6),
            ("CLI terms, warm cache / baseline", "terms warm", "wall", 0.15),
            ("  (its floor: Python and the imports alone / baseline)", "start-up", "wall", None),
            ("report, wall / baseline", "report", "wall", 6),
            ("report, peak memory of all its processes (MB)", "report", "peak", 2000),
            ("synthetic corpus, CLI terms peak memory (MB)", "million terms", "peak", 4000),
            ("synthetic corpus, CLI frames peak memory (MB)", "million frames", "peak", 4000)]
    for what, key, field, target in rows:
        step = cli.get(key)
        if step is None:
            value = "not run"
        elif field == "wall":
            value = f"{step.wall / baseline:.2f}x [{step.cpu / baseline_cpu:.2f}x]"
        else:
            value = f"{step.peak_mb:,.0f}"
        print(f"  {what:<58} {value:>16} {'' if target is None else '<= ' + str(target):>8}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=SAUDINEWSNET, help="corpus folder (default: SaudiNewsNet)")
    parser.add_argument("--replicate", type=int, default=1, help="also run on the corpus replicated N times")
    parser.add_argument("--repeat", type=int, default=1, help="run each step N times and keep the fastest")
    parser.add_argument("--no-cli", dest="cli", action="store_false", help="skip the command-line runs")
    parser.add_argument("--report", action="store_true", help="also time the HTML report on the corpus (minutes)")
    parser.add_argument("--synthetic", type=int, nargs="+", default=[], metavar="N",
                        help="also run the CLI on synthetic corpora of N articles (each size in turn) written to a "
                             "temporary folder")
    parser.add_argument("--targets-only", action="store_true",
                        help="only what the target table needs: the plain-Python baseline, the command line (and "
                             "--report, --synthetic)")
    parser.add_argument("--synthetic-only", action="store_true",
                        help="load the corpus and run only the synthetic corpora (minutes to hours)")
    args = parser.parse_args(argv)
    global REPEAT
    REPEAT = args.repeat
    if not args.corpus.exists():
        raise SystemExit(f"corpus not found: {args.corpus}")

    # The command line starts from the package's bytecode, as after `make install`, even where
    # PYTHONDONTWRITEBYTECODE keeps Python from writing it for sources edited since.
    compileall.compile_dir(ROOT / "analysis", quiet=1)
    print(f"corpus {args.corpus}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, pandas {pd.__version__}; "
          f"load average {os.getloadavg()[0]:.1f} before starting (above 0: other processes are using the CPUs)")
    load, corpus = measure("load_corpus (all formats, dedup)", load_corpus, args.corpus, cache=False)
    docs = corpus.docs
    if args.synthetic_only:
        del corpus
        run_synthetic(docs, args.synthetic)
        print(f"\nLoad average now {os.getloadavg()[0]:.1f}.")
        return 0
    if args.targets_only:
        del corpus
        # The baseline runs before and after the command line and its faster run counts (the
        # conservative choice on a machine whose load drifts).
        reads, loops = [], []
        for when in ("before", "after"):
            if when == "after":
                cli = run_commands(args, docs)
                print("\nbaseline again, after the command line:")
            step, plain = measure_once("plain reading: zip + json.loads", baseline_read, args.corpus)
            reads.append(step)
            step, _ = measure_once("baseline 1: loop + Counter", baseline_loop, plain)
            loops.append(step)
            del plain
        targets(fastest(reads), fastest(loops), cli)
        print(f"\nLoad average now {os.getloadavg()[0]:.1f}.")
        return 0
    with tempfile.TemporaryDirectory() as store:
        measure_once("load_corpus, filling the cache", load_corpus, args.corpus, cache=store)
        warm, cached = measure("load_corpus, warm cache", load_corpus, args.corpus, cache=store)
    if not (cached.docs.equals(docs) and cached.report.files.equals(corpus.report.files)
            and cached.report.rejected.equals(corpus.report.rejected)):
        raise SystemExit("MISMATCH: the corpus read from the cache differs from the one loaded afresh")
    print(f"  warm cache / load_corpus: {warm.wall / load.wall:.2f}; the cached corpus equals the fresh one")
    del corpus, cached
    bare, _ = measure("load_corpus, near_duplicates=False", load_corpus, args.corpus, near_duplicates=False, clean=False,
                      cache=False)
    near, stories = measure("find_copies (near-duplicates)", find_copies, docs)
    pd.testing.assert_frame_equal(stories, docs[stories.columns])
    print(f"  find_copies / load_corpus without it (target <= 0.5): {near.wall / bare.wall:.2f} "
          f"[{near.cpu / bare.cpu:.2f}]; {stories['is_near_duplicate'].sum():,} near-duplicates in "
          f"{stories.loc[stories['is_near_duplicate'], 'story_id'].nunique():,} stories")
    del stories
    read = None
    if any(args.corpus.glob("*.zip")):
        read, plain = measure("plain reading: zip + json.loads", baseline_read, args.corpus)
        if len(plain) != len(docs):
            raise SystemExit(f"plain reading found {len(plain):,} articles with text, load_corpus kept {len(docs):,}")
        del plain
    one = run_counts(docs, "1x")
    ratios(one, read, load)

    if args.replicate > 1:
        n = args.replicate
        parts = corpus_partitions(args.corpus)
        streamed_one, table_one = measure("ours: by file, loading included", count_terms_by_partition,
                                          parts, "source", stopwords=False)
        many = run_counts(pd.concat([docs] * n, ignore_index=True), f"{n}x (in memory)")
        ratios(many)
        pairs_one, _ = measure("copy_pairs", copy_pairs, docs["text"])
        pairs_many, _ = measure(f"copy_pairs {n}x", copy_pairs, pd.concat([docs["text"]] * n, ignore_index=True))
        streamed, table = measure(f"ours: {n}x by file, loading included", count_terms_by_partition,
                                  parts * n, "source", stopwords=False)
        expected = table_one.assign(count=table_one["count"] * n, doc_freq=table_one["doc_freq"] * n,
                                    tokens=table_one["tokens"] * n, docs=table_one["docs"] * n)
        pd.testing.assert_frame_equal(table, expected)
        print(f"\ngrowth {n}x / 1x (wall time; peak memory):")
        for key, step in many.items():
            print(f"  {step.name:<34} {step.wall / one[key].wall:5.2f}x time; {one[key].peak_mb:6.0f} -> {step.peak_mb:6.0f} MB")
        print(f"  {'ours by file (streamed)':<34} {streamed.wall / streamed_one.wall:5.2f}x time; "
              f"{streamed_one.peak_mb:6.0f} -> {streamed.peak_mb:6.0f} MB")
        print(f"  {'copy_pairs':<34} {pairs_many.wall / pairs_one.wall:5.2f}x time; "
              f"{pairs_one.peak_mb:6.0f} -> {pairs_many.peak_mb:6.0f} MB")

    cli = run_commands(args, docs)
    del docs
    if read is not None and cli:
        targets(read, one["loop"], cli)
    print(f"\nLoad average now {os.getloadavg()[0]:.1f}.")
    return 0


def start_up() -> Step:
    """The floor under every command: a Python process that only imports what ``terms`` imports (best of 3)."""
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-c", "import analysis.cli, analysis.terms, analysis.corpus.cache"],
                                 cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        runs.append(Step("start-up: Python + imports of terms", time.perf_counter() - start,
                         usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, 0.0))
    step = min(runs, key=lambda s: s.wall)
    print(f"  {step.name:<34} {step.wall:7.2f} s wall {step.cpu:7.2f} s cpu", flush=True)
    return step


def run_commands(args, docs: pd.DataFrame) -> dict[str, Step]:
    """The command-line runs: terms and frames cold and warm, then the report and the synthetic corpora if asked."""
    cli: dict[str, Step] = {}
    if args.cli:
        print("\ncommand line (start-up and loading included; cold: an empty cache, warm: the cache the cold run filled):")
        with tempfile.TemporaryDirectory() as store:
            for command in ("terms", "frames"):
                for _ in range(REPEAT):
                    shutil.rmtree(store, ignore_errors=True)
                    cold = run_cli(args.corpus, command, Path(store), f"CLI {command}, cold cache")
                    cli[f"{command} cold"] = min(cli.get(f"{command} cold", cold), cold, key=lambda s: s.wall)
                    warm_run = run_cli(args.corpus, command, Path(store), f"CLI {command}, warm cache")
                    cli[f"{command} warm"] = min(cli.get(f"{command} warm", warm_run), warm_run, key=lambda s: s.wall)
            run_cli(args.corpus, "terms", Path(store), "CLI terms, --no-cache", ("--no-cache",))
            cli["start-up"] = start_up()
    if args.report:
        print("\nreport (every notebook, cold cache):")
        with tempfile.TemporaryDirectory() as store:
            cli["report"] = run_cli(args.corpus, "report", Path(store), "CLI report, cold cache")
    if args.synthetic:
        cli.update(run_synthetic(docs, args.synthetic))
    return cli


if __name__ == "__main__":
    sys.exit(main())
