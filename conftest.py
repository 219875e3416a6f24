"""Test-session setup for the tests and the doctests alike: the corpus cache lives in a fresh temporary folder."""

import os
import tempfile

# Set before any test runs, so that notebooks' kernels and CLI subprocesses inherit it too:
# results never depend on what a developer's own cache holds.
os.environ["ARABIC_FRAMING_CACHE"] = tempfile.mkdtemp(prefix="arabic-framing-cache-")
