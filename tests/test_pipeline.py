"""The whole course through stock nbgrader on a temporary copy: scores of the demo submissions."""
import pytest

from conftest import ASSIGNMENTS, BROKEN, assert_scored_as
from coursetools import notebooks, report
from coursetools.autograde import faults
from coursetools.demo import submissions

pytestmark = pytest.mark.nbgrader


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_demo_submissions_score_exactly_as_expected(graded_course, assignment):
    root, outcomes = graded_course
    not_graded = {student for student, outcome in outcomes[assignment].items() if not outcome.graded}
    assert not_graded == set(BROKEN), outcomes[assignment]
    assert not any(outcome.problems for outcome in outcomes[assignment].values() if outcome.graded)
    for student, bugs in submissions.demo_versions(assignment).items():
        assert_scored_as(root, assignment, student, bugs)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_buggy_scores_strictly_between_blank_and_complete(graded_course, assignment):
    root, _ = graded_course
    totals = {student: scores[assignment][0] for student, scores in report.read_grades(root / "grades.csv").items()}
    assert totals["demo_blank"] == 0
    assert 0 < totals["demo_buggy"] < totals["demo_complete"]
    points = sum(sum(notebooks.auto_graded_points(notebooks.read(root / "source" / assignment / name)).values())
                 for name in notebooks.notebook_names(root, assignment))
    assert totals["demo_complete"] == points


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_broken_submissions_are_reported_with_their_reason(graded_course, assignment):
    _, outcomes = graded_course
    reasons = {student: " ".join(outcome.problems) for student, outcome in outcomes[assignment].items()}
    assert "not appear to be JSON" in reasons["broken_json"]
    assert "No notebooks were matched" in reasons["broken_missing"]
    assert "Skipping unknown notebook" in reasons["broken_wrong_name"]


def test_export_and_feedback_cover_every_student(graded_course):
    root, _ = graded_course
    grades = report.read_grades(root / "grades.csv")
    for assignment in ASSIGNMENTS:
        for student in submissions.demo_versions(assignment):
            assert assignment in grades[student]
            assert list((root / "feedback" / student / assignment).glob("*.html")), (student, assignment)
    table = report.score_table(root / "grades.csv", root)
    assert "demo_complete" in table and "total" in table


def test_every_graded_notebook_has_a_fault_report_kept_out_of_feedback(graded_course):
    """The Execute step writes a report, empty for the demo submissions, beside each autograded notebook;
    generate_feedback copies it nowhere."""
    root, _ = graded_course
    for assignment in ASSIGNMENTS:
        for student in submissions.demo_versions(assignment):
            for name in notebooks.notebook_names(root, assignment):
                report = faults.path(root / "autograded" / student / assignment, name.removesuffix(".ipynb"))
                assert faults.problems(report) == [], (student, name)
    assert not list((root / "feedback").rglob(faults.IGNORE))
