"""nclib.fast_layers: the same results as the naive reference (nclib.conv) on many configurations, ties in
max pooling, numerical gradients, the same errors, inputs left alone, and nothing imported but numpy and the
given input checks."""
import ast
import sys
from pathlib import Path

import numpy as np
import pytest

import nclib
from nclib import conv, fast_layers, input_checks
from nclib.gradcheck import eval_numerical_gradient_array, rel_error

GRAD_TOL = 1e-7
FAST_LAYERS_SOURCE = Path(fast_layers.__file__)
CHECKS_SOURCE = Path(input_checks.__file__)

# (N, C, H, W, F, HH, WW, stride, pad), chosen by hand so that each feature appears at least once
CONV_CASES = [
    (2, 3, 8, 8, 4, 3, 3, 1, 1),    # the usual: 3x3, stride 1, same padding
    (1, 1, 5, 5, 1, 3, 3, 1, 0),    # N = C = F = 1, no padding
    (3, 2, 7, 9, 2, 3, 3, 2, 1),    # non-square input, stride 2, overlapping windows
    (2, 2, 6, 10, 3, 2, 4, 2, 0),   # non-square kernel, stride 2 = kernel height, no padding
    (2, 3, 6, 6, 2, 2, 2, 2, 0),    # windows tile the input exactly
    (2, 1, 7, 4, 2, 1, 1, 3, 0),    # 1x1 kernel, stride 3: windows leave gaps
    (1, 2, 5, 7, 3, 3, 2, 3, 2),    # stride 3, pad 2
    (2, 2, 4, 3, 2, 4, 3, 1, 0),    # kernel as large as the input: a single output pixel
    (1, 1, 1, 1, 2, 3, 3, 1, 1),    # 1x1 input, only padding around it
    (2, 2, 3, 5, 1, 5, 5, 1, 2),    # kernel larger than the input, fits thanks to padding
    (0, 2, 5, 5, 3, 3, 3, 1, 1),    # an empty batch
]

# (N, C, H, W, pool_height, pool_width, stride)
POOL_CASES = [
    (2, 3, 8, 8, 2, 2, 2),   # tiling exactly
    (1, 1, 5, 6, 2, 3, 3),   # non-square window, stride 3: tiles the width, leaves a gap row in the height
    (2, 2, 6, 9, 3, 3, 3),   # tiling with 3x3 windows
    (2, 2, 7, 9, 3, 3, 2),   # overlapping windows
    (1, 2, 5, 6, 2, 3, 1),   # stride 1: heavy overlap, non-square window
    (2, 1, 7, 7, 1, 1, 3),   # 1x1 windows with gaps between them
    (2, 2, 7, 12, 2, 2, 5),  # stride larger than the window: gaps
    (3, 2, 4, 5, 4, 5, 1),   # one window covering the whole input
    (0, 2, 5, 5, 2, 2, 1),   # an empty batch
]


def random_conv_cases(count, seed):
    """Valid random configurations with strides 1-3, pads 0-2, kernels 1-4 and any aspect ratio."""
    rng = np.random.default_rng(seed)
    cases = []
    while len(cases) < count:
        stride, pad = int(rng.integers(1, 4)), int(rng.integers(0, 3))
        HH, WW = (int(k) for k in rng.integers(1, 5, size=2))
        Hout, Wout = (int(k) for k in rng.integers(1, 6, size=2))
        H, W = (Hout - 1) * stride + HH - 2 * pad, (Wout - 1) * stride + WW - 2 * pad
        if H >= 1 and W >= 1:
            N, C, F = (int(k) for k in rng.integers(1, 4, size=3))
            cases.append((N, C, H, W, F, HH, WW, stride, pad))
    return cases


