"""Checkers for the exercises at the end of the notebooks.

Every checker takes the student's ``answer`` first and returns a
:class:`~rotconv_helpers.feedback.CheckResult`, which shows as a short message:
correct, or which part is wrong with a hint towards it. A message never
contains the expected answer. For an answer that is a set, such as the
elements of a window, the message counts the wrong and the missing items and
names at most one wrong item, so that no answer, not even one that lists
every option, reveals the set by elimination. ``answer = None``, the state in which the
notebooks are stored, gives "not answered yet" and no error. The expected
answers are computed by the numeric and symbolic helpers when the checker runs,
never stored.

Names in answers follow the worked example, and more than one spelling works:

- p23, δp23 or dp23 (row 2, column 3 of P or δP), and P6 for the same element
  numbered row by row;
- c12; δc11, dc11 or d11; k12;
- a formula as a list of (δc, k) pairs in any order, for example
  ``[("dc11", "k12"), ("k11", "dc12")]``, or as a string such as
  ``"dc11*k12 + dc12*k11"``.
"""

import itertools

import numpy as np
import sympy

from .feedback import (
    TOLERANCE,
    _correct,
    _count_phrase,
    _display_name,
    _names,
    _parse_array,
    _parse_name,
    _parse_name_set,
    _parse_number,
    _parse_pairs,
    _parse_parameter_name,
    _parse_shape,
    _run_checker,
    _set_message,
    _wrong,
)
from .numerics import (
    as_float_array,
    check_shape_pair,
    convolve_full,
    correlate_valid,
    delta_p_chain_rule,
    pad_full,
    rot180,
)
from .symbolic import (
    element_name,
    element_number,
    forward_formulas,
    gradient_formulas,
    gradient_terms,
)

__all__ = [
    "EXERCISE_P",
    "EXERCISE_K",
    "EXERCISE_DELTA_C",
    "one_hot",
    "check_output_value",
    "check_window_elements",
    "check_output_shape",
    "check_outputs_fed",
    "check_gradient_terms",
    "check_delta_p_value",
    "check_one_hot_delta_p",
    "check_rot180",
    "check_padded_shape",
    "check_single_element_windows",
]

# Inputs of the exercises, different from the worked example so that the
# notebooks do not already show the answers. Like the example, the kernel
# differs from each of its flips, transposes and rotations.
EXERCISE_P = np.array([[2.0, 0.0, -1.0],
                       [1.0, 3.0, -2.0],
                       [4.0, -1.0, 0.0]])
EXERCISE_P.flags.writeable = False

EXERCISE_K = np.array([[0.0, 1.0],
                       [2.0, -1.0]])
EXERCISE_K.flags.writeable = False

EXERCISE_DELTA_C = np.array([[1.0, 3.0],
                             [-2.0, 1.0]])
EXERCISE_DELTA_C.flags.writeable = False

EXAMPLE_INPUT_SHAPE = (3, 3)
EXAMPLE_KERNEL_SHAPE = (2, 2)


# ---------------------------------------------------------------------------
# Exercises on the forward pass
# ---------------------------------------------------------------------------

def check_output_value(answer, name="c12", x=EXERCISE_P, kernel=EXERCISE_K):
    """Check a predicted output value, such as c12 of ``correlate_valid(x, kernel)``.

    Recognises two common mistakes: flipping the kernel (a true convolution)
    and computing another element of C.
    """
    outputs = correlate_valid(x, kernel)
    index = _parse_parameter_name(name, "c", outputs.shape, "name")
    exercise = _display_name("c", *index)
    flipped = correlate_valid(x, rot180(kernel))

    def compare(answer):
        value = _parse_number(answer)
        if np.isclose(value, outputs[index], atol=TOLERANCE):
            return _correct(exercise)
        if np.isclose(value, flipped[index], atol=TOLERANCE):
            return _wrong(exercise,
                          f"your value is {exercise} computed with the kernel "
                          f"rotated by 180 degrees.",
                          "the forward pass of a CNN layer slides K over P "
                          "without flipping it: k11 multiplies the top-left "
                          "element of the window.")
        others = [other for other in np.ndindex(outputs.shape)
                  if other != index and np.isclose(value, outputs[other],
                                                   atol=TOLERANCE)]
        if others:
            return _wrong(exercise,
                          f"your value is that of {_names('c', others)}, "
                          f"another element of C.",
                          f"{exercise} is row {index[0] + 1}, column "
                          f"{index[1] + 1} of C, so its window of P starts "
                          f"at {_display_name('p', *index)}.")
        return _wrong(exercise,
                      "the value is not right.",
                      f"{exercise} adds {kernel.size} products: the window of "
                      f"P whose top-left element is "
                      f"{_display_name('p', *index)}, times K element by "
                      f"element. Recompute each product and watch the signs.")

    return _run_checker(exercise, answer, compare)


