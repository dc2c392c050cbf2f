"""Result objects of the exercise checkers, and the reading of students' answers.

A checker returns a :class:`CheckResult`, which shows as a short message in a
notebook, or a :class:`CheckTable` of pass/fail outcomes. Answers are read
leniently: names such as p23, δp23, dp23 or P6, (δc, k) pairs in either order,
shapes as pairs or "4x5" strings. An answer that cannot be read raises
:class:`AnswerFormatError`, which the checkers turn into an "invalid answer"
message instead of a traceback.
"""

import dataclasses
import html
import math
import numbers
import re
import reprlib

import numpy as np
import sympy

from .numerics import as_float_array
from .style import OKABE_ITO
from .symbolic import element_name

__all__ = ["CheckResult", "CheckTable", "AnswerFormatError"]

# Absolute tolerance for comparing numbers and arrays. Finite differences with
# the default step of 1e-6 agreed with the exact δP to within 2e-9 on the
# example and exercise numbers and on a random 3x4 δC with a 2x3 kernel.
TOLERANCE = 1e-6


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------

CORRECT = "correct"
WRONG = "wrong"
UNANSWERED = "unanswered"
INVALID = "invalid"

_HEADINGS = {
    CORRECT: ("✓", "Correct"),
    WRONG: ("✗", "Not yet"),
    UNANSWERED: ("…", "Not answered yet"),
    INVALID: ("⚠", "Invalid answer"),
}

_COLORS = {
    CORRECT: OKABE_ITO["bluish_green"],
    WRONG: OKABE_ITO["vermillion"],
    UNANSWERED: "#BBBBBB",
    INVALID: OKABE_ITO["orange"],
}

# HTML class of the preformatted detail lines of a CheckResult, styled by
# slides/templates/reveal_offline/index.html.j2.
DETAILS_CLASS = "rotconv-check-details"

UNANSWERED_MESSAGE = ("replace None in the answer cell above with your answer, "
                      "then run both cells again.")


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """The outcome of one check, shown as a short message in text and HTML.

    Attributes
    ----------
    exercise : str
        What was checked, for example ``"c12"``.
    status : str
        ``"correct"``, ``"wrong"``, ``"unanswered"`` or ``"invalid"``
        (the answer could not be read).
    message : str
        One or two sentences: which part is wrong, or why the answer could
        not be read.
    hint : str
        A pointer towards the right answer, empty when correct.
    details : tuple of str
        Further lines, such as a table of comparisons or arrays.
    """

    exercise: str
    status: str
    message: str
    hint: str = ""
    details: tuple = ()

    def __post_init__(self):
        if self.status not in _HEADINGS:
            raise ValueError(
                f"status must be one of {sorted(_HEADINGS)}, got {self.status!r}"
            )

    @property
    def correct(self):
        """True when the answer is right."""
        return self.status == CORRECT

    def __repr__(self):
        symbol, heading = _HEADINGS[self.status]
        lines = [f"{symbol} {heading} ({self.exercise}): {self.message}"]
        lines.extend(self.details)
        if self.hint:
            lines.append(f"Hint: {self.hint}")
        return "\n".join(lines)

    def _repr_html_(self):
        symbol, heading = _HEADINGS[self.status]
        parts = [
            f'<div style="border-left: 4px solid {_COLORS[self.status]}; '
            f'padding: 2px 10px; margin: 4px 0;">',
            f"<strong>{symbol} {heading}</strong> "
            f"({html.escape(self.exercise)}): {html.escape(self.message)}",
        ]
        if self.details:
            details = html.escape("\n".join(self.details))
            # The class lets the slide template enlarge these lines. nbconvert's
            # reveal.js styles set a pre inside HTML output at 80% of the 14 px
            # text around it, about 11 px on a 1280x720 slide.
            parts.append(f'<pre class="{DETAILS_CLASS}" style="margin: 4px 0;">'
                         f'{details}</pre>')
        if self.hint:
            parts.append(f"<br><em>Hint:</em> {html.escape(self.hint)}")
        parts.append("</div>")
        return "".join(parts)


