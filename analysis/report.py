"""The HTML report: every notebook run headlessly on a corpus, rendered to standalone pages with an index and provenance."""

from __future__ import annotations

import dataclasses
import functools
import html
import json
import os
import re
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from analysis.corpus.cache import SUFFIX as SNAPSHOT_SUFFIX
from analysis.corpus.cache import fingerprint, input_files
from analysis.display import html_table
from analysis.outputs import check_outputs, replace_folder, write_atomic
from analysis.paths import DEMO_CORPUS, LEXICON_DIR, NOTEBOOK_DIR
from analysis.provenance import PROVENANCE_KEY, Provenance
from analysis.text import visible

__all__ = ["ReportError", "NotebookError", "IncompleteReportError", "notebook_paths", "build_report"]

WORKERS = 2
"""Notebooks executed at the same time by :func:`build_report` (each in its own kernel)."""


class ReportError(ValueError):
    """The report cannot be built: bad input, or a notebook failed."""


class NotebookError(ReportError):
    """A notebook failed; the message names the notebook, the cell and the error.

    Attributes
    ----------
    notebook : file name of the notebook.
    cell : 1-based position of the failing cell in the notebook as committed (0 for
        the parameters papermill injected; None when the kernel itself failed).
    line : first line of the failing cell's source.
    error : exception name and message raised in the kernel.
    """

    def __init__(self, notebook: str, cell: int | None, line: str, error: str):
        self.notebook, self.cell, self.line, self.error = notebook, cell, line, error
        quoted = f" ({line!r})" if line else ""
        super().__init__(f"notebook {visible(notebook)} failed{self.place}{quoted}: {visible(error)}")

    @property
    def place(self) -> str:
        """Where it failed, as the message says it: ``" in cell 4"``, ``" in the injected parameters"`` or ``""``."""
        return "" if self.cell is None else " in the injected parameters" if self.cell == 0 else f" in cell {self.cell}"


class IncompleteReportError(NotebookError):
    """Some notebooks failed, the others rendered: the report was written, marked incomplete.

    Each failed notebook has an error page in the report and is marked on the index;
    the message names every failure and where the report is, in one line.

    Attributes
    ----------
    failures : the notebooks' errors (a :class:`NotebookError` each), in order; the
        attributes of :class:`NotebookError` are those of the first.
    index : the report's ``index.html``.
    """

    def __init__(self, failures: list[NotebookError], index: Path, pages: int):
        first = failures[0]
        super().__init__(first.notebook, first.cell, first.line, first.error)
        self.failures, self.index = tuple(failures), index
        self.args = (f"{'; '.join(map(str, failures))}; the report of the other {pages} notebook(s) is in {index}, "
                     "marked incomplete",)


def notebook_paths(directory: str | os.PathLike = NOTEBOOK_DIR) -> list[Path]:
    """The report's notebooks: ``NN_*.ipynb`` in ``directory``, in order.

    Examples
    --------
    >>> [path.name for path in notebook_paths()][:2]
    ['01_corpus_overview.ipynb', '02_term_frequencies.ipynb']
    """
    return sorted(Path(directory).glob("[0-9][0-9]_*.ipynb"))


