"""nclib.grading as a whole: check()'s handling of bad calls, SPECS as the union of one spec module per
assignment, the notebooks' hidden tests naming specs they may use, and the leak check the spec tests rely on."""
import importlib
import pkgutil
import re
from types import SimpleNamespace

import pytest

from conftest import ASSIGNMENTS, ROOT
from coursetools import notebooks
from grading_support import assert_gives_nothing_away
from nclib import grading, layers
from nclib.grading import engine

CHECK_CALL = re.compile(r"""grading\.check\(\s*["'](\w+)["']""")


def test_unknown_name_raises_key_error():
    with pytest.raises(KeyError, match="relu_fwd"):
        grading.check("relu_fwd", layers.relu_forward)


def test_a_non_function_fails():
    with pytest.raises(AssertionError, match="relu_forward: expected a function"):
        grading.check("relu_forward", None)


def test_the_spec_modules_are_the_assignments():
    modules = {info.name for info in pkgutil.iter_modules(grading.__path__)} - {"engine"}
    assert modules == set(ASSIGNMENTS)
    assert {module.__name__ for module in grading.ASSIGNMENT_MODULES} == {f"nclib.grading.{a}" for a in ASSIGNMENTS}


def test_specs_are_the_union_of_the_assignments_specs():
    merged = {name: spec for module in grading.ASSIGNMENT_MODULES for name, spec in module.SPECS.items()}
    assert grading.SPECS == merged
    assert sum(len(module.SPECS) for module in grading.ASSIGNMENT_MODULES) == len(grading.SPECS)
    assert all(isinstance(spec, engine.Spec) and callable(spec.reference) for spec in grading.SPECS.values())


def test_a_name_graded_by_two_assignments_is_an_error():
    specs = {"relu_forward": grading.SPECS["relu_forward"]}
    modules = [SimpleNamespace(__name__="first", SPECS=specs), SimpleNamespace(__name__="second", SPECS=specs)]
    with pytest.raises(ValueError, match="relu_forward"):
        grading._merged_specs(modules)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_notebook_checks_only_its_own_specs_and_those_it_builds_on(assignment):
    nb = notebooks.read(ROOT / "source" / assignment / f"{assignment}.ipynb")
    checked = [name for cell in nb.cells for name in CHECK_CALL.findall(cell.source)]
    allowed = {name for a in [assignment, *notebooks.builds_on(nb)]
               for name in importlib.import_module(f"nclib.grading.{a}").SPECS}
    assert checked, f"{assignment}.ipynb calls grading.check nowhere"
    assert set(checked) <= allowed, f"{assignment}.ipynb checks specs it does not own: {sorted(set(checked) - allowed)}"


def test_the_assertion_check_can_fail():
    """assert_gives_nothing_away must catch a message that prints an expected value."""
    value = 2.302585092994046
    with pytest.raises(AssertionError):
        assert_gives_nothing_away(f"softmax_loss: loss is 2.1, expected {value}", [value])
    with pytest.raises(AssertionError):
        assert_gives_nothing_away(f"softmax_loss: loss is wrong, expected {value:.4f}", [])
    assert_gives_nothing_away("softmax_loss, hidden case 1 of 5 (scores (5, 3), reg=0.3): loss is wrong: "
                              "largest absolute error 1.23e-01, largest relative error 4.56e-02", [value])
