"""Nothing leaks to students: the student bundle holds no reference implementation, no hidden test and
nothing of the grader, and every release notebook runs from the bundle alone up to its first exercise."""
import ast
import inspect
import json
import os
import re
import subprocess
import sys
import time
import venv
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import nclib
from conftest import ASSIGNMENTS, ROOT
from coursetools import bundle, notebooks
from nclib import grading

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest itself depends on tomli there
    import tomli as tomllib

FORBIDDEN = notebooks.SOLUTION_MARKERS + notebooks.HIDDEN_MARKERS + ("HIDDEN TESTS", "### BEGIN", "### END")
GRADING_IMPORT = re.compile(r"\bnclib\s*\.\s*grading\b|\bfrom\s+nclib\s+import\b[^\n]*\bgrading\b|\bimport\s+grading\b"
                            r"|\bgrading\s*\.\s*check\b")
SHINGLE = 3  # consecutive source lines of nclib.grading that, found together in the bundle, mean it was copied


@pytest.fixture(scope="module")
def student_bundle(tmp_path_factory):
    return bundle.build_bundle(ROOT, tmp_path_factory.mktemp("bundle") / "student_bundle")


def bundled_files(dest):
    return sorted(p for p in dest.rglob("*") if p.is_file())


def texts(path):
    """The texts of a bundled file a student can read: each cell's source and outputs of a notebook, else the
    file's text (binary files as latin-1, so that no byte sequence hides)."""
    if path.suffix == ".ipynb":
        nb = notebooks.read(path)
        return [cell.source for cell in nb.cells] + [json.dumps(cell.get("outputs", [])) for cell in nb.cells]
    data = path.read_bytes()
    try:
        return [data.decode("utf-8")]
    except UnicodeDecodeError:
        return [data.decode("latin-1")]


def stripped_lines(text):
    return [line.strip() for line in text.split("\n") if line.strip() and line.strip() not in ('"""', "'''")]


def test_every_nclib_module_is_either_given_or_reference():
    modules = ({p.stem for p in (ROOT / "nclib").glob("*.py")} - {"__init__"}
               | {p.parent.name for p in (ROOT / "nclib").glob("*/__init__.py")})
    assert not set(nclib.GIVEN_MODULES) & set(nclib.REFERENCE_MODULES)
    assert modules == set(nclib.GIVEN_MODULES) | set(nclib.REFERENCE_MODULES), \
        "classify every nclib module in nclib.GIVEN_MODULES or nclib.REFERENCE_MODULES"


def test_bundle_holds_the_release_and_the_given_modules_only(student_bundle):
    names = {str(p.relative_to(student_bundle)) for p in bundled_files(student_bundle)}
    release = {f"{a}/{p.relative_to(ROOT / 'release' / a)}" for a in ASSIGNMENTS
               for p in (ROOT / "release" / a).rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts}
    nclib_files = {"nclib/__init__.py"} | {f"nclib/{m}.py" for m in nclib.GIVEN_MODULES}
    assert names == release | nclib_files | {"pyproject.toml", "README.md", bundle.MARKER}
    for path in bundled_files(student_bundle):
        # a notebook may share a reference module's name (autoencoders), a Python file may not
        assert path.suffix != ".py" or path.stem not in nclib.REFERENCE_MODULES, f"{path}: a reference module in the bundle"
    for name in release:
        assert (student_bundle / name).read_bytes() == (ROOT / "release" / name).read_bytes()
    for module in nclib.GIVEN_MODULES:
        assert (student_bundle / "nclib" / f"{module}.py").read_bytes() == (ROOT / "nclib" / f"{module}.py").read_bytes()
    init = (student_bundle / "nclib" / "__init__.py").read_text()
    assert all(module in init for module in nclib.GIVEN_MODULES)
    assert not [node for node in ast.walk(ast.parse(init)) if isinstance(node, (ast.Import, ast.ImportFrom))]


