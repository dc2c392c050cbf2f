"""Tests of the figure helpers: axes counts from shapes, labels read back from text artists."""

import matplotlib

matplotlib.use("Agg")

import IPython.display  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import scipy.signal  # noqa: E402

import rotconv_helpers as rh  # noqa: E402
from rotconv_helpers.figures import WINDOW_LINE_WIDTH  # noqa: E402

P = rh.EXAMPLE_P
K = rh.EXAMPLE_K
DELTA_C = rh.EXAMPLE_DELTA_C
RNG_SEED = 20261204


@pytest.fixture
def new_figure():
    """Call a figure helper, check it opened only its own figure, and close it afterwards."""
    opened = []

    def call(helper, *args, **kwargs):
        before = set(plt.get_fignums())
        fig = helper(*args, **kwargs)
        opened.append(fig)
        assert isinstance(fig, matplotlib.figure.Figure)
        assert set(plt.get_fignums()) - before == {fig.number}
        return fig

    yield call
    for fig in opened:
        plt.close(fig)


def cell_texts(ax):
    return [text.get_text() for text in ax.texts]


def window_rectangles(ax, role="window"):
    color = matplotlib.colors.to_rgba(rh.ROLE_COLORS[role])
    return [patch for patch in ax.patches
            if patch.get_linewidth() == WINDOW_LINE_WIDTH
            and patch.get_edgecolor() == color]


def random_arrays(input_shape, kernel_shape):
    rng = np.random.default_rng(RNG_SEED)
    p = rng.integers(-5, 6, size=input_shape).astype(float)
    kernel = rng.integers(-5, 6, size=kernel_shape).astype(float)
    return p, kernel


# ---------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (3.0, "3"),
    (-1.0, "-1"),
    (12.000000001, "12"),
    (-1e-11, "0"),
    (0.25, "0.25"),
    (1 / 3, "0.33"),
    (np.float64(-2.5), "-2.5"),
])
def test_format_value_cases(value, expected):
    assert rh.format_value(value) == expected


def test_format_value_decimals():
    assert rh.format_value(1 / 3, decimals=4) == "0.3333"


def test_symbol_values_names():
    values = rh.symbol_values("k", K)
    assert values == {"k11": 1.0, "k12": 2.0, "k21": -1.0, "k22": 3.0}


def test_symbol_values_rejects_3d():
    with pytest.raises(ValueError, match="k must be a 2-D array"):
        rh.symbol_values("k", np.zeros((2, 2, 2)))


@pytest.mark.parametrize("name, expected", [
    ("p12", "p_{12}"),
    ("δc21", r"\delta c_{21}"),
    ("δp1_10", r"\delta p_{1,10}"),
])
def test_math_name_cases(name, expected):
    assert rh.math_name(name) == expected


def test_math_name_rejects_bad_name():
    with pytest.raises(ValueError, match="'p' is not a letter"):
        rh.math_name("p")


def test_forward_latex_matches_scipy():
    formulas = rh.forward_formulas(P.shape, K.shape)
    values = rh.symbol_values("p", P) | rh.symbol_values("k", K)
    expected = scipy.signal.correlate2d(P, K, mode="valid")
    for (name, expression), c in zip(formulas.items(), expected.flat):
        latex = rh.forward_latex(name, expression, values)
        assert latex.endswith(f" = {rh.format_value(c)}")


def test_forward_latex_terms_in_input_order():
    latex = rh.forward_latex("c12", rh.forward_formulas()["c12"])
    assert latex == (r"c_{12} = p_{12}\, k_{11} + p_{13}\, k_{12}"
                     r" + p_{22}\, k_{21} + p_{23}\, k_{22}")


def test_forward_latex_non_square_order():
    formulas = rh.forward_formulas((2, 12), (1, 11))
    latex = rh.forward_latex("c12", formulas["c12"])
    # p1_10 comes after p1_9 only with numeric sorting.
    assert latex.index("p_{1,9}") < latex.index("p_{1,10}")


