"""Item analysis of an assignment once it is graded: how each automatically graded test cell did across
the class, written to reports/<assignment>/ (index.html, items.csv, failures.csv).

Per test cell (an item): how many submissions were graded, the mean score, the share at full marks and at
zero, the difficulty (mean score / points: the share of the points earned, so higher is easier), the
discrimination (Pearson correlation, over submissions, of the cell's score with the automatic total less
that cell: do the students who pass it do well elsewhere?), a histogram of its scores and its most common
failure messages, counted once per submission with numbers replaced by a placeholder so that
"relative error 3.1e-02" and "relative error 5.0e-01" are one message. Items outside 30-80% difficulty
or with a discrimination below 0.2 are flagged. Per assignment: the distribution of automatic totals and
difficulty against discrimination, as PNG figures inlined in the page, which needs no network.

Written answers (cells graded by hand) are not items here: the page lists them apart, with how many are
graded yet. Nothing here changes a grade.
"""
import base64
import csv
import html
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from coursetools import results

DIFFICULTY_RANGE = (0.3, 0.8)
MIN_DISCRIMINATION = 0.2
TOP_MESSAGES = 5
HISTOGRAM_BINS = 10
PLACEHOLDER = "#"
# A number standing on its own (not the 2 of dW2 or 3x4): sign, digits, decimals, exponent; nan and inf too.
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?!\w)|\b(?:nan|inf)\b",
                    re.IGNORECASE)


def normalise(text):
    """A failure message with its whitespace collapsed and every number replaced by PLACEHOLDER."""
    return NUMBER.sub(PLACEHOLDER, " ".join(text.split()))


@dataclass
class Failure:
    """One normalised failure message of an item and the submissions that got it."""
    kind: str           # the exception's name, e.g. AssertionError, HiddenTestFailed
    message: str        # normalised
    count: int
    example: str        # the message as one submission got it


@dataclass
class Item:
    """The statistics of one automatically graded test cell."""
    cell: results.Cell
    scores: np.ndarray              # of the submissions that have a grade for it
    discrimination: float | None    # None when undefined: the cell's scores or the rest are constant
    failures: list                  # [Failure], most common first (all of them)
    undefined_because: str = ""

    @property
    def graded(self):
        return len(self.scores)

    @property
    def mean(self):
        return float(self.scores.mean()) if self.graded else None

    @property
    def full_marks(self):
        """Share of the graded submissions at full marks."""
        return float(np.mean(self.scores >= self.cell.max_score)) if self.graded else None

    @property
    def zero(self):
        """Share of the graded submissions scoring zero."""
        return float(np.mean(self.scores <= 0)) if self.graded else None

    @property
    def difficulty(self):
        """Mean score over points: 1 when everyone earns full marks."""
        return self.mean / self.cell.max_score if self.graded and self.cell.max_score > 0 else None

    @property
    def flags(self):
        """Why the item deserves a look: [str], empty when it looks fine."""
        low, high = DIFFICULTY_RANGE
        found = []
        if self.difficulty is not None and self.difficulty < low:
            found.append(f"hard: difficulty below {low:.0%}")
        if self.difficulty is not None and self.difficulty > high:
            found.append(f"easy: difficulty above {high:.0%}")
        if self.discrimination is not None and self.discrimination < MIN_DISCRIMINATION:
            found.append(f"low discrimination: below {MIN_DISCRIMINATION}")
        return found

    def histogram(self):
        """[(label, count)] of the scores: one bar per score value when there are few, else equal bins."""
        values = np.unique(self.scores)
        if len(values) <= HISTOGRAM_BINS:
            return [(f"{v:g}", int(np.sum(self.scores == v))) for v in values]
        counts, edges = np.histogram(self.scores, bins=HISTOGRAM_BINS, range=(0, self.cell.max_score))
        return [(f"{a:.3g}-{b:.3g}", int(c)) for a, b, c in zip(edges[:-1], edges[1:], counts)]


@dataclass
class Written:
    """A cell graded by hand, listed apart: how many of its grades are in."""
    cell: results.Cell
    graded: int         # submissions whose grade for it is in
    submitted: int
    mean: float | None  # of those graded


