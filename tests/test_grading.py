"""nclib.grading.check, the hidden tests' entry point: the reference and correct alternative solutions pass;
realistic student bugs fail with an AssertionError that names the function and never shows an expected value.
"""
import copy
import json
import re

import numpy as np
import pytest

from coursetools.autograde.codec import decode, encode
from coursetools.autograde.grader_side import RemoteFunction
from nclib import batchnorm, conv, grading, layers, losses, models, optim, vae

REFERENCE = {
    "affine_forward": layers.affine_forward,
    "affine_backward": layers.affine_backward,
    "relu_forward": layers.relu_forward,
    "relu_backward": layers.relu_backward,
    "swish_forward": layers.swish_forward,
    "swish_backward": layers.swish_backward,
    "softmax_loss": losses.softmax_loss,
    "two_layer_net_loss": models.two_layer_net_loss,
    "predict": models.predict,
    "train_sgd": models.train_sgd,
    "sgd": optim.sgd,
    "sgd_momentum": optim.sgd_momentum,
    "rmsprop": optim.rmsprop,
    "adam": optim.adam,
    "dropout_forward": layers.dropout_forward,
    "dropout_backward": layers.dropout_backward,
    "fc_net_loss": models.fc_net_loss,
    "sgd_mean_objective": optim.sgd_mean_objective,
    "collapse_linear": models.collapse_linear,
    "xor_weights": models.xor_weights,
    "conv2d": conv.conv2d,
    "multiplication_counts": conv.multiplication_counts,
    "diagonal_loss_gradients": conv.diagonal_loss_gradients,
    "conv_output_size": conv.conv_output_size,
    "conv_param_count": conv.conv_param_count,
    "conv_forward_naive": conv.conv_forward_naive,
    "conv_backward_naive": conv.conv_backward_naive,
    "max_pool_forward_naive": conv.max_pool_forward_naive,
    "max_pool_backward_naive": conv.max_pool_backward_naive,
    "batchnorm_forward": batchnorm.batchnorm_forward,
    "batchnorm_backward": batchnorm.batchnorm_backward,
    "batchnorm_backward_alt": batchnorm.batchnorm_backward_alt,
    "batchnorm_backward_seed": batchnorm.batchnorm_backward_seed,
    "kl_divergence": vae.kl_divergence,
    "kl_divergence_backward": vae.kl_divergence_backward,
    "kl_monte_carlo": vae.kl_monte_carlo,
    "reparameterize": vae.reparameterize,
    "reparameterize_backward": vae.reparameterize_backward,
    "vae_loss": vae.vae_loss,
    "gan_discriminator_loss": vae.gan_discriminator_loss,
}


def naive_sigmoid(x):
    return 1 / (1 + np.exp(-x))


# ===================================================================================================
# Student solutions: correct ones written differently from the reference, and buggy ones.
# The buggy ones are what students really hand in; each is a small variation of a correct solution.

# --- affine_forward -------------------------------------------------------------------------------

def affine_forward_ok(x, w, b):
    out = np.einsum("nd,dm->nm", x.reshape(len(x), -1), w) + b
    return out, (x, w, b)


def affine_forward_without_reshape(x, w, b):
    return x @ w + b, (x, w, b)


def affine_forward_without_bias(x, w, b):
    return x.reshape(x.shape[0], -1) @ w, (x, w, b)


def affine_forward_without_cache(x, w, b):
    return x.reshape(x.shape[0], -1) @ w + b


# --- affine_backward ------------------------------------------------------------------------------

def affine_backward_ok(dout, cache):
    x, w, b = cache
    x2 = x.reshape(x.shape[0], -1)
    return np.reshape(dout.dot(w.T), x.shape), np.einsum("nd,nm->dm", x2, dout), np.sum(dout, axis=0)


def affine_backward_db_over_axis_1(dout, cache):
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ dout, dout.sum(axis=1)


def affine_backward_dx_not_reshaped(dout, cache):
    x, w, b = cache
    return dout @ w.T, x.reshape(x.shape[0], -1).T @ dout, dout.sum(axis=0)


def affine_backward_dw_without_reshape(dout, cache):
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), x.T @ dout, dout.sum(axis=0)


def affine_backward_dw_transposed(dout, cache):
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), dout.T @ x.reshape(x.shape[0], -1), dout.sum(axis=0)


def affine_backward_db_mean(dout, cache):
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ dout, dout.mean(axis=0)


# --- relu -----------------------------------------------------------------------------------------

def relu_forward_ok(x):
    return x * (x > 0), x


def relu_forward_in_place(x):
    x[x < 0] = 0
    return x, x


def relu_forward_np_max(x):
    return np.max(x, 0), x  # the largest entry along axis 0, not the elementwise maximum


def relu_backward_ok(dout, cache):
    return np.where(cache > 0, dout, 0.0)


def relu_backward_times_relu(dout, cache):
    return dout * np.maximum(cache, 0)


def relu_backward_mask_includes_zero(dout, cache):
    return dout * (cache >= 0)


def relu_backward_mask_only(dout, cache):
    return (cache > 0).astype(np.float64)


def relu_backward_in_place(dout, cache):
    dout[cache <= 0] = 0
    return dout


# --- swish ----------------------------------------------------------------------------------------

def swish_forward_ok(x):
    return x / (1 + np.exp(-x)), x


def swish_forward_sigma_of_minus_x(x):
    return x * naive_sigmoid(-x), x


def swish_forward_sigma_only(x):
    return naive_sigmoid(x), x


def swish_backward_ok(dout, cache):
    s = naive_sigmoid(cache)
    return dout * (s + cache * s * (1 - s))


def swish_backward_sigma_only(dout, cache):
    return dout * naive_sigmoid(cache)  # d(x sigma(x)) = sigma(x) + x sigma'(x): the second term is missing


def swish_backward_seed_formula_without_last_term(dout, cache):
    h = cache * naive_sigmoid(cache)
    return dout * h  # h + sigma(z) (1 - h) with sigma(z) (1 - h) dropped


def swish_backward_h_and_s_mixed_up(dout, cache):
    s = naive_sigmoid(cache)
    h = cache * s
    return dout * (h + s * (1 - s))


# --- softmax_loss ---------------------------------------------------------------------------------

def student_softmax(scores, y, bug=None):
    N = scores.shape[0]
    axis = 0 if bug == "wrong_axis" else 1
    shifted = scores if bug == "no_shift" else scores - scores.max(axis=axis, keepdims=True)
    exps = np.exp(shifted)
    probs = exps / exps.sum(axis=axis, keepdims=True)
    correct = -np.log(probs[np.arange(N), y])
    loss = correct.sum() if bug == "sum" else correct.mean()
    dscores = probs.copy()
    if bug != "no_onehot":
        dscores[np.arange(N), y] -= 1
    return loss, dscores if bug == "no_1_over_N" else dscores / N


def softmax_loss_ok(scores, y):
    return student_softmax(scores, y)


def softmax_loss_logsumexp(scores, y):
    m = scores.max(axis=1)
    lse = m + np.log(np.sum(np.exp(scores - m[:, None]), axis=1))
    N = len(y)
    onehot = np.eye(scores.shape[1])[y]
    return np.mean(lse - scores[np.arange(N), y]), (np.exp(scores - lse[:, None]) - onehot) / N


def softmax_loss_without_max_subtraction(scores, y):
    return student_softmax(scores, y, bug="no_shift")


def softmax_loss_dscores_without_1_over_N(scores, y):
    return student_softmax(scores, y, bug="no_1_over_N")


def softmax_loss_summed(scores, y):
    return student_softmax(scores, y, bug="sum")


def softmax_loss_wrong_axis(scores, y):
    return student_softmax(scores, y, bug="wrong_axis")


def softmax_loss_without_onehot(scores, y):
    return student_softmax(scores, y, bug="no_onehot")


# --- two_layer_net_loss ---------------------------------------------------------------------------

def student_two_layer(params, X, y=None, reg=0.0, activation="relu", bug=None):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    z1 = X @ W1 + b1
    use_swish = activation == "swish" and bug != "always_relu"
    s = naive_sigmoid(z1)
    h1 = z1 * s if use_swish else np.maximum(z1, 0)
    scores = h1 @ W2 + b2
    if y is None:
        if bug == "probabilities":
            e = np.exp(scores - scores.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)
        return scores
    loss, dscores = student_softmax(scores, y, bug="no_shift" if bug == "softmax_no_shift" else None)
    weights = np.sum(W1 ** 2) + np.sum(W2 ** 2)
    if bug == "biases_regularised":
        weights += np.sum(b1 ** 2) + np.sum(b2 ** 2)
    if bug == "reg_only_W1":
        weights = np.sum(W1 ** 2)
    loss += (1.0 if bug == "no_half" else 0.5) * reg * weights
    dW2, db2 = h1.T @ dscores, dscores.sum(axis=0)
    dh1 = dscores @ W2.T
    dz1 = dh1 * (s + z1 * s * (1 - s)) if use_swish else dh1 * (z1 > 0)
    dW1, db1 = X.T @ dz1, dz1.sum(axis=0)
    if bug != "no_reg_in_grads":
        dW1 = dW1 + reg * W1
        if bug != "reg_only_W1":
            dW2 = dW2 + reg * W2
    if bug == "biases_regularised":
        db1, db2 = db1 + reg * b1, db2 + reg * b2
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def two_layer_net_loss_ok(params, X, y=None, reg=0.0, activation="relu"):
    return student_two_layer(params, X, y, reg, activation)


def two_layer_net_loss_reg_without_half(params, X, y=None, reg=0.0, activation="relu"):
    return student_two_layer(params, X, y, reg, activation, bug="no_half")


def two_layer_net_loss_no_reg_in_grads(params, X, y=None, reg=0.0, activation="relu"):
    return student_two_layer(params, X, y, reg, activation, bug="no_reg_in_grads")


def two_layer_net_loss_biases_regularised(params, X, y=None, reg=0.0, activation="relu"):
    return student_two_layer(params, X, y, reg, activation, bug="biases_regularised")


def two_layer_net_loss_probabilities_when_y_is_none(params, X, y=None, reg=0.0, activation="relu"):
    return student_two_layer(params, X, y, reg, activation, bug="probabilities")


def two_layer_net_loss_ignores_activation(params, X, y=None, reg=0.0, activation="relu"):
    return student_two_layer(params, X, y, reg, activation, bug="always_relu")


def two_layer_net_loss_reg_only_W1(params, X, y=None, reg=0.0, activation="relu"):
    return student_two_layer(params, X, y, reg, activation, bug="reg_only_W1")


def two_layer_net_loss_softmax_without_max_subtraction(params, X, y=None, reg=0.0, activation="relu"):
    return student_two_layer(params, X, y, reg, activation, bug="softmax_no_shift")


# --- predict --------------------------------------------------------------------------------------

def predict_ok(loss_fn, params, X):
    return loss_fn(params, X).argmax(axis=-1)


def predict_argmax_axis_0(loss_fn, params, X):
    return np.argmax(loss_fn(params, X), axis=0)


def predict_returns_scores(loss_fn, params, X):
    return loss_fn(params, X)


def predict_flat_argmax(loss_fn, params, X):
    return np.argmax(loss_fn(params, X))


# --- train_sgd ------------------------------------------------------------------------------------

