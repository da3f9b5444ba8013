"""Student code runs in a sandbox: bubblewrap and prlimit.

Inside, the process sees the system (/usr, /etc), Python and the course's virtual environment read-only,
the given part of nclib in place of the whole package (the reference modules do not exist there), and
exactly one writable folder, its own working copy. It has no network, its own /tmp and process tree, and
limits on address space, CPU time and processes. Source notebooks, other submissions and the gradebook
are simply not in its filesystem. NCLIB_AUTOGRADE=1 is set inside, so that training cells take their short
path (nclib.runtime.is_autograding), and NumPy's BLAS uses one thread: graders run one per core.
"""
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nclib
from coursetools import bundle

MEMORY_BYTES = 4 * 1024**3
CPU_SECONDS = 600
PROCESSES = 256
NCLIB = Path(nclib.__file__).resolve().parent
COURSETOOLS = Path(__file__).resolve().parents[1]  # the child process of grader_side runs from it


@functools.cache
def matplotlib_font_list():
    """matplotlib's font list (a JSON file), built once outside the sandbox: in the sandbox's empty /tmp every
    kernel and hidden-check process would rebuild it on importing matplotlib, a few tenths of a second each."""
    folder = Path(tempfile.mkdtemp(prefix="nclib-matplotlib-"))
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], check=True, capture_output=True,
                   env={**os.environ, "MPLCONFIGDIR": str(folder)})
    (font_list,) = folder.glob("fontlist-*.json")
    return font_list


@functools.cache
def given_nclib():
    """A folder holding nclib as students have it, the same as in the student bundle (made once)."""
    folder = Path(tempfile.mkdtemp(prefix="nclib-given-")) / "nclib"
    bundle.write_given_nclib(NCLIB.parent, folder)
    return folder


def command_prefix(workdir, writable=()):
    """The prefix that runs a command in the sandbox, working in (and writing to) workdir only;
    `writable` are further folders it may write to (the kernel's socket folder)."""
    for tool in ("prlimit", "bwrap"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is required to run student code (Debian packages util-linux, bubblewrap)")
    font_list = matplotlib_font_list()
    limits = [shutil.which("prlimit"), f"--as={MEMORY_BYTES}", f"--cpu={CPU_SECONDS}", f"--nproc={PROCESSES}", "--"]
    sandbox = [shutil.which("bwrap"), "--unshare-all", "--die-with-parent", "--new-session",
               "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc",
               "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
               "--setenv", "HOME", "/tmp", "--unsetenv", "JPY_PARENT_PID", "--setenv", "NCLIB_AUTOGRADE", "1",
               "--setenv", "OPENBLAS_NUM_THREADS", "1", "--setenv", "OMP_NUM_THREADS", "1",
               "--setenv", "MPLCONFIGDIR", "/tmp/matplotlib",
               "--ro-bind", str(font_list), f"/tmp/matplotlib/{font_list.name}"]
    for link in ("bin", "lib", "lib64", "sbin"):
        target = Path("/", link)
        if target.is_symlink():
            sandbox += ["--symlink", str(target.readlink()), str(target)]
    for folder in sorted({sys.base_prefix, sys.prefix}):
        sandbox += ["--ro-bind", folder, folder]
    sandbox += ["--ro-bind", str(given_nclib()), str(NCLIB), "--ro-bind", str(COURSETOOLS), str(COURSETOOLS)]
    for folder in (workdir, *writable):
        sandbox += ["--bind", str(folder), str(folder)]
    return limits + sandbox + ["--chdir", str(workdir), "--"]
