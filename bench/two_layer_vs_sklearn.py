"""Two-layer nets on the digits: nclib's TwoLayerNet against scikit-learn's MLPClassifier.

Run from the repository root:

    .venv/bin/python bench/two_layer_vs_sklearn.py            # one BLAS thread (the default)
    .venv/bin/python bench/two_layer_vs_sklearn.py --threads 2

Prints one row per model: training time (time.perf_counter, seconds) and test accuracy, all trained on the
same nclib.data.load_digits() split (1257 training images, standardised with training statistics; 360 test
images). nclib: H=128, reg=3e-3, learning_rate=0.2, learning_rate_decay=0.995, num_iters=4000,
batch_size=100 (the settings of the course's notebook and of tests/test_models.py). scikit-learn:
hidden_layer_sizes=(128,), random_state=0, its default solver (adam), max_iter high enough to converge.
A benchmark, not a test: it asserts nothing. Takes well under 30 s on a 2-core machine.
"""
import argparse
import time
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from nclib.data import load_digits
from nclib.models import TwoLayerNet

NCLIB_SGD = dict(learning_rate=0.2, learning_rate_decay=0.995, num_iters=4000, batch_size=100)
SKLEARN_MAX_ITER = 2000


def bench_nclib(data, activation):
    net = TwoLayerNet(64, 128, 10, activation=activation, reg=3e-3)
    start = time.perf_counter()
    history = net.train(data["X_train"], data["y_train"], data["X_val"], data["y_val"], **NCLIB_SGD)
    seconds = time.perf_counter() - start
    accuracy = float(np.mean(net.predict(data["X_test"]) == data["y_test"]))
    epochs = len(history["val_acc_history"])
    note = f"{NCLIB_SGD['num_iters']} SGD steps, {epochs} epochs"
    return f"nclib TwoLayerNet ({activation})", seconds, accuracy, note


def bench_sklearn(data):
    clf = MLPClassifier(hidden_layer_sizes=(128,), random_state=0, max_iter=SKLEARN_MAX_ITER)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        start = time.perf_counter()
        clf.fit(data["X_train"], data["y_train"])
        seconds = time.perf_counter() - start
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    accuracy = float(np.mean(clf.predict(data["X_test"]) == data["y_test"]))
    note = f"adam, {clf.n_iter_} epochs" + ("" if converged else f" (NOT converged at max_iter={SKLEARN_MAX_ITER})")
    return "sklearn MLPClassifier (relu)", seconds, accuracy, note


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads for both libraries (default 1)")
    threads = parser.parse_args().threads

    data = load_digits()
    with threadpool_limits(limits=threads, user_api="blas"):
        rows = [bench_nclib(data, "relu"), bench_nclib(data, "swish"), bench_sklearn(data)]

    print(f"digits: {len(data['y_train'])} train / {len(data['y_test'])} test; H=128; "
          f"numpy {np.__version__}, scikit-learn {sklearn.__version__}; BLAS threads: {threads}")
    header = f"{'model':<30} {'train time (s)':>14} {'test accuracy':>14}  notes"
    print(header)
    print("-" * len(header) + "-" * 30)
    for name, seconds, accuracy, note in rows:
        print(f"{name:<30} {seconds:>14.2f} {accuracy:>14.4f}  {note}")


if __name__ == "__main__":
    main()
