"""Forward and backward pass of a single-channel 2-D convolution layer, in numpy.

Every function takes array-likes, validates them at the boundary and returns new
float64 arrays. Shapes use ``(H, W)`` for the input P, ``(kh, kw)`` for the
kernel K and ``(H - kh + 1, W - kw + 1)`` for the output C and its gradient δC.

The forward pass and both gradients also take ``stride`` and ``padding``, each
one int or a pair (rows, columns). With them, P is first surrounded by
``padding`` rows and columns of zeros, and the kernel moves ``stride`` elements
at a time, so C has ``(H + 2 padding - kh) // stride + 1`` rows, and the same
formula holds for columns. The defaults (stride 1, padding 0) give the shapes
above.
"""

import collections.abc
import functools
import numbers

import numpy as np

__all__ = [
    "correlate_valid",
    "correlate_output_shape",
    "convolve_full",
    "rot180",
    "pad_full",
    "dilate",
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

    if array.dtype == np.object_:
        array = _object_array_to_float(name, array)
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


def _object_array_to_float(name, array):
    # numpy stores entries such as None and ints beyond int64 as Python
    # objects, so each element is checked on its own.
    converted = np.empty(array.shape, dtype=np.float64)
    for index, value in np.ndenumerate(array):
        position = [int(i) for i in index]
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
            raise TypeError(
                f"{name} contains {value!r} at index {position}, which is not a "
                f"real number; every element must be an int or a float"
            )
        try:
            converted[index] = float(value)
        except OverflowError:
            raise ValueError(
                f"{name} contains an integer with {len(str(abs(int(value))))} "
                f"digits at index {position}, too large for float64 (largest "
                f"about 1.8e308); scale the values down"
            ) from None
    return converted


def finite_result(operation):
    """Decorate a function so that a result containing inf or NaN raises ValueError.

    Finite inputs can still overflow float64 in products and sums, for
    example 1e200 * 1e200. numpy would only warn and return inf.
    """
    def decorate(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with np.errstate(over="ignore", invalid="ignore"):
                result = function(*args, **kwargs)
            if not np.isfinite(result).all():
                raise ValueError(
                    f"{operation} overflowed float64 (largest value about "
                    f"1.8e308) and produced inf or NaN; scale the inputs down, "
                    f"for example divide each by its maximum absolute value"
                )
            return result
        return wrapper
    return decorate


def check_kernel_fits(x_shape, kernel_shape, x_name="x", padding=(0, 0)):
    """Raise ValueError unless a kernel of ``kernel_shape`` fits inside ``x_shape``.

    With a nonzero ``padding`` (rows, columns), the kernel must fit inside the
    padded input, and the message names the padding.
    """
    if padding != (0, 0):
        x_shape = _padded_shape(x_shape, padding)
        x_name = f"{x_name} padded by {padding}"
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


def check_delta_c_shape(delta_c_shape, kernel_shape, input_shape,
                        stride=(1, 1), padding=(0, 0)):
    """Raise ValueError unless δC has the forward output shape for ``input_shape``.

    ``stride`` and ``padding`` are pairs (rows, columns), as returned by
    :func:`check_stride_padding`.
    """
    expected = _output_shape(input_shape, kernel_shape, stride, padding)
    if tuple(delta_c_shape) != expected:
        settings = ""
        if (stride, padding) != ((1, 1), (0, 0)):
            settings = f" with stride {stride} and padding {padding}"
        raise ValueError(
            f"delta_c has shape {tuple(delta_c_shape)}, but an input of shape "
            f"{tuple(input_shape)} and a kernel of shape {tuple(kernel_shape)}"
            f"{settings} give an output of shape {expected}; pass the "
            f"gradient of that output"
        )


def check_stride_padding(stride, padding):
    """Return ``stride`` and ``padding`` as pairs (rows, columns) of ints, or raise.

    Each may be one int, used for rows and columns alike, or a pair of ints.
    A stride must be at least 1 and a padding at least 0. Raises TypeError for
    a value that is not an int or a pair of ints (bool and float included) and
    ValueError for a pair of the wrong length or a value out of range.

    Examples
    --------
    >>> check_stride_padding(2, (1, 0))
    ((2, 2), (1, 0))
    """
    return (_int_pair("stride", stride, minimum=1),
            _int_pair("padding", padding, minimum=0))


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _int_pair(name, value, minimum):
    kind = "a positive" if minimum == 1 else "a non-negative"
    usage = (f"pass {kind} int such as {name}={minimum + 1} or a pair "
             f"(rows, columns) such as {name}=({minimum + 1}, {minimum})")
    if _is_int(value):
        pair = (value, value)
    elif isinstance(value, str):
        # Names such as padding="same" are PyTorch's and Keras's; the helpers
        # take the number of zero rows and columns.
        raise TypeError(f"{name} must be an int or a pair of ints, got the "
                        f"string {value!r}; {usage}")
    elif not isinstance(value, collections.abc.Sequence | np.ndarray):
        raise TypeError(f"{name} must be an int or a pair of ints, "
                        f"got {value!r} of type {type(value).__name__}; {usage}")
    else:
        try:
            pair = tuple(value)
        except TypeError:
            raise TypeError(f"{name} must be an int or a pair of ints, got "
                            f"{value!r}; {usage}") from None
        if len(pair) != 2:
            raise ValueError(f"{name} must have two entries (rows, columns), "
                             f"got {value!r}; {usage}")
        if not all(_is_int(n) for n in pair):
            raise TypeError(f"{name} must contain ints, got {value!r}; {usage}")
    if min(pair) < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value!r}; "
                         f"{usage}")
    return (int(pair[0]), int(pair[1]))


