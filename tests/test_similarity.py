"""The similarity report (coursetools.similarity, python -m coursetools similarity) on submissions of
two_layer_net written here: the reference, three implementations written independently (tests/
similarity_support.py), a copy of one of them with renamed variables and reordered helpers, and blanks.
Nothing is graded: the course is source/, release/ and nbgrader_config.py."""
import csv
import itertools
import shutil

import nbformat
import pytest

import similarity_support as written
from conftest import ROOT
from coursetools import notebooks, similarity
from coursetools.__main__ import main
from coursetools.demo import submissions

ASSIGNMENT = "two_layer_net"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
INDEPENDENT = ("ref", "ana", "ben", "chloe")
COPY = ("ana", "zoe")   # zoe handed in ana's code, renamed and reordered


def release_nb():
    return notebooks.read(ROOT / "release" / ASSIGNMENT / NOTEBOOK)


def make_course(root, students):
    """A course at root with two_layer_net's source and release and the submissions students, {student:
    a notebook, the text of a file that is not one, or None for a folder without a notebook}. Returns root."""
    for folder in ("source", "release"):
        shutil.copytree(ROOT / folder / ASSIGNMENT, root / folder / ASSIGNMENT)
    shutil.copy(ROOT / "nbgrader_config.py", root)
    for student, nb in students.items():
        path = root / "submitted" / student / ASSIGNMENT / NOTEBOOK
        path.parent.mkdir(parents=True)
        if nb is not None:
            path.write_text(nb if isinstance(nb, str) else nbformat.writes(nb))
    return root


def class_of_students():
    release, source = release_nb(), notebooks.read(ROOT / "source" / ASSIGNMENT / NOTEBOOK)
    return {"ref": submissions.complete(release, source), "ana": written.written(release, written.ANA),
            "ben": written.written(release, written.BEN), "chloe": written.written(release, written.CHLOE),
            "zoe": written.written(release, written.copy_of(written.ANA)),
            "blank1": submissions.blank(release), "blank2": submissions.blank(release)}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return make_course(tmp_path_factory.mktemp("similarity"), class_of_students())


@pytest.fixture(scope="module")
def report(course):
    """(pairs, skipped, html_path, csv_path) of the class."""
    return similarity.write_report(course, ASSIGNMENT, top=3)


def by_students(pairs):
    return {frozenset((p.a.student, p.b.student)): p for p in pairs}


def test_the_copy_ranks_first(report):
    pairs = report[0]
    assert (pairs[0].a.student, pairs[0].b.student) == COPY
    # seen: 1.00 both ways (names are tokenised away; moving a helper changes no stretch of 25 tokens)
    assert pairs[0].similarity >= 0.7 and min(pairs[0].share_a, pairs[0].share_b) >= 0.7


def test_independent_submissions_stay_well_below_the_copy(report):
    pairs = by_students(report[0])
    copy = pairs[frozenset(COPY)].similarity
    independent = [frozenset(pair) for pair in itertools.combinations(INDEPENDENT, 2)]
    independent += [frozenset(("zoe", other)) for other in INDEPENDENT if other != "ana"]
    # seen: ben ~ ref 0.43, ana ~ ref 0.35, zoe ~ ref 0.35, ben ~ chloe 0.33, ana ~ ben 0.32, ben ~ zoe 0.29,
    # ana ~ chloe 0.29, chloe ~ zoe 0.27, chloe ~ ref 0.26: the shared idioms of one specification
    scores = {tuple(sorted(pair)): round(pairs[pair].similarity, 2) for pair in independent}
    assert max(scores.values()) < 0.5 < copy, scores
    assert min(scores.values()) > 0.1, "independent solutions of one specification share idioms"


