"""HTML views of the rotated-kernel full convolution, shared by notebook 03 and its panel.

Every function here is pure: it takes arrays or a :class:`PanelState` and returns
an HTML string. The same strings fill the live ipywidgets views and the static
cells of the notebook, so what a test computes in Python is what the browser
shows. Styles are inline, so the HTML also reads in exported slides.

CSS classes that browser tests select on:

- ``rotconv-in-window``: a cell of the padded δC that lies in the current window.
- ``rotconv-padding``: a zero that ``pad_full`` added.
- ``rotconv-current``: the δP cell or formula of the current window position.
- ``rotconv-value``: a cell that shows a δP value. It carries
  ``data-value="<repr of the float>"`` and the text ``format_number(value)``.
"""

import html
import math

import numpy as np

from .style import ROLE_COLORS
from .symbolic import DELTA_C_PREFIX, element_name

__all__ = [
    "format_number",
    "render_matrices",
    "render_padding",
    "render_rotation",
    "render_window_view",
    "render_formulas",
    "render_delta_p_table",
    "difference_bound",
    "render_agreement",
    "render_scatter_gather",
    "render_panel",
]

# Values closer to zero than this are shown as 0: they are rounding residue
# (for example 0.1 * 3 - 0.3), not numbers a student typed.
DISPLAY_ZERO = 5e-10

CELL_STYLE = (
    "text-align:center;vertical-align:middle;border:1px solid #999999;"
    "padding:2px;font-size:15px;"
)
# Line height and caption size are set because ipywidgets 8 gives the content
# of an HTML widget a line height of 28px, and a slide deck gives it a 20px font.
TABLE_STYLE = "border-collapse:collapse;margin:4px 12px 4px 0;line-height:1.25;"
CAPTION_STYLE = "caption-side:top;font-weight:bold;padding-bottom:4px;font-size:15px;"
SMALL_STYLE = "display:block;font-size:11px;color:#555555;"


def format_number(value):
    """Format a number for display: ``2.0`` becomes ``"2"``, ``1/3`` becomes ``"0.3333"``.

    Whole numbers below a million are shown without a decimal point, others
    with 4 significant digits. Magnitudes below 5e-10 are shown as ``"0"``,
    which also turns ``-0.0`` into ``"0"``. This is the only function that
    formats numbers in the views, so tests can compute the expected text.

    Examples
    --------
    >>> format_number(-1.0), format_number(2.5), format_number(1 / 3)
    ('-1', '2.5', '0.3333')
    """
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if abs(value) < DISPLAY_ZERO:
        return "0"
    if value.is_integer() and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.4g}"


