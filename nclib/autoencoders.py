"""Matrix calculus for auto-encoders (reference solutions): the linear auto-encoder with tied weights, whose
minima span the same subspace as PCA's leading components, and the log-likelihood of the GP-LVM with a
linear kernel, both differentiated with respect to a whole matrix; and the backward pass of a one-hidden-layer
tanh network with a softmax output, the derivation that seed 004 gets wrong.

Examples are rows: X (N, n) holds one example x_n per row. The sigmoid-output losses of the assignment
(mse_loss and bce_loss) are in nclib.losses. All arrays are float64.
"""
import numbers

import numpy as np


def linear_ae_loss(W, X):
    """Loss and gradient of the linear auto-encoder with tied weights, x_hat = W^T W x, averaged over the
    batch: loss = 1/(2N) sum_n ||W^T W x_n - x_n||^2.

    W enters twice, as the encoder W and as the decoder W^T, so dW is the sum of the two paths. With
    k_n = W^T W x_n - x_n, one example contributes W k_n x_n^T (through the encoder) plus
    W x_n k_n^T (through the decoder).

    Args:
        W: (m, n) weights; the code of x is W x, of size m.
        X: (N, n) examples, one per row, N >= 1.
    Returns:
        loss: float.
        dW: (m, n), the gradient of loss with respect to W.
    """
    W = np.asarray(W, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    if W.ndim != 2 or W.size == 0:
        raise ValueError(f"W must have shape (m, n) with m, n >= 1, got {W.shape}")
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] != W.shape[1]:
        raise ValueError(f"X must have shape (N, n={W.shape[1]}) with N >= 1, got {X.shape}")
    N = X.shape[0]
    codes = X @ W.T            # (N, m): W x_n in each row
    residuals = codes @ W - X  # (N, n): k_n in each row
    loss = 0.5 * np.sum(residuals * residuals) / N
    # (m, N) @ (N, n) for the encoder's path rather than W @ (residuals.T @ X), which builds an (n, n) matrix
    dW = ((residuals @ W.T).T @ X + codes.T @ residuals) / N
    return float(loss), dW


def gplvm_loglik(X, Y, alpha, beta):
    """Log-likelihood of the GP-LVM with a linear kernel (Lawrence, 2004) and its gradient in the latent
    positions:

        K = alpha X X^T + I / beta,
        loglik = -N D/2 log(2 pi) - D/2 log|K| - 1/2 tr(K^-1 Y Y^T),
        dX = alpha (K^-1 Y Y^T K^-1 - D K^-1) X.

    Computed from the Cholesky factor K = L L^T: log|K| = 2 sum_i log L_ii, and K^-1 is only ever
    applied to a matrix through linear solves with L. Neither the determinant nor the inverse is formed,
    so the result is finite when |K| over- or underflows (N = 200 and beta = 1e-4 or 100, for example).

    Args:
        X: (N, q) latent positions, one per example.
        Y: (N, D) data, one example per row.
        alpha: float > 0, the kernel's variance.
        beta: float > 0, the noise precision.
    Returns:
        loglik: float.
        dX: (N, q), the gradient of loglik with respect to X.
    """
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if X.ndim != 2 or X.size == 0:
        raise ValueError(f"X must have shape (N, q) with N, q >= 1, got {X.shape}")
    N = X.shape[0]
    if Y.ndim != 2 or Y.shape[0] != N or Y.shape[1] == 0:
        raise ValueError(f"Y must have shape (N={N}, D) with D >= 1, got {Y.shape}")
    alpha, beta = _positive(alpha, "alpha"), _positive(beta, "beta")
    D = Y.shape[1]
    K = alpha * (X @ X.T) + np.eye(N) / beta
    try:
        L = np.linalg.cholesky(K)
    except np.linalg.LinAlgError:
        # K is positive definite in exact arithmetic (its eigenvalues are >= 1 / beta); rounding breaks
        # that only when alpha * beta * |X|^2 approaches 1 / machine epsilon
        raise ValueError(f"K = alpha X X^T + I / beta is not numerically positive definite (alpha={alpha:g}, "
                         f"beta={beta:g}); use a smaller alpha * beta") from None
    # one forward solve for Y and X together; tr(K^-1 Y Y^T) = ||L^-1 Y||^2
    half = np.linalg.solve(L, np.hstack([Y, X]))
    solved = np.linalg.solve(L.T, half)
    Kinv_Y, Kinv_X = solved[:, :D], solved[:, D:]
    log_det = 2.0 * np.sum(np.log(np.diag(L)))
    loglik = -0.5 * N * D * np.log(2 * np.pi) - 0.5 * D * log_det - 0.5 * np.sum(half[:, :D] ** 2)
    # K^-1 Y Y^T K^-1 X = (K^-1 Y)((K^-1 Y)^T X), without an (N, N) product
    dX = alpha * (Kinv_Y @ (Kinv_Y.T @ X) - D * Kinv_X)
    return float(loglik), dX


def tanh_mlp_backward(X, y, W1, b1, W2, b2):
    """Gradients of the mean softmax cross-entropy of a one-hidden-layer tanh network:

        z1 = X W1 + b1, a1 = tanh(z1), z2 = a1 W2 + b2, loss = -1/N sum_n log softmax(z2_n)[y_n],
        dz2 = (softmax(z2) - Y) / N (Y one-hot), dW2 = a1^T dz2, db2 = sum_n dz2_n,
        dz1 = (dz2 W2^T) * (1 - a1^2), dW1 = X^T dz1, db1 = sum_n dz1_n.

    Args:
        X: (N, D) inputs; y: (N,) int labels in 0..C-1.
        W1: (D, H); b1: (H,); W2: (H, C); b2: (C,).
    Returns:
        dW1 (D, H), db1 (H,), dW2 (H, C), db2 (C,).
    """
    X, W1, b1, W2, b2 = (np.asarray(a, dtype=np.float64) for a in (X, W1, b1, W2, b2))
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must have shape (N, D) with N >= 1, got {X.shape}")
    N, D = X.shape
    if W1.ndim != 2 or W1.shape[0] != D or b1.shape != (W1.shape[1],):
        raise ValueError(f"W1 must be (D={D}, H) and b1 (H,), got {W1.shape} and {b1.shape}")
    H = W1.shape[1]
    if W2.ndim != 2 or W2.shape[0] != H or b2.shape != (W2.shape[1],):
        raise ValueError(f"W2 must be (H={H}, C) and b2 (C,), got {W2.shape} and {b2.shape}")
    C = W2.shape[1]
    y = np.asarray(y)
    if y.shape != (N,) or not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= C:
        raise ValueError(f"y must be an int array of shape (N={N},) with labels in 0..{C - 1}")
    a1 = np.tanh(X @ W1 + b1)
    z2 = a1 @ W2 + b2
    probs = np.exp(z2 - z2.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    dz2 = probs
    dz2[np.arange(N), y] -= 1.0
    dz2 /= N
    dz1 = (dz2 @ W2.T) * (1.0 - a1 * a1)
    return X.T @ dz1, dz1.sum(axis=0), a1.T @ dz2, dz2.sum(axis=0)


def _positive(value, name):
    """value as a float if it is a finite real number > 0; else ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite real number > 0, got {value!r}")
    return float(value)
