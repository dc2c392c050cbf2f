"""Figures and displayable steps for the notebooks, in one visual language.

Every ``plot_*`` function returns a new matplotlib Figure, created with
``plt.subplots`` inside :func:`projector_style`, and never shows or prints it:
the notebook ends the cell with ``plt.show()``. Matrices are drawn with the
origin at the top left, each cell labelled with its element name (``p11``,
``k21``, ``δc12`` as in the glossary) and, where known, its value. Cells are
tinted by role from :data:`ROLE_COLORS`. All sizes come from the array shapes,
so every figure works for non-square inputs and kernels too.
"""

import dataclasses
import re

import matplotlib.colors as mcolors
import matplotlib.patches as mpatches
import matplotlib.pyplot as plt
import numpy as np
import sympy

from .numerics import (
    as_float_array,
    check_kernel_fits,
    check_shape_pair,
    correlate_valid,
    delta_p_chain_rule,
)
from .style import DIVERGING_CMAP, ROLE_COLORS, projector_style
from .symbolic import (
    element_name,
    element_number,
    formula_latex,
    gradient_formulas,
    gradient_terms,
)

__all__ = [
    "format_value",
    "symbol_values",
    "math_name",
    "forward_latex",
    "draw_matrix",
    "plot_matrices",
    "plot_heatmaps",
    "plot_index_map",
    "plot_forward_windows",
    "plot_gradient_cover",
    "covering_outputs",
    "GradientStep",
    "show_gradient",
]

# A slide of 1280x720 pixels shows a figure of about 10 x 4.5 inches at 100 dpi.
MAX_FIGURE_WIDTH = 10.0
MAX_FIGURE_HEIGHT = 4.5
MAX_CELL_INCHES = 0.9
# Room around each panel, in cell widths: a title above, a small gap beside.
TITLE_ROOM = 1.0
SIDE_ROOM = 0.4
# Tints are the role colour mixed with this fraction of white, so black text stays readable.
TINT_WHITE = 0.78
WINDOW_LINE_WIDTH = 4.0
MIN_FONT_SIZE = 7.0


# ---------------------------------------------------------------------------
# Text: numbers, names and formulas
# ---------------------------------------------------------------------------

