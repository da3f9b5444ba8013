"""The single entry point of the hidden tests: `check(name, student_fn)`.

Each graded function has a spec: the nclib reference, seeded inputs of several shapes (edge cases
included), and the outputs to compare. A failed check raises AssertionError naming the function, the
case (by its input shapes), the output and how far off it is; it never shows an expected value.
An exception raised by the student's function becomes such an AssertionError too, except
NotImplementedError (the unanswered stub), which propagates.
"""
import copy

import numpy as np

from nclib import batchnorm, conv, layers, losses, models, optim, vae

RTOL = 1e-6
ATOL = 1e-9


def check(name, student_fn):
    """Grade student_fn against the reference called `name` (a key of SPECS). Raises AssertionError."""
    if name not in SPECS:
        raise KeyError(f"no grading spec named {name!r}; known: {sorted(SPECS)}")
    if not callable(student_fn):
        raise AssertionError(f"{name}: expected a function, got {type(student_fn).__name__}")
    SPECS[name](name, student_fn)
    print(f"{name}: all hidden cases passed")


# ----------------------------------------------------------------------------------------------------
# Comparing a student's function with the reference on generated cases

def _compare_cases(name, student_fn, reference_fn, cases, outputs, forward=False):
    """Run both functions on every case and compare the named outputs.

    cases: list of (args, description); outputs: names of the returned values (a single name means
    the function returns one value); forward: the functions return (out, cache) and only out counts.
    """
    for number, (args, description) in enumerate(cases, start=1):
        where = f"{name}, hidden case {number} of {len(cases)} ({description})"
        expected = reference_fn(*copy.deepcopy(args))
        given = copy.deepcopy(args)
        actual = _call(where, student_fn, *given)
        _assert_unchanged(where, args, given)
        if forward:
            expected = expected[0]
            _assert(isinstance(actual, tuple) and len(actual) == 2,
                    f"{where}: must return (out, cache), got {_kind(actual)}")
            actual = actual[0]
        if len(outputs) == 1:
            _assert_close(where, outputs[0], actual, expected)
            continue
        _assert(isinstance(actual, tuple) and len(actual) == len(outputs),
                f"{where}: must return a tuple ({', '.join(outputs)}), got {_kind(actual)}")
        for out_name, a, e in zip(outputs, actual, expected):
            if isinstance(e, dict):
                _assert(isinstance(a, dict) and set(a) == set(e),
                        f"{where}: {out_name} must be a dict with keys {sorted(e)}, got {_kind(a)}")
                for key in sorted(e):
                    _assert_close(where, f"{out_name}[{key!r}]", a[key], e[key])
            else:
                _assert_close(where, out_name, a, e)


def _assert_close(where, out_name, actual, expected):
    expected = np.asarray(expected)
    try:
        actual = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(f"{where}: {out_name} is not numeric ({_kind(actual)})") from None
    _assert(actual.shape == expected.shape,
            f"{where}: {out_name} has shape {actual.shape}, expected {expected.shape}")
    _assert(np.all(np.isfinite(actual)), f"{where}: {out_name} contains inf or nan")
    error = np.abs(actual - expected)
    if not np.all(error <= ATOL + RTOL * np.abs(expected)):
        scale = np.maximum(np.abs(actual) + np.abs(expected), 1e-8)
        raise AssertionError(f"{where}: {out_name} is wrong: largest absolute error {error.max():.2e}, "
                             f"largest relative error {np.max(error / scale):.2e}")


def _call(where, student_fn, *args, **kwargs):
    """student_fn(*args, **kwargs); a crash on a hidden case fails the check with the case named."""
    try:
        return student_fn(*args, **kwargs)
    except NotImplementedError:
        raise
    except Exception as error:
        raise AssertionError(f"{where}: raised {type(error).__name__}: {error}") from error


def _assert_unchanged(where, original, given):
    for i, (a, b) in enumerate(zip(_arrays(original), _arrays(given))):
        _assert(a.shape == b.shape and np.array_equal(a, b),
                f"{where}: argument {i + 1} was modified in place; work on a copy instead")


def _arrays(obj):
    if isinstance(obj, np.ndarray):
        yield obj
    elif isinstance(obj, (tuple, list)):
        for item in obj:
            yield from _arrays(item)
    elif isinstance(obj, dict):
        for key in sorted(obj):
            yield from _arrays(obj[key])


def _assert(condition, message):
    if not condition:
        raise AssertionError(message)


