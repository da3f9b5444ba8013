"""nclib.autoencoders and the sigmoid-output losses of nclib.losses as the autoencoders assignment uses them:
gradients against numerical gradients (float64, relative error < 1e-7); the seeds' model answers checked
(the linear auto-encoder's gradient of seed 001 1(d), the GP-LVM's of 2(b) and 2(d), the BCE derivative of
seed 002 1.2(b)); known values (the identity's rows, PCA's subspace, direct formulas with the inverse and
the determinant on small well-conditioned cases); the GP-LVM where |K| over- and underflows; MSE's
saturation against BCE's with sigmoid outputs; bad input."""
import math

import numpy as np
import pytest

from conftest import strict_floats
from nclib.autoencoders import gplvm_loglik, linear_ae_loss, tanh_mlp_backward
from nclib.gradcheck import eval_numerical_gradient, rel_error
from nclib.layers import sigmoid_backward, sigmoid_forward
from nclib.losses import bce_loss, mse_loss

GRAD_TOL = 1e-7


def ae_inputs(m, n, N, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((m, n)) / np.sqrt(n), rng.standard_normal((N, n))


def seed_001_gradient(W, x):
    """Seed 001 1(d), one example x (n,): K = W^T W x - x, grad = W K x^T + W x K^T."""
    x = x[:, None]
    K = W.T @ W @ x - x
    return W @ K @ x.T + W @ x @ K.T


# ---------------------------------------------------------------------------------------------------
# linear_ae_loss

AE_SHAPES = [(2, 5, 7), (1, 4, 6), (3, 6, 1), (3, 3, 5), (4, 3, 2)]  # m, n, N: m=1, N=1, m=n, m>n


@pytest.mark.parametrize("m, n, N", AE_SHAPES)
def test_linear_ae_loss_matches_formula_and_numerical_gradient(m, n, N):
    W, X = ae_inputs(m, n, N, seed=m * 100 + n * 10 + N)
    loss, dW = linear_ae_loss(W, X)
    expected = math.fsum(float(np.sum((W.T @ W @ x - x) ** 2)) for x in X) / (2 * N)
    assert isinstance(loss, float)
    assert loss == pytest.approx(expected, rel=1e-13)
    assert dW.shape == (m, n) and dW.dtype == np.float64
    numeric = eval_numerical_gradient(lambda w: linear_ae_loss(w, X)[0], W.copy())
    assert rel_error(dW, numeric) < GRAD_TOL


def test_seed_001_gradient_is_right_for_one_example():
    W, X = ae_inputs(2, 5, 1, seed=1)
    _, dW = linear_ae_loss(W, X)
    np.testing.assert_allclose(seed_001_gradient(W, X[0]), dW, rtol=1e-13, atol=1e-15)


def test_the_batch_gradient_is_the_mean_of_the_seeds_per_example_gradients():
    W, X = ae_inputs(3, 6, 8, seed=2)
    loss, dW = linear_ae_loss(W, X)
    np.testing.assert_allclose(dW, np.mean([seed_001_gradient(W, x) for x in X], axis=0), rtol=1e-12, atol=1e-15)
    # the mean, not the sum: N times the loss and the gradient of the sum
    loss_sum, dW_sum = linear_ae_loss(W, np.vstack([X] * 3))
    assert loss_sum == pytest.approx(loss, rel=1e-14)
    np.testing.assert_allclose(dW_sum, dW, rtol=1e-12, atol=1e-15)


def test_either_path_through_W_alone_is_wrong():
    """Both of seed 001 1(c)'s paths are needed: the encoder's W K x^T or the decoder's W x K^T alone is
    far off the numerical gradient (and neither is half of it: they are different matrices)."""
    W, X = ae_inputs(2, 5, 1, seed=3)
    x = X[0][:, None]
    K = W.T @ W @ x - x
    numeric = eval_numerical_gradient(lambda w: linear_ae_loss(w, X)[0], W.copy())
    for one_path in (W @ K @ x.T, W @ x @ K.T):
        assert rel_error(one_path, numeric) > 0.5
        assert rel_error(2 * one_path, numeric) > 0.5


def test_identity_rows_on_their_subspace_reconstruct_exactly():
    W = np.eye(5)[:2]
    X = np.zeros((4, 5))
    X[:, :2] = np.random.default_rng(4).standard_normal((4, 2))
    loss, dW = linear_ae_loss(W, X)
    assert loss == 0.0
    np.testing.assert_array_equal(dW, np.zeros((2, 5)))


def test_identity_rows_off_their_subspace_known_values():
    """W = [I_2 0]: x_hat keeps x's first two coordinates, so the loss is half the mean squared norm of the
    rest; the encoder's path gives 0 (W k = 0: k lies outside W's row space) and the decoder's the
    correlations -1/N sum_n x_n[:2] x_n[2:]^T."""
    W = np.eye(5)[:2]
    X = np.array([[1.0, 2.0, 3.0, 0.0, -1.0], [0.0, -1.0, 1.0, 2.0, 0.5]])
    loss, dW = linear_ae_loss(W, X)
    assert loss == (9 + 1 + 1 + 4 + 0.25) / 4
    expected = np.zeros((2, 5))
    expected[:, 2:] = -(X[:, :2].T @ X[:, 2:]) / 2
    np.testing.assert_array_equal(dW, expected)


def principal_data(N, seed):
    """(N, 5) examples with second-moment matrix X^T X / N of eigenvalues about 4, 2, 0.5, 0.2, 0.1."""
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(rng.standard_normal((5, 5)))[0]
    return rng.standard_normal((N, 5)) * np.sqrt([4.0, 2.0, 0.5, 0.2, 0.1]) @ basis.T


def sine_of_largest_principal_angle(A, B):
    """sin of the largest principal angle between the column spaces of A and B (same number of columns):
    the norm of the part of A's orthonormal basis outside B's span (accurate for tiny angles, unlike arccos)."""
    QA, QB = np.linalg.qr(A)[0], np.linalg.qr(B)[0]
    return float(np.linalg.norm(QA - QB @ (QB.T @ QA), 2))


def test_pca_directions_are_a_minimum_and_any_rotation_of_them_too():
    """At W = the leading m eigenvectors of S = X^T X / N (as rows), dW = 0 and the loss is half the sum of
    the discarded eigenvalues; rotating the code (R W, R orthogonal) changes neither: the auto-encoder fixes
    PCA's subspace, not its axes."""
    X = principal_data(300, seed=5)
    eigenvalues, eigenvectors = np.linalg.eigh(X.T @ X / 300)
    W = eigenvectors[:, ::-1][:, :2].T
    R = np.linalg.qr(np.random.default_rng(6).standard_normal((2, 2)))[0]
    for weights in (W, R @ W):
        loss, dW = linear_ae_loss(weights, X)
        assert loss == pytest.approx(0.5 * eigenvalues[:3].sum(), rel=1e-12)
        assert np.abs(dW).max() < 1e-13


def test_gradient_descent_finds_pca_subspace():
    X = principal_data(300, seed=7)
    eigenvectors = np.linalg.eigh(X.T @ X / 300)[1][:, ::-1]
    W = 0.1 * np.random.default_rng(8).standard_normal((2, 5))
    for _ in range(2000):
        W -= 0.1 * linear_ae_loss(W, X)[1]
    assert np.abs(linear_ae_loss(W, X)[1]).max() < 1e-12
    assert sine_of_largest_principal_angle(W.T, eigenvectors[:, :2]) < 1e-10
    np.testing.assert_allclose(W @ W.T, np.eye(2), atol=1e-12)
    # and not the trailing one, nor a mix
    assert sine_of_largest_principal_angle(W.T, eigenvectors[:, 1:3]) > 0.99


def test_linear_ae_loss_does_not_modify_its_inputs():
    W, X = ae_inputs(2, 4, 3, seed=9)
    W0, X0 = W.copy(), X.copy()
    linear_ae_loss(W, X)
    np.testing.assert_array_equal(W, W0)
    np.testing.assert_array_equal(X, X0)


@pytest.mark.parametrize("W_shape, X_shape, what", [
    ((2, 5), (3, 4), "X"),
    ((2, 5), (5,), "X"),
    ((2, 5), (0, 5), "X"),
    ((2, 5), (3, 5, 1), "X"),
    ((5,), (3, 5), "W"),
    ((0, 5), (3, 5), "W"),
    ((2, 5, 1), (3, 5), "W"),
])
def test_linear_ae_loss_rejects_bad_shapes(W_shape, X_shape, what):
    with pytest.raises(ValueError, match=f"^{what} must have shape"):
        linear_ae_loss(np.zeros(W_shape), np.zeros(X_shape))


# ---------------------------------------------------------------------------------------------------
# gplvm_loglik

def gplvm_inputs(N, q, D, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((N, q)), rng.standard_normal((N, D))


def gplvm_direct(X, Y, alpha, beta):
    """The formulas as written, with np.linalg.inv and np.linalg.det (small, well-conditioned K only)."""
    N, D = Y.shape
    K = alpha * X @ X.T + np.eye(N) / beta
    Kinv = np.linalg.inv(K)
    loglik = -N * D / 2 * np.log(2 * np.pi) - D / 2 * np.log(np.linalg.det(K)) - 0.5 * np.trace(Kinv @ Y @ Y.T)
    return loglik, alpha * (Kinv @ Y @ Y.T @ Kinv - D * Kinv) @ X


GPLVM_CASES = [(6, 2, 4, 1.3, 2.0), (1, 1, 1, 0.7, 3.0), (5, 3, 1, 1.0, 1.0), (3, 4, 2, 2.0, 0.5),
               (8, 2, 5, 10.0, 0.1), (4, 1, 3, 0.05, 20.0)]  # N, q, D, alpha, beta: N=1, D=1, N<q


@pytest.mark.parametrize("N, q, D, alpha, beta", GPLVM_CASES)
def test_gplvm_loglik_matches_direct_formula_and_numerical_gradient(N, q, D, alpha, beta):
    X, Y = gplvm_inputs(N, q, D, seed=N * 10 + q)
    loglik, dX = gplvm_loglik(X, Y, alpha, beta)
    expected_loglik, expected_dX = gplvm_direct(X, Y, alpha, beta)
    assert isinstance(loglik, float)
    assert loglik == pytest.approx(expected_loglik, rel=1e-12)
    assert dX.shape == (N, q) and dX.dtype == np.float64
    np.testing.assert_allclose(dX, expected_dX, rtol=1e-10, atol=1e-13)
    numeric = eval_numerical_gradient(lambda v: gplvm_loglik(v, Y, alpha, beta)[0], X.copy())
    assert rel_error(dX, numeric) < GRAD_TOL


def test_gplvm_one_point_by_hand():
    """N = q = D = 1: K = alpha x^2 + 1/beta = k, loglik = -log(2 pi)/2 - log(k)/2 - y^2/(2k) and
    dloglik/dx = alpha (y^2/k^2 - 1/k) x."""
    x, y, alpha, beta = 0.8, -1.5, 2.0, 4.0
    k = alpha * x * x + 1 / beta
    loglik, dX = gplvm_loglik(np.array([[x]]), np.array([[y]]), alpha, beta)
    assert loglik == pytest.approx(-0.5 * math.log(2 * math.pi) - 0.5 * math.log(k) - y * y / (2 * k), rel=1e-14)
    assert dX[0, 0] == pytest.approx(alpha * (y * y / k ** 2 - 1 / k) * x, rel=1e-13)


def test_seed_001_gplvm_term_gradients_are_right():
    """Seed 001 2(b) dL1/dX = -alpha D K^-1 X and 2(d) dL2/dX = alpha K^-1 Y Y^T K^-1 X, each against the
    numerical gradient of its own term. The factor 2 of X X^T's two paths is in both: the intermediate
    dL1/d(X X^T) = -alpha D/2 K^-1 times X alone is half the gradient."""
    N, D, alpha, beta = 6, 3, 1.5, 2.0
    X, Y = gplvm_inputs(N, 2, D, seed=11)

    def K_of(v):
        return alpha * v @ v.T + np.eye(N) / beta

    Kinv = np.linalg.inv(K_of(X))
    numeric_L1 = eval_numerical_gradient(lambda v: -D / 2 * np.linalg.slogdet(K_of(v))[1], X.copy())
    numeric_L2 = eval_numerical_gradient(lambda v: -0.5 * np.trace(np.linalg.solve(K_of(v), Y @ Y.T)), X.copy())
    seed_L1, seed_L2 = -alpha * D * Kinv @ X, alpha * Kinv @ Y @ Y.T @ Kinv @ X
    assert rel_error(seed_L1, numeric_L1) < GRAD_TOL
    assert rel_error(seed_L2, numeric_L2) < GRAD_TOL
    np.testing.assert_allclose(gplvm_loglik(X, Y, alpha, beta)[1], seed_L1 + seed_L2, rtol=1e-11, atol=1e-14)
    assert rel_error(-alpha * D / 2 * Kinv @ X, numeric_L1) > 0.3


@pytest.mark.parametrize("beta, det", [(1e-4, np.inf), (100.0, 0.0)])
def test_gplvm_is_finite_where_the_determinant_over_or_underflows(beta, det):
    """N = 200: |K| is about 1e4^197 (beta = 1e-4) or 1e-2^197 (beta = 100), beyond float64, so
    log(det(K)) is inf or -inf; the log-determinant from the Cholesky factor is not."""
    N, D, alpha = 200, 4, 1.0
    X, Y = gplvm_inputs(N, 3, D, seed=12)
    K = alpha * X @ X.T + np.eye(N) / beta
    with np.errstate(over="ignore", under="ignore"):
        assert np.linalg.det(K) == det
    with strict_floats():
        loglik, dX = gplvm_loglik(X, Y, alpha, beta)
    sign, log_det = np.linalg.slogdet(K)
    assert sign == 1.0
    expected = -N * D / 2 * np.log(2 * np.pi) - D / 2 * log_det - 0.5 * np.sum(Y * np.linalg.solve(K, Y))
    assert math.isfinite(loglik)
    assert loglik == pytest.approx(expected, rel=1e-12)
    # cond(K) < 1e5: only its determinant is out of range, and the inverse's rounding is about cond(K) eps
    # of dX's largest entry (an entry far below it may lose more of its own digits)
    Kinv = np.linalg.inv(K)
    np.testing.assert_allclose(dX, alpha * (Kinv @ Y @ Y.T @ Kinv - D * Kinv) @ X, rtol=0,
                               atol=1e-10 * np.abs(dX).max())


def test_gplvm_gradient_vanishes_at_lawrences_fixed_point():
    """At X = U (L - I/beta)^(1/2) / sqrt(alpha) with U, L the leading eigenvectors and eigenvalues of
    Y Y^T / D (Lawrence's closed form for the linear kernel, when those eigenvalues exceed 1/beta), dX = 0."""
    N, q, D, alpha, beta = 10, 2, 30, 0.7, 5.0
    Y = np.random.default_rng(13).standard_normal((N, D)) * 2.0
    eigenvalues, eigenvectors = np.linalg.eigh(Y @ Y.T / D)
    L, U = eigenvalues[::-1][:q], eigenvectors[:, ::-1][:, :q]
    assert np.all(L > 1 / beta)
    X = U * np.sqrt((L - 1 / beta) / alpha)
    _, dX = gplvm_loglik(X, Y, alpha, beta)
    assert np.abs(dX).max() < 1e-12
    _, dX_moved = gplvm_loglik(1.1 * X, Y, alpha, beta)
    assert np.abs(dX_moved).max() > 0.1


def test_gplvm_numerically_singular_K_is_a_value_error():
    X, Y = gplvm_inputs(10, 2, 3, seed=14)
    with pytest.raises(ValueError, match="not numerically positive definite"):
        gplvm_loglik(X, Y, 1e10, 1e10)


def test_gplvm_loglik_does_not_modify_its_inputs():
    X, Y = gplvm_inputs(5, 2, 3, seed=15)
    X0, Y0 = X.copy(), Y.copy()
    gplvm_loglik(X, Y, 1.0, 1.0)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)


@pytest.mark.parametrize("X_shape, Y_shape, what", [
    ((5, 2), (4, 3), "Y"),
    ((5, 2), (5,), "Y"),
    ((5, 2), (5, 0), "Y"),
    ((5,), (5, 3), "X"),
    ((0, 2), (0, 3), "X"),
    ((5, 0), (5, 3), "X"),
])
def test_gplvm_loglik_rejects_bad_shapes(X_shape, Y_shape, what):
    with pytest.raises(ValueError, match=f"^{what} must have shape"):
        gplvm_loglik(np.zeros(X_shape), np.zeros(Y_shape), 1.0, 1.0)


@pytest.mark.parametrize("alpha, beta, what", [
    (0.0, 1.0, "alpha"), (-1.0, 1.0, "alpha"), (np.nan, 1.0, "alpha"), (np.inf, 1.0, "alpha"),
    (np.ones(1), 1.0, "alpha"), (True, 1.0, "alpha"),
    (1.0, 0.0, "beta"), (1.0, -2.0, "beta"), (1.0, np.nan, "beta"), (1.0, np.inf, "beta"), (1.0, "1", "beta"),
])
def test_gplvm_loglik_rejects_alpha_and_beta_that_are_not_positive_numbers(alpha, beta, what):
    X, Y = gplvm_inputs(4, 2, 3, seed=16)
    with pytest.raises(ValueError, match=f"^{what} must be a finite real number > 0"):
        gplvm_loglik(X, Y, alpha, beta)


# ---------------------------------------------------------------------------------------------------
# sigmoid outputs: mse_loss and bce_loss (nclib.losses), seed 002 1.2

def test_with_sigmoid_outputs_the_mse_gradient_is_bce_gradient_times_sigma_prime():
    """Both losses sum over an example's entries and average over the batch, so that, through
    y_hat = sigmoid(z), MSE's dz = (y_hat - y) sigma'(z) / N is exactly BCE's (y_hat - y) / N times sigma'(z)."""
    rng = np.random.default_rng(17)
    z, y = 2.0 * rng.standard_normal((5, 3)), rng.integers(2, size=(5, 3)).astype(np.float64)

    def mse_of_logits(v):
        return mse_loss(sigmoid_forward(v)[0], y)

    y_hat, cache = sigmoid_forward(z)
    dz_mse = sigmoid_backward(mse_of_logits(z)[1], cache)
    _, dz_bce = bce_loss(z, y)
    np.testing.assert_allclose(dz_mse, dz_bce * y_hat * (1 - y_hat), rtol=1e-13, atol=1e-17)
    assert rel_error(dz_mse, eval_numerical_gradient(lambda v: mse_of_logits(v)[0], z.copy())) < GRAD_TOL


def test_mse_saturates_where_bce_does_not():
    """Confidently wrong sigmoid outputs (logits +-10 against the other label): BCE's gradient is -+1/N, MSE's
    sigma'(10) = 4.5e-5 times that; where they are right, both are tiny."""
    z = np.array([[10.0, -10.0, 10.0, -10.0]])
    y = np.array([[0.0, 1.0, 1.0, 0.0]])
    y_hat, cache = sigmoid_forward(z)
    dz_mse = sigmoid_backward(mse_loss(y_hat, y)[1], cache)
    _, dz_bce = bce_loss(z, y)
    np.testing.assert_allclose(dz_bce[0, :2], [1.0, -1.0], rtol=1e-4)
    ratio = dz_mse[0, :2] / dz_bce[0, :2]
    sigma_prime = math.exp(-10) / (1 + math.exp(-10)) ** 2
    np.testing.assert_allclose(ratio, sigma_prime, rtol=1e-10)
    assert np.all(ratio < 1e-4)
    assert np.all(np.abs(dz_bce[0, 2:]) < 1e-4) and np.all(np.abs(dz_mse[0, 2:]) < 1e-8)


@pytest.mark.parametrize("z", [1000.0, -1000.0, 500.0, -800.0])
def test_bce_is_finite_and_exact_for_large_logits(z):
    for y in (0.0, 1.0):
        with strict_floats():
            loss, dz = bce_loss(np.array([[z]]), np.array([[y]]))
        wrong = (z > 0) != (y == 1.0)
        # log(1 + exp(-|z|)) is below |z|'s last digit when wrong, and what is left when right
        assert loss == (abs(z) if wrong else math.log1p(math.exp(-abs(z))))
        assert dz[0, 0] == (float(np.sign(z)) if wrong else 0.0)


def test_seed_002_bce_derivative_has_the_wrong_sign_for_label_0():
    """Seed 002 1.2(b) writes dl/dy_hat = -[y / y_hat + (1 - y) / (1 - y_hat)] for
    l = -[y log y_hat + (1 - y) log(1 - y_hat)]: right for y = 1, the wrong sign for y = 0 (it pushes every
    output up). The derivative is -[y / y_hat - (1 - y) / (1 - y_hat)] = (y_hat - y) / (y_hat (1 - y_hat)),
    and through the sigmoid y_hat - y: bce_loss's dlogits times N."""
    y_hat = np.array([0.2, 0.5, 0.9])
    for y in (0.0, 1.0, 0.3):
        target = np.full(3, y)

        def bce_of_probabilities(p):
            return float(-np.sum(target * np.log(p) + (1 - target) * np.log(1 - p)))

        numeric = eval_numerical_gradient(bce_of_probabilities, y_hat.copy())
        seed = -(target / y_hat + (1 - target) / (1 - y_hat))
        right = (y_hat - target) / (y_hat * (1 - y_hat))
        assert rel_error(right, numeric) < GRAD_TOL
        if y == 1.0:
            assert rel_error(seed, numeric) < GRAD_TOL
        elif y == 0.0:
            np.testing.assert_allclose(seed, -numeric, rtol=1e-7)
        else:
            assert rel_error(seed, numeric) > 0.1
        z = np.log(y_hat / (1 - y_hat))[None, :]
        np.testing.assert_allclose(right * y_hat * (1 - y_hat), bce_loss(z, target[None, :])[1][0], rtol=1e-12)


def test_seed_002_mse_code_is_not_its_formula():
    """Seed 002 1.1 defines l = 1/2 (y_hat - y)^2 but codes np.square(y_pred - y).mean(): the mean over the
    N C entries without the 1/2, 2 / C times mse_loss, whose gradient is (y_hat - y) / N."""
    rng = np.random.default_rng(18)
    y_pred, y = rng.uniform(size=(4, 3)), rng.uniform(size=(4, 3))
    loss, dy_pred = mse_loss(y_pred, y)
    assert np.square(np.subtract(y_pred, y)).mean() == pytest.approx(2 / 3 * loss, rel=1e-14)
    np.testing.assert_allclose(dy_pred, (y_pred - y) / 4, rtol=1e-15)


# ---------------------------------------------------------------------------------------------------
# tanh_mlp_backward, and seed 004's derivation of it

def tanh_mlp_loss(X, y, W1, b1, W2, b2):
    from nclib.losses import softmax_loss
    return softmax_loss(np.tanh(X @ W1 + b1) @ W2 + b2, y)[0]


@pytest.mark.parametrize("N, D, H, C", [(4, 2, 5, 2), (1, 3, 1, 3), (6, 4, 6, 2)])
def test_tanh_mlp_backward_matches_numerical_gradients(N, D, H, C):
    rng = np.random.default_rng(N * 1000 + D * 100 + H * 10 + C)
    X, y = rng.standard_normal((N, D)), rng.integers(C, size=N)
    params = [rng.standard_normal((D, H)), rng.standard_normal(H), rng.standard_normal((H, C)), rng.standard_normal(C)]
    grads = tanh_mlp_backward(X, y, *params)
    for i, grad in enumerate(grads):
        def f(p, i=i):
            ps = list(params)
            ps[i] = p
            return tanh_mlp_loss(X, y, *ps)
        assert grad.shape == params[i].shape
        assert rel_error(grad, eval_numerical_gradient(f, params[i].copy())) < GRAD_TOL


def test_seed_004_gradients_have_the_wrong_sign():
    """Seed 004 eqs. (15) and (19), read in the order their shapes allow and averaged over the batch, are the
    negatives of the cross-entropy's gradients (they differentiate the log-likelihood)."""
    rng = np.random.default_rng(0)
    N, D, H, C = 4, 2, 5, 2
    X, y = rng.standard_normal((N, D)), rng.integers(C, size=N)
    W1, b1, W2, b2 = rng.standard_normal((D, H)), rng.standard_normal(H), rng.standard_normal((H, C)), rng.standard_normal(C)
    a1 = np.tanh(X @ W1 + b1)
    z2 = a1 @ W2 + b2
    y_hat = np.exp(z2) / np.exp(z2).sum(axis=1, keepdims=True)
    Y = np.eye(C)[y]
    dW1, _, dW2, _ = tanh_mlp_backward(X, y, W1, b1, W2, b2)
    np.testing.assert_allclose(a1.T @ (Y - y_hat) / N, -dW2, rtol=1e-12)
    np.testing.assert_allclose(X.T @ ((1 - a1 ** 2) * ((Y - y_hat) @ W2.T)) / N, -dW1, rtol=1e-12)


def test_tanh_mlp_backward_rejects_bad_labels():
    with pytest.raises(ValueError, match="y"):
        tanh_mlp_backward(np.zeros((2, 3)), np.array([0, 2]), np.zeros((3, 4)), np.zeros(4), np.zeros((4, 2)),
                          np.zeros(2))
