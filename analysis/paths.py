"""Every path the project uses, derived from the package and project root."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
DEMO_CORPUS = PACKAGE_DIR / "data" / "demo"
LEXICON_DIR = PACKAGE_DIR / "lexicons"
NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
FIGURE_DIR = PROJECT_ROOT / "figures"
SHARED_DIR = PROJECT_ROOT.parent / "shared"
SAUDINEWSNET = SHARED_DIR / "corpora" / "saudinewsnet"
SEED_ARTICLE = SHARED_DIR / "seeds" / "000_fcf806010313accb.txt"
