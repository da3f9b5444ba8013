"""Variational auto-encoder pieces and the GAN discriminator loss (reference solutions).

The encoder of a VAE maps x to q(z | x) = N(mu, diag(exp(logvar))); the prior is p(z) = N(0, I). The
variance enters through its log, logvar = log sigma^2, which the encoder can output unconstrained.
"""
import numpy as np

from nclib.layers import affine_backward, affine_forward, relu_backward, relu_forward, sigmoid

PARAM_KEYS = ("W_enc", "b_enc", "W_mu", "b_mu", "W_logvar", "b_logvar", "W_dec", "b_dec", "W_out", "b_out")
RECONSTRUCTIONS = ("bce", "squared")


def kl_divergence(mu, logvar):
    """KL(N(mu, diag(exp(logvar))) || N(0, I)) of each row, in closed form:
    1/2 sum_i (sigma_i^2 + mu_i^2 - 1 - log sigma_i^2).

    The log-variance is used as it is (never as log(exp(logvar))), so the result is exact for very
    negative logvar; sigma^2 - 1 is computed with expm1, without the cancellation of exp(logvar) - 1 near
    logvar = 0. It is finite for logvar up to about 709 (where exp overflows).

    Args:
        mu, logvar: (N, d) means and log-variances.
    Returns:
        kl: (N,), one KL per row; the batch mean is kl.mean(), whose gradient is kl_divergence_backward
            with dout = ones(N) / N.
        cache: (mu, logvar).
    """
    mu, logvar = _pair(mu, logvar)
    kl = 0.5 * np.sum(mu * mu + (np.expm1(logvar) - logvar), axis=1)
    return kl, (mu, logvar)


def kl_divergence_backward(dout, cache):
    """Gradients of the per-row KL: dKL/dmu = mu, dKL/dlogvar = (sigma^2 - 1) / 2.

    Args:
        dout: (N,) upstream gradient of each row's KL.
        cache: (mu, logvar) from kl_divergence.
    Returns:
        dmu, dlogvar: (N, d).
    """
    mu, logvar = cache
    dout = np.asarray(dout, dtype=np.float64)
    if dout.shape != (mu.shape[0],):
        raise ValueError(f"dout must have shape (N,) = ({mu.shape[0]},), got {dout.shape}")
    return dout[:, None] * mu, dout[:, None] * 0.5 * np.expm1(logvar)


def kl_monte_carlo(mu, logvar, n_samples, rng):
    """Monte Carlo estimate of each row's KL, E_{z ~ q}[log q(z) - log p(z)], from n_samples draws.

    With z = mu + sigma * eps, eps ~ N(0, I): log q(z) - log p(z) = sum_i (-logvar_i / 2 - eps_i^2 / 2
    + z_i^2 / 2) (the normalising constants cancel).

    Args:
        mu, logvar: (N, d).
        n_samples: int >= 2, draws per row.
        rng: numpy.random.Generator (or a seed); draws eps of shape (n_samples, d) for each row in turn.
    Returns:
        estimate: (N,), the sample mean of log q - log p per row.
        standard_error: (N,), the sample standard deviation (ddof=1) over sqrt(n_samples).
    """
    mu, logvar = _pair(mu, logvar)
    if not isinstance(n_samples, (int, np.integer)) or n_samples < 2:
        raise ValueError(f"n_samples must be an int >= 2, got {n_samples!r}")
    rng = np.random.default_rng(rng)
    estimate, standard_error = np.empty(mu.shape[0]), np.empty(mu.shape[0])
    for row in range(mu.shape[0]):
        eps = rng.standard_normal((n_samples, mu.shape[1]))
        z = mu[row] + np.exp(0.5 * logvar[row]) * eps
        log_ratio = 0.5 * np.sum(z * z - eps * eps - logvar[row], axis=1)
        estimate[row] = log_ratio.mean()
        standard_error[row] = log_ratio.std(ddof=1) / np.sqrt(n_samples)
    return estimate, standard_error


