"""Seconds per autograded submission, for every assignment: one nbgrader process per submission, nbgrader's
autograde run inside a Dask worker's process, and the same with figures drawn into the graded notebooks.

Run from the repository root:  .venv/bin/python bench/autograde_time.py [--assignments A ...]

For each assignment, generates the submissions of bench/class_grading.py (complete, blank, each planted
bug alone, all bugs together, the faults that do not wait for a time limit) in three temporary copies of the
course, then grades each submission in all three, one after another:
  1. process, figures: `nbgrader autograde --student` in a new process, the course's serial path
     (coursetools.course), with c.FaultTolerantExecute.draw_figures = True: the cost before figures were
     left undrawn and before workers ran nbgrader in their own process;
  2. worker, figures: coursetools.parallel.grade_submission, the function a Dask worker runs, in this process
     (after its template course is made, counted apart), then merged into the course as the Dask client
     does; figures drawn;
  3. worker: the same as the course is configured, figures not drawn.
Prints the median and the largest seconds per assignment side by side, and checks that the three give every
cell the same score. It asserts nothing about time: it prints measured figures.
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


DRAW_FIGURES = "\nc.FaultTolerantExecute.draw_figures = True\n"
PATHS = ("process, figures", "worker, figures", "worker")


def course_copy(base, name, assignment, versions, draw_figures):
    root = make_course(base, name, assignment, versions)
    if draw_figures:
        with open(root / "nbgrader_config.py", "a") as config:
            config.write(DRAW_FIGURES)
    return root


class Worker:
    """A Dask worker's grading of one course copy, run in this process."""

    def __init__(self, root, assignment):
        self.root, self.assignment = root, assignment
        self.config = course.course_config(root)
        self.digest = resume.grader_digest(root, assignment)
        self.grader = parallel.grader_files(root, assignment, self.digest)
        self.template_seconds = timed(lambda: parallel._template(self.grader))

    def grade(self, student):
        """Seconds to grade the student's submission; the result is merged into the course, not timed."""
        submitted = parallel.read_tree(self.root / "submitted" / student / self.assignment)
        start = time.perf_counter()
        graded = parallel.grade_submission(self.grader, student, submitted)
        seconds = time.perf_counter() - start
        parallel.merge(self.root, self.assignment, graded, self.config, self.digest)
        return seconds


def grade_all(base, assignment):
    """({path: {student: seconds}}, worker template seconds, scores identical) for the assignment."""
    versions = {kind: bugs for kind, bugs in kinds(assignment)}
    roots = {path: course_copy(base, f"{assignment}-{number}", assignment, versions, "figures" in path)
             for number, path in enumerate(PATHS)}
    workers = {path: Worker(roots[path], assignment) for path in PATHS if path.startswith("worker")}
    graders = {PATHS[0]: lambda student: timed(lambda: course.autograde_each(
        roots[PATHS[0]], assignment, [student], log=lambda _: None))}
    graders.update((path, worker.grade) for path, worker in workers.items())
    seconds = {path: {} for path in PATHS}
    for student in versions:
        for path in PATHS:
            seconds[path][student] = graders[path](student)
        print(f"  {assignment} / {student}: " + ", ".join(f"{path} {seconds[path][student]:.2f} s" for path in PATHS),
              flush=True)
    scores = [cell_scores(roots[path], assignment) for path in PATHS]
    template = statistics.mean(worker.template_seconds for worker in workers.values())
    return seconds, template, all(other == scores[0] for other in scores[1:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignments", nargs="*", default=notebooks.assignments(ROOT),
                        choices=notebooks.assignments(ROOT))
    args = parser.parse_args()
    print("\n".join(thread_report()), flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as base:
        for assignment in args.assignments:
            rows.append((assignment, *grade_all(base, assignment)))
    print(f"\n{'assignment':<20}{'submissions':>12}" + "".join(f"{path + ' median':>24}{'max':>7}" for path in PATHS)
          + f"{'ratio':>7}  scores identical")
    for assignment, seconds, template, same in rows:
        medians = [statistics.median(seconds[path].values()) for path in PATHS]
        print(f"{assignment:<20}{len(seconds[PATHS[0]]):>12}"
              + "".join(f"{median:>24.2f}{max(seconds[path].values()):>7.2f}" for median, path in zip(medians, PATHS))
              + f"{medians[0] / medians[-1]:>6.2f}x  {'yes' if same else 'NO'}"
              f"   (worker's template course: {template:.1f} s, once)")
    print("ratio: the first path's median over the last's")
    return 0 if all(same for *_, same in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
