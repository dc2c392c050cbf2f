"""Compare the helpers with torch.autograd in float64, where torch is installed.

torch is not a requirement of the notebooks. Without it every test here is
skipped with the reason.
"""

import numpy as np
import pytest

import rotconv_helpers as rh

torch = pytest.importorskip(
    "torch", reason="torch is not installed; this optional cross-check needs it")
functional = pytest.importorskip("torch.nn.functional")

# (in_channels, out_channels, input_shape, kernel_shape, stride, padding)
CASES = [
    (1, 1, (3, 3), (2, 2), 1, 0),
    (1, 1, (7, 5), (3, 2), 2, 0),
    (1, 1, (6, 6), (3, 3), 2, 1),
    (2, 3, (6, 7), (2, 3), (2, 1), (1, 0)),
    (3, 2, (9, 8), (3, 3), 3, 2),
]


def torch_gradients(x, weights, delta_c, stride, padding):
    """Run conv2d forward and backward in torch; return C, δP and δW as numpy arrays."""
    x_tensor = torch.tensor(x[None], dtype=torch.float64, requires_grad=True)
    w_tensor = torch.tensor(weights, dtype=torch.float64, requires_grad=True)
    c = functional.conv2d(x_tensor, w_tensor, stride=stride, padding=padding)
    c.backward(torch.tensor(delta_c[None], dtype=torch.float64))
    return (c.detach().numpy()[0], x_tensor.grad.numpy()[0], w_tensor.grad.numpy())


@pytest.mark.parametrize("case", CASES)
def test_channels_match_torch(case):
    in_channels, out_channels, input_shape, kernel_shape, stride, padding = case
    rng = np.random.default_rng(sum(input_shape))
    x = rng.normal(size=(in_channels,) + input_shape)
    weights = rng.normal(size=(out_channels, in_channels) + kernel_shape)
    output_shape = rh.correlate_output_shape(input_shape, kernel_shape, stride, padding)
    delta_c = rng.normal(size=(out_channels,) + output_shape)

    c, delta_p, delta_weights = torch_gradients(x, weights, delta_c, stride, padding)
    np.testing.assert_allclose(rh.correlate_valid_channels(x, weights, stride, padding),
                               c, atol=1e-12)
    np.testing.assert_allclose(
        rh.delta_p_full_conv_channels(delta_c, weights, input_shape, stride=stride,
                                      padding=padding), delta_p, atol=1e-12)
    np.testing.assert_allclose(
        rh.delta_k_channels(x, delta_c, stride, padding, kernel_shape=kernel_shape),
        delta_weights, atol=1e-12)


@pytest.mark.parametrize("case", CASES[:3])
def test_single_channel_matches_torch(case):
    _, _, input_shape, kernel_shape, stride, padding = case
    rng = np.random.default_rng(7)
    p = rng.normal(size=input_shape)
    kernel = rng.normal(size=kernel_shape)
    delta_c = rng.normal(size=rh.correlate_output_shape(input_shape, kernel_shape, stride,
                                                        padding))
    _, delta_p, delta_weights = torch_gradients(p[None], kernel[None, None], delta_c[None],
                                                stride, padding)
    for route in (rh.delta_p_chain_rule, rh.delta_p_full_conv):
        np.testing.assert_allclose(
            route(delta_c, kernel, input_shape, stride=stride, padding=padding),
            delta_p[0], atol=1e-12, err_msg=route.__name__)
    np.testing.assert_allclose(
        rh.delta_k(p, delta_c, stride, padding, kernel_shape=kernel_shape),
        delta_weights[0, 0], atol=1e-12)


def test_input_gradient_is_conv_transpose():
    # torch's name for the backward pass of the input: conv_transpose2d of δC.
    rng = np.random.default_rng(3)
    kernel = rng.normal(size=(3, 2))
    input_shape = (8, 9)
    stride, padding = 2, 1
    delta_c = rng.normal(size=rh.correlate_output_shape(input_shape, kernel.shape, stride,
                                                        padding))
    # output_padding restores the rows and columns that the stride never read.
    natural = ((delta_c.shape[0] - 1) * stride - 2 * padding + kernel.shape[0],
               (delta_c.shape[1] - 1) * stride - 2 * padding + kernel.shape[1])
    extra = (input_shape[0] - natural[0], input_shape[1] - natural[1])
    assert extra == (1, 1)
    transposed = functional.conv_transpose2d(
        torch.tensor(delta_c[None, None]), torch.tensor(kernel[None, None]),
        stride=stride, padding=padding, output_padding=extra).numpy()[0, 0]
    np.testing.assert_allclose(
        rh.delta_p_full_conv(delta_c, kernel, input_shape, stride=stride, padding=padding),
        transposed, atol=1e-12)


def test_notebook_torch_helpers_agree():
    rows = rh.compare_with_torch(seed=1)
    assert len(rows) == len(rh.beyond.TORCH_CASES)
    for row in rows:
        assert (row["C"], row["δP"], row["δW"]) == (0.0, 0.0, 0.0), row
    checks = rh.check_torch_conventions(rh.EXAMPLE_P, rh.EXAMPLE_K, rh.EXAMPLE_DELTA_C)
    assert checks and all(checks.values()), checks
