"""Specs of the conv_backward assignment: the exam's conv2d questions, output size and parameter count,
and the naive convolution and max-pooling layers."""
import numpy as np

from nclib import conv
from nclib.grading.engine import Spec, call, compare_cases, describe, forward_spec, require


EXAM_A = np.array([[1, 2, 3, 4, 5], [5, 1, 2, 3, 4], [4, 5, 1, 2, 3], [3, 4, 5, 1, 2], [2, 3, 4, 5, 1]], dtype=float)
EXAM_W = np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=float)


def _exam_cases(seed, with_c=False):
    """The exam's A and W (question 2), then random matrices and kernels of other shapes."""
    rng = np.random.default_rng(seed)
    pairs = [(EXAM_A, EXAM_W)] + [(rng.standard_normal(a), rng.standard_normal(k))
                                  for a, k in [((6, 6), (2, 2)), ((4, 7), (3, 2)), ((5, 3), (1, 3)), ((3, 3), (3, 3))]]
    cases = []
    for A, K in pairs:
        args = (A, K)
        if with_c:
            B_shape = (A.shape[0] - K.shape[0] + 1, A.shape[1] - K.shape[1] + 1)
            args = (A, K, -10 * np.eye(*B_shape) if A is EXAM_A else rng.standard_normal(B_shape))
        cases.append((args, "the exam's A and W" if A is EXAM_A else f"A {A.shape}, K {K.shape}"))
    return cases


def _conv2d(name, student_fn, reference):
    compare_cases(name, student_fn, reference, _exam_cases(18), ["B"])


def _diagonal_loss_gradients(name, student_fn, reference):
    compare_cases(name, student_fn, reference, _exam_cases(19, with_c=True), ["f", "dA", "dK"])


def _multiplication_counts(name, student_fn, reference):
    cases = [(((5, 5), (3, 3), 1, 0), "the exam's 5x5 input and 3x3 kernel")]
    for input_shape, kernel_shape, stride, pad in [((6, 4), (3, 2), 1, 0), ((7, 7), (3, 3), 2, 0),
                                                   ((4, 5), (3, 3), 1, 1), ((8, 6), (4, 2), 2, 1), ((3, 3), (3, 3), 1, 0)]:
        cases.append(((input_shape, kernel_shape, stride, pad),
                      f"input {input_shape}, kernel {kernel_shape}, stride {stride}, pad {pad}"))
    compare_cases(name, student_fn, reference, cases, ["counts"])


def _conv_output_size(name, student_fn, reference):
    for size, kernel, stride, pad in [(32, 3, 1, 1), (32, 5, 1, 0), (8, 3, 1, 1), (7, 3, 2, 0), (9, 3, 2, 2),
                                      (5, 5, 1, 0), (28, 4, 4, 0), (1, 3, 1, 1)]:
        where = f"{name} (size {size}, kernel {kernel}, stride {stride}, pad {pad})"
        actual = call(where, student_fn, size, kernel, stride, pad)
        require(isinstance(actual, (int, np.integer)) and not isinstance(actual, bool),
                f"{where}: must return an int, got {describe(actual)}")
        require(actual == reference(size, kernel, stride, pad), f"{where}: wrong output size")
    for size, kernel, stride, pad in [(8, 3, 2, 0), (32, 4, 4, 1), (3, 5, 1, 0)]:
        where = f"{name} (size {size}, kernel {kernel}, stride {stride}, pad {pad}: the windows do not fit)"
        try:
            student_fn(size, kernel, stride, pad)
        except NotImplementedError:
            raise
        except ValueError:
            continue
        except Exception as error:
            raise AssertionError(f"{where}: must raise ValueError, raised {type(error).__name__}") from error
        raise AssertionError(f"{where}: must raise ValueError")


