"""Tests of notebook 03's state, HTML views and widget panel, without a browser.

The widget tests build the real ipywidgets objects and set ``.value`` on them,
as the browser does after an edit. Observers fire synchronously, so each
assert sees the redrawn views. Expected δP values come from
scipy.signal.convolve2d, independent of the helpers.
"""

import dataclasses
import gc
import html.parser

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import psutil  # noqa: E402
import pytest  # noqa: E402
import scipy.signal  # noqa: E402
import sympy  # noqa: E402

import rotconv_helpers as rh  # noqa: E402
from rotconv_helpers import interactive  # noqa: E402
from rotconv_helpers.interactive_render import (  # noqa: E402
    difference_bound,
    format_number,
    render_agreement,
    render_delta_p_table,
    render_panel,
    render_scatter_gather,
    render_window_view,
)


class CellParser(html.parser.HTMLParser):
    """Collect every ``<td>`` of an HTML string with its classes, attributes and text."""

    def __init__(self):
        super().__init__()
        self.cells = []
        self.rows = []
        self._cell = None
        self._row = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = []
        if tag == "td":
            attributes = dict(attrs)
            self._cell = {"classes": (attributes.get("class") or "").split(),
                          "attributes": attributes, "text": "", "tags": []}
        elif self._cell is not None:
            self._cell["tags"].append(tag)

    def handle_data(self, data):
        if self._cell is not None and not self._cell["tags"]:
            self._cell["text"] += data

    def handle_endtag(self, tag):
        if self._cell is not None and tag in self._cell["tags"]:
            self._cell["tags"].remove(tag)
        elif tag == "td" and self._cell is not None:
            self.cells.append(self._cell)
            if self._row is not None:
                self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None


def parse_cells(text):
    parser = CellParser()
    parser.feed(text)
    return parser


def value_grid(text):
    """Return the δP table in ``text`` as an array read from its data-value attributes."""
    parser = parse_cells(text)
    rows = [[float(c["attributes"]["data-value"]) for c in row
             if "rotconv-value" in c["classes"]] for row in parser.rows]
    return np.array([row for row in rows if row])


def text_grid(text):
    parser = parse_cells(text)
    rows = [[c["text"] for c in row if "rotconv-value" in c["classes"]]
            for row in parser.rows]
    return [row for row in rows if row]


def window_cells(text):
    """Return the (row, column) of every padded-δC cell marked as in the window."""
    rows = [row for row in parse_cells(text).rows if row]
    found = []
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            if "rotconv-in-window" in cell["classes"]:
                found.append((i, j))
    return found


def full_convolution(delta_c, kernel):
    return scipy.signal.convolve2d(np.asarray(delta_c, float),
                                   np.asarray(kernel, float), mode="full")


@pytest.fixture
def panel():
    return rh.KernelPanel()


# ---------------------------------------------------------------------------
# format_number
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("value, text", [
    (2.0, "2"), (-1.0, "-1"), (0.0, "0"), (-0.0, "0"), (2.5, "2.5"),
    (1 / 3, "0.3333"), (1e-12, "0"), (0.1 * 3 - 0.3, "0"), (123456.0, "123456"),
    (2.5e6, "2.5e+06"), (float("nan"), "nan"), (np.float64(7), "7"),
])
def test_format_number_cases(value, text):
    assert format_number(value) == text


# ---------------------------------------------------------------------------
# compute_state
# ---------------------------------------------------------------------------

def test_state_example_matches_scipy():
    state = rh.compute_state(rh.EXAMPLE_K, rh.EXAMPLE_DELTA_C, 0)
    expected = full_convolution(rh.EXAMPLE_DELTA_C, rh.EXAMPLE_K)
    np.testing.assert_allclose(state.delta_p_full, expected, atol=1e-12)
    np.testing.assert_allclose(state.delta_p_chain, expected, atol=1e-12)
    np.testing.assert_allclose(state.formula_values, expected, atol=1e-12)
    np.testing.assert_allclose(state.delta_p_numerical, expected, atol=1e-6)
    assert state.max_abs_difference < 1e-6
    assert state.max_abs_difference <= state.tolerance