def random_pool_cases(count, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(count):
        ph, pw, stride = (int(k) for k in rng.integers(1, 4, size=3))
        Hout, Wout = (int(k) for k in rng.integers(1, 5, size=2))
        N, C = (int(k) for k in rng.integers(1, 4, size=2))
        cases.append((N, C, (Hout - 1) * stride + ph, (Wout - 1) * stride + pw, ph, pw, stride))
    return cases


def conv_inputs(case, seed):
    N, C, H, W, F, HH, WW, stride, pad = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, C, H, W))
    w = rng.standard_normal((F, C, HH, WW))
    b = rng.standard_normal(F)
    return x, w, b, {"stride": stride, "pad": pad}


def pool_param(ph, pw, stride):
    return {"pool_height": ph, "pool_width": pw, "stride": stride}


def assert_same(fast, naive, what):
    """Same shape and dtype, and equal up to float rounding (relative to the array's scale)."""
    assert fast.shape == naive.shape, f"{what}: shape {fast.shape}, naive {naive.shape}"
    assert fast.dtype == np.float64, f"{what}: dtype {fast.dtype}"
    scale = max(1.0, float(np.max(np.abs(naive), initial=0.0)))
    np.testing.assert_allclose(fast, naive, rtol=1e-12, atol=1e-12 * scale, err_msg=what)


# ---------------------------------------------------------------------------------------------------
# convolution: fast == naive

@pytest.mark.parametrize("case", CONV_CASES + random_conv_cases(30, seed=0), ids=str)
def test_conv_fast_matches_naive(case):
    x, w, b, conv_param = conv_inputs(case, seed=1)
    out_naive, cache_naive = conv.conv_forward_naive(x, w, b, conv_param)
    out_fast, cache_fast = fast_layers.conv_forward_fast(x, w, b, conv_param)
    assert_same(out_fast, out_naive, "out")
    dout = np.random.default_rng(2).standard_normal(out_naive.shape)
    for name, fast, naive in zip(("dx", "dw", "db"), fast_layers.conv_backward_fast(dout, cache_fast),
                                 conv.conv_backward_naive(dout, cache_naive)):
        assert_same(fast, naive, name)


def test_conv_fast_known_value():
    # one 3x3 image, one 2x2 filter, stride 1, pad 0: each output is a window's weighted sum, plus b
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    w = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])
    out, cache = fast_layers.conv_forward_fast(x, w, np.array([0.5]), {"stride": 1, "pad": 0})
    np.testing.assert_array_equal(out, [[[[-3.5, -3.5], [-3.5, -3.5]]]])
    dx, dw, db = fast_layers.conv_backward_fast(np.ones((1, 1, 2, 2)), cache)
    np.testing.assert_array_equal(dx[0, 0], [[1, 1, 0], [1, 0, -1], [0, -1, -1]])
    np.testing.assert_array_equal(dw[0, 0], [[0 + 1 + 3 + 4, 1 + 2 + 4 + 5], [3 + 4 + 6 + 7, 4 + 5 + 7 + 8]])
    np.testing.assert_array_equal(db, [4.0])


def test_conv_fast_converts_inputs_like_the_naive():
    x = np.arange(2 * 2 * 4 * 4).reshape(2, 2, 4, 4) % 5  # int64
    w = (np.arange(3 * 2 * 3 * 3).reshape(3, 2, 3, 3) % 3 - 1).astype(np.float32)
    conv_param = {"stride": 1, "pad": 1}
    for args in [(x, w, [1, 0, -1]), (x.astype(np.float32), w, np.ones(3, dtype=np.float32))]:
        out_fast, cache = fast_layers.conv_forward_fast(*args, conv_param)
        assert_same(out_fast, conv.conv_forward_naive(*args, conv_param)[0], "out")
        for grad in fast_layers.conv_backward_fast(np.ones(out_fast.shape, dtype=np.float32), cache):
            assert grad.dtype == np.float64
    out, cache = fast_layers.max_pool_forward_fast(x.astype(np.float32), pool_param(2, 2, 2))
    assert out.dtype == np.float64
    assert fast_layers.max_pool_backward_fast(np.ones(out.shape, dtype=np.float32), cache).dtype == np.float64