def student_sgd(loss_fn, params, X, y, X_val, y_val, learning_rate=0.1, learning_rate_decay=0.95, num_iters=1000,
                batch_size=100, seed=0, verbose=False, bug=None):
    rng = np.random.default_rng(seed)
    N = X.shape[0]
    per_epoch = N // batch_size if bug == "epoch_can_be_0" else max(N // batch_size, 1)
    history = {"loss_history": [], "train_acc_history": [], "val_acc_history": []}
    for it in range(num_iters):
        if bug == "same_batch":
            X_batch, y_batch = X[:batch_size], y[:batch_size]
        elif bug == "separate_indices":
            X_batch, y_batch = X[rng.choice(N, batch_size)], y[rng.choice(N, batch_size)]
        elif bug == "permutation":  # not a bug: batches without replacement, a different valid sampler
            idx = rng.permutation(N)[:batch_size] if batch_size <= N else rng.choice(N, batch_size)
            X_batch, y_batch = X[idx], y[idx]
        else:
            idx = rng.choice(N, batch_size)
            X_batch, y_batch = X[idx], y[idx]
        loss, grads = loss_fn(params, X_batch, y_batch)
        if bug == "rebind":
            params = {k: v - learning_rate * grads[k] for k, v in params.items()}
        else:
            for k in params:
                if bug == "plus_equals":
                    params[k] += learning_rate * grads[k]
                else:
                    params[k] -= learning_rate * grads[k]
        if bug != "no_losses":
            history["loss_history"].append(loss)
        if bug == "decay_every_iteration":
            learning_rate *= learning_rate_decay
        if (it % per_epoch == 0) if bug == "epoch_off_by_one" else ((it + 1) % per_epoch == 0):
            history["train_acc_history"].append(np.mean(models.predict(loss_fn, params, X) == y))
            history["val_acc_history"].append(np.mean(models.predict(loss_fn, params, X_val) == y_val))
            if bug not in ("no_decay", "decay_every_iteration"):
                learning_rate *= learning_rate_decay
    return history


def train_sgd_ok(*args, **kwargs):
    return student_sgd(*args, **kwargs)


def train_sgd_other_sampler(*args, **kwargs):
    return student_sgd(*args, bug="permutation", **kwargs)


def train_sgd_plus_equals(*args, **kwargs):
    return student_sgd(*args, bug="plus_equals", **kwargs)


def train_sgd_decay_every_iteration(*args, **kwargs):
    return student_sgd(*args, bug="decay_every_iteration", **kwargs)


def train_sgd_no_decay(*args, **kwargs):
    return student_sgd(*args, bug="no_decay", **kwargs)


def train_sgd_separate_indices_for_X_and_y(*args, **kwargs):
    return student_sgd(*args, bug="separate_indices", **kwargs)


def train_sgd_same_batch_every_iteration(*args, **kwargs):
    return student_sgd(*args, bug="same_batch", **kwargs)


def train_sgd_not_recording_losses(*args, **kwargs):
    return student_sgd(*args, bug="no_losses", **kwargs)


def train_sgd_rebinding_params(*args, **kwargs):
    return student_sgd(*args, bug="rebind", **kwargs)


def train_sgd_epoch_boundary_off_by_one(*args, **kwargs):
    return student_sgd(*args, bug="epoch_off_by_one", **kwargs)


def train_sgd_epoch_length_zero_for_large_batches(*args, **kwargs):
    return student_sgd(*args, bug="epoch_can_be_0", **kwargs)


# --- update rules -----------------------------------------------------------------------------------

def settings(config, **defaults):
    config = dict(config or {})
    for key, value in defaults.items():
        config.setdefault(key, value)
    return config


def sgd_ok(w, dw, config=None):
    config = settings(config, learning_rate=1e-2)
    return w - config["learning_rate"] * dw, config


def sgd_in_place(w, dw, config=None):
    config = settings(config, learning_rate=1e-2)
    w -= config["learning_rate"] * dw
    return w, config


def sgd_ascent(w, dw, config=None):
    config = settings(config, learning_rate=1e-2)
    return w + config["learning_rate"] * dw, config


def sgd_momentum_ok(w, dw, config=None):
    config = settings(config, learning_rate=1e-2, momentum=0.9)
    velocity = config["momentum"] * config.get("velocity", 0 * w) - config["learning_rate"] * dw
    config["velocity"] = velocity
    return w + velocity, config


def sgd_momentum_sign_flipped(w, dw, config=None):
    config = settings(config, learning_rate=1e-2, momentum=0.9)
    velocity = config["momentum"] * config.get("velocity", 0 * w) + config["learning_rate"] * dw
    config["velocity"] = velocity
    return w + velocity, config


def sgd_momentum_velocity_not_stored(w, dw, config=None):
    config = settings(config, learning_rate=1e-2, momentum=0.9)
    velocity = config["momentum"] * config.get("velocity", 0 * w) - config["learning_rate"] * dw
    return w + velocity, config


def rmsprop_ok(w, dw, config=None):
    config = settings(config, learning_rate=1e-2, decay_rate=0.99, epsilon=1e-8)
    cache = config.get("cache", np.zeros_like(w))
    config["cache"] = config["decay_rate"] * cache + (1 - config["decay_rate"]) * np.square(dw)
    return w - config["learning_rate"] * dw / (np.sqrt(config["cache"]) + config["epsilon"]), config


def rmsprop_cache_not_updated(w, dw, config=None):
    config = settings(config, learning_rate=1e-2, decay_rate=0.99, epsilon=1e-8)
    cache = config.setdefault("cache", np.zeros_like(w))
    new_cache = config["decay_rate"] * cache + (1 - config["decay_rate"]) * np.square(dw)
    return w - config["learning_rate"] * dw / (np.sqrt(new_cache) + config["epsilon"]), config


def rmsprop_epsilon_inside_sqrt(w, dw, config=None):
    config = settings(config, learning_rate=1e-2, decay_rate=0.99, epsilon=1e-8)
    cache = config.get("cache", np.zeros_like(w))
    config["cache"] = config["decay_rate"] * cache + (1 - config["decay_rate"]) * np.square(dw)
    return w - config["learning_rate"] * dw / np.sqrt(config["cache"] + 1e-4), config


def student_adam(w, dw, config, bug=None):
    config = settings(config, learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8, t=0)
    t = config["t"] + (0 if bug == "t_not_incremented_first" else 1)
    m = config["beta1"] * config.get("m", np.zeros_like(w)) + (1 - config["beta1"]) * dw
    v = config["beta2"] * config.get("v", np.zeros_like(w)) + (1 - config["beta2"]) * dw ** 2
    if bug == "no_bias_correction":
        m_hat, v_hat = m, v
    else:
        m_hat, v_hat = m / (1 - config["beta1"] ** max(t, 1)), v / (1 - config["beta2"] ** max(t, 1))
    config.update(m=m, v=v, t=t if bug != "t_not_stored" else config["t"])
    return w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"]), config


def adam_ok(w, dw, config=None):
    return student_adam(w, dw, config)


def adam_without_bias_correction(w, dw, config=None):
    return student_adam(w, dw, config, bug="no_bias_correction")


def adam_t_not_stored(w, dw, config=None):
    return student_adam(w, dw, config, bug="t_not_stored")


# --- dropout ----------------------------------------------------------------------------------------

def dropout_forward_ok(x, dropout_param):
    if dropout_param.get("mode", "train") == "test":
        return x.copy(), (dropout_param, None)
    p = dropout_param["p"]
    mask = (np.random.default_rng(dropout_param.get("seed")).random(x.shape) < p) / p
    return x * mask, (dropout_param, mask)


def dropout_forward_not_inverted(x, dropout_param):
    if dropout_param.get("mode", "train") == "test":
        return x, (dropout_param, None)
    mask = np.random.default_rng(dropout_param.get("seed")).random(x.shape) < dropout_param["p"]
    return x * mask, (dropout_param, mask)


def dropout_forward_p_as_drop_probability(x, dropout_param):
    if dropout_param.get("mode", "train") == "test":
        return x, (dropout_param, None)
    p = 1 - dropout_param["p"]
    mask = (np.random.default_rng(dropout_param.get("seed")).random(x.shape) < p) / max(p, 1e-12)
    return x * mask, (dropout_param, mask)


def dropout_forward_also_in_test_mode(x, dropout_param):
    p = dropout_param["p"]
    mask = (np.random.default_rng(dropout_param.get("seed")).random(x.shape) < p) / p
    return x * mask, (dropout_param, mask)


def dropout_backward_ok(dout, cache):
    _, mask = cache
    return dout.copy() if mask is None else dout * mask


def dropout_backward_ignores_mask(dout, cache):
    return dout.copy()


def dropout_backward_mask_without_scaling(dout, cache):
    _, mask = cache
    return dout if mask is None else dout * (mask > 0)


# --- fc_net_loss ------------------------------------------------------------------------------------

def student_fc_net(params, X, y=None, reg=0.0, dropout_param=None, bug=None):
    """Forward pass keeping every layer's input, pre-activation and dropout mask in lists; backward over
    them in reverse; no nclib layers."""
    L = 2 if bug == "two_layers" else len(params) // 2  # "two_layers": copied from the two-layer net
    Ws = [params[f"W{i}"] for i in range(1, L + 1)]
    bs = [params[f"b{i}"] for i in range(1, L + 1)]
    use_dropout = dropout_param is not None and (y is not None or bug == "dropout_at_test")
    inputs, pre, masks = [], [], []
    h = X
    for i, (W, b) in enumerate(zip(Ws, bs)):
        hidden = i < L - 1
        inputs.append(h)
        z = h @ W + b
        pre.append(z)
        mask = None
        if use_dropout and (hidden or bug == "dropout_after_last"):
            p = dropout_param["p"]
            mask = (np.random.default_rng(dropout_param["seed"]).random(z.shape) < p) / p
        if bug == "dropout_before_relu":  # not a bug: the mask is >= 0, so relu(mask z) = mask relu(z)
            z = z if mask is None else z * mask
            h = np.maximum(z, 0) if hidden else z
        else:
            h = np.maximum(z, 0) if hidden or bug == "relu_after_last" else z
            h = h if mask is None else h * mask
        masks.append(mask)
    scores = h
    if y is None:
        if bug == "probabilities":
            e = np.exp(scores - scores.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)
        return scores
    loss, dh = student_softmax(scores, y, bug="no_shift" if bug == "softmax_no_shift" else None)
    grads = {}
    for i in reversed(range(L)):
        hidden = i < L - 1
        if masks[i] is not None and bug != "mask_not_in_backward":
            dh = dh * masks[i]
        if hidden or bug == "relu_after_last":
            dh = dh * (pre[i] > 0)
        grads[f"W{i + 1}"], grads[f"b{i + 1}"] = inputs[i].T @ dh, dh.sum(axis=0)
        dh = dh @ Ws[i].T
    for i in [L] if bug == "reg_only_last" else range(1, L + 1):
        W = params[f"W{i}"]
        loss += (1.0 if bug == "no_half" else 0.5) * reg * np.sum(W ** 2)
        grads[f"W{i}"] = grads[f"W{i}"] + reg * W
        if bug == "biases_regularised":
            loss += 0.5 * reg * np.sum(params[f"b{i}"] ** 2)
            grads[f"b{i}"] = grads[f"b{i}"] + reg * params[f"b{i}"]
    return loss, grads


def fc_net_loss_ok(params, X, y=None, reg=0.0, dropout_param=None):
    return student_fc_net(params, X, y, reg, dropout_param)


def fc_net_loss_dropout_before_relu(params, X, y=None, reg=0.0, dropout_param=None):
    return student_fc_net(params, X, y, reg, dropout_param, bug="dropout_before_relu")


