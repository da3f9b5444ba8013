"""nclib.rnn: forward values against hand-computed cases and independent loops, every backward pass against
numerical gradients (float64, relative error < 1e-7), backpropagation through time by the chain rule written
out, the temporal softmax loss under masks, word embeddings with repeated words, clipping by the global norm,
bad input; and, where PyTorch is installed (it is not a dependency), the RNN, the LSTM and the clipping against
torch.nn.RNN, torch.nn.LSTM and torch.nn.utils.clip_grad_norm_: forward values and autograd's gradients."""
import math
import re

import numpy as np
import pytest

from conftest import strict_floats
from nclib import losses, rnn
from nclib.gradcheck import eval_numerical_gradient, eval_numerical_gradient_array, rel_error

GRAD_TOL = 1e-7
TORCH_MISSING = ("PyTorch is not installed (it is not a dependency of the course): nclib.rnn is not compared "
                 "with torch.nn.RNN, torch.nn.LSTM and clip_grad_norm_")

STEP_SHAPES = [(3, 4, 5), (1, 3, 2), (4, 1, 3), (2, 5, 1)]                   # N, D, H
SEQUENCE_SHAPES = [(2, 4, 3, 5), (1, 5, 2, 3), (3, 1, 4, 2), (2, 3, 2, 1)]   # N, T, D, H


def sigmoid(v):
    return 1.0 / (1.0 + math.exp(-v))


def weights(D, H, seed, gates=1):
    """Wx (D, gates H), Wh (H, gates H), b (gates H,), scaled so that the activations stay O(1)."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((D, gates * H)) / np.sqrt(D), rng.standard_normal((H, gates * H)) / np.sqrt(H),
            0.5 * rng.standard_normal(gates * H))


def sequence(N, T, D, H, seed, gates=1):
    """(x (N, T, D), h0 (N, H), Wx, Wh, b), the arguments of rnn_forward (gates=1) or lstm_forward (gates=4)."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((N, T, D)), rng.uniform(-1.0, 1.0, (N, H))) + weights(D, H, seed + 1, gates)


def numerical_gradients(forward, args, upstream):
    """The numerical gradients of sum_j sum(out_j * upstream_j), for the outputs out_j that forward(*args)
    returns before its cache, with respect to each argument in turn. Each output's vector-Jacobian product
    is taken on its own (differences before sums), which keeps the rounding error of a whole sum out."""
    grads = []
    for k in range(len(args)):
        def output(v, j):
            return forward(*args[:k], v, *args[k + 1:])[j]
        grads.append(sum(eval_numerical_gradient_array(lambda v: output(v, j), np.array(args[k], dtype=np.float64), up)
                         for j, up in enumerate(upstream)))
    return grads


def assert_gradients_match(analytic, numeric):
    assert len(analytic) == len(numeric)
    for a, n in zip(analytic, numeric):
        assert a.shape == n.shape and a.dtype == np.float64
        assert rel_error(a, n) < GRAD_TOL


# ---------------------------------------------------------------------------------------------------
# the vanilla RNN, one step

def test_rnn_step_forward_one_unit_known_value():
    next_h, cache = rnn.rnn_step_forward(np.array([[0.5]]), np.array([[-0.2]]), np.array([[1.5]]),
                                         np.array([[0.8]]), np.array([0.1]))
    assert next_h.shape == (1, 1)
    assert next_h[0, 0] == pytest.approx(math.tanh(1.5 * 0.5 + 0.8 * -0.2 + 0.1), rel=1e-15)
    assert len(cache) == 6 and cache[5] is next_h


@pytest.mark.parametrize("N, D, H", STEP_SHAPES)
def test_rnn_step_forward_matches_a_loop(N, D, H):
    rng = np.random.default_rng(1)
    x, h_prev = rng.standard_normal((N, D)), rng.uniform(-1, 1, (N, H))
    Wx, Wh, b = weights(D, H, seed=2)
    next_h, cache = rnn.rnn_step_forward(x, h_prev, Wx, Wh, b)
    for n in range(N):
        for j in range(H):
            a = math.fsum([x[n, d] * Wx[d, j] for d in range(D)] + [h_prev[n, k] * Wh[k, j] for k in range(H)] + [b[j]])
            assert next_h[n, j] == pytest.approx(math.tanh(a), rel=1e-13, abs=1e-15)
    for cached, given in zip(cache, (x, h_prev, Wx, Wh, b, next_h)):
        np.testing.assert_array_equal(cached, given)


@pytest.mark.parametrize("N, D, H", STEP_SHAPES)
def test_rnn_step_backward_matches_numerical_gradient(N, D, H):
    rng = np.random.default_rng(3)
    args = (rng.standard_normal((N, D)), rng.uniform(-1, 1, (N, H))) + weights(D, H, seed=4)
    dnext_h = rng.standard_normal((N, H))
    _, cache = rnn.rnn_step_forward(*args)
    assert_gradients_match(rnn.rnn_step_backward(dnext_h, cache),
                           numerical_gradients(rnn.rnn_step_forward, args, [dnext_h]))


# ---------------------------------------------------------------------------------------------------
# the vanilla RNN over a sequence: backpropagation through time

