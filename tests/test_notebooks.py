"""The committed notebooks: stripped of outputs, thin, parameterized alike, runnable under the project's kernel."""

import ast
import os
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from analysis.paths import NOTEBOOK_DIR, PROJECT_ROOT
from analysis.report import notebook_paths

NOTEBOOKS = notebook_paths()
EXPECTED = ["01_corpus_overview", "02_term_frequencies", "03_framing", "04_source_comparison", "05_over_time"]
PARAMETERS = {"corpus", "lexicon", "by", "date_from", "date_to", "select", "out_dir", "top_n", "seed"}


def _read(path):
    return nbformat.read(path, as_version=4)


def _code(cell) -> ast.Module:
    """A code cell parsed as Python (IPython magics turned into calls first)."""
    return ast.parse(TransformerManager().transform_cell(cell.source))


def _code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def test_the_five_notebooks_are_there_in_order():
    assert [path.stem for path in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_valid_and_committed_without_outputs(path):
    nb = _read(path)
    nbformat.validate(nb)
    for index, cell in enumerate(_code_cells(nb)):
        assert cell.outputs == [], f"{path.name}: code cell {index} has outputs; strip them (notebooks/README.md)"
        assert cell.execution_count is None, f"{path.name}: code cell {index} has an execution count"
    for cell in nb.cells:
        assert set(cell.metadata) <= {"tags"}, f"{path.name}: cell {cell.id} carries metadata {dict(cell.metadata)}"


def test_nbstripout_would_leave_the_notebooks_unchanged():
    nbstripout = shutil.which("nbstripout", path=str(PROJECT_ROOT / ".venv" / "bin")) or shutil.which("nbstripout")
    if nbstripout is None:
        pytest.skip("nbstripout is not installed (make install)")
    result = subprocess.run([nbstripout, "--keep-id", "--verify", *map(str, NOTEBOOKS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_on_the_projects_kernel(path):
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    kernel = re.search(r"^KERNEL\s*:?=\s*(\S+)", makefile, re.M).group(1)
    spec = _read(path).metadata["kernelspec"]
    assert spec["name"] == kernel
    assert spec["language"] == "python"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_opens_with_a_title_then_imports_then_parameters_then_provenance(path):
    nb = _read(path)
    number = int(path.stem[:2])
    assert nb.cells[0].cell_type == "markdown"
    assert nb.cells[0].source.startswith(f"# {number}. "), "the first cell is the numbered title"
    imports, parameters, load = _code_cells(nb)[:3]
    assert all(isinstance(node, (ast.Import, ast.ImportFrom)) for node in _code(imports).body), \
        "the first code cell holds the imports only"
    assert parameters.metadata.get("tags") == ["parameters"]
    assigned = {node.targets[0].id for node in _code(parameters).body if isinstance(node, ast.Assign)}
    assert PARAMETERS <= assigned
    assert all(isinstance(node, ast.Assign) for node in _code(parameters).body)
    last = _code(load).body[-1]
    assert isinstance(last, ast.Expr) and last.value.func.id == "provenance", "the load cell shows the provenance"


def test_only_one_cell_is_tagged_parameters():
    for path in NOTEBOOKS:
        tagged = [cell for cell in _read(path).cells if "parameters" in cell.metadata.get("tags", [])]
        assert len(tagged) == 1, path.name


def test_parameter_defaults_are_the_same_in_every_notebook():
    defaults = []
    for path in NOTEBOOKS:
        cell = next(cell for cell in _read(path).cells if "parameters" in cell.metadata.get("tags", []))
        values = {node.targets[0].id: ast.unparse(node.value) for node in _code(cell).body}
        defaults.append({name: values[name] for name in PARAMETERS})
    assert all(d == defaults[0] for d in defaults)
    assert defaults[0]["corpus"] == "None" and defaults[0]["lexicon"] == "'international-news'"
    assert defaults[0]["out_dir"] == "FIGURE_DIR"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_thin(path):
    """No functions, classes or imports outside the imports cell: the logic lives in analysis/."""
    for index, cell in enumerate(_code_cells(_read(path))[1:], 2):
        for node in ast.walk(_code(cell)):
            assert not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)), \
                f"{path.name}: code cell {index} defines {node.name}; move it to analysis/"
            assert not isinstance(node, (ast.Import, ast.ImportFrom)), \
                f"{path.name}: code cell {index} imports; keep imports in the first code cell"


def test_figure_names_are_unique_and_carry_the_notebook_number():
    """Notebooks run in parallel into one folder: their figures must never collide."""
    names = []
    for path in NOTEBOOKS:
        for cell in _code_cells(_read(path)):
            for node in ast.walk(_code(cell)):
                if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("figure_image", "save_figure"):
                    name = node.args[1].value
                    assert name.startswith(path.stem[:3]), f"{path.name}: figure {name!r}"
                    names.append(name)
    assert len(names) == len(set(names)) >= len(NOTEBOOKS)


def test_readme_lists_every_notebook_and_explains_stripping():
    readme = (NOTEBOOK_DIR / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert path.name in readme
    assert "nbstripout --install" in readme


def test_notebooks_import_only_the_analysis_package_and_ipython():
    for path in NOTEBOOKS:
        imports = _code(_code_cells(_read(path))[0])
        modules = {node.module.split(".")[0] for node in imports.body if isinstance(node, ast.ImportFrom)}
        assert modules <= {"analysis", "IPython"}, f"{path.name}: {modules}"


def test_notebooks_import_what_exists():
    """Every name a notebook imports exists (a renamed function fails here, not in a 2-minute report)."""
    code = "\n".join(_code_cells(_read(path))[0].source for path in NOTEBOOKS)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert result.returncode == 0, result.stderr


def test_make_lab_runs_as_root_and_passes_extra_arguments():
    """Regression: `make lab` failed as root (Jupyter refuses root without --allow-root)."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    # --no-print-directory: under `make test` this make is a sub-make, which would print "Leaving directory".
    result = subprocess.run([make, "-n", "--no-print-directory", "-o", ".venv/.installed", "lab",
                             "ARGS=--no-browser --port=8899"],
                            capture_output=True, text=True, cwd=PROJECT_ROOT)
    command = result.stdout.strip().splitlines()[-1].split()
    assert command[:3] == [".venv/bin/jupyter", "lab", "notebooks/"]
    assert ("--allow-root" in command) == (os.getuid() == 0)
    assert command[-2:] == ["--no-browser", "--port=8899"]