def _kind(value):
    if isinstance(value, tuple):
        return f"a tuple of {len(value)}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return type(value).__name__


def _shapes(*arrays):
    return ", ".join(str(np.shape(a)) for a in arrays)


# ----------------------------------------------------------------------------------------------------
# Case generators: seeded, several shapes, edge cases (batch of one, zeros, large values)

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


def _forward_spec(reference, make_cases, seed):
    def run(name, student_fn):
        _compare_cases(name, student_fn, reference, make_cases(seed), ["out"], forward=True)
    return run


def _affine_backward(name, student_fn):
    rng = np.random.default_rng(3)
    cases = []
    for (x, w, b), description in _affine_cases(4):
        dout = rng.standard_normal((x.shape[0], w.shape[1]))
        cases.append(((dout, (x, w, b)), description))
    _compare_cases(name, student_fn, layers.affine_backward, cases, ["dx", "dw", "db"])


def _elementwise_backward_spec(reference):
    def run(name, student_fn):
        rng = np.random.default_rng(5)
        cases = [((rng.standard_normal(x.shape), x), f"x {x.shape}") for x in _elementwise_inputs(6)]
        _compare_cases(name, student_fn, reference, cases, ["dx"])
    return run


def _softmax_loss(name, student_fn):
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
    _compare_cases(name, student_fn, losses.softmax_loss, cases, ["loss", "dscores"])


def _two_layer_net_loss(name, student_fn):
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
    _compare_loss_fn_cases(name, student_fn, models.two_layer_net_loss, cases)


def _compare_loss_fn_cases(name, student_fn, reference, cases):
    """Cases of a loss_fn(params, X, y, ...): scores where y is None, else (loss, grads)."""
    _compare_cases(name, student_fn, reference, [case for case in cases if case[0][2] is None], ["scores"])
    _compare_cases(name, student_fn, reference, [case for case in cases if case[0][2] is not None], ["loss", "grads"])


def _layer_params(rng, dims):
    """Random W1 (dims[0], dims[1]), b1, ..., WL, bL for the layer sizes dims."""
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(dims[:-1], dims[1:]), start=1):
        params[f"W{i}"] = rng.standard_normal((fan_in, fan_out))
        params[f"b{i}"] = rng.standard_normal(fan_out)
    return params


def _predict(name, student_fn):
    rng = np.random.default_rng(9)
    cases = []
    for N, D, C in [(6, 4, 3), (1, 5, 4), (9, 3, 9)]:
        params = {"W": rng.standard_normal((D, C)), "b": rng.standard_normal(C)}
        X = rng.standard_normal((N, D))
        cases.append(((_linear_scores, params, X), f"X {X.shape}, {C} classes"))
    for (loss_fn, params, X), description in cases:
        where = f"{name} ({description})"
        labels = _call(where, student_fn, loss_fn, copy.deepcopy(params), X.copy())
        labels = np.asarray(labels)
        _assert(labels.shape == (X.shape[0],), f"{where}: must return labels of shape (N,) = ({X.shape[0]},), "
                                               f"got {labels.shape}")
        _assert(np.issubdtype(labels.dtype, np.integer), f"{where}: labels must be integers, got {labels.dtype}")
        _assert(np.array_equal(labels, models.predict(loss_fn, params, X)), f"{where}: some labels are wrong")


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
        _assert(np.array_equal(self.X[rows], X), "train_sgd: the batch X must be rows of the training X")
        _assert(np.array_equal(self.y[rows], y), "train_sgd: the batch labels do not belong to the batch inputs "
                                                 "(use the same indices for X and y)")
        self.batches.append(rows)
        loss = float(np.sin(len(self.losses)) + 2.0)
        self.losses.append(loss)
        return loss, copy.deepcopy(self.grad)


