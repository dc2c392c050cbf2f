"""Tests of stride, padding and channels against scipy.signal and finite differences."""

import importlib.util
import io
import sys
from pathlib import Path

import numpy as np
import PIL.Image
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

import rotconv_helpers as rh
from rotconv_helpers import numerics

BENCHMARK_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_numerics.py"

# (input_shape, kernel_shape, stride, padding): non-square inputs and kernels,
# strides that do not divide H + 2 padding - kh, and pairs for both keywords.
CASES = [
    ((5, 5), (3, 3), 2, 0),
    ((6, 6), (3, 3), 2, 0),
    ((7, 4), (2, 3), (3, 1), 0),
    ((4, 6), (3, 2), 1, 1),
    ((5, 3), (2, 2), 2, (1, 0)),
    ((6, 7), (3, 2), (2, 3), (0, 2)),
    ((3, 3), (3, 3), 1, 2),
    ((8, 5), (1, 4), 3, 1),
    ((2, 2), (4, 4), 1, 1),
]
CASE_IDS = [f"{i}x{k}-s{s}-p{p}" for i, k, s, p in CASES]


def pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def random_case(input_shape, kernel_shape, stride, padding, seed=0):
    rng = np.random.default_rng(seed)
    p = rng.normal(size=input_shape)
    kernel = rng.normal(size=kernel_shape)
    output_shape = rh.correlate_output_shape(input_shape, kernel_shape, stride, padding)
    delta_c = rng.normal(size=output_shape)
    return p, kernel, delta_c


def scipy_forward(p, kernel, stride, padding):
    (sr, sc), (pr, pc) = pair(stride), pair(padding)
    padded = np.pad(p, ((pr, pr), (pc, pc)))
    return scipy.signal.correlate2d(padded, kernel, mode="valid")[::sr, ::sc]


def scipy_delta_p(delta_c, kernel, input_shape, stride, padding):
    # Dilate δC by hand, take scipy's full convolution, place it in the
    # padded input (rows past the last window stay zero) and crop the padding.
    (sr, sc), (pr, pc) = pair(stride), pair(padding)
    rows, cols = delta_c.shape
    dilated = np.zeros(((rows - 1) * sr + 1, (cols - 1) * sc + 1))
    dilated[::sr, ::sc] = delta_c
    full = scipy.signal.convolve2d(dilated, kernel, mode="full")
    padded = np.zeros((input_shape[0] + 2 * pr, input_shape[1] + 2 * pc))
    padded[:full.shape[0], :full.shape[1]] = full
    return padded[pr:pr + input_shape[0], pc:pc + input_shape[1]]


def loss_gradient_kernel(p, kernel, delta_c, stride, padding):
    def loss(k):
        return np.sum(delta_c * rh.correlate_valid(p, k, stride, padding))

    return rh.numerical_gradient(loss, kernel)


# ---------------------------------------------------------------------------
# Output shape, dilation and the forward pass
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("input_shape, kernel_shape, stride, padding", CASES, ids=CASE_IDS)
def test_forward_matches_scipy(input_shape, kernel_shape, stride, padding):
    p, kernel, _ = random_case(input_shape, kernel_shape, stride, padding)
    result = rh.correlate_valid(p, kernel, stride=stride, padding=padding)
    expected = scipy_forward(p, kernel, stride, padding)
    assert result.shape == expected.shape
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12)


def test_output_shape_formula():
    assert rh.correlate_output_shape((5, 5), (3, 3), 2, 0) == (2, 2)
    assert rh.correlate_output_shape((6, 6), (3, 3), 2, 0) == (2, 2)
    assert rh.correlate_output_shape((7, 7), (3, 3), 2, 0) == (3, 3)
    assert rh.correlate_output_shape((4, 6), (3, 2), 1, 1) == (4, 7)
    assert rh.correlate_output_shape((7, 4), (2, 3), (3, 1), (0, 2)) == (2, 6)


