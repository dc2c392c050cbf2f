"""Element names and computer-algebra versions of the forward and backward pass.

Symbols use the worked example's 1-based names: p11 .. p33 for P (also numbered
P1 .. P9 row by row), k11 .. k22 for K, c11 .. c22 for C and δc11 .. δc22 for δC.
The formulas are derived by sympy from the definition of the forward pass, never
typed by hand.
"""

import re

import sympy

from .numerics import check_shape_pair

__all__ = [
    "element_name",
    "element_number",
    "symbol_matrix",
    "correlate_valid_symbolic",
    "delta_p_full_conv_symbolic",
    "forward_formulas",
    "gradient_formulas",
    "gradient_terms",
    "formula_latex",
]

EXAMPLE_INPUT_SHAPE = (3, 3)
EXAMPLE_KERNEL_SHAPE = (2, 2)
DELTA_C_PREFIX = "δc"


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------

def element_name(prefix, i, j, shape=(9, 9)):
    """Return the 1-based name of the element at 0-based numpy index ``[i, j]``.

    ``element_name("p", 0, 1)`` is ``"p12"``. When the shape has ten or more
    rows or columns the two indices are separated by an underscore, so that
    ``p1_11`` and ``p11_1`` stay distinct.

    Examples
    --------
    >>> element_name("p", 2, 0)
    'p31'
    """
    if max(shape) >= 10:
        return f"{prefix}{i + 1}_{j + 1}"
    return f"{prefix}{i + 1}{j + 1}"


def element_number(i, j, shape):
    """Return the row-by-row number of ``[i, j]``: ``"P1"`` for ``[0, 0]``.

    Examples
    --------
    >>> element_number(1, 0, (3, 3))
    'P4'
    """
    rows, cols = check_shape_pair("shape", shape)
    if not (0 <= i < rows and 0 <= j < cols):
        raise IndexError(f"index [{i}, {j}] is outside the shape {shape}")
    return f"P{i * cols + j + 1}"


def symbol_matrix(prefix, shape):
    """Return a sympy Matrix of symbols named like ``prefix`` + 1-based indices.

    >>> symbol_matrix("k", (2, 2))
    Matrix([
    [k11, k12],
    [k21, k22]])
    """
    rows, cols = check_shape_pair("shape", shape)
    return sympy.Matrix(rows, cols, lambda i, j: sympy.Symbol(
        element_name(prefix, i, j, (rows, cols))))


# ---------------------------------------------------------------------------
# Forward and backward pass on symbols
# ---------------------------------------------------------------------------

def correlate_valid_symbolic(x, kernel):
    """Compute the 'valid' cross-correlation of two sympy matrices.

    The same sum as :func:`rotconv_helpers.correlate_valid`, with entries kept
    as expressions: ``out[i, j] = Σ x[i + a, j + b] kernel[a, b]``.
    """
    kh, kw = kernel.shape
    rows = x.shape[0] - kh + 1
    cols = x.shape[1] - kw + 1
    if rows < 1 or cols < 1:
        raise ValueError(
            f"kernel of shape {kernel.shape} is larger than x of shape {x.shape}"
        )
    return sympy.Matrix(rows, cols, lambda i, j: sum(
        x[i + a, j + b] * kernel[a, b] for a in range(kh) for b in range(kw)))


def delta_p_full_conv_symbolic(delta_c, kernel):
    """Compute δP on symbols as correlate(pad_full(δC), rot180(K)).

    Returns a sympy Matrix of shape (h + kh - 1, w + kw - 1).
    """
    kh, kw = kernel.shape
    rows, cols = delta_c.shape
    padded = sympy.zeros(rows + 2 * (kh - 1), cols + 2 * (kw - 1))
    padded[kh - 1:kh - 1 + rows, kw - 1:kw - 1 + cols] = delta_c
    rotated = sympy.Matrix(kh, kw, lambda a, b: kernel[kh - 1 - a, kw - 1 - b])
    return correlate_valid_symbolic(padded, rotated)


def _example_matrices(input_shape, kernel_shape):
    input_shape = check_shape_pair("input_shape", input_shape)
    kernel_shape = check_shape_pair("kernel_shape", kernel_shape)
    if kernel_shape[0] > input_shape[0] or kernel_shape[1] > input_shape[1]:
        raise ValueError(
            f"kernel_shape {kernel_shape} is larger than input_shape "
            f"{input_shape}; use a kernel no larger than the input"
        )
    output_shape = (input_shape[0] - kernel_shape[0] + 1,
                    input_shape[1] - kernel_shape[1] + 1)
    p = symbol_matrix("p", input_shape)
    k = symbol_matrix("k", kernel_shape)
    delta_c = symbol_matrix(DELTA_C_PREFIX, output_shape)
    return p, k, delta_c


