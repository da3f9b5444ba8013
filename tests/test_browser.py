"""The student's view in a real browser. The student bundle (`python -m coursetools bundle`) is installed in a
virtual environment of its own the way the README tells students (`python -m pip install -e .`), JupyterLab is
started from it on 127.0.0.1 with a token, in the bundle's folder, and every release notebook is opened in
headless Chromium (Debian's, driven by Playwright) and run with JupyterLab's Run All; then the same again with
the reference solutions filled in (the demo's complete submission).

Run All stops at the first error, as it does for a student. Each time it stops, the next cell that has not
run is selected and run with "Run Selected Cell and All Below", until every code cell has run: the outputs
read back are those of one pass from top to bottom that goes on past errors. Then, from what JupyterLab
shows:
- errors: with the stubs, every error must be the NotImplementedError of a stub (raised at a solution
  cell's `raise NotImplementedError()` line), or follow from one: the erring cell reads a name whose last
  assignment above it is in a cell that failed (a name left undefined, or stale, by a training cell that
  stopped at a stub). Any other error fails, and so does any output on stderr. With the reference solutions
  there must be no error and no stderr at all;
- maths: every markdown cell is rendered, with one MathJax element per formula of its source and no MathJax
  error;
- figures: a cell that ran without error shows one loaded image per `plt.show()` of its source (a cell that
  failed, no more than that).
A screenshot of each notebook, scrolled to its first figure, is saved (its path is printed).
"""
import ast
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from conftest import ASSIGNMENTS, ROOT
from coursetools import notebooks
from coursetools.demo import submissions

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
# As root in a closed network: no sandbox, and none of Chromium's own connections (refused here, slowly).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 1100}
KERNEL_READY_S = 120  # from opening the page to an idle kernel
RUN_S = 300  # one Run All, or one "Run Selected Cell and All Below"
DROPPED_S = 20  # the kernel idle with nothing queued and the run not started: JupyterLab dropped it
RENDER_S = 30  # markdown typeset and images loaded, once the cells have run
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
FRAME = re.compile(r"^(?:Cell In\[(\d+)\], line (\d+)|File (.+?):(\d+))(?:, in (.+))?$", re.M)
STUB_LINE = "raise NotImplementedError()"

# In the page (JupyterLab started with expose_app_in_browser): the notebook of the current tab.
NOTEBOOK = "jupyterapp.shell.currentWidget"
KERNEL_READY = f"() => window.jupyterapp && {NOTEBOOK}?.sessionContext?.session?.kernel?.status === 'idle'"
CELL_STATES = f"""() => {NOTEBOOK}.content.widgets.map(w => w.model.type === 'code'
    ? {{code: w.model.sharedModel.getSource(), count: w.model.executionCount, state: w.model.executionState}} : null)"""
# Close every tab without saving, shutting their kernels down.
CLOSE_ALL = """async () => { for (const widget of [...jupyterapp.shell.widgets('main')]) {
    await widget.sessionContext?.shutdown(); widget.dispose(); } }"""
# The notebook commands act on the notebook that last had the focus: activate the tab first (as a click in it
# would), or the command may go to no notebook at all and do nothing.
SELECT_AND_RUN = f"""async ([index, command]) => {{ const panel = {NOTEBOOK};
    jupyterapp.shell.activateById(panel.id); panel.content.activeCellIndex = index; panel.content.deselectAll();
    if (!jupyterapp.commands.isEnabled(command)) return false;
    await jupyterapp.commands.execute(command); return true; }}"""
# The target cell has run (its execution count is set), no cell is running or queued, and the kernel is idle.
RUN_FINISHED = f"""(target) => {{ const panel = {NOTEBOOK}; const cells = panel.content.widgets;
    return cells[target].model.executionCount !== null && panel.sessionContext.session?.kernel?.status === 'idle'
        && cells.every(w => w.model.type !== 'code' || w.model.executionState === 'idle'); }}"""
