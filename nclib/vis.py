"""Figures for training runs and learned weights (given to students; matplotlib only).

Each function draws a new figure and returns it without showing it, so that a notebook can add to it
before calling plt.show().
"""
import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import ticker

HISTORY_KEYS = ("loss_history", "train_acc_history", "val_acc_history")


def plot_history(history, title=None, metric_name="accuracy"):
    """Training curves: minibatch loss per iteration (left), train and validation accuracy per epoch (right).

    Args:
        history: dict as returned by train_sgd: loss_history (num_iters floats), train_acc_history and
            val_acc_history (one float per completed epoch, equally long).
        title: optional title of the whole figure.
        metric_name: what the per-epoch histories hold, for the right panel's labels (a Solver's metric).
    Returns:
        matplotlib.figure.Figure with two Axes.
    """
    if not isinstance(history, dict) or any(key not in history for key in HISTORY_KEYS):
        raise ValueError(f"history must be a dict with keys {', '.join(HISTORY_KEYS)}")
    loss = np.asarray(history["loss_history"], dtype=np.float64)
    train_acc = np.asarray(history["train_acc_history"], dtype=np.float64)
    val_acc = np.asarray(history["val_acc_history"], dtype=np.float64)
    if loss.ndim != 1 or train_acc.ndim != 1 or train_acc.shape != val_acc.shape:
        raise ValueError("history: loss_history must be a list of floats, and train_acc_history and "
                         f"val_acc_history lists of equal length (got {train_acc.shape} and {val_acc.shape})")

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)

    iterations = np.arange(1, loss.size + 1)
    # A minibatch loss is noisy; in a long run, a running mean over about 2% of it shows the trend.
    window = loss.size // 50
    ax_loss.plot(iterations, loss, color="tab:blue", alpha=0.35 if window > 1 else 1.0,
                 linewidth=0.8 if window > 1 else 1.5, label="minibatch loss")
    if window > 1:
        smooth = np.convolve(loss, np.ones(window) / window, mode="valid")
        ax_loss.plot(iterations[window - 1:], smooth, color="tab:blue", linewidth=1.8,
                     label=f"running mean ({window} iterations)")
    # When the loss falls by more than a factor of 3, a log scale shows the slow late progress as clearly
    # as the fast early drop.
    if loss.size and np.all(loss > 0) and loss.max() > 3 * loss.min():
        ax_loss.set_yscale("log")
        ax_loss.yaxis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
        ax_loss.yaxis.set_major_formatter(ticker.FormatStrFormatter("%g"))
        ax_loss.yaxis.set_minor_formatter(ticker.NullFormatter())
    ax_loss.set_xlabel("iteration")
    ax_loss.set_ylabel("loss (log scale)" if ax_loss.get_yscale() == "log" else "loss")
    ax_loss.set_title("Training loss")
    if loss.size:
        ax_loss.legend(loc="upper right")
    ax_loss.grid(alpha=0.3)

    epochs = np.arange(1, train_acc.size + 1)
    marker = "o" if train_acc.size <= 30 else None
    ax_acc.plot(epochs, train_acc, marker=marker, color="tab:orange", label="train")
    ax_acc.plot(epochs, val_acc, marker=marker, color="tab:green", label="validation")
    ax_acc.xaxis.set_major_locator(ticker.MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel(metric_name)
    ax_acc.set_title("Classification accuracy" if metric_name == "accuracy" else metric_name[:1].upper() + metric_name[1:])
    if train_acc.size:
        ax_acc.legend(loc="lower right")
    ax_acc.grid(alpha=0.3)

    if title is not None:
        fig.suptitle(title)
    return fig


def show_weight_images(W, image_shape=(8, 8), ncols=16, title=None):
    """Each column of a weight matrix as a small image, all on one colour scale symmetric about zero.

    The images are tiled into one mosaic, separated by grey lines. Red is positive, blue negative and white
    zero, with the same colour for the same value in every image, so that the images can be compared.

    Args:
        W: (D, H) weights, one column per hidden unit, with D = prod(image_shape).
        image_shape: (height, width) of one image.
        ncols: number of images per row of the mosaic.
        title: optional title of the figure.
    Returns:
        matplotlib.figure.Figure with one Axes (the mosaic) and a colour bar.
    """
    W = np.asarray(W, dtype=np.float64)
    image_shape = tuple(int(n) for n in image_shape)
    if len(image_shape) != 2 or W.ndim != 2 or W.shape[0] != math.prod(image_shape) or W.shape[1] == 0:
        raise ValueError(f"W must have shape (D={math.prod(image_shape)}, H) with H >= 1 and image_shape "
                         f"(height, width), got W {W.shape} and image_shape {image_shape}")
    if int(ncols) < 1:
        raise ValueError(f"ncols must be a positive int, got {ncols}")
    height, width = image_shape
    num_images = W.shape[1]
    ncols = min(int(ncols), num_images)
    nrows = math.ceil(num_images / ncols)

    # One image with NaN separators draws much faster than one Axes per unit.
    mosaic = np.full((nrows * (height + 1) - 1, ncols * (width + 1) - 1), np.nan)
    for index in range(num_images):
        row, col = divmod(index, ncols)
        top, left = row * (height + 1), col * (width + 1)
        mosaic[top:top + height, left:left + width] = W[:, index].reshape(image_shape)
    limit = float(np.max(np.abs(W)))
    limit = limit if limit > 0 else 1.0
    cmap = plt.get_cmap("RdBu_r").copy()
    cmap.set_bad("0.55")

    fig, ax = plt.subplots(figsize=(0.55 * ncols + 1.5, 0.55 * nrows + 0.8), constrained_layout=True)
    image = ax.imshow(mosaic, cmap=cmap, vmin=-limit, vmax=limit, interpolation="nearest")
    ax.set_axis_off()
    fig.colorbar(image, ax=ax, shrink=0.9, label="weight")
    if title is not None:
        ax.set_title(title)
    return fig


def show_images(X, image_shape=(8, 8), ncols=10, ax=None, title=None):
    """Rows of X as one mosaic of grey images (black 0, white 1), separated by grey lines: data,
    reconstructions, samples.

    Args:
        X: (N, H * W) images with values in [0, 1], one per row.
        image_shape: (H, W).
        ncols: images per row of the mosaic.
        ax: the matplotlib Axes to draw in; None draws a new figure.
        title: optional title of the Axes.
    Returns:
        the matplotlib.figure.Figure drawn in.
    """
    X = np.asarray(X, dtype=np.float64)
    H, W = (int(n) for n in image_shape)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] != H * W:
        raise ValueError(f"X must have shape (N, {H * W}) with N >= 1, got {X.shape}")
    ncols = min(int(ncols), X.shape[0])
    nrows = math.ceil(X.shape[0] / ncols)
    mosaic = np.full((nrows * (H + 1) + 1, ncols * (W + 1) + 1), 0.5)
    for i, image in enumerate(X):
        row, col = divmod(i, ncols)
        mosaic[1 + row * (H + 1):(row + 1) * (H + 1), 1 + col * (W + 1):(col + 1) * (W + 1)] = image.reshape(H, W)
    if ax is None:
        _, ax = plt.subplots(figsize=(0.45 * ncols + 0.5, 0.45 * nrows + 0.5), constrained_layout=True)
    ax.imshow(mosaic, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title)
    return ax.figure
