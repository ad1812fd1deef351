"""The package's shape: no import cycles, stages that keep to themselves, modules and functions of readable size,
run state in one context rather than threaded through every layer, install hints that work."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "topicsum"

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: Longest module, in lines.
MAX_MODULE_LINES = 500
#: Longest function body, in lines (docstring excluded).
MAX_FUNCTION_LINES = 80
#: Functions allowed to be longer, and why.
LONG_FUNCTIONS: dict[str, str] = {}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: str, path: Path, known: set[str], *, type_checking: bool = False) -> set[str]:
    """topicsum modules that ``module`` imports at run time (at the top or inside functions), and with
    ``type_checking`` also those it imports for type hints only."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node) and not type_checking:
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in known else base)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {m for m in found if m in known and m != module}


@pytest.mark.parametrize("type_checking", [False, True], ids=["run time", "type hints included"])
def test_no_import_cycles(type_checking: bool) -> None:
    modules = _modules()
    known = set(modules)
    graph = {m: _imports(m, p, known, type_checking=type_checking) for m, p in modules.items()}
    # a package's __init__ re-exporting its own submodules is not a cycle through the package
    for m in graph:
        graph[m] = {d for d in graph[m] if not m.startswith(d + ".")}
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def walk(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for d in sorted(graph[m]):
            if state.get(d) == 1:
                cycles.append(stack[stack.index(d) :] + [d])
            elif d not in state:
                walk(d)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            walk(m)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def _package_of(module: str, packages: set[str]) -> str | None:
    """The innermost subpackage of topicsum that holds ``module`` (``None`` for a top-level module)."""
    parts = module.split(".")
    for k in range(len(parts) - 1, 1, -1):
        if ".".join(parts[:k]) in packages:
            return ".".join(parts[:k])
    return None


def test_no_module_reaches_into_another_packages_private_modules() -> None:
    """A stage (a subpackage) is used through its own ``__init__``: ``from .._cluster import ThemeModel``,
    never ``from .._cluster._persist import ...`` (issue 19: the pipeline read the cluster stage's file format)."""
    modules = _modules()
    known = set(modules)
    packages = {m for m, p in modules.items() if p.name == "__init__.py" and m != "topicsum"}
    offenders = []
    for module, path in modules.items():
        for target in _imports(module, path, known, type_checking=True):
            owner = _package_of(target, packages)
            if owner is None or target == owner:
                continue
            if module != owner and not module.startswith(owner + "."):
                offenders.append(f"{module} -> {target}")
    assert not offenders, "imports of another package's private modules: " + "; ".join(sorted(offenders))


#: The run state that lives in the run context (topicsum._context), not in parameters of every function.
RUN_STATE = ("show_progress", "cache_dir", "executor", "embedder")
#: How many functions may pass one of them on: the one that receives it and the one it hands it to.
MAX_LAYERS = 2


def _threading_chains() -> dict[str, list[list[str]]]:
    """For each name of RUN_STATE, the longest chains of functions that take it as a parameter and pass it on.

    Counted from the source: a function "passes ``x`` on" when it has a parameter ``x`` and calls a
    function with the bare name ``x`` as an argument; the callee is every function of the package with
    that name and a parameter ``x`` (so the count is an upper bound).  A chain's length is the number
    of functions in it.
    """
    defs: dict[str, list[tuple[str, ast.FunctionDef]]] = {}
    for module, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                defs.setdefault(node.name, []).append((f"{module}.{node.name}", node))

    def params(fn: ast.FunctionDef) -> set[str]:
        a = fn.args
        return {x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs]}

    chains: dict[str, list[list[str]]] = {}
    for name in RUN_STATE:
        edges: dict[str, set[str]] = {}
        for fns in defs.values():
            for qual, fn in fns:
                if name not in params(fn):
                    continue
                for call in (n for n in ast.walk(fn) if isinstance(n, ast.Call)):
                    values = [*call.args, *(k.value for k in call.keywords)]
                    if not any(isinstance(v, ast.Name) and v.id == name for v in values):
                        continue
                    func = call.func
                    callee = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                    for target, tfn in defs.get(callee or "", []):
                        if name in params(tfn) and target != qual:
                            edges.setdefault(qual, set()).add(target)

        def longest(start: str, seen: tuple[str, ...]) -> list[str]:
            best = [start]
            for nxt in sorted(edges.get(start, ())):
                if nxt not in seen:
                    path = [start, *longest(nxt, (*seen, nxt))]
                    best = path if len(path) > len(best) else best
            return best

        found = sorted((longest(s, (s,)) for s in edges), key=len, reverse=True)
        chains[name] = [c for c in found if len(c) == len(found[0])] if found else []
    return chains


def test_run_state_is_not_threaded_through_more_than_two_layers() -> None:
    """Issue 19: show_progress, embedder, cache_dir and executor were parameters of 10-20 functions each."""
    too_deep = {name: c for name, chains in _threading_chains().items() for c in chains if len(c) > MAX_LAYERS}
    assert not too_deep, f"passed through more than {MAX_LAYERS} layers: {too_deep}"


def test_modules_stay_small() -> None:
    long = {
        m: n
        for m, p in _modules().items()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"


def _body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
        body = body[1:]  # the docstring
    if not body:
        return 0
    return (body[-1].end_lineno or body[-1].lineno) - body[0].lineno + 1


def test_functions_stay_short() -> None:
    long = {}
    for module, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{module}.{node.name}"
                if _body_lines(node) > MAX_FUNCTION_LINES and name not in LONG_FUNCTIONS:
                    long[name] = _body_lines(node)
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines (split them or say why in LONG_FUNCTIONS): {long}"


def test_every_extra_named_in_a_message_exists() -> None:
    from topicsum._deps import EXTRAS

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extras = set(pyproject["project"]["optional-dependencies"])
    named = set(EXTRAS)
    for path in PACKAGE.rglob("*"):
        if path.suffix in (".py", ".j2", ".md"):
            named.update(re.findall(r"topicsum\[([\w,-]+)\]", path.read_text(encoding="utf-8")))
            named.update(re.findall(r"extra=\"([\w-]+)\"", path.read_text(encoding="utf-8")))
    named = {e for n in named for e in n.split(",")}
    assert named, "no extras found: the scan is broken"
    assert named <= extras, f"messages name extras that pyproject.toml lacks: {sorted(named - extras)}"


@pytest.mark.parametrize("name", ["RuntimeError", "ValueError", "KeyError", "TypeError", "OSError"])
def test_no_bare_builtin_errors_are_raised(name: str) -> None:
    """Errors a user can meet are TopicsumErrors that also inherit the built-in (see topicsum._errors)."""
    offenders = []
    for module, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                func = node.exc.func
                if isinstance(func, ast.Name) and func.id == name:
                    offenders.append(f"{module}:{node.lineno}")
    assert not offenders, f"bare {name} raised at {offenders}"
