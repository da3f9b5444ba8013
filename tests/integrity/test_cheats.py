"""Cheating does not pay: each submission of cheats.CHEATS scores exactly what its wrong answer earns,
through the real `nbgrader autograde`, while an honest complete submission graded alongside scores full."""
import pytest
from cheats import CHEATS

from conftest import ROOT, assert_scored_as, grade_versions
from coursetools import notebooks

CASES = [(assignment, student) for assignment, per_student in CHEATS.items() for student in per_student]


@pytest.fixture(scope="module")
def cheating_course(tmp_path_factory):
    versions = {assignment: {"honest": []} | {student: cheat.bugs for student, cheat in cheats.items()}
                for assignment, cheats in CHEATS.items()}
    edits = {(assignment, student): cheat.edit for assignment, cheats in CHEATS.items()
             for student, cheat in cheats.items() if cheat.edit}
    return grade_versions(tmp_path_factory, "cheating_course", versions, edits=edits)


def test_every_assignment_has_cheat_cases():
    assert set(CHEATS) == set(notebooks.assignments(ROOT))


@pytest.mark.parametrize("assignment", sorted(CHEATS))
def test_an_honest_submission_still_scores_full(cheating_course, assignment):
    root, outcomes = cheating_course
    assert outcomes[assignment]["honest"].graded and not outcomes[assignment]["honest"].problems
    assert_scored_as(root, assignment, "honest", [])


@pytest.mark.parametrize("assignment,student", CASES)
def test_a_cheat_earns_nothing(cheating_course, assignment, student):
    root, outcomes = cheating_course
    assert outcomes[assignment][student].graded, outcomes[assignment][student].problems
    assert_scored_as(root, assignment, student, CHEATS[assignment][student].bugs)


@pytest.mark.parametrize("student,reason", [
    ("cheat_patch_grading", "imports nclib.grading"),
    ("cheat_call_reference", "imports nclib.layers"),
    ("cheat_swallow_exceptions", "uses get_ipython"),
    ("cheat_sys_modules", "uses .modules"),
    ("cheat_settrace", "uses .settrace"),
])
def test_refused_cells_are_reported(cheating_course, student, reason):
    _, outcomes = cheating_course
    assert any(reason in problem for problem in outcomes["two_layer_net"][student].problems), \
        outcomes["two_layer_net"][student].problems


@pytest.mark.parametrize("student,reason", [
    ("cheat_fast_layers", "uses nclib.fast_layers, which this assignment does not allow"),
    ("cheat_fast_by_name", "uses conv_backward_fast, which this assignment does not allow"),
    ("cheat_scipy", "uses scipy, which this assignment does not allow"),
])
def test_an_assignment_rule_refuses_given_answers(cheating_course, student, reason):
    _, outcomes = cheating_course
    assert any(reason in problem for problem in outcomes["conv_backward"][student].problems), \
        outcomes["conv_backward"][student].problems
