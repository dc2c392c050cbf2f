"""Tests of the single-channel forward and backward pass against scipy and finite differences."""

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import rotconv_helpers as rh

SHAPE_CASES = [
    ((3, 3), (2, 2)),
    ((3, 4), (2, 3)),
    ((5, 2), (3, 1)),
    ((1, 6), (1, 4)),
    ((4, 4), (4, 4)),
    ((2, 3), (1, 1)),
]


def random_case(input_shape, kernel_shape, seed=0):
    rng = np.random.default_rng(seed)
    p = rng.normal(size=input_shape)
    kernel = rng.normal(size=kernel_shape)
    output_shape = (input_shape[0] - kernel_shape[0] + 1,
                    input_shape[1] - kernel_shape[1] + 1)
    delta_c = rng.normal(size=output_shape)
    return p, kernel, delta_c


# ---------------------------------------------------------------------------
# Each function against scipy.signal
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("input_shape, kernel_shape", SHAPE_CASES)
def test_correlate_valid_matches_scipy(input_shape, kernel_shape):
    p, kernel, _ = random_case(input_shape, kernel_shape)
    expected = scipy.signal.correlate2d(p, kernel, mode="valid")
    np.testing.assert_allclose(rh.correlate_valid(p, kernel), expected,
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("input_shape, kernel_shape", SHAPE_CASES + [((2, 2), (3, 4))])
def test_convolve_full_matches_scipy(input_shape, kernel_shape):
    p, kernel, _ = random_case(input_shape, (1, 1))
    kernel = np.random.default_rng(1).normal(size=kernel_shape)
    expected = scipy.signal.convolve2d(p, kernel, mode="full")
    np.testing.assert_allclose(rh.convolve_full(p, kernel), expected,
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("input_shape, kernel_shape", SHAPE_CASES)
def test_delta_p_routes_match_scipy(input_shape, kernel_shape):
    _, kernel, delta_c = random_case(input_shape, kernel_shape)
    expected = scipy.signal.convolve2d(delta_c, kernel, mode="full")
    explicit = scipy.signal.correlate2d(
        np.pad(delta_c, [(kernel_shape[0] - 1,) * 2, (kernel_shape[1] - 1,) * 2]),
        kernel[::-1, ::-1], mode="valid")
    np.testing.assert_allclose(expected, explicit, atol=1e-12)
    for route in (rh.delta_p_chain_rule, rh.delta_p_chain_rule_loops,
                  rh.delta_p_full_conv):
        result = route(delta_c, kernel, input_shape=input_shape)
        assert result.shape == input_shape
        np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("input_shape, kernel_shape", SHAPE_CASES)
def test_delta_p_matches_finite_differences(input_shape, kernel_shape):
    p, kernel, delta_c = random_case(input_shape, kernel_shape, seed=3)
    numerical = rh.loss_gradient_numerical(p, kernel, delta_c)
    np.testing.assert_allclose(rh.delta_p_full_conv(delta_c, kernel), numerical,
                               atol=1e-7)


@pytest.mark.parametrize("input_shape, kernel_shape", SHAPE_CASES)
def test_delta_k_matches_finite_differences(input_shape, kernel_shape):
    p, kernel, delta_c = random_case(input_shape, kernel_shape, seed=4)

    def loss(k):
        return np.sum(delta_c * rh.correlate_valid(p, k))

    numerical = rh.numerical_gradient(loss, kernel)
    result = rh.delta_k(p, delta_c)
    assert result.shape == kernel_shape
    np.testing.assert_allclose(result, numerical, atol=1e-7)
    np.testing.assert_allclose(
        result, scipy.signal.correlate2d(p, delta_c, mode="valid"), atol=1e-12)


def test_rot180_reverses_rows_and_columns():
    kernel = np.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(rh.rot180(kernel), [[5, 4, 3], [2, 1, 0]])
    np.testing.assert_array_equal(rh.rot180(kernel), np.rot90(kernel, 2))


def test_rot180_returns_new_array():
    kernel = np.ones((2, 2))
    rotated = rh.rot180(kernel)
    rotated[0, 0] = 5.0
    assert kernel[0, 0] == 1.0


def test_pad_full_shape_and_border():
    delta = np.arange(1, 7, dtype=float).reshape(2, 3)
    padded = rh.pad_full(delta, (3, 2))
    assert padded.shape == (2 + 2 * 2, 3 + 2 * 1)
    np.testing.assert_array_equal(padded[2:4, 1:4], delta)
    assert padded.sum() == delta.sum()


def test_outputs_are_float64_for_int_input():
    p = np.arange(9).reshape(3, 3)
    kernel = np.array([[1, 0], [0, 2]])
    for result in (rh.correlate_valid(p, kernel), rh.convolve_full(p, kernel),
                   rh.rot180(kernel), rh.pad_full(kernel, (2, 2)),
                   rh.delta_p_chain_rule(kernel, kernel),
                   rh.delta_p_full_conv(kernel, kernel), rh.delta_k(p, kernel)):
        assert result.dtype == np.float64


# ---------------------------------------------------------------------------
# The worked example
# ---------------------------------------------------------------------------

def test_example_nine_formulas_by_hand():
    # The nine formulas written out as in the worked example, evaluated
    # independently of every helper.
    (k11, k12), (k21, k22) = rh.EXAMPLE_K
    (d11, d12), (d21, d22) = rh.EXAMPLE_DELTA_C
    expected = np.array([
        [d11 * k11, d11 * k12 + d12 * k11, d12 * k12],
        [d11 * k21 + d21 * k11, d11 * k22 + d12 * k21 + d21 * k12 + d22 * k11,
         d12 * k22 + d22 * k12],
        [d21 * k21, d21 * k22 + d22 * k21, d22 * k22],
    ])
    np.testing.assert_array_equal(
        rh.delta_p_chain_rule(rh.EXAMPLE_DELTA_C, rh.EXAMPLE_K), expected)
    np.testing.assert_array_equal(
        rh.delta_p_full_conv(rh.EXAMPLE_DELTA_C, rh.EXAMPLE_K), expected)


def test_example_distinguishes_every_flip():
    variants = {
        "identity": rh.EXAMPLE_K,
        "rot180": np.rot90(rh.EXAMPLE_K, 2),
        "rot90": np.rot90(rh.EXAMPLE_K, 1),
        "rot270": np.rot90(rh.EXAMPLE_K, 3),
        "transpose": rh.EXAMPLE_K.T,
        "anti-transpose": np.rot90(rh.EXAMPLE_K, 2).T,
        "flip rows": rh.EXAMPLE_K[::-1, :],
        "flip columns": rh.EXAMPLE_K[:, ::-1],
    }
    results = {name: rh.delta_p_chain_rule(rh.EXAMPLE_DELTA_C, kernel)
               for name, kernel in variants.items()}
    names = list(results)
    for position, first in enumerate(names):
        for second in names[position + 1:]:
            assert not np.array_equal(results[first], results[second]), (first, second)


def test_example_sum_hides_the_flip():
    # Σ δP = ΣK · ΣδC for every flip, which is why a sum-only check is useless.
    wrong = rh.delta_p_chain_rule(rh.EXAMPLE_DELTA_C, rh.rot180(rh.EXAMPLE_K))
    right = rh.delta_p_chain_rule(rh.EXAMPLE_DELTA_C, rh.EXAMPLE_K)
    assert wrong.sum() == pytest.approx(right.sum())
    assert right.sum() == pytest.approx(rh.EXAMPLE_K.sum() * rh.EXAMPLE_DELTA_C.sum())


def test_example_arrays_are_read_only():
    with pytest.raises(ValueError, match="read-only"):
        rh.EXAMPLE_K[0, 0] = 5.0
    p, kernel, delta_c = rh.example_arrays()
    kernel[0, 0] = 5.0
    assert rh.EXAMPLE_K[0, 0] != 5.0


def test_one_hot_top_left_places_kernel_unrotated():
    kernel = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    delta_c = np.zeros((3, 2))
    delta_c[0, 0] = 1.0
    delta_p = rh.delta_p_full_conv(delta_c, kernel)
    np.testing.assert_array_equal(delta_p[:2, :3], kernel)
    assert np.count_nonzero(delta_p) == np.count_nonzero(kernel)


# ---------------------------------------------------------------------------
# Properties over random shapes and values
# ---------------------------------------------------------------------------

@st.composite
def backward_cases(draw):
    kh = draw(st.integers(1, 4))
    kw = draw(st.integers(1, 4))
    rows = draw(st.integers(1, 4))
    cols = draw(st.integers(1, 4))
    values = st.floats(-10, 10, allow_nan=False, allow_infinity=False, width=64)
    kernel = draw(arrays(np.float64, (kh, kw), elements=values))
    delta_c = draw(arrays(np.float64, (rows, cols), elements=values))
    p = draw(arrays(np.float64, (rows + kh - 1, cols + kw - 1), elements=values))
    return p, kernel, delta_c


@settings(max_examples=60, deadline=None)
@given(backward_cases())
def test_property_three_routes_agree(case):
    p, kernel, delta_c = case
    chain = rh.delta_p_chain_rule(delta_c, kernel)
    full = rh.delta_p_full_conv(delta_c, kernel)
    numerical = rh.loss_gradient_numerical(p, kernel, delta_c, eps=1e-3)
    scale = 1 + np.abs(chain).max()
    np.testing.assert_allclose(full, chain, atol=1e-12 * scale)
    np.testing.assert_allclose(numerical, chain, atol=1e-8 * scale)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 5)),
              elements=st.floats(-1e6, 1e6, allow_nan=False, width=64)))