def _train_sgd(name, student_fn):
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
        history = _call(where, student_fn, student_loss, student_params, X.copy(), y.copy(), X_val.copy(),
                        y_val.copy(), **options)
        reference_params = copy.deepcopy(init)
        expected = models.train_sgd(_RecordingLoss(X, y, np.random.default_rng(11)), reference_params,
                                    X, y, X_val, y_val, **options)

        _assert(len(student_loss.batches) == num_iters,
                f"{where}: loss_fn was called with labels {len(student_loss.batches)} times, expected once per iteration")
        _assert(all(len(rows) == batch_size for rows in student_loss.batches),
                f"{where}: every batch must hold batch_size examples")
        _assert(len(np.unique(np.concatenate(student_loss.batches))) > min(batch_size, N // 2),
                f"{where}: the batches never change; sample new random rows at every iteration")
        for key in sorted(init):
            _assert_close(where, f"params[{key!r}] after training (check the update and the decay schedule)",
                          student_params[key], reference_params[key])
        _assert(isinstance(history, dict), f"{where}: must return the history dict, got {_kind(history)}")
        for key in sorted(expected):
            _assert(key in history, f"{where}: the history has no {key!r}")
        _assert_close(where, "history['loss_history']", history["loss_history"], student_loss.losses)
        for key in ("train_acc_history", "val_acc_history"):
            _assert(len(history[key]) == len(expected[key]),
                    f"{where}: history[{key!r}] must hold one accuracy per epoch")
            _assert_close(where, f"history[{key!r}]", history[key], expected[key])


def _update_rule_spec(reference, state_keys):
    """Three successive steps per case, the student's returned config fed back in: checks next_w and the
    state the rule must carry (velocity, cache, m, v, t), and that w and dw are not changed in place."""
    def run(name, student_fn):
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
                actual = _call(where, student_fn, *given)
                _assert_unchanged(where, (w, dw), given[:2])
                _assert(isinstance(actual, tuple) and len(actual) == 2,
                        f"{where}: must return (next_w, config), got {_kind(actual)}")
                next_w, student_config = actual
                _assert(isinstance(student_config, dict), f"{where}: config must be a dict, got {_kind(student_config)}")
                _assert_close(where, "next_w", next_w, expected_w)
                for key in state_keys:
                    _assert(key in student_config, f"{where}: config must keep {key!r} for the next step")
                    _assert_close(where, f"config[{key!r}]", student_config[key], reference_config[key])
                w = expected_w
    return run


def _dropout_cases(seed):
    rng = np.random.default_rng(seed)
    cases = []
    for shape, p, mode in [((4, 5), 0.5, "train"), ((1, 7), 0.8, "train"), ((2, 3, 4), 0.3, "train"),
                           ((6, 6), 1.0, "train"), ((3, 5), 0.5, "test")]:
        x = rng.standard_normal(shape)
        param = {"p": p, "mode": mode, "seed": int(rng.integers(1000))}
        cases.append(((x, param), f"x {shape}, p={p}, {mode} mode"))
    return cases


def _dropout_backward(name, student_fn):
    rng = np.random.default_rng(14)
    cases = []
    for (x, param), description in _dropout_cases(13):
        cases.append(((rng.standard_normal(x.shape), layers.dropout_forward(x, param)[1]), description))
    _compare_cases(name, student_fn, layers.dropout_backward, cases, ["dx"])


def _fc_net_loss(name, student_fn):
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
    _compare_loss_fn_cases(name, student_fn, models.fc_net_loss, cases)


def _sgd_mean_objective(name, student_fn):
    rng = np.random.default_rng(16)
    cases = []
    for n, d in [(4, 3), (1, 2), (9, 1), (6, 5)]:
        X, w0 = rng.standard_normal((n, d)), rng.standard_normal(d)
        cases.append(((X, w0), f"X {X.shape}, w0 {w0.shape}"))
    _compare_cases(name, student_fn, optim.sgd_mean_objective, cases, ["iterates"])


def _collapse_linear(name, student_fn):
    rng = np.random.default_rng(17)
    cases = []
    for dims in [[3, 4], [3, 5, 2], [4, 6, 5, 3], [2, 3, 3, 4, 1]]:
        params = _layer_params(rng, dims)
        cases.append(((params,), f"layer sizes {dims}"))
    _compare_cases(name, student_fn, models.collapse_linear, cases, ["W", "b"])


XOR_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def _xor_weights(name, student_fn):
    weights = _call(name, student_fn)
    _assert(isinstance(weights, tuple) and len(weights) == 2, f"{name}: must return (W1, w2), got {_kind(weights)}")
    W1, w2 = (np.asarray(w, dtype=np.float64) for w in weights)
    _assert(W1.shape == (2, 2) and w2.shape == (2,),
            f"{name}: W1 must have shape (2, 2) and w2 shape (2,), got {W1.shape} and {w2.shape}")
    _assert(np.all(np.isfinite(W1)) and np.all(np.isfinite(w2)), f"{name}: the weights contain inf or nan")
    outputs = models.xor_network(XOR_INPUTS, W1, w2)
    wrong = [tuple(int(v) for v in x) for x, out in zip(XOR_INPUTS, outputs) if out != int(x[0]) ^ int(x[1])]
    _assert(not wrong, f"{name}: the network gets XOR wrong on the inputs {wrong}")


EXAM_A = np.array([[1, 2, 3, 4, 5], [5, 1, 2, 3, 4], [4, 5, 1, 2, 3], [3, 4, 5, 1, 2], [2, 3, 4, 5, 1]], dtype=float)
EXAM_W = np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=float)