def test_bundle_holds_no_marker_no_grading_import_and_no_secret_line(student_bundle):
    secret, builds_on = {}, {}
    for assignment in ASSIGNMENTS:
        secret[assignment], builds_on[assignment] = set(), set()
        for name in notebooks.notebook_names(ROOT, assignment):
            source_nb = notebooks.read(ROOT / "source" / assignment / name)
            secret[assignment] |= notebooks.secret_lines(source_nb)
            builds_on[assignment] |= set(notebooks.builds_on(source_nb))
    assert all(secret.values()), "an instructor notebook holds no solution line: the check below would be empty"
    for path in bundled_files(student_bundle):
        where = path.relative_to(student_bundle)
        # a notebook may hand out the solutions of the assignments it declares it builds on, and nothing else
        handed_out = builds_on.get(where.parts[0], set())
        forbidden = set().union(*(lines for assignment, lines in secret.items() if assignment not in handed_out))
        for text in texts(path) + [path.read_bytes().decode("utf-8", "replace")]:
            for marker in FORBIDDEN:
                assert marker not in text, f"{where}: {marker!r} in the student bundle"
            assert not GRADING_IMPORT.search(text), f"{where}: imports or calls nclib.grading"
            leaked = sorted(forbidden & set(stripped_lines(text)))
            assert not leaked, f"{where}: lines of solutions or hidden tests: {leaked[:5]}"


def test_a_notebook_builds_only_on_other_assignments():
    for assignment in ASSIGNMENTS:
        for name in notebooks.notebook_names(ROOT, assignment):
            earlier = notebooks.builds_on(notebooks.read(ROOT / "source" / assignment / name))
            assert set(earlier) <= set(ASSIGNMENTS) - {assignment}, f"{assignment}/{name} builds on {earlier}"


def grading_objects(spec):
    """The functions and classes of nclib.grading (its engine and spec modules) that a spec runs, its run
    included, found through the names their code uses and the values they close over, transitively."""
    found, todo = {}, [spec.run]
    while todo:
        obj = todo.pop()
        if id(obj) in found:
            continue
        found[id(obj)] = obj
        members = list(vars(obj).values()) if inspect.isclass(obj) else []
        functions = [m for m in [obj] + members if inspect.isfunction(m)]
        referenced = [cell.cell_contents for m in functions for cell in (m.__closure__ or ())]
        for function in functions:
            code_objects = [function.__code__]
            while code_objects:
                code = code_objects.pop()
                referenced += [function.__globals__[name] for name in code.co_names if name in function.__globals__]
                code_objects += [const for const in code.co_consts if inspect.iscode(const)]
        todo += [r for r in referenced if (inspect.isfunction(r) or inspect.isclass(r))
                 and r.__module__.startswith(f"{grading.__name__}.")]
    return list(found.values())


@pytest.mark.parametrize("name", sorted(grading.SPECS))
def test_bundle_holds_nothing_of_the_grader_of(student_bundle, name):
    objects = grading_objects(grading.SPECS[name])
    assert any(obj.__name__.startswith("_") for obj in objects)  # the spec's own helpers were found
    private = {obj.__name__ for obj in objects if obj.__name__.startswith("_")}
    shingles = set()
    for obj in objects:
        lines = stripped_lines(inspect.getsource(obj))
        shingles |= {tuple(lines[i:i + SHINGLE]) for i in range(len(lines) - SHINGLE + 1)}
    for path in bundled_files(student_bundle):
        for text in texts(path):
            named = sorted(n for n in private if re.search(rf"\b{re.escape(n)}\b", text))
            assert not named, f"{path.relative_to(student_bundle)}: names the grader of {name}: {named}"
            lines = stripped_lines(text)
            copied = [lines[i:i + SHINGLE] for i in range(len(lines) - SHINGLE + 1)
                      if tuple(lines[i:i + SHINGLE]) in shingles]
            assert not copied, f"{path.relative_to(student_bundle)}: source of the grader of {name}: {copied[0]}"


def test_bundle_holds_no_run_of_the_graders_source(student_bundle):
    """The whole package, SPECS and their seeds included, not only what each spec runs."""
    lines = [line for path in sorted(Path(grading.__file__).parent.glob("*.py")) for line in stripped_lines(path.read_text())]
    shingles = {tuple(lines[i:i + SHINGLE]) for i in range(len(lines) - SHINGLE + 1)}
    for path in bundled_files(student_bundle):
        for text in texts(path):
            found = stripped_lines(text)
            copied = [found[i:i + SHINGLE] for i in range(len(found) - SHINGLE + 1) if tuple(found[i:i + SHINGLE]) in shingles]
            assert not copied, f"{path.relative_to(student_bundle)}: source of nclib.grading: {copied[0]}"


