"""Training loop for any model with `params` and `loss(X, y=None)` (given to students).

The update rule is passed in, with the `(w, dw, config) -> (next_w, config)` signature, so the Solver holds
no answer to the optimiser exercises. One line is printed per epoch at most (verbose=True), never one per
iteration, so a long run does not flood the notebook.
"""
import numpy as np


class Solver:
    """Minibatch training with per-epoch learning-rate decay and a checkpoint of the best parameters.

    Args:
        model: object with `params` (dict of arrays) and `loss(X, y=None)`.
        data: dict with X_train (N, ...), y_train (N,), X_val, y_val.
        update_rule: callable (w, dw, config) -> (next_w, config).
        optim_config: dict of hyperparameters given to the update rule (a copy per parameter).
        lr_decay: factor applied to optim_config's learning_rate after each epoch.
        batch_size: examples per step; num_epochs: passes over the training set. A fraction runs that share
            of an epoch's steps (at least one), which counts as an epoch in the histories: 0.2 is a fifth of
            an epoch (a short run, for a graded notebook), 2.5 two epochs and half of a third.
        num_train_samples: training examples used to measure the training accuracy (None for all).
        seed: seed or numpy.random.Generator of the minibatches.
        verbose: print one line per epoch.
        metric: callable (model, X, y) -> float, higher is better, measured per epoch in place of the
            classification accuracy (for models without scores, e.g. minus a VAE's objective); None for
            the accuracy.
    After train(): loss_history (per step), train_acc_history and val_acc_history (per epoch, with the
    accuracy before training first; the metric if one is given), best_val_acc, best_params; model.params
    holds best_params.
    """

    def __init__(self, model, data, update_rule, optim_config=None, lr_decay=1.0, batch_size=100,
                 num_epochs=10, num_train_samples=1000, seed=0, verbose=True, metric=None):
        for key in ("X_train", "y_train", "X_val", "y_val"):
            if key not in data:
                raise ValueError(f"data must hold {key}")
        if not callable(update_rule):
            raise TypeError("update_rule must be a function (w, dw, config) -> (next_w, config)")
        if metric is not None and not callable(metric):
            raise TypeError("metric must be a function (model, X, y) -> float")
        if batch_size < 1 or num_epochs < 0:
            raise ValueError(f"batch_size must be >= 1 and num_epochs >= 0, got {batch_size}, {num_epochs}")
        self.model, self.data, self.update_rule = model, data, update_rule
        self.lr_decay, self.batch_size, self.num_epochs = lr_decay, batch_size, num_epochs
        self.num_train_samples, self.verbose = num_train_samples, verbose
        self.metric = metric
        self.rng = np.random.default_rng(seed)
        self.optim_configs = {name: dict(optim_config or {}) for name in model.params}
        self.loss_history, self.train_acc_history, self.val_acc_history = [], [], []
        self.best_val_acc, self.best_params = -np.inf, {}

    def train(self):
        """Run num_epochs epochs; returns self."""
        num_train = self.data["X_train"].shape[0]
        steps_per_epoch = max(num_train // self.batch_size, 1)
        num_steps = round(self.num_epochs * steps_per_epoch)
        if self.num_epochs > 0:
            num_steps = max(num_steps, 1)
        self._record_accuracy(epoch=0)
        for epoch, start in enumerate(range(0, num_steps, steps_per_epoch), start=1):
            for _ in range(min(steps_per_epoch, num_steps - start)):
                self._step(num_train)
            for config in self.optim_configs.values():
                if "learning_rate" in config:
                    config["learning_rate"] *= self.lr_decay
            self._record_accuracy(epoch)
        self.model.params.update({k: v.copy() for k, v in self.best_params.items()})
        return self

    def history(self):
        """The run in nclib.vis.plot_history's format: loss_history (per step), train_acc_history and
        val_acc_history (per completed epoch, without the accuracy before training)."""
        return {"loss_history": list(self.loss_history), "train_acc_history": self.train_acc_history[1:],
                "val_acc_history": self.val_acc_history[1:]}

    def check_accuracy(self, X, y, num_samples=None, batch_size=500):
        """Fraction of X (N, ...) classified as y (N,), on a random subset of num_samples if given; the
        metric instead if the Solver has one."""
        if num_samples is not None and X.shape[0] > num_samples:
            idx = self.rng.choice(X.shape[0], num_samples, replace=False)
            X, y = X[idx], y[idx]
        if self.metric is not None:
            return float(self.metric(self.model, X, y))
        predictions = [np.argmax(self.model.loss(X[i:i + batch_size]), axis=1) for i in range(0, X.shape[0], batch_size)]
        return float(np.mean(np.concatenate(predictions) == y))

    def _step(self, num_train):
        idx = self.rng.choice(num_train, self.batch_size, replace=True)
        loss, grads = self.model.loss(self.data["X_train"][idx], self.data["y_train"][idx])
        self.loss_history.append(float(loss))
        for name, w in self.model.params.items():
            self.model.params[name], self.optim_configs[name] = self.update_rule(w, grads[name], self.optim_configs[name])

    def _record_accuracy(self, epoch):
        train_acc = self.check_accuracy(self.data["X_train"], self.data["y_train"], self.num_train_samples)
        val_acc = self.check_accuracy(self.data["X_val"], self.data["y_val"])
        self.train_acc_history.append(train_acc)
        self.val_acc_history.append(val_acc)
        if val_acc > self.best_val_acc:
            self.best_val_acc = val_acc
            self.best_params = {k: v.copy() for k, v in self.model.params.items()}
        if self.verbose:
            loss = f", last loss {self.loss_history[-1]:.4f}" if self.loss_history else ""
            name = "acc" if self.metric is None else "metric"
            print(f"epoch {epoch:3d} / {self.num_epochs:g}: train {name} {train_acc:.3f}, val {name} {val_acc:.3f}{loss}")
