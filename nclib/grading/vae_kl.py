"""Specs of the vae_kl assignment: the Gaussian KL divergence and its Monte Carlo estimate, the
reparameterisation, the VAE's loss and the GAN discriminator's loss."""
import numpy as np

from nclib import vae
from nclib.grading.engine import Spec, assert_unchanged, call, compare_cases, describe, forward_spec, require


def _gaussian_cases(seed, with_eps=False):
    """(mu, logvar[, eps]) of several shapes: a batch of one, one latent dimension, q equal to the prior,
    and log-variances far from 0 (-800, where exp underflows to 0, and +300)."""
    rng = np.random.default_rng(seed)
    cases = []
    for N, d, kind in [(4, 3, "random"), (1, 5, "random"), (6, 1, "random"), (2, 4, "the prior"),
                       (3, 2, "large |mu| and |logvar|")]:
        mu, logvar = 2.0 * rng.standard_normal((N, d)), 1.5 * rng.standard_normal((N, d))
        if kind == "the prior":
            mu[0], logvar[0] = 0.0, 0.0
        if kind.startswith("large"):
            mu[0, 0], logvar[0, 0], logvar[1, 1], logvar[2, 0] = 50.0, -800.0, 300.0, -60.0
        args = (mu, logvar, rng.standard_normal((N, d))) if with_eps else (mu, logvar)
        cases.append((args, f"mu {mu.shape}" + ("" if kind == "random" else f", {kind}")))
    return cases


def _kl_divergence_backward(name, student_fn, reference):
    rng = np.random.default_rng(31)
    cases = [((rng.standard_normal(args[0].shape[0]), args), description)
             for args, description in _gaussian_cases(30)]
    compare_cases(name, student_fn, reference, cases, ["dmu", "dlogvar"])


def _kl_monte_carlo(name, student_fn, reference):
    """Statistical: with the student's own draws (from the seed given as rng), the estimate must lie within
    5 standard errors (the reference's) of the closed form, the standard error within 15% of the
    reference's, and another seed must give another estimate (the draws must come from rng)."""
    rng = np.random.default_rng(32)
    n_samples = 20000
    cases = [((2.0 * rng.standard_normal((3, 4)), rng.uniform(-2.0, 2.0, (3, 4))), "mu (3, 4)"),
             ((rng.standard_normal((1, 1)), np.array([[1.5]])), "mu (1, 1)"),
             ((np.array([[0.5, -1.0], [0.0, 0.0]]), np.array([[-1.0, 0.7], [0.0, 0.0]])),
              "mu (2, 2), the second row the prior")]
    for number, ((mu, logvar), description) in enumerate(cases, start=1):
        where = f"{name}, hidden case {number} of {len(cases)} ({description}, n_samples={n_samples})"
        exact, _ = vae.kl_divergence(mu, logvar)
        _, reference_error = reference(mu, logvar, n_samples, 33)
        results = []
        for seed in (33, 34):
            given = (mu.copy(), logvar.copy())
            result = call(where, student_fn, *given, n_samples, seed)
            assert_unchanged(where, (mu, logvar), given)
            require(isinstance(result, tuple) and len(result) == 2,
                    f"{where}: must return (estimate, standard_error), got {describe(result)}")
            estimate, error = (np.asarray(v, dtype=np.float64) for v in result)
            for out_name, value in (("estimate", estimate), ("standard_error", error)):
                require(value.shape == exact.shape, f"{where}: {out_name} has shape {value.shape}, "
                                                    f"expected (N,) = {exact.shape}")
                require(np.all(np.isfinite(value)), f"{where}: {out_name} contains inf or nan")
            off = np.abs(estimate - exact) / np.maximum(reference_error, 1e-12)
            require(np.all(np.abs(estimate - exact) <= 5 * reference_error + 1e-9),
                    f"{where}: the estimate is biased: largest error {off.max():.2e} standard errors")
            require(np.all(np.abs(error - reference_error) <= 0.15 * reference_error + 1e-9),
                    f"{where}: standard_error is wrong: largest relative error "
                    f"{np.max(np.abs(error - reference_error) / np.maximum(reference_error, 1e-12)):.2e}")
            results.append(estimate)
        require(not np.array_equal(results[0], results[1]) or np.all(reference_error == 0),
                f"{where}: the estimate is the same for two seeds: draw the samples from rng")