def check_window_elements(answer, name="c21", input_shape=EXAMPLE_INPUT_SHAPE,
                          kernel_shape=EXAMPLE_KERNEL_SHAPE):
    """Check which elements of P an output element, such as c21, is computed from.

    The expected set is read off the symbolic forward pass.
    """
    formulas = forward_formulas(input_shape, kernel_shape)
    input_shape = check_shape_pair("input_shape", input_shape)
    kernel_shape = check_shape_pair("kernel_shape", kernel_shape)
    output_shape = (input_shape[0] - kernel_shape[0] + 1,
                    input_shape[1] - kernel_shape[1] + 1)
    index = _parse_parameter_name(name, "c", output_shape, "name")
    exercise = f"window of {_display_name('c', *index)}"
    symbols = formulas[element_name("c", *index, output_shape)].free_symbols
    expected = {index_of for index_of in np.ndindex(input_shape)
                if sympy.Symbol(element_name("p", *index_of, input_shape)) in symbols}

    def compare(answer):
        given = _parse_name_set(answer, "p", input_shape, "names of P elements")
        window = f"in the window of {_display_name('c', *index)}"
        return _compare_sets(
            exercise, given, expected, "p", set(np.ndindex(input_shape)),
            wrong_reason=(f"is not {window}", f"are not {window}"),
            hint=(f"the window has the kernel's shape, "
                  f"{kernel_shape[0]}x{kernel_shape[1]}, and its top-left "
                  f"element has the same indices as "
                  f"{_display_name('c', *index)}."))

    return _run_checker(exercise, answer, compare)


def check_output_shape(answer, input_shape=(5, 7), kernel_shape=(3, 2)):
    """Check the predicted shape of C for an input and a kernel of the given shapes."""
    input_shape = check_shape_pair("input_shape", input_shape)
    kernel_shape = check_shape_pair("kernel_shape", kernel_shape)
    expected = (input_shape[0] - kernel_shape[0] + 1,
                input_shape[1] - kernel_shape[1] + 1)
    exercise = (f"shape of C for P of shape {input_shape} and K of shape "
                f"{kernel_shape}")

    def compare(answer):
        given = _parse_shape(answer)
        if given == expected:
            return _correct(exercise)
        if given == expected[::-1]:
            return _wrong(exercise, "rows and columns are swapped.",
                          "a shape is (rows, columns), as numpy writes it.")
        full = (input_shape[0] + kernel_shape[0] - 1,
                input_shape[1] + kernel_shape[1] - 1)
        if given == full:
            return _wrong(exercise, "that is the size of a 'full' result.",
                          "the forward pass uses no padding: the kernel "
                          "stays inside P.")
        return _wrong(exercise, _wrong_dimensions(given, expected),
                      "count the positions of the kernel's top-left element: "
                      "the kernel must stay inside P, and the first position "
                      "counts too.")

    return _run_checker(exercise, answer, compare)


def _wrong_dimensions(given, expected):
    wrong = [word for word, a, b in zip(("rows", "columns"), given, expected)
             if a != b]
    return f"the number of {' and the number of '.join(wrong)} is wrong."


# ---------------------------------------------------------------------------
# Exercises on the nine gradients
# ---------------------------------------------------------------------------

def check_outputs_fed(answer, name="p23", input_shape=EXAMPLE_INPUT_SHAPE,
                      kernel_shape=EXAMPLE_KERNEL_SHAPE):
    """Check which outputs c an input element, such as p23, takes part in."""
    formulas = forward_formulas(input_shape, kernel_shape)
    input_shape = check_shape_pair("input_shape", input_shape)
    kernel_shape = check_shape_pair("kernel_shape", kernel_shape)
    output_shape = (input_shape[0] - kernel_shape[0] + 1,
                    input_shape[1] - kernel_shape[1] + 1)
    index = _parse_parameter_name(name, "p", input_shape, "name")
    symbol = sympy.Symbol(element_name("p", *index, input_shape))
    exercise = f"outputs that {_display_name('p', *index)} feeds"
    expected = {out for out in np.ndindex(output_shape)
                if symbol in formulas[element_name("c", *out, output_shape)].free_symbols}

    def compare(answer):
        given = _parse_name_set(answer, "c", output_shape, "names of C elements")
        without = f"computed without {_display_name('p', *index)}"
        return _compare_sets(
            exercise, given, expected, "c", set(np.ndindex(output_shape)),
            wrong_reason=(f"is {without}", f"are {without}"),
            noun=("output", "outputs"),
            hint=(f"each output c is computed from one window of P; find the "
                  f"windows that cover {_display_name('p', *index)}."))

    return _run_checker(exercise, answer, compare)


