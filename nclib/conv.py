"""Convolution and max pooling, naive forward/backward pairs (reference solutions).

"Naive" means these loop over the output positions (i, j) in Python, as the exercise asks; each step
works on the whole batch and every channel and filter at once, through tensordot. They are the
reference the fast layers (nclib.fast_layers) are tested against.

Convolution is cross-correlation, as deep-learning libraries define it (the kernel is not flipped):

    out[n, f, i, j] = b[f] + sum_{c, k, l} w[f, c, k, l] * xpad[n, c, i * stride + k, j * stride + l]

where xpad is x with `pad` zeros on both sides of its height and width. Every forward returns
(out, cache); every backward takes (dout, cache) with dout of out's shape. All arrays are float64:
inputs are converted with numpy.asarray(..., dtype=float64), which returns a float64 array itself,
so a gradient check that perturbs x in place is seen by the cache.
"""
import numpy as np

from nclib.input_checks import checked_dout, checked_int, conv_input, output_size, pool_input


def conv_output_size(size, kernel, stride, pad, name="size"):
    """Output length of a convolution or pooling window along one dimension.

    Args:
        size: int >= 0, the input length (H or W).
        kernel: int >= 1, the window length (HH or WW).
        stride: int >= 1.
        pad: int >= 0, zeros added at each end.
        name: the dimension's name in error messages, e.g. "height" or "width".
    Returns:
        int: (size + 2 * pad - kernel) // stride + 1.
    Raises:
        ValueError, naming the dimension, if the window is longer than the padded input or if
        (size + 2 * pad - kernel) is not a multiple of stride (the windows would not tile the input
        exactly), or if an argument is not an integer in its range.
    """
    size = checked_int(size, 0, f"{name} (input size)")
    kernel = checked_int(kernel, 1, f"{name} (kernel size)")
    stride = checked_int(stride, 1, "stride")
    pad = checked_int(pad, 0, "pad")
    return output_size(size, kernel, stride, pad, name)


def conv_param_count(C, F, HH, WW):
    """Number of learnable parameters of a convolutional layer: F * C * HH * WW weights plus F biases.

    Args:
        C: int >= 1, input channels.
        F: int >= 1, filters (output channels).
        HH, WW: int >= 1, kernel height and width.
    Returns:
        int.
    """
    C, F = checked_int(C, 1, "C"), checked_int(F, 1, "F")
    HH, WW = checked_int(HH, 1, "HH"), checked_int(WW, 1, "WW")
    return F * C * HH * WW + F


