"""Code that notebooks hand out in locked cells (an earlier assignment's solutions, a model to train) agrees
with the nclib reference it stands for."""
import ast

import numpy as np
import pytest

from conftest import ASSIGNMENTS, ROOT
from coursetools import notebooks
from nclib.gradcheck import eval_numerical_gradient, rel_error
from nclib import batchnorm, layers, losses, models, optim, rnn, vae


def given_namespace(assignment, *grade_ids, **names):
    """The names that locked given cells of source/<assignment> define, run in order with numpy as np and the
    given names (what other cells of the notebook would define)."""
    nb = notebooks.read(ROOT / "source" / assignment / f"{assignment}.ipynb")
    namespace = {"np": np, **names}
    for grade_id in grade_ids:
        cell = notebooks.cells_by_id(nb)[grade_id]
        meta = notebooks.meta(cell)
        assert meta.get("locked") and not meta.get("solution") and not meta.get("grade"), f"{grade_id} is not given code"
        exec(cell.source, namespace)
    return namespace


GIVEN_LAYER_CELLS = [("fc_net", "given_layers"), ("conv_backward", "given_fast"),
                     ("batchnorm_backward", "given_deep_net"), ("vae_kl", "given_layers"),
                     ("autoencoders", "given_layers")]
GIVEN_SOFTMAX_CELLS = [("fc_net", "given_layers"), ("conv_backward", "given_fast"),
                       ("batchnorm_backward", "given_deep_net"), ("autoencoders", "given_layers")]
GIVEN_ADAM_CELLS = [("conv_backward", "given_fast"), ("batchnorm_backward", "given_deep_net"),
                    ("vae_kl", "given_layers"), ("rnn_bptt", "given_sequence_layers")]
# What the rnn_bptt notebook's students write, for its given cells that call it
RNN_STUDENT_FUNCTIONS = {name: getattr(rnn, name) for name in (
    "rnn_forward", "rnn_backward", "lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward",
    "temporal_softmax_loss", "clip_gradients")}


