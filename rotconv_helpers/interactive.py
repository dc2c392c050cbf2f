"""The interactive panel of notebook 03: edit K and δC and watch δP follow.

The panel is a thin shell over two kinds of plain functions:
:func:`compute_state` turns K, δC and a window position into a
:class:`PanelState`, and the renderers in :mod:`rotconv_helpers.interactive_render`
turn a state into HTML strings. :class:`KernelPanel` only parses the boxes,
calls both and assigns the strings to ``HTML.value``, so every redraw is a few
small strings and no matplotlib figure is created.

CSS classes of the widgets, for browser tests: ``rotconv-panel`` (outer box),
``rotconv-k-11`` .. and ``rotconv-dc-11`` .. (entry boxes, 1-based),
``rotconv-message``, ``rotconv-position``, ``rotconv-play``,
``rotconv-formulas``, ``rotconv-delta-p-chain``, ``rotconv-delta-p-full``,
``rotconv-agreement`` and ``rotconv-window-view``.
"""

import dataclasses
import functools
import html
import math

import ipywidgets as widgets
import numpy as np
from IPython.display import HTML, display

from .examples import EXAMPLE_DELTA_C, EXAMPLE_K, EXAMPLE_P
from .interactive_render import (
    format_number,
    render_agreement,
    render_delta_p_table,
    render_formulas,
    render_panel,
    render_window_view,
)
from .numerics import (
    as_float_array,
    delta_p_chain_rule,
    delta_p_full_conv,
    loss_gradient_numerical,
    pad_full,
    rot180,
)
from .symbolic import DELTA_C_PREFIX, element_name, element_number, gradient_formulas, gradient_terms

__all__ = [
    "PanelState",
    "compute_state",
    "format_number",
    "step_html",
    "KernelPanel",
    "PRESET_NAMES",
    "MAX_ENTRY",
    "MIN_ENTRY",
]

FINITE_DIFFERENCE_STEP = 1e-6

# Entries are limited to this magnitude so that products, sums and finite
# differences stay far from overflow and keep about 6 correct digits.
MAX_ENTRY = 1e6
# Nonzero entries below this magnitude are rejected. The views show values
# below DISPLAY_ZERO (5e-10) as 0, so that rounding residue reads as 0, and
# MIN_ENTRY ** 2 = 1e-8 keeps even the product of two entries visible.
MIN_ENTRY = 1e-4
ENTRY_RANGE = (f"enter 0 or a number between {MIN_ENTRY:g} and {MAX_ENTRY:.0f} "
               f"in magnitude")
# Students paste the minus sign of typeset formulas, U+2212, which float() rejects.
UNICODE_MINUS = "\u2212"

PRESET_NAMES = ("example", "identity-like", "edge detector", "all ones", "random")
# The key in KernelPanel.errors of the message of a rejected preset or reset.
# Box names such as "k11" are the other keys, so it cannot clash with them.
BUTTON_MESSAGE_KEY = "buttons"

# Sizes are in px because the widget boxes of an exported slide deck inherit
# the 42px base font of reveal.js, which would make 9em 378px wide. The font
# size of boxes and buttons is set so that a deck and JupyterLab agree.
WIDGET_FONT_SIZE = "14px"
ENTRY_WIDTH = "104px"
ENTRY_LABEL_WIDTH = "44px"
BUTTON_WIDTH = "120px"
PRESET_COLUMNS = 3
SLIDER_WIDTH = "230px"


@dataclasses.dataclass(frozen=True)
class PanelState:
    """Everything the views show for one K, δC and window position.

    Arrays are float64. For K of shape (kh, kw) and δC of shape (h, w), each
    version of δP has shape (h + kh - 1, w + kw - 1). The padded δC has shape
    (h + 2 (kh - 1), w + 2 (kw - 1)).
    """

    kernel: np.ndarray
    delta_c: np.ndarray
    position: int
    window: tuple  # 0-based (row, column) of the window in padded, which is also δp's index
    padded: np.ndarray
    rotated: np.ndarray
    products: np.ndarray  # window of padded times rot180(K), element by element
    delta_p_chain: np.ndarray
    delta_p_full: np.ndarray
    delta_p_numerical: np.ndarray
    formula_terms: tuple  # per δP element, the (δc name, k name) pairs of its formula
    symbol_values: dict  # from "k11", "δc11", .. to the current numbers
    formula_values: np.ndarray  # each formula evaluated term by term
    max_abs_difference: float  # over chain rule, full convolution and finite differences
    tolerance: float
    finite_difference_step: float