def test_forward_latex_rejects_other_terms():
    with pytest.raises(ValueError, match="is not a product p \\* k"):
        rh.forward_latex("c11", rh.gradient_formulas()["P1"])


# ---------------------------------------------------------------------------
# draw_matrix
# ---------------------------------------------------------------------------

def test_draw_matrix_labels_every_cell():
    fig, ax = plt.subplots()
    texts = [["a", "b", "c"], ["d", "e", "f"]]
    rh.draw_matrix(ax, texts, "input")
    assert cell_texts(ax) == ["a", "b", "c", "d", "e", "f"]
    assert ax.get_ylim() == (1.5, -0.5)  # origin at the top left
    plt.close(fig)


def test_draw_matrix_rejects_unknown_role():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="unknown role 'blue'"):
        rh.draw_matrix(ax, [["a"]], "blue")
    plt.close(fig)


def test_draw_matrix_rejects_value_shape():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"values has shape \(1, 2\)"):
        rh.draw_matrix(ax, [["a"]], "input", values=[[1.0, 2.0]])
    plt.close(fig)


# ---------------------------------------------------------------------------
# Index map
# ---------------------------------------------------------------------------

def test_index_map_three_axes(new_figure):
    fig = new_figure(rh.plot_index_map, (3, 3))
    assert len(fig.axes) == 3


def test_index_map_labels_non_square(new_figure):
    shape = (3, 4)
    fig = new_figure(rh.plot_index_map, shape)
    names, numbers, indices = (cell_texts(ax) for ax in fig.axes)
    assert len(names) == shape[0] * shape[1]
    assert names[-1] == "$p_{34}$"
    assert numbers == [f"P{n}" for n in range(1, shape[0] * shape[1] + 1)]
    assert indices[shape[1]] == "[1, 0]"


def test_index_map_rejects_bad_shape():
    with pytest.raises(ValueError, match="shape must be a pair of positive"):
        rh.plot_index_map((3, 0))


# ---------------------------------------------------------------------------
# Forward windows
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("input_shape, kernel_shape", [
    ((3, 3), (2, 2)),
    ((3, 4), (2, 3)),
    ((4, 2), (1, 2)),
])
def test_forward_windows_titles_match_scipy(new_figure, input_shape, kernel_shape):
    p, kernel = random_arrays(input_shape, kernel_shape)
    fig = new_figure(rh.plot_forward_windows, p, kernel)
    expected = scipy.signal.correlate2d(p, kernel, mode="valid")
    assert len(fig.axes) == expected.size
    for ax, (i, j) in zip(fig.axes, np.ndindex(expected.shape)):
        title = ax.get_title()
        assert title.startswith(f"$c_{{{i + 1}{j + 1}}}$")
        assert title.endswith(f" = {rh.format_value(expected[i, j])}")


def test_forward_windows_highlight_position(new_figure):
    fig = new_figure(rh.plot_forward_windows, P, K)
    kh, kw = K.shape
    for ax, (i, j) in zip(fig.axes, np.ndindex(2, 2)):
        (window,) = window_rectangles(ax)
        assert window.get_xy() == (j - 0.5, i - 0.5)
        assert (window.get_height(), window.get_width()) == (kh, kw)


def test_forward_windows_cells_show_values(new_figure):
    fig = new_figure(rh.plot_forward_windows, P, K)
    texts = cell_texts(fig.axes[0])
    assert texts[0] == "$p_{11}$\n1"
    assert texts[4] == "$p_{22}$\n-1"


def test_forward_windows_fit_slide(new_figure):
    fig = new_figure(rh.plot_forward_windows, np.ones((6, 7)), np.ones((2, 3)))
    width, height = fig.get_size_inches()
    assert width <= 10.0
    assert height <= 4.5


def test_forward_windows_rejects_large_kernel():
    with pytest.raises(ValueError, match=r"kernel of shape \(4, 2\) is larger than p"):
        rh.plot_forward_windows(P, np.ones((4, 2)))


def test_forward_windows_rejects_nan():
    p = P.copy()
    p[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"p contains nan at index \[1, 2\]"):
        rh.plot_forward_windows(p, K)


