"""Models built from nclib's layers (reference solutions).

A model's parameters live in a dict of arrays; a loss function `loss_fn(params, X, y=None)` returns the
scores (N, C) when y is None, else (loss, grads) with grads keyed like params.
"""
import numpy as np

from nclib.batchnorm import batchnorm_backward_alt, batchnorm_forward, layernorm_backward, layernorm_forward
from nclib.fast_layers import (conv_backward_fast, conv_forward_fast, max_pool_backward_fast,
                                max_pool_forward_fast)
from nclib.init import init_fc_params
from nclib.layers import (ACTIVATIONS, affine_backward, affine_forward, dropout_backward, dropout_forward,
                          relu_backward, relu_forward, sigmoid)
from nclib.losses import softmax_loss
from nclib.vae import RECONSTRUCTIONS, vae_loss


def two_layer_net_loss(params, X, y=None, reg=0.0, activation="relu"):
    """Two-layer net: affine - activation - affine - softmax, with L2 regularisation 0.5 * reg * sum(W^2).

    Args:
        params: dict with W1 (D, H), b1 (H,), W2 (H, C), b2 (C,).
        X: (N, D) inputs.
        y: (N,) int labels in 0..C-1, or None.
        reg: L2 strength; the biases are not regularised.
        activation: "relu" or "swish" (any name in nclib.layers.ACTIVATIONS).
    Returns:
        scores (N, C) if y is None, else (loss, grads): loss a float, grads a dict keyed like params.
    """
    act_forward, act_backward = _activation(activation)
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    z1, fc1_cache = affine_forward(X, W1, b1)
    h1, act_cache = act_forward(z1)
    scores, fc2_cache = affine_forward(h1, W2, b2)
    if y is None:
        return scores
    data_loss, dscores = softmax_loss(scores, y)
    loss = data_loss + 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    dh1, dW2, db2 = affine_backward(dscores, fc2_cache)
    dz1 = act_backward(dh1, act_cache)
    _, dW1, db1 = affine_backward(dz1, fc1_cache)
    grads = {"W1": dW1 + reg * W1, "b1": db1, "W2": dW2 + reg * W2, "b2": db2}
    return float(loss), grads


def predict(loss_fn, params, X):
    """Predicted labels (N,): the argmax of loss_fn(params, X) over classes."""
    return np.argmax(loss_fn(params, X), axis=1)


