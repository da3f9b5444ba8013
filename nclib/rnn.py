"""Recurrent layers and backpropagation through time (reference solutions).

A vanilla RNN and an LSTM, one step and a whole sequence, and the pieces of a sequence model around them:
word embeddings, an affine layer at every time step, the softmax loss of every time step under a mask, and
the clipping of gradients by their global norm. Sequences are batch-first, as in CS231n: x (N, T, D),
hidden states h (N, T, H), the initial hidden state h0 (N, H) an input. Every forward returns its outputs
and a cache; every backward takes the upstream gradients and the cache and returns the gradients with
respect to the forward's inputs, in the order the forward takes them. All arrays are float64; word indices
and labels are int arrays, masks bool arrays.
"""
import numbers

import numpy as np

from nclib.layers import sigmoid

# torch.nn.utils.clip_grad_norm_'s guard: max_norm / (total_norm + 1e-6)
CLIP_EPS = 1e-6


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """One step of a vanilla RNN: next_h = tanh(x Wx + h_prev Wh + b).

    Args:
        x: (N, D) inputs.
        h_prev: (N, H) previous hidden state.
        Wx: (D, H) input-to-hidden weights.
        Wh: (H, H) hidden-to-hidden weights.
        b: (H,) biases.
    Returns:
        next_h: (N, H).
        cache: (x, h_prev, Wx, Wh, b, next_h).
    """
    x, h_prev, Wx, Wh, b = _inputs(x, 2, h_prev, "h_prev", Wx, Wh, b, gates=1)
    next_h = np.tanh(x @ Wx + h_prev @ Wh + b)
    return next_h, (x, h_prev, Wx, Wh, b, next_h)


def rnn_step_backward(dnext_h, cache):
    """One step of a vanilla RNN, backward; tanh'(a) = 1 - tanh(a)^2 = 1 - next_h^2.

    Args:
        dnext_h: (N, H) gradient of the loss with respect to next_h, from every path above it.
        cache: (x, h_prev, Wx, Wh, b, next_h) from rnn_step_forward.
    Returns:
        dx: (N, D), dh_prev: (N, H), dWx: (D, H), dWh: (H, H), db: (H,).
    """
    x, h_prev, Wx, Wh, _, next_h = cache
    dnext_h = _upstream(dnext_h, next_h.shape, "dnext_h", "(N, H)")
    da = dnext_h * (1 - next_h * next_h)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    """A vanilla RNN over a whole sequence: h_t = tanh(x_t Wx + h_{t-1} Wh + b), t = 1..T, from h0.

    Args:
        x: (N, T, D) inputs, T >= 1.
        h0: (N, H) initial hidden state.
        Wx: (D, H), Wh: (H, H), b: (H,), shared by every step.
    Returns:
        h: (N, T, H), every hidden state; h[:, t] is h_{t+1}.
        cache: list of the T caches of rnn_step_forward, in time order.
    """
    x, h0, Wx, Wh, b = _inputs(x, 3, h0, "h0", Wx, Wh, b, gates=1)
    N, T, _ = x.shape
    h, cache, h_prev = np.empty((N, T, h0.shape[1])), [], h0
    for t in range(T):
        h_prev, step_cache = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)
        h[:, t] = h_prev
        cache.append(step_cache)
    return h, cache


