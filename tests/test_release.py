"""The committed release is what nbgrader generates from source/, and it gives nothing away."""
import json

import nbformat
import pytest

from conftest import ASSIGNMENTS, ROOT, make_course
from coursetools import notebooks
from coursetools.autograde.grader_side import split_hidden_tests

STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
FORBIDDEN = notebooks.SOLUTION_MARKERS + notebooks.HIDDEN_MARKERS + ("nclib.grading", "grading.check")


def release_files(root, assignment):
    folder = root / "release" / assignment
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def fresh_course(tmp_path_factory):
    """A temporary copy of the course with its release generated and nothing graded (the graded course
    takes minutes, and a test worker that does not run test_pipeline.py would build it just for this)."""
    return make_course(tmp_path_factory, "fresh_release")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_release_matches_a_fresh_generate_assignment(fresh_course, assignment):
    root = fresh_course
    assert release_files(ROOT, assignment) == release_files(root, assignment)
    for name in release_files(root, assignment):
        committed = (ROOT / "release" / assignment / name).read_text()
        fresh = (root / "release" / assignment / name).read_text()
        if name.endswith(".ipynb"):
            committed, fresh = json.loads(committed), json.loads(fresh)
        assert committed == fresh, f"release/{assignment}/{name} is stale: run `make release` and commit it"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_holds_no_solution_and_no_hidden_test(assignment):
    for name in notebooks.notebook_names(ROOT, assignment):
        source_nb = notebooks.read(ROOT / "source" / assignment / name)
        release_nb = notebooks.read(ROOT / "release" / assignment / name)
        release_text = "\n".join(cell.source for cell in release_nb.cells)
        for marker in FORBIDDEN:
            assert marker not in release_text, f"{name}: {marker!r} in the release"
        release_lines = {line.strip() for line in release_text.split("\n")}
        leaked = sorted(notebooks.secret_lines(source_nb) & release_lines)
        assert not leaked, f"{name}: the release holds lines of solutions or hidden tests: {leaked[:5]}"
        for grade_id, cell in notebooks.solution_cells(release_nb).items():
            if cell.cell_type == "code":
                assert all(line in cell.source for line in STUB.split("\n")), f"{name}: solution cell {grade_id} has no stub"
            else:
                assert "YOUR ANSWER HERE" in cell.source, f"{name}: written cell {grade_id} has no stub"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_test_cell_is_decided_outside_the_kernel(assignment):
    """A test cell without a hidden grading.check would be decided by the student's own kernel."""
    for name in notebooks.notebook_names(ROOT, assignment):
        source_nb = notebooks.read(ROOT / "source" / assignment / name)
        for grade_id in notebooks.auto_graded_points(source_nb):
            _, checks = split_hidden_tests(notebooks.cells_by_id(source_nb)[grade_id].source)
            assert checks, f"{name}: test cell {grade_id} has no hidden grading.check"


def test_secret_lines_are_the_solution_lines_but_bare_keywords():
    source = "def f(x):\n    ### BEGIN SOLUTION\n    if x:\n        return 1\n    else:\n        return 2\n    ### END SOLUTION\n    y = 3"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    assert notebooks.secret_lines(nb) == {"if x:", "return 1", "return 2"}