def check_gradient_terms(answer, name="p23", input_shape=EXAMPLE_INPUT_SHAPE,
                         kernel_shape=EXAMPLE_KERNEL_SHAPE):
    """Check a gradient formula, such as δp23, written as (δc, k) pairs.

    The expected pairs come from :func:`gradient_formulas`, which differentiates
    the loss symbolically. Pairs may be given in any order, and each pair's
    two names in either order.
    """
    input_shape = check_shape_pair("input_shape", input_shape)
    kernel_shape = check_shape_pair("kernel_shape", kernel_shape)
    formulas = gradient_formulas(input_shape, kernel_shape)
    index = _parse_parameter_name(name, "p", input_shape, "name")
    exercise = f"formula of δ{_display_name('p', *index)}"
    expected = {
        (_parse_name(delta, "δc", (9, 9)), _parse_name(weight, "k", (9, 9)))
        for delta, weight in gradient_terms(
            formulas[element_number(*index, input_shape)])
    }
    expected_weights = {delta: weight for delta, weight in expected}
    p_name = _display_name("p", *index)

    output_shape = (input_shape[0] - kernel_shape[0] + 1,
                    input_shape[1] - kernel_shape[1] + 1)
    all_terms = set(itertools.product(np.ndindex(output_shape),
                                      np.ndindex(kernel_shape)))
    rotated = {(delta, (kernel_shape[0] - 1 - a, kernel_shape[1] - 1 - b))
               for delta, (a, b) in expected}

    # NOTE: _set_message counts every subset of terms as a possible answer, but
    # a δc has one weight only. With a kernel of two elements, "whose kernel
    # weight is wrong" therefore gives away the other weight of that δc.
    def describe(term):
        delta, weight = term
        pair = f"({_display_name('δc', *delta)}, {_display_name('k', *weight)})"
        if delta in expected_weights:
            return f"{pair}, whose kernel weight is wrong"
        return (f"{pair}, because {_display_name('c', *delta)} is computed "
                f"without {p_name}")

    def compare(answer):
        given = set(_parse_pairs(answer))
        if given == expected:
            return _correct(exercise)
        if given == rotated:
            return _wrong(exercise,
                          "your terms pair each δc with the kernel weight "
                          "rotated by 180 degrees.",
                          f"in the chain rule each δc multiplies the weight "
                          f"that met {p_name} in the forward pass, K itself, "
                          f"not rot180(K).")
        return _wrong(exercise,
                      _set_message(given, expected, all_terms,
                                   ("term", "terms"),
                                   ("is wrong", "are wrong"), describe),
                      f"δ{p_name} has one term for every output c that "
                      f"{p_name} feeds: that output's δc times the kernel "
                      f"weight that multiplied {p_name} in its window.")

    return _run_checker(exercise, answer, compare)


def check_delta_p_value(answer, name="p22", delta_c=EXERCISE_DELTA_C,
                        kernel=EXERCISE_K):
    """Check a predicted value of one element of δP, such as δp22."""
    expected = delta_p_chain_rule(delta_c, kernel)
    index = _parse_parameter_name(name, "p", expected.shape, "name")
    exercise = f"δ{_display_name('p', *index)}"
    rotated = delta_p_chain_rule(delta_c, rot180(kernel))
    feeds = int(correlate_valid(pad_full(np.ones(np.shape(delta_c)),
                                         np.shape(kernel)),
                                np.ones(np.shape(kernel)))[index])

    def compare(answer):
        value = _parse_number(answer)
        if np.isclose(value, expected[index], atol=TOLERANCE):
            return _correct(exercise)
        if np.isclose(value, rotated[index], atol=TOLERANCE):
            return _wrong(exercise,
                          "your value pairs each δc with the kernel weight "
                          "rotated by 180 degrees.",
                          f"in the chain rule each δc multiplies the weight "
                          f"that met {_display_name('p', *index)} in the "
                          f"forward pass, K itself, not rot180(K).")
        return _wrong(exercise, "the value is not right.",
                      f"{_display_name('p', *index)} feeds "
                      f"{_count_phrase(feeds, 'output', 'outputs')}, so "
                      f"{exercise} adds that many products δc times k. Write "
                      f"the formula first, then put in the numbers.")

    return _run_checker(exercise, answer, compare)


