"""nclib.grading's specs of the conv_backward assignment: the reference and correct alternative solutions pass;
realistic student bugs fail with an AssertionError that names the function and never shows an expected value.
"""
import numpy as np

from grading_support import GradedFunctionTests
from nclib.grading import conv_backward


# --- conv2d (exam 2023, question 2(a)) --------------------------------------------------------------

def student_conv2d(A, K, bug=None):
    A, K = np.asarray(A, dtype=np.float64), np.asarray(K, dtype=np.float64)
    if bug == "flipped":
        K = K[::-1, ::-1]  # a true convolution, as signal processing defines it
    HH, WW = K.shape
    if bug == "same":
        A = np.pad(A, ((HH // 2, (HH - 1) // 2), (WW // 2, (WW - 1) // 2)))  # an output of the input's size
    B = np.zeros((A.shape[0] - HH + 1, A.shape[1] - WW + 1))
    for i in range(B.shape[0]):
        for j in range(B.shape[1]):
            B[i, j] = np.sum(A[i:i + HH, j:j + WW] * K)
    return B


def conv2d_ok(A, K):
    return student_conv2d(A, K)


def conv2d_sum_of_shifted_copies(A, K):
    """B = sum over the kernel's entries of K[k, l] times A shifted by (k, l)."""
    HH, WW = K.shape
    H_out, W_out = A.shape[0] - HH + 1, A.shape[1] - WW + 1
    return sum(K[k, l] * A[k:k + H_out, l:l + W_out] for k in range(HH) for l in range(WW))


def conv2d_sliding_window_view(A, K):
    return np.einsum("ijkl,kl->ij", np.lib.stride_tricks.sliding_window_view(A, K.shape), K)


def conv2d_kernel_flipped(A, K):
    return student_conv2d(A, K, bug="flipped")


def conv2d_same_padding(A, K):
    return student_conv2d(A, K, bug="same")


# --- diagonal_loss_gradients (exam 2023, question 2(c)) ---------------------------------------------

def student_diagonal_loss(A, K, C, bug=None):
    """dB is 2 (B_ii - C_ii) on the diagonal; dK is the correlation of A with dB, dA the full correlation
    of dB with the flipped kernel."""
    A, K, C = (np.asarray(M, dtype=np.float64) for M in (A, K, C))
    B = student_conv2d(A, K)
    if bug == "every_entry":
        f, dB = np.sum((B - C) ** 2), 2 * (B - C)
    else:
        d = np.arange(min(B.shape))
        f = np.sum((B[d, d] - C[d, d]) ** 2)
        dB = np.zeros_like(B)
        dB[d, d] = (1 if bug == "no_factor_2" else 2) * (B[d, d] - C[d, d])
    dK = student_conv2d(A, dB)
    if bug == "exam_shortcut":
        dK = np.full(K.shape, np.sum(dB))  # the model answer: dB_ii / dK_kl = 1, true when A_{i+k, i+l} = 1
    HH, WW = K.shape
    dA = student_conv2d(np.pad(dB, ((HH - 1, HH - 1), (WW - 1, WW - 1))),
                        K if bug == "dA_kernel_not_flipped" else K[::-1, ::-1])
    return f, dA, dK


def diagonal_loss_gradients_ok(A, K, C):
    return student_diagonal_loss(A, K, C)


def diagonal_loss_gradients_chain_rule_by_hand(A, K, C):
    """B_ii = sum_kl K_kl A_{i+k, i+l}: each diagonal entry sends its share to the K_kl and A entries it used."""
    HH, WW = K.shape
    f, dA, dK = 0.0, np.zeros(A.shape), np.zeros(K.shape)
    for i in range(min(A.shape[0] - HH + 1, A.shape[1] - WW + 1)):
        window = A[i:i + HH, i:i + WW]
        residual = np.sum(window * K) - C[i, i]
        f += residual ** 2
        dK += 2 * residual * window
        dA[i:i + HH, i:i + WW] += 2 * residual * K
    return f, dA, dK


def diagonal_loss_gradients_exam_shortcut(A, K, C):
    return student_diagonal_loss(A, K, C, bug="exam_shortcut")


def diagonal_loss_gradients_without_factor_2(A, K, C):
    return student_diagonal_loss(A, K, C, bug="no_factor_2")


def diagonal_loss_gradients_every_entry_of_B(A, K, C):
    return student_diagonal_loss(A, K, C, bug="every_entry")


def diagonal_loss_gradients_dA_kernel_not_flipped(A, K, C):
    return student_diagonal_loss(A, K, C, bug="dA_kernel_not_flipped")


# --- multiplication_counts (exam 2023, question 2(b)) -----------------------------------------------

def student_multiplication_counts(input_shape, kernel_shape, stride=1, pad=0, bug=None):
    """Brute force: add one to every element of the padded input under each window, then drop the padding."""
    (H, W), (HH, WW) = input_shape, kernel_shape
    step = 1 if bug == "stride_ignored" else stride
    counts = np.zeros((H + 2 * pad, W + 2 * pad), dtype=int)
    for i in range(0, H + 2 * pad - HH + 1, step):
        for j in range(0, W + 2 * pad - WW + 1, step):
            counts[i:i + HH, j:j + WW] += 1
    return counts if bug == "padding_counted" else counts[pad:pad + H, pad:pad + W]


def multiplication_counts_ok(input_shape, kernel_shape, stride=1, pad=0):
    return student_multiplication_counts(input_shape, kernel_shape, stride, pad)


def multiplication_counts_by_convolving_ones(input_shape, kernel_shape, stride=1, pad=0):
    """Windows start at every stride-th position of the padded input; an element is covered by the starts
    within a kernel's reach above and left of it: the full correlation of the grid of starts with ones."""
    (H, W), (HH, WW) = input_shape, kernel_shape
    starts = np.zeros((H + 2 * pad - HH + 1, W + 2 * pad - WW + 1))
    starts[::stride, ::stride] = 1
    covered = student_conv2d(np.pad(starts, ((HH - 1, HH - 1), (WW - 1, WW - 1))), np.ones((HH, WW)))
    return covered[pad:pad + H, pad:pad + W].astype(int)


def multiplication_counts_stride_ignored(input_shape, kernel_shape, stride=1, pad=0):
    return student_multiplication_counts(input_shape, kernel_shape, stride, pad, bug="stride_ignored")


def multiplication_counts_padding_zeros_counted(input_shape, kernel_shape, stride=1, pad=0):
    return student_multiplication_counts(input_shape, kernel_shape, stride, pad, bug="padding_counted")


# --- conv_output_size -------------------------------------------------------------------------------

def student_conv_output_size(size, kernel, stride, pad, bug=None):
    span = size + (pad if bug == "pad_once" else 2 * pad) - kernel
    if bug != "no_check" and (span < 0 or span % stride):
        raise ValueError("the windows do not fit")
    return span / stride + 1 if bug == "true_division" else span // stride + 1


def conv_output_size_divmod(size, kernel, stride, pad):
    steps, left_over = divmod(size + 2 * pad - kernel, stride)
    if steps < 0 or left_over:
        raise ValueError(f"a {kernel}-window with stride {stride} does not tile {size} + 2*{pad}")
    return steps + 1


def conv_output_size_counting_windows(size, kernel, stride, pad):
    count, end = 0, kernel
    while end <= size + 2 * pad:
        count, end = count + 1, end + stride
    if count == 0 or end - stride != size + 2 * pad:
        raise ValueError("the windows do not fit")
    return count


def conv_output_size_true_division(size, kernel, stride, pad):
    return student_conv_output_size(size, kernel, stride, pad, bug="true_division")


def conv_output_size_floor_without_check(size, kernel, stride, pad):
    return student_conv_output_size(size, kernel, stride, pad, bug="no_check")


def conv_output_size_pad_counted_once(size, kernel, stride, pad):
    return student_conv_output_size(size, kernel, stride, pad, bug="pad_once")


# --- conv_param_count -------------------------------------------------------------------------------

def conv_param_count_ok(C, F, HH, WW):
    return F * (C * HH * WW + 1)


def conv_param_count_np_prod(C, F, HH, WW):
    return int(np.prod([F, C, HH, WW])) + F


def conv_param_count_biases_forgotten(C, F, HH, WW):
    return F * C * HH * WW


def conv_param_count_channels_forgotten(C, F, HH, WW):
    return F * HH * WW + F  # a filter taken as one HH x WW matrix


def conv_param_count_bias_per_channel(C, F, HH, WW):
    return F * C * (HH * WW + 1)  # one bias per (filter, input channel)


# --- conv_forward_naive -----------------------------------------------------------------------------

def student_conv_forward(x, w, b, conv_param, bug=None):
    """CS231n style: four loops over (n, f, i, j), np.pad."""
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    if bug == "flipped":
        w = w[:, :, ::-1, ::-1]  # a true convolution
    sides = (0, 2 * pad) if bug == "pad_one_side" else (pad, pad)
    xpad = np.pad(x, ((0, 0), (0, 0), sides, sides), mode="constant")
    padding = 0 if bug == "size_without_pad" else 2 * pad
    H_out, W_out = 1 + (H + padding - HH) // stride, 1 + (W + padding - WW) // stride
    step = 1 if bug == "stride_ignored" else stride
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = xpad[n, :, i * step:i * step + HH, j * step:j * step + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + (0 if bug == "no_bias" else b[f])
    return out, (x, w, b, conv_param)


def im2col(xpad, HH, WW, stride, H_out, W_out):
    """(C * HH * WW, N * H_out * W_out): one column per window, ordered (n, i, j)."""
    N = xpad.shape[0]
    cols = np.empty((xpad.shape[1] * HH * WW, N * H_out * W_out))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                cols[:, (n * H_out + i) * W_out + j] = xpad[n, :, i * stride:i * stride + HH,
                                                            j * stride:j * stride + WW].ravel()
    return cols


def student_conv_forward_im2col(x, w, b, conv_param, bug=None):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    H_out, W_out = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    cols = im2col(np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))), HH, WW, stride, H_out, W_out)
    out = (w.reshape(F, -1) @ cols).reshape(F, N, H_out, W_out).transpose(1, 0, 2, 3)
    out = out + b if bug == "bias_last_axis" else out + b[:, None, None]
    return out, (x, w, b, conv_param)


def conv_forward_naive_four_loops(x, w, b, conv_param):
    return student_conv_forward(x, w, b, conv_param)


def conv_forward_naive_im2col(x, w, b, conv_param):
    return student_conv_forward_im2col(x, w, b, conv_param)


def conv_forward_naive_kernel_flipped(x, w, b, conv_param):
    return student_conv_forward(x, w, b, conv_param, bug="flipped")


def conv_forward_naive_padding_on_one_side(x, w, b, conv_param):
    return student_conv_forward(x, w, b, conv_param, bug="pad_one_side")


def conv_forward_naive_stride_ignored_in_windows(x, w, b, conv_param):
    return student_conv_forward(x, w, b, conv_param, bug="stride_ignored")


def conv_forward_naive_without_bias(x, w, b, conv_param):
    return student_conv_forward(x, w, b, conv_param, bug="no_bias")


def conv_forward_naive_bias_on_last_axis(x, w, b, conv_param):
    return student_conv_forward_im2col(x, w, b, conv_param, bug="bias_last_axis")


def conv_forward_naive_output_size_without_pad(x, w, b, conv_param):
    return student_conv_forward(x, w, b, conv_param, bug="size_without_pad")


# --- conv_backward_naive ----------------------------------------------------------------------------

def student_conv_backward(dout, cache, bug=None):
    """CS231n style: four loops over (n, f, i, j), each output pixel sending its gradient to its window."""
    x, w, b, conv_param = cache
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    source = x if bug == "dw_from_unpadded_x" else xpad
    dxpad, dw = np.zeros_like(xpad), np.zeros_like(w)
    for n in range(N):
        if bug == "dw_reset_per_example":
            dw = np.zeros_like(w)  # initialised in the batch loop: only the last example's gradient is kept
        for f in range(F):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    rows, cols = slice(i * stride, i * stride + HH), slice(j * stride, j * stride + WW)
                    if bug == "dx_assigned":
                        dxpad[n, :, rows, cols] = w[f] * dout[n, f, i, j]
                    else:
                        dxpad[n, :, rows, cols] += w[f] * dout[n, f, i, j]
                    dw[f] += source[n, :, rows, cols] * dout[n, f, i, j]
    if bug == "dx_padded":
        dx = dxpad
    elif bug == "negative_end":
        dx = dxpad[:, :, pad:-pad, pad:-pad]  # empty when pad = 0
    else:
        dx = dxpad[:, :, pad:pad + H, pad:pad + W]
    db = dout.sum(axis=(1, 2, 3)) if bug == "db_wrong_axes" else dout.sum(axis=(0, 2, 3))
    return dx, dw, db


def conv_backward_naive_four_loops(dout, cache):
    return student_conv_backward(dout, cache)


def conv_backward_naive_im2col(dout, cache):
    """dw and the columns' gradient are matrix products; col2im adds each column back to its window."""
    x, w, b, conv_param = cache
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    H_out, W_out = dout.shape[2:]
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = im2col(xpad, HH, WW, stride, H_out, W_out)
    dout_rows = dout.transpose(1, 0, 2, 3).reshape(F, -1)  # columns ordered (n, i, j), like cols
    dw = (dout_rows @ cols.T).reshape(w.shape)
    dcols = w.reshape(F, -1).T @ dout_rows
    dxpad = np.zeros_like(xpad)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                dxpad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW] += \
                    dcols[:, (n * H_out + i) * W_out + j].reshape(C, HH, WW)
    return dxpad[:, :, pad:pad + H, pad:pad + W], dw, dout_rows.sum(axis=1)