def test_output_shape_defaults_to_valid():
    assert rh.correlate_output_shape((3, 3), (2, 2)) == (2, 2)
    assert rh.correlate_output_shape((4, 9), (4, 1)) == (1, 9)


def test_dilate_places_every_stride():
    delta = np.arange(1.0, 7.0).reshape(2, 3)
    dilated = rh.dilate(delta, (2, 3))
    assert dilated.shape == (3, 7)
    np.testing.assert_array_equal(dilated[::2, ::3], delta)
    assert np.count_nonzero(dilated) == delta.size


def test_dilate_stride_one_copies():
    delta = np.ones((2, 2))
    dilated = rh.dilate(delta, 1)
    np.testing.assert_array_equal(dilated, delta)
    dilated[0, 0] = 5.0
    assert delta[0, 0] == 1.0


def test_explicit_defaults_equal_defaults():
    p, kernel, delta_c = random_case((5, 4), (2, 3), 1, 0, seed=2)
    np.testing.assert_array_equal(rh.correlate_valid(p, kernel, stride=1, padding=0),
                                  rh.correlate_valid(p, kernel))
    np.testing.assert_array_equal(rh.correlate_valid(p, kernel, (1, 1), (0, 0)),
                                  rh.correlate_valid(p, kernel))
    for route in (rh.delta_p_chain_rule, rh.delta_p_chain_rule_loops, rh.delta_p_full_conv):
        np.testing.assert_array_equal(route(delta_c, kernel, stride=1, padding=0),
                                      route(delta_c, kernel))
    np.testing.assert_array_equal(rh.delta_k(p, delta_c, 1, 0), rh.delta_k(p, delta_c))


@pytest.mark.parametrize("block_elements", [1, 5, 64])
def test_block_size_does_not_change_result(monkeypatch, block_elements):
    p, kernel, delta_c = random_case((9, 11), (3, 2), (2, 1), (1, 2), seed=5)
    forward = rh.correlate_valid(p, kernel, (2, 1), (1, 2))
    backward = rh.delta_p_full_conv(delta_c, kernel, (9, 11), stride=(2, 1), padding=(1, 2))
    monkeypatch.setattr(numerics, "BLOCK_ELEMENTS", block_elements)
    np.testing.assert_array_equal(rh.correlate_valid(p, kernel, (2, 1), (1, 2)), forward)
    np.testing.assert_array_equal(
        rh.delta_p_full_conv(delta_c, kernel, (9, 11), stride=(2, 1), padding=(1, 2)),
        backward)


# ---------------------------------------------------------------------------
# The input gradient δP
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("input_shape, kernel_shape, stride, padding", CASES, ids=CASE_IDS)
def test_delta_p_matches_finite_differences(input_shape, kernel_shape, stride, padding):
    p, kernel, delta_c = random_case(input_shape, kernel_shape, stride, padding, seed=1)
    numerical = rh.loss_gradient_numerical(p, kernel, delta_c, stride=stride,
                                           padding=padding)
    for route in (rh.delta_p_chain_rule, rh.delta_p_chain_rule_loops, rh.delta_p_full_conv):
        result = route(delta_c, kernel, input_shape, stride=stride, padding=padding)
        assert result.shape == input_shape, route.__name__
        np.testing.assert_allclose(result, numerical, atol=1e-7, err_msg=route.__name__)


@pytest.mark.parametrize("input_shape, kernel_shape, stride, padding", CASES, ids=CASE_IDS)
def test_delta_p_matches_scipy(input_shape, kernel_shape, stride, padding):
    _, kernel, delta_c = random_case(input_shape, kernel_shape, stride, padding, seed=2)
    expected = scipy_delta_p(delta_c, kernel, input_shape, stride, padding)
    result = rh.delta_p_full_conv(delta_c, kernel, input_shape, stride=stride,
                                  padding=padding)
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12)