def train_sgd(loss_fn, params, X, y, X_val, y_val, learning_rate=0.1, learning_rate_decay=0.95,
              num_iters=1000, batch_size=100, seed=0, verbose=False):
    """Minibatch stochastic gradient descent; updates params in place.

    Each iteration draws batch_size indices with replacement (rng.choice with rng =
    numpy.random.default_rng(seed)), takes the step params[k] -= learning_rate * grads[k], and records
    the loss. At the end of every epoch (every max(N // batch_size, 1) iterations) it records the
    train and validation accuracy and multiplies the learning rate by learning_rate_decay.

    Args:
        loss_fn: loss_fn(params, X, y=None) as described in the module docstring.
        params: dict of arrays, updated in place.
        X: (N, D) training inputs; y: (N,) labels.
        X_val: (N_val, D) validation inputs; y_val: (N_val,) labels.
        learning_rate, learning_rate_decay: step size and its factor per epoch.
        num_iters: number of steps; batch_size: examples per step.
        seed: seed or numpy.random.Generator for the batches.
        verbose: print the loss every 100 iterations.
    Returns:
        dict with loss_history (num_iters floats), train_acc_history and val_acc_history
        (one float per completed epoch).
    """
    rng = np.random.default_rng(seed)
    num_train = X.shape[0]
    iterations_per_epoch = max(num_train // batch_size, 1)
    history = {"loss_history": [], "train_acc_history": [], "val_acc_history": []}
    for it in range(num_iters):
        idx = rng.choice(num_train, batch_size, replace=True)
        loss, grads = loss_fn(params, X[idx], y[idx])
        for k in params:
            params[k] -= learning_rate * grads[k]
        history["loss_history"].append(loss)
        if verbose and it % 100 == 0:
            print(f"iteration {it} / {num_iters}: loss {loss:.4f}")
        if (it + 1) % iterations_per_epoch == 0:
            history["train_acc_history"].append(float(np.mean(predict(loss_fn, params, X) == y)))
            history["val_acc_history"].append(float(np.mean(predict(loss_fn, params, X_val) == y_val)))
            learning_rate *= learning_rate_decay
    return history


class TwoLayerNet:
    """affine - relu|swish - affine - softmax classifier with L2 regularisation.

    Args:
        input_dim: D; hidden_dim: H; num_classes: C.
        activation: "relu" or "swish".
        reg: L2 strength (loss term 0.5 * reg * sum of squared weights).
        weight_scale: standard deviation of the initial weights; None for He scaling.
        seed: seed of the initial weights.
    """

    def __init__(self, input_dim, hidden_dim, num_classes, activation="relu", reg=0.0, weight_scale=None, seed=0):
        _activation(activation)
        self.activation = activation
        self.reg = reg
        self.params = init_fc_params([input_dim, hidden_dim, num_classes], weight_scale, seed)

    def loss(self, X, y=None):
        """Scores (N, C) if y is None, else (loss, grads) for X (N, D)."""
        return self._loss_fn(self.params, X, y)

    def train(self, X, y, X_val, y_val, **sgd_options):
        """Minibatch SGD on (X, y); sgd_options as in train_sgd. Returns the history dict."""
        return train_sgd(self._loss_fn, self.params, X, y, X_val, y_val, **sgd_options)

    def predict(self, X):
        """Predicted labels (N,) for X (N, D)."""
        return predict(self._loss_fn, self.params, X)

    def _loss_fn(self, params, X, y=None):
        return two_layer_net_loss(params, X, y, self.reg, self.activation)


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
        _check_normalization(normalization)
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
    _check_normalization(normalization)
    if normalization is None:
        L = len(params) // 2
        expected = [f"{kind}{i}" for i in range(1, L + 1) for kind in "Wb"]
        if sorted(params) != sorted(expected):
            raise ValueError(f"params must hold W1, b1, ..., WL, bL; got {sorted(params)}")
        if bn_params is not None:
            raise ValueError("bn_params is for normalization 'batchnorm' or 'layernorm'; "
                             "normalization is None")
    else:
        L = (len(params) + 2) // 4  # 2 L weights and biases, 2 (L - 1) gammas and betas
        expected = ([f"{kind}{i}" for i in range(1, L + 1) for kind in "Wb"]
                    + [f"{kind}{i}" for i in range(1, L) for kind in ("gamma", "beta")])
        if sorted(params) != sorted(expected):
            raise ValueError(f"params must hold W1, b1, ..., WL, bL and gamma1, beta1, ..., gamma{{L-1}}, "
                             f"beta{{L-1}} with normalization={normalization!r}; got {sorted(params)}")
        if bn_params is None and normalization == "layernorm":
            bn_params = [{} for _ in range(L - 1)]
        if (not isinstance(bn_params, (list, tuple)) or len(bn_params) != L - 1
                or not all(isinstance(p, dict) for p in bn_params)):
            raise ValueError(f"bn_params must be a list of L - 1 = {L - 1} dicts, one per hidden layer, "
                             f"with normalization={normalization!r}; got {_describe(bn_params)}")
        if normalization == "batchnorm":
            for bn_param in bn_params:
                bn_param["mode"] = "test" if y is None else "train"
    norm_forward, norm_backward = _NORMALIZATIONS.get(normalization, (None, None))
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


_NORMALIZATIONS = {
    "batchnorm": (batchnorm_forward, batchnorm_backward_alt),
    "layernorm": (layernorm_forward, layernorm_backward),
}


def _check_normalization(normalization):
    if normalization is not None and normalization not in _NORMALIZATIONS:
        raise ValueError(f"normalization must be None, 'batchnorm' or 'layernorm', got {normalization!r}")


def _describe(value):
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)}: {[type(v).__name__ for v in value]}"
    return repr(value) if value is None else type(value).__name__


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


def _activation(name):
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {name!r}")
    return ACTIVATIONS[name]


# ---------------------------------------------------------------------------------------------------



