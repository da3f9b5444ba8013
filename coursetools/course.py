"""Stock nbgrader run on the course: its commands, the release, and autograding one student at a time
with a report of what went wrong in each submission."""
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

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
        raise NbgraderError(f"nbgrader {' '.join(args)} failed (exit {proc.returncode}): {failure_reason(proc.stdout)}")
    return proc.stdout


def failure_reason(output):
    """The informative lines of a failed nbgrader run: its errors, skipped files and the exception raised."""
    reasons = []
    for line in output.splitlines():
        text = line.strip()
        informative = ("ERROR]" in text or "Skipping unknown notebook" in text
                       or re.match(r"^[\w.]+(Error|Exception): ", text))
        generic = "There was an error processing" in text or "Please see the" in text or "Traceback" in text
        if informative and not generic:
            text = re.sub(r"^\[\w+ \| \w+\] ", "", text)
            if text not in reasons:
                reasons.append(text)
    return "; ".join(reasons) if reasons else "\n".join(output.strip().splitlines()[-10:])


def course_config(root):
    """The course's nbgrader configuration, loaded from root/nbgrader_config.py as nbgrader loads it, without
    the environment variables it sets for nbgrader's own process."""
    saved = dict(os.environ)
    try:
        return PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    finally:
        os.environ.clear()
        os.environ.update(saved)


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
