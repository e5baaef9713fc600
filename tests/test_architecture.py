"""Data flows one way: numerics -> the run and its record -> tracking and reports -> the command
line. Read from the source (every import, at any depth of a module), so a lazy import inside a
function counts too: no nnlab module imports one of a later layer, there is no import cycle,
``hydra_plugins`` is never imported by nnlab, and nothing is called by a ``"module:function"``
string."""

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
LAYERS = [
    ("nnlab.checks", "nnlab.paths", "nnlab.nn", "nnlab.optim", "nnlab.schedules", "nnlab.data",
     "nnlab.train", "nnlab.stats"),
    ("nnlab.run", "nnlab.viz"),
    ("nnlab.track", "nnlab.report", "nnlab.search"),
    ("nnlab.cli", "nnlab.sync", "nnlab.reproduce", "nnlab.ui"),
]  # fmt: skip


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """The modules ``path`` imports: ``from a import b`` is ``a.b`` when that is a module, else
    ``a`` (absolute imports only: nnlab uses no relative ones)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: a relative import"
            for alias in node.names:
                name = f"{node.module}.{alias.name}"
                found.add(name if name in MODULES else node.module)
    return found


MODULES = {module_name(p): p for p in (SRC / "nnlab").rglob("*.py")}
GRAPH = {
    name: {m for m in imports(path) if m in MODULES and m != name} for name, path in MODULES.items()
}


def layer(module: str) -> int:
    if module == "nnlab":  # the package's __init__: a docstring
        return 0
    for index, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(f"{p}.") for p in prefixes):
            return index
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_a_later_layer(module):
    later = sorted(m for m in GRAPH[module] if layer(m) > layer(module))
    assert later == [], f"{module} (layer {layer(module)}) imports {later}"


def test_no_import_cycles():
    """Tarjan's strongly connected components of the import graph are all single modules."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for child in GRAPH[node]:
            if child not in index:
                visit(child)
                low[node] = min(low[node], low[child])
            elif child in on_stack:
                low[node] = min(low[node], index[child])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    assert cycles == []


def test_nnlab_never_imports_its_plugins():
    offenders = [name for name, path in MODULES.items()
                 if any(m.startswith("hydra_plugins") for m in imports(path))]  # fmt: skip
    assert offenders == []


def test_nothing_is_called_by_a_module_path_string():
    pattern = re.compile(r"""["'](nnlab|hydra_plugins)(\.\w+)+:\w+["']""")
    offenders = [str(path) for path in SRC.rglob("*.py") if pattern.search(path.read_text())]
    assert offenders == []


def test_the_graph_is_read():
    """A guard for the tests above: the graph has the edges it must have."""
    assert "nnlab.run.folder" in GRAPH["nnlab.track.mirror"]
    assert "nnlab.train" in GRAPH["nnlab.run.job"]
    assert layer("nnlab.track.mirror") > layer("nnlab.run.folder")
