"""Comparisons, figures and a widget for stride, padding and a real image.

The notebook "Beyond the example" calls these so that its cells stay short. Each
comparison returns a small result object, each ``plot_*`` function returns a
Figure without showing it, and the widget is a thin shell around
:func:`compare_routes` and :func:`plot_routes`.
"""

import dataclasses
import io
import numbers

import matplotlib.cbook
import matplotlib.pyplot as plt
import numpy as np

from .channels import (
    correlate_valid_channels,
    delta_k_channels,
    delta_p_full_conv_channels,
)
from .figures import plot_heatmaps
from .numerics import (
    check_stride_padding,
    correlate_output_shape,
    correlate_valid,
    delta_p_chain_rule,
    delta_p_full_conv,
    loss_gradient_numerical,
)
from .style import DIVERGING_CMAP, ROLE_COLORS, projector_style

__all__ = [
    "RouteComparison",
    "compare_routes",
    "plot_routes",
    "StridePaddingExplorer",
    "load_sample_image",
    "plot_image_backprop",
    "round_for_display",
    "check_torch_conventions",
    "compare_with_torch",
]

# Integer example values keep every displayed number short.
VALUE_RANGE = (-3, 4)
# Differences are rounded to this many decimals before display, so that the
# text does not depend on rounding noise of one machine.
DISPLAY_DECIMALS = 6
# The widget's heatmaps are drawn at most this many pixels high, so that the
# sliders and the heatmaps fit a 1280x720 slide together.
EXPLORER_IMAGE_MAX_HEIGHT = 400
# The photograph figure: five panels in one row, small enough to keep the
# stored notebook light and wide enough to read on a slide.
IMAGE_FIGURE_SIZE = (8.0, 2.4)


def round_for_display(value):
    """Round a difference to 6 decimals for display: rounding noise below 5e-7 shows as 0.0."""
    return round(float(value), DISPLAY_DECIMALS) + 0.0


# ---------------------------------------------------------------------------
# Both routes and finite differences on one small example
# ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class RouteComparison:
    """δP of one example by the chain rule, the full convolution and finite differences."""

    p: np.ndarray
    kernel: np.ndarray
    delta_c: np.ndarray
    stride: tuple
    padding: tuple
    chain_rule: np.ndarray
    full_conv: np.ndarray
    numerical: np.ndarray

    @property
    def routes_difference(self):
        """Max |chain rule - full convolution|, rounded for display."""
        return round_for_display(np.max(np.abs(self.chain_rule - self.full_conv)))

    @property
    def numerical_difference(self):
        """Max |full convolution - finite differences|, rounded for display."""
        return round_for_display(np.max(np.abs(self.full_conv - self.numerical)))

    def __repr__(self):
        return (f"RouteComparison(P {self.p.shape}, K {self.kernel.shape}, "
                f"stride {self.stride}, padding {self.padding}, C {self.delta_c.shape}: "
                f"max |chain rule - full conv| = {self.routes_difference}, "
                f"max |full conv - finite differences| = {self.numerical_difference})")


def compare_routes(input_shape, kernel_shape, stride=1, padding=0, seed=0):
    """Draw a small integer example and compute δP by both routes and by finite differences.

    P, K and δC get random integers in [-3, 3] from ``np.random.default_rng(seed)``.
    Raises ValueError, from :func:`correlate_output_shape`, when the kernel does
    not fit the padded input.
    """
    stride, padding = check_stride_padding(stride, padding)
    output_shape = correlate_output_shape(input_shape, kernel_shape, stride, padding)
    rng = np.random.default_rng(seed)
    p = rng.integers(*VALUE_RANGE, size=input_shape).astype(float)
    kernel = rng.integers(*VALUE_RANGE, size=kernel_shape).astype(float)
    delta_c = rng.integers(*VALUE_RANGE, size=output_shape).astype(float)
    keywords = {"stride": stride, "padding": padding}
    return RouteComparison(
        p=p, kernel=kernel, delta_c=delta_c, stride=stride, padding=padding,
        chain_rule=delta_p_chain_rule(delta_c, kernel, p.shape, **keywords),
        full_conv=delta_p_full_conv(delta_c, kernel, p.shape, **keywords),
        numerical=loss_gradient_numerical(p, kernel, delta_c, **keywords),
    )


def plot_routes(comparison):
    """Draw δP by the chain rule, the full convolution and finite differences as heatmaps."""
    return plot_heatmaps(
        [comparison.chain_rule, comparison.full_conv, comparison.numerical],
        ["δP, chain rule", "δP, full convolution", "δP, finite differences"],
        prefix="δp")


