"""nclib.batchnorm: batch normalisation's statistics and running averages, its staged and closed-form
backward passes against each other and against numerical gradients (float64, relative error < 1e-7),
the problem set's incomplete formula (seed 004, section 6) shown wrong and repaired, layer
normalisation, a batch of one, and bad input."""
import copy

import numpy as np
import pytest

from nclib.batchnorm import (batchnorm_backward, batchnorm_backward_alt, batchnorm_backward_seed, batchnorm_forward,
                             layernorm_backward, layernorm_forward)
from nclib.gradcheck import eval_numerical_gradient_array, rel_error

GRAD_TOL = 1e-7
EPS = 1e-5


def bn_inputs(N, D, seed=0, scale=3.0, shift=2.0):
    """x (N, D) far from standardised, gamma (D,) away from zero, beta (D,), dout (N, D)."""
    rng = np.random.default_rng(seed)
    x = scale * rng.standard_normal((N, D)) + shift
    gamma = rng.uniform(0.5, 2.0, D) * rng.choice([-1.0, 1.0], D)
    return x, gamma, rng.standard_normal(D), rng.standard_normal((N, D))


def bn_numerical_gradients(x, gamma, beta, dout, eps=EPS):
    def out(x, gamma, beta):
        return batchnorm_forward(x, gamma, beta, {"mode": "train", "eps": eps})[0]
    return (eval_numerical_gradient_array(lambda v: out(v, gamma, beta), x.copy(), dout),
            eval_numerical_gradient_array(lambda v: out(x, v, beta), gamma.copy(), dout),
            eval_numerical_gradient_array(lambda v: out(x, gamma, v), beta.copy(), dout))


# ---------------------------------------------------------------------------------------------------
# Forward, running averages, test mode

def test_train_mode_standardises_each_feature():
    x, _, _, _ = bn_inputs(200, 6, scale=5.0, shift=3.0)
    out, _ = batchnorm_forward(x, np.ones(6), np.zeros(6), {"mode": "train"})
    assert out.shape == (200, 6)
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-12)
    # the biased std of x_hat is sqrt(var / (var + eps)): 1 up to eps / var
    np.testing.assert_allclose(out.std(axis=0), 1.0, rtol=1e-6)
    np.testing.assert_allclose(out, (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + EPS), rtol=1e-12, atol=1e-12)


def test_gamma_scales_and_beta_shifts():
    x, gamma, beta, _ = bn_inputs(50, 4)
    standard, _ = batchnorm_forward(x, np.ones(4), np.zeros(4), {"mode": "train"})
    out, _ = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    np.testing.assert_allclose(out, gamma * standard + beta, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out.mean(axis=0), beta, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), np.abs(gamma), rtol=1e-6)


def test_running_averages_follow_the_momentum_formula_from_zeros_and_ones():
    x1, gamma, beta, _ = bn_inputs(30, 5, seed=1)
    x2 = bn_inputs(30, 5, seed=2, scale=0.5, shift=-4.0)[0]
    bn_param = {"mode": "train", "momentum": 0.8}
    batchnorm_forward(x1, gamma, beta, bn_param)
    mean1, var1 = bn_param["running_mean"], bn_param["running_var"]
    np.testing.assert_allclose(mean1, 0.8 * 0.0 + 0.2 * x1.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(var1, 0.8 * 1.0 + 0.2 * x1.var(axis=0), rtol=1e-12)  # biased (1/N) variance
    kept = mean1.copy(), var1.copy()
    batchnorm_forward(x2, gamma, beta, bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], 0.8 * kept[0] + 0.2 * x2.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn_param["running_var"], 0.8 * kept[1] + 0.2 * x2.var(axis=0), rtol=1e-12)
    # new arrays in the dict; the old ones are left as they were
    np.testing.assert_array_equal(mean1, kept[0])
    np.testing.assert_array_equal(var1, kept[1])


