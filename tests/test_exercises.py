"""Tests of the exercise checkers: right, wrong, unanswered and unreadable answers.

Expected answers are computed here independently of the helpers: numbers with
scipy.signal, index sets and formula terms by index arithmetic on the
definition c[i, j] = Σ p[i + a, j + b] k[a, b]. A wrong answer must say
which part is wrong and must not contain the right answer. For a set answer,
the message may name at most one wrong item and must not let the expected set
be reconstructed by elimination.
"""

import ast
import itertools
import json
import pathlib
import re
import shutil
import subprocess

import numpy as np
import pytest
from scipy import signal

import rotconv_helpers as rh
from rotconv_helpers.feedback import CheckResult, CheckTable

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SOLUTIONS = NOTEBOOKS / "solutions"


# ---------------------------------------------------------------------------
# Independent references
# ---------------------------------------------------------------------------

def window_of(output_index, kernel_shape):
    """Return the 1-based (row, column) indices of P that output c[i, j] reads."""
    i, j = output_index
    return {(i + a, j + b) for a in range(kernel_shape[0])
            for b in range(kernel_shape[1])}


def gradient_pairs(p_index, input_shape, kernel_shape):
    """Return the 1-based ((δc row, col), (k row, col)) terms of δp at ``p_index``."""
    r, s = p_index
    pairs = set()
    for a, b in itertools.product(range(1, kernel_shape[0] + 1),
                                  range(1, kernel_shape[1] + 1)):
        i, j = r - a + 1, s - b + 1
        if 1 <= i <= input_shape[0] - kernel_shape[0] + 1 and \
                1 <= j <= input_shape[1] - kernel_shape[1] + 1:
            pairs.add(((i, j), (a, b)))
    return pairs


def pair_names(pairs):
    return [(f"dc{i}{j}", f"k{a}{b}") for (i, j), (a, b) in sorted(pairs)]


def assert_no_number(result, value):
    """Assert that ``value`` appears nowhere in the result as a standalone number."""
    text = repr(result) + result._repr_html_()
    number = f"{value:g}"
    pattern = rf"(?<![\w.]){re.escape(number)}(?:\.0+)?(?![\w.])"
    assert re.search(pattern, text) is None, text


def assert_wrong(result, *phrases):
    assert result.status == "wrong", repr(result)
    for phrase in phrases:
        assert phrase in result.message, repr(result)
    assert result.hint, repr(result)


# ---------------------------------------------------------------------------
# The result object
# ---------------------------------------------------------------------------

def test_result_text_and_html():
    result = CheckResult("c12", "wrong", "a <b> & c", "hint <i>")
    assert repr(result).startswith("✗ Not yet (c12): a <b> & c")
    assert "Hint: hint <i>" in repr(result)
    assert "a &lt;b&gt; &amp; c" in result._repr_html_()
    assert "hint &lt;i&gt;" in result._repr_html_()
    assert not result.correct


def test_result_rejects_unknown_status():
    with pytest.raises(ValueError, match="status must be one of"):
        CheckResult("c12", "maybe", "text")


def test_table_passing_and_unknown_column():
    table = CheckTable("title", ("sum", "full"), (("A", (True, False)),
                                                  ("B", (False, False))))
    assert table.passing("sum") == ["A"]
    assert table.passing("full") == []
    assert "FAIL" in repr(table)
    assert "<table>" in table._repr_html_()
    with pytest.raises(ValueError, match="column 'mean' is not in the table"):
        table.passing("mean")


# ---------------------------------------------------------------------------
# Unanswered and unreadable answers, for every checker
# ---------------------------------------------------------------------------

CHECKERS = [
    rh.check_output_value,
    rh.check_window_elements,
    rh.check_output_shape,
    rh.check_outputs_fed,
    rh.check_gradient_terms,
    rh.check_delta_p_value,
    rh.check_one_hot_delta_p,
    rh.check_rot180,
    rh.check_padded_shape,
    rh.check_single_element_windows,
]


@pytest.mark.parametrize("checker", CHECKERS, ids=lambda f: f.__name__)
def test_checker_unanswered(checker):
    result = checker(None)
    assert result.status == "unanswered"
    assert "Not answered yet" in repr(result)
    assert "Not answered yet" in result._repr_html_()


