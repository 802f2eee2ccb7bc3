"""Audit events are typed: one catalogue of event classes, and nothing writes free-text actions."""

from __future__ import annotations

import dataclasses
import pathlib

import pytest

import smecredit
from smecredit.audit.catalogue import CATALOGUE, Event, event, typed
from smecredit.audit.log import Actor, record
from smecredit.kernel.text import Text

SRC = pathlib.Path(smecredit.__file__).resolve().parent


def test_only_the_log_itself_appends_below_the_catalogue():
    offenders = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                 if "append_entry(" in p.read_text(encoding="utf-8") and p.parts[-2] != "audit"]
    assert offenders == []


def test_every_catalogued_event_has_a_label_in_both_languages():
    import smecredit.enterprises.events  # noqa: F401
    import smecredit.identity.events  # noqa: F401
    import smecredit.audit.events  # noqa: F401

    assert len(CATALOGUE) >= 30
    for action, kind in CATALOGUE.items():
        assert kind.action == action and "." in action
        assert kind.label.zh and kind.label.en and kind.label.zh != kind.label.en, action
        assert all(f.name != "payload" for f in dataclasses.fields(kind))


def test_every_entity_type_events_are_about_has_a_name_for_people():
    from smecredit.audit.catalogue import ENTITY_TYPES
    from smecredit.stages import import_models_and_events

    import_models_and_events()
    missing = sorted({kind.entity_type for kind in CATALOGUE.values()} - set(ENTITY_TYPES))
    assert missing == []
    assert all(label.zh and label.en for label in ENTITY_TYPES.values())


def test_an_event_that_is_not_the_catalogued_class_is_refused(db):
    @dataclasses.dataclass(frozen=True, kw_only=True)
    class Stray(Event):
        action = "enterprise.registered"
        entity_type = "enterprise"
        label = Text("伪造", "Forged")

    with pytest.raises(TypeError):
        record(db, Actor("x", "system"), Stray(entity_id=1))


def test_the_same_action_cannot_be_registered_twice():
    with pytest.raises(ValueError):
        @event("enterprise.registered", "enterprise", Text("重复", "Duplicate"))
        class Duplicate(Event):
            pass


def test_stored_events_read_back_as_their_class(db, make_user):
    from sqlalchemy import select

    from smecredit.audit.models import AuditEvent
    from smecredit.identity.events import UserCreated

    make_user("auditor", "reader")
    row = db.execute(select(AuditEvent).where(AuditEvent.action == UserCreated.action)).scalar_one()
    event_ = typed(row.action, row.entity_id, row.payload)
    assert isinstance(event_, UserCreated) and event_.username == "reader" and event_.roles == ["auditor"]