def test_default_momentum_is_0_9():
    x, gamma, beta, _ = bn_inputs(10, 3)
    bn_param = {"mode": "train", "running_mean": np.full(3, 2.0), "running_var": np.full(3, 5.0)}
    batchnorm_forward(x, gamma, beta, bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], 1.8 + 0.1 * x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn_param["running_var"], 4.5 + 0.1 * x.var(axis=0), rtol=1e-12)


def test_test_mode_uses_the_running_averages_and_leaves_them_alone():
    x, gamma, beta, _ = bn_inputs(7, 4)
    running_mean, running_var = np.array([1.0, -2.0, 0.5, 3.0]), np.array([4.0, 0.25, 1.0, 9.0])
    bn_param = {"mode": "test", "eps": 1e-3, "running_mean": running_mean, "running_var": running_var}
    given = copy.deepcopy(bn_param)
    out, _ = batchnorm_forward(x, gamma, beta, bn_param)
    np.testing.assert_allclose(out, gamma * (x - running_mean) / np.sqrt(running_var + 1e-3) + beta, rtol=1e-12)
    assert bn_param.keys() == given.keys()
    assert bn_param["running_mean"] is running_mean and bn_param["running_var"] is running_var
    np.testing.assert_array_equal(running_mean, given["running_mean"])
    np.testing.assert_array_equal(running_var, given["running_var"])
    # one example at a time gives the same rows: nothing depends on the batch
    rows = [batchnorm_forward(x[i:i + 1], gamma, beta, bn_param)[0][0] for i in range(7)]
    np.testing.assert_allclose(np.array(rows), out, rtol=1e-12, atol=1e-12)


def test_test_mode_before_training_divides_by_sqrt_one_plus_eps():
    x, gamma, beta, _ = bn_inputs(5, 3)
    bn_param = {"mode": "test"}
    out, _ = batchnorm_forward(x, gamma, beta, bn_param)
    np.testing.assert_allclose(out, gamma * x / np.sqrt(1 + EPS) + beta, rtol=1e-12)
    assert bn_param == {"mode": "test"}


# ---------------------------------------------------------------------------------------------------
# Backward: staged, closed form, numerical

# With N = 2 the normalised values are +-sqrt(var / (var + eps)), 1 up to eps / var whatever x is, so
# dx is of order eps / var: at eps = 1e-5 it is a cancellation residue that a centred difference cannot
# resolve to 1e-7. Those cases take eps = 1, which makes eps / var of order 1.
BACKWARD_CASES = [(2, 1, 1.0), (2, 3, 1.0), (3, 1, EPS), (4, 5, EPS), (10, 7, EPS), (16, 3, 1e-3), (5, 2, 1.0)]


@pytest.mark.parametrize("N,D,eps", BACKWARD_CASES, ids=[f"{N}x{D}_eps{eps:g}" for N, D, eps in BACKWARD_CASES])
def test_staged_and_alt_backward_match_numerical_gradients(N, D, eps):
    x, gamma, beta, dout = bn_inputs(N, D, seed=N * 10 + D)
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train", "eps": eps})
    staged, alt = batchnorm_backward(dout, cache), batchnorm_backward_alt(dout, cache)
    numerical = bn_numerical_gradients(x, gamma, beta, dout, eps)
    for name, s, a, n, shape in zip(("dx", "dgamma", "dbeta"), staged, alt, numerical, [(N, D), (D,), (D,)]):
        assert s.shape == a.shape == shape, name
        assert rel_error(s, a) < 1e-10, name
        assert rel_error(s, n) < GRAD_TOL, name
        assert rel_error(a, n) < GRAD_TOL, name


def test_staged_and_alt_backward_agree_on_a_large_batch():
    x, gamma, beta, dout = bn_inputs(512, 1024, seed=3)
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    for name, s, a in zip(("dx", "dgamma", "dbeta"), batchnorm_backward(dout, cache), batchnorm_backward_alt(dout, cache)):
        assert rel_error(s, a) < 1e-10, name


