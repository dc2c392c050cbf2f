"""Time delta_p_full_conv against scipy.signal.convolve2d, and the teaching loops.

Run from the repository root:

    .venv/bin/python benchmarks/bench_numerics.py

Both functions compute the same δP, a 'full' convolution of δC with K, on a
size x size input with a kernel_size x kernel_size kernel. Their calls
alternate in one process, so load from other programs slows both alike, and the
ratio of the medians (below 1.0: the helper is faster) is the figure to compare
between machines. The element-by-element loops of delta_p_chain_rule_loops are
timed on a small input only, next to the vectorised helper on the same input.
"""

import platform
import sys
import time

import numpy as np
import scipy
import scipy.signal

import rotconv_helpers as rh

SIZE = 512
KERNEL_SIZE = 3
LOOP_SIZE = 32
REPEATS = 101
SEED = 0


def median_seconds(action, repeats):
    """Call ``action`` once to warm up, then ``repeats`` times; return the median in seconds."""
    action()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def alternate_medians(first, second, repeats):
    """Time two actions in alternation and return the median seconds of each."""
    first()
    second()
    times = np.empty((repeats, 2))
    for i in range(repeats):
        for column, action in enumerate((first, second)):
            start = time.perf_counter()
            action()
            times[i, column] = time.perf_counter() - start
    return float(np.median(times[:, 0])), float(np.median(times[:, 1]))


def measure(size=SIZE, kernel_size=KERNEL_SIZE, loop_size=LOOP_SIZE, repeats=REPEATS):
    """Time the δP routes and return a dict of median seconds and the ratio.

    Keys: ``full_conv`` and ``scipy`` on the large input, ``ratio`` =
    full_conv / scipy, and ``loops`` and ``full_conv_small`` on a
    loop_size x loop_size input. Raises AssertionError if a route disagrees
    with scipy, so a fast but wrong result cannot pass.
    """
    rng = np.random.default_rng(SEED)
    kernel = rng.normal(size=(kernel_size, kernel_size))
    output = size - kernel_size + 1
    delta_c = rng.normal(size=(output, output))

    expected = scipy.signal.convolve2d(delta_c, kernel, mode="full")
    np.testing.assert_allclose(rh.delta_p_full_conv(delta_c, kernel), expected, atol=1e-10)
    full_conv, reference = alternate_medians(
        lambda: rh.delta_p_full_conv(delta_c, kernel),
        lambda: scipy.signal.convolve2d(delta_c, kernel, mode="full"),
        repeats)

    small = delta_c[:loop_size - kernel_size + 1, :loop_size - kernel_size + 1]
    np.testing.assert_allclose(rh.delta_p_chain_rule_loops(small, kernel),
                               rh.delta_p_full_conv(small, kernel), atol=1e-12)
    loop_repeats = max(1, repeats // 10)
    loops = median_seconds(lambda: rh.delta_p_chain_rule_loops(small, kernel), loop_repeats)
    full_conv_small = median_seconds(lambda: rh.delta_p_full_conv(small, kernel), repeats)

    return {"full_conv": full_conv, "scipy": reference, "ratio": full_conv / reference,
            "loops": loops, "full_conv_small": full_conv_small}


def describe_machine():
    return (f"{platform.processor() or platform.machine()}, Python "
            f"{platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}")


def main():
    """Print the timings of :func:`measure` with the default sizes."""
    timings = measure()
    print(f"δP on a {SIZE}x{SIZE} input with a {KERNEL_SIZE}x{KERNEL_SIZE} kernel, "
          f"median of {REPEATS} alternating calls ({describe_machine()}):")
    print(f"  delta_p_full_conv            {timings['full_conv'] * 1e3:8.3f} ms")
    print(f"  scipy.signal.convolve2d      {timings['scipy'] * 1e3:8.3f} ms")
    print(f"  ratio (below 1.0: faster)    {timings['ratio']:8.2f}")
    print(f"Element-by-element loops on {LOOP_SIZE}x{LOOP_SIZE}:")
    print(f"  delta_p_chain_rule_loops     {timings['loops'] * 1e3:8.3f} ms")
    print(f"  delta_p_full_conv            {timings['full_conv_small'] * 1e3:8.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