def test_unread_rows_get_zero_gradient():
    # 6 rows with a 3-row kernel and stride 2: windows start at rows 0 and 2,
    # so row 5 (and column 5) is never read.
    _, kernel, delta_c = random_case((6, 6), (3, 3), 2, 0, seed=3)
    delta_p = rh.delta_p_full_conv(delta_c, kernel, (6, 6), stride=2)
    assert delta_p.shape == (6, 6)
    np.testing.assert_array_equal(delta_p[5, :], 0.0)
    np.testing.assert_array_equal(delta_p[:, 5], 0.0)
    assert np.count_nonzero(delta_p[:5, :5]) > 0


def test_smallest_input_without_input_shape():
    _, kernel, delta_c = random_case((6, 6), (3, 3), 2, 0, seed=3)
    smallest = rh.delta_p_full_conv(delta_c, kernel, stride=2)
    given = rh.delta_p_full_conv(delta_c, kernel, (6, 6), stride=2)
    assert smallest.shape == (5, 5)
    np.testing.assert_array_equal(smallest, given[:5, :5])
    np.testing.assert_array_equal(rh.delta_p_chain_rule(delta_c, kernel, stride=2), smallest)


def test_smallest_input_with_padding():
    # A (3, 2) kernel with padding 1 maps a (4, 6) input to a (4, 7) output.
    kernel = np.ones((3, 2))
    delta_c = np.ones((4, 7))
    assert rh.delta_p_full_conv(delta_c, kernel, padding=1).shape == (4, 6)
    assert rh.correlate_output_shape((4, 6), (3, 2), 1, 1) == (4, 7)


def test_padding_crops_padded_gradient():
    _, kernel, delta_c = random_case((4, 5), (3, 3), 1, 1, seed=4)
    with_padding = rh.delta_p_full_conv(delta_c, kernel, (4, 5), padding=1)
    of_padded_input = rh.delta_p_full_conv(delta_c, kernel, (6, 7))
    np.testing.assert_allclose(with_padding, of_padded_input[1:-1, 1:-1], atol=1e-12)


def test_loops_agree_on_larger_input():
    _, kernel, delta_c = random_case((23, 31), (4, 3), (2, 3), (1, 2), seed=6)
    arguments = dict(stride=(2, 3), padding=(1, 2))
    np.testing.assert_allclose(
        rh.delta_p_chain_rule_loops(delta_c, kernel, (23, 31), **arguments),
        rh.delta_p_full_conv(delta_c, kernel, (23, 31), **arguments), atol=1e-12)


# ---------------------------------------------------------------------------
# The kernel gradient δK
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("input_shape, kernel_shape, stride, padding", CASES, ids=CASE_IDS)
def test_delta_k_matches_finite_differences(input_shape, kernel_shape, stride, padding):
    p, kernel, delta_c = random_case(input_shape, kernel_shape, stride, padding, seed=7)
    numerical = loss_gradient_kernel(p, kernel, delta_c, stride, padding)
    result = rh.delta_k(p, delta_c, stride, padding, kernel_shape=kernel_shape)
    assert result.shape == kernel_shape
    np.testing.assert_allclose(result, numerical, atol=1e-7)


@pytest.mark.parametrize("input_shape, kernel_shape, stride, padding", CASES, ids=CASE_IDS)
def test_delta_k_matches_scipy(input_shape, kernel_shape, stride, padding):
    p, kernel, delta_c = random_case(input_shape, kernel_shape, stride, padding, seed=8)
    (sr, sc), (pr, pc) = pair(stride), pair(padding)
    dilated = np.zeros(((delta_c.shape[0] - 1) * sr + 1, (delta_c.shape[1] - 1) * sc + 1))
    dilated[::sr, ::sc] = delta_c
    padded = np.pad(p, ((pr, pr), (pc, pc)))
    expected = scipy.signal.correlate2d(padded, dilated, mode="valid")
    expected = expected[:kernel_shape[0], :kernel_shape[1]]
    result = rh.delta_k(p, delta_c, stride, padding, kernel_shape=kernel_shape)
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12)


