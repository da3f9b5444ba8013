"""Dropout, FullyConnectedNet and fc_net_loss, the Solver, and the exam questions' helpers: collapse_linear,
the XOR network and SGD on the mean objective."""
import copy

import numpy as np
import pytest

from nclib import optim
from nclib.gradcheck import eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from nclib.init import init_fc_params
from nclib.layers import dropout_backward, dropout_forward
from nclib.losses import softmax_loss
from nclib.models import FullyConnectedNet, collapse_linear, fc_net_loss, xor_network, xor_weights
from nclib.solver import Solver


def test_dropout_keeps_the_expected_value_and_drops_one_minus_p():
    x = np.ones((500, 400))
    out, _ = dropout_forward(x, {"p": 0.7, "mode": "train", "seed": 0})
    assert abs(out.mean() - 1.0) < 0.01
    assert abs(np.mean(out == 0) - 0.3) < 0.01
    assert np.all((out == 0) | np.isclose(out, 1 / 0.7))


def test_dropout_is_the_identity_at_test_time():
    x = np.random.default_rng(0).standard_normal((4, 5))
    out, cache = dropout_forward(x, {"p": 0.3, "mode": "test", "seed": 0})
    np.testing.assert_array_equal(out, x)
    np.testing.assert_array_equal(dropout_backward(np.ones_like(x), cache), np.ones_like(x))


def test_dropout_seed_fixes_the_mask_and_a_generator_moves_on():
    x = np.ones((20, 20))
    assert np.array_equal(dropout_forward(x, {"p": 0.5, "seed": 3})[0], dropout_forward(x, {"p": 0.5, "seed": 3})[0])
    param = {"p": 0.5, "seed": np.random.default_rng(3)}
    assert not np.array_equal(dropout_forward(x, param)[0], dropout_forward(x, param)[0])


def test_dropout_backward_against_numerical_gradient():
    rng = np.random.default_rng(1)
    x, dout = rng.standard_normal((6, 7)), rng.standard_normal((6, 7))
    param = {"p": 0.6, "mode": "train", "seed": 5}
    dx = dropout_backward(dout, dropout_forward(x, param)[1])
    assert rel_error(dx, eval_numerical_gradient_array(lambda x: dropout_forward(x, param)[0], x, dout)) < 1e-9


@pytest.mark.parametrize("param", [{"p": 0.0}, {"p": 1.5}, {"p": 0.5, "mode": "eval"}])
def test_dropout_bad_parameters(param):
    with pytest.raises(ValueError):
        dropout_forward(np.ones(3), param)


@pytest.mark.parametrize("hidden_dims,reg,keep", [([8, 6], 0.0, 1.0), ([8, 6], 0.7, 1.0), ([7, 6, 5], 0.3, 1.0),
                                                  ([8, 6], 0.0, 0.5), ([], 0.2, 1.0)])
def test_fc_net_gradients(hidden_dims, reg, keep):
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((6, 5)), rng.integers(3, size=6)
    net = FullyConnectedNet(hidden_dims, 5, 3, dropout_keep_ratio=keep, reg=reg, weight_scale=0.7, seed=4,
                            dropout_seed=9)
    _, grads = net.loss(X, y)
    for name, value in net.params.items():
        numeric = eval_numerical_gradient(lambda _: net.loss(X, y)[0], value)
        # ReLU kinks allow a little more than the smooth layers' 1e-7
        assert rel_error(numeric, grads[name]) < 1e-6, name


def test_fc_net_regularisation_term_and_scores():
    net = FullyConnectedNet([4], 3, 2, reg=0.5, weight_scale=0.3, seed=0)
    X, y = np.ones((2, 3)), np.array([0, 1])
    scores = net.loss(X)
    assert scores.shape == (2, 2)
    net_free = FullyConnectedNet([4], 3, 2, reg=0.0, weight_scale=0.3, seed=0)
    penalty = 0.25 * sum(np.sum(net.params[k] ** 2) for k in ("W1", "W2"))
    assert net.loss(X, y)[0] == pytest.approx(net_free.loss(X, y)[0] + penalty, rel=1e-12)


