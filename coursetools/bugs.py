"""Realistic student bugs planted in the `buggy` demo submission of each assignment.

Each bug replaces one exact piece of a reference solution; `breaks` names the test cells it must fail
(the buggy function's own test and the tests of what calls it), so its expected score is known.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Bug:
    cell: str          # grade_id of the solution cell
    old: str           # exact text in the reference solution
    new: str           # what the student wrote instead
    description: str
    breaks: tuple      # grade_ids of the test cells that must score 0


BUGS = {
    "two_layer_net": [],
}
