"""Forward and backward pass of a convolution layer with several input and output channels.

Shapes follow CNN libraries without the batch axis: the input P is
``(C_in, H, W)``, the weights W are ``(C_out, C_in, kh, kw)`` and the output C
and its gradient δC are ``(C_out, h, w)``, with ``h`` and ``w`` from
:func:`rotconv_helpers.correlate_output_shape`. Every function here is a sum of
the single-channel functions over channel pairs, so each one states the identity
that the notebooks teach:

- forward:  ``C[o] = Σ_c correlate_valid(P[c], W[o, c])``
- input gradient:  ``δP[c] = Σ_o delta_p_full_conv(δC[o], W[o, c])``, summed
  over the output channels because every output channel read P[c]
- kernel gradient:  ``δW[o, c] = delta_k(P[c], δC[o])``, one pair each

``stride`` and ``padding`` mean the same as in the single-channel functions and
apply to every channel alike.
"""

import numpy as np

from .numerics import (
    as_float_array,
    check_delta_c_shape,
    check_kernel_fits,
    check_shape_pair,
    check_stride_padding,
    correlate_output_shape,
    correlate_valid,
    delta_k,
    delta_p_chain_rule,
    delta_p_full_conv,
    numerical_gradient,
)
from .numerics import _validate_backward_inputs

__all__ = [
    "correlate_valid_channels",
    "delta_p_chain_rule_channels",
    "delta_p_full_conv_channels",
    "delta_k_channels",
    "numerical_gradients_channels",
]


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------

def _check_input_channels(x_shape, weights_shape):
    if x_shape[0] != weights_shape[1]:
        raise ValueError(
            f"x has {x_shape[0]} channels (shape {x_shape}), but weights of "
            f"shape {weights_shape} expect {weights_shape[1]}; the second axis "
            f"of weights is the input channel, so pass weights of shape "
            f"(C_out, {x_shape[0]}, kh, kw)"
        )


def _check_output_channels(delta_c_shape, weights_shape):
    if delta_c_shape[0] != weights_shape[0]:
        raise ValueError(
            f"delta_c has {delta_c_shape[0]} channels (shape {delta_c_shape}), "
            f"but weights of shape {weights_shape} produce {weights_shape[0]} "
            f"output channels; the first axis of weights is the output channel"
        )


def _validate_forward(x, weights, stride, padding):
    x = as_float_array("x", x, ndim=3)
    weights = as_float_array("weights", weights, ndim=4)
    stride, padding = check_stride_padding(stride, padding)
    _check_input_channels(x.shape, weights.shape)
    padded = (x.shape[1] + 2 * padding[0], x.shape[2] + 2 * padding[1])
    name = "x" if padding == (0, 0) else f"x padded by {padding}"
    check_kernel_fits(padded, weights.shape[2:], x_name=name)
    return x, weights, stride, padding


def _validate_backward(delta_c, weights, input_shape, stride, padding):
    # Check the channels here and the spatial shapes once, with the first
    # channel pair, so that every error comes before any loop runs. Returns the
    # input's spatial shape, given or the smallest that gives δC's shape.
    delta_c = as_float_array("delta_c", delta_c, ndim=3)
    weights = as_float_array("weights", weights, ndim=4)
    _check_output_channels(delta_c.shape, weights.shape)
    _, _, input_shape, stride, padding = _validate_backward_inputs(
        delta_c[0], weights[0, 0], input_shape, stride, padding)
    return delta_c, weights, input_shape, stride, padding


# ---------------------------------------------------------------------------
# Forward pass
# ---------------------------------------------------------------------------

def correlate_valid_channels(x, weights, stride=1, padding=0):
    """Compute a multi-channel layer's output: each output channel sums over input channels.

    Parameters
    ----------
    x : array_like, shape (C_in, H, W)
        The layer input P.
    weights : array_like, shape (C_out, C_in, kh, kw)
        One kernel for every pair of output and input channel.
    stride, padding : int or pair of int (rows, columns)
        As in :func:`rotconv_helpers.correlate_valid`; default 1 and 0.

    Returns
    -------
    ndarray, shape (C_out, h, w)
        ``C[o] = Σ_c correlate_valid(P[c], W[o, c], stride, padding)``, with
        ``h = (H + 2 padding - kh) // stride + 1`` and ``w`` likewise.

    Notes
    -----
    This is ``torch.nn.functional.conv2d`` for one sample without bias.

    Examples
    --------
    >>> x = np.ones((2, 3, 3))
    >>> weights = np.ones((1, 2, 2, 2))
    >>> correlate_valid_channels(x, weights)
    array([[[8., 8.],
            [8., 8.]]])
    """
    x, weights, stride, padding = _validate_forward(x, weights, stride, padding)
    out_shape = correlate_output_shape(x.shape[1:], weights.shape[2:], stride,
                                       padding)
    out = np.zeros((weights.shape[0],) + out_shape)
    for o in range(weights.shape[0]):
        for c in range(weights.shape[1]):
            out[o] += correlate_valid(x[c], weights[o, c], stride, padding)
    return out


