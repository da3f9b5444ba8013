"""nclib.losses: values against independent computations, gradients against numerical gradients
(float64, relative error < 1e-7), numerical stability, edge cases and bad input."""
import math

import numpy as np
import pytest

from conftest import strict_floats
from nclib import losses
from nclib.gradcheck import eval_numerical_gradient, rel_error

GRAD_TOL = 1e-7


# ---------------------------------------------------------------------------------------------------
# softmax_loss

def softmax_loss_by_hand(scores, y):
    """Textbook softmax cross-entropy, one row at a time in Python floats (moderate scores only)."""
    N, C = scores.shape
    total, dscores = 0.0, np.zeros((N, C))
    for i in range(N):
        exps = [math.exp(s) for s in scores[i]]
        Z = math.fsum(exps)
        total -= math.log(exps[y[i]] / Z)
        for c in range(C):
            dscores[i, c] = (exps[c] / Z - (c == y[i])) / N
    return total / N, dscores


SOFTMAX_SHAPES = [(5, 3), (1, 4), (8, 10), (3, 2), (1, 1)]


def scores_and_labels(N, C, seed, scale=2.0):
    rng = np.random.default_rng(seed)
    return scale * rng.standard_normal((N, C)), rng.integers(C, size=N)


@pytest.mark.parametrize("N, C", SOFTMAX_SHAPES)
def test_softmax_loss_matches_textbook_formula(N, C):
    scores, y = scores_and_labels(N, C, seed=N * 100 + C)
    loss, dscores = losses.softmax_loss(scores, y)
    expected_loss, expected_dscores = softmax_loss_by_hand(scores, y)
    assert isinstance(loss, float)
    assert loss == pytest.approx(expected_loss, rel=1e-12, abs=1e-15)
    np.testing.assert_allclose(dscores, expected_dscores, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(dscores.sum(axis=1), 0.0, atol=1e-15)


# Rounding makes the numerical gradient's absolute error about 1e-16 * loss / h, whatever N: keep N small
# and the scores moderate, so that no entry of dscores is so small that 1e-7 of it drowns in rounding.
@pytest.mark.parametrize("N, C", [(5, 3), (1, 4), (4, 10), (3, 2), (2, 7)])
def test_softmax_loss_gradient_matches_numerical_gradient(N, C):
    scores, y = scores_and_labels(N, C, seed=N + C, scale=1.0)
    _, dscores = losses.softmax_loss(scores, y)
    numeric = eval_numerical_gradient(lambda s: losses.softmax_loss(s, y)[0], scores.copy())
    assert rel_error(dscores, numeric) < GRAD_TOL


def test_softmax_loss_is_invariant_to_a_constant_per_row():
    scores, y = scores_and_labels(6, 5, seed=1)
    shift = 100 * np.random.default_rng(2).standard_normal((6, 1))
    loss, dscores = losses.softmax_loss(scores, y)
    loss_shifted, dscores_shifted = losses.softmax_loss(scores + shift, y)
    assert loss_shifted == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(dscores_shifted, dscores, rtol=1e-10, atol=1e-15)


def test_softmax_loss_large_logits_known_values():
    scores = np.array([[1e4, 0.0, 0.0], [1e4, 1e4, 0.0], [0.0, 0.0, 1e4]])
    y = np.array([1, 0, 2])
    with strict_floats():
        loss, dscores = losses.softmax_loss(scores, y)
    # per row: 1e4, log 2 and exp(-1e4)-small
    assert loss == pytest.approx((1e4 + math.log(2)) / 3, rel=1e-15)
    np.testing.assert_allclose(dscores, np.array([[1.0, -1.0, 0.0], [-0.5, 0.5, 0.0], [0.0, 0.0, 0.0]]) / 3,
                               rtol=1e-15, atol=1e-300)


def test_softmax_loss_large_logits_equal_the_shifted_small_ones():
    small, y = scores_and_labels(5, 4, seed=3)
    with strict_floats():
        loss, dscores = losses.softmax_loss(1e4 + small, y)
        loss_neg, _ = losses.softmax_loss(-1e4 + small, y)
    expected_loss, expected_dscores = softmax_loss_by_hand(small, y)
    # 1e4 + small keeps about 12 of small's 16 digits
    assert loss == pytest.approx(expected_loss, rel=1e-9)
    assert loss_neg == pytest.approx(expected_loss, rel=1e-9)
    np.testing.assert_allclose(dscores, expected_dscores, rtol=1e-8, atol=1e-13)


def test_softmax_loss_batch_of_one_is_not_averaged_away():
    scores, y = np.array([[1.0, 2.0, 3.0]]), np.array([0])
    loss, dscores = losses.softmax_loss(scores, y)
    p = np.exp(scores[0]) / np.exp(scores[0]).sum()
    assert loss == pytest.approx(-math.log(p[0]), rel=1e-14)
    np.testing.assert_allclose(dscores, [p - np.array([1.0, 0.0, 0.0])], rtol=1e-13)


@pytest.mark.parametrize("N, C, value", [(4, 10, 0.0), (1, 3, -7.5), (6, 2, 1e4)])
def test_softmax_loss_uniform_scores_give_log_C(N, C, value):
    y = np.arange(N) % C
    loss, dscores = losses.softmax_loss(np.full((N, C), value), y)
    assert loss == pytest.approx(math.log(C), rel=1e-14)
    expected = np.full((N, C), 1.0 / C)
    expected[np.arange(N), y] -= 1.0
    np.testing.assert_allclose(dscores, expected / N, rtol=1e-14, atol=1e-17)


def test_softmax_loss_accepts_a_list_of_labels():
    scores, y = scores_and_labels(3, 4, seed=4)
    assert losses.softmax_loss(scores, list(y))[0] == losses.softmax_loss(scores, y)[0]


@pytest.mark.parametrize("scores_shape, y, what", [
    ((3, 4), [0, 1, 4], "labels"),           # label == C
    ((3, 4), [0, -1, 2], "labels"),
    ((3, 4), [0.0, 1.0, 2.0], "y"),          # float labels
    ((3, 4), [0, 1], "y"),                   # too few
    ((3, 4), [[0], [1], [2]], "y"),          # (N, 1)
    ((4,), [0], "scores"),                   # scores 1-D
    ((2, 3, 4), [0, 1], "scores"),           # scores 3-D
    ((0, 4), [], "scores"),                  # no rows
])
def test_softmax_loss_rejects_bad_input(scores_shape, y, what):
    with pytest.raises(ValueError, match=what):
        losses.softmax_loss(np.zeros(scores_shape), np.array(y))


# ---------------------------------------------------------------------------------------------------
# mse_loss

def test_mse_loss_known_value():
    loss, dpred = losses.mse_loss(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.0, 2.0], [3.0, 0.0]]))
    assert loss == 4.25  # (1 + 16) / (2 * 2)
    np.testing.assert_array_equal(dpred, [[0.5, 0.0], [0.0, 2.0]])


