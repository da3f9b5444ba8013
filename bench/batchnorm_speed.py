"""Staged vs closed-form batch normalisation backward pass, on the course's large shape and a small one.

Run from the repository root:  .venv/bin/python bench/batchnorm_speed.py [--repeat N]

Times nclib.batchnorm.batchnorm_backward (one step per node of the computational graph: about a dozen
passes over (N, D) arrays, several alive at once) against batchnorm_backward_alt (the closed form, built
in one (N, D) array updated in place: five passes), on (N, D) = (512, 1024) float64, the notebook's
timing shape, and (100, 64), a digits-net hidden layer. The forward pass runs once, outside the timing;
each figure is the median wall-clock time of N repeats (default 20) of one backward call, after one
untimed warm-up, with the largest relative error between the two results (a fast but wrong alt would
show) and the minor page faults per call.

The page faults are why there are two tables. A (512, 1024) float64 array is 4 MB, 1024 pages; whether
glibc's malloc hands a call recycled memory or fresh pages from the kernel, which must map each one on
first touch, depends on the sizes it has seen freed before, and costs milliseconds here, more than the
arithmetic. The first table is the process as it starts (the allocator's default, dynamic thresholds,
as in a student's notebook); the second is after mallopt (glibc only, through ctypes) tells the
allocator to keep and reuse freed memory, so that both functions run without page faults: that ratio
is the arithmetic and memory traffic alone. Compare times only at equal fault counts.

The header says how many threads BLAS ran with (the backward passes are elementwise operations and
sums, which NumPy runs on one thread whatever BLAS is set to): the script leaves the environment as it
finds it. It asserts nothing: it prints measured figures.
"""
import argparse
import ctypes
import ctypes.util
import platform
import statistics
import time

import machine  # bench/machine.py, beside this script
import numpy as np

from nclib.batchnorm import batchnorm_backward, batchnorm_backward_alt, batchnorm_forward
from nclib.gradcheck import rel_error

try:
    import resource  # Unix only: counts the page faults of a call
except ImportError:
    resource = None

SHAPES = {"notebook": (512, 1024), "digits hidden": (100, 64)}
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
KEEP_BYTES = 32 * 1024 * 1024  # the largest mmap threshold glibc accepts on 64-bit systems


def median_ms(run, repeat):
    """(median wall-clock milliseconds, minor page faults per call, nan without the resource module)
    of `repeat` calls of run(), after one untimed call."""
    run()
    times = []
    faults = _minor_faults()
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times), (_minor_faults() - faults) / repeat


def _minor_faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt if resource is not None else float("nan")


def keep_freed_memory():
    """Ask glibc's malloc to serve allocations up to 32 MB from its heap and never give freed memory
    back to the kernel. Returns None on success, else why it could not."""
    name = ctypes.util.find_library("c")
    if platform.system() != "Linux" or name is None:
        return f"not glibc ({platform.system()})"
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError) as error:
        return f"no mallopt in {name}: {error}"
    if not (mallopt(M_MMAP_THRESHOLD, KEEP_BYTES) and mallopt(M_TRIM_THRESHOLD, 4 * KEEP_BYTES)):
        return "mallopt refused the thresholds"
    return None


def workloads():
    rng = np.random.default_rng(0)
    for name, (N, D) in SHAPES.items():
        x = 3.0 * rng.standard_normal((N, D)) + 1.0
        gamma, beta, dout = rng.standard_normal(D), rng.standard_normal(D), rng.standard_normal((N, D))
        _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
        yield f"{name} {N}x{D}", dout, cache


def table(title, repeat):
    rows = [title, f"{'workload':<26}{'staged':>10}{'alt':>10}{'staged/alt':>12}{'max rel error':>15}"
                   f"{'faults staged':>15}{'faults alt':>12}"]
    for name, dout, cache in workloads():
        error = max(rel_error(s, a) for s, a in zip(batchnorm_backward(dout, cache),
                                                        batchnorm_backward_alt(dout, cache)))
        staged_ms, staged_faults = median_ms(lambda: batchnorm_backward(dout, cache), repeat)
        alt_ms, alt_faults = median_ms(lambda: batchnorm_backward_alt(dout, cache), repeat)
        rows.append(f"{name:<26}{staged_ms:>10.3f}{alt_ms:>10.3f}{staged_ms / alt_ms:>11.1f}x{error:>15.1e}"
                    f"{staged_faults:>15.0f}{alt_faults:>12.0f}")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    for line in machine.thread_report():
        print(line)
    print(f"median of {args.repeat} repeats of one backward call, milliseconds (float64); "
          "faults: minor page faults per call")
    print()
    for row in table("allocator as the process starts", args.repeat):
        print(row)
    print()
    why_not = keep_freed_memory()
    if why_not is not None:
        print(f"allocator keeping freed memory: not measured, {why_not}")
        return
    for row in table("allocator keeping freed memory (glibc mallopt)", args.repeat):
        print(row)


if __name__ == "__main__":
    main()