@pytest.mark.parametrize("checker", CHECKERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("answer", [object(), {"a": 1}, True])
def test_checker_unreadable(checker, answer):
    result = checker(answer)
    assert result.status == "invalid", repr(result)
    assert "Invalid answer" in repr(result)


def not_rotated_full(delta_c, kernel):
    return signal.correlate2d(delta_c, kernel, mode="full")


def check_passing_kernels_ab(answer):
    kernels = {"A": np.ones((2, 2)), "B": np.array([[1.0, 2.0], [3.0, 4.0]])}
    return rh.check_passing_kernels(answer, not_rotated_full, kernels)


ALL_CHECKERS = CHECKERS + [rh.check_delta_p, check_passing_kernels_ab]

# Answers that no checker can read. A checker must return an "Invalid answer"
# result for each of them, never raise.
GARBAGE = {
    "empty string": "",
    "blank string": "   ",
    "list of int": [7],
    "huge int": 10**400,
    "nan": float("nan"),
    "inf string": "1e400",
    "object": object(),
    "dict": {"c12": 7},
    "ragged nested list": [[1, [2, 3]], [4]],
    "deep nested list": [[[1]]],
    "mixed nested list": ["p11", ["p12"]],
    "3-D array": np.zeros((2, 2, 2)),
}

# Words that introduce the expected form in an invalid-answer message.
EXPECTED_FORM = re.compile(r"\b(write|such as|like|labels are|assign)\b",
                           re.IGNORECASE)


@pytest.mark.parametrize("checker", ALL_CHECKERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("answer", GARBAGE.values(), ids=GARBAGE.keys())
def test_checker_garbage(checker, answer):
    result = checker(answer)
    assert isinstance(result, CheckResult)
    assert result.status == "invalid", repr(result)
    assert repr(result).startswith("⚠ Invalid answer")
    assert result.message.endswith("."), result.message
    assert EXPECTED_FORM.search(result.message), result.message
    assert len(result.message) < 300, result.message


@pytest.mark.parametrize("checker", ALL_CHECKERS, ids=lambda f: f.__name__)
def test_checker_plain_int(checker):
    result = checker(7)
    assert isinstance(result, CheckResult)
    if checker in (rh.check_output_value, rh.check_delta_p_value):
        assert result.status in ("correct", "wrong"), repr(result)
    else:
        assert result.status == "invalid", repr(result)


@pytest.mark.parametrize("answer, message", [
    ("abc", "'abc' is not a number"),
    ("−", "'−' is not a number"),
    ([1, 2], "must be a single number"),
    (float("nan"), "write a finite number"),
    ("nan", "write a finite number"),
    pytest.param(10**400, "is too large for a float", id="huge int"),
    pytest.param(-10**400, "is too large for a float", id="huge negative int"),
])
def test_number_malformed(answer, message):
    result = rh.check_output_value(answer)
    assert result.status == "invalid"
    assert message in result.message


@pytest.mark.parametrize("answer, message", [
    (["p21", "p21"], "p21 is listed twice"),
    (["q21"], "'q21' is not read as a p name"),
    (["p41"], "'p41' is outside the 3x3 array"),
    (["P10"], "'P10' is not one of P1 .. P9"),
    ([(0, 1)], "not a 1-based (row, column) pair"),
])
def test_names_malformed(answer, message):
    result = rh.check_window_elements(answer, "c21")
    assert result.status == "invalid"
    assert message in result.message


@pytest.mark.parametrize("answer, message", [
    ([("dc12", "dc22")], "needs one δc name and one k name"),
    ([("dc12",)], "is not a pair"),
    ([("dc12", "x22")], "'x22' is neither a δc name"),
    ([("dc12", "k22"), ("k22", "dc12")], "is listed twice"),
    ([], "lists no terms"),
    (42, "must be a list of (δc, k) pairs"),
    ([7], "7 is not a pair"),
    ([("dc12", "k22"), None], "None is not a pair"),
])
def test_pairs_malformed(answer, message):
    result = rh.check_gradient_terms(answer, "p23")
    assert result.status == "invalid"
    assert message in result.message


@pytest.mark.parametrize("answer, message", [
    ([[1, 2], [3]], "the rows have different lengths"),
    ([["a", "b"], ["c", "d"]], "must contain real numbers"),
    ([1, 2, 3, 4], "must be a 2-D array"),
])
def test_array_malformed(answer, message):
    result = rh.check_rot180(answer)
    assert result.status == "invalid"
    assert message in result.message


@pytest.mark.parametrize("answer", ["4 by 5", (4,), (4.5, 5), "(a, b)",
                                    (0, 5), (3, -1)])
def test_shape_malformed(answer):
    result = rh.check_output_shape(answer)
    assert result.status == "invalid"
    assert "is not a shape" in result.message


def test_bad_exercise_parameter_raises():
    with pytest.raises(ValueError, match="name: 'c31' is outside the 2x2 array"):
        rh.check_output_value(None, "c31")
    with pytest.raises(ValueError, match="position: 'k11' is not read as a δc name"):
        rh.check_one_hot_delta_p(None, "k11")


# ---------------------------------------------------------------------------
# Forward-pass exercises
# ---------------------------------------------------------------------------

def test_output_value_correct():
    expected = signal.correlate2d(rh.EXERCISE_P, rh.EXERCISE_K, mode="valid")
    for (i, j), value in np.ndenumerate(expected):
        name = f"c{i + 1}{j + 1}"
        assert rh.check_output_value(value, name).correct, name
    assert rh.check_output_value(str(expected[0, 1])).correct
    assert rh.check_output_value(np.float32(expected[0, 1])).correct


def test_output_value_flipped_kernel():
    expected = signal.correlate2d(rh.EXERCISE_P, rh.EXERCISE_K, mode="valid")
    flipped = signal.convolve2d(rh.EXERCISE_P, rh.EXERCISE_K, mode="valid")
    assert flipped[0, 1] != expected[0, 1]
    result = rh.check_output_value(flipped[0, 1], "c12")
    assert_wrong(result, "rotated by 180 degrees")
    assert_no_number(result, expected[0, 1])


def test_output_value_other_element():
    expected = signal.correlate2d(rh.EXERCISE_P, rh.EXERCISE_K, mode="valid")
    result = rh.check_output_value(expected[1, 0], "c12")
    assert_wrong(result, "that of c21")
    assert_no_number(result, expected[0, 1])


def test_output_value_wrong():
    expected = signal.correlate2d(rh.EXERCISE_P, rh.EXERCISE_K, mode="valid")
    result = rh.check_output_value(expected[0, 1] + 100, "c12")
    assert_wrong(result, "not right")
    assert_no_number(result, expected[0, 1])


def test_window_elements_correct():
    for i, j in itertools.product((1, 2), (1, 2)):
        names = [f"p{r}{s}" for r, s in window_of((i, j), (2, 2))]
        assert rh.check_window_elements(names, f"c{i}{j}").correct
    numbered = [f"P{(r - 1) * 3 + s}" for r, s in window_of((2, 1), (2, 2))]
    assert rh.check_window_elements(numbered, "c21").correct
    assert rh.check_window_elements([(2, 1), (2, 2), (3, 1), (3, 2)],
                                    "c21").correct
    assert rh.check_window_elements("p21, dp22 p31 p_32", "c21").correct


def test_window_elements_wrong():
    expected = sorted(window_of((2, 1), (2, 2)))
    answer = [f"p{r}{s}" for r, s in expected[:2]] + ["p33"]
    result = rh.check_window_elements(answer, "c21")
    assert_wrong(result, "1 of your elements is not in the window of c21: p33",
                 "you are missing 2 elements")
    for r, s in expected[2:]:
        assert f"p{r}{s}" not in repr(result)


def test_output_shape_correct_and_wrong():
    input_shape, kernel_shape = (5, 7), (3, 2)
    expected = signal.correlate2d(np.ones(input_shape), np.ones(kernel_shape),
                                  mode="valid").shape
    assert rh.check_output_shape(expected, input_shape, kernel_shape).correct
    assert rh.check_output_shape(list(expected), input_shape, kernel_shape).correct
    assert rh.check_output_shape(f"{expected[0]}x{expected[1]}").correct

    swapped = rh.check_output_shape(expected[::-1], input_shape, kernel_shape)
    assert_wrong(swapped, "rows and columns are swapped")
    full = signal.convolve2d(np.ones(input_shape), np.ones(kernel_shape)).shape
    assert_wrong(rh.check_output_shape(full, input_shape, kernel_shape), "'full'")
    off_by_one = (expected[0], expected[1] - 1)
    result = rh.check_output_shape(off_by_one, input_shape, kernel_shape)
    assert_wrong(result, "number of columns is wrong")
    assert str(expected) not in repr(result)
    assert f"{expected[0]}, {expected[1]}" not in repr(result)


@pytest.mark.parametrize("checker, expected", [
    (rh.check_output_shape, (3, 6)),
    (rh.check_padded_shape, (5, 8)),
])
def test_shape_numpy_and_whole_floats(checker, expected):
    rows, cols = expected
    for answer in (np.array([rows, cols]), (np.int64(rows), np.int32(cols)),
                   np.array([rows, cols], dtype=float), (float(rows), float(cols)),
                   f"{rows}.0 x {cols}.0", f"[{rows}, {cols}]"):
        assert checker(answer).correct, answer
    for answer in ((rows + 0.5, cols), np.array([rows, cols, 1]),
                   (True, cols), (float("nan"), cols)):
        result = checker(answer)
        assert result.status == "invalid", answer
        assert "is not a shape" in result.message


# ---------------------------------------------------------------------------
# Gradient exercises
# ---------------------------------------------------------------------------

def test_outputs_fed_correct_and_wrong():
    for r, s in itertools.product((1, 2, 3), (1, 2, 3)):
        fed = [f"c{i}{j}" for i, j in itertools.product((1, 2), (1, 2))
               if (r, s) in window_of((i, j), (2, 2))]
        assert rh.check_outputs_fed(fed, f"p{r}{s}").correct, (r, s)
    result = rh.check_outputs_fed(["c11", "c12"], "p23")
    assert_wrong(result, "1 of your outputs is computed without p23: c11",
                 "you are missing 1 output")
    assert "c22" not in repr(result)


def test_gradient_terms_correct():
    for r, s in itertools.product((1, 2, 3), (1, 2, 3)):
        pairs = pair_names(gradient_pairs((r, s), (3, 3), (2, 2)))
        assert rh.check_gradient_terms(pairs, f"p{r}{s}").correct, (r, s)
    pairs = pair_names(gradient_pairs((2, 3), (3, 3), (2, 2)))
    swapped = [(weight, delta) for delta, weight in reversed(pairs)]
    assert rh.check_gradient_terms(swapped, "P6").correct
    text = " + ".join(f"{delta}*{weight}" for delta, weight in pairs)
    assert rh.check_gradient_terms(text, "dp23").correct
    greek = [(delta.replace("dc", "δc"), weight) for delta, weight in pairs]
    assert rh.check_gradient_terms(greek, "p23").correct
    short = [(delta.replace("dc", "d"), weight) for delta, weight in pairs]
    assert rh.check_gradient_terms(short, "p23").correct


def test_gradient_terms_non_square():
    input_shape, kernel_shape = (3, 4), (2, 3)
    for r, s in itertools.product(range(1, 4), range(1, 5)):
        pairs = pair_names(gradient_pairs((r, s), input_shape, kernel_shape))
        result = rh.check_gradient_terms(pairs, f"p{r}{s}", input_shape,
                                         kernel_shape)
        assert result.correct, (r, s)


def test_gradient_terms_rotated_weights():
    pairs = sorted(gradient_pairs((2, 3), (3, 3), (2, 2)))
    rotated = [((i, j), (3 - a, 3 - b)) for (i, j), (a, b) in pairs]
    result = rh.check_gradient_terms(pair_names(rotated), "p23")
    assert_wrong(result, "pair each δc with the kernel weight rotated by 180 degrees")
    for _, (a, b) in pairs:
        assert f"k{a}{b}" not in result.message


def test_gradient_terms_missing_and_extra():
    pairs = pair_names(gradient_pairs((2, 3), (3, 3), (2, 2)))
    result = rh.check_gradient_terms([pairs[0], ("dc11", "k12")], "p23")
    assert_wrong(result, "1 of your terms is wrong: (δc11, k12), because c11 "
                 "is computed without p23", "you are missing 1 term")
    missing_delta, missing_weight = pairs[1]
    assert missing_delta.replace("dc", "δc") not in repr(result)


def test_number_unicode_minus():
    # Negated inputs make the expected values negative.
    x, kernel, delta_c = -rh.EXERCISE_P, rh.EXERCISE_K, rh.EXERCISE_DELTA_C
    c12 = signal.correlate2d(x, kernel, mode="valid")[0, 1]
    delta_p22 = signal.convolve2d(delta_c, kernel, mode="full")[1, 1]
    if delta_p22 > 0:
        delta_c, delta_p22 = -delta_c, -delta_p22
    assert c12 < 0
    assert rh.check_output_value(f"{c12:g}".replace("-", "−"), "c12", x,
                                 kernel).correct
    assert rh.check_output_value(f" {c12:.1f} ".replace("-", "−"), "c12", x,
                                 kernel).correct
    assert rh.check_delta_p_value(f"{delta_p22:g}".replace("-", "−"), "p22",
                                  delta_c, kernel).correct
    result = rh.check_output_value(f"{c12 - 1:g}".replace("-", "−"), "c12", x, kernel)
    assert result.status == "wrong", repr(result)


def test_delta_p_value_correct_and_wrong():
    expected = signal.convolve2d(rh.EXERCISE_DELTA_C, rh.EXERCISE_K, mode="full")
    for (i, j), value in np.ndenumerate(expected):
        assert rh.check_delta_p_value(value, f"p{i + 1}{j + 1}").correct
    rotated = signal.convolve2d(rh.EXERCISE_DELTA_C, rh.EXERCISE_K[::-1, ::-1],
                                mode="full")
    assert rotated[1, 1] != expected[1, 1]
    result = rh.check_delta_p_value(rotated[1, 1], "p22")
    assert_wrong(result, "rotated by 180 degrees")
    assert_no_number(result, expected[1, 1])
    result = rh.check_delta_p_value(expected[1, 1] + 50, "p22")
    assert_wrong(result, "not right")
    assert_no_number(result, expected[1, 1])


def test_one_hot_delta_p_correct():
    for i, j in itertools.product((0, 1), (0, 1)):
        delta_c = np.zeros((2, 2))
        delta_c[i, j] = 1.0
        expected = signal.convolve2d(delta_c, rh.EXERCISE_K, mode="full")
        result = rh.check_one_hot_delta_p(expected.tolist(), f"dc{i + 1}{j + 1}")
        assert result.correct, (i, j)


def test_one_hot_delta_p_wrong():
    delta_c = np.array([[0.0, 1.0], [0.0, 0.0]])
    expected = signal.convolve2d(delta_c, rh.EXERCISE_K, mode="full")
    rotated = signal.correlate2d(np.pad(delta_c, 1), rh.EXERCISE_K, mode="valid")
    assert_wrong(rh.check_one_hot_delta_p(rotated, "δc12"), "rot180(K) instead of K")
    transposed = signal.convolve2d(delta_c, rh.EXERCISE_K.T, mode="full")
    assert_wrong(rh.check_one_hot_delta_p(transposed, "δc12"), "the transpose of K")
    moved = signal.convolve2d(delta_c[::-1], rh.EXERCISE_K, mode="full")
    assert_wrong(rh.check_one_hot_delta_p(moved, "δc12"), "where δc22 would put it")
    assert_wrong(rh.check_one_hot_delta_p(np.zeros((2, 2)), "δc12"),
                 "shape (2, 2)")

    almost = expected.copy()
    almost[1, 2] += 1.0
    result = rh.check_one_hot_delta_p(almost, "δc12")
    assert_wrong(result, "1 element is wrong: δp23")
    assert str(expected.tolist()) not in repr(result)
    assert np.array2string(expected) not in repr(result)


# ---------------------------------------------------------------------------
# Full-convolution exercises
# ---------------------------------------------------------------------------

def test_rot180_correct_and_wrong():
    expected = np.flipud(np.fliplr(rh.EXERCISE_K))
    assert rh.check_rot180(expected.tolist()).correct
    assert rh.check_rot180(expected.astype(int)).correct
    cases = {
        "K unchanged": rh.EXERCISE_K,
        "the transpose of K": rh.EXERCISE_K.T,
        "K flipped upside down only": np.flipud(rh.EXERCISE_K),
        "K flipped left to right only": np.fliplr(rh.EXERCISE_K),
    }
    for phrase, answer in cases.items():
        result = rh.check_rot180(answer)
        assert_wrong(result, phrase)
        assert str(expected.tolist()) not in repr(result)

    almost = expected.copy()
    almost[0, 0] += 5
    assert_wrong(rh.check_rot180(almost), "1 element is wrong, at 0-based [0, 0]")
    assert_wrong(rh.check_rot180(np.zeros((3, 3))), "shape (3, 3), but K has shape (2, 2)")


def test_padded_shape_correct_and_wrong():
    delta_c_shape, kernel_shape = (3, 4), (2, 3)
    expected = np.pad(np.zeros(delta_c_shape),
                      ((kernel_shape[0] - 1,) * 2, (kernel_shape[1] - 1,) * 2)).shape
    assert rh.check_padded_shape(expected, delta_c_shape, kernel_shape).correct
    delta_p_shape = signal.convolve2d(np.ones(delta_c_shape),
                                      np.ones(kernel_shape)).shape
    assert_wrong(rh.check_padded_shape(delta_p_shape, delta_c_shape, kernel_shape),
                 "the shape of δP")
    by_k = tuple(n + 2 * k for n, k in zip(delta_c_shape, kernel_shape))
    assert_wrong(rh.check_padded_shape(by_k, delta_c_shape, kernel_shape),
                 "one ring too many")
    result = rh.check_padded_shape((expected[0] + 1, expected[1]),
                                   delta_c_shape, kernel_shape)
    assert_wrong(result, "number of rows is wrong")
    assert str(expected) not in repr(result)
    swapped = rh.check_padded_shape(expected[::-1], delta_c_shape, kernel_shape)
    assert_wrong(swapped, "rows and columns are swapped")


def test_single_element_windows():
    for delta_c_shape, kernel_shape in [((2, 2), (2, 2)), ((3, 2), (2, 3))]:
        padded = np.pad(np.ones(delta_c_shape),
                        ((kernel_shape[0] - 1,) * 2, (kernel_shape[1] - 1,) * 2))
        rows = padded.shape[0] - kernel_shape[0] + 1
        cols = padded.shape[1] - kernel_shape[1] + 1
        expected = [
            f"δp{i + 1}{j + 1}" for i, j in itertools.product(range(rows), range(cols))
            if padded[i:i + kernel_shape[0], j:j + kernel_shape[1]].sum() == 1
        ]
        result = rh.check_single_element_windows(expected, delta_c_shape, kernel_shape)
        assert result.correct, (delta_c_shape, kernel_shape)

    result = rh.check_single_element_windows(["p11", "p12"])
    assert_wrong(result, "δp12, whose window contains 2 elements of δC")
    result = rh.check_single_element_windows(["p11"])
    assert_wrong(result, "you are missing 3 windows")
    for name in ("p13", "p31", "p33"):
        assert name not in repr(result)


# ---------------------------------------------------------------------------
# Candidate implementations of δP
# ---------------------------------------------------------------------------

def scipy_delta_p(delta_c, kernel):
    return signal.convolve2d(delta_c, kernel, mode="full")


def not_rotated(delta_c, kernel):
    return signal.correlate2d(delta_c, kernel, mode="full")


def overwritten(delta_c, kernel):
    kh, kw = kernel.shape
    out = np.zeros((delta_c.shape[0] + kh - 1, delta_c.shape[1] + kw - 1))
    for (i, j), value in np.ndenumerate(delta_c):
        out[i:i + kh, j:j + kw] = value * kernel
    return out


def padded_by_k(delta_c, kernel):
    kh, kw = kernel.shape
    padded = np.pad(delta_c, ((kh, kh), (kw, kw)))
    return signal.correlate2d(padded, kernel[::-1, ::-1], mode="valid")


def test_delta_p_correct():
    assert rh.check_delta_p(scipy_delta_p).correct
    delta_c = np.random.default_rng(1).standard_normal((3, 4))
    kernel = np.random.default_rng(2).standard_normal((2, 3))
    result = rh.check_delta_p(scipy_delta_p, delta_c, kernel)
    assert result.correct, repr(result)
    assert repr(result).count("pass") == 3


def test_delta_p_not_rotated():
    result = rh.check_delta_p(not_rotated)
    assert_wrong(result, "differ from the references")
    assert repr(result).count("FAIL") == 3
    assert "one-hot" in result.hint


def test_delta_p_overwritten_hint():
    result = rh.check_delta_p(overwritten)
    assert_wrong(result, "δp22")
    assert "contributions must add up" in result.hint


def test_delta_p_wrong_shape():
    result = rh.check_delta_p(padded_by_k)
    assert_wrong(result, "has shape (5, 5)")
    assert "padding" in result.hint


def test_delta_p_failing_candidates():
    def raises(delta_c, kernel):
        raise RuntimeError("boom")

    def no_return(delta_c, kernel):
        scipy_delta_p(delta_c, kernel)

    assert_wrong(rh.check_delta_p(raises), "raised RuntimeError: boom")
    result = rh.check_delta_p(no_return)
    assert_wrong(result, "returned None", "lacks a return statement")
    assert "dtype" not in repr(result)
    assert rh.check_delta_p(None).status == "unanswered"
    result = rh.check_delta_p("delta_p")
    assert result.status == "invalid"
    assert "must be a function" in result.message


@pytest.mark.parametrize("candidate, message", [
    (lambda d, k: scipy_delta_p(d, k).ravel(), "returned a 1-D array of shape"),
    (lambda d, k: scipy_delta_p(d, k)[None], "returned a 3-D array of shape (1,"),
    (lambda d, k: 0.0, "returned a 0-D array of shape ()"),
    (lambda d, k: "abc", "returned the text 'abc', not an array of numbers"),
    (lambda d, k: (scipy_delta_p(d, k), k), "returned a tuple of 2 items"),
    (lambda d, k: [[1.0, 2.0], [3.0]], "returned rows of different lengths"),
    (lambda d, k: [["a", "b"]], "not a 2-D array of numbers"),
])
def test_delta_p_result_not_2d(candidate, message):
    result = rh.check_delta_p(candidate)
    assert_wrong(result, message)
    expected_shape = scipy_delta_p(rh.EXAMPLE_DELTA_C, rh.EXAMPLE_K).shape
    assert f"2-D array of shape {expected_shape}" in result.hint


def test_delta_p_candidate_gets_copies():
    def writes_in_place(delta_c, kernel):
        delta_c *= 2
        return scipy_delta_p(delta_c / 2, kernel)

    assert rh.check_delta_p(writes_in_place).correct
    assert rh.EXAMPLE_DELTA_C[0, 0] == rh.example_arrays()[2][0, 0]


def test_weak_check_table():
    table = rh.weak_check_table({"scipy": scipy_delta_p, "not rotated": not_rotated,
                                 "overwritten": overwritten, "padded": padded_by_k})
    assert table.passing("full check") == ["scipy"]
    assert table.passing("sum only") == ["scipy", "not rotated", "padded"]
    assert table.passing("symmetric K") == ["scipy", "not rotated"]
    assert table.passing("one-element δC") == ["scipy", "overwritten"]


# Kernels in the style of notebook 06. A candidate that forgets rot180 passes
# exactly with the kernels that equal their own rotation by 180 degrees.
LABELLED_KERNELS = {
    "A": np.ones((2, 2)),
    "B": np.array([[1.0, 2.0], [3.0, 4.0]]),
    "C": np.array([[1.0, 2.0], [2.0, 1.0]]),
    "D": np.array([[0.0, 1.0], [2.0, 0.0]]),
    "E": np.eye(2),
}


def passing_labels():
    return {label for label, kernel in LABELLED_KERNELS.items()
            if np.array_equal(kernel, kernel[::-1, ::-1])}


def single_element_windows():
    """Return the 1-based indices of the windows of the padded 2x2 δC that
    contain one element of δC, for a 2x2 kernel."""
    padded = np.pad(np.ones((2, 2)), 1)
    return {(i + 1, j + 1) for i, j in itertools.product(range(3), range(3))
            if padded[i:i + 2, j:j + 2].sum() == 1}


# For every set-like checker: a function of an answer, every option that an
# answer can list, the names of the options the checker expects, and how an
# option appears in a message.
SET_CHECKERS = {
    "window_elements": (
        lambda answer: rh.check_window_elements(answer, "c21"),
        [f"p{r}{s}" for r, s in itertools.product((1, 2, 3), (1, 2, 3))],
        {f"p{r}{s}" for r, s in window_of((2, 1), (2, 2))},
        lambda name: name,
    ),
    "outputs_fed": (
        lambda answer: rh.check_outputs_fed(answer, "p12"),
        [f"c{i}{j}" for i, j in itertools.product((1, 2), (1, 2))],
        {f"c{i}{j}" for i, j in itertools.product((1, 2), (1, 2))
         if (1, 2) in window_of((i, j), (2, 2))},
        lambda name: name,
    ),
    "single_element_windows": (
        rh.check_single_element_windows,
        [f"p{r}{s}" for r, s in itertools.product((1, 2, 3), (1, 2, 3))],
        {f"p{r}{s}" for r, s in single_element_windows()},
        lambda name: "δ" + name,
    ),
    "gradient_terms": (
        lambda answer: rh.check_gradient_terms(answer, "p23"),
        [(f"dc{i}{j}", f"k{a}{b}") for i, j, a, b
         in itertools.product((1, 2), (1, 2), (1, 2), (1, 2))],
        set(pair_names(gradient_pairs((2, 3), (3, 3), (2, 2)))),
        lambda pair: f"({pair[0].replace('dc', 'δc')}, {pair[1]})",
    ),
    "passing_kernels": (
        lambda answer: rh.check_passing_kernels(answer, not_rotated_full,
                                                LABELLED_KERNELS),
        sorted(LABELLED_KERNELS),
        passing_labels(),
        lambda label: f"kernel {label}",
    ),
}


def assert_names_absent(result, names):
    text = repr(result) + result._repr_html_()
    for name in names:
        assert re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", text) is None, \
            (name, text)


@pytest.mark.parametrize("case", SET_CHECKERS.values(), ids=SET_CHECKERS.keys())
def test_set_answer_all_options(case):
    checker, options, expected, display = case
    result = checker(options)
    assert result.status == "wrong", repr(result)
    wrong = [option for option in options if option not in expected]
    assert f"{len(wrong)} of your" in result.message, repr(result)
    assert_names_absent(result, [display(option) for option in wrong])


@pytest.mark.parametrize("case", SET_CHECKERS.values(), ids=SET_CHECKERS.keys())
def test_set_answer_one_extra(case):
    # Naming the only wrong item of an answer that misses nothing would reveal
    # the expected set: it is the answer without that item.
    checker, options, expected, display = case
    extra = next(option for option in options if option not in expected)
    result = checker(sorted(expected) + [extra])
    assert_wrong(result, "1 of your")
    assert "missing" not in result.message
    assert_names_absent(result, [display(extra)])


@pytest.mark.parametrize("case", SET_CHECKERS.values(), ids=SET_CHECKERS.keys())
def test_set_answer_complement(case):
    # The counts alone would reveal the expected set for the exact complement.
    checker, options, expected, display = case
    complement = [option for option in options if option not in expected]
    result = checker(complement)
    assert_wrong(result, "some of your")
    assert "you are missing some" in result.message
    assert_names_absent(result, [display(option) for option in options])


@pytest.mark.parametrize("case", SET_CHECKERS.values(), ids=SET_CHECKERS.keys())
def test_set_answer_few_wrong_named(case):
    checker, options, expected, display = case
    wrong = [option for option in options if option not in expected][:2]
    result = checker(sorted(expected)[1:] + wrong)
    assert_wrong(result, "2 of your", ", for example ", "you are missing 1")
    named = [option for option in wrong if display(option) in result.message]
    assert len(named) == 1, repr(result)
    assert display(sorted(expected)[0]) not in result.message


def test_passing_kernels():
    kernels = {"sym": np.ones((2, 2)), "anti": np.array([[1.0, 2.0], [3.0, 1.0]]),
               "plain": np.array([[1.0, 2.0], [3.0, 4.0]])}
    expected = [label for label, kernel in kernels.items()
                if np.array_equal(kernel, kernel[::-1, ::-1])]
    assert rh.check_passing_kernels(expected, not_rotated, kernels).correct
    assert rh.check_passing_kernels(",".join(expected), not_rotated, kernels).correct
    result = rh.check_passing_kernels(["plain"], not_rotated, kernels)
    assert_wrong(result, "1 of your kernels makes the candidate fail: kernel plain",
                 "you are missing 1 kernel")
    assert "sym" not in result.message
    result = rh.check_passing_kernels(["Z"], not_rotated, kernels)
    assert result.status == "invalid"
    assert "'Z' is not a kernel label" in result.message
    assert rh.check_passing_kernels(["SYM"], not_rotated, kernels).correct
    result = rh.check_passing_kernels(["sym", "Sym"], not_rotated, kernels)
    assert result.status == "invalid"
    assert "kernel sym is listed twice" in result.message
    result = rh.check_passing_kernels("sym sym", not_rotated, kernels)
    assert result.status == "invalid"
    with pytest.raises(ValueError, match="'a' and 'A' differ only in case"):
        rh.check_passing_kernels(None, not_rotated, {"a": np.ones((2, 2)),
                                                     "A": np.eye(2)})
    with pytest.raises(TypeError, match="candidate must be a δP function"):
        rh.check_passing_kernels(None, "f", kernels)


def test_one_hot():
    assert np.array_equal(rh.one_hot((2, 3), (1, 2)),
                          [[0, 0, 0], [0, 0, 1]])
    with pytest.raises(ValueError, match=r"index \(2, 0\) is outside the shape \(2, 2\)"):
        rh.one_hot((2, 2), (2, 0))


# ---------------------------------------------------------------------------
# Stored notebooks: solutions say correct, exercises are unanswered
# ---------------------------------------------------------------------------

def stored_checks(path):
    """Return the stored text/plain output of every cell that calls a checker."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    outputs = []
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and re.match(r"rh\.check_\w+\(answer", source):
            texts = ["".join(output.get("data", {}).get("text/plain", ""))
                     for output in cell["outputs"]]
            outputs.append((source, "".join(texts)))
    return outputs


SOLUTION_NOTEBOOKS = sorted(SOLUTIONS.glob("*_solutions.ipynb"))


@pytest.mark.skipif(not SOLUTION_NOTEBOOKS, reason="solutions removed for students")
@pytest.mark.parametrize("path", SOLUTION_NOTEBOOKS, ids=lambda p: p.name)
def test_solutions_stored_correct(path):
    checks = stored_checks(path)
    assert checks, f"{path.name} has no checker cells"
    for source, text in checks:
        assert text.startswith("✓ Correct"), f"{source}: {text}"
    # A lesson that has exercises must check the same answers in the same order.
    lesson = NOTEBOOKS / path.name.replace("_solutions", "")
    lesson_checks = [source for source, _ in stored_checks(lesson)] if lesson.exists() else []
    if lesson_checks:
        assert lesson_checks == [source for source, _ in checks]


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("0*.ipynb")), ids=lambda p: p.name)
def test_exercises_stored_unanswered(path):
    for source, text in stored_checks(path):
        assert text.startswith("… Not answered yet"), f"{source}: {text}"


# ---------------------------------------------------------------------------
# The handout for students: everything they need and no answers
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def handout(tmp_path_factory):
    """Build the handout with `make handout` from HEAD into a temporary folder."""
    if shutil.which("make") is None or shutil.which("git") is None:
        pytest.skip("make and git are needed to build the handout")
    checkout = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"],
                              capture_output=True, text=True)
    if checkout.returncode != 0:
        pytest.skip("the handout is built from git HEAD, and this is no git checkout")
    directory = tmp_path_factory.mktemp("handout") / "handout"
    subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "handout",
                    f"HANDOUT_DIR={directory}"],
                   check=True, capture_output=True, timeout=120)
    return directory


def handout_texts(directory):
    """Yield (relative path, text) for every text in the handout.

    Notebooks give every string in their JSON except images, so sources,
    outputs and widget state are all searched.
    """
    for path in sorted(directory.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(directory).as_posix()
        if path.suffix == ".ipynb":
            notebook = json.loads(path.read_text(encoding="utf-8"))
            yield relative, "\n".join(notebook_strings(notebook))
        else:
            try:
                yield relative, path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue


def notebook_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from notebook_strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not key.startswith("image/"):
                yield from notebook_strings(item)


def code_cells(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(cell["source"]) for cell in notebook["cells"]
            if cell["cell_type"] == "code"]


def answer_assignments(source):
    """Return the value nodes assigned to ``answer`` in a code cell."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
            and any(isinstance(target, ast.Name) and target.id == "answer"
                    for target in node.targets)]


# A name as students or notebooks write it: p21, δp21, dp21, p_21, p_{21}.
NAME_PATTERN = re.compile(r"^(?:δ|d)?([a-z])(\d)(\d)$")
NAME_SEPARATOR = r"[\s,;'\"$\\*·+()\[\]]*"


def name_regex(name):
    letter, row, column = NAME_PATTERN.match(name).groups()
    return (rf"(?<![A-Za-z])(?:δ\s*|d|\\delta\s*)?{letter}_?\{{?{row},?{column}\}}?"
            rf"(?!\d)")


def number_regex(value):
    if float(value).is_integer():
        digits = str(abs(int(value)))
        if value < 0:
            sign = "-"
        elif value == 0:
            sign = "-?"
        else:
            sign = ""
        return rf"{sign}{digits}(?:\.0*)?"
    return re.escape(repr(float(value)))


def value_regexes(value):
    """Return regular expressions that find ``value`` written out as text."""
    if isinstance(value, (int, float)):
        return []  # A lone number occurs everywhere; see the unset-answer test.
    if all(isinstance(item, str) for item in value):
        if all(NAME_PATTERN.match(item.lower()) for item in value):
            orders = [list(value), sorted(value)]
            return [NAME_SEPARATOR.join(name_regex(name.lower()) for name in order)
                    for order in orders]
        return [r"[\[(]\s*" + r"\s*,\s*".join(
            rf"['\"]{re.escape(item)}['\"]" for item in value)]
    if all(isinstance(item, tuple) for item in value):
        # Terms sorted by δc or by k, each written δc·k or k·δc.
        orders = [sorted(value), sorted(value, key=lambda pair: pair[1])]
        return [NAME_SEPARATOR.join(name_regex(name) for pair in order
                                    for name in pair[::step])
                for order in orders for step in (1, -1)]
    if all(isinstance(item, list) for item in value):
        rows = [r"\[\s*" + r"[\s,]+".join(number_regex(number) for number in row)
                + r"\s*\]" for row in value]
        return [r"\[\s*" + r"\s*,?\s*".join(rows) + r"\s*\]"]
    if len(value) == 2 and all(isinstance(item, int) for item in value):
        rows, columns = value
        return [rf"[(\[]\s*{rows}\s*,\s*{columns}\s*[)\]]",
                rf"(?<![\w.]){rows}\s*[x×]\s*{columns}(?![\w.])"]
    raise AssertionError(f"no text patterns for the solution value {value!r}")


def solution_regexes():
    """Return (description, regex) for every answer in the solution notebooks.

    Besides the value, the comments of an answer cell (the working) and the
    lines of an answer function that the lesson does not contain are searched.
    """
    regexes = []
    for path in sorted(SOLUTIONS.glob("*_solutions.ipynb")):
        lesson = NOTEBOOKS / path.name.replace("_solutions", "")
        lesson_lines = {line.strip() for cell in code_cells(lesson)
                        for line in cell.splitlines()}
        for source in code_cells(path):
            for value in answer_assignments(source):
                first_line = next(line for line in source.splitlines()
                                  if line.startswith("answer"))
                where = f"{path.name}: {first_line}"
                if isinstance(value, ast.Name):
                    new_lines = [line.strip() for line in source.splitlines()
                                 if len(line.strip()) > 12
                                 and line.strip() not in lesson_lines
                                 and not line.strip().startswith("answer =")]
                    regexes += [(where, re.escape(line)) for line in new_lines]
                    continue
                regexes += [(where, regex) for regex in
                            value_regexes(ast.literal_eval(value))]
                for comment in re.findall(r"#\s*(.+)", source):
                    regexes.append((where, re.escape(comment.strip())))
    return regexes


@pytest.mark.skipif(not SOLUTION_NOTEBOOKS, reason="solutions removed for students")
def test_solution_regexes_find_answers():
    # The search must find each answer in the solutions themselves, so that a
    # pattern that matches nothing cannot pass the next test.
    texts = {path.name: "\n".join(notebook_strings(json.loads(
        path.read_text(encoding="utf-8")))) for path in SOLUTION_NOTEBOOKS}
    regexes = {}
    for where, regex in solution_regexes():
        regexes.setdefault(where, []).append(regex)
    assert len(regexes) > len(SOLUTION_NOTEBOOKS)
    for where, patterns in regexes.items():
        text = texts[where.split(":")[0]]
        assert any(re.search(regex, text) for regex in patterns), where
    assert re.search(name_regex("p21") + NAME_SEPARATOR + name_regex("p22"),
                     "p21, dp22 p31 p_32")


def test_handout_contents(handout):
    lessons = [path.name for path in NOTEBOOKS.glob("0*.ipynb")]
    assert lessons
    for name in lessons:
        assert (handout / "notebooks" / name).is_file(), name
    for needed in ("README.md", "Makefile", "requirements.txt", "pyproject.toml",
                   "rotconv_helpers/__init__.py"):
        assert (handout / needed).is_file(), needed
    assert not (handout / "notebooks" / "solutions").exists()
    assert not (handout / "tests").exists()


def test_handout_readme_paths_exist(handout):
    readme = (handout / "README.md").read_text(encoding="utf-8")
    assert "solution" not in readme.lower()
    paths = re.findall(r"`([\w./-]+(?:/|\.ipynb|\.txt))`", readme)
    assert paths
    for path in paths:
        if path == ".venv/":
            continue  # `make lab` creates it.
        candidates = [handout / path, handout / "notebooks" / path]
        assert any(candidate.exists() for candidate in candidates), path


def test_handout_answers_unset(handout):
    notebooks = sorted(handout.rglob("*.ipynb"))
    assert notebooks
    assignments = 0
    for path in notebooks:
        for source in code_cells(path):
            for value in answer_assignments(source):
                assignments += 1
                assert isinstance(value, ast.Constant) and value.value is None, \
                    f"{path.name}: {source}"
    assert assignments >= len(SOLUTION_NOTEBOOKS)


@pytest.mark.skipif(not SOLUTION_NOTEBOOKS, reason="solutions removed for students")
def test_handout_no_solution_text(handout):
    regexes = solution_regexes()
    for relative, text in handout_texts(handout):
        for where, regex in regexes:
            match = re.search(regex, text)
            assert match is None, (f"{relative} contains the answer of {where}: "
                                   f"{text[max(0, match.start() - 60):match.end() + 20]!r}")