def fc_net_loss_recursive(params, X, y=None, reg=0.0, dropout_param=None):
    """Recursion over the layers with nclib's layers: layers_from(i, h) gives the scores of layers i..L on h
    and their backward pass."""
    L = len(params) // 2
    dropout_param = None if dropout_param is None else dict(dropout_param, mode="test" if y is None else "train")

    def layers_from(i, h):
        z, fc_cache = layers.affine_forward(h, params[f"W{i}"], params[f"b{i}"])
        if i == L:
            scores, backward_rest, relu_cache, drop_cache = z, lambda dscores: (dscores, {}), None, None
        else:
            a, relu_cache = layers.relu_forward(z)
            drop_cache = None
            if dropout_param is not None:
                a, drop_cache = layers.dropout_forward(a, dropout_param)
            scores, backward_rest = layers_from(i + 1, a)

        def backward(dscores):
            dz, grads = backward_rest(dscores)
            if drop_cache is not None:
                dz = layers.dropout_backward(dz, drop_cache)
            if relu_cache is not None:
                dz = layers.relu_backward(dz, relu_cache)
            dh, dW, db = layers.affine_backward(dz, fc_cache)
            return dh, {**grads, f"W{i}": dW, f"b{i}": db}
        return scores, backward

    scores, backward = layers_from(1, X)
    if y is None:
        return scores
    loss, dscores = losses.softmax_loss(scores, y)
    _, grads = backward(dscores)
    weights = {k: W for k, W in params.items() if k.startswith("W")}
    loss += 0.5 * reg * sum(np.vdot(W, W) for W in weights.values())
    return loss, {**grads, **{k: grads[k] + reg * W for k, W in weights.items()}}


def fc_net_loss_reg_without_half(params, X, y=None, reg=0.0, dropout_param=None):
    return student_fc_net(params, X, y, reg, dropout_param, bug="no_half")


def fc_net_loss_biases_regularised(params, X, y=None, reg=0.0, dropout_param=None):
    return student_fc_net(params, X, y, reg, dropout_param, bug="biases_regularised")


def fc_net_loss_reg_only_last_W(params, X, y=None, reg=0.0, dropout_param=None):
    return student_fc_net(params, X, y, reg, dropout_param, bug="reg_only_last")


def fc_net_loss_relu_after_last_layer(params, X, y=None, reg=0.0, dropout_param=None):
    return student_fc_net(params, X, y, reg, dropout_param, bug="relu_after_last")


def fc_net_loss_hard_coded_two_layers(params, X, y=None, reg=0.0, dropout_param=None):
    return student_fc_net(params, X, y, reg, dropout_param, bug="two_layers")


def fc_net_loss_dropout_at_test_time(params, X, y=None, reg=0.0, dropout_param=None):
    return student_fc_net(params, X, y, reg, dropout_param, bug="dropout_at_test")


def fc_net_loss_dropout_after_last_affine(params, X, y=None, reg=0.0, dropout_param=None):
    return student_fc_net(params, X, y, reg, dropout_param, bug="dropout_after_last")


def fc_net_loss_mask_not_in_backward(params, X, y=None, reg=0.0, dropout_param=None):
    return student_fc_net(params, X, y, reg, dropout_param, bug="mask_not_in_backward")


def fc_net_loss_probabilities_when_y_is_none(params, X, y=None, reg=0.0, dropout_param=None):
    return student_fc_net(params, X, y, reg, dropout_param, bug="probabilities")


def fc_net_loss_softmax_without_max_subtraction(params, X, y=None, reg=0.0, dropout_param=None):
    return student_fc_net(params, X, y, reg, dropout_param, bug="softmax_no_shift")


# --- sgd_mean_objective -----------------------------------------------------------------------------

def student_sgd_mean(X, w0, bug=None):
    n = len(X)
    w = w0 if bug == "in_place" else np.array(w0, dtype=np.float64)
    iterates = [np.zeros_like(w) if bug == "row_0_zeros" else w if bug == "in_place" else w.copy()]
    for t in range(1, n + 1):
        step = 1 / n if bug == "constant_step" else 1 / (t + 1) if bug == "step_off_by_one" else 1 / t
        if bug == "in_place":
            w -= step * (w - X[t - 1])  # w is w0, and every row of iterates is that one array
        else:
            w = w - step * (w - X[t - 1])
        iterates.append(w)
    return w if bug == "final_only" else np.array(iterates)


def sgd_mean_objective_ok(X, w0):
    return student_sgd_mean(X, w0)


def sgd_mean_objective_cumsum(X, w0):
    running_means = np.cumsum(X, axis=0) / np.arange(1, len(X) + 1)[:, None]
    return np.vstack([w0, running_means])


def sgd_mean_objective_constant_step(X, w0):
    return student_sgd_mean(X, w0, bug="constant_step")


def sgd_mean_objective_step_off_by_one(X, w0):
    return student_sgd_mean(X, w0, bug="step_off_by_one")


def sgd_mean_objective_final_w_only(X, w0):
    return student_sgd_mean(X, w0, bug="final_only")


def sgd_mean_objective_row_0_zeros(X, w0):
    return student_sgd_mean(X, w0, bug="row_0_zeros")


def sgd_mean_objective_in_place(X, w0):
    return student_sgd_mean(X, w0, bug="in_place")


def sgd_mean_objective_without_w0(X, w0):
    return np.cumsum(X, axis=0) / np.arange(1, len(X) + 1)[:, None]  # w_1 .. w_n: the row of w_0 is missing


# --- collapse_linear --------------------------------------------------------------------------------

def student_collapse(params, bug=None):
    L = len(params) // 2
    W = params["W1"].T if bug == "column_convention" else params["W1"]
    b = params["b1"]
    for i in range(2, L + 1):
        Wi, bi = params[f"W{i}"], params[f"b{i}"]
        W = Wi.T @ W if bug == "column_convention" else W @ Wi  # column convention: (W1 ... WL)^T
        if bug == "biases_summed":
            b = b + bi
        elif bug == "last_bias_missing" and i == L:
            b = b @ Wi
        else:
            b = b @ Wi + bi
    if bug == "last_bias_only":
        b = params[f"b{L}"]
    return W, b


def collapse_linear_ok(params):
    return student_collapse(params)


def collapse_linear_recursive(params):
    L = len(params) // 2
    if L == 1:
        return params["W1"], params["b1"]
    W, b = collapse_linear_recursive({k: v for k, v in params.items() if int(k[1:]) < L})
    return W @ params[f"W{L}"], b @ params[f"W{L}"] + params[f"b{L}"]


