"""nclib.layers: forward values against independent formulas and known values, backward passes against
numerical gradients (float64, relative error < 1e-7), edge cases and bad input."""
import math

import numpy as np
import pytest

from conftest import strict_floats
from nclib import layers
from nclib.gradcheck import eval_numerical_gradient_array, rel_error

GRAD_TOL = 1e-7
# swish has its minimum here (swish'(x) = 0): a relative error of a gradient near zero means nothing
SWISH_STATIONARY = -1.2784645427610738

ELEMENTWISE_SHAPES = [(4, 5), (1, 3), (1, 1), (2, 3, 4), (7,)]
AFFINE_SHAPES = [((3, 5), 4), ((1, 7), 3), ((1, 2, 3), 2), ((4, 2, 3), 5), ((2, 3, 2, 2), 6), ((6, 10), 1)]


def away_from_zero(x, margin=0.1):
    """x with every entry moved at least `margin` away from 0, keeping its sign (0 goes to +margin)."""
    return np.where(x >= 0, x + margin, x - margin)


def away_from_swish_minimum(x, margin=0.05):
    return np.where(np.abs(x - SWISH_STATIONARY) < margin, x + 3 * margin, x)


def naive_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def numeric_vs_analytic(forward, backward, x, seed):
    """Relative error between backward's dx and the numerical gradient of forward at x, for a random dout."""
    x = np.array(x, dtype=np.float64)
    dout = np.random.default_rng(seed).standard_normal(forward(x)[0].shape)
    _, cache = forward(x.copy())
    dx = backward(dout, cache)
    dx_num = eval_numerical_gradient_array(lambda v: forward(v)[0], x, dout)
    assert dx.shape == x.shape
    return rel_error(dx, dx_num)


def test_strict_floats_catches_a_naive_sigmoid():
    with pytest.raises(FloatingPointError):
        with strict_floats():
            naive_sigmoid(np.array([-1000.0]))


# ---------------------------------------------------------------------------------------------------
# affine

def test_affine_forward_known_value():
    x = np.array([[1.0, 2.0, 3.0]])
    w = np.array([[1.0, -1.0], [0.0, 2.0], [0.5, 0.0]])
    b = np.array([0.25, -1.0])
    out, _ = layers.affine_forward(x, w, b)
    np.testing.assert_array_equal(out, [[2.75, 2.0]])


@pytest.mark.parametrize("x_shape, M", AFFINE_SHAPES)
def test_affine_forward_matches_loops(x_shape, M):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(x_shape)
    D = math.prod(x_shape[1:])
    w, b = rng.standard_normal((D, M)), rng.standard_normal(M)
    out, cache = layers.affine_forward(x, w, b)
    expected = np.empty((x_shape[0], M))
    for i in range(x_shape[0]):
        row = x[i].ravel()
        for m in range(M):
            expected[i, m] = math.fsum(row[d] * w[d, m] for d in range(D)) + b[m]
    assert out.shape == (x_shape[0], M) and out.dtype == np.float64
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    assert cache[0] is x or np.array_equal(cache[0], x)


@pytest.mark.parametrize("x_shape, M", AFFINE_SHAPES)
def test_affine_backward_matches_numerical_gradient(x_shape, M):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal((math.prod(x_shape[1:]), M))
    b = rng.standard_normal(M)
    dout = rng.standard_normal((x_shape[0], M))
    _, cache = layers.affine_forward(x, w, b)
    dx, dw, db = layers.affine_backward(dout, cache)
    assert (dx.shape, dw.shape, db.shape) == (x.shape, w.shape, b.shape)
    dx_num = eval_numerical_gradient_array(lambda v: layers.affine_forward(v, w, b)[0], x.copy(), dout)
    dw_num = eval_numerical_gradient_array(lambda v: layers.affine_forward(x, v, b)[0], w.copy(), dout)
    db_num = eval_numerical_gradient_array(lambda v: layers.affine_forward(x, w, v)[0], b.copy(), dout)
    assert rel_error(dx, dx_num) < GRAD_TOL
    assert rel_error(dw, dw_num) < GRAD_TOL
    assert rel_error(db, db_num) < GRAD_TOL


def test_affine_zero_rows():
    x, w, b = np.zeros((0, 3, 2)), np.ones((6, 4)), np.ones(4)
    out, cache = layers.affine_forward(x, w, b)
    assert out.shape == (0, 4)
    dx, dw, db = layers.affine_backward(np.zeros((0, 4)), cache)
    assert dx.shape == (0, 3, 2)
    np.testing.assert_array_equal(dw, np.zeros((6, 4)))
    np.testing.assert_array_equal(db, np.zeros(4))


