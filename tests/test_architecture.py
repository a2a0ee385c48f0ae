"""The house's layers, read from the source: who may import whom (DESIGN.md §2).

handlers -> bot.services -> bot.db -> core; nothing imports upward, no two modules import
each other (directly or round a longer cycle), and the domain never imports `telegram`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers")

# Outermost first; a module may import its own layer and those below it.
TOP = (
    "bot.app",
    "bot.__main__",
    "bot.cli",
    "bot.checkup",
    "bot.devtools",
    "bot.web",
    "bot.serving",
)
TRANSPORT = ("handlers", "bot.update_processor")
DOMAIN = ("bot.services",)
DATA = ("bot.db",)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            found[module_name(path)] = path
    return found


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def layer(name: str) -> int:
    for rank, prefixes in enumerate((TOP, TRANSPORT, DOMAIN, DATA)):
        if within(name, prefixes):
            return 4 - rank
    return 0  # core: models, clock, i18n, topics, config...


def imports_of(path: Path, known: dict[str, Path]) -> Iterator[str]:
    """Every internal module `path` imports, at any depth of its code."""
    tree = ast.parse(path.read_text("utf-8"))
    package = module_name(path) if path.name == "__init__.py" else module_name(path.parent)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                child = f"{base}.{alias.name}"
                if child in known:
                    yield child
                elif base in known:
                    yield base


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: set(imports_of(path, known)) - {name} for name, path in known.items()}


def test_nothing_imports_upward() -> None:
    """No module imports a module of an outer layer (the domain never knows its transport)."""
    upward = [
        f"{name} -> {target}"
        for name, targets in graph().items()
        for target in targets
        if layer(target) > layer(name)
    ]
    assert upward == []


def test_no_import_cycles() -> None:
    """No two modules import each other, directly or round a longer cycle."""
    edges = graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(edges[name]):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[name] = 2

    for name in sorted(edges):
        if name not in state:
            visit(name, [name])
    assert cycles == []


@pytest.mark.parametrize("prefix", ["bot.services", "bot.db"])
def test_the_domain_and_the_data_never_import_telegram(prefix: str) -> None:
    """Services and repositories are testable without Telegram: they never import it."""
    offenders = []
    for name, path in modules().items():
        if not within(name, (prefix,)):
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [f"{name}: {n}" for n in names if n.split(".")[0] == "telegram"]
    assert offenders == []


def test_handlers_never_hold_the_database() -> None:
    """The Telegram side reaches data through services only, never a Database or a unit of
    work (it may use the plain values the data layer defines)."""
    holders = {"bot.db.core", "bot.db.unit", "bot.db.connection", "bot.db.repository"}
    reaching = [
        f"{name} -> {target}"
        for name, targets in graph().items()
        if within(name, TRANSPORT)
        for target in targets
        if target in holders or (target == "bot.db" and _imports_database(name))
    ]
    assert reaching == []


def _imports_database(name: str) -> bool:
    path = modules()[name]
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == "bot.db"
            and {a.name for a in node.names} & {"Database", "UnitOfWork"}
        ):
            return True
    return False