# ---------------------------------------------------------------------------
# The widget
# ---------------------------------------------------------------------------

class StridePaddingExplorer:
    """Sliders for the input and kernel size, the stride and the padding, and δP by both routes.

    Every change recomputes :func:`compare_routes` and shows the three δP
    heatmaps as a PNG in an Image widget, with the shapes and differences as
    HTML. The callbacks assign widget values and print nothing, so the stored
    notebook output is the same on every run.

    Parameters
    ----------
    input_shape, kernel_shape : pair of ints
        Starting (rows, columns), each from 1 to ``max_size``.
    stride : int
        Starting stride for rows and columns alike, from 1 to ``max_size``.
    padding : int
        Starting padding for rows and columns alike, from 0 to ``max_size // 2``.
    seed : int
        Seeds the random integer example of :func:`compare_routes`.
    max_size : int
        The upper end of the size and stride sliders, at least 1.

    Raises TypeError for a value that is not an int (or a pair of ints) and
    ValueError for a value outside its slider's range, because a slider would
    clamp it silently.
    """

    def __init__(self, input_shape=(5, 5), kernel_shape=(3, 3), stride=2, padding=0,
                 seed=0, max_size=7):
        import ipywidgets as widgets

        # An IntSlider clamps a value outside its range without a word, so
        # the explorer would show other settings than the ones requested.
        _check_slider_int("max_size", max_size, 1, None)
        input_shape = _check_slider_pair("input_shape", input_shape, 1, max_size)
        kernel_shape = _check_slider_pair("kernel_shape", kernel_shape, 1, max_size)
        _check_slider_int("stride", stride, 1, max_size)
        _check_slider_int("padding", padding, 0, max_size // 2)
        self.seed = seed
        self.sliders = {
            "rows": widgets.IntSlider(value=input_shape[0], min=1, max=max_size,
                                      description="H"),
            "cols": widgets.IntSlider(value=input_shape[1], min=1, max=max_size,
                                      description="W"),
            "kernel_rows": widgets.IntSlider(value=kernel_shape[0], min=1, max=max_size,
                                             description="kh"),
            "kernel_cols": widgets.IntSlider(value=kernel_shape[1], min=1, max=max_size,
                                             description="kw"),
            "stride": widgets.IntSlider(value=stride, min=1, max=max_size, description="stride"),
            "padding": widgets.IntSlider(value=padding, min=0, max=max_size // 2,
                                         description="padding"),
        }
        self.summary = widgets.HTML()
        # A VBox stretches its children to its width, which would scale the
        # image up past EXPLORER_IMAGE_MAX_HEIGHT; flex-start keeps its own size.
        self.image = widgets.Image(format="png", layout=widgets.Layout(align_self="flex-start"))
        controls = widgets.HBox([
            widgets.VBox(list(self.sliders.values())[:3]),
            widgets.VBox(list(self.sliders.values())[3:]),
            self.summary,
        ])
        self.widget = widgets.VBox([controls, self.image])
        for slider in self.sliders.values():
            slider.observe(self.update, names="value")
        self.update()

    @property
    def settings(self):
        """The current (input_shape, kernel_shape, stride, padding) from the sliders."""
        values = {name: slider.value for name, slider in self.sliders.items()}
        return ((values["rows"], values["cols"]),
                (values["kernel_rows"], values["kernel_cols"]),
                values["stride"], values["padding"])

    def update(self, change=None):
        """Recompute the comparison for the slider values and redraw."""
        input_shape, kernel_shape, stride, padding = self.settings
        try:
            self.comparison = compare_routes(input_shape, kernel_shape, stride, padding,
                                             self.seed)
        except ValueError as error:
            self.comparison = None
            self.summary.value = f"<p style='color:{ROLE_COLORS['window']}'>{error}</p>"
            self.image.value = b""
            return
        self.summary.value = summary_html(self.comparison)
        figure = plot_routes(self.comparison)
        self.image.value = png_bytes(figure, EXPLORER_IMAGE_MAX_HEIGHT)
        plt.close(figure)

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_()
        bundle["text/plain"] = repr(self)
        bundle["text/html"] = self.summary.value
        return bundle

    def __repr__(self):
        input_shape, kernel_shape, stride, padding = self.settings
        return (f"StridePaddingExplorer(input_shape={input_shape}, "
                f"kernel_shape={kernel_shape}, stride={stride}, padding={padding})")


def _check_slider_int(name, value, minimum, maximum):
    """Raise TypeError unless ``value`` is one int, and ValueError unless it is in range.

    ``maximum`` None means no upper limit.
    """
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be one int, got {value!r}")
    if value < minimum and maximum is None:
        raise ValueError(f"{name} = {value} is too small; it must be at least {minimum}")
    if maximum is not None and not minimum <= value <= maximum:
        hint = ", or raise max_size" if value > maximum else ""
        raise ValueError(f"{name} = {value} is outside the slider range {minimum} .. "
                         f"{maximum}; pass a value in that range{hint}")


def _check_slider_pair(name, value, minimum, maximum):
    """Return ``value`` as a (rows, columns) tuple of ints in minimum .. maximum, or raise."""
    usage = f"{name} must be a pair (rows, columns) of ints, got {value!r}"
    try:
        pair = tuple(value)
    except TypeError:
        raise TypeError(usage) from None
    if len(pair) != 2:
        raise ValueError(usage)
    for index, item in enumerate(pair):
        if not isinstance(item, numbers.Integral) or isinstance(item, bool):
            raise TypeError(f"{name}[{index}] must be an int, got {item!r}")
        _check_slider_int(f"{name}[{index}]", item, minimum, maximum)
    return tuple(int(item) for item in pair)


def png_bytes(figure, max_height):
    """Return the figure as PNG bytes at most ``max_height`` pixels high.

    A figure that would be taller at its own dpi is saved again at a lower
    dpi, which shrinks it evenly, text included.
    """
    def save(dpi):
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", bbox_inches="tight", dpi=dpi)
        return buffer.getvalue()

    data = save(figure.dpi)
    # Bytes 20 to 23 of a PNG contain its height in pixels (in the IHDR chunk).
    height = int.from_bytes(data[20:24], "big")
    if height <= max_height:
        return data
    # Aiming one pixel below max_height leaves room for rounding of the tight box.
    return save(figure.dpi * (max_height - 1) / height)


def summary_html(comparison):
    """Return the shapes and differences of a comparison as a small HTML table.

    Two name-value pairs share each row, shapes in the first two rows and
    differences in the last, so the table is no taller than the three rows of
    sliders beside it.
    """
    rows = [
        (("P", comparison.p.shape), ("δP", comparison.full_conv.shape)),
        (("K", comparison.kernel.shape), ("C and δC", comparison.delta_c.shape)),
        (("max |chain rule − full conv|", comparison.routes_difference),
         ("max |full conv − finite diff.|", comparison.numerical_difference)),
    ]
    cell = "<td style='padding:2px 12px 2px 0; border:none'>{}</td>"
    body = "".join("<tr>" + "".join(cell.format(name) + cell.format(value)
                                    for name, value in row) + "</tr>"
                   for row in rows)
    return f"<table style='font-size:15px; border-collapse:collapse'>{body}</table>"


# ---------------------------------------------------------------------------
# A real image
# ---------------------------------------------------------------------------

def load_sample_image(name="grace_hopper.jpg", size=512):
    """Load one of matplotlib's bundled sample images as a grey float64 array in [0, 1].

    The image comes from ``matplotlib.cbook.get_sample_data``, so nothing is
    downloaded. The function returns the top-left ``size`` x ``size`` part, with the RGB
    channels averaged.
    """
    with matplotlib.cbook.get_sample_data(name) as file:
        image = plt.imread(file, format=name.rsplit(".", 1)[-1])
    grey = np.asarray(image, dtype=float)
    if grey.ndim == 3:
        grey = grey[..., :3].mean(axis=2)
    if grey.max() > 1.0:
        grey = grey / 255.0
    if size > min(grey.shape):
        raise ValueError(f"size {size} is larger than the image {name} of shape "
                         f"{grey.shape[:2]}; use size <= {min(grey.shape)}")
    return grey[:size, :size]


def plot_image_backprop(image, c, delta_c, delta_p_chain, delta_p_full):
    """Show the image, C, δC and δP by both routes side by side.

    C and δC use one symmetric colour scale, and both δP panels share another,
    so that equal values look equal. Each scale ends at the 99th percentile of
    the absolute values, and larger values get the end colour: the few
    strongest edges would otherwise leave every other pixel near white.
    """
    panels = [("P\nimage", image, "gray", None), ("C\n", c, DIVERGING_CMAP, c),
              ("δC\n", delta_c, DIVERGING_CMAP, c),
              ("δP\nchain rule", delta_p_chain, DIVERGING_CMAP, delta_p_full),
              ("δP\nfull conv", delta_p_full, DIVERGING_CMAP, delta_p_full)]
    with projector_style():
        figure, axes = plt.subplots(1, len(panels), figsize=IMAGE_FIGURE_SIZE)
        for ax, (title, array, cmap, scale) in zip(axes, panels):
            limit = None if scale is None else float(np.percentile(np.abs(scale), 99))
            ax.imshow(array, cmap=cmap, vmin=None if limit is None else -limit, vmax=limit)
            ax.set_title(title)
            ax.set_xticks([])
            ax.set_yticks([])
        figure.tight_layout()
    return figure


# ---------------------------------------------------------------------------
# Optional cross-check with PyTorch
# ---------------------------------------------------------------------------

TORCH_CASES = [
    # (in_channels, out_channels, input_shape, kernel_shape, stride, padding)
    (1, 1, (3, 3), (2, 2), 1, 0),
    (1, 1, (7, 6), (3, 2), 2, 1),
    (2, 3, (6, 7), (2, 3), (2, 1), (1, 0)),
]


def check_torch_conventions(p, kernel, delta_c):
    """Check PyTorch's names on one example, or return None when torch is not installed.

    Returns a dict from each claim to True or False: ``conv2d`` equals
    :func:`correlate_valid` (a cross-correlation), autograd's input gradient
    equals :func:`delta_p_full_conv`, and so does ``conv_transpose2d`` of δC.
    """
    try:
        import torch
        import torch.nn.functional as functional
    except ModuleNotFoundError:
        return None
    p_tensor = torch.tensor(np.asarray(p, dtype=float)[None, None], requires_grad=True)
    k_tensor = torch.tensor(np.asarray(kernel, dtype=float)[None, None])
    dc_tensor = torch.tensor(np.asarray(delta_c, dtype=float)[None, None])
    c = functional.conv2d(p_tensor, k_tensor)
    c.backward(dc_tensor)
    delta_p = delta_p_full_conv(delta_c, kernel)
    transposed = functional.conv_transpose2d(dc_tensor, k_tensor)
    return {
        "conv2d(P, K) == correlate_valid(P, K)":
            bool(np.allclose(c.detach().numpy()[0, 0], correlate_valid(p, kernel))),
        "autograd δP == delta_p_full_conv(δC, K)":
            bool(np.allclose(p_tensor.grad.numpy()[0, 0], delta_p)),
        "conv_transpose2d(δC, K) == delta_p_full_conv(δC, K)":
            bool(np.allclose(transposed.numpy()[0, 0], delta_p)),
    }


def compare_with_torch(seed=0):
    """Compare C, δP and δW with torch.autograd in float64, or return None without torch.

    Returns a list of dicts, one per case of ``TORCH_CASES``, with the case and
    the max absolute difference of each quantity, rounded for display.
    """
    try:
        import torch
        import torch.nn.functional as functional
    except ModuleNotFoundError:
        return None
    rng = np.random.default_rng(seed)
    results = []
    for in_channels, out_channels, input_shape, kernel_shape, stride, padding in TORCH_CASES:
        x = rng.normal(size=(in_channels,) + input_shape)
        weights = rng.normal(size=(out_channels, in_channels) + kernel_shape)
        output_shape = correlate_output_shape(input_shape, kernel_shape, stride, padding)
        delta_c = rng.normal(size=(out_channels,) + output_shape)

        x_tensor = torch.tensor(x[None], requires_grad=True)
        w_tensor = torch.tensor(weights, requires_grad=True)
        c = functional.conv2d(x_tensor, w_tensor, stride=stride, padding=padding)
        c.backward(torch.tensor(delta_c[None]))

        ours = (correlate_valid_channels(x, weights, stride, padding),
                delta_p_full_conv_channels(delta_c, weights, input_shape, stride=stride,
                                           padding=padding),
                delta_k_channels(x, delta_c, stride, padding, kernel_shape=kernel_shape))
        theirs = (c.detach().numpy()[0], x_tensor.grad.numpy()[0], w_tensor.grad.numpy())
        differences = [round_for_display(np.max(np.abs(a - b))) for a, b in zip(ours, theirs)]
        results.append({"channels": (in_channels, out_channels), "input": input_shape,
                        "kernel": kernel_shape, "stride": stride, "padding": padding,
                        "C": differences[0], "δP": differences[1], "δW": differences[2]})
    return results
