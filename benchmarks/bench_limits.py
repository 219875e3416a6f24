"""Cost of two hostile inputs, each measured in a fresh interpreter (CPU seconds and peak RSS).

* a lexicon of 200,000 terms (the demo corpus's longer words and random Arabic terms, a
  fifth of them two words) matched on the demo corpus: loading it and ``frame_matches``;
* a CSV holding one article of ~17 MB: ``load_corpus`` without and with near-duplicate
  detection, as multiples of the file's size above the memory of a warm interpreter.

The bounds themselves are asserted by ``tests/test_limits.py``; this script prints the
numbers quoted in ``benchmarks/README.md``. Usage::

    .venv/bin/python benchmarks/bench_limits.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_limits import large_lexicon  # noqa: E402  the same inputs the tests bound

from analysis.corpus import load_corpus  # noqa: E402
from analysis.text import tokenize  # noqa: E402

STATUS = 'lambda key: next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith(key)) / 1024'


def run(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          env=env, check=True).stdout.strip()


def main() -> None:
    demo = load_corpus(progress=False)
    with tempfile.TemporaryDirectory() as folder:
        real = sorted({t for text in demo.docs["text"] for t in tokenize(text) if t.isalpha() and len(t) > 3})
        lexicon = large_lexicon(Path(folder) / "big.yaml", 200_000, real[::2])
        print(run(f"""
            import resource
            cpu = lambda: sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
            status = {STATUS}
            from analysis.corpus import load_corpus
            from analysis.frames import frame_matches
            from analysis.lexicon import load_lexicon
            corpus = load_corpus(progress=False)
            start = cpu(); lexicon = load_lexicon({str(lexicon)!r}); loaded = cpu()
            hits = frame_matches(corpus, lexicon); matched = cpu()
            print(f"200,000-term lexicon: load {{loaded - start:.1f}} s CPU, frame_matches {{matched - loaded:.1f}} s, "
                  f"{{len(hits)}} hits, {{matched:.1f}} s CPU in all, peak {{status('VmHWM:'):.0f}} MiB")
        """))
        words = sorted({t for text in demo.docs["text"] for t in tokenize(text)})
        import random
        rng = random.Random(0)
        path = Path(folder) / "huge.csv"
        path.write_text("source,text\nأ," + " ".join(rng.choice(words) for _ in range(1_500_000)) + "\nب,نص قصير\n",
                        encoding="utf-8")
        size = path.stat().st_size / 2**20
        for near in (False, True):
            print(run(f"""
                status = {STATUS}
                from analysis.corpus import load_corpus
                load_corpus(progress=False, cache=False)
                base = status("VmRSS:")
                load_corpus({str(path)!r}, progress=False, cache=False, near_duplicates={near})
                print(f"one {size:.1f} MiB field, near_duplicates={near}: {{(status('VmHWM:') - base) / {size}:.1f}}x its size")
            """))


if __name__ == "__main__":
    main()
