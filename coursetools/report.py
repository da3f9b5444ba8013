"""Score tables from nbgrader's grades.csv export."""
import csv
from collections import defaultdict
from pathlib import Path

from coursetools import notebooks


def read_grades(csv_path):
    """{student_id: {assignment: (score, max_score)}} from an nbgrader CSV export."""
    table = defaultdict(dict)
    with open(csv_path, newline="") as fh:
        for row in csv.DictReader(fh):
            table[row["student_id"]][row["assignment"]] = (float(row["score"]), float(row["max_score"]))
    return dict(table)


def manual_points(root, assignment):
    """Points of an assignment's manually graded cells (written answers)."""
    total = 0.0
    for name in notebooks.notebook_names(root, assignment):
        nb = notebooks.read(Path(root) / "source" / assignment / name)
        total += sum(notebooks.graded_points(nb).values()) - sum(notebooks.auto_graded_points(nb).values())
    return total


def score_table(csv_path, root):
    """A plain-text table: one row per student, one column per assignment ('score / max'), and a total."""
    grades = read_grades(csv_path)
    names = sorted({a for per_student in grades.values() for a in per_student})
    header = ["student"] + names + ["total"]
    rows = []
    for student in sorted(grades):
        cells, got, out_of = [], 0.0, 0.0
        for a in names:
            score, max_score = grades[student].get(a, (0.0, 0.0))
            cells.append(f"{score:g} / {max_score:g}")
            got, out_of = got + score, out_of + max_score
        rows.append([student] + cells + [f"{got:g} / {out_of:g}"])
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in [header] + rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    manual = {a: manual_points(root, a) for a in names if (Path(root) / "source" / a).is_dir()}
    notes = [f"{a}: {pts:g} of the points are written answers, graded by hand (`nbgrader formgrader`)"
             for a, pts in manual.items() if pts]
    return "\n".join(lines + ([""] + notes if notes else []))
