"""Arabic media-framing analysis: load a corpus, normalize and tokenize Arabic, count
terms and frames, compare outlets, draw Arabic-correct charts.

Submodules are imported on use (``from analysis.corpus import load_corpus``) so that
``import analysis`` and the command line start quickly.
"""

from importlib.metadata import PackageNotFoundError, version

try:  # pyproject.toml is the one place the version is written
    __version__ = version("arabic-framing")
except PackageNotFoundError:  # a source tree on sys.path that was never installed
    __version__ = "0+unknown"
