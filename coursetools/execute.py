"""nbgrader's Execute step, made to survive a submission that kills, hangs or floods its kernel.

Stock nbgrader abandons the whole submission when the kernel dies, and a student can ignore the
interrupt that ends a timed-out cell. Here a cell that times out or kills the kernel gets an error
output (so it and its test lose their points), the kernel is restarted, the cells that ran before it
are run again without output so their definitions come back, and execution goes on with the next
cell. The kernel runs under `prlimit` (address space, CPU time, processes) and each cell keeps at most
`max_output_chars` of text output. Every fault is logged with the marker FAULT_MARKER for the
per-student report.
"""
import copy
import shutil

from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Integer

FAULT_MARKER = "GRADING FAULT"


class LimitedKernelManager(AsyncKernelManager):
    """Starts the kernel under prlimit: a runaway cell hits a limit and dies instead of taking the machine."""

    memory_bytes = Integer(4 * 1024**3, help="address-space limit of the kernel").tag(config=True)
    cpu_seconds = Integer(600, help="CPU-time limit of the kernel (all cells together)").tag(config=True)
    processes = Integer(256, help="limit on processes and threads the kernel's user may run").tag(config=True)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        prlimit = shutil.which("prlimit")
        if prlimit is None:
            raise RuntimeError("prlimit (util-linux) is required to run graded kernels")
        return [prlimit, f"--as={self.memory_bytes}", f"--cpu={self.cpu_seconds}",
                f"--nproc={self.processes}", "--"] + cmd


class FaultTolerantExecute(Execute):
    """Execute every cell; a fatal cell costs only itself and what depends on it."""

    max_output_chars = Integer(20_000, help="text output kept per cell; the rest is dropped").tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", LimitedKernelManager)
        super().__init__(*args, **kwargs)
        # A timeout must raise rather than interrupt: a cell can ignore SIGINT, never a restart.
        self.interrupt_on_timeout = False

    def preprocess(self, nb, resources, km=None):
        self._survivors = []      # indices of the cells to run again after a restart
        self._output_chars = {}
        self.faults = []
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except (DeadKernelError, CellTimeoutError) as error:
            self._record_fault(cell, index, error)
            self._restart_and_replay()
            return cell, self.resources
        self._survivors.append(index)
        return cell, resources

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

    def _record_fault(self, cell, index, error):
        if isinstance(error, CellTimeoutError):
            ename, reason = "CellTimeoutError", f"the cell ran for more than {self.timeout} s and was stopped"
        else:
            ename, reason = "KernelDied", "the kernel died in this cell (exit, crash or a resource limit)"
        where = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index}"
        self.faults.append((where, reason))
        self.log.warning("%s: %s: %s; kernel restarted, later cells still graded", FAULT_MARKER, where, reason)
        cell.outputs.append(NotebookNode(output_type="error", ename=ename, evalue=reason,
                                         traceback=[f"{ename}: {reason}. The kernel was restarted and the "
                                                    "cells above were run again."]))

    def _restart_and_replay(self):
        # A new kernel by the same path as the first one: restarting a kernel stuck in a cell left the
        # client waiting on the old kernel's channels.
        self.shutdown_kernel = "immediate"
        self._cleanup_kernel()
        self.km = self.create_kernel_manager()
        self.start_new_kernel()
        self.start_new_kernel_client()
        for index in self._survivors:
            silent = copy.deepcopy(self.nb.cells[index])
            try:
                self.execute_cell(silent, index, store_history=False)
            except (DeadKernelError, CellTimeoutError):
                # It ran before: a second failure means the kernel cannot be trusted to go on.
                raise RuntimeError(f"cell {index} failed when run again after a restart") from None
