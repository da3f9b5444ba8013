"""nbgrader's OverwriteCells, which also restores a cell's nbgrader flags from the gradebook.

Stock OverwriteCells restores the source, the points and the locked flag of a known cell, but a submission
that flips a test cell's `grade` (or `solution`, `task`) flag makes its checksum impossible to restore, and
nbgrader drops the whole submission. Restoring the flags first grades the cell as the instructor made it.
"""
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import OverwriteCells

from coursetools import notebooks


class RestoreCells(OverwriteCells):

    def preprocess_cell(self, cell, resources, cell_index):
        meta = notebooks.meta(cell)
        grade_id = meta.get("grade_id")
        if grade_id is not None:
            for flag, find in (("grade", self.gradebook.find_grade_cell),
                               ("solution", self.gradebook.find_solution_cell),
                               ("task", self.gradebook.find_task_cell)):
                try:
                    find(grade_id, self.notebook_id, self.assignment_id)
                    meta[flag] = True
                except MissingEntry:
                    meta[flag] = False
            if meta["grade"] and "points" not in meta:
                meta["points"] = 0  # OverwriteCells then restores the real points
        return super().preprocess_cell(cell, resources, cell_index)
