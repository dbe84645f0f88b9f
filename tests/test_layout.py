"""The layout holds: stages import only what comes before them, no import loops, no module too
long to read, render a minority of the package, and dependencies declared as they are used.

docs/ARCHITECTURE.md states the same rules for people; this file keeps the code to them.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from collections.abc import Iterator
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pipeline"
MAX_LINES = 600
RENDER_SHARE = 0.25

# What each part of the package may import of the package (a part imports itself freely);
# "*" is anything, "!x" anything but x.
# Left to right: errors, naming, languages, config are shared leaves; then read -> validate ->
# model -> words -> render, with ooxml (the zip/XML engine) beside render and write last;
# report, inspect and portfolio are the library's entry points; the edge may use anything.
LEAVES = {"pipeline", "pipeline.errors", "pipeline.naming", "pipeline.languages"}
ALLOWED: dict[str, set[str]] = {
    "pipeline.errors": set(),
    "pipeline.naming": set(),
    "pipeline.languages": set(),
    "pipeline.config": {"pipeline.errors", "pipeline.languages"},
    "pipeline.write": set(),
    "pipeline.ooxml": LEAVES,
    "pipeline.read": LEAVES
    | {"pipeline.ooxml.parts", "pipeline.ooxml.xmltext", "pipeline.ooxml.inflated"},
    "pipeline.validate": LEAVES | {"pipeline.config", "pipeline.read"},
    "pipeline.model": LEAVES | {"pipeline.config", "pipeline.validate.records"},
    "pipeline.words": LEAVES | {"pipeline.config", "pipeline.model"},
    "pipeline.render": LEAVES
    | {"pipeline.config", "pipeline.model", "pipeline.words"}
    | {"pipeline.ooxml"},
    "pipeline.report": {"*", "!pipeline.edge"},
    "pipeline.inspect": {"*", "!pipeline.edge"},
    "pipeline.portfolio": {"*", "!pipeline.edge"},
    "pipeline.edge": {"*"},
    "pipeline.__main__": {"pipeline.edge"},
}
# Third-party libraries with one home: the edge owns the terminal and the processes, the words
# their languages, the reader its parser, the HTML renderer its templates.
OWNERS = {
    "click": {"pipeline.edge"},
    "rich": {"pipeline.edge"},
    "watchdog": {"pipeline.edge"},
    "distributed": {"pipeline.edge"},
    "babel": {"pipeline.words"},
    "fastexcel": {"pipeline.read"},
    "jinja2": {"pipeline.render"},
    "scipy": {"pipeline.model", "pipeline.edge"},  # the edge only warms its import up
    "numpy": {"pipeline.model"},  # imported where the model first needs it, not up front
    "isal": {"pipeline.ooxml"},
}
OPTIONAL = {"distributed"}  # the [dask] extra, imported only when --executor dask:// is chosen


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = modules()


def imports(path: Path) -> Iterator[tuple[str, int]]:
    """(module, line) of every import in a file, those inside functions too."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:  # "from pipeline.render import charts" imports a module
                sub = f"{node.module}.{alias.name}"
                yield (sub if sub in MODULES else node.module), node.lineno


def internal_edges() -> dict[str, set[str]]:
    return {
        name: {target for target, _ in imports(path) if target in MODULES and target != name}
        for name, path in MODULES.items()
    }


def part_of(module: str) -> str:
    """The entry of ``ALLOWED`` a module belongs to: its longest prefix there."""
    candidates = [p for p in ALLOWED if covers(p, module)]
    assert candidates, f"{module} belongs to no part of the layout; add it to ALLOWED"
    return max(candidates, key=len)


def covers(entry: str, module: str) -> bool:
    """Whether ``entry`` of ``ALLOWED`` stands for ``module``: itself, or a module inside it
    (``pipeline`` alone is the package's ``__init__``, never the whole package)."""
    return module == entry or (entry != "pipeline" and module.startswith(entry + "."))


def may_import(importer: str, target: str) -> bool:
    part = part_of(importer)
    allowed = ALLOWED[part]
    if covers(part, target):
        return True
    if "*" in allowed:
        return not any(covers(x[1:], target) for x in allowed if x.startswith("!"))
    return any(covers(x, target) for x in allowed)


def test_each_stage_imports_only_what_comes_before_it():
    wrong = [
        f"{importer} imports {target} (line {line})"
        for importer, path in MODULES.items()
        for target, line in imports(path)
        if target in MODULES and target != importer and not may_import(importer, target)
    ]
    assert wrong == []


def test_the_rule_catches_an_upward_import():
    assert not may_import("pipeline.model.tiers", "pipeline.render.xlsx.book")
    assert not may_import("pipeline.render.html.briefing", "pipeline.edge.batch")
    assert not may_import("pipeline.report", "pipeline.edge.cli")
    assert not may_import("pipeline.model.analysis", "pipeline.validate.ledger")
    assert may_import("pipeline.model.analysis", "pipeline.validate.records")
    assert may_import("pipeline.edge.cli", "pipeline.report")


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import loop, as the modules around it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_loops():
    assert _cycle(internal_edges()) is None


def test_the_loop_finder_finds_a_loop():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_module_is_too_long_to_read():
    long = {
        name: n
        for name, path in MODULES.items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_render_is_a_minority_of_the_package():
    lines = {n: len(p.read_text(encoding="utf-8").splitlines()) for n, p in MODULES.items()}
    render = sum(n for name, n in lines.items() if name.startswith("pipeline.render"))
    assert render / sum(lines.values()) < RENDER_SHARE


def test_each_third_party_library_stays_in_its_home():
    wrong = [
        f"{importer} imports {target} (line {line})"
        for importer, path in MODULES.items()
        for target, line in imports(path)
        if (top := target.split(".")[0]) in OWNERS
        and not any(importer == o or importer.startswith(o + ".") for o in OWNERS[top])
    ]
    assert wrong == []


def _third_party() -> set[str]:
    stdlib = set(sys.stdlib_module_names)
    return {
        top
        for path in MODULES.values()
        for target, _ in imports(path)
        if (top := target.split(".")[0]) not in stdlib and top != "pipeline"
    }


def _declared() -> tuple[set[str], set[str]]:
    """Distribution names of the runtime dependencies and of the optional extras."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    def names(requirements: list[str]) -> set[str]:
        return {
            r.split(">")[0].split("=")[0].split("<")[0].split("[")[0].strip().lower()
            for r in requirements
        }

    extras = set().union(*(names(r) for r in project["optional-dependencies"].values()))
    return names(project["dependencies"]), extras


def test_every_library_the_package_imports_is_declared_and_every_dependency_is_used():
    runtime, extras = _declared()
    by_import = packages_distributions()
    used = {top: {d.lower() for d in by_import.get(top, [top])} for top in _third_party()}
    undeclared = {
        top: dists
        for top, dists in used.items()
        if not dists & (runtime | (extras if top in OPTIONAL else set()))
    }
    assert undeclared == {}, "add them to [project] dependencies in pyproject.toml"
    imported = set().union(*used.values())
    assert runtime - imported == set(), "declared but never imported by pipeline/"


def test_the_wheel_lists_every_package_folder():
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
            "packages"
        ]
    )
    folders = {".".join(p.parent.relative_to(ROOT).parts) for p in PACKAGE.rglob("__init__.py")} | {
        "pipeline.templates"
    }
    assert folders == listed


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_each_part_of_the_layout_exists(name):
    assert name in MODULES, f"{name} is in ALLOWED but not in pipeline/"
