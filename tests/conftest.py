"""Shared fixtures: the seed article and SaudiNewsNet from ../shared, skipped with a reason where absent."""

import pytest

from analysis.paths import SAUDINEWSNET, SEED_ARTICLE


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The seed article (Arabic, US–Russia talks), read as UTF-8."""
    if not SEED_ARTICLE.exists():
        pytest.skip(f"seed article not found at {SEED_ARTICLE} (../shared is absent)")
    return SEED_ARTICLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def saudinewsnet_dir():
    """The SaudiNewsNet folder of daily zips."""
    if not SAUDINEWSNET.exists():
        pytest.skip(f"SaudiNewsNet not found at {SAUDINEWSNET} (../shared is absent)")
    return SAUDINEWSNET


@pytest.fixture(scope="session")
def saudinewsnet(saudinewsnet_dir):
    """The whole SaudiNewsNet corpus, loaded once per test session."""
    from analysis.corpus import load_corpus

    return load_corpus(saudinewsnet_dir, progress=False)


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium page (tests/browser_check.py); skipped with the reason where absent, failed in CI."""
    import os

    import browser_check

    reason = browser_check.chromium_unavailable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser test cannot run in CI: {reason}")
        pytest.skip(reason)
    driver = browser_check.Browser()
    yield driver
    driver.close()