def rnn_backward(dh, cache):
    """Backpropagation through time of rnn_forward. The gradient flowing into the hidden state of step t is
    dh[:, t] (from the layers above it) plus the dh_prev that step t + 1 sends back; the weights' gradients
    are summed over the steps, since every step uses the same weights.

    Args:
        dh: (N, T, H) upstream gradient of every hidden state.
        cache: the list of step caches from rnn_forward.
    Returns:
        dx: (N, T, D), dh0: (N, H), dWx: (D, H), dWh: (H, H), db: (H,).
    """
    x, h_prev, Wx, Wh, b, _ = cache[0]
    N, H, T = h_prev.shape[0], h_prev.shape[1], len(cache)
    dh = _upstream(dh, (N, T, H), "dh", "(N, T, H)")
    dx = np.empty((N, T, x.shape[1]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dh_prev = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_prev, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_prev, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_prev, dWx, dWh, db


def word_embedding_forward(x, W):
    """Word embeddings: out[n, t] = W[x[n, t]].

    Args:
        x: (N, T) int word indices in 0..V-1.
        W: (V, D) one vector per word.
    Returns:
        out: (N, T, D).
        cache: (x, W).
    """
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2:
        raise ValueError(f"W must have shape (V, D), got {W.shape}")
    x = _indices(x, W.shape[0], "x", "word indices")
    return W[x], (x, W)


def word_embedding_backward(dout, cache):
    """Word embeddings, backward: each word's row of dW sums dout over every position holding that word.

    Args:
        dout: (N, T, D) upstream gradient.
        cache: (x, W) from word_embedding_forward.
    Returns:
        dW: (V, D).
    """
    x, W = cache
    dout = _upstream(dout, x.shape + (W.shape[1],), "dout", "(N, T, D)")
    dW = np.zeros_like(W)
    # unbuffered: a word repeated in x adds every one of its gradients (dW[x] += dout would keep one)
    np.add.at(dW, x, dout)
    return dW


def temporal_affine_forward(x, w, b):
    """An affine layer applied at every time step: out[:, t] = x[:, t] w + b.

    Args:
        x: (N, T, D) inputs.
        w: (D, M) weights.
        b: (M,) biases.
    Returns:
        out: (N, T, M).
        cache: (x, w, b).
    """
    x, w, b = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    if x.ndim != 3:
        raise ValueError(f"x must have shape (N, T, D), got {x.shape}")
    D = x.shape[2]
    if w.ndim != 2 or w.shape[0] != D:
        raise ValueError(f"w must have shape (D={D}, M), got {w.shape}")
    if b.shape != (w.shape[1],):
        raise ValueError(f"b must have shape (M={w.shape[1]},), got {b.shape}")
    return x @ w + b, (x, w, b)


def temporal_affine_backward(dout, cache):
    """An affine layer at every time step, backward: w and b get the sum over the batch and the steps.

    Args:
        dout: (N, T, M) upstream gradient.
        cache: (x, w, b) from temporal_affine_forward.
    Returns:
        dx: (N, T, D), dw: (D, M), db: (M,).
    """
    x, w, _ = cache
    N, T, D = x.shape
    dout = _upstream(dout, (N, T, w.shape[1]), "dout", "(N, T, M)")
    dw = x.reshape(N * T, D).T @ dout.reshape(N * T, w.shape[1])
    return dout @ w.T, dw, dout.sum(axis=(0, 1))


def temporal_softmax_loss(x, y, mask):
    """Softmax cross-entropy at every time step where mask is True, summed over time and averaged over the
    batch (CS231n's convention): loss = -1/N sum_{n, t: mask[n, t]} log softmax(x[n, t])[y[n, t]].
    Numerically stable for any finite scores.

    Args:
        x: (N, T, V) scores, N >= 1.
        y: (N, T) int labels in 0..V-1 (at every position, masked or not).
        mask: (N, T) bool, False where a position does not count (padding).
    Returns:
        loss: float (0.0 when every position is masked).
        dx: (N, T, V), (softmax(x) - onehot(y)) * mask / N.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3 or x.shape[0] == 0:
        raise ValueError(f"x must have shape (N, T, V) with N >= 1, got {x.shape}")
    N, T, V = x.shape
    y = _indices(y, V, "y", "labels")
    if y.shape != (N, T):
        raise ValueError(f"y must have shape (N, T) = ({N}, {T}), got {y.shape}")
    mask = np.asarray(mask)
    if mask.shape != (N, T) or mask.dtype != np.bool_:
        raise ValueError(f"mask must be a bool array of shape (N, T) = ({N}, {T}), got {mask.dtype} {mask.shape}")
    shifted = x - x.max(axis=2, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
    n, t = np.indices((N, T))
    loss = -np.sum(log_probs[n, t, y][mask]) / N
    dx = np.exp(log_probs)
    dx[n, t, y] -= 1
    return float(loss), dx * mask[:, :, None] / N


def clip_gradients(grads, max_norm):
    """Clip gradients by their global norm, as torch.nn.utils.clip_grad_norm_ does. The norm is that of
    every array's entries taken together as one vector, total_norm = sqrt(sum over the arrays of sum(g^2));
    every array is multiplied by the same factor min(1, max_norm / (total_norm + 1e-6)), so that the whole
    gradient keeps its direction and its norm becomes max_norm if it was larger, and nothing changes if not.

    Args:
        grads: dict of arrays of any shapes (a name -> its gradient); not modified.
        max_norm: positive finite number.
    Returns:
        clipped: dict with grads' keys, new float64 arrays of the same shapes.
        total_norm: float, the global norm of grads (before clipping).
    """
    if not isinstance(grads, dict):
        raise ValueError(f"grads must be a dict of arrays, got {type(grads).__name__}")
    if (isinstance(max_norm, bool) or not isinstance(max_norm, numbers.Real)
            or not np.isfinite(max_norm) or max_norm <= 0):
        raise ValueError(f"max_norm must be a positive finite number, got {max_norm!r}")
    arrays = {key: np.asarray(g, dtype=np.float64) for key, g in grads.items()}
    total_norm = float(np.sqrt(sum(np.vdot(g, g) for g in arrays.values())))
    scale = min(1.0, max_norm / (total_norm + CLIP_EPS))
    return {key: g * scale for key, g in arrays.items()}, total_norm


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """One step of an LSTM. The activations a = x Wx + prev_h Wh + b (N, 4H) are split into four blocks of
    H columns, in the gate order i, f, o, g (CS231n's; torch.nn.LSTM's is i, f, g, o):

        i = sigmoid(a[:, :H])       input gate        f = sigmoid(a[:, H:2H])     forget gate
        o = sigmoid(a[:, 2H:3H])    output gate       g = tanh(a[:, 3H:])         candidate cell
        next_c = f * prev_c + i * g,   next_h = o * tanh(next_c).

    Args:
        x: (N, D) inputs.
        prev_h, prev_c: (N, H) previous hidden and cell states.
        Wx: (D, 4H) input-to-hidden weights.
        Wh: (H, 4H) hidden-to-hidden weights.
        b: (4H,) biases.
    Returns:
        next_h, next_c: (N, H).
        cache: (x, prev_h, prev_c, Wx, Wh, b, i, f, o, g, next_c), the gates (N, H) each.
    """
    x, prev_h, Wx, Wh, b = _inputs(x, 2, prev_h, "prev_h", Wx, Wh, b, gates=4)
    prev_c = np.asarray(prev_c, dtype=np.float64)
    if prev_c.shape != prev_h.shape:
        raise ValueError(f"prev_c must have the shape of prev_h (N, H) = {prev_h.shape}, got {prev_c.shape}")
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, b, i, f, o, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    """One step of an LSTM, backward. The cell state's gradient has two paths: dnext_c, from the next step,
    and dnext_h through next_h = o * tanh(next_c); the forget gate carries their sum back to prev_c.

    Args:
        dnext_h, dnext_c: (N, H) gradients of the loss with respect to next_h and next_c.
        cache: (x, prev_h, prev_c, Wx, Wh, b, i, f, o, g, next_c) from lstm_step_forward.
    Returns:
        dx: (N, D), dprev_h: (N, H), dprev_c: (N, H), dWx: (D, 4H), dWh: (H, 4H), db: (4H,), the gates'
            columns in the order i, f, o, g.
    """
    x, prev_h, prev_c, Wx, Wh, _, i, f, o, g, next_c = cache
    dnext_h = _upstream(dnext_h, next_c.shape, "dnext_h", "(N, H)")
    dnext_c = _upstream(dnext_c, next_c.shape, "dnext_c", "(N, H)")
    tanh_c = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tanh_c * tanh_c)
    da = np.hstack([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * tanh_c * o * (1 - o),
                    dc * i * (1 - g * g)])
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    """An LSTM over a whole sequence, from the hidden state h0 and the cell state c0 = 0.

    Args:
        x: (N, T, D) inputs, T >= 1.
        h0: (N, H) initial hidden state.
        Wx: (D, 4H), Wh: (H, 4H), b: (4H,), shared by every step; gate order i, f, o, g (lstm_step_forward).
    Returns:
        h: (N, T, H), every hidden state (the cell states stay inside).
        cache: list of the T caches of lstm_step_forward, in time order.
    """
    x, h0, Wx, Wh, b = _inputs(x, 3, h0, "h0", Wx, Wh, b, gates=4)
    N, T, _ = x.shape
    h, cache = np.empty((N, T, h0.shape[1])), []
    h_prev, c_prev = h0, np.zeros_like(h0)
    for t in range(T):
        h_prev, c_prev, step_cache = lstm_step_forward(x[:, t], h_prev, c_prev, Wx, Wh, b)
        h[:, t] = h_prev
        cache.append(step_cache)
    return h, cache


def lstm_backward(dh, cache):
    """Backpropagation through time of lstm_forward: into step t flow dh[:, t] plus the dprev_h of step
    t + 1, and the dprev_c of step t + 1 (0 at the last step); the gradient reaching c0 is dropped, since
    c0 is not an input.

    Args:
        dh: (N, T, H) upstream gradient of every hidden state.
        cache: the list of step caches from lstm_forward.
    Returns:
        dx: (N, T, D), dh0: (N, H), dWx: (D, 4H), dWh: (H, 4H), db: (4H,).
    """
    x, h_prev, _, Wx, Wh, b = cache[0][:6]
    N, H, T = h_prev.shape[0], h_prev.shape[1], len(cache)
    dh = _upstream(dh, (N, T, H), "dh", "(N, T, H)")
    dx = np.empty((N, T, x.shape[1]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dh_prev, dc_prev = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_prev, dc_prev, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t] + dh_prev, dc_prev, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_prev, dWx, dWh, db


def _inputs(x, ndim, h, h_name, Wx, Wh, b, gates):
    """x (N, D) if ndim is 2, else (N, T, D) with T >= 1, h (N, H), Wx (D, gates H), Wh (H, gates H) and
    b (gates H,) as float64 arrays; else ValueError naming the argument and the shape it must have."""
    x, h, Wx, Wh, b = (np.asarray(a, dtype=np.float64) for a in (x, h, Wx, Wh, b))
    if ndim == 2 and x.ndim != 2:
        raise ValueError(f"x must have shape (N, D), got {x.shape}")
    if ndim == 3 and (x.ndim != 3 or x.shape[1] == 0):
        raise ValueError(f"x must have shape (N, T, D) with T >= 1, got {x.shape}")
    N, D = x.shape[0], x.shape[-1]
    if h.ndim != 2 or h.shape[0] != N:
        raise ValueError(f"{h_name} must have shape (N={N}, H), got {h.shape}")
    H = h.shape[1]
    width = "H" if gates == 1 else f"{gates}H"
    if Wx.shape != (D, gates * H):
        raise ValueError(f"Wx must have shape (D, {width}) = ({D}, {gates * H}), got {Wx.shape}")
    if Wh.shape != (H, gates * H):
        raise ValueError(f"Wh must have shape (H, {width}) = ({H}, {gates * H}), got {Wh.shape}")
    if b.shape != (gates * H,):
        raise ValueError(f"b must have shape ({width},) = ({gates * H},), got {b.shape}")
    return x, h, Wx, Wh, b


def _indices(x, size, name, what):
    """x as an int array with every entry in 0..size-1; else ValueError naming it."""
    x = np.asarray(x)
    if x.ndim != 2 or not np.issubdtype(x.dtype, np.integer):
        raise ValueError(f"{name} must be an int array of shape (N, T), got {x.dtype} {x.shape}")
    if x.size and (x.min() < 0 or x.max() >= size):
        raise ValueError(f"{name}: {what} must lie in 0..{size - 1}")
    return x


def _upstream(d, shape, name, axes):
    """d as a float64 array if it has the forward output's shape; else ValueError naming it."""
    d = np.asarray(d, dtype=np.float64)
    if d.shape != shape:
        raise ValueError(f"{name} must have the output's shape {axes} = {shape}, got {d.shape}")
    return d