def _exam_cases(seed, with_c=False):
    """The exam's A and W (question 2), then random matrices and kernels of other shapes."""
    rng = np.random.default_rng(seed)
    pairs = [(EXAM_A, EXAM_W)] + [(rng.standard_normal(a), rng.standard_normal(k))
                                  for a, k in [((6, 6), (2, 2)), ((4, 7), (3, 2)), ((5, 3), (1, 3)), ((3, 3), (3, 3))]]
    cases = []
    for A, K in pairs:
        args = (A, K)
        if with_c:
            B_shape = (A.shape[0] - K.shape[0] + 1, A.shape[1] - K.shape[1] + 1)
            args = (A, K, -10 * np.eye(*B_shape) if A is EXAM_A else rng.standard_normal(B_shape))
        cases.append((args, "the exam's A and W" if A is EXAM_A else f"A {A.shape}, K {K.shape}"))
    return cases


def _conv2d(name, student_fn):
    _compare_cases(name, student_fn, conv.conv2d, _exam_cases(18), ["B"])


def _diagonal_loss_gradients(name, student_fn):
    _compare_cases(name, student_fn, conv.diagonal_loss_gradients, _exam_cases(19, with_c=True), ["f", "dA", "dK"])


def _multiplication_counts(name, student_fn):
    cases = [(((5, 5), (3, 3), 1, 0), "the exam's 5x5 input and 3x3 kernel")]
    for input_shape, kernel_shape, stride, pad in [((6, 4), (3, 2), 1, 0), ((7, 7), (3, 3), 2, 0),
                                                   ((4, 5), (3, 3), 1, 1), ((8, 6), (4, 2), 2, 1), ((3, 3), (3, 3), 1, 0)]:
        cases.append(((input_shape, kernel_shape, stride, pad),
                      f"input {input_shape}, kernel {kernel_shape}, stride {stride}, pad {pad}"))
    _compare_cases(name, student_fn, conv.multiplication_counts, cases, ["counts"])


def _conv_output_size(name, student_fn):
    for size, kernel, stride, pad in [(32, 3, 1, 1), (32, 5, 1, 0), (8, 3, 1, 1), (7, 3, 2, 0), (9, 3, 2, 2),
                                      (5, 5, 1, 0), (28, 4, 4, 0), (1, 3, 1, 1)]:
        where = f"{name} (size {size}, kernel {kernel}, stride {stride}, pad {pad})"
        actual = _call(where, student_fn, size, kernel, stride, pad)
        _assert(isinstance(actual, (int, np.integer)) and not isinstance(actual, bool),
                f"{where}: must return an int, got {_kind(actual)}")
        _assert(actual == conv.conv_output_size(size, kernel, stride, pad), f"{where}: wrong output size")
    for size, kernel, stride, pad in [(8, 3, 2, 0), (32, 4, 4, 1), (3, 5, 1, 0)]:
        where = f"{name} (size {size}, kernel {kernel}, stride {stride}, pad {pad}: the windows do not fit)"
        try:
            student_fn(size, kernel, stride, pad)
        except NotImplementedError:
            raise
        except ValueError:
            continue
        except Exception as error:
            raise AssertionError(f"{where}: must raise ValueError, raised {type(error).__name__}") from error
        raise AssertionError(f"{where}: must raise ValueError")


def _conv_param_count(name, student_fn):
    for C, F, HH, WW in [(3, 16, 3, 3), (1, 8, 5, 5), (64, 128, 1, 1), (3, 2, 3, 5)]:
        where = f"{name} (C={C}, F={F}, HH={HH}, WW={WW})"
        actual = _call(where, student_fn, C, F, HH, WW)
        _assert(isinstance(actual, (int, np.integer)) and not isinstance(actual, bool),
                f"{where}: must return an int, got {_kind(actual)}")
        _assert(actual == conv.conv_param_count(C, F, HH, WW), f"{where}: wrong number of parameters")


