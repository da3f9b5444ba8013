"""nclib.models.ThreeLayerConvNet: gradients of every parameter against numerical gradients, the forward pass
against the naive layers, the regularisation term, initialisation, input shapes and errors, and overfitting
a few digits with the Solver."""
import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from nclib import optim
from nclib.conv import conv_forward_naive, max_pool_forward_naive
from nclib.data import load_digits
from nclib.gradcheck import eval_numerical_gradient, rel_error
from nclib.losses import softmax_loss
from nclib.models import ThreeLayerConvNet
from nclib.solver import Solver

PARAM_SHAPES = {"W1": (3, 2, 3, 3), "b1": (3,), "W2": (3 * 3 * 3, 5), "b2": (5,), "W3": (5, 4), "b3": (4,)}


@pytest.fixture(scope="module", autouse=True)
def one_blas_thread():
    """Small matrices: BLAS threads only add overhead, and fight over the cores under pytest-xdist."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def small_net(reg=0.0, seed=1, bias_scale=0.0, **kwargs):
    """A net on (2, 6, 6) inputs with 3 filters of 3x3, 5 hidden units and 4 classes; biases drawn with
    bias_scale (the constructor starts them at zero)."""
    net = ThreeLayerConvNet(input_dim=(2, 6, 6), num_filters=3, filter_size=3, hidden_dim=5, num_classes=4,
                            reg=reg, seed=seed, **kwargs)
    rng = np.random.default_rng(100 + seed)
    for name in ("b1", "b2", "b3"):
        net.params[name] = bias_scale * rng.standard_normal(net.params[name].shape)
    return net


def forward_by_hand(params, X, pad):
    """(scores, conv pre-activations, ReLU outputs before pooling, hidden pre-activations) with the naive
    layers and plain numpy."""
    conv, _ = conv_forward_naive(X, params["W1"], params["b1"], {"stride": 1, "pad": pad})
    h = np.maximum(conv, 0)
    pooled, _ = max_pool_forward_naive(h, {"pool_height": 2, "pool_width": 2, "stride": 2})
    z2 = pooled.reshape(len(X), -1) @ params["W2"] + params["b2"]
    return np.maximum(z2, 0) @ params["W3"] + params["b3"], conv, h, z2


def pool_gaps(h):
    """Per 2x2 window of h (N, C, H, W), the gap between its largest and second largest value."""
    N, C, H, W = h.shape
    windows = np.sort(h.reshape(N, C, H // 2, 2, W // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(-1, 4), axis=1)
    return windows[:, -1] - windows[:, -2]


@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_gradients_of_every_parameter_match_numerical_gradients(reg):
    net = small_net(reg, bias_scale=0.1)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((3, 2, 6, 6)), rng.integers(4, size=3)
    _, conv, h, z2 = forward_by_hand(net.params, X, pad=1)
    # a step of 1e-5 in a parameter moves these by far less than their margin: no ReLU kink is crossed and
    # no pooling window changes its maximum, so the centred differences are those of a smooth function
    assert np.abs(conv).min() > 1e-3 and np.abs(z2).min() > 1e-3
    assert pool_gaps(h)[pool_gaps(h) > 0].min() > 1e-3  # windows of zeros (all ReLU'd off) pass no gradient
    loss, grads = net.loss(X, y)
    assert set(grads) == set(net.params)
    for name, value in net.params.items():
        assert grads[name].shape == value.shape, name
        numeric = eval_numerical_gradient(lambda _: net.loss(X, y)[0], value)
        assert rel_error(numeric, grads[name]) < 1e-6, name  # ReLU and max-pool kinks: a little more than 1e-7


def test_scores_are_conv_relu_pool_affine_relu_affine():
    net = ThreeLayerConvNet(input_dim=(3, 6, 10), num_filters=4, filter_size=5, hidden_dim=7, num_classes=3, seed=2)
    rng = np.random.default_rng(3)
    for name in ("b1", "b2", "b3"):
        net.params[name] = rng.standard_normal(net.params[name].shape)
    X = rng.standard_normal((4, 3, 6, 10))
    scores = net.loss(X)
    assert scores.shape == (4, 3)
    np.testing.assert_allclose(scores, forward_by_hand(net.params, X, pad=2)[0], rtol=1e-10, atol=1e-12)
    assert scores.min() < 0  # raw scores, not probabilities nor a ReLU of them


@pytest.mark.parametrize("reg", [0.0, 0.3])
def test_loss_is_softmax_of_the_scores_plus_half_reg_sum_of_squared_weights(reg):
    net = small_net(reg, bias_scale=1.0)  # large biases: regularising them would show
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((5, 2, 6, 6)), rng.integers(4, size=5)
    penalty = 0.5 * reg * sum(np.sum(net.params[k] ** 2) for k in ("W1", "W2", "W3"))
    expected = softmax_loss(forward_by_hand(net.params, X, pad=1)[0], y)[0] + penalty
    assert net.loss(X, y)[0] == pytest.approx(expected, rel=1e-12)


def test_parameter_shapes_and_he_initialisation():
    net = ThreeLayerConvNet(input_dim=(3, 8, 8), num_filters=32, filter_size=5, hidden_dim=60, num_classes=10,
                            seed=0)
    expected = {"W1": (32, 3, 5, 5), "b1": (32,), "W2": (32 * 4 * 4, 60), "b2": (60,), "W3": (60, 10),
                "b3": (10,)}
    assert {k: v.shape for k, v in net.params.items()} == expected
    assert all(net.params[name].dtype == np.float64 for name in expected)
    for name in ("b1", "b2", "b3"):
        np.testing.assert_array_equal(net.params[name], 0.0)
    # He scaling: standard deviation sqrt(2 / fan_in), fan_in = C * fs * fs, F * H/2 * W/2, hidden_dim
    for name, fan_in in (("W1", 3 * 5 * 5), ("W2", 32 * 4 * 4), ("W3", 60)):
        assert net.params[name].std() == pytest.approx(np.sqrt(2 / fan_in), rel=0.1), name
    fixed = ThreeLayerConvNet(input_dim=(3, 8, 8), num_filters=32, filter_size=5, hidden_dim=60, weight_scale=0.01)
    for name in ("W1", "W2", "W3"):
        assert fixed.params[name].std() == pytest.approx(0.01, rel=0.1), name


def test_same_seed_same_weights_and_another_seed_others():
    first, again, other = small_net(seed=5), small_net(seed=5), small_net(seed=6)
    for name in ("W1", "W2", "W3"):
        np.testing.assert_array_equal(first.params[name], again.params[name])
        assert not np.array_equal(first.params[name], other.params[name]), name


def test_initial_loss_with_tiny_weights_is_log_10():
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((50, 1, 8, 8)), rng.integers(10, size=50)
    net = ThreeLayerConvNet(weight_scale=1e-3, seed=0)
    assert net.loss(X, y)[0] == pytest.approx(np.log(10), abs=1e-3)


def test_flattened_rows_give_the_same_scores_and_gradients_as_images():
    net = small_net(reg=0.1, bias_scale=0.1)
    rng = np.random.default_rng(6)
    X, y = rng.standard_normal((3, 2, 6, 6)), rng.integers(4, size=3)
    np.testing.assert_array_equal(net.loss(X.reshape(3, 72)), net.loss(X))
    loss, grads = net.loss(X, y)
    flat_loss, flat_grads = net.loss(X.reshape(3, 72), y)
    assert flat_loss == loss
    for name in grads:
        np.testing.assert_array_equal(flat_grads[name], grads[name])


@pytest.mark.parametrize("kwargs, match", [({"input_dim": (1, 7, 8)}, "even"), ({"input_dim": (1, 8, 5)}, "even"),
                                           ({"filter_size": 4}, "odd"), ({"input_dim": (8, 8)}, "input_dim"),
                                           ({"num_filters": 0}, "num_filters")])
def test_bad_architectures_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ThreeLayerConvNet(**kwargs)


@pytest.mark.parametrize("shape", [(3, 63), (3, 1, 8, 7), (3, 2, 8, 8), (64,)])
def test_inputs_of_the_wrong_shape_raise_value_error(shape):
    net = ThreeLayerConvNet()
    with pytest.raises(ValueError, match="X must have shape"):
        net.loss(np.zeros(shape))


def test_overfits_twenty_digits_with_adam():
    data = load_digits(seed=0)
    small = {"X_train": data["X_train"][:20], "y_train": data["y_train"][:20],
             "X_val": data["X_val"][:20], "y_val": data["y_val"][:20]}
    net = ThreeLayerConvNet(num_filters=8, hidden_dim=32, seed=0)
    solver = Solver(net, small, optim.adam, {"learning_rate": 1e-2}, batch_size=10, num_epochs=15,
                    verbose=False).train()
    assert solver.train_acc_history[0] < 0.5
    assert solver.train_acc_history[-1] == 1.0
    assert solver.loss_history[-1] < 0.1 * solver.loss_history[0]
