"""Forward and backward pass of a single-channel 2-D convolution layer, in numpy.

Every function takes array-likes, validates them at the boundary and returns new
float64 arrays. Shapes use ``(H, W)`` for the input P, ``(kh, kw)`` for the
kernel K and ``(H - kh + 1, W - kw + 1)`` for the output C and its gradient δC.
"""

import numbers

import numpy as np

__all__ = [
    "correlate_valid",
    "convolve_full",
    "rot180",
    "pad_full",
    "delta_p_chain_rule",
    "delta_p_chain_rule_loops",
    "delta_p_full_conv",
    "delta_k",
    "numerical_gradient",
    "loss_gradient_numerical",
]


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------

def as_float_array(name, value, ndim=2):
    """Convert ``value`` to a float64 array after checking dtype, shape and values.

    Raises TypeError for boolean, complex or non-numeric input and ValueError for
    a wrong number of dimensions, an empty array, NaN or inf. Every message names
    the argument, what it received and what is expected.
    """
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as error:
        raise TypeError(
            f"{name} could not be converted to an array ({error}); "
            f"pass a rectangular {ndim}-D array of real numbers"
        ) from None

    if array.dtype == np.bool_:
        raise TypeError(
            f"{name} has dtype bool, but it must contain real numbers; "
            f"convert it first, for example {name}.astype(float)"
        )
    if np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(
            f"{name} has complex dtype {array.dtype}; pass real numbers "
            f"(for example {name}.real)"
        )
    if not (np.issubdtype(array.dtype, np.integer)
            or np.issubdtype(array.dtype, np.floating)):
        raise TypeError(
            f"{name} has dtype {array.dtype}, but it must contain real numbers "
            f"(int or float); check for text or None entries"
        )
    if array.ndim != ndim:
        raise ValueError(
            f"{name} must be a {ndim}-D array, got shape {array.shape} "
            f"({array.ndim}-D); wrap a single row in brackets, "
            f"for example [[1, 2, 3]]"
        )
    if array.size == 0:
        raise ValueError(
            f"{name} is empty (shape {array.shape}); every dimension needs "
            f"at least one element"
        )

    array = array.astype(np.float64)
    finite = np.isfinite(array)
    if not finite.all():
        index = tuple(int(i) for i in np.argwhere(~finite)[0])
        raise ValueError(
            f"{name} contains {array[index]} at index {list(index)}; "
            f"every element must be a finite number"
        )
    return array


def check_kernel_fits(x_shape, kernel_shape, x_name="x"):
    """Raise ValueError unless a kernel of ``kernel_shape`` fits inside ``x_shape``."""
    if kernel_shape[0] > x_shape[0] or kernel_shape[1] > x_shape[1]:
        raise ValueError(
            f"kernel of shape {tuple(kernel_shape)} is larger than {x_name} of "
            f"shape {tuple(x_shape)}; a 'valid' correlation needs "
            f"kh <= H and kw <= W, so use a smaller kernel or a larger {x_name}"
        )


def check_shape_pair(name, value):
    """Return ``value`` as a tuple of two positive ints, or raise a clear error."""
    try:
        pair = tuple(value)
    except TypeError:
        raise TypeError(
            f"{name} must be a pair (rows, columns), got {value!r}"
        ) from None
    valid = (
        len(pair) == 2
        and all(isinstance(n, numbers.Integral) and not isinstance(n, bool)
                for n in pair)
        and all(n >= 1 for n in pair)
    )
    if not valid:
        raise ValueError(
            f"{name} must be a pair of positive integers (rows, columns), "
            f"got {value!r}"
        )
    return (int(pair[0]), int(pair[1]))


def check_delta_c_shape(delta_c_shape, kernel_shape, input_shape):
    """Raise ValueError unless δC has the forward output shape for ``input_shape``."""
    expected = (input_shape[0] - kernel_shape[0] + 1,
                input_shape[1] - kernel_shape[1] + 1)
    if tuple(delta_c_shape) != expected:
        raise ValueError(
            f"delta_c has shape {tuple(delta_c_shape)}, but an input of shape "
            f"{tuple(input_shape)} and a kernel of shape {tuple(kernel_shape)} "
            f"give an output of shape {expected}; pass the gradient of that "
            f"output"
        )


