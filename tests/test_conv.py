"""nclib.conv: the exam's worked convolution (seed 000, question 2) reproduced exactly, forward passes
against an independent loop implementation, backward passes against numerical gradients (float64,
relative error < 1e-7), the max-pool tie rule, multiplication counts, output sizes and bad input."""
import itertools
import math

import numpy as np
import pytest

from nclib import conv
from nclib.gradcheck import eval_numerical_gradient_array, rel_error

GRAD_TOL = 1e-7

# Seed 000, question 2
EXAM_A = np.array([[1, 2, 3, 4, 5],
                   [5, 1, 2, 3, 4],
                   [4, 5, 1, 2, 3],
                   [3, 4, 5, 1, 2],
                   [2, 3, 4, 5, 1]], dtype=np.float64)
EXAM_W = np.array([[-1, -1, -1],
                   [-1, 8, -1],
                   [-1, -1, -1]], dtype=np.float64)
EXAM_B = [[-15, -5, 0],
          [15, -15, -5],
          [5, 15, -15]]
EXAM_COUNTS = [[1, 2, 3, 2, 1],
               [2, 4, 6, 4, 2],
               [3, 6, 9, 6, 3],
               [2, 4, 6, 4, 2],
               [1, 2, 3, 2, 1]]
EXAM_C = -10 * np.eye(3)

# (x shape, w shape, stride, pad): non-square inputs and kernels, stride 1 and 2, pad 0 to 2, N = C = F = 1
CONV_CASES = [
    ((2, 3, 5, 7), (4, 3, 3, 3), 1, 0),
    ((2, 3, 5, 7), (4, 3, 3, 3), 1, 1),
    ((2, 2, 7, 6), (3, 2, 3, 2), 2, 1),
    ((1, 2, 6, 5), (2, 2, 4, 3), 2, 2),
    ((3, 1, 4, 6), (1, 1, 2, 4), 2, 0),
    ((1, 1, 1, 1), (1, 1, 1, 1), 1, 0),
    ((2, 3, 3, 5), (2, 3, 1, 5), 1, 2),
    ((1, 2, 8, 4), (3, 2, 2, 2), 2, 0),
]
# smaller ones for the numerical gradients, which run the forward twice per entry
GRAD_CASES = [
    ((2, 3, 5, 5), (3, 3, 3, 3), 1, 1),
    ((2, 2, 5, 4), (2, 2, 3, 2), 2, 2),   # stride 2, pad 2, non-square kernel
    ((1, 2, 6, 5), (3, 2, 2, 3), 2, 1),
    ((2, 1, 4, 7), (2, 1, 4, 1), 1, 0),
    ((1, 1, 3, 3), (1, 1, 3, 3), 1, 0),
]
# (x shape, pool_height, pool_width, stride)
POOL_CASES = [
    ((2, 3, 4, 4), 2, 2, 2),
    ((2, 2, 5, 5), 3, 3, 2),    # overlapping windows
    ((1, 2, 6, 4), 3, 2, 1),    # overlapping, non-square
    ((3, 1, 4, 6), 2, 3, 1),
    ((1, 1, 2, 2), 2, 2, 1),
]


def loop_conv(x, w, b, stride, pad):
    """out[n, f, i, j] = b[f] + sum w[f, c, k, l] * x[n, c, i s + k - pad, j s + l - pad], with x taken as
    0 outside its bounds: the definition, one scalar product at a time, no padding array, no numpy sums."""
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    Hout, Wout = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    out = np.empty((N, F, Hout, Wout))
    for n, f, i, j in itertools.product(range(N), range(F), range(Hout), range(Wout)):
        terms = [b[f]]
        for c, k, l in itertools.product(range(C), range(HH), range(WW)):
            r, s = i * stride + k - pad, j * stride + l - pad
            if 0 <= r < H and 0 <= s < W:
                terms.append(w[f, c, k, l] * x[n, c, r, s])
        out[n, f, i, j] = math.fsum(terms)
    return out


def distinct_values(shape, seed):
    """Random entries at least 0.01 apart: no ties in any pooling window, and a perturbation of 1e-5
    cannot change which entry is the maximum."""
    rng = np.random.default_rng(seed)
    return (rng.permutation(math.prod(shape)) * 0.01 + 0.005 * rng.random()).reshape(shape) - 1.0


