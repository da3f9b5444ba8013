"""nclib.vae, nclib.models.VAE and the Solver's `metric`: the closed-form KL divergence against Monte Carlo,
numerical integration and an independent formula, its stability for extreme and tiny log-variances; the
reparameterisation trick, the reconstruction losses and the whole VAE loss against numerical gradients
(float64, relative error < 1e-7); the GAN discriminator loss and the exam's version with the labels the
wrong way round (shown to train a discriminator that calls real samples fake); the VAE model, trained
briefly with the Solver on minus its objective, a negative metric whose best value must be kept."""
import copy

import numpy as np
import pytest

from nclib import optim
from nclib.data import load_digits
from nclib.gradcheck import eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from nclib.models import VAE
from nclib.solver import Solver
from nclib.vae import (PARAM_KEYS, gan_discriminator_loss, gan_discriminator_loss_exam, kl_divergence,
                       kl_divergence_backward, kl_monte_carlo, reconstruction_loss, reparameterize,
                       reparameterize_backward, vae_loss)

GRAD_TOL = 1e-7


def gaussian_pair(N, d, seed=0, mu_scale=1.0, lv_low=-2.0, lv_high=2.0):
    """mu (N, d) and logvar (N, d) of moderate size."""
    rng = np.random.default_rng(seed)
    return mu_scale * rng.standard_normal((N, d)), rng.uniform(lv_low, lv_high, (N, d))


def kl_reference(mu, logvar):
    """The textbook formula, written out: 1/2 sum_i (sigma_i^2 + mu_i^2 - 1 - log sigma_i^2)."""
    sigma2 = np.exp(logvar)
    return 0.5 * np.sum(sigma2 + mu ** 2 - 1.0 - logvar, axis=1)


def kl_by_integration(mu, logvar, half_width=14.0, points=200_001):
    """KL(N(mu, exp(logvar)) || N(0, 1)) in one dimension: the integral of q (log q - log p) on a fine grid
    of mu +- half_width standard deviations (the log-densities written out, the constants included)."""
    sigma = np.exp(0.5 * logvar)
    z = np.linspace(mu - half_width * sigma, mu + half_width * sigma, points)
    log_q = -0.5 * np.log(2 * np.pi) - 0.5 * logvar - 0.5 * ((z - mu) / sigma) ** 2
    log_p = -0.5 * np.log(2 * np.pi) - 0.5 * z ** 2
    # the integrand vanishes at both ends, where a plain sum is as accurate as the trapezoidal rule
    return np.sum(np.exp(log_q) * (log_q - log_p)) * (z[1] - z[0])


def sigmoid_reference(x):
    return 1.0 / (1.0 + np.exp(-x))


def vae_params(D=6, H=5, d=3, seed=0):
    """Parameters of a VAE's shapes drawn as 0.5 * standard normal, biases included, so that gradients are
    not tiny (on top of the He initialisation, the decoder's logits get large enough to saturate the
    sigmoid, and entries of the squared loss's gradient of ~1e-7 fail a 1e-7 check on rounding alone)."""
    rng = np.random.default_rng(seed + 100)
    return {k: 0.5 * rng.standard_normal(v.shape) for k, v in VAE(D, H, d).params.items()}


def vae_forward_reference(params, X, eps, beta, recon):
    """The VAE's loss computed independently of nclib: (loss, rec (N,), kl (N,), h, mu, logvar)."""
    p = params
    h = np.maximum(X @ p["W_enc"] + p["b_enc"], 0)
    mu, logvar = h @ p["W_mu"] + p["b_mu"], h @ p["W_logvar"] + p["b_logvar"]
    z = mu + np.exp(logvar / 2) * eps
    x_hat = sigmoid_reference(np.maximum(z @ p["W_dec"] + p["b_dec"], 0) @ p["W_out"] + p["b_out"])
    if recon == "bce":
        rec = -np.sum(X * np.log(x_hat) + (1 - X) * np.log(1 - x_hat), axis=1)
    else:
        rec = 0.5 * np.sum((x_hat - X) ** 2, axis=1)
    kl = kl_reference(mu, logvar)
    return np.mean(rec + beta * kl), rec, kl, h, mu, logvar


def vae_batch(N=5, D=6, d=3, seed=0):
    """X (N, D) in [0, 1] (not binary) and eps (N, d)."""
    rng = np.random.default_rng(seed + 200)
    return rng.uniform(0, 1, (N, D)), rng.standard_normal((N, d))


# ---------------------------------------------------------------------------------------------------
# kl_divergence

def test_kl_matches_monte_carlo_within_three_standard_errors():
    mu = np.array([[0.0, 0.0, 0.0], [1.5, -0.5, 0.2], [0.0, 0.0, 0.0], [-2.0, 1.0, 0.3], [0.4, 0.1, -0.7]])
    logvar = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [-1.5, 0.8, 0.3], [-0.4, -2.0, 1.0], [0.5, -0.5, 0.1]])
    kl, _ = kl_divergence(mu, logvar)
    estimate, standard_error = kl_monte_carlo(mu, logvar, 100_000, np.random.default_rng(7))
    assert kl.shape == estimate.shape == standard_error.shape == (5,)
    assert np.all(standard_error[1:] > 0)
    # row 0 is q = p: every draw has log q - log p = 0 exactly
    assert estimate[0] == 0 and standard_error[0] == 0 and kl[0] == 0
    assert np.all(np.abs(kl - estimate) <= 3 * standard_error), (kl, estimate, standard_error)


def test_kl_matches_an_independent_formula():
    mu, logvar = gaussian_pair(20, 4, seed=1)
    kl, cache = kl_divergence(mu, logvar)
    assert kl.shape == (20,)
    assert rel_error(kl, kl_reference(mu, logvar)) < 1e-12
    np.testing.assert_array_equal(cache[0], mu)
    np.testing.assert_array_equal(cache[1], logvar)


@pytest.mark.parametrize("mu, logvar", [(0.7, -1.3), (-2.0, 1.5), (0.0, 0.0), (3.0, -4.0), (0.0, 2.5),
                                        (-0.3, 0.4)])
