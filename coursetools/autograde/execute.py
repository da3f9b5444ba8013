"""nbgrader's Execute step, made to survive a submission that kills, hangs or floods its kernel, and to
decide hidden tests outside the student's kernel.

Faults: stock nbgrader abandons the whole submission when the kernel dies, and a student can ignore the
interrupt that ends a timed-out cell. Here a cell that times out or kills the kernel gets an error
output (so it and its test lose their points), the kernel is restarted, the cells that ran before it
are run again without output so their definitions come back, and execution goes on with the next
cell; past `time_budget` seconds in all, the remaining cells are not run. Student code runs in the
sandbox of coursetools.autograde.sandbox (bubblewrap and prlimit) and each cell keeps at most
`max_output_chars` of text output. Every fault goes into the notebook's fault report (faults.py).

Hidden tests: the kernel runs only the visible part of a test cell. Its hidden checks run in this
process (grader_side) on the student's functions, called in a separate StudentProcess that
has run the submission's definition cells (solution cells and locked given code) that the kernel ran
before the test. A check's verdict becomes the cell's output: an error fails the cell.
"""
import copy
import os
import time

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Dict, Integer

from coursetools import notebooks
from coursetools.autograde import faults, policy, sandbox
from coursetools.autograde.grader_side import HiddenChecks, split_hidden_tests
from coursetools.autograde.kernel import SandboxedKernelManager

KERNEL_FAULTS = (DeadKernelError, CellTimeoutError)


def check_output(passed, message):
    """The output a hidden check's verdict gives its test cell: an error fails the cell."""
    if passed:
        return NotebookNode(output_type="stream", name="stdout", text=message + "\n")
    return NotebookNode(output_type="error", ename="HiddenTestFailed", evalue=message, traceback=[message])


def cell_name(cell, index):
    """How reports name a cell: its grade_id, else its position."""
    return notebooks.meta(cell).get("grade_id") or f"cell {index}"


def is_definition(cell):
    """Cells whose code the hidden checks run: the student's solution cells and locked given code."""
    meta = notebooks.meta(cell)
    return cell.cell_type == "code" and bool(meta.get("solution") or (meta.get("locked") and not meta.get("grade")))