@dataclasses.dataclass(frozen=True)
class CheckTable:
    """A table of pass/fail outcomes: one row per candidate, one column per test."""

    title: str
    columns: tuple
    rows: tuple  # (label, tuple of bool)

    def passing(self, column):
        """Return the labels of the rows that pass the test ``column``."""
        if column not in self.columns:
            raise ValueError(
                f"column {column!r} is not in the table; the columns are "
                f"{', '.join(map(repr, self.columns))}"
            )
        position = self.columns.index(column)
        return [label for label, outcomes in self.rows if outcomes[position]]

    def __repr__(self):
        label_width = max(len(label) for label, _ in self.rows)
        widths = [max(len(column), 4) for column in self.columns]
        header = " " * label_width + "  " + "  ".join(
            column.ljust(width) for column, width in zip(self.columns, widths))
        lines = [self.title, header.rstrip()]
        for label, outcomes in self.rows:
            cells = "  ".join(_pass_text(ok).ljust(width)
                              for ok, width in zip(outcomes, widths))
            lines.append(f"{label.ljust(label_width)}  {cells}".rstrip())
        return "\n".join(lines)

    def _repr_html_(self):
        header = "".join(f"<th>{html.escape(column)}</th>" for column in self.columns)
        body = []
        for label, outcomes in self.rows:
            cells = "".join(
                f'<td style="color: {_COLORS[CORRECT if ok else WRONG]}; '
                f'text-align: center;">{_pass_text(ok)}</td>'
                for ok in outcomes)
            body.append(f"<tr><th style=\"text-align: left;\">"
                        f"{html.escape(label)}</th>{cells}</tr>")
        return (f"<p><strong>{html.escape(self.title)}</strong></p>"
                f"<table><tr><th></th>{header}</tr>{''.join(body)}</table>")


def _pass_text(ok):
    return "pass" if ok else "FAIL"


class AnswerFormatError(ValueError):
    """An answer that cannot be read. Its message says which form is expected."""


def _run_checker(exercise, answer, compare):
    """Return ``compare(answer)``, or the result for no answer or an unreadable one."""
    if answer is None:
        return CheckResult(exercise, UNANSWERED, UNANSWERED_MESSAGE)
    try:
        return compare(answer)
    except AnswerFormatError as error:
        message = str(error)
        return CheckResult(exercise, INVALID,
                           message if message.endswith(".") else message + ".")


def _correct(exercise, message="well done."):
    return CheckResult(exercise, CORRECT, message)


def _wrong(exercise, message, hint):
    return CheckResult(exercise, WRONG, message, hint)


# ---------------------------------------------------------------------------
# Reading answers
# ---------------------------------------------------------------------------

# Prefixes accepted for gradient names: δp23, dp23, deltap23, and for δC also d11.
_DELTA_PREFIX = r"(?:δ|∂|d|delta)"
_KIND_PATTERNS = {
    "p": re.compile(rf"^{_DELTA_PREFIX}?p(\d)(\d)$"),
    "c": re.compile(r"^c(\d)(\d)$"),
    "δc": re.compile(rf"^(?:{_DELTA_PREFIX}c|d)(\d)(\d)$"),
    "k": re.compile(r"^k(\d)(\d)$"),
}
_NUMBERED_PATTERN = re.compile(rf"^{_DELTA_PREFIX}?P(\d+)$")
_SEPARATORS = re.compile(r"[\s_{},]")
# Typeset formulas print the minus sign U+2212, which float() rejects, and
# students paste it into answers.
_UNICODE_MINUS = "\u2212"
_KIND_EXAMPLES = {
    "p": "'p23', 'δp23', 'dp23' or the row-by-row number 'P6'",
    "c": "'c12'",
    "δc": "'δc12', 'dc12' or 'd12'",
    "k": "'k12'",
}


# Shortens reprs of huge answers, such as 10**400 or a long list, in messages.
_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxstring = 40
_SHORT_REPR.maxother = 40


def _short_repr(value):
    return " ".join(_SHORT_REPR.repr(value).split())