# ---------------------------------------------------------------------------------------------------
# max pooling: fast == naive, ties included

@pytest.mark.parametrize("case", POOL_CASES + random_pool_cases(20, seed=3), ids=str)
def test_max_pool_fast_matches_naive(case):
    N, C, H, W, ph, pw, stride = case
    rng = np.random.default_rng(4)
    x = rng.standard_normal((N, C, H, W))
    out_naive, cache_naive = conv.max_pool_forward_naive(x, pool_param(ph, pw, stride))
    out_fast, cache_fast = fast_layers.max_pool_forward_fast(x, pool_param(ph, pw, stride))
    np.testing.assert_array_equal(out_fast, out_naive)
    assert out_fast.dtype == np.float64
    dout = rng.standard_normal(out_naive.shape)
    assert_same(fast_layers.max_pool_backward_fast(dout, cache_fast),
                conv.max_pool_backward_naive(dout, cache_naive), "dx")


@pytest.mark.parametrize("case", POOL_CASES, ids=str)
@pytest.mark.parametrize("fill", ["all equal", "few values", "plateaus"])
def test_max_pool_fast_breaks_ties_like_the_naive(case, fill):
    N, C, H, W, ph, pw, stride = case
    rng = np.random.default_rng(5)
    if fill == "all equal":
        x = np.full((N, C, H, W), 0.25)
    elif fill == "few values":
        x = rng.integers(0, 3, size=(N, C, H, W)).astype(np.float64)
    else:  # 2x2 blocks of equal values: ties that straddle overlapping windows
        x = np.kron(rng.integers(0, 4, size=(N, C, (H + 1) // 2, (W + 1) // 2)), np.ones((2, 2)))[:, :, :H, :W]
    _, cache_naive = conv.max_pool_forward_naive(x, pool_param(ph, pw, stride))
    out, cache_fast = fast_layers.max_pool_forward_fast(x, pool_param(ph, pw, stride))
    dout = rng.standard_normal(out.shape)
    assert_same(fast_layers.max_pool_backward_fast(dout, cache_fast),
                conv.max_pool_backward_naive(dout, cache_naive), "dx")


def test_max_pool_fast_gives_a_tie_to_the_first_maximum():
    x = np.array([[[[1.0, 3.0, 3.0, 0.0],
                    [3.0, 2.0, 3.0, 3.0],
                    [5.0, 5.0, 4.0, 4.0],
                    [5.0, 5.0, 4.0, 4.0]]]])
    out, cache = fast_layers.max_pool_forward_fast(x, pool_param(2, 2, 2))
    np.testing.assert_array_equal(out, [[[[3.0, 3.0], [5.0, 4.0]]]])
    dx = fast_layers.max_pool_backward_fast(np.array([[[[10.0, 20.0], [30.0, 40.0]]]]), cache)
    np.testing.assert_array_equal(dx, [[[[0, 10, 20, 0], [0, 0, 0, 0], [30, 0, 40, 0], [0, 0, 0, 0]]]])


def test_max_pool_fast_accumulates_overlapping_windows():
    # 3x3 windows with stride 1 over a 4x4 input whose maximum, at (1, 1), is in all four windows
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 1, 1] = 1.0
    out, cache = fast_layers.max_pool_forward_fast(x, pool_param(3, 3, 1))
    np.testing.assert_array_equal(out, np.ones((1, 1, 2, 2)))
    dx = fast_layers.max_pool_backward_fast(np.array([[[[1.0, 2.0], [4.0, 8.0]]]]), cache)
    expected = np.zeros((1, 1, 4, 4))
    expected[0, 0, 1, 1] = 15.0
    np.testing.assert_array_equal(dx, expected)


def test_max_pool_fast_routes_an_infinite_gradient_only_to_the_maximum():
    x = np.array([[[[1.0, 2.0], [0.0, -1.0]]]])
    _, cache = fast_layers.max_pool_forward_fast(x, pool_param(2, 2, 2))
    dx = fast_layers.max_pool_backward_fast(np.array([[[[np.inf]]]]), cache)
    np.testing.assert_array_equal(dx, [[[[0.0, np.inf], [0.0, 0.0]]]])


def test_max_pool_fast_routes_like_the_naive_when_x_holds_nan():
    x = np.random.default_rng(11).standard_normal((2, 2, 6, 6))
    x[0, 0, 1, 2] = x[0, 0, 2, 1] = x[1, 1, 4, 4] = np.nan
    for param in (pool_param(2, 2, 2), pool_param(3, 3, 1)):
        out_naive, cache_naive = conv.max_pool_forward_naive(x, param)
        out_fast, cache_fast = fast_layers.max_pool_forward_fast(x, param)
        np.testing.assert_array_equal(out_fast, out_naive)
        dout = np.arange(1.0, 1.0 + out_fast.size).reshape(out_fast.shape)
        np.testing.assert_array_equal(fast_layers.max_pool_backward_fast(dout, cache_fast),
                                      conv.max_pool_backward_naive(dout, cache_naive))


# ---------------------------------------------------------------------------------------------------
# numerical gradients

def test_conv_backward_fast_matches_numerical_gradient():
    x, w, b, conv_param = conv_inputs((2, 2, 5, 6, 3, 3, 2, 2, 1), seed=6)
    out, cache = fast_layers.conv_forward_fast(x, w, b, conv_param)
    dout = np.random.default_rng(7).standard_normal(out.shape)
    dx, dw, db = fast_layers.conv_backward_fast(dout, cache)

    def out_of(x, w, b):
        return fast_layers.conv_forward_fast(x, w, b, conv_param)[0]

    dx_num = eval_numerical_gradient_array(lambda v: out_of(v, w, b), x, dout)
    dw_num = eval_numerical_gradient_array(lambda v: out_of(x, v, b), w, dout)
    db_num = eval_numerical_gradient_array(lambda v: out_of(x, w, v), b, dout)
    assert rel_error(dx, dx_num) < GRAD_TOL
    assert rel_error(dw, dw_num) < GRAD_TOL
    assert rel_error(db, db_num) < GRAD_TOL


@pytest.mark.parametrize("ph, pw, stride", [(2, 2, 2), (3, 2, 1)])
def test_max_pool_backward_fast_matches_numerical_gradient(ph, pw, stride):
    # a permutation of well-separated values: no tie, and no maximum that a step of h can change
    rng = np.random.default_rng(8)
    shape = (2, 2, 4, 5) if stride == 1 else (2, 2, 4, 6)
    x = rng.permutation(np.prod(shape)).reshape(shape) / 10.0
    out, cache = fast_layers.max_pool_forward_fast(x, pool_param(ph, pw, stride))
    dout = rng.standard_normal(out.shape)
    dx = fast_layers.max_pool_backward_fast(dout, cache)
    dx_num = eval_numerical_gradient_array(
        lambda v: fast_layers.max_pool_forward_fast(v, pool_param(ph, pw, stride))[0], x, dout)
    assert rel_error(dx, dx_num) < GRAD_TOL


# ---------------------------------------------------------------------------------------------------
# errors

# (x shape, w shape, b shape, conv_param, word the message must hold)
BAD_CONV = [
    ((2, 3, 5, 5), (4, 2, 3, 3), (4,), {"stride": 1, "pad": 1}, "channels"),
    ((2, 3, 6, 5), (4, 3, 3, 3), (4,), {"stride": 2, "pad": 1}, "height"),
    ((2, 3, 5, 6), (4, 3, 3, 3), (4,), {"stride": 2, "pad": 1}, "width"),
    ((2, 3, 2, 5), (4, 3, 3, 3), (4,), {"stride": 1, "pad": 0}, "height"),  # kernel taller than the input
    ((2, 3, 5, 2), (4, 3, 3, 3), (4,), {"stride": 1, "pad": 0}, "width"),
    ((3, 5, 5), (4, 3, 3, 3), (4,), {"stride": 1, "pad": 1}, "x"),
    ((2, 3, 5, 5), (4, 3, 3), (4,), {"stride": 1, "pad": 1}, "w"),
    ((2, 3, 5, 5), (4, 3, 3, 3), (3,), {"stride": 1, "pad": 1}, "b"),
    ((2, 3, 5, 5), (4, 3, 3, 3), (4,), {"stride": 0, "pad": 1}, "stride"),
    ((2, 3, 5, 5), (4, 3, 3, 3), (4,), {"stride": 1.0, "pad": 1}, "stride"),
    ((2, 3, 5, 5), (4, 3, 3, 3), (4,), {"stride": True, "pad": 1}, "stride"),
    ((2, 3, 5, 5), (4, 3, 3, 3), (4,), {"stride": 1, "pad": -1}, "pad"),
    ((2, 3, 5, 5), (4, 3, 3, 3), (4,), {"stride": 1}, "pad"),
    ((2, 3, 5, 5), (4, 3, 3, 3), (4,), None, "conv_param"),
]

# (x shape, pool_param, word)
BAD_POOL = [
    ((2, 3, 5, 4), pool_param(2, 2, 2), "height"),
    ((2, 3, 4, 5), pool_param(2, 2, 2), "width"),
    ((2, 3, 1, 4), pool_param(2, 2, 2), "height"),  # window taller than the input
    ((2, 3, 4, 1), pool_param(2, 2, 2), "width"),
    ((3, 4, 4), pool_param(2, 2, 2), "x"),
    ((2, 3, 4, 4), pool_param(0, 2, 2), "pool_height"),
    ((2, 3, 4, 4), pool_param(2, 2.5, 2), "pool_width"),
    ((2, 3, 4, 4), {"pool_height": 2, "pool_width": 2}, "stride"),
    ((2, 3, 4, 4), [2, 2, 2], "pool_param"),
]


@pytest.mark.parametrize("x_shape, w_shape, b_shape, conv_param, word", BAD_CONV, ids=str)
def test_conv_forward_fast_raises_what_the_naive_raises(x_shape, w_shape, b_shape, conv_param, word):
    args = np.ones(x_shape), np.ones(w_shape), np.ones(b_shape), conv_param
    with pytest.raises(ValueError, match=word):
        conv.conv_forward_naive(*args)
    with pytest.raises(ValueError, match=word):
        fast_layers.conv_forward_fast(*args)


@pytest.mark.parametrize("x_shape, param, word", BAD_POOL, ids=str)
def test_max_pool_forward_fast_raises_what_the_naive_raises(x_shape, param, word):
    with pytest.raises(ValueError, match=word):
        conv.max_pool_forward_naive(np.ones(x_shape), param)
    with pytest.raises(ValueError, match=word):
        fast_layers.max_pool_forward_fast(np.ones(x_shape), param)


def test_backward_fast_rejects_a_dout_of_the_wrong_shape():
    x, w, b, conv_param = conv_inputs((2, 3, 4, 4, 2, 3, 3, 1, 1), seed=9)
    out, cache = fast_layers.conv_forward_fast(x, w, b, conv_param)
    with pytest.raises(ValueError, match="dout"):
        fast_layers.conv_backward_fast(np.ones(out.shape[:3] + (3,)), cache)
    out, cache = fast_layers.max_pool_forward_fast(x, pool_param(2, 2, 2))
    with pytest.raises(ValueError, match="dout"):
        fast_layers.max_pool_backward_fast(np.ones((2, 3, 2, 3)), cache)


# ---------------------------------------------------------------------------------------------------
# side effects and imports

def test_fast_layers_do_not_modify_their_inputs():
    x, w, b, conv_param = conv_inputs((2, 3, 6, 6, 4, 3, 3, 1, 1), seed=10)
    params = [dict(conv_param), pool_param(2, 2, 2)]
    before = [a.copy() for a in (x, w, b)]
    out, cache = fast_layers.conv_forward_fast(x, w, b, conv_param)
    dout = np.ones(out.shape)
    first = fast_layers.conv_backward_fast(dout, cache)
    second = fast_layers.conv_backward_fast(dout, cache)  # the cache is not consumed
    pooled, pool_cache = fast_layers.max_pool_forward_fast(out, pool_param(2, 2, 2))
    out_before, dpool = out.copy(), np.ones(pooled.shape)
    fast_layers.max_pool_backward_fast(dpool, pool_cache)
    fast_layers.max_pool_backward_fast(dpool, pool_cache)
    for original, copy in zip((x, w, b), before):
        np.testing.assert_array_equal(original, copy)
    np.testing.assert_array_equal(out, out_before)
    assert np.all(dout == 1.0) and np.all(dpool == 1.0)
    assert params == [conv_param, pool_param(2, 2, 2)]
    for a, b_ in zip(first, second):
        np.testing.assert_array_equal(a, b_)


def test_fast_backward_is_unaffected_by_changes_to_the_returned_output():
    x, w, b, conv_param = conv_inputs((2, 3, 6, 6, 4, 3, 3, 1, 1), seed=12)
    out, cache = fast_layers.conv_forward_fast(x, w, b, conv_param)
    dout = np.random.default_rng(13).standard_normal(out.shape)
    expected = fast_layers.conv_backward_fast(dout, cache)
    np.maximum(out, 0, out=out)  # an in-place ReLU
    for got, want in zip(fast_layers.conv_backward_fast(dout, cache), expected):
        np.testing.assert_array_equal(got, want)
    pooled, cache = fast_layers.max_pool_forward_fast(x, pool_param(2, 2, 2))
    dpool = np.random.default_rng(14).standard_normal(pooled.shape)
    expected = fast_layers.max_pool_backward_fast(dpool, cache)
    pooled += 1.0
    np.testing.assert_array_equal(fast_layers.max_pool_backward_fast(dpool, cache), expected)


def foreign_imports(source):
    """The modules a source imports other than numpy, the standard library and nclib's given modules
    (imported by absolute name), relative imports included, as (line, module) pairs; imports inside
    functions count too."""
    given = {f"nclib.{module}" for module in nclib.GIVEN_MODULES}
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = ["." * node.level + (node.module or "")]
        else:
            continue
        found += [(node.lineno, name) for name in names
                  if name.split(".")[0] != "numpy" and name.split(".")[0] not in sys.stdlib_module_names
                  and name not in given]
    dynamic = [(node.lineno, "__import__ or importlib") for node in ast.walk(ast.parse(source))
               if isinstance(node, ast.Name) and node.id in ("__import__", "importlib")]
    return found + dynamic


@pytest.mark.parametrize("source", [
    "from nclib import conv",
    "import nclib.conv",
    "from . import conv",
    "from .gradcheck import rel_error",
    "import scipy.signal",
    "def f():\n    import torch\n    return torch",
    "import importlib\nconv = importlib.import_module('nclib.conv')",
])
def test_foreign_imports_catches_what_it_must(source):
    assert foreign_imports(source)


@pytest.mark.parametrize("path", [FAST_LAYERS_SOURCE, CHECKS_SOURCE], ids=lambda path: path.stem)
def test_given_layers_import_nothing_but_numpy_the_standard_library_and_given_modules(path):
    source = path.read_text()
    assert not foreign_imports(source), f"nclib.{path.stem} is given to students: it may import numpy and given ones"
    assert foreign_imports(source + "\nimport nclib.conv\n")  # the check reads the file it claims to
