"""The hardened grading path that nbgrader_config.py plugs into stock nbgrader: the cell restorer, the
fault-tolerant Execute step with its sandboxed kernel, the static policy check, and the trusted checks
of hidden tests (grader_side, in nbgrader's process; student_side, the sandboxed child that runs the
student's code; codec, what passes between them).

It may import nclib, nbgrader and the Jupyter libraries, coursetools.notebooks and coursetools.bundle;
never coursetools.course or coursetools.demo. student_side runs in the sandbox: it imports only the
standard library, NumPy and codec.
"""
