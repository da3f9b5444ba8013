"""What the tests of nclib.grading's spec modules share: the tests every graded function gets
(GradedFunctionTests, subclassed once per assignment in tests/test_grading_<assignment>.py) and the check
that a failure message gives no expected value away.
"""
import copy
import re

import numpy as np
import pytest

from nclib import grading


def cases(table):
    return [pytest.param(name, fn, id=fn.__name__) for name in sorted(table) for fn in table[name]]


class Recorder:
    """Wraps a student function and keeps a copy of the arguments of every call, taken before the call."""

    def __init__(self, fn):
        self.fn, self.calls = fn, []

    def __call__(self, *args, **kwargs):
        self.calls.append(copy.deepcopy((args, kwargs)))
        return self.fn(*args, **kwargs)


def numbers(obj):
    """Every float in a (nested) result: arrays, scalars, tuples, lists, dicts; other objects are skipped."""
    if isinstance(obj, np.ndarray) and np.issubdtype(obj.dtype, np.number):
        return [float(v) for v in obj.ravel()]
    if isinstance(obj, (float, np.floating)):
        return [float(obj)]
    if isinstance(obj, (tuple, list)):
        return [v for item in obj for v in numbers(item)]
    if isinstance(obj, dict):
        return [v for key in obj for v in numbers(obj[key])]
    return []


def expected_values(name, recorder):
    """What the reference returns on the inputs the student was given (and, for train_sgd, the trained
    parameters): the numbers a failure message must not give away. An input on which the reference raises
    ValueError (conv_output_size on windows that do not fit) has no expected value to give away."""
    values = []
    for args, kwargs in recorder.calls:
        args, kwargs = copy.deepcopy((args, kwargs))
        try:
            values += numbers(grading.SPECS[name].reference(*args, **kwargs))
        except ValueError:
            continue
        if name == "train_sgd":
            values += numbers(args[1])
        if name == "batchnorm_forward":  # the running averages the reference stored
            values += numbers(args[3])
    return values


FLOAT_TOKEN = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?|(?<![\w.])\d+[eE][-+]?\d+")


def significant_digits(token):
    mantissa = re.split("[eE]", token)[0].lstrip("+-")
    return len(mantissa.replace(".", "").lstrip("0"))


def assert_gives_nothing_away(message, values):
    # Only error sizes are printed with 3 significant digits; anything else (a description's "reg=0.3")
    # has at most 2. A printed expected value or array would show up here with 4 or more.
    for match in FLOAT_TOKEN.finditer(message):
        if significant_digits(match.group()) > 2:
            assert message[:match.start()].endswith("error "), f"number {match.group()!r} in: {message}"
    for v in values:
        if not np.isfinite(v):
            continue
        for text in {repr(v), str(v), f"{v:.4e}", f"{v:.5g}", f"{v:.6g}", f"{v:.6f}", f"{v:.8f}"}:
            # short renderings ("0.5", "1") match by chance; four digits and more do not
            if significant_digits(text) >= 4:
                assert text not in message, f"expected value {v!r} shown as {text!r} in: {message}"


class GradedFunctionTests:
    """The tests of every graded function of one assignment. A subclass sets MODULE, the assignment's spec
    module in nclib.grading, and CORRECT and BUGS, {name: [student functions]} for each of its SPECS: correct
    solutions written otherwise than the reference, and the buggy ones students really hand in."""
    MODULE = None
    CORRECT = {}
    BUGS = {}

    def pytest_generate_tests(self, metafunc):
        if "correct_fn" in metafunc.fixturenames:
            metafunc.parametrize("name, correct_fn", cases(self.CORRECT))
        elif "buggy_fn" in metafunc.fixturenames:
            metafunc.parametrize("name, buggy_fn", cases(self.BUGS))
        elif "name" in metafunc.fixturenames:
            metafunc.parametrize("name", sorted(self.MODULE.SPECS))

    def test_every_graded_function_has_correct_and_buggy_solutions_here(self):
        assert set(self.MODULE.SPECS) == set(self.CORRECT) == set(self.BUGS)

    def test_reference_passes(self, name, capsys):
        grading.check(name, grading.SPECS[name].reference)
        assert capsys.readouterr().out.strip() == f"{name}: all hidden cases passed"

    def test_correct_alternative_solutions_pass(self, name, correct_fn):
        grading.check(name, correct_fn)

    @pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow in the unshifted softmax, on purpose
    def test_buggy_solutions_fail_with_a_message_that_gives_nothing_away(self, name, buggy_fn):
        recorder = Recorder(buggy_fn)
        with pytest.raises(AssertionError) as failure:
            grading.check(name, recorder)
        message = str(failure.value)
        assert name in message
        assert recorder.calls, "the check never called the student's function"
        assert_gives_nothing_away(message, expected_values(name, recorder))

    def test_unanswered_stub_propagates_not_implemented_error(self, name):
        def stub(*args, **kwargs):
            # YOUR CODE HERE
            raise NotImplementedError()
        with pytest.raises(NotImplementedError):
            grading.check(name, stub)
