"""Models built from nclib's layers (reference solutions), one module per assignment, as CS231n keeps its
classifiers: two_layer_net, fc_net, conv_backward (ThreeLayerConvNet), vae_kl (VAE) and rnn_bptt (RowRNN);
_arguments holds their argument checks. The public names are re-exported here: `from nclib.models import TwoLayerNet`.

A model's parameters live in a dict of arrays; a loss function `loss_fn(params, X, y=None)` returns the
scores (N, C) when y is None, else (loss, grads) with grads keyed like params.
"""
from nclib.models.conv_backward import ThreeLayerConvNet
from nclib.models.fc_net import FullyConnectedNet, collapse_linear, fc_net_loss, xor_network, xor_weights
from nclib.models.rnn_bptt import RowRNN
from nclib.models.two_layer_net import TwoLayerNet, predict, train_sgd, two_layer_net_loss
from nclib.models.vae_kl import VAE

__all__ = ["FullyConnectedNet", "RowRNN", "ThreeLayerConvNet", "TwoLayerNet", "VAE", "collapse_linear", "fc_net_loss",
           "predict", "train_sgd", "two_layer_net_loss", "xor_network", "xor_weights"]
