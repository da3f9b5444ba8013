"""nclib.grading's specs of the batchnorm_backward assignment: the reference and correct alternative solutions pass;
realistic student bugs fail with an AssertionError that names the function and never shows an expected value.
"""
import numpy as np

from grading_support import GradedFunctionTests
from nclib import batchnorm
from nclib.grading import batchnorm_backward


# --- batchnorm_forward ----------------------------------------------------------------------------

def student_bn_forward(x, gamma, beta, bn_param, bug=None):
    mode = bn_param["mode"]
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    if bug == "momentum_hard_coded":
        momentum = 0.9
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D))
    running_var = bn_param.get("running_var", np.zeros(D) if bug == "running_var_zeros" else np.ones(D))
    if mode == "train" or bug in ("batch_statistics_in_test_mode", "updated_in_test_mode"):
        if bug == "axis_1":
            mu, var = np.mean(x, axis=1, keepdims=True), np.var(x, axis=1, keepdims=True)
        else:
            mu, var = np.mean(x, axis=0), np.var(x, axis=0, ddof=1 if bug == "unbiased" else 0)
        if mode == "train" and bug != "not_stored" or bug == "updated_in_test_mode":
            m = 1 - momentum if bug == "momentum_swapped" else momentum
            bn_param["running_mean"] = m * running_mean + (1 - m) * mu
            bn_param["running_var"] = m * running_var + (1 - m) * var
    if mode == "test" and bug != "batch_statistics_in_test_mode":
        mu, var = running_mean, running_var
    if bug == "eps_outside_sqrt":
        x_hat = (x - mu) / (np.sqrt(var) + eps)
    elif bug == "no_eps_in_test_mode" and mode == "test":
        x_hat = (x - mu) / np.sqrt(var)
    else:
        x_hat = (x - mu) / np.sqrt(var + eps)
    return gamma * x_hat + beta, (x, x_hat, mu, var, eps, gamma)


def batchnorm_forward_np_var(x, gamma, beta, bn_param):
    return student_bn_forward(x, gamma, beta, bn_param)


def batchnorm_forward_setdefault_in_place(x, gamma, beta, bn_param):
    """The running averages created with setdefault and updated in place (the same arrays stay in bn_param)."""
    D = x.shape[1]
    running_mean = bn_param.setdefault("running_mean", np.zeros(D))
    running_var = bn_param.setdefault("running_var", np.ones(D))
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    if bn_param["mode"] == "train":
        mu = x.sum(axis=0) / len(x)
        var = ((x - mu) ** 2).sum(axis=0) / len(x)
        running_mean *= momentum
        running_mean += (1 - momentum) * mu
        running_var *= momentum
        running_var += (1 - momentum) * var
    else:
        mu, var = running_mean, running_var
    out = gamma * (x - mu) * (var + eps) ** -0.5 + beta
    return out, None


def batchnorm_forward_unbiased_variance(x, gamma, beta, bn_param):
    return student_bn_forward(x, gamma, beta, bn_param, bug="unbiased")


def batchnorm_forward_eps_outside_sqrt(x, gamma, beta, bn_param):
    return student_bn_forward(x, gamma, beta, bn_param, bug="eps_outside_sqrt")


def batchnorm_forward_running_averages_not_stored(x, gamma, beta, bn_param):
    return student_bn_forward(x, gamma, beta, bn_param, bug="not_stored")


def batchnorm_forward_momentum_weights_swapped(x, gamma, beta, bn_param):
    return student_bn_forward(x, gamma, beta, bn_param, bug="momentum_swapped")


def batchnorm_forward_momentum_hard_coded(x, gamma, beta, bn_param):
    return student_bn_forward(x, gamma, beta, bn_param, bug="momentum_hard_coded")


def batchnorm_forward_no_eps_in_test_mode(x, gamma, beta, bn_param):
    return student_bn_forward(x, gamma, beta, bn_param, bug="no_eps_in_test_mode")


def batchnorm_forward_batch_statistics_in_test_mode(x, gamma, beta, bn_param):
    return student_bn_forward(x, gamma, beta, bn_param, bug="batch_statistics_in_test_mode")


def batchnorm_forward_running_averages_updated_in_test_mode(x, gamma, beta, bn_param):
    """Normalises by the running averages in test mode, but updates them with the batch's statistics."""
    return student_bn_forward(x, gamma, beta, bn_param, bug="updated_in_test_mode")


