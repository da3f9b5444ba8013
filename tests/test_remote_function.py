"""The codec and RemoteFunction carry a graded function's effects on its arguments from the student's process
back to nclib.grading: batchnorm_forward's running averages, stored in bn_param, are graded through them."""
import json

import pytest

from coursetools.autograde.codec import decode, encode
from coursetools.autograde.grader_side import RemoteFunction
from nclib import batchnorm, grading
from test_grading_batchnorm_backward import (batchnorm_forward_momentum_weights_swapped,
                                             batchnorm_forward_running_averages_not_stored,
                                             batchnorm_forward_running_averages_updated_in_test_mode,
                                             batchnorm_forward_setdefault_in_place)


class InProcessStudent:
    """A StudentProcess in this process: the function gets decoded copies of the arguments, and the result
    and the arguments as the call left them come back encoded, as from the student's process."""

    def __init__(self, fn):
        self.fn = fn

    def call(self, name, args, kwargs):
        args, kwargs = decode(json.loads(json.dumps(encode((args, kwargs)))))
        result = self.fn(*args, **kwargs)
        return decode(json.loads(json.dumps(encode((result, args, kwargs)))))


@pytest.mark.parametrize("student_fn, passes", [
    (batchnorm.batchnorm_forward, True), (batchnorm_forward_setdefault_in_place, True),
    (batchnorm_forward_running_averages_not_stored, False), (batchnorm_forward_momentum_weights_swapped, False),
    (batchnorm_forward_running_averages_updated_in_test_mode, False),
], ids=lambda value: getattr(value, "__name__", str(value)))
def test_batchnorm_forward_state_is_graded_through_the_student_process(student_fn, passes):
    """The running averages the student's function stores in bn_param reach the spec through
    RemoteFunction's copy-back, whether the function assigns new arrays or updates the old ones in place."""
    remote = RemoteFunction(InProcessStudent(student_fn), "batchnorm_forward")
    if passes:
        grading.check("batchnorm_forward", remote)
    else:
        with pytest.raises(AssertionError, match="bn_param"):
            grading.check("batchnorm_forward", remote)
