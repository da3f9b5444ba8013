"""Autograding a whole class in parallel on Dask distributed (`python -m coursetools autograde`).

Each task grades one submission on a worker, with stock `nbgrader autograde` and the course's own
nbgrader_config.py, in a temporary copy of the course that has its own SQLite gradebook; it returns the
autograded folder. nbgrader runs inside the worker's process, through its own API, rather than as a new
process per submission; every submission still gets its own kernel and its own process for the hidden
checks, started for it in the sandbox and ended with it. The client is the only writer: it puts the
folder in autograded/ and records its grades in the course's gradebook (SQLite or PostgreSQL) with nbgrader's own SaveAutoGrades and
AssignLatePenalties steps, which compute the grades from the autograded notebooks as `nbgrader autograde`
does. Workers need the course's Python environment and bubblewrap, not a shared filesystem.

A worker that dies mid-task has its task run again on another (Dask retries it); the retried grading
starts from scratch, in a new temporary course, so the grades are those of a serial run.
"""
import os
import shutil
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
from distributed import Client, LocalCluster, as_completed, get_worker
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades
from tqdm import tqdm

from coursetools import course, gradebook, resume

CONNECT_SECONDS = 5
COURSE_ROOT = "<course root>"  # stands for the course's folder in what a worker reports


class SchedulerUnreachable(RuntimeError):
    """No Dask scheduler answers at the address given; the message names it."""


