"""Item analysis (coursetools.itemanalysis) on a synthetic graded class whose scores and messages are known,
and `python -m coursetools report` on bad input. The demo class's planted bugs are checked in
test_pipeline.py, on submissions graded by nbgrader."""
import base64
import csv
import html
import re
from collections import Counter

import numpy as np
import pytest

from conftest import ROOT, run_coursetools
from coursetools import itemanalysis
from coursetools.demo import synthetic

ASSIGNMENT = "two_layer_net"
# The normal forms of coursetools.demo.synthetic.TEMPLATES.
NORMAL = {
    "AssertionError": "dx is wrong: relative error #, should be below #",
    "HiddenTestFailed": "{function}: the output for an input of shape (#, #) is wrong: relative error #",
    "NotImplementedError": "",
}


@pytest.fixture(scope="module")
def synthetic_class(tmp_path_factory):
    return synthetic.graded_class(ROOT, tmp_path_factory.mktemp("class"), ASSIGNMENT, 40, seed=1,
                                  ungraded=("fc_net",))


@pytest.fixture(scope="module")
def reported(synthetic_class):
    written = itemanalysis.write_reports(synthetic_class.root, [ASSIGNMENT], synthetic_class.db_url)
    return written[ASSIGNMENT]


@pytest.mark.parametrize("first,second", [
    ("dx is wrong: relative error 3.1e-02, should be below 1e-07", "dx is wrong: relative error 5.0e-01, should be below 1e-7"),
    ("input of shape (8, 6)", "input of shape (2,   3)"),
    ("loss is nan", "loss is 0.25"),
    ("off by -3", "off by +12.5"),
])
def test_numbers_do_not_split_a_message(first, second):
    assert itemanalysis.normalise(first) == itemanalysis.normalise(second)


@pytest.mark.parametrize("text,normal", [
    ("dW1 vs numerical is wrong: relative error 1.00e+00", "dW1 vs numerical is wrong: relative error #"),
    ("B for a 3x4 input and a 2x2 kernel", "B for a 3x4 input and a 2x2 kernel"),
    ("params['w'] after 6 steps", "params['w'] after # steps"),
    ("float64 expected, got float32", "float64 expected, got float32"),
])
def test_normalising_keeps_the_text(text, normal):
    assert itemanalysis.normalise(text) == normal


def test_discrimination_is_pearson_or_undefined():
    scores, rest = np.array([0.0, 2, 2, 0, 2]), np.array([3.0, 10, 7, 5, 4])
    value, why = itemanalysis.discrimination(scores, rest)
    assert value == pytest.approx(np.corrcoef(scores, rest)[0, 1]) and why == ""
    assert itemanalysis.discrimination(np.full(5, 2.0), rest) == (None, "every submission scored the same on it")
    assert itemanalysis.discrimination(scores, np.full(5, 4.0))[0] is None
    assert itemanalysis.discrimination(np.array([1.0]), np.array([2.0]))[0] is None


def test_each_item_matches_the_class_it_was_computed_from(synthetic_class, reported):
    analysis, _ = reported
    truth = synthetic_class
    automatic = [j for j, cell in enumerate(truth.cells) if cell[3]]
    assert [item.cell.name for item in analysis.items] == [truth.cells[j][1] for j in automatic]
    totals = truth.scores[:, automatic].sum(axis=1)
    np.testing.assert_allclose(analysis.totals, totals)
    for item, j in zip(analysis.items, automatic):
        scores, points = truth.scores[:, j], truth.cells[j][2]
        assert item.graded == len(truth.students)
        assert item.mean == pytest.approx(scores.mean())
        assert item.full_marks == pytest.approx(np.mean(scores == points))
        assert item.zero == pytest.approx(np.mean(scores == 0))
        assert item.difficulty == pytest.approx(scores.mean() / points)
        if np.ptp(scores):
            assert item.discrimination == pytest.approx(np.corrcoef(scores, totals - scores)[0, 1])
        expected = Counter((kind, NORMAL[kind].format(function=item.cell.name.removeprefix("test_")))
                           for (student, cell), (kind, _) in truth.messages.items() if cell == item.cell.name)
        assert {(f.kind, f.message): f.count for f in item.failures} == dict(expected)
        assert [f.count for f in item.failures] == sorted((f.count for f in item.failures), reverse=True)