def one_hot(shape, index):
    """Return an array of zeros with a single 1 at the 0-based ``index``.

    A one-hot δC is a probe: the δP it produces shows what one δc does.

    >>> one_hot((2, 2), (0, 1))
    array([[0., 1.],
           [0., 0.]])
    """
    shape = check_shape_pair("shape", shape)
    row, col = index
    if not (0 <= row < shape[0] and 0 <= col < shape[1]):
        raise ValueError(
            f"index {tuple(index)} is outside the shape {shape}; indices are "
            f"0-based, from (0, 0) to {(shape[0] - 1, shape[1] - 1)}"
        )
    array = np.zeros(shape)
    array[row, col] = 1.0
    return array


def check_one_hot_delta_p(answer, position="δc12", kernel=EXERCISE_K,
                          delta_c_shape=(2, 2)):
    """Check a predicted δP for a δC that is 1 at ``position`` and 0 elsewhere."""
    kernel = as_float_array("kernel", kernel)
    delta_c_shape = check_shape_pair("delta_c_shape", delta_c_shape)
    index = _parse_parameter_name(position, "δc", delta_c_shape, "position")
    probe = one_hot(delta_c_shape, index)
    expected = delta_p_chain_rule(probe, kernel)
    exercise = f"δP for a one-hot δC at {_display_name('δc', *index)}"
    placed = _placements(probe, kernel)

    def compare(answer):
        given = _parse_array(answer, expected.shape, "δP")
        if given.shape != expected.shape:
            return _wrong(exercise,
                          f"your array has shape {given.shape}, but δP has "
                          f"the shape of P, {expected.shape}.",
                          f"each of the "
                          f"{_count_phrase(probe.size, 'element', 'elements')} "
                          f"of δC adds a kernel-sized block, and the blocks "
                          f"overlap.")
        if np.allclose(given, expected, atol=TOLERANCE):
            return _correct(exercise)
        for description, candidate in placed.items():
            if np.allclose(given, candidate, atol=TOLERANCE):
                return _wrong(exercise, f"you placed {description}.",
                              "the chain rule adds δc times K itself into "
                              "the window of the output that δc belongs to.")
        return _wrong_elements(exercise, given, expected,
                               "only one δc is nonzero, so δP is that δc "
                               "times the kernel, placed in one window of δP "
                               "and zero elsewhere.")

    return _run_checker(exercise, answer, compare)


def _placements(probe, kernel):
    """Return the δP of common mistakes for a one-hot ``probe``, by description."""
    transforms = {
        "rot180(K) instead of K": rot180(kernel),
        "the transpose of K instead of K": kernel.T,
        "K flipped upside down instead of K": kernel[::-1, :],
        "K flipped left to right instead of K": kernel[:, ::-1],
    }
    placed = {}
    for description, transformed in transforms.items():
        if transformed.shape == kernel.shape:
            placed[description] = delta_p_chain_rule(probe, transformed)
    position = np.argwhere(probe == 1)[0]
    for shift in np.ndindex(probe.shape):
        if tuple(shift) != tuple(position):
            moved = delta_p_chain_rule(one_hot(probe.shape, shift), kernel)
            placed[f"K where {_display_name('δc', *shift)} would put it"] = moved
    return placed


def _wrong_elements(exercise, given, expected, hint):
    wrong = [index for index in np.ndindex(expected.shape)
             if not np.isclose(given[index], expected[index], atol=TOLERANCE)]
    return _wrong(exercise,
                  f"{_count_phrase(len(wrong), 'element is', 'elements are')} "
                  f"wrong: {_names('δp', wrong)}.",
                  hint)


# ---------------------------------------------------------------------------
# Exercises on the rotated full convolution
# ---------------------------------------------------------------------------

def check_rot180(answer, kernel=EXERCISE_K):
    """Check a kernel rotated by hand against ``rot180(kernel)``."""
    kernel = as_float_array("kernel", kernel)
    expected = rot180(kernel)
    exercise = "rot180(K)"
    mistakes = {
        "K unchanged": kernel,
        "the transpose of K": kernel.T,
        "K flipped upside down only": kernel[::-1, :],
        "K flipped left to right only": kernel[:, ::-1],
        "the transpose of rot180(K)": expected.T,
    }

    def compare(answer):
        given = _parse_array(answer, expected.shape, "the rotated kernel")
        if given.shape != expected.shape:
            return _wrong(exercise,
                          f"your array has shape {given.shape}, but K has "
                          f"shape {kernel.shape}.",
                          "a rotation by 180 degrees keeps the kernel's "
                          "shape.")
        if np.allclose(given, expected, atol=TOLERANCE):
            return _correct(exercise)
        for description, candidate in mistakes.items():
            if (candidate.shape == given.shape
                    and np.allclose(given, candidate, atol=TOLERANCE)):
                return _wrong(exercise, f"your array is {description}.",
                              "a rotation by 180 degrees reverses the order "
                              "of the rows and the order of the columns.")
        return _wrong(exercise, _count_wrong_kernel_elements(given, expected),
                      "element [a, b] of rot180(K) is the element of K at the "
                      "mirrored row and the mirrored column.")

    return _run_checker(exercise, answer, compare)


