"""The dependency rule of docs/architecture.md, read from the imports of every module:
commands -> features -> lint / plan / io -> core / salesforce, never upward."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import REPO

PACKAGE = REPO / "sfprep"
# A package may import its own modules and those of packages of a lower rank only.
RANK = {
    "core": 0,
    "salesforce": 1, "native": 1,
    "io": 2, "plan": 2,
    "linter": 3,
    "fixer": 4, "report": 4, "splitter": 4, "converter": 4, "reconciler": 4, "delta": 4,
    "api": 5,
    "cli": 6,
}
MAX_LINES = 400


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _layer(module: str) -> str | None:
    """The top-level part of `sfprep.<part>...`, or None for the package root itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "sfprep" else None


def _imports(text: str) -> list[tuple[int, str]]:
    """(line, module) of every sfprep module imported, lazy imports included; `from sfprep
    import api` counts as importing sfprep.api."""
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "sfprep":
                found.extend((node.lineno, f"sfprep.{alias.name}") for alias in node.names)
            else:
                found.append((node.lineno, node.module))
    return [(line, module) for line, module in found if module.split(".")[0] == "sfprep"]


def _violations(own: str, text: str) -> list[str]:
    """What `text`, a module of the package `own`, imports against the rule."""
    problems = []
    for line, module in _imports(text):
        target = _layer(module)
        if target in (own, "__version__"):
            continue
        if target not in RANK:
            problems.append(f"line {line} imports {module}: {target!r} has no place in RANK")
        elif RANK[target] >= RANK[own]:
            problems.append(f"line {line}: {own} (rank {RANK[own]}) imports {module} (rank {RANK[target]})")
    return problems


def test_every_top_level_package_has_a_rank():
    packages = {p.name.removesuffix(".py") for p in PACKAGE.iterdir()
                if (p.is_dir() and (p / "__init__.py").exists()) or p.suffix == ".py"}
    assert packages - {"__init__", "__main__"} == set(RANK)


@pytest.mark.parametrize("path", [p for p in _modules() if p.name not in ("__init__.py", "__main__.py")
                                  or p.parent != PACKAGE], ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down_the_layers(path):
    own = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    assert _violations(own, path.read_text(encoding="utf-8")) == []


def test_the_rule_catches_upward_and_sideways_imports():
    assert _violations("core", "from sfprep.linter.registry import all_rules") != []
    assert _violations("fixer", "def f():\n    import sfprep.report.json") != []   # same rank, lazily
    assert _violations("cli", "from sfprep import api") == []
    assert _violations("report", "from sfprep import __version__") == []
    assert _violations("io", "from sfprep.core.model import Edit") == []


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_over_the_size_limit(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(REPO)} has {lines} lines; split it by concern"
