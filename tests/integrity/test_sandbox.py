"""What student code can reach inside coursetools.autograde.sandbox: its own folder, and nothing of the course."""
import subprocess
import sys

import pytest

from coursetools.autograde import sandbox

PROBE = r'''
import os, socket, sys
def can(action):
    try:
        action()
        return True
    except Exception:
        return False
print("given", can(lambda: __import__("nclib.gradcheck")))
for module in ("nclib.layers", "nclib.losses", "nclib.models", "nclib.grading"):
    print(module, can(lambda: __import__(module)))
for path in sys.argv[1:]:
    print(path, os.path.exists(path))
print("write here", can(lambda: open("mine.txt", "w").write("x")))
print("write elsewhere", can(lambda: open(sys.argv[1] + "/theirs.txt", "w").write("x")))
print("network", can(lambda: socket.create_connection(("127.0.0.1", 22), timeout=2)))
'''


@pytest.fixture
def course(tmp_path):
    root = tmp_path / "course"
    for folder in ("source/a", "submitted/other/a", "autograded/other/a", "autograded/me/a"):
        (root / folder).mkdir(parents=True)
    (root / "gradebook.db").write_text("secret")
    (root / "source" / "a" / "a.ipynb").write_text("secret")
    return root


def test_student_code_sees_only_its_own_folder(course):
    workdir = course / "autograded" / "me" / "a"
    secrets = [course / "source", course / "gradebook.db", course / "submitted" / "other",
               course / "autograded" / "other", sandbox.NCLIB / "layers.py", sandbox.NCLIB / "grading" / "__init__.py"]
    result = subprocess.run(sandbox.command_prefix(workdir) + [sys.executable, "-c", PROBE, *map(str, secrets)],
                            capture_output=True, text=True, timeout=60)
    seen = dict(line.rsplit(" ", 1) for line in result.stdout.splitlines())
    assert seen.pop("given") == "True", result.stderr
    assert seen.pop("write here") == "True"
    assert (workdir / "mine.txt").exists()
    assert seen == {key: "False" for key in seen} and len(seen) == 4 + len(secrets) + 2, seen


def test_student_code_runs_under_limits(course):
    workdir = course / "autograded" / "me" / "a"
    hog = "import numpy; numpy.ones(2 * 1024**3)"  # 16 GB, over the address-space limit
    result = subprocess.run(sandbox.command_prefix(workdir) + [sys.executable, "-c", hog],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "MemoryError" in result.stderr