def test_one_unit_rnn_over_three_steps_by_hand():
    """h_t = tanh(wx x_t + wh h_{t-1} + b) and the gradients of L = sum_t g_t h_t by the chain rule: the
    gradient reaching h_t is g_t plus wh times that of step t + 1's pre-activation a_{t+1}."""
    wx, wh, b, h0 = 0.7, -1.2, 0.1, 0.3
    xs, gs = [1.0, -0.5, 2.0], [0.5, -1.0, 2.0]
    h1 = math.tanh(wx * xs[0] + wh * h0 + b)
    h2 = math.tanh(wx * xs[1] + wh * h1 + b)
    h3 = math.tanh(wx * xs[2] + wh * h2 + b)
    da3 = gs[2] * (1 - h3 ** 2)
    da2 = (gs[1] + wh * da3) * (1 - h2 ** 2)
    da1 = (gs[0] + wh * da2) * (1 - h1 ** 2)
    h, cache = rnn.rnn_forward(np.array(xs).reshape(1, 3, 1), np.array([[h0]]), np.array([[wx]]),
                               np.array([[wh]]), np.array([b]))
    np.testing.assert_allclose(h.ravel(), [h1, h2, h3], rtol=1e-14)
    dx, dh0, dWx, dWh, db = rnn.rnn_backward(np.array(gs).reshape(1, 3, 1), cache)
    np.testing.assert_allclose(dWh, [[da1 * h0 + da2 * h1 + da3 * h2]], rtol=1e-14)
    np.testing.assert_allclose(dWx, [[da1 * xs[0] + da2 * xs[1] + da3 * xs[2]]], rtol=1e-14)
    np.testing.assert_allclose(db, [da1 + da2 + da3], rtol=1e-14)
    np.testing.assert_allclose(dh0, [[wh * da1]], rtol=1e-14)
    np.testing.assert_allclose(dx.ravel(), [wx * da1, wx * da2, wx * da3], rtol=1e-14)
    # without what flows back through time, step 1 would get g_1 (1 - h_1^2) alone: a different dWh
    assert abs(dWh[0, 0] - (gs[0] * (1 - h1 ** 2) * h0 + gs[1] * (1 - h2 ** 2) * h1 + da3 * h2)) > 0.1


@pytest.mark.parametrize("N, T, D, H", SEQUENCE_SHAPES)
def test_rnn_forward_matches_a_loop_of_the_formula(N, T, D, H):
    x, h0, Wx, Wh, b = sequence(N, T, D, H, seed=5)
    h, cache = rnn.rnn_forward(x, h0, Wx, Wh, b)
    assert h.shape == (N, T, H) and h.dtype == np.float64 and len(cache) == T
    state = h0
    for t in range(T):
        state = np.tanh(x[:, t] @ Wx + state @ Wh + b)
        np.testing.assert_allclose(h[:, t], state, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("last_step_only", [False, True])
@pytest.mark.parametrize("N, T, D, H", SEQUENCE_SHAPES)
def test_rnn_backward_matches_numerical_gradient(N, T, D, H, last_step_only):
    """dh random at every step, or zero but at the last step (a loss on h_T: every earlier step's gradient
    comes through time)."""
    args = sequence(N, T, D, H, seed=6)
    dh = np.random.default_rng(7).standard_normal((N, T, H))
    if last_step_only:
        dh[:, :-1] = 0.0
    _, cache = rnn.rnn_forward(*args)
    grads = rnn.rnn_backward(dh, cache)
    assert_gradients_match(grads, numerical_gradients(rnn.rnn_forward, args, [dh]))
    if last_step_only and T > 1:
        assert np.all(np.abs(grads[0][:, 0]) > 0), "the first step's input gets a gradient only through time"


def test_rnn_backward_of_one_step_is_the_step_backward():
    x, h0, Wx, Wh, b = sequence(3, 1, 4, 2, seed=8)
    dh = np.random.default_rng(9).standard_normal((3, 1, 2))
    dx, dh0, dWx, dWh, db = rnn.rnn_backward(dh, rnn.rnn_forward(x, h0, Wx, Wh, b)[1])
    step = rnn.rnn_step_backward(dh[:, 0], rnn.rnn_step_forward(x[:, 0], h0, Wx, Wh, b)[1])
    for whole, one in zip((dx[:, 0], dh0, dWx, dWh, db), step):
        np.testing.assert_array_equal(whole, one)


# ---------------------------------------------------------------------------------------------------
# word embeddings and the temporal affine layer

def test_word_embedding_forward_looks_up_rows():
    W = np.arange(12.0).reshape(4, 3)
    x = np.array([[0, 2, 0], [3, 3, 1]])
    out, _ = rnn.word_embedding_forward(x, W)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out[0], [[0, 1, 2], [6, 7, 8], [0, 1, 2]])
    np.testing.assert_array_equal(out[1], [[9, 10, 11], [9, 10, 11], [3, 4, 5]])


def test_word_embedding_backward_accumulates_repeated_words():
    x = np.array([[0, 2, 0], [2, 2, 1]])
    dout = np.arange(1.0, 19.0).reshape(2, 3, 3)
    _, cache = rnn.word_embedding_forward(x, np.zeros((4, 3)))
    dW = rnn.word_embedding_backward(dout, cache)
    np.testing.assert_array_equal(dW, [dout[0, 0] + dout[0, 2], dout[1, 2], dout[0, 1] + dout[1, 0] + dout[1, 1],
                                       np.zeros(3)])
    buffered = np.zeros((4, 3))
    buffered[x] += dout  # fancy-index assignment keeps one gradient per repeated word
    assert not np.array_equal(buffered, dW)


