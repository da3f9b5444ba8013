"""Grades for learning management systems, read from the gradebook and the autograded notebooks and
written to one folder (exports/ by default):

- canvas_gradebook.csv: a gradebook Canvas imports (Grades > Import): the columns Student, ID, SIS Login
  ID, Section, then one column per assignment holding nbgrader's score (late penalty included), and
  under the header a "Points Possible" row as Canvas's own exports have. The student columns come from
  the roster; a student without a graded submission of an assignment gets an empty cell (Canvas leaves it
  as it is), as does a submission nbgrader recorded but could not grade (a corrupted notebook), which
  `nbgrader export` counts 0.
- cell_scores.csv: one row per graded cell of every graded submission (student, assignment, notebook,
  cell, score, max_score); its sums per student and assignment are nbgrader's raw scores.
- gradescope/<assignment>/<student>/results.json: each submission in the Gradescope autograder format:
  the score, and a test per graded cell (name, score, max_score, status, output: the failing checks'
  messages, or what the test printed when it passed).

The roster is a CSV file with a header and one row per student: ROSTER_COLUMNS, student_id being the id
nbgrader knows the student by. Every student with a graded submission must have a row; other columns are
ignored. Nothing here changes a grade.
"""
import csv
import json
from pathlib import Path

from coursetools import results

ROSTER_COLUMNS = ("student_id", "name", "canvas_id", "sis_login_id", "section")
CANVAS_COLUMNS = ("Student", "ID", "SIS Login ID", "Section")
CELL_COLUMNS = ("student", "assignment", "notebook", "cell", "score", "max_score")


class BadRoster(ValueError):
    """The roster cannot be used; the message is one line saying why."""


def read_roster(path):
    """[{column: value}] of the roster's rows, in its order. Raises BadRoster naming what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise BadRoster(f"no roster at {path}: write a CSV file with the columns {', '.join(ROSTER_COLUMNS)}")
    with open(path, newline="", encoding="utf-8-sig") as fh:  # utf-8-sig: spreadsheets write a BOM
        reader = csv.DictReader(fh)
        header = [name.strip() for name in reader.fieldnames or []]
        missing = [name for name in ROSTER_COLUMNS if name not in header]
        if missing:
            raise BadRoster(f"the roster {path} lacks the column(s) {', '.join(missing)} "
                            f"(it needs {', '.join(ROSTER_COLUMNS)})")
        rows = [{name.strip(): (value or "").strip() for name, value in row.items() if name} for row in reader]
    seen = set()
    for number, row in enumerate(rows, start=2):
        if not row["student_id"]:
            raise BadRoster(f"the roster {path} has no student_id on line {number}")
        if row["student_id"] in seen:
            raise BadRoster(f"the roster {path} lists {row['student_id']} twice")
        seen.add(row["student_id"])
    return rows


def check_roster(roster, graded, path):
    """Raise BadRoster if a student with a graded submission has no row in the roster."""
    listed = {row["student_id"] for row in roster}
    missing = sorted({s for one in graded for s in one.submissions} - listed)
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise BadRoster(f"the roster {path} has no row for {shown}, graded in the gradebook")


def points(value):
    return f"{value:g}"


def write_canvas(path, roster, graded):
    """The Canvas gradebook CSV: the roster's students, one column per assignment."""
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow([*CANVAS_COLUMNS, *(one.assignment for one in graded)])
        out.writerow(["Points Possible", "", "", "",
                      *(points(sum(cell.max_score for cell in one.cells)) for one in graded)])
        for row in roster:
            scores = [one.submissions.get(row["student_id"]) for one in graded]
            out.writerow([row["name"], row["canvas_id"], row["sis_login_id"], row["section"],
                          *("" if s is None else points(s.score) for s in scores)])


def write_cell_scores(path, graded):
    """The long per-cell CSV of every graded submission."""
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(CELL_COLUMNS)
        for one in graded:
            for student, submission in one.submissions.items():
                for cell in one.cells:
                    key = (cell.notebook, cell.name)
                    if key in submission.scores:
                        out.writerow([student, one.assignment, cell.notebook, cell.name,
                                      points(submission.scores[key]), points(cell.max_score)])


def gradescope_results(one, submission, outputs):
    """The Gradescope results.json of one submission, as a dict; outputs: {(notebook, grade_id): outputs}
    of its autograded notebooks."""
    several = len({cell.notebook for cell in one.cells}) > 1
    tests = []
    for cell in one.cells:
        key = (cell.notebook, cell.name)
        if key not in submission.scores:
            continue
        score = submission.scores[key]
        if not cell.automatic:
            output = "a written answer, graded by hand" + (
                ": not graded yet" if key in submission.needs_manual_grade else "")
        else:
            failed = results.messages(outputs.get(key, []))
            output = "\n".join(map(str, failed)) if failed else results.printed(outputs.get(key, [])).strip()
        tests.append({"name": f"{cell.notebook}/{cell.name}" if several else cell.name, "score": score,
                      "max_score": cell.max_score, "status": "passed" if score >= cell.max_score else "failed",
                      "output": output})
    report = {"score": submission.score, "tests": tests}
    if submission.late_penalty:
        report["output"] = (f"late submission: {points(submission.late_penalty)} point(s) deducted from "
                            f"{points(submission.raw_score)}")
    return report


def export(root, roster_path, dest, assignments=(), db_url=None):
    """Write the three exports of the assignments (default: every one graded) to dest; scores from the
    gradebook at db_url (default: the course's). Raises results.NoResults or BadRoster, before writing
    anything, on an assignment never graded, an empty class or a roster that does not fit.
    Returns (the paths written, {assignment: [student]} of the submissions nbgrader recorded but could
    not grade, left out of every file)."""
    roster = read_roster(roster_path)
    graded = results.read_assignments(root, assignments, db_url)
    check_roster(roster, graded, roster_path)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    written = [dest / "canvas_gradebook.csv", dest / "cell_scores.csv"]
    write_canvas(written[0], roster, graded)
    write_cell_scores(written[1], graded)
    for one in graded:
        outputs = results.autograded_outputs(root, one)
        for student, submission in one.submissions.items():
            path = dest / "gradescope" / one.assignment / student / "results.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(gradescope_results(one, submission, outputs.get(student, {})), indent=1))
            written.append(path)
    return written, {one.assignment: one.ungraded for one in graded if one.ungraded}
