"""nclib.grading's specs of the vae_kl assignment: the reference and correct alternative solutions pass;
realistic student bugs fail with an AssertionError that names the function and never shows an expected value.
"""
import numpy as np

from grading_support import GradedFunctionTests
from nclib import layers, vae
from nclib.grading import vae_kl


# --- kl_divergence --------------------------------------------------------------------------------

def kl_divergence_textbook(mu, logvar):
    return 0.5 * np.sum(np.exp(logvar) + mu ** 2 - 1 - logvar, axis=1), (mu, logvar)


def kl_divergence_kingma(mu, logvar):
    """The form of Kingma and Welling's appendix B."""
    return -0.5 * (1 + logvar - mu * mu - np.exp(logvar)).sum(axis=-1), (mu, logvar)


def kl_divergence_log_of_sigma_squared(mu, logvar):
    """log(sigma^2) recomputed from sigma: -inf when exp(logvar / 2) underflows."""
    sigma = np.exp(0.5 * logvar)
    with np.errstate(divide="ignore"):
        return 0.5 * np.sum(sigma ** 2 + mu ** 2 - 1 - np.log(sigma ** 2), axis=1), (mu, logvar)


def kl_divergence_seed_sign(mu, logvar):
    """The problem set's final line, sum log sigma - 1/2 (1 - E[z^2]): the log term with the wrong sign."""
    return 0.5 * np.sum(np.exp(logvar) + mu ** 2 - 1 + logvar, axis=1), (mu, logvar)


def kl_divergence_batch_mean(mu, logvar):
    return np.mean(0.5 * np.sum(np.exp(logvar) + mu ** 2 - 1 - logvar, axis=1)), (mu, logvar)


def kl_divergence_sigma_for_variance(mu, logvar):
    return 0.5 * np.sum(np.exp(0.5 * logvar) + mu ** 2 - 1 - logvar, axis=1), (mu, logvar)


def kl_divergence_without_half(mu, logvar):
    return np.sum(np.exp(logvar) + mu ** 2 - 1 - logvar, axis=1), (mu, logvar)


def kl_divergence_over_axis_0(mu, logvar):
    return 0.5 * np.sum(np.exp(logvar) + mu ** 2 - 1 - logvar, axis=0), (mu, logvar)


# --- kl_divergence_backward -----------------------------------------------------------------------

def kl_divergence_backward_ok(dout, cache):
    mu, logvar = cache
    dout = dout.reshape(-1, 1)
    return dout * mu, dout * (np.exp(logvar) - 1) / 2


def kl_divergence_backward_without_minus_one(dout, cache):
    mu, logvar = cache
    return dout[:, None] * mu, dout[:, None] * 0.5 * np.exp(logvar)


def kl_divergence_backward_without_half(dout, cache):
    mu, logvar = cache
    return dout[:, None] * mu, dout[:, None] * (np.exp(logvar) - 1)


def kl_divergence_backward_dout_ignored(dout, cache):
    mu, logvar = cache
    return mu.copy(), 0.5 * (np.exp(logvar) - 1)


def kl_divergence_backward_dout_not_broadcast(dout, cache):
    mu, logvar = cache
    return dout * mu, dout * 0.5 * (np.exp(logvar) - 1)


def kl_divergence_backward_two_mu(dout, cache):
    mu, logvar = cache
    return 2 * dout[:, None] * mu, dout[:, None] * 0.5 * (np.exp(logvar) - 1)


# --- kl_monte_carlo -------------------------------------------------------------------------------

def kl_monte_carlo_all_rows_at_once(mu, logvar, n_samples, rng):
    rng = np.random.default_rng(rng)
    sigma = np.exp(logvar / 2)
    z = mu + sigma * rng.standard_normal((n_samples,) + mu.shape)
    log_q = -0.5 * np.sum(((z - mu) / sigma) ** 2 + logvar + np.log(2 * np.pi), axis=2)
    log_p = -0.5 * np.sum(z ** 2 + np.log(2 * np.pi), axis=2)
    values = log_q - log_p
    return values.mean(axis=0), values.std(axis=0, ddof=1) / np.sqrt(n_samples)