# ---------------------------------------------------------------------------
# Forward pass and the two building blocks of the backward pass
# ---------------------------------------------------------------------------

def correlate_valid(x, kernel):
    """Slide ``kernel`` over ``x`` without flipping it and without padding.

    This is what CNN libraries call a convolution layer's forward pass.

    Parameters
    ----------
    x : array_like, shape (H, W)
    kernel : array_like, shape (kh, kw), with kh <= H and kw <= W

    Returns
    -------
    ndarray, shape (H - kh + 1, W - kw + 1)
        ``out[i, j] = sum over a, b of x[i + a, j + b] * kernel[a, b]``.

    Notes
    -----
    Equals ``scipy.signal.correlate2d(x, kernel, mode="valid")``. The sum runs
    over the kh * kw kernel weights, each scaling one shifted view of ``x``.

    Examples
    --------
    >>> correlate_valid([[1, 2, 3], [4, 5, 6]], [[1, 0], [0, 1]])
    array([[6., 8.]])
    """
    x = as_float_array("x", x)
    kernel = as_float_array("kernel", kernel)
    check_kernel_fits(x.shape, kernel.shape)
    return _correlate_valid_unchecked(x, kernel)


def _correlate_valid_unchecked(x, kernel):
    kh, kw = kernel.shape
    out_rows = x.shape[0] - kh + 1
    out_cols = x.shape[1] - kw + 1
    out = np.zeros((out_rows, out_cols))
    for a in range(kh):
        for b in range(kw):
            out += kernel[a, b] * x[a:a + out_rows, b:b + out_cols]
    return out


def rot180(kernel):
    """Rotate ``kernel`` by 180 degrees: reverse the rows and the columns.

    Parameters
    ----------
    kernel : array_like, shape (kh, kw)

    Returns
    -------
    ndarray, shape (kh, kw)
        ``out[a, b] = kernel[kh - 1 - a, kw - 1 - b]``.

    Examples
    --------
    >>> rot180([[1, 2], [3, 4]])
    array([[4., 3.],
           [2., 1.]])
    """
    kernel = as_float_array("kernel", kernel)
    return kernel[::-1, ::-1].copy()


def pad_full(delta, kernel_shape):
    """Surround ``delta`` with kh - 1 rows and kw - 1 columns of zeros on every side.

    Parameters
    ----------
    delta : array_like, shape (h, w)
    kernel_shape : pair of int (kh, kw)

    Returns
    -------
    ndarray, shape (h + 2 (kh - 1), w + 2 (kw - 1))

    Notes
    -----
    A 'valid' correlation of the result with a (kh, kw) kernel visits every
    position where the kernel overlaps ``delta`` by at least one element, which
    is what 'full' mode means.
    """
    delta = as_float_array("delta", delta)
    kh, kw = check_shape_pair("kernel_shape", kernel_shape)
    return np.pad(delta, ((kh - 1, kh - 1), (kw - 1, kw - 1)))


def convolve_full(x, kernel):
    """Convolve ``x`` with ``kernel`` (the kernel flipped) in 'full' mode.

    Parameters
    ----------
    x : array_like, shape (H, W)
    kernel : array_like, shape (kh, kw), any size

    Returns
    -------
    ndarray, shape (H + kh - 1, W + kw - 1)

    Notes
    -----
    Equals MATLAB's ``conv2(x, kernel, 'full')`` and
    ``scipy.signal.convolve2d(x, kernel, mode="full")``, and also
    ``correlate_valid(pad_full(x, kernel.shape), rot180(kernel))``: a true
    convolution flips its kernel itself.
    """
    x = as_float_array("x", x)
    kernel = as_float_array("kernel", kernel)
    return _convolve_full_unchecked(x, kernel)


