"""A fault in one cell costs that cell's tests and their dependents only; the run goes on and reports it.

Each submission of faults.FAULTS goes through the real `nbgrader autograde` (with the course's
FaultTolerantExecute) on a temporary copy of the course, with a 15 s cell time limit and a 45 s budget
per notebook.
"""
import json

import pytest
from faults import FAULTS

from conftest import ROOT, assert_scored_as, grade_versions
from coursetools import course, notebooks
from coursetools.autograde import faults

# A fault report in the submission itself, which must neither add a fault nor hide the real one.
PLANTED = {("two_layer_net", "fault_forged_report"): {
    "two_layer_net.faults.json": json.dumps([{"cell": "planted", "kind": "KernelDied", "message": "planted"}])}}

pytestmark = pytest.mark.nbgrader

CASES = [(assignment, student) for assignment, per_student in FAULTS.items() for student in per_student]


@pytest.fixture(scope="module")
def faulty_course(tmp_path_factory):
    return grade_versions(tmp_path_factory, "faulty_course", FAULTS, "--Execute.timeout=15",
                          "--FaultTolerantExecute.time_budget=45", files=PLANTED)


def test_every_assignment_has_fault_cases():
    assert set(FAULTS) == set(notebooks.assignments(ROOT))


# What kills or hangs the kernel, by the code a fault plants.
KINDS = {"os._exit": "os._exit(", "endless loop ignoring interrupts": "signal.SIG_IGN", "segfault": "string_at(0)"}


def first_solution_cell(assignment):
    nb = notebooks.read(ROOT / "source" / assignment / notebooks.notebook_names(ROOT, assignment)[0])
    return next(gid for gid, cell in notebooks.solution_cells(nb).items() if cell.cell_type == "code")


def test_every_first_solution_cell_has_faults_of_every_kind_between_them():
    """Every later cell runs after an assignment's first solution cell: each assignment has a fault there, and
    batchnorm_forward, whose cache three other functions take, has one of each kind."""
    planted = {assignment: [bug.new for bugs in FAULTS[assignment].values() for bug in bugs
                            if bug.cell == first_solution_cell(assignment)] for assignment in FAULTS}
    assert all(planted.values()), {assignment: code for assignment, code in planted.items() if not code}
    every_first = [code for codes in planted.values() for code in codes]
    for kinds_seen in (every_first, planted["batchnorm_backward"]):
        missing = [kind for kind, marker in KINDS.items() if not any(marker in code for code in kinds_seen)]
        assert not missing, missing


@pytest.mark.parametrize("assignment,student", CASES)
def test_a_fault_costs_only_what_it_breaks(faulty_course, assignment, student):
    root, outcomes = faulty_course
    assert outcomes[assignment][student].graded, outcomes[assignment][student].problems
    assert_scored_as(root, assignment, student, FAULTS[assignment][student])


@pytest.mark.parametrize("assignment,student,fault", [
    ("two_layer_net", "fault_os_exit", "relu_forward: the kernel died"),
    ("two_layer_net", "fault_segfault", "swish_forward: the kernel died"),
    ("two_layer_net", "fault_hang", "predict: the cell ran for more than 15 s"),
    ("batchnorm_backward", "fault_forward_os_exit", "batchnorm_forward: the kernel died"),
    ("batchnorm_backward", "fault_forward_hang", "batchnorm_forward: the cell ran for more than 15 s"),
    ("batchnorm_backward", "fault_forward_segfault", "test_batchnorm_forward: the kernel died"),
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


def test_the_fault_report_is_the_graders_own(faulty_course):
    """Neither the report planted in the submission nor the link the student's code made in its place
    changes the report, which reaches neither the feedback nor the link's target."""
    root, outcomes = faulty_course
    assert outcomes["two_layer_net"]["fault_forged_report"].problems == [
        "relu_forward: the kernel died in this cell (exit, crash or a resource limit)"]
    folder = root / "autograded" / "fault_forged_report" / "two_layer_net"
    report = faults.path(folder, "two_layer_net")
    assert not report.is_symlink() and not (folder / "forged.json").exists()
    assert [fault["kind"] for fault in json.loads(report.read_text())] == ["KernelDied"]
    course.run_nbgrader(root, "generate_feedback", "two_layer_net", "--student=fault_forged_report", "--force")
    feedback = root / "feedback" / "fault_forged_report" / "two_layer_net"
    assert list(feedback.glob("*.html")) and not list(feedback.glob(faults.IGNORE))


def test_a_report_replaces_a_link_rather_than_writing_through_it(tmp_path):
    target = tmp_path / "target.json"
    target.write_text("grader's file")
    report = faults.path(tmp_path, "nb")
    report.symlink_to(target)
    faults.write(report, [{"cell": "f", "kind": "KernelDied", "message": "the kernel died"}])
    assert target.read_text() == "grader's file" and not report.is_symlink()
    assert faults.problems(report) == ["f: the kernel died"]
    assert sorted(tmp_path.iterdir()) == sorted([target, report])