@pytest.mark.parametrize("statement", [
    "import nclib.layers",
    "import nclib.losses as losses",
    "from nclib.models import TwoLayerNet",
    "from nclib import gradcheck, grading",
    "from . import layers",
    "from .losses import softmax_loss",
    "import importlib\nlosses = importlib.import_module('nclib.losses')",
    "def helper():\n    from nclib.layers import affine_forward\n    return affine_forward",
])
def test_a_given_module_importing_a_reference_module_stops_the_build(tmp_path, statement):
    root = fake_course(tmp_path / "course")
    (root / "nclib" / "vis.py").write_text((ROOT / "nclib" / "vis.py").read_text() + "\n" + statement + "\n")
    dest = tmp_path / "student_bundle"
    with pytest.raises(ValueError, match=r"vis\.py, line \d+: imports nclib\.(layers|losses|models|grading), "
                                         r"which is a reference module"):
        bundle.build_bundle(root, dest)
    assert not dest.exists(), "a failed build must not leave a bundle behind"


def test_given_modules_may_import_each_other(tmp_path):
    root = fake_course(tmp_path / "course")
    (root / "nclib" / "vis.py").write_text("from nclib import gradcheck\nfrom . import data\nfrom .init import *\n")
    assert (bundle.build_bundle(root, tmp_path / "out") / "nclib" / "vis.py").is_file()


def test_rebuilding_replaces_a_bundle_and_refuses_any_other_folder(tmp_path):
    root = fake_course(tmp_path / "course")
    dest = bundle.build_bundle(root, tmp_path / "out")
    (dest / "stale.txt").write_text("left over from an older bundle")
    bundle.build_bundle(root, dest)
    assert not (dest / "stale.txt").exists()
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    with pytest.raises(FileExistsError, match="not a student bundle"):
        bundle.build_bundle(root, precious)
    assert (precious / "thesis.tex").read_text() == "years of work"


def fake_course(root):
    """A course root with nclib's given modules, one assignment's source and release, and no reference."""
    (root / "nclib").mkdir(parents=True)
    for module in nclib.GIVEN_MODULES:
        (root / "nclib" / f"{module}.py").write_text((ROOT / "nclib" / f"{module}.py").read_text())
    for folder in ("source", "release"):
        (root / folder / "demo").mkdir(parents=True)
        (root / folder / "demo" / "demo.ipynb").write_text((ROOT / "release" / ASSIGNMENTS[0] / f"{ASSIGNMENTS[0]}.ipynb").read_text())
    return root


def test_pyproject_declares_what_the_bundle_imports(student_bundle):
    project = tomllib.loads((student_bundle / "pyproject.toml").read_text())
    course = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["project"]["name"] == "nclib-student"
    assert project["tool"]["setuptools"]["packages"] == ["nclib"]
    declared = {Requirement(r).name for r in project["project"]["dependencies"]}
    assert declared == {"numpy", "matplotlib", "scikit-learn", "jupyterlab"}
    assert set(project["project"]["dependencies"]) <= set(course["dependencies"]), "same lower bounds as the course"
    imported = set()
    for path in bundled_files(student_bundle):
        sources = ([c.source for c in notebooks.read(path).cells if c.cell_type == "code"] if path.suffix == ".ipynb"
                   else [path.read_text()] if path.suffix == ".py" else [])
        for source in sources:
            source = "\n".join(line for line in source.split("\n") if not line.lstrip().startswith(("%", "!")))
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.Import):
                    imported |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"nclib"}
    providers = packages_distributions()
    undeclared = {m: providers.get(m) for m in third_party
                  if not {d.lower() for d in providers.get(m, [])} & declared}
    assert not undeclared, f"the bundle imports modules its pyproject.toml does not install: {undeclared}"


# Runs in the student environment, from the notebook's folder: executes the notebook cell by cell up to its
# first error, then reports where the error came from and what `nclib` is in that kernel.
RUNNER = r'''
import json, sys
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

WHERE = """
import json, sys, traceback
print(json.dumps([frame.name for frame in traceback.extract_tb(sys.last_traceback)]))
"""
PROBE = """
import json, sys
import nclib
try:
    import nclib.layers
    reference = nclib.layers.__file__
except ImportError:
    reference = None
print(json.dumps({"prefix": sys.prefix, "executable": sys.executable, "nclib": nclib.__file__, "reference": reference}))
"""


def run(client, source):
    client.nb.cells.append(nbformat.v4.new_code_cell(source))
    cell = client.execute_cell(client.nb.cells[-1], len(client.nb.cells) - 1)
    stdout = "".join(out.get("text", "") for out in cell.outputs if out.get("name") == "stdout")
    return json.loads(stdout.strip().splitlines()[-1])


nb = nbformat.read(sys.argv[1], as_version=4)
client = NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": "."}})
client.reset_execution_trackers()
report = {"cells": len(nb.cells), "error": None}
with client.setup_kernel():
    for index in range(report["cells"]):
        try:
            client.execute_cell(nb.cells[index], index)
        except CellExecutionError as error:
            report["error"] = {"cell": index, "ename": error.ename, "evalue": error.evalue, "frames": run(client, WHERE)}
            break
    report["kernel"] = run(client, PROBE)
print(json.dumps(report))
'''


