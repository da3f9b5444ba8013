"""nclib.grading's specs of the rnn_bptt assignment: the reference and correct alternative solutions pass;
realistic student bugs fail with an AssertionError that names the function and never shows an expected value.
"""
import numpy as np

from grading_support import GradedFunctionTests
from nclib import layers, rnn
from nclib.grading import rnn_bptt


# --- rnn_step_forward -----------------------------------------------------------------------------

def rnn_step_forward_stacked(x, h_prev, Wx, Wh, b):
    """One matrix product of [x, h_prev] and [Wx; Wh]."""
    next_h = np.tanh(np.hstack([x, h_prev]) @ np.vstack([Wx, Wh]) + b)
    return next_h, (x, h_prev, Wx, Wh, b, next_h)


def student_rnn_step_forward(x, h_prev, Wx, Wh, b, bug=None):
    a = x @ Wx + h_prev @ (Wh.T if bug == "Wh_transposed" else Wh)
    if bug != "no_bias":
        a = a + b
    next_h = a if bug == "no_tanh" else np.tanh(a)
    return next_h, (x, h_prev, Wx, Wh, b, next_h)


def rnn_step_forward_Wh_transposed(x, h_prev, Wx, Wh, b):
    return student_rnn_step_forward(x, h_prev, Wx, Wh, b, bug="Wh_transposed")


def rnn_step_forward_no_bias(x, h_prev, Wx, Wh, b):
    return student_rnn_step_forward(x, h_prev, Wx, Wh, b, bug="no_bias")


def rnn_step_forward_no_tanh(x, h_prev, Wx, Wh, b):
    return student_rnn_step_forward(x, h_prev, Wx, Wh, b, bug="no_tanh")


# --- rnn_step_backward ----------------------------------------------------------------------------

def rnn_step_backward_from_the_pre_activation(dnext_h, cache):
    """tanh'(a) = 1 / cosh(a)^2, with a recomputed from the inputs in the cache."""
    x, h_prev, Wx, Wh, b, _ = cache
    da = dnext_h / np.cosh(x @ Wx + h_prev @ Wh + b) ** 2
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, np.sum(da, axis=0)


def student_rnn_step_backward(dnext_h, cache, bug=None):
    x, h_prev, Wx, Wh, b, next_h = cache
    if bug == "tanh_prime_of_the_pre_activation":
        a = x @ Wx + h_prev @ Wh + b
        da = dnext_h * (1 - a ** 2)
    elif bug == "tanh_applied_twice":
        da = dnext_h * (1 - np.tanh(next_h) ** 2)
    else:
        da = dnext_h * (1 - next_h ** 2)
    dh_prev = da @ (Wh if bug == "dh_prev_without_transpose" else Wh.T)
    db = da.sum(axis=1 if bug == "db_over_the_hidden_units" else 0)
    return da @ Wx.T, dh_prev, x.T @ da, h_prev.T @ da, db


def rnn_step_backward_tanh_prime_of_the_pre_activation(dnext_h, cache):
    """1 - a^2 with a the pre-activation, instead of 1 - tanh(a)^2."""
    return student_rnn_step_backward(dnext_h, cache, bug="tanh_prime_of_the_pre_activation")


def rnn_step_backward_tanh_applied_twice(dnext_h, cache):
    """1 - tanh(next_h)^2: next_h is already tanh(a)."""
    return student_rnn_step_backward(dnext_h, cache, bug="tanh_applied_twice")


def rnn_step_backward_db_over_the_hidden_units(dnext_h, cache):
    return student_rnn_step_backward(dnext_h, cache, bug="db_over_the_hidden_units")


def rnn_step_backward_dh_prev_without_transpose(dnext_h, cache):
    """da @ Wh has the right shape (Wh is square) and the wrong values."""
    return student_rnn_step_backward(dnext_h, cache, bug="dh_prev_without_transpose")


# --- rnn_forward ----------------------------------------------------------------------------------

def student_rnn_forward(x, h0, Wx, Wh, b, bug=None):
    hs, cache, h_prev = [], [], h0
    for t in range(x.shape[1]):
        if bug == "no_recurrence":
            h_prev = h0
        next_h, step_cache = rnn.rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)
        hs.append(h_prev if bug == "states_shifted" else next_h)
        cache.append(step_cache)
        h_prev = next_h
    return np.stack(hs, axis=1), cache