def _parse_name(text, kind, shape):
    """Return the 0-based index (i, j) named by ``text``, such as 'p23' or 'P6'."""
    if not isinstance(text, str):
        raise AnswerFormatError(
            f"{_short_repr(text)} is not a name; write names as strings, such as "
            f"{_KIND_EXAMPLES[kind]}"
        )
    compact = _SEPARATORS.sub("", text.strip())
    rows, cols = shape
    if kind == "p":
        numbered = _NUMBERED_PATTERN.match(compact)
        if numbered:
            number = int(numbered.group(1))
            if not 1 <= number <= rows * cols:
                raise AnswerFormatError(
                    f"{_short_repr(text)} is not one of P1 .. P{rows * cols}; "
                    f"for row i, column j write 'p' and the two indices, "
                    f"such as 'p12'"
                )
            return divmod(number - 1, cols)
    match = _KIND_PATTERNS[kind].match(compact.lower())
    if match is None:
        raise AnswerFormatError(
            f"{_short_repr(text)} is not read as a {kind} name; write it like "
            f"{_KIND_EXAMPLES[kind]}"
        )
    i, j = int(match.group(1)), int(match.group(2))
    if not (1 <= i <= rows and 1 <= j <= cols):
        raise AnswerFormatError(
            f"{_short_repr(text)} is outside the {rows}x{cols} array of {kind} "
            f"elements; indices start at 1, as in {_display_name(kind, 0, 0)}"
        )
    return i - 1, j - 1


def _display_name(kind, i, j):
    """Return the 1-based name used in messages, such as 'p23' or 'δc12'."""
    return element_name(kind, i, j)


def split_answer_items(answer, what, example):
    """Return the items of a list answer, or of a string separated by commas or spaces.

    ``what`` names the items in messages (``"kernel labels"``) and ``example``
    is one item written as the student would (``"'A'"``). Raises
    AnswerFormatError for an empty string or an answer of another type.
    """
    if isinstance(answer, str):
        items = [item for item in re.split(r"[,;\s]+", answer.strip()) if item]
        if not items:
            raise AnswerFormatError(
                f"the answer is an empty string; write a list of {what}, such "
                f"as [{example}, ...], or [] for none"
            )
        return items
    if isinstance(answer, (list, tuple, set, frozenset)):
        return list(answer)
    raise AnswerFormatError(
        f"the answer must be a list of {what}, got {type(answer).__name__}; "
        f"write it like [{example}, ...], or [] for none"
    )


def _parse_name_set(answer, kind, shape, what):
    """Read a collection of names (or 1-based (row, column) pairs) into a set of indices."""
    items = split_answer_items(answer, what, _KIND_EXAMPLES[kind].split(",")[0])
    indices = []
    for item in items:
        if _is_index_pair(item):
            index = _one_based_pair(item, kind, shape)
        else:
            index = _parse_name(item, kind, shape)
        if index in indices:
            raise AnswerFormatError(
                f"{_display_name(kind, *index)} is listed twice; list each "
                f"element once"
            )
        indices.append(index)
    return set(indices)


def _is_index_pair(item):
    return (isinstance(item, (tuple, list)) and len(item) == 2
            and all(isinstance(n, numbers.Integral) and not isinstance(n, bool)
                    for n in item))


def _one_based_pair(item, kind, shape):
    i, j = int(item[0]), int(item[1])
    if not (1 <= i <= shape[0] and 1 <= j <= shape[1]):
        raise AnswerFormatError(
            f"{tuple(item)} is not a 1-based (row, column) pair inside the "
            f"{shape[0]}x{shape[1]} array; pairs count from 1, as the names "
            f"do, or write the name as a string such as "
            f"{_KIND_EXAMPLES[kind].split(',')[0]}"
        )
    return i - 1, j - 1