def test_fc_net_initial_loss_is_log_c_and_test_mode_has_no_dropout():
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((50, 64)), rng.integers(10, size=50)
    net = FullyConnectedNet([100, 50], 64, 10, dropout_keep_ratio=0.5, weight_scale=1e-3, seed=0)
    assert net.loss(X, y)[0] == pytest.approx(np.log(10), abs=1e-3)
    np.testing.assert_array_equal(net.loss(X), net.loss(X))


@pytest.mark.parametrize("kwargs", [{"normalization": "groupnorm"}, {"dropout_keep_ratio": 0.0}])
def test_fc_net_bad_options(kwargs):
    with pytest.raises(ValueError):
        FullyConnectedNet([4], 3, 2, **kwargs)


# ---------------------------------------------------------------------------------------------------
# fc_net_loss

def layer_params(dims, seed=0, weight_scale=1.0, bias_scale=0.1):
    """W1, b1, ..., WL, bL for layer sizes dims = [D, H_1, ..., C], standard normal / sqrt(fan_in) weights."""
    rng = np.random.default_rng(seed)
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(dims[:-1], dims[1:]), start=1):
        params[f"W{i}"] = weight_scale * rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)
        params[f"b{i}"] = bias_scale * rng.standard_normal(fan_out)
    return params


def forward_by_hand(params, X, dropout_param=None):
    """(scores, hidden pre-activations) of {affine - relu - [dropout]} x (L - 1) - affine, the dropout mask
    being the documented (default_rng(seed).random(shape) < p) / p."""
    L = len(params) // 2
    h, pre = X, []
    for i in range(1, L):
        z = h @ params[f"W{i}"] + params[f"b{i}"]
        pre.append(z)
        h = np.maximum(z, 0)
        if dropout_param is not None:
            p = dropout_param["p"]
            h = h * (np.random.default_rng(dropout_param["seed"]).random(h.shape) < p) / p
    return h @ params[f"W{L}"] + params[f"b{L}"], pre


DEPTHS = {0: [5, 3], 1: [5, 7, 3], 2: [5, 7, 6, 3], 3: [5, 7, 6, 4, 3]}  # hidden layers: layer sizes


@pytest.mark.parametrize("dropout", [None, {"p": 0.6, "seed": 7}], ids=["no_dropout", "dropout"])
@pytest.mark.parametrize("reg", [0.0, 0.4])
@pytest.mark.parametrize("hidden_layers", sorted(DEPTHS))
def test_fc_net_loss_gradients_match_numerical_gradients(hidden_layers, reg, dropout):
    params = layer_params(DEPTHS[hidden_layers], seed=11)
    rng = np.random.default_rng(10 + hidden_layers)
    X, y = rng.standard_normal((6, 5)), rng.integers(3, size=6)
    # a step of 1e-5 in any parameter moves a pre-activation by far less than this: no ReLU kink is crossed
    assert all(np.abs(z).min() > 1e-3 for z in forward_by_hand(params, X, dropout)[1])
    _, grads = fc_net_loss(params, X, y, reg, dropout)
    assert set(grads) == set(params)
    for name, value in params.items():
        numeric = eval_numerical_gradient(lambda _: fc_net_loss(params, X, y, reg, dropout)[0], value)
        assert rel_error(numeric, grads[name]) < 1e-6, name  # ReLU kinks: a little more than 1e-7


@pytest.mark.parametrize("reg", [0.0, 0.3])
@pytest.mark.parametrize("dropout", [None, {"p": 0.5, "seed": 3}], ids=["no_dropout", "dropout"])
def test_fc_net_loss_is_softmax_of_the_scores_plus_half_reg_sum_of_squared_weights(dropout, reg):
    params = layer_params(DEPTHS[2], seed=1, bias_scale=1.0)
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((8, 5)), rng.integers(3, size=8)
    scores, _ = forward_by_hand(params, X, dropout)
    penalty = 0.5 * reg * sum(np.sum(params[f"W{i}"] ** 2) for i in (1, 2, 3))  # biases not regularised
    assert fc_net_loss(params, X, y, reg, dropout)[0] == pytest.approx(softmax_loss(scores, y)[0] + penalty,
                                                                        rel=1e-12)