@pytest.fixture(scope="module")
def student_python(student_bundle, tmp_path_factory):
    """A fresh virtual environment holding nothing of this repository: numpy, nbclient, ipykernel and the
    rest come from the course's environment by a .pth line (which, unlike a site directory, runs none of
    that environment's .pth files, so the course's editable install of the whole nclib stays out), and the
    bundle is installed the way `pip install -e .` does it for a flat layout, by a .pth line naming it."""
    env = tmp_path_factory.mktemp("student_env") / "venv"
    venv.EnvBuilder(with_pip=False).create(env)
    site_packages = Path(subprocess.run([env / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                        capture_output=True, text=True, check=True).stdout.strip())
    course_site = [p for p in sys.path if p.endswith("site-packages") and Path(p, "nbclient").is_dir()]
    (site_packages / "course_dependencies.pth").write_text("\n".join(course_site) + "\n")
    (site_packages / "nclib_student.pth").write_text(f"{student_bundle}\n")
    return env


def student_environ(tmp_path, env):
    keep = {k: os.environ[k] for k in ("HOME", "LANG", "LC_ALL", "TMPDIR") if k in os.environ}
    return {**keep, "PATH": f"{env / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin",
            "IPYTHONDIR": str(tmp_path / "ipython"), "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter_config"),
            "JUPYTER_DATA_DIR": str(tmp_path / "jupyter_data"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter_runtime"),
            "JUPYTER_PLATFORM_DIRS": "1", "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def first_exercise(nb):
    """(function, index of its first test cell): the first solution cell's function and the first graded
    cell after it that calls that function."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and notebooks.meta(cell).get("solution"):
            function = next(node.name for node in ast.parse(cell.source).body if isinstance(node, ast.FunctionDef))
            for test_index in range(index + 1, len(nb.cells)):
                test = nb.cells[test_index]
                if test.cell_type == "code" and notebooks.meta(test).get("grade") and re.search(rf"\b{function}\(", test.source):
                    return function, test_index
    raise AssertionError("no solution cell followed by a test cell that calls its function")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_notebooks_run_from_the_bundle_alone_up_to_the_first_exercise(student_bundle, student_python,
                                                                                tmp_path, assignment):
    runner = tmp_path / "run_until_first_error.py"
    runner.write_text(RUNNER)
    for path in sorted((student_bundle / assignment).glob("*.ipynb")):
        function, test_cell = first_exercise(notebooks.read(path))
        started = time.perf_counter()
        proc = subprocess.run([student_python / "bin" / "python", runner, path.name], cwd=path.parent,
                              env=student_environ(tmp_path, student_python), capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, f"{path.name}: the runner failed\n{proc.stderr[-3000:]}"
        report = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{assignment}/{path.name}: ran up to cell {test_cell} in {time.perf_counter() - started:.1f} s")
        kernel = report["kernel"]
        assert Path(kernel["prefix"]) == student_python, f"the kernel ran in {kernel['prefix']}, not the student venv"
        assert Path(kernel["nclib"]).is_relative_to(student_bundle), f"nclib came from {kernel['nclib']}"
        assert kernel["reference"] is None, f"the reference is importable in the student environment: {kernel['reference']}"
        error = report["error"]
        assert error is not None, f"{path.name}: every cell ran, the stubs included: a stub does not raise"
        assert (error["cell"], error["ename"]) == (test_cell, "NotImplementedError"), (
            f"{path.name}: the first error is {error['ename']}: {error['evalue']} in cell {error['cell']}; expected "
            f"NotImplementedError from {function}() in its test cell {test_cell}, every cell before it running cleanly")
        assert error["frames"][-1] == function, f"NotImplementedError raised in {error['frames'][-1]}, not {function}"