def collapse_linear_by_probing(params):
    """The stack applied to 0 gives b, applied to the identity gives W + b."""
    def stack(X):
        for i in range(1, len(params) // 2 + 1):
            X = X @ params[f"W{i}"] + params[f"b{i}"]
        return X
    D = params["W1"].shape[0]
    b = stack(np.zeros((1, D)))[0]
    return stack(np.eye(D)) - b, b


def collapse_linear_last_bias_only(params):
    return student_collapse(params, bug="last_bias_only")


def collapse_linear_biases_summed(params):
    return student_collapse(params, bug="biases_summed")


def collapse_linear_transposed(params):
    return student_collapse(params, bug="column_convention")


def collapse_linear_last_bias_missing(params):
    return student_collapse(params, bug="last_bias_missing")


# --- xor_weights ------------------------------------------------------------------------------------

def xor_weights_hidden_units_swapped_as_lists():
    return [[1, 10], [1, 10]], [-6, 5]


def xor_weights_other_slopes():
    return np.array([[8.0, 2.0], [8.0, 2.0]]), np.array([0.93, -1.0])


def xor_weights_as_published():
    return np.array([[10.0, 1.0], [10.0, 1.0]]), np.array([5.0, 6.0])  # all positive: a monotone net


def xor_weights_w2_as_a_column():
    return np.array([[10.0, 1.0], [10.0, 1.0]]), np.array([[5.0], [-6.0]])


def xor_weights_W1_transposed():
    return np.array([[10.0, 10.0], [1.0, 1.0]]), np.array([5.0, -6.0])  # both hidden units the same


def xor_weights_computing_or():
    return np.array([[10.0, 1.0], [10.0, 1.0]]), np.array([5.0, -5.0])  # (1, 1) lands above the threshold


# --- conv2d (exam 2023, question 2(a)) --------------------------------------------------------------

def student_conv2d(A, K, bug=None):
    A, K = np.asarray(A, dtype=np.float64), np.asarray(K, dtype=np.float64)
    if bug == "flipped":
        K = K[::-1, ::-1]  # a true convolution, as signal processing defines it
    HH, WW = K.shape
    if bug == "same":
        A = np.pad(A, ((HH // 2, (HH - 1) // 2), (WW // 2, (WW - 1) // 2)))  # an output of the input's size
    B = np.zeros((A.shape[0] - HH + 1, A.shape[1] - WW + 1))
    for i in range(B.shape[0]):
        for j in range(B.shape[1]):
            B[i, j] = np.sum(A[i:i + HH, j:j + WW] * K)
    return B


def conv2d_ok(A, K):
    return student_conv2d(A, K)


def conv2d_sum_of_shifted_copies(A, K):
    """B = sum over the kernel's entries of K[k, l] times A shifted by (k, l)."""
    HH, WW = K.shape
    H_out, W_out = A.shape[0] - HH + 1, A.shape[1] - WW + 1
    return sum(K[k, l] * A[k:k + H_out, l:l + W_out] for k in range(HH) for l in range(WW))


def conv2d_sliding_window_view(A, K):
    return np.einsum("ijkl,kl->ij", np.lib.stride_tricks.sliding_window_view(A, K.shape), K)


def conv2d_kernel_flipped(A, K):
    return student_conv2d(A, K, bug="flipped")


def conv2d_same_padding(A, K):
    return student_conv2d(A, K, bug="same")


# --- diagonal_loss_gradients (exam 2023, question 2(c)) ---------------------------------------------

def student_diagonal_loss(A, K, C, bug=None):
    """dB is 2 (B_ii - C_ii) on the diagonal; dK is the correlation of A with dB, dA the full correlation
    of dB with the flipped kernel."""
    A, K, C = (np.asarray(M, dtype=np.float64) for M in (A, K, C))
    B = student_conv2d(A, K)
    if bug == "every_entry":
        f, dB = np.sum((B - C) ** 2), 2 * (B - C)
    else:
        d = np.arange(min(B.shape))
        f = np.sum((B[d, d] - C[d, d]) ** 2)
        dB = np.zeros_like(B)
        dB[d, d] = (1 if bug == "no_factor_2" else 2) * (B[d, d] - C[d, d])
    dK = student_conv2d(A, dB)
    if bug == "exam_shortcut":
        dK = np.full(K.shape, np.sum(dB))  # the model answer: dB_ii / dK_kl = 1, true when A_{i+k, i+l} = 1
    HH, WW = K.shape
    dA = student_conv2d(np.pad(dB, ((HH - 1, HH - 1), (WW - 1, WW - 1))),
                        K if bug == "dA_kernel_not_flipped" else K[::-1, ::-1])
    return f, dA, dK


def diagonal_loss_gradients_ok(A, K, C):
    return student_diagonal_loss(A, K, C)


def diagonal_loss_gradients_chain_rule_by_hand(A, K, C):
    """B_ii = sum_kl K_kl A_{i+k, i+l}: each diagonal entry sends its share to the K_kl and A entries it used."""
    HH, WW = K.shape
    f, dA, dK = 0.0, np.zeros(A.shape), np.zeros(K.shape)
    for i in range(min(A.shape[0] - HH + 1, A.shape[1] - WW + 1)):
        window = A[i:i + HH, i:i + WW]
        residual = np.sum(window * K) - C[i, i]
        f += residual ** 2
        dK += 2 * residual * window
        dA[i:i + HH, i:i + WW] += 2 * residual * K
    return f, dA, dK


def diagonal_loss_gradients_exam_shortcut(A, K, C):
    return student_diagonal_loss(A, K, C, bug="exam_shortcut")


def diagonal_loss_gradients_without_factor_2(A, K, C):
    return student_diagonal_loss(A, K, C, bug="no_factor_2")


def diagonal_loss_gradients_every_entry_of_B(A, K, C):
    return student_diagonal_loss(A, K, C, bug="every_entry")


def diagonal_loss_gradients_dA_kernel_not_flipped(A, K, C):
    return student_diagonal_loss(A, K, C, bug="dA_kernel_not_flipped")


# --- multiplication_counts (exam 2023, question 2(b)) -----------------------------------------------

def student_multiplication_counts(input_shape, kernel_shape, stride=1, pad=0, bug=None):
    """Brute force: add one to every element of the padded input under each window, then drop the padding."""
    (H, W), (HH, WW) = input_shape, kernel_shape
    step = 1 if bug == "stride_ignored" else stride
    counts = np.zeros((H + 2 * pad, W + 2 * pad), dtype=int)
    for i in range(0, H + 2 * pad - HH + 1, step):
        for j in range(0, W + 2 * pad - WW + 1, step):
            counts[i:i + HH, j:j + WW] += 1
    return counts if bug == "padding_counted" else counts[pad:pad + H, pad:pad + W]


def multiplication_counts_ok(input_shape, kernel_shape, stride=1, pad=0):
    return student_multiplication_counts(input_shape, kernel_shape, stride, pad)


def multiplication_counts_by_convolving_ones(input_shape, kernel_shape, stride=1, pad=0):
    """Windows start at every stride-th position of the padded input; an element is covered by the starts
    within a kernel's reach above and left of it: the full correlation of the grid of starts with ones."""
    (H, W), (HH, WW) = input_shape, kernel_shape
    starts = np.zeros((H + 2 * pad - HH + 1, W + 2 * pad - WW + 1))
    starts[::stride, ::stride] = 1
    covered = student_conv2d(np.pad(starts, ((HH - 1, HH - 1), (WW - 1, WW - 1))), np.ones((HH, WW)))
    return covered[pad:pad + H, pad:pad + W].astype(int)


def multiplication_counts_stride_ignored(input_shape, kernel_shape, stride=1, pad=0):
    return student_multiplication_counts(input_shape, kernel_shape, stride, pad, bug="stride_ignored")


def multiplication_counts_padding_zeros_counted(input_shape, kernel_shape, stride=1, pad=0):
    return student_multiplication_counts(input_shape, kernel_shape, stride, pad, bug="padding_counted")


# --- conv_output_size -------------------------------------------------------------------------------

def student_conv_output_size(size, kernel, stride, pad, bug=None):
    span = size + (pad if bug == "pad_once" else 2 * pad) - kernel
    if bug != "no_check" and (span < 0 or span % stride):
        raise ValueError("the windows do not fit")
    return span / stride + 1 if bug == "true_division" else span // stride + 1


def conv_output_size_divmod(size, kernel, stride, pad):
    steps, left_over = divmod(size + 2 * pad - kernel, stride)
    if steps < 0 or left_over:
        raise ValueError(f"a {kernel}-window with stride {stride} does not tile {size} + 2*{pad}")
    return steps + 1


def conv_output_size_counting_windows(size, kernel, stride, pad):
    count, end = 0, kernel
    while end <= size + 2 * pad:
        count, end = count + 1, end + stride
    if count == 0 or end - stride != size + 2 * pad:
        raise ValueError("the windows do not fit")
    return count


def conv_output_size_true_division(size, kernel, stride, pad):
    return student_conv_output_size(size, kernel, stride, pad, bug="true_division")


def conv_output_size_floor_without_check(size, kernel, stride, pad):
    return student_conv_output_size(size, kernel, stride, pad, bug="no_check")


def conv_output_size_pad_counted_once(size, kernel, stride, pad):
    return student_conv_output_size(size, kernel, stride, pad, bug="pad_once")


# --- conv_param_count -------------------------------------------------------------------------------

def conv_param_count_ok(C, F, HH, WW):
    return F * (C * HH * WW + 1)


def conv_param_count_np_prod(C, F, HH, WW):
    return int(np.prod([F, C, HH, WW])) + F


def conv_param_count_biases_forgotten(C, F, HH, WW):
    return F * C * HH * WW


def conv_param_count_channels_forgotten(C, F, HH, WW):
    return F * HH * WW + F  # a filter taken as one HH x WW matrix


def conv_param_count_bias_per_channel(C, F, HH, WW):
    return F * C * (HH * WW + 1)  # one bias per (filter, input channel)


# --- conv_forward_naive -----------------------------------------------------------------------------

def student_conv_forward(x, w, b, conv_param, bug=None):
    """CS231n style: four loops over (n, f, i, j), np.pad."""
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    if bug == "flipped":
        w = w[:, :, ::-1, ::-1]  # a true convolution
    sides = (0, 2 * pad) if bug == "pad_one_side" else (pad, pad)
    xpad = np.pad(x, ((0, 0), (0, 0), sides, sides), mode="constant")
    padding = 0 if bug == "size_without_pad" else 2 * pad
    H_out, W_out = 1 + (H + padding - HH) // stride, 1 + (W + padding - WW) // stride
    step = 1 if bug == "stride_ignored" else stride
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = xpad[n, :, i * step:i * step + HH, j * step:j * step + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + (0 if bug == "no_bias" else b[f])
    return out, (x, w, b, conv_param)


def im2col(xpad, HH, WW, stride, H_out, W_out):
    """(C * HH * WW, N * H_out * W_out): one column per window, ordered (n, i, j)."""
    N = xpad.shape[0]
    cols = np.empty((xpad.shape[1] * HH * WW, N * H_out * W_out))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                cols[:, (n * H_out + i) * W_out + j] = xpad[n, :, i * stride:i * stride + HH,
                                                            j * stride:j * stride + WW].ravel()
    return cols


def student_conv_forward_im2col(x, w, b, conv_param, bug=None):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    H_out, W_out = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    cols = im2col(np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))), HH, WW, stride, H_out, W_out)
    out = (w.reshape(F, -1) @ cols).reshape(F, N, H_out, W_out).transpose(1, 0, 2, 3)
    out = out + b if bug == "bias_last_axis" else out + b[:, None, None]
    return out, (x, w, b, conv_param)


def conv_forward_naive_four_loops(x, w, b, conv_param):
    return student_conv_forward(x, w, b, conv_param)


def conv_forward_naive_im2col(x, w, b, conv_param):
    return student_conv_forward_im2col(x, w, b, conv_param)


def conv_forward_naive_kernel_flipped(x, w, b, conv_param):
    return student_conv_forward(x, w, b, conv_param, bug="flipped")


def conv_forward_naive_padding_on_one_side(x, w, b, conv_param):
    return student_conv_forward(x, w, b, conv_param, bug="pad_one_side")


def conv_forward_naive_stride_ignored_in_windows(x, w, b, conv_param):
    return student_conv_forward(x, w, b, conv_param, bug="stride_ignored")


def conv_forward_naive_without_bias(x, w, b, conv_param):
    return student_conv_forward(x, w, b, conv_param, bug="no_bias")


def conv_forward_naive_bias_on_last_axis(x, w, b, conv_param):
    return student_conv_forward_im2col(x, w, b, conv_param, bug="bias_last_axis")


def conv_forward_naive_output_size_without_pad(x, w, b, conv_param):
    return student_conv_forward(x, w, b, conv_param, bug="size_without_pad")


# --- conv_backward_naive ----------------------------------------------------------------------------

def student_conv_backward(dout, cache, bug=None):
    """CS231n style: four loops over (n, f, i, j), each output pixel sending its gradient to its window."""
    x, w, b, conv_param = cache
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    source = x if bug == "dw_from_unpadded_x" else xpad
    dxpad, dw = np.zeros_like(xpad), np.zeros_like(w)
    for n in range(N):
        if bug == "dw_reset_per_example":
            dw = np.zeros_like(w)  # initialised in the batch loop: only the last example's gradient is kept
        for f in range(F):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    rows, cols = slice(i * stride, i * stride + HH), slice(j * stride, j * stride + WW)
                    if bug == "dx_assigned":
                        dxpad[n, :, rows, cols] = w[f] * dout[n, f, i, j]
                    else:
                        dxpad[n, :, rows, cols] += w[f] * dout[n, f, i, j]
                    dw[f] += source[n, :, rows, cols] * dout[n, f, i, j]
    if bug == "dx_padded":
        dx = dxpad
    elif bug == "negative_end":
        dx = dxpad[:, :, pad:-pad, pad:-pad]  # empty when pad = 0
    else:
        dx = dxpad[:, :, pad:pad + H, pad:pad + W]
    db = dout.sum(axis=(1, 2, 3)) if bug == "db_wrong_axes" else dout.sum(axis=(0, 2, 3))
    return dx, dw, db


def conv_backward_naive_four_loops(dout, cache):
    return student_conv_backward(dout, cache)


def conv_backward_naive_im2col(dout, cache):
    """dw and the columns' gradient are matrix products; col2im adds each column back to its window."""
    x, w, b, conv_param = cache
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    H_out, W_out = dout.shape[2:]
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = im2col(xpad, HH, WW, stride, H_out, W_out)
    dout_rows = dout.transpose(1, 0, 2, 3).reshape(F, -1)  # columns ordered (n, i, j), like cols
    dw = (dout_rows @ cols.T).reshape(w.shape)
    dcols = w.reshape(F, -1).T @ dout_rows
    dxpad = np.zeros_like(xpad)
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                dxpad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW] += \
                    dcols[:, (n * H_out + i) * W_out + j].reshape(C, HH, WW)
    return dxpad[:, :, pad:pad + H, pad:pad + W], dw, dout_rows.sum(axis=1)


def conv_backward_naive_dx_assigned_not_accumulated(dout, cache):
    return student_conv_backward(dout, cache, bug="dx_assigned")


def conv_backward_naive_dw_not_summed_over_batch(dout, cache):
    return student_conv_backward(dout, cache, bug="dw_reset_per_example")


def conv_backward_naive_dx_with_padding(dout, cache):
    return student_conv_backward(dout, cache, bug="dx_padded")


def conv_backward_naive_padding_cut_with_negative_end(dout, cache):
    return student_conv_backward(dout, cache, bug="negative_end")


def conv_backward_naive_db_over_wrong_axes(dout, cache):
    return student_conv_backward(dout, cache, bug="db_wrong_axes")


def conv_backward_naive_dw_from_unpadded_x(dout, cache):
    return student_conv_backward(dout, cache, bug="dw_from_unpadded_x")


# --- max pooling ------------------------------------------------------------------------------------

def pool_sizes(x, pool_param):
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    return ph, pw, stride, (x.shape[2] - ph) // stride + 1, (x.shape[3] - pw) // stride + 1


def student_max_pool_forward(x, pool_param, bug=None):
    ph, pw, stride, H_out, W_out = pool_sizes(x, pool_param)
    step_i, step_j = (ph, pw) if bug == "step_by_pool_size" else (stride, stride)
    out = np.zeros(x.shape[:2] + (H_out, W_out))
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, c, i * step_i:i * step_i + ph, j * step_j:j * step_j + pw]
                    out[n, c, i, j] = np.mean(window) if bug == "mean" else np.max(window)
    return out, (x, pool_param)