def batchnorm_forward_over_axis_1(x, gamma, beta, bn_param):
    return student_bn_forward(x, gamma, beta, bn_param, bug="axis_1")


def batchnorm_forward_running_var_starts_at_zero(x, gamma, beta, bn_param):
    """CS231n's default; this course's is ones."""
    return student_bn_forward(x, gamma, beta, bn_param, bug="running_var_zeros")


def batchnorm_forward_centring_x_in_place(x, gamma, beta, bn_param):
    out, cache = student_bn_forward(x, gamma, beta, bn_param)
    x -= x.mean(axis=0) if bn_param["mode"] == "train" else bn_param["running_mean"]
    return out, cache


# --- batchnorm_backward ---------------------------------------------------------------------------

def student_bn_backward_staged(dout, cache, bug=None):
    x_hat, xc, std, inv_std, gamma, mode = cache
    N = dout.shape[0]
    dbeta = (dout * x_hat).sum(axis=0) if bug == "dbeta_times_x_hat" else dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    if bug == "unsummed":
        dbeta, dgamma = dout, dout * x_hat
    dx_hat = dout * gamma
    dxc = dx_hat * inv_std
    if bug != "no_variance_path":
        dinv_std = np.sum(dx_hat * xc, axis=0)
        dvar = -0.5 * dinv_std / std ** 3
        dsq = dvar * np.ones_like(xc) if bug == "variance_without_1_over_N" else dvar * np.ones_like(xc) / N
        dxc = dxc + 2 * xc * dsq
    dx = dxc
    if bug != "no_mean_path":
        dx = dx - np.sum(dxc, axis=0) / N
    return dx, dgamma, dbeta


def batchnorm_backward_paper(dout, cache):
    """Ioffe and Szegedy (2015), section 3, with var + eps rebuilt from std."""
    x_hat, xc, std, inv_std, gamma, mode = cache
    N = dout.shape[0]
    var_eps = std ** 2
    dx_hat = dout * gamma
    dvar = np.sum(dx_hat * xc * -0.5 * var_eps ** -1.5, axis=0)
    dmu = np.sum(-dx_hat / np.sqrt(var_eps), axis=0) + dvar * np.mean(-2 * xc, axis=0)
    dx = dx_hat / np.sqrt(var_eps) + dvar * 2 * xc / N + dmu / N
    return dx, np.sum(dout * x_hat, axis=0), np.sum(dout, axis=0)


def batchnorm_backward_jacobian(dout, cache):
    """Per feature, the (N, N) Jacobian of out with respect to x, transposed, times dout."""
    x_hat, xc, std, inv_std, gamma, mode = cache
    N, D = dout.shape
    dx = np.empty_like(dout)
    for j in range(D):
        J = gamma[j] * inv_std[j] / N * (N * np.eye(N) - 1 - np.outer(x_hat[:, j], x_hat[:, j]))
        dx[:, j] = J.T @ dout[:, j]
    return dx, np.einsum("nd,nd->d", dout, x_hat), dout.sum(axis=0)


def batchnorm_backward_staged_ok(dout, cache):
    return student_bn_backward_staged(dout, cache)


def batchnorm_backward_no_mean_path(dout, cache):
    return student_bn_backward_staged(dout, cache, bug="no_mean_path")


def batchnorm_backward_seed_formula(dout, cache):
    """The problem set's formula handed in as the answer."""
    return batchnorm.batchnorm_backward_seed(dout, cache)


def batchnorm_backward_no_variance_path(dout, cache):
    return student_bn_backward_staged(dout, cache, bug="no_variance_path")


def batchnorm_backward_dgamma_dbeta_not_summed(dout, cache):
    return student_bn_backward_staged(dout, cache, bug="unsummed")


def batchnorm_backward_dbeta_times_x_hat(dout, cache):
    return student_bn_backward_staged(dout, cache, bug="dbeta_times_x_hat")


def batchnorm_backward_variance_without_1_over_N(dout, cache):
    return student_bn_backward_staged(dout, cache, bug="variance_without_1_over_N")


# --- batchnorm_backward_alt -----------------------------------------------------------------------

def student_bn_backward_alt(dout, cache, bug=None):
    x_hat, xc, std, inv_std, gamma, mode = cache
    N = dout.shape[0]
    dbeta, dgamma = dout.sum(axis=0), (dout * x_hat).sum(axis=0)
    scale = std if bug == "std_for_inv_std" else inv_std
    if bug == "no_sums":
        inner = N * dout
    elif bug == "no_mean_sum":
        inner = N * dout - x_hat * dgamma
    else:
        inner = N * dout - dbeta - x_hat * dgamma
    return gamma * scale / N * inner, dgamma, dbeta


