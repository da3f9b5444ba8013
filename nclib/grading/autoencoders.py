"""Specs of the autoencoders assignment: the linear auto-encoder's loss and its gradient through both paths
to W, the GP-LVM log-likelihood and its gradient in the latent positions, and the losses of sigmoid outputs,
MSE (its gradient with respect to the outputs) and BCE (from the logits), and the backward pass of a tanh
network with a softmax output (seed 004's derivation, corrected).

The GP-LVM's cases include N = 200, where |K| overflows or underflows float64 while K^-1 stays accurate:
log(det(K)) fails there, an explicit inverse with a stable log-determinant does not."""
import numpy as np

from nclib import autoencoders, losses
from nclib.grading.engine import Spec, compare_cases
from nclib.layers import sigmoid


def _linear_ae_loss(name, student_fn, reference):
    """W (m, n) scaled so that W^T W is O(1), except in one case with large weights; a batch of one, one
    code unit, a square and an overcomplete W; and examples on W's row space with orthonormal rows, which
    are reconstructed exactly."""
    rng = np.random.default_rng(60)
    cases = []
    for m, n, N, kind in [(2, 5, 8, "random"), (1, 4, 6, "random"), (3, 6, 1, "random"), (4, 4, 5, "random"),
                          (5, 3, 4, "random"), (3, 7, 10, "large weights"), (2, 5, 4, "examples on W's row space")]:
        W = rng.standard_normal((m, n)) / np.sqrt(n)
        X = rng.standard_normal((N, n))
        if kind == "large weights":
            W *= 3.0
        if kind == "examples on W's row space":
            W = np.linalg.qr(rng.standard_normal((n, m)))[0].T
            X = rng.standard_normal((N, m)) @ W
        cases.append(((W, X), f"W {W.shape}, X {X.shape}" + ("" if kind == "random" else f", {kind}")))
    compare_cases(name, student_fn, reference, cases, ["loss", "dW"])


def _gplvm_loglik(name, student_fn, reference):
    """N above and below q, N = 1, D = 1; alpha and beta large and small; and N = 200, where |K| is about
    1e4^197 (beta = 1e-4, overflow) or 1e-2^197 (beta = 100, underflow)."""
    rng = np.random.default_rng(61)
    cases = []
    for N, q, D, alpha, beta, note in [(6, 2, 4, 1.3, 2.0, ""), (1, 1, 3, 0.7, 3.0, ""), (5, 3, 1, 1.0, 1.0, ""),
                                       (3, 4, 2, 2.0, 0.5, ""), (10, 2, 5, 1000.0, 0.001, ""),
                                       (8, 3, 4, 0.001, 1000.0, ""), (7, 2, 6, 20.0, 50.0, ""),
                                       (200, 3, 4, 1.0, 1e-4, ": |K| overflows float64"),
                                       (200, 3, 4, 1.0, 100.0, ": |K| underflows float64")]:
        X, Y = rng.standard_normal((N, q)), rng.standard_normal((N, D))
        cases.append(((X, Y, alpha, beta), f"X {X.shape}, Y {Y.shape}, alpha={alpha:g}, beta={beta:g}{note}"))
    compare_cases(name, student_fn, reference, cases, ["loglik", "dX"])


def _output_cases(rng, scale):
    """(logits, targets) of several shapes: binary and soft targets, a batch of one, one output, targets
    exactly 0 and 1; the logits standard normal times scale."""
    cases = []
    for N, C, kind in [(5, 3, "binary"), (4, 6, "soft"), (1, 4, "binary"), (6, 1, "binary"), (3, 3, "soft")]:
        z = scale * rng.standard_normal((N, C))
        y = rng.integers(2, size=(N, C)).astype(np.float64) if kind == "binary" else rng.uniform(size=(N, C))
        cases.append(((z, y), f"({N}, {C}), {kind} targets"))
    return cases


def _mse_loss(name, student_fn, reference):
    """Sigmoid outputs y_hat against binary and soft targets, and outputs equal to their targets."""
    rng = np.random.default_rng(62)
    cases = [((sigmoid(z), y), f"y_hat {description}") for (z, y), description in _output_cases(rng, 2.0)]
    y = rng.uniform(size=(3, 4))
    cases.append(((y.copy(), y), "y_hat (3, 4) equal to the targets"))
    compare_cases(name, student_fn, reference, cases, ["loss", "dy_hat"])


def _bce_loss(name, student_fn, reference):
    """Moderate logits, then logits of +-500 and +-800 against targets 0 and 1 (confidently right and
    confidently wrong), where sigmoid(z) rounds to 0 or 1 and the log of a probability is -inf."""
    rng = np.random.default_rng(63)
    cases = [((z, y), f"logits {description}") for (z, y), description in _output_cases(rng, 2.0)]
    for size in (500.0, 800.0):
        z = np.array([[size, -size, size, -size], [size, -size, 0.5, -1.5]])
        y = np.array([[1.0, 0.0, 0.0, 1.0], [1.0, 1.0, 0.0, 1.0]])
        cases.append(((z, y), f"logits (2, 4) with entries +-{size:g}, targets 0 and 1"))
    compare_cases(name, student_fn, reference, cases, ["loss", "dlogits"])


def _tanh_mlp_backward(name, student_fn, reference):
    """The seed's shapes (D = 2, C = 2, a few hidden units), a batch of one, one hidden unit, N == H (where
    eq. (10)'s z2 in place of W2 has shapes that work), saturated tanh units (large W1) and large scores."""
    rng = np.random.default_rng(64)
    cases = []
    for N, D, H, C, w1_scale, note in [(4, 2, 5, 2, 1.0, ""), (1, 3, 4, 3, 1.0, ""), (6, 2, 1, 2, 1.0, ""),
                                       (5, 3, 5, 2, 1.0, ", N == H"), (7, 4, 6, 3, 4.0, ", saturated tanh"),
                                       (8, 5, 10, 4, 1.0, "")]:
        X = rng.standard_normal((N, D))
        y = rng.integers(C, size=N)
        W1, b1 = w1_scale * rng.standard_normal((D, H)), rng.standard_normal(H)
        W2, b2 = rng.standard_normal((H, C)), rng.standard_normal(C)
        if note == ", saturated tanh":
            W2 *= 10.0
            note += " and large scores"
        cases.append(((X, y, W1, b1, W2, b2), f"X {X.shape}, W1 {W1.shape}, W2 {W2.shape}{note}"))
    compare_cases(name, student_fn, reference, cases, ["dW1", "db1", "dW2", "db2"])


SPECS = {
    "linear_ae_loss": Spec(autoencoders.linear_ae_loss, _linear_ae_loss),
    "gplvm_loglik": Spec(autoencoders.gplvm_loglik, _gplvm_loglik),
    "mse_loss": Spec(losses.mse_loss, _mse_loss),
    "bce_loss": Spec(losses.bce_loss, _bce_loss),
    "tanh_mlp_backward": Spec(autoencoders.tanh_mlp_backward, _tanh_mlp_backward),
}
