"""Demo submissions made from the release, never edited by hand.

- complete: every solution cell holds the reference solution (source/ without its markers);
- blank: the release untouched;
- buggy: complete, with the assignment's planted bugs (coursetools.bugs).
"""
import copy
from pathlib import Path

import nbformat

from coursetools import notebooks
from coursetools.bugs import BUGS

DEMO_STUDENTS = ("demo_complete", "demo_blank", "demo_buggy")


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
    """{student: {test grade_id: expected automatic score}} for the three demo submissions."""
    points = notebooks.auto_graded_points(source_nb)
    broken = {test for bug in bugs for test in bug.breaks}
    unknown = broken - set(points)
    if unknown:
        raise ValueError(f"bugs name test cells that do not exist: {sorted(unknown)}")
    return {
        "demo_complete": dict(points),
        "demo_blank": {gid: 0.0 for gid in points},
        "demo_buggy": {gid: (0.0 if gid in broken else pts) for gid, pts in points.items()},
    }


def write_demo_submissions(root, assignment):
    """Write submitted/<student>/<assignment>/<notebook> for every demo student; returns the paths."""
    root = Path(root)
    written = []
    for name in notebooks.notebook_names(root, assignment):
        source_nb = notebooks.read(root / "source" / assignment / name)
        release_path = root / "release" / assignment / name
        if not release_path.exists():
            raise FileNotFoundError(f"{release_path} is missing: generate the release first")
        release_nb = notebooks.read(release_path)
        versions = {
            "demo_complete": complete(release_nb, source_nb),
            "demo_blank": blank(release_nb),
            "demo_buggy": buggy(release_nb, source_nb, BUGS.get(assignment, [])),
        }
        for student, nb in versions.items():
            path = root / "submitted" / student / assignment / name
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, str(path))
            written.append(path)
    return written