class FaultTolerantExecute(Execute):
    """Execute every cell; a fatal cell costs only itself and what depends on it."""

    max_output_chars = Integer(20_000, help="text output kept per cell; the rest is dropped").tag(config=True)
    time_budget = Integer(300, help="seconds of execution per notebook; later cells are not run").tag(config=True)
    forbidden_in_solutions = Dict(
        help="assignment -> modules and names its solution cells may not use (see coursetools.autograde.policy)"
    ).tag(config=True)
    draw_figures = Bool(False, help=(
        "put figures into graded notebooks and feedback as images; off, a figure's output is its text "
        "(<Figure size ... with N Axes>) and is never drawn: drawing costs 1-2 s per notebook and no grade "
        "depends on it")).tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)
        if not self.draw_figures:
            # The inline backend renders a figure only for the formats it is given (png by default).
            self.extra_arguments = [*self.extra_arguments, "--InlineBackend.figure_formats=set()"]
        # A timeout must raise rather than interrupt: a cell can ignore SIGINT, never a restart.
        self.interrupt_on_timeout = False

    def preprocess(self, nb, resources, km=None):
        self._survivors = []      # indices of the cells that ran without killing or hanging the kernel
        self._output_chars = {}
        self._deadline = time.monotonic() + self.time_budget
        self._faults = []
        workdir = resources.get("metadata", {}).get("path") or os.getcwd()
        self._hidden = HiddenChecks(sandbox.command_prefix(workdir), timeout=self.timeout, cwd=workdir)
        try:
            nb, resources = super().preprocess(nb, resources, km)
        finally:
            self._hidden.close()
        # Only now: the student's code, which may write to this folder, no longer runs.
        faults.write(faults.path(workdir, resources["nbgrader"]["notebook"]), self._faults)
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        """Refuse the cell, or run it in the kernel (a test cell without its hidden part) and restart the
        kernel if the cell killed or hung it; then decide the cell's hidden checks."""
        if cell.cell_type != "code":
            return cell, resources
        refusal = self._out_of_time() or self._refused_by_policy(cell, resources)
        if refusal:
            self._report(cell, index, *refusal)
            return cell, resources
        visible, checks = self._split(cell)
        try:
            cell, resources = self._run_in_kernel(cell, resources, index, visible)
        except KERNEL_FAULTS as error:
            self._report(cell, index, *self._kernel_fault(error),
                         note=" The kernel was restarted and the cells above were run again.")
            self._restart_and_replay()
            return cell, self.resources
        self._survivors.append(index)
        if not any(output.output_type == "error" for output in cell.outputs):
            definitions = self._definitions_before(index)
            cell.outputs += [check_output(*self._hidden.decide(reference, function, definitions))
                             for reference, function in checks]
        return cell, resources

    def _out_of_time(self):
        """(kind, message) once the notebook has used up its time budget, else None."""
        if time.monotonic() > self._deadline:
            # Cells that hang one after another would otherwise cost the per-cell limit each.
            return ("TimeBudgetExceeded",
                    f"this cell was not run: the notebook used up its {self.time_budget} s of grading time")
        return None

    def _refused_by_policy(self, cell, resources):
        """(kind, message) of a solution cell the policy refuses, else None. A refused cell is not run:
        its functions stay undefined."""
        if not notebooks.meta(cell).get("solution"):
            return None
        forbidden = self.forbidden_in_solutions.get(resources.get("nbgrader", {}).get("assignment"), ())
        reasons = policy.violations(cell.source, forbidden)
        return ("PolicyViolation", "this cell was not run: " + "; ".join(reasons)) if reasons else None

    @staticmethod
    def _split(cell):
        """(the source the kernel runs, [(reference, function)] of the hidden checks)."""
        return split_hidden_tests(cell.source) if notebooks.meta(cell).get("grade") else (cell.source, [])

    def _run_in_kernel(self, cell, resources, index, source):
        """Execute source as the cell's code; the cell keeps its own source."""
        original, cell.source = cell.source, source
        try:
            return super().preprocess_cell(cell, resources, index)
        finally:
            cell.source = original

    def _kernel_fault(self, error):
        """(kind, message) of a cell that hung or killed the kernel."""
        if isinstance(error, CellTimeoutError):
            return "CellTimeoutError", f"the cell ran for more than {self.timeout} s and was stopped"
        return "KernelDied", "the kernel died in this cell (exit, crash or a resource limit)"

    def _definitions_before(self, index):
        """[(name, source)] of the definition cells that ran in the kernel before cell index, in order."""
        return [(cell_name(self.nb.cells[i], i), self.nb.cells[i].source) for i in self._survivors
                if i < index and is_definition(self.nb.cells[i])]

    def output(self, outs, msg, display_id, cell_index):
        if msg["msg_type"] == "stream":
            used = self._output_chars.get(cell_index, 0)
            text = msg["content"].get("text", "")
            self._output_chars[cell_index] = used + len(text)
            if used >= self.max_output_chars:
                return None
            if used + len(text) > self.max_output_chars:
                msg = copy.deepcopy(msg)
                msg["content"]["text"] = (text[: self.max_output_chars - used]
                                          + f"\n[output cut at {self.max_output_chars} characters]\n")
        return super().output(outs, msg, display_id, cell_index)

    def _report(self, cell, index, ename, message, note=""):
        """An error output on the cell, and the fault in the log and the notebook's fault report."""
        where = cell_name(cell, index)
        self.log.warning("grading fault: %s: %s", where, message)
        self._faults.append({"cell": where, "kind": ename, "message": message})
        cell.outputs.append(NotebookNode(output_type="error", ename=ename, evalue=message,
                                         traceback=[f"{ename}: {message}.{note}"]))

    def _restart_and_replay(self):
        # A new kernel by the same path as the first one: restarting a kernel stuck in a cell left the
        # client waiting on the old kernel's channels.
        self.shutdown_kernel = "immediate"
        self._cleanup_kernel()
        self.km = self.create_kernel_manager()
        self.start_new_kernel()
        self.start_new_kernel_client()
        for index in self._survivors:
            if notebooks.meta(self.nb.cells[index]).get("grade"):
                continue  # tests define nothing later cells need
            silent = copy.deepcopy(self.nb.cells[index])
            try:
                self.execute_cell(silent, index, store_history=False)
            except KERNEL_FAULTS:
                # It ran before: a second failure means the kernel cannot be trusted to go on.
                raise RuntimeError(f"cell {index} failed when run again after a restart") from None
