"""A fault in one cell costs that cell's tests and their dependents only; the run goes on and reports it.

Each submission of faults.FAULTS goes through the real `nbgrader autograde` (with the course's
FaultTolerantExecute) on a temporary copy of the course, with a 15 s cell time limit and a 45 s budget
per notebook.
"""
import pytest
from faults import FAULTS

from conftest import ROOT, assert_scored_as, grade_versions
from coursetools import notebooks

pytestmark = pytest.mark.nbgrader

CASES = [(assignment, student) for assignment, per_student in FAULTS.items() for student in per_student]


@pytest.fixture(scope="module")
def faulty_course(tmp_path_factory):
    return grade_versions(tmp_path_factory, "faulty_course", FAULTS, "--Execute.timeout=15",
                          "--FaultTolerantExecute.time_budget=45")


def test_every_assignment_has_fault_cases():
    assert set(FAULTS) == set(notebooks.assignments(ROOT))


@pytest.mark.parametrize("assignment,student", CASES)
def test_a_fault_costs_only_what_it_breaks(faulty_course, assignment, student):
    root, outcomes = faulty_course
    assert outcomes[assignment][student].graded, outcomes[assignment][student].problems
    assert_scored_as(root, assignment, student, FAULTS[assignment][student])


@pytest.mark.parametrize("assignment,student,fault", [
    ("two_layer_net", "fault_os_exit", "relu_forward: the kernel died"),
    ("two_layer_net", "fault_segfault", "swish_forward: the kernel died"),
    ("two_layer_net", "fault_hang", "predict: the cell ran for more than 15 s"),
])
def test_the_report_names_the_faulty_cell(faulty_course, assignment, student, fault):
    _, outcomes = faulty_course
    assert any(problem.startswith(fault) for problem in outcomes[assignment][student].problems), \
        outcomes[assignment][student].problems


def test_the_time_budget_stops_a_wedged_kernel(faulty_course):
    _, outcomes = faulty_course
    problems = outcomes["two_layer_net"]["fault_wedge_kernel"].problems
    assert any("used up its 45 s of grading time" in problem for problem in problems), problems


def test_a_flood_of_output_is_cut(faulty_course):
    root, _ = faulty_course
    graded = root / "autograded" / "fault_output" / "two_layer_net" / "two_layer_net.ipynb"
    assert graded.stat().st_size < 2_000_000
    assert "[output cut at" in graded.read_text()