def _tint(hex_color, amount):
    """Mix ``hex_color`` with white; ``amount`` 0 gives white, 1 the colour."""
    channels = [int(hex_color[i:i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(255 - amount * (255 - c)) for c in channels]
    return "#" + "".join(f"{c:02X}" for c in mixed)


WINDOW_FILL = _tint(ROLE_COLORS["window"], 0.18)
CURRENT_FILL = _tint(ROLE_COLORS["gradient"], 0.2)
KERNEL_FILL = _tint(ROLE_COLORS["kernel"], 0.2)
GRADIENT_FILL = _tint(ROLE_COLORS["gradient"], 0.12)
PADDING_FILL = "#F2F2F2"


def _subscript_name(name):
    """Turn ``"δc12"`` into ``δc<sub>12</sub>`` and ``"k1_10"`` into ``k<sub>1,10</sub>``."""
    for prefix in (DELTA_C_PREFIX, "δp", "k", "p"):
        if name.startswith(prefix):
            index = name[len(prefix):].replace("_", ",")
            return f"{prefix}<sub>{index}</sub>"
    return html.escape(name)


def _names(prefix, shape):
    return [[element_name(prefix, i, j, shape) for j in range(shape[1])]
            for i in range(shape[0])]


def _table(rows, caption, column_labels=True):
    """Join ``rows`` (lists of ``<td>`` strings) into a table with 1-based headers."""
    parts = [f'<table style="{TABLE_STYLE}">']
    parts.append(f'<caption style="{CAPTION_STYLE}">{caption}</caption>')
    if column_labels:
        header = "".join(f'<th style="font-weight:normal;color:#555555;">{j + 1}</th>'
                         for j in range(len(rows[0])))
        parts.append(f"<tr><th></th>{header}</tr>")
    for i, cells in enumerate(rows):
        label = (f'<th style="font-weight:normal;color:#555555;padding-right:4px;">'
                 f'{i + 1}</th>') if column_labels else ""
        parts.append(f"<tr>{label}{''.join(cells)}</tr>")
    parts.append("</table>")
    return "".join(parts)


def _cell(text, classes=(), fill=None, border=None, extra="", attributes="",
          size=("3.6em", "2.6em"), color=None):
    style = f"width:{size[0]};height:{size[1]};" + CELL_STYLE
    if color is not None:
        style += f"color:{color};"
    if fill is not None:
        style += f"background:{fill};"
    if border is not None:
        style += f"border:3px solid {border};"
    class_text = f' class="{" ".join(classes)}"' if classes else ""
    return f'<td{class_text}{attributes} style="{style}">{text}{extra}</td>'


def _row(*blocks):
    """Place HTML blocks side by side, aligned at the top."""
    inner = "".join(f'<div style="margin-right:16px;">{b}</div>' for b in blocks)
    return f'<div style="display:flex;flex-wrap:wrap;align-items:flex-start;">{inner}</div>'


# ---------------------------------------------------------------------------
# Matrices, padding and rotation
# ---------------------------------------------------------------------------

def _matrix_table(values, caption, names=None, fill=None, padding=None):
    rows = []
    for i in range(values.shape[0]):
        cells = []
        for j in range(values.shape[1]):
            is_padding = padding is not None and padding[i, j]
            label = ""
            if names is not None and not is_padding:
                label = f'<span style="{SMALL_STYLE}">{_subscript_name(names[i][j])}</span>'
            if is_padding:
                cells.append(_cell(format_number(values[i, j]), ("rotconv-padding",),
                                   fill=PADDING_FILL, extra=label,
                                   color=ROLE_COLORS["padding"]))
            else:
                cells.append(_cell(format_number(values[i, j]), fill=fill, extra=label))
        rows.append(cells)
    return _table(rows, caption)


def render_matrices(named_arrays):
    """Render a dict from caption to 2-D array as tables side by side."""
    tables = [_matrix_table(np.asarray(values, dtype=float), html.escape(caption))
              for caption, values in named_arrays.items()]
    return _row(*tables)


def _padding_mask(delta_c_shape, kernel_shape):
    kh, kw = kernel_shape
    rows, cols = delta_c_shape
    mask = np.ones((rows + 2 * (kh - 1), cols + 2 * (kw - 1)), dtype=bool)
    mask[kh - 1:kh - 1 + rows, kw - 1:kw - 1 + cols] = False
    return mask


def _padded_names(delta_c_shape, kernel_shape):
    mask = _padding_mask(delta_c_shape, kernel_shape)
    kh, kw = kernel_shape
    names = [["0"] * mask.shape[1] for _ in range(mask.shape[0])]
    for i in range(delta_c_shape[0]):
        for j in range(delta_c_shape[1]):
            names[i + kh - 1][j + kw - 1] = element_name(DELTA_C_PREFIX, i, j,
                                                         delta_c_shape)
    return names


def render_padding(delta_c, padded):
    """Render δC next to its zero-padded copy, the padding in grey."""
    delta_c = np.asarray(delta_c, dtype=float)
    kernel_shape = ((padded.shape[0] - delta_c.shape[0]) // 2 + 1,
                    (padded.shape[1] - delta_c.shape[1]) // 2 + 1)
    mask = _padding_mask(delta_c.shape, kernel_shape)
    names = _padded_names(delta_c.shape, kernel_shape)
    return _row(
        _matrix_table(delta_c, "δC", _names(DELTA_C_PREFIX, delta_c.shape),
                      fill=GRADIENT_FILL),
        _matrix_table(padded, "pad_full(δC, K.shape)", names, fill=GRADIENT_FILL,
                      padding=mask),
    )


def render_rotation(kernel, rotated):
    """Render K next to rot180(K), each weight with its name, so the flip is visible."""
    kernel = np.asarray(kernel, dtype=float)
    names = _names("k", kernel.shape)
    rotated_names = [row[::-1] for row in names[::-1]]
    return _row(
        _matrix_table(kernel, "K", names, fill=KERNEL_FILL),
        _matrix_table(rotated, "rot180(K)", rotated_names, fill=KERNEL_FILL),
    )


# ---------------------------------------------------------------------------
# The window of one position, and the formulas
# ---------------------------------------------------------------------------

def _delta_p_label(state, i, j):
    return _subscript_name(element_name("δp", i, j, state.delta_p_full.shape))


def render_window_view(state):
    """Render one step: padded δC with the window, its products, and δp against the chain rule.

    The window's cells carry the class ``rotconv-in-window`` and show the
    rot180(K) weight that lies on them. Products with a padding zero are
    struck through in grey, because they add nothing to δp.
    """
    i0, j0 = state.window
    kh, kw = state.kernel.shape
    mask = _padding_mask(state.delta_c.shape, state.kernel.shape)
    names = _padded_names(state.delta_c.shape, state.kernel.shape)
    rotated_names = [row[::-1] for row in _names("k", state.kernel.shape)[::-1]]

    rows = []
    for i in range(state.padded.shape[0]):
        cells = []
        for j in range(state.padded.shape[1]):
            in_window = i0 <= i < i0 + kh and j0 <= j < j0 + kw
            classes = []
            label = ""
            fill = PADDING_FILL if mask[i, j] else GRADIENT_FILL
            border = None
            if mask[i, j]:
                classes.append("rotconv-padding")
            else:
                label = f'<span style="{SMALL_STYLE}">{_subscript_name(names[i][j])}</span>'
            if in_window:
                classes.append("rotconv-in-window")
                fill = WINDOW_FILL
                border = ROLE_COLORS["window"]
                weight = rotated_names[i - i0][j - j0]
                label += (f'<span style="{SMALL_STYLE}color:{ROLE_COLORS["kernel"]};">'
                          f'× {_subscript_name(weight)}</span>')
            color = ROLE_COLORS["padding"] if mask[i, j] else None
            cells.append(_cell(format_number(state.padded[i, j]), classes, fill,
                               border, extra=label, color=color))
        rows.append(cells)
    window_table = _table(rows, "pad_full(δC) with the rot180(K) window")

    product_lines = []
    for a in range(kh):
        for b in range(kw):
            i, j = i0 + a, j0 + b
            weight_name = _subscript_name(rotated_names[a][b])
            value = state.padded[i, j]
            weight = state.rotated[a, b]
            if mask[i, j]:
                product_lines.append(
                    f'<div style="color:{ROLE_COLORS["padding"]};'
                    f'text-decoration:line-through;">0 (padding) × {weight_name}'
                    f' = 0 × ({format_number(weight)}) = 0</div>')
            else:
                product_lines.append(
                    f"<div>{_subscript_name(names[i][j])} × {weight_name} = "
                    f"({format_number(value)}) × ({format_number(weight)}) = "
                    f"<b>{format_number(state.products[a, b])}</b></div>")

    target = _delta_p_label(state, i0, j0)
    full_value = state.delta_p_full[i0, j0]
    chain_value = state.formula_values[i0, j0]
    same = "✓ the same" if abs(full_value - chain_value) <= state.tolerance else "✗ different"
    summary = (
        f'<div style="margin-top:6px;">sum of the products: {target} = '
        f'<b>{format_number(full_value)}</b></div>'
        f'<div>chain rule: {target} = {_formula_terms_html(state, i0, j0)} = '
        f'<b>{format_number(chain_value)}</b></div>'
        f'<div style="color:{ROLE_COLORS["gradient"]};font-weight:bold;">{same}</div>'
    )
    title = (f'<div style="font-weight:bold;">Window at row {i0 + 1}, column {j0 + 1} '
             f'gives {target}</div>')
    products = ('<div style="font-size:15px;line-height:1.6;margin-top:24px;">'
                + "".join(product_lines) + summary + "</div>")
    return title + _row(window_table, products)


def _formula_terms_html(state, i, j):
    terms = state.formula_terms[i][j]
    return " + ".join(f"{_subscript_name(d)} {_subscript_name(k)}" for d, k in terms)


def _formula_numbers_html(state, i, j):
    values = state.symbol_values
    return " + ".join(f"({format_number(values[d])})({format_number(values[k])})"
                      for d, k in state.formula_terms[i][j])


def render_formulas(state):
    """Render every δp formula of the chain rule with the current numbers substituted.

    The row of the current window position carries the class ``rotconv-current``.
    """
    rows = []
    for i in range(state.delta_p_full.shape[0]):
        for j in range(state.delta_p_full.shape[1]):
            current = (i, j) == tuple(state.window)
            style = f"background:{CURRENT_FILL};" if current else ""
            class_text = ' class="rotconv-current"' if current else ""
            rows.append(
                f'<tr{class_text} style="{style}">'
                f'<td style="padding:0 6px;">{_delta_p_label(state, i, j)}</td>'
                f'<td style="padding:0 6px;">= {_formula_terms_html(state, i, j)}</td>'
                f'<td style="padding:0 6px;">= {_formula_numbers_html(state, i, j)}</td>'
                f'<td style="padding:0 6px;">= <b>{format_number(state.formula_values[i, j])}'
                f'</b></td></tr>')
    return (f'<table style="{TABLE_STYLE}font-size:14px;">'
            f'<caption style="{CAPTION_STYLE}">The chain-rule formulas, with numbers</caption>'
            + "".join(rows) + "</table>")


# ---------------------------------------------------------------------------
# δP tables and the agreement panel
# ---------------------------------------------------------------------------

def render_delta_p_table(values, caption, current=None):
    """Render δP as a table whose value cells carry ``data-value`` and ``format_number`` text.

    ``current`` is the (row, column) to highlight, or None.
    """
    values = np.asarray(values, dtype=float)
    rows = []
    for i in range(values.shape[0]):
        cells = []
        for j in range(values.shape[1]):
            is_current = current is not None and (i, j) == tuple(current)
            classes = ["rotconv-value"] + (["rotconv-current"] if is_current else [])
            name = element_name("δp", i, j, values.shape)
            attributes = f' data-value="{float(values[i, j])!r}" title="{name}"'
            cells.append(_cell(format_number(values[i, j]), classes,
                               CURRENT_FILL if is_current else None,
                               ROLE_COLORS["window"] if is_current else None,
                               attributes=attributes))
        rows.append(cells)
    return _table(rows, html.escape(caption))


def difference_bound(state):
    """Return a power of ten at or above ``state.max_abs_difference``.

    The bound is at least a thousandth of ``state.tolerance``, about ten times
    the rounding error that ``compute_state`` estimates for the finite
    differences, so the bound stays the same when that error varies a little.

    >>> import rotconv_helpers as rh
    >>> state = rh.compute_state(rh.EXAMPLE_K, rh.EXAMPLE_DELTA_C)
    >>> state.max_abs_difference <= difference_bound(state) <= state.tolerance
    True
    """
    floor = state.tolerance / 1000
    return 10.0 ** math.ceil(math.log10(max(state.max_abs_difference, floor)))


def render_agreement(state, exact=True):
    """Render the check chain rule = full convolution = finite differences.

    With ``exact=False`` the maximum difference is shown as
    :func:`difference_bound`, for output that is stored and compared.
    """
    agree = state.max_abs_difference <= state.tolerance
    verdict = "agree" if agree else "DISAGREE"
    color = ROLE_COLORS["gradient"] if agree else ROLE_COLORS["window"]
    mark = "✓" if agree else "✗"
    if exact:
        difference = f"{state.max_abs_difference:.1e}"
    else:
        difference = f"at most {difference_bound(state):.0e}"
    return (
        f'<div style="font-size:15px;line-height:1.6;">'
        f'<div style="font-weight:bold;">chain rule = full convolution = finite differences</div>'
        f'<div style="color:{color};font-weight:bold;">{mark} {verdict}</div>'
        f'<div>max abs difference: {difference}</div>'
        f'<div style="color:#555555;font-size:12px;">tolerance {state.tolerance:.0e}; '
        f'finite differences use step {state.finite_difference_step:g}</div>'
        f"</div>"
    )


# ---------------------------------------------------------------------------
# Scatter and gather, on names only
# ---------------------------------------------------------------------------

def render_scatter_gather(target, kernel_shape=(2, 2), delta_c_shape=(2, 2)):
    """Render how δp at ``target`` is built by scattering copies of K and by gathering a window.

    Scatter (left): one small δP grid per δc, showing the copy of K that this
    δc adds, with ``target`` outlined. Read across the grids, the weights that
    land on ``target`` sit in the order of rot180(K). Gather (right): the
    window of padded δC that ``target`` reads, each cell with its rot180(K)
    weight. ``target`` is a 0-based (row, column) of δP.
    """
    kh, kw = kernel_shape
    rows, cols = delta_c_shape
    out_shape = (rows + kh - 1, cols + kw - 1)
    ti, tj = target
    if not (0 <= ti < out_shape[0] and 0 <= tj < out_shape[1]):
        raise ValueError(f"target {target} is outside δP of shape {out_shape}; "
                         f"pass a 0-based (row, column) inside it")
    kernel_names = _names("k", kernel_shape)
    delta_names = _names(DELTA_C_PREFIX, delta_c_shape)

    copies = []
    for i in range(rows):
        copy_row = []
        for j in range(cols):
            grid = []
            for r in range(out_shape[0]):
                cells = []
                for c in range(out_shape[1]):
                    a, b = r - i, c - j
                    covered = 0 <= a < kh and 0 <= b < kw
                    text = _subscript_name(kernel_names[a][b]) if covered else ""
                    is_target = (r, c) == (ti, tj)
                    cells.append(_cell(text, fill=KERNEL_FILL if covered else None,
                                       border=ROLE_COLORS["window"] if is_target else None,
                                       size=("2.4em", "1.6em")))
                grid.append(cells)
            caption = f"{_subscript_name(delta_names[i][j])} × K"
            copy_row.append(_table(grid, caption, column_labels=False))
        copies.append(_row(*copy_row))
    scatter = ('<div><div style="font-weight:bold;">Scatter: each δc adds a copy of K '
               'into δP</div>' + "".join(copies) + "</div>")

    padded_names = _padded_names(delta_c_shape, kernel_shape)
    rotated_names = [row[::-1] for row in kernel_names[::-1]]
    window = []
    for a in range(kh):
        cells = []
        for b in range(kw):
            name = padded_names[ti + a][tj + b]
            weight = _subscript_name(rotated_names[a][b])
            if name == "0":
                cells.append(_cell(f"0 × {weight}", ("rotconv-padding",), PADDING_FILL,
                                   size=("6em", "2.6em"), color=ROLE_COLORS["padding"]))
            else:
                cells.append(_cell(f"{_subscript_name(name)} × {weight}",
                                   ("rotconv-in-window",), WINDOW_FILL,
                                   ROLE_COLORS["window"], size=("6em", "2.6em")))
        window.append(cells)
    target_name = _subscript_name(element_name("δp", ti, tj, out_shape))
    gather_table = _table(window, f"window of pad_full(δC) for {target_name}",
                          column_labels=False)
    gather = ('<div><div style="font-weight:bold;">Gather: '
              f'{target_name} reads one window through rot180(K)</div>'
              + gather_table + "</div>")
    return _row(scatter, gather)


def render_panel(state):
    """Render a static picture of the whole panel: inputs, window, formulas, δP and agreement."""
    inputs = render_matrices({"K": state.kernel, "δC": state.delta_c})
    delta_p_tables = _row(
        render_delta_p_table(state.delta_p_chain, "δP by the chain rule", state.window),
        render_delta_p_table(state.delta_p_full, "δP by the full convolution",
                             state.window),
        # The finite-difference rounding error differs between CPUs, and nbval
        # compares this stored HTML, so it shows a bound instead of the value.
        render_agreement(state, exact=False),
    )
    return (f'<div class="rotconv-static">{inputs}{render_window_view(state)}'
            f"{render_formulas(state)}{delta_p_tables}</div>")
