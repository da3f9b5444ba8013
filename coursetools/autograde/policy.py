"""What a solution cell may not do, checked on its syntax tree before it runs.

A student writes functions with NumPy and the given nclib helpers. Importing the reference (or any way of
reaching modules by name), and reaching into the interpreter or IPython to hide failures, are refused:
the cell is not run, so its functions do not exist and their tests fail. The hidden tests are decided
outside the student's process anyway (coursetools.autograde.grader_side); this check makes the attempt visible.
"""
import ast

from nclib import GIVEN_MODULES

FORBIDDEN_MODULES = ("importlib", "builtins", "gc", "inspect", "runpy", "pkgutil", "zipimport", "imp", "subprocess",
                     "multiprocessing", "nbgrader", "coursetools")
FORBIDDEN_NAMES = ("__import__", "__builtins__", "get_ipython", "globals", "locals", "vars", "exec", "eval", "compile",
                   "breakpoint", "__loader__", "__spec__")
FORBIDDEN_ATTRIBUTES = ("modules", "settrace", "setprofile", "excepthook", "set_custom_exc", "meta_path",
                        "path_hooks", "__code__", "__globals__", "__subclasses__", "__dict__", "f_globals",
                        "f_locals", "tb_frame", "gi_frame")


def violations(source, forbidden=()):
    """Reasons (one per offending line) why the cell may not run; empty when it may.

    forbidden: more modules and names this cell may not use, beyond the rules for every cell: an
    assignment's exercise may have its answer among the given helpers (the naive convolution among the
    fast layers), which the cell must then not reach.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []  # the kernel reports it, as for any student
    found = sorted((node.lineno, reason) for node in ast.walk(tree)
                   if (reason := _reason(node) or _forbidden_here(node, forbidden)))
    return [f"line {line}: {reason}" for line, reason in found]


def _forbidden_here(node, forbidden):
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        if isinstance(node, ast.ImportFrom):
            modules += [f"{node.module}.{alias.name}" for alias in node.names]
        for module in modules:
            for name in forbidden:
                if module == name or module.startswith(name + "."):
                    return f"uses {name}, which this assignment does not allow in your code"
    names = ({node.id} if isinstance(node, ast.Name) else {node.attr} if isinstance(node, ast.Attribute)
             else {alias.asname or alias.name for alias in node.names} if isinstance(node, (ast.Import, ast.ImportFrom))
             else set())
    for name in forbidden:
        if name.split(".")[-1] in names:
            return f"uses {name}, which this assignment does not allow in your code"
    return None


def _reason(node):
    if isinstance(node, ast.Import):
        for alias in node.names:
            bad = _bad_module(alias.name)
            if bad:
                return bad
    elif isinstance(node, ast.ImportFrom):
        module = node.module or ""
        if node.level:
            return "relative imports are not allowed"
        bad = _bad_module(module)
        if bad:
            return bad
        if module == "nclib":
            for alias in node.names:
                if alias.name not in GIVEN_MODULES:
                    return _not_given(f"nclib.{alias.name}")
    elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
        return f"uses {node.id}"
    elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
        return f"uses .{node.attr}"
    return None


def _bad_module(name):
    parts = name.split(".")
    if parts[0] in FORBIDDEN_MODULES:
        return f"imports {name}"
    if parts[0] == "nclib" and len(parts) > 1 and parts[1] not in GIVEN_MODULES:
        return _not_given(name)
    return None


def _not_given(module):
    return f"imports {module}: of nclib, only {', '.join(GIVEN_MODULES)} are given to students"
