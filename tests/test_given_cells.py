"""Code that notebooks hand out in locked cells (an earlier assignment's solutions, a model to train) agrees
with the nclib reference it stands for."""
import numpy as np
import pytest

from conftest import ROOT
from coursetools import notebooks
from nclib import layers, losses, models, optim


def given_namespace(assignment, grade_id):
    """The names a locked given cell of source/<assignment> defines, run with numpy as np."""
    nb = notebooks.read(ROOT / "source" / assignment / f"{assignment}.ipynb")
    cell = notebooks.cells_by_id(nb)[grade_id]
    meta = notebooks.meta(cell)
    assert meta.get("locked") and not meta.get("solution") and not meta.get("grade"), f"{grade_id} is not given code"
    namespace = {"np": np}
    exec(cell.source, namespace)
    return namespace


GIVEN_LAYER_CELLS = [("fc_net", "given_layers"), ("conv_backward", "given_fast"),
                     ("batchnorm_backward", "given_deep_net")]
GIVEN_ADAM_CELLS = [("conv_backward", "given_fast"), ("batchnorm_backward", "given_deep_net")]


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