@dataclass
class Analysis:
    """The item analysis of one assignment."""
    assignment: str
    items: list                     # [Item], in notebook order
    totals: np.ndarray              # automatic total of each graded submission
    written: list = field(default_factory=list)   # [Written]
    ungraded: list = field(default_factory=list)  # students whose submission nbgrader could not grade

    @property
    def max_total(self):
        return sum(item.cell.max_score for item in self.items)


def discrimination(scores, rest):
    """(Pearson correlation of scores and rest, "") or (None, why) when it is undefined."""
    if len(scores) < 2:
        return None, "fewer than two submissions"
    if np.ptp(scores) == 0:
        return None, "every submission scored the same on it"
    if np.ptp(rest) == 0:
        return None, "the rest of the assignment scored the same for everyone"
    x, y = scores - scores.mean(), rest - rest.mean()
    return float(np.sum(x * y) / np.sqrt(np.sum(x * x) * np.sum(y * y))), ""


def failures_of(outputs):
    """[Failure] of a cell from its outputs in each submission ([outputs]), each message counted once per
    submission, most common first."""
    counts, examples = Counter(), {}
    for outs in outputs:
        seen = {}
        for message in results.messages(outs):
            seen.setdefault((message.kind, normalise(message.text)), message.text)
        for key, text in seen.items():
            counts[key] += 1
            examples.setdefault(key, text)
    return [Failure(kind, message, count, examples[(kind, message)])
            for (kind, message), count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def analyse(graded, outputs):
    """The Analysis of results.AssignmentResults graded, with outputs the autograded cells' outputs
    ({student: {(notebook, grade_id): outputs}}, results.autograded_outputs)."""
    automatic = [cell for cell in graded.cells if cell.automatic]
    students = list(graded.submissions)
    keys = [(cell.notebook, cell.name) for cell in automatic]
    scores = np.array([[graded.submissions[s].scores.get(k, np.nan) for k in keys] for s in students],
                      dtype=float).reshape(len(students), len(keys))
    totals = np.nansum(scores, axis=1)
    items = []
    for j, (cell, key) in enumerate(zip(automatic, keys)):
        has = ~np.isnan(scores[:, j])
        column = scores[has, j]
        value, why = discrimination(column, totals[has] - column)
        cell_outputs = [outputs.get(s, {}).get(key, []) for s, h in zip(students, has) if h]
        items.append(Item(cell, column, value, failures_of(cell_outputs), why))
    written = []
    for cell in graded.cells:
        if cell.automatic:
            continue
        key = (cell.notebook, cell.name)
        marked = [sub.scores[key] for sub in graded.submissions.values()
                  if key in sub.scores and key not in sub.needs_manual_grade]
        submitted = sum(key in sub.scores for sub in graded.submissions.values())
        written.append(Written(cell, len(marked), submitted, float(np.mean(marked)) if marked else None))
    return Analysis(graded.assignment, items, totals, written, graded.ungraded)


def totals_figure(analysis):
    """PNG bytes: the histogram of the submissions' automatic totals."""
    fig = Figure(figsize=(6.4, 3.2), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    top = analysis.max_total
    bins = np.arange(0, top + 2) - 0.5 if top <= 60 else np.linspace(0, top, 31)
    ax.hist(analysis.totals, bins=bins, color="#4878a8", edgecolor="white")
    ax.set_xlim(bins[0], bins[-1])
    ax.set_xlabel(f"automatic score (of {top:g} points)")
    ax.set_ylabel("submissions")
    ax.set_title(f"{analysis.assignment}: automatic totals of {len(analysis.totals)} submissions")
    return png(fig)


def scatter_figure(analysis):
    """PNG bytes: difficulty against discrimination, one labelled point per item with a defined
    discrimination, the region of items that need no flag shaded."""
    fig = Figure(figsize=(7.5, 5.0), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    low, high = DIFFICULTY_RANGE
    ax.axvspan(low, high, ymin=(MIN_DISCRIMINATION + 1) / 2, ymax=1, color="#dff0d8", zorder=0,
               label=f"no flag: difficulty {low:.0%}-{high:.0%}, discrimination >= {MIN_DISCRIMINATION}")
    shown = [item for item in analysis.items if item.discrimination is not None and item.difficulty is not None]
    for item in shown:
        ax.scatter(item.difficulty, item.discrimination, color="#c0392b" if item.flags else "#2c6e49", zorder=2)
    groups = sorted(nearby_groups(shown), key=lambda group: group[0].difficulty)
    for i, group in enumerate(groups):
        x, y = group[0].difficulty, group[0].discrimination
        # One label per group of nearby points, a name a line; above and below the points in turn from
        # left to right, so that neighbours' labels do not run into each other.
        above = i % 2 == 0 if -0.8 < y < 0.8 else y < 0
        ax.annotate("\n".join(item.cell.name for item in group), (x, y), xytext=(3, 5 if above else -5),
                    textcoords="offset points", fontsize=7, va="bottom" if above else "top", zorder=3)
    ax.set_xlim(0, 1.05)
    ax.set_ylim(-1, 1)
    ax.axhline(MIN_DISCRIMINATION, color="grey", linewidth=0.6, linestyle="--")
    ax.set_xlabel("difficulty (mean score / points; higher is easier)")
    ax.set_ylabel("discrimination (correlation with the rest)")
    hidden = len(analysis.items) - len(shown)
    note = f"; {hidden} item(s) with undefined discrimination not shown" if hidden else ""
    ax.set_title(f"{analysis.assignment}: difficulty vs discrimination{note}", fontsize=10)
    ax.legend(loc="lower left", fontsize=8)
    return png(fig)


def nearby_groups(items, dx=0.04, dy=0.08):
    """items grouped greedily so that each group's points lie within (dx, dy) of its first point."""
    groups = []
    for item in sorted(items, key=lambda i: (-i.discrimination, i.difficulty)):
        for group in groups:
            if (abs(item.difficulty - group[0].difficulty) <= dx
                    and abs(item.discrimination - group[0].discrimination) <= dy):
                group.append(item)
                break
        else:
            groups.append([item])
    return groups


def png(fig):
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def points(value):
    return f"{value:g} point" + ("" if value == 1 else "s")


def percent(value):
    return "" if value is None else f"{value:.0%}"


def number(value, digits=2):
    return "" if value is None else f"{value:.{digits}f}"


def shown_discrimination(item):
    return number(item.discrimination) if item.discrimination is not None else "undefined"


def item_anchor(item):
    return f"item-{item.cell.notebook}-{item.cell.name}"


def render_html(analysis, figures, generated):
    """The report page: summary, figures (PNG bytes inlined), the item table, each item's histogram and
    failure messages, the written answers."""
    e = html.escape
    many_notebooks = len({item.cell.notebook for item in analysis.items}) > 1

    def cell_label(cell):
        return f"{cell.notebook} / {cell.name}" if many_notebooks else cell.name

    def image(name, alt):
        data = base64.b64encode(figures[name]).decode("ascii")
        return f'<img src="data:image/png;base64,{data}" alt="{e(alt)}">'

    flagged = sum(bool(item.flags) for item in analysis.items)
    rows = []
    for item in analysis.items:
        flag = "<br>".join(e(f) for f in item.flags)
        title = f' title="{e(item.undefined_because)}"' if item.discrimination is None else ""
        rows.append(
            f'<tr class="{"flagged" if item.flags else ""}"><td><a href="#{e(item_anchor(item))}">'
            f"{e(cell_label(item.cell))}</a></td><td>{item.cell.max_score:g}</td><td>{item.graded}</td>"
            f"<td>{number(item.mean)}</td><td>{percent(item.full_marks)}</td><td>{percent(item.zero)}</td>"
            f"<td>{percent(item.difficulty)}</td><td{title}>{shown_discrimination(item)}</td><td>{flag}</td></tr>")
    sections = [item_section(item, cell_label(item.cell)) for item in analysis.items]
    written = written_section(analysis, cell_label)
    mean_total = f"{analysis.totals.mean():.1f}" if len(analysis.totals) else ""
    names = ", ".join(analysis.ungraded[:10]) + (" ..." if len(analysis.ungraded) > 10 else "")
    ungraded = (f'<p class="flags">Left out: {len(analysis.ungraded)} submission(s) that nbgrader recorded but could '
                f'not grade ({e(names)}); <code>nbgrader export</code> counts them 0.</p>' if analysis.ungraded else "")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Item analysis: {e(analysis.assignment)}</title>
<style>{STYLE}</style></head>
<body>
<h1>Item analysis: {e(analysis.assignment)}</h1>
<p class="summary">{len(analysis.totals)} graded submissions; {len(analysis.items)} automatically graded test cells
worth {analysis.max_total:g} points; mean automatic total {mean_total}. {flagged} item(s) flagged.
Generated {e(generated)} from the gradebook and the autograded notebooks; nothing here changes a grade.</p>
{ungraded}
<div class="figures">{image("totals", "histogram of automatic totals")}
{image("scatter", "difficulty against discrimination, one point per test cell")}</div>
<h2>Test cells</h2>
<table class="items"><thead><tr><th>cell</th><th>points</th><th>graded</th><th>mean</th><th>full marks</th>
<th>zero</th><th>difficulty</th><th>discrimination</th><th>flags</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>
<p class="legend">Difficulty: mean score / points (higher is easier). Discrimination: Pearson correlation, over
submissions, of the cell's score with the automatic total less that cell; undefined when either is the same for
every submission. Flagged: difficulty outside {DIFFICULTY_RANGE[0]:.0%}-{DIFFICULTY_RANGE[1]:.0%} or
discrimination below {MIN_DISCRIMINATION}. Failure messages are counted once per submission, numbers replaced by
{PLACEHOLDER}.</p>
{"".join(sections)}
{written}
</body></html>
"""


def item_section(item, label):
    """The HTML of one item: its histogram and its most common failure messages."""
    e = html.escape
    bars = item.histogram()
    top = max((count for _, count in bars), default=0) or 1
    histogram = "".join(
        f'<tr><td class="num">{e(value)}</td><td class="bar"><span style="width:{100 * count / top:.0f}%"></span>'
        f'</td><td class="num">{count}</td></tr>' for value, count in bars)
    if item.failures:
        shown = item.failures[:TOP_MESSAGES]
        more = len(item.failures) - len(shown)
        messages = "".join(
            f'<tr><td class="num">{f.count}</td><td>{e(f.kind)}</td><td><code>{e(f.message) or "(no message)"}</code>'
            + (f'<div class="example">e.g. {e(f.example)}</div>' if f.example != f.message else "")
            + "</td></tr>" for f in shown)
        messages = (f'<table class="messages"><thead><tr><th>submissions</th><th>kind</th><th>message</th></tr>'
                    f"</thead><tbody>{messages}</tbody></table>"
                    + (f'<p class="more">and {more} other message(s) in failures.csv</p>' if more else ""))
    else:
        messages = "<p>No failure messages.</p>"
    discrimination = shown_discrimination(item) + (f" ({e(item.undefined_because)})" if item.undefined_because else "")
    flags = f'<p class="flags">{"; ".join(e(f) for f in item.flags)}</p>' if item.flags else ""
    return f"""<section class="item" id="{e(item_anchor(item))}">
<h3>{e(label)} <span class="points">({points(item.cell.max_score)})</span></h3>{flags}
<p>{item.graded} graded; mean {number(item.mean)}; full marks {percent(item.full_marks)}; zero {percent(item.zero)};
difficulty {percent(item.difficulty)}; discrimination {discrimination}.</p>
<div class="item-body"><table class="histogram"><thead><tr><th>score</th><th></th><th>submissions</th></tr></thead>
<tbody>{histogram}</tbody></table>{messages}</div>
</section>
"""


def written_section(analysis, cell_label):
    e = html.escape
    if not analysis.written:
        return ""
    rows = "".join(f"<tr><td>{e(cell_label(w.cell))}</td><td>{w.cell.max_score:g}</td><td>{w.graded} of {w.submitted}"
                   f"</td><td>{number(w.mean)}</td></tr>" for w in analysis.written)
    return f"""<h2>Written answers (graded by hand, not analysed)</h2>
<p>These cells are graded in the formgrader; they are left out of the items and of the automatic totals above.</p>
<table class="items"><thead><tr><th>cell</th><th>points</th><th>graded so far</th><th>mean of those graded</th>
</tr></thead><tbody>{rows}</tbody></table>
<p class="legend">nbgrader gives an answer left as released 0 points without a grader: those count as graded.</p>
"""


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; padding: 0 1em; color: #222; }
h1 { margin-bottom: 0.2em; } h3 { margin-bottom: 0.3em; } .points { font-weight: normal; color: #666; }
.summary, .legend { color: #444; } .legend { font-size: 0.9em; }
.figures { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }
.figures img { max-width: 100%; border: 1px solid #ddd; }
table { border-collapse: collapse; } th, td { padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
table.items th, table.items td { border-bottom: 1px solid #ddd; }
table.items td:nth-child(n+2):nth-child(-n+8) { text-align: right; font-variant-numeric: tabular-nums; }
tr.flagged td { background: #fdecea; } .flags { color: #a93226; margin: 0.2em 0; }
section.item { border-top: 1px solid #ccc; margin-top: 1.2em; }
.item-body { display: flex; flex-wrap: wrap; gap: 2em; align-items: flex-start; }
table.histogram td.bar { width: 12em; } table.histogram td.bar span { display: inline-block; height: 0.9em;
  background: #4878a8; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.messages { min-width: 32em; max-width: 48em; } table.messages td { border-bottom: 1px solid #eee; }
.example { color: #666; font-size: 0.85em; } code { white-space: pre-wrap; }
"""

ITEM_COLUMNS = ["assignment", "notebook", "cell", "max_score", "graded", "mean", "full_marks", "zero",
                "difficulty", "discrimination", "flags"]
FAILURE_COLUMNS = ["assignment", "notebook", "cell", "kind", "message", "submissions", "example"]


def write_csvs(analysis, folder):
    """items.csv (one row per item; shares as fractions; discrimination empty when undefined) and
    failures.csv (every normalised failure message of every item, with its count)."""
    with open(folder / "items.csv", "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(ITEM_COLUMNS)
        for item in analysis.items:
            out.writerow([analysis.assignment, item.cell.notebook, item.cell.name, f"{item.cell.max_score:g}",
                          item.graded, number(item.mean, 4), number(item.full_marks, 4), number(item.zero, 4),
                          number(item.difficulty, 4), number(item.discrimination, 4), "; ".join(item.flags)])
    with open(folder / "failures.csv", "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(FAILURE_COLUMNS)
        for item in analysis.items:
            for f in item.failures:
                out.writerow([analysis.assignment, item.cell.notebook, item.cell.name, f.kind, f.message, f.count,
                              f.example])


def write_reports(root, assignments=(), db_url=None):
    """Write the report of each assignment (default: every one graded) to root/reports/<assignment>/:
    index.html, items.csv, failures.csv. Scores come from the gradebook at db_url (default: the course's,
    coursetools.gradebook.url), messages from root/autograded/. Raises results.NoResults, before writing
    anything, if an assignment was never graded or none was. Returns {assignment: (Analysis, index.html)}."""
    graded = results.read_assignments(root, assignments, db_url)
    written = {}
    for one in graded:
        analysis = analyse(one, results.autograded_outputs(root, one))
        folder = Path(root) / "reports" / one.assignment
        folder.mkdir(parents=True, exist_ok=True)
        figures = {"totals": totals_figure(analysis), "scatter": scatter_figure(analysis)}
        page = folder / "index.html"
        page.write_text(render_html(analysis, figures, datetime.now().strftime("%Y-%m-%d %H:%M")))
        write_csvs(analysis, folder)
        written[one.assignment] = (analysis, page)
    return written