def _output_shape(input_shape, kernel_shape, stride, padding):
    # Integer division drops the last input rows and columns that a full
    # stride would step past: they are never read.
    return tuple((size + 2 * pad - k) // step + 1 for size, k, step, pad
                 in zip(input_shape, kernel_shape, stride, padding))


# ---------------------------------------------------------------------------
# Forward pass and the two building blocks of the backward pass
# ---------------------------------------------------------------------------

@finite_result("correlate_valid")
def correlate_valid(x, kernel, stride=1, padding=0):
    """Slide ``kernel`` over ``x`` without flipping it, by default without padding.

    This is what CNN libraries call a convolution layer's forward pass.

    Parameters
    ----------
    x : array_like, shape (H, W)
    kernel : array_like, shape (kh, kw), with kh <= H + 2 padding and
        kw <= W + 2 padding
    stride : int or pair of int (rows, columns), default 1
        How far the kernel moves between neighbouring outputs.
    padding : int or pair of int (rows, columns), default 0
        Rows and columns of zeros added on every side of ``x`` first.

    Returns
    -------
    ndarray, shape ((H + 2 padding - kh) // stride + 1, (W + 2 padding - kw) // stride + 1)
        ``out[i, j] = sum over a, b of xp[i * stride + a, j * stride + b] * kernel[a, b]``,
        where ``xp`` is ``x`` with its padding. For the defaults the shape is
        ``(H - kh + 1, W - kw + 1)``.

    Notes
    -----
    Equals ``scipy.signal.correlate2d(x, kernel, mode="valid")`` for the
    defaults, and every stride-th row and column of that result for a larger
    stride. The sum runs over the kh * kw kernel weights, each scaling one
    shifted view of ``x``.

    Examples
    --------
    >>> correlate_valid([[1, 2, 3], [4, 5, 6]], [[1, 0], [0, 1]])
    array([[6., 8.]])
    >>> correlate_valid([[1, 2, 3], [4, 5, 6]], [[1, 0], [0, 1]], stride=2)
    array([[6.]])
    """
    x = as_float_array("x", x)
    kernel = as_float_array("kernel", kernel)
    stride, padding = check_stride_padding(stride, padding)
    check_kernel_fits(x.shape, kernel.shape, padding=padding)
    return _correlate_valid_unchecked(x, kernel, stride, padding)


# Output elements per block in _correlate_valid_unchecked: 16384 float64 values
# are 128 KiB, so a block and its scratch buffer fit together in a 256 KiB L2
# cache.
BLOCK_ELEMENTS = 16384