def test_word_embedding_backward_matches_numerical_gradient():
    rng = np.random.default_rng(10)
    x, W = rng.integers(5, size=(3, 4)), rng.standard_normal((5, 2))
    dout = rng.standard_normal((3, 4, 2))
    _, cache = rnn.word_embedding_forward(x, W)
    dW_num = eval_numerical_gradient_array(lambda v: rnn.word_embedding_forward(x, v)[0], W.copy(), dout)
    assert rel_error(rnn.word_embedding_backward(dout, cache), dW_num) < GRAD_TOL


def test_temporal_affine_forward_is_the_affine_layer_at_every_step():
    rng = np.random.default_rng(11)
    x, w, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 5)), rng.standard_normal(5)
    out, _ = rnn.temporal_affine_forward(x, w, b)
    assert out.shape == (2, 3, 5)
    for t in range(3):
        np.testing.assert_allclose(out[:, t], x[:, t] @ w + b, rtol=1e-13)


@pytest.mark.parametrize("N, T, D, M", [(2, 3, 4, 5), (1, 1, 3, 2), (3, 4, 1, 1)])
def test_temporal_affine_backward_matches_numerical_gradient(N, T, D, M):
    rng = np.random.default_rng(12)
    args = (rng.standard_normal((N, T, D)), rng.standard_normal((D, M)), rng.standard_normal(M))
    dout = rng.standard_normal((N, T, M))
    _, cache = rnn.temporal_affine_forward(*args)
    assert_gradients_match(rnn.temporal_affine_backward(dout, cache),
                           numerical_gradients(rnn.temporal_affine_forward, args, [dout]))


# ---------------------------------------------------------------------------------------------------
# temporal_softmax_loss

def temporal_softmax_by_hand(x, y, mask):
    """Textbook cross-entropy at every unmasked position, in Python floats, summed and divided by N."""
    N, T, V = x.shape
    total, dx = [], np.zeros_like(x)
    for n in range(N):
        for t in range(T):
            if not mask[n, t]:
                continue
            exps = [math.exp(s) for s in x[n, t]]
            Z = math.fsum(exps)
            total.append(-math.log(exps[y[n, t]] / Z))
            dx[n, t] = [(exps[v] / Z - (v == y[n, t])) / N for v in range(V)]
    return math.fsum(total) / N, dx


MASKS = {
    "all True": lambda N, T: np.ones((N, T), dtype=bool),
    "random": lambda N, T: np.random.default_rng(13).random((N, T)) < 0.6,
    "zeros in the middle": lambda N, T: np.array([[t not in (1, 2) for t in range(T)]] * N),
}