def kl_monte_carlo_shared_draws(mu, logvar, n_samples, rng):
    """One set of eps for every row: still an unbiased estimate for each row."""
    rng = np.random.default_rng(rng)
    eps = rng.standard_normal((n_samples, 1, mu.shape[1]))
    z = mu + np.exp(0.5 * logvar) * eps
    values = 0.5 * np.sum(z ** 2 - eps ** 2 - logvar, axis=2)
    return values.mean(axis=0), values.std(axis=0) / np.sqrt(n_samples)


def student_kl_monte_carlo(mu, logvar, n_samples, rng, bug=None):
    rng = np.random.default_rng(rng)
    sigma = np.exp(logvar if bug == "sigma_is_variance" else 0.5 * logvar)
    eps = rng.standard_normal((n_samples,) + mu.shape)
    z = mu + sigma * eps
    values = -0.5 * eps ** 2 - 0.5 * logvar + 0.5 * z ** 2
    values = values.mean(axis=2) if bug == "mean_over_dims" else values.sum(axis=2)
    if bug == "log_p_minus_log_q":
        values = -values
    error = values.std(axis=0, ddof=1)
    if bug != "no_sqrt_n":
        error = error / np.sqrt(n_samples)
    return values.mean(axis=0), error


def kl_monte_carlo_log_p_minus_log_q(mu, logvar, n_samples, rng):
    return student_kl_monte_carlo(mu, logvar, n_samples, rng, bug="log_p_minus_log_q")


def kl_monte_carlo_sigma_is_variance(mu, logvar, n_samples, rng):
    return student_kl_monte_carlo(mu, logvar, n_samples, rng, bug="sigma_is_variance")


def kl_monte_carlo_mean_over_dims(mu, logvar, n_samples, rng):
    return student_kl_monte_carlo(mu, logvar, n_samples, rng, bug="mean_over_dims")


def kl_monte_carlo_no_sqrt_n(mu, logvar, n_samples, rng):
    return student_kl_monte_carlo(mu, logvar, n_samples, rng, bug="no_sqrt_n")


def kl_monte_carlo_closed_form(mu, logvar, n_samples, rng):
    """The closed form, with an error from a fixed generator: no sampling from rng."""
    estimate = vae.kl_divergence(mu, logvar)[0]
    return estimate, vae.kl_monte_carlo(mu, logvar, n_samples, 0)[1]


# --- reparameterize -------------------------------------------------------------------------------

def reparameterize_sqrt_of_variance(mu, logvar, eps):
    sigma = np.sqrt(np.exp(logvar))
    return mu + sigma * eps, (eps, sigma)


def reparameterize_variance_for_sigma(mu, logvar, eps):
    return mu + np.exp(logvar) * eps, (eps, np.exp(logvar))


def reparameterize_logvar_as_sigma(mu, logvar, eps):
    return mu + logvar * eps, (eps, logvar)


def reparameterize_without_eps(mu, logvar, eps):
    return mu + np.exp(0.5 * logvar), (eps, np.exp(0.5 * logvar))


# --- reparameterize_backward ----------------------------------------------------------------------

def reparameterize_backward_ok(dz, cache):
    eps, sigma = cache
    return 1.0 * dz, dz * (sigma * eps) / 2


def reparameterize_backward_without_half(dz, cache):
    eps, sigma = cache
    return dz.copy(), dz * eps * sigma


def reparameterize_backward_gradient_wrt_sigma(dz, cache):
    eps, sigma = cache
    return dz.copy(), dz * eps


def reparameterize_backward_dmu_times_sigma(dz, cache):
    eps, sigma = cache
    return dz * sigma, 0.5 * dz * eps * sigma


# --- vae_loss -------------------------------------------------------------------------------------

