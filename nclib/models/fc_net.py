"""The fc_net assignment's models: FullyConnectedNet and its loss fc_net_loss (dropout, batch or layer
normalisation), collapsing a stack of affine layers, and the XOR network."""
import numpy as np

from nclib.init import init_fc_params
from nclib.layers import affine_backward, affine_forward, dropout_backward, dropout_forward, relu_backward, relu_forward
from nclib.losses import softmax_loss
from nclib.models._arguments import fc_layer_count, fc_norm_params, normalization_layers


class FullyConnectedNet:
    """{affine - [norm] - relu - [dropout]} x (L - 1) - affine - softmax, with L2 regularisation
    0.5 * reg * sum(W^2).

    Args:
        hidden_dims: sizes of the L - 1 hidden layers (may be empty: softmax regression).
        input_dim: D; num_classes: C.
        dropout_keep_ratio: probability of keeping a hidden unit in training; 1 for no dropout.
        normalization: None, "batchnorm" or "layernorm": the normalisation between each hidden affine
            layer and its ReLU.
        reg: L2 strength (biases, gammas and betas are not regularised).
        weight_scale: standard deviation of the initial weights; None for He scaling.
        dtype: float dtype of the parameters and computation.
        seed: seed of the initial weights and of the dropout masks.
        dropout_seed: an int fixes the dropout mask (the same at every call, for gradient checks);
            None draws new masks from a generator seeded by `seed`.
    Attributes:
        params: W1, b1, ..., WL, bL as init_fc_params makes them, and with a normalization also
            gamma1 (H_1,) (ones), beta1 (H_1,) (zeros), ..., gamma{L-1}, beta{L-1}.
        bn_params: None without normalization, else a list of L - 1 dicts, one per hidden layer,
            passed to fc_net_loss at every call: for batchnorm they hold the running averages, which
            training calls update and scores calls use.
    """

    def __init__(self, hidden_dims, input_dim=64, num_classes=10, dropout_keep_ratio=1.0, normalization=None,
                 reg=0.0, weight_scale=None, dtype=np.float64, seed=0, dropout_seed=None):
        normalization_layers(normalization)
        if not 0 < dropout_keep_ratio <= 1:
            raise ValueError(f"dropout_keep_ratio must lie in (0, 1], got {dropout_keep_ratio}")
        self.num_layers = len(hidden_dims) + 1
        self.normalization = normalization
        self.reg = reg
        self.dtype = dtype
        self.use_dropout = dropout_keep_ratio != 1
        self.dropout_param = {"p": dropout_keep_ratio,
                              "seed": dropout_seed if dropout_seed is not None else np.random.default_rng(seed)}
        params = init_fc_params([input_dim, *hidden_dims, num_classes], weight_scale, seed)
        if normalization is not None:
            for i, size in enumerate(hidden_dims, start=1):
                params[f"gamma{i}"] = np.ones(size)
                params[f"beta{i}"] = np.zeros(size)
        self.params = {k: v.astype(dtype) for k, v in params.items()}
        self.bn_params = None if normalization is None else [{} for _ in hidden_dims]

    def loss(self, X, y=None):
        """Scores (N, C) if y is None (test mode: no dropout, batchnorm with its running averages), else
        (loss, grads) for X (N, D), y (N,)."""
        X = np.asarray(X).astype(self.dtype)
        return fc_net_loss(self.params, X, y, self.reg, self.dropout_param if self.use_dropout else None,
                           self.normalization, self.bn_params)