def test_dx_sums_to_zero_and_its_component_along_x_minus_mu_is_of_order_eps():
    """The output does not change when x shifts per feature, so dx sums to 0 over the batch. Scaling x
    per feature changes the output only through eps: sum_k dx_k (x_k - mu) = gamma * eps / (var + eps)
    * sum_k dout_k x_hat_k, which vanishes at eps = 0."""
    x, gamma, beta, dout = bn_inputs(9, 4, seed=5)
    for eps in (EPS, 0.5):
        _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train", "eps": eps})
        var = x.var(axis=0)
        x_hat = (x - x.mean(axis=0)) / np.sqrt(var + eps)
        for backward in (batchnorm_backward, batchnorm_backward_alt):
            dx = backward(dout, cache)[0]
            np.testing.assert_allclose(dx.sum(axis=0), 0.0, atol=1e-12)
            np.testing.assert_allclose((dx * (x - x.mean(axis=0))).sum(axis=0),
                                       gamma * eps / (var + eps) * (dout * x_hat).sum(axis=0), rtol=1e-8, atol=1e-14)


# ---------------------------------------------------------------------------------------------------
# The problem set's formula (seed 004, section 6)

def missing_terms(x, gamma, dout, eps=EPS):
    """The two parts of dx the seed drops: the path through the batch mean, and the variance's terms
    that reach x_k through the other examples i != k."""
    N = x.shape[0]
    scale = gamma / (N * np.sqrt(x.var(axis=0) + eps))
    x_hat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)
    mean_path = -scale * dout.sum(axis=0)
    cross_examples = -scale * x_hat * ((dout * x_hat).sum(axis=0) - dout * x_hat)
    return mean_path, cross_examples


SEED_CASES = [(3, 1), (4, 5), (10, 7), (16, 3)]


@pytest.mark.parametrize("N,D", SEED_CASES, ids=[f"{N}x{D}" for N, D in SEED_CASES])
def test_seed_formula_dx_is_wrong_and_its_dgamma_dbeta_right(N, D):
    x, gamma, beta, dout = bn_inputs(N, D, seed=N + D)
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx, dgamma, dbeta = batchnorm_backward_seed(dout, cache)
    num_dx, num_dgamma, num_dbeta = bn_numerical_gradients(x, gamma, beta, dout)
    assert dx.shape == (N, D) and dgamma.shape == dbeta.shape == (D,)
    assert rel_error(dx, num_dx) > 1e-2
    assert rel_error(dgamma, num_dgamma) < GRAD_TOL
    assert rel_error(dbeta, num_dbeta) < GRAD_TOL


@pytest.mark.parametrize("N,D", SEED_CASES, ids=[f"{N}x{D}" for N, D in SEED_CASES])
def test_seed_formula_plus_the_missing_paths_is_the_gradient(N, D):
    x, gamma, beta, dout = bn_inputs(N, D, seed=N + D)
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    seed_dx = batchnorm_backward_seed(dout, cache)[0]
    mean_path, cross_examples = missing_terms(x, gamma, dout)
    num_dx = bn_numerical_gradients(x, gamma, beta, dout)[0]
    assert rel_error(seed_dx + mean_path, num_dx) > 1e-2  # neither missing part alone is enough
    assert rel_error(seed_dx + cross_examples, num_dx) > 1e-2
    assert rel_error(seed_dx + mean_path + cross_examples, num_dx) < GRAD_TOL


def test_seed_formula_is_right_when_the_missing_paths_vanish():
    """Both missing parts are 0 when dout sums to 0 over the batch and is 0 on every example off the
    batch mean (x_hat_k != 0): then, and in such special cases only, the seed's dx is the gradient."""
    x = np.array([[-1.0], [0.0], [0.0], [1.0]])
    gamma, beta, dout = np.array([1.5]), np.array([0.3]), np.array([[0.0], [2.0], [-2.0], [0.0]])
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    assert all(np.all(term == 0) for term in missing_terms(x, gamma, dout))
    seed_dx, true_dx = batchnorm_backward_seed(dout, cache)[0], batchnorm_backward(dout, cache)[0]
    np.testing.assert_allclose(seed_dx, true_dx, rtol=1e-12)
    assert np.abs(true_dx).max() > 1  # not a trivially zero gradient
    assert rel_error(true_dx, bn_numerical_gradients(x, gamma, beta, dout)[0]) < GRAD_TOL