def test_kl_matches_numerical_integration_in_one_dimension(mu, logvar):
    kl, _ = kl_divergence(np.array([[mu]]), np.array([[logvar]]))
    assert kl.shape == (1,)
    np.testing.assert_allclose(kl[0], kl_by_integration(mu, logvar), rtol=1e-8, atol=1e-10)


def test_kl_is_zero_exactly_for_the_prior_and_positive_otherwise():
    kl, _ = kl_divergence(np.zeros((3, 4)), np.zeros((3, 4)))
    np.testing.assert_array_equal(kl, np.zeros(3))
    mu, logvar = gaussian_pair(50, 3, seed=2)
    assert np.all(kl_divergence(mu, logvar)[0] > 0)
    # only the mean, or only the variance, away from the prior
    assert np.all(kl_divergence(np.zeros((50, 3)), logvar)[0] > 0)
    np.testing.assert_allclose(kl_divergence(mu, np.zeros((50, 3)))[0], 0.5 * np.sum(mu ** 2, axis=1), rtol=1e-14)
    # a single coordinate away from the prior is enough
    one = np.zeros((2, 5))
    one[0, 3], one_lv = 1e-3, np.zeros((2, 5))
    one_lv[1, 2] = -1e-3
    assert np.all(kl_divergence(one, one_lv)[0] > 0)


def test_kl_is_additive_over_dimensions():
    mu, logvar = gaussian_pair(7, 5, seed=3)
    whole, _ = kl_divergence(mu, logvar)
    first, _ = kl_divergence(mu[:, :2], logvar[:, :2])
    second, _ = kl_divergence(mu[:, 2:], logvar[:, 2:])
    np.testing.assert_allclose(whole, first + second, rtol=1e-13)
    # and each dimension on its own
    per_dim = sum(kl_divergence(mu[:, [i]], logvar[:, [i]])[0] for i in range(5))
    np.testing.assert_allclose(whole, per_dim, rtol=1e-13)


def test_kl_is_exact_for_very_negative_logvar():
    mu = np.array([[0.5, -1.0], [0.0, 2.0]])
    logvar = np.full((2, 2), -800.0)
    kl, cache = kl_divergence(mu, logvar)
    assert np.all(np.isfinite(kl))
    np.testing.assert_allclose(kl, 0.5 * np.sum(mu ** 2 - 1 + 800, axis=1), rtol=1e-15)
    dmu, dlogvar = kl_divergence_backward(np.ones(2), cache)
    np.testing.assert_array_equal(dmu, mu)
    np.testing.assert_allclose(dlogvar, -0.5, rtol=1e-15)


def test_kl_is_finite_for_large_logvar():
    mu = np.array([[0.3, -0.2]])
    logvar = np.array([[300.0, 1.0]])
    kl, _ = kl_divergence(mu, logvar)
    assert np.all(np.isfinite(kl))
    np.testing.assert_allclose(kl, kl_reference(mu, logvar), rtol=1e-14)


@pytest.mark.parametrize("lv", [1e-10, -1e-10, 3e-10, 1e-8, -1e-7, 1e-6])
def test_kl_keeps_its_precision_for_tiny_logvar(lv):
    # the series of 1/2 (e^x - 1 - x) = x^2/4 + x^3/12 + x^4/48 + ...
    series = lv ** 2 / 4 + lv ** 3 / 12 + lv ** 4 / 48
    assert abs(series / (lv ** 2 / 4) - 1) < 1e-6
    kl, _ = kl_divergence(np.zeros((1, 1)), np.full((1, 1), lv))
    assert kl[0] > 0
    assert abs(kl[0] / series - 1) < 1e-6
    # the reference is needed: the naive formula loses (nearly) every digit here
    naive = 0.5 * (np.exp(lv) - 1 - lv)
    assert abs(naive / series - 1) > 1e-5


@pytest.mark.parametrize("mu_shape, lv_shape", [((2, 3), (2, 4)), ((2, 3), (3, 3)), ((3,), (3,)),
                                                ((2, 3, 1), (2, 3, 1)), ((), ())])
def test_kl_bad_shapes(mu_shape, lv_shape):
    with pytest.raises(ValueError):
        kl_divergence(np.zeros(mu_shape), np.zeros(lv_shape))
    with pytest.raises(ValueError):
        kl_monte_carlo(np.zeros(mu_shape), np.zeros(lv_shape), 10, 0)
    with pytest.raises(ValueError):
        reparameterize(np.zeros(mu_shape), np.zeros(lv_shape), np.zeros(mu_shape))


def test_kl_does_not_modify_its_inputs():
    mu, logvar = gaussian_pair(4, 3, seed=4)
    mu0, lv0 = mu.copy(), logvar.copy()
    _, cache = kl_divergence(mu, logvar)
    kl_divergence_backward(np.ones(4), cache)
    np.testing.assert_array_equal(mu, mu0)
    np.testing.assert_array_equal(logvar, lv0)


# ---------------------------------------------------------------------------------------------------
# kl_divergence_backward

@pytest.mark.parametrize("N, d", [(4, 3), (1, 1), (1, 5), (6, 1), (3, 2)])
def test_kl_backward_against_numerical_gradient(N, d):
    mu, logvar = gaussian_pair(N, d, seed=10 + N + d)
    dout = np.random.default_rng(N * d).standard_normal(N)
    dmu, dlogvar = kl_divergence_backward(dout, kl_divergence(mu, logvar)[1])
    assert dmu.shape == dlogvar.shape == (N, d)
    num_mu = eval_numerical_gradient_array(lambda m: kl_divergence(m, logvar)[0], mu.copy(), dout)
    num_lv = eval_numerical_gradient_array(lambda v: kl_divergence(mu, v)[0], logvar.copy(), dout)
    assert rel_error(dmu, num_mu) < GRAD_TOL
    assert rel_error(dlogvar, num_lv) < GRAD_TOL
    # the closed forms: mu and (sigma^2 - 1) / 2, times dout
    np.testing.assert_allclose(dmu, dout[:, None] * mu, rtol=1e-14)
    np.testing.assert_allclose(dlogvar, dout[:, None] * 0.5 * (np.exp(logvar) - 1), rtol=1e-12)