def test_fc_net_loss_with_large_scores_is_finite():
    params = layer_params(DEPTHS[1], seed=2)
    params["W2"] *= 2000.0  # scores in the thousands: exp overflows unless the softmax is shifted
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((6, 5)), rng.integers(3, size=6)
    assert np.abs(fc_net_loss(params, X)).max() > 1000
    loss, grads = fc_net_loss(params, X, y)
    assert np.isfinite(loss) and all(np.all(np.isfinite(g)) for g in grads.values())
    assert loss == pytest.approx(softmax_loss(forward_by_hand(params, X)[0], y)[0], rel=1e-12)


@pytest.mark.parametrize("hidden_layers", sorted(DEPTHS))
def test_fc_net_loss_scores_when_y_is_none(hidden_layers):
    params = layer_params(DEPTHS[hidden_layers], seed=5, bias_scale=1.0)
    X = np.random.default_rng(6).standard_normal((4, 5))
    scores = fc_net_loss(params, X)
    assert scores.shape == (4, 3)
    np.testing.assert_allclose(scores, forward_by_hand(params, X)[0], rtol=1e-12, atol=1e-12)
    assert scores.min() < 0  # raw scores, not probabilities nor a ReLU of them


@pytest.mark.parametrize("hidden_dims, keep", [([6, 5], 1.0), ([6, 5], 0.7), ([], 1.0), ([8, 4, 6], 0.5)])
def test_fully_connected_net_loss_is_fc_net_loss_on_its_params(hidden_dims, keep):
    net = FullyConnectedNet(hidden_dims, 4, 3, dropout_keep_ratio=keep, reg=0.3, seed=1, dropout_seed=2)
    rng = np.random.default_rng(7)
    X, y = rng.standard_normal((5, 4)), rng.integers(3, size=5)
    dropout = None if keep == 1.0 else {"p": keep, "seed": 2}
    loss, grads = net.loss(X, y)
    expected_loss, expected_grads = fc_net_loss(net.params, X, y, 0.3, dropout)
    assert loss == expected_loss
    assert set(grads) == set(expected_grads)
    for name in expected_grads:
        np.testing.assert_array_equal(grads[name], expected_grads[name])
    np.testing.assert_array_equal(net.loss(X), fc_net_loss(net.params, X))


def test_fc_net_loss_has_no_dropout_when_y_is_none():
    params = layer_params(DEPTHS[2], seed=8)
    rng = np.random.default_rng(9)
    X, y = rng.standard_normal((10, 5)), rng.integers(3, size=10)
    dropout = {"p": 0.5, "seed": 0}
    np.testing.assert_array_equal(fc_net_loss(params, X, None, 0.0, dropout), fc_net_loss(params, X))
    # ... while with labels it does drop units
    assert fc_net_loss(params, X, y, 0.0, dropout)[0] != fc_net_loss(params, X, y)[0]


@pytest.mark.parametrize("hidden_layers", sorted(DEPTHS))
def test_fc_net_loss_initial_loss_is_log_c(hidden_layers):
    C = 10
    dims = DEPTHS[hidden_layers][:-1] + [C]
    params = init_fc_params(dims, weight_scale=1e-3, seed=0)
    rng = np.random.default_rng(hidden_layers)
    X, y = rng.standard_normal((40, dims[0])), rng.integers(C, size=40)
    assert fc_net_loss(params, X, y)[0] == pytest.approx(np.log(C), abs=1e-3)


