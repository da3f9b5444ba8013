"""Specs of the two_layer_net assignment: the layers (affine, relu, swish), softmax_loss, the two-layer net's
loss, predict and the SGD training loop."""
import copy

import numpy as np

from nclib import layers, losses, models
from nclib.grading.engine import (Spec, assert_close, call, compare_cases, compare_loss_fn_cases, describe,
                                  forward_spec, require)


def _affine_cases(seed):
    rng = np.random.default_rng(seed)
    cases = []
    for x_shape, M in [((3, 5), 4), ((1, 7), 3), ((4, 2, 3), 5), ((2, 3, 2, 2), 6), ((6, 10), 1)]:
        x = rng.standard_normal(x_shape)
        w = rng.standard_normal((int(np.prod(x_shape[1:])), M))
        b = rng.standard_normal(M)
        cases.append(((x, w, b), f"x {x_shape}, w {w.shape}"))
    return cases


def _elementwise_inputs(seed, scale=3.0):
    """Arrays of several shapes, with exact zeros and a few large entries."""
    rng = np.random.default_rng(seed)
    arrays = []
    for shape in [(4, 5), (1, 3), (2, 3, 4), (7,)]:
        x = scale * rng.standard_normal(shape)
        flat = x.reshape(-1)
        flat[:: 3] = 0.0
        flat[1] = 40.0
        flat[-1] = -40.0
        arrays.append(x)
    return arrays


def _elementwise_cases(seed):
    return [((x,), f"x {x.shape}") for x in _elementwise_inputs(seed)]


def _affine_backward(name, student_fn, reference):
    rng = np.random.default_rng(3)
    cases = []
    for (x, w, b), description in _affine_cases(4):
        dout = rng.standard_normal((x.shape[0], w.shape[1]))
        cases.append(((dout, (x, w, b)), description))
    compare_cases(name, student_fn, reference, cases, ["dx", "dw", "db"])


def _elementwise_backward(name, student_fn, reference):
    rng = np.random.default_rng(5)
    cases = [((rng.standard_normal(x.shape), x), f"x {x.shape}") for x in _elementwise_inputs(6)]
    compare_cases(name, student_fn, reference, cases, ["dx"])


def _softmax_loss(name, student_fn, reference):
    rng = np.random.default_rng(7)
    cases = []
    # The large-logits case has a large offset and a moderate spread: it fails an implementation that does
    # not subtract the row maximum (exp overflows), but not the textbook one that subtracts it and then takes
    # the log of the probabilities (a spread of thousands would underflow those to 0 and its loss to inf).
    for N, C, scale in [(5, 3, 1.0), (1, 4, 1.0), (8, 10, 5.0), (6, 5, 10.0), (3, 2, 0.0)]:
        scores = scale * rng.standard_normal((N, C))
        if scale == 10.0:
            scores += 5000.0
            description = f"scores {scores.shape}, large logits"
        else:
            description = f"scores {scores.shape}"
        y = rng.integers(C, size=N)
        cases.append(((scores, y), description))
    compare_cases(name, student_fn, reference, cases, ["loss", "dscores"])


def _two_layer_net_loss(name, student_fn, reference):
    rng = np.random.default_rng(8)
    cases = []
    # logit_shift is added to b2, as in fc_net_loss's spec: it makes an inline unshifted softmax overflow
    for N, D, H, C, reg, activation, with_labels, logit_shift in [
        (5, 4, 6, 3, 0.0, "relu", False, 0),
        (5, 4, 6, 3, 0.0, "relu", True, 0),
        (7, 6, 5, 4, 0.3, "relu", True, 0),
        (1, 3, 4, 2, 0.1, "relu", True, 0),
        (6, 5, 7, 3, 0.0, "swish", False, 0),
        (6, 5, 7, 3, 0.2, "swish", True, 0),
        (4, 5, 6, 3, 0.1, "relu", True, 5000),
    ]:
        params = {"W1": rng.standard_normal((D, H)), "b1": rng.standard_normal(H),
                  "W2": rng.standard_normal((H, C)), "b2": rng.standard_normal(C) + logit_shift}
        X = rng.standard_normal((N, D))
        y = rng.integers(C, size=N) if with_labels else None
        description = (f"X {X.shape}, H={H}, C={C}, reg={reg}, {activation}, " + ("with y" if with_labels else "y=None")
                       + (", large logits" if logit_shift else ""))
        cases.append(((params, X, y, reg, activation), description))
    compare_loss_fn_cases(name, student_fn, reference, cases)


