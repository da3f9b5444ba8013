"""The demo-submission generator and the score report, on a small notebook built here."""
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from conftest import ASSIGNMENTS, ROOT
from coursetools import notebooks, report
from coursetools.demo import submissions
from coursetools.demo.bugs import BUGS, Bug


def nbgrader_cell(make, source, **flags):
    return make(source, metadata={"nbgrader": {"schema_version": 3, "task": False, "locked": False, **flags}})


@pytest.fixture
def source_nb():
    return new_notebook(cells=[
        new_markdown_cell("# Adding"),
        nbgrader_cell(new_code_cell, "def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION",
                      grade=False, solution=True, grade_id="add"),
        nbgrader_cell(new_code_cell, "assert add(1, 2) == 3", grade=True, solution=False, grade_id="test_add",
                      points=2, locked=True),
        nbgrader_cell(new_markdown_cell, "### BEGIN SOLUTION\nBecause.\n### END SOLUTION",
                      grade=True, solution=True, grade_id="why", points=1),
    ])


@pytest.fixture
def release_nb(source_nb):
    nb = nbformat.from_dict(source_nb)
    nb.cells[1].source = "def add(a, b):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
    nb.cells[3].source = "YOUR ANSWER HERE"
    return nb


def test_complete_fills_every_solution_cell_without_markers(source_nb, release_nb):
    nb = submissions.complete(release_nb, source_nb)
    assert nb.cells[1].source == "def add(a, b):\n    return a + b"
    assert nb.cells[3].source == "Because."
    assert "NotImplementedError" in release_nb.cells[1].source, "the release itself must not change"


def test_blank_is_the_release(release_nb):
    assert submissions.blank(release_nb) == release_nb


def test_buggy_applies_each_bug_once(source_nb, release_nb):
    bug = Bug("add", "a + b", "a - b", "subtracts", ("test_add",))
    assert "return a - b" in submissions.buggy(release_nb, source_nb, [bug]).cells[1].source


@pytest.mark.parametrize("bug", [Bug("add", "a * b", "a", "absent text", ()),
                                 Bug("nope", "a + b", "a", "unknown cell", ())])
def test_a_bug_that_does_not_apply_is_an_error(source_nb, release_nb, bug):
    with pytest.raises(ValueError, match=bug.description):
        submissions.buggy(release_nb, source_nb, [bug])


def test_expected_scores(source_nb):
    bug = Bug("add", "a + b", "a - b", "subtracts", ("test_add",))
    assert submissions.expected_scores(source_nb, []) == {"test_add": 2.0}
    assert submissions.expected_scores(source_nb, None) == {"test_add": 0.0}
    assert submissions.expected_scores(source_nb, [bug]) == {"test_add": 0.0}
    with pytest.raises(ValueError, match="test_missing"):
        submissions.expected_scores(source_nb, [Bug("add", "a", "b", "x", ("test_missing",))])


def test_auto_and_manual_points(source_nb):
    assert notebooks.graded_points(source_nb) == {"test_add": 2.0, "why": 1.0}
    assert notebooks.auto_graded_points(source_nb) == {"test_add": 2.0}


def test_every_assignment_plants_bugs():
    for assignment in ASSIGNMENTS:
        assert BUGS.get(assignment), f"{assignment} has no planted bugs for its buggy demo submission"


def test_score_table(tmp_path):
    csv_path = tmp_path / "grades.csv"
    csv_path.write_text("assignment,duedate,timestamp,student_id,last_name,first_name,email,raw_score,"
                        "late_submission_penalty,score,max_score\n"
                        "a1,,,ann,,,,3.0,0.0,3.0,4.0\na2,,,ann,,,,1.5,0.0,1.5,2.0\na1,,,bob,,,,0.0,0.0,0.0,4.0\n")
    (tmp_path / "source").mkdir()
    lines = report.score_table(csv_path, tmp_path).splitlines()
    assert lines[0].split() == ["student", "a1", "a2", "total"]
    assert lines[2].split() == ["ann", "3", "/", "4", "1.5", "/", "2", "4.5", "/", "6"]
    assert lines[3].split() == ["bob", "0", "/", "4", "0", "/", "0", "0", "/", "4"]


def test_faulty_ends_the_kernel_in_that_cell_only(source_nb, release_nb):
    nb = submissions.faulty(release_nb, source_nb, "add")
    assert nb.cells[1].source == submissions.FAULT + "def add(a, b):\n    return a + b"
    assert nb.cells[3].source == "Because."


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_demo_class_mixes_every_kind_of_submission(assignment):
    versions = submissions.demo_class(assignment)
    assert len(versions) + 2 == submissions.CLASS_SIZE  # write_class adds faulty and copier
    assert list(versions)[:3] == list(submissions.demo_versions(assignment))
    generated = [bugs for student, bugs in versions.items() if student.startswith("student")]
    for bug in BUGS[assignment]:
        assert [bug] in generated, bug.description
    assert generated.count(None) == 2
    assert [] in generated  # some complete
    assert submissions.demo_class(assignment) == versions  # the same class every time


def test_write_class_adds_a_faulty_student_and_a_copier(tmp_path):
    assignment = "two_layer_net"
    for folder in ("source", "release"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / assignment).symlink_to(ROOT / folder / assignment)
    students = submissions.write_class(tmp_path, assignment)
    assert len(students) == submissions.CLASS_SIZE
    assert sorted(p.name for p in (tmp_path / "submitted").iterdir()) == sorted(students)
    name = f"{assignment}.ipynb"
    copied, original = (tmp_path / "submitted" / s / assignment / name for s in ("copier", "student01"))
    assert copied.read_bytes() == original.read_bytes()
    faulty = notebooks.read(tmp_path / "submitted" / "faulty" / assignment / name)
    first = next(iter(notebooks.solution_cells(faulty).values()))
    assert first.source.startswith(submissions.FAULT)
