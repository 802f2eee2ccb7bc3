"""Every stage plugs in through its `stage.py`, and the code has no import cycles."""

from __future__ import annotations

import ast
import importlib
import pathlib

import smecredit
from smecredit.stages import all_stages, load

SRC = pathlib.Path(smecredit.__file__).resolve().parent
PLUGGABLE = {"models.py": "models", "events.py": "events", "api.py": "routers", "pages.py": "routers",
             "cli.py": "commands", "demo.py": "demo", "templates": "templates"}


def test_every_stage_package_is_registered_with_everything_it_has():
    stages = {s.name: s for s in all_stages()}
    framework = {"web", "kernel", "migrations"}  # what stages plug into, not stages
    for package in sorted(p for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()
                          and p.name not in framework):
        present = [name for name in PLUGGABLE if (package / name).exists()]
        if not present:
            continue
        assert package.name in stages, f"smecredit.{package.name} has {present} but no stage.py registering them"
        stage = stages[package.name]
        prefix = f"smecredit.{package.name}."
        for name in present:
            what = PLUGGABLE[name]
            if what == "models":
                assert stage.models == prefix + "models"
            elif what == "events":
                assert stage.events == prefix + "events"
            elif what == "routers":
                module = prefix + name.removesuffix(".py")
                assert any(r.startswith(module + ":") for r in stage.routers), f"{module} is not routed"
            elif what == "commands":
                assert any(ref == prefix + "cli:app" for _, ref in stage.commands)
            elif what == "demo":
                assert stage.demo and stage.demo.startswith(prefix + "demo:")
            elif what == "templates":
                assert stage.templates == package / "templates"


def test_every_reference_in_the_registry_loads():
    for stage in all_stages():
        for reference in (*stage.routers, *(ref for _, ref in stage.commands), *filter(None, [stage.demo, stage.setup])):
            assert load(reference) is not None, reference
        for module in filter(None, [stage.models, stage.events]):
            importlib.import_module(module)


def _imports() -> dict[str, set[str]]:
    modules = {}
    for path in SRC.rglob("*.py"):
        name = "smecredit." + ".".join(path.relative_to(SRC).with_suffix("").parts)
        modules[name.removesuffix(".__init__")] = path
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
                targets = [base] + [f"{base}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            edges[name].update(t for t in targets if t in modules and t != name)
    return edges


def test_the_import_graph_has_no_cycles():
    edges = _imports()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [])
    assert cycles == [], "\n".join(" -> ".join(c) for c in cycles[:10])