def test_blank_submissions_score_zero_because_the_template_is_ignored(course, report):
    pairs = [p for p in report[0] if {p.a.student, p.b.student} & {"blank1", "blank2"}]
    assert len(pairs) == 11 and all(p.similarity == 0 and p.tokens == 0 for p in pairs)
    assert all(p.similarity > 0 for p in report[0][:10])
    blanks, _ = similarity.read_submissions(course, ASSIGNMENT)
    blanks = [s for s in blanks if s.student.startswith("blank")]
    assert similarity.compare(blanks, template="")[0].similarity == 1.0, "without the template, blanks match"


def test_only_solution_cells_are_compared(course):
    found, _ = similarity.read_submissions(course, ASSIGNMENT)
    code = next(s.code for s in found if s.student == "ana")
    assert "def _log_softmax(z):" in code and "def affine_forward(x, w, b):" in code
    assert "rel_error" not in code and "load_digits" not in code   # visible tests and given cells


def test_the_html_and_csv_name_the_pair_and_need_no_network(report):
    pairs, skipped, html_path, csv_path = report
    assert skipped == {}
    with open(csv_path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 21 and (rows[0]["rank"], rows[0]["student_a"], rows[0]["student_b"]) == ("1", *COPY)
    assert float(rows[0]["similarity"]) >= 0.7 and float(rows[-1]["similarity"]) == 0
    page = html_path.read_text()
    assert "1. ana ~ zoe: 1.00" in page and page.count('class="sides"') == 3
    assert "<mark>    out = x * _sigmoid(x)</mark>" in page and "<mark>    out = x * sigm(x)</mark>" in page
    assert "http" not in page and "src=" not in page and "<link" not in page


def test_the_command_prints_the_top_pairs(course, monkeypatch, capsys):
    monkeypatch.chdir(course)
    assert main(["similarity", ASSIGNMENT, "--top", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("  1. ana ~ zoe: 1.00") and lines[1].startswith("  2. ")
    assert lines[2] == f"all 21 pairs: reports/{ASSIGNMENT}/similarity.html, reports/{ASSIGNMENT}/similarity.csv"


@pytest.mark.parametrize("assignment,readable,broken,message", [
    ("nope", ["ana", "zoe"], [], "no assignment nope in source/ (there are: two_layer_net)"),
    (ASSIGNMENT, [], [], "no readable submission of two_layer_net in {root}/submitted: nothing to compare"),
    (ASSIGNMENT, ["ana"], [], "only one readable submission (ana) of two_layer_net in {root}/submitted: "
     "nothing to compare"),
    (ASSIGNMENT, ["ana"], ["bob"], "only one readable submission (ana) of two_layer_net in {root}/submitted: "
     "nothing to compare; bob left out: cannot read its notebook: NotJSONError: Notebook does not appear to be "
     "JSON: '{{ not json'"),
])
def test_bad_input_is_one_line(tmp_path, monkeypatch, assignment, readable, broken, message):
    make_course(tmp_path, {s: release_nb() for s in readable} | {s: "{ not json" for s in broken})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main(["similarity", assignment])
    assert stop.value.code == "python -m coursetools: " + message.format(root=tmp_path)


def test_an_unreadable_notebook_is_reported_and_the_others_compared(tmp_path, monkeypatch, capsys):
    students = class_of_students()
    make_course(tmp_path, {"ana": students["ana"], "zoe": students["zoe"], "ben": students["ben"],
                           "bob": "{ not json", "eve": None})
    monkeypatch.chdir(tmp_path)
    assert main(["similarity", ASSIGNMENT]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        "python -m coursetools: bob left out: cannot read its notebook: NotJSONError: "
        "Notebook does not appear to be JSON: '{ not json'",
        f"python -m coursetools: eve left out: no notebook in {tmp_path / 'submitted' / 'eve' / ASSIGNMENT}"]
    assert out.startswith("  1. ana ~ zoe: 1.00") and "all 3 pairs" in out
    assert "bob: cannot read its notebook" in (tmp_path / "reports" / ASSIGNMENT / "similarity.html").read_text()