def _count_wrong_kernel_elements(given, expected):
    wrong = [index for index in np.ndindex(expected.shape)
             if not np.isclose(given[index], expected[index], atol=TOLERANCE)]
    positions = ", ".join(f"[{i}, {j}]" for i, j in wrong)
    return (f"{_count_phrase(len(wrong), 'element is', 'elements are')} "
            f"wrong, at 0-based {positions}.")


def check_padded_shape(answer, delta_c_shape=(3, 4), kernel_shape=(2, 3)):
    """Check the predicted shape of ``pad_full(δC, kernel_shape)``."""
    delta_c_shape = check_shape_pair("delta_c_shape", delta_c_shape)
    kernel_shape = check_shape_pair("kernel_shape", kernel_shape)
    expected = pad_full(np.zeros(delta_c_shape), kernel_shape).shape
    exercise = (f"shape of the padded δC for δC of shape {delta_c_shape} and "
                f"K of shape {kernel_shape}")
    delta_p_shape = convolve_full(np.zeros(delta_c_shape),
                                  np.zeros(kernel_shape)).shape
    padded_by_k = tuple(n + 2 * k for n, k in zip(delta_c_shape, kernel_shape))

    def compare(answer):
        given = _parse_shape(answer)
        if given == expected:
            return _correct(exercise)
        if given == expected[::-1]:
            return _wrong(exercise, "rows and columns are swapped.",
                          "a shape is (rows, columns), as numpy writes it.")
        if given == delta_p_shape:
            return _wrong(exercise,
                          "that is the shape of δP, the result after sliding "
                          "the kernel.",
                          "the padded δC is larger than δP: the kernel must "
                          "fit inside it at every position.")
        if given == padded_by_k:
            return _wrong(exercise,
                          "that pads with kh and kw zeros, one ring too many.",
                          "the padding is kh - 1 rows and kw - 1 columns on "
                          "every side: a kernel at the corner then overlaps "
                          "δC by exactly one element.")
        return _wrong(exercise, _wrong_dimensions(given, expected),
                      "zeros go on all four sides: kh - 1 rows above and "
                      "below, kw - 1 columns left and right.")

    return _run_checker(exercise, answer, compare)


def check_single_element_windows(answer, delta_c_shape=EXAMPLE_KERNEL_SHAPE,
                                 kernel_shape=EXAMPLE_KERNEL_SHAPE):
    """Check which windows of the padded δC contain exactly one element of δC.

    Windows are named by the δp they produce, such as δp11. The expected set
    counts, for every window, the elements of δC inside it.
    """
    delta_c_shape = check_shape_pair("delta_c_shape", delta_c_shape)
    kernel_shape = check_shape_pair("kernel_shape", kernel_shape)
    counts = correlate_valid(pad_full(np.ones(delta_c_shape), kernel_shape),
                             np.ones(kernel_shape))
    expected = {index for index in np.ndindex(counts.shape) if counts[index] == 1}
    exercise = "windows with one element of δC"

    def compare(answer):
        given = _parse_name_set(answer, "p", counts.shape, "names of δp windows")
        return _compare_sets(
            exercise, given, expected, "δp", set(np.ndindex(counts.shape)),
            wrong_reason=("contains more than one element of δC",
                          "contain more than one element of δC"),
            hint=("draw the padded δC and mark where each window meets the "
                  "original δC: a window that meets δC in a single element "
                  "hangs over a corner of δC."),
            noun=("window", "windows"),
            describe=lambda index: (f"{_display_name('δp', *index)}, whose "
                                    f"window contains {int(counts[index])} "
                                    f"elements of δC"))

    return _run_checker(exercise, answer, compare)


def _compare_sets(exercise, given, expected, kind, universe, wrong_reason, hint,
                  noun=("element", "elements"), describe=None):
    """Compare a set of indices with the expected one.

    A wrong answer gets counts and at most one named item, worded by
    :func:`_set_message` so that it cannot reveal the expected set.
    """
    if given == expected:
        return _correct(exercise)
    if describe is None:
        def describe(index):
            return _display_name(kind, *index)
    return _wrong(exercise,
                  _set_message(given, expected, universe, noun, wrong_reason,
                               describe),
                  hint)
