"""nclib.grading's specs of the autoencoders assignment: the reference and correct alternative solutions pass
(an explicit inverse among them, with a stable log-determinant); realistic student bugs fail with an
AssertionError that names the function and never shows an expected value.

The MSE gradient missing sigma' of seed 002 is a bug of a network's backward pass through its sigmoid
output, not of mse_loss, which is graded on its gradient with respect to the outputs y_hat: the notebook's
net catches it. What the spec catches is the converse, mse_loss returning the gradient with respect to the
logits (sigma' included where it is not asked for)."""
import numpy as np
import pytest

from grading_support import GradedFunctionTests
from nclib import grading
from nclib.grading import autoencoders
from nclib.layers import sigmoid


# --- linear_ae_loss -------------------------------------------------------------------------------

def linear_ae_loss_per_example(W, X):
    """Seed 001's gradient W k x^T + W x k^T one example at a time, averaged."""
    loss, dW = 0.0, np.zeros_like(W)
    for x in X:
        x = x[:, None]
        k = W.T @ W @ x - x
        loss += 0.5 * float(np.sum(k * k))
        dW += W @ k @ x.T + W @ x @ k.T
    return loss / X.shape[0], dW / X.shape[0]


def linear_ae_loss_n_by_n(W, X):
    """The encoder's path as W (E^T X), through an (n, n) matrix."""
    N = X.shape[0]
    E = X @ W.T @ W - X
    return 0.5 * np.sum(E ** 2) / N, (W @ (E.T @ X) + W @ X.T @ E) / N


def student_linear_ae_loss(W, X, bug=None):
    N, n = X.shape
    P = X @ W.T
    E = P @ W - X
    encoder, decoder = W @ E.T @ X, P.T @ E
    dW = {"encoder_path_only": encoder, "decoder_path_only": decoder,
          "encoder_path_doubled": 2 * encoder}.get(bug, encoder + decoder)
    loss = np.sum(E ** 2) if bug == "no_half" else 0.5 * np.sum(E ** 2)
    divisor = {"summed_over_the_batch": 1, "mean_over_every_entry": N * n}.get(bug, N)
    return loss / divisor, dW / (1 if bug == "dW_summed_over_the_batch" else divisor)


def linear_ae_loss_encoder_path_only(W, X):
    """dW = W k x^T: the path through W x alone (W^T treated as a constant)."""
    return student_linear_ae_loss(W, X, bug="encoder_path_only")


def linear_ae_loss_decoder_path_only(W, X):
    """dW = W x k^T: the path through the decoder W^T alone."""
    return student_linear_ae_loss(W, X, bug="decoder_path_only")


def linear_ae_loss_encoder_path_doubled(W, X):
    """The two paths taken as equal: 2 W k x^T."""
    return student_linear_ae_loss(W, X, bug="encoder_path_doubled")


def linear_ae_loss_summed_over_the_batch(W, X):
    return student_linear_ae_loss(W, X, bug="summed_over_the_batch")


def linear_ae_loss_dW_summed_over_the_batch(W, X):
    """The loss a mean, its gradient a sum: the missing 1/N in dW."""
    return student_linear_ae_loss(W, X, bug="dW_summed_over_the_batch")


def linear_ae_loss_mean_over_every_entry(W, X):
    """Divided by N n, the numbers of examples and of their entries."""
    return student_linear_ae_loss(W, X, bug="mean_over_every_entry")


def linear_ae_loss_no_half(W, X):
    return student_linear_ae_loss(W, X, bug="no_half")


# --- gplvm_loglik ---------------------------------------------------------------------------------

def gplvm_loglik_explicit_inverse(X, Y, alpha, beta):
    """np.linalg.inv and slogdet: fine, since K^-1 is accurate wherever K is well-conditioned."""
    N, D = Y.shape
    K = alpha * X @ X.T + np.eye(N) / beta
    Kinv = np.linalg.inv(K)
    loglik = -N * D / 2 * np.log(2 * np.pi) - D / 2 * np.linalg.slogdet(K)[1] - 0.5 * np.trace(Kinv @ Y @ Y.T)
    return loglik, alpha * (Kinv @ Y @ Y.T @ Kinv - D * Kinv) @ X


