"""Checks on the stored notebook files that nbval itself does not make.

nbval silently skips a code cell stored without outputs and compares only what
was stored, so these tests make sure every cell was stored executed and that the
stored text is free of values that change from run to run. The last test proves
that nbval really compares outputs: it fails on a copy with one number changed.
"""

import copy
import json
import pathlib
import re
import subprocess
import sys

import nbformat
import pytest

NOTEBOOK_DIR = pathlib.Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
SLIDE_TYPES = {"slide", "subslide", "fragment", "skip", "notes", ""}
MEMORY_ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")
# Widget model ids are 32 hex digits (a uuid4 without dashes).
WIDGET_MODEL_ID = re.compile(r"\b[0-9a-f]{32}\b")
TEXT_MIME_TYPES = ("text/plain", "text/html", "text/latex", "text/markdown")
# Each nbval run starts a kernel and runs a whole notebook: about 15 s for
# 01_forward_pass.ipynb on a shared 2-core machine, far below this limit.
NBVAL_TIMEOUT_SECONDS = 300


def read_notebook(path):
    return nbformat.read(path, as_version=4)


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def output_texts(output):
    """List the text of one stored output: its stream text or its text MIME types."""
    if output.output_type == "stream":
        return [output.text]
    if output.output_type == "error":
        return ["\n".join(output.traceback)]
    data = output.get("data", {})
    texts = []
    for mime in TEXT_MIME_TYPES:
        value = data.get(mime, "")
        texts.append(value if isinstance(value, str) else "".join(value))
    return texts


def cell_label(notebook_path, index, cell):
    first_line = cell.source.splitlines()[0] if cell.source else ""
    return f"{notebook_path.name} cell {index}: {first_line!r}"


def test_notebooks_found():
    assert NOTEBOOKS, f"no notebooks found in {NOTEBOOK_DIR}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_kernelspec_python3(path):
    kernelspec = read_notebook(path).metadata.get("kernelspec", {})
    assert kernelspec.get("name") == "python3"
    assert kernelspec.get("language") == "python"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_code_cells_stored_executed(path):
    notebook = read_notebook(path)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        label = cell_label(path, index, cell)
        assert cell.execution_count is not None, f"{label} was never executed"
        assert "outputs" in cell, f"{label} has no outputs field"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_has_outputs(path):
    # A notebook saved after "Clear all outputs" leaves nbval nothing to compare.
    cells = code_cells(read_notebook(path))
    assert any(cell.outputs for cell in cells), f"{path.name} stores no outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_outputs_free_of_run_ids(path):
    notebook = read_notebook(path)
    for index, cell in enumerate(code_cells(notebook)):
        label = cell_label(path, index, cell)
        for output in cell.outputs:
            for text in output_texts(output):
                assert not MEMORY_ADDRESS.search(text), f"{label}: memory address in {text!r}"
                assert not WIDGET_MODEL_ID.search(text), f"{label}: widget model id in {text!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_errors_only_where_tagged(path):
    notebook = read_notebook(path)
    for index, cell in enumerate(code_cells(notebook)):
        tags = cell.metadata.get("tags", [])
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if "raises-exception" not in tags:
            assert not errors, f"{cell_label(path, index, cell)} stores an error"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_every_cell_has_slide_type(path):
    notebook = read_notebook(path)
    for index, cell in enumerate(notebook.cells):
        slide_type = cell.metadata.get("slideshow", {}).get("slide_type")
        assert slide_type in SLIDE_TYPES, (
            f"{cell_label(path, index, cell)} has slide_type {slide_type!r}, "
            f"expected one of {sorted(SLIDE_TYPES)}")


# ---------------------------------------------------------------------------
# nbval compares what is stored
# ---------------------------------------------------------------------------

def find_stored_digit(notebook):
    """Return (cell index, output index, position) of the first digit in a stdout output."""
    for cell_index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        for output_index, output in enumerate(cell.outputs):
            if output.output_type == "stream" and output.name == "stdout":
                match = re.search(r"\d", output.text)
                if match:
                    return cell_index, output_index, match.start()
    return None


def run_nbval(path):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env",
         "-p", "no:cacheprovider", "-q", str(path)],
        cwd=path.parent, capture_output=True, text=True,
        timeout=NBVAL_TIMEOUT_SECONDS)


def test_nbval_detects_changed_number(tmp_path):
    candidates = [(path, read_notebook(path)) for path in NOTEBOOKS]
    candidates = [(path, nb, find_stored_digit(nb)) for path, nb in candidates]
    candidates = [entry for entry in candidates if entry[2] is not None]
    if not candidates:
        pytest.skip("no notebook prints a number to stdout")
    path, notebook, (cell_index, output_index, position) = candidates[0]

    unchanged = tmp_path / "unchanged" / path.name
    unchanged.parent.mkdir()
    nbformat.write(notebook, unchanged)

    changed_notebook = copy.deepcopy(notebook)
    output = changed_notebook.cells[cell_index].outputs[output_index]
    digit = output.text[position]
    new_digit = str((int(digit) + 1) % 10)
    output.text = output.text[:position] + new_digit + output.text[position + 1:]
    changed = tmp_path / "changed" / path.name
    changed.parent.mkdir()
    nbformat.write(changed_notebook, changed)

    stored = json.loads(changed.read_text())
    assert stored != json.loads(unchanged.read_text())

    result = run_nbval(unchanged)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    result = run_nbval(changed)
    assert result.returncode != 0, result.stdout[-3000:]
    assert "1 failed" in result.stdout
