"""One visual language for every figure and widget: colours by role and projector sizes.

The colours are the Okabe-Ito palette, which stays distinguishable under the
common forms of colour blindness. Each role keeps its colour in every notebook.
"""

import contextlib

import matplotlib as mpl

__all__ = ["ROLE_COLORS", "DIVERGING_CMAP", "projector_style"]

# Okabe, M. and Ito, K. (2008), "Color Universal Design", hex values as published.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}

ROLE_COLORS = {
    "input": OKABE_ITO["blue"],          # P and its elements p11 ..
    "kernel": OKABE_ITO["orange"],       # K, also when rotated
    "output": OKABE_ITO["reddish_purple"],  # C
    "window": OKABE_ITO["vermillion"],   # the window of the current position
    "gradient": OKABE_ITO["bluish_green"],  # δC, δP, δK
    "padding": "#BBBBBB",                # zeros added by pad_full
    "text": OKABE_ITO["black"],
}

# Blue for negative, white for zero, vermillion for positive values; symmetric
# colour limits make zero white in every panel.
DIVERGING_CMAP = mpl.colors.LinearSegmentedColormap.from_list(
    "rotconv_diverging", [OKABE_ITO["blue"], "#FFFFFF", OKABE_ITO["vermillion"]]
)

PROJECTOR_RC = {
    "font.size": 14,
    "axes.titlesize": 16,
    "axes.labelsize": 14,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.family": "DejaVu Sans",
}


@contextlib.contextmanager
def projector_style():
    """Apply font sizes readable on a projector inside a ``with`` block only.

    Importing the package leaves matplotlib's settings alone; figure helpers
    use this context so that their sizes do not depend on the caller.
    """
    with mpl.rc_context(PROJECTOR_RC):
        yield