def batchnorm_backward_alt_as_written(dout, cache):
    return student_bn_backward_alt(dout, cache)


def batchnorm_backward_alt_with_means(dout, cache):
    x_hat, xc, std, inv_std, gamma, mode = cache
    dx = gamma * inv_std * (dout - dout.mean(axis=0) - x_hat * (dout * x_hat).mean(axis=0))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def batchnorm_backward_alt_without_the_sums(dout, cache):
    return student_bn_backward_alt(dout, cache, bug="no_sums")


def batchnorm_backward_alt_without_the_mean_sum(dout, cache):
    return student_bn_backward_alt(dout, cache, bug="no_mean_sum")


def batchnorm_backward_alt_std_for_inv_std(dout, cache):
    return student_bn_backward_alt(dout, cache, bug="std_for_inv_std")


# --- batchnorm_backward_seed ----------------------------------------------------------------------

def student_bn_backward_seed(dout, cache, bug=None):
    x_hat, xc, std, inv_std, gamma, mode = cache
    N = dout.shape[0]
    var_eps = std ** 2
    dx = dout * gamma * (var_eps ** -0.5 - (1 / N) * xc ** 2 * var_eps ** -1.5)
    if bug == "unsummed":
        return dx, dout * x_hat, dout
    return dx, np.sum(dout * x_hat, axis=0), np.sum(dout, axis=0)


def batchnorm_backward_seed_equations(dout, cache):
    return student_bn_backward_seed(dout, cache)


def batchnorm_backward_seed_from_x_hat(dout, cache):
    """(x - mu)^2 (var + eps)^(-3/2) = x_hat^2 / sqrt(var + eps)."""
    x_hat, xc, std, inv_std, gamma, mode = cache
    dx = dout * gamma * inv_std * (1 - x_hat ** 2 / len(dout))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def batchnorm_backward_seed_correct_gradient(dout, cache):
    """The right gradient, not the problem set's formula that the exercise asks for."""
    return batchnorm.batchnorm_backward(dout, cache)


def batchnorm_backward_seed_unsummed(dout, cache):
    """dgamma and dbeta as the problem set writes them, of shape (N, D)."""
    return student_bn_backward_seed(dout, cache, bug="unsummed")


# ===================================================================================================

CORRECT = {
    "batchnorm_forward": [batchnorm_forward_np_var, batchnorm_forward_setdefault_in_place],
    "batchnorm_backward": [batchnorm_backward_staged_ok, batchnorm_backward_paper, batchnorm_backward_jacobian],
    "batchnorm_backward_alt": [batchnorm_backward_alt_as_written, batchnorm_backward_alt_with_means],
    "batchnorm_backward_seed": [batchnorm_backward_seed_equations, batchnorm_backward_seed_from_x_hat],
}

BUGS = {
    "batchnorm_forward": [batchnorm_forward_unbiased_variance, batchnorm_forward_eps_outside_sqrt,
                          batchnorm_forward_running_averages_not_stored, batchnorm_forward_momentum_weights_swapped,
                          batchnorm_forward_batch_statistics_in_test_mode,
                          batchnorm_forward_running_averages_updated_in_test_mode, batchnorm_forward_over_axis_1,
                          batchnorm_forward_running_var_starts_at_zero, batchnorm_forward_centring_x_in_place,
                          batchnorm_forward_momentum_hard_coded, batchnorm_forward_no_eps_in_test_mode],
    "batchnorm_backward": [batchnorm_backward_no_mean_path, batchnorm_backward_seed_formula,
                           batchnorm_backward_no_variance_path, batchnorm_backward_dgamma_dbeta_not_summed,
                           batchnorm_backward_dbeta_times_x_hat, batchnorm_backward_variance_without_1_over_N],
    "batchnorm_backward_alt": [batchnorm_backward_alt_without_the_sums, batchnorm_backward_alt_without_the_mean_sum,
                               batchnorm_backward_alt_std_for_inv_std],
    "batchnorm_backward_seed": [batchnorm_backward_seed_correct_gradient, batchnorm_backward_seed_unsummed],
}


class TestBatchnormBackwardSpecs(GradedFunctionTests):
    MODULE = batchnorm_backward
    CORRECT = CORRECT
    BUGS = BUGS