def rnn_forward_stacked(x, h0, Wx, Wh, b):
    return student_rnn_forward(x, h0, Wx, Wh, b)


def rnn_forward_from_zeros(x, h0, Wx, Wh, b):
    """h0 ignored: every sequence starts from a zero state."""
    return student_rnn_forward(x, np.zeros_like(h0), Wx, Wh, b)


def rnn_forward_no_recurrence(x, h0, Wx, Wh, b):
    """Every step from h0 instead of the previous step's state."""
    return student_rnn_forward(x, h0, Wx, Wh, b, bug="no_recurrence")


def rnn_forward_states_shifted(x, h0, Wx, Wh, b):
    """h[:, t] holds the state before step t (h0 first, the last state lost)."""
    return student_rnn_forward(x, h0, Wx, Wh, b, bug="states_shifted")


# --- rnn_backward ---------------------------------------------------------------------------------

def rnn_backward_vectorised(dh, cache, bug=None):
    """da of every step in one (N, T, H) array, then the weights' gradients as sums over batch and time."""
    x, h_prev, next_h = (np.stack([step[k] for step in cache], axis=1) for k in (0, 1, 5))
    Wx, Wh = cache[0][2], cache[0][3]
    da, carry = np.empty_like(dh), np.zeros((dh.shape[0], dh.shape[2]))
    for t in reversed(range(dh.shape[1])):
        da[:, t] = (dh[:, t] + carry) * (1 - next_h[:, t] ** 2)
        carry = da[:, t] @ Wh.T
    db = da.sum(axis=0) if bug == "db_not_summed_over_time" else da.sum(axis=(0, 1))
    return da @ Wx.T, carry, np.einsum("ntd,nth->dh", x, da), np.einsum("ntk,nth->kh", h_prev, da), db


