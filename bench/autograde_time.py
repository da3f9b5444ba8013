"""Time per autograded submission, through stock nbgrader, for every assignment.

Run from the repository root:  .venv/bin/python bench/autograde_time.py [--repeat N]

Works on a temporary copy of the course: generates the release, writes the demo submissions and
autogrades each one N times (default 2), printing the wall-clock seconds of each `nbgrader autograde
--student=ID` call. It asserts nothing: it prints measured figures.
"""
import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from coursetools import course, notebooks
from coursetools.demo import submissions

ROOT = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(ROOT / "source", root / "source")
        shutil.copy(ROOT / "nbgrader_config.py", root)
        for assignment in notebooks.assignments(root):
            course.generate_release(root, assignment)
            submissions.write_demo_submissions(root, assignment)
            for student in submissions.demo_versions(assignment):
                times = []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    course.run_nbgrader(root, "autograde", assignment, f"--student={student}", "--force")
                    times.append(time.perf_counter() - start)
                rows.append((assignment, student, min(times), statistics.median(times)))
                print(f"  {assignment} / {student}: {', '.join(f'{t:.2f}' for t in times)} s", flush=True)
    print(f"\n{'assignment':<16}{'submission':<16}{'best (s)':>10}{'median (s)':>12}")
    for assignment, student, best, median in rows:
        print(f"{assignment:<16}{student:<16}{best:>10.2f}{median:>12.2f}")


if __name__ == "__main__":
    main()
