"""Naive vs fast convolution and max pooling, forward + backward, on the course's two image shapes.

Run from the repository root:  .venv/bin/python bench/conv_speed.py [--repeat N]

Times nclib.fast_layers against two naive convolutions: nclib.conv, the reference, which loops over
output positions only (each step works on the whole batch and every filter at once), and the textbook
loop a student writes first, one Python iteration per output element (n, f, i, j), timed once since it
takes seconds. Shapes: the CIFAR-sized batch (N=50, C=3,
32x32, F=16 3x3 filters, stride 1, pad 1) and the digits shape (N=100, C=1, 8x8, F=8, 3x3, stride 1,
pad 1), and 2x2 stride-2 max pooling of those convolutions' outputs. Each figure is the median
wall-clock time of N repeats (default 5) of one forward and one backward pass, after one untimed
warm-up. If torch is importable, torch.nn.functional on the CPU (float64 and float32) is timed on the
same shapes, and the table adds fast time / torch time. The header says how many threads BLAS (and
torch) ran with: the script leaves the environment as it finds it. It asserts nothing: it prints
measured figures.
"""
import argparse
import statistics
import time

import machine  # bench/machine.py, beside this script
import numpy as np

from nclib import conv, fast_layers

CONV_SHAPES = {  # name: (N, C, H, W, F, HH, WW, stride, pad)
    "cifar": (50, 3, 32, 32, 16, 3, 3, 1, 1),
    "digits": (100, 1, 8, 8, 8, 3, 3, 1, 1),
}
POOL = {"pool_height": 2, "pool_width": 2, "stride": 2}

try:
    import torch
    import torch.nn.functional as torch_f
except ImportError:
    torch = None


def median_ms(run, repeat):
    """Median wall-clock milliseconds of `repeat` calls of run(), after one untimed call."""
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def loop_conv_forward(x, w, b, conv_param):
    """The textbook naive convolution: one Python iteration per output element."""
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, _, H, W = x.shape
    F, _, HH, WW = w.shape
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1))
    for n in range(N):
        for f in range(F):
            for i in range(out.shape[2]):
                for j in range(out.shape[3]):
                    window = xpad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (xpad, w, b, conv_param, x.shape)


def loop_conv_backward(dout, cache):
    xpad, w, b, conv_param, (N, C, H, W) = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    F, _, HH, WW = w.shape
    dxpad, dw = np.zeros_like(xpad), np.zeros_like(w)
    for n in range(N):
        for f in range(F):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    rows, cols = slice(i * stride, i * stride + HH), slice(j * stride, j * stride + WW)
                    dxpad[n, :, rows, cols] += dout[n, f, i, j] * w[f]
                    dw[f] += dout[n, f, i, j] * xpad[n, :, rows, cols]
    return dxpad[:, :, pad:pad + H, pad:pad + W], dw, dout.sum(axis=(0, 2, 3))


def numpy_conv(forward, backward, x, w, b, conv_param, dout):
    def run():
        _, cache = forward(x, w, b, conv_param)
        backward(dout, cache)
    return run


def numpy_pool(forward, backward, x, dout):
    def run():
        _, cache = forward(x, POOL)
        backward(dout, cache)
    return run


def torch_conv(x, w, b, conv_param, dout, dtype):
    x, w, b, dout = (torch.tensor(a, dtype=dtype) for a in (x, w, b, dout))
    for t in (x, w, b):
        t.requires_grad_(True)

    def run():
        x.grad = w.grad = b.grad = None  # fresh gradients, as the numpy layers return, not accumulated ones
        out = torch_f.conv2d(x, w, b, stride=conv_param["stride"], padding=conv_param["pad"])
        out.backward(dout)
    return run


def torch_pool(x, dout, dtype):
    x, dout = torch.tensor(x, dtype=dtype, requires_grad=True), torch.tensor(dout, dtype=dtype)

    def run():
        x.grad = None
        out = torch_f.max_pool2d(x, (POOL["pool_height"], POOL["pool_width"]), stride=POOL["stride"])
        out.backward(dout)
    return run