def gplvm_loglik_solve(X, Y, alpha, beta):
    """np.linalg.solve with K itself, and the log-determinant from slogdet."""
    N, D = Y.shape
    K = alpha * X @ X.T + np.eye(N) / beta
    A = np.linalg.solve(K, Y)
    loglik = -N * D / 2 * np.log(2 * np.pi) - D / 2 * np.linalg.slogdet(K)[1] - 0.5 * np.sum(Y * A)
    return loglik, alpha * (A @ (A.T @ X) - D * np.linalg.solve(K, X))


def student_gplvm_loglik(X, Y, alpha, beta, bug=None):
    N, D = Y.shape
    K = alpha * X @ X.T + (beta if bug == "beta_not_inverted" else 1 / beta) * np.eye(N)
    Kinv = np.linalg.inv(K)
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        log_det = np.log(np.linalg.det(K)) if bug == "log_of_det" else np.linalg.slogdet(K)[1]
    M = Kinv @ Y @ Y.T  # not symmetric
    c = 0.0 if bug == "constant_dropped" else N * D / 2 * np.log(2 * np.pi)
    loglik = -c - (N if bug == "N_for_D" else D) / 2 * log_det - 0.5 * np.trace(M)
    dL1 = -alpha * D * Kinv @ X
    dL2 = {"inverses_on_the_left": alpha * Kinv @ M @ X, "inverses_on_the_right": alpha * M.T @ Kinv @ X,
           "hint_not_applied": -alpha * Y @ Y.T @ X}.get(bug, alpha * M @ Kinv @ X)
    dX = {"log_det_term_only": dL1, "trace_term_only": dL2, "factor_2_dropped": (dL1 + dL2) / 2,
          "gradient_of_minus_loglik": -(dL1 + dL2)}.get(bug, dL1 + dL2)
    return loglik, dX


def gplvm_loglik_log_of_det(X, Y, alpha, beta):
    """log|K| as np.log(np.linalg.det(K)): inf or -inf once |K| leaves float64's range (N = 200)."""
    return student_gplvm_loglik(X, Y, alpha, beta, bug="log_of_det")


def gplvm_loglik_inverses_on_the_left(X, Y, alpha, beta):
    """dL2/dX = alpha K^-1 (K^-1 Y Y^T) X: both inverses on one side."""
    return student_gplvm_loglik(X, Y, alpha, beta, bug="inverses_on_the_left")


def gplvm_loglik_inverses_on_the_right(X, Y, alpha, beta):
    """dL2/dX = alpha (K^-1 Y Y^T)^T K^-1 X = alpha Y Y^T K^-2 X: the non-symmetric product transposed."""
    return student_gplvm_loglik(X, Y, alpha, beta, bug="inverses_on_the_right")


def gplvm_loglik_hint_not_applied(X, Y, alpha, beta):
    """dL2/dK^-1 = -Y Y^T / 2 used as dL2/dK (seed 001's hint, -K^-1 (dL/dK^-1) K^-1, skipped)."""
    return student_gplvm_loglik(X, Y, alpha, beta, bug="hint_not_applied")


def gplvm_loglik_factor_2_dropped(X, Y, alpha, beta):
    """dL/d(X X^T) times X alone: X X^T's two paths to X counted once."""
    return student_gplvm_loglik(X, Y, alpha, beta, bug="factor_2_dropped")


def gplvm_loglik_log_det_term_only(X, Y, alpha, beta):
    return student_gplvm_loglik(X, Y, alpha, beta, bug="log_det_term_only")


def gplvm_loglik_trace_term_only(X, Y, alpha, beta):
    return student_gplvm_loglik(X, Y, alpha, beta, bug="trace_term_only")


