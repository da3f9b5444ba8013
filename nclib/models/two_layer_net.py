"""The two_layer_net assignment's model: the two-layer net's loss, predict, the SGD loop and TwoLayerNet."""
import numpy as np

from nclib.init import init_fc_params
from nclib.layers import affine_backward, affine_forward
from nclib.losses import softmax_loss
from nclib.models._arguments import activation_layers


def two_layer_net_loss(params, X, y=None, reg=0.0, activation="relu"):
    """Two-layer net: affine - activation - affine - softmax, with L2 regularisation 0.5 * reg * sum(W^2).

    Args:
        params: dict with W1 (D, H), b1 (H,), W2 (H, C), b2 (C,).
        X: (N, D) inputs.
        y: (N,) int labels in 0..C-1, or None.
        reg: L2 strength; the biases are not regularised.
        activation: "relu" or "swish" (any name in nclib.layers.ACTIVATIONS).
    Returns:
        scores (N, C) if y is None, else (loss, grads): loss a float, grads a dict keyed like params.
    """
    act_forward, act_backward = activation_layers(activation)
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    z1, fc1_cache = affine_forward(X, W1, b1)
    h1, act_cache = act_forward(z1)
    scores, fc2_cache = affine_forward(h1, W2, b2)
    if y is None:
        return scores
    data_loss, dscores = softmax_loss(scores, y)
    loss = data_loss + 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    dh1, dW2, db2 = affine_backward(dscores, fc2_cache)
    dz1 = act_backward(dh1, act_cache)
    _, dW1, db1 = affine_backward(dz1, fc1_cache)
    grads = {"W1": dW1 + reg * W1, "b1": db1, "W2": dW2 + reg * W2, "b2": db2}
    return float(loss), grads


def predict(loss_fn, params, X):
    """Predicted labels (N,): the argmax of loss_fn(params, X) over classes."""
    return np.argmax(loss_fn(params, X), axis=1)


def train_sgd(loss_fn, params, X, y, X_val, y_val, learning_rate=0.1, learning_rate_decay=0.95,
              num_iters=1000, batch_size=100, seed=0, verbose=False):
    """Minibatch stochastic gradient descent; updates params in place.

    Each iteration draws batch_size indices with replacement (rng.choice with rng =
    numpy.random.default_rng(seed)), takes the step params[k] -= learning_rate * grads[k], and records
    the loss. At the end of every epoch (every max(N // batch_size, 1) iterations) it records the
    train and validation accuracy and multiplies the learning rate by learning_rate_decay.

    Args:
        loss_fn: loss_fn(params, X, y=None) as described in nclib.models.
        params: dict of arrays, updated in place.
        X: (N, D) training inputs; y: (N,) labels.
        X_val: (N_val, D) validation inputs; y_val: (N_val,) labels.
        learning_rate, learning_rate_decay: step size and its factor per epoch.
        num_iters: number of steps; batch_size: examples per step.
        seed: seed or numpy.random.Generator for the batches.
        verbose: print the loss every 100 iterations.
    Returns:
        dict with loss_history (num_iters floats), train_acc_history and val_acc_history
        (one float per completed epoch).
    """
    rng = np.random.default_rng(seed)
    num_train = X.shape[0]
    iterations_per_epoch = max(num_train // batch_size, 1)
    history = {"loss_history": [], "train_acc_history": [], "val_acc_history": []}
    for it in range(num_iters):
        idx = rng.choice(num_train, batch_size, replace=True)
        loss, grads = loss_fn(params, X[idx], y[idx])
        for k in params:
            params[k] -= learning_rate * grads[k]
        history["loss_history"].append(loss)
        if verbose and it % 100 == 0:
            print(f"iteration {it} / {num_iters}: loss {loss:.4f}")
        if (it + 1) % iterations_per_epoch == 0:
            history["train_acc_history"].append(float(np.mean(predict(loss_fn, params, X) == y)))
            history["val_acc_history"].append(float(np.mean(predict(loss_fn, params, X_val) == y_val)))
            learning_rate *= learning_rate_decay
    return history


class TwoLayerNet:
    """affine - relu|swish - affine - softmax classifier with L2 regularisation.

    Args:
        input_dim: D; hidden_dim: H; num_classes: C.
        activation: "relu" or "swish".
        reg: L2 strength (loss term 0.5 * reg * sum of squared weights).
        weight_scale: standard deviation of the initial weights; None for He scaling.
        seed: seed of the initial weights.
    """

    def __init__(self, input_dim, hidden_dim, num_classes, activation="relu", reg=0.0, weight_scale=None, seed=0):
        activation_layers(activation)
        self.activation = activation
        self.reg = reg
        self.params = init_fc_params([input_dim, hidden_dim, num_classes], weight_scale, seed)

    def loss(self, X, y=None):
        """Scores (N, C) if y is None, else (loss, grads) for X (N, D)."""
        return self._loss_fn(self.params, X, y)

    def train(self, X, y, X_val, y_val, **sgd_options):
        """Minibatch SGD on (X, y); sgd_options as in train_sgd. Returns the history dict."""
        return train_sgd(self._loss_fn, self.params, X, y, X_val, y_val, **sgd_options)

    def predict(self, X):
        """Predicted labels (N,) for X (N, D)."""
        return predict(self._loss_fn, self.params, X)

    def _loss_fn(self, params, X, y=None):
        return two_layer_net_loss(params, X, y, self.reg, self.activation)