class ThreeLayerConvNet:
    """conv - relu - 2x2 max pool - affine - relu - affine - softmax, with L2 regularisation
    0.5 * reg * sum(W^2) on W1, W2 and W3 (biases are not regularised).

    The convolution has stride 1 and pad (filter_size - 1) // 2, so it keeps the height and width
    ('same'); the pooling (2x2, stride 2) halves them.

    Args:
        input_dim: (C, H, W) of one input image; H and W must be even.
        num_filters: F, the number of convolution filters.
        filter_size: fs, the filters' height and width; odd, so that 'same' padding exists.
        hidden_dim: size of the hidden affine layer.
        num_classes: number of classes.
        weight_scale: standard deviation of the initial weights; None for He scaling sqrt(2 / fan_in),
            fan_in being C * fs * fs for W1, F * H/2 * W/2 for W2 and hidden_dim for W3.
        reg: L2 strength.
        dtype: float dtype of the parameters and inputs.
        seed: seed or numpy.random.Generator of the initial weights (drawn W1, W2, W3 in that order).
    Attributes:
        params: W1 (F, C, fs, fs), b1 (F,), W2 (F * H/2 * W/2, hidden_dim), b2 (hidden_dim,),
            W3 (hidden_dim, num_classes), b3 (num_classes,); biases start at zero.
    Raises:
        ValueError if input_dim is not three positive ints, H or W is odd, filter_size is even, or a
        size is not a positive int.
    """

    def __init__(self, input_dim=(1, 8, 8), num_filters=16, filter_size=3, hidden_dim=100, num_classes=10,
                 weight_scale=None, reg=0.0, dtype=np.float64, seed=0):
        try:
            input_dim = tuple(input_dim)
        except TypeError:
            pass
        if not (isinstance(input_dim, tuple) and len(input_dim) == 3 and all(_is_positive_int(d) for d in input_dim)):
            raise ValueError(f"input_dim must be (C, H, W), three positive ints, got {input_dim!r}")
        for name, value in (("num_filters", num_filters), ("filter_size", filter_size),
                            ("hidden_dim", hidden_dim), ("num_classes", num_classes)):
            if not _is_positive_int(value):
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        C, H, W = (int(d) for d in input_dim)
        if H % 2 or W % 2:
            raise ValueError(f"input_dim (C, H, W) = {(C, H, W)}: H and W must be even for the 2x2 pooling")
        if filter_size % 2 == 0:
            raise ValueError(f"filter_size must be odd for 'same' padding, got {filter_size}")
        self.input_dim = (C, H, W)
        self.reg = reg
        self.dtype = dtype
        self.conv_param = {"stride": 1, "pad": (filter_size - 1) // 2}
        self.pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

        F, fs = int(num_filters), int(filter_size)
        pooled = F * (H // 2) * (W // 2)
        shapes = {"W1": (F, C, fs, fs), "W2": (pooled, hidden_dim), "W3": (hidden_dim, num_classes)}
        fan_ins = {"W1": C * fs * fs, "W2": pooled, "W3": hidden_dim}
        rng = np.random.default_rng(seed)
        self.params = {}
        for i, name in enumerate(("W1", "W2", "W3"), start=1):
            scale = np.sqrt(2.0 / fan_ins[name]) if weight_scale is None else weight_scale
            self.params[name] = (scale * rng.standard_normal(shapes[name])).astype(dtype)
            self.params[f"b{i}"] = np.zeros(shapes[name][0] if name == "W1" else shapes[name][1], dtype=dtype)

    def loss(self, X, y=None):
        """Scores, or the loss and its gradients, for a batch of images.

        Args:
            X: (N, C, H, W) images, or (N, C * H * W) images flattened row-major (as the digits come),
                which are reshaped to input_dim.
            y: (N,) int labels in 0..num_classes-1, or None.
        Returns:
            scores (N, num_classes) if y is None, else (loss, grads): loss a float, grads a dict keyed
            like params, each of its parameter's shape.
        Raises:
            ValueError if X has neither shape.
        """
        X = self._images(X)
        W1, b1, W2, b2, W3, b3 = (self.params[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
        conv, conv_cache = conv_forward_fast(X, W1, b1, self.conv_param)
        h, relu1_cache = relu_forward(conv)
        pooled, pool_cache = max_pool_forward_fast(h, self.pool_param)
        z2, fc2_cache = affine_forward(pooled, W2, b2)
        h2, relu2_cache = relu_forward(z2)
        scores, fc3_cache = affine_forward(h2, W3, b3)
        if y is None:
            return scores

        data_loss, dscores = softmax_loss(scores, y)
        loss = data_loss + 0.5 * self.reg * sum(np.sum(W * W) for W in (W1, W2, W3))
        grads = {}
        dh2, grads["W3"], grads["b3"] = affine_backward(dscores, fc3_cache)
        dpooled, grads["W2"], grads["b2"] = affine_backward(relu_backward(dh2, relu2_cache), fc2_cache)
        dh = max_pool_backward_fast(dpooled, pool_cache)
        _, grads["W1"], grads["b1"] = conv_backward_fast(relu_backward(dh, relu1_cache), conv_cache)
        for name in ("W1", "W2", "W3"):
            grads[name] = grads[name] + self.reg * self.params[name]
        return float(loss), grads

    def _images(self, X):
        """X as (N, C, H, W) of self.dtype, or ValueError naming the expected shapes."""
        X = np.asarray(X)
        C, H, W = self.input_dim
        if X.ndim == 2 and X.shape[1] == C * H * W:
            X = X.reshape((X.shape[0],) + self.input_dim)
        elif X.ndim != 4 or X.shape[1:] != self.input_dim:
            raise ValueError(f"X must have shape (N, C, H, W) = (N, {C}, {H}, {W}) or (N, C*H*W) = "
                             f"(N, {C * H * W}), got {X.shape}")
        return X.astype(self.dtype, copy=False)


def _is_positive_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1


class VAE:
    """Variational auto-encoder for inputs in [0, 1] (the digits loaded with standardize=False), the
    network of nclib.vae.vae_loss: encoder affine - relu - (mu, logvar), decoder affine - relu - affine -
    sigmoid, trained on reconstruction + beta * KL.

    Args:
        input_dim: D; hidden_dim: H, the width of the encoder's and the decoder's hidden layer;
        latent_dim: d, the size of z.
        beta: weight of the KL term; 0 trains a plain auto-encoder (with a noisy code).
        recon: "bce" or "squared" reconstruction loss.
        seed: seed of the initial weights and of the noise eps drawn at every training step.
    Attributes:
        params: W_enc (D, H), b_enc (H,), W_mu and W_logvar (H, d), b_mu and b_logvar (d,), W_dec (d, H),
            b_dec (H,), W_out (H, D), b_out (D,). The hidden layers start with He scaling, the heads with
            sqrt(1 / fan_in), the biases at zero (so logvar starts near 0: q starts near the prior's scale).

    Train it with nclib.solver.Solver and metric=lambda model, X, y: -model.objective(X) (higher is better).
    """

    def __init__(self, input_dim=64, hidden_dim=128, latent_dim=2, beta=1.0, recon="bce", seed=0):
        for name, value in (("input_dim", input_dim), ("hidden_dim", hidden_dim), ("latent_dim", latent_dim)):
            if not _is_positive_int(value):
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if recon not in RECONSTRUCTIONS:
            raise ValueError(f"recon must be one of {RECONSTRUCTIONS}, got {recon!r}")
        if not beta >= 0:
            raise ValueError(f"beta must be >= 0, got {beta!r}")
        self.input_dim, self.latent_dim, self.beta, self.recon = input_dim, latent_dim, float(beta), recon
        rng = np.random.default_rng(seed)
        self.params = {}
        for name, fan_in, fan_out, gain in (("enc", input_dim, hidden_dim, 2.0), ("mu", hidden_dim, latent_dim, 1.0),
                                            ("logvar", hidden_dim, latent_dim, 1.0),
                                            ("dec", latent_dim, hidden_dim, 2.0), ("out", hidden_dim, input_dim, 1.0)):
            self.params[f"W_{name}"] = np.sqrt(gain / fan_in) * rng.standard_normal((fan_in, fan_out))
            self.params[f"b_{name}"] = np.zeros(fan_out)
        self.rng = rng

    def loss(self, X, y=None):
        """(loss, grads) on a batch X (N, D), with new noise eps drawn from the model's generator. The
        labels y, if given (the Solver passes them), are not used: the loss needs only X."""
        X = self._inputs(X)
        return vae_loss(self.params, X, self.rng.standard_normal((X.shape[0], self.latent_dim)), self.beta,
                        self.recon)

    def objective(self, X, seed=0):
        """The training loss on X (N, D) with noise drawn from `seed`: the same number at every call with the
        same parameters, for comparing epochs (for beta = 1 and bce, minus the ELBO)."""
        X = self._inputs(X)
        eps = np.random.default_rng(seed).standard_normal((X.shape[0], self.latent_dim))
        return vae_loss(self.params, X, eps, self.beta, self.recon)[0]

    def encode(self, X):
        """mu, logvar (N, d): the parameters of q(z | x) for X (N, D)."""
        p = self.params
        h = relu_forward(affine_forward(self._inputs(X), p["W_enc"], p["b_enc"])[0])[0]
        return affine_forward(h, p["W_mu"], p["b_mu"])[0], affine_forward(h, p["W_logvar"], p["b_logvar"])[0]

    def decode(self, z):
        """x_hat (N, D) in (0, 1): the decoder's output for codes z (N, d)."""
        z = np.asarray(z, dtype=np.float64)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (N, {self.latent_dim}), got {z.shape}")
        p = self.params
        g = relu_forward(affine_forward(z, p["W_dec"], p["b_dec"])[0])[0]
        return sigmoid(affine_forward(g, p["W_out"], p["b_out"])[0])

    def reconstruct(self, X):
        """The decoder's output (N, D) at the mean code mu(x) of each row of X (N, D)."""
        return self.decode(self.encode(X)[0])

    def sample(self, num_samples, seed=0):
        """num_samples new images (num_samples, D): the decoder's output at codes drawn from the prior N(0, I)."""
        return self.decode(np.random.default_rng(seed).standard_normal((num_samples, self.latent_dim)))

    def _inputs(self, X):
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.input_dim:
            raise ValueError(f"X must have shape (N, {self.input_dim}), got {X.shape}")
        if not np.all((X >= 0) & (X <= 1)):  # NaN fails too
            raise ValueError("X must lie in [0, 1] (load the digits with standardize=False)")
        return X
