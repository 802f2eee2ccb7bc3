"""Shared fixtures: a real database (SQLite file, or PostgreSQL when SMECREDIT_TEST_DATABASE_URL
is set), migrated with the real Alembic migrations, emptied between tests; the web app; users."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

PG_URL = os.environ.get("SMECREDIT_TEST_DATABASE_URL")
# Argon2id at a low cost (still Argon2id): at the default 64 MiB × 3 passes every user made and every
# sign-in costs 0.1–0.3 s of CPU; tests/identity/test_passwords.py checks the default cost itself.
os.environ["SMECREDIT_PASSWORD_HASH_MEMORY_KIB"] = "1024"
os.environ["SMECREDIT_PASSWORD_HASH_TIME_COST"] = "1"
PASSWORD = "Test-Passw0rd-2026"
TEST_BUSINESS_DATE = "2026-11-29"


def _runs_on_postgresql_pass(item) -> bool:
    """Whether `make test`'s second pass (PostgreSQL) runs this test: those that use the database,
    except the browser walks — the same journeys' requests run on PostgreSQL through the API and page
    tests, and the walks (more than half of the pass on a two-core machine) ran on SQLite."""
    return "database_url" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("browser")


def pytest_collection_modifyitems(config, items):
    """`make test`'s second pass (PostgreSQL) runs only the tests that use the database: the others
    never see which database is configured and ran, identically, in the first pass (SQLite)."""
    if not (PG_URL and os.environ.get("SMECREDIT_TEST_DATABASE_ONLY")):
        return
    kept, dropped = [], []
    for item in items:
        (kept if _runs_on_postgresql_pass(item) else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def _create_pg_database(admin_url: str) -> str:
    url = make_url(admin_url)
    name = f"smecredit_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    _drop_stale_pg_databases(admin_url)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        # a scratch database: commits need not wait for the disk (2.2 → 0.5 ms each); atomicity,
        # isolation and locks are unchanged
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


_DROP_SCRIPT = """
import sys
from sqlalchemy import create_engine, text
engine = create_engine(sys.argv[1], isolation_level="AUTOCOMMIT")
with engine.connect() as conn:
    for name in sys.argv[2:]:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
"""


def drop_pg_databases_later(admin_url: str, names: list[str]) -> None:
    """DROP DATABASE waits for a checkpoint of the whole server: under a busy suite that took a
    minute, at the end of every worker. Drop in a detached process instead; what it leaves (the
    machine stopped first) the next run drops (`_drop_stale_pg_databases`)."""
    if names:
        subprocess.Popen([sys.executable, "-c", _DROP_SCRIPT, admin_url, *names], start_new_session=True,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _drop_stale_pg_databases(admin_url: str) -> None:
    """Scratch databases of test processes that have ended (their pid is in the name)."""
    engine = create_engine(make_url(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        names = conn.execute(text("SELECT datname FROM pg_database WHERE datname ~ '^smecredit_(test|mig)_[0-9]+_'")).scalars()
        stale = [n for n in names if not _alive(int(n.split("_")[2]))]
    engine.dispose()
    drop_pg_databases_later(admin_url, stale)


def _drop_pg_database(admin_url: str, test_url: str) -> None:
    from smecredit.kernel.db import engine_for, get_engine

    get_engine().dispose()  # close our pooled connections so the database can be dropped
    engine_for.cache_clear()
    drop_pg_databases_later(admin_url, [make_url(test_url).database])


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("var")
    os.environ["SMECREDIT_DATA_DIR"] = str(data_dir)
    os.environ["SMECREDIT_SESSION_SECRET"] = "test-secret-" + uuid.uuid4().hex
    os.environ["SMECREDIT_DEMO_SEED"] = "false"
    # The business date is fixed for the suite (a test that needs another uses `tests.loans.helpers.on`):
    # the sandbox's figures are seeded by the date they are "as of", so the decisions the tests expect
    # from them hold on this date and not on every date (on 2026-11-30 several flip to declines).
    os.environ["SMECREDIT_BUSINESS_DATE"] = TEST_BUSINESS_DATE
    if PG_URL:
        url = _create_pg_database(PG_URL)
    else:
        url = f"sqlite:///{(data_dir / 'test.db').as_posix()}"
    os.environ["SMECREDIT_DATABASE_URL"] = url
    from smecredit.kernel.db import engine_for
    from smecredit.kernel.settings import get_settings

    get_settings.cache_clear()
    engine_for.cache_clear()
    from smecredit.kernel import migrate

    migrate.upgrade("head")
    yield url
    if PG_URL:
        _drop_pg_database(PG_URL, url)


# TRUNCATE of every table costs ~140 ms a test on PostgreSQL (each table gets a new file); a test
# writes a handful, so empty only the tables that hold rows, and restart every sequence that has
# been used (ids start at 1 again, as after TRUNCATE … RESTART IDENTITY and as on SQLite).
_PG_RESET = """
DO $$
DECLARE
  t text;
  s record;
  filled text[] := '{}';