# ---------------------------------------------------------------------------------------------------
# A batch of one

def test_a_batch_of_one_outputs_beta_and_has_zero_gradient():
    x, gamma, beta, dout = bn_inputs(1, 4, seed=7)
    bn_param = {"mode": "train", "running_var": np.full(4, 2.0)}
    out, cache = batchnorm_forward(x, gamma, beta, bn_param)
    np.testing.assert_array_equal(out, beta[None, :])
    for backward in (batchnorm_backward, batchnorm_backward_alt):
        dx, dgamma, dbeta = backward(dout, cache)
        np.testing.assert_array_equal(dx, np.zeros((1, 4)))
        np.testing.assert_array_equal(dgamma, np.zeros(4))
        np.testing.assert_array_equal(dbeta, dout[0])
    np.testing.assert_array_equal(bn_numerical_gradients(x, gamma, beta, dout)[0], np.zeros((1, 4)))
    # the running variance moves towards the batch variance, 0
    np.testing.assert_allclose(bn_param["running_var"], np.full(4, 1.8), rtol=1e-12)
    np.testing.assert_allclose(bn_param["running_mean"], 0.1 * x[0], rtol=1e-12)
    # the seed's formula gives gamma * dout / sqrt(eps) instead of 0
    np.testing.assert_allclose(batchnorm_backward_seed(dout, cache)[0], gamma * dout / np.sqrt(EPS), rtol=1e-12)


# ---------------------------------------------------------------------------------------------------
# Layer normalisation

