"""The gradebook: SQLite by default, PostgreSQL when NCLIB_GRADEBOOK_URL names one.

A real PostgreSQL server is started by the tests (Debian's postgresql, installed by `make`): initdb into a
temporary folder, listening on a Unix socket only. The demo submissions of one assignment are graded
through stock nbgrader into it and into SQLite, and the two exports must be identical.
"""
import csv
import glob
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import ASSIGNMENTS, ROOT, assert_scored_as
from coursetools import course, gradebook
from coursetools.demo import submissions

ASSIGNMENT = ASSIGNMENTS[0]
UNREACHABLE = "postgresql+psycopg://grader:s3cret@/gradebook?host=/nonexistent-socket-folder"


def postgres_bin():
    """The folder of PostgreSQL's server programs (Debian keeps them out of PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = found[-1] if found else shutil.which("initdb")
    assert initdb, "PostgreSQL's initdb was not found: `make` installs Debian's postgresql package"
    return Path(initdb).parent


@pytest.fixture(scope="module")
def postgres_url():
    """A PostgreSQL server of its own, in a temporary folder, on a Unix socket (no TCP); its URL."""
    bindir, base = postgres_bin(), Path(tempfile.mkdtemp(prefix="nclib-pg-"))
    as_owner = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(base, "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]

    def run(program, *args):
        subprocess.run([*as_owner, str(bindir / program), *args], check=True, capture_output=True, text=True)

    data = base / "data"
    run("initdb", "-D", str(data), "-U", "grader", "-A", "trust", "--no-sync")
    run("pg_ctl", "-D", str(data), "-l", str(base / "server.log"), "-w", "-o",
        f"-c listen_addresses='' -k {base} -F", "start")
    try:
        run("createdb", "-h", str(base), "-U", "grader", "gradebook")
        yield f"postgresql+psycopg://grader@/gradebook?host={base}"
    finally:
        run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


def grade_demo(root, database_url):
    """The release and the demo submissions of ASSIGNMENT graded into the gradebook at database_url (None:
    the default, SQLite), then exported; returns the export's rows."""
    shutil.copytree(ROOT / "source", root / "source")
    shutil.copy(ROOT / "nbgrader_config.py", root)
    with pytest.MonkeyPatch.context() as env:
        if database_url:
            env.setenv(gradebook.ENV, database_url)
        else:
            env.delenv(gradebook.ENV, raising=False)
        course.generate_release(root, ASSIGNMENT)
        submissions.write_demo_submissions(root, ASSIGNMENT)
        outcomes = course.autograde_each(root, ASSIGNMENT, sorted(submissions.demo_versions(ASSIGNMENT)),
                                         log=lambda _: None)
        assert all(outcome.graded and not outcome.problems for outcome in outcomes.values()), outcomes
        for student, bugs in submissions.demo_versions(ASSIGNMENT).items():
            assert_scored_as(root, ASSIGNMENT, student, bugs)
        course.run_nbgrader(root, "export", "--to", "grades.csv")
    with open(root / "grades.csv", newline="") as export:
        return list(csv.DictReader(export))


@pytest.mark.nbgrader
def test_a_postgresql_gradebook_grades_as_sqlite_does(tmp_path, postgres_url):
    sqlite_rows = grade_demo(tmp_path / "sqlite", None)
    postgres_rows = grade_demo(tmp_path / "postgresql", postgres_url)
    assert (tmp_path / "sqlite" / "gradebook.db").exists()
    assert not (tmp_path / "postgresql" / "gradebook.db").exists(), "the PostgreSQL run wrote an SQLite gradebook"
    assert len(sqlite_rows) == len(submissions.demo_versions(ASSIGNMENT))
    assert postgres_rows == sqlite_rows


def test_the_default_gradebook_is_sqlite_in_the_course_root(tmp_path, monkeypatch):
    monkeypatch.delenv(gradebook.ENV, raising=False)
    assert gradebook.url(tmp_path) == f"sqlite:///{tmp_path.resolve() / 'gradebook.db'}"
    monkeypatch.setenv(gradebook.ENV, UNREACHABLE)
    assert gradebook.url(tmp_path) == UNREACHABLE


def test_a_reachable_gradebook_passes_the_check(tmp_path):
    gradebook.check_reachable(f"sqlite:///{tmp_path / 'gradebook.db'}")


@pytest.mark.parametrize("database_url, shown", [
    (UNREACHABLE, "postgresql+psycopg://grader:***@/gradebook?host=/nonexistent-socket-folder"),
    ("sqlite:////nonexistent-folder/gradebook.db", "sqlite:////nonexistent-folder/gradebook.db"),
    ("not a url", "'not a url'"),
], ids=["no server", "no folder", "not a URL"])
def test_an_unreachable_gradebook_is_one_clear_error_naming_it(database_url, shown):
    with pytest.raises(gradebook.GradebookUnreachable) as error:
        gradebook.check_reachable(database_url)
    message = str(error.value)
    assert shown in message and "\n" not in message
    assert "s3cret" not in message


def test_the_demo_stops_before_grading_when_the_gradebook_is_unreachable(tmp_path):
    shutil.copytree(ROOT / "source", tmp_path / "source")
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    bindir = Path(sys.executable).parent
    proc = subprocess.run([sys.executable, "-m", "coursetools", "demo"], cwd=tmp_path, capture_output=True, text=True,
                          env=dict(os.environ, **{gradebook.ENV: UNREACHABLE},
                                   PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}"))
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach the gradebook at postgresql+psycopg://grader:***@" in lines[0], proc.stderr
    assert proc.stdout == ""
    assert not (tmp_path / "release").exists() and not (tmp_path / "submitted").exists()
