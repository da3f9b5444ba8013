"""Fast convolution and max pooling: vectorised forward/backward pairs (given to students).

Same semantics, validation and float64 results as the naive layers of the exercise, to float rounding:

    out[n, f, i, j] = b[f] + sum_{c, k, l} w[f, c, k, l] * xpad[n, c, i * stride + k, j * stride + l]

(cross-correlation; xpad is x with `pad` zeros on both sides of its height and width), and max pooling
without padding whose gradient goes, on a tie, to the first maximum of the window in row-major order,
accumulating where windows overlap.

How they are fast. The convolution copies every input window into a column of one matrix per example
("im2col", built from numpy.lib.stride_tricks.sliding_window_view), so that the forward pass, dw and
the gradient of the columns are stacked matrix products over the batch; dx adds the columns' gradient
back to the windows they came from ("col2im"), one strided slice per kernel offset (HH * WW slices,
not one per pixel). Max pooling loops over the pool_height * pool_width offsets within a
window, each a whole strided slice of the batch. No Python loop runs over examples or pixels.

Every forward returns (out, cache); every backward takes (dout, cache) with dout of out's shape. A
cache is only for the matching backward function: pass it back unchanged, do not read it.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from nclib.input_checks import checked_dout, conv_input, pool_input


def conv_forward_fast(x, w, b, conv_param):
    """Convolutional layer (cross-correlation, zero padding), vectorised with im2col.

    Args:
        x: (N, C, H, W) inputs.
        w: (F, C, HH, WW) filters.
        b: (F,) biases.
        conv_param: dict with 'stride' (int >= 1) and 'pad' (int >= 0, zeros on both sides of H and W).
    Returns:
        out: (N, F, H', W') float64, H' = (H + 2 pad - HH) // stride + 1, W' likewise.
        cache: for conv_backward_fast only.
    Raises:
        ValueError on a bad shape or parameter, or when the windows do not tile the padded height or
        width exactly (the message says which).
    """
    x, w, b, stride, pad, (Hout, Wout) = conv_input(x, w, b, conv_param)
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape

    # im2col: cols[n] is a (C*HH*WW, H'*W') matrix whose column (i, j) is the window of output pixel
    # (i, j), its rows ordered like w's flattened (C, HH, WW). One stacked product w @ cols[n] does
    # the whole batch; stacked per example rather than one (C*HH*WW, N*H'*W') product, because
    # OpenBLAS splits a single product this long over its threads and, on a busy machine (an autograder,
    # a test run with pytest -n), waiting for them can cost ten to a thousand times the product itself.
    xpad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    xpad[:, :, pad:pad + H, pad:pad + W] = x
    windows = sliding_window_view(xpad, (HH, WW), axis=(2, 3))[:, :, ::stride, ::stride]
    cols = np.ascontiguousarray(windows.transpose(0, 1, 4, 5, 2, 3)).reshape(N, C * HH * WW, Hout * Wout)

    out = w.reshape(F, C * HH * WW) @ cols
    out += b[:, None]
    out = out.reshape(N, F, Hout, Wout)
    return out, (cols, w, x.shape, stride, pad, (Hout, Wout))


def conv_backward_fast(dout, cache):
    """Convolutional layer, backward.

    Args:
        dout: (N, F, H', W') upstream gradient.
        cache: from conv_forward_fast.
    Returns:
        dx: (N, C, H, W), dw: (F, C, HH, WW), db: (F,), all float64; dx is a view into the gradient of
            the padded input, as the naive layer returns it.
    Raises:
        ValueError if dout does not have the forward output's shape.
    """
    cols, w, (N, C, H, W), stride, pad, (Hout, Wout) = cache
    F, _, HH, WW = w.shape
    dout = checked_dout(dout, (N, F, Hout, Wout), "(N, F, H', W')", np.float64)

    dout_cols = dout.reshape(N, F, Hout * Wout)
    db = dout.sum(axis=(0, 2, 3))
    dw = (dout_cols @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)

    # The columns' gradient is w^T @ dout_cols, of cols' size; col2im adds every entry back to the input
    # element it was copied from. Within one kernel offset (k, l) those elements are distinct, so a
    # strided slice takes them in one addition; across offsets they overlap (stride < kernel size) and
    # the additions accumulate. One kernel row k at a time, so that only a third (for 3x3 kernels) of
    # that gradient exists at once: a fresh array of cols' size costs more in page faults than the
    # product that fills it.
    dxpad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    w_rows = w.transpose(2, 1, 3, 0).reshape(HH, C * WW, F)  # w_rows[k]: rows (c, l), like cols' rows
    dcols_row = np.empty((N, C * WW, Hout * Wout))
    for k in range(HH):
        np.matmul(w_rows[k], dout_cols, out=dcols_row)
        by_offset = dcols_row.reshape(N, C, WW, Hout, Wout)
        for l in range(WW):
            dxpad[:, :, k:k + stride * Hout:stride, l:l + stride * Wout:stride] += by_offset[:, :, l]
    dx = dxpad[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db


def max_pool_forward_fast(x, pool_param):
    """Max pooling over each channel, without padding, vectorised over the batch and the windows.

    Args:
        x: (N, C, H, W) inputs.
        pool_param: dict with 'pool_height', 'pool_width' (ints >= 1) and 'stride' (int >= 1).
    Returns:
        out: (N, C, H', W') float64, H' = (H - pool_height) // stride + 1, W' likewise.
        cache: for max_pool_backward_fast only.
    Raises:
        ValueError on a bad shape or parameter, or when the windows do not tile the height or width
        exactly (the message says which).
    """
    x, ph, pw, stride, (Hout, Wout) = pool_input(x, pool_param)

    # One whole-batch maximum per offset within the window. (Reshaping x to (N, C, H', ph, W', pw) and
    # reducing over the two small axes gives the same result when the windows tile x, but numpy reduces
    # such short axes an order of magnitude more slowly.)
    offsets = _offset_slices(ph, pw, stride, Hout, Wout)
    out = x[offsets[0]].copy()
    for where in offsets[1:]:
        np.maximum(out, x[where], out=out)
    # the cache keeps its own copy of out: the caller may change the returned array in place
    return out, (x, out.copy(), ph, pw, stride)


def max_pool_backward_fast(dout, cache):
    """Max pooling, backward.

    Each window's upstream gradient goes to one element: the window's maximum, or on a tie the first
    maximum in row-major order within the window. Where windows overlap (stride < pool size) an element
    that is the maximum of several windows receives the sum of their gradients.

    Args:
        dout: (N, C, H', W') upstream gradient.
        cache: from max_pool_forward_fast.
    Returns:
        dx: (N, C, H, W) float64.
    Raises:
        ValueError if dout does not have the forward output's shape.
    """
    x, out, ph, pw, stride = cache
    dout = checked_dout(dout, out.shape, "(N, C, H', W')", np.float64)

    Hout, Wout = out.shape[2:]
    # Offsets visited in row-major order; `unrouted` marks the windows whose maximum has not been met
    # yet, so that on a tie only the first maximum takes the gradient.
    unrouted = np.ones(out.shape, dtype=bool)
    is_max = np.empty(out.shape, dtype=bool)
    route = _route_by_product if np.isfinite(dout).all() else _route_by_where
    # A window holding a nan has maximum nan, which equals nothing: its first nan takes the gradient,
    # as numpy.argmax would choose it.
    nan_windows = bool(np.isnan(out).any())
    # When the windows tile x, each element is in exactly one window: its gradient is written once.
    tiles = ph == pw == stride
    dx = np.empty_like(x) if tiles else np.zeros_like(x)
    routed = None if tiles else np.empty(out.shape)
    for where in _offset_slices(ph, pw, stride, Hout, Wout):
        np.equal(x[where], out, out=is_max)
        if nan_windows:
            is_max |= np.isnan(x[where])
        is_max &= unrouted
        unrouted ^= is_max
        route(dout, is_max, dx[where] if tiles else routed)
        if not tiles:
            dx[where] += routed
    return dx


def _route_by_product(dout, mask, out):
    """out = dout where mask, 0 elsewhere; fast, for a finite dout only (inf * 0 is nan)."""
    np.multiply(dout, mask, out=out)


def _route_by_where(dout, mask, out):
    """out = dout where mask, 0 elsewhere; for any dout."""
    np.copyto(out, np.where(mask, dout, 0.0))


def _offset_slices(ph, pw, stride, Hout, Wout):
    """Index tuples, one per offset (k, l) of a window in row-major order, each selecting from an
    (N, C, H, W) array the (N, C, H', W') elements at position (k, l) of their window."""
    return [(slice(None), slice(None), slice(k, k + stride * Hout, stride), slice(l, l + stride * Wout, stride))
            for k in range(ph) for l in range(pw)]