STATUS = f"""() => {{ const panel = {NOTEBOOK}; return {{kernel: panel.sessionContext.session?.kernel?.status,
    running: panel.content.widgets.map((w, i) => w.model.type === 'code' && w.model.executionState !== 'idle' ? i : -1)
                                  .filter(i => i >= 0)}}; }}"""
# What each cell shows: markdown rendered or not, its MathJax elements and MathJax errors; a code cell's images.
RENDERED = f"""() => {NOTEBOOK}.content.widgets.map(w => ({{
    type: w.model.type, attached: w.node.isConnected, rendered: w.model.type === 'markdown' ? w.rendered : null,
    math: w.node.querySelectorAll('.jp-RenderedMarkdown mjx-container').length,
    mathErrors: w.node.querySelectorAll('mjx-merror').length,
    images: [...w.node.querySelectorAll('.jp-OutputArea-output img')].map(img => img.complete && img.naturalWidth > 0)}}))"""
RENDER_DONE = f"""(expected) => {NOTEBOOK}.content.widgets.every((w, i) => w.node.isConnected
    && (w.model.type !== 'markdown' || (w.rendered && w.node.querySelectorAll('.jp-RenderedMarkdown mjx-container').length === expected[i]))
    && [...w.node.querySelectorAll('.jp-OutputArea-output img')].every(img => img.complete && img.naturalWidth > 0))"""


@dataclass
class Lab:
    url: str
    token: str
    root: Path
    log: Path

    def api(self, method, path):
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def log_tail(self, chars=3000):
        return self.log.read_text(errors="replace")[-chars:]


