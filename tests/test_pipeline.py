"""The whole course through stock nbgrader on a temporary copy: scores of the demo submissions, and what
the instructor sees after grading (item analysis, LMS exports)."""
import csv
import html
import json

import pytest

from conftest import ASSIGNMENTS, BROKEN, assert_scored_as, grade_versions
from coursetools import itemanalysis, lms, notebooks, report, results
from coursetools.autograde import faults
from coursetools.demo import submissions
from coursetools.demo.bugs import BUGS

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


def figure_outputs(path):
    """The outputs of the notebook at path that hold a figure: its image, or else its text."""
    return [output for cell in notebooks.read(path).cells if cell.cell_type == "code" for output in cell.outputs
            if output.get("output_type") == "display_data" and (
                any(kind.startswith("image/") for kind in output.data)
                or output.data.get("text/plain", "").startswith("<Figure size"))]


def test_figures_are_text_when_graded_unless_drawing_is_configured(graded_course, tmp_path_factory):
    """Graded notebooks and feedback hold each figure as its text by default; with
    FaultTolerantExecute.draw_figures the same cells hold the images, and the scores do not change."""
    root, _ = graded_course
    for assignment in ASSIGNMENTS:
        for name in notebooks.notebook_names(root, assignment):
            shown = figure_outputs(root / "autograded" / "demo_complete" / assignment / name)
            assert shown and all(set(output.data) == {"text/plain"} for output in shown), (assignment, name)
        for page in (root / "feedback" / "demo_complete" / assignment).glob("*.html"):
            assert "Figure size" in page.read_text() and "data:image/png" not in page.read_text(), page
    drawn_root, outcomes = grade_versions(tmp_path_factory, "figures", {"two_layer_net": {"demo_complete": []}},
                                          "--FaultTolerantExecute.draw_figures=True")
    assert outcomes["two_layer_net"]["demo_complete"].graded
    assert_scored_as(drawn_root, "two_layer_net", "demo_complete", [])
    name, = notebooks.notebook_names(root, "two_layer_net")
    text = figure_outputs(root / "autograded" / "demo_complete" / "two_layer_net" / name)
    drawn = figure_outputs(drawn_root / "autograded" / "demo_complete" / "two_layer_net" / name)
    assert len(drawn) == len(text) and all("image/png" in output.data for output in drawn)


def read_csv(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def buggy_messages(root, assignment, cell):
    """The normalised failure messages of a test cell in the buggy demo submission, as nbgrader left them."""
    found = set()
    for name in notebooks.notebook_names(root, assignment):
        path = root / "autograded" / "demo_buggy" / assignment / name
        for message in results.messages(results.cell_outputs(path).get(cell, [])):
            found.add((message.kind, itemanalysis.normalise(message.text)))
    return found


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_planted_bug_shows_under_the_cell_it_breaks(graded_course, assignment):
    """The item analysis lists, under each test cell a planted bug breaks, the message that cell failed
    with in the buggy submission; under the other cells, only the blank submission's failures."""
    root, _ = graded_course
    analysis, page = itemanalysis.write_reports(root, [assignment])[assignment]
    text = page.read_text()
    items = {item.cell.name: item for item in analysis.items}
    # The broken submissions nbgrader left in the gradebook unscored are not counted as zeros.
    assert set(analysis.ungraded) <= set(BROKEN) and len(analysis.totals) == len(submissions.demo_versions(assignment))
    assert all(item.graded == len(analysis.totals) for item in items.values())
    broken = {cell for bug in BUGS[assignment] for cell in bug.breaks}
    for bug in BUGS[assignment]:
        for cell in bug.breaks:
            expected = buggy_messages(root, assignment, cell)
            assert expected, f"{bug.description}: {cell} has no failure message in the buggy submission"
            assert expected <= {(f.kind, f.message) for f in items[cell].failures}, (bug.description, cell)
            section = text.split(f'id="{itemanalysis.item_anchor(items[cell])}"')[1].split("</section>")[0]
            for kind, message in expected:
                assert html.escape(message) in section, (bug.description, cell)
    for name, item in items.items():
        if name not in broken:
            assert {f.kind for f in item.failures} == {"NotImplementedError"}, name
            assert [f.count for f in item.failures] == [1], name


def test_lms_exports_agree_with_nbgrader_export(graded_course, tmp_path):
    """Per-cell scores sum to nbgrader's raw score of each submission, the Canvas gradebook and each
    Gradescope results.json hold its score, and a failed test's output is the message it failed with."""
    root, _ = graded_course
    exported = {(row["student_id"], row["assignment"]): row for row in read_csv(root / "grades.csv")}
    roster = tmp_path / "roster.csv"
    students = sorted({student for student, _ in exported})
    with open(roster, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(lms.ROSTER_COLUMNS)
        out.writerows([s, s.title(), str(i), f"{s}@example.edu", "A"] for i, s in enumerate(students))
    _, ungraded = lms.export(root, roster, tmp_path / "exports")
    assert all(set(students) <= set(BROKEN) for students in ungraded.values()), ungraded
    sums = {}
    for row in read_csv(tmp_path / "exports" / "cell_scores.csv"):
        key = (row["student"], row["assignment"])
        sums[key] = sums.get(key, 0.0) + float(row["score"])
    assert set(sums) == {(s, a) for a in ASSIGNMENTS for s in submissions.demo_versions(a)}
    for key, row in exported.items():
        assert sums.get(key, 0.0) == pytest.approx(float(row["raw_score"])), key
    canvas = read_csv(tmp_path / "exports" / "canvas_gradebook.csv")
    assert canvas[0]["Student"] == "Points Possible"
    for line in canvas[1:]:
        student = line["SIS Login ID"].removesuffix("@example.edu")
        for assignment in ASSIGNMENTS:
            graded = (student, assignment) in sums
            assert line[assignment] == (f"{float(exported[student, assignment]['score']):g}" if graded else "")
    for (student, assignment) in sums:
        report = json.loads((tmp_path / "exports" / "gradescope" / assignment / student / "results.json").read_text())
        assert report["score"] == pytest.approx(float(exported[student, assignment]["score"]))
        if student == "demo_buggy":
            for test in report["tests"]:
                for kind, message in buggy_messages(root, assignment, test["name"]):
                    assert itemanalysis.normalise(test["output"]) == f"{kind}: {message}", test
