"""Fixtures for the browser tests: one JupyterLab server and one Chromium per session.

The server shows a temporary copy of notebooks/ with outputs cleared, so the
repository is never modified. Each test gets its own browser context whose
requests are guarded: any request that leaves 127.0.0.1 is aborted, and the
test fails at teardown if there was one.
"""

import os
from pathlib import Path

import pytest

from browser_harness import (
    ARTIFACT_DIR,
    CHROMIUM_ARGS,
    CHROMIUM_PATH,
    NOTEBOOK_DIR,
    JupyterLab,
    RequestGuard,
    copy_cleared_notebook,
)


def pytest_addoption(parser):
    parser.addoption(
        "--benchmark-browser",
        action="store_true",
        default=False,
        help="run the browser benchmark that measures the time from Enter in a "
        "kernel box to the updated views, and print its median in ms",
    )


def pytest_collection_modifyitems(config, items):
    benchmark = config.getoption("benchmark_browser", default=False)
    here = Path(__file__).parent
    for item in items:
        if here not in Path(item.fspath).parents:
            continue
        item.add_marker(pytest.mark.browser)
        if "benchmark" in item.keywords and not benchmark:
            item.add_marker(pytest.mark.skip(
                reason="benchmark: run with `pytest tests/browser --benchmark-browser`"
            ))


@pytest.fixture(scope="session")
def browser_workdir(tmp_path_factory):
    """Temporary folder for the server's settings, the profile and notebooks."""
    if not CHROMIUM_PATH.exists():
        pytest.skip(
            f"Chromium is missing at {CHROMIUM_PATH}: install it with "
            "`apt-get install chromium` to run the browser tests"
        )
    return tmp_path_factory.mktemp("browser")


@pytest.fixture(scope="session")
def server_root(browser_workdir):
    """Server root: cleared copies of notebooks/*.ipynb and the files beside them."""
    root = browser_workdir / "root"
    root.mkdir()
    for source in sorted(NOTEBOOK_DIR.glob("*.ipynb")):
        copy_cleared_notebook(source, root / source.name)
    return root


@pytest.fixture(scope="session")
def jupyterlab(browser_workdir, server_root):
    """A running JupyterLab server, stopped at the end of the session."""
    lab = JupyterLab(server_root, browser_workdir / "server")
    lab.start()
    yield lab
    lab.stop()


@pytest.fixture(scope="session")
def chromium(browser_workdir):
    """Debian's Chromium, launched once per session through Playwright."""
    from playwright.sync_api import sync_playwright

    profile = browser_workdir / "chromium"
    folders = {
        "HOME": profile / "home",
        "XDG_CONFIG_HOME": profile / "config",
        "XDG_CACHE_HOME": profile / "cache",
    }
    env = dict(os.environ)
    for name, folder in folders.items():
        folder.mkdir(parents=True, exist_ok=True)
        env[name] = str(folder)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM_PATH),
            args=CHROMIUM_ARGS,
            env=env,
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium, jupyterlab):
    """A fresh page whose requests are guarded; kernels stop after the test."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    guard = RequestGuard().attach(context)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.request_guard = guard
    yield page
    context.close()
    jupyterlab.shutdown_kernels()
    assert guard.blocked == [], (
        f"requests outside 127.0.0.1 were aborted: {guard.blocked}"
    )


@pytest.fixture(scope="session")
def artifact_dir():
    """Folder for screenshots, git-ignored."""
    ARTIFACT_DIR.mkdir(exist_ok=True)
    return ARTIFACT_DIR
