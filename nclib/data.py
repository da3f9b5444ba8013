"""scikit-learn's bundled 8x8 digits, split and preprocessed the same way everywhere (given to students).

The split is fixed: 1797 images, stratified by class, 20% test (360), then 10% of the whole for
validation (180), the rest for training (1257), all drawn with `seed` (0 by default). Preprocessing is
fitted on the training set only: pixel values are divided by 16, then each feature is centred by its
training mean and scaled by the training standard deviation of all pixels (one number, so that blank
border pixels stay blank and no feature is divided by zero).
"""
import importlib.util
import math
from pathlib import Path

import numpy as np

IMAGE_SHAPE = (1, 8, 8)
NUM_CLASSES = 10
TEST_FRACTION = 0.2
VAL_FRACTION = 0.1


def load_digits(seed=0, standardize=True):
    """Load the digits, split into train/val/test.

    Args:
        seed: seed of the stratified split.
        standardize: centre and scale with statistics of the training set (see module docstring);
            if False, pixels are only divided by 16 (values in [0, 1]).
    Returns:
        dict with X_train (1257, 64), y_train (1257,), X_val (180, 64), y_val (180,),
        X_test (360, 64), y_test (360,): float64 features and int64 labels in 0..9;
        and mean (64,), std (float), the preprocessing fitted on the training set.
    """
    pixels, labels = _digits_csv()
    X = pixels / 16.0
    y = labels
    rest, test = stratified_split(y, TEST_FRACTION, seed)
    train, val = stratified_split(y[rest], VAL_FRACTION / (1 - TEST_FRACTION), seed)
    X_rest, y_rest = X[rest], y[rest]
    X_train, y_train, X_val, y_val = X_rest[train], y_rest[train], X_rest[val], y_rest[val]
    X_test, y_test = X[test], y[test]
    mean, std = np.zeros(X.shape[1]), 1.0
    if standardize:
        mean, std = fit_standardizer(X_train)
    data = {"mean": mean, "std": std}
    for name, Xs, ys in (("train", X_train, y_train), ("val", X_val, y_val), ("test", X_test, y_test)):
        data[f"X_{name}"] = (Xs - mean) / std
        data[f"y_{name}"] = ys
    return data


def _digits_csv():
    """(pixels (1797, 64) float64 in 0..16, labels (1797,) int64) from the file scikit-learn ships, read
    without importing scikit-learn (which takes over a second, in every notebook that trains)."""
    package = importlib.util.find_spec("sklearn")
    if package is None:
        raise ImportError("the digits ship with scikit-learn: pip install scikit-learn")
    table = np.loadtxt(Path(package.submodule_search_locations[0], "datasets", "data", "digits.csv.gz"),
                       delimiter=",")
    return table[:, :-1], table[:, -1].astype(np.int64)


def stratified_split(y, test_fraction, seed):
    """(train indices, test indices) of a stratified split of labels y (N,) with ceil(test_fraction N) test
    examples: the draws of scikit-learn's train_test_split(..., test_size=test_fraction, stratify=y,
    random_state=seed), which tests/test_data.py compares it with."""
    n_test = math.ceil(test_fraction * len(y))
    n_train = len(y) - n_test
    classes, y_indices, class_counts = np.unique(y, return_inverse=True, return_counts=True)
    class_indices = np.split(np.argsort(y_indices, kind="stable"), np.cumsum(class_counts)[:-1])
    rng = np.random.RandomState(seed)
    n_i = _approximate_mode(class_counts, n_train, rng)
    t_i = _approximate_mode(class_counts - n_i, n_test, rng)
    train, test = [], []
    for i in range(len(classes)):
        members = class_indices[i].take(rng.permutation(class_counts[i]), mode="clip")
        train.extend(members[:n_i[i]])
        test.extend(members[n_i[i]:n_i[i] + t_i[i]])
    return rng.permutation(train), rng.permutation(test)


def _approximate_mode(class_counts, n_draws, rng):
    """How many of n_draws to take from each class: the share of each, rounded down, plus one more for the
    classes with the largest remainders until n_draws are taken (ties drawn with rng)."""
    continuous = class_counts / class_counts.sum() * n_draws
    floored = np.floor(continuous)
    need_to_add = int(n_draws - floored.sum())
    remainder = continuous - floored
    for value in np.sort(np.unique(remainder))[::-1]:
        if need_to_add == 0:
            break
        (ties,) = np.where(remainder == value)
        add_now = min(len(ties), need_to_add)
        floored[rng.choice(ties, size=add_now, replace=False)] += 1
        need_to_add -= add_now
    return floored.astype(int)


ONE_PIXEL_SHIFTS = ((1, 0), (-1, 0), (0, 1), (0, -1))


def with_shifted_training_images(data, shifts=ONE_PIXEL_SHIFTS):
    """Data augmentation: the training set plus a copy of it moved by each (down, right) shift in pixels.

    A digit moved by a pixel is still the same digit, so the copies are new training examples for free.
    Pixels moved in from outside the image are blank (0 before standardisation, like the border).

    Args:
        data: dict from load_digits (X_train (N, 64) standardised with its mean and std).
        shifts: (dy, dx) pairs; positive moves down or right.
    Returns:
        a new dict like data whose X_train is ((1 + len(shifts)) N, 64) and y_train ((1 + len(shifts)) N,):
        the original examples first, then one shifted copy per shift; the other entries are data's.
    """
    mean, std = data["mean"], data["std"]
    images = (data["X_train"] * std + mean).reshape(-1, 8, 8)
    copies = [images]
    for dy, dx in shifts:
        if max(abs(dy), abs(dx)) >= 8:
            raise ValueError(f"a shift must be smaller than the 8-pixel image, got {(dy, dx)}")
        shifted = np.zeros_like(images)
        shifted[:, max(dy, 0):8 + min(dy, 0), max(dx, 0):8 + min(dx, 0)] = \
            images[:, max(-dy, 0):8 + min(-dy, 0), max(-dx, 0):8 + min(-dx, 0)]
        copies.append(shifted)
    X_train = (np.concatenate(copies).reshape(-1, 64) - mean) / std
    return {**data, "X_train": X_train, "y_train": np.tile(data["y_train"], len(copies))}


def fit_standardizer(X):
    """Per-feature mean and one global standard deviation of X (N, D), for (X - mean) / std.

    Returns:
        mean: (D,) float64.
        std: float, the standard deviation of X - mean over all entries (1.0 if that is 0).
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must have shape (N, D) with N >= 1, got {X.shape}")
    mean = X.mean(axis=0)
    std = float((X - mean).std())
    return mean, (std if std > 0 else 1.0)


def as_images(X):
    """View flattened digits (N, 64) as images (N, 1, 8, 8)."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != np.prod(IMAGE_SHAPE):
        raise ValueError(f"X must have shape (N, 64), got {X.shape}")
    return X.reshape((X.shape[0],) + IMAGE_SHAPE)