CONV_CONFIGS = [  # x shape, w shape, stride, pad
    ((2, 3, 5, 5), (4, 3, 3, 3), 1, 1),
    ((1, 1, 6, 4), (1, 1, 3, 2), 1, 0),     # a batch of one, one channel, one filter, non-square
    ((3, 2, 7, 7), (2, 2, 3, 3), 2, 0),     # stride 2
    ((2, 2, 4, 6), (3, 2, 3, 3), 1, 2),     # pad 2
    ((2, 3, 8, 6), (2, 3, 4, 2), 2, 1),     # non-square kernel, stride 2, pad 1
    ((1, 2, 3, 3), (5, 2, 3, 3), 1, 0),     # one output pixel
]


def _conv_cases(seed):
    rng = np.random.default_rng(seed)
    cases = []
    for x_shape, w_shape, stride, pad in CONV_CONFIGS:
        args = (rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0]),
                {"stride": stride, "pad": pad})
        cases.append((args, f"x {x_shape}, w {w_shape}, stride {stride}, pad {pad}"))
    return cases


def _conv_backward_naive(name, student_fn):
    rng = np.random.default_rng(21)
    cases = []
    for (x, w, b, conv_param), description in _conv_cases(20):
        out, cache = conv.conv_forward_naive(x, w, b, conv_param)
        cases.append(((rng.standard_normal(out.shape), cache), description))
    _compare_cases(name, student_fn, conv.conv_backward_naive, cases, ["dx", "dw", "db"])


POOL_CONFIGS = [  # x shape, pool height, pool width, stride
    ((2, 3, 4, 4), 2, 2, 2),
    ((1, 1, 6, 4), 2, 2, 2),
    ((2, 2, 7, 7), 3, 3, 2),                # overlapping windows
    ((3, 2, 6, 6), 2, 3, 1),                # non-square windows, stride 1
    ((2, 1, 4, 6), 4, 2, 2),
]


def _pool_cases(seed, ties=False):
    rng = np.random.default_rng(seed)
    cases = []
    for x_shape, ph, pw, stride in POOL_CONFIGS:
        x = rng.integers(3, size=x_shape).astype(float) if ties else rng.standard_normal(x_shape)
        description = f"x {x_shape}, {ph}x{pw} windows, stride {stride}" + (", with ties" if ties else "")
        cases.append(((x, {"pool_height": ph, "pool_width": pw, "stride": stride}), description))
    return cases


def _max_pool_backward_naive(name, student_fn):
    rng = np.random.default_rng(23)
    cases = []
    for (x, pool_param), description in _pool_cases(22) + _pool_cases(24, ties=True):
        out, cache = conv.max_pool_forward_naive(x, pool_param)
        cases.append(((rng.standard_normal(out.shape), cache), description))
    _compare_cases(name, student_fn, conv.max_pool_backward_naive, cases, ["dx"])


def _bn_inputs(rng, N, D):
    """x (N, D) with per-feature offsets and spreads (one feature's spread as small as 0.03, where
    eps matters), gamma (D,) of both signs, beta (D,)."""
    loc = 3.0 * rng.standard_normal(D)
    scale = 10 ** rng.uniform(-1.5, 0.7, D)
    scale[0] = 0.03
    x = loc + scale * rng.standard_normal((N, D))
    return x, rng.uniform(0.5, 2.0, D) * rng.choice([-1.0, 1.0], D), rng.standard_normal(D)


def _bn_running(rng, D):
    return {"running_mean": rng.standard_normal(D), "running_var": rng.uniform(0.5, 2.0, D)}


def _batchnorm_forward_cases(seed):
    """(steps, gamma, beta, bn_param, description): steps are (x, mode) calls sharing one bn_param, the
    dict each function stored its running averages in being passed to its next call."""
    rng = np.random.default_rng(seed)
    cases = []
    for N, D, settings, modes, running, description in [
        (5, 4, {}, ["train"], False, "no running averages yet"),
        (8, 3, {}, ["train"], True, "with running averages"),
        (1, 6, {}, ["train"], True, "a batch of one, with running averages"),
        (7, 1, {}, ["train"], False, "one feature, no running averages yet"),
        (6, 5, {"momentum": 0.75, "eps": 0.1}, ["train"], True, "momentum=0.75, eps=0.1, with running averages"),
        (10, 4, {}, ["test"], True, "given running averages"),
        (1, 3, {"eps": 0.01}, ["test"], True, "a batch of one, eps=0.01, given running averages"),
        (6, 3, {"momentum": 0.6}, ["train", "train", "test"], False, "momentum=0.6, from no running averages"),
    ]:
        x, gamma, beta = _bn_inputs(rng, N, D)
        steps = [(x, modes[0])] + [(_bn_inputs(rng, N, D)[0], mode) for mode in modes[1:]]
        bn_param = dict(settings, **(_bn_running(rng, D) if running else {}))
        mode = f"{modes[0]} mode" if len(modes) == 1 else f"{len(modes)} calls: {', '.join(modes)}"
        cases.append((steps, gamma, beta, bn_param, f"x {x.shape}, {mode}, {description}"))
    return cases