def test_delta_k_largest_kernel_by_default():
    # 6 rows, 2 outputs, stride 2: kernels of 3 and 4 rows both fit, and the
    # default is the larger one, which reads every row.
    p, _, delta_c = random_case((6, 6), (3, 3), 2, 0, seed=9)
    assert rh.delta_k(p, delta_c, 2).shape == (4, 4)
    np.testing.assert_allclose(rh.delta_k(p, delta_c, 2)[:3, :3],
                               rh.delta_k(p, delta_c, 2, kernel_shape=(3, 3)), atol=1e-12)


# ---------------------------------------------------------------------------
# Channels
# ---------------------------------------------------------------------------

CHANNEL_CASES = [
    (2, 3, (5, 4), (2, 3), 1, 0),
    (3, 2, (7, 6), (3, 3), 2, 1),
    (1, 2, (6, 5), (2, 2), (2, 1), (0, 1)),
]


def random_channels(in_channels, out_channels, input_shape, kernel_shape, stride, padding,
                    seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(in_channels,) + input_shape)
    weights = rng.normal(size=(out_channels, in_channels) + kernel_shape)
    output_shape = rh.correlate_output_shape(input_shape, kernel_shape, stride, padding)
    delta_c = rng.normal(size=(out_channels,) + output_shape)
    return x, weights, delta_c


@pytest.mark.parametrize("case", CHANNEL_CASES)
def test_channels_forward_matches_scipy(case):
    x, weights, _ = random_channels(*case)
    stride, padding = case[4], case[5]
    expected = np.array([
        sum(scipy_forward(x[c], weights[o, c], stride, padding) for c in range(x.shape[0]))
        for o in range(weights.shape[0])])
    result = rh.correlate_valid_channels(x, weights, stride, padding)
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", CHANNEL_CASES)
def test_channels_gradients_match_finite_differences(case):
    x, weights, delta_c = random_channels(*case, seed=1)
    input_shape, kernel_shape, stride, padding = case[2:]
    numerical_p, numerical_w = rh.numerical_gradients_channels(
        x, weights, delta_c, stride=stride, padding=padding)
    for route in (rh.delta_p_full_conv_channels, rh.delta_p_chain_rule_channels):
        result = route(delta_c, weights, input_shape, stride=stride, padding=padding)
        assert result.shape == x.shape
        np.testing.assert_allclose(result, numerical_p, atol=1e-7, err_msg=route.__name__)
    delta_weights = rh.delta_k_channels(x, delta_c, stride, padding,
                                        kernel_shape=kernel_shape)
    assert delta_weights.shape == weights.shape
    np.testing.assert_allclose(delta_weights, numerical_w, atol=1e-7)


def test_channels_one_channel_equals_single():
    p, kernel, delta_c = random_case((5, 6), (2, 3), 2, 1, seed=10)
    np.testing.assert_allclose(
        rh.correlate_valid_channels(p[None], kernel[None, None], 2, 1)[0],
        rh.correlate_valid(p, kernel, 2, 1), atol=1e-12)
    np.testing.assert_allclose(
        rh.delta_p_full_conv_channels(delta_c[None], kernel[None, None], (5, 6),
                                      stride=2, padding=1)[0],
        rh.delta_p_full_conv(delta_c, kernel, (5, 6), stride=2, padding=1), atol=1e-12)


# ---------------------------------------------------------------------------
# Properties over random shapes, strides and paddings
# ---------------------------------------------------------------------------

@st.composite
def strided_cases(draw):
    kernel_shape = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    input_shape = tuple(
        draw(st.integers(max(1, k - 2 * q), 7)) for k, q in zip(kernel_shape, padding))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    return input_shape, kernel_shape, stride, padding, seed