def _convolve_full_unchecked(x, kernel):
    # Scatter form: each kernel weight adds one shifted, scaled copy of x.
    kh, kw = kernel.shape
    rows, cols = x.shape
    out = np.zeros((rows + kh - 1, cols + kw - 1))
    for a in range(kh):
        for b in range(kw):
            out[a:a + rows, b:b + cols] += kernel[a, b] * x
    return out


# ---------------------------------------------------------------------------
# Backward pass: the input gradient δP and the kernel gradient δK
# ---------------------------------------------------------------------------

def _validate_backward_inputs(delta_c, kernel, input_shape):
    delta_c = as_float_array("delta_c", delta_c)
    kernel = as_float_array("kernel", kernel)
    if input_shape is not None:
        input_shape = check_shape_pair("input_shape", input_shape)
        check_kernel_fits(input_shape, kernel.shape, x_name="input")
        check_delta_c_shape(delta_c.shape, kernel.shape, input_shape)
    return delta_c, kernel


def delta_p_chain_rule(delta_c, kernel, input_shape=None):
    """Accumulate the input gradient δP output by output, as the chain rule reads.

    Output ``c[i, j]`` was computed from the window ``P[i:i+kh, j:j+kw]``
    weighted by K, so ``∂c[i, j] / ∂P`` is K placed on that window. Each
    ``δc[i, j]`` therefore adds ``δc[i, j] * K`` into its window of δP, and
    where windows overlap the contributions add up.

    Parameters
    ----------
    delta_c : array_like, shape (h, w)
        The gradient of the loss with respect to the layer output C.
    kernel : array_like, shape (kh, kw)
    input_shape : pair of int, optional
        The shape (H, W) of P. When given, δC must have shape
        (H - kh + 1, W - kw + 1).

    Returns
    -------
    ndarray, shape (h + kh - 1, w + kw - 1)
        δP, the gradient of the loss with respect to P.

    See Also
    --------
    delta_p_chain_rule_loops : the same sum written with one loop per index.
    delta_p_full_conv : the same gradient as one correlation with rot180(K).
    """
    delta_c, kernel = _validate_backward_inputs(delta_c, kernel, input_shape)
    kh, kw = kernel.shape
    rows, cols = delta_c.shape
    delta_p = np.zeros((rows + kh - 1, cols + kw - 1))
    for i in range(rows):
        for j in range(cols):
            delta_p[i:i + kh, j:j + kw] += delta_c[i, j] * kernel
    return delta_p


def delta_p_chain_rule_loops(delta_c, kernel, input_shape=None):
    """Compute δP with four explicit loops, one term of the chain rule at a time.

    For every output position ``(i, j)`` and every kernel weight ``(a, b)``,
    input ``p[i + a, j + b]`` received ``δc[i, j] * k[a, b]``. This is the
    slowest form and the closest to the formulas written by hand; it takes and
    returns the same as :func:`delta_p_chain_rule`.
    """
    delta_c, kernel = _validate_backward_inputs(delta_c, kernel, input_shape)
    kh, kw = kernel.shape
    rows, cols = delta_c.shape
    delta_p = np.zeros((rows + kh - 1, cols + kw - 1))
    for i in range(rows):
        for j in range(cols):
            for a in range(kh):
                for b in range(kw):
                    delta_p[i + a, j + b] += delta_c[i, j] * kernel[a, b]
    return delta_p


def delta_p_full_conv(delta_c, kernel, input_shape=None):
    """Compute δP as a 'valid' correlation of the zero-padded δC with rot180(K).

    Parameters
    ----------
    delta_c : array_like, shape (h, w)
    kernel : array_like, shape (kh, kw)
    input_shape : pair of int, optional
        The shape (H, W) of P, checked against δC as in
        :func:`delta_p_chain_rule`.

    Returns
    -------
    ndarray, shape (h + kh - 1, w + kw - 1)

    Notes
    -----
    ``correlate_valid(pad_full(δC, K.shape), rot180(K))`` is the same array as
    ``convolve_full(δC, K)``: padding makes the correlation 'full', and rotating
    K undoes the flip that a true convolution would make.
    """
    delta_c, kernel = _validate_backward_inputs(delta_c, kernel, input_shape)
    padded = pad_full(delta_c, kernel.shape)
    return _correlate_valid_unchecked(padded, kernel[::-1, ::-1])


