"""Losses returning (loss, dscores): a float averaged over the batch and its gradient (reference solutions)."""
import numpy as np

from nclib.layers import sigmoid


def softmax_loss(scores, y):
    """Softmax cross-entropy, numerically stable for any finite scores.

    Args:
        scores: (N, C) unnormalised class scores.
        y: (N,) int labels in 0..C-1.
    Returns:
        loss: float, mean over the N rows of -log softmax(scores)[i, y_i].
        dscores: (N, C), (softmax(scores) - onehot(y)) / N.
    """
    scores = np.asarray(scores, dtype=np.float64)
    y = _labels(y, scores)
    N = scores.shape[0]
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(N), y].mean()
    dscores = np.exp(log_probs)
    dscores[np.arange(N), y] -= 1
    return float(loss), dscores / N


def mse_loss(pred, target):
    """Mean squared error 1/(2N) sum (pred - target)^2: summed over each example's entries and averaged over
    the batch, as bce_loss is. With sigmoid outputs pred = sigmoid(z), the gradient with respect to z is
    therefore (pred - target) sigma'(z) / N, bce_loss's (pred - target) / N times sigma'(z).

    Args:
        pred: (N, ...) predictions.
        target: same shape as pred.
    Returns:
        loss: float.
        dpred: pred.shape.
    """
    pred = np.asarray(pred, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    if pred.shape != target.shape or pred.ndim == 0 or pred.shape[0] == 0:
        raise ValueError(f"pred (N, ...) with N >= 1 and target must have the same shape, "
                         f"got {pred.shape} and {target.shape}")
    N = pred.shape[0]
    diff = pred - target
    return float(0.5 * np.sum(diff * diff) / N), diff / N


def bce_loss(logits, target):
    """Binary cross-entropy from logits, stable for large |logits|.

    loss = 1/N sum over all entries of -[t log sigma(z) + (1 - t) log(1 - sigma(z))]
         = 1/N sum max(z, 0) - z t + log(1 + exp(-|z|)).

    Args:
        logits: (N, ...) real scores z.
        target: same shape, values in [0, 1].
    Returns:
        loss: float.
        dlogits: logits.shape, (sigma(z) - t) / N.
    """
    z = np.asarray(logits, dtype=np.float64)
    t = np.asarray(target, dtype=np.float64)
    if z.shape != t.shape or z.ndim == 0 or z.shape[0] == 0:
        raise ValueError(f"logits (N, ...) with N >= 1 and target must have the same shape, "
                         f"got {z.shape} and {t.shape}")
    if not np.all((t >= 0) & (t <= 1)):  # NaN fails too
        raise ValueError("target values must lie in [0, 1]")
    N = z.shape[0]
    loss = np.sum(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))) / N
    return float(loss), (sigmoid(z) - t) / N


def _labels(y, scores):
    if scores.ndim != 2 or scores.shape[0] == 0:
        raise ValueError(f"scores must have shape (N, C) with N >= 1, got {scores.shape}")
    y = np.asarray(y)
    if y.shape != (scores.shape[0],) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must be an int array of shape (N={scores.shape[0]},), got {y.dtype} {y.shape}")
    if y.min() < 0 or y.max() >= scores.shape[1]:
        raise ValueError(f"labels must lie in 0..{scores.shape[1] - 1}")
    return y
