"""The grader's side of a trusted check: hidden tests decided outside the student's kernel.

A hidden test is `grading.check("<reference name>", <function>)`. Run in the student's kernel, the
student's code could have patched NumPy, nclib.grading or the interpreter first. Here the grader's own
process runs nclib.grading.check, with a stand-in for the student's function: each call goes to a
StudentProcess, a separate process (student_side) that has run the student's solution cells, and only
values come back. Callables among the arguments (a loss function given to train_sgd) stay in the grader
and are called back.
"""
import contextlib
import io
import os
import re
import select
import subprocess
import sys

import numpy as np

from coursetools.autograde.codec import Channel, decode, encode
from coursetools.notebooks import HIDDEN_MARKERS

REMOTE_ERRORS = {error.__name__: error for error in (ValueError, TypeError, IndexError, KeyError, ZeroDivisionError,
                                                    OverflowError, AttributeError, NameError)}
CHECK_LINE = re.compile(r"""^grading\.check\(\s*["'](\w+)["']\s*,\s*(\w+)\s*\)$""")
IMPORT_LINE = "from nclib import grading"


def split_hidden_tests(source):
    """(visible source, [(reference name, function name)]) of a test cell's source.

    The hidden block may hold only the grading import and grading.check lines: anything else is an
    instructor's mistake, and a ValueError.
    """
    begin, end = HIDDEN_MARKERS
    visible, checks, inside = [], [], False
    for line in source.split("\n"):
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif not inside:
            visible.append(line)
        elif line.strip() and line.strip() != IMPORT_LINE:
            match = CHECK_LINE.match(line.strip())
            if not match:
                raise ValueError(f"a hidden test may only call grading.check(\"name\", function), got: {line!r}")
            checks.append(match.groups())
    return "\n".join(visible).rstrip("\n"), checks


class StudentProcessFailure(Exception):
    """The student's process died, timed out or sent something that is not a reply."""


class StudentProcess:
    """The grader's handle on the child process that runs the student's code (student_side), over two pipes."""

    def __init__(self, command_prefix=(), timeout=60, cwd=None):
        grader_read, child_write = os.pipe()
        child_read, grader_write = os.pipe()
        self.timeout = timeout
        self.process = subprocess.Popen(
            [*command_prefix, sys.executable, "-m", "coursetools.autograde.student_side",
             str(child_read), str(child_write)],
            pass_fds=(child_read, child_write), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, cwd=cwd, start_new_session=True)
        os.close(child_read)
        os.close(child_write)
        self.channel = Channel(grader_read, grader_write)
        self.cells_run = 0

    def run_cells(self, sources):
        """Run the sources not yet run (the list only grows); returns [(index in sources, error)] of those
        that raised."""
        first, self.cells_run = self.cells_run, len(sources)
        new = sources[first:]
        if not new:
            return []
        self._send({"cells": new})
        return [(first + index, error) for index, error in self._receive()["errors"]]

    def call(self, name, args, kwargs):
        """name(*args, **kwargs) in the child; returns (result, args, kwargs) as they are after the call."""
        callables = []
        self._send({"call": name, "args": encode(args, callables), "kwargs": encode(kwargs, callables)})
        callback_error = None
        while True:
            reply = self._receive()
            if "callback" not in reply:
                break
            try:
                value = callables[reply["callback"]](*decode(reply["args"]), **decode(reply["kwargs"]))
                self._send({"return": encode(value)})
            except Exception as error:
                callback_error = callback_error or error
                self._send({"raise": str(error)})
        if callback_error is not None:
            # The student's code may have caught it: the grader does not forget it.
            raise callback_error
        if "not_implemented" in reply:
            raise NotImplementedError(reply["not_implemented"])
        if "error" in reply:
            # A built-in error keeps its class, for the specs that expect one (a ValueError on bad input);
            # anything else, whatever the student's code named it, is a RuntimeError.
            raise REMOTE_ERRORS.get(reply.get("type"), RuntimeError)(reply["error"])
        ignore = lambda handle: None  # noqa: E731 (callables coming back are the grader's own)
        return decode(reply["result"]), decode(reply["args"], ignore), decode(reply["kwargs"], ignore)

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.channel.reader, self.channel.writer):
            with contextlib.suppress(OSError):
                stream.close()

    def _send(self, message):
        try:
            self.channel.send(message)
        except (BrokenPipeError, OSError):
            raise StudentProcessFailure(self._death()) from None

    def _receive(self):
        ready, _, _ = select.select([self.channel.reader], [], [], self.timeout)
        if not ready:
            self.close()
            raise StudentProcessFailure(f"no answer within {self.timeout} s")
        try:
            return self.channel.receive()
        except (EOFError, ValueError, OSError):
            raise StudentProcessFailure(self._death()) from None

    def _death(self):
        code = self.process.wait()
        return f"the process running your code ended (exit status {code})"


