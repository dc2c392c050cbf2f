"""Check a candidate implementation of δP, and show which weak tests it would pass.

:func:`check_delta_p` compares any function ``candidate(delta_c, kernel)`` with
three independent references: the chain rule, the full convolution with
rot180(K) and finite differences of the loss. :func:`weak_check_table` shows
which of the tests that people often write instead (the sum or the mean of δP,
a symmetric kernel, a one-hot δC) would have let a buggy candidate pass.
"""


import numpy as np

from .examples import EXAMPLE_DELTA_C, EXAMPLE_K
from .exercises import one_hot
from .feedback import (
    CORRECT,
    INVALID,
    TOLERANCE,
    UNANSWERED,
    UNANSWERED_MESSAGE,
    WRONG,
    AnswerFormatError,
    CheckResult,
    CheckTable,
    _correct,
    _count_phrase,
    _names,
    _pass_text,
    _run_checker,
    _set_message,
    _short_repr,
    _wrong,
    split_answer_items,
)
from .numerics import (
    as_float_array,
    correlate_valid,
    delta_p_chain_rule,
    delta_p_full_conv,
    loss_gradient_numerical,
    pad_full,
)

__all__ = ["check_delta_p", "check_passing_kernels", "weak_check_table"]


def _call_candidate(candidate, delta_c, kernel):
    """Return (δP as a 2-D float array, None) or (None, a failure).

    A failure is a pair of sentences: what the candidate did, completing
    "the candidate ...", and a hint towards the fix.
    """
    try:
        # Student code can fail in any way; the checker reports the failure
        # instead of raising, so the notebook shows a message, not a traceback.
        output = candidate(np.array(delta_c), np.array(kernel))
    except Exception as error:  # noqa: BLE001
        return None, (f"raised {type(error).__name__}: {error}",
                      "call it by hand on a small δC and read the error.")
    if output is None:
        return None, ("returned None, so it probably lacks a return statement",
                      "end the function with return and the δP array.")
    expected_shape = (delta_c.shape[0] + kernel.shape[0] - 1,
                      delta_c.shape[1] + kernel.shape[1] - 1)
    if isinstance(output, (str, bytes)):
        return None, (f"returned the text {_short_repr(output)}, not an array "
                      f"of numbers",
                      f"return δP as a 2-D array of shape "
                      f"{expected_shape}, not a string.")
    if isinstance(output, tuple):
        return None, (f"returned a tuple of {len(output)} items instead of "
                      f"one array",
                      f"return δP alone, as a 2-D array of shape "
                      f"{expected_shape}.")
    try:
        shape = np.shape(output)
    except ValueError:
        return None, ("returned rows of different lengths",
                      f"return δP as a 2-D array of shape {expected_shape}.")
    if len(shape) != 2:
        return None, (f"returned a {len(shape)}-D array of shape {shape}",
                      f"return δP as a 2-D array of shape {expected_shape}, "
                      f"the shape of P.")
    try:
        return as_float_array("its result", output), None
    except (TypeError, ValueError) as error:
        return None, (f"returned something that is not a 2-D array of "
                      f"numbers: {error}",
                      f"return δP as a 2-D array of shape {expected_shape}.")


def _candidate_name(candidate):
    return getattr(candidate, "__name__", type(candidate).__name__)