def conv_backward_naive_dx_assigned_not_accumulated(dout, cache):
    return student_conv_backward(dout, cache, bug="dx_assigned")


def conv_backward_naive_dw_not_summed_over_batch(dout, cache):
    return student_conv_backward(dout, cache, bug="dw_reset_per_example")


def conv_backward_naive_dx_with_padding(dout, cache):
    return student_conv_backward(dout, cache, bug="dx_padded")


def conv_backward_naive_padding_cut_with_negative_end(dout, cache):
    return student_conv_backward(dout, cache, bug="negative_end")


def conv_backward_naive_db_over_wrong_axes(dout, cache):
    return student_conv_backward(dout, cache, bug="db_wrong_axes")


def conv_backward_naive_dw_from_unpadded_x(dout, cache):
    return student_conv_backward(dout, cache, bug="dw_from_unpadded_x")


# --- max pooling ------------------------------------------------------------------------------------

def pool_sizes(x, pool_param):
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    return ph, pw, stride, (x.shape[2] - ph) // stride + 1, (x.shape[3] - pw) // stride + 1


def student_max_pool_forward(x, pool_param, bug=None):
    ph, pw, stride, H_out, W_out = pool_sizes(x, pool_param)
    step_i, step_j = (ph, pw) if bug == "step_by_pool_size" else (stride, stride)
    out = np.zeros(x.shape[:2] + (H_out, W_out))
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, c, i * step_i:i * step_i + ph, j * step_j:j * step_j + pw]
                    out[n, c, i, j] = np.mean(window) if bug == "mean" else np.max(window)
    return out, (x, pool_param)


