"""The shape of the package: short modules, and imports that never go round in a circle."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "searchd"
MAX_LINES = 400


def _name(path: Path) -> str:
    """The module name of a file of the package."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(name: str) -> set[str]:
    """The package's modules a module imports, anywhere in it (lazy imports too)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - node.level + 1] \
                if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            found.update(f"{target}.{a.name}" if f"{target}.{a.name}" in MODULES else target
                         for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m in MODULES and m != name}


def _circle_from(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    """A path of imports from start back to itself, if there is one."""
    stack, seen = [(start, [start])], set()
    while stack:
        module, path = stack.pop()
        for dep in graph[module]:
            if dep == start:
                return path + [start]
            if dep not in seen:
                seen.add(dep)
                stack.append((dep, path + [dep]))
    return None


def test_no_import_circle() -> None:
    graph = {name: _imports(name) for name in MODULES}
    circles = [c for c in (_circle_from(m, graph) for m in sorted(graph)) if c]
    assert circles == []
    assert "searchd.analysis.spelling" in graph["searchd.analysis.lexicon"]  # (it sees them)


def test_no_module_is_long() -> None:
    lengths = {name: len(path.read_text(encoding="utf-8").splitlines())
               for name, path in MODULES.items()}
    assert {n: k for n, k in lengths.items() if k > MAX_LINES} == {}


def test_the_architecture_names_every_module() -> None:
    """docs/architecture.md names each module of the package (by its file name, with its
    folder for those in a subpackage, as `cluster/engine.py` or `engine.py` under the
    cluster row), so the next engineer finds where each stage lives."""
    text = (PACKAGE.parent / "docs" / "architecture.md").read_text("utf-8")
    missing = [str(path.relative_to(PACKAGE)) for path in sorted(PACKAGE.rglob("*.py"))
               if path.name not in ("__init__.py", "__main__.py")
               and f"`{path.name}`" not in text
               and f"`{path.relative_to(PACKAGE)}`" not in text]
    assert missing == []
