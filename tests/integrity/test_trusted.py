"""coursetools.autograde.grader_side: the student's functions run in a StudentProcess; only values and errors
come back."""
import pytest

from coursetools.autograde.grader_side import HiddenChecks, RemoteFunction, StudentProcess, run_check

CELLS = ['''
def bad_input(x):
    raise ValueError("x must be positive")


class Mine(Exception):
    pass


def own_error(x):
    raise Mine("boom")


def conv_output_size(size, kernel, stride, pad):
    span = size + 2 * pad - kernel
    if span < 0 or span % stride:
        raise ValueError("does not fit")
    return span // stride + 1
''']


@pytest.fixture
def student():
    student = StudentProcess(timeout=30)
    assert student.run_cells(CELLS) == []
    yield student
    student.close()


def test_a_builtin_error_keeps_its_class(student):
    with pytest.raises(ValueError, match="x must be positive"):
        RemoteFunction(student, "bad_input")(1)


def test_any_other_error_is_a_runtime_error(student):
    with pytest.raises(RuntimeError, match="Mine: boom"):
        RemoteFunction(student, "own_error")(1)


def test_a_spec_that_expects_a_value_error_sees_it(student):
    passed, message = run_check(student, "conv_output_size", "conv_output_size")
    assert passed, message


def test_an_error_escaping_a_spec_fails_the_check(student):
    passed, message = run_check(student, "conv_param_count", "bad_input")
    assert not passed and "raised" in message, message


@pytest.fixture
def hidden_checks():
    checks = HiddenChecks(timeout=30)
    yield checks
    checks.close()


def test_a_failed_check_names_the_cells_that_could_not_be_loaded(hidden_checks):
    definitions = [("helpers", "1 / 0"), ("conv_output_size", "raise KeyError('oops')\n" + CELLS[0])]
    passed, message = hidden_checks.decide("conv_output_size", "conv_output_size", definitions)
    assert not passed
    assert message.startswith("conv_output_size: your code could not be loaded: cell `helpers` raised "
                              "ZeroDivisionError: division by zero; cell `conv_output_size` raised KeyError: 'oops'. "
                              ), message
    assert message.endswith("NameError: conv_output_size is not defined"), message


def test_a_load_error_changes_no_passing_check(hidden_checks):
    definitions = [("helpers", "1 / 0"), ("conv_output_size", CELLS[0])]
    passed, message = hidden_checks.decide("conv_output_size", "conv_output_size", definitions)
    assert passed and "could not be loaded" not in message, message