def _reparameterize_backward(name, student_fn, reference):
    rng = np.random.default_rng(36)
    cases = []
    for (mu, logvar, eps), description in _gaussian_cases(35, with_eps=True):
        logvar = np.clip(logvar, -60.0, 60.0)  # exp(logvar / 2) stays finite
        _, cache = vae.reparameterize(mu, logvar, eps)
        cases.append(((rng.standard_normal(mu.shape), cache), description))
    compare_cases(name, student_fn, reference, cases, ["dmu", "dlogvar"])


def _reparameterize_cases(seed):
    return [((mu, np.clip(logvar, -60.0, 60.0), eps), description)
            for (mu, logvar, eps), description in _gaussian_cases(seed, with_eps=True)]


def _vae_loss(name, student_fn, reference):
    rng = np.random.default_rng(37)
    cases = []
    for N, D, H, d, beta, recon, binary in [
        (5, 6, 5, 3, 1.0, "bce", False),
        (4, 7, 6, 2, 0.0, "bce", False),
        (1, 5, 4, 2, 1.0, "bce", True),
        (6, 6, 5, 3, 0.5, "squared", False),
        (3, 4, 3, 1, 2.0, "squared", True),
        (8, 9, 7, 4, 1.0, "bce", True),
    ]:
        params = {}
        for layer, fan_in, fan_out in (("enc", D, H), ("mu", H, d), ("logvar", H, d), ("dec", d, H), ("out", H, D)):
            params[f"W_{layer}"] = rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)
            params[f"b_{layer}"] = 0.5 * rng.standard_normal(fan_out)
        X = rng.integers(2, size=(N, D)).astype(np.float64) if binary else rng.uniform(size=(N, D))
        eps = rng.standard_normal((N, d))
        description = f"X {X.shape}, H={H}, d={d}, beta={beta}, recon={recon!r}" + (", binary X" if binary else "")
        cases.append(((params, X, eps, beta, recon), description))
    compare_cases(name, student_fn, reference, cases, ["loss", "grads"])


def _gan_discriminator_loss(name, student_fn, reference):
    rng = np.random.default_rng(38)
    cases = []
    for n_real, n_fake, extreme in [(4, 4, False), (5, 3, False), (1, 6, False), (3, 1, False), (4, 5, True)]:
        d_real, d_fake = rng.uniform(0.02, 0.98, n_real), rng.uniform(0.02, 0.98, n_fake)
        if extreme:
            d_real[:2], d_fake[:2] = [1e-9, 1 - 1e-9], [1e-9, 1 - 1e-9]
        description = f"{n_real} real and {n_fake} fake samples" + (", D near 0 and 1" if extreme else "")
        cases.append(((d_real, d_fake), description))
    compare_cases(name, student_fn, reference, cases, ["loss", "dd_real", "dd_fake"])


SPECS = {
    "kl_divergence": forward_spec(vae.kl_divergence, _gaussian_cases, 29),
    "kl_divergence_backward": Spec(vae.kl_divergence_backward, _kl_divergence_backward),
    "kl_monte_carlo": Spec(vae.kl_monte_carlo, _kl_monte_carlo),
    "reparameterize": forward_spec(vae.reparameterize, _reparameterize_cases, 34),
    "reparameterize_backward": Spec(vae.reparameterize_backward, _reparameterize_backward),
    "vae_loss": Spec(vae.vae_loss, _vae_loss),
    "gan_discriminator_loss": Spec(vae.gan_discriminator_loss, _gan_discriminator_loss),
}
