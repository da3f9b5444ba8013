"""The import rules that the package docstrings state (coursetools/__init__.py, coursetools/autograde/,
coursetools/demo/), checked on every module's syntax tree: nothing is imported, nothing is run."""
import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Module (or package) -> the coursetools modules and packages it may import; the longest key that names
# a module or one of its packages applies, so a new top-level module may import nothing of coursetools
# until it is given a rule here.
RULES = {
    "coursetools": (),
    "coursetools.bundle": ("coursetools.notebooks",),
    "coursetools.report": ("coursetools.notebooks",),
    "coursetools.gradebook": (),
    "coursetools.autograde": ("coursetools.notebooks", "coursetools.bundle", "coursetools.autograde"),
    "coursetools.autograde.codec": (),
    "coursetools.autograde.student_side": ("coursetools.autograde.codec",),
    "coursetools.course": ("coursetools.notebooks", "coursetools.bundle", "coursetools.report",
                           "coursetools.gradebook", "coursetools.autograde"),
    "coursetools.resume": (),
    "coursetools.similarity": ("coursetools.notebooks",),
    "coursetools.results": ("coursetools.gradebook", "coursetools.notebooks"),
    "coursetools.itemanalysis": ("coursetools.results",),
    "coursetools.lms": ("coursetools.results",),
    "coursetools.parallel": ("coursetools.gradebook", "coursetools.course", "coursetools.resume"),
    "coursetools.demo": ("coursetools.notebooks", "coursetools.bundle", "coursetools.report", "coursetools.gradebook",
                         "coursetools.autograde", "coursetools.course", "coursetools.resume", "coursetools.parallel",
                         "coursetools.results", "coursetools.itemanalysis", "coursetools.lms", "coursetools.similarity",
                         "coursetools.demo"),
    "coursetools.__main__": ("coursetools",),
}
# They run in the sandbox, where only the standard library, NumPy and the given nclib exist.
SANDBOXED = ("coursetools.autograde.codec", "coursetools.autograde.student_side")
NOT_FOR_NCLIB = ("coursetools", "nbgrader", "nbconvert", "nbclient", "nbformat", "jupyter_client")


def module_names(package):
    """{dotted name: path} of every module of a package folder under ROOT."""
    names = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


MODULES = module_names("coursetools") | module_names("nclib")


def imported(module, source):
    """The absolute names of the modules a module's source imports: for `from package import name`,
    package.name if that is a module."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            is_package = MODULES.get(module, Path()).name == "__init__.py"
            package = (module if is_package else module.rpartition(".")[0]).split(".")
            base = package[:len(package) - node.level + 1] if node.level else []
            origin = ".".join(base + ([node.module] if node.module else []))
            found += [f"{origin}.{alias.name}" if f"{origin}.{alias.name}" in MODULES else origin
                      for alias in node.names]
    return found


def within(name, prefix):
    return name == prefix or name.startswith(prefix + ".")


def violations(module, source):
    """The imports of a module's source that break the rules of its package."""
    if within(module, "nclib"):
        return [name for name in imported(module, source) if any(within(name, other) for other in NOT_FOR_NCLIB)]
    allowed = RULES[max((key for key in RULES if within(module, key)), key=len)]
    bad = []
    for name in imported(module, source):
        top = name.split(".")[0]
        if top == "coursetools":
            if within(name, "coursetools.__main__") or not any(within(name, ok) for ok in allowed):
                bad.append(name)
        elif module in SANDBOXED and top not in sys.stdlib_module_names and top != "numpy":
            bad.append(name)
    return bad


def test_every_package_of_the_rules_exists():
    assert set(RULES) <= set(MODULES)
    assert "coursetools.autograde.execute" in MODULES and "coursetools.demo.job" in MODULES


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_imports_what_its_package_allows(module):
    assert violations(module, MODULES[module].read_text()) == []


@pytest.mark.parametrize("module,source", [
    ("coursetools.autograde.execute", "from coursetools.demo import bugs"),
    ("coursetools.autograde.execute", "import coursetools.course"),
    ("coursetools.course", "from coursetools.demo.submissions import write_submissions"),
    ("coursetools.notebooks", "from coursetools.autograde import policy"),
    ("coursetools.demo.job", "from coursetools import __main__"),
    ("coursetools.autograde.student_side", "from coursetools.autograde.grader_side import run_check"),
    ("coursetools.autograde.student_side", "import nbformat"),
    ("nclib.layers", "from nbgrader.api import Gradebook"),
    ("nclib.layers", "from ..coursetools import notebooks"),
    ("coursetools.autograde.execute", "from ..demo import bugs"),
    ("coursetools.autograde", "from .. import course"),
])
def test_a_forbidden_import_is_found(module, source):
    assert violations(module, source)
