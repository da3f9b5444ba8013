"""A synthetic graded class, for the tests and benchmarks of what instructors see after grading (item
analysis, LMS exports) at class sizes nobody grades in a test.

It writes what nbgrader's autograde would have left, without running it: a course folder with the
assignment's source notebook, an SQLite gradebook holding the assignment's graded cells and a score for
every cell of every student (through nbgrader's Gradebook API), and autograded/<student>/<assignment>/
<notebook>.ipynb with an error output on every failed test cell. Scores follow a one-parameter logistic
model (an ability per student, a difficulty per cell), with two cells that break it on purpose: the
first test cell is passed by everyone (its discrimination is undefined) and the second is passed at
random (its discrimination is near zero). One student in ten submitted late, at a point's penalty.
"""
import json
import os
import shutil
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sqlalchemy
from nbgrader.api import Gradebook

from coursetools import gradebook, notebooks

# Failure messages as the grader words them, with numbers that differ from student to student.
TEMPLATES = (
    ("AssertionError", "dx is wrong: relative error {error:.2e}, should be below 1e-07"),
    ("HiddenTestFailed", "{function}: the output for an input of shape ({n}, {d}) is wrong: relative error {error:.2e}"),
    ("NotImplementedError", ""),
)


@dataclass
class SyntheticClass:
    """What was written: the course root, its gradebook URL and the truth the tests compare with."""
    root: Path
    db_url: str
    students: list          # student ids, sorted
    cells: list             # [(notebook, grade_id, points, automatic)] in notebook order
    scores: np.ndarray      # (students, cells): the score of each cell
    messages: dict          # {(student, grade_id): (kind, text)} of the failed test cells
    late_penalty: dict      # {student: penalty} of the late submissions


def graded_class(course_root, dest, assignment, n_students, seed=0, ungraded=(), padding=0):
    """Write a synthetic class of n_students who submitted `assignment` of the course at course_root into
    the folder dest (a course root: source/, nbgrader_config.py, gradebook.db, autograded/), and return its SyntheticClass. The assignments of `ungraded` are put in the gradebook
    without any submission. padding: bytes of figure output added to each autograded notebook, to read
    notebooks of the size real ones have (a graded notebook with its figures is about 0.5 MB)."""
    rng = np.random.default_rng(seed)
    course_root, dest = Path(course_root), Path(dest)
    for name in (assignment, *ungraded):
        shutil.copytree(course_root / "source" / name, dest / "source" / name, dirs_exist_ok=True)
    shutil.copy(course_root / "nbgrader_config.py", dest)
    db_url = gradebook.sqlite_url(dest)
    students = [f"student{i:03d}" for i in range(n_students)]
    with new_gradebook(db_url) as gb, warnings.catch_warnings():
        # nbgrader's add_submission makes SQLAlchemy warn about objects not yet in its session, harmlessly.
        warnings.simplefilter("ignore", category=sqlalchemy.exc.SAWarning)
        cells = {name: add_assignment(gb, dest, name) for name in (assignment, *ungraded)}[assignment]
        scores, messages, late = draw_scores(rng, students, cells)
        for i, student in enumerate(students):
            gb.add_student(student)
            submission = gb.add_submission(assignment, student)
            for nb in submission.notebooks:
                nb.late_submission_penalty = late.get(student, 0.0) if nb is submission.notebooks[0] else 0.0
                for grade in nb.grades:
                    j = next(k for k, c in enumerate(cells) if c[:2] == (nb.notebook.name, grade.cell.name))
                    if cells[j][3]:
                        grade.auto_score, grade.needs_manual_grade = scores[i, j], False
                    elif not np.isnan(scores[i, j]):
                        grade.manual_score, grade.needs_manual_grade = scores[i, j], False
        gb.db.commit()
    scores = np.nan_to_num(scores)  # a written answer not graded yet counts 0, as in nbgrader's totals
    for student in students:
        write_autograded(dest, assignment, student, messages, padding, rng)
    return SyntheticClass(dest, db_url, students, cells, scores, messages, late)