@pytest.mark.parametrize("shape", [(4, 1), (5,), (3,), (), (4, 3)])
def test_kl_backward_rejects_a_dout_of_the_wrong_shape(shape):
    _, cache = kl_divergence(*gaussian_pair(4, 3))
    with pytest.raises(ValueError):
        kl_divergence_backward(np.ones(shape), cache)


def test_kl_backward_of_the_batch_mean():
    mu, logvar = gaussian_pair(5, 3, seed=5)
    N = mu.shape[0]
    dmu, dlogvar = kl_divergence_backward(np.ones(N) / N, kl_divergence(mu, logvar)[1])
    num_mu = eval_numerical_gradient(lambda m: kl_divergence(m, logvar)[0].mean(), mu.copy())
    num_lv = eval_numerical_gradient(lambda v: kl_divergence(mu, v)[0].mean(), logvar.copy())
    assert rel_error(dmu, num_mu) < GRAD_TOL
    assert rel_error(dlogvar, num_lv) < GRAD_TOL
    # not the gradient of the sum
    assert rel_error(kl_divergence_backward(np.ones(N), kl_divergence(mu, logvar)[1])[0], num_mu) > 0.5


# ---------------------------------------------------------------------------------------------------
# kl_monte_carlo

def test_kl_monte_carlo_is_deterministic_for_a_seed():
    mu, logvar = gaussian_pair(3, 2, seed=6)
    first = kl_monte_carlo(mu, logvar, 500, 11)
    second = kl_monte_carlo(mu, logvar, 500, 11)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    # a Generator seeded alike gives the same draws, and it moves on
    rng = np.random.default_rng(11)
    from_rng = kl_monte_carlo(mu, logvar, 500, rng)
    np.testing.assert_array_equal(from_rng[0], first[0])
    assert not np.array_equal(kl_monte_carlo(mu, logvar, 500, rng)[0], first[0])
    assert not np.array_equal(kl_monte_carlo(mu, logvar, 500, 12)[0], first[0])


def test_kl_monte_carlo_from_the_documented_draws():
    # eps (n_samples, d) for each row in turn from the generator; log q - log p written with the densities
    mu, logvar = gaussian_pair(3, 2, seed=9)
    n = 7
    estimate, standard_error = kl_monte_carlo(mu, logvar, n, np.random.default_rng(21))
    rng = np.random.default_rng(21)
    for row in range(3):
        z = mu[row] + np.exp(logvar[row] / 2) * rng.standard_normal((n, 2))
        log_q = np.sum(-0.5 * np.log(2 * np.pi) - logvar[row] / 2 - (z - mu[row]) ** 2 / (2 * np.exp(logvar[row])),
                       axis=1)
        log_p = np.sum(-0.5 * np.log(2 * np.pi) - z ** 2 / 2, axis=1)
        ratio = log_q - log_p
        np.testing.assert_allclose(estimate[row], ratio.mean(), rtol=1e-12)
        np.testing.assert_allclose(standard_error[row], np.sqrt(np.sum((ratio - ratio.mean()) ** 2) / (n - 1) / n),
                                   rtol=1e-12)


def test_kl_monte_carlo_standard_error_shrinks_like_one_over_sqrt_n():
    mu = np.array([[1.0, -0.5], [0.2, 0.3], [-1.5, 0.0]])
    logvar = np.array([[0.5, -0.7], [1.0, -1.0], [0.2, 0.8]])
    _, se_small = kl_monte_carlo(mu, logvar, 400, 0)
    _, se_large = kl_monte_carlo(mu, logvar, 40_000, 1)
    np.testing.assert_allclose(se_small / se_large, 10.0, rtol=0.15)
    # the standard deviation of log q - log p is sqrt(sum_i mu_i^2 sigma_i^2 + (sigma_i^2 - 1)^2 / 2)
    sigma2 = np.exp(logvar)
    sd = np.sqrt(np.sum(mu ** 2 * sigma2 + 0.5 * (sigma2 - 1) ** 2, axis=1))
    np.testing.assert_allclose(se_large * np.sqrt(40_000), sd, rtol=0.05)


def test_kl_monte_carlo_is_unbiased():
    # 4000 independent estimates from 20 draws each: their mean is the KL within 4 standard errors
    mu = np.tile([[0.8, -0.3]], (4000, 1))
    logvar = np.tile([[-0.6, 0.9]], (4000, 1))
    estimate, standard_error = kl_monte_carlo(mu, logvar, 20, 3)
    kl = kl_divergence(mu[:1], logvar[:1])[0][0]
    assert abs(estimate.mean() - kl) < 4 * estimate.std(ddof=1) / np.sqrt(4000)
    # each estimate's own standard error is, on average, the spread of the estimates
    np.testing.assert_allclose(np.sqrt(np.mean(standard_error ** 2)), estimate.std(ddof=1), rtol=0.1)


@pytest.mark.parametrize("n", [1, 0, -5, 2.0, 100.5, "100", None])
def test_kl_monte_carlo_bad_n_samples(n):
    with pytest.raises(ValueError):
        kl_monte_carlo(np.zeros((1, 2)), np.zeros((1, 2)), n, 0)


def test_kl_monte_carlo_accepts_numpy_integers():
    estimate, standard_error = kl_monte_carlo(np.ones((2, 1)), np.zeros((2, 1)), np.int64(2), 0)
    assert estimate.shape == standard_error.shape == (2,)


# ---------------------------------------------------------------------------------------------------
# reparameterize

def test_reparameterize_forward():
    mu, logvar = gaussian_pair(4, 3, seed=7)
    eps = np.random.default_rng(8).standard_normal((4, 3))
    z, (cache_eps, sigma) = reparameterize(mu, logvar, eps)
    np.testing.assert_allclose(z, mu + np.sqrt(np.exp(logvar)) * eps, rtol=1e-14)
    np.testing.assert_allclose(sigma, np.sqrt(np.exp(logvar)), rtol=1e-14)
    np.testing.assert_array_equal(cache_eps, eps)
    # eps = 0 gives the mean
    np.testing.assert_array_equal(reparameterize(mu, logvar, np.zeros((4, 3)))[0], mu)