def test_affine_does_not_modify_its_inputs():
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((3, 2, 2)), rng.standard_normal((4, 5)), rng.standard_normal(5)
    dout = rng.standard_normal((3, 5))
    copies = [a.copy() for a in (x, w, b, dout)]
    _, cache = layers.affine_forward(x, w, b)
    layers.affine_backward(dout, cache)
    for original, copy in zip((x, w, b, dout), copies):
        np.testing.assert_array_equal(original, copy)


@pytest.mark.parametrize("w_shape, b_shape, argument", [
    ((7, 4), (4,), "w"),      # D is 6
    ((6,), (4,), "w"),        # w must be 2-D
    ((4, 6), (4,), "w"),      # transposed
    ((6, 4), (5,), "b"),
    ((6, 4), (1, 4), "b"),
    ((6, 4), (), "b"),
])
def test_affine_forward_rejects_bad_shapes(w_shape, b_shape, argument):
    x = np.ones((2, 3, 2))
    with pytest.raises(ValueError, match=argument):
        layers.affine_forward(x, np.ones(w_shape), np.ones(b_shape))


def test_affine_forward_rejects_a_scalar_x():
    with pytest.raises(ValueError, match="x"):
        layers.affine_forward(np.float64(1.0), np.ones((1, 2)), np.ones(2))


# ---------------------------------------------------------------------------------------------------
# relu

def test_relu_forward_known_values():
    out, _ = layers.relu_forward(np.array([-2.0, -0.0, 0.0, 1e-300, 3.5]))
    np.testing.assert_array_equal(out, [0.0, 0.0, 0.0, 1e-300, 3.5])


@pytest.mark.parametrize("shape", ELEMENTWISE_SHAPES)
def test_relu_forward_matches_formula_and_keeps_x(shape):
    x = 3 * np.random.default_rng(4).standard_normal(shape)
    x_before = x.copy()
    out, _ = layers.relu_forward(x)
    np.testing.assert_array_equal(out, np.where(x > 0, x, 0.0))
    np.testing.assert_array_equal(x, x_before)


@pytest.mark.parametrize("shape", ELEMENTWISE_SHAPES)
def test_relu_backward_matches_numerical_gradient(shape):
    x = away_from_zero(np.random.default_rng(5).standard_normal(shape))
    assert numeric_vs_analytic(layers.relu_forward, layers.relu_backward, x, seed=6) < GRAD_TOL


def test_relu_backward_is_the_mask_and_zero_at_zero():
    x = np.array([[-3.0, 0.0, 2.0], [0.0, -0.0, 1e-12]])
    dout = np.array([[1.5, 2.0, -4.0], [7.0, 8.0, 0.5]])
    _, cache = layers.relu_forward(x)
    np.testing.assert_array_equal(layers.relu_backward(dout, cache), [[0.0, 0.0, -4.0], [0.0, 0.0, 0.5]])


# ---------------------------------------------------------------------------------------------------
# sigmoid and tanh

def test_sigmoid_known_values():
    assert layers.sigmoid(0.0) == 0.5
    np.testing.assert_allclose(layers.sigmoid(np.log(3.0)), 0.75, rtol=1e-15)
    out, cache = layers.sigmoid_forward(np.zeros((2, 2)))
    np.testing.assert_array_equal(out, np.full((2, 2), 0.5))
    np.testing.assert_array_equal(layers.sigmoid_backward(np.ones((2, 2)), cache), np.full((2, 2), 0.25))