def check_delta_p(candidate, delta_c=EXAMPLE_DELTA_C, kernel=EXAMPLE_K):
    """Compare a candidate δP function with three independent references.

    Parameters
    ----------
    candidate : callable or None
        ``candidate(delta_c, kernel)`` returns δP. None gives "not answered yet".
    delta_c : array_like, shape (h, w)
    kernel : array_like, shape (kh, kw)

    Returns
    -------
    CheckResult
        Correct when the candidate's δP has shape (h + kh - 1, w + kw - 1) and
        matches the chain rule (:func:`delta_p_chain_rule`), the full
        convolution (:func:`delta_p_full_conv`) and finite differences of the
        loss (:func:`loss_gradient_numerical`) to within 1e-6. The details
        list each comparison, then the candidate's δP and the expected δP
        side by side.
    """
    delta_c = as_float_array("delta_c", delta_c)
    kernel = as_float_array("kernel", kernel)
    if candidate is None:
        return CheckResult("δP", UNANSWERED, UNANSWERED_MESSAGE)
    if not callable(candidate):
        return CheckResult("δP", INVALID,
                           f"the answer must be a function "
                           f"delta_p(delta_c, kernel) that returns δP, got "
                           f"{type(candidate).__name__}; assign the function "
                           f"itself, without calling it.")
    exercise = f"δP from {_candidate_name(candidate)}"
    references = _references(delta_c, kernel)
    expected = references["chain rule"]

    output, failure = _call_candidate(candidate, delta_c, kernel)
    if failure:
        what_happened, hint = failure
        return _wrong(exercise, f"the candidate {what_happened}.", hint)

    rows = []
    for label, reference in references.items():
        if output.shape != reference.shape:
            rows.append(f"  {label:<20} shape {output.shape}, expected "
                        f"{reference.shape}   FAIL")
            continue
        difference = float(np.max(np.abs(output - reference)))
        ok = difference <= TOLERANCE
        rows.append(f"  {label:<20} max |difference| "
                    f"{_format_difference(difference)}   {_pass_text(ok)}")
    # The two arrays stand side by side, so the result takes fewer lines on a slide.
    details = ("Compared with:", *rows,
               *_side_by_side(["Candidate δP:", *_array_lines(output)],
                              ["Expected δP:", *_array_lines(expected)]))

    if output.shape != expected.shape:
        return CheckResult(exercise, WRONG,
                           f"its δP has shape {output.shape}, but δP has the "
                           f"shape of P, {expected.shape}.",
                           "check the padding: kh - 1 rows and kw - 1 "
                           "columns of zeros on every side.", details)
    if np.allclose(output, expected, atol=TOLERANCE):
        return CheckResult(exercise, CORRECT,
                           "it matches the chain rule, the full convolution "
                           "and finite differences.", "", details)
    return CheckResult(exercise, WRONG,
                       _differing_elements(output, expected),
                       _delta_p_hint(output, expected, delta_c, kernel),
                       details)


def _references(delta_c, kernel):
    """Return δP by the chain rule, the full convolution and finite differences."""
    input_shape = (delta_c.shape[0] + kernel.shape[0] - 1,
                   delta_c.shape[1] + kernel.shape[1] - 1)
    # The loss is linear in P, so its gradient is the same at every P. A
    # seeded random P avoids special values such as zero.
    x = np.random.default_rng(0).standard_normal(input_shape)
    return {
        "chain rule": delta_p_chain_rule(delta_c, kernel),
        "full convolution": delta_p_full_conv(delta_c, kernel),
        "finite differences": loss_gradient_numerical(x, kernel, delta_c),
    }


def _format_difference(difference):
    # Differences at rounding level can vary between machines, so only their
    # bound is printed and stored notebook outputs stay the same.
    if difference <= TOLERANCE:
        return f"< {TOLERANCE:.0e}"
    return f"{difference:.3g}"


def _array_lines(array):
    # Adding 0.0 turns -0.0, from 0 times a negative weight, into 0.0.
    text = np.array2string(array + 0.0, precision=4, suppress_small=True)
    return ["  " + line for line in text.splitlines()]


def _side_by_side(left, right, gap=4):
    """Join two columns of text lines ``gap`` spaces apart.

    The shorter column is padded with blank lines.
    """
    rows = max(len(left), len(right))
    left = left + [""] * (rows - len(left))
    right = right + [""] * (rows - len(right))
    width = max(len(line) for line in left) + gap
    return [(first.ljust(width) + second).rstrip() for first, second in zip(left, right)]


def _differing_elements(output, expected):
    wrong = [index for index in np.ndindex(expected.shape)
             if not np.isclose(output[index], expected[index], atol=TOLERANCE)]
    return (f"{_count_phrase(len(wrong), 'element differs', 'elements differ')}"
            f" from the references: {_names('δp', wrong)}.")


def _delta_p_hint(output, expected, delta_c, kernel):
    coverage = correlate_valid(pad_full(np.ones(delta_c.shape), kernel.shape),
                               np.ones(kernel.shape))
    wrong = ~np.isclose(output, expected, atol=TOLERANCE)
    if np.all(coverage[wrong] > 1):
        return ("only elements covered by more than one window are wrong: "
                "where windows overlap, their contributions must add up.")
    return ("probe it with a one-hot δC (rh.one_hot) and compare the block it "
            "places in δP with K.")