def test_constant_and_random_items_are_flagged(reported):
    analysis, _ = reported
    everyone, at_random = analysis.items[:2]   # see coursetools.demo.synthetic
    assert everyone.discrimination is None and everyone.difficulty == 1
    assert everyone.flags == ["easy: difficulty above 80%"]
    assert any(flag.startswith("low discrimination") for flag in at_random.flags)
    for item in analysis.items:
        hard, easy = item.difficulty < 0.3, item.difficulty > 0.8
        low = item.discrimination is not None and item.discrimination < 0.2
        assert bool(item.flags) == (hard or easy or low), item.cell.name


def test_the_page_is_self_contained_and_shows_undefined_as_such(synthetic_class, reported):
    analysis, page = reported
    text = page.read_text()
    images = re.findall(r'<img src="data:image/png;base64,([^"]+)"', text)
    assert len(images) == 2 and all(base64.b64decode(data).startswith(b"\x89PNG") for data in images)
    assert not re.search(r"(src|href)=\"(https?:)?//", text)
    assert not re.search(r"\bnan\b", text, re.IGNORECASE)
    row = re.search(r"<tr[^>]*><td><a href=\"#item-two_layer_net-test_affine_forward\".*?</tr>", text).group(0)
    assert "undefined" in row and "easy: difficulty above 80%" in row
    for item in analysis.items:
        section = text.split(f'id="{itemanalysis.item_anchor(item)}"')[1].split("</section>")[0]
        for failure in item.failures[:itemanalysis.TOP_MESSAGES]:
            assert f"<td>{failure.kind}</td>" in section
            assert html.escape(failure.message or "(no message)") in section
    written = text.split("Written answers")[1]
    for notebook, grade_id, _, automatic in synthetic_class.cells:
        assert (grade_id in written) != automatic


def test_the_csvs_hold_every_item_and_message(reported):
    analysis, page = reported
    with open(page.parent / "items.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [row["cell"] for row in rows] == [item.cell.name for item in analysis.items]
    assert rows[0]["discrimination"] == ""
    assert float(rows[1]["discrimination"]) == pytest.approx(analysis.items[1].discrimination, abs=1e-4)
    with open(page.parent / "failures.csv", newline="") as fh:
        failures = list(csv.DictReader(fh))
    assert sum(int(row["submissions"]) for row in failures) == sum(
        f.count for item in analysis.items for f in item.failures)


def test_report_of_every_graded_assignment_by_default(monkeypatch, synthetic_class, capsys):
    assert run_coursetools(monkeypatch, synthetic_class.root, "report") == 0
    assert capsys.readouterr().out.strip() == f"{ASSIGNMENT}: reports/{ASSIGNMENT}/index.html"


@pytest.mark.parametrize("assignment,says", [
    ("fc_net", "fc_net has no graded submission in the gradebook"),
    ("no_such_assignment", "no_such_assignment is not in the gradebook"),
])
def test_an_assignment_never_graded_is_one_line(monkeypatch, synthetic_class, assignment, says):
    message = run_coursetools(monkeypatch, synthetic_class.root, "report", assignment)
    assert says in message and "\n" not in message
    assert not (synthetic_class.root / "reports" / assignment).exists()


def test_a_course_without_gradebook_is_one_line(monkeypatch, tmp_path):
    (tmp_path / "nbgrader_config.py").write_text("")
    message = run_coursetools(monkeypatch, tmp_path, "report")
    assert message.startswith("python -m coursetools: no gradebook at") and "\n" not in message
    assert not (tmp_path / "gradebook.db").exists()


def test_an_empty_class_is_one_line(monkeypatch, tmp_path):
    empty = synthetic.graded_class(ROOT, tmp_path, ASSIGNMENT, 0)
    message = run_coursetools(monkeypatch, empty.root, "report")
    assert "the gradebook holds no graded submission" in message and "\n" not in message
