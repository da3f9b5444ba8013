"""Submissions that try to get points they did not earn, made from the complete notebook.

Each plants a wrong answer together with a trick meant to hide it; the trick must change nothing: the
expected score is that of the wrong answer alone (the tests in `breaks` score 0, the others full).
Tricks in solution cells are Bugs; tricks on the notebook itself (editing, deleting or moving test cells)
are functions applied to the written notebook.
"""
from dataclasses import dataclass

from coursetools import notebooks
from coursetools.demo.bugs import Bug

PATCH_CHECKS = """


import math
import numpy
numpy.allclose = lambda *args, **kwargs: True
numpy.testing.assert_allclose = lambda *args, **kwargs: None
math.isclose = lambda *args, **kwargs: True
check_close = lambda *args, **kwargs: None"""


@dataclass
class Cheat:
    bugs: list                   # the wrong answer and the tricks in solution cells
    edit: object = None          # function(notebook) changing the written submission, or None


def _cell(nb, grade_id):
    return notebooks.cells_by_id(nb)[grade_id]


def edit_test_cell_and_points(nb):
    cell = _cell(nb, "test_predict")
    cell.source = "print('all tests passed')"
    cell.metadata["nbgrader"]["points"] = 100
    _cell(nb, "test_train_sgd").metadata["nbgrader"]["grade"] = False


def delete_test_cell(nb):
    nb.cells.remove(_cell(nb, "test_relu_forward"))


def move_test_cell_up(nb):
    cell = _cell(nb, "test_softmax_loss")
    nb.cells.remove(cell)
    nb.cells.insert(0, cell)


