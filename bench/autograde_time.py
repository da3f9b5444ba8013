"""Seconds per autograded submission, for every assignment: one nbgrader process per submission against
nbgrader's autograde run inside a Dask worker's process.

Run from the repository root:  .venv/bin/python bench/autograde_time.py [--assignments A ...]

For each assignment, generates the submissions of bench/class_grading.py (complete, blank, each planted
bug alone, all bugs together, the faults that do not wait for a time limit) in two temporary copies of the
course, then grades each submission in both, one after another:
  1. process: `nbgrader autograde --student` in a new process, the course's serial path (coursetools.course);
  2. worker: coursetools.parallel.grade_submission, the function a Dask worker runs, in this process (after
     its template course is made, counted apart), then merged into the course as the Dask client does.
Prints each submission's seconds, the median and the largest per assignment side by side, and checks that
the two give every cell the same score. It asserts nothing about time: it prints measured figures.
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from class_grading import cell_scores, kinds, make_course, timed
from machine import thread_report

from coursetools import course, notebooks, parallel, resume

ROOT = Path(__file__).resolve().parents[1]


def grade_both(base, assignment):
    """({path: {student: seconds}}, template seconds, scores identical) for the assignment's submissions."""
    versions = {kind: bugs for kind, bugs in kinds(assignment)}
    process_root = make_course(base, f"{assignment}-process", assignment, versions)
    worker_root = make_course(base, f"{assignment}-worker", assignment, versions)
    config = course.course_config(worker_root)
    digest = resume.grader_digest(worker_root, assignment)
    grader = parallel.grader_files(worker_root, assignment, digest)
    template = timed(lambda: parallel._template(grader))
    seconds = {"process": {}, "worker": {}}
    for student in versions:
        seconds["process"][student] = timed(lambda: course.autograde_each(
            process_root, assignment, [student], log=lambda _: None))
        submitted = parallel.read_tree(worker_root / "submitted" / student / assignment)
        start = time.perf_counter()
        graded = parallel.grade_submission(grader, student, submitted)
        seconds["worker"][student] = time.perf_counter() - start
        parallel.merge(worker_root, assignment, graded, config, digest)
        print(f"  {assignment} / {student}: process {seconds['process'][student]:.2f} s, "
              f"worker {seconds['worker'][student]:.2f} s", flush=True)
    same = cell_scores(process_root, assignment) == cell_scores(worker_root, assignment)
    return seconds, template, same


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignments", nargs="*", default=notebooks.assignments(ROOT),
                        choices=notebooks.assignments(ROOT))
    args = parser.parse_args()
    print("\n".join(thread_report()), flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as base:
        for assignment in args.assignments:
            seconds, template, same = grade_both(base, assignment)
            rows.append((assignment, len(seconds["process"]), seconds, template, same))
    print(f"\n{'assignment':<20}{'submissions':>12}{'process median':>16}{'max':>7}"
          f"{'worker median':>15}{'max':>7}{'ratio':>7}  scores identical")
    for assignment, n, seconds, template, same in rows:
        process, worker = seconds["process"].values(), seconds["worker"].values()
        print(f"{assignment:<20}{n:>12}{statistics.median(process):>16.2f}{max(process):>7.2f}"
              f"{statistics.median(worker):>15.2f}{max(worker):>7.2f}"
              f"{statistics.median(process) / statistics.median(worker):>6.2f}x  {'yes' if same else 'NO'}"
              f"   (worker's template course: {template:.1f} s, once)")
    return 0 if all(same for *_, same in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