@pytest.mark.parametrize("kernel_shape, delta_c_shape", [
    ((2, 2), (2, 2)), ((2, 3), (3, 2)), ((3, 1), (1, 4)), ((1, 1), (2, 2)),
])
def test_state_shapes_match_scipy(kernel_shape, delta_c_shape):
    rng = np.random.default_rng(3)
    kernel = rng.normal(size=kernel_shape)
    delta_c = rng.normal(size=delta_c_shape)
    expected = full_convolution(delta_c, kernel)
    for position in range(expected.size):
        state = rh.compute_state(kernel, delta_c, position)
        row, column = divmod(position, expected.shape[1])
        assert state.window == (row, column)
        np.testing.assert_allclose(state.delta_p_full, expected, atol=1e-12)
        np.testing.assert_allclose(state.formula_values, expected, atol=1e-12)
        np.testing.assert_allclose(state.delta_p_numerical, expected, atol=1e-6)
        assert state.products.sum() == pytest.approx(expected[row, column], abs=1e-12)


def test_state_products_of_corner_window():
    state = rh.compute_state(rh.EXAMPLE_K, rh.EXAMPLE_DELTA_C, 0)
    kh, kw = rh.EXAMPLE_K.shape
    # Only the bottom-right product of the corner window meets δC; the rest is padding.
    expected = np.zeros((kh, kw))
    expected[-1, -1] = rh.EXAMPLE_DELTA_C[0, 0] * rh.EXAMPLE_K[0, 0]
    np.testing.assert_array_equal(state.products, expected)


def test_state_detects_wrong_rotation():
    """A wrong kernel orientation must push max_abs_difference above the tolerance."""
    state = rh.compute_state(rh.EXAMPLE_K, rh.EXAMPLE_DELTA_C, 0)
    transposed = full_convolution(rh.EXAMPLE_DELTA_C, rh.EXAMPLE_K.T)
    assert np.abs(transposed - state.delta_p_numerical).max() > state.tolerance


@pytest.mark.parametrize("position, error, match", [
    (-1, ValueError, r"position -1 is outside 0 \.\. 8"),
    (9, ValueError, r"position 9 is outside 0 \.\. 8"),
    (True, TypeError, "position must be an int"),
    (1.0, TypeError, "position must be an int"),
])
def test_state_rejects_bad_position(position, error, match):
    with pytest.raises(error, match=match):
        rh.compute_state(rh.EXAMPLE_K, rh.EXAMPLE_DELTA_C, position)


def test_state_rejects_nan_kernel():
    with pytest.raises(ValueError, match="kernel contains nan"):
        rh.compute_state([[1.0, float("nan")], [0.0, 1.0]], rh.EXAMPLE_DELTA_C, 0)


# ---------------------------------------------------------------------------
# Renderers
# ---------------------------------------------------------------------------

def test_delta_p_table_values_and_text():
    values = np.array([[1.0, -2.5], [1 / 3, 0.0]])
    text = render_delta_p_table(values, "δP", current=(1, 0))
    np.testing.assert_array_equal(value_grid(text), values)
    assert text_grid(text) == [[format_number(v) for v in row] for row in values]
    current = [c for c in parse_cells(text).cells if "rotconv-current" in c["classes"]]
    assert len(current) == 1
    assert current[0]["attributes"]["data-value"] == repr(1 / 3)


def test_window_view_strikes_padding_products():
    state = rh.compute_state(rh.EXAMPLE_K, rh.EXAMPLE_DELTA_C, 0)
    text = render_window_view(state)
    kh, kw = rh.EXAMPLE_K.shape
    assert text.count("line-through") == kh * kw - 1
    assert "✓ the same" in text


def test_gather_window_pairs_rotated_kernel():
    text = render_scatter_gather((1, 1))
    window = [c for c in parse_cells(text).cells if "rotconv-in-window" in c["classes"]]
    assert len(window) == 4
    # The centre window pairs δc11 with k22: the rotated kernel.
    assert "δc<sub>11</sub> × k<sub>22</sub>" in text


def test_rotation_view_reverses_names():
    text = rh.render_rotation(rh.EXAMPLE_K, rh.rot180(rh.EXAMPLE_K))
    rotated_part = text.split("rot180(K)")[1]
    positions = [rotated_part.index(f"k<sub>{index}</sub>") for index in ("22", "21", "12", "11")]
    assert positions == sorted(positions)


def test_padding_view_marks_zeros():
    padded = rh.pad_full(rh.EXAMPLE_DELTA_C, rh.EXAMPLE_K.shape)
    text = rh.render_padding(rh.EXAMPLE_DELTA_C, padded)
    padding = [c for c in parse_cells(text).cells if "rotconv-padding" in c["classes"]]
    assert len(padding) == padded.size - rh.EXAMPLE_DELTA_C.size
    assert all(c["text"] == "0" for c in padding)


