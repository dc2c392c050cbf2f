"""Live slideshow in JupyterLab: the kernel panel of notebook 03 works as a slide.

jupyterlab-slideshow presents the open notebook itself, so its widgets talk to
the running kernel. The test starts the slideshow at the title, moves forward
slide by slide to the kernel panel, types a new k11 and checks that the δP
views show the full convolution of the example δC with the new kernel.
"""

import time

import numpy as np
import pytest

import rotconv_helpers as rh
from tests.browser.browser_harness import NotebookPage

NOTEBOOK = "03_rotated_full_convolution.ipynb"
SLIDE_VIEWPORT = {"width": 1280, "height": 720}
PRESENTING = "body[data-jp-deck-mode='presenting']"
# Seconds to wait for one slide change and for the views after an edit.
SLIDE_TIMEOUT = 1.0
UPDATE_TIMEOUT = 10.0


def run_command(page, command):
    # The command's promise is not returned, because an awaited evaluate has
    # no timeout.
    page.evaluate("(command) => { window.jupyterapp.commands.execute(command); }", command)


def read_values(locator):
    return [float(cell.get_attribute("data-value")) for cell in locator.all()]


def wait_for_values(locator, expected, timeout=UPDATE_TIMEOUT, poll=0.1):
    """Return the data-value numbers of ``locator`` once they equal ``expected``.

    Returns the last numbers read when ``timeout`` seconds pass first.
    """
    expected = np.ravel(expected).tolist()
    deadline = time.monotonic() + timeout
    values = read_values(locator)
    while values != pytest.approx(expected) and time.monotonic() < deadline:
        time.sleep(poll)
        values = read_values(locator)
    return values


def go_to_visible(page, locator, max_steps):
    """Press "next slide" until ``locator`` is visible; return the steps taken."""
    for step in range(max_steps + 1):
        deadline = time.monotonic() + SLIDE_TIMEOUT
        while time.monotonic() < deadline:
            if locator.is_visible():
                return step
            time.sleep(0.1)
        run_command(page, "deck:forward")
    raise AssertionError(
        f"{locator} was not shown after {max_steps} slides. jupyterlab-slideshow "
        "hides cells whose slide_type is '-': JupyterLab writes '' for it"
    )


def test_live_slideshow_kernel_edit(browser_page, jupyterlab, server_root, artifact_dir):
    if not (server_root / NOTEBOOK).exists():
        pytest.skip(f"notebooks/{NOTEBOOK} does not exist yet")
    page = browser_page
    page.set_viewport_size(SLIDE_VIEWPORT)
    notebook = NotebookPage(page, jupyterlab, NOTEBOOK).open()
    notebook.run_all_cells()
    cells = notebook.wait_until_executed()
    assert notebook.unexpected_errors(cells) == []
    assert notebook.widget_problems() == []

    # Start where a teacher starts: the title cell, in command mode.
    page.evaluate(
        "() => { const notebook = window.jupyterapp.shell.currentWidget.content;"
        " notebook.activeCellIndex = 0; notebook.mode = 'command'; }"
    )
    run_command(page, "deck:start")
    try:
        page.wait_for_selector(PRESENTING, state="attached")
        panel = notebook.panel.locator(".rotconv-panel")
        title = notebook.panel.locator(".jp-Cell").first
        assert title.is_visible()
        assert not panel.is_visible()

        steps = go_to_visible(page, panel, max_steps=len(cells))
        assert steps > 0
        assert not title.is_visible()

        full = panel.locator(".rotconv-delta-p-full [data-value]")
        chain = panel.locator(".rotconv-delta-p-chain [data-value]")
        formulas = panel.locator(".rotconv-formulas")
        start = rh.delta_p_full_conv(rh.EXAMPLE_DELTA_C, rh.EXAMPLE_K)
        assert read_values(full) == pytest.approx(start.ravel().tolist())
        formulas_before = formulas.inner_text()

        kernel = np.array(rh.EXAMPLE_K, dtype=float)
        kernel[0, 0] += 2
        box = panel.locator(".rotconv-k-11 input")
        box.fill(f"{kernel[0, 0]:g}")
        box.press("Enter")

        expected = rh.delta_p_full_conv(rh.EXAMPLE_DELTA_C, kernel)
        assert not np.allclose(expected, start)
        assert wait_for_values(full, expected) == pytest.approx(expected.ravel().tolist())
        assert wait_for_values(chain, expected) == pytest.approx(expected.ravel().tolist())
        assert formulas.inner_text() != formulas_before
        assert page.locator(PRESENTING).count() == 1
        page.screenshot(path=str(artifact_dir / "live-slideshow-03-after-edit.png"))
    finally:
        # jupyterlab-slideshow keeps presentation mode in its "active" setting,
        # and the server is shared with the other browser tests.
        run_command(page, "deck:stop")
        page.wait_for_selector(PRESENTING, state="detached")