def delta_k(x, delta_c):
    """Compute the kernel gradient δK as the 'valid' correlation of P with δC.

    Parameters
    ----------
    x : array_like, shape (H, W)
        The layer input P.
    delta_c : array_like, shape (h, w), with h <= H and w <= W
        The gradient of the loss with respect to C.

    Returns
    -------
    ndarray, shape (H - h + 1, W - w + 1)
        δK, whose shape is the kernel's: ``kh = H - h + 1``.

    Notes
    -----
    ``δk[a, b] = sum over i, j of δc[i, j] * p[i + a, j + b]``: weight
    ``k[a, b]`` touched input ``p[i + a, j + b]`` when it produced ``c[i, j]``.
    """
    x = as_float_array("x", x)
    delta_c = as_float_array("delta_c", delta_c)
    if delta_c.shape[0] > x.shape[0] or delta_c.shape[1] > x.shape[1]:
        raise ValueError(
            f"delta_c of shape {delta_c.shape} is larger than x of shape "
            f"{x.shape}; δC is the gradient of the layer output, whose shape "
            f"is (H - kh + 1, W - kw + 1), so it is never larger than x"
        )
    return _correlate_valid_unchecked(x, delta_c)


# ---------------------------------------------------------------------------
# Finite differences
# ---------------------------------------------------------------------------

def numerical_gradient(f, x, eps=1e-6):
    """Estimate the gradient of the scalar function ``f`` at ``x`` by central differences.

    Parameters
    ----------
    f : callable
        Takes an array of the shape of ``x`` and returns a real scalar.
    x : array_like, any shape
        Converted to float64 first, so integer input works.
    eps : float
        The step, positive. The error of a central difference is of order
        ``eps**2`` times the third derivative, plus rounding of order
        ``1e-16 / eps``.

    Returns
    -------
    ndarray, shape of ``x``
        ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`` for every element i.
    """
    if not callable(f):
        raise TypeError(f"f must be a callable returning a scalar, got {f!r}")
    if (isinstance(eps, bool) or not isinstance(eps, numbers.Real)
            or not np.isfinite(eps) or eps <= 0):
        raise ValueError(f"eps must be a positive finite number, got {eps!r}")
    x = as_float_array("x", x, ndim=np.ndim(x))

    gradient = np.zeros_like(x)
    probe = x.copy()
    for index in np.ndindex(x.shape):
        original = probe[index]
        probe[index] = original + eps
        above = _scalar_value(f, probe)
        probe[index] = original - eps
        below = _scalar_value(f, probe)
        probe[index] = original
        gradient[index] = (above - below) / (2 * eps)
    return gradient


def _scalar_value(f, x):
    value = f(x.copy())
    if np.ndim(value) != 0:
        raise TypeError(
            f"f must return a scalar, got a value of shape {np.shape(value)}; "
            f"reduce it first, for example with np.sum"
        )
    return float(value)


def loss_gradient_numerical(x, kernel, delta_c, eps=1e-6):
    """Estimate δP by finite differences of the loss ``L = Σ δC ⊙ correlate_valid(P, K)``.

    This loss has ``∂L/∂C = δC`` exactly, so its gradient with respect to P is
    the δP that backpropagation passes down, obtained here without using any
    backward formula.
    """
    x = as_float_array("x", x)
    kernel = as_float_array("kernel", kernel)
    delta_c = as_float_array("delta_c", delta_c)
    check_kernel_fits(x.shape, kernel.shape)
    check_delta_c_shape(delta_c.shape, kernel.shape, x.shape)

    def loss(p):
        return float(np.sum(delta_c * _correlate_valid_unchecked(p, kernel)))

    return numerical_gradient(loss, x, eps=eps)