def conv_case(x_shape, w_shape, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])


def exam_forward():
    return conv.conv_forward_naive(EXAM_A[None, None], EXAM_W[None, None], np.zeros(1), {"stride": 1, "pad": 0})


# ---------------------------------------------------------------------------------------------------
# the exam's worked example

def test_exam_output_matrix():
    out, _ = exam_forward()
    assert out.shape == (1, 1, 3, 3)
    np.testing.assert_array_equal(out[0, 0], EXAM_B)


def test_exam_multiplication_counts():
    counts = conv.multiplication_counts((5, 5), (3, 3))
    np.testing.assert_array_equal(counts, EXAM_COUNTS)
    assert counts.shape == (5, 5) and np.issubdtype(counts.dtype, np.integer)


def test_exam_chain_rule_derivatives():
    """f = sum_i (b_ii - c_ii)^2, so df/dB is 2 (B - C) on the diagonal and 0 elsewhere; with the exam's B
    that is -10 on the diagonal. Then df/dw11 = -10 (a11 + a22 + a33) = -30 (the diagonal of A is all 1)
    and df/da11 = -10 w11 = 10 (only b11's window covers a11)."""
    out, cache = exam_forward()
    B = out[0, 0]
    dB = np.diag(np.diag(2 * (B - EXAM_C)))
    np.testing.assert_array_equal(dB, -10 * np.eye(3))
    dx, dw, db = conv.conv_backward_naive(dB[None, None], cache)
    assert dw[0, 0, 0, 0] == -30
    assert dx[0, 0, 0, 0] == 10
    f = lambda a, k: np.sum((np.diag(conv.conv_forward_naive(a, k, np.zeros(1), {"stride": 1, "pad": 0})[0][0, 0])
                             - np.diag(EXAM_C)) ** 2)
    assert f(EXAM_A[None, None], EXAM_W[None, None]) == 75
    # f is quadratic, so a centred difference of step 1 is exact in this arithmetic
    a, k = EXAM_A[None, None].copy(), EXAM_W[None, None].copy()
    step = np.zeros_like(a)
    step[0, 0, 0, 0] = 1
    assert (f(a + step, k) - f(a - step, k)) / 2 == 10
    step = np.zeros_like(k)
    step[0, 0, 0, 0] = 1
    assert (f(a, k + step) - f(a, k - step)) / 2 == -30
    assert db[0] == -30


# ---------------------------------------------------------------------------------------------------
# conv forward

def test_conv_forward_is_cross_correlation_not_convolution():
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    w = np.array([[[[1.0, 0.0], [0.0, 0.0]]]])  # picks the window's top-left entry; flipped, its bottom-right
    out, _ = conv.conv_forward_naive(x, w, np.array([0.5]), {"stride": 1, "pad": 0})
    np.testing.assert_array_equal(out[0, 0], [[0.5, 1.5], [3.5, 4.5]])


def test_conv_forward_pads_with_zeros_on_both_sides():
    x = np.ones((1, 1, 2, 3))
    out, _ = conv.conv_forward_naive(x, np.ones((1, 1, 3, 3)), np.zeros(1), {"stride": 1, "pad": 1})
    np.testing.assert_array_equal(out[0, 0], [[4, 6, 4], [4, 6, 4]])


@pytest.mark.parametrize("x_shape, w_shape, stride, pad", CONV_CASES)
def test_conv_forward_matches_loops(x_shape, w_shape, stride, pad):
    x, w, b = conv_case(x_shape, w_shape, seed=1)
    conv_param = {"stride": stride, "pad": pad}
    out, cache = conv.conv_forward_naive(x, w, b, conv_param)
    expected = loop_conv(x, w, b, stride, pad)
    assert out.shape == expected.shape and out.dtype == np.float64
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    assert len(cache) == 4 and cache[3] is conv_param
    for cached, given in zip(cache[:3], (x, w, b)):
        np.testing.assert_array_equal(cached, given)


def test_conv_forward_integer_input_gives_float64():
    out, _ = conv.conv_forward_naive(np.ones((1, 1, 3, 3), dtype=int), np.ones((2, 1, 2, 2), dtype=int),
                                     np.arange(2), {"stride": 1, "pad": 0})
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out[0, 1], np.full((2, 2), 5.0))


# ---------------------------------------------------------------------------------------------------
# conv backward

