"""python -m coursetools demo | scores CSV | bundle DEST  (run from the course root)."""
import argparse
import sys
from pathlib import Path

from coursetools import bundle, gradebook, report
from coursetools.demo import job


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m coursetools", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="release, demo submissions, autograde, feedback, export and a score table")
    scores = sub.add_parser("scores", help="print the score table of an nbgrader CSV export")
    scores.add_argument("csv", type=Path)
    student = sub.add_parser("bundle", help="write the student bundle: release notebooks and nclib's given modules")
    student.add_argument("dest", type=Path)
    args = parser.parse_args(argv)
    root = Path.cwd()
    if not (root / "nbgrader_config.py").exists():
        parser.error("run this from the course root (the folder holding nbgrader_config.py)")
    if args.command == "demo":
        try:
            outcomes = job.demo(root)
        except gradebook.GradebookUnreachable as error:
            sys.exit(f"{parser.prog}: {error}")
        return 0 if all(o.graded for per_student in outcomes.values() for o in per_student.values()) else 1
    if args.command == "bundle":
        try:
            print(f"student bundle written to {bundle.build_bundle(root, args.dest)}")
        except (ValueError, FileExistsError, FileNotFoundError) as error:
            parser.error(str(error))
        return 0
    if not args.csv.exists():
        parser.error(f"{args.csv} does not exist: run `nbgrader export --to {args.csv}` first")
    print(report.score_table(args.csv, root))
    return 0


if __name__ == "__main__":
    sys.exit(main())
