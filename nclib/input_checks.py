"""Input checks shared by nclib's layers and models (given to students).

Each raises ValueError naming the argument and the shape or range it must have. The fast layers and the
reference layers use the same checks, so that they reject the same inputs with the same messages.
output_size is also the answer to conv_backward's conv_output_size exercise: nbgrader_config.py forbids
this module in that assignment's solution cells.
"""
import numbers

import numpy as np


def checked_int(value, minimum, name):
    """value as an int if it is an integer (not a bool) >= minimum; else ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def checked_choice(value, choices, name):
    """value if it is one of choices; else ValueError naming it and listing them."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def checked_rows(X, D, name):
    """X as a float64 array of shape (N, D); else ValueError naming it and the shape."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != D:
        raise ValueError(f"{name} must have shape (N, {D}), got {X.shape}")
    return X


def output_size(size, window, stride, pad, name):
    """Number of window positions along one dimension called `name` ("height", "width"), for int
    arguments: (size + 2 pad - window) // stride + 1. ValueError naming the dimension if the window is
    larger than the padded input or the positions do not end on the padded edge."""
    padded = size + 2 * pad
    if window > padded:
        raise ValueError(f"{name}: the window ({window}) is larger than the padded {name} "
                         f"{size} + 2*{pad} = {padded}")
    if (padded - window) % stride:
        raise ValueError(f"{name}: the windows do not tile the input exactly: {name} + 2*pad - window = "
                         f"{size} + 2*{pad} - {window} = {padded - window}, not a multiple of stride {stride}")
    return (padded - window) // stride + 1


def checked_dout(dout, shape, axes, dtype=None):
    """dout as an array (of dtype, if given) if it has the forward output's shape; else ValueError.

    shape: the output's shape (a tuple); axes: its names for the message, e.g. "(N, F, H', W')".
    """
    dout = np.asarray(dout, dtype=dtype)
    if dout.shape != shape:
        raise ValueError(f"dout must have the output's shape {axes} = {shape}, got {dout.shape}")
    return dout


def conv_input(x, w, b, conv_param):
    """The checked inputs of a convolutional layer.

    Returns:
        x, w, b as float64 arrays, stride, pad, and the output size (H', W').
    Raises:
        ValueError naming what is wrong: the number of dimensions of x or w, their channels, b's shape,
        conv_param, or the height or width when the windows do not tile the padded input exactly.
    """
    x, w, b = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    stride, pad = _conv_param(conv_param)
    if x.ndim != 4:
        raise ValueError(f"x must have shape (N, C, H, W), got {x.shape}")
    if w.ndim != 4:
        raise ValueError(f"w must have shape (F, C, HH, WW), got {w.shape}")
    C, F = x.shape[1], w.shape[0]
    if w.shape[1] != C:
        raise ValueError(f"x has {C} channels and w has {w.shape[1]}: w must have shape (F, C={C}, HH, WW), "
                         f"got {w.shape}")
    if b.shape != (F,):
        raise ValueError(f"b must have shape (F={F},), got {b.shape}")
    out_size = (output_size(x.shape[2], w.shape[2], stride, pad, "height"),
                output_size(x.shape[3], w.shape[3], stride, pad, "width"))
    return x, w, b, stride, pad, out_size


def pool_input(x, pool_param):
    """The checked inputs of a max-pooling layer.

    Returns:
        x as a float64 array, pool_height, pool_width, stride, and the output size (H', W').
    Raises:
        ValueError naming what is wrong: x's number of dimensions, pool_param, or the height or width
        when the windows do not tile x exactly.
    """
    x = np.asarray(x, dtype=np.float64)
    ph, pw, stride = _pool_param(pool_param)
    if x.ndim != 4:
        raise ValueError(f"x must have shape (N, C, H, W), got {x.shape}")
    out_size = (output_size(x.shape[2], ph, stride, 0, "height"), output_size(x.shape[3], pw, stride, 0, "width"))
    return x, ph, pw, stride, out_size


def _conv_param(conv_param):
    """(stride, pad) from conv_param, or ValueError naming what is missing or out of range."""
    try:
        stride, pad = conv_param["stride"], conv_param["pad"]
    except (KeyError, TypeError):
        raise ValueError(f"conv_param must be a dict with keys 'stride' and 'pad', got {conv_param!r}") from None
    return checked_int(stride, 1, "conv_param['stride']"), checked_int(pad, 0, "conv_param['pad']")


def _pool_param(pool_param):
    """(pool_height, pool_width, stride) from pool_param, or ValueError naming what is wrong."""
    keys = ("pool_height", "pool_width", "stride")
    try:
        values = [pool_param[key] for key in keys]
    except (KeyError, TypeError):
        raise ValueError(f"pool_param must be a dict with keys 'pool_height', 'pool_width' and 'stride', "
                         f"got {pool_param!r}") from None
    return tuple(checked_int(value, 1, f"pool_param[{key!r}]") for key, value in zip(keys, values))
