"""Stock nbgrader run on the course: its commands, the release, and autograding one student at a time
with a report of what went wrong in each submission."""
import os
import re
import subprocess
import sys
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy
from nbgrader.apps import NbGraderAPI
from traitlets.config.loader import PyFileConfigLoader

from coursetools import gradebook, notebooks
from coursetools.autograde import faults


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message holds the end of its output."""


def run_nbgrader(root, *args, environ=None):
    """Run `nbgrader ARGS` in the course root, in environ (default: this process's environment), and return
    its output; raise NbgraderError on failure. nbgrader is killed if the thread that started it dies.

    The interpreter's bin/ goes first on PATH: nbgrader runs `alembic` by name when it creates a gradebook.
    """
    environ = os.environ if environ is None else environ
    bindir = Path(sys.executable).parent
    env = dict(environ, PATH=f"{bindir}{os.pathsep}{environ.get('PATH', '')}")
    command = ["setpriv", "--pdeathsig", "KILL", str(bindir / "nbgrader"), *args]
    proc = subprocess.run(command, cwd=root, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # nbgrader can exit 0 after failing a submission: its log says so.
    failed = proc.returncode != 0 or "There was an error processing assignment" in proc.stdout
    if failed:
        status = "" if proc.returncode in (0, 1) else f" (exit {proc.returncode})"  # 1: nbgrader's own failure
        raise NbgraderError(f"nbgrader {' '.join(args)} failed{status}: {failure_reason(proc.stdout)}")
    return proc.stdout


def failure_reason(output):
    """The informative lines of a failed nbgrader run: its errors, skipped files and the exception raised."""
    reasons = []
    for line in output.splitlines():
        text = line.strip()
        exception = re.match(r"^[\w.]+(Error|Exception): (.*)", text)
        informative = "ERROR]" in text or "Skipping unknown notebook" in text or exception
        generic = "There was an error processing" in text or "Please see the" in text or "Traceback" in text
        if informative and not generic:
            text = re.sub(r"^\[[\w |]+\] ", "", text)  # [AutogradeApp | ERROR] or [ERROR]
            if text not in reasons and not (exception and exception[2] in reasons):  # a logged error, raised
                reasons.append(text)
    return "; ".join(reasons) if reasons else "\n".join(output.strip().splitlines()[-10:])


def course_config(root):
    """The course's nbgrader configuration, loaded from root/nbgrader_config.py as nbgrader loads it."""
    return PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()


def ignore_gradebook_warnings():
    """nbgrader's gradebook makes SQLAlchemy warn about its sessions as it records grades; its own commands
    print the warnings among their output, where nobody reads them: here they are not shown."""
    warnings.filterwarnings("ignore", category=sqlalchemy.exc.SAWarning, module="nbgrader")


# nbgrader's applications are written to run one per process: here one at a time.
_in_process = threading.Lock()


def autograde_in_process(root, assignment, student, db_url):
    """`nbgrader autograde ASSIGNMENT --student=STUDENT --force` on the course at root with the gradebook
    db_url, run in this process by nbgrader's own API: the same steps without starting nbgrader.
    Returns its log; raises NbgraderError as run_nbgrader does."""
    config = course_config(root)
    config.CourseDirectory.db_url = db_url
    ignore_gradebook_warnings()
    with _in_process:
        result = NbGraderAPI(config=config).autograde(assignment, student, force=True, create=True)
    output = result.get("log", "") + result.get("error", "")
    if not result["success"] or "There was an error processing assignment" in output:
        raise NbgraderError(f"nbgrader autograde {assignment} --student={student} --force failed: "
                            f"{failure_reason(output)}")
    return output


def generate_release(root, assignment):
    run_nbgrader(root, "generate_assignment", assignment, "--force")


@dataclass
class Outcome:
    """What happened to one submission: graded or not, and the problems met on the way."""
    graded: bool
    problems: list = field(default_factory=list)


def autograde_each(root, assignment, students, *options, log=print):
    """Autograde the students' submissions one at a time, so that one broken submission is reported for
    that student and the others are still graded. options go to `nbgrader autograde`.
    Returns {student: Outcome}; a graded submission's problems are the faults it survived (fault_report).
    Raises gradebook.GradebookUnreachable before grading anyone if the gradebook cannot be reached."""
    gradebook.check_reachable(gradebook.url(root))
    outcomes = {}
    for i, student in enumerate(students, start=1):
        start = time.perf_counter()
        try:
            run_nbgrader(root, "autograde", assignment, f"--student={student}", "--force", *options)
        except NbgraderError as error:
            outcomes[student] = Outcome(False, [str(error)])
            log(f"  [{i}/{len(students)}] {student}: NOT GRADED: {error}")
            continue
        problems = fault_report(root, assignment, student)
        outcomes[student] = Outcome(True, problems)
        note = f", {len(problems)} faulty cell(s)" if problems else ""
        log(f"  [{i}/{len(students)}] {student}: graded in {time.perf_counter() - start:.1f} s{note}")
    return outcomes


def fault_report(root, assignment, student):
    """The faults of the student's autograded notebooks of the assignment, from the reports that the
    Execute step wrote beside them (coursetools.autograde.faults)."""
    folder = Path(root) / "autograded" / student / assignment
    problems = []
    for name in notebooks.notebook_names(root, assignment):
        notebook = Path(name).stem
        if not (folder / name).exists():
            continue  # not submitted: nbgrader scored it 0 without running it
        report = faults.path(folder, notebook)
        problems += faults.problems(report) if report.exists() else [f"{notebook}: no fault report was written"]
    return problems


def submitted_students(root, assignment):
    """Student ids with a folder submitted/<student>/<assignment>, sorted."""
    base = Path(root) / "submitted"
    return sorted(p.name for p in base.iterdir() if (p / assignment).is_dir()) if base.is_dir() else []