def reparameterize(mu, logvar, eps):
    """The reparameterisation trick: z = mu + exp(logvar / 2) * eps, a sample of N(mu, diag(exp(logvar)))
    for eps ~ N(0, I), differentiable in mu and logvar.

    Args:
        mu, logvar, eps: (N, d).
    Returns:
        z: (N, d).
        cache: (eps, sigma) with sigma = exp(logvar / 2) (N, d).
    """
    mu, logvar = _pair(mu, logvar)
    eps = np.asarray(eps, dtype=np.float64)
    if eps.shape != mu.shape:
        raise ValueError(f"eps must have the shape of mu {mu.shape}, got {eps.shape}")
    sigma = np.exp(0.5 * logvar)
    return mu + sigma * eps, (eps, sigma)


def reparameterize_backward(dz, cache):
    """Gradients of z = mu + exp(logvar / 2) * eps: dmu = dz, dlogvar = dz * eps * sigma / 2.

    Args:
        dz: (N, d) upstream gradient.
        cache: (eps, sigma) from reparameterize.
    Returns:
        dmu, dlogvar: (N, d).
    """
    eps, sigma = cache
    dz = np.asarray(dz, dtype=np.float64)
    return dz.copy(), 0.5 * dz * eps * sigma


def reconstruction_loss(logits, x, kind="bce"):
    """Per-example reconstruction loss of a decoder with sigmoid outputs x_hat = sigmoid(logits).

    kind "bce": sum_j -[x_j log x_hat_j + (1 - x_j) log(1 - x_hat_j)], computed from the logits (stable
    for any |logits|); kind "squared": 1/2 sum_j (x_hat_j - x_j)^2.

    Args:
        logits: (N, D) decoder outputs before the sigmoid.
        x: (N, D) targets in [0, 1].
        kind: "bce" or "squared".
    Returns:
        rec: (N,), one loss per example.
        dlogits: (N, D), the gradient of rec.sum() with respect to logits.
    """
    logits = np.asarray(logits, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    if logits.ndim != 2 or logits.shape != x.shape:
        raise ValueError(f"logits and x must both have shape (N, D), got {logits.shape} and {x.shape}")
    x_hat = sigmoid(logits)
    if kind == "bce":
        rec = np.sum(np.maximum(logits, 0) - logits * x + np.log1p(np.exp(-np.abs(logits))), axis=1)
        return rec, x_hat - x
    if kind == "squared":
        diff = x_hat - x
        return 0.5 * np.sum(diff * diff, axis=1), diff * x_hat * (1 - x_hat)
    raise ValueError(f"kind must be one of {RECONSTRUCTIONS}, got {kind!r}")


def vae_loss(params, X, eps, beta=1.0, recon="bce"):
    """Loss and gradients of a VAE with one hidden ReLU layer in the encoder and in the decoder:

        h = relu(X W_enc + b_enc),  mu = h W_mu + b_mu,  logvar = h W_logvar + b_logvar,
        z = mu + exp(logvar / 2) * eps,  g = relu(z W_dec + b_dec),  x_hat = sigmoid(g W_out + b_out),
        loss = 1/N sum_n [rec(x_n, x_hat_n) + beta KL(q(z | x_n) || N(0, I))].

    Args:
        params: W_enc (D, H), b_enc (H,), W_mu and W_logvar (H, d), b_mu and b_logvar (d,), W_dec (d, H2),
            b_dec (H2,), W_out (H2, D), b_out (D,).
        X: (N, D) inputs in [0, 1].
        eps: (N, d) standard normal noise of the reparameterisation.
        beta: weight of the KL term (0 gives a plain auto-encoder with a noisy code).
        recon: reconstruction loss, "bce" or "squared" (see reconstruction_loss).
    Returns:
        loss: float.
        grads: dict keyed like params.
    """
    missing = [key for key in PARAM_KEYS if key not in params]
    if missing:
        raise ValueError(f"params lacks {', '.join(missing)}")
    p = params
    h, enc_cache = affine_forward(X, p["W_enc"], p["b_enc"])
    h, enc_relu_cache = relu_forward(h)
    mu, mu_cache = affine_forward(h, p["W_mu"], p["b_mu"])
    logvar, logvar_cache = affine_forward(h, p["W_logvar"], p["b_logvar"])
    z, z_cache = reparameterize(mu, logvar, eps)
    g, dec_cache = affine_forward(z, p["W_dec"], p["b_dec"])
    g, dec_relu_cache = relu_forward(g)
    logits, out_cache = affine_forward(g, p["W_out"], p["b_out"])
    rec, dlogits = reconstruction_loss(logits, X, recon)
    kl, kl_cache = kl_divergence(mu, logvar)
    N = X.shape[0]
    loss = float(np.mean(rec + beta * kl))

    grads = {}
    dg, grads["W_out"], grads["b_out"] = affine_backward(dlogits / N, out_cache)
    dg = relu_backward(dg, dec_relu_cache)
    dz, grads["W_dec"], grads["b_dec"] = affine_backward(dg, dec_cache)
    dmu, dlogvar = reparameterize_backward(dz, z_cache)
    dmu_kl, dlogvar_kl = kl_divergence_backward(np.full(N, beta / N), kl_cache)
    dh_mu, grads["W_mu"], grads["b_mu"] = affine_backward(dmu + dmu_kl, mu_cache)
    dh_logvar, grads["W_logvar"], grads["b_logvar"] = affine_backward(dlogvar + dlogvar_kl, logvar_cache)
    dh = relu_backward(dh_mu + dh_logvar, enc_relu_cache)
    _, grads["W_enc"], grads["b_enc"] = affine_backward(dh, enc_cache)
    return loss, grads


def gan_discriminator_loss(d_real, d_fake):
    """The discriminator's loss, binary cross-entropy with label 1 for real and 0 for fake samples:
    mean over the real batch of -log D(x) plus mean over the fake batch of -log(1 - D(G(z))).

    Args:
        d_real: (N_real,) the discriminator's probabilities that real samples are real, in (0, 1).
        d_fake: (N_fake,) its probabilities that generated samples are real, in (0, 1).
    Returns:
        loss: float.
        dd_real: (N_real,), dd_fake: (N_fake,), its gradients.
    """
    d_real, d_fake = _probabilities(d_real, "d_real"), _probabilities(d_fake, "d_fake")
    loss = -np.mean(np.log(d_real)) - np.mean(np.log1p(-d_fake))
    return float(loss), -1.0 / (d_real.size * d_real), 1.0 / (d_fake.size * (1.0 - d_fake))


def gan_discriminator_loss_exam(d_real, d_fake):
    """The discriminator loss as the exam designs it (labels the wrong way round): mean -log(1 - D(x)) over
    real samples plus mean -log D(G(z)) over fake ones. Minimising it teaches D to call real samples fake.
    Arguments and returns as gan_discriminator_loss."""
    loss, dd_fake, dd_real = gan_discriminator_loss(d_fake, d_real)
    return loss, dd_real, dd_fake


def _pair(mu, logvar):
    mu = np.asarray(mu, dtype=np.float64)
    logvar = np.asarray(logvar, dtype=np.float64)
    if mu.ndim != 2 or mu.shape != logvar.shape:
        raise ValueError(f"mu and logvar must both have shape (N, d), got {mu.shape} and {logvar.shape}")
    return mu, logvar


def _probabilities(d, name):
    d = np.asarray(d, dtype=np.float64)
    if d.ndim != 1 or d.size == 0:
        raise ValueError(f"{name} must have shape (N,) with N >= 1, got {d.shape}")
    if not np.all((d > 0) & (d < 1)):  # NaN fails too
        raise ValueError(f"{name} must hold probabilities strictly between 0 and 1")
    return d
