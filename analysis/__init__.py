"""Arabic media-framing analysis: load a corpus, normalize and tokenize Arabic, count
terms and frames, compare outlets, draw Arabic-correct charts.

Submodules are imported on use (``from analysis.corpus import load_corpus``) so that
``import analysis`` and the command line start quickly.
"""

__version__ = "0.1.0"