@pytest.mark.parametrize("x_shape, w_shape, stride, pad", GRAD_CASES)
def test_conv_backward_matches_numerical_gradient(x_shape, w_shape, stride, pad):
    x, w, b = conv_case(x_shape, w_shape, seed=2)
    conv_param = {"stride": stride, "pad": pad}
    out, cache = conv.conv_forward_naive(x, w, b, conv_param)
    dout = np.random.default_rng(3).standard_normal(out.shape)
    dx, dw, db = conv.conv_backward_naive(dout, cache)
    assert (dx.shape, dw.shape, db.shape) == (x.shape, w.shape, b.shape)
    forward = conv.conv_forward_naive
    dx_num = eval_numerical_gradient_array(lambda v: forward(v, w, b, conv_param)[0], x.copy(), dout)
    dw_num = eval_numerical_gradient_array(lambda v: forward(x, v, b, conv_param)[0], w.copy(), dout)
    db_num = eval_numerical_gradient_array(lambda v: forward(x, w, v, conv_param)[0], b.copy(), dout)
    assert rel_error(dx, dx_num) < GRAD_TOL
    assert rel_error(dw, dw_num) < GRAD_TOL
    assert rel_error(db, db_num) < GRAD_TOL


def test_conv_backward_rejects_dout_of_the_wrong_shape():
    x, w, b = conv_case((2, 1, 4, 4), (3, 1, 3, 3), seed=4)
    _, cache = conv.conv_forward_naive(x, w, b, {"stride": 1, "pad": 0})
    with pytest.raises(ValueError, match="^dout must have the output's shape"):
        conv.conv_backward_naive(np.ones((2, 3, 3, 3)), cache)


# ---------------------------------------------------------------------------------------------------
# multiplication counts

@pytest.mark.parametrize("input_shape, kernel_shape, stride, pad", [
    ((5, 5), (3, 3), 1, 0),
    ((5, 5), (3, 3), 1, 1),
    ((7, 6), (3, 2), 2, 1),
    ((6, 5), (4, 3), 2, 2),
    ((4, 7), (1, 3), 1, 0),
    ((5, 5), (5, 5), 1, 0),
    ((9, 9), (3, 3), 3, 0),
])
def test_multiplication_counts_equal_dx_for_ones(input_shape, kernel_shape, stride, pad):
    """conv_backward's dx[r, s] = sum over (output position, kernel entry) pairs that touch x[r, s] of
    dout * w. With dout = 1 and w = 1 every pair contributes 1, and each pair is exactly one
    multiplication of x[r, s] by a kernel entry in the forward pass; padding zeros are not in dx."""
    x = np.random.default_rng(5).standard_normal((1, 1) + input_shape)
    w = np.ones((1, 1) + kernel_shape)
    out, cache = conv.conv_forward_naive(x, w, np.zeros(1), {"stride": stride, "pad": pad})
    dx, _, _ = conv.conv_backward_naive(np.ones_like(out), cache)
    counts = conv.multiplication_counts(input_shape, kernel_shape, stride=stride, pad=pad)
    assert counts.shape == input_shape
    np.testing.assert_array_equal(counts, dx[0, 0])
    # every output position multiplies HH * WW entries, padding included
    padded = np.sum(conv.multiplication_counts((input_shape[0] + 2 * pad, input_shape[1] + 2 * pad),
                                               kernel_shape, stride=stride))
    assert padded == out.size * math.prod(kernel_shape) >= counts.sum()


def test_multiplication_counts_stride_leaves_gaps():
    np.testing.assert_array_equal(conv.multiplication_counts((3, 5), (1, 1), stride=2),
                                  [[1, 0, 1, 0, 1], [0, 0, 0, 0, 0], [1, 0, 1, 0, 1]])


@pytest.mark.parametrize("input_shape, kernel_shape, message", [
    ((5, 5), (6, 3), "height"),
    ((5, 5), (3, 6), "width"),
    ((5,), (3, 3), "input_shape"),
    ((5, 5), (3, 3, 3), "kernel_shape"),
    ((5, 0), (3, 3), "input_shape"),
])
def test_multiplication_counts_rejects_bad_shapes(input_shape, kernel_shape, message):
    with pytest.raises(ValueError, match=message):
        conv.multiplication_counts(input_shape, kernel_shape)


# ---------------------------------------------------------------------------------------------------
# output size and parameter count