def _parse_number(answer):
    if isinstance(answer, (bool, np.bool_)):
        raise AnswerFormatError(
            f"the answer is the boolean {answer}; write a number"
        )
    if isinstance(answer, str):
        try:
            value = float(answer.replace(_UNICODE_MINUS, "-"))
        except ValueError:
            raise AnswerFormatError(
                f"{_short_repr(answer)} is not a number; write a plain int or "
                f"float, such as 2 or -1.5"
            ) from None
    elif isinstance(answer, numbers.Real) or (
            isinstance(answer, np.ndarray) and answer.ndim == 0
            and np.issubdtype(answer.dtype, np.number)):
        try:
            value = float(answer)
        except OverflowError:
            raise AnswerFormatError(
                f"the answer {_short_repr(answer)} is too large for a float; "
                f"write a plain int or float, such as 2 or -1.5"
            ) from None
    else:
        raise AnswerFormatError(
            f"the answer must be a single number, got {type(answer).__name__} "
            f"{_short_repr(answer)}; write a plain int or float, such as 2 or -1.5"
        )
    if not np.isfinite(value):
        raise AnswerFormatError(
            f"the answer is {value}; write a finite number, such as 2 or -1.5"
        )
    return value


def _parse_shape(answer):
    """Read a shape: a pair of positive whole numbers, or a string such as "4x5".

    Numpy integers and whole floats such as 3.0 count, as do 1-D arrays of two
    of them, because np.array(shape) and arithmetic on shapes produce these.
    """
    if isinstance(answer, str):
        parts = re.split(r"\s*[x×,]\s*", answer.strip().strip("()[]"))
        if len(parts) == 2:
            shape = tuple(_whole_number(part) for part in parts)
            if None not in shape and min(shape) >= 1:
                return shape
    elif isinstance(answer, np.ndarray) and answer.shape == (2,):
        shape = tuple(_whole_number(n) for n in answer.tolist())
        if None not in shape and min(shape) >= 1:
            return shape
    elif isinstance(answer, (tuple, list)) and len(answer) == 2:
        shape = tuple(_whole_number(n) for n in answer)
        if None not in shape and min(shape) >= 1:
            return shape
    raise AnswerFormatError(
        f"{_short_repr(answer)} is not a shape; write it as a pair "
        f"(rows, columns) of positive whole numbers, such as (2, 3)"
    )


def _whole_number(value):
    """Return ``value`` as an int when it is a whole number, else None.

    Accepts ints, numpy integers, floats such as 3.0 and strings such as "3"
    or "3.0". Booleans are not numbers here.
    """
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, str):
        try:
            value = float(value.replace(_UNICODE_MINUS, "-"))
        except ValueError:
            return None
    if isinstance(value, numbers.Real) and math.isfinite(value) \
            and float(value).is_integer():
        return int(value)
    return None


def _parse_array(answer, shape, what):
    try:
        np.asarray(answer)
    except ValueError:
        raise AnswerFormatError(
            f"the rows have different lengths. Write {what} as a nested list "
            f"with {shape[0]} rows of {shape[1]} numbers, or as a numpy array"
        ) from None
    try:
        array = as_float_array("the answer", answer)
    except (TypeError, ValueError) as error:
        raise AnswerFormatError(
            f"{error}. Write {what} as a nested list with {shape[0]} rows of "
            f"{shape[1]} numbers, or as a numpy array"
        ) from None
    return array


def _parse_pairs(answer):
    """Read a formula given as (δc, k) pairs, a string or a sympy expression.

    Returns a list of ((i, j) of δc, (a, b) of k), 0-based, in the given order.
    """
    if isinstance(answer, sympy.Basic):
        answer = str(answer)
    if isinstance(answer, str):
        terms = [term for term in answer.split("+") if term.strip()]
        items = [re.split(r"\s*[*·×]\s*|\s+", term.strip()) for term in terms]
    elif isinstance(answer, (list, tuple, set)):
        items = list(answer)
    else:
        raise AnswerFormatError(
            f"the answer must be a list of (δc, k) pairs, got "
            f"{type(answer).__name__}; write it like [('dc11', 'k22'), ...]"
        )
    if not items:
        raise AnswerFormatError(
            "the answer lists no terms; write the (δc, k) pairs, such as "
            "[('dc11', 'k22'), ...]"
        )

    pairs = []
    for item in items:
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise AnswerFormatError(
                f"{_short_repr(item)} is not a pair; every term is one δc name "
                f"and one k name, such as ('dc11', 'k22')"
            )
        pair = _read_pair(item)
        if pair in pairs:
            raise AnswerFormatError(
                f"the pair ({_display_name('δc', *pair[0])}, "
                f"{_display_name('k', *pair[1])}) is listed twice; list each "
                f"term once"
            )
        pairs.append(pair)
    return pairs