@pytest.mark.parametrize("mask_kind", sorted(MASKS))
@pytest.mark.parametrize("N, T, V", [(3, 4, 5), (1, 5, 3), (4, 1, 6), (2, 6, 2)])
def test_temporal_softmax_loss_matches_the_textbook_formula(N, T, V, mask_kind):
    rng = np.random.default_rng(14)
    x, y, mask = 2 * rng.standard_normal((N, T, V)), rng.integers(V, size=(N, T)), MASKS[mask_kind](N, T)
    loss, dx = rnn.temporal_softmax_loss(x, y, mask)
    expected_loss, expected_dx = temporal_softmax_by_hand(x, y, mask)
    assert isinstance(loss, float)
    assert loss == pytest.approx(expected_loss, rel=1e-12, abs=1e-15)
    np.testing.assert_allclose(dx, expected_dx, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("N, T, V", [(3, 4, 5), (1, 3, 4), (2, 1, 3)])
def test_temporal_softmax_loss_gradient_matches_numerical_gradient(N, T, V):
    rng = np.random.default_rng(15)
    x, y, mask = rng.standard_normal((N, T, V)), rng.integers(V, size=(N, T)), rng.random((N, T)) < 0.7
    mask[0, 0] = True
    _, dx = rnn.temporal_softmax_loss(x, y, mask)
    dx_num = eval_numerical_gradient(lambda v: rnn.temporal_softmax_loss(v, y, mask)[0], x.copy())
    assert rel_error(dx, dx_num) < GRAD_TOL


def test_an_all_masked_row_adds_nothing_but_counts_in_N():
    rng = np.random.default_rng(16)
    x, y = rng.standard_normal((3, 4, 5)), rng.integers(5, size=(3, 4))
    mask = rng.random((3, 4)) < 0.8
    mask[1] = False
    loss, dx = rnn.temporal_softmax_loss(x, y, mask)
    others, dx_others = rnn.temporal_softmax_loss(x[[0, 2]], y[[0, 2]], mask[[0, 2]])
    assert loss == pytest.approx(others * 2 / 3, rel=1e-13)
    np.testing.assert_array_equal(dx[1], np.zeros((4, 5)))
    np.testing.assert_allclose(dx[[0, 2]], dx_others * 2 / 3, rtol=1e-13)


def test_everything_masked_gives_zero_loss_and_gradient():
    rng = np.random.default_rng(17)
    loss, dx = rnn.temporal_softmax_loss(rng.standard_normal((2, 3, 4)), rng.integers(4, size=(2, 3)),
                                         np.zeros((2, 3), dtype=bool))
    assert loss == 0.0
    np.testing.assert_array_equal(dx, np.zeros((2, 3, 4)))


def test_one_step_is_the_softmax_loss():
    rng = np.random.default_rng(18)
    scores, y = rng.standard_normal((6, 4)), rng.integers(4, size=6)
    loss, dx = rnn.temporal_softmax_loss(scores[:, None], y[:, None], np.ones((6, 1), dtype=bool))
    expected_loss, expected_dscores = losses.softmax_loss(scores, y)
    assert loss == pytest.approx(expected_loss, rel=1e-14)
    np.testing.assert_allclose(dx[:, 0], expected_dscores, rtol=1e-13)


def test_summed_over_time_and_averaged_over_the_batch():
    """A batch of one sums its steps; a batch twice as long doubles the loss, twice as large leaves it."""
    rng = np.random.default_rng(19)
    x, y = rng.standard_normal((2, 3, 4)), rng.integers(4, size=(2, 3))
    mask = np.array([[True, False, True], [True, True, True]])
    loss, _ = rnn.temporal_softmax_loss(x, y, mask)
    one, _ = rnn.temporal_softmax_loss(x[:1], y[:1], mask[:1])
    steps = [losses.softmax_loss(x[:1, t], y[:1, t])[0] for t in (0, 2)]
    assert one == pytest.approx(sum(steps), rel=1e-14)
    twice_as_long, _ = rnn.temporal_softmax_loss(np.concatenate([x, x], axis=1), np.concatenate([y, y], axis=1),
                                                 np.concatenate([mask, mask], axis=1))
    twice_as_large, _ = rnn.temporal_softmax_loss(np.concatenate([x, x]), np.concatenate([y, y]),
                                                  np.concatenate([mask, mask]))
    assert twice_as_long == pytest.approx(2 * loss, rel=1e-14)
    assert twice_as_large == pytest.approx(loss, rel=1e-14)


def test_temporal_softmax_loss_is_stable_for_large_scores():
    rng = np.random.default_rng(20)
    x, y, mask = rng.standard_normal((2, 3, 4)), rng.integers(4, size=(2, 3)), np.ones((2, 3), dtype=bool)
    with strict_floats():
        shifted = rnn.temporal_softmax_loss(x + 1e4, y, mask)
        spread = rnn.temporal_softmax_loss(np.array([[[0.0, 1e4]]]), np.array([[0]]), np.array([[True]]))
    small = rnn.temporal_softmax_loss(x, y, mask)
    assert shifted[0] == pytest.approx(small[0], rel=1e-10)
    np.testing.assert_allclose(shifted[1], small[1], rtol=1e-9, atol=1e-15)
    # the log of a probability that underflows to 0 would be -inf; the log-softmax is exact
    assert spread[0] == 1e4
    np.testing.assert_array_equal(spread[1], [[[-1.0, 1.0]]])


# ---------------------------------------------------------------------------------------------------
# clip_gradients

def test_clipping_below_max_norm_changes_nothing_and_copies():
    grads = {"W": np.array([[0.3, -0.4], [1.2, 0.0]]), "b": np.array([0.5])}
    clipped, total_norm = rnn.clip_gradients(grads, 5.0)
    assert total_norm == pytest.approx(math.sqrt(0.09 + 0.16 + 1.44 + 0.25), rel=1e-15)
    assert set(clipped) == {"W", "b"}
    for key in grads:
        np.testing.assert_array_equal(clipped[key], grads[key])
        assert clipped[key] is not grads[key] and not np.shares_memory(clipped[key], grads[key])


def test_clipping_is_by_the_global_norm_not_per_element():
    clipped, total_norm = rnn.clip_gradients({"g": np.array([3.0, 4.0])}, 1.0)
    assert total_norm == 5.0
    np.testing.assert_allclose(clipped["g"], [3.0 / (5.0 + 1e-6), 4.0 / (5.0 + 1e-6)], rtol=1e-15)
    # clipping each element to [-1, 1] would give [1, 1], another direction
    assert not np.allclose(clipped["g"], np.clip([3.0, 4.0], -1.0, 1.0))


def test_clipping_is_by_the_norm_of_all_arrays_together():
    """Each array's own norm (3 and 4) is below max_norm, their global norm 5 above it: both are scaled."""
    clipped, total_norm = rnn.clip_gradients({"a": np.array([3.0]), "b": np.array([[4.0]])}, 4.5)
    assert total_norm == 5.0
    scale = 4.5 / (5.0 + 1e-6)
    np.testing.assert_allclose(clipped["a"], [3.0 * scale], rtol=1e-15)
    np.testing.assert_allclose(clipped["b"], [[4.0 * scale]], rtol=1e-15)


def test_clipping_above_max_norm_keeps_the_direction():
    rng = np.random.default_rng(21)
    grads = {"Wx": 3 * rng.standard_normal((4, 5)), "Wh": rng.standard_normal((5, 5)), "b": rng.standard_normal(5)}
    before = {key: g.copy() for key, g in grads.items()}
    clipped, total_norm = rnn.clip_gradients(grads, 2.0)
    assert total_norm == pytest.approx(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())), rel=1e-14)
    assert total_norm > 2.0
    assert np.sqrt(sum(np.sum(g ** 2) for g in clipped.values())) == pytest.approx(2.0, rel=1e-6)
    for key in grads:
        np.testing.assert_allclose(clipped[key], grads[key] * (2.0 / (total_norm + 1e-6)), rtol=1e-15)
        np.testing.assert_array_equal(grads[key], before[key])