def _conv_param_count(name, student_fn, reference):
    for C, F, HH, WW in [(3, 16, 3, 3), (1, 8, 5, 5), (64, 128, 1, 1), (3, 2, 3, 5)]:
        where = f"{name} (C={C}, F={F}, HH={HH}, WW={WW})"
        actual = call(where, student_fn, C, F, HH, WW)
        require(isinstance(actual, (int, np.integer)) and not isinstance(actual, bool),
                f"{where}: must return an int, got {describe(actual)}")
        require(actual == reference(C, F, HH, WW), f"{where}: wrong number of parameters")


CONV_CONFIGS = [  # x shape, w shape, stride, pad
    ((2, 3, 5, 5), (4, 3, 3, 3), 1, 1),
    ((1, 1, 6, 4), (1, 1, 3, 2), 1, 0),     # a batch of one, one channel, one filter, non-square
    ((3, 2, 7, 7), (2, 2, 3, 3), 2, 0),     # stride 2
    ((2, 2, 4, 6), (3, 2, 3, 3), 1, 2),     # pad 2
    ((2, 3, 8, 6), (2, 3, 4, 2), 2, 1),     # non-square kernel, stride 2, pad 1
    ((1, 2, 3, 3), (5, 2, 3, 3), 1, 0),     # one output pixel
]


def _conv_cases(seed):
    rng = np.random.default_rng(seed)
    cases = []
    for x_shape, w_shape, stride, pad in CONV_CONFIGS:
        args = (rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0]),
                {"stride": stride, "pad": pad})
        cases.append((args, f"x {x_shape}, w {w_shape}, stride {stride}, pad {pad}"))
    return cases


def _conv_backward_naive(name, student_fn, reference):
    rng = np.random.default_rng(21)
    cases = []
    for (x, w, b, conv_param), description in _conv_cases(20):
        out, cache = conv.conv_forward_naive(x, w, b, conv_param)
        cases.append(((rng.standard_normal(out.shape), cache), description))
    compare_cases(name, student_fn, reference, cases, ["dx", "dw", "db"])


POOL_CONFIGS = [  # x shape, pool height, pool width, stride
    ((2, 3, 4, 4), 2, 2, 2),
    ((1, 1, 6, 4), 2, 2, 2),
    ((2, 2, 7, 7), 3, 3, 2),                # overlapping windows
    ((3, 2, 6, 6), 2, 3, 1),                # non-square windows, stride 1
    ((2, 1, 4, 6), 4, 2, 2),
]


def _pool_cases(seed, ties=False):
    rng = np.random.default_rng(seed)
    cases = []
    for x_shape, ph, pw, stride in POOL_CONFIGS:
        x = rng.integers(3, size=x_shape).astype(float) if ties else rng.standard_normal(x_shape)
        description = f"x {x_shape}, {ph}x{pw} windows, stride {stride}" + (", with ties" if ties else "")
        cases.append(((x, {"pool_height": ph, "pool_width": pw, "stride": stride}), description))
    return cases


def _max_pool_backward_naive(name, student_fn, reference):
    rng = np.random.default_rng(23)
    cases = []
    for (x, pool_param), description in _pool_cases(22) + _pool_cases(24, ties=True):
        out, cache = conv.max_pool_forward_naive(x, pool_param)
        cases.append(((rng.standard_normal(out.shape), cache), description))
    compare_cases(name, student_fn, reference, cases, ["dx"])


SPECS = {
    "conv2d": Spec(conv.conv2d, _conv2d),
    "multiplication_counts": Spec(conv.multiplication_counts, _multiplication_counts),
    "diagonal_loss_gradients": Spec(conv.diagonal_loss_gradients, _diagonal_loss_gradients),
    "conv_output_size": Spec(conv.conv_output_size, _conv_output_size),
    "conv_param_count": Spec(conv.conv_param_count, _conv_param_count),
    "conv_forward_naive": forward_spec(conv.conv_forward_naive, _conv_cases, 20),
    "conv_backward_naive": Spec(conv.conv_backward_naive, _conv_backward_naive),
    "max_pool_forward_naive": forward_spec(conv.max_pool_forward_naive, _pool_cases, 22),
    "max_pool_backward_naive": Spec(conv.max_pool_backward_naive, _max_pool_backward_naive),
}
