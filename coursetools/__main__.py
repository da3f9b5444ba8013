"""python -m coursetools demo | autograde ASSIGNMENT... | scores CSV | bundle DEST | similarity ASSIGNMENT |
report [ASSIGNMENT...] | export-lms --roster CSV [ASSIGNMENT...]  (run from the course root)."""
import argparse
import sys
from pathlib import Path

from coursetools import bundle, gradebook, itemanalysis, lms, notebooks, parallel, report, results
from coursetools.demo import job


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m coursetools", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="release, demo submissions, autograde, feedback, export and a score table")
    grade = sub.add_parser("autograde", help="autograde the submissions of the assignments in parallel on Dask, "
                           "skipping those graded since they last changed")
    grade.add_argument("assignments", nargs="+", metavar="ASSIGNMENT")
    grade.add_argument("--workers", type=int, help="worker processes of the local cluster (default: one per core)")
    grade.add_argument("--scheduler", metavar="ADDRESS", help="grade on the Dask cluster of this scheduler, "
                       "e.g. tcp://host:8786, instead of a local cluster")
    grade.add_argument("--force", action="store_true", help="grade every submission again")
    scores = sub.add_parser("scores", help="print the score table of an nbgrader CSV export")
    scores.add_argument("csv", type=Path)
    student = sub.add_parser("bundle", help="write the student bundle: release notebooks and nclib's given modules")
    student.add_argument("dest", type=Path)
    alike = sub.add_parser("similarity", help="rank the pairs of submissions of an assignment by code similarity: "
                           "reports/ASSIGNMENT/similarity.html and .csv")
    alike.add_argument("assignment", metavar="ASSIGNMENT")
    alike.add_argument("--top", type=int, default=10, help="pairs printed and shown side by side (default 10)")
    add_after_grading_commands(sub)
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
    if args.command == "autograde":
        return autograde(parser, root, args)
    if args.command == "similarity":
        return similar_pairs(parser, root, args)
    if args.command in ("report", "export-lms"):
        return after_grading(parser, root, args)
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


def autograde(parser, root, args):
    unknown = sorted(set(args.assignments) - set(notebooks.assignments(root)))
    if unknown:
        parser.error(f"no assignment {', '.join(unknown)} in source/ (there are: {', '.join(notebooks.assignments(root))})")
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.workers is not None and args.scheduler:
        parser.error("--workers sizes the local cluster: it cannot be used with --scheduler")
    try:
        gradebook.check_reachable(gradebook.url(root))
        missing = parallel.not_generated(root, args.assignments)
        if missing:
            sys.exit(f"{parser.prog}: {', '.join(missing)} not in the gradebook: "
                     f"run `nbgrader generate_assignment` for {'it' if len(missing) == 1 else 'them'} first")
        with parallel.dask_client(args.scheduler, args.workers) as client:
            outcomes = [parallel.autograde_class(root, assignment, client, force=args.force)
                        for assignment in args.assignments]
    except (gradebook.GradebookUnreachable, parallel.SchedulerUnreachable) as error:
        sys.exit(f"{parser.prog}: {error}")
    return 0 if all(o.graded for per_student in outcomes for o in per_student.values()) else 1


def similar_pairs(parser, root, args):
    if args.top < 1:
        parser.error("--top must be at least 1")
    from coursetools import similarity  # copydetect imports matplotlib.pyplot: 0.7 s the other commands skip
    try:
        pairs, skipped, html_path, csv_path = similarity.write_report(root, args.assignment, top=args.top)
    except similarity.NoComparison as error:
        sys.exit(f"{parser.prog}: {error}")
    for student, reason in skipped.items():
        print(f"{parser.prog}: {student} left out: {reason}", file=sys.stderr)
    for rank, pair in enumerate(pairs[:args.top], 1):
        print(similarity.summary_line(rank, pair))
    print(f"all {len(pairs)} pairs: {html_path.relative_to(root)}, {csv_path.relative_to(root)}")
    return 1 if skipped else 0

def add_after_grading_commands(sub):
    """The subcommands report and export-lms."""
    items = sub.add_parser("report", help="item analysis of graded assignments: reports/<assignment>/index.html, "
                           "items.csv, failures.csv")
    items.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every assignment graded")
    export = sub.add_parser("export-lms", help="grades for LMSs in exports/: a Canvas gradebook CSV, per-cell "
                            "scores, a Gradescope results.json per submission")
    export.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every assignment graded")
    export.add_argument("--roster", type=Path, required=True, help="CSV with the columns "
                        f"{', '.join(lms.ROSTER_COLUMNS)} (student_id: the id in nbgrader)")
    export.add_argument("--dest", type=Path, default=Path("exports"), help="folder to write (default: exports)")


def after_grading(parser, root, args):
    """report and export-lms: what the gradebook holds, for the instructor and the LMS."""
    try:
        if args.command == "report":
            for assignment, (_, page) in itemanalysis.write_reports(root, args.assignments).items():
                print(f"{assignment}: {page.relative_to(root)}")
        else:
            written, ungraded = lms.export(root, args.roster, root / args.dest, args.assignments)
            print(f"{len(written)} files written to {args.dest}: canvas_gradebook.csv, cell_scores.csv, "
                  f"gradescope/<assignment>/<student>/results.json")
            for assignment, students in ungraded.items():
                print(f"{assignment}: not graded, left out (nbgrader export counts them 0): {', '.join(students)}")
    except (results.NoResults, lms.BadRoster, gradebook.GradebookUnreachable) as error:
        sys.exit(f"{parser.prog}: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