@dataclass
class Run:
    name: str
    cells: list  # the notebook's cells as JupyterLab holds them after the run (nbformat dicts)
    rendered: list  # what RENDERED read off the page, cell by cell
    rounds: int
    seconds: dict
    screenshot: Path


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def student_environ(**more):
    """The environment of a student's shell: nothing of the course's virtual environment."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "MPLBACKEND")}
    return {**env, **{k: str(v) for k, v in more.items()}}


def run(command, **kwargs):
    proc = subprocess.run([str(c) for c in command], capture_output=True, text=True, **kwargs)
    assert proc.returncode == 0, f"{' '.join(map(str, command))} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return proc


@pytest.fixture(scope="module")
def timings():
    """Seconds per stage, printed at the end of the module."""
    seconds = {}
    yield seconds
    print("browser test, seconds per stage: " + ", ".join(f"{k} {v:.1f}" for k, v in seconds.items()))


@pytest.fixture(scope="module")
def student_bundle(tmp_path_factory, timings):
    started = time.perf_counter()
    dest = tmp_path_factory.mktemp("browser") / "student_bundle"
    run([sys.executable, "-m", "coursetools", "bundle", dest], cwd=ROOT)
    timings["bundle"] = time.perf_counter() - started
    return dest


@pytest.fixture(scope="module")
def student_venv(student_bundle, tmp_path_factory, timings):
    """A new virtual environment with the bundle installed as the README says, from the bundle's folder (pip's
    cache and index as configured; --no-compile because byte-compiling JupyterLab would double the time)."""
    started = time.perf_counter()
    env_dir = tmp_path_factory.mktemp("student_venv") / "venv"
    run([sys.executable, "-m", "venv", env_dir])
    python = env_dir / "bin" / "python"
    run([python, "-m", "pip", "install", "--quiet", "--no-compile", "--disable-pip-version-check", "-e", "."],
        cwd=student_bundle, env=student_environ(PATH=f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}"), timeout=900)
    timings["student venv"] = time.perf_counter() - started
    return env_dir


@pytest.fixture(scope="module")
def lab(student_bundle, student_venv, tmp_path_factory, timings):
    """JupyterLab from the student's environment, serving the bundle's folder; stopped with its kernels at the end."""
    started = time.perf_counter()
    home = tmp_path_factory.mktemp("jupyter")
    # No news toast over the notebook (and no request for the news)
    news = home / "lab_settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env = student_environ(
        PATH=f"{student_venv / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin",
        JUPYTER_CONFIG_DIR=home / "config", JUPYTER_DATA_DIR=home / "data", JUPYTER_RUNTIME_DIR=home / "runtime",
        JUPYTER_PLATFORM_DIRS=1, IPYTHONDIR=home / "ipython", JUPYTERLAB_SETTINGS_DIR=news.parents[2],
        JUPYTERLAB_WORKSPACES_DIR=home / "workspaces", MPLCONFIGDIR=home / "matplotlib",
        OPENBLAS_NUM_THREADS=1, OMP_NUM_THREADS=1)
    # Matplotlib's font cache, built once here, so that no notebook prints "building the font cache" on stderr
    run([student_venv / "bin" / "python", "-c", "import matplotlib.pyplot"], env=env)
    port, token = free_port(), secrets.token_hex(16)
    command = [student_venv / "bin" / "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={student_bundle}", "--LabApp.expose_app_in_browser=True",
               # nothing reaches the network: no news, no update check, no extension manager on PyPI
               "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly"]
    if os.geteuid() == 0:
        command.append("--ServerApp.allow_root=True")
    log = home / "jupyterlab.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([str(c) for c in command], cwd=student_bundle, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    server = Lab(f"http://127.0.0.1:{port}", token, student_bundle, log)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, f"JupyterLab exited with {proc.returncode}:\n{server.log_tail()}"
            try:
                server.api("GET", "/api/status")
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, f"JupyterLab did not answer on port {port} in 120 s:\n{server.log_tail()}"
                time.sleep(0.25)
        timings["jupyterlab start"] = time.perf_counter() - started
        yield server
    finally:
        proc.terminate()  # the server shuts its kernels down
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: the browser test needs Debian's chromium, which `make` installs "
                    f"(apt-get update && apt-get install chromium); Playwright's own browser download is not used")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("chromium_profile"), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
            headless=True, viewport=VIEWPORT)
        yield context
        context.close()


@pytest.fixture(scope="module")
def page(browser, lab, timings):
    """One JupyterLab tab for all the notebooks (loading JupyterLab costs 3 s and more each time)."""
    started = time.perf_counter()
    page = browser.new_page()
    page.goto(f"{lab.url}/lab/workspaces/{uuid.uuid4().hex}?reset&token={lab.token}")
    page.wait_for_function("() => window.jupyterapp?.commands.hasCommand('docmanager:open')", timeout=60000)
    page.evaluate("() => jupyterapp.restored")  # the layout restored, which would otherwise take the focus later
    timings["jupyterlab page"] = time.perf_counter() - started
    yield page
    page.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory):
    return tmp_path_factory.mktemp("screenshots")


def source_lines(cell):
    """The cell's source without IPython's magics and shell escapes, which are not Python."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in cell_source(cell).split("\n"))


def cell_source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def math_count(markdown):
    """The formulas of a markdown source: $$...$$ blocks and $...$ spans outside code."""
    text = re.sub(r"```.*?```", "", markdown, flags=re.S)
    text = re.sub(r"`[^`\n]*`", "", text)
    blocks = len(re.findall(r"(?<!\\)\$\$.+?(?<!\\)\$\$", text, flags=re.S))
    text = re.sub(r"(?<!\\)\$\$.+?(?<!\\)\$\$", "", text, flags=re.S)
    return blocks + len(re.findall(r"(?<!\\)\$[^$]+?(?<!\\)\$", text))


def figure_count(cell):
    """How many figures the cell shows: its calls of plt.show()."""
    tree = ast.parse(source_lines(cell))
    return sum(1 for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
               and node.func.attr == "show" and isinstance(node.func.value, ast.Name) and node.func.value.id == "plt")