@pytest.mark.parametrize("N, d", [(4, 3), (1, 1), (2, 5)])
def test_reparameterize_backward_against_numerical_gradient(N, d):
    rng = np.random.default_rng(N + 10 * d)
    mu, logvar = gaussian_pair(N, d, seed=N + d)
    eps, dz = rng.standard_normal((N, d)), rng.standard_normal((N, d))
    dmu, dlogvar = reparameterize_backward(dz, reparameterize(mu, logvar, eps)[1])
    num_mu = eval_numerical_gradient_array(lambda m: reparameterize(m, logvar, eps)[0], mu.copy(), dz)
    num_lv = eval_numerical_gradient_array(lambda v: reparameterize(mu, v, eps)[0], logvar.copy(), dz)
    assert rel_error(dmu, num_mu) < GRAD_TOL
    assert rel_error(dlogvar, num_lv) < GRAD_TOL


def test_reparameterized_samples_have_the_right_mean_and_variance():
    n = 100_000
    mu_row, logvar_row = np.array([1.5, -0.5, 0.0]), np.array([0.7, -1.2, 0.0])
    mu, logvar = np.tile(mu_row, (n, 1)), np.tile(logvar_row, (n, 1))
    z, _ = reparameterize(mu, logvar, np.random.default_rng(9).standard_normal((n, 3)))
    var = np.exp(logvar_row)
    assert np.all(np.abs(z.mean(axis=0) - mu_row) < 4 * np.sqrt(var / n))
    # the sample variance of a normal has standard deviation var * sqrt(2 / (n - 1))
    assert np.all(np.abs(z.var(axis=0, ddof=1) - var) < 4 * var * np.sqrt(2 / (n - 1)))


@pytest.mark.parametrize("shape, eps_shape", [((4, 3), (4, 4)), ((4, 3), (3, 3)), ((4, 3), (3, 4)), ((4, 3), (4,)),
                                              ((4, 3), (1, 3)), ((1, 4), (4, 1)), ((2, 1), (1, 2))])
def test_reparameterize_rejects_eps_of_another_shape(shape, eps_shape):
    # (1, 4) and (4, 1) would broadcast to (4, 4) if only the sizes were compared
    with pytest.raises(ValueError):
        reparameterize(np.zeros(shape), np.zeros(shape), np.zeros(eps_shape))


def test_reparameterize_does_not_modify_its_inputs():
    mu, logvar = gaussian_pair(3, 2, seed=8)
    eps, dz = np.ones((3, 2)), np.full((3, 2), 2.0)
    copies = [a.copy() for a in (mu, logvar, eps, dz)]
    _, cache = reparameterize(mu, logvar, eps)
    dmu, dlogvar = reparameterize_backward(dz, cache)
    for a, a0 in zip((mu, logvar, eps, dz), copies):
        np.testing.assert_array_equal(a, a0)
    # dmu is a new array: changing it leaves dz alone
    dmu += 1.0
    dlogvar += 1.0
    np.testing.assert_array_equal(dz, copies[3])


# ---------------------------------------------------------------------------------------------------
# reconstruction_loss

def reconstruction_inputs(N=4, D=5, seed=0, binary=False):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, (N, D)).astype(float) if binary else rng.uniform(0, 1, (N, D))
    return 2.0 * rng.standard_normal((N, D)), x


@pytest.mark.parametrize("binary", [False, True])
def test_reconstruction_loss_values(binary):
    logits, x = reconstruction_inputs(binary=binary)
    x_hat = sigmoid_reference(logits)
    bce, dbce = reconstruction_loss(logits, x, "bce")
    sq, dsq = reconstruction_loss(logits, x, "squared")
    assert bce.shape == sq.shape == (4,) and dbce.shape == dsq.shape == (4, 5)
    np.testing.assert_allclose(bce, -np.sum(x * np.log(x_hat) + (1 - x) * np.log(1 - x_hat), axis=1), rtol=1e-12)
    np.testing.assert_allclose(sq, 0.5 * np.sum((x_hat - x) ** 2, axis=1), rtol=1e-12)
    # bce is the default
    np.testing.assert_array_equal(reconstruction_loss(logits, x)[0], bce)


@pytest.mark.parametrize("kind", ["bce", "squared"])
@pytest.mark.parametrize("N, D", [(4, 5), (1, 1), (3, 2)])
def test_reconstruction_loss_gradient(kind, N, D):
    logits, x = reconstruction_inputs(N, D, seed=N * D)
    _, dlogits = reconstruction_loss(logits, x, kind)
    num = eval_numerical_gradient(lambda l: reconstruction_loss(l, x, kind)[0].sum(), logits.copy())
    assert rel_error(dlogits, num) < GRAD_TOL
    # per example: a random weighting of the rows is the rows of dlogits weighted alike
    w = np.random.default_rng(1).standard_normal(N)
    num_w = eval_numerical_gradient_array(lambda l: reconstruction_loss(l, x, kind)[0], logits.copy(), w)
    assert rel_error(w[:, None] * dlogits, num_w) < GRAD_TOL


def test_bce_is_stable_for_huge_logits():
    logits = np.array([[1000.0, -1000.0, 1000.0, -1000.0, 1000.0]])
    x = np.array([[1.0, 0.0, 0.0, 1.0, 0.5]])
    rec, dlogits = reconstruction_loss(logits, x, "bce")
    assert np.all(np.isfinite(rec)) and np.all(np.isfinite(dlogits))
    # right with certainty: 0; wrong with certainty: |logit|; x = 1/2 at logit 1000: 1000 - 500
    np.testing.assert_allclose(rec, [0 + 0 + 1000 + 1000 + 500], rtol=1e-15)
    np.testing.assert_array_equal(dlogits, [[0.0, 0.0, 1.0, -1.0, 0.5]])
    sq, dsq = reconstruction_loss(logits, x, "squared")
    np.testing.assert_allclose(sq, [0.5 * (0 + 0 + 1 + 1 + 0.25)], rtol=1e-15)
    np.testing.assert_array_equal(dsq, np.zeros((1, 5)))


