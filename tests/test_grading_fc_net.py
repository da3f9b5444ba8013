"""nclib.grading's specs of the fc_net assignment: the reference and correct alternative solutions pass;
realistic student bugs fail with an AssertionError that names the function and never shows an expected value.
"""
import numpy as np

from grading_support import GradedFunctionTests
from nclib import layers, losses
from nclib.grading import fc_net
from test_grading_two_layer_net import student_softmax


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


# ===================================================================================================

CORRECT = {
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
}

BUGS = {
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
                           sgd_mean_objective_final_w_only, sgd_mean_objective_row_0_zeros, sgd_mean_objective_in_place,
                           sgd_mean_objective_without_w0],
    "collapse_linear": [collapse_linear_last_bias_only, collapse_linear_biases_summed, collapse_linear_transposed,
                        collapse_linear_last_bias_missing],
    "xor_weights": [xor_weights_as_published, xor_weights_w2_as_a_column, xor_weights_W1_transposed,
                    xor_weights_computing_or],
}


class TestFcNetSpecs(GradedFunctionTests):
    MODULE = fc_net
    CORRECT = CORRECT
    BUGS = BUGS
