"""Submissions of two_layer_net for tests/test_similarity.py: three implementations written independently
of each other and of the reference (loops and helpers; vectorised with einsum and np.where; element by
element), and a copy of one of them with its variables renamed and its helper functions reordered.

Each student is {grade_id: (helpers, bodies)}: helpers are functions the student defined in the cell, in
the order written above the given function; bodies replace the release's stubs (`# YOUR CODE HERE` /
`raise NotImplementedError()`) of the cell, in order. The code is never run.
"""
import copy
import re
import textwrap

from coursetools import notebooks

STUB = "    # YOUR CODE HERE\n    raise NotImplementedError()"

# Loops where they are natural, helper functions for the sigmoid, the one-hot labels and the log-softmax.
ANA = {
    "affine_forward": ((), ("""
        N = x.shape[0]
        flat = x.reshape(N, -1)
        out = np.zeros((N, w.shape[1]))
        for i in range(N):
            out[i] = flat[i].dot(w) + b
        """,)),
    "affine_backward": ((), ("""
        N = x.shape[0]
        flat = x.reshape(N, -1)
        dx = np.dot(dout, w.T).reshape(x.shape)
        dw = np.dot(flat.T, dout)
        db = np.sum(dout, axis=0)
        """,)),
    "relu_forward": ((), ("""
        out = x.copy()
        out[out < 0] = 0
        """,)),
    "relu_backward": ((), ("""
        dx = dout.copy()
        dx[x <= 0] = 0
        """,)),
    "swish_forward": (("""
        def _sigmoid(z):
            pos = z >= 0
            result = np.empty_like(z, dtype=float)
            result[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
            ez = np.exp(z[~pos])
            result[~pos] = ez / (1.0 + ez)
            return result
        """,), ("""
        out = x * _sigmoid(x)
        """,)),
    "swish_backward": ((), ("""
        s = _sigmoid(x)
        dx = dout * (s + x * s * (1 - s))
        """,)),
    "softmax_loss": (("""
        def _one_hot(labels, num_classes):
            onehot = np.zeros((labels.shape[0], num_classes))
            onehot[np.arange(labels.shape[0]), labels] = 1.0
            return onehot
        """, """
        def _log_softmax(z):
            zmax = np.max(z, axis=1, keepdims=True)
            lse = zmax + np.log(np.sum(np.exp(z - zmax), axis=1, keepdims=True))
            return z - lse
        """), ("""
        num = scores.shape[0]
        logp = _log_softmax(scores)
        target = _one_hot(y, scores.shape[1])
        loss = -np.sum(target * logp) / num
        dscores = (np.exp(logp) - target) / num
        """,)),
    "two_layer_net_loss": ((), ("""
        hidden_in, cache1 = affine_forward(X, W1, b1)
        if activation == "relu":
            hidden, cache_act = relu_forward(hidden_in)
        else:
            hidden, cache_act = swish_forward(hidden_in)
        scores, cache2 = affine_forward(hidden, W2, b2)
        """, """
        loss, dscores = softmax_loss(scores, y)
        loss += 0.5 * reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
        dhidden, grads["W2"], grads["b2"] = affine_backward(dscores, cache2)
        if activation == "relu":
            dhidden_in = relu_backward(dhidden, cache_act)
        else:
            dhidden_in = swish_backward(dhidden, cache_act)
        _, grads["W1"], grads["b1"] = affine_backward(dhidden_in, cache1)
        grads["W1"] += reg * W1
        grads["W2"] += reg * W2
        """)),
    "predict": ((), ("""
        scores = loss_fn(params, X)
        y_pred = scores.argmax(axis=1)
        """,)),
    "train_sgd": ((), ("""
        lr = learning_rate
        for t in range(num_iters):
            batch = rng.choice(num_train, size=batch_size, replace=True)
            loss, grads = loss_fn(params, X[batch], y[batch])
            history["loss_history"].append(loss)
            for name, grad in grads.items():
                params[name] -= lr * grad
            if verbose and t % 100 == 0:
                print("iteration", t, "loss", loss)
            if (t + 1) % iterations_per_epoch == 0:
                train_acc = np.mean(predict(loss_fn, params, X) == y)
                val_acc = np.mean(predict(loss_fn, params, X_val) == y_val)
                history["train_acc_history"].append(train_acc)
                history["val_acc_history"].append(val_acc)
                lr *= learning_rate_decay
        """,)),
}