def student_rnn_backward(dh, cache, bug=None):
    N, T, H = dh.shape
    x0, _, Wx, Wh, b, _ = cache[0]
    dx = np.zeros((N, T, x0.shape[1]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dh_next = np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        if bug == "carried_gradient_dropped":
            upstream = dh[:, t]
        elif bug == "upstream_only_at_the_last_step":
            upstream = dh[:, t] if t == T - 1 else dh_next
        else:
            upstream = dh[:, t] + dh_next
        dx[:, t], dh_next, dWx_t, dWh_t, db_t = rnn.rnn_step_backward(upstream, cache[t])
        dWx += dWx_t
        db += db_t
        if bug == "dWh_overwritten":
            dWh = dWh_t
        else:
            dWh += dWh_t
    if bug == "dWh_of_the_last_step_only":
        _, h_before_last, _, _, _, h_last = cache[-1]
        dWh = h_before_last.T @ (dh[:, -1] * (1 - h_last ** 2))
    return dx, dh_next, dWx, dWh, db


def rnn_backward_ok(dh, cache):
    return rnn_backward_vectorised(dh, cache)


def rnn_backward_carried_gradient_dropped(dh, cache):
    """Each step gets dh[:, t] alone: nothing flows back through time."""
    return student_rnn_backward(dh, cache, bug="carried_gradient_dropped")


def rnn_backward_upstream_only_at_the_last_step(dh, cache):
    """The carried gradient replaces dh[:, t] instead of adding to it (as if the loss were on h_T only)."""
    return student_rnn_backward(dh, cache, bug="upstream_only_at_the_last_step")


def rnn_backward_dWh_of_the_last_step_only(dh, cache):
    """dWh = h_{T-1}^T da_T, the last step's term of the sum over time."""
    return student_rnn_backward(dh, cache, bug="dWh_of_the_last_step_only")


def rnn_backward_dWh_overwritten(dh, cache):
    """dWh = instead of dWh +=: the backward loop ends at the first step, whose gradient is all that is left."""
    return student_rnn_backward(dh, cache, bug="dWh_overwritten")


def rnn_backward_db_not_summed_over_time(dh, cache):
    return rnn_backward_vectorised(dh, cache, bug="db_not_summed_over_time")


# --- temporal_softmax_loss ------------------------------------------------------------------------

def temporal_softmax_loss_logsumexp(x, y, mask):
    N = x.shape[0]
    m = x.max(axis=2, keepdims=True)
    lse = m + np.log(np.exp(x - m).sum(axis=2, keepdims=True))
    onehot = np.eye(x.shape[2])[y]
    loss = np.sum((lse[:, :, 0] - np.sum(x * onehot, axis=2)) * mask) / N
    return loss, (np.exp(x - lse) - onehot) * mask[:, :, None] / N


def student_temporal_softmax_loss(x, y, mask, bug=None):
    """CS231n's flattened version: rows of (N T, V)."""
    N, T, V = x.shape
    x_flat, y_flat = x.reshape(N * T, V), y.reshape(N * T)
    weights = np.ones(N * T) if bug == "mask_ignored" else mask.reshape(N * T)
    divisor = {"not_divided_by_N": 1, "divided_by_N_times_T": N * T,
               "divided_by_the_unmasked_count": max(int(mask.sum()), 1)}.get(bug, N)
    shifted = x_flat if bug == "unshifted" else x_flat - x_flat.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    probs /= probs.sum(axis=1, keepdims=True)
    loss = -np.sum(weights * np.log(probs[np.arange(N * T), y_flat])) / divisor
    dx = probs.copy()
    dx[np.arange(N * T), y_flat] -= 1
    if bug != "dx_not_masked":
        dx *= weights[:, None]
    return loss, (dx / divisor).reshape(N, T, V)


def temporal_softmax_loss_ok(x, y, mask):
    return student_temporal_softmax_loss(x, y, mask)


def temporal_softmax_loss_mask_ignored(x, y, mask):
    return student_temporal_softmax_loss(x, y, mask, bug="mask_ignored")


def temporal_softmax_loss_dx_not_masked(x, y, mask):
    return student_temporal_softmax_loss(x, y, mask, bug="dx_not_masked")


def temporal_softmax_loss_not_divided_by_N(x, y, mask):
    return student_temporal_softmax_loss(x, y, mask, bug="not_divided_by_N")


def temporal_softmax_loss_divided_by_N_times_T(x, y, mask):
    return student_temporal_softmax_loss(x, y, mask, bug="divided_by_N_times_T")


def temporal_softmax_loss_divided_by_the_unmasked_count(x, y, mask):
    return student_temporal_softmax_loss(x, y, mask, bug="divided_by_the_unmasked_count")


def temporal_softmax_loss_unshifted(x, y, mask):
    return student_temporal_softmax_loss(x, y, mask, bug="unshifted")


# --- clip_gradients -------------------------------------------------------------------------------

def clip_gradients_concatenated(grads, max_norm):
    """The norm of every entry in one vector; the factor without the 1e-6 (the norm exceeds max_norm > 0)."""
    total_norm = np.linalg.norm(np.concatenate([np.ravel(g) for g in grads.values()]))
    scale = max_norm / total_norm if total_norm > max_norm else 1.0
    return {key: g * scale for key, g in grads.items()}, total_norm


def student_clip_gradients(grads, max_norm, bug=None):
    total_norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
    clipped = grads if bug == "in_place" else {key: g.copy() for key, g in grads.items()}
    for key, g in clipped.items():
        if bug == "per_element":
            np.clip(g, -max_norm, max_norm, out=g)
        elif bug == "per_array":
            norm = np.linalg.norm(g)
            if norm > max_norm:
                g *= max_norm / (norm + 1e-6)
        elif bug == "always_rescaled":
            g *= max_norm / (total_norm + 1e-6)
        elif total_norm > max_norm:
            g *= max_norm / (total_norm + 1e-6)
    if bug == "norm_after_clipping":
        total_norm = np.sqrt(sum(np.sum(g ** 2) for g in clipped.values()))
    return clipped, total_norm


def clip_gradients_ok(grads, max_norm):
    return student_clip_gradients(grads, max_norm)


def clip_gradients_per_element(grads, max_norm):
    return student_clip_gradients(grads, max_norm, bug="per_element")


def clip_gradients_per_array(grads, max_norm):
    """Each array by its own norm, as if it were the whole gradient."""
    return student_clip_gradients(grads, max_norm, bug="per_array")


def clip_gradients_in_place(grads, max_norm):
    """The right values, written into the student's gradients."""
    return student_clip_gradients(grads, max_norm, bug="in_place")


def clip_gradients_always_rescaled(grads, max_norm):
    """Small gradients scaled up to max_norm as well."""
    return student_clip_gradients(grads, max_norm, bug="always_rescaled")


def clip_gradients_norm_after_clipping(grads, max_norm):
    return student_clip_gradients(grads, max_norm, bug="norm_after_clipping")


# --- lstm_step_forward ----------------------------------------------------------------------------

def lstm_step_forward_gate_by_gate(x, prev_h, prev_c, Wx, Wh, b):
    """Each gate from its own block of columns."""
    H = prev_h.shape[1]
    i, f, o, g = (x @ Wx[:, k * H:(k + 1) * H] + prev_h @ Wh[:, k * H:(k + 1) * H] + b[k * H:(k + 1) * H]
                  for k in range(4))
    i, f, o, g = layers.sigmoid(i), layers.sigmoid(f), layers.sigmoid(o), np.tanh(g)
    next_c = f * prev_c + i * g
    return o * np.tanh(next_c), next_c, (x, prev_h, prev_c, Wx, Wh, b, i, f, o, g, next_c)


def student_lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b, bug=None):
    a = x @ Wx + prev_h @ Wh + b
    i, f, o, g = np.split(a, 4, axis=1)
    if bug == "gate_order_ifgo":
        g, o = o, g
    i, f, o, g = layers.sigmoid(i), layers.sigmoid(f), layers.sigmoid(o), np.tanh(g)
    next_c = f * prev_c + (g if bug == "no_input_gate" else i * g)
    next_h = o * (next_c if bug == "no_tanh_of_the_cell" else np.tanh(next_c))
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, b, i, f, o, g, next_c)