def _batchnorm_forward(name, student_fn):
    """out, as _forward_spec compares it, and the state in bn_param: in train mode the running averages
    the call stores there (compared with the reference's), in test mode the same ones, unchanged. The
    student's function gets its own bn_param, which (as in grading, where the changes the student's
    function makes to its arguments are copied back) shows what it stored."""
    cases = _batchnorm_forward_cases(25)
    for number, (steps, gamma, beta, bn_param, description) in enumerate(cases, start=1):
        student_param, reference_param = copy.deepcopy(bn_param), copy.deepcopy(bn_param)
        for step, (x, mode) in enumerate(steps, start=1):
            where = f"{name}, hidden case {number} of {len(cases)} ({description}"
            where += f"; call {step}, {mode} mode)" if len(steps) > 1 else ")"
            student_param["mode"] = reference_param["mode"] = mode
            expected, _ = batchnorm.batchnorm_forward(x.copy(), gamma.copy(), beta.copy(), reference_param)
            before = copy.deepcopy(student_param)
            given = (x.copy(), gamma.copy(), beta.copy(), student_param)
            actual = _call(where, student_fn, *given)
            _assert_unchanged(where, (x, gamma, beta), given[:3])
            _assert(isinstance(actual, tuple) and len(actual) == 2,
                    f"{where}: must return (out, cache), got {_kind(actual)}")
            _assert_close(where, "out", actual[0], expected)
            for key in ("running_mean", "running_var"):
                if mode == "train":
                    _assert(key in student_param, f"{where}: the call must store bn_param[{key!r}], the running "
                                                  f"average that test mode uses")
                    _assert_close(where, f"bn_param[{key!r}] (shape (D,)) stored by the call", student_param[key],
                                  reference_param[key])
                else:
                    kept = key in student_param and np.shape(student_param[key]) == np.shape(before[key])
                    _assert(kept and np.allclose(student_param[key], before[key], rtol=RTOL, atol=ATOL),
                            f"{where}: bn_param[{key!r}] was changed; test mode uses the running averages and "
                            f"must not update them")


def _batchnorm_backward_cases(seed):
    """(dout, cache) with the cache of the reference's train-mode forward."""
    rng = np.random.default_rng(seed)
    cases = []
    for N, D, eps in [(4, 5, None), (1, 6, None), (16, 40, None), (7, 1, None), (10, 3, 0.1)]:
        x, gamma, beta = _bn_inputs(rng, N, D)
        bn_param = {"mode": "train"} if eps is None else {"mode": "train", "eps": eps}
        _, cache = batchnorm.batchnorm_forward(x, gamma, beta, bn_param)
        description = f"x {x.shape}" + ("" if eps is None else f", eps={eps}") + (", a batch of one" if N == 1 else "")
        cases.append(((rng.standard_normal((N, D)), cache), description))
    return cases


def _batchnorm_backward_spec(reference):
    def run(name, student_fn):
        _compare_cases(name, student_fn, reference, _batchnorm_backward_cases(26), ["dx", "dgamma", "dbeta"])
    return run


def _gaussian_cases(seed, with_eps=False):
    """(mu, logvar[, eps]) of several shapes: a batch of one, one latent dimension, q equal to the prior,
    and log-variances far from 0 (-800, where exp underflows to 0, and +300)."""
    rng = np.random.default_rng(seed)
    cases = []
    for N, d, kind in [(4, 3, "random"), (1, 5, "random"), (6, 1, "random"), (2, 4, "the prior"),
                       (3, 2, "large |mu| and |logvar|")]:
        mu, logvar = 2.0 * rng.standard_normal((N, d)), 1.5 * rng.standard_normal((N, d))
        if kind == "the prior":
            mu[0], logvar[0] = 0.0, 0.0
        if kind.startswith("large"):
            mu[0, 0], logvar[0, 0], logvar[1, 1], logvar[2, 0] = 50.0, -800.0, 300.0, -60.0
        args = (mu, logvar, rng.standard_normal((N, d))) if with_eps else (mu, logvar)
        cases.append((args, f"mu {mu.shape}" + ("" if kind == "random" else f", {kind}")))
    return cases