@contextmanager
def dask_client(scheduler=None, workers=None):
    """A Dask client: of the scheduler at address `scheduler`, or of a new LocalCluster of `workers`
    single-threaded worker processes (default: one per core). Raises SchedulerUnreachable."""
    if scheduler is None:
        with LocalCluster(n_workers=workers or os.cpu_count(), threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(scheduler, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError, ValueError) as error:
        raise SchedulerUnreachable(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
    with client:
        try:
            client.wait_for_workers(1, timeout=CONNECT_SECONDS)
        except TimeoutError:
            raise SchedulerUnreachable(f"the Dask scheduler at {scheduler} has no workers "
                                       f"(start some with `dask worker {scheduler}`)") from None
        yield client


@dataclass(frozen=True)
class GraderFiles:
    """What a worker grades an assignment with: {relative path: bytes} of the course's nbgrader_config.py and
    source/<assignment>/, and the digest of all that grades it (coursetools.resume.grader_digest)."""
    assignment: str
    files: dict
    digest: str


@dataclass(frozen=True)
class Graded:
    """A worker's result: the autograded folder as {relative path: bytes}, or the reason it was not graded."""
    student: str
    files: dict
    error: str | None
    seconds: float


def read_tree(folder):
    """{relative path: bytes} of the regular files under folder; links are not followed."""
    folder = Path(folder)
    files = {}
    for directory, _, names in os.walk(folder):
        for name in names:
            path = Path(directory, name)
            if path.is_file() and not path.is_symlink():
                files[path.relative_to(folder).as_posix()] = path.read_bytes()
    return files


def write_tree(folder, files):
    """Write {relative path: bytes} under folder."""
    for relative, data in files.items():
        path = Path(folder, relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def grader_files(root, assignment, digest):
    root = Path(root)
    files = {f"source/{assignment}/{name}": data for name, data in read_tree(root / "source" / assignment).items()}
    files["nbgrader_config.py"] = (root / "nbgrader_config.py").read_bytes()
    return GraderFiles(assignment, files, digest)


# On a worker: one template course per grader digest (the release generated, its gradebook made), copied
# for each submission; made once per worker process.
_templates = {}
_templates_lock = threading.Lock()


def _own_gradebook():
    """The environment for nbgrader on a worker: the temporary course's SQLite gradebook, whatever
    NCLIB_GRADEBOOK_URL the worker inherited."""
    return {name: value for name, value in os.environ.items() if name != gradebook.ENV}


def _scratch():
    """The worker's scratch folder, removed by Dask with the worker; the temporary folder outside Dask."""
    try:
        return get_worker().local_directory
    except ValueError:
        return tempfile.gettempdir()


def _template(grader):
    with _templates_lock:
        if grader.digest not in _templates:
            root = Path(tempfile.mkdtemp(prefix=f"template-{grader.assignment}-", dir=_scratch()))
            write_tree(root, grader.files)
            course.run_nbgrader(root, "generate_assignment", grader.assignment, "--force",
                                environ=_own_gradebook())
            _templates[grader.digest] = root
        return _templates[grader.digest]


def grade_submission(grader, student, submitted):
    """Grade one submission (submitted: {relative path: bytes} of submitted/<student>/<assignment>/) with
    stock nbgrader's autograde in a fresh copy of the template course. Runs on a worker."""
    template = _template(grader)
    assignment = grader.assignment
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"grade-{student}-", dir=_scratch()) as scratch:
        root = Path(scratch) / "course"
        shutil.copytree(template, root, symlinks=True)
        (root / "submitted" / student / assignment).mkdir(parents=True)  # even if nothing was submitted
        write_tree(root / "submitted" / student / assignment, submitted)
        try:
            course.autograde_in_process(root, assignment, student, gradebook.sqlite_url(root))
        except course.NbgraderError as error:  # its paths are given in the course's, not the worker's copy
            return Graded(student, {}, str(error).replace(str(root.resolve()), COURSE_ROOT), time.perf_counter() - start)
        files = read_tree(root / "autograded" / student / assignment)
    return Graded(student, files, None, time.perf_counter() - start)


def save_grades(root, assignment, student, config):
    """Record the grades of the autograded folder autograded/<student>/<assignment>/ in the course's gradebook,
    as `nbgrader autograde` does: the student and the submission (with its timestamp.txt), zero for a
    notebook not submitted, then SaveAutoGrades and AssignLatePenalties on each autograded notebook."""
    coursedir = CourseDirectory(config=config)
    course.ignore_gradebook_warnings()
    folder = Path(root) / "autograded" / student / assignment
    timestamp = coursedir.get_existing_timestamp(str(Path(root) / "submitted" / student / assignment))
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        gb.update_or_create_student(student)
        if timestamp:
            gb.update_or_create_submission(assignment, student, timestamp=timestamp)
        else:
            gb.update_or_create_submission(assignment, student)
        graded = []
        for notebook in gb.find_assignment(assignment).notebooks:
            if (folder / f"{notebook.name}.ipynb").is_file():
                graded.append(notebook.name)
                continue
            for grade in gb.find_submission_notebook(notebook.name, assignment, student).grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False
        gb.db.commit()
    for name in graded:
        nb = nbformat.read(folder / f"{name}.ipynb", as_version=nbformat.NO_CONVERT)
        resources = {"nbgrader": {"notebook": name, "assignment": assignment, "student": student,
                                  "db_url": coursedir.db_url}}
        for step in (SaveAutoGrades, AssignLatePenalties):
            nb, resources = step(config=config).preprocess(nb, resources)


def merge(root, assignment, graded, config, digest):
    """Put a worker's result in the course: the autograded folder (replacing the old one), its grades in the
    gradebook, then its digest. Returns the Outcome."""
    if graded.error is not None:
        return course.Outcome(False, [graded.error.replace(COURSE_ROOT, str(Path(root).resolve()))])
    folder = Path(root) / "autograded" / graded.student / assignment
    incoming = folder.with_name(f".{assignment}.incoming")
    shutil.rmtree(incoming, ignore_errors=True)
    write_tree(incoming, graded.files)
    shutil.rmtree(folder, ignore_errors=True)
    incoming.rename(folder)
    save_grades(root, assignment, graded.student, config)
    resume.record(folder, digest)
    return course.Outcome(True, course.fault_report(root, assignment, graded.student))


def is_graded(root, assignment, student, digest):
    """True if the student's submission was graded from digest and its grades are in the gradebook."""
    if resume.recorded(Path(root) / "autograded" / student / assignment) != digest:
        return False
    with Gradebook(gradebook.url(root)) as gb:
        try:
            gb.find_submission(assignment, student)
        except MissingEntry:
            return False
    return True


def to_grade(root, assignment, grader, force=False):
    """{student: submission digest} of the submissions to grade: all with force, else those not graded from
    their present digest (see coursetools.resume) or missing from the gradebook."""
    digests = {student: resume.submission_digest(root, assignment, student, grader)
               for student in course.submitted_students(root, assignment)}
    return {student: digest for student, digest in digests.items()
            if force or not is_graded(root, assignment, student, digest)}


def not_generated(root, assignments):
    """The assignments that the course's gradebook does not hold: their release was never generated."""
    with Gradebook(gradebook.url(root)) as gb:
        known = {assignment.name for assignment in gb.assignments}
    return [assignment for assignment in assignments if assignment not in known]


def autograde_class(root, assignment, client, force=False, log=print):
    """Autograde every submission of the assignment on the Dask client's workers: those not graded yet or
    changed since (coursetools.resume), or all with force. Returns {student: Outcome} of those graded now.
    Raises gradebook.GradebookUnreachable before grading anyone if the gradebook cannot be reached."""
    root = Path(root)
    gradebook.check_reachable(gradebook.url(root))
    config = course.course_config(root)
    grader = resume.grader_digest(root, assignment)
    digests = to_grade(root, assignment, grader, force)
    todo = list(digests)
    unchanged = len(course.submitted_students(root, assignment)) - len(todo)
    log(f"{assignment}: {len(todo)} submission(s) to grade" + (f", {unchanged} unchanged since graded" if unchanged else ""))
    if not todo:
        return {}
    shared = client.scatter(grader_files(root, assignment, grader), broadcast=True)
    futures = {client.submit(grade_submission, shared, student,
                             read_tree(root / "submitted" / student / assignment),
                             key=f"grade-{assignment}-{student}-{digests[student][:12]}"): student
               for student in todo}
    outcomes = {}
    with tqdm(total=len(todo), desc=assignment, unit="submission", smoothing=0) as bar:
        for future in as_completed(futures):
            student = futures[future]
            try:
                graded = future.result()
            except Exception as error:  # the task itself failed: a worker died too often, or a bug
                graded = Graded(student, {}, f"grading failed on the workers: {type(error).__name__}: {error}", 0.0)
            future.release()  # the worker's copy of the result is not needed any more
            outcome = merge(root, assignment, graded, config, digests[student])
            outcomes[student] = outcome
            if not outcome.graded:
                bar.write(f"  {student}: NOT GRADED: {'; '.join(outcome.problems)}")
            elif outcome.problems:
                bar.write(f"  {student}: graded in {graded.seconds:.1f} s, {len(outcome.problems)} faulty "
                          f"cell(s): {'; '.join(outcome.problems)}")
            bar.update()
    return dict(sorted(outcomes.items()))
