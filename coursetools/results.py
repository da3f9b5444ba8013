"""What grading left behind, read back for the instructor's views (item analysis, LMS exports): every
graded cell's score from the gradebook, and what each test cell said in the autograded notebooks.

Scores come from nbgrader's gradebook (coursetools.gradebook.url: SQLite or PostgreSQL) in one query per
assignment; a cell's score is nbgrader's (a manual override of the automatic score wins, extra credit
counts). A test cell's messages are the error outputs nbgrader's Execute step left on it in
autograded/<student>/<assignment>/<notebook>.ipynb: the visible test's exception, or a hidden check's
HiddenTestFailed (coursetools.autograde.execute), or a grading fault. Nothing here writes a grade.
"""
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy
from nbgrader.api import (Assignment, BaseCell, Grade, Gradebook, Notebook, Student, SubmittedAssignment,
                          SubmittedNotebook)

from coursetools import gradebook, notebooks


class NoResults(ValueError):
    """There is nothing graded to read: no gradebook, an assignment never graded, an empty class.
    The message is one line that says what to run first."""


@dataclass(frozen=True)
class Cell:
    """A graded cell of an assignment."""
    notebook: str       # the notebook's name, without .ipynb
    name: str           # the cell's grade_id
    max_score: float
    automatic: bool     # a code test cell, scored by nbgrader itself; else a written answer (or task) graded by hand


@dataclass
class Submission:
    """One student's graded submission of an assignment."""
    student: str
    scores: dict                    # {(notebook, cell name): score}
    needs_manual_grade: set         # {(notebook, cell name)} still to be graded by hand
    late_penalty: float = 0.0

    @property
    def raw_score(self):
        """The sum of the cell scores: nbgrader's raw_score."""
        return sum(self.scores.values())

    @property
    def score(self):
        """nbgrader's score: the raw score less the late penalty, never below zero (as `nbgrader export`)."""
        return max(0.0, self.raw_score - self.late_penalty)


@dataclass
class AssignmentResults:
    """Every graded submission of one assignment."""
    assignment: str
    cells: list                                     # [Cell], in notebook order
    submissions: dict = field(default_factory=dict)  # {student: Submission}, sorted by student
    ungraded: list = field(default_factory=list)    # students whose submission nbgrader recorded, not graded


@dataclass(frozen=True)
class Message:
    """An error output of a graded cell: its exception name and text."""
    kind: str           # the exception's name: AssertionError, HiddenTestFailed, NotImplementedError, ...
    text: str           # its message ("" when it has none)

    def __str__(self):
        return f"{self.kind}: {self.text}" if self.text else self.kind


def open_gradebook(root, db_url=None):
    """nbgrader's Gradebook at db_url (default: the course's, coursetools.gradebook.url(root)), opened for
    reading. Raises NoResults when an SQLite gradebook does not exist (nbgrader would create an empty one),
    gradebook.GradebookUnreachable when its database cannot be reached."""
    url = db_url or gradebook.url(root)
    try:
        parsed = sqlalchemy.engine.make_url(url)
    except sqlalchemy.exc.ArgumentError:
        parsed = None  # check_reachable says what is wrong with it
    if parsed is not None and parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").exists():
        raise NoResults(f"no gradebook at {parsed.database}: grade the class first (make autograde)")
    gradebook.check_reachable(url)
    return Gradebook(url)


def graded_assignments(gb):
    """Names of the assignments with at least one graded submission, sorted."""
    rows = (gb.db.query(Assignment.name).join(SubmittedAssignment).join(SubmittedNotebook).join(Grade)
            .filter(Grade.auto_score.isnot(None) | Grade.manual_score.isnot(None)).distinct())
    return sorted(name for (name,) in rows)


def chosen_assignments(gb, requested=()):
    """The assignments to read: those requested, else every assignment with a graded submission.
    Raises NoResults when there is none (an empty class)."""
    if requested:
        return list(requested)
    graded = graded_assignments(gb)
    if not graded:
        raise NoResults("the gradebook holds no graded submission: autograde the class first (make autograde)")
    return graded


def read_assignments(root, requested=(), db_url=None):
    """[AssignmentResults] of the assignments requested (default: every one graded), read from the
    gradebook at db_url (default: the course's). Raises NoResults if one of them was never graded."""
    with open_gradebook(root, db_url) as gb:
        return [read_assignment(gb, root, name) for name in chosen_assignments(gb, requested)]


