"""The student bundle: what students are handed, and nothing more.

`build_bundle(root, dest)` writes a self-contained folder: the release notebooks of every assignment
and the given part of nclib (`nclib.GIVEN_MODULES`), installable on its own with `pip install -e .`.
The reference modules (`nclib.REFERENCE_MODULES`: the solutions and the grader) are never copied, and
a given module that imports one of them stops the build, since the bundle could not run without it.
"""
import ast
import shutil
from pathlib import Path

from nclib import GIVEN_MODULES, REFERENCE_MODULES

from coursetools import notebooks

# Written into every bundle: only a folder holding it may be deleted by the next build.
MARKER = ".nclib-student-bundle"
# What the given modules and the notebooks import, with the course's lower bounds (tests check they agree).
DEPENDENCIES = ("numpy>=1.24", "matplotlib>=3.7", "scikit-learn>=1.3", "jupyterlab>=4")
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")


def build_bundle(root, dest):
    """Write the student bundle of the course at root into dest, replacing a previous bundle there.

    dest/<assignment>/ are copies of root/release/<assignment>/; dest/nclib/ holds an __init__.py and
    the given modules only; dest/pyproject.toml and dest/README.md make it an installable package.
    Raises ValueError if a given module imports a module that is not given (a reference module),
    FileNotFoundError if a given module or an assignment's release is missing, and FileExistsError if
    dest exists, is not empty and is not a previous bundle. Returns dest as a Path.
    """
    root, dest = Path(root).resolve(), Path(dest).resolve()
    for module in GIVEN_MODULES:
        check_given_module(root / "nclib" / f"{module}.py")
    assignments = notebooks.assignments(root)
    for assignment in assignments:
        if not (root / "release" / assignment).is_dir():
            raise FileNotFoundError(f"release/{assignment}/ is missing: run `make release` first")
    _clear(dest)
    # First, so that a build interrupted half-way is still recognised, and replaced, by the next one.
    (dest / MARKER).write_text("A student bundle written by `python -m coursetools bundle`; rebuilding replaces it.\n")
    for assignment in assignments:
        shutil.copytree(root / "release" / assignment, dest / assignment, ignore=_IGNORED)
    write_given_nclib(root, dest / "nclib")
    (dest / "pyproject.toml").write_text(_pyproject())
    (dest / "README.md").write_text(_readme(sorted(p.relative_to(dest) for p in dest.glob("*/*.ipynb"))))
    return dest


def write_given_nclib(root, folder):
    """Write nclib as students have it into folder (new): an __init__.py and the given modules only.
    This is also the nclib that student code sees when it is graded (coursetools.autograde.sandbox)."""
    folder = Path(folder)
    folder.mkdir()
    (folder / "__init__.py").write_text(_init_py())
    for module in GIVEN_MODULES:
        shutil.copy2(Path(root) / "nclib" / f"{module}.py", folder / f"{module}.py")


def check_given_module(path):
    """Raise ValueError if the module at path imports an nclib module that students are not given."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"given module {path} is missing")
    for line, name in _nclib_imports(ast.parse(path.read_text(), filename=str(path))):
        if name not in GIVEN_MODULES:
            kind = "a reference module" if name in REFERENCE_MODULES else "not a given module"
            raise ValueError(f"{path.name}, line {line}: imports nclib.{name}, which is {kind} and never "
                             f"ships to students; a given module may import only nclib.{{{', '.join(GIVEN_MODULES)}}}")


def _nclib_imports(tree):
    """(line, name) for every nclib submodule (or name of the nclib package) the module imports:
    `import nclib.x`, `from nclib.x import ...`, `from nclib import x`, `from . import x`, `from .x import ...`,
    and `importlib.import_module("nclib.x")` or `__import__("nclib.x")` with the name written out."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            function = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            package, _, rest = str(node.args[0].value).partition(".")
            if function in ("import_module", "__import__") and package == "nclib" and rest:
                yield node.lineno, rest.split(".")[0]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                package, _, rest = alias.name.partition(".")
                if package == "nclib" and rest:
                    yield node.lineno, rest.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and node.module.split(".")[0] == "nclib":
                rest = node.module.split(".")[1:]
            elif node.level == 1:  # a given module sits in nclib/, so `.` is nclib
                rest = node.module.split(".") if node.module else []
            else:
                continue
            if rest:
                yield node.lineno, rest[0]
            else:
                yield from ((node.lineno, alias.name) for alias in node.names if alias.name != "*")


def _clear(dest):
    if dest.exists() and not dest.is_dir():
        raise FileExistsError(f"{dest} exists and is not a folder: choose another destination")
    if dest.exists() and any(dest.iterdir()):
        if not (dest / MARKER).is_file():
            raise FileExistsError(f"{dest} is not empty and is not a student bundle (no {MARKER}): "
                                  f"not deleting it; choose another destination")
        shutil.rmtree(dest)
    dest.mkdir(parents=True, exist_ok=True)


def _init_py():
    return (f'"""nclib, the part students are given: {", ".join(GIVEN_MODULES)}.\n\n'
            f"Helpers for the course's notebooks; the functions the notebooks ask for are yours to write.\n"
            f'"""\n')


def _pyproject():
    dependencies = "".join(f'    "{requirement}",\n' for requirement in DEPENDENCIES)
    return f"""[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "nclib-student"
version = "0.1.0"
description = "The nclib course's notebooks and the helpers they import"
readme = "README.md"
requires-python = ">=3.10"
dependencies = [
{dependencies}]

[tool.setuptools]
packages = ["nclib"]
"""


def _readme(notebook_paths):
    listing = "\n".join(f"- `{path.as_posix()}`" for path in notebook_paths)
    return f"""# nclib course: student notebooks

One folder per assignment:

{listing}

Install once, from this folder (in a virtual environment of your own, preferably):

```
python -m pip install -e .
```

This installs numpy, matplotlib, scikit-learn, JupyterLab and `nclib`, the helpers the notebooks
import: {", ".join(f"`nclib.{m}`" for m in GIVEN_MODULES)}.
Then open a notebook, for example:

```
jupyter lab {notebook_paths[0].as_posix() if notebook_paths else ""}
```

Implement each function where the notebook says `# YOUR CODE HERE` (replace the `raise
NotImplementedError()`) and run the test cell below it. Do not rename the notebook or delete cells.
"""
