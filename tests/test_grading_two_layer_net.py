"""nclib.grading's specs of the two_layer_net assignment: the reference and correct alternative solutions pass;
realistic student bugs fail with an AssertionError that names the function and never shows an expected value.
"""
import numpy as np
import pytest

from grading_support import GradedFunctionTests
from nclib import grading, models
from nclib.grading import two_layer_net


def naive_sigmoid(x):
    return 1 / (1 + np.exp(-x))


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
    "softmax_loss": [softmax_loss_without_max_subtraction, softmax_loss_dscores_without_1_over_N, softmax_loss_summed,
                     softmax_loss_wrong_axis, softmax_loss_without_onehot],
    "two_layer_net_loss": [two_layer_net_loss_reg_without_half, two_layer_net_loss_no_reg_in_grads,
                           two_layer_net_loss_biases_regularised, two_layer_net_loss_probabilities_when_y_is_none,
                           two_layer_net_loss_ignores_activation, two_layer_net_loss_reg_only_W1,
                           two_layer_net_loss_softmax_without_max_subtraction],
    "predict": [predict_argmax_axis_0, predict_returns_scores, predict_flat_argmax],
    "train_sgd": [train_sgd_plus_equals, train_sgd_decay_every_iteration, train_sgd_no_decay,
                  train_sgd_separate_indices_for_X_and_y, train_sgd_same_batch_every_iteration,
                  train_sgd_not_recording_losses, train_sgd_rebinding_params, train_sgd_epoch_boundary_off_by_one,
                  train_sgd_epoch_length_zero_for_large_batches],
}


class TestTwoLayerNetSpecs(GradedFunctionTests):
    MODULE = two_layer_net
    CORRECT = CORRECT
    BUGS = BUGS


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
