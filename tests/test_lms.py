"""LMS exports (coursetools.lms) on a synthetic graded class whose scores are known, and `python -m
coursetools export-lms` on bad input. test_pipeline.py checks them against `nbgrader export` on the demo
class graded by nbgrader."""
import csv
import json

import pytest

from conftest import ROOT, run_coursetools
from coursetools import lms
from coursetools.demo import synthetic

ASSIGNMENT = "two_layer_net"


@pytest.fixture(scope="module")
def synthetic_class(tmp_path_factory):
    return synthetic.graded_class(ROOT, tmp_path_factory.mktemp("class"), ASSIGNMENT, 30, seed=2,
                                  ungraded=("fc_net",))


def write_roster(path, students, columns=lms.ROSTER_COLUMNS):
    """A roster of the students, in reverse order, with the given columns (and one the export ignores)."""
    values = {"name": lambda s: f"Last{s[-3:]}, First", "canvas_id": lambda s: str(1000 + int(s[-3:])),
              "sis_login_id": lambda s: f"{s}@example.edu", "section": lambda s: f"S{int(s[-3:]) % 2}",
              "student_id": lambda s: s}
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow([*columns, "email"])
        for student in reversed(students):
            out.writerow([values[c](student) for c in columns] + ["x@example.edu"])
    return path


@pytest.fixture(scope="module")
def exported(synthetic_class, tmp_path_factory):
    roster = write_roster(tmp_path_factory.mktemp("roster") / "roster.csv", synthetic_class.students)
    dest = tmp_path_factory.mktemp("exports")
    lms.export(synthetic_class.root, roster, dest, db_url=synthetic_class.db_url)
    return dest


def raw_and_score(truth, i):
    raw = truth.scores[i].sum()
    return raw, max(0.0, raw - truth.late_penalty.get(truth.students[i], 0.0))


def test_canvas_gradebook_has_the_header_canvas_reads(synthetic_class, exported):
    with open(exported / "canvas_gradebook.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["Student", "ID", "SIS Login ID", "Section", ASSIGNMENT]
    assert rows[1] == ["Points Possible", "", "", "", f"{sum(c[2] for c in synthetic_class.cells):g}"]
    students = list(reversed(synthetic_class.students))   # the roster's order
    assert [row[2] for row in rows[2:]] == [f"{s}@example.edu" for s in students]
    for row, student in zip(rows[2:], students):
        i = synthetic_class.students.index(student)
        assert row[:2] == [f"Last{student[-3:]}, First", str(1000 + i)]
        assert float(row[4]) == pytest.approx(raw_and_score(synthetic_class, i)[1])
    assert synthetic_class.late_penalty, "the synthetic class has late submissions"


def test_cell_scores_sum_to_each_submissions_raw_score(synthetic_class, exported):
    with open(exported / "cell_scores.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(lms.CELL_COLUMNS)
    assert len(rows) == len(synthetic_class.students) * len(synthetic_class.cells)
    for i, student in enumerate(synthetic_class.students):
        mine = [row for row in rows if row["student"] == student]
        assert sum(float(row["score"]) for row in mine) == pytest.approx(raw_and_score(synthetic_class, i)[0])
        assert [row["cell"] for row in mine] == [cell[1] for cell in synthetic_class.cells]


def test_gradescope_results_hold_a_test_per_graded_cell(synthetic_class, exported):
    for i, student in enumerate(synthetic_class.students):
        report = json.loads((exported / "gradescope" / ASSIGNMENT / student / "results.json").read_text())
        assert report["score"] == pytest.approx(raw_and_score(synthetic_class, i)[1])
        if student in synthetic_class.late_penalty:
            assert report["output"].startswith("late submission: 1 point(s) deducted")
        else:
            assert "output" not in report
        assert [t["name"] for t in report["tests"]] == [cell[1] for cell in synthetic_class.cells]
        for test, (_, grade_id, points, automatic), score in zip(report["tests"], synthetic_class.cells,
                                                                 synthetic_class.scores[i]):
            assert (test["score"], test["max_score"]) == (score, points)
            assert test["status"] == ("passed" if score == points else "failed")
            failure = synthetic_class.messages.get((student, grade_id))
            if failure:
                assert test["output"] == (f"{failure[0]}: {failure[1]}" if failure[1] else failure[0])
            elif automatic:
                assert test["output"] == "all hidden cases passed"
            else:
                assert test["output"].startswith("a written answer, graded by hand")


def test_export_lms_writes_into_exports(monkeypatch, synthetic_class, tmp_path):
    roster = write_roster(tmp_path / "roster.csv", synthetic_class.students)
    assert run_coursetools(monkeypatch, synthetic_class.root, "export-lms", "--roster", str(roster)) == 0
    assert (synthetic_class.root / "exports" / "canvas_gradebook.csv").exists()
    assert len(list((synthetic_class.root / "exports" / "gradescope").rglob("results.json"))) == 30


@pytest.mark.parametrize("problem,says", [
    ("missing column", "lacks the column(s) sis_login_id, section"),
    ("missing student", "has no row for student000, student007"),
    ("no roster", "no roster at"),
    ("never graded", "fc_net has no graded submission in the gradebook"),
])
def test_bad_input_is_one_line_and_writes_nothing(monkeypatch, synthetic_class, tmp_path, problem, says):
    students = synthetic_class.students
    roster = tmp_path / "roster.csv"
    if problem == "missing column":
        write_roster(roster, students, ("student_id", "name", "canvas_id"))
    elif problem == "missing student":
        write_roster(roster, [s for s in students if s not in ("student000", "student007")])
    elif problem != "no roster":
        write_roster(roster, students)
    argv = ["export-lms", "--roster", str(roster), "--dest", str(tmp_path / "out")]
    message = run_coursetools(monkeypatch, synthetic_class.root, *argv, *(["fc_net"] if problem == "never graded" else []))
    assert says in message and "\n" not in message
    assert not (tmp_path / "out").exists()


def test_an_empty_class_is_one_line(monkeypatch, tmp_path):
    empty = synthetic.graded_class(ROOT, tmp_path / "course", ASSIGNMENT, 0)
    roster = write_roster(tmp_path / "roster.csv", [])
    message = run_coursetools(monkeypatch, empty.root, "export-lms", "--roster", str(roster))
    assert "the gradebook holds no graded submission" in message and "\n" not in message
