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
}
