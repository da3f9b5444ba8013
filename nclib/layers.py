"""Layers as forward/backward pairs (reference solutions).

Every forward returns (out, cache); every backward takes (dout, cache) with dout of out's shape and
returns the gradient(s) with respect to the forward's inputs, in the order the forward takes them.
All arrays are float64.
"""
import numpy as np


def affine_forward(x, w, b):
    """Affine layer: out = x.reshape(N, D) @ w + b.

    Args:
        x: (N, d_1, ..., d_k) inputs, each row flattened to D = d_1 * ... * d_k.
        w: (D, M) weights.
        b: (M,) biases.
    Returns:
        out: (N, M).
        cache: (x, w, b).
    """
    x, w, b = np.asarray(x), np.asarray(w), np.asarray(b)
    if x.ndim < 1:
        raise ValueError("x must have shape (N, d_1, ..., d_k)")
    D = int(np.prod(x.shape[1:]))
    if w.ndim != 2 or w.shape[0] != D:
        raise ValueError(f"w must have shape (D={D}, M), got {w.shape}")
    if b.shape != (w.shape[1],):
        raise ValueError(f"b must have shape (M={w.shape[1]},), got {b.shape}")
    out = x.reshape(x.shape[0], D) @ w + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    """Affine layer, backward.

    Args:
        dout: (N, M) upstream gradient.
        cache: (x, w, b) from affine_forward.
    Returns:
        dx: (N, d_1, ..., d_k), dw: (D, M), db: (M,).
    """
    x, w, _ = cache
    # w.shape[0] is D; reshape(N, -1) cannot infer D when N == 0
    x2 = x.reshape(x.shape[0], w.shape[0])
    dx = (dout @ w.T).reshape(x.shape)
    dw = x2.T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


def relu_forward(x):
    """ReLU: out = max(x, 0), elementwise.

    Args:
        x: array of any shape.
    Returns:
        out: x.shape.
        cache: x.
    """
    x = np.asarray(x)
    return np.maximum(x, 0), x


def relu_backward(dout, cache):
    """ReLU, backward; the gradient at x == 0 is taken as 0.

    Args:
        dout: upstream gradient, x.shape.
        cache: x.
    Returns:
        dx: x.shape.
    """
    x = cache
    return dout * (x > 0)


def sigmoid(x):
    """Logistic sigmoid 1 / (1 + exp(-x)), without overflow for large |x|. Any shape."""
    x = np.asarray(x, dtype=np.float64)
    # exp of a non-positive number only: exp(-|x|) never overflows
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_forward(x):
    """Sigmoid layer.

    Args:
        x: array of any shape.
    Returns:
        out: x.shape, in (0, 1).
        cache: out.
    """
    out = sigmoid(x)
    return out, out


def sigmoid_backward(dout, cache):
    """Sigmoid, backward: sigma'(x) = sigma(x) (1 - sigma(x)).

    Args:
        dout: upstream gradient, x.shape.
        cache: sigmoid(x).
    Returns:
        dx: x.shape.
    """
    s = cache
    return dout * s * (1 - s)


def tanh_forward(x):
    """Tanh layer.

    Args:
        x: array of any shape.
    Returns:
        out: x.shape, in (-1, 1).
        cache: out.
    """
    out = np.tanh(x)
    return out, out


def tanh_backward(dout, cache):
    """Tanh, backward: tanh'(x) = 1 - tanh(x)^2.

    Args:
        dout: upstream gradient, x.shape.
        cache: tanh(x).
    Returns:
        dx: x.shape.
    """
    t = cache
    return dout * (1 - t * t)


def swish_forward(x):
    """Swish: out = x * sigmoid(x), elementwise.

    Args:
        x: array of any shape.
    Returns:
        out: x.shape.
        cache: x.
    """
    x = np.asarray(x, dtype=np.float64)
    return x * sigmoid(x), x


def swish_backward(dout, cache):
    """Swish, backward: swish'(x) = h + sigma(x) (1 - h) with h = swish(x).

    Args:
        dout: upstream gradient, x.shape.
        cache: x.
    Returns:
        dx: x.shape.
    """
    x = cache
    s = sigmoid(x)
    h = x * s
    return dout * (h + s * (1 - h))


def dropout_forward(x, dropout_param):
    """Inverted dropout: in training, keep each unit with probability p and divide by p, so that the
    expected output equals x and nothing changes at test time.

    Args:
        x: array of any shape.
        dropout_param: dict with p (keep probability, 0 < p <= 1), mode ("train" or "test") and seed
            (an int, for the same mask at every call, as a gradient check needs, or a
            numpy.random.Generator, whose stream moves on at every call).
    Returns:
        out: x.shape.
        cache: (dropout_param, mask) with mask of x.shape (None in test mode): the mask is
            (numpy.random.default_rng(seed).random(x.shape) < p) / p, one draw per call.
    """
    p, mode = dropout_param["p"], dropout_param.get("mode", "train")
    if not 0 < p <= 1:
        raise ValueError(f"dropout_param['p'] is the keep probability and must lie in (0, 1], got {p}")
    if mode == "test":
        return x, (dropout_param, None)
    if mode != "train":
        raise ValueError(f"dropout_param['mode'] must be 'train' or 'test', got {mode!r}")
    rng = np.random.default_rng(dropout_param.get("seed"))
    mask = (rng.random(np.shape(x)) < p) / p
    return x * mask, (dropout_param, mask)


def dropout_backward(dout, cache):
    """Inverted dropout, backward.

    Args:
        dout: upstream gradient, x.shape.
        cache: (dropout_param, mask) from dropout_forward.
    Returns:
        dx: x.shape.
    """
    _, mask = cache
    return dout if mask is None else dout * mask


ACTIVATIONS = {
    "relu": (relu_forward, relu_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
    "swish": (swish_forward, swish_backward),
}
