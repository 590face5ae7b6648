"""No import cycle among the repository's command scripts (``scripts/`` and ``bench/``).

Reads every ``.py`` file of the two folders with ``ast`` and draws an edge from a file to
each module of the two folders it imports (anywhere in the file, inside functions too; the
two folders share one name space: ``bench/`` scripts put ``scripts/`` on ``sys.path``).
Prints each cycle and exits 1 when there is one; the test command counts it as one check.

    python scripts/import_cycles.py
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("scripts", "bench")


def import_graph(root=ROOT):
    """{module: set of the modules of the folders it imports}."""
    files = {path.stem: path for folder in FOLDERS for path in (root / folder).glob("*.py")}
    graph = {}
    for name, path in files.items():
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                imported.add(node.module.split(".")[0])
        graph[name] = {module for module in imported if module in files and module != name}
    return graph


def cycles(graph):
    """Each cycle once, as the list of its modules (the first one repeated at the end)."""
    found, seen = [], set()
    state = {}  # module -> "open" while on the current path, "done" after

    def visit(module, path):
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                cycle = path[path.index(target) :] + [target]
                key = frozenset(cycle)
                if key not in seen:
                    seen.add(key)
                    found.append(cycle)
            elif target not in state:
                visit(target, [*path, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return found


def main():
    graph = import_graph()
    found = cycles(graph)
    for cycle in found:
        print(f"import cycle: {' -> '.join(cycle)}")
    edges = sum(len(targets) for targets in graph.values())
    print(
        f"{len(graph)} modules in {' and '.join(FOLDERS)}, {edges} imports between them, "
        f"{len(found)} import cycles"
    )
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