def _kl_divergence_backward(name, student_fn):
    rng = np.random.default_rng(31)
    cases = [((rng.standard_normal(args[0].shape[0]), args), description)
             for args, description in _gaussian_cases(30)]
    _compare_cases(name, student_fn, vae.kl_divergence_backward, cases, ["dmu", "dlogvar"])


def _kl_monte_carlo(name, student_fn):
    """Statistical: with the student's own draws (from the seed given as rng), the estimate must lie within
    5 standard errors (the reference's) of the closed form, the standard error within 15% of the
    reference's, and another seed must give another estimate (the draws must come from rng)."""
    rng = np.random.default_rng(32)
    n_samples = 20000
    cases = [((2.0 * rng.standard_normal((3, 4)), rng.uniform(-2.0, 2.0, (3, 4))), "mu (3, 4)"),
             ((rng.standard_normal((1, 1)), np.array([[1.5]])), "mu (1, 1)"),
             ((np.array([[0.5, -1.0], [0.0, 0.0]]), np.array([[-1.0, 0.7], [0.0, 0.0]])),
              "mu (2, 2), the second row the prior")]
    for number, ((mu, logvar), description) in enumerate(cases, start=1):
        where = f"{name}, hidden case {number} of {len(cases)} ({description}, n_samples={n_samples})"
        exact, _ = vae.kl_divergence(mu, logvar)
        _, reference_error = vae.kl_monte_carlo(mu, logvar, n_samples, 33)
        results = []
        for seed in (33, 34):
            given = (mu.copy(), logvar.copy())
            result = _call(where, student_fn, *given, n_samples, seed)
            _assert_unchanged(where, (mu, logvar), given)
            _assert(isinstance(result, tuple) and len(result) == 2,
                    f"{where}: must return (estimate, standard_error), got {_kind(result)}")
            estimate, error = (np.asarray(v, dtype=np.float64) for v in result)
            for out_name, value in (("estimate", estimate), ("standard_error", error)):
                _assert(value.shape == exact.shape, f"{where}: {out_name} has shape {value.shape}, "
                                                    f"expected (N,) = {exact.shape}")
                _assert(np.all(np.isfinite(value)), f"{where}: {out_name} contains inf or nan")
            off = np.abs(estimate - exact) / np.maximum(reference_error, 1e-12)
            _assert(np.all(np.abs(estimate - exact) <= 5 * reference_error + 1e-9),
                    f"{where}: the estimate is biased: largest error {off.max():.2e} standard errors")
            _assert(np.all(np.abs(error - reference_error) <= 0.15 * reference_error + 1e-9),
                    f"{where}: standard_error is wrong: largest relative error "
                    f"{np.max(np.abs(error - reference_error) / np.maximum(reference_error, 1e-12)):.2e}")
            results.append(estimate)
        _assert(not np.array_equal(results[0], results[1]) or np.all(reference_error == 0),
                f"{where}: the estimate is the same for two seeds: draw the samples from rng")


def _reparameterize_backward(name, student_fn):
    rng = np.random.default_rng(36)
    cases = []
    for (mu, logvar, eps), description in _gaussian_cases(35, with_eps=True):
        logvar = np.clip(logvar, -60.0, 60.0)  # exp(logvar / 2) stays finite
        _, cache = vae.reparameterize(mu, logvar, eps)
        cases.append(((rng.standard_normal(mu.shape), cache), description))
    _compare_cases(name, student_fn, vae.reparameterize_backward, cases, ["dmu", "dlogvar"])


def _reparameterize_cases(seed):
    return [((mu, np.clip(logvar, -60.0, 60.0), eps), description)
            for (mu, logvar, eps), description in _gaussian_cases(seed, with_eps=True)]