# Vectorised another way: einsum, np.where, the logistic through tanh, a while loop, a dict of splits.
BEN = {
    "affine_forward": ((), ("""
        out = np.dot(x.reshape(len(x), -1), w) + b[None, :]
        """,)),
    "affine_backward": ((), ("""
        x2d = x.reshape(len(x), -1)
        db = dout.sum(0)
        dw = np.einsum("nd,nm->dm", x2d, dout)
        dx = np.einsum("nm,dm->nd", dout, w).reshape(*x.shape)
        """,)),
    "relu_forward": ((), ("""
        out = np.where(x > 0, x, 0.0)
        """,)),
    "relu_backward": ((), ("""
        dx = np.where(x > 0, dout, 0.0)
        """,)),
    "swish_forward": ((), ("""
        sig = 0.5 * (1.0 + np.tanh(0.5 * x))  # the logistic, without overflow
        out = x * sig
        """,)),
    "swish_backward": ((), ("""
        sig = 0.5 * (1.0 + np.tanh(0.5 * x))
        dx = dout * sig * (1.0 + x * (1.0 - sig))
        """,)),
    "softmax_loss": ((), ("""
        z = scores - np.amax(scores, axis=1)[:, None]
        ez = np.exp(z)
        p = ez / ez.sum(axis=1)[:, None]
        n = len(y)
        loss = float(np.mean(np.log(ez.sum(axis=1)) - z[range(n), y]))
        dscores = p.copy()
        dscores[range(n), y] -= 1
        dscores = dscores / n
        """,)),
    "two_layer_net_loss": ((), ("""
        forward = relu_forward if activation == "relu" else swish_forward
        a1, c_fc1 = affine_forward(X, W1, b1)
        a2, c_act = forward(a1)
        scores, c_fc2 = affine_forward(a2, W2, b2)
        """, """
        backward = relu_backward if activation == "relu" else swish_backward
        data_loss, d_scores = softmax_loss(scores, y)
        reg_loss = 0.5 * reg * sum(np.sum(W * W) for W in (W1, W2))
        loss = data_loss + reg_loss
        d_a2, dW2, db2 = affine_backward(d_scores, c_fc2)
        d_a1 = backward(d_a2, c_act)
        dX, dW1, db1 = affine_backward(d_a1, c_fc1)
        grads = dict(W1=dW1 + reg * W1, b1=db1, W2=dW2 + reg * W2, b2=db2)
        """)),
    "predict": ((), ("""
        y_pred = np.argmax(loss_fn(params, X), 1)
        """,)),
    "train_sgd": ((), ("""
        epoch_lr = learning_rate
        it = 0
        while it < num_iters:
            sample = rng.choice(num_train, batch_size)
            batch_loss, batch_grads = loss_fn(params, X[sample], y[sample])
            for key in params.keys():
                params[key] = params[key] - epoch_lr * batch_grads[key]
            history["loss_history"].append(batch_loss)
            it += 1
            if it % iterations_per_epoch == 0:
                for split, (Xs, ys) in {"train": (X, y), "val": (X_val, y_val)}.items():
                    history[split + "_acc_history"].append(float((predict(loss_fn, params, Xs) == ys).mean()))
                epoch_lr *= learning_rate_decay
            if verbose and (it - 1) % 100 == 0:
                print(f"{it - 1}: {batch_loss}")
        """,)),
}