def conv_forward_naive(x, w, b, conv_param):
    """Convolutional layer (cross-correlation, zero padding), looping over output positions.

    Args:
        x: (N, C, H, W) inputs.
        w: (F, C, HH, WW) filters.
        b: (F,) biases.
        conv_param: dict with 'stride' (int >= 1) and 'pad' (int >= 0, zeros on both sides of H and W).
    Returns:
        out: (N, F, H', W') float64, H' = (H + 2 pad - HH) // stride + 1, W' likewise.
        cache: (x, w, b, conv_param).
    Raises:
        ValueError on a bad shape or parameter, or when the windows do not tile the padded height or
        width exactly (the message says which).
    """
    x, w, b, stride, pad, (Hout, Wout) = conv_input(x, w, b, conv_param)
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape

    xpad = _pad(x, pad)
    out = np.empty((N, F, Hout, Wout))
    for i in range(Hout):
        for j in range(Wout):
            window = xpad[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    out += b[None, :, None, None]
    return out, (x, w, b, conv_param)


def conv_backward_naive(dout, cache):
    """Convolutional layer, backward.

    Each output position (i, j) saw one window of the padded input: its upstream gradient flows back to
    that window through w (for dx) and to w through that window (for dw). Windows overlap when
    stride < kernel size, so both accumulate.

    Args:
        dout: (N, F, H', W') upstream gradient.
        cache: (x, w, b, conv_param) from conv_forward_naive.
    Returns:
        dx: (N, C, H, W), dw: (F, C, HH, WW), db: (F,), all float64.
    """
    x, w, b, stride, pad, (Hout, Wout) = conv_input(*cache)
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    dout = checked_dout(dout, (N, F, Hout, Wout), "(N, F, H', W')", np.float64)

    xpad = _pad(x, pad)
    dxpad = np.zeros_like(xpad)
    dw = np.zeros_like(w)
    for i in range(Hout):
        for j in range(Wout):
            rows = slice(i * stride, i * stride + HH)
            cols = slice(j * stride, j * stride + WW)
            d = dout[:, :, i, j]  # (N, F)
            dxpad[:, :, rows, cols] += np.tensordot(d, w, axes=([1], [0]))
            dw += np.tensordot(d, xpad[:, :, rows, cols], axes=([0], [0]))
    dx = dxpad[:, :, pad:pad + H, pad:pad + W]
    db = dout.sum(axis=(0, 2, 3))
    return dx, dw, db


def max_pool_forward_naive(x, pool_param):
    """Max pooling over each channel, without padding, looping over output positions.

    Args:
        x: (N, C, H, W) inputs.
        pool_param: dict with 'pool_height', 'pool_width' (ints >= 1) and 'stride' (int >= 1).
    Returns:
        out: (N, C, H', W') float64, H' = (H - pool_height) // stride + 1, W' likewise.
        cache: (x, pool_param).
    Raises:
        ValueError on a bad shape or parameter, or when the windows do not tile the height or width
        exactly (the message says which).
    """
    x, ph, pw, stride, (Hout, Wout) = pool_input(x, pool_param)
    N, C = x.shape[:2]

    out = np.empty((N, C, Hout, Wout))
    for i in range(Hout):
        for j in range(Wout):
            window = x[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw]
            out[:, :, i, j] = window.max(axis=(2, 3))
    return out, (x, pool_param)


def max_pool_backward_naive(dout, cache):
    """Max pooling, backward.

    Each window's upstream gradient goes to one element: the window's maximum. On a tie it goes to the
    first maximum in row-major order within the window (what numpy.argmax returns on the flattened
    window), so the gradient is a valid subgradient and sums to the same total. Overlapping windows
    (stride < pool size) accumulate: an element that is the maximum of several windows receives the sum
    of their gradients.

    Args:
        dout: (N, C, H', W') upstream gradient.
        cache: (x, pool_param) from max_pool_forward_naive.
    Returns:
        dx: (N, C, H, W) float64.
    """
    x, ph, pw, stride, (Hout, Wout) = pool_input(*cache)
    N, C = x.shape[:2]
    dout = checked_dout(dout, (N, C, Hout, Wout), "(N, C, H', W')", np.float64)

    dx = np.zeros_like(x)
    for i in range(Hout):
        for j in range(Wout):
            rows = slice(i * stride, i * stride + ph)
            cols = slice(j * stride, j * stride + pw)
            window = x[:, :, rows, cols].reshape(N, C, ph * pw)
            first_max = window.argmax(axis=2)[:, :, None]
            routed = np.zeros((N, C, ph * pw))
            np.put_along_axis(routed, first_max, dout[:, :, i, j, None], axis=2)
            dx[:, :, rows, cols] += routed.reshape(N, C, ph, pw)
    return dx


def multiplication_counts(input_shape, kernel_shape, stride=1, pad=0):
    """How many times each input element is multiplied by a kernel element in a 2-D convolution.

    Exam 2023, question 2(b): a 5x5 input and a 3x3 kernel, stride 1, no padding, give
    [[1,2,3,2,1],[2,4,6,4,2],[3,6,9,6,3],[2,4,6,4,2],[1,2,3,2,1]]. Multiplications of padding zeros
    are not counted. Element (r, s) is multiplied once per output window that covers it, and the windows
    covering it are those whose row range holds r and whose column range holds s, so the count is the
    product of a row count and a column count.

    Args:
        input_shape: (H, W).
        kernel_shape: (HH, WW).
        stride: int >= 1.
        pad: int >= 0.
    Returns:
        counts: (H, W) int64.
    Raises:
        ValueError if a shape is not a pair of sizes or the windows do not tile the padded input
        exactly (naming height or width).
    """
    H, W = _pair(input_shape, "input_shape", "(H, W)")
    HH, WW = _pair(kernel_shape, "kernel_shape", "(HH, WW)")
    rows = _window_cover(H, HH, stride, pad, "height")
    cols = _window_cover(W, WW, stride, pad, "width")
    return np.outer(rows, cols)


def conv2d(A, K):
    """2-D cross-correlation of one matrix with one kernel, stride 1, no padding (exam 2023, question 2(a)).

    Args:
        A: (H, W) input; K: (HH, WW) kernel, HH <= H and WW <= W.
    Returns:
        B: (H - HH + 1, W - WW + 1) float64, B[i, j] = sum_{k, l} K[k, l] A[i + k, j + l].
    """
    A, K = np.asarray(A, dtype=np.float64), np.asarray(K, dtype=np.float64)
    if A.ndim != 2 or K.ndim != 2:
        raise ValueError(f"A and K must be matrices, got shapes {A.shape} and {K.shape}")
    out, _ = conv_forward_naive(A[None, None], K[None, None], np.zeros(1), {"stride": 1, "pad": 0})
    return out[0, 0]


def diagonal_loss_gradients(A, K, C):
    """f = sum_i (B_ii - C_ii)^2 for B = conv2d(A, K), and its gradients (exam 2023, question 2(c)).

    Only the diagonal of B enters f, so dL/dB is 2 (B_ii - C_ii) on the diagonal and 0 elsewhere; the
    convolution's backward pass carries it to A and K.

    Args:
        A: (H, W) input; K: (HH, WW) kernel; C: matrix of B's shape.
    Returns:
        f: float; dA: (H, W) = df/dA; dK: (HH, WW) = df/dK.
    """
    B = conv2d(A, K)
    C = np.asarray(C, dtype=np.float64)
    if C.shape != B.shape:
        raise ValueError(f"C must have the shape of B = conv2d(A, K), {B.shape}, got {C.shape}")
    diagonal = np.arange(min(B.shape))
    residual = B[diagonal, diagonal] - C[diagonal, diagonal]
    dB = np.zeros_like(B)
    dB[diagonal, diagonal] = 2 * residual
    A, K = np.asarray(A, dtype=np.float64), np.asarray(K, dtype=np.float64)
    dA, dK, _ = conv_backward_naive(dB[None, None], (A[None, None], K[None, None], np.zeros(1),
                                                      {"stride": 1, "pad": 0}))
    return float(np.sum(residual ** 2)), dA[0, 0], dK[0, 0]


def _window_cover(size, kernel, stride, pad, name):
    """(size,) int64: how many windows cover each position of the unpadded input along one dimension."""
    n_out = conv_output_size(size, kernel, stride, pad, name=name)
    cover = np.zeros(size + 2 * pad, dtype=np.int64)
    for i in range(n_out):
        cover[i * stride:i * stride + kernel] += 1
    return cover[pad:pad + size]


def _pad(x, pad):
    """x (N, C, H, W) with `pad` zeros on both sides of H and W."""
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))) if pad else x


def _pair(shape, argument, expected):
    try:
        a, b = shape
    except (TypeError, ValueError):
        raise ValueError(f"{argument} must be a pair {expected}, got {shape!r}") from None
    return checked_int(a, 1, f"{argument}[0]"), checked_int(b, 1, f"{argument}[1]")