def test_fc_net_loss_leaves_its_arguments_alone():
    params = layer_params(DEPTHS[3], seed=11)
    rng = np.random.default_rng(12)
    X, y = rng.standard_normal((6, 5)), rng.integers(3, size=6)
    given = copy.deepcopy((params, X, y))
    _, grads = fc_net_loss(*given, reg=0.5, dropout_param={"p": 0.5, "seed": 1})
    fc_net_loss(given[0], given[1])
    for name in params:
        np.testing.assert_array_equal(given[0][name], params[name])
        grads[name] += 1.0  # the gradients are arrays of their own
        np.testing.assert_array_equal(given[0][name], params[name])
    np.testing.assert_array_equal(given[1], X)
    np.testing.assert_array_equal(given[2], y)


@pytest.mark.parametrize("keys", [("W1", "b1", "W2"), ("W1", "b1", "W2", "b2", "W3"), ("W1", "b1", "W3", "b3")],
                         ids=["missing_b2", "missing_b3", "missing_layer_2"])
def test_fc_net_loss_refuses_a_bad_params_dict(keys):
    full = layer_params(DEPTHS[2])
    X = np.ones((2, 5))
    with pytest.raises(ValueError):
        fc_net_loss({k: full[k] for k in keys}, X)
    with pytest.raises(ValueError):
        fc_net_loss({k: full[k] for k in keys}, X, np.array([0, 1]))


# ---------------------------------------------------------------------------------------------------
# fc_net_loss and FullyConnectedNet with batchnorm and layernorm

NORMALIZATIONS = ["batchnorm", "layernorm"]


def norm_layer_params(dims, seed=0):
    """layer_params plus gamma_i (around 1) and beta_i (around 0) for the hidden layers."""
    params = layer_params(dims, seed=seed)
    rng = np.random.default_rng(seed + 100)
    for i, size in enumerate(dims[1:-1], start=1):
        params[f"gamma{i}"] = rng.uniform(0.5, 1.5, size)
        params[f"beta{i}"] = 0.3 * rng.standard_normal(size)
    return params


def norm_forward_by_hand(params, X, normalization, running=None, eps=1e-5):
    """(scores, pre-ReLU values, pre-normalisation values) of {affine - norm - relu} x (L - 1) - affine;
    batchnorm with the batch's statistics, or with running = [(mean, var), ...] per layer if given."""
    L = len([k for k in params if k.startswith("W")])
    h, pre_relu, pre_norm = X, [], []
    for i in range(1, L):
        z = h @ params[f"W{i}"] + params[f"b{i}"]
        pre_norm.append(z)
        if normalization == "layernorm":
            mean, var = z.mean(axis=1, keepdims=True), z.var(axis=1, keepdims=True)
        elif running is None:
            mean, var = z.mean(axis=0), z.var(axis=0)
        else:
            mean, var = running[i - 1]
        a = params[f"gamma{i}"] * (z - mean) / np.sqrt(var + eps) + params[f"beta{i}"]
        pre_relu.append(a)
        h = np.maximum(a, 0)
    return h @ params[f"W{L}"] + params[f"b{L}"], pre_relu, pre_norm


@pytest.mark.parametrize("dropout", [None, {"p": 0.7, "seed": 4}], ids=["no_dropout", "dropout"])
@pytest.mark.parametrize("hidden_layers", [2, 3])
@pytest.mark.parametrize("normalization", NORMALIZATIONS)
def test_fc_net_loss_with_normalization_gradients_match_numerical_gradients(normalization, hidden_layers, dropout):
    params = norm_layer_params(DEPTHS[hidden_layers], seed=20 + hidden_layers)
    rng = np.random.default_rng(21)
    X, y = rng.standard_normal((8, 5)), rng.integers(3, size=8)
    reg = 0.3
    # no ReLU kink within reach of a step of 1e-5
    assert all(np.abs(a).min() > 1e-3 for a in norm_forward_by_hand(params, X, normalization)[1])
    bn_params = [{} for _ in range(hidden_layers)]
    _, grads = fc_net_loss(params, X, y, reg, dropout, normalization, bn_params)
    assert set(grads) == set(params)

    def loss(_):
        return fc_net_loss(params, X, y, reg, dropout, normalization, bn_params)[0]
    for name, value in params.items():
        assert grads[name].shape == value.shape, name
        numeric = eval_numerical_gradient(loss, value)
        if normalization == "batchnorm" and name in {f"b{i}" for i in range(1, hidden_layers + 1)}:
            # batchnorm subtracts the batch mean: a bias just before it has no effect on the loss
            assert np.abs(grads[name]).max() < 1e-12 and np.abs(numeric).max() < 1e-8, name
        else:
            assert rel_error(numeric, grads[name]) < 1e-6, name  # ReLU kinks: a little more than 1e-7


