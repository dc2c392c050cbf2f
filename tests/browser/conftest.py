"""Fixtures for the browser tests: one JupyterLab server per session.

The Chromium they drive is the session-wide `chromium` fixture of tests/conftest.py.

The server shows a temporary copy of notebooks/ with outputs cleared, so the
repository is never modified. The tests share one JupyterLab page, whose
requests are guarded: any request that leaves 127.0.0.1 is aborted, and the
test during which it happened fails at teardown.
"""

import shutil
from pathlib import Path

import pytest

from tests.browser.browser_harness import (
    ARTIFACT_DIR,
    CHROMIUM_PATH,
    NOTEBOOK_DIR,
    JupyterLab,
    copy_cleared_notebook,
    notebook_session,
    open_guarded_page,
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
    browser_dir = Path(__file__).parent
    for item in items:
        if browser_dir not in Path(item.fspath).parents:
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
    """Server root: a copy of notebooks/ with every notebook's outputs cleared."""
    root = browser_workdir / "root"
    shutil.copytree(NOTEBOOK_DIR, root,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    for notebook in root.rglob("*.ipynb"):
        copy_cleared_notebook(notebook, notebook)
    return root


@pytest.fixture(scope="session")
def jupyterlab(browser_workdir, server_root):
    """A running JupyterLab server, stopped at the end of the session."""
    lab = JupyterLab(server_root, browser_workdir / "server")
    lab.start()
    yield lab
    lab.stop()


@pytest.fixture(scope="session")
def lab_page(chromium, jupyterlab):
    """One page with JupyterLab loaded, shared by every test to save its load time."""
    page = open_guarded_page(chromium, jupyterlab)
    yield page
    page.context.close()


@pytest.fixture
def browser_page(lab_page, jupyterlab):
    """The shared JupyterLab page; documents and kernels close after the test."""
    with notebook_session(lab_page, jupyterlab) as page:
        yield page


@pytest.fixture(scope="session")
def artifact_dir():
    """Folder for screenshots, git-ignored."""
    ARTIFACT_DIR.mkdir(exist_ok=True)
    return ARTIFACT_DIR