def _vae_loss(name, student_fn):
    rng = np.random.default_rng(37)
    cases = []
    for N, D, H, d, beta, recon, binary in [
        (5, 6, 5, 3, 1.0, "bce", False),
        (4, 7, 6, 2, 0.0, "bce", False),
        (1, 5, 4, 2, 1.0, "bce", True),
        (6, 6, 5, 3, 0.5, "squared", False),
        (3, 4, 3, 1, 2.0, "squared", True),
        (8, 9, 7, 4, 1.0, "bce", True),
    ]:
        params = {}
        for layer, fan_in, fan_out in (("enc", D, H), ("mu", H, d), ("logvar", H, d), ("dec", d, H), ("out", H, D)):
            params[f"W_{layer}"] = rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)
            params[f"b_{layer}"] = 0.5 * rng.standard_normal(fan_out)
        X = rng.integers(2, size=(N, D)).astype(np.float64) if binary else rng.uniform(size=(N, D))
        eps = rng.standard_normal((N, d))
        description = f"X {X.shape}, H={H}, d={d}, beta={beta}, recon={recon!r}" + (", binary X" if binary else "")
        cases.append(((params, X, eps, beta, recon), description))
    _compare_cases(name, student_fn, vae.vae_loss, cases, ["loss", "grads"])


def _gan_discriminator_loss(name, student_fn):
    rng = np.random.default_rng(38)
    cases = []
    for n_real, n_fake, extreme in [(4, 4, False), (5, 3, False), (1, 6, False), (3, 1, False), (4, 5, True)]:
        d_real, d_fake = rng.uniform(0.02, 0.98, n_real), rng.uniform(0.02, 0.98, n_fake)
        if extreme:
            d_real[:2], d_fake[:2] = [1e-9, 1 - 1e-9], [1e-9, 1 - 1e-9]
        description = f"{n_real} real and {n_fake} fake samples" + (", D near 0 and 1" if extreme else "")
        cases.append(((d_real, d_fake), description))
    _compare_cases(name, student_fn, vae.gan_discriminator_loss, cases, ["loss", "dd_real", "dd_fake"])


SPECS = {
    "affine_forward": _forward_spec(layers.affine_forward, _affine_cases, 1),
    "affine_backward": _affine_backward,
    "relu_forward": _forward_spec(layers.relu_forward, _elementwise_cases, 2),
    "relu_backward": _elementwise_backward_spec(layers.relu_backward),
    "swish_forward": _forward_spec(layers.swish_forward, _elementwise_cases, 2),
    "swish_backward": _elementwise_backward_spec(layers.swish_backward),
    "softmax_loss": _softmax_loss,
    "two_layer_net_loss": _two_layer_net_loss,
    "predict": _predict,
    "train_sgd": _train_sgd,
    "sgd": _update_rule_spec(optim.sgd, ()),
    "sgd_momentum": _update_rule_spec(optim.sgd_momentum, ("velocity",)),
    "rmsprop": _update_rule_spec(optim.rmsprop, ("cache",)),
    "adam": _update_rule_spec(optim.adam, ("m", "v", "t")),
    "dropout_forward": _forward_spec(layers.dropout_forward, _dropout_cases, 13),
    "dropout_backward": _dropout_backward,
    "fc_net_loss": _fc_net_loss,
    "sgd_mean_objective": _sgd_mean_objective,
    "collapse_linear": _collapse_linear,
    "xor_weights": _xor_weights,
    "conv2d": _conv2d,
    "multiplication_counts": _multiplication_counts,
    "diagonal_loss_gradients": _diagonal_loss_gradients,
    "conv_output_size": _conv_output_size,
    "conv_param_count": _conv_param_count,
    "conv_forward_naive": _forward_spec(conv.conv_forward_naive, _conv_cases, 20),
    "conv_backward_naive": _conv_backward_naive,
    "max_pool_forward_naive": _forward_spec(conv.max_pool_forward_naive, _pool_cases, 22),
    "max_pool_backward_naive": _max_pool_backward_naive,
    "batchnorm_forward": _batchnorm_forward,
    "batchnorm_backward": _batchnorm_backward_spec(batchnorm.batchnorm_backward),
    "batchnorm_backward_alt": _batchnorm_backward_spec(batchnorm.batchnorm_backward_alt),
    "batchnorm_backward_seed": _batchnorm_backward_spec(batchnorm.batchnorm_backward_seed),
    "kl_divergence": _forward_spec(vae.kl_divergence, _gaussian_cases, 29),
    "kl_divergence_backward": _kl_divergence_backward,
    "kl_monte_carlo": _kl_monte_carlo,
    "reparameterize": _forward_spec(vae.reparameterize, _reparameterize_cases, 34),
    "reparameterize_backward": _reparameterize_backward,
    "vae_loss": _vae_loss,
    "gan_discriminator_loss": _gan_discriminator_loss,
}
