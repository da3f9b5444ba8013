"""Dropout, FullyConnectedNet and the Solver."""
import numpy as np
import pytest

from nclib import optim
from nclib.gradcheck import eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from nclib.layers import dropout_backward, dropout_forward
from nclib.models import FullyConnectedNet
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


@pytest.mark.parametrize("kwargs", [{"normalization": "batchnorm"}, {"dropout_keep_ratio": 0.0}])
def test_fc_net_bad_options(kwargs):
    with pytest.raises(ValueError):
        FullyConnectedNet([4], 3, 2, **kwargs)


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


def test_solver_refuses_bad_input():
    net = FullyConnectedNet([10], 20, 5)
    with pytest.raises(ValueError, match="X_val"):
        Solver(net, {"X_train": 1, "y_train": 1}, optim.sgd)
    with pytest.raises(TypeError, match="update_rule"):
        Solver(net, small_data(), "adam")