def workloads(rng):
    """(name, loop run or None, naive run, fast run, torch runs by dtype name), for each conv shape and
    its pooling."""
    for name, (N, C, H, W, F, HH, WW, stride, pad) in CONV_SHAPES.items():
        conv_param = {"stride": stride, "pad": pad}
        x = rng.standard_normal((N, C, H, W))
        w = rng.standard_normal((F, C, HH, WW))
        b = rng.standard_normal(F)
        out, _ = fast_layers.conv_forward_fast(x, w, b, conv_param)
        dout = rng.standard_normal(out.shape)
        yield (f"conv {name} {N}x{C}x{H}x{W} F={F} {HH}x{WW}",
               numpy_conv(loop_conv_forward, loop_conv_backward, x, w, b, conv_param, dout),
               numpy_conv(conv.conv_forward_naive, conv.conv_backward_naive, x, w, b, conv_param, dout),
               numpy_conv(fast_layers.conv_forward_fast, fast_layers.conv_backward_fast,
                          x, w, b, conv_param, dout),
               torch_runs(torch_conv, x, w, b, conv_param, dout))
        pooled, _ = fast_layers.max_pool_forward_fast(out, POOL)
        dpool = rng.standard_normal(pooled.shape)
        yield (f"pool {name} {'x'.join(map(str, out.shape))} 2x2/2", None,
               numpy_pool(conv.max_pool_forward_naive, conv.max_pool_backward_naive, out, dpool),
               numpy_pool(fast_layers.max_pool_forward_fast, fast_layers.max_pool_backward_fast, out, dpool),
               torch_runs(torch_pool, out, dpool))


def torch_runs(make, *args):
    if torch is None:
        return {}
    return {"f64": make(*args, dtype=torch.float64), "f32": make(*args, dtype=torch.float32)}


def thread_report():
    lines = machine.thread_report()
    if torch is not None:
        lines.append(f"torch {torch.__version__}: {torch.get_num_threads()} intra-op threads")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for line in thread_report():
        print(line)
    print(f"median of {args.repeat} repeats of forward + backward, milliseconds")
    if torch is None:
        print("torch not installed")

    header = f"{'workload':<40}{'loops':>10}{'naive':>10}{'fast':>9}{'loops/fast':>12}{'naive/fast':>12}"
    if torch is not None:
        header += f"{'torch f64':>11}{'torch f32':>11}{'fast/f64':>10}{'fast/f32':>10}"
    rows = []
    for name, loops, naive, fast, torch_by_dtype in workloads(np.random.default_rng(0)):
        naive_ms, fast_ms = median_ms(naive, args.repeat), median_ms(fast, args.repeat)
        if loops is None:
            row = f"{name:<40}{'-':>10}{naive_ms:>10.2f}{fast_ms:>9.2f}{'-':>12}{naive_ms / fast_ms:>11.1f}x"
        else:
            loops_ms = median_ms(loops, 1)
            row = (f"{name:<40}{loops_ms:>10.0f}{naive_ms:>10.2f}{fast_ms:>9.2f}{loops_ms / fast_ms:>11.0f}x"
                   f"{naive_ms / fast_ms:>11.1f}x")
        if torch is not None:
            torch_ms = {dtype: median_ms(run, args.repeat) for dtype, run in torch_by_dtype.items()}
            row += f"{torch_ms['f64']:>11.2f}{torch_ms['f32']:>11.2f}"
            row += f"{fast_ms / torch_ms['f64']:>9.1f}x{fast_ms / torch_ms['f32']:>9.1f}x"
        rows.append(row)
        print(f"  {name}: done", flush=True)
    print()
    print(header)
    for row in rows:
        print(row)


if __name__ == "__main__":
    main()