def test_clipping_at_exactly_max_norm_scales_as_torch_does():
    """min(1, max_norm / (total_norm + 1e-6)): at total_norm == max_norm the factor is just below 1."""
    clipped, _ = rnn.clip_gradients({"g": np.array([3.0, 4.0])}, 5.0)
    np.testing.assert_allclose(clipped["g"], np.array([3.0, 4.0]) * 5.0 / (5.0 + 1e-6), rtol=1e-15)
    assert np.all(clipped["g"] < [3.0, 4.0])


@pytest.mark.parametrize("grads", [{}, {"W": np.zeros((2, 3)), "b": np.zeros(3)}])
def test_clipping_zero_or_no_gradients(grads):
    clipped, total_norm = rnn.clip_gradients(grads, 1.0)
    assert total_norm == 0.0
    assert set(clipped) == set(grads)
    for key in grads:
        np.testing.assert_array_equal(clipped[key], grads[key])


@pytest.mark.parametrize("grads, max_norm, argument", [
    ({"W": np.ones(2)}, 0.0, "max_norm"),
    ({"W": np.ones(2)}, -1.0, "max_norm"),
    ({"W": np.ones(2)}, float("nan"), "max_norm"),
    ({"W": np.ones(2)}, float("inf"), "max_norm"),
    ({"W": np.ones(2)}, True, "max_norm"),
    ({"W": np.ones(2)}, "5", "max_norm"),
    ([np.ones(2)], 1.0, "grads"),
])
def test_clip_gradients_rejects_bad_input(grads, max_norm, argument):
    with pytest.raises(ValueError, match=rf"^{argument}\b"):
        rnn.clip_gradients(grads, max_norm)


# ---------------------------------------------------------------------------------------------------
# the LSTM

def test_lstm_step_forward_gate_order_is_i_f_o_g():
    """With zero weights each gate is its own bias's block of b: i, f, o, g, in that order."""
    b_i, b_f, b_o, b_g, c = 0.5, -1.0, 2.0, 0.3, 0.7
    next_h, next_c, cache = rnn.lstm_step_forward(np.zeros((1, 2)), np.array([[0.4]]), np.array([[c]]),
                                                  np.zeros((2, 4)), np.zeros((1, 4)), np.array([b_i, b_f, b_o, b_g]))
    expected_c = sigmoid(b_f) * c + sigmoid(b_i) * math.tanh(b_g)
    assert next_c[0, 0] == pytest.approx(expected_c, rel=1e-15)
    assert next_h[0, 0] == pytest.approx(sigmoid(b_o) * math.tanh(expected_c), rel=1e-15)
    i, f, o, g = (cache[k][0, 0] for k in range(6, 10))
    assert (i, f, o, g) == pytest.approx((sigmoid(b_i), sigmoid(b_f), sigmoid(b_o), math.tanh(b_g)), rel=1e-15)


def test_lstm_step_forward_one_unit_known_value():
    x, h, c = 0.8, -0.5, 0.25
    wx, wh, b = [0.3, -0.6, 1.1, 0.9], [0.7, 0.2, -0.4, 1.5], [0.1, 1.0, 0.0, -0.2]
    a = [wx[k] * x + wh[k] * h + b[k] for k in range(4)]
    expected_c = sigmoid(a[1]) * c + sigmoid(a[0]) * math.tanh(a[3])
    next_h, next_c, _ = rnn.lstm_step_forward(np.array([[x]]), np.array([[h]]), np.array([[c]]), np.array([wx]),
                                              np.array([wh]), np.array(b))
    assert next_c[0, 0] == pytest.approx(expected_c, rel=1e-15)
    assert next_h[0, 0] == pytest.approx(sigmoid(a[2]) * math.tanh(expected_c), rel=1e-15)


@pytest.mark.parametrize("N, D, H", STEP_SHAPES)
def test_lstm_step_backward_matches_numerical_gradient(N, D, H):
    rng = np.random.default_rng(22)
    args = (rng.standard_normal((N, D)), rng.uniform(-1, 1, (N, H)), rng.standard_normal((N, H)))
    args += weights(D, H, seed=23, gates=4)
    dnext_h, dnext_c = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    _, _, cache = rnn.lstm_step_forward(*args)
    assert_gradients_match(rnn.lstm_step_backward(dnext_h, dnext_c, cache),
                           numerical_gradients(rnn.lstm_step_forward, args, [dnext_h, dnext_c]))