def gplvm_loglik_gradient_of_minus_loglik(X, Y, alpha, beta):
    """The gradient of the loss one minimises, -loglik, for that of loglik."""
    return student_gplvm_loglik(X, Y, alpha, beta, bug="gradient_of_minus_loglik")


def gplvm_loglik_beta_not_inverted(X, Y, alpha, beta):
    """K = alpha X X^T + beta I: beta is the noise precision, its variance is 1 / beta."""
    return student_gplvm_loglik(X, Y, alpha, beta, bug="beta_not_inverted")


def gplvm_loglik_constant_dropped(X, Y, alpha, beta):
    """Without c = N D/2 log(2 pi): the right gradient, the wrong log-likelihood."""
    return student_gplvm_loglik(X, Y, alpha, beta, bug="constant_dropped")


def gplvm_loglik_N_for_D(X, Y, alpha, beta):
    """-N/2 log|K| (K is N x N) instead of -D/2 log|K| (one Gaussian per column of Y)."""
    return student_gplvm_loglik(X, Y, alpha, beta, bug="N_for_D")


# --- mse_loss -------------------------------------------------------------------------------------

def mse_loss_per_example(y_hat, y):
    d = y_hat - y
    return 0.5 * np.mean(np.sum(d * d, axis=1)), d / y.shape[0]


def student_mse_loss(y_hat, y, bug=None):
    N, C = y.shape
    d = y_hat - y
    divisor = {"summed_over_the_batch": 1, "mean_over_every_entry": N * C}.get(bug, N)
    loss = (1.0 if bug == "no_half" else 0.5) * np.sum(d * d) / divisor
    if bug == "no_half":
        return loss, 2 * d / N
    if bug == "gradient_sign_flipped":
        return loss, -d / N
    if bug == "gradient_not_averaged":
        return loss, d
    if bug == "gradient_with_respect_to_the_logits":
        return loss, d * y_hat * (1 - y_hat) / N
    return loss, d / divisor


def mse_loss_summed_over_the_batch(y_hat, y):
    return student_mse_loss(y_hat, y, bug="summed_over_the_batch")


def mse_loss_mean_over_every_entry(y_hat, y):
    """np.mean over the N C entries: the loss and gradient of another convention, C times smaller."""
    return student_mse_loss(y_hat, y, bug="mean_over_every_entry")


def mse_loss_no_half(y_hat, y):
    """Seed 002's code, per example: the square without 1/2, and its gradient 2 (y_hat - y) / N."""
    return student_mse_loss(y_hat, y, bug="no_half")


def mse_loss_gradient_sign_flipped(y_hat, y):
    return student_mse_loss(y_hat, y, bug="gradient_sign_flipped")


def mse_loss_gradient_not_averaged(y_hat, y):
    return student_mse_loss(y_hat, y, bug="gradient_not_averaged")


def mse_loss_gradient_with_respect_to_the_logits(y_hat, y):
    """sigma'(z) = y_hat (1 - y_hat) multiplied in: the gradient with respect to the logits, not to y_hat."""
    return student_mse_loss(y_hat, y, bug="gradient_with_respect_to_the_logits")


# --- bce_loss -------------------------------------------------------------------------------------

def bce_loss_logaddexp(logits, y):
    N = logits.shape[0]
    loss = np.sum(np.logaddexp(0.0, logits) - logits * y) / N
    return loss, (np.exp(-np.logaddexp(0.0, -logits)) - y) / N


def bce_loss_log_sigmoid(logits, y):
    """-[y log sigma(z) + (1 - y) log sigma(-z)], with log sigma(z) = -log(1 + exp(-z)) computed stably."""
    def log_sigmoid(z):
        return np.minimum(z, 0) - np.log1p(np.exp(-np.abs(z)))
    N = logits.shape[0]
    loss = -np.sum(y * log_sigmoid(logits) + (1 - y) * log_sigmoid(-logits)) / N
    return loss, (sigmoid(logits) - y) / N


