"""nclib.data: the fixed digits split (sizes, stratification, a partition of the data set, determinism) and
preprocessing fitted on the training set only."""
import numpy as np
import pytest
from sklearn.datasets import load_digits as sklearn_digits
from sklearn.model_selection import train_test_split

from nclib import data

SPLITS = ("train", "val", "test")
SIZES = {"train": 1257, "val": 180, "test": 360}


@pytest.fixture(scope="module")
def digits():
    return data.load_digits()


@pytest.fixture(scope="module")
def raw():
    return data.load_digits(standardize=False)


@pytest.fixture(scope="module")
def full():
    """The whole data set as integer pixel counts 0..16 with the label appended: one row per example."""
    d = sklearn_digits()
    return np.column_stack([d.data, d.target]).astype(np.int64)


def split_rows(raw, name):
    """Rows of a split in the same integer form as `full` (pixels / 16 * 16 is exact in float64)."""
    pixels = raw[f"X_{name}"] * 16
    assert np.array_equal(pixels, np.round(pixels))
    return np.column_stack([np.round(pixels), raw[f"y_{name}"]]).astype(np.int64)


# ---------------------------------------------------------------------------------------------------
# the split

@pytest.mark.parametrize("name", SPLITS)
def test_split_sizes_shapes_and_dtypes(digits, name):
    X, y = digits[f"X_{name}"], digits[f"y_{name}"]
    assert X.shape == (SIZES[name], 64) and X.dtype == np.float64
    assert y.shape == (SIZES[name],) and y.dtype == np.int64
    assert set(np.unique(y)) == set(range(data.NUM_CLASSES))


def test_splits_are_stratified(raw, full):
    proportions = np.bincount(full[:, -1]) / len(full)
    for name in SPLITS:
        counts = np.bincount(raw[f"y_{name}"], minlength=data.NUM_CLASSES)
        # a stratified split rounds n * p per class; a plain random one misses by sqrt(n p (1 - p)), 3 to 10 here
        assert np.max(np.abs(counts - SIZES[name] * proportions)) < 1.5, name


def test_splits_partition_the_data_set(raw, full):
    """Every example lands in exactly one split. Compared as multisets of (pixels, label) rows, so that the
    test stays right if the data set holds repeated images."""
    rows = np.concatenate([split_rows(raw, name) for name in SPLITS])
    assert len(rows) == len(full) == sum(SIZES.values())
    full_unique, full_counts = np.unique(full, axis=0, return_counts=True)
    rows_unique, rows_counts = np.unique(rows, axis=0, return_counts=True)
    np.testing.assert_array_equal(rows_unique, full_unique)
    np.testing.assert_array_equal(rows_counts, full_counts)


def test_no_image_in_two_splits(raw, full):
    """An image that occurs once in the data set occurs in one split only (today that is every image)."""
    images, counts = np.unique(full[:, :-1], axis=0, return_counts=True)
    once = {row.tobytes() for row in images[counts == 1]}
    assert len(once) > 1700
    seen = {}
    for name in SPLITS:
        for row in split_rows(raw, name)[:, :-1]:
            key = row.tobytes()
            if key in once:
                seen.setdefault(key, set()).add(name)
    assert len(seen) == len(once)
    assert all(len(where) == 1 for where in seen.values())


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("fraction", [0.2, 0.1 / 0.8, 0.5, 0.1])
def test_stratified_split_draws_as_scikit_learn(seed, fraction):
    """The same indices as train_test_split(stratify=y): on the digits' labels and on labels whose classes
    tie in their remainders, so that ties are drawn."""
    for y in (sklearn_digits().target, np.repeat(np.arange(7), [5, 5, 5, 9, 9, 3, 40])):
        train, test = data.stratified_split(y, fraction, seed)
        expected_train, expected_test = train_test_split(np.arange(len(y)), test_size=fraction, stratify=y,
                                                         random_state=seed)
        np.testing.assert_array_equal(train, expected_train)
        np.testing.assert_array_equal(test, expected_test)


def test_pixels_and_labels_are_scikit_learns(full):
    pixels, labels = data._digits_csv()
    np.testing.assert_array_equal(np.column_stack([pixels, labels]), full)


def test_split_is_deterministic_for_a_seed(digits):
    again = data.load_digits()
    assert set(again) == set(digits)
    for key in digits:
        np.testing.assert_array_equal(again[key], digits[key])


def test_seeds_give_different_splits(raw):
    other = data.load_digits(seed=1, standardize=False)
    for name in SPLITS:
        assert other[f"X_{name}"].shape == raw[f"X_{name}"].shape
    assert not np.array_equal(other["y_test"], raw["y_test"])
    test_rows = {row.tobytes() for row in split_rows(raw, "test")}
    overlap = sum(row.tobytes() in test_rows for row in split_rows(other, "test"))
    assert overlap < 0.5 * SIZES["test"]  # about 20% of the test set is shared by chance


# ---------------------------------------------------------------------------------------------------
# preprocessing

def test_unstandardised_pixels_are_divided_by_16(raw):
    np.testing.assert_array_equal(raw["mean"], np.zeros(64))
    assert raw["std"] == 1.0
    for name in SPLITS:
        X = raw[f"X_{name}"]
        assert X.min() == 0.0 and X.max() == 1.0