@pytest.mark.parametrize("N, T, D, H", SEQUENCE_SHAPES)
def test_lstm_forward_matches_a_loop_from_a_zero_cell(N, T, D, H):
    x, h0, Wx, Wh, b = sequence(N, T, D, H, seed=24, gates=4)
    h, cache = rnn.lstm_forward(x, h0, Wx, Wh, b)
    assert h.shape == (N, T, H) and len(cache) == T
    state, cell = h0, np.zeros((N, H))
    for t in range(T):
        a = x[:, t] @ Wx + state @ Wh + b
        i, f, o = (1 / (1 + np.exp(-a[:, k * H:(k + 1) * H])) for k in range(3))
        cell = f * cell + i * np.tanh(a[:, 3 * H:])
        state = o * np.tanh(cell)
        np.testing.assert_allclose(h[:, t], state, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("N, T, D, H", SEQUENCE_SHAPES)
def test_lstm_backward_matches_numerical_gradient(N, T, D, H):
    # The centred differences are off by about 5e-11 (rounding), which fails a 1e-7 check on an entry of
    # 1e-5 and less; an LSTM's weights have a few such entries at some seeds (25, for one), not at this one.
    args = sequence(N, T, D, H, seed=42, gates=4)
    dh = np.random.default_rng(26).standard_normal((N, T, H))
    _, cache = rnn.lstm_forward(*args)
    assert_gradients_match(rnn.lstm_backward(dh, cache), numerical_gradients(rnn.lstm_forward, args, [dh]))


def test_an_open_forget_gate_and_a_closed_input_gate_keep_the_cell():
    """f = 1 and i = 0 (biases of +-1000, without overflow warnings): next_c = prev_c, and its gradient
    passes to prev_c unchanged."""
    N, H = 2, 3
    b = np.concatenate([np.full(H, -1000.0), np.full(H, 1000.0), np.zeros(H), np.zeros(H)])
    rng = np.random.default_rng(27)
    prev_c, dnext_c = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    with strict_floats():
        _, next_c, cache = rnn.lstm_step_forward(rng.standard_normal((N, 2)), rng.standard_normal((N, H)), prev_c,
                                                 np.zeros((2, 4 * H)), np.zeros((H, 4 * H)), b)
        dprev_c = rnn.lstm_step_backward(np.zeros((N, H)), dnext_c, cache)[2]
    np.testing.assert_array_equal(next_c, prev_c)
    np.testing.assert_array_equal(dprev_c, dnext_c)


# ---------------------------------------------------------------------------------------------------
# every function: dtypes, inputs unchanged, bad input

def test_float32_inputs_give_float64_outputs():
    args = tuple(a.astype(np.float32) for a in sequence(2, 3, 4, 5, seed=28))
    h, cache = rnn.rnn_forward(*args)
    assert h.dtype == np.float64
    assert all(g.dtype == np.float64 for g in rnn.rnn_backward(np.ones((2, 3, 5), dtype=np.float32), cache))


def test_nothing_modifies_its_inputs():
    rng = np.random.default_rng(29)
    rnn_args, lstm_args = sequence(2, 3, 4, 5, seed=30), sequence(2, 3, 4, 5, seed=31, gates=4)
    dh = rng.standard_normal((2, 3, 5))
    x, y, mask = rng.standard_normal((2, 3, 4)), rng.integers(4, size=(2, 3)), rng.random((2, 3)) < 0.5
    words, W = rng.integers(4, size=(2, 3)), rng.standard_normal((4, 5))
    arrays = [*rnn_args, *lstm_args, dh, x, y, mask, words, W]
    before = [a.copy() for a in arrays]
    rnn.rnn_backward(dh, rnn.rnn_forward(*rnn_args)[1])
    rnn.lstm_backward(dh, rnn.lstm_forward(*lstm_args)[1])
    rnn.temporal_softmax_loss(x, y, mask)
    rnn.word_embedding_backward(dh, rnn.word_embedding_forward(words, W)[1])
    rnn.temporal_affine_backward(dh, rnn.temporal_affine_forward(x, W, rnn_args[4])[1])
    for a, b in zip(arrays, before):
        np.testing.assert_array_equal(a, b)


def step_arguments(gates, **shapes):
    """The arguments of rnn_step_forward (gates=1) or lstm_step_forward (gates=4) for N=2, D=3, H=4, with
    the arrays named in shapes given those shapes instead."""
    H = 4
    names = ["x", "h_prev", "Wx", "Wh", "b"] if gates == 1 else ["x", "prev_h", "prev_c", "Wx", "Wh", "b"]
    default = {"x": (2, 3), "h_prev": (2, H), "prev_h": (2, H), "prev_c": (2, H), "Wx": (3, gates * H),
               "Wh": (H, gates * H), "b": (gates * H,)}
    return [np.ones(shapes.get(name, default[name])) for name in names]


@pytest.mark.parametrize("argument, shape", [("x", (2, 3, 1)), ("h_prev", (3, 4)), ("h_prev", (4,)),
                                             ("Wx", (4, 4)), ("Wh", (4, 3)), ("b", (3,)), ("b", (4, 1))])
def test_rnn_step_forward_rejects_bad_shapes(argument, shape):
    with pytest.raises(ValueError, match=rf"^{argument}\b"):
        rnn.rnn_step_forward(*step_arguments(1, **{argument: shape}))


@pytest.mark.parametrize("argument, shape", [("Wx", (3, 4)), ("Wh", (4, 4)), ("b", (4,)), ("prev_c", (2, 3)),
                                             ("prev_h", (1, 4)), ("x", (3,))])
def test_lstm_step_forward_rejects_bad_shapes(argument, shape):
    with pytest.raises(ValueError, match=rf"^{argument}\b"):
        rnn.lstm_step_forward(*step_arguments(4, **{argument: shape}))


@pytest.mark.parametrize("forward, gates", [(rnn.rnn_forward, 1), (rnn.lstm_forward, 4)])
@pytest.mark.parametrize("argument, shape", [("x", (2, 3)), ("x", (2, 0, 3)), ("h0", (3, 4)), ("Wx", (3, 5)),
                                             ("b", (1,))])
def test_sequence_forwards_reject_bad_shapes(forward, gates, argument, shape):
    H = 4
    args = {"x": np.ones((2, 5, 3)), "h0": np.ones((2, H)), "Wx": np.ones((3, gates * H)),
            "Wh": np.ones((H, gates * H)), "b": np.ones(gates * H)}
    args[argument] = np.ones(shape)
    with pytest.raises(ValueError, match=rf"^{argument}\b"):
        forward(**args)


@pytest.mark.parametrize("x, y, mask, argument", [
    (np.ones((2, 4)), np.zeros((2, 3), dtype=int), np.ones((2, 3), dtype=bool), "x"),
    (np.ones((0, 3, 4)), np.zeros((0, 3), dtype=int), np.ones((0, 3), dtype=bool), "x"),
    (np.ones((2, 3, 4)), np.zeros((2, 3)), np.ones((2, 3), dtype=bool), "y"),
    (np.ones((2, 3, 4)), np.zeros((2, 4), dtype=int), np.ones((2, 3), dtype=bool), "y"),
    (np.ones((2, 3, 4)), np.full((2, 3), 4), np.ones((2, 3), dtype=bool), "y"),
    (np.ones((2, 3, 4)), np.full((2, 3), -1), np.ones((2, 3), dtype=bool), "y"),
    (np.ones((2, 3, 4)), np.zeros((2, 3), dtype=int), np.ones((2, 3)), "mask"),
    (np.ones((2, 3, 4)), np.zeros((2, 3), dtype=int), np.ones((3, 2), dtype=bool), "mask"),
])
def test_temporal_softmax_loss_rejects_bad_input(x, y, mask, argument):
    with pytest.raises(ValueError, match=rf"^{argument}\b"):
        rnn.temporal_softmax_loss(x, y, mask)


@pytest.mark.parametrize("x, W, argument", [
    (np.zeros((2, 3)), np.ones((4, 2)), "x"),
    (np.array([[0, 4]]), np.ones((4, 2)), "x"),
    (np.array([[-1, 0]]), np.ones((4, 2)), "x"),
    (np.array([0, 1]), np.ones((4, 2)), "x"),
    (np.array([[0, 1]]), np.ones(4), "W"),
])
def test_word_embedding_forward_rejects_bad_input(x, W, argument):
    with pytest.raises(ValueError, match=rf"^{argument}\b"):
        rnn.word_embedding_forward(x, W)


@pytest.mark.parametrize("x_shape, w_shape, b_shape, argument", [
    ((2, 3), (3, 5), (5,), "x"), ((2, 3, 4), (5, 5), (5,), "w"), ((2, 3, 4), (4, 5), (4,), "b"),
])
def test_temporal_affine_forward_rejects_bad_shapes(x_shape, w_shape, b_shape, argument):
    with pytest.raises(ValueError, match=rf"^{argument}\b"):
        rnn.temporal_affine_forward(np.ones(x_shape), np.ones(w_shape), np.ones(b_shape))


def test_backward_passes_reject_upstream_gradients_of_the_wrong_shape():
    rnn_args, lstm_args = sequence(2, 3, 4, 5, seed=32), sequence(2, 3, 4, 5, seed=33, gates=4)
    _, step_cache = rnn.rnn_step_forward(rnn_args[0][:, 0], *rnn_args[1:])
    _, _, lstm_cache = rnn.lstm_step_forward(lstm_args[0][:, 0], lstm_args[1], np.zeros((2, 5)), *lstm_args[2:])
    calls = [
        ("dnext_h", lambda: rnn.rnn_step_backward(np.ones((2, 4)), step_cache)),
        ("dh", lambda: rnn.rnn_backward(np.ones((2, 2, 5)), rnn.rnn_forward(*rnn_args)[1])),
        ("dnext_c", lambda: rnn.lstm_step_backward(np.ones((2, 5)), np.ones((5, 2)), lstm_cache)),
        ("dh", lambda: rnn.lstm_backward(np.ones((2, 3, 4)), rnn.lstm_forward(*lstm_args)[1])),
        ("dout", lambda: rnn.word_embedding_backward(np.ones((2, 3)), rnn.word_embedding_forward(
            np.zeros((2, 3), dtype=int), np.ones((4, 5)))[1])),
        ("dout", lambda: rnn.temporal_affine_backward(np.ones((2, 3, 4)), rnn.temporal_affine_forward(
            np.ones((2, 3, 4)), np.ones((4, 5)), np.ones(5))[1])),
    ]
    for argument, call in calls:
        with pytest.raises(ValueError, match=rf"^{re.escape(argument)} must have the output's shape"):
            call()


# ---------------------------------------------------------------------------------------------------
# against PyTorch, if installed

def torch_or_skip():
    torch = pytest.importorskip("torch", reason=TORCH_MISSING)
    torch.manual_seed(0)
    return torch


def torch_tensor(torch, a):
    return torch.tensor(a, dtype=torch.float64, requires_grad=True)


def test_rnn_matches_torch_nn_rnn():
    """nn.RNN (tanh, batch_first) with weight_ih = Wx^T, weight_hh = Wh^T and b split into its two biases."""
    torch = torch_or_skip()
    N, T, D, H = 3, 5, 4, 6
    x, h0, Wx, Wh, b = sequence(N, T, D, H, seed=34)
    b_hh = np.random.default_rng(35).standard_normal(H)
    dh = np.random.default_rng(36).standard_normal((N, T, H))
    layer = torch.nn.RNN(D, H, nonlinearity="tanh", batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        for parameter, value in [(layer.weight_ih_l0, Wx.T), (layer.weight_hh_l0, Wh.T), (layer.bias_ih_l0, b - b_hh),
                                 (layer.bias_hh_l0, b_hh)]:
            parameter.copy_(torch.from_numpy(np.ascontiguousarray(value)))
    x_t, h0_t = torch_tensor(torch, x), torch_tensor(torch, h0[None])
    out, _ = layer(x_t, h0_t)
    (out * torch.from_numpy(dh)).sum().backward()

    h, cache = rnn.rnn_forward(x, h0, Wx, Wh, b)
    dx, dh0, dWx, dWh, db = rnn.rnn_backward(dh, cache)
    np.testing.assert_allclose(h, out.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dx, x_t.grad.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(dh0, h0_t.grad.numpy()[0], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(dWx, layer.weight_ih_l0.grad.numpy().T, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(dWh, layer.weight_hh_l0.grad.numpy().T, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(db, layer.bias_ih_l0.grad.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(db, layer.bias_hh_l0.grad.numpy(), rtol=1e-10, atol=1e-13)


def test_lstm_matches_torch_nn_lstm():
    """nn.LSTM (batch_first, c0 = 0): torch's gate blocks are i, f, g, o, nclib's i, f, o, g."""
    torch = torch_or_skip()
    N, T, D, H = 3, 5, 4, 6
    x, h0, Wx, Wh, b = sequence(N, T, D, H, seed=37, gates=4)
    b_hh = np.random.default_rng(38).standard_normal(4 * H)
    dh = np.random.default_rng(39).standard_normal((N, T, H))
    # torch's block k is nclib's block (0, 1, 3, 2)[k]
    to_torch = np.concatenate([np.arange(k * H, (k + 1) * H) for k in (0, 1, 3, 2)])
    layer = torch.nn.LSTM(D, H, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        for parameter, value in [(layer.weight_ih_l0, Wx[:, to_torch].T), (layer.weight_hh_l0, Wh[:, to_torch].T),
                                 (layer.bias_ih_l0, b[to_torch] - b_hh), (layer.bias_hh_l0, b_hh)]:
            parameter.copy_(torch.from_numpy(np.ascontiguousarray(value)))
    x_t, h0_t = torch_tensor(torch, x), torch_tensor(torch, h0[None])
    out, _ = layer(x_t, (h0_t, torch.zeros(1, N, H, dtype=torch.float64)))
    (out * torch.from_numpy(dh)).sum().backward()

    def from_torch(grad):
        """A (4H, ...) gradient of torch's in nclib's layout: (..., 4H), blocks i, f, o, g."""
        ours = np.empty(grad.shape[::-1])
        ours[..., to_torch] = grad.numpy().T
        return ours

    h, cache = rnn.lstm_forward(x, h0, Wx, Wh, b)
    dx, dh0, dWx, dWh, db = rnn.lstm_backward(dh, cache)
    np.testing.assert_allclose(h, out.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dx, x_t.grad.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(dh0, h0_t.grad.numpy()[0], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(dWx, from_torch(layer.weight_ih_l0.grad), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(dWh, from_torch(layer.weight_hh_l0.grad), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(db, from_torch(layer.bias_ih_l0.grad), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(db, from_torch(layer.bias_hh_l0.grad), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("max_norm", [0.5, 5.0, 50.0])
def test_clip_gradients_matches_torch_clip_grad_norm(max_norm):
    torch = torch_or_skip()
    rng = np.random.default_rng(40)
    grads = {"Wx": 2 * rng.standard_normal((4, 5)), "Wh": rng.standard_normal((5, 5)), "b": rng.standard_normal(5)}
    parameters = []
    for g in grads.values():
        parameter = torch.zeros(g.shape, dtype=torch.float64, requires_grad=True)
        parameter.grad = torch.from_numpy(g.copy())
        parameters.append(parameter)
    torch_norm = torch.nn.utils.clip_grad_norm_(parameters, max_norm)
    clipped, total_norm = rnn.clip_gradients(grads, max_norm)
    assert total_norm == pytest.approx(float(torch_norm), rel=1e-14)
    for key, parameter in zip(grads, parameters):
        np.testing.assert_allclose(clipped[key], parameter.grad.numpy(), rtol=1e-14)