def forward_formulas(input_shape=EXAMPLE_INPUT_SHAPE,
                     kernel_shape=EXAMPLE_KERNEL_SHAPE):
    """Return the forward-pass formulas as a dict from ``"c11"`` to sympy expressions.

    Each expression is ``correlate_valid_symbolic(P, K)[i, j]`` in the symbols
    p11 .. and k11 ..; the keys run row by row.
    """
    p, k, _ = _example_matrices(input_shape, kernel_shape)
    c = correlate_valid_symbolic(p, k)
    return {
        element_name("c", i, j, c.shape): c[i, j]
        for i in range(c.shape[0]) for j in range(c.shape[1])
    }


def gradient_formulas(input_shape=EXAMPLE_INPUT_SHAPE,
                      kernel_shape=EXAMPLE_KERNEL_SHAPE):
    """Derive every δp by differentiating ``L = Σ δc_ij c_ij`` with respect to p.

    Returns
    -------
    dict
        From ``"P1"`` .. ``"P9"`` (row by row; for the worked example's 3x3
        input and 2x2 kernel) to sympy expressions in k11 .. k22 and
        δc11 .. δc22. ``L`` is the first-order part of the loss around the
        current C, so ``∂L/∂p`` is exactly the δp that backpropagation passes
        down.

    Examples
    --------
    >>> gradient_formulas()["P1"]
    k11*δc11
    """
    p, k, delta_c = _example_matrices(input_shape, kernel_shape)
    c = correlate_valid_symbolic(p, k)
    loss = sum(delta_c[i, j] * c[i, j]
               for i in range(c.shape[0]) for j in range(c.shape[1]))
    return {
        element_number(i, j, p.shape): sympy.expand(sympy.diff(loss, p[i, j]))
        for i in range(p.shape[0]) for j in range(p.shape[1])
    }


# ---------------------------------------------------------------------------
# Reading and rendering a formula
# ---------------------------------------------------------------------------

_INDEX_PATTERN = re.compile(r"^(δc|[a-zA-Z]+)(\d+(?:_\d+)?)$")


def _split_name(symbol):
    match = _INDEX_PATTERN.match(symbol.name)
    if match is None:
        raise ValueError(f"symbol {symbol.name!r} is not named like 'k12' or 'δc21'")
    return match.group(1), match.group(2)


def gradient_terms(expression):
    """List the (δc, k) pairs of a gradient formula, sorted by the δc index.

    ``gradient_formulas()["P2"]`` gives ``[("δc11", "k12"), ("δc12", "k11")]``.
    Raises ValueError for a term that is not one δc times one k.
    """
    pairs = []
    for term in sympy.Add.make_args(sympy.expand(expression)):
        factors = sympy.Mul.make_args(term)
        names = sorted(f.name for f in factors if isinstance(f, sympy.Symbol))
        deltas = [n for n in names if n.startswith(DELTA_C_PREFIX)]
        weights = [n for n in names if n.startswith("k")]
        if len(factors) != 2 or len(deltas) != 1 or len(weights) != 1:
            raise ValueError(f"term {term} is not a product δc * k")
        pairs.append((deltas[0], weights[0]))
    return sorted(pairs)


def _symbol_latex(name):
    prefix, index = _split_name(sympy.Symbol(name))
    letter = r"\delta c" if prefix == DELTA_C_PREFIX else prefix
    return f"{letter}_{{{index.replace('_', ',')}}}"


def formula_latex(expression, values=None):
    r"""Render a gradient formula as LaTeX with δc first in every term.

    Parameters
    ----------
    expression : sympy expression
        A sum of products δc * k, as in :func:`gradient_formulas`.
    values : dict, optional
        From symbol names (``"k11"``, ``"δc12"``) to numbers. When given, each
        symbol is replaced by its value in brackets.

    Examples
    --------
    >>> formula_latex(gradient_formulas()["P2"])
    '\\delta c_{11}\\, k_{12} + \\delta c_{12}\\, k_{11}'
    """
    terms = []
    for delta_name, weight_name in gradient_terms(expression):
        if values is None:
            terms.append(f"{_symbol_latex(delta_name)}\\, {_symbol_latex(weight_name)}")
        else:
            terms.append(
                f"({_format_number(values[delta_name])})"
                f"({_format_number(values[weight_name])})"
            )
    return " + ".join(terms)


def _format_number(value):
    value = float(value)
    if value.is_integer():
        return str(int(value))
    return f"{value:g}"
