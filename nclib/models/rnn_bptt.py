"""The rnn_bptt assignment's model: RowRNN, a recurrent classifier that reads an image row by row."""
import numpy as np

from nclib import rnn
from nclib.input_checks import checked_choice, checked_int, checked_rows
from nclib.models._arguments import check_sizes

CELLS = {"rnn": (rnn.rnn_forward, rnn.rnn_backward, 1), "lstm": (rnn.lstm_forward, rnn.lstm_backward, 4)}


class RowRNN:
    """Reads an image of num_rows rows of row_dim pixels (X (N, num_rows * row_dim), one row per time step)
    with a vanilla RNN or an LSTM from h0 = 0, scores the classes at every step with one affine layer shared
    by the steps, and is trained on the temporal softmax loss of the steps t >= first_step (0-based) with
    every step's label the image's.

    Args:
        hidden_dim: H; num_classes: C; row_dim: D; num_rows: T.
        cell: "rnn" or "lstm".
        first_step: the first step the loss counts, in 0..T-1 (0: every step).
        max_norm: clip the gradients to this global norm (nclib.rnn.clip_gradients), None: no clipping.
        seed: seed of the initial weights.
    Attributes:
        params: Wx (D, gH), Wh (H, gH), b (gH,) with g = 1 (rnn) or 4 (lstm, gate order i, f, o, g), W_out
            (H, C), b_out (C,). Wx and W_out start at N(0, 1 / fan_in); the RNN's Wh is 0.9 times a random
            orthogonal matrix (spectral radius 0.9), the LSTM's N(0, 1 / H); biases at zero, but the LSTM's
            forget gate at 1.
    """

    def __init__(self, hidden_dim=64, num_classes=10, row_dim=8, num_rows=8, cell="rnn", first_step=0,
                 max_norm=None, seed=0):
        check_sizes(hidden_dim=hidden_dim, num_classes=num_classes, row_dim=row_dim, num_rows=num_rows)
        checked_choice(cell, sorted(CELLS), "cell")
        checked_int(first_step, 0, "first_step")
        if first_step >= num_rows:
            raise ValueError(f"first_step must be below num_rows={num_rows}, got {first_step}")
        if max_norm is not None and not max_norm > 0:
            raise ValueError(f"max_norm must be None or positive, got {max_norm!r}")
        self.row_dim, self.num_rows, self.cell = row_dim, num_rows, cell
        self.first_step, self.max_norm = first_step, max_norm
        H, gates = hidden_dim, CELLS[cell][2]
        rng = np.random.default_rng(seed)
        Wx = rng.standard_normal((row_dim, gates * H)) / np.sqrt(row_dim)
        if cell == "rnn":
            Wh = 0.9 * np.linalg.qr(rng.standard_normal((H, H)))[0]
        else:
            Wh = rng.standard_normal((H, gates * H)) / np.sqrt(H)
        b = np.zeros(gates * H)
        if cell == "lstm":
            b[H:2 * H] = 1.0
        self.params = {"Wx": Wx, "Wh": Wh, "b": b,
                       "W_out": rng.standard_normal((H, num_classes)) / np.sqrt(H), "b_out": np.zeros(num_classes)}

    def step_scores(self, X):
        """Scores (N, T, C) of every step for X (N, T * D): scores[:, t] from the first t + 1 rows."""
        return self._forward(X)[0]

    def loss(self, X, y=None):
        """Scores of the last step (N, C) if y is None; else (loss, grads) for the labels y (N,)."""
        scores, caches = self._forward(X)
        if y is None:
            return scores[:, -1]
        N, T = scores.shape[:2]
        mask = np.zeros((N, T), dtype=bool)
        mask[:, self.first_step:] = True
        loss, dscores = rnn.temporal_softmax_loss(scores, np.repeat(np.asarray(y)[:, None], T, axis=1), mask)
        dh, dW_out, db_out = rnn.temporal_affine_backward(dscores, caches[1])
        _, _, dWx, dWh, db = CELLS[self.cell][1](dh, caches[0])
        grads = {"Wx": dWx, "Wh": dWh, "b": db, "W_out": dW_out, "b_out": db_out}
        if self.max_norm is not None:
            grads, _ = rnn.clip_gradients(grads, self.max_norm)
        return loss, grads

    def _forward(self, X):
        X = checked_rows(X, self.num_rows * self.row_dim, "X")
        p = self.params
        x = X.reshape(X.shape[0], self.num_rows, self.row_dim)
        h0 = np.zeros((X.shape[0], p["Wh"].shape[0]))
        h, cell_cache = CELLS[self.cell][0](x, h0, p["Wx"], p["Wh"], p["b"])
        scores, affine_cache = rnn.temporal_affine_forward(h, p["W_out"], p["b_out"])
        return scores, (cell_cache, affine_cache)
