"""Time the interactive parts of the notebooks and print the figures.

Run from the repository root:

    .venv/bin/python benchmarks/benchmark.py            # every section
    .venv/bin/python benchmarks/benchmark.py --section widgets

Each section is a function in SECTIONS that measures one thing and prints its
lines. Every timing is a set of repetitions after a warm-up, reported as the
median and the 90th percentile. A reference measured in the same run
separates a slower machine from a slower change.
"""

import argparse
import json
import os
import platform
import sys
import time

import numpy as np

WARM_UP = 20
REPETITIONS = 200


def time_calls(action, repetitions, warm_up=WARM_UP):
    """Time ``repetitions`` calls of ``action(i)`` after ``warm_up`` untimed calls.

    Returns the duration of each timed call in seconds.
    """
    for i in range(warm_up):
        action(i)
    times = np.empty(repetitions)
    for i in range(repetitions):
        start = time.perf_counter()
        action(warm_up + i)
        times[i] = time.perf_counter() - start
    return times


def summarize(times):
    """Return the median and the 90th percentile of ``times`` in milliseconds."""
    return {"median_ms": float(np.median(times) * 1e3),
            "p90_ms": float(np.percentile(times, 90) * 1e3)}


def print_line(label, summary, reference=None):
    line = (f"  {label:<38} median {summary['median_ms']:8.3f} ms   "
            f"p90 {summary['p90_ms']:8.3f} ms")
    if reference is not None:
        line += f"   {summary['median_ms'] / reference['median_ms']:5.1f} x reference"
    print(line)


# ---------------------------------------------------------------------------
# Section: the widget panel of notebook 03
# ---------------------------------------------------------------------------

def measure_widgets(repetitions=REPETITIONS):
    """Drive a real KernelPanel through ``.value`` and time each kind of change.

    A kernel edit is one new text in the k11 box: parsing, compute_state and
    assigning the five HTML views. A position step moves the slider by one.
    The reference is one compute_state call on its own.
    """
    import rotconv_helpers as rh

    panel = rh.KernelPanel()
    box = panel.kernel_boxes[0][0]
    positions = panel.position.max + 1

    def edit_kernel(i):
        # Cycle through 21 values, so that each assignment changes the text and
        # the observer fires.
        box.value = str(i % 21 - 10 + 0.5)

    def step_position(i):
        panel.position.value = (panel.position.value + 1) % positions

    def compute_only(i):
        rh.compute_state(panel.kernel, panel.delta_c, i % positions)

    results = {
        "reference: one compute_state call": summarize(time_calls(compute_only, repetitions)),
        "kernel edit to every view redrawn": summarize(time_calls(edit_kernel, repetitions)),
        "one position step": summarize(time_calls(step_position, repetitions)),
    }
    for name, view in panel.views.items():
        if not view.value:
            raise RuntimeError(f"view {name} is empty after the benchmark")
    return results


def print_widget_results(results):
    reference = results["reference: one compute_state call"]
    for label, summary in results.items():
        print_line(label, summary, None if label.startswith("reference") else reference)


def section_widgets(repetitions):
    print(f"Widgets in this process (comm without a frontend), {repetitions} repetitions "
          f"after {WARM_UP} warm-up:")
    print_widget_results(measure_widgets(repetitions))


def section_widgets_in_kernel(repetitions):
    """Run measure_widgets inside a real ipykernel, where every view change is sent over ZMQ.

    The kernel listens on 127.0.0.1 only (jupyter_client's default), and its
    warning about unencrypted TCP refers to that local connection.
    """
    from jupyter_client.manager import start_new_kernel

    print(f"Widgets in an ipykernel (messages serialised and sent, no browser), "
          f"{repetitions} repetitions after {WARM_UP} warm-up:")
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        code = (
            f"import sys, json; sys.path.insert(0, {os.path.dirname(__file__)!r})\n"
            f"import benchmark\n"
            f"print(json.dumps(benchmark.measure_widgets({repetitions})))\n"
        )
        output = []

        def collect(message):
            if message["msg_type"] == "stream" and message["content"]["name"] == "stdout":
                output.append(message["content"]["text"])
            elif message["msg_type"] == "error":
                output.append("\n".join(message["content"]["traceback"]))

        reply = client.execute_interactive(code, timeout=600, output_hook=collect)
        if reply["content"]["status"] != "ok":
            raise RuntimeError("the benchmark failed in the kernel:\n" + "".join(output))
        print_widget_results(json.loads("".join(output)))
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def section_numerics(repetitions):
    """Time delta_p_full_conv against scipy.signal.convolve2d (bench_numerics.py).

    That script sets its own repetitions, so ``repetitions`` is not used.
    """
    import bench_numerics

    bench_numerics.main()


SECTIONS = {
    "widgets": section_widgets,
    "widgets-in-kernel": section_widgets_in_kernel,
    "numerics": section_numerics,
}


def describe_machine():
    import ipywidgets

    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, numpy {np.__version__}, "
            f"ipywidgets {ipywidgets.__version__}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--section", choices=sorted(SECTIONS), action="append",
                        help="run only this section (repeatable); default: all")
    parser.add_argument("--repetitions", type=int, default=REPETITIONS,
                        help=f"timed repetitions per measurement (default {REPETITIONS})")
    args = parser.parse_args(argv)
    if args.repetitions < 1:
        parser.error(f"--repetitions must be at least 1, got {args.repetitions}")

    print(describe_machine())
    for name in args.section or SECTIONS:
        print()
        SECTIONS[name](args.repetitions)
    return 0


if __name__ == "__main__":
    sys.exit(main())