def student_vae_loss(params, X, eps, beta=1.0, recon="bce", bug=None):
    """A student's VAE loss built from nclib's pieces, with one of the usual bugs."""
    p, N = params, X.shape[0]
    h, enc_cache = layers.affine_forward(X, p["W_enc"], p["b_enc"])
    h, relu_cache = layers.relu_forward(h)
    mu, mu_cache = layers.affine_forward(h, p["W_mu"], p["b_mu"])
    logvar, logvar_cache = layers.affine_forward(h, p["W_logvar"], p["b_logvar"])
    z, z_cache = vae.reparameterize(mu, logvar, eps)
    g, dec_cache = layers.affine_forward(z, p["W_dec"], p["b_dec"])
    g, dec_relu_cache = layers.relu_forward(g)
    logits, out_cache = layers.affine_forward(g, p["W_out"], p["b_out"])
    rec, dlogits = vae.reconstruction_loss(logits, X, recon)
    kl, kl_cache = vae.kl_divergence(mu, logvar)
    if bug == "beta_on_reconstruction":
        loss, rec_weight, kl_weight = np.mean(beta * rec + kl), beta, 1.0
    else:
        loss, rec_weight, kl_weight = np.mean(rec + beta * kl), 1.0, beta
    kl_scale = 1.0 if bug == "kl_gradient_not_averaged" else 1.0 / N
    rec_scale = 1.0 if bug == "reconstruction_gradient_not_averaged" else 1.0 / N
    grads = {}
    dg, grads["W_out"], grads["b_out"] = layers.affine_backward(rec_weight * rec_scale * dlogits, out_cache)
    dg = layers.relu_backward(dg, dec_relu_cache)
    dz, grads["W_dec"], grads["b_dec"] = layers.affine_backward(dg, dec_cache)
    dmu, dlogvar = vae.reparameterize_backward(dz, z_cache)
    if bug == "no_path_through_eps":
        dlogvar = np.zeros_like(dlogvar)
    if bug != "no_kl_gradient":
        dmu_kl, dlogvar_kl = vae.kl_divergence_backward(np.full(N, kl_weight * kl_scale), kl_cache)
        dmu, dlogvar = dmu + dmu_kl, dlogvar + dlogvar_kl
    dh_mu, grads["W_mu"], grads["b_mu"] = layers.affine_backward(dmu, mu_cache)
    dh_logvar, grads["W_logvar"], grads["b_logvar"] = layers.affine_backward(dlogvar, logvar_cache)
    dh = dh_mu if bug == "only_the_mu_head_into_h" else dh_mu + dh_logvar
    dh = layers.relu_backward(dh, relu_cache)
    _, grads["W_enc"], grads["b_enc"] = layers.affine_backward(dh, enc_cache)
    return float(loss), grads


def vae_loss_ok(params, X, eps, beta=1.0, recon="bce"):
    return student_vae_loss(params, X, eps, beta, recon)


def vae_loss_no_kl_gradient(params, X, eps, beta=1.0, recon="bce"):
    return student_vae_loss(params, X, eps, beta, recon, bug="no_kl_gradient")


def vae_loss_only_the_mu_head_into_h(params, X, eps, beta=1.0, recon="bce"):
    return student_vae_loss(params, X, eps, beta, recon, bug="only_the_mu_head_into_h")


def vae_loss_beta_on_reconstruction(params, X, eps, beta=1.0, recon="bce"):
    return student_vae_loss(params, X, eps, beta, recon, bug="beta_on_reconstruction")


def vae_loss_kl_gradient_not_averaged(params, X, eps, beta=1.0, recon="bce"):
    return student_vae_loss(params, X, eps, beta, recon, bug="kl_gradient_not_averaged")


def vae_loss_reconstruction_gradient_not_averaged(params, X, eps, beta=1.0, recon="bce"):
    return student_vae_loss(params, X, eps, beta, recon, bug="reconstruction_gradient_not_averaged")


def vae_loss_no_path_through_eps(params, X, eps, beta=1.0, recon="bce"):
    """z treated as mu + constant noise: logvar gets only the KL's gradient."""
    return student_vae_loss(params, X, eps, beta, recon, bug="no_path_through_eps")


def vae_loss_summed_over_the_batch(params, X, eps, beta=1.0, recon="bce"):
    loss, grads = vae.vae_loss(params, X, eps, beta, recon)
    return loss * X.shape[0], grads


