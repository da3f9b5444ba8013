"""Specs of the fc_net assignment: the update rules, dropout, the fully connected net's loss, SGD on the
mean objective, collapsing a linear stack and the XOR weights."""
import copy

import numpy as np

from nclib import layers, models, optim
from nclib.grading.engine import (Spec, assert_close, assert_unchanged, call, compare_cases, compare_loss_fn_cases,
                                  describe, forward_spec, require)


def _layer_params(rng, dims):
    """Random W1 (dims[0], dims[1]), b1, ..., WL, bL for the layer sizes dims."""
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(dims[:-1], dims[1:]), start=1):
        params[f"W{i}"] = rng.standard_normal((fan_in, fan_out))
        params[f"b{i}"] = rng.standard_normal(fan_out)
    return params


def _update_rule_spec(reference, state_keys):
    """The Spec of an update rule (w, dw, config) -> (next_w, config): three successive steps per case, the
    student's returned config fed back in. Checks next_w and the state the rule must carry (state_keys:
    velocity, cache, m, v, t), and that w and dw are not changed in place."""
    def run(name, student_fn, reference):
        rng = np.random.default_rng(12)
        shapes = [(5,), (3, 4), (1, 1), (2, 3, 2)]
        for number, shape in enumerate(shapes, start=1):
            w = rng.standard_normal(shape)
            # the first case relies on the documented defaults
            config = None if number == 1 else {"learning_rate": float(10 ** rng.uniform(-3, -1))}
            student_config, reference_config = copy.deepcopy(config), copy.deepcopy(config)
            for step in (1, 2, 3):
                where = f"{name}, hidden case {number} of {len(shapes)} (w {shape}, step {step})"
                dw = rng.standard_normal(shape)
                expected_w, reference_config = reference(w, dw, reference_config)
                given = (w.copy(), dw.copy(), copy.deepcopy(student_config))
                actual = call(where, student_fn, *given)
                assert_unchanged(where, (w, dw), given[:2])
                require(isinstance(actual, tuple) and len(actual) == 2,
                        f"{where}: must return (next_w, config), got {describe(actual)}")
                next_w, student_config = actual
                require(isinstance(student_config, dict),
                        f"{where}: config must be a dict, got {describe(student_config)}")
                assert_close(where, "next_w", next_w, expected_w)
                for key in state_keys:
                    require(key in student_config, f"{where}: config must keep {key!r} for the next step")
                    assert_close(where, f"config[{key!r}]", student_config[key], reference_config[key])
                w = expected_w
    return Spec(reference, run)


def _dropout_cases(seed):
    rng = np.random.default_rng(seed)
    cases = []
    for shape, p, mode in [((4, 5), 0.5, "train"), ((1, 7), 0.8, "train"), ((2, 3, 4), 0.3, "train"),
                           ((6, 6), 1.0, "train"), ((3, 5), 0.5, "test")]:
        x = rng.standard_normal(shape)
        param = {"p": p, "mode": mode, "seed": int(rng.integers(1000))}
        cases.append(((x, param), f"x {shape}, p={p}, {mode} mode"))
    return cases


def _dropout_backward(name, student_fn, reference):
    rng = np.random.default_rng(14)
    cases = []
    for (x, param), description in _dropout_cases(13):
        cases.append(((rng.standard_normal(x.shape), layers.dropout_forward(x, param)[1]), description))
    compare_cases(name, student_fn, reference, cases, ["dx"])


