"""Helpers for the rotconv notebooks: backpropagation through a convolution layer.

Glossary, used in every function, figure and notebook:

- P, p: the layer input (the pooling layer's output), shape (H, W). Its elements
  are p11 .. pHW with 1-based indices, and also P1, P2, .. numbered row by row.
- K, k: the kernel, shape (kh, kw), elements k11 .. .
- C, c: the layer output, shape (H - kh + 1, W - kw + 1), elements c11 .. .
- δ: a gradient of the loss L, so δC = ∂L/∂C, δP = ∂L/∂P and δK = ∂L/∂K.
- 'valid' and 'full': the output sizes of scipy.signal, with no padding and with
  kh - 1, kw - 1 rows and columns of zeros on every side.

The forward pass is a cross-correlation (the kernel is not flipped), as in CNN
libraries. The backward pass for the input is δP = correlate_valid(pad_full(δC),
rot180(K)), which equals the true full convolution of δC with K.

Importing the package changes no global state: no random seed, no matplotlib
settings.
"""

from .numerics import (
    correlate_output_shape,
    correlate_valid,
    convolve_full,
    delta_k,
    delta_p_chain_rule,
    delta_p_chain_rule_loops,
    delta_p_full_conv,
    dilate,
    loss_gradient_numerical,
    numerical_gradient,
    pad_full,
    rot180,
)
from .symbolic import (
    correlate_valid_symbolic,
    delta_p_full_conv_symbolic,
    element_name,
    element_number,
    formula_latex,
    forward_formulas,
    gradient_formulas,
    gradient_terms,
    symbol_matrix,
)
from .style import DIVERGING_CMAP, ROLE_COLORS, projector_style
from .examples import EXAMPLE_DELTA_C, EXAMPLE_K, EXAMPLE_P, example_arrays
from .figures import (
    GradientStep,
    covering_outputs,
    draw_matrix,
    format_value,
    forward_latex,
    math_name,
    plot_forward_windows,
    plot_gradient_cover,
    plot_heatmaps,
    plot_index_map,
    plot_matrices,
    show_gradient,
    symbol_values,
)
from .interactive import (
    KernelPanel,
    PanelState,
    compute_state,
    format_number,
    step_html,
)
from .interactive_render import (
    render_matrices,
    render_padding,
    render_rotation,
    render_scatter_gather,
)
from .feedback import AnswerFormatError, CheckResult, CheckTable
from .exercises import (
    EXERCISE_DELTA_C,
    EXERCISE_K,
    EXERCISE_P,
    check_delta_p_value,
    check_gradient_terms,
    check_one_hot_delta_p,
    check_output_shape,
    check_output_value,
    check_outputs_fed,
    check_padded_shape,
    check_rot180,
    check_single_element_windows,
    check_window_elements,
    one_hot,
)
from .candidates import check_delta_p, check_passing_kernels, weak_check_table
from .channels import (
    correlate_valid_channels,
    delta_k_channels,
    delta_p_chain_rule_channels,
    delta_p_full_conv_channels,
    numerical_gradients_channels,
)
from .beyond import (
    RouteComparison,
    StridePaddingExplorer,
    check_torch_conventions,
    compare_routes,
    compare_with_torch,
    load_sample_image,
    plot_image_backprop,
    plot_routes,
    round_for_display,
)
