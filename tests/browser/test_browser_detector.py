"""The harness's detectors fail on broken widgets, errors and outside requests.

Each test runs a small notebook written into the server root, which is a
temporary folder, and checks that the detector reports what it must.
"""

import nbformat
import pytest

from tests.browser.browser_harness import WIDGET_VIEW_MIME, NotebookPage

IMPORT_CELL = "import ipywidgets as widgets\nimport traitlets"

# A view name that no widget module defines: ipywidgets 8 draws its error view.
BROKEN_VIEW_CELL = '''\
class BrokenSlider(widgets.IntSlider):
    _view_name = traitlets.Unicode("NoSuchSliderView").tag(sync=True)

BrokenSlider(value=2)'''

# A widget output that points at a model the kernel never created.
MISSING_MODEL_CELL = f'''\
display(
    {{"{WIDGET_VIEW_MIME}": {{
        "version_major": 2, "version_minor": 0, "model_id": "0" * 32}}}},
    raw=True,
)'''

WORKING_WIDGET_CELL = "widgets.IntSlider(value=3)"


def write_notebook(folder, name, sources, tags=None):
    """Write a notebook of code cells; ``tags`` maps a cell index to its tags."""
    tags = tags or {}
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python",
    }
    for index, source in enumerate(sources):
        cell = nbformat.v4.new_code_cell(source)
        if index in tags:
            cell.metadata["tags"] = tags[index]
        notebook.cells.append(cell)
    folder.mkdir(exist_ok=True)
    nbformat.write(notebook, folder / name)
    return f"{folder.name}/{name}"


@pytest.fixture
def scratch_dir(server_root):
    """Folder in the server root for notebooks written by these tests."""
    return server_root / "scratch"


def run_notebook(page, lab, path):
    notebook = NotebookPage(page, lab, path).open()
    notebook.run_all_cells()
    cells = notebook.wait_until_executed(timeout=120)
    return notebook, cells


def test_detector_broken_widgets(browser_page, jupyterlab, scratch_dir):
    path = write_notebook(scratch_dir, "broken_widgets.ipynb", [
        IMPORT_CELL, BROKEN_VIEW_CELL, MISSING_MODEL_CELL, WORKING_WIDGET_CELL,
    ])
    notebook, _ = run_notebook(browser_page, jupyterlab, path)

    problems = notebook.widget_problems(settle_timeout=10)
    broken_view = [line for line in problems if line.startswith("cell 1:")]
    missing_model = [line for line in problems if line.startswith("cell 2:")]
    working = [line for line in problems if line.startswith("cell 3:")]

    assert len(broken_view) == 1, problems
    assert "Error displaying widget" in broken_view[0]
    assert len(missing_model) == 1, problems
    assert "Error displaying widget" in missing_model[0]
    assert working == []


def test_detector_cell_errors(browser_page, jupyterlab, scratch_dir):
    path = write_notebook(
        scratch_dir,
        "cell_errors.ipynb",
        ["1 / 0", "x = 1", "raise ValueError('not tagged')"],
        tags={0: ["raises-exception"]},
    )
    notebook, cells = run_notebook(browser_page, jupyterlab, path)

    assert [cell["executionCount"] for cell in cells] == [1, 2, 3]
    assert notebook.unexpected_errors(cells) == ["cell 2: ValueError: not tagged"]


def test_detector_outside_request(browser_page, jupyterlab, scratch_dir):
    # 192.0.2.1 is a documentation address (RFC 5737) that is never routed.
    outside_url = "http://192.0.2.1/pixel.png"
    path = write_notebook(scratch_dir, "outside_request.ipynb", [
        f"from IPython.display import HTML\nHTML('<img src=\"{outside_url}\">')",
    ])
    run_notebook(browser_page, jupyterlab, path)
    guard = browser_page.request_guard
    browser_page.wait_for_timeout(500)
    blocked = list(guard.blocked)
    # The guard did its job; clear it so the fixture's teardown check passes.
    guard.blocked.clear()

    # Chromium may request the image more than once.
    assert set(blocked) == {outside_url}