@settings(max_examples=40, deadline=None)
@given(strided_cases())
def test_property_routes_match_finite_differences(case):
    input_shape, kernel_shape, stride, padding, seed = case
    p, kernel, delta_c = random_case(input_shape, kernel_shape, stride, padding, seed)
    numerical = rh.loss_gradient_numerical(p, kernel, delta_c, eps=1e-3, stride=stride,
                                           padding=padding)
    chain = rh.delta_p_chain_rule(delta_c, kernel, input_shape, stride=stride,
                                  padding=padding)
    full = rh.delta_p_full_conv(delta_c, kernel, input_shape, stride=stride, padding=padding)
    np.testing.assert_allclose(full, chain, atol=1e-12)
    np.testing.assert_allclose(numerical, chain, atol=1e-8)


@settings(max_examples=40, deadline=None)
@given(strided_cases())
def test_property_delta_k_matches_finite_differences(case):
    input_shape, kernel_shape, stride, padding, seed = case
    p, kernel, delta_c = random_case(input_shape, kernel_shape, stride, padding, seed)
    result = rh.delta_k(p, delta_c, stride, padding, kernel_shape=kernel_shape)
    numerical = loss_gradient_kernel(p, kernel, delta_c, stride, padding)
    np.testing.assert_allclose(result, numerical, atol=1e-7)


# ---------------------------------------------------------------------------
# Error messages
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("stride", [0, -1, (1, 0)])
def test_error_stride_below_one(stride):
    with pytest.raises(ValueError, match=r"stride must be at least 1, got .*stride=2"):
        rh.correlate_valid(np.ones((3, 3)), np.ones((2, 2)), stride=stride)


def test_error_negative_padding():
    with pytest.raises(ValueError, match=r"padding must be at least 0, got \(1, -1\)"):
        rh.delta_p_full_conv(np.ones((2, 2)), np.ones((2, 2)), padding=(1, -1))


@pytest.mark.parametrize("stride", [1.5, 2.0, True, None, (1, 2.0), "ab"])
def test_error_stride_not_int(stride):
    with pytest.raises(TypeError, match=r"stride must (be an int or a pair of ints|"
                                        r"contain ints), got"):
        rh.correlate_valid(np.ones((3, 3)), np.ones((2, 2)), stride=stride)


def test_error_padding_three_entries():
    with pytest.raises(ValueError, match=r"padding must have two entries \(rows, columns\), "
                                         r"got \(1, 1, 1\)"):
        rh.delta_k(np.ones((3, 3)), np.ones((2, 2)), padding=(1, 1, 1))


def test_error_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match=r"kernel of shape \(5, 5\) is larger than x padded "
                                         r"by \(1, 1\) of shape \(4, 4\)"):
        rh.correlate_valid(np.ones((2, 2)), np.ones((5, 5)), padding=1)


def test_error_delta_c_shape_with_stride():
    with pytest.raises(ValueError, match=r"delta_c has shape \(3, 3\), but an input of shape "
                                         r"\(6, 6\) and a kernel of shape \(3, 3\) with stride "
                                         r"\(2, 2\) and padding \(0, 0\) give an output of "
                                         r"shape \(2, 2\)"):
        rh.delta_p_chain_rule(np.ones((3, 3)), np.ones((3, 3)), (6, 6), stride=2)


def test_error_no_input_shape_fits():
    with pytest.raises(ValueError, match=r"no input shape gives delta_c of shape \(1, 1\).*"
                                         r"use a smaller padding"):
        rh.delta_p_full_conv(np.ones((1, 1)), np.ones((1, 1)), padding=1)


def test_error_delta_k_too_large_with_stride():
    with pytest.raises(ValueError, match=r"delta_c of shape \(3, 3\) is too large for x of "
                                         r"shape \(4, 4\) with stride \(2, 2\)"):
        rh.delta_k(np.ones((4, 4)), np.ones((3, 3)), stride=2)


def test_error_delta_k_kernel_shape_mismatch():
    with pytest.raises(ValueError, match=r"delta_c has shape \(2, 2\), but an input of shape "
                                         r"\(6, 6\) and a kernel of shape \(2, 2\)"):
        rh.delta_k(np.ones((6, 6)), np.ones((2, 2)), stride=2, kernel_shape=(2, 2))


