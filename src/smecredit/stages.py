"""The one place a stage plugs into the platform.

Each stage (and each platform part that plugs in the same way: identity, audit, standards) has a
`stage.py` with `STAGE = Stage(...)` naming its models, audit events, routers, templates, menu
items, notices, demo seeder and commands. The app factory, migrations, menu, templates, demo
data and the command line all read them from here; a test proves every stage package has one.

References to modules are strings ("package.module:attribute") so that reading the registry
imports nothing heavy and no stage imports another through it.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import smecredit
from smecredit.kernel.text import Text
from smecredit.web.menu import MenuItem


@dataclass(frozen=True)
class Stage:
    name: str
    order: int  # foundation first, then the loan's stages in sequence
    label: Text
    models: str | None = None  # "smecredit.enterprises.models"
    events: str | None = None  # "smecredit.enterprises.events"
    routers: tuple[str, ...] = ()  # "smecredit.enterprises.api:router"
    templates: Path | None = None
    menu: tuple[MenuItem, ...] = ()
    notices: dict[str, Text] = field(default_factory=dict)  # "code" or "/path?code" → text
    demo: str | None = None  # "smecredit.enterprises.demo:seed_demo", called as f(db)
    # The data a real install starts from (a default catalogue, a rate table), loaded on every
    # start before the demo data, demo or not; called as f(db) and must change nothing when loaded.
    setup: str | None = None
    commands: tuple[tuple[str, str], ...] = ()  # ("audit", "smecredit.audit.cli:app")


def load(reference: str) -> Any:
    module, _, attribute = reference.partition(":")
    loaded = importlib.import_module(module)
    return getattr(loaded, attribute) if attribute else loaded


@lru_cache(maxsize=1)
def all_stages() -> tuple[Stage, ...]:
    """Every `smecredit.<package>.stage.STAGE`, in order."""
    found = []
    for info in pkgutil.iter_modules(smecredit.__path__):
        if not info.ispkg:
            continue
        try:
            module = importlib.import_module(f"smecredit.{info.name}.stage")
        except ModuleNotFoundError as exc:
            if exc.name != f"smecredit.{info.name}.stage":
                raise
            continue
        found.append(module.STAGE)
    return tuple(sorted(found, key=lambda s: s.order))


def import_models_and_events() -> None:
    for stage in all_stages():
        for module in (stage.models, stage.events):
            if module:
                importlib.import_module(module)


def menu_for(roles) -> list[MenuItem]:
    """The menu items (and home tiles) the roles may see, in stage order."""
    return [item for stage in all_stages() for item in stage.menu if item.permission.held_by(roles)]


def notices() -> dict[str, Text]:
    merged: dict[str, Text] = {}
    for stage in all_stages():
        merged.update(stage.notices)
    return merged
