"""Alembic environment: the URL comes from smecredit settings (or the Config's sqlalchemy.url)."""

from __future__ import annotations

from alembic import context

from smecredit.kernel.db import Base, engine_for
from smecredit.models_registry import import_all_models
from smecredit.kernel.settings import get_settings

import_all_models()
target_metadata = Base.metadata
config = context.config


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url") or get_settings().resolved_database_url
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = engine_for(url)
    with engine.connect() as connection:
        _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
