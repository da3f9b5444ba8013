"""Demo submissions made from the release, never edited by hand.

- complete: every solution cell holds the reference solution (source/ without its markers);
- blank: the release untouched;
- buggy: complete, with the assignment's planted bugs (coursetools.demo.bugs).
"""
import copy
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