def test_standardisation_is_fitted_on_the_training_set(digits, raw):
    mean, std = digits["mean"], digits["std"]
    np.testing.assert_allclose(mean, raw["X_train"].mean(axis=0), rtol=1e-13, atol=1e-15)
    assert std == pytest.approx((raw["X_train"] - mean).std(), rel=1e-13)
    assert mean.shape == (64,) and isinstance(std, float)
    np.testing.assert_allclose(digits["X_train"].mean(axis=0), 0.0, atol=1e-13)
    assert digits["X_train"].std() == pytest.approx(1.0, rel=1e-12)
    # the other splits use the training statistics, so their means are not zero
    assert np.abs(digits["X_val"].mean(axis=0)).max() > 0.05
    assert np.abs(digits["X_test"].mean(axis=0)).max() > 0.05


@pytest.mark.parametrize("name", SPLITS)
def test_stored_mean_and_std_reproduce_the_transform(digits, raw, name):
    np.testing.assert_allclose((raw[f"X_{name}"] - digits["mean"]) / digits["std"], digits[f"X_{name}"],
                               rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(raw[f"y_{name}"], digits[f"y_{name}"])


def test_blank_pixels_stay_blank(digits, raw):
    blank = np.all(raw["X_train"] == 0, axis=0)
    assert blank.any()
    np.testing.assert_array_equal(digits["X_train"][:, blank], 0.0)


def test_fit_standardizer_known_values():
    mean, std = data.fit_standardizer(np.array([[0.0, 1.0], [2.0, 3.0]]))
    np.testing.assert_array_equal(mean, [1.0, 2.0])
    assert std == 1.0
    mean, std = data.fit_standardizer(np.array([[0.0, 4.0], [0.0, 0.0]]))
    np.testing.assert_array_equal(mean, [0.0, 2.0])
    assert std == pytest.approx(np.sqrt(2.0))  # entries 0, 2, 0, -2


def test_fit_standardizer_never_divides_by_zero():
    mean, std = data.fit_standardizer(np.full((5, 3), 7.0))
    np.testing.assert_array_equal(mean, [7.0, 7.0, 7.0])
    assert std == 1.0


@pytest.mark.parametrize("shape", [(5,), (0, 3), (2, 3, 4)])
def test_fit_standardizer_rejects_bad_shapes(shape):
    with pytest.raises(ValueError, match="X"):
        data.fit_standardizer(np.ones(shape))


# ---------------------------------------------------------------------------------------------------
# as_images

def test_as_images_layout(digits):
    X = digits["X_test"]
    images = data.as_images(X)
    assert images.shape == (SIZES["test"],) + data.IMAGE_SHAPE == (360, 1, 8, 8)
    rng = np.random.default_rng(0)
    for i, r, c in zip(rng.integers(360, size=20), rng.integers(8, size=20), rng.integers(8, size=20)):
        assert images[i, 0, r, c] == X[i, 8 * r + c]


def test_as_images_of_the_raw_data_are_sklearns_images(raw):
    d = sklearn_digits()
    first = raw["X_train"][:1] * 16
    matches = np.all(d.images == data.as_images(first)[0, 0], axis=(1, 2))
    assert matches.any()


def test_as_images_zero_rows():
    assert data.as_images(np.zeros((0, 64))).shape == (0, 1, 8, 8)


@pytest.mark.parametrize("shape", [(3, 63), (64,), (2, 8, 8), (3, 65)])
def test_as_images_rejects_bad_shapes(shape):
    with pytest.raises(ValueError, match="64"):
        data.as_images(np.zeros(shape))


def test_shifted_training_images_move_each_digit_by_one_pixel():
    digits = data.load_digits(seed=0)
    augmented = data.with_shifted_training_images(digits)
    N = digits["X_train"].shape[0]
    assert augmented["X_train"].shape == (5 * N, 64) and augmented["y_train"].shape == (5 * N,)
    np.testing.assert_array_equal(augmented["y_train"], np.tile(digits["y_train"], 5))
    np.testing.assert_array_equal(augmented["X_train"][:N], digits["X_train"])
    np.testing.assert_array_equal(augmented["X_val"], digits["X_val"])
    raw = (augmented["X_train"] * digits["std"] + digits["mean"]).reshape(5, N, 8, 8)
    original = raw[0]
    np.testing.assert_allclose(raw[1][:, 1:, :], original[:, :-1, :], atol=1e-12)  # down
    np.testing.assert_allclose(raw[1][:, 0, :], 0, atol=1e-12)
    np.testing.assert_allclose(raw[2][:, :-1, :], original[:, 1:, :], atol=1e-12)  # up
    np.testing.assert_allclose(raw[3][:, :, 1:], original[:, :, :-1], atol=1e-12)  # right
    np.testing.assert_allclose(raw[4][:, :, :-1], original[:, :, 1:], atol=1e-12)  # left
    np.testing.assert_allclose(raw[4][:, :, -1], 0, atol=1e-12)
    assert "X_train" in digits and digits["X_train"].shape == (N, 64), "the input dict must not change"


def test_shifted_training_images_any_shift_and_bad_shift():
    digits = data.load_digits(seed=0)
    augmented = data.with_shifted_training_images(digits, shifts=((2, -3),))
    raw = (augmented["X_train"] * digits["std"] + digits["mean"]).reshape(2, -1, 8, 8)
    np.testing.assert_allclose(raw[1][:, 2:, :5], raw[0][:, :6, 3:], atol=1e-12)
    with pytest.raises(ValueError, match="smaller than"):
        data.with_shifted_training_images(digits, shifts=((8, 0),))
