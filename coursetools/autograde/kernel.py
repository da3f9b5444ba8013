"""The grading kernel's manager: it starts the kernel in the sandbox."""
import os
import shutil
import subprocess
import tempfile

from jupyter_client.manager import AsyncKernelManager

from coursetools.autograde import sandbox


class SandboxedKernelManager(AsyncKernelManager):
    """Starts the kernel in the sandbox (coursetools.autograde.sandbox), talking over IPC sockets in a private
    folder: the sandbox has no network, not even the grader's loopback."""

    def __init__(self, **kwargs):
        self._socket_dir = tempfile.mkdtemp(prefix="nclib-kernel-")
        kwargs.setdefault("transport", "ipc")
        kwargs.setdefault("ip", os.path.join(self._socket_dir, "kernel-ipc"))
        kwargs.setdefault("connection_file", os.path.join(self._socket_dir, "kernel.json"))
        super().__init__(**kwargs)
        self._workdir = os.getcwd()

    async def _async_pre_start_kernel(self, **kwargs):
        self._workdir = kwargs.get("cwd") or self._workdir
        # What the kernel prints outside cells (its banner, a crash) would land in the grader's own output.
        kwargs.setdefault("stdout", subprocess.DEVNULL)
        kwargs.setdefault("stderr", subprocess.DEVNULL)
        return await super()._async_pre_start_kernel(**kwargs)

    def format_kernel_cmd(self, extra_arguments=None):
        return sandbox.command_prefix(self._workdir, writable=[self._socket_dir]) + super().format_kernel_cmd(
            extra_arguments)

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