@pytest.mark.parametrize("kind", ["mse", "BCE", "", None, "l2"])
def test_reconstruction_loss_bad_kind(kind):
    with pytest.raises(ValueError):
        reconstruction_loss(np.zeros((2, 3)), np.zeros((2, 3)), kind)


@pytest.mark.parametrize("logits_shape, x_shape", [((2, 3), (2, 4)), ((2, 3), (3, 2)), ((3,), (3,)),
                                                   ((1, 2, 3), (1, 2, 3))])
def test_reconstruction_loss_bad_shapes(logits_shape, x_shape):
    for kind in ("bce", "squared"):
        with pytest.raises(ValueError):
            reconstruction_loss(np.zeros(logits_shape), np.zeros(x_shape), kind)


# ---------------------------------------------------------------------------------------------------
# vae_loss

@pytest.mark.parametrize("recon", ["bce", "squared"])
@pytest.mark.parametrize("beta", [0.0, 0.3, 1.0])
def test_vae_loss_gradient_of_every_parameter(recon, beta):
    params = vae_params(seed=int(10 * beta))
    X, eps = vae_batch(seed=int(10 * beta))
    loss, grads = vae_loss(params, X, eps, beta, recon)
    assert isinstance(loss, float)
    assert set(grads) == set(params) == set(PARAM_KEYS)
    for name in PARAM_KEYS:
        assert grads[name].shape == params[name].shape, name
        assert np.max(np.abs(grads[name])) > 1e-3, name  # the check is not vacuous
        num = eval_numerical_gradient(lambda _: vae_loss(params, X, eps, beta, recon)[0], params[name])
        assert rel_error(grads[name], num) < GRAD_TOL, name


@pytest.mark.parametrize("recon", ["bce", "squared"])
@pytest.mark.parametrize("beta", [0.0, 0.3, 1.0, 2.5])
def test_vae_loss_is_mean_reconstruction_plus_beta_kl(recon, beta):
    params = vae_params(seed=1)
    X, eps = vae_batch(seed=1)
    loss, _ = vae_loss(params, X, eps, beta, recon)
    expected, rec, kl, *_ = vae_forward_reference(params, X, eps, beta, recon)
    np.testing.assert_allclose(loss, expected, rtol=1e-12)
    np.testing.assert_allclose(loss, rec.mean() + beta * kl.mean(), rtol=1e-12)
    assert kl.mean() > 0.1  # beta matters here