MSE_SHAPES = [(4, 3), (1, 5), (3, 2, 2), (6,), (1,)]


@pytest.mark.parametrize("shape", MSE_SHAPES)
def test_mse_loss_matches_formula_and_numerical_gradient(shape):
    rng = np.random.default_rng(len(shape) * 10 + shape[0])
    pred, target = rng.standard_normal(shape), rng.standard_normal(shape)
    loss, dpred = losses.mse_loss(pred, target)
    N = shape[0]
    expected = math.fsum(float(d) ** 2 for d in (pred - target).ravel()) / (2 * N)
    assert isinstance(loss, float)
    assert loss == pytest.approx(expected, rel=1e-13)
    numeric = eval_numerical_gradient(lambda p: losses.mse_loss(p, target)[0], pred.copy())
    assert dpred.shape == shape
    assert rel_error(dpred, numeric) < GRAD_TOL


def test_mse_loss_is_zero_at_the_target():
    target = np.random.default_rng(5).standard_normal((3, 4))
    loss, dpred = losses.mse_loss(target.copy(), target)
    assert loss == 0.0
    np.testing.assert_array_equal(dpred, np.zeros((3, 4)))


@pytest.mark.parametrize("pred_shape, target_shape", [((3, 2), (3, 3)), ((3, 2), (2, 3)), ((), ()), ((0, 2), (0, 2))])
def test_mse_loss_rejects_bad_shapes(pred_shape, target_shape):
    with pytest.raises(ValueError):
        losses.mse_loss(np.zeros(pred_shape), np.zeros(target_shape))


