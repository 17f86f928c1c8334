"""The package's layout rules, checked on the source of every module of vrest.

Layers, low to high (a module may import its own layer or a lower one, never a higher one):

0. ground floor: ``vrest.errors``, ``vrest.plot`` (shared matplotlib helpers), ``vrest._version``,
   ``vrest._aliases`` (the former flat module paths, named only as strings);
1. ``vrest.physics``; 2. ``vrest.model``; 3. ``vrest.solve``;
4. the facade ``vrest`` (its ``__init__``: the public API, imports model and solve);
5. ``vrest.story``, ``vrest.sweep``, ``vrest.fit`` -- side by side: none imports another, except
   the edges listed in ``ALLOWED_SIDEWAYS`` (none today);
6. ``vrest.web``; 7. ``vrest.cli``.

Every import counts, at module level or inside a function (a lazy import is still a
dependency). The module graph must have no cycle. Files in ``src/`` have at most 400 lines and
open with a docstring; functions have at most 60 lines.
"""

from __future__ import annotations

import ast
import importlib.util
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import vrest

GROUND = {"vrest.errors", "vrest.plot", "vrest._version", "vrest._aliases"}
RANKS = {"vrest.physics": 1, "vrest.model": 2, "vrest.solve": 3, "vrest": 4,
         "vrest.story": 5, "vrest.sweep": 5, "vrest.fit": 5, "vrest.web": 6, "vrest.cli": 7}
#: (importer package, imported package) pairs allowed between the side-by-side layer 5.
ALLOWED_SIDEWAYS: set[tuple[str, str]] = set()
#: (module, function) pairs allowed over 60 lines (none today).
LONG_FUNCTIONS: set[tuple[str, str]] = set()
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60


def _modules() -> dict[str, Path]:
    found = {"vrest": Path(vrest.__file__)}
    for info in pkgutil.walk_packages(vrest.__path__, "vrest."):
        spec = importlib.util.find_spec(info.name)
        assert spec is not None and spec.origin is not None, info.name
        found[info.name] = Path(spec.origin)
    return found


MODULES = _modules()


def _package_of(module: str) -> str:
    """The layer package of a module: vrest.physics.nernst -> vrest.physics; vrest -> vrest."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


def rank(module: str) -> int:
    if module in GROUND:
        return 0
    package = _package_of(module)
    assert package in RANKS, f"{module}: no layer is defined for {package}"
    return RANKS[package]


def _imported(module: str, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    """The vrest modules an import statement loads (the most specific existing module)."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            name = alias.name
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name:
                yield name
        return
    base = node.module or ""
    if node.level:
        is_package = MODULES[module].name == "__init__.py"
        parts = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
        base = ".".join([*parts, base] if base else parts)
    for alias in node.names:
        full = f"{base}.{alias.name}"
        if full in MODULES:
            yield full
        elif base in MODULES:
            yield base


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets = {t for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
                   for t in _imported(module, node)}
        graph[module] = {t for t in targets if t != module}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_every_module_has_a_layer_and_the_walk_finds_the_sub_packages() -> None:
    for module in MODULES:
        rank(module)
    for package in ("vrest.physics", "vrest.model", "vrest.model.mechanisms", "vrest.solve",
                    "vrest.story", "vrest.sweep", "vrest.fit", "vrest.web", "vrest.cli"):
        assert package in MODULES


def test_the_import_graph_sees_lazy_and_relative_imports() -> None:
    graph = import_graph()
    assert "vrest.solve.compiled" in graph["vrest.solve.simulate"]  # imported inside a function
    assert "vrest.physics.nernst" in graph["vrest.physics.zero_current"]
    assert "vrest.model.rhs" in graph["vrest.model"]


def test_no_import_cycle() -> None:
    assert _cycles(import_graph()) == []


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_lower_layer_imports_a_higher_one() -> None:
    bad = [f"{a} (layer {rank(a)}) imports {b} (layer {rank(b)})"
           for a, targets in import_graph().items() for b in sorted(targets) if rank(b) > rank(a)]
    assert bad == []


def test_story_sweep_and_fit_do_not_import_each_other() -> None:
    bad = []
    for a, targets in import_graph().items():
        for b in sorted(targets):
            pa, pb = _package_of(a), _package_of(b)
            if rank(a) == rank(b) == 5 and pa != pb and (pa, pb) not in ALLOWED_SIDEWAYS:
                bad.append(f"{a} imports {b}")
    assert bad == []


def test_source_files_are_short_and_say_what_they_are_for() -> None:
    too_long = []
    no_doc = []
    for module, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_FILE_LINES:
            too_long.append(f"{module}: {text.count(chr(10))} lines")
        if not ast.get_docstring(ast.parse(text)):
            no_doc.append(module)
    assert too_long == []
    assert no_doc == []


def test_functions_are_at_most_60_lines() -> None:
    too_long = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES and (module, node.name) not in LONG_FUNCTIONS:
                    too_long.append(f"{module}.{node.name}: {n} lines")
    assert too_long == []


def test_every_python_file_under_src_is_a_walked_module() -> None:
    root = Path(vrest.__file__).parent
    walked = {p.resolve() for p in MODULES.values()}
    assert sorted(str(p) for p in root.rglob("*.py") if p.resolve() not in walked) == []