def test_step_html_shows_window():
    step = rh.step_html(rh.EXAMPLE_K, rh.EXAMPLE_DELTA_C, position=4)
    assert window_cells(step.data) == [(1, 1), (1, 2), (2, 1), (2, 2)]
    assert "gives δp<sub>22</sub>" in step.data


def test_scatter_gather_rejects_outside_target():
    with pytest.raises(ValueError, match=r"target \(3, 0\) is outside δP of shape \(3, 3\)"):
        render_scatter_gather((3, 0))


# ---------------------------------------------------------------------------
# Symbolic proof
# ---------------------------------------------------------------------------

def test_symbolic_full_conv_equals_formulas():
    delta_c = rh.symbol_matrix("δc", (2, 2))
    kernel = rh.symbol_matrix("k", (2, 2))
    full = rh.delta_p_full_conv_symbolic(delta_c, kernel)
    formulas = rh.gradient_formulas()
    assert full.shape == (3, 3)
    for i in range(full.shape[0]):
        for j in range(full.shape[1]):
            chain = formulas[rh.element_number(i, j, full.shape)]
            assert sympy.simplify(full[i, j] - chain) == 0
            assert rh.gradient_terms(full[i, j]) == rh.gradient_terms(chain)


def test_symbolic_proof_detects_missing_rotation():
    delta_c = rh.symbol_matrix("δc", (2, 2))
    kernel = rh.symbol_matrix("k", (2, 2))
    padded = sympy.zeros(4, 4)
    padded[1:3, 1:3] = delta_c
    unrotated = rh.correlate_valid_symbolic(padded, kernel)
    formulas = rh.gradient_formulas()
    assert sympy.simplify(unrotated[1, 1] - formulas["P5"]) != 0


# ---------------------------------------------------------------------------
# The widget panel, driven through .value
# ---------------------------------------------------------------------------

def assert_views_match(panel, kernel, delta_c, position):
    expected = full_convolution(delta_c, kernel)
    state = rh.compute_state(kernel, delta_c, position)
    views = panel.views
    np.testing.assert_allclose(value_grid(views["delta-p-chain"].value), expected, atol=1e-12)
    np.testing.assert_allclose(value_grid(views["delta-p-full"].value), expected, atol=1e-12)
    assert text_grid(views["delta-p-full"].value) == [[format_number(v) for v in row]
                                                        for row in state.delta_p_full]
    assert views["formulas"].value == interactive.render_formulas(state)
    assert views["window-view"].value == render_window_view(state)
    assert views["agreement"].value == interactive.render_agreement(state)
    assert "✓ agree" in views["agreement"].value


def test_panel_starts_with_example(panel):
    assert_views_match(panel, rh.EXAMPLE_K, rh.EXAMPLE_DELTA_C, 0)
    assert panel.message.value == ""
    assert panel.position.max == full_convolution(rh.EXAMPLE_DELTA_C, rh.EXAMPLE_K).size - 1


@pytest.mark.parametrize("row, column", [(0, 0), (0, 1), (1, 0), (1, 1)])
def test_panel_kernel_edit_updates_views(panel, row, column):
    before = {name: view.value for name, view in panel.views.items()}
    panel.kernel_boxes[row][column].value = "7.5"
    kernel = rh.EXAMPLE_K.copy()
    kernel[row, column] = 7.5
    assert_views_match(panel, kernel, rh.EXAMPLE_DELTA_C, 0)
    for name in ("formulas", "delta-p-chain", "delta-p-full"):
        assert panel.views[name].value != before[name], name


@pytest.mark.parametrize("row, column", [(0, 0), (1, 1)])
def test_panel_delta_c_edit_updates_views(panel, row, column):
    panel.delta_c_boxes[row][column].value = "-0.25"
    delta_c = rh.EXAMPLE_DELTA_C.copy()
    delta_c[row, column] = -0.25
    assert_views_match(panel, rh.EXAMPLE_K, delta_c, 0)


def test_panel_box_classes(panel):
    for boxes, prefix in ((panel.kernel_boxes, "rotconv-k"), (panel.delta_c_boxes, "rotconv-dc")):
        for i, row in enumerate(boxes):
            for j, box in enumerate(row):
                assert f"{prefix}-{i + 1}{j + 1}" in box._dom_classes
                assert box.continuous_update is False
    assert "rotconv-panel" in panel.widget._dom_classes
    assert "rotconv-position" in panel.position._dom_classes
    assert "rotconv-play" in panel.play._dom_classes
    assert "rotconv-message" in panel.message._dom_classes
    for name, view in panel.views.items():
        assert f"rotconv-{name}" in view._dom_classes


