"""How the notebook is being run (given to students).

The autograder's sandbox sets NCLIB_AUTOGRADE=1 (see coursetools/autograde/sandbox.py) so that training cells take a short path:
nbgrader executes every cell of every submission, and grading a class must take seconds per notebook.
"""
import os


def is_autograding():
    """True when the notebook is executed by `nbgrader autograde` (NCLIB_AUTOGRADE=1)."""
    return os.environ.get("NCLIB_AUTOGRADE") == "1"
