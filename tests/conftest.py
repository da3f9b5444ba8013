import contextlib
import shutil
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbgrader.api import Gradebook

from coursetools import __main__, course, gradebook, notebooks
from coursetools.demo import submissions

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = notebooks.assignments(ROOT)
# Submissions that must be reported, not crash the run, and not disturb anyone else's grades.
BROKEN = {
    "broken_json": lambda folder, name: (folder / name).write_text("{ this is not a notebook"),
    "broken_missing": lambda folder, name: None,
    "broken_wrong_name": lambda folder, name: (folder / f"copy of {name}").write_text(
        (ROOT / "release" / folder.name / name).read_text()),
}


def make_course(tmp_path_factory, name):
    """A temporary copy of the course (source/ and nbgrader_config.py) with its release generated."""
    root = tmp_path_factory.mktemp(name)
    shutil.copytree(ROOT / "source", root / "source")
    shutil.copy(ROOT / "nbgrader_config.py", root)
    for assignment in ASSIGNMENTS:
        course.generate_release(root, assignment)
    return root


def grade_versions(tmp_path_factory, name, versions, *options, edits=None, files=None):
    """A temporary course where each assignment's versions ({student: bugs}, see
    coursetools.demo.submissions.write_submissions) are written, changed by edits ({(assignment, student):
    function(notebook)}), given more files (files: {(assignment, student): {file name: text}}) and
    autograded one student at a time with the given nbgrader options.
    Returns (root, {assignment: {student: Outcome}})."""
    root = make_course(tmp_path_factory, name)
    outcomes = {}
    for assignment, per_student in versions.items():
        submissions.write_submissions(root, assignment, per_student)
        for student in per_student:
            edit = (edits or {}).get((assignment, student))
            for path in (root / "submitted" / student / assignment).glob("*.ipynb") if edit else ():
                nb = notebooks.read(path)
                edit(nb)
                nbformat.write(nb, str(path))
            for filename, text in (files or {}).get((assignment, student), {}).items():
                (root / "submitted" / student / assignment / filename).write_text(text)
        outcomes[assignment] = course.autograde_each(root, assignment, list(per_student), *options,
                                                       log=lambda _: None)
    return root, outcomes


@pytest.fixture(scope="session")
def graded_course(tmp_path_factory):
    """A temporary copy of the course taken through stock nbgrader: generate_assignment, the demo and the
    broken submissions, autograde one student at a time, generate_feedback and export."""
    root = make_course(tmp_path_factory, "course")
    outcomes = {}
    for assignment in ASSIGNMENTS:
        submissions.write_demo_submissions(root, assignment)
        for student, make in BROKEN.items():
            folder = root / "submitted" / student / assignment
            folder.mkdir(parents=True)
            for name in notebooks.notebook_names(root, assignment):
                make(folder, name)
        students = course.submitted_students(root, assignment)
        outcomes[assignment] = course.autograde_each(root, assignment, students, log=lambda _: None)
        course.run_nbgrader(root, "generate_feedback", assignment, "--force")
    course.run_nbgrader(root, "export", "--to", "grades.csv")
    return root, outcomes


def cell_scores(root, assignment, notebook, student):
    """{grade_id: auto_score} of the automatically graded cells of one graded notebook."""
    with Gradebook(gradebook.url(root)) as gb:
        graded = gb.find_submission_notebook(notebook.removesuffix(".ipynb"), assignment, student)
        return {g.name: g.auto_score for g in graded.grades if g.cell.cell_type == "code"}


def assert_scored_as(root, assignment, student, bugs):
    """Every notebook of the student's graded submission scored, cell by cell, what `bugs` predict
    (coursetools.demo.submissions.expected_scores: None for a blank release, [] for full points)."""
    for name in notebooks.notebook_names(root, assignment):
        expected = submissions.expected_scores(notebooks.read(root / "source" / assignment / name), bugs)
        assert cell_scores(root, assignment, name, student) == expected, (student, name)


def pytest_collection_modifyitems(items):
    """Modules marked nbgrader go first: they take minutes each, and the test workers (`--dist loadfile
    --no-loadscope-reorder`) share the files in this order, so the quick ones fill in around them instead
    of one worker starting a long module when the other has nothing left to do. The browser module (marked
    browser: 3-4 min on one worker) goes first of all, so that it is never the one left running at the end."""
    items.sort(key=lambda item: (item.get_closest_marker("browser") is None, item.get_closest_marker("nbgrader") is None))


def run_coursetools(monkeypatch, root, *argv):
    """`python -m coursetools ARGV` in root, with the course's own gradebook: its exit status or message."""
    monkeypatch.chdir(root)
    monkeypatch.delenv(gradebook.ENV, raising=False)
    try:
        return __main__.main(list(argv))
    except SystemExit as stop:
        return stop.code


@contextlib.contextmanager
def strict_floats():
    """Turn every warning into an error, and every overflow, division by zero or invalid operation into
    a FloatingPointError. Underflow stays silent: exp(-1000) == 0 is the intended result."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            yield
