"""nclib.input_checks: one wording for each input check, whichever layer or model runs it."""
import numpy as np
import pytest

from nclib import batchnorm, conv, fast_layers, input_checks


def message(fn, *args):
    with pytest.raises(ValueError) as error:
        fn(*args)
    return str(error.value)


@pytest.mark.parametrize("value, minimum", [(0, 1), (-1, 0), (1.0, 1), (True, 0), ("3", 1)])
def test_checked_int_names_the_argument_and_its_range(value, minimum):
    assert message(input_checks.checked_int, value, minimum, "stride") == \
        f"stride must be an integer >= {minimum}, got {value!r}"


def test_checked_int_returns_a_python_int():
    assert type(input_checks.checked_int(np.int64(3), 1, "pad")) is int


def test_the_output_size_rule_reads_the_same_in_conv_output_size_and_in_the_layers():
    """A 6-high input, a 3-high window, stride 2: the windows do not tile the height."""
    x, w, b = np.ones((1, 1, 6, 5)), np.ones((1, 1, 3, 3)), np.ones(1)
    conv_param = {"stride": 2, "pad": 0}
    expected = message(conv.conv_output_size, 6, 3, 2, 0, "height")
    assert "height" in expected and "stride 2" in expected
    assert message(conv.conv_forward_naive, x, w, b, conv_param) == expected
    assert message(fast_layers.conv_forward_fast, x, w, b, conv_param) == expected
    pool_param = {"pool_height": 3, "pool_width": 1, "stride": 2}
    assert message(conv.max_pool_forward_naive, x, pool_param) == expected
    assert message(fast_layers.max_pool_forward_fast, x, pool_param) == expected


def test_a_dout_of_the_wrong_shape_reads_the_same_in_every_backward():
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 4))
    w, b = np.ones((2, 3, 3, 3)), np.ones(2)
    conv_param = {"stride": 1, "pad": 1}
    bad = np.ones((2, 2, 4, 3))
    expected = "dout must have the output's shape (N, F, H', W') = (2, 2, 4, 4), got (2, 2, 4, 3)"
    assert message(conv.conv_backward_naive, bad, conv.conv_forward_naive(x, w, b, conv_param)[1]) == expected
    assert message(fast_layers.conv_backward_fast, bad, fast_layers.conv_forward_fast(x, w, b, conv_param)[1]) == \
        expected
    _, cache = batchnorm.batchnorm_forward(x[:, :, 0, 0], np.ones(3), np.zeros(3), {"mode": "train"})
    assert message(batchnorm.batchnorm_backward, np.ones((2, 4)), cache) == \
        "dout must have the output's shape (N, D) = (2, 3), got (2, 4)"


def test_checked_choice_and_checked_rows_name_what_they_expect():
    assert input_checks.checked_choice("bce", ("bce", "squared"), "recon") == "bce"
    assert message(input_checks.checked_choice, "l1", ("bce", "squared"), "recon") == \
        "recon must be one of ('bce', 'squared'), got 'l1'"
    assert input_checks.checked_rows([[1, 2]], 2, "X").dtype == np.float64
    assert message(input_checks.checked_rows, np.ones(2), 2, "z") == "z must have shape (N, 2), got (2,)"
