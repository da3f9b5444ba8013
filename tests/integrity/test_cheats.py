"""Cheating does not pay: each submission of cheats.CHEATS scores exactly what its wrong answer earns,
through the real `nbgrader autograde`, while an honest complete submission graded alongside scores full."""
import pytest
from cheats import CHEATS

from conftest import ROOT, assert_scored_as, grade_versions
from coursetools import notebooks

pytestmark = pytest.mark.nbgrader

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


@pytest.mark.parametrize("assignment,student,reason", [
    ("two_layer_net", "cheat_patch_grading", "imports nclib.grading"),
    ("two_layer_net", "cheat_call_reference", "imports nclib.layers"),
    ("two_layer_net", "cheat_swallow_exceptions", "uses get_ipython"),
    ("two_layer_net", "cheat_sys_modules", "uses .modules"),
    ("two_layer_net", "cheat_settrace", "uses .settrace"),
    # an assignment rule: given helpers that would answer the exercise
    ("conv_backward", "cheat_fast_layers", "uses nclib.fast_layers, which this assignment does not allow"),
    ("conv_backward", "cheat_fast_by_name", "uses conv_backward_fast, which this assignment does not allow"),
    ("conv_backward", "cheat_scipy", "uses scipy, which this assignment does not allow"),
    ("rnn_bptt", "cheat_call_reference", "imports nclib.rnn"),
    ("autoencoders", "cheat_call_reference", "imports nclib.autoencoders"),
])
def test_refused_cells_are_reported(cheating_course, assignment, student, reason):
    _, outcomes = cheating_course
    problems = outcomes[assignment][student].problems
    assert any(reason in problem for problem in problems), problems
