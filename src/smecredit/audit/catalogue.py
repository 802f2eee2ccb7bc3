"""The catalogue of audit events: one frozen dataclass per kind of event, registered by its action.

Stages declare their events in their own `events.py` (``@event("enterprise.registered",
"enterprise", Text("企业登记", "Enterprise registered"))``) and write them with
`audit.log.record(db, actor, EnterpriseRegistered(entity_id=..., ...))`. The fields of the class are
the payload, so every event of one kind has the same shape; duty records and the due-diligence
assessment query events by class (`events_of`), the audit pages show their labels.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any, ClassVar

from smecredit.kernel.text import Text


@dataclasses.dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every audit event. Subclasses add payload fields; ``entity_id`` names the object."""

    action: ClassVar[str]
    entity_type: ClassVar[str]
    label: ClassVar[Text]

    entity_id: int | str

    def payload(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "entity_id"}


CATALOGUE: dict[str, type[Event]] = {}
#: What events are about ("enterprise", "user" …), named for people; each stage declares its own.
ENTITY_TYPES: dict[str, Text] = {}


def entity_type(name: str, label: Text) -> str:
    """Declare an entity type events of a stage are about, with its name for people."""
    if name in ENTITY_TYPES and ENTITY_TYPES[name] != label:
        raise ValueError(f"entity type {name!r} is already declared as {ENTITY_TYPES[name]}")
    ENTITY_TYPES[name] = label
    return name


def entity_label(name: str) -> Text:
    return ENTITY_TYPES.get(name) or Text(name, name)


def event(action: str, entity_type: str, label: Text):
    """Class decorator: register an event kind under its action (each action exactly once)."""

    def register(cls: type[Event]) -> type[Event]:
        if not (isinstance(cls, type) and issubclass(cls, Event)):
            raise TypeError(f"{cls!r} must subclass Event")
        if action in CATALOGUE and CATALOGUE[action].__qualname__ != cls.__qualname__:
            raise ValueError(f"audit action {action!r} is already registered by {CATALOGUE[action].__qualname__}")
        cls.action, cls.entity_type, cls.label = action, entity_type, label
        cls = dataclasses.dataclass(frozen=True, kw_only=True)(cls)
        CATALOGUE[action] = cls
        return cls

    return register


def label_of(action: str) -> Text:
    """The bilingual name of an action for people (the action itself when it is not catalogued)."""
    kind = CATALOGUE.get(action)
    return kind.label if kind is not None else Text(action, action)


def typed(action: str, entity_id: str, payload_json: str) -> Event | None:
    """The stored event as its class (payload values as JSON keeps them: amounts are strings),
    or None when the action is not in the catalogue (e.g. written by a newer version)."""
    kind = CATALOGUE.get(action)
    if kind is None:
        return None
    data = json.loads(payload_json)
    names = {f.name for f in dataclasses.fields(kind)}
    return kind(entity_id=entity_id, **{k: v for k, v in data.items() if k in names})


def catalogue_items() -> Iterator[tuple[str, type[Event]]]:
    yield from sorted(CATALOGUE.items())