def student_bce_loss(logits, y, bug=None):
    N, C = logits.shape
    p = sigmoid(logits)
    if bug == "from_probabilities":
        loss = -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)) / N
    elif bug == "clipped_probabilities":
        q = np.clip(p, 1e-12, 1 - 1e-12)
        loss = -np.sum(y * np.log(q) + (1 - y) * np.log(1 - q)) / N
    else:
        loss = np.sum(np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits))))
        loss /= {"summed_over_the_batch": 1, "mean_over_every_entry": N * C}.get(bug, N)
    if bug == "gradient_sign_flipped":
        dlogits = y - p
    elif bug == "seed_002_derivative":
        dlogits = -(y * (1 - p) + (1 - y) * p)
    elif bug == "gradient_with_respect_to_the_probabilities":
        dlogits = (p - y) / (p * (1 - p))
    elif bug == "sigma_prime_multiplied_in":
        dlogits = (p - y) * p * (1 - p)
    else:
        dlogits = p - y
    return loss, dlogits / ({"summed_over_the_batch": 1, "mean_over_every_entry": N * C}.get(bug, N))


def bce_loss_from_probabilities(logits, y):
    """np.log(sigmoid(z)): sigmoid(z) rounds to 0 or 1 for |z| of a few hundred, and log(0) = -inf."""
    return student_bce_loss(logits, y, bug="from_probabilities")


def bce_loss_clipped_probabilities(logits, y):
    """Probabilities clipped to [1e-12, 1 - 1e-12]: finite, but a confidently wrong logit of 500 costs 27.6."""
    return student_bce_loss(logits, y, bug="clipped_probabilities")


def bce_loss_gradient_sign_flipped(logits, y):
    """dL/dz = y - y_hat."""
    return student_bce_loss(logits, y, bug="gradient_sign_flipped")


def bce_loss_seed_002_derivative(logits, y):
    """Seed 002 1.2(b)'s dL/dy_hat = -[y / y_hat + (1 - y) / (1 - y_hat)] through the sigmoid:
    -[y (1 - y_hat) + (1 - y) y_hat], right for y = 1 and of the wrong sign for y = 0."""
    return student_bce_loss(logits, y, bug="seed_002_derivative")


def bce_loss_gradient_with_respect_to_the_probabilities(logits, y):
    return student_bce_loss(logits, y, bug="gradient_with_respect_to_the_probabilities")


def bce_loss_sigma_prime_multiplied_in(logits, y):
    """(y_hat - y) sigma'(z) / N, MSE's gradient through the sigmoid, for BCE."""
    return student_bce_loss(logits, y, bug="sigma_prime_multiplied_in")


def bce_loss_summed_over_the_batch(logits, y):
    return student_bce_loss(logits, y, bug="summed_over_the_batch")


def bce_loss_mean_over_every_entry(logits, y):
    return student_bce_loss(logits, y, bug="mean_over_every_entry")


def bce_loss_logits_clipped_in_place(logits, y):
    """np.clip(logits, -30, 30, out=logits) against overflow: the caller's logits changed (and the loss of a
    confidently wrong logit capped)."""
    np.clip(logits, -30.0, 30.0, out=logits)
    return bce_loss_logaddexp(logits, y)


# --- tanh_mlp_backward ----------------------------------------------------------------------------

def student_tanh_mlp_backward(X, y, W1, b1, W2, b2, bug=None):
    N = X.shape[0]
    z1 = X @ W1 + b1
    a1 = np.tanh(z1)
    z2 = a1 @ W2 + b2
    e = np.exp(z2 - z2.max(axis=1, keepdims=True))
    y_hat = e / e.sum(axis=1, keepdims=True)
    Y = np.eye(W2.shape[1])[y]
    dz2 = (y_hat - Y) / N
    if bug == "seed_004_sign":
        dz2 = -dz2
    if bug == "summed_over_the_batch":
        dz2 = dz2 * N
    da1 = dz2 @ (z2.T if bug == "z2_for_W2" else W2.T)
    if bug == "tanh_prime_dropped":
        dz1 = da1
    elif bug == "tanh_prime_of_z1":
        dz1 = da1 * (1 - np.tanh(a1) ** 2)
    elif bug == "sigmoid_prime":
        dz1 = da1 * a1 * (1 - a1)
    else:
        dz1 = da1 * (1 - a1 ** 2)
    return X.T @ dz1, dz1.sum(axis=0), a1.T @ dz2, dz2.sum(axis=0)


