"""The worked example's numbers, shared by every notebook and test.

The kernel is not symmetric under any flip, transpose or rotation, and δC is
chosen so that each of the eight rotations and reflections of K gives a
different δP: a wrong rotation can never produce the right numbers here. The
tests check this property rather than trusting this comment.
"""

import numpy as np

__all__ = ["EXAMPLE_P", "EXAMPLE_K", "EXAMPLE_DELTA_C", "example_arrays"]

EXAMPLE_P = np.array([[1.0, 2.0, 0.0],
                      [3.0, -1.0, 2.0],
                      [0.0, 1.0, 4.0]])
EXAMPLE_P.flags.writeable = False

EXAMPLE_K = np.array([[1.0, 2.0],
                      [-1.0, 3.0]])
EXAMPLE_K.flags.writeable = False

EXAMPLE_DELTA_C = np.array([[2.0, -1.0],
                            [1.0, 4.0]])
EXAMPLE_DELTA_C.flags.writeable = False


def example_arrays():
    """Return writable copies of (P, K, δC) for code that edits them in place."""
    return EXAMPLE_P.copy(), EXAMPLE_K.copy(), EXAMPLE_DELTA_C.copy()