def lstm_step_forward_gate_order_ifgo(x, prev_h, prev_c, Wx, Wh, b):
    """torch's order i, f, g, o instead of i, f, o, g."""
    return student_lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b, bug="gate_order_ifgo")


def lstm_step_forward_no_input_gate(x, prev_h, prev_c, Wx, Wh, b):
    return student_lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b, bug="no_input_gate")


def lstm_step_forward_no_tanh_of_the_cell(x, prev_h, prev_c, Wx, Wh, b):
    return student_lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b, bug="no_tanh_of_the_cell")


def lstm_step_forward_without_the_cache(x, prev_h, prev_c, Wx, Wh, b):
    return student_lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)[:2]


# --- lstm_step_backward ---------------------------------------------------------------------------

def lstm_step_backward_through_the_activations(dnext_h, dnext_c, cache):
    """The activations' gradients, then their four blocks into one (N, 4H) array placed by index."""
    x, prev_h, prev_c, Wx, Wh, b, i, f, o, g, next_c = cache
    H = prev_h.shape[1]
    tc = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    da = np.zeros((x.shape[0], 4 * H))
    for k, d_act in enumerate([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * tc * o * (1 - o),
                               dc * i * (1 - g ** 2)]):
        da[:, k * H:(k + 1) * H] = d_act
    return da @ Wx.T, da @ Wh.T, f * dc, x.T @ da, prev_h.T @ da, np.sum(da, axis=0)


def student_lstm_step_backward(dnext_h, dnext_c, cache, bug=None):
    x, prev_h, prev_c, Wx, Wh, b, i, f, o, g, next_c = cache
    tanh_c = np.tanh(next_c)
    dtanh = 1 - next_c ** 2 if bug == "tanh_prime_of_the_cell" else 1 - tanh_c ** 2
    dc = dnext_c if bug == "dnext_h_path_to_the_cell_dropped" else dnext_c + dnext_h * o * dtanh
    di, df, do, dg = dc * g, dc * prev_c, dnext_h * tanh_c, dc * i
    dai, daf, dao, dag = di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g ** 2)
    da = np.hstack([dai, daf, dag, dao] if bug == "gate_order_ifgo" else [dai, daf, dao, dag])
    dprev_c = dc if bug == "forget_gate_dropped" else dc * f
    return da @ Wx.T, da @ Wh.T, dprev_c, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def lstm_step_backward_gate_order_ifgo(dnext_h, dnext_c, cache):
    return student_lstm_step_backward(dnext_h, dnext_c, cache, bug="gate_order_ifgo")


def lstm_step_backward_forget_gate_dropped(dnext_h, dnext_c, cache):
    """dprev_c = dc: the cell's gradient passes to prev_c without the forget gate's factor f."""
    return student_lstm_step_backward(dnext_h, dnext_c, cache, bug="forget_gate_dropped")