def max_pool_forward_naive_loops(x, pool_param):
    return student_max_pool_forward(x, pool_param)


def max_pool_forward_naive_over_window_offsets(x, pool_param):
    """The maximum over the ph * pw strided slices, one per offset within the window."""
    ph, pw, stride, H_out, W_out = pool_sizes(x, pool_param)
    slices = [x[:, :, k:k + stride * (H_out - 1) + 1:stride, l:l + stride * (W_out - 1) + 1:stride]
              for k in range(ph) for l in range(pw)]
    return np.max(slices, axis=0), (x, pool_param)


def max_pool_forward_naive_stepping_by_pool_size(x, pool_param):
    return student_max_pool_forward(x, pool_param, bug="step_by_pool_size")


def max_pool_forward_naive_mean(x, pool_param):
    return student_max_pool_forward(x, pool_param, bug="mean")


def student_max_pool_backward(dout, cache, bug=None):
    x, pool_param = cache
    ph, pw, stride, H_out, W_out = pool_sizes(x, pool_param)
    dx = np.zeros_like(x)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(H_out):
                for j in range(W_out):
                    rows, cols = slice(i * stride, i * stride + ph), slice(j * stride, j * stride + pw)
                    window, g = x[n, c, rows, cols], dout[n, c, i, j]
                    if bug == "every_maximum":
                        dx[n, c, rows, cols] += (window == np.max(window)) * g
                        continue
                    if bug == "spread":
                        dx[n, c, rows, cols] += g / (ph * pw)
                        continue
                    if bug == "last_maximum":  # a scan with >= keeps the last maximum
                        r, s = 0, 0
                        for k in range(ph):
                            for l in range(pw):
                                if window[k, l] >= window[r, s]:
                                    r, s = k, l
                    else:
                        r, s = np.unravel_index(np.argmax(window), window.shape)
                    if bug == "assigned":
                        dx[n, c, i * stride + r, j * stride + s] = g
                    else:
                        dx[n, c, i * stride + r, j * stride + s] += g
    return dx


def max_pool_backward_naive_argmax_unravel_index(dout, cache):
    return student_max_pool_backward(dout, cache)


def max_pool_backward_naive_over_window_offsets(dout, cache):
    """Offsets in row-major order; an offset takes a window's gradient if it holds the maximum and no
    earlier offset took it."""
    x, pool_param = cache
    ph, pw, stride, H_out, W_out = pool_sizes(x, pool_param)
    out, _ = max_pool_forward_naive_over_window_offsets(x, pool_param)
    dx, taken = np.zeros_like(x), np.zeros(out.shape, dtype=bool)
    for k in range(ph):
        for l in range(pw):
            where = (slice(None), slice(None), slice(k, k + stride * (H_out - 1) + 1, stride),
                     slice(l, l + stride * (W_out - 1) + 1, stride))
            hit = (x[where] == out) & ~taken
            taken |= hit
            dx[where] += hit * dout
    return dx


def max_pool_backward_naive_to_every_maximum(dout, cache):
    return student_max_pool_backward(dout, cache, bug="every_maximum")


def max_pool_backward_naive_to_the_last_maximum(dout, cache):
    return student_max_pool_backward(dout, cache, bug="last_maximum")


def max_pool_backward_naive_assigned_not_accumulated(dout, cache):
    return student_max_pool_backward(dout, cache, bug="assigned")


def max_pool_backward_naive_spread_over_the_window(dout, cache):
    return student_max_pool_backward(dout, cache, bug="spread")


# --- batchnorm_forward ----------------------------------------------------------------------------

def student_bn_forward(x, gamma, beta, bn_param, bug=None):
    mode = bn_param["mode"]
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    if bug == "momentum_hard_coded":
        momentum = 0.9
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D))
    running_var = bn_param.get("running_var", np.zeros(D) if bug == "running_var_zeros" else np.ones(D))
    if mode == "train" or bug in ("batch_statistics_in_test_mode", "updated_in_test_mode"):
        if bug == "axis_1":
            mu, var = np.mean(x, axis=1, keepdims=True), np.var(x, axis=1, keepdims=True)
        else:
            mu, var = np.mean(x, axis=0), np.var(x, axis=0, ddof=1 if bug == "unbiased" else 0)
        if mode == "train" and bug != "not_stored" or bug == "updated_in_test_mode":
            m = 1 - momentum if bug == "momentum_swapped" else momentum
            bn_param["running_mean"] = m * running_mean + (1 - m) * mu
            bn_param["running_var"] = m * running_var + (1 - m) * var
    if mode == "test" and bug != "batch_statistics_in_test_mode":
        mu, var = running_mean, running_var
    if bug == "eps_outside_sqrt":
        x_hat = (x - mu) / (np.sqrt(var) + eps)
    elif bug == "no_eps_in_test_mode" and mode == "test":
        x_hat = (x - mu) / np.sqrt(var)
    else:
        x_hat = (x - mu) / np.sqrt(var + eps)
    return gamma * x_hat + beta, (x, x_hat, mu, var, eps, gamma)


def batchnorm_forward_np_var(x, gamma, beta, bn_param):
    return student_bn_forward(x, gamma, beta, bn_param)


def batchnorm_forward_setdefault_in_place(x, gamma, beta, bn_param):
    """The running averages created with setdefault and updated in place (the same arrays stay in bn_param)."""
    D = x.shape[1]
    running_mean = bn_param.setdefault("running_mean", np.zeros(D))
    running_var = bn_param.setdefault("running_var", np.ones(D))
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    if bn_param["mode"] == "train":
        mu = x.sum(axis=0) / len(x)
        var = ((x - mu) ** 2).sum(axis=0) / len(x)
        running_mean *= momentum
        running_mean += (1 - momentum) * mu
        running_var *= momentum
        running_var += (1 - momentum) * var
    else:
        mu, var = running_mean, running_var
    out = gamma * (x - mu) * (var + eps) ** -0.5 + beta
    return out, None


def batchnorm_forward_unbiased_variance(x, gamma, beta, bn_param):
    return student_bn_forward(x, gamma, beta, bn_param, bug="unbiased")


def batchnorm_forward_eps_outside_sqrt(x, gamma, beta, bn_param):
    return student_bn_forward(x, gamma, beta, bn_param, bug="eps_outside_sqrt")


def batchnorm_forward_running_averages_not_stored(x, gamma, beta, bn_param):
    return student_bn_forward(x, gamma, beta, bn_param, bug="not_stored")


def batchnorm_forward_momentum_weights_swapped(x, gamma, beta, bn_param):
    return student_bn_forward(x, gamma, beta, bn_param, bug="momentum_swapped")


def batchnorm_forward_momentum_hard_coded(x, gamma, beta, bn_param):
    return student_bn_forward(x, gamma, beta, bn_param, bug="momentum_hard_coded")


def batchnorm_forward_no_eps_in_test_mode(x, gamma, beta, bn_param):
    return student_bn_forward(x, gamma, beta, bn_param, bug="no_eps_in_test_mode")


def batchnorm_forward_batch_statistics_in_test_mode(x, gamma, beta, bn_param):
    return student_bn_forward(x, gamma, beta, bn_param, bug="batch_statistics_in_test_mode")


def batchnorm_forward_running_averages_updated_in_test_mode(x, gamma, beta, bn_param):
    """Normalises by the running averages in test mode, but updates them with the batch's statistics."""
    return student_bn_forward(x, gamma, beta, bn_param, bug="updated_in_test_mode")


def batchnorm_forward_over_axis_1(x, gamma, beta, bn_param):
    return student_bn_forward(x, gamma, beta, bn_param, bug="axis_1")


def batchnorm_forward_running_var_starts_at_zero(x, gamma, beta, bn_param):
    """CS231n's default; this course's is ones."""
    return student_bn_forward(x, gamma, beta, bn_param, bug="running_var_zeros")


def batchnorm_forward_centring_x_in_place(x, gamma, beta, bn_param):
    out, cache = student_bn_forward(x, gamma, beta, bn_param)
    x -= x.mean(axis=0) if bn_param["mode"] == "train" else bn_param["running_mean"]
    return out, cache


# --- batchnorm_backward ---------------------------------------------------------------------------

def student_bn_backward_staged(dout, cache, bug=None):
    x_hat, xc, std, inv_std, gamma, mode = cache
    N = dout.shape[0]
    dbeta = (dout * x_hat).sum(axis=0) if bug == "dbeta_times_x_hat" else dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    if bug == "unsummed":
        dbeta, dgamma = dout, dout * x_hat
    dx_hat = dout * gamma
    dxc = dx_hat * inv_std
    if bug != "no_variance_path":
        dinv_std = np.sum(dx_hat * xc, axis=0)
        dvar = -0.5 * dinv_std / std ** 3
        dsq = dvar * np.ones_like(xc) if bug == "variance_without_1_over_N" else dvar * np.ones_like(xc) / N
        dxc = dxc + 2 * xc * dsq
    dx = dxc
    if bug != "no_mean_path":
        dx = dx - np.sum(dxc, axis=0) / N
    return dx, dgamma, dbeta


def batchnorm_backward_paper(dout, cache):
    """Ioffe and Szegedy (2015), section 3, with var + eps rebuilt from std."""
    x_hat, xc, std, inv_std, gamma, mode = cache
    N = dout.shape[0]
    var_eps = std ** 2
    dx_hat = dout * gamma
    dvar = np.sum(dx_hat * xc * -0.5 * var_eps ** -1.5, axis=0)
    dmu = np.sum(-dx_hat / np.sqrt(var_eps), axis=0) + dvar * np.mean(-2 * xc, axis=0)
    dx = dx_hat / np.sqrt(var_eps) + dvar * 2 * xc / N + dmu / N
    return dx, np.sum(dout * x_hat, axis=0), np.sum(dout, axis=0)


def batchnorm_backward_jacobian(dout, cache):
    """Per feature, the (N, N) Jacobian of out with respect to x, transposed, times dout."""
    x_hat, xc, std, inv_std, gamma, mode = cache
    N, D = dout.shape
    dx = np.empty_like(dout)
    for j in range(D):
        J = gamma[j] * inv_std[j] / N * (N * np.eye(N) - 1 - np.outer(x_hat[:, j], x_hat[:, j]))
        dx[:, j] = J.T @ dout[:, j]
    return dx, np.einsum("nd,nd->d", dout, x_hat), dout.sum(axis=0)


def batchnorm_backward_staged_ok(dout, cache):
    return student_bn_backward_staged(dout, cache)


def batchnorm_backward_no_mean_path(dout, cache):
    return student_bn_backward_staged(dout, cache, bug="no_mean_path")


def batchnorm_backward_seed_formula(dout, cache):
    """The problem set's formula handed in as the answer."""
    return batchnorm.batchnorm_backward_seed(dout, cache)


def batchnorm_backward_no_variance_path(dout, cache):
    return student_bn_backward_staged(dout, cache, bug="no_variance_path")


def batchnorm_backward_dgamma_dbeta_not_summed(dout, cache):
    return student_bn_backward_staged(dout, cache, bug="unsummed")


def batchnorm_backward_dbeta_times_x_hat(dout, cache):
    return student_bn_backward_staged(dout, cache, bug="dbeta_times_x_hat")


def batchnorm_backward_variance_without_1_over_N(dout, cache):
    return student_bn_backward_staged(dout, cache, bug="variance_without_1_over_N")