def max_pool_forward_naive_loops(x, pool_param):
    return student_max_pool_forward(x, pool_param)


def max_pool_forward_naive_over_window_offsets(x, pool_param):
    """The maximum over the ph * pw strided slices, one per offset within the window."""
    ph, pw, stride, H_out, W_out = pool_sizes(x, pool_param)
    slices = [x[:, :, k:k + stride * (H_out - 1) + 1:stride, l:l + stride * (W_out - 1) + 1:stride]
              for k in range(ph) for l in range(pw)]
    return np.max(slices, axis=0), (x, pool_param)


def max_pool_forward_naive_stepping_by_pool_size(x, pool_param):
    return student_max_pool_forward(x, pool_param, bug="step_by_pool_size")


def max_pool_forward_naive_mean(x, pool_param):
    return student_max_pool_forward(x, pool_param, bug="mean")


def student_max_pool_backward(dout, cache, bug=None):
    x, pool_param = cache
    ph, pw, stride, H_out, W_out = pool_sizes(x, pool_param)
    dx = np.zeros_like(x)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(H_out):
                for j in range(W_out):
                    rows, cols = slice(i * stride, i * stride + ph), slice(j * stride, j * stride + pw)
                    window, g = x[n, c, rows, cols], dout[n, c, i, j]
                    if bug == "every_maximum":
                        dx[n, c, rows, cols] += (window == np.max(window)) * g
                        continue
                    if bug == "spread":
                        dx[n, c, rows, cols] += g / (ph * pw)
                        continue
                    if bug == "last_maximum":  # a scan with >= keeps the last maximum
                        r, s = 0, 0
                        for k in range(ph):
                            for l in range(pw):
                                if window[k, l] >= window[r, s]:
                                    r, s = k, l
                    else:
                        r, s = np.unravel_index(np.argmax(window), window.shape)
                    if bug == "assigned":
                        dx[n, c, i * stride + r, j * stride + s] = g
                    else:
                        dx[n, c, i * stride + r, j * stride + s] += g
    return dx


