"""The fault report of one graded notebook, passed as data from the Execute step to the course's report.

FaultTolerantExecute writes it beside the autograded notebook, autograded/<student>/<assignment>/<notebook>
.faults.json, once the notebook's kernel and student process are gone, every time it grades the notebook:
a JSON list of {"cell": grade_id or "cell <index>", "kind": "KernelDied", "CellTimeoutError",
"TimeBudgetExceeded" or "PolicyViolation", "message": what the student is told}, empty when nothing went
wrong. nbgrader_config.py adds IGNORE to the files nbgrader never copies, so that a file of that name in a
submission does not reach autograded/ and a report does not reach feedback/.
"""
import json
import os
import tempfile
from pathlib import Path

SUFFIX = ".faults.json"
IGNORE = "*" + SUFFIX


def path(folder, notebook):
    """The report of the notebook named notebook (without .ipynb) graded in folder."""
    return Path(folder) / f"{notebook}{SUFFIX}"


def write(report, faults):
    """Write the list of faults to the path report, replacing whatever is there rather than writing
    through it: the student's code may have left a link of that name in its folder."""
    handle, temporary = tempfile.mkstemp(dir=Path(report).parent, prefix=".faults-")
    with os.fdopen(handle, "w") as out:
        json.dump(faults, out, indent=1)
    os.replace(temporary, report)


def problems(report):
    """The faults of the report at path report, as the per-student report states them: "<cell>: <message>"."""
    return [f"{fault['cell']}: {fault['message']}" for fault in json.loads(Path(report).read_text())]
