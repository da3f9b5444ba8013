"""Grading a class in parallel on Dask (coursetools.parallel) on a local cluster of two workers: the same
grades as the serial path although a worker is killed mid-task, reruns that grade only what changed, and
one clear error line, before any grading, for what cannot be used."""
import contextlib
import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from conftest import BROKEN, ROOT, assert_scored_as
from coursetools import course, gradebook, notebooks, parallel, resume
from coursetools.demo import submissions

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "two_layer_net"
QUIET = dict(log=lambda _: None)


def course_with_submissions(tmp_path_factory, name):
    """A temporary course with the release of ASSIGNMENT, its demo submissions and the broken ones."""
    root = tmp_path_factory.mktemp(name)
    shutil.copytree(ROOT / "source", root / "source")
    shutil.copy(ROOT / "nbgrader_config.py", root)
    course.generate_release(root, ASSIGNMENT)
    submissions.write_demo_submissions(root, ASSIGNMENT)
    for student, make in BROKEN.items():
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        for name in notebooks.notebook_names(root, ASSIGNMENT):
            make(folder, name)
    return root


class WorkerKiller(threading.Thread):
    """Kills (SIGKILL) the first worker seen grading a submission, a few seconds into its task."""

    def __init__(self, client):
        super().__init__(daemon=True)
        self.client = client
        self.pids = client.run(os.getpid)
        self.killed = None  # (worker address, the tasks it was processing)

    def run(self):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            busy = {worker: keys for worker, keys in self.client.processing().items() if keys}
            if busy:
                time.sleep(3)
                worker, keys = next(iter(busy.items()))
                os.kill(self.pids[worker], signal.SIGKILL)
                self.killed = (worker, list(keys))
                return
            time.sleep(0.2)


@pytest.fixture(scope="module")
def client():
    with parallel.dask_client(workers=2) as client:
        yield client


@pytest.fixture(scope="module")
def graded(tmp_path_factory, client):
    """The same submissions graded serially (course.autograde_each) and in parallel with a worker killed."""
    serial = course_with_submissions(tmp_path_factory, "serial")
    serial_outcomes = course.autograde_each(serial, ASSIGNMENT, course.submitted_students(serial, ASSIGNMENT), **QUIET)
    root = course_with_submissions(tmp_path_factory, "parallel")
    killer = WorkerKiller(client)
    killer.start()
    outcomes = parallel.autograde_class(root, ASSIGNMENT, client, **QUIET)
    killer.join()
    return serial, serial_outcomes, root, outcomes, killer.killed


def gradebook_rows(root, student):
    """Everything autograde records for a student's submission: per cell its scores and comment, per
    notebook its late penalty."""
    rows = {}
    with Gradebook(gradebook.url(root)) as gb:
        for notebook in gb.find_submission(ASSIGNMENT, student).notebooks:
            for grade in notebook.grades:
                rows[notebook.name, grade.name] = (grade.auto_score, grade.manual_score, grade.needs_manual_grade)
            for comment in notebook.comments:
                rows[notebook.name, comment.name, "comment"] = comment.auto_comment
            rows[notebook.name, "late penalty"] = notebook.late_submission_penalty
    return rows


def exported(root):
    course.run_nbgrader(root, "export", "--to", "grades.csv")
    with open(root / "grades.csv", newline="") as fh:
        return sorted(tuple(row.values()) for row in csv.DictReader(fh))


def test_a_killed_worker_costs_nothing_and_the_grades_equal_the_serial_run(graded):
    serial, serial_outcomes, root, outcomes, killed = graded
    assert killed is not None, "no worker was seen grading"
    # graded or not, with the same problems (nbgrader's reasons, naming the course's folder)
    assert {s: (o.graded, [p.replace(str(root), "ROOT") for p in o.problems]) for s, o in outcomes.items()} == \
        {s: (o.graded, [p.replace(str(serial), "ROOT") for p in o.problems]) for s, o in serial_outcomes.items()}
    for student in submissions.demo_versions(ASSIGNMENT):
        assert gradebook_rows(root, student) == gradebook_rows(serial, student), student
    assert exported(root) == [row for row in exported(serial) if row[3] not in BROKEN]


def test_demo_submissions_score_exactly_as_expected(graded):
    _, _, root, outcomes, _ = graded
    assert {student for student, outcome in outcomes.items() if not outcome.graded} == set(BROKEN)
    for student, bugs in submissions.demo_versions(ASSIGNMENT).items():
        assert_scored_as(root, ASSIGNMENT, student, bugs)