# ---------------------------------------------------------------------------------------------------
# bce_loss

def bce_by_hand(z, t):
    """-[t log sigma(z) + (1 - t) log(1 - sigma(z))], summed over entries and divided by N (moderate z)."""
    s = 1.0 / (1.0 + np.exp(-z))
    return -np.sum(t * np.log(s) + (1 - t) * np.log(1 - s)) / z.shape[0]


BCE_SHAPES = [(4, 3), (1, 5), (3, 2, 2), (6,), (1,)]


@pytest.mark.parametrize("shape", BCE_SHAPES)
@pytest.mark.parametrize("soft_targets", [False, True])
def test_bce_loss_matches_formula_and_numerical_gradient(shape, soft_targets):
    rng = np.random.default_rng(shape[0] + 7 * len(shape) + soft_targets)
    z = 1.5 * rng.standard_normal(shape)  # moderate, so that no sigma(z) - t drowns in rounding (see above)
    t = rng.uniform(size=shape) if soft_targets else rng.integers(2, size=shape).astype(np.float64)
    loss, dz = losses.bce_loss(z, t)
    assert isinstance(loss, float)
    assert loss == pytest.approx(bce_by_hand(z, t), rel=1e-12)
    np.testing.assert_allclose(dz, (1 / (1 + np.exp(-z)) - t) / shape[0], rtol=1e-12, atol=1e-16)
    numeric = eval_numerical_gradient(lambda v: losses.bce_loss(v, t)[0], z.copy())
    assert rel_error(dz, numeric) < GRAD_TOL


def test_bce_loss_known_value_at_zero_logits():
    loss, dz = losses.bce_loss(np.zeros((2, 3)), np.array([[0.0, 1.0, 0.5], [1.0, 1.0, 0.0]]))
    assert loss == pytest.approx(3 * math.log(2), rel=1e-15)  # 6 entries of log 2, over N = 2
    np.testing.assert_allclose(dz, [[0.25, -0.25, 0.0], [-0.25, -0.25, 0.25]], rtol=1e-15)


def test_bce_loss_large_logits_equal_the_limit():
    z = np.array([[1000.0, -1000.0, 1000.0, -1000.0]])
    t = np.array([[0.0, 1.0, 1.0, 0.0]])
    with strict_floats():
        loss, dz = losses.bce_loss(z, t)
    # confidently wrong costs |z| each, confidently right costs (almost exactly) nothing
    assert loss == 2000.0
    np.testing.assert_array_equal(dz, [[1.0, -1.0, 0.0, 0.0]])


def test_bce_loss_symmetry():
    rng = np.random.default_rng(9)
    z, t = 2 * rng.standard_normal((4, 3)), rng.uniform(size=(4, 3))
    loss, dz = losses.bce_loss(z, t)
    loss_flipped, dz_flipped = losses.bce_loss(-z, 1 - t)
    assert loss_flipped == pytest.approx(loss, rel=1e-13)
    np.testing.assert_allclose(dz_flipped, -dz, rtol=1e-12, atol=1e-16)


@pytest.mark.parametrize("z_shape, t", [
    ((2, 2), np.zeros((2, 3))),
    ((), np.zeros(())),
    ((0, 2), np.zeros((0, 2))),
    ((2, 2), np.array([[0.0, 1.0], [1.5, 0.0]])),
    ((2, 2), np.array([[0.0, -0.1], [1.0, 0.0]])),
    ((2, 2), np.array([[0.0, np.nan], [1.0, 0.0]])),
])
def test_bce_loss_rejects_bad_input(z_shape, t):
    with pytest.raises(ValueError):
        losses.bce_loss(np.zeros(z_shape), t)
