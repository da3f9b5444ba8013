"""The models' argument checks, one function per kind of argument, each raising ValueError that names the
argument and what it must be. Checks that layers share as well live in nclib.input_checks."""
from nclib.batchnorm import batchnorm_backward_alt, batchnorm_forward, layernorm_backward, layernorm_forward
from nclib.input_checks import checked_choice, checked_int
from nclib.layers import ACTIVATIONS

_NORMALIZATIONS = {
    "batchnorm": (batchnorm_forward, batchnorm_backward_alt),
    "layernorm": (layernorm_forward, layernorm_backward),
}


def activation_layers(name):
    """(forward, backward) of the activation called name, a key of nclib.layers.ACTIVATIONS."""
    return ACTIVATIONS[checked_choice(name, sorted(ACTIVATIONS), "activation")]


def normalization_layers(name):
    """(forward, backward) of the normalization called name ("batchnorm", "layernorm"); (None, None) for None."""
    if name is not None and name not in _NORMALIZATIONS:
        raise ValueError(f"normalization must be None, 'batchnorm' or 'layernorm', got {name!r}")
    return _NORMALIZATIONS.get(name, (None, None))


def fc_layer_count(params, normalization):
    """L, the number of affine layers, if params holds exactly W1, b1, ..., WL, bL and, with a
    normalization, gamma1, beta1, ..., gamma{L-1}, beta{L-1}."""
    if normalization is None:
        L = len(params) // 2
        expected = [f"{kind}{i}" for i in range(1, L + 1) for kind in "Wb"]
        if sorted(params) != sorted(expected):
            raise ValueError(f"params must hold W1, b1, ..., WL, bL; got {sorted(params)}")
        return L
    L = (len(params) + 2) // 4  # 2 L weights and biases, 2 (L - 1) gammas and betas
    expected = ([f"{kind}{i}" for i in range(1, L + 1) for kind in "Wb"]
                + [f"{kind}{i}" for i in range(1, L) for kind in ("gamma", "beta")])
    if sorted(params) != sorted(expected):
        raise ValueError(f"params must hold W1, b1, ..., WL, bL and gamma1, beta1, ..., gamma{{L-1}}, "
                         f"beta{{L-1}} with normalization={normalization!r}; got {sorted(params)}")
    return L


def fc_norm_params(bn_params, L, normalization):
    """The per-layer parameters of the normalization: None without one, the caller's list of L - 1 dicts
    with one (for layernorm, L - 1 new empty dicts if bn_params is None)."""
    if normalization is None:
        if bn_params is not None:
            raise ValueError("bn_params is for normalization 'batchnorm' or 'layernorm'; "
                             "normalization is None")
        return None
    if bn_params is None and normalization == "layernorm":
        bn_params = [{} for _ in range(L - 1)]
    if (not isinstance(bn_params, (list, tuple)) or len(bn_params) != L - 1
            or not all(isinstance(p, dict) for p in bn_params)):
        raise ValueError(f"bn_params must be a list of L - 1 = {L - 1} dicts, one per hidden layer, "
                         f"with normalization={normalization!r}; got {_describe(bn_params)}")
    return bn_params


def image_shape(input_dim):
    """input_dim as (C, H, W), three ints >= 1."""
    try:
        input_dim = tuple(input_dim)
    except TypeError:
        pass
    if not (isinstance(input_dim, tuple) and len(input_dim) == 3):
        raise ValueError(f"input_dim must be (C, H, W), three positive ints, got {input_dim!r}")
    return tuple(checked_int(d, 1, f"input_dim[{i}]") for i, d in enumerate(input_dim))


def check_sizes(**sizes):
    """Raise unless every size (a layer's width, a number of filters...) is an int >= 1."""
    for name, value in sizes.items():
        checked_int(value, 1, name)


def _describe(value):
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)}: {[type(v).__name__ for v in value]}"
    return repr(value) if value is None else type(value).__name__
