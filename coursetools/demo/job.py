"""The instructor's whole job on the demo submissions: release, demo submissions, autograde, feedback, export."""
from pathlib import Path

from coursetools import gradebook, notebooks, report
from coursetools.course import autograde_each, generate_release, run_nbgrader, submitted_students
from coursetools.demo import submissions


def demo(root, log=print):
    """The whole job on the demo submissions; prints a score table and a report of every submission that
    had a problem. Returns {assignment: {student: Outcome}}. Raises gradebook.GradebookUnreachable before
    anything is done if the gradebook cannot be reached."""
    root = Path(root)
    gradebook.check_reachable(gradebook.url(root))
    names = notebooks.assignments(root)
    outcomes = {}
    for step, assignment in enumerate(names, start=1):
        log(f"== {assignment} ({step}/{len(names)})")
        log("  generating the student release")
        generate_release(root, assignment)
        submissions.write_demo_submissions(root, assignment)
        students = submitted_students(root, assignment)
        log(f"  autograding {len(students)} submissions")
        outcomes[assignment] = autograde_each(root, assignment, students, log=log)
        log("  generating feedback")
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
    return outcomes