def new_gradebook(db_url):
    """nbgrader's Gradebook at db_url, created with the interpreter's bin/ first on PATH: nbgrader runs
    `alembic` by name when it creates one."""
    saved = os.environ.get("PATH", "")
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{saved}"
    try:
        return Gradebook(db_url)
    finally:
        os.environ["PATH"] = saved


def add_assignment(gb, root, assignment):
    """Put the assignment's notebooks and graded cells in gb; return [(notebook, grade_id, points, automatic)]."""
    gb.add_assignment(assignment)
    cells = []
    for name in notebooks.notebook_names(root, assignment):
        notebook = Path(name).stem
        gb.add_notebook(notebook, assignment)
        nb = notebooks.read(root / "source" / assignment / name)
        automatic = notebooks.auto_graded_points(nb)
        for grade_id, points in notebooks.graded_points(nb).items():
            cell_type = "code" if grade_id in automatic else "markdown"
            gb.add_grade_cell(grade_id, notebook, assignment, max_score=points, cell_type=cell_type)
            cells.append((notebook, grade_id, points, grade_id in automatic))
    return cells


def draw_scores(rng, students, cells):
    """(scores (students, cells) with NaN for written answers not graded yet, {(student, grade_id): (kind,
    text)} of the failed test cells, {student: late penalty})."""
    ability = rng.normal(size=len(students))
    tests = [j for j, cell in enumerate(cells) if cell[3]]
    difficulty = dict(zip(tests, np.linspace(-1.5, 1.5, len(tests))))
    scores = np.full((len(students), len(cells)), np.nan)
    messages = {}
    for j, (_, grade_id, points, automatic) in enumerate(cells):
        if not automatic:
            marked = rng.random(len(students)) < 0.5
            scores[marked, j] = rng.integers(0, int(points) + 1, size=marked.sum())
            continue
        if j == tests[0]:
            passed = np.ones(len(students), dtype=bool)
        elif j == tests[1]:
            passed = rng.random(len(students)) < 0.5
        else:
            passed = rng.random(len(students)) < 1 / (1 + np.exp(-1.7 * (ability - difficulty[j])))
        scores[:, j] = np.where(passed, points, 0.0)
        for i in np.flatnonzero(~passed):
            kind, template = TEMPLATES[rng.choice(len(TEMPLATES), p=(0.5, 0.3, 0.2))]
            text = template.format(error=10 ** rng.uniform(-4, 0), function=grade_id.removeprefix("test_"),
                                   n=rng.integers(2, 9), d=rng.integers(2, 9))
            messages[(students[i], grade_id)] = (kind, text)
    late = {s: 1.0 for s in students[3::10]}  # one student in ten is late, by a point
    return scores, messages, late


def write_autograded(root, assignment, student, messages, padding, rng):
    """autograded/<student>/<assignment>/<notebook>.ipynb: the source notebook with the outputs grading
    leaves, an error output on each failed test cell."""
    for name in notebooks.notebook_names(root, assignment):
        nb = json.loads((root / "source" / assignment / name).read_text())
        padded = False
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            meta = cell.get("metadata", {}).get("nbgrader", {})
            failure = messages.get((student, meta.get("grade_id")))
            if meta.get("grade") and failure:
                kind, text = failure
                cell["outputs"] = [{"output_type": "error", "ename": kind, "evalue": text, "traceback": [text]}]
            elif meta.get("grade"):
                cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["all hidden cases passed\n"]}]
            elif padding and not padded:
                figure = rng.bytes(padding * 3 // 4).hex()[: padding]
                cell["outputs"] = [{"output_type": "display_data", "metadata": {}, "data": {"image/png": figure}}]
                padded = True
        path = root / "autograded" / student / assignment / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(nb))