@functools.cache
def _interpreter_kernel_manager():
    """A kernel manager class that starts ipykernel on this very interpreter.

    Headless runs then never depend on which kernel specs are installed (or on a
    user-level ``python3`` spec pointing at another Python).
    """
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_core.paths import jupyter_runtime_dir
    from traitlets import Unicode, default

    class InterpreterKernelManager(AsyncKernelManager):
        if os.name == "posix":  # local sockets: nothing of the corpus travels over TCP
            transport = Unicode("ipc")

            @default("ip")
            def _unique_socket_prefix(self) -> str:  # kernels started together must not share sockets
                runtime = Path(jupyter_runtime_dir())
                runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
                return str(runtime / f"arabic-framing-{uuid.uuid4().hex}")

        @property
        def kernel_spec(self) -> KernelSpec:
            return KernelSpec(
                argv=[sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name=f"Python {sys.version_info.major}.{sys.version_info.minor} ({sys.executable})",
                language="python",
            )

    return InterpreterKernelManager


def _title(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""


def _summary(nb) -> str:
    """The first paragraph after the title of the notebook's first Markdown cell."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            paragraphs = [p.strip() for p in re.split(r"\n\s*\n", cell.source) if p.strip()]
            rest = [p for p in paragraphs if not p.startswith("#")]
            return " ".join(rest[0].split()) if rest else ""
    return ""


MAX_ERROR_CHARS = 2_000
"""A notebook's error message is cut to this many characters (a value in it may be a whole column)."""


def _failure(name: str, original, err) -> NotebookError:
    """Name the failing cell by its position in the notebook as committed (0: the injected parameters)."""
    source = getattr(err, "source", "")
    cell = next((i for i, c in enumerate(original.cells, 1) if c.cell_type == "code" and c.source == source), 0)
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    error = f"{getattr(err, 'ename', type(err).__name__)}: {getattr(err, 'evalue', err)}".strip()
    if len(error) > MAX_ERROR_CHARS:
        error = f"{error[:MAX_ERROR_CHARS]}… ({len(error):,} characters in all)"
    return NotebookError(name, cell, first, error)


def _execute(path: Path, parameters: dict, kernel_name: str | None, shown: dict | None = None):
    """Run one notebook; return (original, executed) or raise NotebookError.

    ``shown`` maps parameter values to what the injected-parameters cell displays instead.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError
    from papermill.translators import PythonTranslator

    original = nbformat.read(path, as_version=4)
    options = {}
    if kernel_name is None:
        kernel_name, options["kernel_manager_class"] = "python3", _interpreter_kernel_manager()
    nb = nbformat.from_dict(json.loads(json.dumps(original)))
    try:
        executed = papermill.execute_notebook(
            nb, None, parameters=parameters, kernel_name=kernel_name, progress_bar=False,
            cwd=str(path.parent), start_timeout=120, shutdown_kernel="immediate", **options,
        )
    except PapermillExecutionError as err:
        raise _failure(path.name, original, err) from None
    except RuntimeError as err:  # the kernel could not start, or died (out of memory?)
        raise NotebookError(path.name, None, "", f"{type(err).__name__}: {err}") from None
    for cell in executed.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"  # papermill draws a random id; keep the output reproducible
            for value, instead in (shown or {}).items():
                cell.source = cell.source.replace(PythonTranslator.translate(value), PythonTranslator.translate(instead))
    return original, executed


# JupyterLab's look without its scripts (require.js, MathJax, Mermaid from CDNs): the
# pages open offline, and the only markup in them is the template's and our tables'.
_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


def _render(executed, title: str) -> str:
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", template_file="report.html.j2",
                            extra_loaders=[DictLoader({"report.html.j2": _TEMPLATE})],
                            exclude_input_prompt=True, exclude_output_prompt=True, embed_images=True)
    body, _ = exporter.from_notebook_node(executed, resources={"metadata": {"name": title}})
    return body


def _provenance_of(executed) -> dict:
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            found = output.get("metadata", {}).get(PROVENANCE_KEY)
            if found:
                return dict(found)
    return {}


def _provenance_html(record: dict) -> str:
    if not record:
        return "<p>No provenance was recorded by the notebooks.</p>"
    fields = Provenance(**{**record, "sources": tuple(record["sources"]),
                           "selected": tuple(tuple(row) for row in record.get("selected", ()))})
    return html_table(fields.rows(), max_rows=None, max_chars=0).html


def _page_html(title: str, body: str) -> str:
    """A standalone page of the report's own (the index, an error page) around ``body``."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans Arabic", sans-serif;
       max-width: 60em; margin: 2em auto; padding: 0 1em; line-height: 1.5; color: #222; }}
li {{ margin-bottom: 0.8em; }} li p {{ margin: 0.2em 0 0; color: #444; }}
a {{ font-weight: 600; }}
.failed {{ border-left: 0.4em solid #b00020; padding: 0.3em 0.8em; background: #fdecee; }}
.failed p, li.failed p {{ color: #222; }}
pre {{ white-space: pre-wrap; overflow-wrap: anywhere; }}
</style>
</head>
<body>
{body}
</body>
</html>
"""


def _failed_where(err: NotebookError) -> str:
    """Where a notebook failed, as escaped HTML: ``in cell 4 (<code>ratio = 1 / 0</code>)``."""
    if err.cell is None:
        return "when its kernel stopped (no cell finished the run)"
    where = "in the injected parameters" if err.cell == 0 else f"in cell {err.cell}"
    return where + (f" (<code>{html.escape(visible(err.line))}</code>)" if err.line else "")


def _error_html(err: NotebookError, title: str, record: dict, saved: list[str]) -> str:
    """The page of a notebook that failed: which cell, the error in one escaped line, the figures it
    saved before it failed (``saved``, file names in ``figures/``), the report's provenance."""
    figures = (f"<p>Figures it saved before it failed, in <a href=\"figures/\">figures/</a>: "
               f"{html.escape(', '.join(map(visible, saved)))}.</p>\n" if saved else "")
    body = f"""<h1>{html.escape(title)}: not rendered</h1>
<div class="failed">
<p><strong>Notebook <code>{html.escape(visible(err.notebook))}</code> failed {_failed_where(err)}</strong>;
this page has none of its results. The other pages of the report were rendered; see the <a href="index.html">index</a>.</p>
<pre>{html.escape(visible(err.error))}</pre>
</div>
{figures}<h2>Provenance</h2>
{_provenance_html(record)}"""
    return _page_html(f"{title} (failed)", body)


def _index_html(entries: list[tuple[str, str, str, NotebookError | None]], record: dict, changed: bool = False) -> str:
    """The index: a link per page with its summary (or, for a notebook that failed, where and why), and the provenance."""
    items = []
    for href, title, summary, error in entries:
        link = f'<a href="{html.escape(href)}">{html.escape(title)}</a>'
        if error is None:
            items.append(f"<li>{link}" + (f"<p>{html.escape(summary)}</p>" if summary else "") + "</li>")
        else:
            items.append(f'<li class="failed">{link} <strong>(failed: not rendered)</strong>'
                         f"<p>{html.escape(visible(error.notebook))} failed {_failed_where(error)}: "
                         f"<code>{html.escape(visible(error.error))}</code></p></li>")
    failed = [error.notebook for *_, error in entries if error is not None]
    prov = _provenance_html(record)
    if changed:
        prov = ("<p><strong>The corpus files changed while this report was built.</strong> Every page shows "
                "them as they were read at its start (the SHA-256 below); build the report again to see the "
                "new files.</p>\n" + prov)
    heading = "Arabic media-framing report" + (" (incomplete)" if failed else "")
    banner = (f'<div class="failed"><p><strong>Incomplete report: {len(failed)} of {len(entries)} notebooks failed '
              f"({html.escape(', '.join(map(visible, failed)))}).</strong> Their pages say where and why and show "
              "none of their results; the other pages are complete. Fix the cause and build the report again.</p>"
              "</div>\n" if failed else "")
    body = f"""<h1>{heading}</h1>
{banner}<p>Each page below is a notebook of the <code>analysis</code> package, executed on the corpus described
under Provenance. Figures are also saved as PNG and SVG, each with the data it shows as CSV, in <a href="figures/">figures/</a>.</p>
<h2>Notebooks</h2>
<ol>
{chr(10).join(items)}
</ol>
<h2>Provenance</h2>
{prov}"""
    return _page_html(heading, body)


def build_report(
    corpus: str | os.PathLike | None = None,
    out: str | os.PathLike = "report",
    lexicon: str | os.PathLike = "international-news",
    notebooks: list[str | os.PathLike] | None = None,
    kernel_name: str | None = None,
    *,
    parameters: dict | None = None,
    load_options: dict | None = None,
    progress: bool | None = None,
    cache: bool | str | os.PathLike = True,
    check: Callable | None = None,
) -> Path:
    """Execute every notebook on a corpus and write a standalone HTML report.

    The corpus is loaded once (through the corpus cache unless ``cache=False``) and
    written to a snapshot file (:func:`analysis.corpus.write_snapshot`) that every
    notebook reads, so that all pages describe the same documents even if the files
    change during the run; a change is detected afterwards, reported on stderr and
    stated on the index page. Each notebook runs headlessly (papermill) in a fresh kernel, two at a time; its
    figures go to ``out/figures`` and the executed notebook is rendered to
    ``out/<notebook>.html`` with images embedded. ``out/index.html`` links them,
    with their titles and the provenance (corpus, lexicon and its SHA-256,
    normalization options, package version).

    The report is built in a hidden folder beside ``out`` and swapped in for it only
    when every notebook has run (:func:`analysis.outputs.replace_folder`): an
    interrupted or concurrent run, or one in which every notebook failed, leaves the
    previous report whole, and a second run into the same folder is refused while one
    is under way. When some notebooks fail and the others render, the report is still
    written and swapped in, replacing the previous one, and marked incomplete: each
    failed notebook gets a page naming the cell and the error (and the figures it
    saved before failing), the index's title and a banner say which notebooks failed,
    and :class:`IncompleteReportError` is raised once the report is in place. ``out`` may not be an
    input, lie inside the corpus folder or hold an input, and an existing ``out`` must
    be a report folder (or empty): it is replaced as a whole.

    Parameters
    ----------
    corpus : file or folder to analyse (None: the bundled demo corpus).
    out : output folder, created if missing.
    lexicon : bundled lexicon name or YAML path.
    notebooks : notebooks to run (default: :func:`notebook_paths`).
    kernel_name : an installed Jupyter kernel to run them on. By default a kernel is
        started on the running interpreter, whatever kernel specs are installed.
    parameters : further papermill parameters for every notebook (``by``,
        ``date_from``, ``date_to``, ``top_n``, ``seed``).
    load_options : options of :func:`analysis.corpus.load_corpus` for reading the
        corpus (``text``, ``source``, ``date``, ``encoding``, ``default_source``, …).
    progress : report each finished notebook on stderr (default: when stderr is a terminal).
    cache : the ``cache`` option of :func:`analysis.corpus.load_corpus` for the one load
        (``load_options["cache"]`` wins when given).
    check : a function (picklable: it runs in the loading process) called with the
        loaded corpus before any notebook starts; an exception it raises stops the
        report and reaches the caller (the command line checks the corpus this way).

    Returns
    -------
    Path
        ``out/index.html``.

    Raises
    ------
    ReportError
        When the corpus or lexicon cannot be found or read, when there are no
        notebooks, when ``out`` would destroy an input or a folder of other files, or
        when another run is writing into ``out``.
    IncompleteReportError
        When some notebooks failed and the report of the others was written (at
        ``out/index.html``, marked incomplete); the message names every failure and
        where the report is.
    NotebookError
        When every notebook fails (no report is written); the message names the
        notebook, the failing cell (position and first line) and the error.
    """
    from analysis.lexicon import load_lexicon

    if corpus is not None and not Path(corpus).exists():
        raise ReportError(f"{corpus}: no such file or folder")  # as load_corpus says it
    try:
        lex = load_lexicon(lexicon)
    except (OSError, ValueError) as err:
        raise ReportError(str(err).strip("'\"")) from None
    paths = [Path(p) for p in notebooks] if notebooks is not None else notebook_paths()
    if not paths:
        raise ReportError("no notebooks to run")
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise ReportError(f"notebook(s) not found: {', '.join(missing)}")
    if kernel_name is not None:
        from jupyter_client.kernelspec import KernelSpecManager

        installed = KernelSpecManager().find_kernel_specs()
        if kernel_name not in installed:
            raise ReportError(f"no Jupyter kernel named {kernel_name!r}; installed: {', '.join(sorted(installed))}")
    try:
        check_outputs({"the report folder": out},
                      {"the corpus": DEMO_CORPUS if corpus is None else corpus, "the lexicon": lex.path})
    except ValueError as err:
        raise ReportError(str(err)) from None
    out = Path(out).resolve()
    try:
        with replace_folder(out) as staging:
            failures = _build(staging, corpus, lex, paths, kernel_name, parameters, load_options, progress, shown=out,
                              cache=cache, check=check)
    except OSError as err:
        raise ReportError(str(err)) from None
    if failures:
        raise IncompleteReportError(failures, out / "index.html", len(paths) - len(failures))
    return out / "index.html"


def _build(out: Path, corpus, lex, paths: list[Path], kernel_name: str | None, parameters: dict | None,
           load_options: dict | None, progress: bool | None, shown: Path, cache, check=None) -> list[NotebookError]:
    """Run the notebooks with their figures in ``out/figures``, then write their pages and the index into ``out``.

    The pages show ``shown``, the folder ``out`` becomes, wherever they name ``out``. A
    notebook that fails gets an error page; the failures are returned. When every
    notebook fails there is nothing to show: the first failure is raised, naming the others.
    """
    from analysis.corpus import CorpusError

    figures = out / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    bundled = Path(lex.path).resolve().parent == LEXICON_DIR.resolve()
    lexicon_arg = Path(lex.path).stem if bundled else str(Path(lex.path).resolve())
    show = sys.stderr.isatty() if progress is None else progress
    options = dict(load_options or {})
    cache = options.pop("cache", cache)
    with tempfile.TemporaryDirectory(prefix="arabic-framing-report-") as scratch:
        try:
            root, snapshot = _snapshot(corpus, Path(scratch), cache, options, check)
        except CorpusError as err:
            raise ReportError(str(err)) from None
        # load_options travel for the record: the notebooks read the snapshot, already loaded with them.
        params = {**(parameters or {}), "corpus": str(snapshot.path), "load_options": options,
                  "lexicon": lexicon_arg, "out_dir": str(figures)}
        # Pages show the corpus asked for, not the temporary snapshot read in its place,
        # and the folder the report becomes, not the one it is built in.
        displayed = {str(snapshot.path): str(root) if corpus is not None else None, str(figures): str(shown / "figures")}
        results = _run_notebooks(paths, params, kernel_name, show, displayed)
    changed = input_files(root)
    changed = fingerprint(changed) != snapshot.fingerprint
    if changed:
        print(f"warning: the corpus {root} changed while the report was built; every page shows the files "
              "as they were read at its start", file=sys.stderr)
    failures = [error for *_, error in results if error is not None]
    if failures and len(failures) == len(results):
        first = failures[0]
        if len(failures) > 1:
            others = ", ".join(f.notebook for f in failures[1:])
            raise NotebookError(first.notebook, first.cell, first.line, f"{first.error} (also failed: {others})")
        raise first

    for path, (*_, found, _error) in zip(paths, results):
        if found and found.get("corpus_sha256") != snapshot.fingerprint:
            raise ReportError(f"notebook {path.name} did not read the report's snapshot of the corpus "
                              f"(its provenance names files {found.get('corpus_sha256', '')[:12] or 'unknown'}, "
                              f"the snapshot {snapshot.fingerprint[:12]})")
    record = next((found for *_, found, _error in results if found), {})
    entries = []
    for path, (title, summary, page, _found, error) in zip(paths, results):
        if error is not None:  # figures are named after their notebook's number: 03_frame_rates.png
            number = re.match(r"\d\d_", path.name)
            saved = sorted(f.name for f in figures.iterdir() if f.name.startswith(number.group())) if number else []
            page = _error_html(error, title, record, saved)
        write_atomic(out / f"{path.stem}.html", page)
        entries.append((f"{path.stem}.html", title, summary, error))
    write_atomic(out / "index.html", _index_html(entries, record, changed))
    return failures


@dataclasses.dataclass(frozen=True)
class _Snapshot:
    path: Path
    fingerprint: str


def _snapshot(corpus, folder: Path, cache, options: dict, check=None) -> tuple[Path, _Snapshot]:
    """Load the corpus once and write it where every notebook reads it.

    The load runs in a process of its own, which returns its memory when it ends:
    the report's process never holds the documents while the kernels run.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from analysis.paths import DEMO_CORPUS

    root = Path(corpus).resolve() if corpus is not None else DEMO_CORPUS
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as loader:
        path, digest = loader.submit(_write_snapshot, root if corpus is not None else None,
                                     folder / f"corpus{SNAPSHOT_SUFFIX}", cache, options, check).result()
    return root, _Snapshot(path, digest)


def _write_snapshot(corpus: Path | None, path: Path, cache, options: dict, check=None) -> tuple[Path, str]:
    from analysis.corpus import load_corpus, write_snapshot
    from analysis.corpus.cache import with_token_ids

    loaded = load_corpus(corpus, progress=False, cache=cache, token_ids=True, **options)
    if check is not None:
        check(loaded)
    loaded = with_token_ids(loaded)  # (without the cache) stored with the snapshot: no notebook tokenizes again
    return write_snapshot(loaded, path), loaded.report.fingerprint


def _run_notebooks(paths: list[Path], params: dict, kernel_name: str | None, show: bool, shown: dict) -> list:
    """Each notebook's (title, summary, page, provenance, None), or (title, summary, None, {}, its NotebookError), in order.

    ``shown`` maps parameter values to what the pages display in their place.
    """
    import nbformat

    def run(path: Path):
        """Execute and render one notebook (rendering overlaps the other kernel's work)."""
        start = time.perf_counter()
        try:
            original, executed = _execute(path, params, kernel_name, shown)
        except NotebookError as err:
            original = nbformat.read(path, as_version=4)
            if show:
                print(f"{visible(path.name)} failed after {time.perf_counter() - start:.1f} s", file=sys.stderr)
            return _title(original) or path.stem, _summary(original), None, {}, err
        title = _title(original) or path.stem
        page = _render(executed, title)
        if show:
            print(f"ran {path.name} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        return title, _summary(original), page, _provenance_of(executed), None

    with ThreadPoolExecutor(max_workers=min(WORKERS, len(paths))) as pool:
        return list(pool.map(run, paths))

