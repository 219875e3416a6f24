"""``python -m analysis``: see :mod:`analysis.cli`."""

import sys

from analysis.cli import main

if __name__ == "__main__":  # not when a spawned worker imports this module as its parent's main
    sys.exit(main())
