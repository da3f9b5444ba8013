"""Specs of the rnn_bptt assignment: a vanilla RNN's step and sequence forward and backward (backpropagation
through time), the temporal softmax loss under a mask, clipping by the global norm, and an LSTM's step and
sequence forward and backward.

Every backward is given the cache the reference's forward made, so that a bug in the student's forward costs
the forward's points only; the notebook prescribes the caches' layout (the reference's docstrings)."""
import numpy as np

from nclib import rnn
from nclib.grading.engine import Spec, compare_cases, forward_spec

STEP_SHAPES = [  # N, D, H
    (3, 4, 5),
    (1, 3, 4),      # a batch of one
    (4, 1, 3),      # one input feature
    (2, 5, 1),      # one hidden unit
    (4, 3, 4),      # N == H: a sum over the wrong axis keeps db's shape
]
SEQUENCE_SHAPES = [  # N, T, D, H
    (3, 4, 5, 4),
    (1, 5, 3, 2),   # a batch of one
    (2, 1, 4, 3),   # one step
    (2, 6, 2, 1),   # one hidden unit
    (3, 8, 3, 3),   # N == H, eight steps
]


def _weights(rng, D, H, gates=1, scale=1.0):
    """Wx (D, gates H), Wh (H, gates H) and b (gates H,), scaled so that the activations stay O(scale)."""
    return (scale * rng.standard_normal((D, gates * H)) / np.sqrt(D),
            scale * rng.standard_normal((H, gates * H)) / np.sqrt(H),
            0.5 * scale * rng.standard_normal(gates * H))


def _rnn_step_cases(seed):
    """(x, h_prev, Wx, Wh, b) of STEP_SHAPES, and one with weights three times as large (tanh saturating)."""
    rng = np.random.default_rng(seed)
    cases = []
    for (N, D, H), scale in [(shape, 1.0) for shape in STEP_SHAPES] + [((3, 4, 5), 3.0)]:
        x, h_prev = rng.standard_normal((N, D)), rng.uniform(-1.0, 1.0, (N, H))
        description = f"x {x.shape}, h_prev {h_prev.shape}" + (", large weights" if scale > 1 else "")
        cases.append(((x, h_prev) + _weights(rng, D, H, scale=scale), description))
    return cases


def _rnn_step_backward(name, student_fn, reference):
    rng = np.random.default_rng(42)
    cases = []
    for args, description in _rnn_step_cases(41):
        next_h, cache = rnn.rnn_step_forward(*args)
        cases.append(((rng.standard_normal(next_h.shape), cache), description))
    compare_cases(name, student_fn, reference, cases, ["dx", "dh_prev", "dWx", "dWh", "db"])


def _sequence_cases(seed, gates=1):
    """(x, h0, Wx, Wh, b) of SEQUENCE_SHAPES; with gates=1, also eight steps of recurrent weights of
    spectral radius about 1.5, where what flows back through time grows; with gates=4 (an LSTM), also ten
    steps with the forget gate's bias at 3 (f about 0.95), where the cell state carries most of what flows
    forward and back."""
    rng = np.random.default_rng(seed)
    cases = []
    for N, T, D, H in SEQUENCE_SHAPES:
        x, h0 = rng.standard_normal((N, T, D)), rng.uniform(-1.0, 1.0, (N, H))
        cases.append(((x, h0) + _weights(rng, D, H, gates), f"x {x.shape}, h0 {h0.shape}"))
    if gates == 1:
        x, h0 = 0.3 * rng.standard_normal((2, 8, 3)), rng.uniform(-0.5, 0.5, (2, 4))
        Wx, _, b = _weights(rng, 3, 4, scale=0.3)
        Wh = 1.5 * np.linalg.qr(rng.standard_normal((4, 4)))[0]
        cases.append(((x, h0, Wx, Wh, b), f"x {x.shape}, h0 {h0.shape}, large recurrent weights"))
    if gates == 4:
        x, h0 = rng.standard_normal((2, 10, 3)), rng.uniform(-1.0, 1.0, (2, 4))
        Wx, Wh, b = _weights(rng, 3, 4, gates=4)
        b[4:8] = 3.0
        cases.append(((x, h0, Wx, Wh, b), f"x {x.shape}, h0 {h0.shape}, forget gate bias 3"))
    return cases