@pytest.mark.parametrize("reg", [0.0, 0.5])
@pytest.mark.parametrize("normalization", NORMALIZATIONS)
def test_fc_net_loss_with_normalization_is_softmax_of_the_scores_plus_the_weights_penalty(normalization, reg):
    params = norm_layer_params(DEPTHS[2], seed=3)
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((10, 5)), rng.integers(3, size=10)
    scores = norm_forward_by_hand(params, X, normalization)[0]
    penalty = 0.5 * reg * sum(np.sum(params[f"W{i}"] ** 2) for i in (1, 2, 3))  # gammas and betas not regularised
    loss, _ = fc_net_loss(params, X, y, reg, None, normalization, [{}, {}])
    assert loss == pytest.approx(softmax_loss(scores, y)[0] + penalty, rel=1e-12)


@pytest.mark.parametrize("normalization", NORMALIZATIONS)
def test_fully_connected_net_with_normalization(normalization):
    net = FullyConnectedNet([6, 5], 4, 3, normalization=normalization, reg=0.2, weight_scale=0.8, seed=2)
    assert sorted(net.params) == sorted(["W1", "b1", "W2", "b2", "W3", "b3", "gamma1", "beta1", "gamma2", "beta2"])
    for i, size in ((1, 6), (2, 5)):
        np.testing.assert_array_equal(net.params[f"gamma{i}"], np.ones(size))
        np.testing.assert_array_equal(net.params[f"beta{i}"], np.zeros(size))
    assert len(net.bn_params) == 2 and all(isinstance(p, dict) for p in net.bn_params)
    rng = np.random.default_rng(8)
    X, y = rng.standard_normal((7, 4)), rng.integers(3, size=7)
    expected_bn_params = copy.deepcopy(net.bn_params)
    loss, grads = net.loss(X, y)
    expected_loss, expected_grads = fc_net_loss(net.params, X, y, 0.2, None, normalization, expected_bn_params)
    assert loss == expected_loss
    assert set(grads) == set(net.params)
    for name in expected_grads:
        np.testing.assert_array_equal(grads[name], expected_grads[name])
        numeric = eval_numerical_gradient(lambda _: net.loss(X, y)[0], net.params[name])
        if normalization == "batchnorm" and name in ("b1", "b2"):
            assert np.abs(grads[name]).max() < 1e-12 and np.abs(numeric).max() < 1e-8, name
        else:
            assert rel_error(numeric, grads[name]) < 1e-6, name