# --- batchnorm_backward_alt -----------------------------------------------------------------------

def student_bn_backward_alt(dout, cache, bug=None):
    x_hat, xc, std, inv_std, gamma, mode = cache
    N = dout.shape[0]
    dbeta, dgamma = dout.sum(axis=0), (dout * x_hat).sum(axis=0)
    scale = std if bug == "std_for_inv_std" else inv_std
    if bug == "no_sums":
        inner = N * dout
    elif bug == "no_mean_sum":
        inner = N * dout - x_hat * dgamma
    else:
        inner = N * dout - dbeta - x_hat * dgamma
    return gamma * scale / N * inner, dgamma, dbeta


def batchnorm_backward_alt_as_written(dout, cache):
    return student_bn_backward_alt(dout, cache)


def batchnorm_backward_alt_with_means(dout, cache):
    x_hat, xc, std, inv_std, gamma, mode = cache
    dx = gamma * inv_std * (dout - dout.mean(axis=0) - x_hat * (dout * x_hat).mean(axis=0))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def batchnorm_backward_alt_without_the_sums(dout, cache):
    return student_bn_backward_alt(dout, cache, bug="no_sums")


def batchnorm_backward_alt_without_the_mean_sum(dout, cache):
    return student_bn_backward_alt(dout, cache, bug="no_mean_sum")


def batchnorm_backward_alt_std_for_inv_std(dout, cache):
    return student_bn_backward_alt(dout, cache, bug="std_for_inv_std")


# --- batchnorm_backward_seed ----------------------------------------------------------------------

def student_bn_backward_seed(dout, cache, bug=None):
    x_hat, xc, std, inv_std, gamma, mode = cache
    N = dout.shape[0]
    var_eps = std ** 2
    dx = dout * gamma * (var_eps ** -0.5 - (1 / N) * xc ** 2 * var_eps ** -1.5)
    if bug == "unsummed":
        return dx, dout * x_hat, dout
    return dx, np.sum(dout * x_hat, axis=0), np.sum(dout, axis=0)


def batchnorm_backward_seed_equations(dout, cache):
    return student_bn_backward_seed(dout, cache)


def batchnorm_backward_seed_from_x_hat(dout, cache):
    """(x - mu)^2 (var + eps)^(-3/2) = x_hat^2 / sqrt(var + eps)."""
    x_hat, xc, std, inv_std, gamma, mode = cache
    dx = dout * gamma * inv_std * (1 - x_hat ** 2 / len(dout))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def batchnorm_backward_seed_correct_gradient(dout, cache):
    """The right gradient, not the problem set's formula that the exercise asks for."""
    return batchnorm.batchnorm_backward(dout, cache)


def batchnorm_backward_seed_unsummed(dout, cache):
    """dgamma and dbeta as the problem set writes them, of shape (N, D)."""
    return student_bn_backward_seed(dout, cache, bug="unsummed")


# --- kl_divergence --------------------------------------------------------------------------------

def kl_divergence_textbook(mu, logvar):
    return 0.5 * np.sum(np.exp(logvar) + mu ** 2 - 1 - logvar, axis=1), (mu, logvar)


def kl_divergence_kingma(mu, logvar):
    """The form of Kingma and Welling's appendix B."""
    return -0.5 * (1 + logvar - mu * mu - np.exp(logvar)).sum(axis=-1), (mu, logvar)


def kl_divergence_log_of_sigma_squared(mu, logvar):
    """log(sigma^2) recomputed from sigma: -inf when exp(logvar / 2) underflows."""
    sigma = np.exp(0.5 * logvar)
    with np.errstate(divide="ignore"):
        return 0.5 * np.sum(sigma ** 2 + mu ** 2 - 1 - np.log(sigma ** 2), axis=1), (mu, logvar)


def kl_divergence_seed_sign(mu, logvar):
    """The problem set's final line, sum log sigma - 1/2 (1 - E[z^2]): the log term with the wrong sign."""
    return 0.5 * np.sum(np.exp(logvar) + mu ** 2 - 1 + logvar, axis=1), (mu, logvar)


def kl_divergence_batch_mean(mu, logvar):
    return np.mean(0.5 * np.sum(np.exp(logvar) + mu ** 2 - 1 - logvar, axis=1)), (mu, logvar)


def kl_divergence_sigma_for_variance(mu, logvar):
    return 0.5 * np.sum(np.exp(0.5 * logvar) + mu ** 2 - 1 - logvar, axis=1), (mu, logvar)


def kl_divergence_without_half(mu, logvar):
    return np.sum(np.exp(logvar) + mu ** 2 - 1 - logvar, axis=1), (mu, logvar)


def kl_divergence_over_axis_0(mu, logvar):
    return 0.5 * np.sum(np.exp(logvar) + mu ** 2 - 1 - logvar, axis=0), (mu, logvar)


# --- kl_divergence_backward -----------------------------------------------------------------------

def kl_divergence_backward_ok(dout, cache):
    mu, logvar = cache
    dout = dout.reshape(-1, 1)
    return dout * mu, dout * (np.exp(logvar) - 1) / 2


def kl_divergence_backward_without_minus_one(dout, cache):
    mu, logvar = cache
    return dout[:, None] * mu, dout[:, None] * 0.5 * np.exp(logvar)


def kl_divergence_backward_without_half(dout, cache):
    mu, logvar = cache
    return dout[:, None] * mu, dout[:, None] * (np.exp(logvar) - 1)


def kl_divergence_backward_dout_ignored(dout, cache):
    mu, logvar = cache
    return mu.copy(), 0.5 * (np.exp(logvar) - 1)


def kl_divergence_backward_dout_not_broadcast(dout, cache):
    mu, logvar = cache
    return dout * mu, dout * 0.5 * (np.exp(logvar) - 1)


def kl_divergence_backward_two_mu(dout, cache):
    mu, logvar = cache
    return 2 * dout[:, None] * mu, dout[:, None] * 0.5 * (np.exp(logvar) - 1)


# --- kl_monte_carlo -------------------------------------------------------------------------------

def kl_monte_carlo_all_rows_at_once(mu, logvar, n_samples, rng):
    rng = np.random.default_rng(rng)
    sigma = np.exp(logvar / 2)
    z = mu + sigma * rng.standard_normal((n_samples,) + mu.shape)
    log_q = -0.5 * np.sum(((z - mu) / sigma) ** 2 + logvar + np.log(2 * np.pi), axis=2)
    log_p = -0.5 * np.sum(z ** 2 + np.log(2 * np.pi), axis=2)
    values = log_q - log_p
    return values.mean(axis=0), values.std(axis=0, ddof=1) / np.sqrt(n_samples)


def kl_monte_carlo_shared_draws(mu, logvar, n_samples, rng):
    """One set of eps for every row: still an unbiased estimate for each row."""
    rng = np.random.default_rng(rng)
    eps = rng.standard_normal((n_samples, 1, mu.shape[1]))
    z = mu + np.exp(0.5 * logvar) * eps
    values = 0.5 * np.sum(z ** 2 - eps ** 2 - logvar, axis=2)
    return values.mean(axis=0), values.std(axis=0) / np.sqrt(n_samples)


def student_kl_monte_carlo(mu, logvar, n_samples, rng, bug=None):
    rng = np.random.default_rng(rng)
    sigma = np.exp(logvar if bug == "sigma_is_variance" else 0.5 * logvar)
    eps = rng.standard_normal((n_samples,) + mu.shape)
    z = mu + sigma * eps
    values = -0.5 * eps ** 2 - 0.5 * logvar + 0.5 * z ** 2
    values = values.mean(axis=2) if bug == "mean_over_dims" else values.sum(axis=2)
    if bug == "log_p_minus_log_q":
        values = -values
    error = values.std(axis=0, ddof=1)
    if bug != "no_sqrt_n":
        error = error / np.sqrt(n_samples)
    return values.mean(axis=0), error


def kl_monte_carlo_log_p_minus_log_q(mu, logvar, n_samples, rng):
    return student_kl_monte_carlo(mu, logvar, n_samples, rng, bug="log_p_minus_log_q")


def kl_monte_carlo_sigma_is_variance(mu, logvar, n_samples, rng):
    return student_kl_monte_carlo(mu, logvar, n_samples, rng, bug="sigma_is_variance")


def kl_monte_carlo_mean_over_dims(mu, logvar, n_samples, rng):
    return student_kl_monte_carlo(mu, logvar, n_samples, rng, bug="mean_over_dims")


def kl_monte_carlo_no_sqrt_n(mu, logvar, n_samples, rng):
    return student_kl_monte_carlo(mu, logvar, n_samples, rng, bug="no_sqrt_n")


def kl_monte_carlo_closed_form(mu, logvar, n_samples, rng):
    """The closed form, with an error from a fixed generator: no sampling from rng."""
    estimate = vae.kl_divergence(mu, logvar)[0]
    return estimate, vae.kl_monte_carlo(mu, logvar, n_samples, 0)[1]


# --- reparameterize -------------------------------------------------------------------------------

def reparameterize_sqrt_of_variance(mu, logvar, eps):
    sigma = np.sqrt(np.exp(logvar))
    return mu + sigma * eps, (eps, sigma)


def reparameterize_variance_for_sigma(mu, logvar, eps):
    return mu + np.exp(logvar) * eps, (eps, np.exp(logvar))


def reparameterize_logvar_as_sigma(mu, logvar, eps):
    return mu + logvar * eps, (eps, logvar)


def reparameterize_without_eps(mu, logvar, eps):
    return mu + np.exp(0.5 * logvar), (eps, np.exp(0.5 * logvar))


# --- reparameterize_backward ----------------------------------------------------------------------

def reparameterize_backward_ok(dz, cache):
    eps, sigma = cache
    return 1.0 * dz, dz * (sigma * eps) / 2


def reparameterize_backward_without_half(dz, cache):
    eps, sigma = cache
    return dz.copy(), dz * eps * sigma


def reparameterize_backward_gradient_wrt_sigma(dz, cache):
    eps, sigma = cache
    return dz.copy(), dz * eps


def reparameterize_backward_dmu_times_sigma(dz, cache):
    eps, sigma = cache
    return dz * sigma, 0.5 * dz * eps * sigma


# --- vae_loss -------------------------------------------------------------------------------------

