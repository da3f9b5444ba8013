"""Grading a class: stock `nbgrader autograde` in one process, the course's serial path, and Dask.

Run from the repository root:
    .venv/bin/python bench/class_grading.py [--assignment two_layer_net] [--submissions 60] [--workers 2]
                                            [--scaling 20 80]

Generates N submissions of one assignment (complete, blank, each planted bug alone, all bugs together, and
the faults of tests/integrity/faults.py that do not wait for a time limit), then grades the same
submissions, each time in a fresh temporary copy of the course:
  1. stock: one `nbgrader autograde ASSIGNMENT --force` for the whole class;
  2. serial: the course's per-student path, one `nbgrader autograde --student` each (coursetools.course);
  3. dask: coursetools.parallel on a LocalCluster of W workers (cluster start-up counted apart);
and prints seconds per submission and throughput side by side, checks that the three give the same
score for every cell of every submission, and prints the Dask path's cost per submission for each class
size of --scaling. It asserts nothing about time: it prints measured figures.
"""
import argparse
import importlib.util
import shutil
import sys
import tempfile
import time
from pathlib import Path

from nbgrader.api import Gradebook

from coursetools import course, gradebook, notebooks, parallel
from coursetools.demo import submissions
from coursetools.demo.bugs import BUGS

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
from machine import thread_report  # noqa: E402

# Faults that end at once rather than at a cell's time limit (hangs cost the limit in every path alike).
QUICK_FAULTS = ("fault_os_exit", "fault_segfault", "fault_sys_exit", "fault_output", "fault_forged_report")


def integrity_faults():
    spec = importlib.util.spec_from_file_location("integrity_faults", ROOT / "tests" / "integrity" / "faults.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FAULTS


def kinds(assignment):
    """[(kind, bugs)] of the submissions to cycle through: bugs None for the blank release."""
    bugs = BUGS.get(assignment, [])
    faults = integrity_faults().get(assignment, {})
    return ([("complete", []), ("blank", None)] + [(f"bug_{bug.cell}", [bug]) for bug in bugs]
            + [("all_bugs", bugs)] + [(name, faults[name]) for name in QUICK_FAULTS if name in faults])


def make_course(base, name, assignment, versions):
    root = Path(base) / name
    root.mkdir()
    shutil.copytree(ROOT / "source" / assignment, root / "source" / assignment)
    shutil.copy(ROOT / "nbgrader_config.py", root)
    course.generate_release(root, assignment)
    submissions.write_submissions(root, assignment, versions)
    return root


def cell_scores(root, assignment):
    """{student: {(notebook, cell): auto_score}} of the course's gradebook."""
    scores = {}
    with Gradebook(gradebook.url(root)) as gb:
        for submission in gb.find_assignment(assignment).submissions:
            scores[submission.student.id] = {(nb.name, grade.name): grade.auto_score
                                             for nb in submission.notebooks for grade in nb.grades}
    return scores


def timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="two_layer_net", choices=notebooks.assignments(ROOT))
    parser.add_argument("--submissions", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scaling", type=int, nargs="*", default=[20, 80],
                        help="further class sizes to grade on Dask (default: 20 80)")
    args = parser.parse_args()
    assignment, n = args.assignment, args.submissions
    cycle = kinds(assignment)
    size = max([n, *args.scaling])
    versions = {f"s{i:03d}_{cycle[i % len(cycle)][0]}": cycle[i % len(cycle)][1] for i in range(size)}
    first = dict(list(versions.items())[:n])
    print("\n".join(thread_report()))
    print(f"{assignment}: {n} submissions, kinds cycled: {', '.join(kind for kind, _ in cycle)}\n", flush=True)
    rows, scores = [], {}
    with tempfile.TemporaryDirectory() as base:
        root = make_course(base, "stock", assignment, first)
        seconds = timed(lambda: course.run_nbgrader(root, "autograde", assignment, "--force"))
        rows.append(("stock nbgrader, one process", seconds, None))
        scores["stock"] = cell_scores(root, assignment)
        print(f"  stock: {seconds:.1f} s", flush=True)

        root = make_course(base, "serial", assignment, first)
        seconds = timed(lambda: course.autograde_each(root, assignment, list(first), log=lambda _: None))
        rows.append(("course serial, per student", seconds, None))
        scores["serial"] = cell_scores(root, assignment)
        print(f"  serial: {seconds:.1f} s", flush=True)

        per_size = {}
        for count in [n, *args.scaling]:
            subset = dict(list(versions.items())[:count])
            root = make_course(base, f"dask{count}", assignment, subset)
            start = time.perf_counter()
            with parallel.dask_client(workers=args.workers) as client:
                started = time.perf_counter() - start
                seconds = timed(lambda: parallel.autograde_class(root, assignment, client, log=lambda _: None))
            per_size[count] = (seconds, started)
            if count == n:
                rows.append((f"dask, {args.workers} workers", seconds, started))
                scores["dask"] = cell_scores(root, assignment)
            print(f"  dask {count}: {seconds:.1f} s (+{started:.1f} s cluster start)", flush=True)

    serial = rows[1][1]
    print(f"\n{'path':<30}{'total (s)':>10}{'s/submission':>14}{'submissions/min':>17}{'vs serial':>11}")
    for name, seconds, started in rows:
        extra = f"   (+{started:.1f} s cluster start)" if started is not None else ""
        print(f"{name:<30}{seconds:>10.1f}{seconds / n:>14.2f}{60 * n / seconds:>17.1f}{serial / seconds:>10.2f}x{extra}")
    print(f"\nDask on {args.workers} workers, cost per submission by class size:")
    for count, (seconds, _) in sorted(per_size.items()):
        print(f"  {count:>4} submissions: {seconds:7.1f} s, {seconds / count:.2f} s/submission")
    same = scores["stock"] == scores["serial"] == scores["dask"]
    print(f"\nper-cell scores identical in the three paths ({n} submissions): {'yes' if same else 'NO'}")
    if not same:
        for student in sorted(set().union(*scores.values())):
            found = {path: s.get(student) for path, s in scores.items()}
            if len({repr(v) for v in found.values()}) > 1:
                print(f"  {student}: {found}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