def cell_order(root, assignment):
    """{(notebook, grade_id): position} of the graded cells in the course's source notebooks."""
    order = {}
    folder = Path(root) / "source" / assignment
    for name in notebooks.notebook_names(root, assignment) if folder.is_dir() else ():
        for grade_id in notebooks.graded_points(notebooks.read(folder / name)):
            order[(Path(name).stem, grade_id)] = len(order)
    return order


def read_assignment(gb, root, assignment):
    """AssignmentResults of the assignment, from the gradebook gb. Raises NoResults if the gradebook does
    not know the assignment or holds no graded submission of it."""
    if not gb.db.query(Assignment).filter(Assignment.name == assignment).count():
        raise NoResults(f"{assignment} is not in the gradebook: run `nbgrader generate_assignment {assignment}` "
                        "and autograde it first")
    grades = (gb.db.query(Student.id, Notebook.name, BaseCell.name, Grade.cell_type, Grade.max_score, Grade.score,
                          Grade.needs_manual_grade, Grade.auto_score.isnot(None) | Grade.manual_score.isnot(None))
              .select_from(Grade)
              .join(BaseCell, Grade.cell_id == BaseCell.id)
              .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
              .join(Notebook, SubmittedNotebook.notebook_id == Notebook.id)
              .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
              .join(Student, SubmittedAssignment.student_id == Student.id)
              .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
              .filter(Assignment.name == assignment))
    cells, submissions, scored = {}, {}, set()
    for student, notebook, name, cell_type, max_score, score, manual, has_score in grades:
        key = (notebook, name)
        cells.setdefault(key, Cell(notebook, name, float(max_score), cell_type == "code"))
        submission = submissions.setdefault(student, Submission(student, {}, set()))
        submission.scores[key] = float(score or 0.0)
        if manual:
            submission.needs_manual_grade.add(key)
        if has_score:
            scored.add(student)
    # A submission nbgrader failed on (a corrupted or misnamed notebook) stays in the gradebook without
    # a single score: it was not graded, and is not a class of zeros.
    ungraded = sorted(set(submissions) - scored)
    submissions = {student: sub for student, sub in submissions.items() if student in scored}
    if not submissions:
        raise NoResults(f"{assignment} has no graded submission in the gradebook: autograde it first "
                        f"(python -m coursetools autograde {assignment})")
    penalties = (gb.db.query(Student.id, SubmittedAssignment.late_submission_penalty)
                 .select_from(SubmittedAssignment).join(Student).join(Assignment)
                 .filter(Assignment.name == assignment))
    for student, penalty in penalties:
        if student in submissions:
            submissions[student].late_penalty = float(penalty or 0.0)
    order = cell_order(root, assignment)
    ordered = sorted(cells.values(), key=lambda c: (order.get((c.notebook, c.name), len(order)), c.notebook, c.name))
    return AssignmentResults(assignment, ordered, dict(sorted(submissions.items())), ungraded)


def text_of(value):
    """A notebook's multiline string (a str or a list of lines) as one str."""
    return "".join(value) if isinstance(value, list) else (value or "")


def cell_outputs(path):
    """{grade_id: outputs} of the graded code cells of the autograded notebook at path ({} if it is missing).
    Read as plain JSON: nbformat's validation costs more than the rest of a report."""
    if not os.path.exists(path):
        return {}
    with open(path) as fh:
        nb = json.load(fh)
    found = {}
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "code" and meta.get("grade") and meta.get("grade_id"):
            found[meta["grade_id"]] = cell.get("outputs", [])
    return found


def messages(outputs):
    """[Message] of a cell's error outputs, in order."""
    return [Message(out.get("ename", "Error"), text_of(out.get("evalue", "")).strip())
            for out in outputs if out.get("output_type") == "error"]


def printed(outputs):
    """The text a cell printed to stdout."""
    return "".join(text_of(out.get("text", "")) for out in outputs
                   if out.get("output_type") == "stream" and out.get("name") == "stdout")


def autograded_outputs(root, results):
    """{student: {(notebook, grade_id): outputs}} of the automatically graded cells of every graded
    submission of results, read from autograded/."""
    folder = Path(root) / "autograded"
    names = sorted({cell.notebook for cell in results.cells if cell.automatic})
    found = {}
    for student in results.submissions:
        per_cell = {}
        for notebook in names:
            path = folder / student / results.assignment / f"{notebook}.ipynb"
            per_cell.update({(notebook, gid): outs for gid, outs in cell_outputs(path).items()})
        found[student] = per_cell
    return found
