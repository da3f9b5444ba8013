"""nclib.models: the two-layer net's loss and gradients (numerical gradients, float64, relative error < 1e-7),
its regularisation, predict, and the SGD loop (history, decay schedule, determinism, in-place updates),
ending with one training run on the digits."""
import math

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from nclib.data import load_digits
from nclib.gradcheck import eval_numerical_gradient, rel_error
from nclib.losses import softmax_loss
from nclib.models import RowRNN, TwoLayerNet, predict, train_sgd, two_layer_net_loss
from nclib.rnn import clip_gradients

GRAD_TOL = 1e-7
PARAM_NAMES = ("W1", "b1", "W2", "b2")


@pytest.fixture(scope="module", autouse=True)
def one_blas_thread():
    """The matrices here have at most a few hundred rows: BLAS threads only add overhead, and with
    pytest-xdist on a 2-core machine the workers' thread pools fight over the cores (the digits run
    below measured 1 s with one thread, 2-40 s without the limit on a busy machine)."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def make_problem(N=5, D=4, H=6, C=3, seed=0):
    rng = np.random.default_rng(seed)
    params = {"W1": rng.standard_normal((D, H)) / np.sqrt(D), "b1": 0.1 * rng.standard_normal(H),
              "W2": rng.standard_normal((H, C)) / np.sqrt(H), "b2": 0.1 * rng.standard_normal(C)}
    return params, rng.standard_normal((N, D)), rng.integers(C, size=N)


def hidden_preactivations(params, X):
    return X @ params["W1"] + params["b1"]


def scores_by_hand(params, X, activation):
    z = hidden_preactivations(params, X)
    h = np.maximum(z, 0) if activation == "relu" else z / (1 + np.exp(-z))
    return h @ params["W2"] + params["b2"]


# ---------------------------------------------------------------------------------------------------
# two_layer_net_loss

@pytest.mark.parametrize("activation", ["relu", "swish"])
@pytest.mark.parametrize("reg", [0.0, 0.7])
@pytest.mark.parametrize("N, D, H, C, seed", [(5, 4, 6, 3, 0), (1, 3, 4, 2, 1), (8, 6, 5, 4, 2)])
def test_two_layer_net_gradients_match_numerical_gradients(activation, reg, N, D, H, C, seed):
    params, X, y = make_problem(N, D, H, C, seed)
    if activation == "relu":
        # a step of h = 1e-5 in any parameter moves a pre-activation by far less than this: no kink is crossed
        assert np.abs(hidden_preactivations(params, X)).min() > 1e-3
    loss, grads = two_layer_net_loss(params, X, y, reg=reg, activation=activation)
    assert isinstance(loss, float)
    assert set(grads) == set(PARAM_NAMES)
    for name in PARAM_NAMES:
        assert grads[name].shape == params[name].shape
        numeric = eval_numerical_gradient(
            lambda _: two_layer_net_loss(params, X, y, reg=reg, activation=activation)[0], params[name])
        assert rel_error(grads[name], numeric) < GRAD_TOL, name


@pytest.mark.parametrize("activation", ["relu", "swish"])
def test_two_layer_net_scores_when_y_is_none(activation):
    params, X, _ = make_problem(N=7, seed=3)
    scores = two_layer_net_loss(params, X, activation=activation)
    np.testing.assert_allclose(scores, scores_by_hand(params, X, activation), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("activation", ["relu", "swish"])
def test_two_layer_net_data_loss_is_softmax_of_the_scores(activation):
    params, X, y = make_problem(N=6, seed=4)
    loss, _ = two_layer_net_loss(params, X, y, activation=activation)
    assert loss == pytest.approx(softmax_loss(scores_by_hand(params, X, activation), y)[0], rel=1e-13)


@pytest.mark.parametrize("reg", [0.1, 2.5])
def test_regularisation_is_half_reg_sum_of_squared_weights(reg):
    params, X, y = make_problem(N=6, seed=5)
    loss0, grads0 = two_layer_net_loss(params, X, y, reg=0.0)
    loss, grads = two_layer_net_loss(params, X, y, reg=reg)
    term = 0.5 * reg * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))
    assert loss - loss0 == pytest.approx(term, rel=1e-12)
    for name in ("W1", "W2"):
        np.testing.assert_allclose(grads[name] - grads0[name], reg * params[name], rtol=1e-12, atol=1e-15)
    for name in ("b1", "b2"):  # biases are not regularised
        np.testing.assert_array_equal(grads[name], grads0[name])


def test_two_layer_net_loss_leaves_params_and_inputs_alone():
    params, X, y = make_problem(seed=6)
    before = {k: v.copy() for k, v in params.items()}
    X_before = X.copy()
    two_layer_net_loss(params, X, y, reg=0.3)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
    np.testing.assert_array_equal(X, X_before)


@pytest.mark.parametrize("activation", ["ReLU", "softplus", ""])
def test_unknown_activation_raises(activation):
    params, X, y = make_problem()
    with pytest.raises(ValueError, match="activation"):
        two_layer_net_loss(params, X, y, activation=activation)
    with pytest.raises(ValueError, match="activation"):
        TwoLayerNet(4, 6, 3, activation=activation)


def test_predict_is_the_argmax_of_the_scores():
    W = np.array([[1.0, 0.0, -1.0], [0.0, 2.0, 0.5]])

    def loss_fn(params, X, y=None):
        assert y is None
        return X @ params["W"]

    X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 1.0], [-3.0, -1.0]])
    labels = predict(loss_fn, {"W": W}, X)
    np.testing.assert_array_equal(labels, [0, 1, 1, 2])  # scores [1,0,-1], [0,2,.5], [-1,2,1.5], [-3,-2,2.5]
    assert np.issubdtype(labels.dtype, np.integer)


# ---------------------------------------------------------------------------------------------------
# TwoLayerNet

def test_two_layer_net_parameters():
    net = TwoLayerNet(64, 30, 10, weight_scale=0.01, seed=3)
    assert {k: v.shape for k, v in net.params.items()} == {"W1": (64, 30), "b1": (30,), "W2": (30, 10), "b2": (10,)}
    np.testing.assert_array_equal(net.params["b1"], 0.0)
    np.testing.assert_array_equal(net.params["b2"], 0.0)
    assert net.params["W1"].std() == pytest.approx(0.01, rel=0.1)
    he = TwoLayerNet(64, 30, 10)  # He scaling by default: std sqrt(2 / fan_in)
    assert he.params["W1"].std() == pytest.approx(math.sqrt(2 / 64), rel=0.1)
    assert he.params["W2"].std() == pytest.approx(math.sqrt(2 / 30), rel=0.15)


def test_two_layer_net_seed():
    a, b, c = TwoLayerNet(5, 4, 3, seed=1), TwoLayerNet(5, 4, 3, seed=1), TwoLayerNet(5, 4, 3, seed=2)
    np.testing.assert_array_equal(a.params["W1"], b.params["W1"])
    assert not np.array_equal(a.params["W1"], c.params["W1"])


@pytest.mark.parametrize("activation, reg", [("relu", 0.0), ("swish", 0.4)])
def test_two_layer_net_loss_is_the_function(activation, reg):
    net = TwoLayerNet(4, 6, 3, activation=activation, reg=reg, seed=7)
    _, X, y = make_problem(seed=7)
    loss, grads = net.loss(X, y)
    expected_loss, expected_grads = two_layer_net_loss(net.params, X, y, reg, activation)
    assert loss == expected_loss
    for name in PARAM_NAMES:
        np.testing.assert_array_equal(grads[name], expected_grads[name])
    np.testing.assert_allclose(net.loss(X), scores_by_hand(net.params, X, activation), rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(net.predict(X), np.argmax(net.loss(X), axis=1))


@pytest.mark.parametrize("activation", ["relu", "swish"])
def test_initial_loss_is_log_C_with_small_weights(digits, activation):
    net = TwoLayerNet(64, 50, 10, activation=activation, weight_scale=1e-3)
    loss, _ = net.loss(digits["X_train"][:200], digits["y_train"][:200])
    assert loss == pytest.approx(math.log(10), abs=1e-3)


@pytest.mark.parametrize("activation", ["relu", "swish"])
def test_two_layer_net_overfits_twenty_examples(digits, activation):
    X, y = digits["X_train"][:20], digits["y_train"][:20]
    net = TwoLayerNet(64, 50, 10, activation=activation, seed=0)
    history = net.train(X, y, X, y, learning_rate=0.5, learning_rate_decay=1.0, num_iters=100, batch_size=20)
    assert history["train_acc_history"][-1] == 1.0
    np.testing.assert_array_equal(net.predict(X), y)
    assert history["loss_history"][-1] < 0.05 < history["loss_history"][0]


# ---------------------------------------------------------------------------------------------------
# train_sgd, with a stand-in loss whose gradient is constant: the final parameters follow from the
# learning-rate schedule alone

class ConstantGradientLoss:
    def __init__(self, X, y, gradient):
        self.X, self.y, self.gradient = X, y, gradient
        self.batches = []

    def __call__(self, params, X, y=None):
        if y is None:
            return X @ params["W"]
        rows = X[:, 0].astype(int)
        assert np.array_equal(self.X[rows], X) and np.array_equal(self.y[rows], y)
        self.batches.append(rows)
        return float(len(self.batches)), {"W": self.gradient.copy()}


def constant_gradient_problem(N, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.arange(N), rng.standard_normal((N, 2))])  # column 0 names the row
    y = rng.integers(3, size=N)
    loss = ConstantGradientLoss(X, y, rng.standard_normal((3, 3)))
    return loss, {"W": rng.standard_normal((3, 3))}, X, y


@pytest.mark.parametrize("N, batch_size, num_iters, epochs", [
    (10, 3, 7, 2),      # epoch of 3 iterations
    (50, 10, 23, 4),
    (30, 7, 4, 1),
    (100, 100, 5, 5),   # one iteration per epoch
    (12, 20, 7, 7),     # batch larger than the data: still one iteration per epoch
])
def test_train_sgd_history_lengths(N, batch_size, num_iters, epochs):
    loss, params, X, y = constant_gradient_problem(N)
    history = train_sgd(loss, params, X, y, X[:5], y[:5], num_iters=num_iters, batch_size=batch_size)
    assert epochs == num_iters // max(N // batch_size, 1)
    assert history["loss_history"] == [float(i) for i in range(1, num_iters + 1)]
    assert len(history["train_acc_history"]) == len(history["val_acc_history"]) == epochs
    assert all(len(rows) == batch_size for rows in loss.batches)


def test_train_sgd_records_accuracies_at_the_end_of_each_epoch():
    loss, params, X, y = constant_gradient_problem(10, seed=1)
    W0 = params["W"].copy()
    X_val, y_val = X[:4], y[:4]
    history = train_sgd(loss, params, X, y, X_val, y_val, learning_rate=0.2, learning_rate_decay=0.5,
                        num_iters=7, batch_size=3)
    for epoch, steps in enumerate([0.2 * 3, 0.2 * 3 + 0.1 * 3]):
        W = W0 - steps * loss.gradient
        assert history["train_acc_history"][epoch] == np.mean(np.argmax(X @ W, axis=1) == y)
        assert history["val_acc_history"][epoch] == np.mean(np.argmax(X_val @ W, axis=1) == y_val)


@pytest.mark.parametrize("decay", [0.5, 0.9, 1.0])
def test_train_sgd_decays_the_learning_rate_once_per_epoch(decay):
    loss, params, X, y = constant_gradient_problem(10, seed=2)
    W0 = params["W"].copy()
    train_sgd(loss, params, X, y, X, y, learning_rate=0.3, learning_rate_decay=decay, num_iters=7, batch_size=3)
    # 3 steps at 0.3, 3 at 0.3 * decay, 1 at 0.3 * decay^2
    total_rate = 0.3 * (3 + 3 * decay + decay ** 2)
    np.testing.assert_allclose(params["W"], W0 - total_rate * loss.gradient, rtol=1e-12, atol=1e-14)


def test_train_sgd_draws_the_documented_batches():
    loss, params, X, y = constant_gradient_problem(30, seed=3)
    train_sgd(loss, params, X, y, X, y, num_iters=6, batch_size=4, seed=11)
    rng = np.random.default_rng(11)
    expected = [rng.choice(30, 4, replace=True) for _ in range(6)]
    np.testing.assert_array_equal(np.array(loss.batches), np.array(expected))


def test_train_sgd_accepts_a_generator():
    runs = []
    for _ in range(2):
        loss, params, X, y = constant_gradient_problem(30, seed=3)
        train_sgd(loss, params, X, y, X, y, num_iters=3, batch_size=4, seed=np.random.default_rng(5))
        runs.append(np.array(loss.batches))
    np.testing.assert_array_equal(runs[0], runs[1])


def test_train_sgd_updates_params_in_place():
    net = TwoLayerNet(4, 6, 3, seed=0)
    _, X, y = make_problem(N=20, seed=8)
    arrays = dict(net.params)
    before = {k: v.copy() for k, v in net.params.items()}
    net.train(X, y, X, y, num_iters=5, batch_size=5)
    for name in PARAM_NAMES:
        assert net.params[name] is arrays[name]
        assert not np.array_equal(net.params[name], before[name]), name


def test_train_sgd_is_deterministic_for_a_seed(digits):
    X, y, X_val, y_val = digits["X_train"][:300], digits["y_train"][:300], digits["X_val"], digits["y_val"]
    options = dict(learning_rate=0.2, num_iters=60, batch_size=50)
    results = []
    for seed in (4, 4, 5):
        net = TwoLayerNet(64, 20, 10, activation="swish", seed=0)
        results.append((net.train(X, y, X_val, y_val, seed=seed, **options), net.params))
    (h1, p1), (h2, p2), (h3, p3) = results
    assert h1 == h2
    for name in PARAM_NAMES:
        np.testing.assert_array_equal(p1[name], p2[name])
    assert h1["loss_history"] != h3["loss_history"]
    assert not np.array_equal(p1["W1"], p3["W1"])


def test_train_sgd_verbose_prints_every_100_iterations(capsys):
    loss, params, X, y = constant_gradient_problem(10)
    train_sgd(loss, params, X, y, X, y, num_iters=250, batch_size=5, verbose=True, learning_rate=1e-6)
    assert len(capsys.readouterr().out.strip().splitlines()) == 3
    train_sgd(loss, params, X, y, X, y, num_iters=250, batch_size=5, learning_rate=1e-6)
    assert capsys.readouterr().out == ""


def test_train_sgd_returns_floats():
    net = TwoLayerNet(4, 6, 3, seed=0)
    _, X, y = make_problem(N=20, seed=9)
    history = net.train(X, y, X, y, num_iters=8, batch_size=5)
    assert set(history) == {"loss_history", "train_acc_history", "val_acc_history"}
    assert all(isinstance(v, float) for values in history.values() for v in values)


# ---------------------------------------------------------------------------------------------------
# the course's training run (about 1-2 s single-threaded)

@pytest.mark.slow
def test_two_layer_net_reaches_97_percent_on_digits(digits):
    # the final model of the two_layer_net notebook
    net = TwoLayerNet(64, 128, 10, reg=3e-3)
    history = net.train(digits["X_train"], digits["y_train"], digits["X_val"], digits["y_val"],
                        learning_rate=0.2, learning_rate_decay=0.995, num_iters=4000, batch_size=100)
    assert len(history["val_acc_history"]) == 4000 // (1257 // 100)
    test_accuracy = np.mean(net.predict(digits["X_test"]) == digits["y_test"])
    assert test_accuracy >= 0.97, test_accuracy


@pytest.mark.parametrize("cell, first_step, max_norm", [("rnn", 0, None), ("rnn", 2, None), ("lstm", 1, None),
                                                        ("rnn", 0, 1e-3)])
def test_row_rnn_gradients_are_numerical(cell, first_step, max_norm):
    """RowRNN's gradients of its masked loss (steps before first_step not judged), clipped if max_norm is given."""
    options = dict(hidden_dim=4, num_classes=3, row_dim=2, num_rows=3, cell=cell, first_step=first_step, seed=1)
    net, unclipped = RowRNN(max_norm=max_norm, **options), RowRNN(**options)
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((5, 6)), rng.integers(3, size=5)
    assert net.loss(X).shape == (5, 3) and net.step_scores(X).shape == (5, 3, 3)
    np.testing.assert_allclose(net.loss(X), net.step_scores(X)[:, -1])
    _, grads = net.loss(X, y)
    numerical = {}
    for name, value in unclipped.params.items():
        def loss_of(w):
            unclipped.params[name] = w
            return unclipped.loss(X, y)[0]
        numerical[name] = eval_numerical_gradient(loss_of, value.copy())
        unclipped.params[name] = value
    if max_norm is not None:
        numerical = clip_gradients(numerical, max_norm)[0]
    for name in net.params:
        assert rel_error(grads[name], numerical[name]) < 1e-7, name


@pytest.mark.parametrize("options, match", [({"cell": "gru"}, "cell"), ({"first_step": 8}, "first_step"),
                                            ({"max_norm": 0}, "max_norm"), ({"hidden_dim": 0}, "hidden_dim")])
def test_row_rnn_rejects_bad_arguments(options, match):
    with pytest.raises(ValueError, match=match):
        RowRNN(**options)