BEGIN
  FOREACH t IN ARRAY ARRAY[{tables}]::text[] LOOP
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %%I)', t) INTO s;
    IF s.exists THEN filled := filled || t; END IF;
  END LOOP;
  IF array_length(filled, 1) > 0 THEN
    EXECUTE 'TRUNCATE ' || (SELECT string_agg(format('%%I', x), ', ') FROM unnest(filled) x) || ' CASCADE';
  END IF;
  FOR s IN SELECT schemaname, sequencename FROM pg_sequences WHERE last_value IS NOT NULL LOOP
    EXECUTE format('ALTER SEQUENCE %%I.%%I RESTART', s.schemaname, s.sequencename);
  END LOOP;
END $$
"""


def reset_database() -> None:
    """Empty every table (keeping the schema), put back the audit head row, and forget the audit
    signer's state and alert (they live beside the key, outside the database).

    The audit tables refuse DELETE and TRUNCATE (migration 0003). The reset acts as the database
    owner/superuser would: on PostgreSQL it turns triggers off for its own transaction only
    (``session_replication_role = replica``, a superuser setting the application role cannot use);
    on SQLite it lifts the triggers and puts the same ones back."""
    from smecredit.audit.keystore import alert_path, state_path
    from smecredit.kernel.db import Base, get_engine
    from smecredit.models_registry import import_all_models

    import_all_models()
    engine = get_engine()
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.exec_driver_sql(_PG_RESET.replace("{tables}", ", ".join(f"'{t}'" for t in tables)))
        else:
            triggers = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
            for name, _ in triggers:
                conn.execute(text(f'DROP TRIGGER "{name}"'))
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
            for _, sql in triggers:
                conn.execute(text(sql))
        conn.execute(text("INSERT INTO audit_head (id, tree_size, frontier) VALUES (1, 0, '[]')"))
    state_path().unlink(missing_ok=True)
    alert_path().unlink(missing_ok=True)


@pytest.fixture()
def clean_db(database_url) -> Iterator[str]:
    from smecredit.kernel.settings import get_settings

    get_settings.cache_clear()
    reset_database()
    yield database_url
    get_settings.cache_clear()


@pytest.fixture()
def db(clean_db) -> Iterator[Session]:
    from smecredit.kernel.db import session_factory

    session = session_factory()()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


@pytest.fixture()
def app(clean_db):
    from smecredit.web.app import create_app

    return create_app()


@pytest.fixture()
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.fixture()
def make_user(db):
    """make_user(role, username=None, password=PASSWORD) -> User (committed)."""
    from smecredit.audit.log import Actor
    from smecredit.identity import service
    from smecredit.identity.roles import Role
    from smecredit.kernel.db import unit_of_work

    counter = iter(range(1, 10_000))

    def _make(role: Role | str, username: str | None = None, password: str = PASSWORD, **kwargs):
        role = Role(role)
        name = username or f"{role.value.replace('_', '-')}{next(counter)}"
        with unit_of_work(db):
            return service.create_user(db, actor=Actor("test-setup", "system"), username=name,
                                       display_name=kwargs.pop("display_name", name), password=password,
                                       roles=[role], **kwargs)

    return _make


def csrf_of(client) -> str:
    """The CSRF cookie value (the middleware sets it on the first response)."""
    if "smecredit_csrf" not in client.cookies:
        client.get("/login")
    return client.cookies["smecredit_csrf"]


def login(client, username: str, password: str = PASSWORD):
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_of(client)},
                           follow_redirects=False)
    return response


def api_token(client, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture()
def data_dir(clean_db) -> Path:
    from smecredit.kernel.settings import get_settings

    return get_settings().data_dir


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def live_server(clean_db):
    """The app served by uvicorn on a free local port (browser and parallel HTTP tests)."""
    import uvicorn

    from smecredit.web.app import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("live server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
