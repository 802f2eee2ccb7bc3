"""Migrations: upgrade head → downgrade base → upgrade head on the database under test, and the
migrated schema matches the models exactly (no drift between models.py and Alembic)."""

from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from smecredit.kernel import migrate
from smecredit.kernel.db import Base
from smecredit.models_registry import import_all_models
from tests.conftest import PG_URL, drop_pg_databases_later


@pytest.fixture()
def scratch_url(tmp_path):
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
    name = f"smecredit_mig_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    from smecredit.kernel.db import engine_for

    engine_for.cache_clear()
    admin.dispose()
    drop_pg_databases_later(PG_URL, [name])


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(scratch_url):
    import_all_models()
    migrate.upgrade("head", url=scratch_url)
    assert _tables(scratch_url) == set(Base.metadata.tables)
    migrate.downgrade("base", url=scratch_url)
    assert _tables(scratch_url) == set()
    migrate.upgrade("head", url=scratch_url)
    assert _tables(scratch_url) == set(Base.metadata.tables)


def test_migrated_schema_matches_the_models(database_url):
    import_all_models()
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_audit_head_row_is_seeded_by_the_migration(scratch_url):
    migrate.upgrade("head", url=scratch_url)
    engine = create_engine(scratch_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT tree_size, frontier FROM audit_head WHERE id = 1")).one() == (0, "[]")
    finally:
        engine.dispose()
