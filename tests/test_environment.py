"""environment.yml (conda) and pyproject.toml (pip) declare the same dependencies and ranges."""

import re
import pytest

tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from Python 3.11")

import yaml

from analysis.paths import PROJECT_ROOT

# Conda-only entries with no pip counterpart: the interpreter, pip itself, and system tools.
CONDA_ONLY = {"python", "pip", "tesseract"}
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*(.*?)\s*(?:#.*)?$")


def _parse(requirement: str) -> tuple[str, str]:
    name, spec = _REQUIREMENT.match(requirement).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    return dict(_parse(r) for r in requirements)


def conda_requirements() -> dict[str, str]:
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    entries = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            entries += [d for d in dep["pip"] if not d.startswith("-e")]
        else:
            entries.append(dep)
    parsed = dict(_parse(d) for d in entries)
    return {name: spec for name, spec in parsed.items() if name not in CONDA_ONLY}


def test_environment_yml_lists_the_same_packages_and_ranges_as_pyproject():
    assert conda_requirements() == pyproject_requirements()


def test_environment_yml_uses_conda_forge_and_installs_the_package():
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip
