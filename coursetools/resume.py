"""Which submissions need grading again: a graded submission keeps the digest of what it was graded from.

The digest covers the submitted folder (every file's path and bytes) and the grader: the course's
nbgrader_config.py, the assignment's source/ folder (its hidden tests) and the Python source of nclib and
coursetools (the reference and the grading path). It is written last, beside the autograded notebooks,
as autograded/<student>/<assignment>/graded-from.sha256, once the grades are in the gradebook; nbgrader's
`ignore` keeps a file of that name in a submission out of autograded/ and the record out of feedback/.
"""
import hashlib
import os
import tempfile
from pathlib import Path

import nclib

RECORD = "graded-from.sha256"
IGNORE = RECORD
PACKAGES = (Path(nclib.__file__).resolve().parent, Path(__file__).resolve().parent)  # nclib, coursetools


def _hash_tree(hasher, folder, pattern="*"):
    for path in sorted(p for p in Path(folder).rglob(pattern) if p.is_file() and "__pycache__" not in p.parts):
        hasher.update(f"{path.relative_to(folder).as_posix()}\0{path.stat().st_size}\0".encode())
        hasher.update(path.read_bytes())


def grader_digest(root, assignment):
    """The digest of what grades the assignment: configuration, source folder, nclib and coursetools."""
    hasher = hashlib.sha256((Path(root) / "nbgrader_config.py").read_bytes())
    _hash_tree(hasher, Path(root) / "source" / assignment)
    for package in PACKAGES:
        _hash_tree(hasher, package, "*.py")
    return hasher.hexdigest()


def submission_digest(root, assignment, student, grader):
    """The digest of one submitted folder, graded by the grader of digest `grader` (grader_digest)."""
    hasher = hashlib.sha256(grader.encode())
    _hash_tree(hasher, Path(root) / "submitted" / student / assignment)
    return hasher.hexdigest()


def record(folder, digest):
    """Note in the autograded folder that it was graded from digest, replacing any file or link of that name."""
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".graded-from-")
    with os.fdopen(handle, "w") as out:
        out.write(digest + "\n")
    os.chmod(temporary, 0o644)
    os.replace(temporary, Path(folder) / RECORD)


def recorded(folder):
    """The digest the autograded folder was graded from, or None if it has no record."""
    path = Path(folder) / RECORD
    return path.read_text().strip() if path.is_file() and not path.is_symlink() else None
