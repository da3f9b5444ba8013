"""Course glue around stock nbgrader. nclib knows nothing of nbgrader; everything that does lives here.

- notebooks, bundle, report: reading the course's notebooks, the student bundle, score tables;
  of coursetools they import notebooks only.
- gradebook: where the gradebook is (SQLite, or the database NCLIB_GRADEBOOK_URL names); it imports
  nothing of coursetools.
- autograde: the hardened grading path that nbgrader_config.py plugs into nbgrader.
- course: nbgrader's commands on the course, autograding one student at a time; it may import the
  modules above, never demo.
- resume: which submissions changed since they were graded; it imports nothing of coursetools.
- parallel: autograding a class on Dask, each submission through stock nbgrader on a worker; it may import
  gradebook, course and resume.
- similarity: the similarity report across the submissions of an assignment (copydetect); it imports
  notebooks only.
- results: the scores of graded cells (gradebook) and what test cells said (autograded/), read back; it may
  import gradebook and notebooks. itemanalysis (reports/<assignment>/) and lms (Canvas, Gradescope and
  per-cell exports) may import results.
- demo: the demo class, its planted bugs and faults, and the instructor's demo job; it may import everything.
"""