def tanh_mlp_backward_loop(X, y, W1, b1, W2, b2):
    """One example at a time, the softmax through logsumexp."""
    grads = [np.zeros_like(W1), np.zeros_like(b1), np.zeros_like(W2), np.zeros_like(b2)]
    for x, label in zip(X, y):
        a1 = np.tanh(x @ W1 + b1)
        z2 = a1 @ W2 + b2
        p = np.exp(z2 - np.logaddexp.reduce(z2))
        p[label] -= 1
        dz1 = (W2 @ p) * (1 - a1 ** 2)
        for g, d in zip(grads, (np.outer(x, dz1), dz1, np.outer(a1, p), p)):
            g += d / X.shape[0]
    return tuple(grads)


def tanh_mlp_backward_seed_004_sign(X, y, W1, b1, W2, b2):
    """Seed 004's eqs. (15)-(22): y - y_hat, the gradient of the log-likelihood, not of the loss."""
    return student_tanh_mlp_backward(X, y, W1, b1, W2, b2, bug="seed_004_sign")


def tanh_mlp_backward_tanh_prime_dropped(X, y, W1, b1, W2, b2):
    return student_tanh_mlp_backward(X, y, W1, b1, W2, b2, bug="tanh_prime_dropped")


def tanh_mlp_backward_z2_for_W2(X, y, W1, b1, W2, b2):
    """Seed 004's eq. (10), dz2/da1 = z2: shapes work only when N == H (one hidden case), else an error."""
    return student_tanh_mlp_backward(X, y, W1, b1, W2, b2, bug="z2_for_W2")


def tanh_mlp_backward_tanh_prime_of_z1(X, y, W1, b1, W2, b2):
    """1 - tanh^2 applied to a1 = tanh(z1) again."""
    return student_tanh_mlp_backward(X, y, W1, b1, W2, b2, bug="tanh_prime_of_z1")


def tanh_mlp_backward_sigmoid_prime(X, y, W1, b1, W2, b2):
    return student_tanh_mlp_backward(X, y, W1, b1, W2, b2, bug="sigmoid_prime")


def tanh_mlp_backward_summed_over_the_batch(X, y, W1, b1, W2, b2):
    return student_tanh_mlp_backward(X, y, W1, b1, W2, b2, bug="summed_over_the_batch")


CORRECT = {
    "linear_ae_loss": [linear_ae_loss_per_example, linear_ae_loss_n_by_n],
    "gplvm_loglik": [gplvm_loglik_explicit_inverse, gplvm_loglik_solve],
    "mse_loss": [mse_loss_per_example],
    "bce_loss": [bce_loss_logaddexp, bce_loss_log_sigmoid],
    "tanh_mlp_backward": [tanh_mlp_backward_loop],
}