def test_property_rot180_twice_is_identity(kernel):
    np.testing.assert_array_equal(rh.rot180(rh.rot180(kernel)), kernel)


@settings(max_examples=40, deadline=None)
@given(backward_cases())
def test_property_full_conv_is_convolve_full(case):
    _, kernel, delta_c = case
    np.testing.assert_allclose(rh.delta_p_full_conv(delta_c, kernel),
                               rh.convolve_full(delta_c, kernel), atol=1e-9)


# ---------------------------------------------------------------------------
# numerical_gradient
# ---------------------------------------------------------------------------

def test_numerical_gradient_of_quadratic():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    gradient = rh.numerical_gradient(lambda v: np.sum(v ** 2), x)
    np.testing.assert_allclose(gradient, 2 * x, atol=1e-6)


def test_numerical_gradient_int_input():
    # An int array would truncate x + eps to x and give a zero gradient.
    x = np.array([[1, 2], [3, 4]])
    gradient = rh.numerical_gradient(lambda v: np.sum(v ** 3), x)
    np.testing.assert_allclose(gradient, 3.0 * x ** 2, rtol=1e-6)


def test_numerical_gradient_leaves_input_alone():
    x = np.array([[1.0, 2.0]])
    rh.numerical_gradient(lambda v: float(np.sum(v)), x)
    np.testing.assert_array_equal(x, [[1.0, 2.0]])


