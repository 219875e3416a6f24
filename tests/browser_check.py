"""Read the layout of rendered HTML in a real browser: where each piece of a mixed-direction text is drawn.

The browser is the system's Chromium (Debian: ``apt-get install chromium``, which
``.ci/run`` installs), driven headless by Playwright at that executable: Playwright's
own browser builds are never downloaded. :func:`chromium_unavailable` says why it
cannot run, so that tests skip with the reason (or fail in CI).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser")

# For each (element, piece) the left edge, in CSS pixels, of the first rectangle of the
# piece's first occurrence in the element's rendered text; null where it is not found.
_POSITIONS_JS = """([selector, pieces]) => {
  const element = document.querySelector(selector);
  if (!element) return null;
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const nodes = []; let text = '';
  for (let node = walker.nextNode(); node; node = walker.nextNode()) { nodes.push([node, text.length]); text += node.data; }
  const at = (offset) => { for (let i = nodes.length - 1; i >= 0; i--) if (nodes[i][1] <= offset) return [nodes[i][0], offset - nodes[i][1]]; };
  return pieces.map((piece) => {
    const start = text.indexOf(piece);
    if (start < 0) return null;
    const range = document.createRange();
    const [startNode, startOffset] = at(start), [endNode, endOffset] = at(start + piece.length - 1);
    range.setStart(startNode, startOffset); range.setEnd(endNode, endOffset + 1);
    const rect = range.getClientRects()[0];
    return {left: rect.left, right: rect.right, top: rect.top};
  });
}"""


def chromium_path() -> str | None:
    """The system's Chromium executable, or None."""
    return next(filter(None, map(shutil.which, CHROMIUM_NAMES)), None)


def chromium_unavailable() -> str | None:
    """Why the browser checks cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    if chromium_path() is None:
        return "no chromium executable on PATH (Debian: apt-get install chromium; .ci/run installs it)"
    return None


class Browser:
    """A headless Chromium page that loads HTML and reports where text pieces are drawn."""

    def __init__(self):
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        # --no-sandbox: CI and developers run as root, where Chromium's sandbox refuses to start.
        self._browser = self._playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        self.page = self._browser.new_page(viewport={"width": 1280, "height": 900})

    def load(self, source: str | os.PathLike) -> None:
        """Show an HTML file (a path) or markup (a string)."""
        if isinstance(source, Path):
            self.page.goto(source.resolve().as_uri())
        else:
            self.page.set_content(source)

    def positions(self, selector: str, pieces: list[str]) -> list[dict | None]:
        """Where each piece of the rendered text of the first element matching ``selector`` is drawn."""
        return self.page.evaluate(_POSITIONS_JS, [selector, pieces])

    def close(self) -> None:
        self._browser.close()
        self._playwright.stop()


def reads_left_to_right(positions: list[dict | None]) -> bool:
    """Whether pieces found on one line are drawn from left to right in their logical order."""
    lefts = [p["left"] for p in positions if p is not None]
    return len(lefts) == len(positions) and lefts == sorted(lefts) and len(set(lefts)) == len(lefts)


def reads_right_to_left(positions: list[dict | None]) -> bool:
    """Whether pieces found on one line are drawn from right to left in their logical order."""
    rights = [p["right"] for p in positions if p is not None]
    return len(rights) == len(positions) and rights == sorted(rights, reverse=True) and len(set(rights)) == len(rights)