@functools.lru_cache(maxsize=16)
def _formula_terms(input_shape, kernel_shape):
    formulas = gradient_formulas(input_shape, kernel_shape)
    return tuple(
        tuple(tuple(gradient_terms(formulas[element_number(i, j, input_shape)]))
              for j in range(input_shape[1]))
        for i in range(input_shape[0])
    )


def _symbol_values(kernel, delta_c):
    values = {}
    for (a, b), weight in np.ndenumerate(kernel):
        values[element_name("k", a, b, kernel.shape)] = float(weight)
    for (i, j), delta in np.ndenumerate(delta_c):
        values[element_name(DELTA_C_PREFIX, i, j, delta_c.shape)] = float(delta)
    return values


def compute_state(kernel, delta_c, position=0, p=None):
    """Compute every view's numbers for K, δC and one window position.

    Parameters
    ----------
    kernel : array_like, shape (kh, kw)
    delta_c : array_like, shape (h, w)
    position : int
        The window position, 0 .. δP.size - 1, row by row: position ``n`` puts
        the window at row ``n // W``, column ``n % W`` of the padded δC, where
        W = w + kw - 1, and that window gives δp at the same row and column.
    p : array_like, shape (h + kh - 1, w + kw - 1), optional
        The layer input at which the finite differences are taken. The loss
        ``Σ δC ⊙ correlate_valid(P, K)`` is linear in P, so δP does not depend
        on it. Defaults to ``EXAMPLE_P`` when the shapes match, else zeros.

    Returns
    -------
    PanelState
    """
    kernel = as_float_array("kernel", kernel)
    delta_c = as_float_array("delta_c", delta_c)
    kh, kw = kernel.shape
    input_shape = (delta_c.shape[0] + kh - 1, delta_c.shape[1] + kw - 1)
    size = input_shape[0] * input_shape[1]
    if isinstance(position, bool) or not isinstance(position, (int, np.integer)):
        raise TypeError(f"position must be an int, got {position!r}")
    if not 0 <= position < size:
        raise ValueError(
            f"position {position} is outside 0 .. {size - 1}; δP of shape "
            f"{input_shape} has {size} window positions"
        )
    if p is None:
        p = EXAMPLE_P if EXAMPLE_P.shape == input_shape else np.zeros(input_shape)
    window = divmod(int(position), input_shape[1])

    padded = pad_full(delta_c, kernel.shape)
    rotated = rot180(kernel)
    products = padded[window[0]:window[0] + kh, window[1]:window[1] + kw] * rotated
    delta_p_chain = delta_p_chain_rule(delta_c, kernel)
    delta_p_full = delta_p_full_conv(delta_c, kernel)
    delta_p_numerical = loss_gradient_numerical(p, kernel, delta_c,
                                                eps=FINITE_DIFFERENCE_STEP)

    terms = _formula_terms(input_shape, kernel.shape)
    values = _symbol_values(kernel, delta_c)
    formula_values = np.array([[sum(values[d] * values[k] for d, k in terms[i][j])
                                for j in range(input_shape[1])]
                               for i in range(input_shape[0])])

    differences = (np.abs(delta_p_chain - delta_p_full),
                   np.abs(delta_p_chain - delta_p_numerical),
                   np.abs(delta_p_full - delta_p_numerical))
    max_abs_difference = float(max(d.max() for d in differences))
    # Rounding in the loss grows with the size of its terms, and the central
    # difference divides it by the step. The tolerance, 1e-6 of that scale, is
    # far above the resulting error, estimated at 1e-16 / step = 1e-10 of it.
    scale = (np.abs(delta_c).sum() * np.abs(kernel).sum()
             * max(1.0, float(np.abs(p).max())))
    tolerance = 1e-6 * max(1.0, float(scale))

    return PanelState(
        kernel=kernel, delta_c=delta_c, position=int(position), window=window,
        padded=padded, rotated=rotated, products=products,
        delta_p_chain=delta_p_chain, delta_p_full=delta_p_full,
        delta_p_numerical=delta_p_numerical, formula_terms=terms,
        symbol_values=values, formula_values=formula_values,
        max_abs_difference=max_abs_difference, tolerance=tolerance,
        finite_difference_step=FINITE_DIFFERENCE_STEP,
    )