def _correlate_valid_unchecked(x, kernel, stride=(1, 1), padding=(0, 0)):
    # Each kernel weight adds one shifted, scaled view of the padded x to the
    # output. Two choices make this faster than scipy.signal.convolve2d on
    # 512 x 512 (see benchmarks/bench_numerics.py):
    # - Blocks of output rows: each block stays in the CPU cache while all
    #   kh * kw views are added to it.
    # - The padded x is built one block at a time in a reused buffer. A second
    #   array of the input's size would cost a fresh allocation, whose page
    #   faults take as long as the arithmetic.
    # The additions run in the same order as in a plain loop over (a, b), so
    # the result does not depend on the block size.
    kh, kw = kernel.shape
    row_step, col_step = stride
    padded_rows, padded_cols = _padded_shape(x.shape, padding)
    out_rows = (padded_rows - kh) // row_step + 1
    out_cols = (padded_cols - kw) // col_step + 1
    out = np.empty((out_rows, out_cols))

    block_rows = max(1, min(out_rows, BLOCK_ELEMENTS // out_cols))
    scaled = np.empty((block_rows, out_cols))
    slab = None
    if padding != (0, 0):
        slab = np.empty(((block_rows - 1) * row_step + kh, padded_cols))

    for start in range(0, out_rows, block_rows):
        stop = min(start + block_rows, out_rows)
        # Rows first .. last - 1 of the padded x feed this block of outputs.
        first = start * row_step
        last = (stop - 1) * row_step + kh
        if slab is None:
            window = x[first:last]
        else:
            window = _fill_padded_rows(slab[:last - first], x, first, padding)
        _add_scaled_views(window, kernel, stride, out[start:stop],
                          scaled[:stop - start])
    return out


def _fill_padded_rows(slab, x, first, padding):
    # Fill slab with rows first, first + 1, .. of x surrounded by padding zeros.
    pad_rows, pad_cols = padding
    slab.fill(0.0)
    top = max(first - pad_rows, 0)
    bottom = min(first + slab.shape[0] - pad_rows, x.shape[0])
    if top < bottom:
        slab[top + pad_rows - first:bottom + pad_rows - first,
             pad_cols:pad_cols + x.shape[1]] = x[top:bottom]
    return slab


def _add_scaled_views(window, kernel, stride, block, scratch):
    # block[i, j] = sum over a, b of
    #     kernel[a, b] * window[i * row_step + a, j * col_step + b]
    kh, kw = kernel.shape
    row_step, col_step = stride
    rows, cols = block.shape
    for a in range(kh):
        row_slice = slice(a, a + (rows - 1) * row_step + 1, row_step)
        for b in range(kw):
            col_slice = slice(b, b + (cols - 1) * col_step + 1, col_step)
            view = window[row_slice, col_slice]
            if a == 0 and b == 0:
                np.multiply(view, kernel[a, b], out=block)
            else:
                np.multiply(view, kernel[a, b], out=scratch)
                block += scratch


def correlate_output_shape(input_shape, kernel_shape, stride=1, padding=0):
    """Return the shape of C for an input shape, a kernel shape, a stride and a padding.

    Parameters
    ----------
    input_shape, kernel_shape : pair of int
        (H, W) and (kh, kw).
    stride, padding : int or pair of int (rows, columns)

    Returns
    -------
    tuple of int
        ``((H + 2 padding - kh) // stride + 1, (W + 2 padding - kw) // stride + 1)``.

    Examples
    --------
    >>> correlate_output_shape((5, 5), (3, 3), stride=2)
    (2, 2)
    >>> correlate_output_shape((6, 6), (3, 3), stride=2)
    (2, 2)
    """
    input_shape = check_shape_pair("input_shape", input_shape)
    kernel_shape = check_shape_pair("kernel_shape", kernel_shape)
    stride, padding = check_stride_padding(stride, padding)
    check_kernel_fits(_padded_shape(input_shape, padding), kernel_shape,
                      x_name="padded input")
    return _output_shape(input_shape, kernel_shape, stride, padding)


def _padded_shape(shape, padding):
    return (shape[0] + 2 * padding[0], shape[1] + 2 * padding[1])


def _pad(x, padding):
    if padding == (0, 0):
        return x
    return np.pad(x, ((padding[0], padding[0]), (padding[1], padding[1])))


def dilate(delta, stride):
    """Insert stride - 1 rows and columns of zeros between the elements of ``delta``.

    Parameters
    ----------
    delta : array_like, shape (h, w)
    stride : int or pair of int (rows, columns)

    Returns
    -------
    ndarray, shape ((h - 1) * stride + 1, (w - 1) * stride + 1)
        ``out[i * stride, j * stride] = delta[i, j]`` and zeros elsewhere.

    Notes
    -----
    With a stride, output ``c[i, j]`` reads the window that starts at
    ``(i * stride, j * stride)``. Dilating δC puts each ``δc[i, j]`` at that
    position, so the backward pass becomes the stride-1 full convolution of the
    dilated δC.

    Examples
    --------
    >>> dilate([[1, 2], [3, 4]], 2)
    array([[1., 0., 2.],
           [0., 0., 0.],
           [3., 0., 4.]])
    """
    delta = as_float_array("delta", delta)
    stride, _ = check_stride_padding(stride, 0)
    return _dilate_unchecked(delta, stride)


def _dilate_unchecked(delta, stride):
    if stride == (1, 1):
        return delta
    rows, cols = delta.shape
    dilated = np.zeros(((rows - 1) * stride[0] + 1, (cols - 1) * stride[1] + 1))
    dilated[::stride[0], ::stride[1]] = delta
    return dilated


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


@finite_result("convolve_full")
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

def _validate_backward_inputs(delta_c, kernel, input_shape, stride, padding):
    # Return δC, K, the input shape (given or the smallest that fits), and the
    # stride and padding as pairs.
    delta_c = as_float_array("delta_c", delta_c)
    kernel = as_float_array("kernel", kernel)
    stride, padding = check_stride_padding(stride, padding)
    if input_shape is None:
        input_shape = _smallest_input_shape(delta_c.shape, kernel.shape,
                                            stride, padding)
    else:
        input_shape = check_shape_pair("input_shape", input_shape)
        check_kernel_fits(input_shape, kernel.shape, x_name="input", padding=padding)
        check_delta_c_shape(delta_c.shape, kernel.shape, input_shape,
                            stride, padding)
    return delta_c, kernel, input_shape, stride, padding


def _smallest_input_shape(delta_c_shape, kernel_shape, stride, padding):
    # The last window starts at (h - 1) * stride and ends kh rows later, so
    # the padded input needs at least (h - 1) * stride + kh rows. Inputs with up
    # to stride - 1 more rows give the same δC shape: their extra rows are
    # never read.
    shape = tuple(
        max(1, (size - 1) * step + k - 2 * pad) for size, k, step, pad
        in zip(delta_c_shape, kernel_shape, stride, padding))
    if _output_shape(shape, kernel_shape, stride, padding) != tuple(delta_c_shape):
        raise ValueError(
            f"no input shape gives delta_c of shape {tuple(delta_c_shape)} with "
            f"a kernel of shape {tuple(kernel_shape)}, stride {stride} and "
            f"padding {padding}: even an input of shape {shape} gives an "
            f"output of shape "
            f"{_output_shape(shape, kernel_shape, stride, padding)}; "
            f"use a smaller padding or check the shape of delta_c"
        )
    return shape


def _input_gradient(padded_gradient, input_shape, padding):
    # Turn the gradient of the part of the padded input that the windows read
    # into δP: rows and columns past the last window get zero, and the
    # padding is cropped because it is not part of P.
    full_shape = _padded_shape(input_shape, padding)
    if padded_gradient.shape != full_shape:
        grown = np.zeros(full_shape)
        grown[:padded_gradient.shape[0], :padded_gradient.shape[1]] = padded_gradient
        padded_gradient = grown
    top, left = padding
    cropped = padded_gradient[top:top + input_shape[0], left:left + input_shape[1]]
    return np.ascontiguousarray(cropped)


@finite_result("delta_p_chain_rule")
def delta_p_chain_rule(delta_c, kernel, input_shape=None, *, stride=1, padding=0):
    """Accumulate the input gradient δP output by output, as the chain rule reads.

    Output ``c[i, j]`` was computed from the window ``P[i:i+kh, j:j+kw]``
    weighted by K, so ``∂c[i, j] / ∂P`` is K placed on that window. Each
    ``δc[i, j]`` therefore adds ``δc[i, j] * K`` into its window of δP, and
    where windows overlap the contributions add up. With a stride the window
    starts at ``(i * stride, j * stride)`` of the padded input, and the
    gradient of the padding is cropped at the end.

    Parameters
    ----------
    delta_c : array_like, shape (h, w)
        The gradient of the loss with respect to the layer output C.
    kernel : array_like, shape (kh, kw)
    input_shape : pair of int, optional
        The shape (H, W) of P. When given, δC must have the shape that
        :func:`correlate_output_shape` gives for it. Without it, δP gets the
        smallest shape that produces δC's shape:
        ``((h - 1) * stride + kh - 2 padding, ...)``. Pass it when the stride
        does not divide ``H + 2 padding - kh``: the last rows and columns of P
        were never read, and their gradient is zero.
    stride, padding : int or pair of int (rows, columns), keyword-only
        As in :func:`correlate_valid`; default 1 and 0.

    Returns
    -------
    ndarray, shape (H, W)
        δP, the gradient of the loss with respect to P. For the defaults
        without ``input_shape`` the shape is ``(h + kh - 1, w + kw - 1)``.

    See Also
    --------
    delta_p_chain_rule_loops : the same sum written with one loop per index.
    delta_p_full_conv : the same gradient as one correlation with rot180(K).
    """
    delta_c, kernel, input_shape, stride, padding = _validate_backward_inputs(
        delta_c, kernel, input_shape, stride, padding)
    kh, kw = kernel.shape
    rows, cols = delta_c.shape
    delta_padded = np.zeros(((rows - 1) * stride[0] + kh,
                             (cols - 1) * stride[1] + kw))
    for i in range(rows):
        for j in range(cols):
            top, left = i * stride[0], j * stride[1]
            delta_padded[top:top + kh, left:left + kw] += delta_c[i, j] * kernel
    return _input_gradient(delta_padded, input_shape, padding)


@finite_result("delta_p_chain_rule_loops")
def delta_p_chain_rule_loops(delta_c, kernel, input_shape=None, *, stride=1,
                             padding=0):
    """Compute δP with four explicit loops, one term of the chain rule at a time.

    For every output position ``(i, j)`` and every kernel weight ``(a, b)``,
    input ``p[i * stride + a, j * stride + b]`` of the padded input received
    ``δc[i, j] * k[a, b]``. This is the slowest form and the closest to the
    formulas written by hand; it takes and returns the same as
    :func:`delta_p_chain_rule`.
    """
    delta_c, kernel, input_shape, stride, padding = _validate_backward_inputs(
        delta_c, kernel, input_shape, stride, padding)
    kh, kw = kernel.shape
    rows, cols = delta_c.shape
    delta_padded = np.zeros(((rows - 1) * stride[0] + kh,
                             (cols - 1) * stride[1] + kw))
    for i in range(rows):
        for j in range(cols):
            for a in range(kh):
                for b in range(kw):
                    delta_padded[i * stride[0] + a, j * stride[1] + b] += (
                        delta_c[i, j] * kernel[a, b])
    return _input_gradient(delta_padded, input_shape, padding)


@finite_result("delta_p_full_conv")
def delta_p_full_conv(delta_c, kernel, input_shape=None, *, stride=1, padding=0):
    """Compute δP as a 'valid' correlation of the zero-padded δC with rot180(K).

    Parameters
    ----------
    delta_c : array_like, shape (h, w)
    kernel : array_like, shape (kh, kw)
    input_shape : pair of int, optional
        The shape (H, W) of P, checked against δC and defaulted as in
        :func:`delta_p_chain_rule`.
    stride, padding : int or pair of int (rows, columns), keyword-only
        As in :func:`correlate_valid`; default 1 and 0.

    Returns
    -------
    ndarray, shape (H, W)
        For the defaults without ``input_shape``: ``(h + kh - 1, w + kw - 1)``.

    Notes
    -----
    ``correlate_valid(pad_full(δC, K.shape), rot180(K))`` is the same array as
    ``convolve_full(δC, K)``: padding makes the correlation 'full', and rotating
    K undoes the flip that a true convolution would make.

    With a stride, δC is first dilated (:func:`dilate` puts stride - 1 zeros
    between its elements), which gives the gradient of the rows and columns of
    the padded input that the windows read. Rows and columns past the last
    window get zero, and the forward padding is cropped.
    """
    delta_c, kernel, input_shape, stride, padding = _validate_backward_inputs(
        delta_c, kernel, input_shape, stride, padding)
    kh, kw = kernel.shape
    dilated = _dilate_unchecked(delta_c, stride)
    # padding=(kh - 1, kw - 1) is pad_full: the correlation becomes 'full'.
    delta_padded = _correlate_valid_unchecked(dilated, kernel[::-1, ::-1],
                                              padding=(kh - 1, kw - 1))
    return _input_gradient(delta_padded, input_shape, padding)


@finite_result("delta_k")
def delta_k(x, delta_c, stride=1, padding=0, *, kernel_shape=None):
    """Compute the kernel gradient δK as the 'valid' correlation of P with δC.

    Parameters
    ----------
    x : array_like, shape (H, W)
        The layer input P.
    delta_c : array_like, shape (h, w)
        The gradient of the loss with respect to C, with
        ``(h - 1) * stride + 1 <= H + 2 padding`` (and the same for w).
    stride, padding : int or pair of int (rows, columns)
        As in :func:`correlate_valid`; default 1 and 0.
    kernel_shape : pair of int, optional, keyword-only
        The shape (kh, kw) of K. With stride 1 it follows from the shapes of
        P and δC. With a larger stride several kernel shapes give the same δC
        shape, so pass it. Without it, δK gets the largest of them,
        ``(H + 2 padding - (h - 1) * stride, ...)``, for which every input row
        and column is read.

    Returns
    -------
    ndarray, shape (kh, kw)
        δK. For the defaults, ``kh = H - h + 1`` and ``kw = W - w + 1``.

    Notes
    -----
    ``δk[a, b] = sum over i, j of δc[i, j] * xp[i * stride + a, j * stride + b]``,
    where ``xp`` is P with its padding: weight ``k[a, b]`` touched that input
    when it produced ``c[i, j]``. For stride 1 this is
    ``correlate_valid(xp, δC)``, and for a larger stride the correlation of
    ``xp`` with the dilated δC. The loop runs over the elements of δC, so its
    time grows with the size of C.
    """
    x = as_float_array("x", x)
    delta_c = as_float_array("delta_c", delta_c)
    stride, padding = check_stride_padding(stride, padding)
    padded = _pad(x, padding)
    largest = tuple(size - (n - 1) * step for size, n, step
                    in zip(padded.shape, delta_c.shape, stride))
    if min(largest) < 1:
        if (stride, padding) == ((1, 1), (0, 0)):
            raise ValueError(
                f"delta_c of shape {delta_c.shape} is larger than x of shape "
                f"{x.shape}; δC is the gradient of the layer output, whose shape "
                f"is (H - kh + 1, W - kw + 1), so it is never larger than x"
            )
        raise ValueError(
            f"delta_c of shape {delta_c.shape} is too large for x of shape "
            f"{x.shape} with stride {stride} and padding {padding}: its windows "
            f"would need a padded input of at least "
            f"{_dilated_shape(delta_c.shape, stride)}; check the stride and "
            f"the shape of delta_c"
        )
    if kernel_shape is None:
        kernel_shape = largest
    else:
        kernel_shape = check_shape_pair("kernel_shape", kernel_shape)
        check_kernel_fits(padded.shape, kernel_shape, x_name="padded x")
        check_delta_c_shape(delta_c.shape, kernel_shape, x.shape, stride, padding)

    kh, kw = kernel_shape
    delta_kernel = np.zeros(kernel_shape)
    for i in range(delta_c.shape[0]):
        for j in range(delta_c.shape[1]):
            top, left = i * stride[0], j * stride[1]
            delta_kernel += delta_c[i, j] * padded[top:top + kh, left:left + kw]
    return delta_kernel


def _dilated_shape(shape, stride):
    return tuple((n - 1) * step + 1 for n, step in zip(shape, stride))


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


def loss_gradient_numerical(x, kernel, delta_c, eps=1e-6, *, stride=1, padding=0):
    """Estimate δP by finite differences of the loss ``L = Σ δC ⊙ correlate_valid(P, K)``.

    This loss has ``∂L/∂C = δC`` exactly, so its gradient with respect to P is
    the δP that backpropagation passes down, obtained here without using any
    backward formula. ``stride`` and ``padding`` (keyword-only) are passed to
    the forward pass, and δC must have its output shape.
    """
    x = as_float_array("x", x)
    kernel = as_float_array("kernel", kernel)
    delta_c = as_float_array("delta_c", delta_c)
    stride, padding = check_stride_padding(stride, padding)
    check_kernel_fits(x.shape, kernel.shape, padding=padding)
    check_delta_c_shape(delta_c.shape, kernel.shape, x.shape, stride, padding)

    def loss(p):
        c = _correlate_valid_unchecked(p, kernel, stride, padding)
        return float(np.sum(delta_c * c))

    return numerical_gradient(loss, x, eps=eps)
