"""Demo submissions made from the release, never edited by hand.

- complete: every solution cell holds the reference solution (source/ without its markers);
- blank: the release untouched;
- buggy: complete, with the assignment's planted bugs (coursetools.demo.bugs);
- faulty: complete, with one solution cell that ends the kernel.
A demo class mixes them (demo_class).
"""
import copy
import random
import shutil
from pathlib import Path

import nbformat

from coursetools import notebooks
from coursetools.demo.bugs import BUGS

def complete(release_nb, source_nb):
    """The release notebook with the reference solution in every solution cell."""
    nb = copy.deepcopy(release_nb)
    reference = notebooks.solution_cells(source_nb)
    for grade_id, cell in notebooks.solution_cells(nb).items():
        if grade_id not in reference:
            raise ValueError(f"release cell {grade_id!r} has no solution cell in source/")
        cell.source = notebooks.without_markers(reference[grade_id].source)
    return nb


def blank(release_nb):
    """The release notebook as handed out."""
    return copy.deepcopy(release_nb)


def buggy(release_nb, source_nb, bugs):
    """The complete notebook with each Bug's `old` text replaced by its `new` text (exactly once)."""
    nb = complete(release_nb, source_nb)
    cells = notebooks.solution_cells(nb)
    for bug in bugs:
        if bug.cell not in cells:
            raise ValueError(f"bug {bug.description!r}: no solution cell {bug.cell!r}")
        source = cells[bug.cell].source
        if source.count(bug.old) != 1:
            raise ValueError(f"bug {bug.description!r}: {bug.old!r} occurs {source.count(bug.old)} times "
                             f"in cell {bug.cell!r}, expected exactly once")
        cells[bug.cell].source = source.replace(bug.old, bug.new)
    return nb


def faulty(release_nb, source_nb, cell):
    """The complete notebook whose solution cell `cell` ends the kernel (os._exit) before it defines anything."""
    nb = complete(release_nb, source_nb)
    target = notebooks.solution_cells(nb)[cell]
    target.source = FAULT + target.source
    return nb


FAULT = "import os\nos._exit(1)  # left in from debugging\n"


def expected_scores(source_nb, bugs):
    """{test grade_id: expected automatic score} of a submission: `bugs` None for the blank release, else
    the Bugs planted in the complete notebook (each costs the points of the tests it breaks)."""
    points = notebooks.auto_graded_points(source_nb)
    if bugs is None:
        return {gid: 0.0 for gid in points}
    broken = {test for bug in bugs for test in bug.breaks}
    unknown = broken - set(points)
    if unknown:
        raise ValueError(f"bugs name test cells that do not exist: {sorted(unknown)}")
    return {gid: (0.0 if gid in broken else pts) for gid, pts in points.items()}


def demo_versions(assignment):
    """{student: bugs} of the demo submissions, in the form write_submissions takes."""
    return {"demo_complete": [], "demo_blank": None, "demo_buggy": BUGS.get(assignment, [])}


def write_submissions(root, assignment, versions):
    """Write submitted/<student>/<assignment>/<notebook> for each student of versions, {student: bugs}
    with bugs None for the blank release, else the Bugs to plant in the complete notebook.
    Returns the paths written."""
    root = Path(root)
    written = []
    for name in notebooks.notebook_names(root, assignment):
        source_nb = notebooks.read(root / "source" / assignment / name)
        release_path = root / "release" / assignment / name
        if not release_path.exists():
            raise FileNotFoundError(f"{release_path} is missing: generate the release first")
        release_nb = notebooks.read(release_path)
        for student, bugs in versions.items():
            nb = blank(release_nb) if bugs is None else buggy(release_nb, source_nb, bugs)
            path = root / "submitted" / student / assignment / name
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, str(path))
            written.append(path)
    return written


def write_demo_submissions(root, assignment):
    """The demo submissions: complete, blank and buggy."""
    return write_submissions(root, assignment, demo_versions(assignment))


CLASS_SIZE = 30


def demo_class(assignment, size=CLASS_SIZE, seed=0):
    """{student: bugs} of a demo class of `size` students, the demo submissions first (demo_versions), then
    generated students: one for each planted bug alone, two blank, the rest with each bug drawn with
    probability 1/4 (seeded). write_class adds a faulty student and a copier."""
    bugs = BUGS.get(assignment, [])
    versions = demo_versions(assignment)
    generated = [[bug] for bug in bugs] + [None, None]
    draw = random.Random(f"{assignment}-{seed}")
    while len(versions) + len(generated) < size - 2:
        generated.append([bug for bug in bugs if draw.random() < 0.25])
    versions.update((f"student{i:02d}", version) for i, version in enumerate(generated, start=1))
    return versions


def write_class(root, assignment, size=CLASS_SIZE):
    """Write the demo class's submissions (demo_class), plus `faulty`, whose first solution cell ends the
    kernel, and `copier`, who handed in student01's notebooks. Returns the student ids."""
    root = Path(root)
    versions = demo_class(assignment, size)
    write_submissions(root, assignment, versions)
    for name in notebooks.notebook_names(root, assignment):
        source_nb = notebooks.read(root / "source" / assignment / name)
        release_nb = notebooks.read(root / "release" / assignment / name)
        first_cell = next(iter(notebooks.solution_cells(release_nb)))
        path = root / "submitted" / "faulty" / assignment / name
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(faulty(release_nb, source_nb, first_cell), str(path))
    copier = root / "submitted" / "copier" / assignment
    shutil.rmtree(copier, ignore_errors=True)
    shutil.copytree(root / "submitted" / "student01" / assignment, copier)
    return [*versions, "faulty", "copier"]
