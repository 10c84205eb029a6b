"""No import circle inside moncompte/, deferred imports included (issue 20).

Every `import` of every module is read from its syntax tree, wherever it stands: at the top, inside a function
(a deferred import hides a circle from Python at start-up, not from the design), under `if TYPE_CHECKING:`.
Importing a module runs its packages' `__init__` first, so a module also imports its parent packages."""

import ast
from collections.abc import Container, Iterator
from pathlib import Path

import moncompte

ROOT = Path(moncompte.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in ROOT.rglob("*.py")}


def _known(name: str, modules: Container[str]) -> str | None:
    """The module of ours that `import name` runs last: `name` itself, or the longest package above it."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(name: str, source: str, *, is_package: bool, modules: Container[str]) -> Iterator[str]:
    """Every module of ours (`modules`) that `name` imports, wherever the import statement stands."""
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, one level up per extra dot
                above = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*above, *([node.module] if node.module else [])])
            # `from package import module` imports the module; `from module import name`, the module.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            if (known := _known(target, modules)) is not None and known != name:
                yield known


def graph() -> dict[str, set[str]]:
    edges = {
        name: set(imports_of(name, path.read_text(), is_package=path.name == "__init__.py", modules=MODULES))
        for name, path in MODULES.items()
    }
    for name in MODULES:  # importing a.b.c runs a/__init__ and a/b/__init__ first
        parents = name.split(".")
        edges[name] |= {".".join(parents[:i]) for i in range(1, len(parents))} & MODULES.keys() - {name}
    return edges


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One circle through each group of modules that import each other (Tarjan's strongly connected
    components, iteratively), as the path round it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(_round(group, edges))
    return found


def _round(group: set[str], edges: dict[str, set[str]]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group."""
    first = min(group)
    paths = {first: [first]}
    queue = [first]
    while queue:
        node = queue.pop(0)
        for child in sorted(edges[node] & group):
            if child == first:
                return [*paths[node], first]
            if child not in paths:
                paths[child] = [*paths[node], child]
                queue.append(child)
    raise AssertionError(f"no path round {group}")


def test_no_module_of_moncompte_imports_itself_through_others():
    assert [" → ".join(circle) for circle in circles(graph())] == []


def test_the_circle_finder_sees_deferred_relative_and_type_checking_imports():
    sources = {
        "moncompte.outbox.a": "def later():\n    from moncompte.outbox import b\n",
        "moncompte.outbox.b": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .c import thing\n",
        "moncompte.outbox.c": "from . import a\n",
    }
    modules = {*sources, "moncompte", "moncompte.outbox"}
    edges = {name: set(imports_of(name, source, is_package=False, modules=modules)) for name, source in sources.items()}
    assert edges == {
        "moncompte.outbox.a": {"moncompte.outbox.b"},
        "moncompte.outbox.b": {"moncompte.outbox.c"},
        "moncompte.outbox.c": {"moncompte.outbox.a"},
    }
    assert circles(edges) == [["moncompte.outbox.a", "moncompte.outbox.b", "moncompte.outbox.c", "moncompte.outbox.a"]]