def test_batchnorm_running_averages_change_in_training_and_are_used_for_scores():
    net = FullyConnectedNet([6, 5], 4, 3, normalization="batchnorm", weight_scale=0.8, seed=3)
    rng = np.random.default_rng(9)
    X, y = 2.0 * rng.standard_normal((12, 4)) + 1.0, rng.integers(3, size=12)
    net.loss(X, y)
    assert all(p["mode"] == "train" for p in net.bn_params)  # set on the net's own dicts
    pre_norm = norm_forward_by_hand(net.params, X, "batchnorm")[2]
    for bn_param, z in zip(net.bn_params, pre_norm):
        np.testing.assert_allclose(bn_param["running_mean"], 0.1 * z.mean(axis=0), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(bn_param["running_var"], 0.9 + 0.1 * z.var(axis=0), rtol=1e-12)
    stats = [(p["running_mean"].copy(), p["running_var"].copy()) for p in net.bn_params]

    scores = net.loss(X[:5])
    assert all(p["mode"] == "test" for p in net.bn_params)
    for bn_param, (mean, var) in zip(net.bn_params, stats):
        np.testing.assert_array_equal(bn_param["running_mean"], mean)
        np.testing.assert_array_equal(bn_param["running_var"], var)
    np.testing.assert_allclose(scores, norm_forward_by_hand(net.params, X[:5], "batchnorm", stats)[0], rtol=1e-12)
    # test mode: each example's scores do not depend on the rest of the batch
    np.testing.assert_allclose(net.loss(X[:1]), scores[:1], rtol=1e-12)

    net.loss(X[5:], y[5:])  # a second training call moves them again
    assert not np.allclose(net.bn_params[0]["running_mean"], stats[0][0])


def test_layernorm_scores_do_not_depend_on_the_batch_nor_on_the_mode():
    net = FullyConnectedNet([6, 5], 4, 3, normalization="layernorm", weight_scale=0.8, seed=4)
    rng = np.random.default_rng(10)
    X, y = rng.standard_normal((6, 4)), rng.integers(3, size=6)
    scores = net.loss(X)
    np.testing.assert_allclose(scores, norm_forward_by_hand(net.params, X, "layernorm")[0], rtol=1e-12)
    np.testing.assert_allclose(net.loss(X[2:3]), scores[2:3], rtol=1e-12)
    net.loss(X, y)
    np.testing.assert_array_equal(net.loss(X), scores)


def test_fc_net_loss_with_normalization_refuses_bad_arguments():
    params = norm_layer_params(DEPTHS[2])
    X, y = np.ones((3, 5)), np.array([0, 1, 2])
    plain = {k: v for k, v in params.items() if not k.startswith(("gamma", "beta"))}
    with pytest.raises(ValueError, match="bn_params"):
        fc_net_loss(params, X, y, normalization="batchnorm")  # the running averages need a home
    with pytest.raises(ValueError, match="bn_params"):
        fc_net_loss(params, X, y, normalization="batchnorm", bn_params=[{}])
    with pytest.raises(ValueError, match="bn_params"):
        fc_net_loss(plain, X, y, bn_params=[{}, {}])
    with pytest.raises(ValueError, match="params"):
        fc_net_loss(plain, X, y, normalization="layernorm")
    with pytest.raises(ValueError, match="params"):
        fc_net_loss(params, X, y)  # gammas and betas without a normalization
    with pytest.raises(ValueError, match="params"):
        fc_net_loss({k: v for k, v in params.items() if k != "beta2"}, X, y, normalization="layernorm")
    with pytest.raises(ValueError, match="normalization"):
        fc_net_loss(params, X, y, normalization="groupnorm", bn_params=[{}, {}])
    # layernorm keeps no state: bn_params may be left out
    assert fc_net_loss(params, X, y, normalization="layernorm")[0] == \
        fc_net_loss(params, X, y, normalization="layernorm", bn_params=[{}, {}])[0]


def test_solver_overfits_fifty_examples_with_batchnorm():
    net = FullyConnectedNet([50, 50], 20, 5, normalization="batchnorm", seed=0)
    solver = Solver(net, small_data(), optim.sgd_momentum, {"learning_rate": 0.05}, batch_size=25, num_epochs=30,
                    verbose=False).train()
    assert solver.train_acc_history[-1] == 1.0
    assert not np.array_equal(net.bn_params[0]["running_mean"], np.zeros(50))


# ---------------------------------------------------------------------------------------------------
# collapse_linear

@pytest.mark.parametrize("dims", [[4, 3], [4, 6, 3], [4, 6, 5, 3], [2, 3, 7, 4, 5]],
                         ids=lambda dims: f"{len(dims) - 1}_layers")
def test_collapse_linear_is_the_stack_of_affine_layers(dims):
    params = layer_params(dims, seed=len(dims), bias_scale=1.0)
    given = copy.deepcopy(params)
    W, b = collapse_linear(given)
    assert W.shape == (dims[0], dims[-1]) and b.shape == (dims[-1],)
    X = np.random.default_rng(0).standard_normal((6, dims[0]))
    out = X
    for i in range(1, len(dims)):
        out = out @ params[f"W{i}"] + params[f"b{i}"]
    np.testing.assert_allclose(X @ W + b, out, rtol=1e-12, atol=1e-12)
    for name in params:
        np.testing.assert_array_equal(given[name], params[name])


def test_collapse_linear_of_one_layer_is_that_layer():
    params = layer_params([3, 4], bias_scale=1.0)
    W, b = collapse_linear(params)
    np.testing.assert_array_equal(W, params["W1"])
    np.testing.assert_array_equal(b, params["b1"])


# ---------------------------------------------------------------------------------------------------
# The XOR network (problem set 004, 3.1)

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0, 1, 1, 0])
EXAM_W1, EXAM_W2 = np.array([[10.0, 1.0], [10.0, 1.0]]), np.array([5.0, 6.0])