def test_layernorm_standardises_each_row_and_scales_and_shifts():
    x, gamma, beta, _ = bn_inputs(6, 300, seed=8, scale=4.0, shift=-1.0)
    x += np.arange(6)[:, None]  # rows of different means
    standard, _ = layernorm_forward(x, np.ones(300), np.zeros(300), {"eps": EPS})
    np.testing.assert_allclose(standard.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(standard.std(axis=1), 1.0, rtol=1e-6)
    out, _ = layernorm_forward(x, gamma, beta, {"eps": EPS})
    np.testing.assert_allclose(out, gamma * standard + beta, rtol=1e-12, atol=1e-12)
    # each row on its own: nothing depends on the other examples
    np.testing.assert_allclose(layernorm_forward(x[2:3], gamma, beta)[0], out[2:3], rtol=1e-12, atol=1e-12)


def test_layernorm_is_batchnorm_of_the_transpose():
    x, _, _, _ = bn_inputs(5, 8, seed=9)
    ln, _ = layernorm_forward(x, np.ones(8), np.zeros(8), {"eps": 1e-3})
    bn, _ = batchnorm_forward(x.T, np.ones(5), np.zeros(5), {"mode": "train", "eps": 1e-3})
    np.testing.assert_allclose(ln, bn.T, rtol=1e-12, atol=1e-12)


LN_CASES = [(1, 4, EPS), (3, 5, EPS), (6, 2, 0.1), (4, 9, 1e-3)]


@pytest.mark.parametrize("N,D,eps", LN_CASES, ids=[f"{N}x{D}_eps{eps:g}" for N, D, eps in LN_CASES])
def test_layernorm_backward_matches_numerical_gradients(N, D, eps):
    x, gamma, beta, dout = bn_inputs(N, D, seed=N * 7 + D)
    _, cache = layernorm_forward(x, gamma, beta, {"eps": eps})
    dx, dgamma, dbeta = layernorm_backward(dout, cache)
    assert dx.shape == (N, D) and dgamma.shape == dbeta.shape == (D,)

    def out(x, gamma, beta):
        return layernorm_forward(x, gamma, beta, {"eps": eps})[0]
    assert rel_error(dx, eval_numerical_gradient_array(lambda v: out(v, gamma, beta), x.copy(), dout)) < GRAD_TOL
    assert rel_error(dgamma, eval_numerical_gradient_array(lambda v: out(x, v, beta), gamma.copy(), dout)) < GRAD_TOL
    assert rel_error(dbeta, eval_numerical_gradient_array(lambda v: out(x, gamma, v), beta.copy(), dout)) < GRAD_TOL


def test_layernorm_default_eps_and_no_state():
    x, gamma, beta, _ = bn_inputs(3, 4)
    ln_param = {}
    np.testing.assert_array_equal(layernorm_forward(x, gamma, beta)[0], layernorm_forward(x, gamma, beta, ln_param)[0])
    np.testing.assert_array_equal(layernorm_forward(x, gamma, beta)[0],
                                  layernorm_forward(x, gamma, beta, {"eps": EPS, "mode": "train"})[0])
    assert ln_param == {}


# ---------------------------------------------------------------------------------------------------
# Bad input

GOOD = {"x": np.ones((3, 2)), "gamma": np.ones(2), "beta": np.zeros(2)}
BAD_BN = [
    ({"x": np.ones(3)}, {"mode": "train"}, "x"),
    ({"x": np.ones((0, 2))}, {"mode": "train"}, "x"),
    ({"x": np.ones((3, 0)), "gamma": np.ones(0), "beta": np.ones(0)}, {"mode": "train"}, "x"),
    ({"gamma": np.ones(3)}, {"mode": "train"}, "gamma"),
    ({"beta": np.ones((2, 1))}, {"mode": "train"}, "beta"),
    ({}, {}, "mode"),
    ({}, {"mode": "eval"}, "mode"),
    ({}, {"mode": "train", "eps": 0.0}, "eps"),
    ({}, {"mode": "train", "momentum": 1.5}, "momentum"),
    ({}, {"mode": "test", "running_mean": np.zeros(3)}, "running_mean"),
    ({}, {"mode": "train", "running_var": np.ones((1, 2))}, "running_var"),
    ({}, "train", "bn_param"),
]


@pytest.mark.parametrize("inputs,bn_param,name", BAD_BN, ids=[f"{i}_{case[2]}" for i, case in enumerate(BAD_BN)])
def test_batchnorm_forward_refuses_bad_input(inputs, bn_param, name):
    args = {**GOOD, **inputs}
    with pytest.raises(ValueError, match=name):
        batchnorm_forward(args["x"], args["gamma"], args["beta"], bn_param)


@pytest.mark.parametrize("backward", [batchnorm_backward, batchnorm_backward_alt, batchnorm_backward_seed])
def test_batchnorm_backward_refuses_a_test_mode_cache_and_a_bad_dout(backward):
    _, test_cache = batchnorm_forward(GOOD["x"], GOOD["gamma"], GOOD["beta"], {"mode": "test"})
    with pytest.raises(ValueError, match="cache"):
        backward(np.ones((3, 2)), test_cache)
    _, train_cache = batchnorm_forward(GOOD["x"], GOOD["gamma"], GOOD["beta"], {"mode": "train"})
    with pytest.raises(ValueError, match="dout"):
        backward(np.ones((2, 3)), train_cache)


@pytest.mark.parametrize("inputs,ln_param,name", [({"x": np.ones(3)}, None, "x"), ({"gamma": np.ones(3)}, None, "gamma"),
                                                  ({}, {"eps": -1.0}, "eps"), ({}, [1e-5], "ln_param")])
def test_layernorm_forward_refuses_bad_input(inputs, ln_param, name):
    args = {**GOOD, **inputs}
    with pytest.raises(ValueError, match=name):
        layernorm_forward(args["x"], args["gamma"], args["beta"], ln_param)
    _, cache = layernorm_forward(GOOD["x"], GOOD["gamma"], GOOD["beta"])
    with pytest.raises(ValueError, match="dout"):
        layernorm_backward(np.ones((2, 3)), cache)