@pytest.mark.parametrize("text, reason", [
    ("abc", "is not a number"), ("nan", "is NaN"), ("inf", "is too large"),
    ("-inf", "is too large"), ("", "is empty"), ("   ", "is empty"),
    ("1e7", "is too large"), ("1e400", "is too large"), ("-1e400", "is too large"),
    ("1e-12", "is too small"), ("-5e-5", "is too small"),
    ("1,5", "is not a number; use a point as the decimal separator, e.g. 2.5"),
])
def test_panel_bad_entry_keeps_state(panel, text, reason):
    before = {name: view.value for name, view in panel.views.items()}
    panel.kernel_boxes[0][1].value = text
    assert "k12" in panel.message.value
    assert reason in panel.message.value
    assert "The last good value 2 is kept" in panel.message.value
    assert {name: view.value for name, view in panel.views.items()} == before
    np.testing.assert_array_equal(panel.state.kernel, rh.EXAMPLE_K)


@pytest.mark.parametrize("text", ["1e400", "1e7", "1e-12"])
def test_panel_bad_entry_states_range(panel, text):
    panel.kernel_boxes[0][0].value = text
    assert "enter 0 or a number between 0.0001 and 1000000 in magnitude" in panel.message.value


@pytest.mark.parametrize("text, value", [
    ("−3", -3.0), (" −0.5 ", -0.5), ("−1e-4", -1e-4), ("0.0001", 1e-4),
    ("1e6", 1e6), ("-1000000", -1e6), ("0", 0.0), ("-0", 0.0),
])
def test_panel_accepts_entry(panel, text, value):
    panel.kernel_boxes[0][1].value = text
    kernel = rh.EXAMPLE_K.copy()
    kernel[0, 1] = value
    assert panel.message.value == ""
    assert panel.state.kernel[0, 1] == value
    assert_views_match(panel, kernel, rh.EXAMPLE_DELTA_C, 0)


def test_entry_limits_display_nonzero():
    # The smallest nonzero entry and the smallest product of two entries
    # must not be shown as 0 by the single formatter of the views.
    assert format_number(interactive.MIN_ENTRY) == "0.0001"
    assert format_number(-interactive.MIN_ENTRY) == "-0.0001"
    assert format_number(interactive.MIN_ENTRY ** 2) == "1e-08"


def test_panel_small_entry_shown_in_views(panel):
    panel.kernel_boxes[0][0].value = "0.0001"
    state = panel.state
    assert "= (2)(0.0001)" in panel.views["formulas"].value
    assert text_grid(panel.views["delta-p-full"].value)[0][0] == "0.0002"
    panel.kernel_boxes[0][0].value = "1e-12"
    assert "The last good value 0.0001 is kept" in panel.message.value
    assert panel.state is state


def test_panel_bad_entry_message_names_text(panel):
    panel.delta_c_boxes[1][0].value = "two"
    assert "δc21: &#x27;two&#x27; is not a number" in panel.message.value


def test_panel_bad_entry_text_is_escaped(panel):
    panel.kernel_boxes[0][0].value = "<b>x</b>"
    assert "<b>x" not in panel.message.value
    assert "&lt;b&gt;x&lt;/b&gt;" in panel.message.value


def test_panel_message_clears_when_fixed(panel):
    panel.kernel_boxes[0][0].value = "oops"
    panel.kernel_boxes[1][1].value = "4"
    assert "k11" in panel.message.value
    kernel = rh.EXAMPLE_K.copy()
    kernel[1, 1] = 4.0
    assert_views_match(panel, kernel, rh.EXAMPLE_DELTA_C, 0)
    panel.kernel_boxes[0][0].value = "-2"
    assert panel.message.value == ""
    kernel[0, 0] = -2.0
    assert_views_match(panel, kernel, rh.EXAMPLE_DELTA_C, 0)


def test_panel_two_bad_boxes_both_listed(panel):
    panel.kernel_boxes[0][0].value = "x"
    panel.delta_c_boxes[0][0].value = "y"
    assert "k11" in panel.message.value
    assert "δc11" in panel.message.value


@pytest.mark.parametrize("name, expected", [
    ("identity-like", [[1, 0], [0, 0]]),
    ("edge detector", [[1, -1], [1, -1]]),
    ("all ones", [[1, 1], [1, 1]]),
])
def test_panel_presets(panel, name, expected):
    panel.preset_buttons[name].click()
    assert_views_match(panel, np.array(expected, float), rh.EXAMPLE_DELTA_C, 0)
    assert [[box.value for box in row] for row in panel.kernel_boxes] == [
        [str(v) for v in row] for row in expected]