def pre_threshold(X, W1, w2):
    return 1.0 / (1.0 + np.exp(-(X @ W1))) @ w2


def test_xor_weights_compute_xor():
    W1, w2 = xor_weights()
    assert W1.shape == (2, 2) and w2.shape == (2,)
    out = xor_network(XOR_X, W1, w2)
    assert np.issubdtype(out.dtype, np.integer)
    np.testing.assert_array_equal(out, XOR_Y)


def test_xor_network_thresholds_at_zero():
    W1, w2 = xor_weights()
    np.testing.assert_array_equal(xor_network(XOR_X, W1, w2), (pre_threshold(XOR_X, W1, w2) > 0).astype(int))
    np.testing.assert_array_equal(xor_network(XOR_X, W1, -w2), 1 - XOR_Y)
    # equal and opposite output weights put (0, 0) exactly on the threshold: not above it, so 0
    assert pre_threshold(XOR_X[:1], W1, np.array([5.0, -5.0]))[0] == 0
    assert xor_network(XOR_X[:1], W1, np.array([5.0, -5.0]))[0] == 0


def test_the_exams_weights_do_not_compute_xor_being_monotone():
    # positive hidden units times positive weights: the output is 1 everywhere
    np.testing.assert_array_equal(xor_network(XOR_X, EXAM_W1, EXAM_W2), [1, 1, 1, 1])
    v00, v01, v10, v11 = pre_threshold(XOR_X, EXAM_W1, EXAM_W2)
    assert v11 >= v10 >= v00 and v11 >= v01 >= v00


def test_no_network_with_positive_weights_computes_xor():
    """Positive weights make the output increase with each input: (1, 1) scores at least as much as (1, 0),
    so they cannot get 1 and 0. The same holds for 500 random positive weight sets."""
    rng = np.random.default_rng(0)
    for _ in range(500):
        W1, w2 = rng.exponential(5.0, (2, 2)), rng.exponential(5.0, 2)
        v00, v01, v10, v11 = pre_threshold(XOR_X, W1, w2)
        assert v11 >= v10 >= v00 and v11 >= v01 >= v00
        assert not np.array_equal(xor_network(XOR_X, W1, w2), XOR_Y)


# ---------------------------------------------------------------------------------------------------
# SGD on C(w) = 1/(2n) sum ||w - x_i||^2 with step 1/(t + 1) (exam 000, question 1)

@pytest.mark.parametrize("w0", [np.zeros(3), np.array([4.0, -2.0, 0.5]), np.full(3, 1e3)],
                         ids=["zeros", "small", "far"])