# Element by element: loops over rows, columns and entries, the caches in a dict.
CHLOE = {
    "affine_forward": ((), ("""
        N = x.shape[0]
        D = int(np.prod(x.shape[1:]))
        M = w.shape[1]
        out = np.zeros((N, M))
        x_rows = x.reshape(N, D)
        for n in range(N):
            for m in range(M):
                out[n, m] = np.sum(x_rows[n, :] * w[:, m]) + b[m]
        """,)),
    "affine_backward": ((), ("""
        N = x.shape[0]
        x_rows = x.reshape(N, -1)
        dw = np.zeros_like(w)
        dx = np.zeros_like(x_rows)
        db = np.zeros_like(b)
        for n in range(N):
            dw += np.outer(x_rows[n], dout[n])
            dx[n] = w.dot(dout[n])
            db += dout[n]
        dx = dx.reshape(x.shape)
        """,)),
    "relu_forward": ((), ("""
        out = x * (x > 0)
        """,)),
    "relu_backward": ((), ("""
        mask = (x > 0).astype(float)
        dx = mask * dout
        """,)),
    "swish_forward": (("import math",), ("""
        s = np.zeros(x.shape)
        flat_x = x.ravel()
        flat_s = s.reshape(-1)
        for i in range(flat_x.size):
            v = flat_x[i]
            if v >= 0:
                flat_s[i] = 1 / (1 + math.exp(-v))
            else:
                flat_s[i] = math.exp(v) / (1 + math.exp(v))
        out = x * s
        """,)),
    "swish_backward": ((), ("""
        sig = np.empty(x.shape)
        big = x > 0
        sig[big] = 1 / (1 + np.exp(-x[big]))
        sig[~big] = np.exp(x[~big]) / (1 + np.exp(x[~big]))
        swish = x * sig
        dx = dout * (swish + sig - sig * swish)
        """,)),
    "softmax_loss": ((), ("""
        N, C = scores.shape
        loss = 0.0
        dscores = np.zeros_like(scores, dtype=float)
        for i in range(N):
            row = scores[i] - np.max(scores[i])
            denom = np.sum(np.exp(row))
            loss += np.log(denom) - row[y[i]]
            dscores[i] = np.exp(row) / denom
            dscores[i, y[i]] -= 1
        loss /= N
        dscores /= N
        """,)),
    "two_layer_net_loss": ((), ("""
        cache = {}
        out1, cache["fc1"] = affine_forward(X, W1, b1)
        if activation == "swish":
            out2, cache["act"] = swish_forward(out1)
        else:
            out2, cache["act"] = relu_forward(out1)
        scores, cache["fc2"] = affine_forward(out2, W2, b2)
        """, """
        loss, dout = softmax_loss(scores, y)
        for W in (W1, W2):
            loss += 0.5 * reg * np.sum(W * W)
        dout2, grads["W2"], grads["b2"] = affine_backward(dout, cache["fc2"])
        if activation == "swish":
            dout1 = swish_backward(dout2, cache["act"])
        else:
            dout1 = relu_backward(dout2, cache["act"])
        dX, grads["W1"], grads["b1"] = affine_backward(dout1, cache["fc1"])
        grads["W1"] = grads["W1"] + reg * W1
        grads["W2"] = grads["W2"] + reg * W2
        """)),
    "predict": ((), ("""
        scores = loss_fn(params, X)
        y_pred = np.zeros(X.shape[0], dtype=int)
        for i in range(X.shape[0]):
            y_pred[i] = int(np.argmax(scores[i]))
        """,)),
    "train_sgd": ((), ("""
        epoch = 0
        for i in range(1, num_iters + 1):
            indices = rng.choice(np.arange(num_train), batch_size, replace=True)
            X_batch = X[indices]
            y_batch = y[indices]
            loss, grads = loss_fn(params, X_batch, y_batch)
            history["loss_history"].append(loss)
            for p in params:
                params[p] -= learning_rate * grads[p]
            if verbose and (i - 1) % 100 == 0:
                print("loss at", i - 1, ":", loss)
            if i % iterations_per_epoch == 0:
                epoch += 1
                history["train_acc_history"].append(np.mean(predict(loss_fn, params, X) == y))
                history["val_acc_history"].append(np.mean(predict(loss_fn, params, X_val) == y_val))
                learning_rate = learning_rate * learning_rate_decay
        """,)),
}

# What a student who copied ANA's notebook changed: the names they introduced, and the order of the helper
# functions (the sigmoid moves below swish_forward, the log-softmax above the one-hot encoding).
RENAMES = {
    "flat": "x_flat", "num": "n_samples", "logp": "log_probs", "target": "y_onehot", "hidden_in": "z1",
    "hidden": "h1", "cache1": "fc1_cache", "cache2": "fc2_cache", "cache_act": "relu_cache", "dhidden": "dh1",
    "dhidden_in": "dz1", "lr": "step", "batch": "idx", "t": "it", "_sigmoid": "sigm", "_one_hot": "one_hot",
    "_log_softmax": "log_softmax", "pos": "nonneg", "result": "sig", "ez": "e", "z": "a", "zmax": "amax",
    "lse": "log_sum_exp", "onehot": "encoded", "labels": "lab", "num_classes": "k", "name": "key", "grad": "g",
    "s": "sg", "train_acc": "acc_train", "val_acc": "acc_val", "i": "row",
}


def renamed(text, renames=RENAMES):
    """text with every whole word that is a key of renames replaced by its value, all at once."""
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, renames)) + r")\b")
    return pattern.sub(lambda match: renames[match[1]], text)


def copy_of(student):
    """A copy of student's solutions with RENAMES applied and the helper functions of each cell reversed;
    a cell with one helper has it moved below the given function."""
    copied = {}
    for gid, (helpers, bodies) in student.items():
        helpers, bodies = tuple(map(renamed, helpers)), tuple(map(renamed, bodies))
        copied[gid] = (helpers[::-1], bodies) if len(helpers) > 1 else ((), bodies, helpers)
    return copied


def fill(release_source, helpers, bodies, after=()):
    """A release solution cell written in: helpers above the given code, each stub replaced by the next
    body (indented as the stub), after below it."""
    parts = release_source.split(STUB)
    if len(parts) != len(bodies) + 1:
        raise ValueError(f"{len(bodies)} bodies for {len(parts) - 1} stubs in:\n{release_source}")
    filled = parts[0] + "".join(textwrap.indent(textwrap.dedent(body).strip("\n"), "    ") + rest
                                for body, rest in zip(bodies, parts[1:]))
    above = "".join(textwrap.dedent(h).strip("\n") + "\n\n\n" for h in helpers)
    below = "".join("\n\n\n" + textwrap.dedent(h).strip("\n") for h in after)
    return above + filled + below


def written(release_nb, student):
    """The release notebook with student's solutions ({grade_id: (helpers, bodies[, after])}) in its cells."""
    nb = copy.deepcopy(release_nb)
    for gid, cell in notebooks.solution_cells(nb).items():
        if gid in student:
            cell.source = fill(cell.source, *student[gid])
    return nb