def _predict(name, student_fn, reference):
    rng = np.random.default_rng(9)
    cases = []
    for N, D, C in [(6, 4, 3), (1, 5, 4), (9, 3, 9)]:
        params = {"W": rng.standard_normal((D, C)), "b": rng.standard_normal(C)}
        X = rng.standard_normal((N, D))
        cases.append(((_linear_scores, params, X), f"X {X.shape}, {C} classes"))
    for (loss_fn, params, X), description in cases:
        where = f"{name} ({description})"
        labels = call(where, student_fn, loss_fn, copy.deepcopy(params), X.copy())
        labels = np.asarray(labels)
        require(labels.shape == (X.shape[0],), f"{where}: must return labels of shape (N,) = ({X.shape[0]},), "
                                               f"got {labels.shape}")
        require(np.issubdtype(labels.dtype, np.integer), f"{where}: labels must be integers, got {labels.dtype}")
        require(np.array_equal(labels, reference(loss_fn, params, X)), f"{where}: some labels are wrong")


def _linear_scores(params, X, y=None):
    if y is not None:
        raise AssertionError("predict must call loss_fn(params, X) without labels, to get scores")
    return X @ params["W"] + params["b"]


class _RecordingLoss:
    """A stand-in loss for checking a training loop: constant gradients, so the final parameters do not
    depend on which rows were sampled; it records every batch and the losses it returned."""

    def __init__(self, X, y, rng):
        self.X, self.y = X, y
        self.grad = {"W": rng.standard_normal(X.shape[1:] + (3,)), "b": rng.standard_normal(3)}
        self.batches, self.losses = [], []

    def __call__(self, params, X, y=None):
        if y is None:
            return X @ params["W"] + params["b"]
        rows = X[:, 0].astype(int)
        require(np.array_equal(self.X[rows], X), "train_sgd: the batch X must be rows of the training X")
        require(np.array_equal(self.y[rows], y), "train_sgd: the batch labels do not belong to the batch inputs "
                                                 "(use the same indices for X and y)")
        self.batches.append(rows)
        loss = float(np.sin(len(self.losses)) + 2.0)
        self.losses.append(loss)
        return loss, copy.deepcopy(self.grad)


def _train_sgd(name, student_fn, reference):
    rng = np.random.default_rng(10)
    for N, batch_size, num_iters, learning_rate, decay in [(50, 10, 23, 0.3, 0.5), (12, 20, 7, 0.1, 0.9)]:
        where = f"{name} (N={N}, batch_size={batch_size}, num_iters={num_iters})"
        X = np.column_stack([np.arange(N), rng.standard_normal((N, 3))])
        y = rng.integers(3, size=N)
        X_val, y_val = X[::2].copy(), rng.integers(3, size=X[::2].shape[0])
        init = {"W": rng.standard_normal((4, 3)), "b": rng.standard_normal(3)}
        options = dict(learning_rate=learning_rate, learning_rate_decay=decay, num_iters=num_iters,
                       batch_size=batch_size, seed=int(rng.integers(1000)))
        student_loss = _RecordingLoss(X, y, np.random.default_rng(11))
        student_params = copy.deepcopy(init)
        history = call(where, student_fn, student_loss, student_params, X.copy(), y.copy(), X_val.copy(),
                       y_val.copy(), **options)
        reference_params = copy.deepcopy(init)
        expected = reference(_RecordingLoss(X, y, np.random.default_rng(11)), reference_params,
                             X, y, X_val, y_val, **options)

        require(len(student_loss.batches) == num_iters,
                f"{where}: loss_fn was called with labels {len(student_loss.batches)} times, expected once per iteration")
        require(all(len(rows) == batch_size for rows in student_loss.batches),
                f"{where}: every batch must hold batch_size examples")
        require(len(np.unique(np.concatenate(student_loss.batches))) > min(batch_size, N // 2),
                f"{where}: the batches never change; sample new random rows at every iteration")
        for key in sorted(init):
            assert_close(where, f"params[{key!r}] after training (check the update and the decay schedule)",
                         student_params[key], reference_params[key])
        require(isinstance(history, dict), f"{where}: must return the history dict, got {describe(history)}")
        for key in sorted(expected):
            require(key in history, f"{where}: the history has no {key!r}")
        assert_close(where, "history['loss_history']", history["loss_history"], student_loss.losses)
        for key in ("train_acc_history", "val_acc_history"):
            require(len(history[key]) == len(expected[key]),
                    f"{where}: history[{key!r}] must hold one accuracy per epoch")
            assert_close(where, f"history[{key!r}]", history[key], expected[key])


SPECS = {
    "affine_forward": forward_spec(layers.affine_forward, _affine_cases, 1),
    "affine_backward": Spec(layers.affine_backward, _affine_backward),
    "relu_forward": forward_spec(layers.relu_forward, _elementwise_cases, 2),
    "relu_backward": Spec(layers.relu_backward, _elementwise_backward),
    "swish_forward": forward_spec(layers.swish_forward, _elementwise_cases, 2),
    "swish_backward": Spec(layers.swish_backward, _elementwise_backward),
    "softmax_loss": Spec(losses.softmax_loss, _softmax_loss),
    "two_layer_net_loss": Spec(models.two_layer_net_loss, _two_layer_net_loss),
    "predict": Spec(models.predict, _predict),
    "train_sgd": Spec(models.train_sgd, _train_sgd),
}
