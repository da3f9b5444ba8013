"""Course glue around stock nbgrader: demo submissions, the instructor's demo job and score reports.

nclib knows nothing of nbgrader; everything that does lives here.
"""