def lstm_step_backward_dnext_h_path_to_the_cell_dropped(dnext_h, dnext_c, cache):
    """Only dnext_c reaches the cell (and from it prev_c, i, f and g), not dnext_h through tanh(next_c)."""
    return student_lstm_step_backward(dnext_h, dnext_c, cache, bug="dnext_h_path_to_the_cell_dropped")


def lstm_step_backward_tanh_prime_of_the_cell(dnext_h, dnext_c, cache):
    """1 - next_c^2 instead of 1 - tanh(next_c)^2."""
    return student_lstm_step_backward(dnext_h, dnext_c, cache, bug="tanh_prime_of_the_cell")


# --- lstm_forward ---------------------------------------------------------------------------------

def lstm_forward_stacked(x, h0, Wx, Wh, b):
    """The time axis first (the given cell's former way), states stacked at the end."""
    states, caches, hs = (h0, np.zeros_like(h0)), [], []
    for x_t in np.moveaxis(x, 1, 0):
        next_h, next_c, step_cache = rnn.lstm_step_forward(x_t, *states, Wx, Wh, b)
        states = (next_h, next_c)
        hs.append(next_h)
        caches.append(step_cache)
    return np.stack(hs, axis=1), caches


def student_lstm_forward(x, h0, Wx, Wh, b, bug=None):
    N, T, _ = x.shape
    h, cache = np.zeros((N, T, h0.shape[1])), []
    prev_h, prev_c = h0, np.zeros_like(h0)
    for t in range(T):
        if bug == "cell_state_reset":
            prev_c = np.zeros_like(h0)
        if bug == "no_recurrence":
            prev_h = h0
        prev_h, next_c, step_cache = rnn.lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
        h[:, t] = next_c if bug == "cell_states_returned" else prev_h
        prev_c = next_c
        cache.append(step_cache)
    return h, cache


def lstm_forward_from_zeros(x, h0, Wx, Wh, b):
    """h0 ignored: every sequence starts from a zero hidden state."""
    return student_lstm_forward(x, np.zeros_like(h0), Wx, Wh, b)


def lstm_forward_cell_state_reset(x, h0, Wx, Wh, b):
    """c is not carried: every step starts from a zero cell state, as the first does."""
    return student_lstm_forward(x, h0, Wx, Wh, b, bug="cell_state_reset")


def lstm_forward_no_recurrence(x, h0, Wx, Wh, b):
    """Every step from h0 instead of the previous step's hidden state (the cell state carried)."""
    return student_lstm_forward(x, h0, Wx, Wh, b, bug="no_recurrence")


def lstm_forward_cell_states_returned(x, h0, Wx, Wh, b):
    """h holds the cell states c_t instead of the hidden states."""
    return student_lstm_forward(x, h0, Wx, Wh, b, bug="cell_states_returned")


# --- lstm_backward --------------------------------------------------------------------------------

def lstm_backward_stacked(dh, cache):
    """The given cell's former way: dx collected in a list, every step's weight gradients summed at the end."""
    carried = [np.zeros_like(dh[:, 0]), np.zeros_like(dh[:, 0])]
    dxs, weight_grads = [], []
    for t in range(len(cache) - 1, -1, -1):
        dx_t, carried[0], carried[1], *step_weight_grads = rnn.lstm_step_backward(dh[:, t] + carried[0], carried[1],
                                                                                  cache[t])
        dxs.insert(0, dx_t)
        weight_grads.append(step_weight_grads)
    dWx, dWh, db = (np.sum(grads, axis=0) for grads in zip(*weight_grads))
    return np.stack(dxs, axis=1), carried[0], dWx, dWh, db