def step_html(kernel, delta_c, position):
    """Return one step of the rotated kernel's walk as a displayable ``IPython.display.HTML``."""
    return HTML(render_window_view(compute_state(kernel, delta_c, position)))


def preset_kernel(name, shape, rng):
    """Return the kernel of preset ``name`` for ``shape``.

    "identity-like" has a single 1 at the top left, so δP is δC in the top-left
    corner with zeros after it. "edge detector" is +1 on the left half of the columns and -1 on
    the right half. "random" draws integers from -3 to 3 from ``rng``.
    """
    if name == "example":
        if EXAMPLE_K.shape != shape:
            raise ValueError(f"the example kernel has shape {EXAMPLE_K.shape}, "
                             f"not {shape}; choose another preset")
        return EXAMPLE_K.copy()
    if name == "identity-like":
        kernel = np.zeros(shape)
        kernel[0, 0] = 1.0
        return kernel
    if name == "edge detector":
        kernel = np.zeros(shape)
        half = shape[1] // 2
        kernel[:, :half] = 1.0
        kernel[:, shape[1] - half:] = -1.0
        return kernel
    if name == "all ones":
        return np.ones(shape)
    if name == "random":
        return rng.integers(-3, 4, size=shape).astype(float)
    raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESET_NAMES)}")


def _box_text(value):
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def parse_entry(text):
    """Return the float in ``text``, or raise ValueError with a short reason.

    Accepts 0 and magnitudes from MIN_ENTRY to MAX_ENTRY, written with "-" or
    the Unicode minus sign. The reason completes the sentence
    "<box>: '<text>' ...", for example "is not a number".
    """
    stripped = text.strip().replace(UNICODE_MINUS, "-")
    if not stripped:
        raise ValueError("is empty")
    try:
        value = float(stripped)
    except ValueError:
        if "," in stripped:
            raise ValueError("is not a number; use a point as the decimal separator, "
                             "e.g. 2.5") from None
        raise ValueError("is not a number") from None
    if math.isnan(value):
        raise ValueError("is NaN, not a number")
    # float() turns "1e400" into inf, so inf is reported as too large too.
    if abs(value) > MAX_ENTRY:
        raise ValueError(f"is too large: {ENTRY_RANGE}")
    if 0 < abs(value) < MIN_ENTRY:
        raise ValueError(f"is too small: {ENTRY_RANGE}")
    return value


def check_entries(name, values):
    """Raise ValueError unless every number of ``values`` is accepted by the boxes.

    The message names the element, its value and the allowed range.
    """
    for (i, j), value in np.ndenumerate(values):
        text = _box_text(value)
        try:
            parse_entry(text)
        except ValueError as error:
            raise ValueError(f"{name}[{i}, {j}] = {text} {error}") from None


