"""The conv_backward assignment's model: ThreeLayerConvNet, on the fast layers."""
import numpy as np

from nclib.fast_layers import conv_backward_fast, conv_forward_fast, max_pool_backward_fast, max_pool_forward_fast
from nclib.layers import affine_backward, affine_forward, relu_backward, relu_forward
from nclib.losses import softmax_loss
from nclib.models._arguments import check_sizes, image_shape


class ThreeLayerConvNet:
    """conv - relu - 2x2 max pool - affine - relu - affine - softmax, with L2 regularisation
    0.5 * reg * sum(W^2) on W1, W2 and W3 (biases are not regularised).

    The convolution has stride 1 and pad (filter_size - 1) // 2, so it keeps the height and width
    ('same'); the pooling (2x2, stride 2) halves them.

    Args:
        input_dim: (C, H, W) of one input image; H and W must be even.
        num_filters: F, the number of convolution filters.
        filter_size: fs, the filters' height and width; odd, so that 'same' padding exists.
        hidden_dim: size of the hidden affine layer.
        num_classes: number of classes.
        weight_scale: standard deviation of the initial weights; None for He scaling sqrt(2 / fan_in),
            fan_in being C * fs * fs for W1, F * H/2 * W/2 for W2 and hidden_dim for W3.
        reg: L2 strength.
        dtype: float dtype of the parameters and inputs.
        seed: seed or numpy.random.Generator of the initial weights (drawn W1, W2, W3 in that order).
    Attributes:
        params: W1 (F, C, fs, fs), b1 (F,), W2 (F * H/2 * W/2, hidden_dim), b2 (hidden_dim,),
            W3 (hidden_dim, num_classes), b3 (num_classes,); biases start at zero.
    Raises:
        ValueError if input_dim is not three positive ints, H or W is odd, filter_size is even, or a
        size is not a positive int.
    """

    def __init__(self, input_dim=(1, 8, 8), num_filters=16, filter_size=3, hidden_dim=100, num_classes=10,
                 weight_scale=None, reg=0.0, dtype=np.float64, seed=0):
        C, H, W = image_shape(input_dim)
        check_sizes(num_filters=num_filters, filter_size=filter_size, hidden_dim=hidden_dim, num_classes=num_classes)
        if H % 2 or W % 2:
            raise ValueError(f"input_dim (C, H, W) = {(C, H, W)}: H and W must be even for the 2x2 pooling")
        if filter_size % 2 == 0:
            raise ValueError(f"filter_size must be odd for 'same' padding, got {filter_size}")
        self.input_dim = (C, H, W)
        self.reg = reg
        self.dtype = dtype
        self.conv_param = {"stride": 1, "pad": (filter_size - 1) // 2}
        self.pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

        F, fs = int(num_filters), int(filter_size)
        pooled = F * (H // 2) * (W // 2)
        shapes = {"W1": (F, C, fs, fs), "W2": (pooled, hidden_dim), "W3": (hidden_dim, num_classes)}
        fan_ins = {"W1": C * fs * fs, "W2": pooled, "W3": hidden_dim}
        rng = np.random.default_rng(seed)
        self.params = {}
        for i, name in enumerate(("W1", "W2", "W3"), start=1):
            scale = np.sqrt(2.0 / fan_ins[name]) if weight_scale is None else weight_scale
            self.params[name] = (scale * rng.standard_normal(shapes[name])).astype(dtype)
            self.params[f"b{i}"] = np.zeros(shapes[name][0] if name == "W1" else shapes[name][1], dtype=dtype)

    def loss(self, X, y=None):
        """Scores, or the loss and its gradients, for a batch of images.

        Args:
            X: (N, C, H, W) images, or (N, C * H * W) images flattened row-major (as the digits come),
                which are reshaped to input_dim.
            y: (N,) int labels in 0..num_classes-1, or None.
        Returns:
            scores (N, num_classes) if y is None, else (loss, grads): loss a float, grads a dict keyed
            like params, each of its parameter's shape.
        Raises:
            ValueError if X has neither shape.
        """
        X = self._images(X)
        W1, b1, W2, b2, W3, b3 = (self.params[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
        conv, conv_cache = conv_forward_fast(X, W1, b1, self.conv_param)
        h, relu1_cache = relu_forward(conv)
        pooled, pool_cache = max_pool_forward_fast(h, self.pool_param)
        z2, fc2_cache = affine_forward(pooled, W2, b2)
        h2, relu2_cache = relu_forward(z2)
        scores, fc3_cache = affine_forward(h2, W3, b3)
        if y is None:
            return scores

        data_loss, dscores = softmax_loss(scores, y)
        loss = data_loss + 0.5 * self.reg * sum(np.sum(W * W) for W in (W1, W2, W3))
        grads = {}
        dh2, grads["W3"], grads["b3"] = affine_backward(dscores, fc3_cache)
        dpooled, grads["W2"], grads["b2"] = affine_backward(relu_backward(dh2, relu2_cache), fc2_cache)
        dh = max_pool_backward_fast(dpooled, pool_cache)
        _, grads["W1"], grads["b1"] = conv_backward_fast(relu_backward(dh, relu1_cache), conv_cache)
        for name in ("W1", "W2", "W3"):
            grads[name] = grads[name] + self.reg * self.params[name]
        return float(loss), grads

    def _images(self, X):
        """X as (N, C, H, W) of self.dtype, or ValueError naming the expected shapes."""
        X = np.asarray(X)
        C, H, W = self.input_dim
        if X.ndim == 2 and X.shape[1] == C * H * W:
            X = X.reshape((X.shape[0],) + self.input_dim)
        elif X.ndim != 4 or X.shape[1:] != self.input_dim:
            raise ValueError(f"X must have shape (N, C, H, W) = (N, {C}, {H}, {W}) or (N, C*H*W) = "
                             f"(N, {C * H * W}), got {X.shape}")
        return X.astype(self.dtype, copy=False)