def _lstm_sequence_cases(seed):
    return _sequence_cases(seed, gates=4)


def _rnn_backward(name, student_fn, reference):
    """dh random at every step, and in one more case zero but at the last step (a loss on h_T only), where
    every other step's gradient is what flows back through time."""
    rng = np.random.default_rng(44)
    cases = []
    for args, description in _sequence_cases(43):
        h, cache = rnn.rnn_forward(*args)
        cases.append(((rng.standard_normal(h.shape), cache), description))
    args, description = _sequence_cases(45)[0]
    h, cache = rnn.rnn_forward(*args)
    dh = np.zeros(h.shape)
    dh[:, -1] = rng.standard_normal((h.shape[0], h.shape[2]))
    cases.append(((dh, cache), description + ", an upstream gradient at the last step only"))
    compare_cases(name, student_fn, reference, cases, ["dx", "dh0", "dWx", "dWh", "db"])


def _temporal_softmax_loss(name, student_fn, reference):
    rng = np.random.default_rng(46)
    cases = []
    for N, T, V, kind in [(3, 4, 5, "random"), (2, 5, 4, "all True"), (4, 6, 3, "a row all False"),
                          (3, 7, 4, "zeros in the middle"), (1, 4, 6, "random"), (5, 1, 4, "random"),
                          (2, 3, 4, "all False"), (3, 4, 5, "large scores")]:
        x, y = rng.standard_normal((N, T, V)), rng.integers(V, size=(N, T))
        mask = rng.random((N, T)) < 0.7
        if kind in ("all True", "all False"):
            mask[:] = kind == "all True"
        if kind == "a row all False":
            mask[1] = False
        if kind == "zeros in the middle":
            mask[:] = True
            mask[0, 2:5], mask[2, 1] = False, False
        if kind == "large scores":
            # a large offset (exp overflows unless the maximum is subtracted) and a moderate spread, so that
            # the textbook log of the shifted probabilities does not underflow to log(0)
            x = 10.0 * x + 5000.0
        cases.append(((x, y, mask), f"x {x.shape}, " + (kind if kind == "large scores" else f"mask {kind}")))
    compare_cases(name, student_fn, reference, cases, ["loss", "dx"])


def _clip_gradients(name, student_fn, reference):
    """Norms below and above max_norm, one array or several; a global norm above max_norm while every
    element, and every array's own norm, is below it; and a gradient of zeros."""
    rng = np.random.default_rng(47)
    shapes = {"Wx": (4, 5), "Wh": (5, 5), "b": (5,)}
    cases = []
    for max_norm, target, kind in [(5.0, 12.0, "above"), (5.0, 3.0, "below"), (0.5, 8.0, "above"),
                                   (2.5, 2.0, "below")]:
        grads = {key: rng.standard_normal(shape) for key, shape in shapes.items()}
        total = np.sqrt(sum(np.sum(g * g) for g in grads.values()))
        grads = {key: g * target / total for key, g in grads.items()}
        cases.append(((grads, max_norm), f"3 arrays, global norm {kind} max_norm={max_norm:g}"))
    grads = {"W": rng.standard_normal((3, 3))}
    cases.append(((grads, 1.0), "one array, its norm above max_norm=1"))
    grads = {"W": 0.05 * rng.standard_normal((6, 4)), "b": np.array([40.0, -0.1, 0.2])}
    cases.append(((grads, 10.0), "2 arrays, one element far above max_norm=10"))
    grads = {key: rng.uniform(0.5, 0.9, (20,)) * rng.choice([-1.0, 1.0], 20) for key in ("a", "b", "c")}
    cases.append(((grads, 4.0), "3 arrays, every element and every array's norm below max_norm=4, "
                                "the global norm above"))
    cases.append((({"W": np.zeros((2, 3)), "b": np.zeros(3)}, 1.0), "2 arrays of zeros, max_norm=1"))
    compare_cases(name, student_fn, reference, cases, ["clipped", "total_norm"])