class KernelPanel:
    """Entry boxes for K and δC, a window slider and five live views of δP.

    Parameters
    ----------
    kernel : array_like, shape (kh, kw)
        The starting kernel, also restored by Reset. Defaults to EXAMPLE_K.
    delta_c : array_like, shape (h, w)
        The starting δC, also restored by Reset. Defaults to EXAMPLE_DELTA_C.
        Each number of K and δC must be one the boxes accept: 0, or a
        magnitude from MIN_ENTRY to MAX_ENTRY. Others raise ValueError.
    seed : int
        Seeds the generator of the "random" preset, so a notebook run is
        reproducible.

    Attributes
    ----------
    widget : ipywidgets.VBox
        The whole panel; display it with :meth:`show`.
    kernel_boxes, delta_c_boxes : list of lists of ipywidgets.Text
    position : ipywidgets.IntSlider
    state : PanelState
        The state of the last good values, which every view shows.
    """

    def __init__(self, kernel=None, delta_c=None, seed=0):
        self.initial_kernel = as_float_array(
            "kernel", EXAMPLE_K if kernel is None else kernel)
        self.initial_delta_c = as_float_array(
            "delta_c", EXAMPLE_DELTA_C if delta_c is None else delta_c)
        # Reset writes these into the boxes, so they obey the boxes' rules.
        check_entries("kernel", self.initial_kernel)
        check_entries("delta_c", self.initial_delta_c)
        self.kernel = self.initial_kernel.copy()
        self.delta_c = self.initial_delta_c.copy()
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.errors = {}
        self._batch = False

        self.kernel_boxes = self._make_boxes("k", "rotconv-k", self.kernel, True)
        self.delta_c_boxes = self._make_boxes(DELTA_C_PREFIX, "rotconv-dc", self.delta_c,
                                              False)
        self.message = widgets.HTML(value="")
        self.message.add_class("rotconv-message")

        self.preset_buttons = {}
        for name in PRESET_NAMES:
            button = widgets.Button(description=name,
                                    layout=widgets.Layout(width=BUTTON_WIDTH),
                                    style={"font_size": WIDGET_FONT_SIZE})
            button.on_click(functools.partial(self._on_preset, name))
            self.preset_buttons[name] = button
        self.reset_button = widgets.Button(description="reset", button_style="warning",
                                           layout=widgets.Layout(width=BUTTON_WIDTH),
                                           style={"font_size": WIDGET_FONT_SIZE})
        self.reset_button.on_click(self._on_reset)

        positions = self._position_count()
        self.position = widgets.IntSlider(value=0, min=0, max=positions - 1,
                                          description="window", continuous_update=True,
                                          layout=widgets.Layout(width=SLIDER_WIDTH))
        self.position.add_class("rotconv-position")
        self.play = widgets.Play(value=0, min=0, max=positions - 1, interval=900)
        self.play.add_class("rotconv-play")
        self.play_link = widgets.jslink((self.play, "value"), (self.position, "value"))
        self.position.observe(self._on_position, names="value")

        self.views = {}
        for name in ("window-view", "formulas", "delta-p-chain", "delta-p-full",
                     "agreement"):
            view = widgets.HTML()
            view.add_class(f"rotconv-{name}")
            self.views[name] = view

        self.widget = self._layout()
        self.widget.add_class("rotconv-panel")
        self.refresh()

    # -- construction ---------------------------------------------------------

    def _make_boxes(self, prefix, css_prefix, values, is_kernel):
        boxes = []
        for i in range(values.shape[0]):
            row = []
            for j in range(values.shape[1]):
                name = element_name(prefix, i, j, values.shape)
                box = widgets.Text(value=_box_text(values[i, j]), description=name,
                                   continuous_update=False,
                                   layout=widgets.Layout(width=ENTRY_WIDTH),
                                   style={"description_width": ENTRY_LABEL_WIDTH,
                                          "font_size": WIDGET_FONT_SIZE})
                box.add_class(f"{css_prefix}-{name[len(prefix):]}")
                box.observe(functools.partial(self._on_entry, name, is_kernel, (i, j)),
                            names="value")
                row.append(box)
            boxes.append(row)
        return boxes

    def _grid(self, boxes, title):
        columns = len(boxes[0])
        grid = widgets.GridBox(
            [box for row in boxes for box in row],
            layout=widgets.Layout(grid_template_columns=f"repeat({columns}, auto)",
                                  grid_gap="2px 6px"))
        return widgets.VBox([widgets.HTML(f"<b>{title}</b>"), grid])

    def _layout(self):
        # The entries, presets and window slider share one row above two rows
        # of views, so that the panel fits a 1280x720 slide under its code cell.
        # The window view sits beside the δP tables, which outline the δp it gives.
        buttons = widgets.GridBox(
            [*self.preset_buttons.values(), self.reset_button],
            layout=widgets.Layout(
                grid_template_columns=f"repeat({PRESET_COLUMNS}, auto)",
                grid_gap="2px 4px"))
        presets = widgets.VBox([widgets.HTML("<b>kernel presets</b>"), buttons])
        controls = widgets.VBox([self.position, self.play])
        entries = widgets.HBox([self._grid(self.kernel_boxes, "K"),
                                self._grid(self.delta_c_boxes, "δC"), presets, controls],
                               layout=widgets.Layout(flex_flow="row wrap",
                                                     grid_gap="0 16px"))
        middle = widgets.HBox([self.views["window-view"], self.views["delta-p-chain"],
                               self.views["delta-p-full"]],
                              layout=widgets.Layout(flex_flow="row wrap"))
        bottom = widgets.HBox([self.views["formulas"], self.views["agreement"]],
                              layout=widgets.Layout(flex_flow="row wrap"))
        return widgets.VBox([entries, self.message, middle, bottom])

    def _position_count(self):
        kh, kw = self.kernel.shape
        return (self.delta_c.shape[0] + kh - 1) * (self.delta_c.shape[1] + kw - 1)

    # -- callbacks --------------------------------------------------------------

    def _on_entry(self, name, is_kernel, index, change):
        target = self.kernel if is_kernel else self.delta_c
        try:
            value = parse_entry(change["new"])
        except ValueError as error:
            self.errors[name] = (
                f"{html.escape(name)}: {html.escape(repr(change['new']))} {error}. "
                f"The last good value {format_number(target[index])} is kept."
            )
            self._show_errors()
            return
        self.errors.pop(name, None)
        target[index] = value
        self._show_errors()
        if not self._batch:
            self.refresh()

    def _on_position(self, change):
        self.refresh()

    # ipywidgets 8 only logs an exception raised in a button's callback, so a
    # rejected preset or reset is shown in the message instead.

    def _on_preset(self, name, _button=None):
        try:
            self.apply_preset(name)
        except ValueError as error:
            self._show_button_error(f"preset {name!r}", error)

    def _on_reset(self, _button=None):
        try:
            self.reset()
        except ValueError as error:
            self._show_button_error("reset", error)

    def _show_button_error(self, action, error):
        self.errors[BUTTON_MESSAGE_KEY] = (
            f"{html.escape(action)}: {html.escape(str(error))}. The boxes are unchanged.")
        self._show_errors()

    def _clear_button_error(self):
        if self.errors.pop(BUTTON_MESSAGE_KEY, None) is not None:
            self._show_errors()

    def _show_errors(self):
        lines = [f'<div style="color:#D55E00;">{text}</div>' for text in self.errors.values()]
        self.message.value = "".join(lines)

    # -- public methods ----------------------------------------------------------

    def set_values(self, kernel=None, delta_c=None):
        """Write new numbers into the boxes and redraw once.

        Clears the messages of the boxes written to, because their text is
        replaced by a good value.
        """
        updates = []
        for name, values, boxes in (("kernel", kernel, self.kernel_boxes),
                                    ("delta_c", delta_c, self.delta_c_boxes)):
            if values is None:
                continue
            values = as_float_array(name, values)
            expected = (len(boxes), len(boxes[0]))
            if values.shape != expected:
                raise ValueError(f"{name} has shape {values.shape}, but the panel's "
                                 f"boxes have shape {expected}")
            check_entries(name, values)
            for (i, j), value in np.ndenumerate(values):
                updates.append((boxes[i][j], _box_text(value)))

        # Every text is valid, so each change event stores its value and
        # clears the box's message; one refresh follows at the end.
        self._batch = True
        try:
            for box, text in updates:
                box.value = text
        finally:
            self._batch = False
        self.refresh()

    def apply_preset(self, name):
        """Put the kernel of preset ``name`` (one of PRESET_NAMES) into the K boxes.

        Raises ValueError for an unknown name, or for "example" when K does not
        have the shape of EXAMPLE_K. The preset buttons show that message.
        """
        self.set_values(kernel=preset_kernel(name, self.kernel.shape, self.rng))
        self._clear_button_error()

    def reset(self):
        """Restore the starting K and δC, window position 0, and the random preset's seed."""
        self.rng = np.random.default_rng(self.seed)
        self.set_values(kernel=self.initial_kernel, delta_c=self.initial_delta_c)
        self.position.value = 0
        self._clear_button_error()

    def refresh(self):
        """Recompute the state from the last good values and redraw every view."""
        self.state = compute_state(self.kernel, self.delta_c, self.position.value)
        state = self.state
        self.views["window-view"].value = render_window_view(state)
        self.views["formulas"].value = render_formulas(state)
        self.views["delta-p-chain"].value = render_delta_p_table(
            state.delta_p_chain, "δP by the chain rule", state.window)
        self.views["delta-p-full"].value = render_delta_p_table(
            state.delta_p_full, "δP by the full convolution", state.window)
        self.views["agreement"].value = render_agreement(state)

    def show(self):
        """Display the panel; outside a live kernel its static HTML shows instead."""
        display(self)

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_()
        bundle["text/plain"] = repr(self)
        bundle["text/html"] = render_panel(self.state)
        return bundle

    def __repr__(self):
        kernel = [[format_number(v) for v in row] for row in self.kernel]
        delta_c = [[format_number(v) for v in row] for row in self.delta_c]
        return (f"KernelPanel(kernel={kernel}, delta_c={delta_c}, "
                f"position={self.position.value})").replace("'", "")