def _fc_net_loss(name, student_fn, reference):
    rng = np.random.default_rng(15)
    cases = []
    # logit_shift is added to the last bias: a shift of every score changes neither the loss nor the
    # gradients, but makes an unshifted softmax overflow
    for N, dims, reg, keep, with_labels, logit_shift in [
        (5, [4, 3], 0.0, 1.0, False, 0),          # no hidden layer: softmax regression
        (5, [4, 6, 3], 0.0, 1.0, False, 0),
        (6, [5, 7, 4], 0.0, 1.0, True, 0),
        (4, [3, 6, 5, 2], 0.4, 1.0, True, 0),
        (7, [6, 5, 4, 3, 4], 0.1, 1.0, True, 0),  # three hidden layers
        (1, [4, 5, 3], 0.2, 1.0, True, 0),
        (6, [5, 8, 7, 3], 0.0, 0.6, True, 0),     # dropout in training
        (6, [5, 8, 7, 3], 0.0, 0.6, False, 0),    # ... and none at test time
        (3, [2, 4], 0.3, 1.0, True, 0),
        (5, [4, 6, 3], 0.1, 1.0, True, 5000),
    ]:
        params = _layer_params(rng, dims)
        params[f"b{len(dims) - 1}"] += logit_shift
        X = rng.standard_normal((N, dims[0]))
        y = rng.integers(dims[-1], size=N) if with_labels else None
        dropout_param = None if keep == 1.0 else {"p": keep, "seed": int(rng.integers(1000))}
        description = (f"X {X.shape}, layer sizes {dims}, reg={reg}, "
                       + (f"dropout keep {keep}, " if dropout_param else "") + ("with y" if with_labels else "y=None")
                       + (", large logits" if logit_shift else ""))
        cases.append(((params, X, y, reg, dropout_param), description))
    compare_loss_fn_cases(name, student_fn, reference, cases)


def _sgd_mean_objective(name, student_fn, reference):
    rng = np.random.default_rng(16)
    cases = []
    for n, d in [(4, 3), (1, 2), (9, 1), (6, 5)]:
        X, w0 = rng.standard_normal((n, d)), rng.standard_normal(d)
        cases.append(((X, w0), f"X {X.shape}, w0 {w0.shape}"))
    compare_cases(name, student_fn, reference, cases, ["iterates"])


def _collapse_linear(name, student_fn, reference):
    rng = np.random.default_rng(17)
    cases = []
    for dims in [[3, 4], [3, 5, 2], [4, 6, 5, 3], [2, 3, 3, 4, 1]]:
        params = _layer_params(rng, dims)
        cases.append(((params,), f"layer sizes {dims}"))
    compare_cases(name, student_fn, reference, cases, ["W", "b"])


XOR_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def _xor_weights(name, student_fn, _reference):
    weights = call(name, student_fn)
    require(isinstance(weights, tuple) and len(weights) == 2, f"{name}: must return (W1, w2), got {describe(weights)}")
    W1, w2 = (np.asarray(w, dtype=np.float64) for w in weights)
    require(W1.shape == (2, 2) and w2.shape == (2,),
            f"{name}: W1 must have shape (2, 2) and w2 shape (2,), got {W1.shape} and {w2.shape}")
    require(np.all(np.isfinite(W1)) and np.all(np.isfinite(w2)), f"{name}: the weights contain inf or nan")
    outputs = models.xor_network(XOR_INPUTS, W1, w2)
    wrong = [tuple(int(v) for v in x) for x, out in zip(XOR_INPUTS, outputs) if out != int(x[0]) ^ int(x[1])]
    require(not wrong, f"{name}: the network gets XOR wrong on the inputs {wrong}")


SPECS = {
    "sgd": _update_rule_spec(optim.sgd, ()),
    "sgd_momentum": _update_rule_spec(optim.sgd_momentum, ("velocity",)),
    "rmsprop": _update_rule_spec(optim.rmsprop, ("cache",)),
    "adam": _update_rule_spec(optim.adam, ("m", "v", "t")),
    "dropout_forward": forward_spec(layers.dropout_forward, _dropout_cases, 13),
    "dropout_backward": Spec(layers.dropout_backward, _dropout_backward),
    "fc_net_loss": Spec(models.fc_net_loss, _fc_net_loss),
    "sgd_mean_objective": Spec(optim.sgd_mean_objective, _sgd_mean_objective),
    "collapse_linear": Spec(models.collapse_linear, _collapse_linear),
    "xor_weights": Spec(models.xor_weights, _xor_weights),
}
