"""Every stage's models (and audit events), so `Base.metadata` knows all tables (Alembic, schema
checks) and the audit catalogue knows every event."""

from __future__ import annotations

from smecredit.stages import import_models_and_events


def import_all_models() -> None:
    import_models_and_events()