class RemoteFunction:
    """Stands for a student's function in nclib.grading.check: calls it in the StudentProcess, and copies back
    what the call changed in the arguments, so that in-place updates (or forbidden in-place changes) show."""

    def __init__(self, student, name):
        self.student, self.name = student, name

    def __call__(self, *args, **kwargs):
        result, new_args, new_kwargs = self.student.call(self.name, args, kwargs)
        _copy_back(args, new_args)
        _copy_back(kwargs, new_kwargs)
        return result


def _copy_back(original, changed):
    if isinstance(original, np.ndarray):
        if isinstance(changed, np.ndarray) and changed.shape == original.shape:
            np.copyto(original, changed, casting="unsafe")
        elif original.size:
            original.fill(np.nan)  # reshaped or replaced in place: certainly not unchanged
    elif isinstance(original, dict) and isinstance(changed, dict):
        for key in list(original):
            if key not in changed:
                del original[key]
            elif isinstance(original[key], (np.ndarray, dict, list, tuple)):
                _copy_back(original[key], changed[key])
            else:
                original[key] = changed[key]
        for key in changed.keys() - original.keys():
            original[key] = changed[key]
    elif isinstance(original, (list, tuple)) and isinstance(changed, (list, tuple)):
        for a, b in zip(original, changed):
            _copy_back(a, b)
        if isinstance(original, list) and len(changed) != len(original):
            original[:] = list(changed)


class HiddenChecks:
    """The hidden checks of one notebook, decided in this process: a StudentProcess (started when first
    needed, again if it died) runs the definition cells, and run_check calls the student's functions in it."""

    def __init__(self, command_prefix=(), timeout=60, cwd=None):
        self.command_prefix, self.timeout, self.cwd = command_prefix, timeout, cwd
        self._student = None
        self._load_errors = {}  # index in the definitions -> (cell name, error) of the cells that raised

    def decide(self, reference_name, function_name, definitions):
        """(passed, message) of the check, once definitions, [(cell name, source)] (the list only grows),
        have run; the message of a failed check names the cells that raised when they were loaded."""
        if self._student is None or self._student.process.poll() is not None:
            self._student = StudentProcess(self.command_prefix, timeout=self.timeout, cwd=self.cwd)
        try:
            errors = self._student.run_cells([source for _, source in definitions])
        except StudentProcessFailure as error:
            return False, f"{reference_name}: your code could not be loaded: {error}"
        self._load_errors.update((index, (definitions[index][0], error)) for index, error in errors)
        passed, message = run_check(self._student, reference_name, function_name)
        if passed or not self._load_errors:
            return passed, message
        causes = "; ".join(f"cell `{name}` raised {error}" for _, (name, error) in sorted(self._load_errors.items()))
        return False, f"{reference_name}: your code could not be loaded: {causes}. {message}"

    def close(self):
        if self._student is not None:
            self._student.close()


def run_check(student, reference_name, function_name):
    """nclib.grading.check in this process on the student's function in the StudentProcess `student`.
    Returns (passed, message)."""
    from nclib import grading

    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            grading.check(reference_name, RemoteFunction(student, function_name))
    except NotImplementedError:
        return False, f"NotImplementedError: {function_name} is not implemented yet"
    except AssertionError as error:
        return False, f"AssertionError: {error}"
    except StudentProcessFailure as error:
        return False, f"{reference_name}: {error}"
    except (RuntimeError, *REMOTE_ERRORS.values()) as error:
        return False, f"{reference_name}: your function raised {error}"
    return True, printed.getvalue().strip()