def max_pool_backward_naive_argmax_unravel_index(dout, cache):
    return student_max_pool_backward(dout, cache)


def max_pool_backward_naive_over_window_offsets(dout, cache):
    """Offsets in row-major order; an offset takes a window's gradient if it holds the maximum and no
    earlier offset took it."""
    x, pool_param = cache
    ph, pw, stride, H_out, W_out = pool_sizes(x, pool_param)
    out, _ = max_pool_forward_naive_over_window_offsets(x, pool_param)
    dx, taken = np.zeros_like(x), np.zeros(out.shape, dtype=bool)
    for k in range(ph):
        for l in range(pw):
            where = (slice(None), slice(None), slice(k, k + stride * (H_out - 1) + 1, stride),
                     slice(l, l + stride * (W_out - 1) + 1, stride))
            hit = (x[where] == out) & ~taken
            taken |= hit
            dx[where] += hit * dout
    return dx


def max_pool_backward_naive_to_every_maximum(dout, cache):
    return student_max_pool_backward(dout, cache, bug="every_maximum")


def max_pool_backward_naive_to_the_last_maximum(dout, cache):
    return student_max_pool_backward(dout, cache, bug="last_maximum")


def max_pool_backward_naive_assigned_not_accumulated(dout, cache):
    return student_max_pool_backward(dout, cache, bug="assigned")