def test_panel_identity_preset_copies_delta_c(panel):
    panel.apply_preset("identity-like")
    rows, cols = rh.EXAMPLE_DELTA_C.shape
    np.testing.assert_array_equal(panel.state.delta_p_full[:rows, :cols], rh.EXAMPLE_DELTA_C)


def test_panel_random_preset_is_seeded():
    panel = rh.KernelPanel(seed=5)
    rng = np.random.default_rng(5)
    for _ in range(2):
        panel.preset_buttons["random"].click()
        expected = rng.integers(-3, 4, size=rh.EXAMPLE_K.shape).astype(float)
        assert_views_match(panel, expected, rh.EXAMPLE_DELTA_C, 0)


def test_panel_preset_clears_kernel_message(panel):
    panel.kernel_boxes[0][0].value = "bad"
    panel.apply_preset("all ones")
    assert panel.message.value == ""


def test_panel_reset_restores_example(panel):
    panel.kernel_boxes[0][0].value = "9"
    panel.delta_c_boxes[1][1].value = "-3"
    panel.position.value = 5
    panel.preset_buttons["random"].click()
    panel.reset_button.click()
    assert panel.position.value == 0
    assert_views_match(panel, rh.EXAMPLE_K, rh.EXAMPLE_DELTA_C, 0)
    assert [[box.value for box in row] for row in panel.delta_c_boxes] == [["2", "-1"], ["1", "4"]]


def test_panel_example_preset_needs_example_shape():
    panel = rh.KernelPanel(kernel=np.ones((2, 3)), delta_c=np.ones((2, 2)))
    with pytest.raises(ValueError, match="the example kernel has shape"):
        panel.apply_preset("example")


def test_panel_example_button_shows_message():
    panel = rh.KernelPanel(kernel=np.ones((3, 3)))
    before = {name: view.value for name, view in panel.views.items()}
    panel.preset_buttons["example"].click()
    assert "preset &#x27;example&#x27;: the example kernel has shape (2, 2), not (3, 3)" in (
        panel.message.value)
    assert "The boxes are unchanged" in panel.message.value
    assert {name: view.value for name, view in panel.views.items()} == before
    np.testing.assert_array_equal(panel.state.kernel, np.ones((3, 3)))
    panel.preset_buttons["all ones"].click()
    assert panel.message.value == ""


def test_panel_button_message_keeps_box_message():
    panel = rh.KernelPanel(kernel=np.ones((3, 3)))
    panel.delta_c_boxes[0][0].value = "x"
    panel.preset_buttons["example"].click()
    assert "δc11" in panel.message.value
    assert "preset &#x27;example&#x27;" in panel.message.value
    panel.reset_button.click()
    assert panel.message.value == ""


def test_panel_rejected_reset_shows_message(panel):
    # The constructor rejects such start values, so they are set afterwards
    # to reach the message of a reset that fails.
    panel.initial_kernel = np.array([[2e6, 1.0], [1.0, 1.0]])
    panel.kernel_boxes[1][1].value = "9"
    panel.reset_button.click()
    assert "reset: kernel[0, 0] = 2000000 is too large" in panel.message.value
    assert [[box.value for box in row] for row in panel.kernel_boxes] == [["1", "2"], ["-1", "9"]]


def test_panel_reset_restores_other_start():
    kernel = np.array([[5.0, -0.25], [1e6, 1e-4]])
    panel = rh.KernelPanel(kernel=kernel, delta_c=np.ones((3, 2)))
    panel.kernel_boxes[1][0].value = "3"
    panel.delta_c_boxes[2][1].value = "-7"
    panel.reset_button.click()
    assert panel.message.value == ""
    assert [[box.value for box in row] for row in panel.kernel_boxes] == [
        ["5", "-0.25"], ["1000000", "0.0001"]]
    assert_views_match(panel, kernel, np.ones((3, 2)), 0)


@pytest.mark.parametrize("keywords, match", [
    ({"kernel": [[2e6, 1], [1, 1]]},
     r"kernel\[0, 0\] = 2000000 is too large: enter 0 or a number between 0.0001 and 1000000"),
    ({"kernel": [[1, 1], [1, -1e7]]}, r"kernel\[1, 1\] = -10000000 is too large"),
    ({"delta_c": [[1, 1e-12], [1, 1]]}, r"delta_c\[0, 1\] = 1e-12 is too small"),
])
def test_panel_rejects_start_values(keywords, match):
    with pytest.raises(ValueError, match=match):
        rh.KernelPanel(**keywords)