def test_numerical_gradient_rejects_vector_output():
    with pytest.raises(TypeError, match=r"f must return a scalar, got a value of shape \(2,\)"):
        rh.numerical_gradient(lambda v: v[0], np.ones((2, 2)))


@pytest.mark.parametrize("eps", [0, -1e-6, float("nan"), True, "0.1"])
def test_numerical_gradient_rejects_bad_eps(eps):
    with pytest.raises(ValueError, match="eps must be a positive finite number"):
        rh.numerical_gradient(np.sum, np.ones((2, 2)), eps=eps)


def test_numerical_gradient_rejects_non_callable():
    with pytest.raises(TypeError, match="f must be a callable"):
        rh.numerical_gradient(3.0, np.ones((2, 2)))


# ---------------------------------------------------------------------------
# Error messages
# ---------------------------------------------------------------------------

def test_error_not_2d():
    with pytest.raises(ValueError, match=r"x must be a 2-D array, got shape \(3,\) \(1-D\)"):
        rh.correlate_valid([1.0, 2.0, 3.0], [[1.0]])


def test_error_3d_kernel():
    with pytest.raises(ValueError, match=r"kernel must be a 2-D array, got shape \(1, 1, 1\)"):
        rh.correlate_valid(np.ones((3, 3)), np.ones((1, 1, 1)))


def test_error_empty():
    with pytest.raises(ValueError, match=r"delta_c is empty \(shape \(0, 2\)\)"):
        rh.delta_p_full_conv(np.ones((0, 2)), np.ones((2, 2)))


def test_error_kernel_larger_than_input():
    with pytest.raises(ValueError, match=r"kernel of shape \(3, 3\) is larger than x of "
                                         r"shape \(2, 4\).*use a smaller kernel"):
        rh.correlate_valid(np.ones((2, 4)), np.ones((3, 3)))


@pytest.mark.parametrize("bad, shown", [(np.nan, "nan"), (np.inf, "inf"), (-np.inf, "-inf")])
def test_error_not_finite(bad, shown):
    p = np.ones((3, 3))
    p[1, 2] = bad
    with pytest.raises(ValueError, match=rf"x contains {shown} at index \[1, 2\]; "
                                         r"every element must be a finite number"):
        rh.correlate_valid(p, np.ones((2, 2)))


def test_error_bool_dtype():
    with pytest.raises(TypeError, match=r"kernel has dtype bool.*kernel.astype\(float\)"):
        rh.rot180(np.array([[True, False]]))


def test_error_text_dtype():
    with pytest.raises(TypeError, match=r"delta_c has dtype <U1, but it must contain real numbers"):
        rh.delta_p_chain_rule([["a", "b"]], [[1.0]])


def test_error_none_entry():
    with pytest.raises(TypeError, match=r"x contains None at index \[0, 1\], which is not "
                                        r"a real number"):
        rh.correlate_valid([[1.0, None]], [[1.0]])