def student_lstm_backward(dh, cache, bug=None):
    N, T, H = dh.shape
    x0, _, _, Wx, Wh, b = cache[0][:6]
    dx = np.zeros((N, T, x0.shape[1]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        if bug == "dprev_c_not_carried":
            dc_next = np.zeros((N, H))
        upstream = dh[:, t] if bug == "dprev_h_not_carried" else dh[:, t] + dh_next
        dx[:, t], dh_next, dc_next, dWx_t, dWh_t, db_t = rnn.lstm_step_backward(upstream, dc_next, cache[t])
        if bug == "weight_gradients_of_the_last_step_only":
            if t == T - 1:
                dWx, dWh, db = dWx_t, dWh_t, db_t
        else:
            dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dc_next if bug == "dc0_returned_as_dh0" else dh_next, dWx, dWh, db


def lstm_backward_ok(dh, cache):
    return student_lstm_backward(dh, cache)


def lstm_backward_dprev_c_not_carried(dh, cache):
    """Every step gets dnext_c = 0: only what flows through h goes back through time."""
    return student_lstm_backward(dh, cache, bug="dprev_c_not_carried")


def lstm_backward_dprev_h_not_carried(dh, cache):
    """Each step gets dh[:, t] alone as dnext_h (the cell's gradient still carried)."""
    return student_lstm_backward(dh, cache, bug="dprev_h_not_carried")


def lstm_backward_weight_gradients_of_the_last_step_only(dh, cache):
    return student_lstm_backward(dh, cache, bug="weight_gradients_of_the_last_step_only")


def lstm_backward_dc0_returned_as_dh0(dh, cache):
    """The first step's dprev_c (the gradient of c0, to be dropped) returned in dh0's place."""
    return student_lstm_backward(dh, cache, bug="dc0_returned_as_dh0")


# ===================================================================================================

CORRECT = {
    "rnn_step_forward": [rnn_step_forward_stacked],
    "rnn_step_backward": [rnn_step_backward_from_the_pre_activation],
    "rnn_forward": [rnn_forward_stacked],
    "rnn_backward": [rnn_backward_ok],
    "temporal_softmax_loss": [temporal_softmax_loss_ok, temporal_softmax_loss_logsumexp],
    "clip_gradients": [clip_gradients_ok, clip_gradients_concatenated],
    "lstm_step_forward": [lstm_step_forward_gate_by_gate],
    "lstm_step_backward": [lstm_step_backward_through_the_activations],
    "lstm_forward": [lstm_forward_stacked],
    "lstm_backward": [lstm_backward_ok, lstm_backward_stacked],
}

BUGS = {
    "rnn_step_forward": [rnn_step_forward_Wh_transposed, rnn_step_forward_no_bias, rnn_step_forward_no_tanh],
    "rnn_step_backward": [rnn_step_backward_tanh_prime_of_the_pre_activation, rnn_step_backward_tanh_applied_twice,
                          rnn_step_backward_db_over_the_hidden_units, rnn_step_backward_dh_prev_without_transpose],
    "rnn_forward": [rnn_forward_from_zeros, rnn_forward_no_recurrence, rnn_forward_states_shifted],
    "rnn_backward": [rnn_backward_carried_gradient_dropped, rnn_backward_upstream_only_at_the_last_step,
                     rnn_backward_dWh_of_the_last_step_only, rnn_backward_dWh_overwritten,
                     rnn_backward_db_not_summed_over_time],
    "temporal_softmax_loss": [temporal_softmax_loss_mask_ignored, temporal_softmax_loss_dx_not_masked,
                              temporal_softmax_loss_not_divided_by_N, temporal_softmax_loss_divided_by_N_times_T,
                              temporal_softmax_loss_divided_by_the_unmasked_count, temporal_softmax_loss_unshifted],
    "clip_gradients": [clip_gradients_per_element, clip_gradients_per_array, clip_gradients_in_place,
                       clip_gradients_always_rescaled, clip_gradients_norm_after_clipping],
    "lstm_step_forward": [lstm_step_forward_gate_order_ifgo, lstm_step_forward_no_input_gate,
                          lstm_step_forward_no_tanh_of_the_cell, lstm_step_forward_without_the_cache],
    "lstm_step_backward": [lstm_step_backward_gate_order_ifgo, lstm_step_backward_forget_gate_dropped,
                           lstm_step_backward_dnext_h_path_to_the_cell_dropped,
                           lstm_step_backward_tanh_prime_of_the_cell],
    "lstm_forward": [lstm_forward_from_zeros, lstm_forward_cell_state_reset, lstm_forward_no_recurrence,
                     lstm_forward_cell_states_returned],
    "lstm_backward": [lstm_backward_dprev_c_not_carried, lstm_backward_dprev_h_not_carried,
                      lstm_backward_weight_gradients_of_the_last_step_only, lstm_backward_dc0_returned_as_dh0],
}


class TestRnnBpttSpecs(GradedFunctionTests):
    MODULE = rnn_bptt
    CORRECT = CORRECT
    BUGS = BUGS
