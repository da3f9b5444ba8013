"""Seconds per cell when a submission is autograded, through stock nbgrader, slowest cells first.

Run from the repository root:  .venv/bin/python bench/cell_times.py [ASSIGNMENT ...] [--repeat N] [--top K]
                                   [--source DIR]   (the notebooks of another checkout's source/, to compare)

Works on a temporary copy of the course: generates the release, writes the demo submissions and autogrades
demo_complete N times (default 3) with `nbgrader autograde ASSIGNMENT --student=demo_complete --force`,
keeping nbclient's execution timestamps in the autograded notebook (the course's nbgrader_config.py clears
cell metadata; the copy's keeps `execution` too). A cell's time is the kernel's, from its execute_input to
its execute_reply, so a hidden test decided in the grader's process is not in it. Prints the median and the
best of each cell over the runs (on a busy machine the best is the steadier figure), and those of the whole
autograde call. It asserts nothing.
"""
import argparse
import shutil
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

from coursetools import course, notebooks
from coursetools.demo import submissions

ROOT = Path(__file__).resolve().parents[1]
STUDENT = "demo_complete"
KEEP_TIMINGS = '\nc.ClearMetadataPreprocessor.preserve_cell_metadata_mask = {"nbgrader", "execution"}\n'


def seconds(cell):
    """Kernel time of an executed cell, or None if it did not run."""
    execution = cell.get("metadata", {}).get("execution", {})
    start, end = execution.get("iopub.execute_input"), execution.get("shell.execute_reply")
    if not (start and end):
        return None
    parse = lambda stamp: datetime.fromisoformat(stamp.replace("Z", "+00:00"))  # noqa: E731
    return (parse(end) - parse(start)).total_seconds()


def label(cell, width=70):
    first = next((line for line in cell.source.splitlines() if line.strip()), "")
    return first[:width]


def prepare(root, source, assignments):
    """A course in root with source's notebooks, the timings kept, the release and the demo submissions."""
    shutil.copytree(source, root / "source")
    shutil.copy(ROOT / "nbgrader_config.py", root)
    with open(root / "nbgrader_config.py", "a") as config:
        config.write(KEEP_TIMINGS)
    for assignment in assignments:
        course.generate_release(root, assignment)
        submissions.write_demo_submissions(root, assignment)


def grade_once(root, assignment):
    """(wall-clock seconds of one autograde of demo_complete, {(notebook, index): (label, kernel seconds)})."""
    start = time.perf_counter()
    course.run_nbgrader(root, "autograde", assignment, f"--student={STUDENT}", "--force")
    wall = time.perf_counter() - start
    cells = {}
    for name in notebooks.notebook_names(root, assignment):
        nb = notebooks.read(root / "autograded" / STUDENT / assignment / name)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and seconds(cell) is not None:
                cells[name, index] = (label(cell), seconds(cell))
    return wall, cells


def summarise(runs):
    """(median wall, best wall, [(median, best, index, label)] slowest first) of grade_once results."""
    walls = [wall for wall, _ in runs]
    times = {}
    for _, cells in runs:
        for key, (text, secs) in cells.items():
            times.setdefault(key, (text, []))[1].append(secs)
    rows = sorted(((statistics.median(t), min(t), index, text) for (_, index), (text, t) in times.items()),
                  reverse=True)
    return statistics.median(walls), min(walls), rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--source", type=Path, default=ROOT / "source", help="the instructor notebooks to grade")
    args = parser.parse_args()
    summary = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        assignments = args.assignments or notebooks.assignments(args.source.parent)
        prepare(root, args.source, assignments)
        for assignment in assignments:
            median, best, rows = summarise([grade_once(root, assignment) for _ in range(args.repeat)])
            kernel = sum(row[0] for row in rows)
            print(f"\n{assignment}: autograde {median:.2f} s median, {best:.2f} s best; "
                  f"cells in the kernel {kernel:.2f} s (median)")
            print(f"  {'median':>7} {'best':>6}")
            for cell_median, cell_best, index, text in rows[: args.top]:
                print(f"  {cell_median:6.2f}s {cell_best:5.2f}s  cell {index:3d}  {text}")
            summary.append((assignment, median, best, kernel))
    print(f"\n{'assignment':<20}{'autograde median (s)':>22}{'best (s)':>10}{'cells (s)':>11}")
    for assignment, median, best, kernel in summary:
        print(f"{assignment:<20}{median:>22.2f}{best:>10.2f}{kernel:>11.2f}")


if __name__ == "__main__":
    main()