def test_large_python_int_converts():
    result = rh.correlate_valid([[10 ** 30, 1]], [[1.0]])
    np.testing.assert_array_equal(result, [[1e30, 1.0]])


def test_error_int_beyond_float64():
    with pytest.raises(ValueError, match=r"x contains an integer with 401 digits at index "
                                         r"\[0, 0\], too large for float64"):
        rh.correlate_valid([[10 ** 400, 1]], [[1.0]])


@pytest.mark.parametrize("function, arguments", [
    (rh.correlate_valid, (np.full((3, 3), 1e200), np.full((2, 2), 1e200))),
    (rh.convolve_full, (np.full((2, 2), 1e200), np.full((2, 2), 1e200))),
    (rh.delta_p_chain_rule, (np.full((2, 2), 1e200), np.full((2, 2), 1e200))),
    (rh.delta_p_chain_rule_loops, (np.full((2, 2), 1e200), np.full((2, 2), 1e200))),
    (rh.delta_p_full_conv, (np.full((2, 2), 1e200), np.full((2, 2), 1e200))),
    (rh.delta_k, (np.full((3, 3), 1e200), np.full((2, 2), 1e200))),
])
def test_error_result_overflow(function, arguments):
    name = function.__name__
    with pytest.raises(ValueError, match=rf"{name} overflowed float64 .* scale the inputs down"):
        function(*arguments)


def test_error_padding_string():
    with pytest.raises(TypeError, match=r"padding must be an int or a pair of ints, got the "
                                        r"string 'same'"):
        rh.correlate_valid(np.ones((3, 3)), np.ones((2, 2)), padding="same")


def test_error_padding_set():
    with pytest.raises(TypeError, match=r"padding must be an int or a pair of ints, "
                                        r"got \{1, 2\} of type set"):
        rh.correlate_valid(np.ones((3, 3)), np.ones((2, 2)), padding={1, 2})


def test_error_complex_dtype():
    with pytest.raises(TypeError, match=r"x has complex dtype complex128"):
        rh.correlate_valid(np.ones((2, 2), dtype=complex), [[1.0]])


def test_error_ragged():
    with pytest.raises(TypeError, match="x could not be converted to an array"):
        rh.correlate_valid([[1.0, 2.0], [3.0]], [[1.0]])


def test_error_delta_c_shape_mismatch():
    with pytest.raises(ValueError, match=r"delta_c has shape \(3, 3\), but an input of shape "
                                         r"\(3, 3\) and a kernel of shape \(2, 2\) give an "
                                         r"output of shape \(2, 2\)"):
        rh.delta_p_chain_rule(np.ones((3, 3)), np.ones((2, 2)), input_shape=(3, 3))


def test_error_delta_c_shape_mismatch_numerical():
    with pytest.raises(ValueError, match=r"delta_c has shape \(1, 2\)"):
        rh.loss_gradient_numerical(np.ones((3, 3)), np.ones((2, 2)), np.ones((1, 2)))


def test_error_delta_k_delta_c_too_large():
    with pytest.raises(ValueError, match=r"delta_c of shape \(4, 4\) is larger than x of "
                                         r"shape \(3, 3\)"):
        rh.delta_k(np.ones((3, 3)), np.ones((4, 4)))


@pytest.mark.parametrize("shape", [(2,), (2, 0), (2.0, 2), "ab", (True, 2)])
def test_error_bad_kernel_shape(shape):
    with pytest.raises(ValueError, match="kernel_shape must be a pair of positive integers"):
        rh.pad_full(np.ones((2, 2)), shape)


def test_error_kernel_shape_not_iterable():
    with pytest.raises(TypeError, match=r"kernel_shape must be a pair \(rows, columns\), got 3"):
        rh.pad_full(np.ones((2, 2)), 3)


def test_scipy_valid_mode_swaps_arguments():
    # scipy's 'valid' correlate2d swaps its inputs when the second is larger,
    # so correlate2d(kernel, x) silently computes something else. The helpers
    # take (x, kernel) and reject a kernel larger than the input instead.
    x = np.arange(9.0).reshape(3, 3)
    kernel = np.array([[1.0, 2.0], [3.0, 4.0]])
    swapped = scipy.signal.correlate2d(kernel, x, mode="valid")
    assert not np.allclose(swapped, rh.correlate_valid(x, kernel))
    np.testing.assert_allclose(swapped, rh.correlate_valid(x, kernel)[::-1, ::-1])
    with pytest.raises(ValueError, match="is larger than x"):
        rh.correlate_valid(kernel, x)