BUGS = {
    "linear_ae_loss": [linear_ae_loss_encoder_path_only, linear_ae_loss_decoder_path_only,
                       linear_ae_loss_encoder_path_doubled, linear_ae_loss_summed_over_the_batch,
                       linear_ae_loss_dW_summed_over_the_batch, linear_ae_loss_mean_over_every_entry,
                       linear_ae_loss_no_half],
    "gplvm_loglik": [gplvm_loglik_log_of_det, gplvm_loglik_inverses_on_the_left, gplvm_loglik_inverses_on_the_right,
                     gplvm_loglik_hint_not_applied, gplvm_loglik_factor_2_dropped, gplvm_loglik_log_det_term_only,
                     gplvm_loglik_trace_term_only, gplvm_loglik_gradient_of_minus_loglik,
                     gplvm_loglik_beta_not_inverted, gplvm_loglik_constant_dropped, gplvm_loglik_N_for_D],
    "mse_loss": [mse_loss_summed_over_the_batch, mse_loss_mean_over_every_entry, mse_loss_no_half,
                 mse_loss_gradient_sign_flipped, mse_loss_gradient_not_averaged,
                 mse_loss_gradient_with_respect_to_the_logits],
    "bce_loss": [bce_loss_from_probabilities, bce_loss_clipped_probabilities, bce_loss_gradient_sign_flipped,
                 bce_loss_seed_002_derivative, bce_loss_gradient_with_respect_to_the_probabilities,
                 bce_loss_sigma_prime_multiplied_in, bce_loss_summed_over_the_batch, bce_loss_mean_over_every_entry,
                 bce_loss_logits_clipped_in_place],
    "tanh_mlp_backward": [tanh_mlp_backward_seed_004_sign, tanh_mlp_backward_tanh_prime_dropped,
                          tanh_mlp_backward_z2_for_W2, tanh_mlp_backward_tanh_prime_of_z1,
                          tanh_mlp_backward_sigmoid_prime, tanh_mlp_backward_summed_over_the_batch],
}


class TestAutoencodersSpecs(GradedFunctionTests):
    MODULE = autoencoders
    CORRECT = CORRECT
    BUGS = BUGS


def failure_message(name, fn):
    with pytest.raises(AssertionError) as failure:
        grading.check(name, fn)
    return str(failure.value)


def test_log_of_det_fails_only_where_the_determinant_leaves_float64():
    """Right on every small case: the message names the N = 200 case and the inf, and hints at the cause."""
    message = failure_message("gplvm_loglik", gplvm_loglik_log_of_det)
    assert "hidden case 8 of 9" in message and "|K| overflows float64" in message
    assert "loglik contains inf or nan" in message


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log(0) and 0 * inf, on purpose
def test_bce_from_probabilities_fails_only_at_large_logits():
    message = failure_message("bce_loss", bce_loss_from_probabilities)
    assert "+-500" in message and "loss contains inf or nan" in message


def test_clipped_bce_is_finite_and_wrong_at_large_logits():
    message = failure_message("bce_loss", bce_loss_clipped_probabilities)
    assert "+-500" in message and "loss is wrong" in message


def test_logits_clipped_in_place_are_reported_as_modified():
    assert "argument 1 was modified in place" in failure_message("bce_loss", bce_loss_logits_clipped_in_place)


def test_seed_002_derivative_is_right_where_every_target_is_1():
    """Its error is in the terms of label 0 only, so a case without a 0 target would miss it."""
    logits = np.random.default_rng(0).standard_normal((3, 4))
    y = np.ones((3, 4))
    np.testing.assert_allclose(bce_loss_seed_002_derivative(logits, y)[1], bce_loss_logaddexp(logits, y)[1],
                               rtol=1e-12)
    assert "dlogits is wrong" in failure_message("bce_loss", bce_loss_seed_002_derivative)


def test_z2_for_W2_is_caught_where_its_shapes_work():
    """Eq. (10)'s z2 in place of W2 raises on most cases; on the N == H case it runs and is wrong."""
    message = failure_message("tanh_mlp_backward", tanh_mlp_backward_z2_for_W2)
    assert "hidden case 1 of 6" in message
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((5, 3)), rng.integers(2, size=5)
    args = (X, y, rng.standard_normal((3, 5)), rng.standard_normal(5), rng.standard_normal((5, 2)), rng.standard_normal(2))
    wrong, right = tanh_mlp_backward_z2_for_W2(*args), grading.SPECS["tanh_mlp_backward"].reference(*args)
    assert not np.allclose(wrong[0], right[0])