def student_vae_loss(params, X, eps, beta=1.0, recon="bce", bug=None):
    """A student's VAE loss built from nclib's pieces, with one of the usual bugs."""
    p, N = params, X.shape[0]
    h, enc_cache = layers.affine_forward(X, p["W_enc"], p["b_enc"])
    h, relu_cache = layers.relu_forward(h)
    mu, mu_cache = layers.affine_forward(h, p["W_mu"], p["b_mu"])
    logvar, logvar_cache = layers.affine_forward(h, p["W_logvar"], p["b_logvar"])
    z, z_cache = vae.reparameterize(mu, logvar, eps)
    g, dec_cache = layers.affine_forward(z, p["W_dec"], p["b_dec"])
    g, dec_relu_cache = layers.relu_forward(g)
    logits, out_cache = layers.affine_forward(g, p["W_out"], p["b_out"])
    rec, dlogits = vae.reconstruction_loss(logits, X, recon)
    kl, kl_cache = vae.kl_divergence(mu, logvar)
    if bug == "beta_on_reconstruction":
        loss, rec_weight, kl_weight = np.mean(beta * rec + kl), beta, 1.0
    else:
        loss, rec_weight, kl_weight = np.mean(rec + beta * kl), 1.0, beta
    kl_scale = 1.0 if bug == "kl_gradient_not_averaged" else 1.0 / N
    rec_scale = 1.0 if bug == "reconstruction_gradient_not_averaged" else 1.0 / N
    grads = {}
    dg, grads["W_out"], grads["b_out"] = layers.affine_backward(rec_weight * rec_scale * dlogits, out_cache)
    dg = layers.relu_backward(dg, dec_relu_cache)
    dz, grads["W_dec"], grads["b_dec"] = layers.affine_backward(dg, dec_cache)
    dmu, dlogvar = vae.reparameterize_backward(dz, z_cache)
    if bug == "no_path_through_eps":
        dlogvar = np.zeros_like(dlogvar)
    if bug != "no_kl_gradient":
        dmu_kl, dlogvar_kl = vae.kl_divergence_backward(np.full(N, kl_weight * kl_scale), kl_cache)
        dmu, dlogvar = dmu + dmu_kl, dlogvar + dlogvar_kl
    dh_mu, grads["W_mu"], grads["b_mu"] = layers.affine_backward(dmu, mu_cache)
    dh_logvar, grads["W_logvar"], grads["b_logvar"] = layers.affine_backward(dlogvar, logvar_cache)
    dh = dh_mu if bug == "only_the_mu_head_into_h" else dh_mu + dh_logvar
    dh = layers.relu_backward(dh, relu_cache)
    _, grads["W_enc"], grads["b_enc"] = layers.affine_backward(dh, enc_cache)
    return float(loss), grads


def vae_loss_ok(params, X, eps, beta=1.0, recon="bce"):
    return student_vae_loss(params, X, eps, beta, recon)


def vae_loss_no_kl_gradient(params, X, eps, beta=1.0, recon="bce"):
    return student_vae_loss(params, X, eps, beta, recon, bug="no_kl_gradient")


def vae_loss_only_the_mu_head_into_h(params, X, eps, beta=1.0, recon="bce"):
    return student_vae_loss(params, X, eps, beta, recon, bug="only_the_mu_head_into_h")


def vae_loss_beta_on_reconstruction(params, X, eps, beta=1.0, recon="bce"):
    return student_vae_loss(params, X, eps, beta, recon, bug="beta_on_reconstruction")


def vae_loss_kl_gradient_not_averaged(params, X, eps, beta=1.0, recon="bce"):
    return student_vae_loss(params, X, eps, beta, recon, bug="kl_gradient_not_averaged")


def vae_loss_reconstruction_gradient_not_averaged(params, X, eps, beta=1.0, recon="bce"):
    return student_vae_loss(params, X, eps, beta, recon, bug="reconstruction_gradient_not_averaged")


def vae_loss_no_path_through_eps(params, X, eps, beta=1.0, recon="bce"):
    """z treated as mu + constant noise: logvar gets only the KL's gradient."""
    return student_vae_loss(params, X, eps, beta, recon, bug="no_path_through_eps")


def vae_loss_summed_over_the_batch(params, X, eps, beta=1.0, recon="bce"):
    loss, grads = vae.vae_loss(params, X, eps, beta, recon)
    return loss * X.shape[0], grads


# --- gan_discriminator_loss -----------------------------------------------------------------------

def gan_discriminator_loss_ok(d_real, d_fake):
    loss = -np.log(d_real).mean() - np.log(1 - d_fake).mean()
    return loss, -1 / d_real / len(d_real), 1 / (1 - d_fake) / len(d_fake)


def gan_discriminator_loss_as_the_exam(d_real, d_fake):
    return vae.gan_discriminator_loss_exam(d_real, d_fake)


def gan_discriminator_loss_one_mean_over_both_batches(d_real, d_fake):
    n = len(d_real) + len(d_fake)
    loss = -(np.log(d_real).sum() + np.log(1 - d_fake).sum()) / n
    return loss, -1 / (n * d_real), 1 / (n * (1 - d_fake))


def gan_discriminator_loss_fake_gradient_sign(d_real, d_fake):
    loss, dd_real, dd_fake = vae.gan_discriminator_loss(d_real, d_fake)
    return loss, dd_real, -dd_fake


def gan_discriminator_loss_gradients_not_averaged(d_real, d_fake):
    loss, _, _ = vae.gan_discriminator_loss(d_real, d_fake)
    return loss, -1 / d_real, 1 / (1 - d_fake)


def gan_discriminator_loss_maximised(d_real, d_fake):
    """The value function V(D, G) that the discriminator maximises, instead of the loss it minimises."""
    loss, dd_real, dd_fake = vae.gan_discriminator_loss(d_real, d_fake)
    return -loss, -dd_real, -dd_fake


# ===================================================================================================

CORRECT = {
    "affine_forward": [affine_forward_ok],
    "affine_backward": [affine_backward_ok],
    "relu_forward": [relu_forward_ok],
    "relu_backward": [relu_backward_ok],
    "swish_forward": [swish_forward_ok],
    "swish_backward": [swish_backward_ok],
    "softmax_loss": [softmax_loss_ok, softmax_loss_logsumexp],
    "two_layer_net_loss": [two_layer_net_loss_ok],
    "predict": [predict_ok],
    "train_sgd": [train_sgd_ok, train_sgd_other_sampler],
    "sgd": [sgd_ok],
    "sgd_momentum": [sgd_momentum_ok],
    "rmsprop": [rmsprop_ok],
    "adam": [adam_ok],
    "dropout_forward": [dropout_forward_ok],
    "dropout_backward": [dropout_backward_ok],
    "fc_net_loss": [fc_net_loss_ok, fc_net_loss_dropout_before_relu, fc_net_loss_recursive],
    "sgd_mean_objective": [sgd_mean_objective_ok, sgd_mean_objective_cumsum],
    "collapse_linear": [collapse_linear_ok, collapse_linear_recursive, collapse_linear_by_probing],
    "xor_weights": [xor_weights_hidden_units_swapped_as_lists, xor_weights_other_slopes],
    "conv2d": [conv2d_ok, conv2d_sum_of_shifted_copies, conv2d_sliding_window_view],
    "multiplication_counts": [multiplication_counts_ok, multiplication_counts_by_convolving_ones],
    "diagonal_loss_gradients": [diagonal_loss_gradients_ok, diagonal_loss_gradients_chain_rule_by_hand],
    "conv_output_size": [conv_output_size_divmod, conv_output_size_counting_windows],
    "conv_param_count": [conv_param_count_ok, conv_param_count_np_prod],
    "conv_forward_naive": [conv_forward_naive_four_loops, conv_forward_naive_im2col],
    "conv_backward_naive": [conv_backward_naive_four_loops, conv_backward_naive_im2col],
    "max_pool_forward_naive": [max_pool_forward_naive_loops, max_pool_forward_naive_over_window_offsets],
    "max_pool_backward_naive": [max_pool_backward_naive_argmax_unravel_index,
                                max_pool_backward_naive_over_window_offsets],
    "batchnorm_forward": [batchnorm_forward_np_var, batchnorm_forward_setdefault_in_place],
    "batchnorm_backward": [batchnorm_backward_staged_ok, batchnorm_backward_paper, batchnorm_backward_jacobian],
    "batchnorm_backward_alt": [batchnorm_backward_alt_as_written, batchnorm_backward_alt_with_means],
    "batchnorm_backward_seed": [batchnorm_backward_seed_equations, batchnorm_backward_seed_from_x_hat],
    "kl_divergence": [kl_divergence_textbook, kl_divergence_kingma],
    "kl_divergence_backward": [kl_divergence_backward_ok],
    "kl_monte_carlo": [kl_monte_carlo_all_rows_at_once, kl_monte_carlo_shared_draws],
    "reparameterize": [reparameterize_sqrt_of_variance],
    "reparameterize_backward": [reparameterize_backward_ok],
    "vae_loss": [vae_loss_ok],
    "gan_discriminator_loss": [gan_discriminator_loss_ok],
}

