"""Nothing is lost and grades are reproducible, through stock nbgrader on temporary copies of the course.

- autograding the same submissions twice gives the same per-cell scores and the same graded outputs;
- re-grading one student (`--student=ID`) changes nothing of anyone else's: scores, autograded notebooks;
- an autograde run killed with SIGKILL in the middle of a submission leaves a sound gradebook and no
  process behind, and running the per-student autograde again gives the scores of an uninterrupted run.

One pristine course (release and demo submissions, nothing graded) is built once; the uninterrupted run
grades a copy of it, and every test works on its own copy, so the tests do not depend on each other's
order. The first assignment stands for all: the properties are the pipeline's, not an assignment's.

What a killed run leaves (nbgrader 0.9.6, seen while writing this): the students graded before the kill
keep their scores; the interrupted student has a submission whose automatic scores are all None (export
shows it as 0, with nothing to say it is ungraded), and autograded/<student>/ already holds the sanitized,
unexecuted notebook, so a later `nbgrader autograde` *without* --force skips that student. The kernel
runs in a session of its own (jupyter_client starts it with start_new_session), so killing nbgrader's
process group does not reach it: it has to end by itself once nbgrader is gone (ipykernel's parent poller
sees to it), and the test checks that every process the killed run started has ended. The kernel's
connection file is left behind in the temp directory.
"""
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import nbformat
import psutil  # installed with IPython (a dependency of ipykernel), not a new dependency
import pytest
from nbgrader.api import MissingEntry

from conftest import ASSIGNMENTS, ROOT, cell_scores
from coursetools import course, notebooks, report
from coursetools.demo import submissions

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = ASSIGNMENTS[0]
STUDENTS = sorted(submissions.demo_versions(ASSIGNMENT))  # nbgrader grades them in this order
QUIET = {"log": lambda _: None}


def copy_course(src, dst):
    """A copy of a course folder (timestamps kept); nbgrader_config.py makes the copy its own course root."""
    shutil.copytree(src, dst)
    return dst


def scores(root, students=STUDENTS):
    """{(student, notebook): {grade_id: auto_score}} from the gradebook; None for a missing submission."""
    table = {}
    for student in students:
        for name in notebooks.notebook_names(root, ASSIGNMENT):
            try:
                table[student, name] = cell_scores(root, ASSIGNMENT, name, student)
            except MissingEntry:
                table[student, name] = None
    return table


def expected(root, student, bugs):
    """{(student, notebook): expected scores} of a submission with these bugs (None: the blank release)."""
    return {(student, name): submissions.expected_scores(notebooks.read(root / "source" / ASSIGNMENT / name), bugs)
            for name in notebooks.notebook_names(root, ASSIGNMENT)}


def graded_notebooks(root, student):
    """{notebook: path} of a student's autograded notebooks."""
    folder = root / "autograded" / student / ASSIGNMENT
    return {name: folder / name for name in notebooks.notebook_names(root, ASSIGNMENT)}


def _normalized(text):
    # The kernel's pid appears in warnings' file names (/tmp/ipykernel_<pid>/<hash>.py).
    return re.sub(r"ipykernel_\d+", "ipykernel_PID", text)


def outputs_digest(cell):
    """The deterministic content of a code cell's outputs: stream text joined per stream (the split into
    chunks depends on timing), errors by name and value, rich outputs by their mime types."""
    streams, errors, rich = {}, [], []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            streams[out.name] = streams.get(out.name, "") + out.text
        elif out.output_type == "error":
            errors.append((out.ename, _normalized(out.evalue)))
        else:
            rich.append(sorted(out.get("data", {})))
    return {name: _normalized(text) for name, text in streams.items()}, errors, rich


def graded_results(path):
    """What the graded run of one autograded notebook produced: {grade_id: outputs_digest} of its graded
    code cells, and the indices of all its code cells that ended in an error."""
    nb = nbformat.read(str(path), as_version=4)
    graded = {notebooks.meta(cell)["grade_id"]: outputs_digest(cell) for cell in nb.cells
              if cell.cell_type == "code" and notebooks.meta(cell).get("grade")}
    errors = {i for i, cell in enumerate(nb.cells)
              if cell.cell_type == "code" and any(out.output_type == "error" for out in cell.outputs)}
    return graded, errors