@pytest.mark.parametrize("size, kernel, stride, pad, expected", [
    (5, 3, 1, 0, 3),
    (32, 3, 1, 1, 32),
    (32, 5, 1, 2, 32),
    (7, 3, 2, 0, 3),
    (6, 2, 2, 0, 3),
    (6, 4, 2, 2, 4),
    (227, 11, 4, 0, 55),    # AlexNet's first layer
    (3, 3, 1, 0, 1),
    (1, 3, 1, 1, 1),
    (0, 1, 1, 1, 2),
    (4, 3, 5, 2, 2),
])
def test_conv_output_size(size, kernel, stride, pad, expected):
    assert conv.conv_output_size(size, kernel, stride, pad) == expected
    assert type(conv.conv_output_size(np.int64(size), kernel, stride, pad)) is int


@pytest.mark.parametrize("size, kernel, stride, pad, name", [
    (6, 3, 2, 0, "height"),     # 6 - 3 = 3 is not a multiple of 2
    (224, 11, 4, 2, "height"),  # the AlexNet paper's 224: 224 + 4 - 11 = 217
    (2, 5, 1, 1, "width"),      # window larger than the padded input
    (1, 2, 1, 0, "width"),
    (7, 2, 3, 0, "depth"),
])
def test_conv_output_size_names_the_dimension_that_does_not_fit(size, kernel, stride, pad, name):
    with pytest.raises(ValueError, match=name):
        conv.conv_output_size(size, kernel, stride, pad, name=name)


@pytest.mark.parametrize("args, argument", [
    ((5, 3, 0, 0), "stride"),
    ((5, 3, 1, -1), "pad"),
    ((5, 0, 1, 0), "kernel"),
    ((5, 3, 1.5, 0), "stride"),
    ((5.0, 3, 1, 0), "input size"),
])
def test_conv_output_size_rejects_bad_arguments(args, argument):
    with pytest.raises(ValueError, match=argument):
        conv.conv_output_size(*args)


@pytest.mark.parametrize("C, F, HH, WW, expected", [
    (3, 32, 3, 3, 896),
    (1, 1, 1, 1, 2),
    (64, 128, 3, 3, 73856),
    (3, 6, 5, 5, 456),       # LeNet-5's first layer with 3 input channels
    (2, 4, 3, 1, 28),
])
def test_conv_param_count(C, F, HH, WW, expected):
    assert conv.conv_param_count(C, F, HH, WW) == expected
    _, w, b = conv_case((1, C, HH, WW), (F, C, HH, WW), seed=6)
    assert w.size + b.size == expected


@pytest.mark.parametrize("args", [(0, 1, 1, 1), (1, 1, -3, 1), (1, 2.0, 1, 1)])
def test_conv_param_count_rejects_bad_sizes(args):
    with pytest.raises(ValueError):
        conv.conv_param_count(*args)


# ---------------------------------------------------------------------------------------------------
# conv: bad input

@pytest.mark.parametrize("x_shape, w_shape, b_shape, conv_param, message", [
    ((2, 3, 5, 5), (4, 2, 3, 3), (4,), {"stride": 1, "pad": 0}, r"channels.*3.*2"),
    ((2, 3, 6, 5), (4, 3, 3, 3), (4,), {"stride": 2, "pad": 0}, "height"),   # (6 - 3) % 2
    ((2, 3, 5, 6), (4, 3, 3, 3), (4,), {"stride": 2, "pad": 0}, "width"),
    ((2, 3, 5, 5), (4, 3, 8, 3), (4,), {"stride": 1, "pad": 1}, "height"),   # kernel taller than 5 + 2
    ((2, 3, 5, 5), (4, 3, 3, 8), (4,), {"stride": 1, "pad": 1}, "width"),
    ((3, 5, 5), (4, 3, 3, 3), (4,), {"stride": 1, "pad": 0}, r"^x must have shape \(N, C, H, W\)"),
    ((2, 3, 5, 5), (3, 3, 3), (4,), {"stride": 1, "pad": 0}, r"^w must have shape \(F, C, HH, WW\)"),
    ((2, 3, 5, 5), (4, 3, 3, 3), (3,), {"stride": 1, "pad": 0}, r"^b must have shape \(F=4,\)"),
    ((2, 3, 5, 5), (4, 3, 3, 3), (4, 1), {"stride": 1, "pad": 0}, r"^b must have shape \(F=4,\)"),
    ((2, 3, 5, 5), (4, 3, 3, 3), (4,), {"stride": 0, "pad": 0}, "stride"),
    ((2, 3, 5, 5), (4, 3, 3, 3), (4,), {"stride": 1, "pad": -1}, "pad"),
    ((2, 3, 5, 5), (4, 3, 3, 3), (4,), {"stride": 1}, "pad"),
])
def test_conv_forward_rejects_bad_input(x_shape, w_shape, b_shape, conv_param, message):
    with pytest.raises(ValueError, match=message):
        conv.conv_forward_naive(np.ones(x_shape), np.ones(w_shape), np.ones(b_shape), conv_param)


