"""Every notebook in notebooks/ runs in JupyterLab without errors or broken widgets."""

import pytest

from tests.browser.browser_harness import NOTEBOOK_DIR, NotebookPage

NOTEBOOK_NAMES = sorted(path.name for path in NOTEBOOK_DIR.glob("*.ipynb"))


def screenshot_target(notebook):
    """Return the notebook's interactive panel, last widget or last output."""
    panel = notebook.panel
    for selector in (
        ".rotconv-panel",
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.widget-view+json']",
        ".jp-OutputArea-output",
    ):
        found = panel.locator(selector)
        if found.count():
            return found.last
    return panel


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_notebook_runs_clean(browser_page, jupyterlab, artifact_dir, name):
    notebook = NotebookPage(browser_page, jupyterlab, name).open()
    notebook.run_all_cells()
    cells = notebook.wait_until_executed(timeout=180)

    errors = notebook.unexpected_errors(cells)
    widget_problems = notebook.widget_problems()
    notebook.screenshot(
        screenshot_target(notebook), artifact_dir / f"{name.removesuffix('.ipynb')}.png"
    )

    assert errors == [], f"{name}: cells show errors"
    assert widget_problems == [], f"{name}: widgets did not render"
