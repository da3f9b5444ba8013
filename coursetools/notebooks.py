"""Reading the course's notebooks through their nbgrader cell metadata."""
import keyword
from pathlib import Path

import nbformat

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN_MARKERS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


def assignments(root):
    """Names of the assignments: the folders of <root>/source, sorted."""
    return sorted(p.name for p in (Path(root) / "source").iterdir() if p.is_dir() and not p.name.startswith("."))


def notebook_names(root, assignment):
    """File names of an assignment's notebooks in <root>/source/<assignment>, sorted."""
    return sorted(p.name for p in (Path(root) / "source" / assignment).glob("*.ipynb"))


def read(path):
    return nbformat.read(str(path), as_version=4)


def meta(cell):
    """The cell's nbgrader metadata (an empty dict for an ordinary cell)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def cells_by_id(nb):
    """{grade_id: cell} for every nbgrader cell of nb."""
    return {meta(cell)["grade_id"]: cell for cell in nb.cells if meta(cell).get("grade_id")}


def solution_cells(nb):
    """{grade_id: cell} for the cells a student writes in."""
    return {gid: cell for gid, cell in cells_by_id(nb).items() if meta(cell).get("solution")}


def graded_points(nb):
    """{grade_id: points} of the graded cells, in notebook order."""
    return {gid: float(meta(cell).get("points", 0)) for gid, cell in cells_by_id(nb).items() if meta(cell).get("grade")}


def auto_graded_points(nb):
    """{grade_id: points} of the test cells nbgrader scores by itself (code cells)."""
    cells = cells_by_id(nb)
    return {gid: pts for gid, pts in graded_points(nb).items() if cells[gid].cell_type == "code"}


def without_markers(source, markers=SOLUTION_MARKERS):
    """source with the lines holding any of the markers removed."""
    return "\n".join(line for line in source.split("\n") if not any(m in line for m in markers))


def split_secret(source):
    """(public, secret): stripped non-empty lines outside and inside the solution / hidden-test blocks."""
    public, secret, inside = set(), set(), False
    for line in source.split("\n"):
        if any(begin in line for begin, _ in (SOLUTION_MARKERS, HIDDEN_MARKERS)):
            inside = True
        elif any(end in line for _, end in (SOLUTION_MARKERS, HIDDEN_MARKERS)):
            inside = False
        elif line.strip():
            (secret if inside else public).add(line.strip())
    return public, secret


def secret_lines(nb):
    """Stripped lines of an instructor notebook that occur only inside solution or hidden-test blocks:
    the lines whose presence anywhere in the student's hands gives something away. A line that is a bare
    keyword (`else:`, `try:`, `return`) gives nothing away, and any notebook may hold it."""
    public, secret = set(), set()
    for cell in nb.cells:
        cell_public, cell_secret = split_secret(cell.source)
        public |= cell_public
        secret |= cell_secret
    return {line for line in secret - public if not keyword.iskeyword(line.removesuffix(":"))}


def builds_on(nb):
    """The assignments whose solutions this notebook hands out in given cells (notebook metadata
    nclib_course.builds_on): it must be released after their deadline."""
    return list(nb.metadata.get("nclib_course", {}).get("builds_on", []))