def _lstm_step_cases(seed):
    """(x, prev_h, prev_c, Wx, Wh, b) of STEP_SHAPES, and one with weights four times as large (saturating
    gates)."""
    rng = np.random.default_rng(seed)
    cases = []
    for (N, D, H), scale in [(shape, 1.0) for shape in STEP_SHAPES] + [((3, 4, 5), 4.0)]:
        x, prev_h, prev_c = rng.standard_normal((N, D)), rng.uniform(-1.0, 1.0, (N, H)), rng.standard_normal((N, H))
        description = f"x {x.shape}, prev_h {prev_h.shape}" + (", large weights" if scale > 1 else "")
        cases.append(((x, prev_h, prev_c) + _weights(rng, D, H, gates=4, scale=scale), description))
    return cases


def _lstm_step_backward(name, student_fn, reference):
    """dnext_h and dnext_c random, and in one more case dnext_c zero (the last step of a sequence)."""
    rng = np.random.default_rng(49)
    cases = []
    for args, description in _lstm_step_cases(48):
        next_h, _, cache = rnn.lstm_step_forward(*args)
        cases.append(((rng.standard_normal(next_h.shape), rng.standard_normal(next_h.shape), cache), description))
    args, description = _lstm_step_cases(50)[0]
    next_h, _, cache = rnn.lstm_step_forward(*args)
    cases.append(((rng.standard_normal(next_h.shape), np.zeros(next_h.shape), cache), description + ", dnext_c zero"))
    compare_cases(name, student_fn, reference, cases, ["dx", "dprev_h", "dprev_c", "dWx", "dWh", "db"])


def _lstm_backward(name, student_fn, reference):
    """dh random at every step, and in one more case zero but at the last step (a loss on h_T only), where
    every other step's gradient is what flows back through time, through h and c."""
    rng = np.random.default_rng(52)
    cases = []
    for args, description in _lstm_sequence_cases(51):
        h, cache = rnn.lstm_forward(*args)
        cases.append(((rng.standard_normal(h.shape), cache), description))
    args, description = _lstm_sequence_cases(53)[0]
    h, cache = rnn.lstm_forward(*args)
    dh = np.zeros(h.shape)
    dh[:, -1] = rng.standard_normal((h.shape[0], h.shape[2]))
    cases.append(((dh, cache), description + ", an upstream gradient at the last step only"))
    compare_cases(name, student_fn, reference, cases, ["dx", "dh0", "dWx", "dWh", "db"])


SPECS = {
    "rnn_step_forward": forward_spec(rnn.rnn_step_forward, _rnn_step_cases, 40, outputs=("next_h",)),
    "rnn_step_backward": Spec(rnn.rnn_step_backward, _rnn_step_backward),
    "rnn_forward": forward_spec(rnn.rnn_forward, _sequence_cases, 43, outputs=("h",)),
    "rnn_backward": Spec(rnn.rnn_backward, _rnn_backward),
    "temporal_softmax_loss": Spec(rnn.temporal_softmax_loss, _temporal_softmax_loss),
    "clip_gradients": Spec(rnn.clip_gradients, _clip_gradients),
    "lstm_step_forward": forward_spec(rnn.lstm_step_forward, _lstm_step_cases, 48, outputs=("next_h", "next_c")),
    "lstm_step_backward": Spec(rnn.lstm_step_backward, _lstm_step_backward),
    "lstm_forward": forward_spec(rnn.lstm_forward, _lstm_sequence_cases, 51, outputs=("h",)),
    "lstm_backward": Spec(rnn.lstm_backward, _lstm_backward),
}