def test_sgd_mean_objective_iterates_are_the_running_means(w0):
    X = np.random.default_rng(0).standard_normal((7, 3))
    given = (X.copy(), w0.copy())
    iterates = optim.sgd_mean_objective(*given)
    assert iterates.shape == (8, 3)
    np.testing.assert_array_equal(iterates[0], w0)
    running_means = np.cumsum(X, axis=0) / np.arange(1, 8)[:, None]
    np.testing.assert_allclose(iterates[1:], running_means, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(given[0], X)
    np.testing.assert_array_equal(given[1], w0)


def test_sgd_mean_objective_without_examples_is_w0():
    w0 = np.array([1.5, -2.0])
    iterates = optim.sgd_mean_objective(np.empty((0, 2)), w0)
    assert iterates.shape == (1, 2)
    np.testing.assert_array_equal(iterates[0], w0)


def test_sgd_mean_objective_worked_example_exactly():
    """w1 = x1, w2 = (x1 + x2) / 2, w3 = (x1 + x2 + x3) / 3, whatever w0: exact on small integers."""
    x1, x2, x3 = np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([5.0, 9.0])
    iterates = optim.sgd_mean_objective(np.array([x1, x2, x3]), np.array([7.0, -7.0]))
    np.testing.assert_array_equal(iterates, [[7.0, -7.0], x1, (x1 + x2) / 2, (x1 + x2 + x3) / 3])


def small_data(n=50, seed=0):
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((n, 20)), rng.integers(5, size=n)
    return {"X_train": X, "y_train": y, "X_val": X[:10], "y_val": y[:10]}


def test_solver_overfits_fifty_examples():
    net = FullyConnectedNet([50, 50], 20, 5, seed=0)
    solver = Solver(net, small_data(), optim.sgd_momentum, {"learning_rate": 0.05}, batch_size=25, num_epochs=60,
                    verbose=False).train()
    assert solver.train_acc_history[-1] == 1.0


def test_solver_histories_decay_and_best_params(capsys):
    net = FullyConnectedNet([10], 20, 5, seed=0)
    solver = Solver(net, small_data(), optim.sgd, {"learning_rate": 0.1}, lr_decay=0.5, batch_size=10,
                    num_epochs=4, verbose=True).train()
    assert len(solver.loss_history) == 4 * 5
    assert len(solver.train_acc_history) == len(solver.val_acc_history) == 5
    assert all(config["learning_rate"] == pytest.approx(0.1 * 0.5 ** 4) for config in solver.optim_configs.values())
    assert solver.best_val_acc == max(solver.val_acc_history)
    for name, value in solver.best_params.items():
        np.testing.assert_array_equal(net.params[name], value)
    assert len(capsys.readouterr().out.splitlines()) == 5  # one line per epoch, never per step
    history = solver.history()
    assert history["loss_history"] == solver.loss_history
    assert history["train_acc_history"] == solver.train_acc_history[1:]  # completed epochs only
    assert history["val_acc_history"] == solver.val_acc_history[1:]


@pytest.mark.parametrize("num_epochs, steps, epochs", [(0.4, 2, 1), (0.01, 1, 1), (2.6, 13, 3), (0, 0, 0)])
def test_solver_runs_a_fraction_of_an_epoch(capsys, num_epochs, steps, epochs):
    """50 examples in batches of 10 are 5 steps an epoch: a fraction runs its share of them (at least one),
    the part counting as an epoch; the steps are those of a run with whole epochs, cut short."""
    def run(num_epochs):
        return Solver(FullyConnectedNet([10], 20, 5, seed=0), small_data(), optim.sgd, {"learning_rate": 0.1},
                      lr_decay=0.5, batch_size=10, num_epochs=num_epochs, verbose=True).train()
    solver = run(num_epochs)
    assert len(solver.loss_history) == steps
    assert len(solver.train_acc_history) == len(solver.val_acc_history) == epochs + 1
    assert all(config["learning_rate"] == pytest.approx(0.1 * 0.5 ** epochs) for config in solver.optim_configs.values())
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == epochs + 1 and lines[-1].startswith(f"epoch {epochs:3d} / {num_epochs:g}:")
    assert solver.loss_history == run(3).loss_history[:steps]


def test_solver_refuses_bad_input():
    net = FullyConnectedNet([10], 20, 5)
    with pytest.raises(ValueError, match="X_val"):
        Solver(net, {"X_train": 1, "y_train": 1}, optim.sgd)
    with pytest.raises(TypeError, match="update_rule"):
        Solver(net, small_data(), "adam")
