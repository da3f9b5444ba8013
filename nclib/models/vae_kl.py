"""The vae_kl assignment's model: VAE, the variational auto-encoder trained on nclib.vae.vae_loss."""
import numpy as np

from nclib.input_checks import checked_choice, checked_rows
from nclib.layers import affine_forward, relu_forward, sigmoid
from nclib.models._arguments import check_sizes
from nclib.vae import RECONSTRUCTIONS, vae_loss


class VAE:
    """Variational auto-encoder for inputs in [0, 1] (the digits loaded with standardize=False), the
    network of nclib.vae.vae_loss: encoder affine - relu - (mu, logvar), decoder affine - relu - affine -
    sigmoid, trained on reconstruction + beta * KL.

    Args:
        input_dim: D; hidden_dim: H, the width of the encoder's and the decoder's hidden layer;
        latent_dim: d, the size of z.
        beta: weight of the KL term; 0 trains a plain auto-encoder (with a noisy code).
        recon: "bce" or "squared" reconstruction loss.
        seed: seed of the initial weights and of the noise eps drawn at every training step.
    Attributes:
        params: W_enc (D, H), b_enc (H,), W_mu and W_logvar (H, d), b_mu and b_logvar (d,), W_dec (d, H),
            b_dec (H,), W_out (H, D), b_out (D,). The hidden layers start with He scaling, the heads with
            sqrt(1 / fan_in), the biases at zero (so logvar starts near 0: q starts near the prior's scale).

    Train it with nclib.solver.Solver and metric=lambda model, X, y: -model.objective(X) (higher is better).
    """

    def __init__(self, input_dim=64, hidden_dim=128, latent_dim=2, beta=1.0, recon="bce", seed=0):
        check_sizes(input_dim=input_dim, hidden_dim=hidden_dim, latent_dim=latent_dim)
        checked_choice(recon, RECONSTRUCTIONS, "recon")
        if not beta >= 0:
            raise ValueError(f"beta must be >= 0, got {beta!r}")
        self.input_dim, self.latent_dim, self.beta, self.recon = input_dim, latent_dim, float(beta), recon
        rng = np.random.default_rng(seed)
        self.params = {}
        for name, fan_in, fan_out, gain in (("enc", input_dim, hidden_dim, 2.0), ("mu", hidden_dim, latent_dim, 1.0),
                                            ("logvar", hidden_dim, latent_dim, 1.0),
                                            ("dec", latent_dim, hidden_dim, 2.0), ("out", hidden_dim, input_dim, 1.0)):
            self.params[f"W_{name}"] = np.sqrt(gain / fan_in) * rng.standard_normal((fan_in, fan_out))
            self.params[f"b_{name}"] = np.zeros(fan_out)
        self.rng = rng

    def loss(self, X, y=None):
        """(loss, grads) on a batch X (N, D), with new noise eps drawn from the model's generator. The
        labels y, if given (the Solver passes them), are not used: the loss needs only X."""
        X = self._inputs(X)
        return vae_loss(self.params, X, self.rng.standard_normal((X.shape[0], self.latent_dim)), self.beta,
                        self.recon)

    def objective(self, X, seed=0):
        """The training loss on X (N, D) with noise drawn from `seed`: the same number at every call with the
        same parameters, for comparing epochs (for beta = 1 and bce, minus the ELBO)."""
        X = self._inputs(X)
        eps = np.random.default_rng(seed).standard_normal((X.shape[0], self.latent_dim))
        return vae_loss(self.params, X, eps, self.beta, self.recon)[0]

    def encode(self, X):
        """mu, logvar (N, d): the parameters of q(z | x) for X (N, D)."""
        p = self.params
        h = relu_forward(affine_forward(self._inputs(X), p["W_enc"], p["b_enc"])[0])[0]
        return affine_forward(h, p["W_mu"], p["b_mu"])[0], affine_forward(h, p["W_logvar"], p["b_logvar"])[0]

    def decode(self, z):
        """x_hat (N, D) in (0, 1): the decoder's output for codes z (N, d)."""
        z = checked_rows(z, self.latent_dim, "z")
        p = self.params
        g = relu_forward(affine_forward(z, p["W_dec"], p["b_dec"])[0])[0]
        return sigmoid(affine_forward(g, p["W_out"], p["b_out"])[0])

    def reconstruct(self, X):
        """The decoder's output (N, D) at the mean code mu(x) of each row of X (N, D)."""
        return self.decode(self.encode(X)[0])

    def sample(self, num_samples, seed=0):
        """num_samples new images (num_samples, D): the decoder's output at codes drawn from the prior N(0, I)."""
        return self.decode(np.random.default_rng(seed).standard_normal((num_samples, self.latent_dim)))

    def _inputs(self, X):
        X = checked_rows(X, self.input_dim, "X")
        if not np.all((X >= 0) & (X <= 1)):  # NaN fails too
            raise ValueError("X must lie in [0, 1] (load the digits with standardize=False)")
        return X
