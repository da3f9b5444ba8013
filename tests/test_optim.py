"""Update rules against steps computed by hand, and the mistakes students make in them."""
import numpy as np
import pytest

from nclib import optim

W = np.array([1.0, -2.0, 0.5])
DW1 = np.array([0.5, -1.0, 0.0])
DW2 = np.array([-0.25, 2.0, 1.0])


def test_sgd_steps_against_the_gradient():
    w, config = optim.sgd(W, DW1, {"learning_rate": 0.1})
    np.testing.assert_allclose(w, [0.95, -1.9, 0.5], rtol=0, atol=1e-15)
    assert config == {"learning_rate": 0.1}


def test_momentum_two_steps_by_hand():
    w1, config = optim.sgd_momentum(W, DW1, {"learning_rate": 0.1, "momentum": 0.9})
    np.testing.assert_allclose(w1, W - 0.1 * DW1, atol=1e-15)
    w2, config = optim.sgd_momentum(w1, DW2, config)
    velocity = 0.9 * (-0.1 * DW1) - 0.1 * DW2
    np.testing.assert_allclose(config["velocity"], velocity, atol=1e-15)
    np.testing.assert_allclose(w2, w1 + velocity, atol=1e-15)


def test_rmsprop_two_steps_by_hand():
    config = {"learning_rate": 0.01, "decay_rate": 0.9, "epsilon": 1e-8}
    w1, config = optim.rmsprop(W, DW1, config)
    cache1 = 0.1 * DW1 ** 2
    np.testing.assert_allclose(w1, W - 0.01 * DW1 / (np.sqrt(cache1) + 1e-8), atol=1e-15)
    w2, config = optim.rmsprop(w1, DW2, config)
    cache2 = 0.9 * cache1 + 0.1 * DW2 ** 2  # the cache must carry over between steps
    np.testing.assert_allclose(config["cache"], cache2, atol=1e-15)
    np.testing.assert_allclose(w2, w1 - 0.01 * DW2 / (np.sqrt(cache2) + 1e-8), atol=1e-15)


def test_adam_two_steps_by_hand():
    config = {"learning_rate": 0.1}
    w1, config = optim.adam(W, DW1, config)
    # Bias correction makes the first step learning_rate * sign(dw) (up to epsilon), whatever dw's size.
    np.testing.assert_allclose(w1, W - 0.1 * np.sign(DW1), atol=1e-7)
    w2, config = optim.adam(w1, DW2, config)
    m = 0.9 * 0.1 * DW1 + 0.1 * DW2
    v = 0.999 * 0.001 * DW1 ** 2 + 0.001 * DW2 ** 2
    expected = w1 - 0.1 * (m / (1 - 0.9 ** 2)) / (np.sqrt(v / (1 - 0.999 ** 2)) + 1e-8)
    assert config["t"] == 2
    np.testing.assert_allclose(w2, expected, rtol=1e-12)


@pytest.mark.parametrize("rule", [optim.sgd, optim.sgd_momentum, optim.rmsprop, optim.adam])
def test_rules_change_neither_their_inputs_nor_the_config_given(rule):
    w, dw, config = W.copy(), DW1.copy(), {"learning_rate": 0.1}
    _, new_config = rule(w, dw, config)
    np.testing.assert_array_equal(w, W)
    np.testing.assert_array_equal(dw, DW1)
    assert config == {"learning_rate": 0.1} and new_config is not config


@pytest.mark.parametrize("rule", [optim.sgd, optim.sgd_momentum, optim.rmsprop, optim.adam])
def test_rules_minimise_a_quadratic(rule):
    target = np.array([3.0, -1.0])
    w, config = np.zeros(2), {"learning_rate": 0.05}
    for _ in range(2000):
        w, config = rule(w, w - target, config)
    np.testing.assert_allclose(w, target, atol=1e-2)


def test_a_config_that_is_not_a_dict_is_refused():
    with pytest.raises(TypeError, match="config"):
        optim.sgd(W, DW1, 0.1)