def bound_names(cell):
    """The names the cell assigns at its top level (in no function or class body)."""
    names, todo = set(), list(ast.parse(source_lines(cell)).body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        todo.extend(ast.iter_child_nodes(node))
    return names


def read_names(cell):
    return {node.id for node in ast.walk(ast.parse(source_lines(cell)))
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def describe(name, cells, index):
    cell = cells[index]
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    first = next((line for line in cell_source(cell).split("\n") if line.strip()), "")
    return f"{name} cell {index} ({grade_id or 'not graded'}: {first[:70]!r})"


def traceback_text(output):
    return ANSI.sub("", "\n".join(output.get("traceback", [])))


def innermost_frame(output):
    """(execution count, line) of the innermost frame if it is in a notebook cell, else (path, line)."""
    frames = FRAME.findall(traceback_text(output))
    if not frames:
        return None
    count, line, path, path_line, _ = frames[-1]
    return (int(count), int(line)) if count else (path, int(path_line))


def unexplained_errors(name, cells):
    """The error outputs of a run of the release notebook that are neither a stub's NotImplementedError nor
    follow from one (see the module's docstring), each described with its cell, and the count of those that are."""
    by_count = {cell.get("execution_count"): index for index, cell in enumerate(cells) if cell["cell_type"] == "code"}
    last_binder, failed, problems, explained = {}, set(), [], 0
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        for output in cell["outputs"]:
            if output["output_type"] != "error":
                continue
            ename, evalue, frame = output["ename"], output["evalue"], innermost_frame(output)
            if ename == "NotImplementedError":
                stub = by_count.get(frame[0]) if frame and isinstance(frame[0], int) else None
                lines = source_lines(cells[stub]).split("\n") if stub is not None else []
                ok = (stub is not None and cells[stub].get("metadata", {}).get("nbgrader", {}).get("solution", False)
                      and 0 < frame[1] <= len(lines) and lines[frame[1] - 1].strip() == STUB_LINE)
                why = "" if ok else f" raised at {frame}, not at a stub's `{STUB_LINE}` line"
            else:
                stale = {n for n in read_names(cell) if last_binder.get(n) in failed}
                undefined = re.fullmatch(r"name '(\w+)' is not defined", evalue)
                ok = bool(stale) and (ename != "NameError" or (undefined and undefined.group(1) in stale))
                why = "" if ok else (f" (the cell reads no name left undefined or stale by a failed cell above; "
                                     f"innermost frame {frame})")
            if ok:
                explained += 1
            else:
                problems.append(f"{describe(name, cells, index)}: {ename}: {evalue}{why}\n{traceback_text(output)[-1500:]}")
        if any(output["output_type"] == "error" for output in cell["outputs"]):
            failed.add(index)
        for bound in bound_names(cell):
            last_binder[bound] = index
    return problems, explained


def stderr_outputs(name, cells):
    return [f"{describe(name, cells, index)} wrote on stderr: {''.join(output['text'])[:500]!r}"
            for index, cell in enumerate(cells) if cell["cell_type"] == "code"
            for output in cell["outputs"] if output["output_type"] == "stream" and output["name"] == "stderr"]


def figure_problems(name, cells, rendered):
    """Cells whose images are not what they show: one loaded image per image output, and per plt.show() of a
    cell that ran without error (no more than that in a cell that failed)."""
    problems = []
    for index, (cell, shown) in enumerate(zip(cells, rendered)):
        if cell["cell_type"] != "code":
            continue
        outputs = sum(1 for output in cell["outputs"] if "image/png" in output.get("data", {}))
        failed = any(output["output_type"] == "error" for output in cell["outputs"])
        expected = figure_count(cell)
        if not all(shown["images"]):
            problems.append(f"{describe(name, cells, index)}: an image did not load ({shown['images']})")
        if len(shown["images"]) != outputs:
            problems.append(f"{describe(name, cells, index)}: {outputs} image outputs, {len(shown['images'])} shown")
        if (outputs > expected) if failed else (outputs != expected):
            problems.append(f"{describe(name, cells, index)}: {outputs} figures for {expected} plt.show()"
                            f"{' (the cell failed)' if failed else ''}")
    return problems


def math_problems(name, cells, rendered):
    problems = []
    for index, (cell, shown) in enumerate(zip(cells, rendered)):
        if cell["cell_type"] != "markdown":
            continue
        expected = math_count(cell_source(cell))
        if not shown["rendered"]:
            problems.append(f"{describe(name, cells, index)}: markdown not rendered")
        elif shown["math"] != expected:
            problems.append(f"{describe(name, cells, index)}: {shown['math']} formulas typeset by MathJax, "
                            f"{expected} in the source")
        if shown["mathErrors"]:
            problems.append(f"{describe(name, cells, index)}: {shown['mathErrors']} MathJax errors")
    return problems


def click_menu(page, menu, command):
    page.locator(".lm-MenuBar-item", has_text=re.compile(rf"^{menu}$")).click()
    page.locator(f"li.lm-Menu-item[data-command='{command}']").click()


def wait_for_run(page, name, target, what):
    """Wait until the run has finished, or until JupyterLab has plainly dropped it: the kernel idle, no cell
    running or queued and the target not run, for DROPPED_S seconds on end (seen once in a while); the caller
    then runs what is still not run again."""
    deadline, idle_since = time.monotonic() + RUN_S, None
    while time.monotonic() < deadline:
        if page.evaluate(RUN_FINISHED, target):
            return
        status = page.evaluate(STATUS)
        if status["kernel"] == "idle" and not status["running"]:
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since > DROPPED_S:
                return
        else:
            idle_since = None
        time.sleep(0.1)
    status = page.evaluate(STATUS)
    pytest.fail(f"{name}: {what} from cell {target} did not finish in {RUN_S} s: kernel {status['kernel']}, "
                f"cells still running or queued: {status['running']}")


def run_in_jupyterlab(page, lab, path, screenshot):
    """Open the notebook at path (relative to the lab's root) in the JupyterLab of the page, as from its file
    browser, run it from top to bottom on past errors (see the module's docstring), and read back its cells and
    what the page shows of them; then close it and shut its kernel down."""
    name, seconds = path.name, {}
    started = time.perf_counter()
    try:
        page.evaluate(CLOSE_ALL)  # what an earlier notebook left open, had it failed half-way
        page.evaluate("(path) => jupyterapp.commands.execute('docmanager:open', {path, factory: 'Notebook'})",
                      path.as_posix())
        try:
            page.wait_for_function(f"(path) => {NOTEBOOK}?.context?.path === path && ({KERNEL_READY})()",
                                   arg=path.as_posix(), timeout=KERNEL_READY_S * 1000, polling=100)
        except PlaywrightError:
            current = page.evaluate(f"() => [{NOTEBOOK}?.context?.path, {NOTEBOOK}?.sessionContext?.session?.kernel?.status]")
            pytest.fail(f"{name}: no idle kernel {KERNEL_READY_S} s after opening the notebook (current tab and its "
                        f"kernel: {current})\n{lab.log_tail()}")
        seconds["open"] = time.perf_counter() - started
        states = page.evaluate(CELL_STATES)
        runnable = [i for i, state in enumerate(states) if state and state["code"].strip()]
        click_menu(page, "Run", "runmenu:run-all")
        wait_for_run(page, name, runnable[0], "Run All")
        rounds = 1
        while True:
            states = page.evaluate(CELL_STATES)
            not_run = [i for i in runnable if states[i]["count"] is None]
            if not not_run:
                break
            assert rounds <= len(runnable), f"{name}: cells {not_run} still not run after {rounds} rounds"
            # The command that the Run menu's "Run Selected Cell and All Below" runs, with that cell selected
            # (clicking the cell and the menu costs 0.6-1 s each time, ten times and more per notebook).
            # The command is disabled on the last cell, where it would only run that cell.
            last = not_run[0] == len(states) - 1
            command = "notebook:run-cell" if last else "notebook:run-all-below"
            assert page.evaluate(SELECT_AND_RUN, [not_run[0], command]), f"{name}: {command} disabled at cell {not_run[0]}"
            wait_for_run(page, name, not_run[0], "Run Selected Cell and All Below")
            rounds += 1
        seconds["run"] = time.perf_counter() - started - seconds["open"]
        cells = page.evaluate(f"() => {NOTEBOOK}.content.model.toJSON()")["cells"]
        expected_math = [math_count(cell_source(cell)) if cell["cell_type"] == "markdown" else 0 for cell in cells]
        try:  # the markdown below the fold is attached and typeset while the browser is idle
            page.wait_for_function(RENDER_DONE, arg=expected_math, timeout=RENDER_S * 1000, polling=200)
        except PlaywrightError:
            pass  # what is missing is reported, cell by cell, by the checks on what the page shows
        rendered = page.evaluate(RENDERED)
        figures = [i for i, shown in enumerate(rendered) if shown["images"]]
        page.evaluate(f"""(i) => {{ const node = {NOTEBOOK}.content.widgets[i].node;
            (node.querySelector('.jp-OutputArea-output img') || node).scrollIntoView({{block: 'center'}}); }}""",
                      figures[0] if figures else 0)
        page.wait_for_timeout(500)
        page.screenshot(path=screenshot)
        seconds["check"] = time.perf_counter() - started - seconds["open"] - seconds["run"]
        return Run(name, cells, rendered, rounds, seconds, screenshot)
    finally:
        page.evaluate(CLOSE_ALL)
        for session in lab.api("GET", "/api/sessions"):  # the kernel outlives its tab: shut it down
            if session["path"] == path.as_posix():
                lab.api("DELETE", f"/api/sessions/{session['id']}")


def report(result, timings, label):
    timings[f"{label} {result.name}"] = sum(result.seconds.values())
    print(f"{label} {result.name}: " + ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
          + f", {result.rounds} runs; screenshot {result.screenshot}")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_notebook_in_jupyterlab(page, lab, screenshots, timings, assignment):
    path = Path(assignment) / f"{assignment}.ipynb"
    assert (lab.root / path).is_file(), f"{path} is not in the student bundle"
    result = run_in_jupyterlab(page, lab, path, screenshots / f"release_{assignment}.png")
    report(result, timings, "release")
    problems, explained = unexplained_errors(path.name, result.cells)
    problems += stderr_outputs(path.name, result.cells)
    problems += math_problems(path.name, result.cells, result.rendered)
    problems += figure_problems(path.name, result.cells, result.rendered)
    assert not problems, "\n".join(problems)
    assert explained, f"{path.name}: no NotImplementedError at all: do the stubs still raise?"
    assert sum(math_count(cell_source(c)) for c in result.cells if c["cell_type"] == "markdown"), "no maths to check"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_complete_notebook_in_jupyterlab(page, lab, screenshots, timings, assignment):
    """The reference solutions in the student's notebook, beside it in the same folder."""
    release = lab.root / assignment / f"{assignment}.ipynb"
    complete = submissions.complete(notebooks.read(release), notebooks.read(ROOT / "source" / assignment / release.name))
    path = Path(assignment) / f"{assignment}_complete.ipynb"
    nbformat.write(complete, str(lab.root / path))
    result = run_in_jupyterlab(page, lab, path, screenshots / f"complete_{assignment}.png")
    report(result, timings, "complete")
    problems = [f"{describe(path.name, result.cells, index)}: {output['ename']}: {output['evalue']}\n"
                f"{traceback_text(output)[-1500:]}"
                for index, cell in enumerate(result.cells) if cell["cell_type"] == "code"
                for output in cell["outputs"] if output["output_type"] == "error"]
    problems += stderr_outputs(path.name, result.cells)
    problems += math_problems(path.name, result.cells, result.rendered)
    problems += figure_problems(path.name, result.cells, result.rendered)
    assert not problems, "\n".join(problems)
    assert result.rounds == 1, f"{path.name}: Run All stopped before the end"
    assert any(shown["images"] for shown in result.rendered), f"{path.name}: no figure at all"


# What counts as an error that follows from a stub, on outputs written as IPython writes them (no browser needed).
def code_cell(source, count, *outputs, solution=False):
    return {"cell_type": "code", "source": source, "execution_count": count, "outputs": list(outputs),
            "metadata": {"nbgrader": {"solution": True, "grade_id": "f"}} if solution else {}}


def error(ename, evalue, *frames):
    return {"output_type": "error", "ename": ename, "evalue": evalue,
            "traceback": ["\x1b[0;31m----------\x1b[0m", *frames, f"\x1b[0;31m{ename}\x1b[0m: {evalue}"]}


STUB = code_cell("def f(x):\n    y = None\n    # YOUR CODE HERE\n    raise NotImplementedError()\n    return y", 1,
                 solution=True)
CALLS_STUB = "Cell \x1b[0;32mIn[2], line 1\x1b[0m\n----> 1 y = f(2)\n", "Cell In[1], line 4, in f(x)\n----> 4 raise"


@pytest.mark.parametrize("cells,unexplained", [
    # a test cell calling the stub
    ([STUB, code_cell("y = f(2)", 2, error("NotImplementedError", "", *CALLS_STUB))], 0),
    # raised anywhere else than at the stub's line: in the caller's cell, or at another line of the solution cell
    ([STUB, code_cell("raise NotImplementedError()", 2, error("NotImplementedError", "", "Cell In[2], line 1"))], 1),
    ([STUB, code_cell("y = f(2)", 2, error("NotImplementedError", "", "Cell In[2], line 1", "Cell In[1], line 2, in f"))], 1),
    # a NameError for what a failed cell above did not assign, or another error on a value it left stale
    ([STUB, code_cell("y = f(2)", 2, error("NotImplementedError", "", *CALLS_STUB)),
      code_cell("print(y)", 3, error("NameError", "name 'y' is not defined", "Cell In[3], line 1"))], 0),
    ([STUB, code_cell("y = [1]", 2), code_cell("y = f(2)", 3, error("NotImplementedError", "", "Cell In[3], line 1", "Cell In[1], line 4, in f")),
      code_cell("y[3]", 4, error("IndexError", "list index out of range", "Cell In[4], line 1"))], 0),
    # ... but not when the name was assigned last by a cell that ran cleanly, or never assigned at all
    ([STUB, code_cell("y = f(2)", 2, error("NotImplementedError", "", *CALLS_STUB)), code_cell("y = [1]", 3),
      code_cell("y[3]", 4, error("IndexError", "list index out of range", "Cell In[4], line 1"))], 1),
    ([STUB, code_cell("y = f(2)", 2, error("NotImplementedError", "", *CALLS_STUB)),
      code_cell("print(z, y)", 3, error("NameError", "name 'z' is not defined", "Cell In[3], line 1"))], 1),
    # a given cell's own error
    ([STUB, code_cell("import numpy as np\nnp.zeros(-1)", 2, error("ValueError", "negative dimensions are not allowed",
                                                                   "Cell In[2], line 2"))], 1),
])
def test_an_error_counts_only_if_it_comes_from_a_stub(cells, unexplained):
    problems, explained = unexplained_errors("demo.ipynb", cells)
    assert len(problems) == unexplained, problems
    errors = sum(o["output_type"] == "error" for c in cells if c["cell_type"] == "code" for o in c["outputs"])
    assert explained == errors - unexplained
    assert all(p.startswith("demo.ipynb cell ") for p in problems)


def test_formulas_and_figures_are_counted_from_the_source():
    assert math_count("Loss $L$, and $$\\frac{a}{b}$$ with `$not maths$` and a price of \\$5") == 2
    assert math_count("```\n$x$\n```\n$$\na\n$$ and $y_1$, $z$") == 3
    assert figure_count(code_cell("plt.show()\nfig = vis.plot()\n# plt.show()\nplt.show()", 1)) == 2
    assert bound_names(code_cell("import numpy as np\nfrom a import b as c\nx, (y, z) = 1, (2, 3)\nfor i in []: pass\n"
                                 "def f(u):\n    v = u\nclass K: w = 1", 1)) == {"np", "c", "x", "y", "z", "i", "f", "K"}
