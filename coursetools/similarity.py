"""Similarity across the submissions of one assignment: which pairs of students handed in the same code.

copydetect (the winnowed k-gram fingerprints of MOSS, on code whose names and strings are tokenised away,
so that renaming variables changes nothing) fingerprints each student's code cells flagged solution in
their nbgrader metadata, without any fingerprint of the release's code cells: the signatures, docstrings
and stubs everyone was handed would match in every pair and say nothing. The result is a ranked list of
pairs, written as a self-contained HTML page (the matching code side by side) and a CSV. A high score is
a reason to read the two submissions, not proof of copying: short functions written from the same
formula can match.
"""
import csv
import html
import io
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from pathlib import Path

import numpy as np
from copydetect import CodeFingerprint, compare_files

from coursetools import notebooks

# Shortest run of matching code that counts, in characters of copydetect's filtered code (each name one
# character, whitespace and comments dropped): copydetect's default. Fingerprinting every k-gram (window 1)
# makes the scores exact and independent of Python's per-process string hashing.
NOISE_THRESHOLD = 25


class NoComparison(ValueError):
    """The assignment has no two submissions to compare (or does not exist); the message says why."""


@dataclass(frozen=True)
class Submission:
    student: str
    code: str      # the student's solution code cells in notebook order, each after a "# <grade_id>" line


@dataclass(frozen=True)
class Pair:
    """Two submissions compared. Shares are fractions in [0, 1] of a student's fingerprinted code (its
    tokens outside the template) that also occur in the other's; similarity is the larger of the two, so
    that a student who copied part of a longer submission scores high too."""
    a: Submission
    b: Submission
    share_a: float
    share_b: float
    tokens: int        # matching tokens (filtered characters) in a's code
    slices_a: np.ndarray   # (2, n) int: start and end offsets in a.code of its n matching stretches
    slices_b: np.ndarray   # (2, m) int: the same in b.code

    @property
    def similarity(self):
        return max(self.share_a, self.share_b)


def solution_code(nbs):
    """The code of the solution cells of the notebooks nbs (a list, in order), as one Python text."""
    return "".join(f"# {gid}\n{cell.source}\n\n" for nb in nbs
                   for gid, cell in notebooks.solution_cells(nb).items() if cell.cell_type == "code")


def template_code(root, assignment):
    """The code all students were handed: the release's solution cells, joined as solution_code joins a
    submission's (so that the stretches across two untouched cells are template too), then every other
    code cell of the release."""
    folder = Path(root) / "release" / assignment
    nbs = [notebooks.read(path) for path in sorted(folder.glob("*.ipynb"))]
    if not nbs:
        raise NoComparison(f"{folder} holds no notebook: generate the release first (make release)")
    given = "".join(f"{cell.source}\n\n" for nb in nbs for cell in nb.cells
                    if cell.cell_type == "code" and not notebooks.meta(cell).get("solution"))
    return solution_code(nbs) + given


def read_submissions(root, assignment):
    """(submissions, skipped) of submitted/<student>/<assignment>/*.ipynb, sorted by student; skipped is
    {student: reason} for the folders without a notebook or with one that cannot be read."""
    found, skipped = [], {}
    for folder in sorted((Path(root) / "submitted").glob(f"*/{assignment}")):
        student = folder.parent.name
        paths = sorted(folder.glob("*.ipynb"))
        if not paths:
            skipped[student] = f"no notebook in {folder}"
            continue
        try:
            nbs = [notebooks.read(path) for path in paths]
            found.append(Submission(student, solution_code(nbs)))
        except Exception as error:  # a corrupted notebook fails in nbformat (JSON, schema) or in its cells' keys
            skipped[student] = f"cannot read its notebook: {type(error).__name__}: {error}".splitlines()[0]
    return found, skipped


def compare(submissions, template):
    """Every pair of submissions (a before b in the list), ranked by similarity, then matching tokens."""
    boilerplate = np.array(sorted(fingerprint("template", template).hashes))
    prints = [fingerprint(s.student, s.code, boilerplate) for s in submissions]
    pairs = []
    for i, a in enumerate(submissions):
        for j in range(i + 1, len(submissions)):
            tokens, (share_a, share_b), (slices_a, slices_b) = compare_files(prints[i], prints[j])
            pairs.append(Pair(a, submissions[j], float(share_a), float(share_b), int(tokens), slices_a, slices_b))
    return sorted(pairs, key=lambda p: (-p.similarity, -p.tokens, p.a.student, p.b.student))


def fingerprint(name, code, boilerplate=None):
    """copydetect's fingerprint of code (Python), without the hashes of boilerplate (an int array)."""
    return CodeFingerprint(f"{name}.py", NOISE_THRESHOLD, 1, boilerplate, language="python", fp=io.StringIO(code))