def test_vae_loss_without_kl_leaves_it_out_of_the_gradients():
    params = vae_params(seed=2)
    X, eps = vae_batch(seed=2)
    N = X.shape[0]
    _, g0 = vae_loss(params, X, eps, 0.0)
    _, g1 = vae_loss(params, X, eps, 1.0)
    _, g3 = vae_loss(params, X, eps, 0.3)
    *_, h, mu, logvar = vae_forward_reference(params, X, eps, 1.0, "bce")
    # the KL term's own gradients, through the heads
    dmu_kl, dlogvar_kl = mu / N, 0.5 * (np.exp(logvar) - 1) / N
    np.testing.assert_allclose(g1["W_mu"] - g0["W_mu"], h.T @ dmu_kl, rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(g1["b_mu"] - g0["b_mu"], dmu_kl.sum(axis=0), rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(g1["W_logvar"] - g0["W_logvar"], h.T @ dlogvar_kl, rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(g1["b_logvar"] - g0["b_logvar"], dlogvar_kl.sum(axis=0), rtol=1e-9, atol=1e-13)
    assert np.max(np.abs(h.T @ dmu_kl)) > 1e-2 and np.max(np.abs(h.T @ dlogvar_kl)) > 1e-2
    # the decoder does not see the KL; every gradient is linear in beta
    for name in ("W_dec", "b_dec", "W_out", "b_out"):
        np.testing.assert_array_equal(g0[name], g1[name])
    for name in PARAM_KEYS:
        np.testing.assert_allclose(g3[name], g0[name] + 0.3 * (g1[name] - g0[name]), rtol=1e-9, atol=1e-13)
    # beta = 0: the gradient of the mean reconstruction alone
    for name in ("W_mu", "W_logvar"):
        num = eval_numerical_gradient(lambda _: vae_forward_reference(params, X, eps, 0.0, "bce")[1].mean(),
                                      params[name])
        assert rel_error(g0[name], num) < GRAD_TOL


@pytest.mark.parametrize("recon", ["bce", "squared"])
def test_vae_loss_with_one_example(recon):
    params = vae_params(seed=3)
    X, eps = vae_batch(N=1, seed=3)
    loss, grads = vae_loss(params, X, eps, 0.7, recon)
    np.testing.assert_allclose(loss, vae_forward_reference(params, X, eps, 0.7, recon)[0], rtol=1e-12)
    for name in PARAM_KEYS:
        num = eval_numerical_gradient(lambda _: vae_loss(params, X, eps, 0.7, recon)[0], params[name])
        assert rel_error(grads[name], num) < GRAD_TOL, name


def test_vae_loss_does_not_modify_its_inputs():
    params = vae_params(seed=4)
    X, eps = vae_batch(seed=4)
    before = copy.deepcopy((params, X, eps))
    vae_loss(params, X, eps, 1.0, "bce")
    for name in PARAM_KEYS:
        np.testing.assert_array_equal(params[name], before[0][name])
    np.testing.assert_array_equal(X, before[1])
    np.testing.assert_array_equal(eps, before[2])


# ---------------------------------------------------------------------------------------------------
# GAN discriminator losses

def test_gan_discriminator_loss_value_and_gradients():
    rng = np.random.default_rng(5)
    d_real, d_fake = rng.uniform(0.05, 0.95, 4), rng.uniform(0.05, 0.95, 7)
    loss, dd_real, dd_fake = gan_discriminator_loss(d_real, d_fake)
    assert isinstance(loss, float)
    assert dd_real.shape == (4,) and dd_fake.shape == (7,)
    np.testing.assert_allclose(loss, -np.mean(np.log(d_real)) - np.mean(np.log(1 - d_fake)), rtol=1e-13)
    num_real = eval_numerical_gradient(lambda d: gan_discriminator_loss(d, d_fake)[0], d_real.copy(), h=1e-6)
    num_fake = eval_numerical_gradient(lambda d: gan_discriminator_loss(d_real, d)[0], d_fake.copy(), h=1e-6)
    assert rel_error(dd_real, num_real) < GRAD_TOL
    assert rel_error(dd_fake, num_fake) < GRAD_TOL
    # real samples want D up, fake ones D down
    assert np.all(dd_real < 0) and np.all(dd_fake > 0)


def test_gan_discriminator_loss_exam_value_and_gradients():
    rng = np.random.default_rng(6)
    d_real, d_fake = rng.uniform(0.05, 0.95, 3), rng.uniform(0.05, 0.95, 6)
    loss, dd_real, dd_fake = gan_discriminator_loss_exam(d_real, d_fake)
    assert dd_real.shape == (3,) and dd_fake.shape == (6,)
    np.testing.assert_allclose(loss, -np.mean(np.log(1 - d_real)) - np.mean(np.log(d_fake)), rtol=1e-13)
    num_real = eval_numerical_gradient(lambda d: gan_discriminator_loss_exam(d, d_fake)[0], d_real.copy(), h=1e-6)
    num_fake = eval_numerical_gradient(lambda d: gan_discriminator_loss_exam(d_real, d)[0], d_fake.copy(), h=1e-6)
    assert rel_error(dd_real, num_real) < GRAD_TOL
    assert rel_error(dd_fake, num_fake) < GRAD_TOL
    assert np.all(dd_real > 0) and np.all(dd_fake < 0)


def test_the_exam_loss_rewards_the_wrong_labels():
    d_real, d_fake = np.array([0.9, 0.95, 0.85]), np.array([0.05, 0.1])  # right: real high, fake low
    right = gan_discriminator_loss(d_real, d_fake)[0]
    wrong = gan_discriminator_loss(1 - d_real, 1 - d_fake)[0]
    right_exam = gan_discriminator_loss_exam(d_real, d_fake)[0]
    wrong_exam = gan_discriminator_loss_exam(1 - d_real, 1 - d_fake)[0]
    assert right < wrong
    assert right_exam > wrong_exam
    # the exam's loss of D is the correct loss of the flipped discriminator 1 - D
    np.testing.assert_allclose(right_exam, wrong, rtol=1e-14)
    np.testing.assert_allclose(wrong_exam, right, rtol=1e-14)


def train_logistic_discriminator(loss_fn, steps=150, learning_rate=0.5, seed=0, n=200):
    """D(x) = sigmoid(a x + b), a = b = 0 at first, trained by gradient descent with loss_fn on real samples
    from N(2, 1) and fake ones from N(-2, 1); the chain rule goes through the sigmoid with the gradients
    loss_fn returns. Returns a, b, the losses and the fractions of real and fake samples with D > 1/2."""
    rng = np.random.default_rng(seed)
    x_real, x_fake = rng.normal(2.0, 1.0, n), rng.normal(-2.0, 1.0, n)
    a = b = 0.0
    losses = []
    for _ in range(steps):
        s_real, s_fake = sigmoid_reference(a * x_real + b), sigmoid_reference(a * x_fake + b)
        loss, dd_real, dd_fake = loss_fn(s_real, s_fake)
        losses.append(loss)
        dpre_real, dpre_fake = dd_real * s_real * (1 - s_real), dd_fake * s_fake * (1 - s_fake)
        a -= learning_rate * (dpre_real @ x_real + dpre_fake @ x_fake)
        b -= learning_rate * (dpre_real.sum() + dpre_fake.sum())
    return a, b, losses, np.mean(a * x_real + b > 0), np.mean(a * x_fake + b > 0)


def test_training_a_discriminator_with_each_loss():
    a, _, losses, real_called_real, fake_called_real = train_logistic_discriminator(gan_discriminator_loss)
    assert a > 0.5
    assert losses[-1] < 0.5 * losses[0]
    assert real_called_real > 0.95 and fake_called_real < 0.05
    a, _, losses, real_called_real, fake_called_real = train_logistic_discriminator(gan_discriminator_loss_exam)
    assert a < -0.5
    assert losses[-1] < 0.5 * losses[0]
    assert real_called_real < 0.05 and fake_called_real > 0.95


@pytest.mark.parametrize("bad", [[0.5, 0.0], [1.0, 0.3], [-0.1, 0.5], [0.5, 1.2], [np.nan, 0.5]])
def test_gan_losses_reject_probabilities_outside_the_open_interval(bad):
    good = np.array([0.3, 0.6])
    for loss_fn in (gan_discriminator_loss, gan_discriminator_loss_exam):
        with pytest.raises(ValueError):
            loss_fn(np.array(bad), good)
        with pytest.raises(ValueError):
            loss_fn(good, np.array(bad))


@pytest.mark.parametrize("bad", [np.array(0.5), np.full((2, 1), 0.5), np.full((1, 3), 0.5), np.zeros(0)])
def test_gan_losses_reject_a_wrong_ndim(bad):
    good = np.array([0.3, 0.6])
    for loss_fn in (gan_discriminator_loss, gan_discriminator_loss_exam):
        with pytest.raises(ValueError):
            loss_fn(bad, good)
        with pytest.raises(ValueError):
            loss_fn(good, bad)


# ---------------------------------------------------------------------------------------------------
# models.VAE

def small_batch(N=7, D=6, seed=0):
    return np.random.default_rng(seed).uniform(0, 1, (N, D))


@pytest.mark.parametrize("D, H, d", [(64, 128, 2), (6, 5, 3), (1, 1, 1)])
def test_vae_model_parameter_shapes(D, H, d):
    model = VAE(D, H, d)
    expected = {"W_enc": (D, H), "b_enc": (H,), "W_mu": (H, d), "b_mu": (d,), "W_logvar": (H, d),
                "b_logvar": (d,), "W_dec": (d, H), "b_dec": (H,), "W_out": (H, D), "b_out": (D,)}
    assert {k: v.shape for k, v in model.params.items()} == expected
    for name in expected:
        if name.startswith("b_"):
            np.testing.assert_array_equal(model.params[name], 0.0)
    # defaults: the digits' 64 pixels
    assert VAE().params["W_enc"].shape == (64, 128) and VAE().params["W_mu"].shape == (128, 2)


def test_vae_model_initialisation_scales_and_seed():
    model = VAE(64, 400, 300, seed=1)
    np.testing.assert_allclose(model.params["W_enc"].std(), np.sqrt(2 / 64), rtol=0.05)
    np.testing.assert_allclose(model.params["W_mu"].std(), np.sqrt(1 / 400), rtol=0.05)
    np.testing.assert_allclose(model.params["W_dec"].std(), np.sqrt(2 / 300), rtol=0.05)
    again, other = VAE(64, 400, 300, seed=1), VAE(64, 400, 300, seed=2)
    for name in PARAM_KEYS:
        np.testing.assert_array_equal(model.params[name], again.params[name])
    assert not np.array_equal(model.params["W_enc"], other.params["W_enc"])


@pytest.mark.parametrize("kwargs", [{"input_dim": 0}, {"input_dim": -3}, {"input_dim": 6.0}, {"input_dim": True},
                                    {"input_dim": "64"}, {"hidden_dim": 0}, {"hidden_dim": 2.5},
                                    {"latent_dim": 0}, {"latent_dim": None}, {"recon": "mse"},
                                    {"recon": "BCE"}, {"beta": -0.1}, {"beta": np.nan}])
def test_vae_model_bad_constructor_arguments(kwargs):
    with pytest.raises(ValueError):
        VAE(**{"input_dim": 6, "hidden_dim": 5, "latent_dim": 3, **kwargs})


def test_vae_model_accepts_numpy_integers_and_beta_zero():
    model = VAE(np.int64(6), np.int32(5), np.int64(2), beta=0, recon="squared")
    assert model.params["W_mu"].shape == (5, 2) and model.beta == 0.0


@pytest.mark.parametrize("X", [np.full((3, 6), 0.5) - np.eye(3, 6) * 0.51, np.full((3, 6), 0.5) + np.eye(3, 6) * 0.51,
                               np.full((3, 5), 0.5), np.full((3, 7), 0.5), np.full(6, 0.5),
                               np.full((3, 6, 1), 0.5), np.full((3, 6), np.nan)])
def test_vae_model_rejects_bad_inputs(X):
    model = VAE(6, 5, 3)
    for method in (model.loss, model.objective, model.encode, model.reconstruct):
        with pytest.raises(ValueError):
            method(X)


def test_vae_model_accepts_the_ends_of_the_unit_interval():
    X = np.array([[0.0, 1.0, 0.0, 1.0, 0.5, 0.25]])
    assert np.isfinite(VAE(6, 5, 3).objective(X))


@pytest.mark.parametrize("z", [np.zeros((4, 2)), np.zeros((4, 4)), np.zeros(3), np.zeros((1, 3, 1))])
def test_vae_model_decode_rejects_codes_of_the_wrong_shape(z):
    with pytest.raises(ValueError):
        VAE(6, 5, 3).decode(z)


def test_vae_model_loss_ignores_the_labels():
    X = small_batch()
    a, b, c = VAE(6, 5, 3, seed=4), VAE(6, 5, 3, seed=4), VAE(6, 5, 3, seed=4)
    loss_a, grads_a = a.loss(X)
    loss_b, grads_b = b.loss(X, np.arange(7))
    loss_c, grads_c = c.loss(X, np.full(7, 9))
    assert loss_a == loss_b == loss_c
    for name in PARAM_KEYS:
        np.testing.assert_array_equal(grads_a[name], grads_b[name])
        np.testing.assert_array_equal(grads_a[name], grads_c[name])


def test_vae_model_loss_draws_new_noise_at_every_call():
    model, X = VAE(6, 5, 3, seed=4), small_batch()
    assert model.loss(X)[0] != model.loss(X)[0]


def test_vae_model_gradient_is_vae_loss_with_the_models_noise():
    model = VAE(6, 5, 3, beta=0.5, recon="squared", seed=5)
    model.params = vae_params(seed=5)
    X = small_batch()
    eps = copy.deepcopy(model.rng).standard_normal((7, 3))
    loss, grads = model.loss(X)
    expected_loss, expected_grads = vae_loss(model.params, X, eps, 0.5, "squared")
    assert loss == expected_loss
    for name in PARAM_KEYS:
        np.testing.assert_array_equal(grads[name], expected_grads[name])


@pytest.mark.parametrize("recon, beta", [("bce", 1.0), ("squared", 0.4)])
def test_vae_model_objective_is_deterministic_and_its_gradient_is_the_models(recon, beta):
    model = VAE(6, 4, 2, beta=beta, recon=recon, seed=6)
    model.params = vae_params(6, 4, 2, seed=6)
    X = small_batch(5)
    rng_state = copy.deepcopy(model.rng.bit_generator.state)
    value = model.objective(X, seed=3)
    assert value == model.objective(X, seed=3)
    assert value != model.objective(X, seed=4)
    assert model.objective(X) == model.objective(X, seed=0)
    # objective uses its own noise: the training noise is left where it was
    assert model.rng.bit_generator.state == rng_state
    eps = np.random.default_rng(3).standard_normal((5, 2))
    expected, grads = vae_loss(model.params, X, eps, beta, recon)
    assert value == expected
    for name in PARAM_KEYS:
        num = eval_numerical_gradient(lambda _: model.objective(X, seed=3), model.params[name])
        assert rel_error(grads[name], num) < GRAD_TOL, name


def test_vae_model_encode_decode_reconstruct_sample():
    model = VAE(6, 5, 3, seed=7)
    model.params = vae_params(seed=7)
    X = small_batch(4)
    mu, logvar = model.encode(X)
    assert mu.shape == logvar.shape == (4, 3)
    *_, mu_ref, logvar_ref = vae_forward_reference(model.params, X, np.zeros((4, 3)), 1.0, "bce")
    np.testing.assert_allclose(mu, mu_ref, rtol=1e-13)
    np.testing.assert_allclose(logvar, logvar_ref, rtol=1e-13)
    z = 3.0 * np.random.default_rng(0).standard_normal((9, 3))
    x_hat = model.decode(z)
    assert x_hat.shape == (9, 6)
    assert np.all((x_hat > 0) & (x_hat < 1))
    p = model.params
    np.testing.assert_allclose(x_hat, sigmoid_reference(np.maximum(z @ p["W_dec"] + p["b_dec"], 0) @ p["W_out"]
                                                        + p["b_out"]), rtol=1e-13)
    np.testing.assert_array_equal(model.reconstruct(X), model.decode(mu))
    samples = model.sample(11, seed=2)
    assert samples.shape == (11, 6)
    assert np.all((samples > 0) & (samples < 1))
    np.testing.assert_array_equal(samples, model.sample(11, seed=2))
    np.testing.assert_array_equal(samples, model.decode(np.random.default_rng(2).standard_normal((11, 3))))
    assert not np.array_equal(samples, model.sample(11, seed=3))


def test_vae_model_trains_with_the_solver_on_minus_its_objective():
    data = load_digits(standardize=False)
    model = VAE(64, 64, 2, seed=0)
    before = model.objective(data["X_val"])
    solver = Solver(model, data, optim.adam, {"learning_rate": 2e-3}, batch_size=100, num_epochs=5,
                    verbose=False, metric=lambda model, X, y: -model.objective(X))
    solver.train()
    after = model.objective(data["X_val"])
    assert len(solver.val_acc_history) == len(solver.train_acc_history) == 6
    assert len(solver.loss_history) == 5 * (data["X_train"].shape[0] // 100)
    assert solver.val_acc_history[0] == -before
    assert after < before - 1.0
    # the metric is negative, and the best of it is kept, parameters included
    assert max(solver.val_acc_history) < 0
    assert solver.best_val_acc == max(solver.val_acc_history)
    assert after == -solver.best_val_acc
    assert solver.loss_history[-1] < solver.loss_history[0]


# ---------------------------------------------------------------------------------------------------
# Solver with a metric

class ScalarModel:
    """One parameter w (1,), the loss w (gradient 1, so SGD moves w down by the learning rate per step);
    scores are not available (as for a VAE): loss(X) without y fails."""

    def __init__(self):
        self.params = {"w": np.zeros(1)}

    def loss(self, X, y=None):
        if y is None:
            raise AssertionError("the Solver asked for scores although it has a metric")
        return float(self.params["w"][0]), {"w": np.ones(1)}


def scalar_data(num_train=10, num_val=4):
    return {"X_train": np.zeros((num_train, 1)), "y_train": np.arange(num_train),
            "X_val": np.ones((num_val, 1)), "y_val": np.arange(num_val)}


@pytest.mark.parametrize("metric", [3, "accuracy", 0.5, [lambda model, X, y: 0.0]])
def test_solver_rejects_a_metric_that_is_not_callable(metric):
    with pytest.raises(TypeError):
        Solver(ScalarModel(), scalar_data(), optim.sgd, metric=metric)


def test_solver_records_the_metric_in_place_of_the_accuracy():
    calls = []

    def metric(model, X, y):
        calls.append((model, X.shape, y.shape))
        return float(X.sum() + 100 * X.shape[0]) + 0.25

    model = ScalarModel()
    solver = Solver(model, scalar_data(), optim.sgd, {"learning_rate": 1.0}, batch_size=10, num_epochs=3,
                    num_train_samples=6, verbose=False, metric=metric).train()
    assert solver.train_acc_history == [600.25] * 4  # a subset of 6 training examples, all zeros
    assert solver.val_acc_history == [404.25] * 4
    assert len(calls) == 8 and all(call[0] is model for call in calls)
    assert all(x_shape[0] == y_shape[0] for _, x_shape, y_shape in calls)
    assert solver.check_accuracy(np.ones((3, 1)), np.zeros(3)) == 303.25
    assert solver.history()["val_acc_history"] == [404.25] * 3


def test_solver_keeps_the_best_parameters_for_a_negative_metric():
    # w goes 0, -1, -2, -3, -4, -5 (one SGD step per epoch); the metric peaks at w = -2
    model = ScalarModel()
    solver = Solver(model, scalar_data(), optim.sgd, {"learning_rate": 1.0}, batch_size=10, num_epochs=5,
                    verbose=False, metric=lambda model, X, y: -10.0 - (model.params["w"][0] + 2.4) ** 2).train()
    np.testing.assert_allclose(solver.val_acc_history, [-10 - (w + 2.4) ** 2 for w in (0, -1, -2, -3, -4, -5)])
    assert solver.best_val_acc == max(solver.val_acc_history) == solver.val_acc_history[2]
    np.testing.assert_array_equal(model.params["w"], [-2.0])
    np.testing.assert_array_equal(solver.best_params["w"], [-2.0])


def test_solver_prints_metric_in_place_of_acc(capsys):
    Solver(ScalarModel(), scalar_data(), optim.sgd, {"learning_rate": 1.0}, batch_size=10, num_epochs=1,
           verbose=True, metric=lambda model, X, y: -1.5).train()
    out = capsys.readouterr().out
    assert "metric -1.500" in out and "acc" not in out


def test_vae_loss_names_missing_parameters():
    params = VAE(6, 5, 3).params
    del params["W_logvar"], params["b_out"]
    with pytest.raises(ValueError, match="params lacks W_logvar, b_out"):
        vae_loss(params, np.full((2, 6), 0.5), np.zeros((2, 3)))