def check_passing_kernels(answer, candidate, kernels, delta_c=EXAMPLE_DELTA_C):
    """Check which test kernels would let ``candidate`` pass :func:`check_delta_p`.

    Parameters
    ----------
    answer : collection of str or None
        The labels of the kernels for which the candidate passes, in any
        case, each once.
    candidate : callable
        A δP function, usually one with a known bug.
    kernels : dict
        From labels such as ``"A"`` to kernels.
    delta_c : array_like
        The δC used in every check; its shape must suit every kernel.
    """
    if not callable(candidate):
        raise TypeError(f"candidate must be a δP function, got {candidate!r}")
    if not kernels:
        raise ValueError("kernels is empty; pass a dict from labels to kernels")
    labels_by_key = _labels_by_key(kernels)
    exercise = f"kernels that let {_candidate_name(candidate)} pass"
    expected = {label for label, kernel in kernels.items()
                if check_delta_p(candidate, delta_c, kernel).correct}

    def compare(answer):
        given = _parse_labels(answer, labels_by_key)
        if given == expected:
            return _correct(exercise)
        message = _set_message(
            given, expected, set(kernels), ("kernel", "kernels"),
            ("makes the candidate fail", "make the candidate fail"),
            lambda label: f"kernel {label}")
        return _wrong(exercise, message,
                      "compare each kernel with what the bug turns it into; "
                      "the bug hides when the two are equal.")

    return _run_checker(exercise, answer, compare)


def _label_key(label):
    return label.strip().casefold() if isinstance(label, str) else label


def _labels_by_key(kernels):
    """Map each label, in lower case when it is a string, to itself."""
    labels_by_key = {}
    for label in kernels:
        key = _label_key(label)
        if key in labels_by_key:
            raise ValueError(
                f"kernel labels {labels_by_key[key]!r} and {label!r} differ "
                f"only in case; answers ignore case, so give each kernel a "
                f"distinct label"
            )
        labels_by_key[key] = label
    return labels_by_key


def _parse_labels(answer, labels_by_key):
    """Read kernel labels, ignoring case, into a set; reject unknown or repeated ones."""
    items = split_answer_items(answer, "kernel labels", "'A'")
    known = ", ".join(map(str, labels_by_key.values()))
    given = []
    for item in items:
        try:
            label = labels_by_key.get(_label_key(item))
        except TypeError:
            label = None
        if label is None:
            raise AnswerFormatError(
                f"{_short_repr(item)} is not a kernel label; the labels are "
                f"{known}"
            )
        if label in given:
            raise AnswerFormatError(
                f"kernel {label} is listed twice; list each kernel once"
            )
        given.append(label)
    return set(given)


def weak_check_table(candidates, delta_c=EXAMPLE_DELTA_C, kernel=EXAMPLE_K,
                     symmetric_kernel=None):
    """Run four weak tests and the full check on each candidate δP function.

    The weak tests compare the sum of δP and the mean of δP for ``delta_c``
    and ``kernel``. Two more run :func:`check_delta_p` with a symmetric
    kernel (all ones unless ``symmetric_kernel`` is given) and with a δC of
    a single element, an input the size of the kernel, where no two windows
    overlap. A test passes when it cannot tell the candidate from a correct
    δP. The last column is :func:`check_delta_p` with ``delta_c`` and
    ``kernel``.

    Returns
    -------
    CheckTable
        One row per candidate, labelled by the keys of ``candidates``.
    """
    delta_c = as_float_array("delta_c", delta_c)
    kernel = as_float_array("kernel", kernel)
    if symmetric_kernel is None:
        symmetric_kernel = np.ones(kernel.shape)
    symmetric_kernel = as_float_array("symmetric_kernel", symmetric_kernel)
    expected = delta_p_chain_rule(delta_c, kernel)
    single_element = one_hot((1, 1), (0, 0))

    rows = []
    for label, candidate in candidates.items():
        output, failure = _call_candidate(candidate, delta_c, kernel)
        sum_ok = failure is None and np.isclose(np.sum(output), np.sum(expected))
        mean_ok = failure is None and np.isclose(np.mean(output), np.mean(expected))
        rows.append((label, (
            bool(sum_ok),
            bool(mean_ok),
            check_delta_p(candidate, delta_c, symmetric_kernel).correct,
            check_delta_p(candidate, single_element, kernel).correct,
            check_delta_p(candidate, delta_c, kernel).correct,
        )))
    columns = ("sum only", "mean only", "symmetric K", "one-element δC",
               "full check")
    return CheckTable("Which tests let each candidate pass", columns, tuple(rows))