def write_report(root, assignment, top=10):
    """Compare the submissions of an assignment and write reports/<assignment>/similarity.html (every pair
    ranked, the top pairs' matching code side by side) and similarity.csv (every pair ranked).
    Returns (pairs, skipped, html_path, csv_path); raises NoComparison when there is nothing to compare."""
    root = Path(root)
    if assignment not in notebooks.assignments(root):
        known = ", ".join(notebooks.assignments(root))
        raise NoComparison(f"no assignment {assignment} in source/ (there are: {known})")
    template = template_code(root, assignment)
    submissions, skipped = read_submissions(root, assignment)
    if len(submissions) < 2:
        readable = (f"only one readable submission ({submissions[0].student})" if submissions
                    else "no readable submission")
        left_out = "".join(f"; {student} left out: {reason}" for student, reason in skipped.items())
        raise NoComparison(f"{readable} of {assignment} in {root / 'submitted'}: nothing to compare{left_out}")
    pairs = compare(submissions, template)
    out = root / "reports" / assignment
    out.mkdir(parents=True, exist_ok=True)
    html_path, csv_path = out / "similarity.html", out / "similarity.csv"
    html_path.write_text(html_page(assignment, pairs, skipped, top, template), encoding="utf-8")
    write_csv(csv_path, pairs)
    return pairs, skipped, html_path, csv_path


def write_csv(path, pairs):
    """One row per pair, ranked: the two students, the similarity, each one's share and the matching tokens."""
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["rank", "student_a", "student_b", "similarity", "share_a", "share_b", "matching_tokens"])
        for rank, p in enumerate(pairs, 1):
            writer.writerow([rank, p.a.student, p.b.student, f"{p.similarity:.3f}", f"{p.share_a:.3f}",
                             f"{p.share_b:.3f}", p.tokens])


def summary_line(rank, pair):
    """One line of the terminal's ranking."""
    return (f"{rank:3d}. {pair.a.student} ~ {pair.b.student}: {pair.similarity:.2f} "
            f"({pair.share_a:.2f} of {pair.a.student}'s code, {pair.share_b:.2f} of {pair.b.student}'s; "
            f"{pair.tokens} matching tokens)")


def highlighted(code, slices, given):
    """code as escaped HTML, its matching stretches (slices: (2, n) start and end offsets) marked and the
    lines of given code (given: a set of stripped lines) faded."""
    matching = np.zeros(len(code), dtype=bool)
    for start, end in np.reshape(slices, (2, -1)).T.astype(int):
        matching[start:end] = True
    lines, offset = [], 0
    for line in code.split("\n"):
        parts = []
        for is_match, run in groupby(zip(line, matching[offset:offset + len(line)]), key=itemgetter(1)):
            text = html.escape("".join(char for char, _ in run))
            parts.append(f"<mark>{text}</mark>" if is_match else text)
        lines.append(f'<span class="given">{"".join(parts)}</span>' if line.strip() in given else "".join(parts))
        offset += len(line) + 1
    return "\n".join(lines)


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; } td, th { padding: 0.2em 0.8em; border-bottom: 1px solid #ddd; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.sides { display: flex; gap: 1em; } .sides > div { flex: 1; min-width: 0; }
pre { background: #f7f7f7; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
mark { background: #ffd27a; }
.given { opacity: 0.4; }
"""


def html_page(assignment, pairs, skipped, top, template):
    """The report: the ranked pairs (the first `top` linked to their side-by-side view), then those views,
    with the lines of template (the code handed out) faded."""
    e = html.escape
    given = {line.strip() for line in template.split("\n")}
    rows = []
    for rank, p in enumerate(pairs, 1):
        name = f'<a href="#pair-{rank}">{rank}</a>' if rank <= top else str(rank)
        rows.append(f"<tr><td class=num>{name}</td><td>{e(p.a.student)}</td><td>{e(p.b.student)}</td>"
                    f"<td class=num>{p.similarity:.2f}</td><td class=num>{p.share_a:.2f}</td>"
                    f"<td class=num>{p.share_b:.2f}</td><td class=num>{p.tokens}</td></tr>")
    views = []
    for rank, p in enumerate(pairs[:top], 1):
        views.append(f'<h3 id="pair-{rank}">{rank}. {e(p.a.student)} ~ {e(p.b.student)}: {p.similarity:.2f}</h3>'
                     f'<div class="sides"><div><h4>{e(p.a.student)} ({p.share_a:.2f} of it matches)</h4>'
                     f"<pre>{highlighted(p.a.code, p.slices_a, given)}</pre></div>"
                     f'<div><h4>{e(p.b.student)} ({p.share_b:.2f} of it matches)</h4>'
                     f"<pre>{highlighted(p.b.code, p.slices_b, given)}</pre></div></div>")
    skipped_list = "".join(f"<li>{e(student)}: {e(reason)}</li>" for student, reason in skipped.items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Similarity: {e(assignment)}</title><style>{STYLE}</style></head>
<body>
<h1>Similarity of the submissions of {e(assignment)}</h1>
<p>{len({s for p in pairs for s in (p.a.student, p.b.student)})} submissions, {len(pairs)} pairs. Only solution
code cells are compared, without the code of the release (faded below); names and strings do not count, so
renamed variables still match. A pair's share is the fraction of a student's own code also found in the
other's; its similarity is the larger share. <strong>A high score is a reason to read the two submissions,
not proof of copying</strong>: short functions written from the same formula can match.</p>
{f"<p>Not compared:</p><ul>{skipped_list}</ul>" if skipped else ""}
<h2>Pairs, most similar first</h2>
<table><tr><th>rank</th><th>student A</th><th>student B</th><th>similarity</th><th>share of A</th>
<th>share of B</th><th>matching tokens</th></tr>
{"".join(rows)}
</table>
<h2>Side by side: the first {min(top, len(pairs))} pairs, matching code marked</h2>
{"".join(views)}
</body></html>
"""