# ---------------------------------------------------------------------------------------------------
# max pooling

def loop_max_pool(x, ph, pw, stride):
    N, C, H, W = x.shape
    out = np.empty((N, C, (H - ph) // stride + 1, (W - pw) // stride + 1))
    for n, c, i, j in np.ndindex(out.shape):
        out[n, c, i, j] = max(x[n, c, i * stride + k, j * stride + l] for k in range(ph) for l in range(pw))
    return out


@pytest.mark.parametrize("x_shape, ph, pw, stride", POOL_CASES)
def test_max_pool_forward_matches_loops(x_shape, ph, pw, stride):
    x = np.random.default_rng(7).standard_normal(x_shape)
    pool_param = {"pool_height": ph, "pool_width": pw, "stride": stride}
    out, cache = conv.max_pool_forward_naive(x, pool_param)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, loop_max_pool(x, ph, pw, stride))
    np.testing.assert_array_equal(cache[0], x)
    assert cache[1] is pool_param


@pytest.mark.parametrize("x_shape, ph, pw, stride", POOL_CASES)
def test_max_pool_backward_matches_numerical_gradient(x_shape, ph, pw, stride):
    x = distinct_values(x_shape, seed=8)
    pool_param = {"pool_height": ph, "pool_width": pw, "stride": stride}
    out, cache = conv.max_pool_forward_naive(x, pool_param)
    dout = np.random.default_rng(9).standard_normal(out.shape)
    dx = conv.max_pool_backward_naive(dout, cache)
    dx_num = eval_numerical_gradient_array(lambda v: conv.max_pool_forward_naive(v, pool_param)[0],
                                           x.copy(), dout)
    assert dx.shape == x.shape
    assert rel_error(dx, dx_num) < GRAD_TOL


def test_max_pool_overlapping_windows_accumulate():
    """3x3 windows with stride 2 on a 5x5 input: the centre belongs to all four windows; if it is the
    largest entry it receives the sum of the four upstream gradients."""
    x = distinct_values((1, 1, 5, 5), seed=10)
    x[0, 0, 2, 2] = 10.0
    dout = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    pool_param = {"pool_height": 3, "pool_width": 3, "stride": 2}
    out, cache = conv.max_pool_forward_naive(x, pool_param)
    np.testing.assert_array_equal(out, np.full((1, 1, 2, 2), 10.0))
    dx = conv.max_pool_backward_naive(dout, cache)
    expected = np.zeros((1, 1, 5, 5))
    expected[0, 0, 2, 2] = 10.0
    np.testing.assert_array_equal(dx, expected)


def test_max_pool_tie_goes_to_the_first_maximum_in_row_major_order():
    # window 1: maxima at (0, 1) and (1, 0): row-major first is (0, 1), column-major first would be (1, 0)
    # window 2: all equal, so (0, 0); window 3: a single maximum at (1, 1)
    x = np.array([[[[1.0, 3.0, 2.0, 2.0, 0.0, 0.0],
                    [3.0, 0.0, 2.0, 2.0, 0.0, 5.0]]]])
    out, cache = conv.max_pool_forward_naive(x, {"pool_height": 2, "pool_width": 2, "stride": 2})
    np.testing.assert_array_equal(out, [[[[3.0, 2.0, 5.0]]]])
    dx = conv.max_pool_backward_naive(np.array([[[[7.0, 8.0, 9.0]]]]), cache)
    np.testing.assert_array_equal(dx, [[[[0.0, 7.0, 8.0, 0.0, 0.0, 0.0],
                                         [0.0, 0.0, 0.0, 0.0, 0.0, 9.0]]]])


def test_max_pool_tie_across_overlapping_windows():
    """With stride 1 the two windows of a 2x3 row of equal entries are [0:2] and [1:3]: each sends its
    gradient to its own first column."""
    x = np.zeros((1, 1, 2, 3))
    out, cache = conv.max_pool_forward_naive(x, {"pool_height": 2, "pool_width": 2, "stride": 1})
    dx = conv.max_pool_backward_naive(np.array([[[[1.0, 2.0]]]]), cache)
    np.testing.assert_array_equal(dx, [[[[1.0, 2.0, 0.0], [0.0, 0.0, 0.0]]]])


@pytest.mark.parametrize("x_shape, pool_param, message", [
    ((1, 1, 5, 4), {"pool_height": 2, "pool_width": 2, "stride": 2}, "height"),
    ((1, 1, 4, 5), {"pool_height": 2, "pool_width": 2, "stride": 2}, "width"),
    ((1, 1, 2, 4), {"pool_height": 3, "pool_width": 2, "stride": 1}, "height"),
    ((1, 1, 4, 2), {"pool_height": 2, "pool_width": 3, "stride": 1}, "width"),
    ((1, 4, 4), {"pool_height": 2, "pool_width": 2, "stride": 2}, r"^x must have shape \(N, C, H, W\)"),
    ((1, 1, 4, 4), {"pool_height": 2, "pool_width": 2, "stride": 0}, "stride"),
    ((1, 1, 4, 4), {"pool_height": 0, "pool_width": 2, "stride": 1}, "pool_height"),
    ((1, 1, 4, 4), {"pool_height": 2, "stride": 2}, "pool_width"),
])
def test_max_pool_forward_rejects_bad_input(x_shape, pool_param, message):
    with pytest.raises(ValueError, match=message):
        conv.max_pool_forward_naive(np.ones(x_shape), pool_param)


def test_max_pool_backward_rejects_dout_of_the_wrong_shape():
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
    _, cache = conv.max_pool_forward_naive(np.ones((1, 2, 4, 4)), pool_param)
    with pytest.raises(ValueError, match="^dout must have the output's shape"):
        conv.max_pool_backward_naive(np.ones((1, 2, 3, 3)), cache)


# ---------------------------------------------------------------------------------------------------
# inputs are never modified

def test_conv_and_pool_do_not_modify_their_inputs():
    x, w, b = conv_case((2, 3, 6, 6), (4, 3, 3, 3), seed=11)
    conv_param = {"stride": 1, "pad": 1}
    out, cache = conv.conv_forward_naive(x, w, b, conv_param)
    dout = np.random.default_rng(12).standard_normal(out.shape)
    pool_param = {"pool_height": 3, "pool_width": 3, "stride": 1}
    pool_out, pool_cache = conv.max_pool_forward_naive(x, pool_param)
    dpool = np.random.default_rng(13).standard_normal(pool_out.shape)
    arrays = (x, w, b, dout, dpool)
    copies = [a.copy() for a in arrays]
    params = [dict(conv_param), dict(pool_param)]

    _, cache = conv.conv_forward_naive(x, w, b, conv_param)
    conv.conv_backward_naive(dout, cache)
    conv.conv_backward_naive(dout, cache)
    _, pool_cache = conv.max_pool_forward_naive(x, pool_param)
    conv.max_pool_backward_naive(dpool, pool_cache)
    for original, copy in zip(arrays, copies):
        np.testing.assert_array_equal(original, copy)
    assert [conv_param, pool_param] == params


def test_conv_backward_returns_fresh_arrays():
    """A caller that updates dx, dw or db in place (an optimiser) must not reach into x, w or the cache."""
    x, w, b = conv_case((1, 2, 4, 4), (2, 2, 3, 3), seed=14)
    x_before, w_before = x.copy(), w.copy()
    out, cache = conv.conv_forward_naive(x, w, b, {"stride": 1, "pad": 0})
    dx, dw, db = conv.conv_backward_naive(np.ones_like(out), cache)
    first = [a.copy() for a in (dx, dw, db)]
    for a in (dx, dw, db):
        a += 100.0
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(w, w_before)
    for a, expected in zip(conv.conv_backward_naive(np.ones_like(out), cache), first):
        np.testing.assert_array_equal(a, expected)
