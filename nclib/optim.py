"""First-order update rules (reference solutions).

Every rule is `update(w, dw, config) -> (next_w, config)`: w and dw are arrays of one shape, config a
dict of hyperparameters and state (None for the defaults). The rule returns new arrays and a new config
holding the updated state; it never changes w, dw or the config it was given.
"""
import numpy as np


def sgd(w, dw, config=None):
    """Plain SGD: w - learning_rate * dw.

    config: learning_rate (default 1e-2).
    """
    config = _with_defaults(config, learning_rate=1e-2)
    return w - config["learning_rate"] * dw, config


def sgd_momentum(w, dw, config=None):
    """SGD with momentum: v = momentum * v - learning_rate * dw; w + v.

    config: learning_rate (1e-2), momentum (0.9), velocity (zeros like w).
    """
    config = _with_defaults(config, learning_rate=1e-2, momentum=0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


def rmsprop(w, dw, config=None):
    """RMSProp: cache = decay_rate * cache + (1 - decay_rate) * dw^2; w - learning_rate * dw / (sqrt(cache) + epsilon).

    config: learning_rate (1e-2), decay_rate (0.99), epsilon (1e-8), cache (zeros like w).
    """
    config = _with_defaults(config, learning_rate=1e-2, decay_rate=0.99, epsilon=1e-8)
    cache = config.get("cache", np.zeros_like(w))
    cache = config["decay_rate"] * cache + (1 - config["decay_rate"]) * dw * dw
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config


def adam(w, dw, config=None):
    """Adam with bias correction; t counts the updates, starting from 1 at the first.

    m = beta1 m + (1 - beta1) dw,  v = beta2 v + (1 - beta2) dw^2,
    w - learning_rate * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + epsilon).

    config: learning_rate (1e-3), beta1 (0.9), beta2 (0.999), epsilon (1e-8), m, v (zeros like w), t (0).
    """
    config = _with_defaults(config, learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8, t=0)
    t = config["t"] + 1
    m = config["beta1"] * config.get("m", np.zeros_like(w)) + (1 - config["beta1"]) * dw
    v = config["beta2"] * config.get("v", np.zeros_like(w)) + (1 - config["beta2"]) * dw * dw
    m_hat = m / (1 - config["beta1"] ** t)
    v_hat = v / (1 - config["beta2"] ** t)
    config.update(t=t, m=m, v=v)
    return w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"]), config


def sgd_mean_objective(X, w0):
    """SGD on C(w) = 1/(2n) sum_i ||w - x_i||^2 with step 1/(t+1), visiting the examples in order
    (exam 000, question 1): w_{t+1} = w_t - (w_t - x_{t+1}) / (t + 1).

    Args:
        X: (n, d) examples x_1, ..., x_n as rows; w0: (d,) starting point.
    Returns:
        (n + 1, d) iterates w_0, w_1, ..., w_n; w_t is the mean of x_1, ..., x_t for t >= 1.
    """
    iterates = [np.asarray(w0, dtype=np.float64)]
    for t, x in enumerate(X):
        w = iterates[-1]
        iterates.append(w - (w - x) / (t + 1))
    return np.array(iterates).reshape(len(X) + 1, np.shape(w0)[0])


def _with_defaults(config, **defaults):
    """A new dict: the defaults, overridden by config (which is not changed)."""
    if config is not None and not isinstance(config, dict):
        raise TypeError(f"config must be a dict or None, got {type(config).__name__}")
    return {**defaults, **(config or {})}
