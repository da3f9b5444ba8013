"""The comparison engine behind every spec: run the student's function and the reference on the same
seeded cases and compare what they return.

A failure raises AssertionError naming the function, the case (by its inputs' shapes), the output and how
far off it is, never an expected value; a crash of the student's function becomes such an AssertionError
too, except NotImplementedError (the unanswered stub), which propagates.
"""
import copy
from dataclasses import dataclass
from typing import Callable

import numpy as np

RTOL = 1e-6
ATOL = 1e-9


@dataclass(frozen=True)
class Spec:
    """How one graded function is checked.

    reference: the nclib function a student's answer must agree with.
    run: run(name, student_fn, reference), raising AssertionError on the first failed hidden case.
    """
    reference: Callable
    run: Callable


def compare_cases(name, student_fn, reference_fn, cases, outputs, forward=False):
    """Run both functions on every case and compare the named outputs.

    cases: list of (args, description); outputs: names of the returned values (a single name means
    the function returns one value); forward: the functions return (*outputs, cache) and the cache does not
    count.
    """
    for number, (args, description) in enumerate(cases, start=1):
        where = f"{name}, hidden case {number} of {len(cases)} ({description})"
        expected = reference_fn(*copy.deepcopy(args))
        given = copy.deepcopy(args)
        actual = call(where, student_fn, *given)
        assert_unchanged(where, args, given)
        if forward:
            require(isinstance(actual, tuple) and len(actual) == len(outputs) + 1,
                    f"{where}: must return ({', '.join(outputs)}, cache), got {describe(actual)}")
            expected, actual = expected[:-1], actual[:-1]
            if len(outputs) == 1:
                expected, actual = expected[0], actual[0]
        if len(outputs) == 1:
            assert_close(where, outputs[0], actual, expected)
            continue
        require(isinstance(actual, tuple) and len(actual) == len(outputs),
                f"{where}: must return a tuple ({', '.join(outputs)}), got {describe(actual)}")
        for out_name, a, e in zip(outputs, actual, expected):
            if isinstance(e, dict):
                require(isinstance(a, dict) and set(a) == set(e),
                        f"{where}: {out_name} must be a dict with keys {sorted(e)}, got {describe(a)}")
                for key in sorted(e):
                    assert_close(where, f"{out_name}[{key!r}]", a[key], e[key])
            else:
                assert_close(where, out_name, a, e)


def assert_close(where, out_name, actual, expected):
    """Fail unless actual is numeric, of expected's shape, finite, and within ATOL + RTOL |expected|."""
    expected = np.asarray(expected)
    try:
        actual = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(f"{where}: {out_name} is not numeric ({describe(actual)})") from None
    require(actual.shape == expected.shape,
            f"{where}: {out_name} has shape {actual.shape}, expected {expected.shape}")
    require(np.all(np.isfinite(actual)), f"{where}: {out_name} contains inf or nan")
    error = np.abs(actual - expected)
    if not np.all(error <= ATOL + RTOL * np.abs(expected)):
        scale = np.maximum(np.abs(actual) + np.abs(expected), 1e-8)
        raise AssertionError(f"{where}: {out_name} is wrong: largest absolute error {error.max():.2e}, "
                             f"largest relative error {np.max(error / scale):.2e}")


def call(where, student_fn, *args, **kwargs):
    """student_fn(*args, **kwargs); a crash on a hidden case fails the check with the case named."""
    try:
        return student_fn(*args, **kwargs)
    except NotImplementedError:
        raise
    except Exception as error:
        raise AssertionError(f"{where}: raised {type(error).__name__}: {error}") from error


def assert_unchanged(where, original, given):
    """Fail if an array in given (the student's copy of the arguments) differs from original."""
    for i, (a, b) in enumerate(zip(_arrays(original), _arrays(given))):
        require(a.shape == b.shape and np.array_equal(a, b),
                f"{where}: argument {i + 1} was modified in place; work on a copy instead")


def _arrays(obj):
    if isinstance(obj, np.ndarray):
        yield obj
    elif isinstance(obj, (tuple, list)):
        for item in obj:
            yield from _arrays(item)
    elif isinstance(obj, dict):
        for key in sorted(obj):
            yield from _arrays(obj[key])


def require(condition, message):
    """AssertionError(message) unless condition."""
    if not condition:
        raise AssertionError(message)


def describe(value):
    """What value is, for a message: "a tuple of 2", "an array of shape (3, 4)", a type's name."""
    if isinstance(value, tuple):
        return f"a tuple of {len(value)}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return type(value).__name__


def forward_spec(reference, make_cases, seed, outputs=("out",)):
    """The Spec of a layer's forward(...) -> (*outputs, cache) on make_cases(seed): the outputs, named in
    messages as given, are compared, not the cache."""
    def run(name, student_fn, reference):
        compare_cases(name, student_fn, reference, make_cases(seed), list(outputs), forward=True)
    return Spec(reference, run)


def compare_loss_fn_cases(name, student_fn, reference, cases):
    """Cases of a loss_fn(params, X, y, ...): scores (N, C) where y is None, else (loss, grads)."""
    compare_cases(name, student_fn, reference, [case for case in cases if case[0][2] is None], ["scores"])
    compare_cases(name, student_fn, reference, [case for case in cases if case[0][2] is not None], ["loss", "grads"])