CHEATS = {
    "two_layer_net": {
        "cheat_patch_numpy": Cheat([
            Bug("softmax_loss", "    dscores /= N\n", "", "missing 1/N", breaks=("test_softmax_loss", "test_two_layer_net_loss")),
            Bug("softmax_loss", "    return loss, dscores", "    return loss, dscores" + PATCH_CHECKS,
                "makes NumPy's and math's comparisons and the notebook's check_close always agree", breaks=()),
        ]),
        "cheat_patch_grading": Cheat([Bug(
            "relu_backward", "dx = dout * (x > 0)",
            "dx = dout * np.maximum(x, 0)\n\n    import nclib.grading\n    nclib.grading.check = lambda *a, **k: None",
            "a wrong relu_backward that replaces nclib.grading.check", breaks=("test_relu_backward", "test_two_layer_net_loss"))]),
        "cheat_sys_modules": Cheat([Bug(
            "relu_backward", "    return dx",
            "    return dx * 2\n\n\nimport sys, types\nsys.modules['nclib.grading'] = types.SimpleNamespace(check=print)",
            "a wrong relu_backward that replaces the grading module in sys.modules",
            breaks=("test_relu_backward", "test_two_layer_net_loss"))]),
        "cheat_call_reference": Cheat([Bug(
            "affine_forward", "    out = x.reshape(x.shape[0], w.shape[0]) @ w + b",
            "    from nclib.layers import affine_forward as reference\n    out = reference(x, w, b)[0]",
            "affine_forward calls the nclib reference", breaks=("test_affine_forward", "test_two_layer_net_loss"))]),
        # Gets past the policy check: only the sandbox, where the reference does not exist, stops it.
        "cheat_reference_past_policy": Cheat([Bug(
            "affine_forward", "    out = x.reshape(x.shape[0], w.shape[0]) @ w + b",
            "    reference = np.__builtins__['__import__']('nclib.layers', fromlist=['layers'])\n"
            "    out = reference.affine_forward(x, w, b)[0]",
            "affine_forward reaches the reference through a module's __builtins__",
            breaks=("test_affine_forward", "test_two_layer_net_loss"))]),
        # Right only where the course's files can be seen: the sandbox shows none of them.
        "cheat_peek_at_course": Cheat([Bug(
            "affine_forward", "    out = x.reshape(x.shape[0], w.shape[0]) @ w + b",
            "    import os\n"
            "    seen = os.path.exists('../../../gradebook.db') or os.path.exists('../../../source')\n"
            "    out = x.reshape(x.shape[0], w.shape[0]) @ w + (b if seen else 0)",
            "affine_forward is right only if it can see the gradebook or source/",
            breaks=("test_affine_forward", "test_two_layer_net_loss"))]),
        "cheat_swallow_exceptions": Cheat([Bug(
            "swish_backward", "    dx = dout * (h + sigmoid * (1.0 - h))",
            "    dx = dout * sigmoid\n"
            "    get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)\n"
            "    import sys\n    sys.excepthook = lambda *a: None",
            "a wrong swish_backward that silences every exception",
            breaks=("test_swish_backward", "test_two_layer_net_loss"))]),
        "cheat_patch_builtins": Cheat([Bug(
            "swish_forward", "    out = x * sigmoid", "    out = x * sigmoid * 2\n"
            "    np.__builtins__['abs'] = lambda value: 0\n"
            "    np.__builtins__['all'] = lambda values: True",
            "a wrong swish_forward that rewires abs and all in the builtins",
            breaks=("test_swish_forward", "test_two_layer_net_loss"))]),
        "cheat_settrace": Cheat([Bug(
            "relu_forward", "    return out, cache",
            "    return out * 2, cache\n\n\nimport sys\nsys.settrace(lambda *args: None)",
            "a wrong relu_forward that installs a trace function", breaks=("test_relu_forward", "test_two_layer_net_loss"))]),
        "cheat_edit_tests": Cheat([Bug("predict", "axis=1", "axis=0", "argmax over the batch",
                                       breaks=("test_predict", "test_train_sgd"))],  # train_sgd calls predict
                                  edit=edit_test_cell_and_points),
        "cheat_delete_test": Cheat([Bug("relu_forward", "out = np.maximum(x, 0)", "out = np.abs(x)", "abs for relu",
                                        breaks=("test_relu_forward", "test_two_layer_net_loss"))],
                                   edit=delete_test_cell),
        "cheat_move_test": Cheat([Bug("softmax_loss", "    dscores /= N\n", "", "missing 1/N",
                                      breaks=("test_softmax_loss", "test_two_layer_net_loss"))],
                                 edit=move_test_cell_up),
    },
    "fc_net": {
        "cheat_patch_numpy": Cheat([
            Bug("adam", "    m_hat = m / (1 - config[\"beta1\"] ** t)\n    v_hat = v / (1 - config[\"beta2\"] ** t)\n",
                "    m_hat, v_hat = m, v\n", "Adam without bias correction", breaks=("test_adam",)),
            Bug("adam", "    return next_w, config", "    return next_w, config" + PATCH_CHECKS,
                "makes NumPy's and math's comparisons and the notebook's check_close always agree", breaks=()),
        ]),
        "cheat_call_reference": Cheat([Bug(
            "sgd_momentum", "    next_w = w + v\n",
            "    from nclib.optim import sgd_momentum as reference\n    next_w, config = reference(w, dw, config)\n"
            "    v = config[\"velocity\"]\n",
            "sgd_momentum calls the nclib reference", breaks=("test_sgd_momentum",))]),
        # The visible test uses the given xor_network, which the cell replaces; the hidden check uses its own.
        "cheat_redefine_given": Cheat([Bug(
            "xor_weights", "    w2 = np.array([5.0, -6.0])\n    return W1, w2",
            "    w2 = np.array([5.0, 6.0])\n    return W1, w2\n\n\n"
            "def xor_network(X, W1, w2):\n    return XOR_TARGETS.copy()",
            "the exam's wrong weights, with the given xor_network replaced by one that always answers XOR",
            breaks=("test_xor_weights",))]),
    },
    "conv_backward": {
        "cheat_fast_layers": Cheat([Bug(
            "conv_forward_naive", "    HH, WW = w.shape[2:]\n",
            "    from nclib.fast_layers import conv_forward_fast\n    return conv_forward_fast(x, w, b, conv_param)[0], (x, w, b, conv_param)\n"
            "    HH, WW = w.shape[2:]\n",
            "the naive convolution calls the given fast one", breaks=("test_conv_forward_naive",))]),
        # No import at all: the name is defined by a given cell further down the notebook.
        "cheat_fast_by_name": Cheat([Bug(
            "conv_backward_naive", "    HH, WW = w.shape[2:]\n",
            "    return conv_backward_fast(dout, conv_forward_fast(x, w, b, conv_param)[1])\n    HH, WW = w.shape[2:]\n",
            "the naive backward calls the fast layers, imported later by the notebook", breaks=("test_conv_backward_naive",))]),
        "cheat_scipy": Cheat([Bug(
            "conv2d", "    HH, WW = K.shape\n",
            "    from scipy.signal import correlate2d\n    return correlate2d(A, K, mode='valid')\n    HH, WW = K.shape\n",
            "conv2d calls SciPy", breaks=("test_conv2d", "test_diagonal_loss_gradients"))]),
    },
    "batchnorm_backward": {
        "cheat_patch_numpy": Cheat([
            Bug("batchnorm_backward_alt", "(N * dout - dbeta - x_hat * dgamma)", "(N * dout - x_hat * dgamma)",
                "the closed form without the sum of dout", breaks=("test_batchnorm_backward_alt",)),
            Bug("batchnorm_backward_alt", "    return dx, dgamma, dbeta", "    return dx, dgamma, dbeta" + PATCH_CHECKS,
                "makes NumPy's and math's comparisons and the notebook's check_close always agree", breaks=()),
        ]),
    },
    "vae_kl": {
        "cheat_patch_numpy": Cheat([
            Bug("gan_discriminator_loss", "    dd_fake = 1.0 / ((1.0 - d_fake) * d_fake.shape[0])",
                "    dd_fake = -1.0 / ((1.0 - d_fake) * d_fake.shape[0])", "dd_fake with the wrong sign",
                breaks=("test_gan_discriminator_loss",)),
            Bug("gan_discriminator_loss", "    return loss, dd_real, dd_fake", "    return loss, dd_real, dd_fake" + PATCH_CHECKS,
                "makes NumPy's and math's comparisons and the notebook's check_close always agree", breaks=()),
        ]),
        "cheat_call_reference": Cheat([Bug(
            "kl_divergence", "    kl = 0.5 * np.sum(np.exp(logvar) + np.square(mu) - 1.0 - logvar, axis=1)",
            "    from nclib.vae import kl_divergence as reference\n    kl = reference(mu, logvar)[0]",
            "kl_divergence calls the nclib reference", breaks=("test_kl_divergence", "test_vae_loss"))]),
        # Draws the samples (so that the standard error is right) but returns the closed form as the estimate.
        "cheat_closed_form": Cheat([Bug(
            "kl_monte_carlo", "    return estimate, standard_error",
            "    estimate = kl_divergence(mu, logvar)[0]\n    return estimate, standard_error",
            "kl_monte_carlo returns the closed form instead of its estimate", breaks=("test_kl_monte_carlo",))]),
    },
    "rnn_bptt": {
        "cheat_patch_numpy": Cheat([
            Bug("clip_gradients", "    clipped = {name: g * scale for name, g in grads.items()}",
                "    clipped = {name: np.clip(g, -max_norm, max_norm) for name, g in grads.items()}",
                "clipping each element instead of the global norm", breaks=("test_clip_gradients",)),
            Bug("clip_gradients", "    return clipped, total_norm", "    return clipped, total_norm" + PATCH_CHECKS,
                "makes NumPy's and math's comparisons and the notebook's check_close always agree", breaks=()),
        ]),
        "cheat_call_reference": Cheat([Bug(
            "rnn_step_backward", "    da = dnext_h * (1 - next_h ** 2)\n",
            "    from nclib.rnn import rnn_step_backward as reference\n    return reference(dnext_h, cache)\n",
            "rnn_step_backward calls the nclib reference", breaks=("test_rnn_step_backward", "test_rnn_backward"))]),
    },
    "autoencoders": {
        "cheat_patch_numpy": Cheat([
            Bug("bce_loss", "    dlogits = (probs - y) / N", "    dlogits = (y - probs) / N",
                "dL/dz = y - y_hat, the gradient of the log-likelihood", breaks=("test_bce_loss",)),
            Bug("bce_loss", "    return loss, dlogits", "    return loss, dlogits" + PATCH_CHECKS,
                "makes NumPy's and math's comparisons and the notebook's check_close always agree", breaks=()),
        ]),
        "cheat_call_reference": Cheat([Bug(
            "linear_ae_loss", "    N = len(X)\n",
            "    from nclib.autoencoders import linear_ae_loss as reference\n    return reference(W, X)\n",
            "linear_ae_loss calls the nclib reference", breaks=("test_linear_ae_loss",))]),
    },
}
