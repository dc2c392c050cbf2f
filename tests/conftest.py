"""Fixtures shared by the browser tests and the slide-deck tests.

Playwright's sync API allows one running instance per thread, so every test that
needs Chromium uses the one session-wide browser started here.
"""

import os

import pytest

from tests.browser.browser_harness import CHROMIUM_ARGS, CHROMIUM_PATH


@pytest.fixture(scope="session")
def chromium(tmp_path_factory):
    """Debian's Chromium, launched once per session, with its folders in a temporary place."""
    if not CHROMIUM_PATH.exists():
        pytest.skip(
            f"Chromium is missing at {CHROMIUM_PATH}: install it with "
            "`apt-get install chromium` to run the browser and slide tests"
        )
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium")
    env = dict(os.environ)
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        folder = profile / name.lower()
        folder.mkdir()
        env[name] = str(folder)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM_PATH),
            args=CHROMIUM_ARGS,
            env=env,
        )
        yield browser
        browser.close()
