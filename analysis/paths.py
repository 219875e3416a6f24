"""Every path the project uses, derived from the package and project root."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
#: True in a source checkout (editable install or tests), False when installed from a wheel.
SOURCE_CHECKOUT = (PROJECT_ROOT / "pyproject.toml").is_file()
DEMO_CORPUS = PACKAGE_DIR / "data" / "demo"
LEXICON_DIR = PACKAGE_DIR / "lexicons"
# notebooks/ in a checkout; analysis/notebooks (a link to it) is what a wheel ships.
NOTEBOOK_DIR = PACKAGE_DIR / "notebooks" if (PACKAGE_DIR / "notebooks").is_dir() else PROJECT_ROOT / "notebooks"
# Outputs never go inside an installed package: figures/ of the checkout, else of the working directory.
FIGURE_DIR = (PROJECT_ROOT if SOURCE_CHECKOUT else Path.cwd()) / "figures"
SHARED_DIR = PROJECT_ROOT.parent / "shared"
SAUDINEWSNET = SHARED_DIR / "corpora" / "saudinewsnet"
SEED_ARTICLE = SHARED_DIR / "seeds" / "000_fcf806010313accb.txt"