def defined_names(source):
    """The functions and classes a cell defines at its top level."""
    return {node.name for node in ast.parse(source).body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_given_cells_define_nothing_students_write(assignment):
    """A locked given cell that defined a graded function would hand out its answer (and, run after the
    student's cell, replace it)."""
    nb = notebooks.read(ROOT / "source" / assignment / f"{assignment}.ipynb")
    written = {name for cell in notebooks.solution_cells(nb).values() if cell.cell_type == "code"
               for name in defined_names(cell.source)}
    assert written, f"{assignment}: no function in its solution cells"
    for grade_id, cell in notebooks.cells_by_id(nb).items():
        meta = notebooks.meta(cell)
        if cell.cell_type == "code" and meta.get("locked") and not meta.get("solution") and not meta.get("grade"):
            clash = defined_names(cell.source) & written
            assert not clash, f"{assignment}: the given cell {grade_id} defines {sorted(clash)}, which students write"


@pytest.mark.parametrize("assignment,grade_id", GIVEN_LAYER_CELLS)
def test_given_layers_are_the_reference(assignment, grade_id):
    given = given_namespace(assignment, grade_id)
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((4, 2, 3)), rng.standard_normal((6, 5)), rng.standard_normal(5)
    dout = rng.standard_normal((4, 5))
    np.testing.assert_allclose(given["affine_forward"](x, w, b)[0], layers.affine_forward(x, w, b)[0], rtol=1e-12)
    for a, e in zip(given["affine_backward"](dout, (x, w, b)), layers.affine_backward(dout, (x, w, b))):
        np.testing.assert_allclose(a, e, rtol=1e-12)
    z = rng.standard_normal((3, 4))
    np.testing.assert_array_equal(given["relu_forward"](z)[0], layers.relu_forward(z)[0])
    np.testing.assert_array_equal(given["relu_backward"](dout[:3, :4], z), layers.relu_backward(dout[:3, :4], z))


@pytest.mark.parametrize("assignment,grade_id", GIVEN_SOFTMAX_CELLS)
def test_given_softmax_loss_is_the_reference(assignment, grade_id):
    given = given_namespace(assignment, grade_id)
    rng = np.random.default_rng(0)
    scores, y = 50 * rng.standard_normal((6, 4)) + 1000, rng.integers(4, size=6)
    loss, dscores = given["softmax_loss"](scores, y)
    expected_loss, expected_dscores = losses.softmax_loss(scores, y)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    np.testing.assert_allclose(dscores, expected_dscores, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("assignment,grade_id", GIVEN_ADAM_CELLS)
def test_given_adam_is_the_reference(assignment, grade_id):
    adam = given_namespace(assignment, grade_id)["adam"]
    rng = np.random.default_rng(1)
    w = rng.standard_normal((3, 4))
    given_config, reference_config = {"learning_rate": 0.01}, {"learning_rate": 0.01}
    given_w, reference_w = w, w
    for _ in range(3):
        dw = rng.standard_normal(w.shape)
        given_w, given_config = adam(given_w, dw, given_config)
        reference_w, reference_config = optim.adam(reference_w, dw, reference_config)
        np.testing.assert_allclose(given_w, reference_w, rtol=1e-12)
    assert given_config["t"] == reference_config["t"] == 3


@pytest.mark.parametrize("reg", [0.0, 0.3])
def test_given_convnet_is_the_reference(reg):
    given = given_namespace("conv_backward", "given_fast")["ThreeLayerConvNet"]
    options = dict(input_dim=(2, 6, 4), num_filters=3, filter_size=3, hidden_dim=5, num_classes=4, reg=reg, seed=7)
    net, reference = given(**options), models.ThreeLayerConvNet(**options)
    assert set(net.params) == set(reference.params)
    for name in reference.params:
        np.testing.assert_array_equal(net.params[name], reference.params[name])
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((5, 2 * 6 * 4)), rng.integers(4, size=5)
    np.testing.assert_allclose(net.loss(X), reference.loss(X), rtol=1e-12)
    loss, grads = net.loss(X, y)
    expected_loss, expected_grads = reference.loss(X, y)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    for name in expected_grads:
        np.testing.assert_allclose(grads[name], expected_grads[name], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("kind", ["bce", "squared"])
def test_given_reconstruction_loss_is_the_reference(kind):
    given = given_namespace("vae_kl", "given_layers")
    rng = np.random.default_rng(3)
    logits, x = 30 * rng.standard_normal((5, 7)), rng.uniform(size=(5, 7))
    logits[0, :2] = [800.0, -800.0]
    np.testing.assert_allclose(given["sigmoid"](logits), layers.sigmoid(logits), rtol=1e-12)
    for a, e in zip(given["reconstruction_loss"](logits, x, kind), vae.reconstruction_loss(logits, x, kind)):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-300)
    with pytest.raises(ValueError, match="kind"):
        given["reconstruction_loss"](logits, x, "l1")


@pytest.mark.parametrize("beta, recon", [(1.0, "bce"), (0.0, "squared")])
def test_given_vae_is_the_reference(beta, recon):
    """The notebook's VAE, run with the reference vae_loss, is nclib.models.VAE: the same initial parameters,
    the same noise at every training call, and the same codes, images and samples."""
    given = given_namespace("vae_kl", "given_layers", "given_vae", vae_loss=vae.vae_loss)
    options = dict(input_dim=12, hidden_dim=6, latent_dim=3, beta=beta, recon=recon, seed=4)
    net, reference = given["VAE"](**options), models.VAE(**options)
    assert set(net.params) == set(reference.params)
    for name in reference.params:
        np.testing.assert_array_equal(net.params[name], reference.params[name])
    X = np.random.default_rng(5).uniform(size=(4, 12))
    for _ in range(2):
        loss, grads = net.loss(X)
        expected_loss, expected_grads = reference.loss(X)
        assert loss == pytest.approx(expected_loss, rel=1e-12)
        for name in expected_grads:
            np.testing.assert_allclose(grads[name], expected_grads[name], rtol=1e-10, atol=1e-14)
    assert net.objective(X, seed=1) == pytest.approx(reference.objective(X, seed=1), rel=1e-12)
    for a, e in zip(net.encode(X), reference.encode(X)):
        np.testing.assert_allclose(a, e, rtol=1e-12)
    np.testing.assert_allclose(net.reconstruct(X), reference.reconstruct(X), rtol=1e-12)
    np.testing.assert_allclose(net.sample(3, seed=2), reference.sample(3, seed=2), rtol=1e-12)


def test_given_example_batch_holds_the_reference_cache():
    """The backward tests of batchnorm_backward start from this written-out cache instead of the student's
    forward pass: it must be what the reference forward returns for the batch, and new arrays at every call."""
    example_batch = given_namespace("batchnorm_backward", "given_example_batch")["example_batch"]
    x, gamma, beta, dout, cache = example_batch()
    _, expected = batchnorm.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    assert len(cache) == len(expected) and cache[5] == expected[5] == "train"
    for given_array, reference_array in zip(cache[:5], expected[:5]):
        np.testing.assert_allclose(given_array, reference_array, rtol=1e-15, atol=0)
    assert dout.shape == x.shape
    again = example_batch()
    assert not any(np.shares_memory(a, b) for a, b in zip(again[4][:5], cache[:5]))


def assert_all_close(actual, expected):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-15)


def test_given_sequence_layers_are_the_reference():
    """rnn_bptt's temporal affine layer is nclib.rnn's (its Adam: test_given_adam_is_the_reference)."""
    given = given_namespace("rnn_bptt", "given_sequence_layers")
    rng = np.random.default_rng(6)
    N, T, D = 3, 5, 4
    x, w, bias = rng.standard_normal((N, T, D)), rng.standard_normal((D, 6)), rng.standard_normal(6)
    out, affine_cache = given["temporal_affine_forward"](x, w, bias)
    expected_out, expected_affine_cache = rnn.temporal_affine_forward(x, w, bias)
    np.testing.assert_allclose(out, expected_out, rtol=1e-12)
    dout = rng.standard_normal(out.shape)
    assert_all_close(given["temporal_affine_backward"](dout, affine_cache),
                     rnn.temporal_affine_backward(dout, expected_affine_cache))


@pytest.mark.parametrize("cell, first_step, max_norm", [("rnn", 0, None), ("rnn", 3, 0.5), ("lstm", 2, 1.0)])
def test_given_row_rnn_is_the_reference(cell, first_step, max_norm):
    """The notebook's RowRNN, run with the reference functions, is nclib.models.RowRNN."""
    given = given_namespace("rnn_bptt", "given_sequence_layers", "given_model", Solver=None, **RNN_STUDENT_FUNCTIONS)
    options = dict(hidden_dim=5, num_classes=4, row_dim=3, num_rows=4, cell=cell, first_step=first_step,
                   max_norm=max_norm, seed=7)
    net, reference = given["RowRNN"](**options), models.RowRNN(**options)
    assert set(net.params) == set(reference.params)
    for name in reference.params:
        np.testing.assert_array_equal(net.params[name], reference.params[name])
    rng = np.random.default_rng(8)
    X, y = rng.standard_normal((6, 12)), rng.integers(4, size=6)
    np.testing.assert_allclose(net.loss(X), reference.loss(X), rtol=1e-12)
    np.testing.assert_allclose(net.step_scores(X), reference.step_scores(X), rtol=1e-12)
    loss, grads = net.loss(X, y)
    expected_loss, expected_grads = reference.loss(X, y)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    for name in expected_grads:
        np.testing.assert_allclose(grads[name], expected_grads[name], rtol=1e-10, atol=1e-14)


def test_given_examples_hold_the_reference_caches():
    """The backward tests of rnn_bptt start from these written-out caches instead of the student's forward
    functions: they must be what the reference forwards return for the examples' inputs."""
    given = given_namespace("rnn_bptt", "given_examples", "given_example_lstm", "given_example_lstm_sequence")
    x, h_prev, Wx, Wh, b, dnext_h, cache = given["example_step"]()
    assert_all_close(cache, rnn.rnn_step_forward(x, h_prev, Wx, Wh, b)[1])
    assert dnext_h.shape == cache[5].shape
    x, h0, Wx, Wh, b, dh, cache = given["example_sequence"]()
    _, expected_cache = rnn.rnn_forward(x, h0, Wx, Wh, b)
    for step_cache, expected in zip(cache, expected_cache, strict=True):
        assert_all_close(step_cache, expected)
    assert dh.shape == (x.shape[0], x.shape[1], h0.shape[1])
    x, prev_h, prev_c, Wx, Wh, b, dnext_h, dnext_c, cache = given["example_lstm_step"]()
    assert_all_close(cache, rnn.lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)[2])
    assert dnext_h.shape == dnext_c.shape == prev_h.shape
    x, h0, Wx, Wh, b, dh, cache = given["example_lstm_sequence"]()
    _, expected_cache = rnn.lstm_forward(x, h0, Wx, Wh, b)
    for step_cache, expected in zip(cache, expected_cache, strict=True):
        assert_all_close(step_cache, expected)
    assert dh.shape == (x.shape[0], x.shape[1], h0.shape[1])