def max_pool_backward_naive_spread_over_the_window(dout, cache):
    return student_max_pool_backward(dout, cache, bug="spread")


# ===================================================================================================

CORRECT = {
    "conv2d": [conv2d_ok, conv2d_sum_of_shifted_copies, conv2d_sliding_window_view],
    "multiplication_counts": [multiplication_counts_ok, multiplication_counts_by_convolving_ones],
    "diagonal_loss_gradients": [diagonal_loss_gradients_ok, diagonal_loss_gradients_chain_rule_by_hand],
    "conv_output_size": [conv_output_size_divmod, conv_output_size_counting_windows],
    "conv_param_count": [conv_param_count_ok, conv_param_count_np_prod],
    "conv_forward_naive": [conv_forward_naive_four_loops, conv_forward_naive_im2col],
    "conv_backward_naive": [conv_backward_naive_four_loops, conv_backward_naive_im2col],
    "max_pool_forward_naive": [max_pool_forward_naive_loops, max_pool_forward_naive_over_window_offsets],
    "max_pool_backward_naive": [max_pool_backward_naive_argmax_unravel_index,
                                max_pool_backward_naive_over_window_offsets],
}

BUGS = {
    "conv2d": [conv2d_kernel_flipped, conv2d_same_padding],
    "multiplication_counts": [multiplication_counts_stride_ignored, multiplication_counts_padding_zeros_counted],
    "diagonal_loss_gradients": [diagonal_loss_gradients_exam_shortcut, diagonal_loss_gradients_without_factor_2,
                                diagonal_loss_gradients_every_entry_of_B,
                                diagonal_loss_gradients_dA_kernel_not_flipped],
    "conv_output_size": [conv_output_size_true_division, conv_output_size_floor_without_check,
                         conv_output_size_pad_counted_once],
    "conv_param_count": [conv_param_count_biases_forgotten, conv_param_count_channels_forgotten,
                         conv_param_count_bias_per_channel],
    "conv_forward_naive": [conv_forward_naive_kernel_flipped, conv_forward_naive_padding_on_one_side,
                           conv_forward_naive_stride_ignored_in_windows, conv_forward_naive_without_bias,
                           conv_forward_naive_bias_on_last_axis, conv_forward_naive_output_size_without_pad],
    "conv_backward_naive": [conv_backward_naive_dx_assigned_not_accumulated,
                            conv_backward_naive_dw_not_summed_over_batch, conv_backward_naive_dx_with_padding,
                            conv_backward_naive_padding_cut_with_negative_end, conv_backward_naive_db_over_wrong_axes,
                            conv_backward_naive_dw_from_unpadded_x],
    "max_pool_forward_naive": [max_pool_forward_naive_stepping_by_pool_size, max_pool_forward_naive_mean],
    "max_pool_backward_naive": [max_pool_backward_naive_to_every_maximum, max_pool_backward_naive_to_the_last_maximum,
                                max_pool_backward_naive_assigned_not_accumulated,
                                max_pool_backward_naive_spread_over_the_window],
}


class TestConvBackwardSpecs(GradedFunctionTests):
    MODULE = conv_backward
    CORRECT = CORRECT
    BUGS = BUGS