def all_results(root):
    return {(student, name): graded_results(path)
            for student in STUDENTS for name, path in graded_notebooks(root, student).items()}


def alive(procs):
    """The processes of procs still running (a zombie has exited: it only waits to be reaped)."""
    running = []
    for proc in procs:
        try:
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                running.append(proc)
        except psutil.NoSuchProcess:
            pass
    return running


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A temporary course with the release generated and the demo submissions written; nothing graded.
    Tests copy it, never change it."""
    root = tmp_path_factory.mktemp("reproducible") / "pristine"
    shutil.copytree(ROOT / "source", root / "source")
    shutil.copy(ROOT / "nbgrader_config.py", root)
    course.generate_release(root, ASSIGNMENT)
    submissions.write_demo_submissions(root, ASSIGNMENT)
    return root


@pytest.fixture(scope="module")
def uninterrupted(pristine):
    """A copy of the pristine course autograded once, one student at a time: (root, scores, results).
    Tests copy it, never change it."""
    root = copy_course(pristine, pristine.parent / "uninterrupted")
    outcomes = course.autograde_each(root, ASSIGNMENT, STUDENTS, **QUIET)
    assert all(outcome.graded and not outcome.problems for outcome in outcomes.values()), outcomes
    return root, scores(root), all_results(root)


def test_the_uninterrupted_run_scores_as_expected(uninterrupted):
    """The reference the other tests compare with is itself right, not merely stable."""
    root, first_scores, _ = uninterrupted
    want = {}
    for student, bugs in submissions.demo_versions(ASSIGNMENT).items():
        want.update(expected(root, student, bugs))
    assert first_scores == want


def test_autograding_twice_gives_identical_scores_and_outputs(uninterrupted, tmp_path):
    """Grading the same submissions again gives the same per-cell scores, the same outputs of every graded
    cell (up to the kernel's pid and how stream text was chunked) and the same cells in error."""
    src, first_scores, first_results = uninterrupted
    root = copy_course(src, tmp_path / "course")
    outcomes = course.autograde_each(root, ASSIGNMENT, STUDENTS, **QUIET)
    assert all(outcome.graded for outcome in outcomes.values()), outcomes
    assert scores(root) == first_scores
    second_results = all_results(root)
    for key, (graded, errors) in first_results.items():
        assert second_results[key][0] == graded, key
        assert second_results[key][1] == errors, key
    # The comparison has teeth: the buggy submission errs in some cells, the complete one in none.
    names = notebooks.notebook_names(root, ASSIGNMENT)
    assert any(first_results["demo_buggy", name][1] for name in names)
    assert not any(first_results["demo_complete", name][1] for name in names)


def test_regrading_one_student_leaves_the_others_untouched(uninterrupted, tmp_path):
    """demo_buggy hands in the complete notebook and is re-graded alone: its scores become the complete
    ones; the other students' scores, autograded notebooks (bytes) and their mtimes do not change."""
    src, first_scores, _ = uninterrupted
    root = copy_course(src, tmp_path / "course")
    others = [s for s in STUDENTS if s != "demo_buggy"]

    def others_files():
        return {(s, name): (path.read_bytes(), path.stat().st_mtime_ns)
                for s in others for name, path in graded_notebooks(root, s).items()}

    files_before = others_files()
    for name in notebooks.notebook_names(root, ASSIGNMENT):
        shutil.copy(root / "submitted" / "demo_complete" / ASSIGNMENT / name,
                    root / "submitted" / "demo_buggy" / ASSIGNMENT / name)
    outcomes = course.autograde_each(root, ASSIGNMENT, ["demo_buggy"], **QUIET)
    assert outcomes["demo_buggy"].graded, outcomes

    after = scores(root)
    complete = expected(root, "demo_buggy", [])
    assert {k: v for k, v in first_scores.items() if k[0] == "demo_buggy"} != complete  # it did change
    assert {k: v for k, v in after.items() if k[0] == "demo_buggy"} == complete
    assert {k: v for k, v in after.items() if k[0] != "demo_buggy"} == \
        {k: v for k, v in first_scores.items() if k[0] != "demo_buggy"}
    assert others_files() == files_before


def start_autograde_all(root, log):
    """`nbgrader autograde ASSIGNMENT --force` for every student, as course.run_nbgrader runs nbgrader,
    but in the background and in a new session (its process group id is its pid)."""
    bindir = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.Popen([str(bindir / "nbgrader"), "autograde", ASSIGNMENT, "--force"], cwd=root, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def collect_descendants(proc, seen):
    """Add every process now descending from proc to seen {pid: (psutil.Process, command)}."""
    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return
    for child in children:
        try:
            seen.setdefault(child.pid, (child, " ".join(child.cmdline())))
        except psutil.Error:
            pass  # gone between listing and reading


def is_kernel(command):
    return "ipykernel" in command


def wait_until_grading(proc, root, student, seen, deadline=90):
    """Poll until nbgrader's run has a kernel up for student's notebook, collecting nbgrader's descendants
    on the way into seen; return that kernel (a psutil.Process).

    nbgrader writes the sanitized notebook to autograded/<student>/ just before it starts the kernel that
    runs it, and the students before have then been graded and saved: a kernel first seen after that file
    is the student's."""
    earlier = set()  # kernels seen before the student's autograded folder appeared
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        assert proc.poll() is None, f"nbgrader ended (exit {proc.returncode}) before it was grading {student}"
        collect_descendants(proc, seen)
        kernels = {pid for pid, (_, command) in seen.items() if is_kernel(command)}
        if not (root / "autograded" / student).exists():
            earlier = kernels
        else:
            running = alive(seen[pid][0] for pid in kernels - earlier)
            if running:
                return running[0]
        time.sleep(0.05)
    pytest.fail(f"nbgrader was not seen grading {student} within {deadline} s")


def test_a_run_killed_mid_submission_loses_nothing(pristine, uninterrupted, tmp_path):
    """kill -9 nbgrader's whole process group while the second student's notebook runs in its kernel;
    then: the gradebook is sound, the student graded before the kill kept its scores, no process the
    killed run started (kernels included) is left running; and the per-student autograde run again gives
    the uninterrupted run's scores and graded outputs, and an export listing every student with the
    uninterrupted totals."""
    _, final_scores, final_results = uninterrupted
    root = copy_course(pristine, tmp_path / "course")
    seen = {}  # every process the killed run started: {pid: (psutil.Process, command)}
    with open(tmp_path / "killed_run.log", "w") as log:
        proc = start_autograde_all(root, log)
        try:
            kernel = wait_until_grading(proc, root, STUDENTS[1], seen)   # STUDENTS[0] is graded and saved
            time.sleep(1.0)                                              # well into its cells (~3 s in all)
            collect_descendants(proc, seen)
            assert proc.poll() is None and alive([kernel]), "the run was not in the middle of a submission"
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            assert proc.returncode == -signal.SIGKILL

            # Kernels run in sessions of their own, out of reach of killpg (jupyter_client starts them so,
            # and so does grader_side's StudentProcess): they must end by themselves once nbgrader is gone.
            started = [process for process, _ in seen.values()]
            stop = time.monotonic() + 10
            while alive(started) and time.monotonic() < stop:
                time.sleep(0.1)
            left = [seen[process.pid][1] for process in alive(started)]
            assert not left, f"processes of the killed run still running: {left}"
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            for leftover in alive(process for process, _ in seen.values()):
                leftover.kill()

    with closing(sqlite3.connect(root / "gradebook.db")) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    killed_scores = scores(root)
    first = {k: v for k, v in killed_scores.items() if k[0] == STUDENTS[0]}
    assert first == {k: v for k, v in final_scores.items() if k[0] == STUDENTS[0]}, "a finished student lost grades"
    assert killed_scores != final_scores, "the kill came too late to interrupt anything"

    outcomes = course.autograde_each(root, ASSIGNMENT, STUDENTS, **QUIET)
    assert all(outcome.graded and not outcome.problems for outcome in outcomes.values()), outcomes
    assert scores(root) == final_scores
    assert all_results(root) == final_results

    course.run_nbgrader(root, "export", "--to", "grades.csv")
    grades = report.read_grades(root / "grades.csv")
    assert sorted(grades) == STUDENTS
    for student in STUDENTS:
        total = sum(sum(per_cell.values()) for (s, _), per_cell in final_scores.items() if s == student)
        assert grades[student][ASSIGNMENT][0] == pytest.approx(total), student
