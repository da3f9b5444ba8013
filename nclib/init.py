"""Weight initialisation shared by the models (given to students)."""
import numpy as np


def init_fc_params(layer_dims, weight_scale=None, seed=0):
    """Gaussian weights and zero biases for a stack of affine layers.

    Args:
        layer_dims: sequence of ints [D, H_1, ..., C]: input size, hidden sizes, output size.
        weight_scale: standard deviation of the weights; None uses He scaling sqrt(2 / fan_in).
        seed: seed or numpy.random.Generator.
    Returns:
        dict with W1 (D, H_1), b1 (H_1,), ..., WL (H_{L-1}, C), bL (C,), float64.
    """
    dims = [int(d) for d in layer_dims]
    if len(dims) < 2 or min(dims) < 1:
        raise ValueError(f"layer_dims must hold at least two positive sizes, got {list(layer_dims)}")
    rng = np.random.default_rng(seed)
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(dims[:-1], dims[1:]), start=1):
        scale = np.sqrt(2.0 / fan_in) if weight_scale is None else weight_scale
        params[f"W{i}"] = scale * rng.standard_normal((fan_in, fan_out))
        params[f"b{i}"] = np.zeros(fan_out)
    return params
