"""The instructor's whole job on a demo class: release, submissions, autograde, feedback, export, reports."""
from pathlib import Path

from coursetools import gradebook, itemanalysis, notebooks, parallel, report, similarity
from coursetools.course import generate_release, run_nbgrader
from coursetools.demo import submissions


def demo(root, log=print):
    """The whole job on a demo class of each assignment (coursetools.demo.submissions.write_class), graded
    in parallel on a local Dask cluster (the submissions unchanged since the last run are not graded again);
    prints a score table and a report of every submission graded now that had a problem, and writes the
    item analysis and the similarity report of each assignment to reports/. Returns {assignment: {student:
    Outcome}} of those graded now. Raises gradebook.GradebookUnreachable before anything is done if the
    gradebook cannot be reached."""
    root = Path(root)
    gradebook.check_reachable(gradebook.url(root))
    names = notebooks.assignments(root)
    log(f"== generating the student release and a demo class of {submissions.CLASS_SIZE} for each of "
        f"{', '.join(names)}")
    for assignment in names:
        generate_release(root, assignment)
        submissions.write_class(root, assignment)
    log("== autograding")
    with parallel.dask_client() as client:
        outcomes = {assignment: parallel.autograde_class(root, assignment, client, log=log) for assignment in names}
    log("== generating feedback")
    for assignment in names:
        run_nbgrader(root, "generate_feedback", assignment, "--force")
    log("== exporting grades to grades.csv")
    run_nbgrader(root, "export", "--to", "grades.csv")
    log("")
    log(report.score_table(root / "grades.csv", root))
    for assignment, per_student in outcomes.items():
        for student, outcome in per_student.items():
            for problem in outcome.problems:
                status = "graded despite" if outcome.graded else "NOT GRADED"
                log(f"{assignment} / {student}: {status}: {problem}")
    log("== item analysis and similarity reports")
    for assignment, (_, page) in itemanalysis.write_reports(root, names).items():
        _, _, alike, _ = similarity.write_report(root, assignment)
        log(f"  {assignment}: {page.relative_to(root)}, {alike.relative_to(root)}")
    return outcomes
