"""Submissions that kill, hang, exhaust or flood the grading kernel, made from the complete notebook.

Each is a list of Bugs (coursetools.demo.bugs) planted in the reference solution; `breaks` names the tests the
fault must cost: the faulty function's own and those of the functions that call it, nothing else.
Every assignment has faults in its first solution cell, which every later cell runs after: among them an
os._exit, an endless loop that ignores interrupts and a segmentation fault (all three in batchnorm_forward,
whose cache the backward passes take but whose tests start from a cache written out in the notebook).
"""
from coursetools.demo.bugs import Bug

FAULTS = {
    "two_layer_net": {
        "fault_os_exit": [Bug(
            "relu_forward", "    return out, cache", "    return out, cache\n\n\nimport os\nos._exit(3)",
            "os._exit after defining relu_forward kills the kernel",
            breaks=("test_relu_forward", "test_two_layer_net_loss"))],
        "fault_segfault": [Bug(
            "swish_forward", "    return out, cache", "    return out, cache\n\n\nimport ctypes\nctypes.string_at(0)",
            "a segmentation fault after defining swish_forward",
            breaks=("test_swish_forward", "test_two_layer_net_loss"))],
        "fault_hang": [Bug(
            "predict", "    return y_pred",
            "    return y_pred\n\n\nimport signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
            "an endless loop that ignores interrupts, after defining predict",
            breaks=("test_predict", "test_train_sgd"))],
        # Every cell that calls affine_forward hangs: the notebook's time budget, not each cell's limit,
        # bounds the cost, and the cells past it (predict's and train_sgd's tests among them) are not run.
        "fault_wedge_kernel": [Bug(
            "affine_forward", "    out = x.reshape(x.shape[0], w.shape[0]) @ w + b",
            "    np.__builtins__['isinstance'] = lambda *args: True\n"
            "    out = x.reshape(x.shape[0], w.shape[0]) @ w + b",
            "affine_forward rewires isinstance, which wedges the kernel that called it",
            breaks=("test_affine_forward", "test_two_layer_net_loss", "test_predict", "test_train_sgd"))],
        "fault_memory": [Bug(
            "affine_forward", "    out = x.reshape(x.shape[0], w.shape[0]) @ w + b",
            "    hog = []\n    while True:\n        hog.append(np.ones(2**26))",
            "affine_forward allocates 512 MB after 512 MB until memory runs out",
            breaks=("test_affine_forward", "test_two_layer_net_loss"))],
        "fault_output": [Bug(
            "relu_backward", "    return dx", "    return dx\n\n\nprint('spam ' * 10**7)",
            "50 MB of output after defining relu_backward", breaks=())],
        # The Execute step's fault report is the grader's: this one links its name elsewhere before it
        # dies, and its submission holds a report of that name too (test_faults.PLANTED).
        "fault_forged_report": [Bug(
            "relu_forward", "    return out, cache",
            "    return out, cache\n\n\nimport os\nos.symlink('forged.json', 'two_layer_net.faults.json')\nos._exit(3)",
            "a link where the fault report goes, then os._exit after defining relu_forward",
            breaks=("test_relu_forward", "test_two_layer_net_loss"))],
        "fault_sys_exit": [Bug(
            "softmax_loss", "    return loss, dscores", "    return loss, dscores\n\n\nimport sys\nsys.exit(1)",
            "sys.exit after defining softmax_loss (IPython turns it into an error)", breaks=())],
    },
    "fc_net": {
        # A crash at every call: the test cell and the plot after it kill the kernel, nothing else is lost.
        "fault_first_segfault": [Bug(
            "sgd_mean_objective", "    iterates[0] = w0\n", "    import ctypes\n    ctypes.string_at(0)\n    iterates[0] = w0\n",
            "sgd_mean_objective, the first solution cell, makes a segmentation fault at every call",
            breaks=("test_sgd_mean_objective",))],
        "fault_os_exit": [Bug(
            "dropout_forward", "    return out, cache", "    return out, cache\n\n\nimport os\nos._exit(3)",
            "os._exit after defining dropout_forward kills the kernel",
            breaks=("test_dropout_forward", "test_fc_net_loss"))],
        "fault_hang": [Bug(
            "rmsprop", "    return next_w, config",
            "    return next_w, config\n\n\nimport signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
            "an endless loop that ignores interrupts, after defining rmsprop", breaks=("test_rmsprop",))],
        "fault_memory": [Bug(
            "collapse_linear", "    W, b = params[\"W1\"], params[\"b1\"]",
            "    hog = []\n    while True:\n        hog.append(np.ones(2**26))",
            "collapse_linear allocates 512 MB after 512 MB until memory runs out", breaks=("test_collapse_linear",))],
    },
    "conv_backward": {
        "fault_os_exit": [Bug(
            "max_pool_forward_naive", "    return out, cache", "    return out, cache\n\n\nimport os\nos._exit(3)",
            "os._exit after defining max_pool_forward_naive kills the kernel",
            breaks=("test_max_pool_forward_naive",))],
        "fault_memory": [Bug(
            "conv2d", "    HH, WW = K.shape\n", "    hog = []\n    while True:\n        hog.append(np.ones(2**26))\n",
            "conv2d allocates 512 MB after 512 MB until memory runs out",
            breaks=("test_conv2d", "test_diagonal_loss_gradients"))],
    },
    "batchnorm_backward": {
        # The backward passes' tests take a written-out cache, not batchnorm_forward's: they keep their points.
        "fault_forward_os_exit": [Bug(
            "batchnorm_forward", "    return out, cache", "    return out, cache\n\n\nimport os\nos._exit(3)",
            "os._exit after defining batchnorm_forward kills the kernel", breaks=("test_batchnorm_forward",))],
        "fault_forward_hang": [Bug(
            "batchnorm_forward", "    return out, cache",
            "    return out, cache\n\n\nimport signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
            "an endless loop that ignores interrupts, after defining batchnorm_forward",
            breaks=("test_batchnorm_forward",))],
        "fault_forward_segfault": [Bug(
            "batchnorm_forward", "    mu, var = running_mean, running_var\n",
            "    import ctypes\n    ctypes.string_at(0)\n    mu, var = running_mean, running_var\n",
            "batchnorm_forward makes a segmentation fault at every call, the deep nets' training included",
            breaks=("test_batchnorm_forward",))],
        "fault_hang": [Bug(
            "batchnorm_backward_seed", "    return dx, dgamma, dbeta",
            "    return dx, dgamma, dbeta\n\n\nimport signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
            "an endless loop that ignores interrupts, after defining batchnorm_backward_seed",
            breaks=("test_batchnorm_backward_seed",))],
    },
    "vae_kl": {
        "fault_first_os_exit": [Bug(
            "kl_divergence", "    return kl, cache", "    return kl, cache\n\n\nimport os\nos._exit(3)",
            "os._exit after defining kl_divergence, the first solution cell, kills the kernel",
            breaks=("test_kl_divergence", "test_vae_loss"))],
        "fault_os_exit": [Bug(
            "reparameterize", "    return z, cache", "    return z, cache\n\n\nimport os\nos._exit(3)",
            "os._exit after defining reparameterize kills the kernel",
            breaks=("test_reparameterize", "test_vae_loss"))],
    },
    "rnn_bptt": {
        "fault_first_os_exit": [Bug(
            "rnn_step_forward", "    return next_h, cache", "    return next_h, cache\n\n\nimport os\nos._exit(3)",
            "os._exit after defining rnn_step_forward, the first solution cell, kills the kernel",
            breaks=("test_rnn_step_forward", "test_rnn_forward"))],
        "fault_segfault": [Bug(
            "lstm_step_backward", "    return dx, dprev_h, dprev_c, dWx, dWh, db",
            "    return dx, dprev_h, dprev_c, dWx, dWh, db\n\n\nimport ctypes\nctypes.string_at(0)",
            "a segmentation fault after defining lstm_step_backward",
            breaks=("test_lstm_step_backward", "test_lstm_backward"))],
    },
    "autoencoders": {
        "fault_first_os_exit": [Bug(
            "linear_ae_loss", "    return loss, dW", "    return loss, dW\n\n\nimport os\nos._exit(3)",
            "os._exit after defining linear_ae_loss, the first solution cell, kills the kernel",
            breaks=("test_linear_ae_loss",))],
        "fault_segfault": [Bug(
            "tanh_mlp_backward", "    return dW1, db1, dW2, db2",
            "    return dW1, db1, dW2, db2\n\n\nimport ctypes\nctypes.string_at(0)",
            "a segmentation fault after defining tanh_mlp_backward", breaks=("test_tanh_mlp_backward",))],
    },
}