def test_the_autograded_folders_hold_what_the_serial_run_writes_and_the_record(graded):
    serial, _, root, _, _ = graded
    for student in submissions.demo_versions(ASSIGNMENT):
        folder = root / "autograded" / student / ASSIGNMENT
        expected = {p.name for p in (serial / "autograded" / student / ASSIGNMENT).iterdir()}
        assert {p.name for p in folder.iterdir()} == expected | {resume.RECORD}
        original = nbformat.read(serial / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
        assert [c.source for c in nbformat.read(folder / f"{ASSIGNMENT}.ipynb", 4).cells] == \
            [c.source for c in original.cells]
    for student in BROKEN:
        assert not (root / "autograded" / student).exists()


def test_a_rerun_grades_only_what_changed_or_was_not_graded(graded, client):
    _, _, root, _, _ = graded
    grader = resume.grader_digest(root, ASSIGNMENT)
    assert set(parallel.to_grade(root, ASSIGNMENT, grader)) == set(BROKEN)
    assert set(parallel.to_grade(root, ASSIGNMENT, grader, force=True)) == set(course.submitted_students(root, ASSIGNMENT))
    path = root / "submitted" / "demo_buggy" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    changed = submissions.complete(notebooks.read(root / "release" / ASSIGNMENT / path.name),
                                   notebooks.read(root / "source" / ASSIGNMENT / path.name))
    nbformat.write(changed, str(path))
    outcomes = parallel.autograde_class(root, ASSIGNMENT, client, **QUIET)
    assert set(outcomes) == {"demo_buggy"} | set(BROKEN)
    assert outcomes["demo_buggy"].graded
    assert_scored_as(root, ASSIGNMENT, "demo_buggy", [])  # now scored as the complete submission


def test_a_grading_missing_from_the_gradebook_is_done_again(tmp_path):
    """The record alone does not make a submission graded: its grades must be in the gradebook."""
    root = tmp_path
    shutil.copytree(ROOT / "source" / ASSIGNMENT, root / "source" / ASSIGNMENT)
    shutil.copy(ROOT / "nbgrader_config.py", root)
    course.generate_release(root, ASSIGNMENT)
    submissions.write_submissions(root, ASSIGNMENT, {"someone": None})
    digest = resume.submission_digest(root, ASSIGNMENT, "someone", resume.grader_digest(root, ASSIGNMENT))
    folder = root / "autograded" / "someone" / ASSIGNMENT
    folder.mkdir(parents=True)
    resume.record(folder, digest)
    assert not parallel.is_graded(root, ASSIGNMENT, "someone", digest)
    (folder / resume.RECORD).unlink()
    (folder / resume.RECORD).symlink_to(tmp_path / "elsewhere")
    resume.record(folder, "other")  # replaces the link rather than writing through it
    assert resume.recorded(folder) == "other" and not (tmp_path / "elsewhere").exists()


@contextlib.contextmanager
def socket_without_server():
    """A local TCP port that nothing listens on (bound, never listening), for as long as the block runs."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield bound.getsockname()[1]


def listening(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def cli(root, *args, **environ):
    return subprocess.run([sys.executable, "-m", "coursetools", "autograde", *args], cwd=root,
                          env=dict(os.environ, **environ), capture_output=True, text=True, timeout=120)


def test_an_unreachable_scheduler_or_gradebook_is_one_line_before_any_grading(graded):
    _, _, root, _, _ = graded
    before = sorted(p for p in (root / "autograded").rglob("*"))
    with socket_without_server() as port:
        result = cli(root, ASSIGNMENT, "--scheduler", f"tcp://127.0.0.1:{port}")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in result.stderr
    result = cli(root, ASSIGNMENT, **{gradebook.ENV: "postgresql+psycopg://grader:secret@127.0.0.1:9/gradebook"})
    assert result.returncode == 1
    assert result.stderr.strip().startswith("python -m coursetools: cannot reach the gradebook at postgresql")
    assert "secret" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert sorted(p for p in (root / "autograded").rglob("*")) == before


def test_a_scheduler_without_workers_is_one_line(graded):
    _, _, root, _, _ = graded
    with socket_without_server() as port:
        pass  # a port that was free a moment ago
    dask = Path(sys.executable).parent / "dask"
    scheduler = subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not listening(port):
            time.sleep(0.2)
        result = cli(root, ASSIGNMENT, "--scheduler", f"tcp://127.0.0.1:{port}")
    finally:
        scheduler.terminate()
        scheduler.wait(timeout=30)
    assert result.returncode == 1
    assert result.stderr.strip() == (f"python -m coursetools: the Dask scheduler at tcp://127.0.0.1:{port} has no "
                                     f"workers (start some with `dask worker tcp://127.0.0.1:{port}`)")


def test_bad_arguments_are_refused_with_the_reason(graded):
    _, _, root, _, _ = graded
    result = cli(root, "no_such_assignment")
    assert result.returncode == 2 and "no assignment no_such_assignment in source/" in result.stderr
    result = cli(root, "fc_net")
    assert result.returncode == 1 and "fc_net not in the gradebook: run `nbgrader generate_assignment`" in result.stderr
    result = cli(root, ASSIGNMENT, "--workers", "0")
    assert result.returncode == 2 and "--workers must be at least 1" in result.stderr