# ---------------------------------------------------------------------------
# Gradient cover
# ---------------------------------------------------------------------------

def covers_by_brute_force(i, j, input_shape, kernel_shape):
    """List (output index, kernel index) pairs by testing every window."""
    kh, kw = kernel_shape
    found = []
    for r in range(input_shape[0] - kh + 1):
        for s in range(input_shape[1] - kw + 1):
            if r <= i < r + kh and s <= j < s + kw:
                found.append(((r, s), (i - r, j - s)))
    return found


@pytest.mark.parametrize("i, j, count", [
    (0, 0, 1), (0, 2, 1), (2, 0, 1), (2, 2, 1),
    (0, 1, 2), (1, 0, 2), (1, 2, 2), (2, 1, 2),
    (1, 1, 4),
])
def test_gradient_cover_axes_count(new_figure, i, j, count):
    fig = new_figure(rh.plot_gradient_cover, i, j, (3, 3), (2, 2))
    assert len(fig.axes) == count


@pytest.mark.parametrize("input_shape, kernel_shape", [
    ((3, 4), (2, 3)),
    ((4, 3), (3, 1)),
])
def test_covering_outputs_non_square(input_shape, kernel_shape):
    for i, j in np.ndindex(input_shape):
        assert (rh.covering_outputs(i, j, input_shape, kernel_shape)
                == covers_by_brute_force(i, j, input_shape, kernel_shape))


def test_gradient_cover_titles_match_sympy(new_figure):
    # The titles come from window geometry, the formulas from sympy's derivative.
    input_shape, kernel_shape = (3, 4), (2, 3)
    formulas = rh.gradient_formulas(input_shape, kernel_shape)
    for i, j in [(0, 0), (1, 2), (2, 3)]:
        fig = new_figure(rh.plot_gradient_cover, i, j, input_shape, kernel_shape)
        number = rh.element_number(i, j, input_shape)
        expected = [f"${rh.math_name(delta)}$: ${rh.math_name(weight)}$ "
                    f"on $p_{{{i + 1}{j + 1}}}$"
                    for delta, weight in rh.gradient_terms(formulas[number])]
        assert sorted(ax.get_title() for ax in fig.axes) == sorted(expected)


def test_gradient_cover_marks_target(new_figure):
    fig = new_figure(rh.plot_gradient_cover, 1, 2, (3, 4), (2, 3))
    for ax in fig.axes:
        (target,) = window_rectangles(ax, role="gradient")
        assert target.get_xy() == (2 - 0.5, 1 - 0.5)
        assert len(window_rectangles(ax)) == 1


def test_gradient_cover_kernel_notes(new_figure):
    fig = new_figure(rh.plot_gradient_cover, 1, 1, (3, 3), (2, 2))
    texts = cell_texts(fig.axes[0])
    for weight in ["k_{11}", "k_{12}", "k_{21}", "k_{22}"]:
        assert f"${weight}$" in texts


@pytest.mark.parametrize("i, j, error, message", [
    (3, 0, ValueError, r"i = 3 is outside the input of shape \(3, 3\)"),
    (0, -1, ValueError, "use 0 <= j <= 2"),
    (1.0, 0, TypeError, "i must be an int"),
    (True, 0, TypeError, "i must be an int"),
])
def test_gradient_cover_rejects_index(i, j, error, message):
    with pytest.raises(error, match=message):
        rh.plot_gradient_cover(i, j, (3, 3), (2, 2))


def test_gradient_cover_rejects_large_kernel():
    with pytest.raises(ValueError, match="is larger than input"):
        rh.plot_gradient_cover(0, 0, (3, 3), (2, 4))


# ---------------------------------------------------------------------------
# Matrices and heatmaps
# ---------------------------------------------------------------------------

def test_matrices_one_axes_each(new_figure):
    c = rh.correlate_valid(P, K)
    fig = new_figure(rh.plot_matrices, [P, K, c], ["p", "k", "c"],
                     ["input", "kernel", "output"], ["P", "K", "C"])
    assert len(fig.axes) == 3
    assert [ax.get_title() for ax in fig.axes] == ["P", "K", "C"]
    assert cell_texts(fig.axes[2])[-1] == f"$c_{{22}}$\n{rh.format_value(c[1, 1])}"