def test_panel_position_moves_window(panel):
    kh, kw = rh.EXAMPLE_K.shape
    columns = rh.EXAMPLE_DELTA_C.shape[1] + kw - 1
    for position in range(panel.position.max, -1, -1):
        panel.position.value = position
        row, column = divmod(position, columns)
        expected = [(row + a, column + b) for a in range(kh) for b in range(kw)]
        assert window_cells(panel.views["window-view"].value) == expected
        current = [c for c in parse_cells(panel.views["delta-p-full"].value).cells
                   if "rotconv-current" in c["classes"]]
        assert current[0]["attributes"]["title"] == f"δp{row + 1}{column + 1}"
    assert_views_match(panel, rh.EXAMPLE_K, rh.EXAMPLE_DELTA_C, 0)


def test_panel_other_shapes_position_bounds():
    panel = rh.KernelPanel(kernel=np.ones((2, 3)), delta_c=np.arange(6.0).reshape(3, 2))
    assert panel.position.max == 4 * 4 - 1
    panel.position.value = panel.position.max
    assert_views_match(panel, np.ones((2, 3)), np.arange(6.0).reshape(3, 2), 15)


def test_panel_repr_has_no_model_id(panel):
    bundle = panel._repr_mimebundle_()
    model_id = panel.widget.model_id
    assert bundle["text/plain"] == (
        "KernelPanel(kernel=[[1, 2], [-1, 3]], delta_c=[[2, -1], [1, 4]], position=0)")
    assert model_id not in bundle["text/plain"]
    assert model_id not in bundle["text/html"]
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == model_id


def test_panel_static_html_is_deterministic():
    first = rh.KernelPanel()._repr_mimebundle_()
    second = rh.KernelPanel()._repr_mimebundle_()
    assert first["text/html"] == second["text/html"]
    assert first["text/plain"] == second["text/plain"]


@pytest.mark.parametrize("difference", [0.0, 2.7e-9, 6.1e-9, 4e-8])
def test_static_agreement_hides_rounding(difference):
    # Finite-difference rounding error differs between CPUs, and nbval
    # compares the static HTML, so the HTML must not change with that error.
    example = rh.compute_state(rh.EXAMPLE_K, rh.EXAMPLE_DELTA_C)
    state = dataclasses.replace(example, max_abs_difference=difference)
    bound = difference_bound(example)
    assert render_panel(state) == render_panel(example)
    assert f"max abs difference: at most {bound:.0e}" in render_panel(state)
    assert f"{difference:.1e}" not in render_panel(state)


def test_live_agreement_shows_difference():
    example = rh.compute_state(rh.EXAMPLE_K, rh.EXAMPLE_DELTA_C)
    state = dataclasses.replace(example, max_abs_difference=2.7e-9)
    assert "max abs difference: 2.7e-09" in render_agreement(state)


@pytest.mark.parametrize("difference, tolerance, bound", [
    (2.7e-9, 2e-4, 1e-6),
    (3e-5, 2e-4, 1e-4),
    (1e-5, 2e-4, 1e-5),
    (0.0, 1e-6, 1e-9),
])
def test_difference_bound_cases(difference, tolerance, bound):
    example = rh.compute_state(rh.EXAMPLE_K, rh.EXAMPLE_DELTA_C)
    state = dataclasses.replace(example, max_abs_difference=difference,
                                tolerance=tolerance)
    assert difference_bound(state) == pytest.approx(bound, rel=1e-12)
    assert difference_bound(state) >= difference


def test_panel_500_edits_stay_flat(panel):
    process = psutil.Process()
    figures_before = len(plt.get_fignums())
    for warm_up in range(50):
        panel.kernel_boxes[0][0].value = str(warm_up % 7)
    gc.collect()
    rss_before = process.memory_info().rss
    for edit in range(500):
        panel.kernel_boxes[edit % 2][edit // 2 % 2].value = str(edit % 11 - 5)
        if edit % 50 == 0:
            panel.position.value = edit // 50 % (panel.position.max + 1)
    gc.collect()
    rss_growth = process.memory_info().rss - rss_before
    assert len(plt.get_fignums()) == figures_before
    assert rss_growth < 20 * 2**20, f"RSS grew by {rss_growth / 2**20:.1f} MB"
