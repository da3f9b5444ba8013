"""Realistic student bugs planted in the `buggy` demo submission of each assignment.

Each bug replaces one exact piece of a reference solution; `breaks` names the test cells it must fail
(the buggy function's own test and the tests of what calls it), so its expected score is known.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Bug:
    cell: str          # grade_id of the solution cell
    old: str           # exact text in the reference solution
    new: str           # what the student wrote instead
    description: str
    breaks: tuple      # grade_ids of the test cells that must score 0


BUGS = {
    "two_layer_net": [
        Bug("softmax_loss", "    dscores /= N\n", "",
            "the gradient of the mean loss without its 1/N",
            breaks=("test_softmax_loss", "test_two_layer_net_loss")),
        Bug("relu_backward", "dx = dout * (x > 0)", "dx = dout * np.maximum(x, 0)",
            "ReLU backward multiplies by the output instead of the 0/1 mask",
            breaks=("test_relu_backward", "test_two_layer_net_loss")),
        Bug("train_sgd", "            learning_rate *= learning_rate_decay", "        learning_rate *= learning_rate_decay",
            "the learning rate decays every iteration instead of every epoch",
            breaks=("test_train_sgd",)),
    ],
    "fc_net": [
        Bug("adam", "    m_hat = m / (1 - config[\"beta1\"] ** t)\n    v_hat = v / (1 - config[\"beta2\"] ** t)\n",
            "    m_hat, v_hat = m, v\n",
            "Adam without the bias correction", breaks=("test_adam",)),
        Bug("rmsprop", "    config[\"cache\"] = cache\n", "",
            "RMSProp does not store its cache, so every step starts from zero", breaks=("test_rmsprop",)),
        Bug("sgd_momentum", "v = config[\"momentum\"] * v - config[\"learning_rate\"] * dw",
            "v = config[\"momentum\"] * v + config[\"learning_rate\"] * dw",
            "momentum with the sign of the gradient term flipped: ascent", breaks=("test_sgd_momentum",)),
        Bug("dropout_backward", "dx = dout if mask is None else dout * mask", "dx = dout",
            "dropout backward ignores the mask",
            breaks=("test_dropout_backward", "test_fc_net_loss")),
    ],
    "conv_backward": [
        Bug("conv_backward_naive", "dxpad[:, :, rows, cols] += np.tensordot(d, w, axes=([1], [0]))",
            "dxpad[:, :, rows, cols] = np.tensordot(d, w, axes=([1], [0]))",
            "dx assigned instead of accumulated, so overlapping windows lose their gradient",
            breaks=("test_conv_backward_naive",)),
        Bug("max_pool_backward_naive",
            "k, l = np.unravel_index(np.argmax(window), window.shape)\n"
            "                    dx[n, c, i * stride + k, j * stride + l] += dout[n, c, i, j]",
            "dx[n, c, i * stride:i * stride + ph, j * stride:j * stride + pw] += (window == window.max()) * dout[n, c, i, j]",
            "max-pool backward gives the gradient to every maximum of a window with ties",
            breaks=("test_max_pool_backward_naive",)),
        Bug("conv2d", "B[i, j] = np.sum(K * A[i:i + HH, j:j + WW])", "B[i, j] = np.sum(K[::-1, ::-1] * A[i:i + HH, j:j + WW])",
            "the kernel flipped (the convolution of mathematics, not the course's cross-correlation)",
            breaks=("test_conv2d", "test_diagonal_loss_gradients")),
    ],
    "batchnorm_backward": [
        Bug("batchnorm_forward",
            "        bn_param[\"running_mean\"] = momentum * running_mean + (1 - momentum) * mu\n"
            "        bn_param[\"running_var\"] = momentum * running_var + (1 - momentum) * var\n",
            "        running_mean = momentum * running_mean + (1 - momentum) * mu\n"
            "        running_var = momentum * running_var + (1 - momentum) * var\n",
            "the running averages are computed but not stored in bn_param", breaks=("test_batchnorm_forward",)),
        Bug("batchnorm_backward", "    dx = dxc + dmu / N", "    dx = dxc",
            "the path through the batch mean is missing", breaks=("test_batchnorm_backward",)),
        Bug("batchnorm_backward_alt", "(N * dout - dbeta - x_hat * dgamma)", "(N * dout - x_hat * dgamma)",
            "the closed form without the sum of dout", breaks=("test_batchnorm_backward_alt",)),
    ],
    "vae_kl": [
        Bug("kl_divergence_backward", "    dlogvar = weight * 0.5 * (np.exp(logvar) - 1.0)",
            "    dlogvar = weight * 0.5 * np.exp(logvar)",
            "dKL/dlogvar without the -1 (the derivative of -1 - logvar forgotten)",
            breaks=("test_kl_divergence_backward", "test_vae_loss")),
        Bug("kl_monte_carlo", "        standard_error[n] = np.std(log_ratio, ddof=1) / np.sqrt(n_samples)",
            "        standard_error[n] = np.std(log_ratio, ddof=1)",
            "the standard deviation of the samples given as the standard error of their mean",
            breaks=("test_kl_monte_carlo",)),
        Bug("gan_discriminator_loss", "    dd_real = -1.0 / (d_real * d_real.shape[0])", "    dd_real = -1.0 / d_real",
            "the gradient of a mean without its 1/N", breaks=("test_gan_discriminator_loss",)),
    ],
    "rnn_bptt": [
        Bug("rnn_step_backward", "    da = dnext_h * (1 - next_h ** 2)", "    da = dnext_h * (1 - np.tanh(next_h) ** 2)",
            "tanh' taken of the output next_h as if it were the pre-activation",
            breaks=("test_rnn_step_backward", "test_rnn_backward")),
        Bug("rnn_backward", "rnn_step_backward(dh[:, t] + dh0, cache[t])", "rnn_step_backward(dh[:, t], cache[t])",
            "BPTT without the gradient that the next step sends back (dh_prev not added)",
            breaks=("test_rnn_backward",)),
        Bug("temporal_softmax_loss", "    dx = (dflat * flat_mask[:, None] / N).reshape(N, T, V)",
            "    dx = (dflat / N).reshape(N, T, V)",
            "the gradient ignores the mask (the loss does not)", breaks=("test_temporal_softmax_loss",)),
        Bug("clip_gradients", "    clipped = {name: g * scale for name, g in grads.items()}",
            "    clipped = {name: np.clip(g, -max_norm, max_norm) for name, g in grads.items()}",
            "clipping each element instead of the global norm", breaks=("test_clip_gradients",)),
        Bug("lstm_step_backward", "    dprev_c = dc * f", "    dprev_c = dnext_c * f",
            "dprev_c from the next step's gradient only, without the path through next_h",
            breaks=("test_lstm_step_backward", "test_lstm_backward")),
        Bug("lstm_backward", "lstm_step_backward(dh[:, t] + dh0, dc, cache[t])",
            "lstm_step_backward(dh[:, t] + dh0, np.zeros((N, H)), cache[t])",
            "BPTT through the LSTM without the cell state's gradient from the next step (dprev_c dropped)",
            breaks=("test_lstm_backward",)),
    ],
    "autoencoders": [
        Bug("linear_ae_loss", "    dW = (W @ residuals.T @ X + codes.T @ residuals) / N",
            "    dW = (codes.T @ residuals) / N",
            "the gradient through the decoder's W^T only, the encoder's path forgotten", breaks=("test_linear_ae_loss",)),
        Bug("gplvm_loglik", "    log_det = 2.0 * np.sum(np.log(np.diag(L)))", "    log_det = np.log(np.linalg.det(K))",
            "log|K| as the log of the determinant, which overflows for N = 200", breaks=("test_gplvm_loglik",)),
        Bug("bce_loss", "    dlogits = (probs - y) / N", "    dlogits = (y - probs) / N",
            "dL/dz = y - y_hat, the gradient of the log-likelihood", breaks=("test_bce_loss",)),
        Bug("tanh_mlp_backward", "    dz1 = (dscores @ W2.T) * (1 - a1 ** 2)", "    dz1 = dscores @ W2.T",
            "the backward pass through tanh without its derivative 1 - tanh^2", breaks=("test_tanh_mlp_backward",)),
    ],
}