def test_matrices_rejects_length_mismatch():
    with pytest.raises(ValueError, match="expected one entry per array"):
        rh.plot_matrices([P, K], ["p"], ["input", "kernel"], ["P", "K"])


def test_heatmaps_values_and_shared_colors(new_figure):
    delta_p = rh.delta_p_chain_rule(DELTA_C, K)
    noisy = delta_p + 1e-10
    fig = new_figure(rh.plot_heatmaps, [delta_p, noisy], ["a", "b"], "δp")
    assert len(fig.axes) == 2
    for ax in fig.axes:
        assert cell_texts(ax)[4] == f"$\\delta p_{{22}}$\n{rh.format_value(delta_p[1, 1])}"
    faces = [[patch.get_facecolor() for patch in ax.patches[:delta_p.size]]
             for ax in fig.axes]
    assert np.allclose(faces[0], faces[1], atol=1e-3)


def test_heatmaps_rejects_shape_mix():
    with pytest.raises(ValueError, match="arrays have different shapes"):
        rh.plot_heatmaps([P, K], ["P", "K"], "p")


def test_heatmaps_rejects_empty():
    with pytest.raises(ValueError, match="arrays is empty"):
        rh.plot_heatmaps([], [], "p")


# ---------------------------------------------------------------------------
# show_gradient
# ---------------------------------------------------------------------------

def test_show_gradient_values_match_scipy():
    expected = scipy.signal.convolve2d(DELTA_C, K, mode="full")
    for number, (i, j) in enumerate(np.ndindex(expected.shape), start=1):
        step = rh.show_gradient(number, K, DELTA_C)
        assert step.index == (i, j)
        assert step.value == expected[i, j]


@pytest.mark.parametrize("number, position, outputs", [
    (1, "a corner of P", ("c11",)),
    (2, "on an edge of P", ("c11", "c12")),
    (5, "the centre of P", ("c11", "c12", "c21", "c22")),
    (9, "a corner of P", ("c22",)),
])
def test_show_gradient_outputs_fed(number, position, outputs):
    step = rh.show_gradient(number, K, DELTA_C)
    assert step.position == position
    assert step.outputs == outputs


def test_show_gradient_numbers_latex():
    step = rh.show_gradient(2, K, DELTA_C)
    assert step.latex == r"\delta c_{11}\, k_{12} + \delta c_{12}\, k_{11}"
    assert step.numbers_latex == "(2)(2) + (-1)(1)"


def test_show_gradient_non_square():
    kernel = np.arange(1.0, 7.0).reshape(2, 3)
    delta_c = np.array([[1.0, -2.0], [3.0, 0.5]])
    step = rh.show_gradient(7, kernel, delta_c)  # p23 of a 3x4 input
    assert step.name == "p23"
    assert step.position == "inside P"
    assert step.value == rh.convolve_full(delta_c, kernel)[1, 2]


def test_show_gradient_displays_and_closes(monkeypatch):
    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    step = rh.show_gradient(5, K, DELTA_C)
    before = set(plt.get_fignums())
    step._ipython_display_()
    assert set(plt.get_fignums()) == before
    assert len(shown[-1].axes) == len(step.outputs)
    maths = [obj.data for obj in shown if isinstance(obj, IPython.display.Math)]
    assert maths[-1].endswith(f"= {rh.format_value(step.value)}")
    texts = [obj.data for obj in shown if isinstance(obj, IPython.display.Markdown)]
    assert "feeds 4 outputs" in texts[1]


@pytest.mark.parametrize("number, error, message", [
    (0, ValueError, r"number = 0 is outside P1 \.\. P9"),
    (10, ValueError, r"pass 1 \.\. 9"),
    (2.0, TypeError, "number must be an int from 1 to 9"),
])
def test_show_gradient_rejects_number(number, error, message):
    with pytest.raises(error, match=message):
        rh.show_gradient(number, K, DELTA_C)
