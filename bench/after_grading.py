"""What an instructor runs after grading, on a synthetic class: the item analysis and the LMS exports.

Run from the repository root:
    .venv/bin/python bench/after_grading.py [--assignment two_layer_net] [--students 300] [--padding 450000]

Builds a synthetic graded class (coursetools.demo.synthetic: an SQLite gradebook with a score for every
cell of every student, and an autograded notebook per student padded with --padding bytes of figure
output, about the size of a real one) in a temporary folder, then times `python -m coursetools report`'s
work (coursetools.itemanalysis.write_reports) and `export-lms`'s (coursetools.lms.export), each in this
process, then the whole `python -m coursetools report` command (interpreter and imports included), and
prints the seconds. It asserts nothing about time: it prints measured figures.
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from coursetools import itemanalysis, lms
from coursetools.demo import synthetic

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
from machine import thread_report  # noqa: E402


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default="two_layer_net")
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--padding", type=int, default=450_000, help="bytes of figure output per notebook")
    args = parser.parse_args()
    print("\n".join(thread_report()))
    with tempfile.TemporaryDirectory() as base:
        base = Path(base)
        build, graded = timed(lambda: synthetic.graded_class(ROOT, base / "course", args.assignment, args.students,
                                                             padding=args.padding))
        roster = base / "roster.csv"
        with open(roster, "w", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(lms.ROSTER_COLUMNS)
            out.writerows([s, s, str(i), s, "A"] for i, s in enumerate(graded.students))
        report, written = timed(lambda: itemanalysis.write_reports(graded.root, [args.assignment], graded.db_url))
        export, (files, _) = timed(lambda: lms.export(graded.root, roster, base / "exports", db_url=graded.db_url))
        command, _ = timed(lambda: subprocess.run(
            [sys.executable, "-m", "coursetools", "report", args.assignment], cwd=graded.root, check=True,
            stdout=subprocess.DEVNULL, env={k: v for k, v in os.environ.items() if k != "NCLIB_GRADEBOOK_URL"}))
        notebook_mb = sum(p.stat().st_size for p in (graded.root / "autograded").rglob("*.ipynb")) / 1e6
        analysis, page = written[args.assignment]
    print(f"\n{args.assignment}: {args.students} synthetic submissions, {len(analysis.items)} test cells, "
          f"{notebook_mb:.0f} MB of autograded notebooks (built in {build:.1f} s)")
    print(f"{'step':<44}{'seconds':>8}")
    print(f"{'item analysis (report: index.html + CSVs)':<44}{report:>8.2f}")
    print(f"{'LMS exports (' + str(len(files)) + ' files)':<44}{export:>8.2f}")
    print(f"{'python -m coursetools report (with start-up)':<44}{command:>8.2f}")


if __name__ == "__main__":
    main()
