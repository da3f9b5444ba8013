"""nclib: the reference implementation behind the course's graders.

Given modules (shipped to students, no exercise answers): gradcheck, data, init, runtime, vis.
Reference modules (solutions, never shipped): layers, losses, models, grading.
"""
