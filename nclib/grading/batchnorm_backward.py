"""Specs of the batchnorm_backward assignment: batch normalisation forward (with its running averages) and
the three backward passes."""
import copy

import numpy as np

from nclib import batchnorm
from nclib.grading.engine import (ATOL, RTOL, Spec, assert_close, assert_unchanged, call, compare_cases, describe,
                                  require)


def _bn_inputs(rng, N, D):
    """x (N, D) with per-feature offsets and spreads (one feature's spread as small as 0.03, where
    eps matters), gamma (D,) of both signs, beta (D,)."""
    loc = 3.0 * rng.standard_normal(D)
    scale = 10 ** rng.uniform(-1.5, 0.7, D)
    scale[0] = 0.03
    x = loc + scale * rng.standard_normal((N, D))
    return x, rng.uniform(0.5, 2.0, D) * rng.choice([-1.0, 1.0], D), rng.standard_normal(D)


def _bn_running(rng, D):
    return {"running_mean": rng.standard_normal(D), "running_var": rng.uniform(0.5, 2.0, D)}


def _batchnorm_forward_cases(seed):
    """(steps, gamma, beta, bn_param, description): steps are (x, mode) calls sharing one bn_param, the
    dict each function stored its running averages in being passed to its next call."""
    rng = np.random.default_rng(seed)
    cases = []
    for N, D, settings, modes, running, description in [
        (5, 4, {}, ["train"], False, "no running averages yet"),
        (8, 3, {}, ["train"], True, "with running averages"),
        (1, 6, {}, ["train"], True, "a batch of one, with running averages"),
        (7, 1, {}, ["train"], False, "one feature, no running averages yet"),
        (6, 5, {"momentum": 0.75, "eps": 0.1}, ["train"], True, "momentum=0.75, eps=0.1, with running averages"),
        (10, 4, {}, ["test"], True, "given running averages"),
        (1, 3, {"eps": 0.01}, ["test"], True, "a batch of one, eps=0.01, given running averages"),
        (6, 3, {"momentum": 0.6}, ["train", "train", "test"], False, "momentum=0.6, from no running averages"),
    ]:
        x, gamma, beta = _bn_inputs(rng, N, D)
        steps = [(x, modes[0])] + [(_bn_inputs(rng, N, D)[0], mode) for mode in modes[1:]]
        bn_param = dict(settings, **(_bn_running(rng, D) if running else {}))
        mode = f"{modes[0]} mode" if len(modes) == 1 else f"{len(modes)} calls: {', '.join(modes)}"
        cases.append((steps, gamma, beta, bn_param, f"x {x.shape}, {mode}, {description}"))
    return cases


def _batchnorm_forward(name, student_fn, reference):
    """out, as _forward_spec compares it, and the state in bn_param: in train mode the running averages
    the call stores there (compared with the reference's), in test mode the same ones, unchanged. The
    student's function gets its own bn_param, which (as in grading, where the changes the student's
    function makes to its arguments are copied back) shows what it stored."""
    cases = _batchnorm_forward_cases(25)
    for number, (steps, gamma, beta, bn_param, description) in enumerate(cases, start=1):
        student_param, reference_param = copy.deepcopy(bn_param), copy.deepcopy(bn_param)
        for step, (x, mode) in enumerate(steps, start=1):
            where = f"{name}, hidden case {number} of {len(cases)} ({description}"
            where += f"; call {step}, {mode} mode)" if len(steps) > 1 else ")"
            student_param["mode"] = reference_param["mode"] = mode
            expected, _ = reference(x.copy(), gamma.copy(), beta.copy(), reference_param)
            before = copy.deepcopy(student_param)
            given = (x.copy(), gamma.copy(), beta.copy(), student_param)
            actual = call(where, student_fn, *given)
            assert_unchanged(where, (x, gamma, beta), given[:3])
            require(isinstance(actual, tuple) and len(actual) == 2,
                    f"{where}: must return (out, cache), got {describe(actual)}")
            assert_close(where, "out", actual[0], expected)
            for key in ("running_mean", "running_var"):
                if mode == "train":
                    require(key in student_param, f"{where}: the call must store bn_param[{key!r}], the running "
                                                  f"average that test mode uses")
                    assert_close(where, f"bn_param[{key!r}] (shape (D,)) stored by the call", student_param[key],
                                 reference_param[key])
                else:
                    kept = key in student_param and np.shape(student_param[key]) == np.shape(before[key])
                    require(kept and np.allclose(student_param[key], before[key], rtol=RTOL, atol=ATOL),
                            f"{where}: bn_param[{key!r}] was changed; test mode uses the running averages and "
                            f"must not update them")


def _batchnorm_backward_cases(seed):
    """(dout, cache) with the cache of the reference's train-mode forward."""
    rng = np.random.default_rng(seed)
    cases = []
    for N, D, eps in [(4, 5, None), (1, 6, None), (16, 40, None), (7, 1, None), (10, 3, 0.1)]:
        x, gamma, beta = _bn_inputs(rng, N, D)
        bn_param = {"mode": "train"} if eps is None else {"mode": "train", "eps": eps}
        _, cache = batchnorm.batchnorm_forward(x, gamma, beta, bn_param)
        description = f"x {x.shape}" + ("" if eps is None else f", eps={eps}") + (", a batch of one" if N == 1 else "")
        cases.append(((rng.standard_normal((N, D)), cache), description))
    return cases


def _batchnorm_backward(name, student_fn, reference):
    compare_cases(name, student_fn, reference, _batchnorm_backward_cases(26), ["dx", "dgamma", "dbeta"])


SPECS = {
    "batchnorm_forward": Spec(batchnorm.batchnorm_forward, _batchnorm_forward),
    "batchnorm_backward": Spec(batchnorm.batchnorm_backward, _batchnorm_backward),
    "batchnorm_backward_alt": Spec(batchnorm.batchnorm_backward_alt, _batchnorm_backward),
    "batchnorm_backward_seed": Spec(batchnorm.batchnorm_backward_seed, _batchnorm_backward),
}