def fc_net_loss(params, X, y=None, reg=0.0, dropout_param=None, normalization=None, bn_params=None):
    """{affine - [norm] - relu - [dropout]} x (L - 1) - affine - softmax, with L2 regularisation
    0.5 * reg * sum(W^2).

    Args:
        params: dict with W1 (D, H_1), b1 (H_1,), ..., WL (H_{L-1}, C), bL (C,); with a normalization
            also gamma1 (H_1,), beta1 (H_1,), ..., gamma{L-1}, beta{L-1} (H_{L-1},).
        X: (N, D) inputs.
        y: (N,) int labels in 0..C-1, or None.
        reg: L2 strength; the biases, gammas and betas are not regularised.
        dropout_param: None for no dropout, else a dict with p (keep probability) and seed, as
            dropout_forward takes it, applied after every hidden ReLU in training only (y given).
        normalization: None, "batchnorm" (nclib.batchnorm.batchnorm_forward) or "layernorm"
            (layernorm_forward), between each hidden affine layer and its ReLU.
        bn_params: with "batchnorm", a list of L - 1 dicts, one per hidden layer, as
            batchnorm_forward takes them (required: they carry the running averages). Their "mode" is
            set in place to "train" when y is given and "test" when y is None, and training calls
            update their running averages in place, so the caller's dicts keep the layer's state.
            With "layernorm", None or a list of L - 1 dicts with eps. Without normalization, None.
    Returns:
        scores (N, C) if y is None, else (loss, grads): loss a float, grads a dict keyed like params.
    Raises:
        ValueError if params does not hold exactly the keys above, normalization is unknown, or
        bn_params is missing (batchnorm), given without normalization, or not L - 1 dicts.
    """
    norm_forward, norm_backward = normalization_layers(normalization)
    L = fc_layer_count(params, normalization)
    bn_params = fc_norm_params(bn_params, L, normalization)
    if normalization == "batchnorm":
        for bn_param in bn_params:
            bn_param["mode"] = "test" if y is None else "train"
    if dropout_param is not None:
        dropout_param = {**dropout_param, "mode": "test" if y is None else "train"}
    caches = []
    h = X
    for i in range(1, L):
        h, fc_cache = affine_forward(h, params[f"W{i}"], params[f"b{i}"])
        norm_cache = None
        if norm_forward is not None:
            h, norm_cache = norm_forward(h, params[f"gamma{i}"], params[f"beta{i}"], bn_params[i - 1])
        h, relu_cache = relu_forward(h)
        drop_cache = None
        if dropout_param is not None:
            h, drop_cache = dropout_forward(h, dropout_param)
        caches.append((fc_cache, norm_cache, relu_cache, drop_cache))
    scores, last_cache = affine_forward(h, params[f"W{L}"], params[f"b{L}"])
    if y is None:
        return scores
    loss, dscores = softmax_loss(scores, y)
    grads = {}
    dh, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dscores, last_cache)
    for i in range(L - 1, 0, -1):
        fc_cache, norm_cache, relu_cache, drop_cache = caches[i - 1]
        if drop_cache is not None:
            dh = dropout_backward(dh, drop_cache)
        dh = relu_backward(dh, relu_cache)
        if norm_cache is not None:
            dh, grads[f"gamma{i}"], grads[f"beta{i}"] = norm_backward(dh, norm_cache)
        dh, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dh, fc_cache)
    for i in range(1, L + 1):
        W = params[f"W{i}"]
        loss += 0.5 * reg * np.sum(W * W)
        grads[f"W{i}"] = grads[f"W{i}"] + reg * W
    return float(loss), grads


def collapse_linear(params):
    """The single affine map (W, b) computed by a stack of affine layers with no activation in between.

    Args:
        params: dict with W1 (D, H_1), b1 (H_1,), ..., WL (H_{L-1}, C), bL (C,).
    Returns:
        W: (D, C) = W1 W2 ... WL; b: (C,) = (...((b1 W2 + b2) W3 + b3) ...) WL + bL, so that for any
        X (N, D) the stack gives X @ W + b.
    """
    L = len(params) // 2
    W, b = params["W1"], params["b1"]
    for i in range(2, L + 1):
        W, b = W @ params[f"W{i}"], b @ params[f"W{i}"] + params[f"b{i}"]
    return W, b


def xor_network(X, W1, w2):
    """The 2-2-1 network of problem set 004, 3.1: sigmoid hidden units, a threshold output, no biases.

    Args:
        X: (N, 2) inputs; W1: (2, 2), W1[i, j] the weight from input i to hidden unit j; w2: (2,) the
            weights from the hidden units to the output.
    Returns:
        (N,) int outputs: 1 where sigmoid(X @ W1) @ w2 > 0, else 0.
    """
    hidden = 1.0 / (1.0 + np.exp(-(X @ W1)))
    return (hidden @ w2 > 0).astype(int)


def xor_weights():
    """Weights (W1 (2, 2), w2 (2,)) for which xor_network computes XOR on {0, 1}^2: the problem set's
    answer with the sign of w6 corrected (w1 = w3 = 10, w2 = w4 = 1, w5 = 5, w6 = -6)."""
    return np.array([[10.0, 1.0], [10.0, 1.0]]), np.array([5.0, -6.0])