# ---------------------------------------------------------------------------
# Backward pass
# ---------------------------------------------------------------------------

def delta_p_full_conv_channels(delta_c, weights, input_shape=None, *, stride=1,
                               padding=0):
    """Compute δP by full convolution, summing over output channels.

    Parameters
    ----------
    delta_c : array_like, shape (C_out, h, w)
        The gradient of the loss with respect to the layer output C.
    weights : array_like, shape (C_out, C_in, kh, kw)
    input_shape : pair of int (H, W), optional
        The spatial shape of P, checked against δC and defaulted as in
        :func:`rotconv_helpers.delta_p_chain_rule`.
    stride, padding : int or pair of int (rows, columns), keyword-only

    Returns
    -------
    ndarray, shape (C_in, H, W)
        ``δP[c] = Σ_o delta_p_full_conv(δC[o], W[o, c])``: input channel c fed
        every output channel, so its gradient collects from all of them.
    """
    delta_c, weights, input_shape, stride, padding = _validate_backward(
        delta_c, weights, input_shape, stride, padding)
    delta_p = np.zeros((weights.shape[1],) + input_shape)
    for o in range(weights.shape[0]):
        for c in range(weights.shape[1]):
            delta_p[c] += delta_p_full_conv(delta_c[o], weights[o, c], input_shape,
                                            stride=stride, padding=padding)
    return delta_p


def delta_p_chain_rule_channels(delta_c, weights, input_shape=None, *, stride=1,
                                padding=0):
    """Compute δP output by output with the chain rule, summing over output channels.

    Takes and returns the same as :func:`delta_p_full_conv_channels`, with
    :func:`rotconv_helpers.delta_p_chain_rule` for every channel pair.
    """
    delta_c, weights, input_shape, stride, padding = _validate_backward(
        delta_c, weights, input_shape, stride, padding)
    delta_p = np.zeros((weights.shape[1],) + input_shape)
    for o in range(weights.shape[0]):
        for c in range(weights.shape[1]):
            delta_p[c] += delta_p_chain_rule(delta_c[o], weights[o, c], input_shape,
                                             stride=stride, padding=padding)
    return delta_p


def delta_k_channels(x, delta_c, stride=1, padding=0, *, kernel_shape=None):
    """Compute the weight gradient δW, one correlation per pair of channels.

    Parameters
    ----------
    x : array_like, shape (C_in, H, W)
        The layer input P.
    delta_c : array_like, shape (C_out, h, w)
    stride, padding : int or pair of int (rows, columns)
    kernel_shape : pair of int (kh, kw), optional, keyword-only
        Needed with a stride above 1, where several kernel shapes give the
        same δC shape; see :func:`rotconv_helpers.delta_k`.

    Returns
    -------
    ndarray, shape (C_out, C_in, kh, kw)
        ``δW[o, c] = delta_k(P[c], δC[o], stride, padding)``.
    """
    x = as_float_array("x", x, ndim=3)
    delta_c = as_float_array("delta_c", delta_c, ndim=3)
    stride, padding = check_stride_padding(stride, padding)
    if kernel_shape is not None:
        kernel_shape = check_shape_pair("kernel_shape", kernel_shape)
    first = delta_k(x[0], delta_c[0], stride, padding, kernel_shape=kernel_shape)
    delta_weights = np.zeros((delta_c.shape[0], x.shape[0]) + first.shape)
    for o in range(delta_c.shape[0]):
        for c in range(x.shape[0]):
            delta_weights[o, c] = delta_k(x[c], delta_c[o], stride, padding,
                                          kernel_shape=first.shape)
    return delta_weights


# ---------------------------------------------------------------------------
# Finite differences
# ---------------------------------------------------------------------------

def numerical_gradients_channels(x, weights, delta_c, eps=1e-6, *, stride=1,
                                 padding=0):
    """Estimate δP and δW by central differences of ``L = Σ δC ⊙ C``.

    ``∂L/∂C = δC`` exactly, so the two estimates are the gradients that
    backpropagation passes down, obtained without any backward formula.

    Returns
    -------
    tuple of ndarray
        δP of shape (C_in, H, W) and δW of shape (C_out, C_in, kh, kw).
    """
    x, weights, stride, padding = _validate_forward(x, weights, stride, padding)
    delta_c = as_float_array("delta_c", delta_c, ndim=3)
    _check_output_channels(delta_c.shape, weights.shape)
    check_delta_c_shape(delta_c.shape[1:], weights.shape[2:], x.shape[1:],
                        stride, padding)

    def loss_of_input(p):
        return np.sum(delta_c * correlate_valid_channels(p, weights, stride, padding))

    def loss_of_weights(w):
        return np.sum(delta_c * correlate_valid_channels(x, w, stride, padding))

    return (numerical_gradient(loss_of_input, x, eps=eps),
            numerical_gradient(loss_of_weights, weights, eps=eps))