@pytest.mark.parametrize("shape", ELEMENTWISE_SHAPES)
def test_sigmoid_forward_matches_formula(shape):
    x = 4 * np.random.default_rng(7).standard_normal(shape)
    out, _ = layers.sigmoid_forward(x)
    np.testing.assert_allclose(out, naive_sigmoid(x), rtol=1e-14)
    np.testing.assert_allclose(layers.sigmoid(-x), 1 - out, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("shape", ELEMENTWISE_SHAPES)
def test_sigmoid_backward_matches_numerical_gradient(shape):
    x = 2 * np.random.default_rng(8).standard_normal(shape)
    assert numeric_vs_analytic(layers.sigmoid_forward, layers.sigmoid_backward, x, seed=9) < GRAD_TOL


def test_tanh_known_values():
    out, cache = layers.tanh_forward(np.array([0.0, np.log(2.0)]))
    np.testing.assert_allclose(out, [0.0, 0.6], rtol=1e-15, atol=0)
    np.testing.assert_allclose(layers.tanh_backward(np.ones(2), cache), [1.0, 0.64], rtol=1e-15)


@pytest.mark.parametrize("shape", ELEMENTWISE_SHAPES)
def test_tanh_forward_matches_formula(shape):
    x = 2 * np.random.default_rng(10).standard_normal(shape)
    out, _ = layers.tanh_forward(x)
    np.testing.assert_allclose(out, (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x)), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("shape", ELEMENTWISE_SHAPES)
def test_tanh_backward_matches_numerical_gradient(shape):
    x = 1.5 * np.random.default_rng(11).standard_normal(shape)
    assert numeric_vs_analytic(layers.tanh_forward, layers.tanh_backward, x, seed=12) < GRAD_TOL


# ---------------------------------------------------------------------------------------------------
# swish

def test_swish_known_values():
    out, cache = layers.swish_forward(np.array([0.0, 1.0, -1.0]))
    np.testing.assert_allclose(out, [0.0, 1 / (1 + np.exp(-1)), -1 / (1 + np.exp(1))], rtol=1e-15)
    dx = layers.swish_backward(np.ones(3), cache)
    assert dx[0] == 0.5
    # swish'(z) = sigma(z) (1 + z (1 - sigma(z))): swish'(1) = s (2 - s), swish'(-1) = (1 - s)^2, s = sigma(1)
    s = 1 / (1 + np.exp(-1))
    np.testing.assert_allclose(dx[1:], [s * (2 - s), (1 - s) ** 2], rtol=1e-14)


def test_swish_stationary_point_has_zero_derivative():
    _, cache = layers.swish_forward(np.array([SWISH_STATIONARY]))
    assert abs(layers.swish_backward(np.ones(1), cache)[0]) < 1e-15


@pytest.mark.parametrize("shape", ELEMENTWISE_SHAPES)
def test_swish_forward_matches_formula(shape):
    x = 4 * np.random.default_rng(13).standard_normal(shape)
    out, _ = layers.swish_forward(x)
    np.testing.assert_allclose(out, x / (1 + np.exp(-x)), rtol=1e-14)


def test_swish_derivative_seed_formula_equals_product_rule():
    """Seed 001: swish'(z) = h + sigma(z) (1 - h) with h = swish(z); the product rule gives
    sigma(z) + z sigma(z) (1 - sigma(z))."""
    z = np.linspace(-30, 30, 1201)
    s = naive_sigmoid(z)
    product_rule = s + z * s * (1 - s)
    _, cache = layers.swish_forward(z)
    np.testing.assert_allclose(layers.swish_backward(np.ones_like(z), cache), product_rule, rtol=1e-9, atol=1e-14)


@pytest.mark.parametrize("shape", ELEMENTWISE_SHAPES)
def test_swish_backward_matches_numerical_gradient(shape):
    x = away_from_swish_minimum(2 * np.random.default_rng(14).standard_normal(shape))
    assert numeric_vs_analytic(layers.swish_forward, layers.swish_backward, x, seed=15) < GRAD_TOL


# ---------------------------------------------------------------------------------------------------
# every activation: large inputs, zero rows, shapes, dtypes

ACTIVATION_NAMES = sorted(layers.ACTIVATIONS)
LIMITS = {  # value and derivative at -1000 and +1000
    "relu": ([0.0, 1000.0], [0.0, 1.0]),
    "sigmoid": ([0.0, 1.0], [0.0, 0.0]),
    "tanh": ([-1.0, 1.0], [0.0, 0.0]),
    "swish": ([0.0, 1000.0], [0.0, 1.0]),
}


def test_activation_registry():
    assert set(layers.ACTIVATIONS) == {"relu", "sigmoid", "tanh", "swish"}
    assert layers.ACTIVATIONS["relu"] == (layers.relu_forward, layers.relu_backward)
    assert layers.ACTIVATIONS["swish"] == (layers.swish_forward, layers.swish_backward)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_activation_large_inputs_are_finite_without_warnings(name):
    forward, backward = layers.ACTIVATIONS[name]
    x = np.array([-1000.0, 1000.0])
    with strict_floats():
        out, cache = forward(x)
        dx = backward(np.ones(2), cache)
    values, derivatives = LIMITS[name]
    np.testing.assert_array_equal(out, values)
    np.testing.assert_array_equal(dx, derivatives)


@pytest.mark.parametrize("name", ["sigmoid", "swish"])
def test_sigmoid_and_swish_large_arrays_without_warnings(name):
    forward, backward = layers.ACTIVATIONS[name]
    x = np.concatenate([np.linspace(-1e4, -700, 50), np.linspace(700, 1e4, 50)])
    with strict_floats():
        out, cache = forward(x)
        dx = backward(np.ones_like(x), cache)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(dx))


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_activation_zero_rows(name):
    forward, backward = layers.ACTIVATIONS[name]
    out, cache = forward(np.zeros((0, 4)))
    assert out.shape == (0, 4)
    assert backward(np.zeros((0, 4)), cache).shape == (0, 4)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_activation_float64_and_inputs_unchanged(name):
    forward, backward = layers.ACTIVATIONS[name]
    rng = np.random.default_rng(16)
    x, dout = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    x_before, dout_before = x.copy(), dout.copy()
    out, cache = forward(x)
    dx = backward(dout, cache)
    assert out.dtype == np.float64 and dx.dtype == np.float64
    assert out.shape == dx.shape == x.shape
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(dout, dout_before)
