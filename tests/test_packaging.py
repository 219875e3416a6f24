"""The package as users install it: metadata files, the version's single source, and a wheel that runs the report."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

import analysis
from analysis.paths import NOTEBOOK_DIR, PROJECT_ROOT

tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from Python 3.11")
jsonschema = pytest.importorskip("jsonschema")

SCHEMA = Path(__file__).parent / "data" / "citation-cff-1.2.0.schema.json"


def _project() -> dict:
    return tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_citation_cff_is_valid_against_the_cff_schema():
    citation = yaml.safe_load((PROJECT_ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(json.dumps(citation, default=str)), json.loads(SCHEMA.read_text(encoding="utf-8")))


def test_the_schema_check_rejects_a_citation_without_authors():
    citation = yaml.safe_load((PROJECT_ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    del citation["authors"]
    with pytest.raises(jsonschema.ValidationError, match="authors"):
        jsonschema.validate(json.loads(json.dumps(citation, default=str)), json.loads(SCHEMA.read_text(encoding="utf-8")))


def test_version_comes_from_the_package_metadata_and_citation_agrees():
    version = _project()["version"]
    assert analysis.__version__ == version
    citation = yaml.safe_load((PROJECT_ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert str(citation["version"]) == version
    assert version not in (PROJECT_ROOT / "analysis" / "__init__.py").read_text(encoding="utf-8")


def test_license_changelog_and_type_marker_exist_and_license_matches_pyproject():
    assert _project()["license"] == "MIT"
    assert (PROJECT_ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert "## [Unreleased]" in (PROJECT_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert (PROJECT_ROOT / "analysis" / "py.typed").is_file()


def test_every_declared_dependency_is_used():
    """A declared requirement that nothing imports is dead weight (pyahocorasick and pytesseract were)."""
    import_names = {"pyyaml": "yaml", "pillow": "PIL", "python-bidi": "bidi", "arabic-reshaper": "arabic_reshaper",
                    "scikit-learn": "sklearn", "stopwordsiso": "stopwordsiso", "dask": "dask"}
    # Run as programs or kernels, the engine papermill drives (pinned for it), what camel-tools (a test
    # oracle installed without its dependencies) imports, and the widgets tqdm.auto draws its notebook bar
    # with, and the pytest plugin `make test` runs the tests in parallel with: needed, though not imported by name here.
    not_imported = {"pytest-xdist", "jupyterlab", "ipykernel", "setuptools", "nbstripout", "nbclient", "emoji", "ipywidgets"}
    sources = [p.read_text(encoding="utf-8") for folder in ("analysis", "tests", "benchmarks", "docs")
               for p in (PROJECT_ROOT / folder).rglob("*.py")]
    sources += [p.read_text(encoding="utf-8") for p in NOTEBOOK_DIR.glob("*.ipynb")]
    text = "\n".join(sources)
    requirements = list(_project()["dependencies"]) + [r for extra in _project()["optional-dependencies"].values() for r in extra]
    for requirement in requirements:
        name = requirement.split(">")[0].split("<")[0].split("[")[0].split("=")[0].strip().lower()
        if name in not_imported:
            continue
        module = import_names.get(name, name.replace("-", "_"))
        assert any(f"{how}{module}" in text for how in ("import ", "from ", 'importorskip("')), \
            f"{name} is declared but never imported"


@pytest.mark.slow
def test_wheel_installed_in_a_fresh_venv_runs_the_report_outside_the_checkout(tmp_path):
    """Installed from a wheel (not editable) the report finds its notebooks and writes only under the working directory."""
    source = tmp_path / "source"  # built from a copy: setuptools leaves build/ and *.egg-info in the tree it builds
    shutil.copytree(PROJECT_ROOT, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".venv*", ".git", "build", "*.egg-info", "report", "__pycache__", ".pytest_cache", ".hypothesis"))
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(wheels)], check=True, capture_output=True, text=True, timeout=600)
    wheel = next(wheels.glob("arabic_framing-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--ignore-installed",
                    "-q", str(wheel)],
                   check=True, capture_output=True, text=True, timeout=600)
    # Then the dependencies come from the test environment (no downloads),
    # added after the install so that pip does not see the checkout's editable install.
    (site / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    installed = sorted(p.relative_to(site) for p in (site / "analysis").rglob("*"))
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")  # nbconvert's templates, borrowed like the dependencies
    where = subprocess.run([python, "-c", "import analysis, analysis.paths as p; print(analysis.__file__); print(p.NOTEBOOK_DIR)"],
                           cwd=work, env=env, capture_output=True, text=True)
    assert where.returncode == 0, where.stderr
    where = where.stdout.split("\n")
    assert where[0].startswith(str(site)) and where[1].startswith(str(site))
    result = subprocess.run([venv / "bin" / "arabic-framing", "report", "--out", "out"],
                            cwd=work, env=env, capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (work / "out" / "index.html").is_file()
    assert len(list((work / "out").glob("0*.html"))) == len(list(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb")))
    assert sorted(p.relative_to(site) for p in (site / "analysis").rglob("*") if "__pycache__" not in p.parts) == \
        [p for p in installed if "__pycache__" not in p.parts], "the report wrote into the installed package"
    assert not (PROJECT_ROOT / "out").exists()