def test_error_channels_input_mismatch():
    with pytest.raises(ValueError, match=r"x has 3 channels \(shape \(3, 4, 4\)\), but "
                                         r"weights of shape \(2, 1, 2, 2\) expect 1"):
        rh.correlate_valid_channels(np.ones((3, 4, 4)), np.ones((2, 1, 2, 2)))


def test_error_channels_output_mismatch():
    with pytest.raises(ValueError, match=r"delta_c has 3 channels \(shape \(3, 2, 2\)\), but "
                                         r"weights of shape \(2, 1, 2, 2\) produce 2"):
        rh.delta_p_full_conv_channels(np.ones((3, 2, 2)), np.ones((2, 1, 2, 2)))


def test_error_channels_not_3d():
    with pytest.raises(ValueError, match=r"x must be a 3-D array, got shape \(4, 4\)"):
        rh.correlate_valid_channels(np.ones((4, 4)), np.ones((1, 1, 2, 2)))


# ---------------------------------------------------------------------------
# The benchmark script
# ---------------------------------------------------------------------------

def load_benchmark():
    spec = importlib.util.spec_from_file_location("bench_numerics", BENCHMARK_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_measures_small_sizes():
    bench = load_benchmark()
    timings = bench.measure(size=16, kernel_size=3, loop_size=8, repeats=3)
    assert set(timings) == {"full_conv", "scipy", "ratio", "loops", "full_conv_small"}
    assert timings["ratio"] == pytest.approx(timings["full_conv"] / timings["scipy"])
    assert all(value > 0 for value in timings.values())


# ---------------------------------------------------------------------------
# Notebook helpers: comparisons, the widget and the sample image
# ---------------------------------------------------------------------------

def test_compare_routes_agree():
    comparison = rh.compare_routes((6, 5), (3, 2), stride=2, padding=1, seed=4)
    assert comparison.full_conv.shape == (6, 5)
    assert comparison.routes_difference == 0.0
    assert comparison.numerical_difference == 0.0
    np.testing.assert_allclose(
        comparison.full_conv,
        scipy_delta_p(comparison.delta_c, comparison.kernel, (6, 5), 2, 1), atol=1e-12)


def test_compare_routes_repr_is_stable():
    text = repr(rh.compare_routes((5, 5), (3, 3), stride=2))
    assert text == ("RouteComparison(P (5, 5), K (3, 3), stride (2, 2), padding (0, 0), "
                    "C (2, 2): max |chain rule - full conv| = 0.0, "
                    "max |full conv - finite differences| = 0.0)")


def test_round_for_display_hides_noise():
    assert rh.round_for_display(3e-9) == 0.0
    assert str(rh.round_for_display(-3e-9)) == "0.0"
    assert rh.round_for_display(0.25) == 0.25


def test_explorer_updates_on_slider_change():
    explorer = rh.StridePaddingExplorer(input_shape=(5, 5), kernel_shape=(3, 3), stride=2)
    assert explorer.comparison.delta_c.shape == (2, 2)
    assert bytes(explorer.image.value).startswith(b"\x89PNG")
    explorer.sliders["padding"].value = 1
    assert explorer.comparison.delta_c.shape == (3, 3)
    assert "(3, 3)" in explorer.summary.value
    assert repr(explorer) == ("StridePaddingExplorer(input_shape=(5, 5), kernel_shape=(3, 3), "
                              "stride=2, padding=1)")


def png_height(data):
    return PIL.Image.open(io.BytesIO(bytes(data))).height


@pytest.mark.parametrize("input_shape", [(7, 1), (7, 7)])
def test_explorer_image_height(input_shape):
    explorer = rh.StridePaddingExplorer(input_shape=input_shape, kernel_shape=(1, 1),
                                        stride=1)
    assert 0 < png_height(explorer.image.value) <= rh.beyond.EXPLORER_IMAGE_MAX_HEIGHT


def test_summary_html_three_rows():
    text = rh.beyond.summary_html(rh.compare_routes((6, 6), (3, 3), stride=2))
    assert text.count("<tr>") == 3
    for shown in ("(6, 6)", "(3, 3)", "(2, 2)", "max |chain rule − full conv|"):
        assert shown in text


def test_explorer_reports_kernel_too_large():
    explorer = rh.StridePaddingExplorer(input_shape=(3, 3), kernel_shape=(3, 3), stride=1)
    explorer.sliders["kernel_rows"].value = 5
    assert explorer.comparison is None
    assert "is larger than padded input of shape (3, 3)" in explorer.summary.value
    assert bytes(explorer.image.value) == b""


@pytest.mark.parametrize("keywords, match", [
    ({"stride": 0}, r"stride = 0 is outside the slider range 1 \.\. 7"),
    ({"stride": 8}, r"stride = 8 is outside the slider range 1 \.\. 7"),
    ({"padding": 10}, r"padding = 10 is outside the slider range 0 \.\. 3"),
    ({"padding": -1}, r"padding = -1 is outside the slider range 0 \.\. 3"),
    ({"input_shape": (9, 9)}, r"input_shape\[0\] = 9 is outside the slider range 1 \.\. 7"),
    ({"input_shape": (5, 0)}, r"input_shape\[1\] = 0 is outside the slider range 1 \.\. 7"),
    ({"kernel_shape": (3, 8)}, r"kernel_shape\[1\] = 8 is outside the slider range 1 \.\. 7"),
    ({"input_shape": (9, 9), "max_size": 9, "padding": 5},
     r"padding = 5 is outside the slider range 0 \.\. 4"),
    ({"input_shape": (5, 5, 1)}, r"input_shape must be a pair \(rows, columns\)"),
    ({"max_size": 0}, r"max_size = 0 is too small"),
])
def test_explorer_rejects_out_of_range(keywords, match):
    with pytest.raises(ValueError, match=match):
        rh.StridePaddingExplorer(**keywords)


@pytest.mark.parametrize("keywords, match", [
    ({"stride": (2, 1)}, r"stride must be one int, got \(2, 1\)"),
    ({"padding": 1.0}, r"padding must be one int, got 1\.0"),
    ({"input_shape": 5}, r"input_shape must be a pair \(rows, columns\) of ints, got 5"),
    ({"kernel_shape": (2, 2.5)}, r"kernel_shape\[1\] must be an int, got 2\.5"),
])
def test_explorer_rejects_wrong_type(keywords, match):
    with pytest.raises(TypeError, match=match):
        rh.StridePaddingExplorer(**keywords)


def test_explorer_keeps_given_values():
    explorer = rh.StridePaddingExplorer(input_shape=(9, 8), kernel_shape=(1, 9), stride=9,
                                        padding=4, max_size=9)
    assert explorer.settings == ((9, 8), (1, 9), 9, 4)


def test_sample_image_loads_grey():
    image = rh.load_sample_image("grace_hopper.jpg", size=64)
    assert image.shape == (64, 64)
    assert image.dtype == np.float64
    assert 0.0 <= image.min() < image.max() <= 1.0


def test_sample_image_size_too_large():
    with pytest.raises(ValueError, match=r"size 4096 is larger than the image grace_hopper.jpg"):
        rh.load_sample_image("grace_hopper.jpg", size=4096)


def test_torch_helpers_without_torch(monkeypatch):
    # A None entry in sys.modules makes `import torch` raise ModuleNotFoundError.
    monkeypatch.setitem(sys.modules, "torch", None)
    monkeypatch.setitem(sys.modules, "torch.nn.functional", None)
    assert rh.compare_with_torch() is None
    assert rh.check_torch_conventions(rh.EXAMPLE_P, rh.EXAMPLE_K, rh.EXAMPLE_DELTA_C) is None
