"""The course as nbgrader sees it. Run nbgrader from the repository root and this file is picked up."""
from pathlib import Path

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds,
                                    IgnorePattern, LimitOutput, OverwriteKernelspec, SaveAutoGrades)

from coursetools import gradebook, resume
from coursetools.autograde import faults
from coursetools.autograde.execute import FaultTolerantExecute
from coursetools.autograde.restorecells import RestoreCells

ROOT = Path(__file__).resolve().parent

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "nclib-course"
c.CourseDirectory.root = str(ROOT)
# SQLite beside this file, or the database named by NCLIB_GRADEBOOK_URL (see coursetools/gradebook.py).
c.CourseDirectory.db_url = gradebook.url(ROOT)
# Assignments enter the gradebook when `nbgrader generate_assignment NAME` runs: every folder of source/
# is one, and a new one needs no change here.

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
# The Execute step's fault reports and the record of what a submission was graded from are the grader's
# own: a file of either name in a submission is not copied to autograded/, nor one in autograded/ to feedback/.
c.CourseDirectory.ignore.extend([faults.IGNORE, resume.IGNORE])
# A deleted test cell is put back and run: deleting a test never saves a student from it.
c.OverwriteCells.add_missing_cells = True

# Stock autograde steps, with two replaced: RestoreCells also restores tampered nbgrader flags, and
# FaultTolerantExecute survives a cell killing or hanging the kernel and decides hidden tests outside it.
c.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, OverwriteKernelspec, RestoreCells, CheckCellMetadata]
c.Autograde.autograde_preprocessors = [
    FaultTolerantExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
    AssignLatePenalties, CheckCellMetadata,
]
# Given helpers that would answer an assignment's exercise: its solution cells may not use them (the fast
# layers are given for training, after the naive layers are written; scipy would do the convolution).
c.FaultTolerantExecute.forbidden_in_solutions = {
    "conv_backward": ["nclib.fast_layers", "conv_forward_fast", "conv_backward_fast", "max_pool_forward_fast",
                      "max_pool_backward_fast", "scipy", "nclib.input_checks"],
}
# Per-cell time limit when submissions are executed; training cells take a short path when graded (the
# sandbox sets NCLIB_AUTOGRADE=1, which notebooks read through nclib.runtime.is_autograding()).
c.Execute.timeout = 60
