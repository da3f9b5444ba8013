"""coursetools.autograde.policy: what a solution cell may not do, on its syntax tree."""
import pytest

from coursetools.autograde import policy

FAST = ("nclib.fast_layers", "conv_forward_fast", "scipy")


@pytest.mark.parametrize("source", [
    "import numpy as np\ndef f(x):\n    return np.maximum(x, 0)",
    "from nclib.gradcheck import rel_error",
    "from nclib import fast_layers",             # given, and no assignment rule here
    "def f(x):\n    return x  # conv_forward_fast is only mentioned",
    "syntax error (",                           # the kernel reports it
])
def test_allowed(source):
    assert policy.violations(source) == []


@pytest.mark.parametrize("source,reason", [
    ("from nclib.layers import affine_forward", "imports nclib.layers"),
    ("import nclib.grading", "imports nclib.grading"),
    ("from nclib import models", "imports nclib.models"),
    ("import importlib", "imports importlib"),
    ("x = __import__('os')", "uses __import__"),
    ("f = vars()['conv_forward_fast']", "uses vars"),
    ("get_ipython().set_custom_exc((Exception,), None)", "uses get_ipython"),
    ("import sys\nsys.settrace(None)", "uses .settrace"),
])
def test_refused_everywhere(source, reason):
    assert any(reason in line for line in policy.violations(source)), policy.violations(source)


@pytest.mark.parametrize("source", [
    "from nclib import fast_layers",
    "import nclib.fast_layers as fl",
    "from nclib.fast_layers import conv_forward_fast as f",
    "def conv(x, w, b, p):\n    return conv_forward_fast(x, w, b, p)",
    "def conv(x, w, b, p):\n    return fl.conv_forward_fast(x, w, b, p)",
    "from scipy.signal import correlate",
    "import scipy.signal",
])
def test_refused_by_an_assignment_rule(source):
    found = policy.violations(source, FAST)
    assert found and all("this assignment does not allow" in line for line in found), found
    assert policy.violations(source) == [], "allowed where no assignment rule applies"


def test_the_rule_names_the_line():
    source = "import numpy as np\n\n\ndef conv(x):\n    return conv_forward_fast(x)"
    assert policy.violations(source, FAST) == ["line 5: uses conv_forward_fast, which this assignment does not allow "
                                               "in your code"]