def _read_pair(item):
    """Return (δc index, k index) from two names in either order."""
    delta_index = weight_index = None
    for text in item:
        compact = _SEPARATORS.sub("", str(text)).lower()
        if _KIND_PATTERNS["k"].match(compact):
            weight_index = _parse_name(text, "k", (9, 9))
        elif _KIND_PATTERNS["δc"].match(compact):
            delta_index = _parse_name(text, "δc", (9, 9))
        else:
            raise AnswerFormatError(
                f"{_short_repr(text)} is neither a δc name nor a k name; "
                f"write δc names like {_KIND_EXAMPLES['δc']} and k names like "
                f"{_KIND_EXAMPLES['k']}"
            )
    if delta_index is None or weight_index is None:
        raise AnswerFormatError(
            f"{tuple(item)!r} needs one δc name and one k name"
        )
    return delta_index, weight_index


def _parse_parameter_name(text, kind, shape, parameter):
    """Read a checker parameter, raising ValueError because a bad one is the caller's error."""
    try:
        return _parse_name(text, kind, shape)
    except AnswerFormatError as error:
        raise ValueError(f"{parameter}: {error}") from None


def _names(kind, indices):
    return ", ".join(_display_name(kind, i, j) for i, j in sorted(indices))


def _count_phrase(count, singular, plural):
    return f"{count} {singular if count == 1 else plural}"


# A wrong set answer names one of its wrong items only when it has at most
# this many, so that a long list of guesses earns no names.
_MAX_WRONG_TO_NAME = 3


def _set_message(given, expected, universe, noun, wrong_reason, describe):
    """Word the message for a wrong set answer so it cannot reveal the expected set.

    The message counts the wrong and the missing items. It names one wrong
    item, as ``describe(item)``, only when the answer has at most
    _MAX_WRONG_TO_NAME wrong items, does not list every item of ``universe``,
    and more than one set still fits the message with that name in it. When
    the counts alone fit a single set, as they do for an answer that is the
    exact complement of the expected set, "some" replaces them.

    ``noun`` is (singular, plural), such as ("element", "elements"), and
    ``wrong_reason`` the verb phrase in singular and plural, such as
    ("is not in the window of c21", "are not in the window of c21").
    """
    wrong = sorted(given - expected)
    missing = len(expected - given)
    unlisted = len(set(universe) | given) - len(given)
    # The sets that fit the counts are a choice of the wrong items among the
    # given ones times a choice of the missing items among the unlisted ones.
    counts_ambiguous = (math.comb(len(given), len(wrong))
                        * math.comb(unlisted, missing) > 1)
    parts = []
    if wrong:
        count = len(wrong)
        if counts_ambiguous:
            reason = wrong_reason[0] if count == 1 else wrong_reason[1]
            part = f"{count} of your {noun[1]} {reason}"
        else:
            part = f"some of your {noun[1]} {wrong_reason[1]}"
        # Sets that still fit once one wrong item is named.
        fits_after_naming = (math.comb(len(given) - 1, count - 1)
                             * math.comb(unlisted, missing))
        names_one = (counts_ambiguous and count <= _MAX_WRONG_TO_NAME
                     and unlisted > 0 and fits_after_naming > 1)
        if names_one and count == 1:
            part += f": {describe(wrong[0])}"
        elif names_one:
            part += f", for example {describe(wrong[0])}"
        parts.append(part)
    if missing:
        if counts_ambiguous:
            parts.append(f"you are missing {_count_phrase(missing, *noun)}")
        else:
            parts.append(f"you are missing some {noun[1]}")
    return "; ".join(parts) + "."
