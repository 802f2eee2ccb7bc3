"""Signed checkpoints: the key on disk, the signed message, when checkpoints are made, the jobs."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import stat
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import event, func, select

from smecredit.audit import checkpoints as cps
from smecredit.audit import merkle
from smecredit.audit.canonical import iso_utc
from smecredit.audit.log import Actor
from smecredit.audit.models import AuditCheckpoint, AuditEvent
from smecredit.kernel.clock import utcnow
from smecredit.kernel.settings import get_settings

from tests.audit.support import append, set_time


@pytest.fixture()
def own_keys_dir(clean_db, tmp_path, monkeypatch):
    """A fresh data dir for tests that create or damage the key file."""
    monkeypatch.setenv("SMECREDIT_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path / "keys"
    get_settings.cache_clear()


def test_key_is_made_once_with_mode_0600(own_keys_dir):
    path = own_keys_dir / "audit_ed25519.pem"
    assert not path.exists()
    key = cps.load_or_create_signing_key()
    assert path.exists() and isinstance(key, Ed25519PrivateKey)
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = cps.load_or_create_signing_key()
    assert cps.key_id(again) == cps.key_id(key)
    assert not [p for p in own_keys_dir.iterdir() if p.name != path.name]  # no temporary files left


def test_loose_permissions_are_tightened(own_keys_dir):
    cps.load_or_create_signing_key()
    path = own_keys_dir / "audit_ed25519.pem"
    path.chmod(0o644)
    cps.load_or_create_signing_key()
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_damaged_key_file_is_a_clear_error(own_keys_dir):
    from smecredit.kernel.errors import DomainError

    own_keys_dir.mkdir(parents=True)
    (own_keys_dir / "audit_ed25519.pem").write_text("not a key")
    with pytest.raises(DomainError) as caught:
        cps.load_or_create_signing_key()
    assert caught.value.code == "audit_key_unreadable"


def test_public_key_pem_and_key_id(clean_db):
    key = cps.load_or_create_signing_key()
    pem = cps.public_key_pem()
    public = serialization.load_pem_public_key(pem.encode())
    assert isinstance(public, Ed25519PublicKey)
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert len(raw) == 32
    assert cps.key_id(public) == hashlib.sha256(raw).hexdigest() == cps.key_id(key)
    assert "PRIVATE" not in pem


def test_checkpoint_signs_the_head_root(db):
    append(db, 11)
    checkpoint = cps.create_checkpoint(db)
    leaves = [bytes.fromhex(h) for h in db.execute(select(AuditEvent.leaf_hash).order_by(AuditEvent.seq)).scalars()]
    assert checkpoint.tree_size == 12  # eleven events and the record of this checkpoint
    assert checkpoint.root_hash == merkle.root_hash(leaves).hex()
    public = cps.load_or_create_signing_key().public_key()
    assert checkpoint.key_id == cps.key_id(public)
    # The signed message is the C2SP checkpoint note text, built here by hand.
    message = (f"smecredit/audit\n12\n{base64.b64encode(bytes.fromhex(checkpoint.root_hash)).decode()}\n"
               f"checkpoint {checkpoint.id}\ntime {iso_utc(checkpoint.created_at)}\nprevious none\n").encode()
    assert checkpoint.note.encode().startswith(message + "\n\u2014 smecredit/audit ".encode())
    public.verify(base64.b64decode(checkpoint.signature), message)  # raises if invalid
    stored = db.get(AuditCheckpoint, checkpoint.id)
    db.refresh(stored)
    assert cps.verify_checkpoint(stored, public)


def test_checkpoint_reads_only_the_events_after_the_last_one(db):
    append(db, 20)
    cps.create_checkpoint(db)
    append(db, 3, start=20)
    statements = []
    engine = db.get_bind()

    def capture(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", capture)
    try:
        cps.create_checkpoint(db)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    reads = [s for s in statements if s.lstrip().startswith("SELECT") and "FROM audit_events" in s]
    assert reads and all("audit_events.seq >" in s for s in reads), reads


def test_checkpoint_by_a_person_records_who_and_covers_it(db):
    append(db, 3)
    checkpoint = cps.create_checkpoint(db, actor=Actor("carol", "auditor", 3))
    assert checkpoint.tree_size == 4
    last = db.get(AuditEvent, 4)
    assert (last.actor, last.action) == ("carol", "audit.checkpoint")


def test_empty_log_checkpoint(db):
    checkpoint = cps.create_checkpoint(db)  # covers its own event, the only one
    assert checkpoint.tree_size == 1 and checkpoint.id == 1
    assert checkpoint.root_hash == merkle.root_hash([bytes.fromhex(db.get(AuditEvent, 1).leaf_hash)]).hex()


def count(db) -> int:
    return db.execute(select(func.count()).select_from(AuditCheckpoint)).scalar_one()


def test_ensure_recent_checkpoint(db):
    assert cps.ensure_recent_checkpoint(db) is None  # empty log: nothing to sign
    append(db, 2)
    first = cps.ensure_recent_checkpoint(db)
    assert first is not None and first.tree_size == 3  # none yet: made (two events and its own)
    assert cps.ensure_recent_checkpoint(db) is None  # nothing new
    append(db, 1, start=2)
    assert cps.ensure_recent_checkpoint(db) is None  # grew, but the last one is recent
    set_time(db, "audit_checkpoints", "created_at", "id", first.id, utcnow() - timedelta(hours=25))
    second = cps.ensure_recent_checkpoint(db)
    assert second is not None and second.tree_size == 5
    set_time(db, "audit_checkpoints", "created_at", "id", second.id, utcnow() - timedelta(hours=25))
    assert cps.ensure_recent_checkpoint(db) is None  # old, but the tree did not grow
    append(db, 1, start=3)
    assert cps.ensure_recent_checkpoint(db, max_age_hours=48) is None
    assert cps.ensure_recent_checkpoint(db, max_age_hours=1).tree_size == 7
    assert count(db) == 3
    assert cps.latest_checkpoint(db).tree_size == 7
    assert [c.tree_size for c in cps.list_checkpoints(db)] == [7, 5, 3]
    assert [c.id for c in cps.list_checkpoints(db)] == [3, 2, 1]


def test_interval_comes_from_settings(db, monkeypatch):
    append(db, 1)
    first = cps.ensure_recent_checkpoint(db)
    append(db, 1, start=1)
    set_time(db, "audit_checkpoints", "created_at", "id", first.id, utcnow() - timedelta(hours=3))
    monkeypatch.setenv("SMECREDIT_CHECKPOINT_INTERVAL_HOURS", "4")
    get_settings.cache_clear()
    assert cps.ensure_recent_checkpoint(db) is None
    monkeypatch.setenv("SMECREDIT_CHECKPOINT_INTERVAL_HOURS", "2")
    get_settings.cache_clear()
    assert cps.ensure_recent_checkpoint(db) is not None


# --- jobs ------------------------------------------------------------------------------------

def test_celery_task_runs_in_process_by_default(db):
    from smecredit import jobs

    jobs.configure()
    assert jobs.celery_app.conf.task_always_eager is True
    assert jobs.DAILY_CHECKPOINT_TASK in jobs.celery_app.tasks
    schedule = jobs.celery_app.conf.beat_schedule["audit-daily-checkpoint"]
    assert schedule["task"] == "smecredit.audit.daily_checkpoint" and schedule["schedule"] <= 3600
    append(db, 2)
    result = jobs.daily_checkpoint.delay().get()
    assert result["tree_size"] == 3
    assert jobs.daily_checkpoint.delay().get() is None  # not due again


def test_a_broker_turns_eager_off(monkeypatch, clean_db):
    from smecredit import jobs

    monkeypatch.setenv("SMECREDIT_CELERY_BROKER_URL", "redis://127.0.0.1:6399/0")
    get_settings.cache_clear()
    config = jobs.celery_config(get_settings())
    assert config["broker_url"].startswith("redis://") and config["task_always_eager"] is False
    monkeypatch.setenv("SMECREDIT_CELERY_ALWAYS_EAGER", "true")
    get_settings.cache_clear()
    assert jobs.celery_config(get_settings())["task_always_eager"] is True
    get_settings.cache_clear()
    jobs.configure()


def test_checkpoint_loop_runs_and_survives_errors(db, monkeypatch):
    from smecredit import jobs

    append(db, 1)
    calls = []
    real = jobs.run_checkpoint_if_due

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database briefly away")
        return real()

    monkeypatch.setattr(jobs, "run_checkpoint_if_due", flaky)

    async def run():
        task = asyncio.create_task(jobs.checkpoint_loop(interval_seconds=0.01))
        for _ in range(500):
            await asyncio.sleep(0.01)
            if len(calls) >= 3:
                break
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run())
    assert len(calls) >= 3
    assert count(db) == 1  # made once, then not due
