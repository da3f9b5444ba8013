"""Batch normalisation and layer normalisation as forward/backward pairs (reference solutions).

Batch normalisation (Ioffe and Szegedy, 2015) normalises each feature over the examples of a batch;
layer normalisation (Ba, Kiros and Hinton, 2016) normalises each example over its features. Both then
scale by gamma and shift by beta, per feature.

Besides the reference backward passes (`batchnorm_backward`, staged node by node through the
computational graph, and `batchnorm_backward_alt`, the simplified closed form), the module keeps the
problem set's incomplete formula (`batchnorm_backward_seed`, problem set 004, section 6), which the
notebook's "find the error" exercise shows wrong against numerical gradients.

All arrays are float64 unless the inputs are another float dtype, which is kept.
"""
import numpy as np

from nclib.input_checks import checked_dout

_BN_DEFAULTS = {"eps": 1e-5, "momentum": 0.9}
_MODES = ("train", "test")


def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalisation: out = gamma * (x - mu) / sqrt(var + eps) + beta, per feature.

    In train mode mu and var are the batch's mean and biased (1/N) variance of each feature, and the
    running averages in bn_param are updated:
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
    The update assigns new arrays to bn_param["running_mean"] and bn_param["running_var"]: bn_param
    is the layer's state, so the caller keeps one dict per layer across calls (as in CS231n); the
    arrays that were there before are not modified. The running variance averages the biased batch
    variance (as CS231n does; PyTorch averages the unbiased N / (N - 1) one).
    In test mode mu and var are the running averages, and bn_param is not changed.

    Missing running averages start as zeros(D) for the mean and ones(D) for the variance (CS231n
    starts both at zero): a net evaluated before any training step then normalises by sqrt(1 + eps),
    not by sqrt(eps), which would scale its inputs by about 316.

    A batch of one example (N = 1) in train mode has variance 0: x_hat = 0 / sqrt(eps) = 0, so
    out = beta whatever x is, and the gradient with respect to x is exactly 0 (batchnorm_backward);
    the running variance moves towards 0.

    Args:
        x: (N, D) inputs, N >= 1.
        gamma: (D,) scale.
        beta: (D,) shift.
        bn_param: dict with
            mode: "train" or "test" (required);
            eps: added to the variance, > 0 (default 1e-5);
            momentum: weight of the old running averages, in [0, 1] (default 0.9);
            running_mean, running_var: (D,) running averages (defaults zeros(D) and ones(D)).
    Returns:
        out: (N, D).
        cache: (x_hat, xc, std, inv_std, gamma, mode) with x_hat and xc = x - mu of shape (N, D),
            std = sqrt(var + eps) and inv_std = 1 / std of shape (D,); the backward functions take it.
    Raises:
        ValueError if x is not (N, D) with N >= 1 and D >= 1, gamma or beta is not (D,), a running
        average is not (D,), mode is missing or not "train"/"test", eps <= 0, or momentum is outside
        [0, 1].
    """
    x, gamma, beta = _check_norm_inputs(x, gamma, beta, min_rows=1)
    N, D = x.shape
    if not isinstance(bn_param, dict):
        raise ValueError(f"bn_param must be a dict with at least 'mode', got {type(bn_param).__name__}")
    mode = bn_param.get("mode")
    if mode not in _MODES:
        raise ValueError(f"bn_param['mode'] must be 'train' or 'test', got {mode!r}")
    eps = bn_param.get("eps", _BN_DEFAULTS["eps"])
    momentum = bn_param.get("momentum", _BN_DEFAULTS["momentum"])
    if not eps > 0:
        raise ValueError(f"bn_param['eps'] must be > 0, got {eps!r}")
    if not 0 <= momentum <= 1:
        raise ValueError(f"bn_param['momentum'] must lie in [0, 1], got {momentum!r}")
    running_mean = _running(bn_param, "running_mean", np.zeros(D, dtype=x.dtype), D)
    running_var = _running(bn_param, "running_var", np.ones(D, dtype=x.dtype), D)

    if mode == "train":
        # the graph that batchnorm_backward walks back, one node per line
        mu = x.mean(axis=0)          # mean
        xc = x - mu                  # centred
        sq = xc * xc                 # square
        var = sq.mean(axis=0)        # variance
        std = np.sqrt(var + eps)     # sqrt
        inv_std = 1.0 / std          # inverse
        x_hat = xc * inv_std         # product
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    else:
        xc = x - running_mean
        std = np.sqrt(running_var + eps)
        inv_std = 1.0 / std
        x_hat = xc * inv_std
    out = gamma * x_hat + beta
    return out, (x_hat, xc, std, inv_std, gamma, mode)


def batchnorm_backward(dout, cache):
    """Batch normalisation, backward, staged: one step per node of the forward's computational graph.

    Args:
        dout: (N, D) upstream gradient.
        cache: from batchnorm_forward in train mode.
    Returns:
        dx: (N, D), dgamma: (D,), dbeta: (D,).
    Raises:
        ValueError if the cache comes from test mode (its statistics are constants; the gradient
        would be dout * gamma / sqrt(running_var + eps)).
    """
    dout, x_hat, xc, std, inv_std, gamma, N = _train_cache(dout, cache)
    # out = gamma * x_hat + beta
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    # product: x_hat = xc * inv_std; inv_std is shared by the N rows, so its gradient sums over them
    dinv_std = (dx_hat * xc).sum(axis=0)
    dxc = dx_hat * inv_std
    # inverse: inv_std = 1 / std
    dstd = -dinv_std / (std * std)
    # sqrt: std = sqrt(var + eps)
    dvar = 0.5 * dstd / std
    # variance: var = (1/N) sum_k sq_k, each square receiving 1/N of dvar
    dsq = np.broadcast_to(dvar / N, xc.shape)
    # square: sq = xc^2, the second path into xc
    dxc = dxc + 2.0 * xc * dsq
    # centred: xc = x - mu; mu is subtracted from every row, so its gradient sums over them
    dx = dxc
    dmu = -dxc.sum(axis=0)
    # mean: mu = (1/N) sum_k x_k, the second path into x
    dx = dx + dmu / N
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    """Batch normalisation, backward, in closed form:

        dx = gamma / (N sqrt(var + eps)) * (N dout - sum_k dout_k - x_hat * sum_k dout_k x_hat_k)

    with the sums over the batch (per feature), which are dbeta and dgamma; the same gradients as
    batchnorm_backward, in five passes over (N, D) arrays instead of about a dozen
    (bench/batchnorm_speed.py: about 2x faster on (512, 1024)).

    Args:
        dout: (N, D) upstream gradient.
        cache: from batchnorm_forward in train mode.
    Returns:
        dx: (N, D), dgamma: (D,), dbeta: (D,).
    Raises:
        ValueError if the cache comes from test mode.
    """
    dout, x_hat, _, _, inv_std, gamma, N = _train_cache(dout, cache)
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    # dx = gamma inv_std (dout - dbeta / N - x_hat dgamma / N), built in one (N, D) array updated in
    # place: each (N, D) temporary would be another pass over memory and, at 4 MB, fresh pages for
    # the kernel to map, which cost more than the arithmetic
    dx = x_hat * (dgamma / -N)
    dx += dout
    dx -= dbeta / N
    dx *= gamma * inv_std
    return dx, dgamma, dbeta


def batchnorm_backward_seed(dout, cache):
    """The problem set's BatchNorm gradient (problem set 004, section 6, equations 38-42). WRONG for dx.

        dx = dout * gamma * ((var + eps)^(-1/2) - (1/N) (x - mu)^2 (var + eps)^(-3/2))

    elementwise. It differentiates x_hat_k only through its own x_k: it drops the path through the
    batch mean, -gamma / (N sqrt(var + eps)) * sum_i dout_i, and the variance's cross-example terms,
    -gamma / (N sqrt(var + eps)) * x_hat_k * sum_{i != k} dout_i x_hat_i. Its dgamma and dbeta are
    right once summed over the batch (the problem set writes them unsummed, of shape (N, D)).
    Kept for the notebook's "find the error" exercise; use batchnorm_backward.

    Args:
        dout: (N, D) upstream gradient.
        cache: from batchnorm_forward in train mode.
    Returns:
        dx: (N, D) (incorrect), dgamma: (D,), dbeta: (D,).
    Raises:
        ValueError if the cache comes from test mode.
    """
    dout, x_hat, xc, std, inv_std, gamma, N = _train_cache(dout, cache)
    dx = dout * gamma * (inv_std - (1.0 / N) * xc * xc * inv_std ** 3)
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def layernorm_forward(x, gamma, beta, ln_param=None):
    """Layer normalisation: each row of x normalised over its D features, then scaled and shifted:
    out = gamma * (x - mu) / sqrt(var + eps) + beta with mu (N, 1) and var (N, 1) the mean and biased
    (1/D) variance of each row. Nothing depends on the batch, so train and test are the same and no
    state is kept. A row with D = 1 (or with equal features) has x_hat = 0: out = beta and dx = 0.

    Args:
        x: (N, D) inputs, D >= 1.
        gamma: (D,) scale.
        beta: (D,) shift.
        ln_param: None or a dict with eps (added to the variance, > 0, default 1e-5); other keys are
            ignored.
    Returns:
        out: (N, D).
        cache: (x_hat (N, D), inv_std (N, 1), gamma).
    Raises:
        ValueError if x is not (N, D) with D >= 1, gamma or beta is not (D,), or eps <= 0.
    """
    x, gamma, beta = _check_norm_inputs(x, gamma, beta, min_rows=0)
    ln_param = {} if ln_param is None else ln_param
    if not isinstance(ln_param, dict):
        raise ValueError(f"ln_param must be None or a dict, got {type(ln_param).__name__}")
    eps = ln_param.get("eps", _BN_DEFAULTS["eps"])
    if not eps > 0:
        raise ValueError(f"ln_param['eps'] must be > 0, got {eps!r}")
    xc = x - x.mean(axis=1, keepdims=True)
    inv_std = 1.0 / np.sqrt((xc * xc).mean(axis=1, keepdims=True) + eps)
    x_hat = xc * inv_std
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)


def layernorm_backward(dout, cache):
    """Layer normalisation, backward: batchnorm_backward_alt's closed form with the roles of the axes
    exchanged (the statistics are per row, over the D features), after the per-feature gamma:

        dx_hat = gamma * dout
        dx = inv_std / D * (D dx_hat - sum_j dx_hat_j - x_hat * sum_j dx_hat_j x_hat_j)

    Args:
        dout: (N, D) upstream gradient.
        cache: from layernorm_forward.
    Returns:
        dx: (N, D), dgamma: (D,), dbeta: (D,).
    """
    x_hat, inv_std, gamma = cache
    dout = checked_dout(dout, x_hat.shape, "(N, D)")
    D = x_hat.shape[1]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dx = (inv_std / D) * (D * dx_hat - dx_hat.sum(axis=1, keepdims=True)
                          - x_hat * (dx_hat * x_hat).sum(axis=1, keepdims=True))
    return dx, dgamma, dbeta


def _check_norm_inputs(x, gamma, beta, min_rows):
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    if x.ndim != 2 or x.shape[0] < min_rows or x.shape[1] < 1:
        rows = "N >= 1" if min_rows else "N >= 0"
        raise ValueError(f"x must have shape (N, D) with {rows} and D >= 1, got {x.shape}")
    D = x.shape[1]
    gamma, beta = np.asarray(gamma), np.asarray(beta)
    if gamma.shape != (D,):
        raise ValueError(f"gamma must have shape (D={D},), got {gamma.shape}")
    if beta.shape != (D,):
        raise ValueError(f"beta must have shape (D={D},), got {beta.shape}")
    return x, gamma, beta


def _running(bn_param, key, default, D):
    value = bn_param.get(key)
    if value is None:
        return default
    value = np.asarray(value)
    if value.shape != (D,):
        raise ValueError(f"bn_param[{key!r}] must have shape (D={D},), got {value.shape}")
    return value


def _train_cache(dout, cache):
    x_hat, xc, std, inv_std, gamma, mode = cache
    if mode != "train":
        raise ValueError("cache: the batchnorm backward functions take a cache from train mode, "
                         f"got one from {mode!r} mode")
    dout = checked_dout(dout, x_hat.shape, "(N, D)")
    return dout, x_hat, xc, std, inv_std, gamma, x_hat.shape[0]
