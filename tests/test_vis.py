"""nclib.vis: the figures the notebooks draw (labels, the images' placement, errors for bad input)."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nclib.vis import plot_history, show_images  # noqa: E402

HISTORY = {"loss_history": [2.0, 1.0, 0.5, 0.4], "train_acc_history": [0.5, 0.8], "val_acc_history": [0.4, 0.7]}


def teardown_function():
    plt.close("all")


def test_plot_history_labels_accuracy_by_default():
    right = plot_history(HISTORY).axes[1]
    assert right.get_ylabel() == "accuracy" and right.get_title() == "Classification accuracy"
    np.testing.assert_array_equal(right.lines[1].get_ydata(), HISTORY["val_acc_history"])


def test_plot_history_labels_a_solver_metric():
    right = plot_history(HISTORY, metric_name="minus the loss (ELBO)").axes[1]
    assert right.get_ylabel() == "minus the loss (ELBO)" and right.get_title() == "Minus the loss (ELBO)"


def test_show_images_places_each_image_in_its_cell_of_the_mosaic():
    X = np.random.default_rng(0).uniform(size=(7, 12))
    fig = show_images(X, image_shape=(3, 4), ncols=3, title="seven images")
    ax = fig.axes[0]
    mosaic = np.asarray(ax.images[0].get_array())
    assert mosaic.shape == (3 * 4 + 1, 3 * 5 + 1)  # three rows of three images of 3 x 4, one-pixel lines
    for i, image in enumerate(X):
        row, col = divmod(i, 3)
        np.testing.assert_array_equal(mosaic[1 + 4 * row:4 * row + 4, 1 + 5 * col:5 * col + 5], image.reshape(3, 4))
    np.testing.assert_array_equal(mosaic[-4:-1, -5:-1], 0.5)  # the two empty cells are grey
    assert ax.get_title() == "seven images"
    assert ax.images[0].get_clim() == (0.0, 1.0)


def test_show_images_draws_into_a_given_axes():
    fig, axes = plt.subplots(1, 2)
    assert show_images(np.zeros((2, 64)), ax=axes[1]) is fig
    assert len(axes[1].images) == 1 and not axes[0].images


@pytest.mark.parametrize("X", [np.zeros((0, 64)), np.zeros(64), np.zeros((3, 63))])
def test_show_images_rejects_a_wrong_shape(X):
    with pytest.raises(ValueError, match="X must have shape"):
        show_images(X)