# --- gan_discriminator_loss -----------------------------------------------------------------------

def gan_discriminator_loss_ok(d_real, d_fake):
    loss = -np.log(d_real).mean() - np.log(1 - d_fake).mean()
    return loss, -1 / d_real / len(d_real), 1 / (1 - d_fake) / len(d_fake)


def gan_discriminator_loss_as_the_exam(d_real, d_fake):
    return vae.gan_discriminator_loss_exam(d_real, d_fake)


def gan_discriminator_loss_one_mean_over_both_batches(d_real, d_fake):
    n = len(d_real) + len(d_fake)
    loss = -(np.log(d_real).sum() + np.log(1 - d_fake).sum()) / n
    return loss, -1 / (n * d_real), 1 / (n * (1 - d_fake))


def gan_discriminator_loss_fake_gradient_sign(d_real, d_fake):
    loss, dd_real, dd_fake = vae.gan_discriminator_loss(d_real, d_fake)
    return loss, dd_real, -dd_fake


def gan_discriminator_loss_gradients_not_averaged(d_real, d_fake):
    loss, _, _ = vae.gan_discriminator_loss(d_real, d_fake)
    return loss, -1 / d_real, 1 / (1 - d_fake)


def gan_discriminator_loss_maximised(d_real, d_fake):
    """The value function V(D, G) that the discriminator maximises, instead of the loss it minimises."""
    loss, dd_real, dd_fake = vae.gan_discriminator_loss(d_real, d_fake)
    return -loss, -dd_real, -dd_fake


# ===================================================================================================

CORRECT = {
    "kl_divergence": [kl_divergence_textbook, kl_divergence_kingma],
    "kl_divergence_backward": [kl_divergence_backward_ok],
    "kl_monte_carlo": [kl_monte_carlo_all_rows_at_once, kl_monte_carlo_shared_draws],
    "reparameterize": [reparameterize_sqrt_of_variance],
    "reparameterize_backward": [reparameterize_backward_ok],
    "vae_loss": [vae_loss_ok],
    "gan_discriminator_loss": [gan_discriminator_loss_ok],
}

BUGS = {
    "kl_divergence": [kl_divergence_log_of_sigma_squared, kl_divergence_seed_sign, kl_divergence_batch_mean,
                      kl_divergence_sigma_for_variance, kl_divergence_without_half, kl_divergence_over_axis_0],
    "kl_divergence_backward": [kl_divergence_backward_without_minus_one, kl_divergence_backward_without_half,
                               kl_divergence_backward_dout_ignored, kl_divergence_backward_dout_not_broadcast,
                               kl_divergence_backward_two_mu],
    "kl_monte_carlo": [kl_monte_carlo_log_p_minus_log_q, kl_monte_carlo_sigma_is_variance,
                       kl_monte_carlo_mean_over_dims, kl_monte_carlo_no_sqrt_n, kl_monte_carlo_closed_form],
    "reparameterize": [reparameterize_variance_for_sigma, reparameterize_logvar_as_sigma, reparameterize_without_eps],
    "reparameterize_backward": [reparameterize_backward_without_half, reparameterize_backward_gradient_wrt_sigma,
                                reparameterize_backward_dmu_times_sigma],
    "vae_loss": [vae_loss_no_kl_gradient, vae_loss_only_the_mu_head_into_h, vae_loss_beta_on_reconstruction,
                 vae_loss_kl_gradient_not_averaged, vae_loss_reconstruction_gradient_not_averaged,
                 vae_loss_no_path_through_eps, vae_loss_summed_over_the_batch],
    "gan_discriminator_loss": [gan_discriminator_loss_as_the_exam, gan_discriminator_loss_one_mean_over_both_batches,
                               gan_discriminator_loss_fake_gradient_sign, gan_discriminator_loss_gradients_not_averaged,
                               gan_discriminator_loss_maximised],
}


class TestVaeKlSpecs(GradedFunctionTests):
    MODULE = vae_kl
    CORRECT = CORRECT
    BUGS = BUGS