@pytest.mark.parametrize("output_loss", ["mse", "bce"])
def test_given_sigmoid_net_gradients_are_numerical(output_loss):
    """autoencoders' sigmoid-output net, run with the reference losses, differentiates its loss: MSE through the
    sigmoid (sigma' multiplied in), BCE from the logits."""
    given = given_namespace("autoencoders", "given_layers", "given_sigmoid_net",
                            mse_loss=losses.mse_loss, bce_loss=losses.bce_loss)
    rng = np.random.default_rng(1)
    params = {"W1": rng.standard_normal((5, 4)), "b1": rng.standard_normal(4), "W2": rng.standard_normal((4, 3)),
              "b2": rng.standard_normal(3)}
    X, Y = rng.standard_normal((6, 5)), np.eye(3)[rng.integers(3, size=6)]
    _, grads = given["sigmoid_net_loss"](params, X, Y, output_loss)
    for name, value in params.items():
        def loss_of(w, name=name):
            return given["sigmoid_net_loss"]({**params, name: w}, X, Y, output_loss)[0]
        assert rel_error(grads[name], eval_numerical_gradient(loss_of, value.copy())) < 1e-7, name


def test_given_sigmoid_net_training_is_deterministic_and_learns():
    given = given_namespace("autoencoders", "given_layers", "given_sigmoid_net",
                            mse_loss=losses.mse_loss, bce_loss=losses.bce_loss)
    from nclib.data import load_digits
    digits = load_digits(seed=0)
    first = given["train_sigmoid_net"](digits, "bce", 2)
    second = given["train_sigmoid_net"](digits, "bce", 2)
    assert first[1] == second[1] and len(first[1]) == 2
    assert first[2][-1] > 0.9