def format_value(value, decimals=2):
    """Format a number for a cell label or title, the same on every machine.

    Whole numbers print without a decimal point (``3``, ``-1``). Other values
    are rounded to ``decimals`` places with trailing zeros removed, so
    finite-difference noise such as ``12.0000000001`` prints as ``12``.

    >>> format_value(12.0000000001), format_value(-0.25), format_value(-1e-12)
    ('12', '-0.25', '0')
    """
    rounded = round(float(value), decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    if rounded.is_integer():
        return str(int(rounded))
    return f"{rounded:.{decimals}f}".rstrip("0")


def symbol_values(prefix, array):
    """Map element names to the values of ``array``: ``{"k11": 1.0, "k12": 2.0, ...}``.

    The names match the symbols of :func:`rotconv_helpers.symbol_matrix` for an
    array of the same shape, so the dict can be passed to ``formula_latex`` and
    ``forward_latex`` or used with sympy's ``subs``.
    """
    array = as_float_array(prefix, array)
    return {
        element_name(prefix, i, j, array.shape): float(array[i, j])
        for i, j in np.ndindex(array.shape)
    }


_NAME_PATTERN = re.compile(r"^(δc|δp|[a-zA-Z]+)(\d+(?:_\d+)?)$")


def math_name(name):
    r"""Convert an element name to LaTeX: ``"p12"`` to ``p_{12}``, ``"δc21"`` to ``\delta c_{21}``.

    >>> math_name("δc1_10")
    '\\delta c_{1,10}'
    """
    match = _NAME_PATTERN.match(name)
    if match is None:
        raise ValueError(
            f"element name {name!r} is not a letter (or δc, δp) followed by "
            f"its indices, like 'p12' or 'δc1_10'"
        )
    prefix, index = match.groups()
    if prefix.startswith("δ"):
        prefix = r"\delta " + prefix[1:]
    return f"{prefix}_{{{index.replace('_', ',')}}}"


def _index_key(name):
    # Numeric (row, column) of a name, so that p1_10 sorts after p1_9.
    index = _NAME_PATTERN.match(name).group(2)
    if "_" in index:
        row, col = index.split("_")
    else:
        row, col = index[0], index[1:]
    return int(row), int(col)


def forward_latex(name, expression, values=None):
    r"""Render a forward-pass formula ``c = Σ p k`` as LaTeX, p first in every term.

    Parameters
    ----------
    name : str
        The output element, such as ``"c11"``.
    expression : sympy expression
        A sum of products p * k, as in :func:`rotconv_helpers.forward_formulas`.
    values : dict, optional
        From symbol names (``"p11"``, ``"k11"``) to numbers. When given, every
        symbol is replaced by its value in brackets and the sum is appended,
        computed by sympy from the same values.

    Examples
    --------
    >>> from rotconv_helpers import forward_formulas
    >>> forward_latex("c11", forward_formulas()["c11"])
    'c_{11} = p_{11}\\, k_{11} + p_{12}\\, k_{12} + p_{21}\\, k_{21} + p_{22}\\, k_{22}'
    """
    pairs = []
    for term in sympy.Add.make_args(sympy.expand(expression)):
        names = sorted(f.name for f in sympy.Mul.make_args(term)
                       if isinstance(f, sympy.Symbol))
        inputs = [n for n in names if n.startswith("p")]
        weights = [n for n in names if n.startswith("k")]
        if len(names) != 2 or len(inputs) != 1 or len(weights) != 1:
            raise ValueError(f"term {term} of {name} is not a product p * k")
        pairs.append((inputs[0], weights[0]))
    pairs.sort(key=lambda pair: _index_key(pair[0]))

    if values is None:
        terms = [f"{math_name(p)}\\, {math_name(k)}" for p, k in pairs]
        return f"{math_name(name)} = " + " + ".join(terms)

    terms = [f"({format_value(values[p])})({format_value(values[k])})"
             for p, k in pairs]
    total = expression.subs({sympy.Symbol(n): v for n, v in values.items()})
    return (f"{math_name(name)} = " + " + ".join(terms)
            + f" = {format_value(total)}")


def _label(name):
    return f"${math_name(name)}$"


# ---------------------------------------------------------------------------
# The shared drawer: one labelled matrix on one Axes
# ---------------------------------------------------------------------------

def _tint(color):
    return mcolors.to_hex(
        np.array(mcolors.to_rgb(color)) * (1 - TINT_WHITE) + TINT_WHITE)


def _text_color_on(face):
    red, green, blue = mcolors.to_rgb(face)
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return "white" if luminance < 0.45 else ROLE_COLORS["text"]


def _font_size(ax, shape, lines, chars):
    """Pick a font size (points) that fits ``lines`` lines of ``chars`` characters in a cell."""
    fig_width, fig_height = ax.figure.get_size_inches()
    box = ax.get_position()
    cell = 72 * min(box.width * fig_width / shape[1],
                    box.height * fig_height / shape[0])
    by_height = 0.75 * cell / (1.3 * lines)
    by_width = 0.85 * cell / (0.62 * max(chars, 1))
    return max(MIN_FONT_SIZE, min(plt.rcParams["font.size"], by_height, by_width))


def _visible_chars(text):
    # Mathtext like $\delta c_{11}$ shows fewer characters than it contains.
    plain = re.sub(r"\\[a-z]+ ?|[${}_\\,]", "", text)
    return max((len(line) for line in plain.split("\n")), default=0)


def draw_matrix(ax, texts, roles, *, notes=None, note_role="kernel",
                values=None, limit=None, highlights=(), title=None):
    """Draw a matrix as a grid of labelled cells on ``ax``, origin at the top left.

    Parameters
    ----------
    ax : matplotlib Axes
    texts : array_like of str, shape (rows, cols)
        The label of each cell, for example its name and value on two lines.
    roles : str or array_like of str, shape (rows, cols)
        A key of ``ROLE_COLORS`` for each cell's tint (one key for all cells).
        Ignored where ``values`` colours the cells.
    notes : array_like of str, shape (rows, cols), optional
        A smaller second label near the bottom of a cell, on a box in the
        colour of ``note_role``. Empty strings draw nothing.
    values : array_like, shape (rows, cols), optional
        Colour the cells as a heatmap with ``DIVERGING_CMAP`` instead of tints.
    limit : float, optional
        Colour limits ``[-limit, limit]`` of the heatmap, so that zero is white
        and several panels share one scale. Defaults to ``max |values|``.
    highlights : sequence of (row, col, height, width, role)
        Rectangles drawn with a thick edge in ``ROLE_COLORS[role]``, in cell
        units from the top-left cell ``[row, col]``.
    title : str, optional

    Returns
    -------
    ax
    """
    texts = np.asarray(texts, dtype=object)
    if texts.ndim != 2 or texts.size == 0:
        raise ValueError(
            f"texts must be a non-empty 2-D array of labels, got shape {texts.shape}")
    rows, cols = texts.shape
    role_grid = np.broadcast_to(np.asarray(roles, dtype=object), texts.shape)
    unknown = sorted(set(role_grid.flat) - set(ROLE_COLORS))
    if unknown:
        raise ValueError(
            f"unknown role {unknown[0]!r}; use one of {sorted(ROLE_COLORS)}")

    if values is not None:
        values = as_float_array("values", values)
        if values.shape != texts.shape:
            raise ValueError(
                f"values has shape {values.shape}, but texts has shape {texts.shape}")
        if limit is None:
            limit = float(np.max(np.abs(values)))
        norm = mcolors.Normalize(-limit, limit) if limit > 0 else mcolors.Normalize(-1, 1)

    lines = max(str(t).count("\n") + 1 for t in texts.flat) + (notes is not None)
    chars = max(_visible_chars(str(t)) for t in texts.flat)
    size = _font_size(ax, texts.shape, lines, chars)

    for i, j in np.ndindex(texts.shape):
        if values is not None:
            face = DIVERGING_CMAP(norm(values[i, j]))
        else:
            face = _tint(ROLE_COLORS[role_grid[i, j]])
        ax.add_patch(mpatches.Rectangle(
            (j - 0.5, i - 0.5), 1, 1, facecolor=face,
            edgecolor=ROLE_COLORS["text"], linewidth=1))
        shift = -0.14 if notes is not None and notes[i][j] else 0.0
        ax.text(j, i + shift, str(texts[i, j]), ha="center", va="center",
                fontsize=size, color=_text_color_on(face))
        if notes is not None and notes[i][j]:
            ax.text(j, i + 0.28, notes[i][j], ha="center", va="center",
                    fontsize=0.85 * size, color=ROLE_COLORS["text"],
                    bbox={"boxstyle": "round,pad=0.15", "linewidth": 0,
                          "facecolor": ROLE_COLORS[note_role]})

    for row, col, height, width, role in highlights:
        ax.add_patch(mpatches.Rectangle(
            (col - 0.5, row - 0.5), width, height, fill=False,
            edgecolor=ROLE_COLORS[role], linewidth=WINDOW_LINE_WIDTH, zorder=3))

    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title is not None:
        ax.set_title(title)
    return ax


def _cell_inches(panel_rows, panel_cols, matrix_shape, width_ratios=None):
    rows, cols = matrix_shape
    ratios = width_ratios or [cols] * panel_cols
    width_units = sum(ratios) + panel_cols * SIDE_ROOM
    height_units = panel_rows * (rows + TITLE_ROOM)
    cell = min(MAX_CELL_INCHES, MAX_FIGURE_WIDTH / width_units,
               MAX_FIGURE_HEIGHT / height_units)
    return cell, (width_units * cell, height_units * cell)


def _grid_figure(panel_rows, panel_cols, matrix_shape, width_ratios=None):
    """Create a figure of panel_rows x panel_cols panels sized from the matrix shape."""
    _, figsize = _cell_inches(panel_rows, panel_cols, matrix_shape, width_ratios)
    fig, axes = plt.subplots(
        panel_rows, panel_cols, squeeze=False, layout="constrained",
        figsize=figsize,
        gridspec_kw={"width_ratios": width_ratios or [1] * panel_cols})
    return fig, axes


def _panel_figure(layout, matrix_shape):
    """Create panels for a ``layout`` (rows, cols) of matrices, or one row if its cells are bigger.

    Returns the figure and a function from a row-major panel number to its Axes.
    Laying the panels out like C reads well, but a single row gives bigger
    cells whenever the figure's height limit binds.
    """
    count = layout[0] * layout[1]
    natural, _ = _cell_inches(*layout, matrix_shape)
    single_row, _ = _cell_inches(1, count, matrix_shape)
    if single_row > natural:
        layout = (1, count)
    fig, axes = _grid_figure(*layout, matrix_shape)
    return fig, lambda number: axes.flat[number]


def _names(prefix, shape):
    return np.array([[_label(element_name(prefix, i, j, shape))
                      for j in range(shape[1])] for i in range(shape[0])],
                    dtype=object)


def _names_and_values(prefix, array, decimals=2):
    names = _names(prefix, array.shape)
    return np.array([[f"{names[i, j]}\n{format_value(array[i, j], decimals)}"
                      for j in range(array.shape[1])]
                     for i in range(array.shape[0])], dtype=object)


def _check_same_length(**sequences):
    lengths = {name: len(seq) for name, seq in sequences.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(
            f"expected one entry per array, got lengths {lengths}")


# ---------------------------------------------------------------------------
# Matrices side by side
# ---------------------------------------------------------------------------

def plot_matrices(arrays, prefixes, roles, titles):
    """Draw several matrices side by side, each cell labelled with its name and value.

    Parameters
    ----------
    arrays : sequence of array_like, each 2-D, any shapes
    prefixes : sequence of str
        The element-name prefix of each array: ``"p"``, ``"k"``, ``"c"``, ``"δc"``.
    roles : sequence of str
        The ``ROLE_COLORS`` key that tints each array.
    titles : sequence of str

    Returns
    -------
    matplotlib.figure.Figure
        One Axes per array, with equal cell sizes.
    """
    _check_same_length(arrays=arrays, prefixes=prefixes, roles=roles, titles=titles)
    if len(arrays) == 0:
        raise ValueError("arrays is empty; pass at least one 2-D array")
    arrays = [as_float_array(f"arrays[{n}]", a) for n, a in enumerate(arrays)]
    tallest = max(a.shape[0] for a in arrays)
    ratios = [a.shape[1] for a in arrays]

    with projector_style():
        fig, axes = _grid_figure(1, len(arrays), (tallest, max(ratios)),
                                 width_ratios=ratios)
        for ax, array, prefix, role, title in zip(axes[0], arrays, prefixes,
                                                  roles, titles):
            draw_matrix(ax, _names_and_values(prefix, array), role, title=title)
            # Keep cells the same size when one matrix has fewer rows.
            ax.set_ylim(tallest - 0.5, -0.5)
    return fig


def plot_heatmaps(arrays, titles, prefix, decimals=2):
    """Draw arrays of one quantity as heatmaps with shared colour limits.

    Each cell shows its name (``prefix`` + 1-based index) and its value rounded
    to ``decimals`` places. The colour limits are ``±max |value|`` over all
    panels, so equal values have equal colours and zero is white.

    Returns
    -------
    matplotlib.figure.Figure
        One Axes per array.
    """
    _check_same_length(arrays=arrays, titles=titles)
    if len(arrays) == 0:
        raise ValueError("arrays is empty; pass at least one 2-D array")
    arrays = [as_float_array(f"arrays[{n}]", a) for n, a in enumerate(arrays)]
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        raise ValueError(
            f"arrays have different shapes {sorted(shapes)}; heatmaps with a "
            f"shared scale need arrays of one shape")
    limit = max(float(np.max(np.abs(a))) for a in arrays)

    with projector_style():
        fig, axes = _grid_figure(1, len(arrays), arrays[0].shape)
        for ax, array, title in zip(axes[0], arrays, titles):
            draw_matrix(ax, _names_and_values(prefix, array, decimals), "gradient",
                        values=array, limit=limit, title=title)
    return fig


# ---------------------------------------------------------------------------
# Forward pass
# ---------------------------------------------------------------------------

def plot_index_map(shape):
    """Show the three ways to name an input element: p11, P1 and numpy's [0, 0].

    Parameters
    ----------
    shape : pair of int (H, W)

    Returns
    -------
    matplotlib.figure.Figure
        Three Axes: 1-based names ``p_ij``, the row-by-row numbers ``P1 ..``,
        and 0-based numpy indices ``[i, j]``, each over the same grid.
    """
    shape = check_shape_pair("shape", shape)
    names = _names("p", shape)
    numbers = np.empty(shape, dtype=object)
    indices = np.empty(shape, dtype=object)
    for i, j in np.ndindex(shape):
        numbers[i, j] = element_number(i, j, shape)
        indices[i, j] = f"[{i}, {j}]"

    with projector_style():
        fig, axes = _grid_figure(1, 3, shape)
        draw_matrix(axes[0, 0], names, "input", title="1-based: $p_{ij}$")
        draw_matrix(axes[0, 1], numbers, "input", title="row by row: P1, P2, ...")
        draw_matrix(axes[0, 2], indices, "input", title="numpy, 0-based: P[i, j]")
    return fig


def plot_forward_windows(p, kernel):
    """Show, for every output c_ij, the window of P that the kernel covers.

    Parameters
    ----------
    p : array_like, shape (H, W)
    kernel : array_like, shape (kh, kw), with kh <= H and kw <= W

    Returns
    -------
    matplotlib.figure.Figure
        One Axes per element of C, (H - kh + 1) * (W - kw + 1) in all, laid
        out like C or in one row when that gives bigger cells. The panel of
        c_ij shows P with its window highlighted and the value of c_ij,
        computed by :func:`correlate_valid`, in the title.
    """
    p = as_float_array("p", p)
    kernel = as_float_array("kernel", kernel)
    check_kernel_fits(p.shape, kernel.shape, x_name="p")
    c = correlate_valid(p, kernel)
    kh, kw = kernel.shape
    texts = _names_and_values("p", p)

    with projector_style():
        fig, panel = _panel_figure(c.shape, p.shape)
        for number, (i, j) in enumerate(np.ndindex(c.shape)):
            roles = np.full(p.shape, "input", dtype=object)
            roles[i:i + kh, j:j + kw] = "window"
            title = f"{_label(element_name('c', i, j, c.shape))} = {format_value(c[i, j])}"
            draw_matrix(panel(number), texts, roles, title=title,
                        highlights=[(i, j, kh, kw, "window")])
    return fig


# ---------------------------------------------------------------------------
# Backward pass: which kernel placements cover one input element
# ---------------------------------------------------------------------------

def covering_outputs(i, j, input_shape, kernel_shape):
    """List the outputs whose window covers input ``[i, j]`` (0-based), with the weight on it.

    Returns
    -------
    list of ((r, s), (a, b))
        Output index ``[r, s]`` of C and kernel index ``[a, b]`` such that
        ``k[a, b]`` multiplies ``p[i, j]`` in ``c[r, s]``: ``r + a = i`` and
        ``s + b = j``. Row by row in ``(r, s)``. A corner of P has one entry,
        and an element far from the border has ``kh * kw``.
    """
    input_shape = check_shape_pair("input_shape", input_shape)
    kernel_shape = check_shape_pair("kernel_shape", kernel_shape)
    check_kernel_fits(input_shape, kernel_shape, x_name="input")
    for name, index, size in (("i", i, input_shape[0]), ("j", j, input_shape[1])):
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"{name} must be an int (0-based index), got {index!r}")
        if not 0 <= index < size:
            raise ValueError(
                f"{name} = {index} is outside the input of shape {input_shape}; "
                f"use 0 <= {name} <= {size - 1} (0-based, as numpy indexes)")
    kh, kw = kernel_shape
    out_rows = input_shape[0] - kh + 1
    out_cols = input_shape[1] - kw + 1
    return [((r, s), (i - r, j - s))
            for r in range(max(0, i - kh + 1), min(i, out_rows - 1) + 1)
            for s in range(max(0, j - kw + 1), min(j, out_cols - 1) + 1)]


def plot_gradient_cover(i, j, input_shape, kernel_shape):
    """Show every kernel placement that covers input ``[i, j]`` (0-based).

    Each panel is one output c_rs whose window contains p_ij. The window's
    cells carry the kernel weight that multiplies them, p_ij is outlined in
    the gradient colour, and the title names the δc of that output and the
    weight on p_ij: together the terms ``δc_rs k_ab`` of δp_ij.

    Returns
    -------
    matplotlib.figure.Figure
        One Axes per covering output, laid out as those outputs sit in C or
        in one row when that gives bigger cells. The worked example (3x3
        input, 2x2 kernel) has one panel for a corner of P, two for an edge
        and four for the centre.
    """
    covers = covering_outputs(i, j, input_shape, kernel_shape)
    input_shape = check_shape_pair("input_shape", input_shape)
    kh, kw = check_shape_pair("kernel_shape", kernel_shape)
    output_shape = (input_shape[0] - kh + 1, input_shape[1] - kw + 1)
    out_rows = sorted({r for (r, _), _ in covers})
    out_cols = sorted({s for (_, s), _ in covers})
    names = _names("p", input_shape)
    target = _label(element_name("p", i, j, input_shape))

    with projector_style():
        fig, panel = _panel_figure((len(out_rows), len(out_cols)), input_shape)
        for number, ((r, s), (a, b)) in enumerate(covers):
            roles = np.full(input_shape, "input", dtype=object)
            roles[r:r + kh, s:s + kw] = "window"
            roles[i, j] = "gradient"
            notes = np.full(input_shape, "", dtype=object)
            for u, v in np.ndindex(kh, kw):
                notes[r + u, s + v] = _label(element_name("k", u, v, (kh, kw)))
            delta = _label(element_name("δc", r, s, output_shape))
            weight = _label(element_name("k", a, b, (kh, kw)))
            draw_matrix(panel(number), names, roles,
                        notes=notes, title=f"{delta}: {weight} on {target}",
                        highlights=[(r, s, kh, kw, "window"),
                                    (i, j, 1, 1, "gradient")])
    return fig


# ---------------------------------------------------------------------------
# One gradient as a displayable notebook step
# ---------------------------------------------------------------------------

def _position_word(i, j, shape):
    on_row_border = i in (0, shape[0] - 1)
    on_col_border = j in (0, shape[1] - 1)
    if on_row_border and on_col_border:
        return "a corner of P"
    if on_row_border or on_col_border:
        return "on an edge of P"
    if (shape[0] - 2) * (shape[1] - 2) == 1:
        return "the centre of P"
    return "inside P"


@dataclasses.dataclass(frozen=True)
class GradientStep:
    """The derivation of one δp, for display in a notebook and for tests.

    Displaying it in IPython shows a heading, the outputs that p feeds, the
    formula derived by sympy, the formula with the example numbers and the
    cover figure. Every field is computed, and none is typed by hand.
    """

    number: int
    index: tuple
    name: str
    position: str
    outputs: tuple
    terms: tuple
    latex: str
    numbers_latex: str
    value: float
    input_shape: tuple
    kernel_shape: tuple

    def figure(self):
        """Return the cover figure of this element: see :func:`plot_gradient_cover`."""
        return plot_gradient_cover(*self.index, self.input_shape, self.kernel_shape)

    def _ipython_display_(self):
        from IPython.display import Markdown, Math, display

        p_name = f"${math_name(self.name)}$"
        count = len(self.outputs)
        feeds = ", ".join(f"${math_name(c)}$" for c in self.outputs)
        display(Markdown(f"### $\\delta {math_name(self.name)}$ (P{self.number})"))
        display(Markdown(
            f"{p_name} is {self.position} and feeds {count} "
            f"output{'s' if count != 1 else ''}: {feeds}."))
        display(Math(f"\\delta {math_name(self.name)} = {self.latex}"))
        display(Math(f"\\delta {math_name(self.name)} = {self.numbers_latex}"
                     f" = {format_value(self.value)}"))
        fig = self.figure()
        display(fig)
        plt.close(fig)


def show_gradient(number, kernel, delta_c):
    """Derive δp number ``number`` (1-based, row by row: P1, P2, ...) as a displayable step.

    Parameters
    ----------
    number : int
        1 .. H * W, where (H, W) = (h + kh - 1, w + kw - 1) is the input shape.
    kernel : array_like, shape (kh, kw)
    delta_c : array_like, shape (h, w)

    Returns
    -------
    GradientStep
        The formula comes from :func:`gradient_formulas`, the value from
        :func:`delta_p_chain_rule`; put it last in a cell to display it.
    """
    kernel = as_float_array("kernel", kernel)
    delta_c = as_float_array("delta_c", delta_c)
    kh, kw = kernel.shape
    input_shape = (delta_c.shape[0] + kh - 1, delta_c.shape[1] + kw - 1)
    size = input_shape[0] * input_shape[1]
    if isinstance(number, bool) or not isinstance(number, (int, np.integer)):
        raise TypeError(f"number must be an int from 1 to {size}, got {number!r}")
    if not 1 <= number <= size:
        raise ValueError(
            f"number = {number} is outside P1 .. P{size} of an input of shape "
            f"{input_shape}; pass 1 .. {size} (row by row, 1-based)")

    i, j = divmod(int(number) - 1, input_shape[1])
    formula = gradient_formulas(input_shape, kernel.shape)[f"P{number}"]
    terms = tuple(gradient_terms(formula))
    values = symbol_values("k", kernel) | symbol_values("δc", delta_c)
    return GradientStep(
        number=int(number),
        index=(i, j),
        name=element_name("p", i, j, input_shape),
        position=_position_word(i, j, input_shape),
        outputs=tuple(delta[1:] for delta, _ in terms),
        terms=terms,
        latex=formula_latex(formula),
        numbers_latex=formula_latex(formula, values),
        value=float(delta_p_chain_rule(delta_c, kernel)[i, j]),
        input_shape=input_shape,
        kernel_shape=(kh, kw),
    )
