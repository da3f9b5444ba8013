"""Numerical gradients and relative errors for checking backward passes (given to students)."""
import numpy as np


def eval_numerical_gradient(f, x, h=1e-5, verbose=False):
    """Centred-difference gradient of a scalar function.

    Args:
        f: callable taking x and returning a float.
        x: float64 array of any shape; perturbed in place and restored.
        h: step size.
        verbose: print each coordinate's gradient.
    Returns:
        grad: array of x.shape.
    """
    x = _float_array(x, "x")
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        fxph, fxmh = _around(f, x, ix, h)
        grad[ix] = (fxph - fxmh) / (2 * h)
        if verbose:
            print(ix, grad[ix])
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Centred-difference gradient of sum(f(x) * df): the vector-Jacobian product a backward pass computes.

    Args:
        f: callable taking x and returning an array of df.shape.
        x: float64 array of any shape; perturbed in place and restored.
        df: upstream gradient, same shape as f(x).
        h: step size.
    Returns:
        grad: array of x.shape.
    """
    x = _float_array(x, "x")
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        pos, neg = _around(f, x, ix, h)
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
    return grad


def rel_error(x, y, eps=1e-8):
    """Largest elementwise relative error |x - y| / max(eps, |x| + |y|).

    Args:
        x, y: arrays (or scalars) of the same shape.
        eps: floor of the denominator, so that two tiny numbers do not blow up the ratio.
    Returns:
        float.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"rel_error: shapes differ, {x.shape} vs {y.shape}")
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y) / np.maximum(eps, np.abs(x) + np.abs(y))))


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5, seed=0, verbose=True):
    """Compare an analytic gradient with centred differences at a few random coordinates.

    Args:
        f: callable taking x and returning a float.
        x: float64 array; perturbed in place and restored.
        analytic_grad: array of x.shape.
        num_checks: number of coordinates sampled.
        h: step size.
        seed: seed of the coordinate sampling.
        verbose: print one line per coordinate.
    Returns:
        float: the largest relative error seen.
    """
    x = _float_array(x, "x")
    analytic_grad = np.asarray(analytic_grad)
    if analytic_grad.shape != x.shape:
        raise ValueError(f"analytic_grad has shape {analytic_grad.shape}, expected x's shape {x.shape}")
    rng = np.random.default_rng(seed)
    worst = 0.0
    for _ in range(num_checks):
        ix = tuple(int(rng.integers(n)) for n in x.shape)
        fxph, fxmh = _around(f, x, ix, h)
        numeric = (fxph - fxmh) / (2 * h)
        err = rel_error(numeric, analytic_grad[ix])
        worst = max(worst, err)
        if verbose:
            print(f"numerical: {numeric:+.6e}  analytic: {analytic_grad[ix]:+.6e}  relative error: {err:.2e}")
    return worst


def _around(f, x, ix, h):
    """(f(x + h e_ix), f(x - h e_ix)), copied out of f's buffers; x is restored."""
    old = x[ix]
    try:
        x[ix] = old + h
        pos = np.array(f(x), copy=True)
        x[ix] = old - h
        neg = np.array(f(x), copy=True)
    finally:
        x[ix] = old
    return pos, neg


def _float_array(x, name):
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"{name} must be a floating-point numpy array (it is perturbed in place)")
    return x