BUGS = {
    "affine_forward": [affine_forward_without_reshape, affine_forward_without_bias, affine_forward_without_cache],
    "affine_backward": [affine_backward_db_over_axis_1, affine_backward_dx_not_reshaped,
                        affine_backward_dw_without_reshape, affine_backward_dw_transposed, affine_backward_db_mean],
    "relu_forward": [relu_forward_in_place, relu_forward_np_max],
    "relu_backward": [relu_backward_times_relu, relu_backward_mask_includes_zero, relu_backward_mask_only,
                      relu_backward_in_place],
    "swish_forward": [swish_forward_sigma_of_minus_x, swish_forward_sigma_only],
    "swish_backward": [swish_backward_sigma_only, swish_backward_seed_formula_without_last_term,
                       swish_backward_h_and_s_mixed_up],
    "softmax_loss": [softmax_loss_without_max_subtraction, softmax_loss_dscores_without_1_over_N,
                     softmax_loss_summed, softmax_loss_wrong_axis, softmax_loss_without_onehot],
    "two_layer_net_loss": [two_layer_net_loss_reg_without_half, two_layer_net_loss_no_reg_in_grads,
                           two_layer_net_loss_biases_regularised, two_layer_net_loss_probabilities_when_y_is_none,
                           two_layer_net_loss_ignores_activation, two_layer_net_loss_reg_only_W1,
                           two_layer_net_loss_softmax_without_max_subtraction],
    "predict": [predict_argmax_axis_0, predict_returns_scores, predict_flat_argmax],
    "train_sgd": [train_sgd_plus_equals, train_sgd_decay_every_iteration, train_sgd_no_decay,
                  train_sgd_separate_indices_for_X_and_y, train_sgd_same_batch_every_iteration,
                  train_sgd_not_recording_losses, train_sgd_rebinding_params, train_sgd_epoch_boundary_off_by_one,
                  train_sgd_epoch_length_zero_for_large_batches],
    "sgd": [sgd_in_place, sgd_ascent],
    "sgd_momentum": [sgd_momentum_sign_flipped, sgd_momentum_velocity_not_stored],
    "rmsprop": [rmsprop_cache_not_updated, rmsprop_epsilon_inside_sqrt],
    "adam": [adam_without_bias_correction, adam_t_not_stored],
    "dropout_forward": [dropout_forward_not_inverted, dropout_forward_p_as_drop_probability,
                        dropout_forward_also_in_test_mode],
    "dropout_backward": [dropout_backward_ignores_mask, dropout_backward_mask_without_scaling],
    "fc_net_loss": [fc_net_loss_reg_without_half, fc_net_loss_biases_regularised, fc_net_loss_reg_only_last_W,
                    fc_net_loss_relu_after_last_layer, fc_net_loss_hard_coded_two_layers,
                    fc_net_loss_dropout_at_test_time, fc_net_loss_dropout_after_last_affine,
                    fc_net_loss_mask_not_in_backward, fc_net_loss_probabilities_when_y_is_none,
                    fc_net_loss_softmax_without_max_subtraction],
    "sgd_mean_objective": [sgd_mean_objective_constant_step, sgd_mean_objective_step_off_by_one,
                           sgd_mean_objective_final_w_only, sgd_mean_objective_row_0_zeros,
                           sgd_mean_objective_in_place, sgd_mean_objective_without_w0],
    "collapse_linear": [collapse_linear_last_bias_only, collapse_linear_biases_summed, collapse_linear_transposed,
                        collapse_linear_last_bias_missing],
    "xor_weights": [xor_weights_as_published, xor_weights_w2_as_a_column, xor_weights_W1_transposed,
                    xor_weights_computing_or],
    "conv2d": [conv2d_kernel_flipped, conv2d_same_padding],
    "multiplication_counts": [multiplication_counts_stride_ignored, multiplication_counts_padding_zeros_counted],
    "diagonal_loss_gradients": [diagonal_loss_gradients_exam_shortcut, diagonal_loss_gradients_without_factor_2,
                                diagonal_loss_gradients_every_entry_of_B,
                                diagonal_loss_gradients_dA_kernel_not_flipped],
    "conv_output_size": [conv_output_size_true_division, conv_output_size_floor_without_check,
                         conv_output_size_pad_counted_once],
    "conv_param_count": [conv_param_count_biases_forgotten, conv_param_count_channels_forgotten,
                         conv_param_count_bias_per_channel],
    "conv_forward_naive": [conv_forward_naive_kernel_flipped, conv_forward_naive_padding_on_one_side,
                           conv_forward_naive_stride_ignored_in_windows, conv_forward_naive_without_bias,
                           conv_forward_naive_bias_on_last_axis, conv_forward_naive_output_size_without_pad],
    "conv_backward_naive": [conv_backward_naive_dx_assigned_not_accumulated,
                            conv_backward_naive_dw_not_summed_over_batch, conv_backward_naive_dx_with_padding,
                            conv_backward_naive_padding_cut_with_negative_end,
                            conv_backward_naive_db_over_wrong_axes, conv_backward_naive_dw_from_unpadded_x],
    "max_pool_forward_naive": [max_pool_forward_naive_stepping_by_pool_size, max_pool_forward_naive_mean],
    "max_pool_backward_naive": [max_pool_backward_naive_to_every_maximum,
                                max_pool_backward_naive_to_the_last_maximum,
                                max_pool_backward_naive_assigned_not_accumulated,
                                max_pool_backward_naive_spread_over_the_window],
    "batchnorm_forward": [batchnorm_forward_unbiased_variance, batchnorm_forward_eps_outside_sqrt,
                          batchnorm_forward_running_averages_not_stored, batchnorm_forward_momentum_weights_swapped,
                          batchnorm_forward_batch_statistics_in_test_mode,
                          batchnorm_forward_running_averages_updated_in_test_mode, batchnorm_forward_over_axis_1,
                          batchnorm_forward_running_var_starts_at_zero, batchnorm_forward_centring_x_in_place,
                          batchnorm_forward_momentum_hard_coded, batchnorm_forward_no_eps_in_test_mode],
    "batchnorm_backward": [batchnorm_backward_no_mean_path, batchnorm_backward_seed_formula,
                           batchnorm_backward_no_variance_path, batchnorm_backward_dgamma_dbeta_not_summed,
                           batchnorm_backward_dbeta_times_x_hat, batchnorm_backward_variance_without_1_over_N],
    "batchnorm_backward_alt": [batchnorm_backward_alt_without_the_sums, batchnorm_backward_alt_without_the_mean_sum,
                               batchnorm_backward_alt_std_for_inv_std],
    "batchnorm_backward_seed": [batchnorm_backward_seed_correct_gradient, batchnorm_backward_seed_unsummed],
    "kl_divergence": [kl_divergence_log_of_sigma_squared, kl_divergence_seed_sign, kl_divergence_batch_mean,
                      kl_divergence_sigma_for_variance, kl_divergence_without_half, kl_divergence_over_axis_0],
    "kl_divergence_backward": [kl_divergence_backward_without_minus_one, kl_divergence_backward_without_half,
                               kl_divergence_backward_dout_ignored, kl_divergence_backward_dout_not_broadcast,
                               kl_divergence_backward_two_mu],
    "kl_monte_carlo": [kl_monte_carlo_log_p_minus_log_q, kl_monte_carlo_sigma_is_variance,
                       kl_monte_carlo_mean_over_dims, kl_monte_carlo_no_sqrt_n, kl_monte_carlo_closed_form],
    "reparameterize": [reparameterize_variance_for_sigma, reparameterize_logvar_as_sigma, reparameterize_without_eps],
    "reparameterize_backward": [reparameterize_backward_without_half, reparameterize_backward_gradient_wrt_sigma,
                                reparameterize_backward_dmu_times_sigma],
    "vae_loss": [vae_loss_no_kl_gradient, vae_loss_only_the_mu_head_into_h, vae_loss_beta_on_reconstruction,
                 vae_loss_kl_gradient_not_averaged, vae_loss_reconstruction_gradient_not_averaged,
                 vae_loss_no_path_through_eps, vae_loss_summed_over_the_batch],
    "gan_discriminator_loss": [gan_discriminator_loss_as_the_exam, gan_discriminator_loss_one_mean_over_both_batches,
                               gan_discriminator_loss_fake_gradient_sign, gan_discriminator_loss_gradients_not_averaged,
                               gan_discriminator_loss_maximised],
}

def cases(table):
    return [pytest.param(name, fn, id=fn.__name__) for name in sorted(table) for fn in table[name]]


class Recorder:
    """Wraps a student function and keeps a copy of the arguments of every call, taken before the call."""

    def __init__(self, fn):
        self.fn, self.calls = fn, []

    def __call__(self, *args, **kwargs):
        self.calls.append(copy.deepcopy((args, kwargs)))
        return self.fn(*args, **kwargs)


def numbers(obj):
    """Every float in a (nested) result: arrays, scalars, tuples, lists, dicts; other objects are skipped."""
    if isinstance(obj, np.ndarray) and np.issubdtype(obj.dtype, np.number):
        return [float(v) for v in obj.ravel()]
    if isinstance(obj, (float, np.floating)):
        return [float(obj)]
    if isinstance(obj, (tuple, list)):
        return [v for item in obj for v in numbers(item)]
    if isinstance(obj, dict):
        return [v for key in obj for v in numbers(obj[key])]
    return []


def expected_values(name, recorder):
    """What the reference returns on the inputs the student was given (and, for train_sgd, the trained
    parameters): the numbers a failure message must not give away. An input on which the reference raises
    ValueError (conv_output_size on windows that do not fit) has no expected value to give away."""
    values = []
    for args, kwargs in recorder.calls:
        args, kwargs = copy.deepcopy((args, kwargs))
        try:
            values += numbers(REFERENCE[name](*args, **kwargs))
        except ValueError:
            continue
        if name == "train_sgd":
            values += numbers(args[1])
        if name == "batchnorm_forward":  # the running averages the reference stored
            values += numbers(args[3])
    return values


FLOAT_TOKEN = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?|(?<![\w.])\d+[eE][-+]?\d+")


def significant_digits(token):
    mantissa = re.split("[eE]", token)[0].lstrip("+-")
    return len(mantissa.replace(".", "").lstrip("0"))


def assert_gives_nothing_away(message, values):
    # Only error sizes are printed with 3 significant digits; anything else (a description's "reg=0.3")
    # has at most 2. A printed expected value or array would show up here with 4 or more.
    for match in FLOAT_TOKEN.finditer(message):
        if significant_digits(match.group()) > 2:
            assert message[:match.start()].endswith("error "), f"number {match.group()!r} in: {message}"
    for v in values:
        if not np.isfinite(v):
            continue
        for text in {repr(v), str(v), f"{v:.4e}", f"{v:.5g}", f"{v:.6g}", f"{v:.6f}", f"{v:.8f}"}:
            # short renderings ("0.5", "1") match by chance; four digits and more do not
            if significant_digits(text) >= 4:
                assert text not in message, f"expected value {v!r} shown as {text!r} in: {message}"


def test_every_graded_function_has_correct_and_buggy_solutions_here():
    assert set(grading.SPECS) == set(REFERENCE) == set(CORRECT) == set(BUGS)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_reference_passes(name, capsys):
    grading.check(name, REFERENCE[name])
    assert capsys.readouterr().out.strip() == f"{name}: all hidden cases passed"


@pytest.mark.parametrize("name, student_fn", cases(CORRECT))
def test_correct_alternative_solutions_pass(name, student_fn):
    grading.check(name, student_fn)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow in the unshifted softmax, on purpose
@pytest.mark.parametrize("name, student_fn", cases(BUGS))
def test_buggy_solutions_fail_with_a_message_that_gives_nothing_away(name, student_fn):
    recorder = Recorder(student_fn)
    with pytest.raises(AssertionError) as failure:
        grading.check(name, recorder)
    message = str(failure.value)
    assert name in message
    assert recorder.calls, "the check never called the student's function"
    assert_gives_nothing_away(message, expected_values(name, recorder))


def test_a_crash_names_the_hidden_case():
    pattern = r"affine_forward, hidden case \d of \d \(x \(4, 2, 3\).*raised ValueError"
    with pytest.raises(AssertionError, match=pattern):
        grading.check("affine_forward", affine_forward_without_reshape)


def test_an_argument_modified_in_place_is_reported():
    with pytest.raises(AssertionError, match="argument 1 was modified in place"):
        grading.check("relu_forward", relu_forward_in_place)


def test_nan_is_reported_as_such():
    with np.errstate(over="ignore", invalid="ignore"):
        with pytest.raises(AssertionError, match="large logits.*inf or nan"):
            grading.check("softmax_loss", softmax_loss_without_max_subtraction)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_unanswered_stub_propagates_not_implemented_error(name):
    def stub(*args, **kwargs):
        # YOUR CODE HERE
        raise NotImplementedError()
    with pytest.raises(NotImplementedError):
        grading.check(name, stub)


def test_unknown_name_raises_key_error():
    with pytest.raises(KeyError, match="relu_fwd"):
        grading.check("relu_fwd", layers.relu_forward)


def test_a_non_function_fails():
    with pytest.raises(AssertionError, match="relu_forward: expected a function"):
        grading.check("relu_forward", None)


class InProcessHarness:
    """coursetools' harness in this process: the function gets decoded copies of the arguments, and the
    result and the arguments as the call left them come back encoded, as from the harness process."""

    def __init__(self, fn):
        self.fn = fn

    def call(self, name, args, kwargs):
        args, kwargs = decode(json.loads(json.dumps(encode((args, kwargs)))))
        result = self.fn(*args, **kwargs)
        return decode(json.loads(json.dumps(encode((result, args, kwargs)))))


@pytest.mark.parametrize("student_fn, passes", [
    (batchnorm.batchnorm_forward, True), (batchnorm_forward_setdefault_in_place, True),
    (batchnorm_forward_running_averages_not_stored, False), (batchnorm_forward_momentum_weights_swapped, False),
    (batchnorm_forward_running_averages_updated_in_test_mode, False),
], ids=lambda value: getattr(value, "__name__", str(value)))
def test_batchnorm_forward_state_is_graded_through_the_harness(student_fn, passes):
    """The running averages the student's function stores in bn_param reach the spec through
    RemoteFunction's copy-back, whether the function assigns new arrays or updates the old ones in place."""
    remote = RemoteFunction(InProcessHarness(student_fn), "batchnorm_forward")
    if passes:
        grading.check("batchnorm_forward", remote)
    else:
        with pytest.raises(AssertionError, match="bn_param"):
            grading.check("batchnorm_forward", remote)


def test_the_assertion_check_can_fail():
    """assert_gives_nothing_away must catch a message that prints an expected value."""
    value = 2.302585092994046
    with pytest.raises(AssertionError):
        assert_gives_nothing_away(f"softmax_loss: loss is 2.1, expected {value}", [value])
    with pytest.raises(AssertionError):
        assert_gives_nothing_away(f"softmax_loss: loss is wrong, expected {value:.4f}", [])
    assert_gives_nothing_away("softmax_loss, hidden case 1 of 5 (scores (5, 3), reg=0.3): loss is wrong: "
                              "largest absolute error 1.23e-01, largest relative error 4.56e-02", [value])
