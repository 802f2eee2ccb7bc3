"""Issue 6: the log is tamper-evident without trusting whoever holds the database.

Each attack here is played by someone with write access to the database (past the append-only
triggers, as its owner) and no access to the keys directory, unless the test says otherwise.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select, text

from smecredit.audit import checkpoints as cps
from smecredit.audit import merkle
from smecredit.audit.canonical import canonical_json, leaf_data_of, sha256_hex
from smecredit.audit.keystore import key_path, read_alert, read_state
from smecredit.audit.models import AuditCheckpoint, AuditEvent
from smecredit.audit.verify import Trusted, verify_database
from smecredit.kernel.clock import utcnow
from smecredit.kernel.db import get_engine, unit_of_work
from smecredit.kernel.errors import Unavailable

from tests.audit.support import append, set_time, sql


def signed_log(db):
    """Two committed checkpoints and two events after them."""
    append(db, 5)
    with unit_of_work(db):
        cps.create_checkpoint(db)
    append(db, 5, start=5)
    with unit_of_work(db):
        cps.create_checkpoint(db)
    append(db, 2, start=10)
    assert read_state() is not None  # the signer remembers checkpoint 2 outside the database


def rewrite_event(db, seq: int, payload: dict) -> None:
    """Rewrite one event with its payload hash and leaf hash recomputed, and the head too: what a
    careful attacker with the database does. The leaf MAC cannot be recomputed without its key."""
    event = db.get(AuditEvent, seq)
    body = canonical_json(payload)
    digest = sha256_hex(body)
    event_columns = {c: getattr(event, c) for c in ("seq", "recorded_at", "actor", "actor_id", "role", "action",
                                                     "entity_type", "entity_id")}
    leaf = merkle.leaf_hash(leaf_data_of({**event_columns, "payload_sha256": digest}))
    sql(db, "UPDATE audit_events SET payload = :p, payload_sha256 = :h, leaf_hash = :l WHERE seq = :s",
        p=body.decode(), h=digest, l=leaf.hex(), s=seq)
    recompute_head(db)


def recompute_head(db) -> None:
    leaves = [bytes.fromhex(h) for h in db.execute(select(AuditEvent.leaf_hash).order_by(AuditEvent.seq)).scalars()]
    frontier = json.dumps([h.hex() for h in merkle.frontier_from_leaves(leaves)])
    sql(db, "UPDATE audit_head SET tree_size = :n, frontier = :f WHERE id = 1", n=len(leaves), f=frontier)


def refused(db, code: str) -> Unavailable:
    with pytest.raises(Unavailable) as caught:
        cps.create_checkpoint(db)
    db.rollback()
    assert caught.value.code == code, caught.value
    alert = read_alert()
    assert alert is not None and alert["code"] == code and alert["message"]["zh"] and alert["message"]["en"]
    return caught.value


def test_a_clean_log_is_signed_and_the_state_follows_the_commit(db):
    signed_log(db)
    state = read_state()
    assert "\ncheckpoint 2\n" in state["note"]
    with unit_of_work(db):
        made = cps.create_checkpoint(db)
    assert made.id == 3 and "previous 2 " in made.note
    assert read_state()["note"] == made.note
    assert verify_database(db).ok


def test_a_rolled_back_checkpoint_does_not_move_the_state(db):
    signed_log(db)
    before = read_state()
    cps.create_checkpoint(db)
    db.rollback()
    assert read_state() == before
    with unit_of_work(db):
        assert cps.create_checkpoint(db).id == 3  # no gap: the rolled-back one never existed


def test_deleting_checkpoints_then_rewriting_an_event_fails_verify_and_signing(db, caplog):
    signed_log(db)
    sql(db, "DELETE FROM audit_checkpoints")
    rewrite_event(db, 3, {"amount": "0.01"})
    report = verify_database(db)
    assert not report.ok
    # Even without the MAC key and the signer's state (an auditor with a copy of the database),
    # the checkpoint events recorded in the log name the checkpoints that are gone.
    from smecredit.audit.verify import checkpoint_dicts, iter_events, read_head, verify_log

    outside = verify_log(iter_events(db), checkpoint_dicts(db), cps.public_key_pem(), read_head(db))
    assert (outside.first_problem.where, outside.first_problem.kind) == ("checkpoint", "checkpoint_missing")
    with caplog.at_level(logging.ERROR, logger="smecredit.audit"):
        refused(db, "audit_log_rolled_back")
    assert "REFUSED TO SIGN" in caplog.text


def test_emptying_the_log_is_refused(db):
    signed_log(db)
    sql(db, "DELETE FROM audit_cosignatures")
    sql(db, "DELETE FROM audit_checkpoints")
    sql(db, "DELETE FROM audit_events")
    sql(db, "UPDATE audit_head SET tree_size = 0, frontier = '[]' WHERE id = 1")
    report = verify_database(db)
    assert not report.ok and report.first_problem.kind == "log_rolled_back"
    refused(db, "audit_log_rolled_back")
    from smecredit.jobs import run_checkpoint_if_due

    with pytest.raises(Unavailable):  # the daily job takes the same path
        run_checkpoint_if_due()


def test_rewriting_the_unsigned_tail_is_refused(db):
    signed_log(db)
    rewrite_event(db, 14, {"amount": "0.01"})  # after checkpoint 2, head recomputed
    refused(db, "audit_log_rewritten")
    assert verify_database(db).first_problem.kind == "leaf_mac_mismatch"


def test_editing_the_unsigned_tail_without_the_head_is_refused(db):
    signed_log(db)
    sql(db, "UPDATE audit_events SET actor = 'mallory' WHERE seq = 13")
    refused(db, "audit_log_rewritten")


def test_rewriting_signed_history_and_the_newest_checkpoint_is_refused(db):
    """Replace checkpoint 2's row by a forged one: without the key its note cannot be re-signed."""
    signed_log(db)
    sql(db, "UPDATE audit_checkpoints SET root_hash = :r WHERE id = 2", r="ab" * 32)
    refused(db, "audit_log_rolled_back")


def test_export_takes_the_verified_path(db, tmp_path):
    from smecredit.audit.bundle import export_bundle

    signed_log(db)
    rewrite_event(db, 14, {"amount": "0.01"})
    with pytest.raises(Unavailable):
        export_bundle(db, tmp_path / "b.json")
    assert not (tmp_path / "b.json").exists()


def test_key_swap_is_caught(db):
    """Replace the key file and re-sign every checkpoint with the new key."""
    signed_log(db)
    old_pem = cps.public_key_pem()
    evil = Ed25519PrivateKey.generate()
    key_path().write_bytes(evil.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
    previous = None
    for row in db.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).scalars().all():
        note, signature = cps.build_signed_note(
            evil, log_origin=cps.origin(), checkpoint_id=row.id, tree_size=row.tree_size,
            root=bytes.fromhex(row.root_hash), created_at=row.created_at, previous=previous)
        sql(db, "UPDATE audit_checkpoints SET note = :n, signature = :s, key_id = :k WHERE id = :i",
            n=note, s=signature, k=cps.key_id(evil), i=row.id)
        from smecredit.audit.note import text_hash

        previous = (row.id, text_hash(cps.note_text_of(note)))
    # An auditor who pinned the published key sees it at once.
    report = verify_database(db, public_key_pem=old_pem, use_signer_state=False)
    assert not report.ok and report.first_problem.kind == "key_id_mismatch"
    # The signer's state was signed by the old key: it refuses to sign on.
    refused(db, "audit_signing_key_changed")


def test_verify_takes_a_trusted_checkpoint(db, tmp_path):
    signed_log(db)
    trusted = read_state()["note"]
    assert verify_database(db, trusted=[Trusted(trusted, "pinned")], use_signer_state=False).ok
    rewrite_event(db, 2, {"amount": "0.01"})
    sql(db, "DELETE FROM audit_checkpoints")
    report = verify_database(db, trusted=[Trusted(trusted, "pinned")], use_signer_state=False)
    assert not report.ok


def test_a_deleted_newest_checkpoint_row_is_found_from_its_event(db):
    signed_log(db)
    sql(db, "DELETE FROM audit_checkpoints WHERE id = 2")
    from smecredit.audit.verify import checkpoint_dicts, iter_events, read_head, verify_log

    report = verify_log(iter_events(db), checkpoint_dicts(db), cps.public_key_pem(), read_head(db))
    assert (report.first_problem.where, report.first_problem.ref, report.first_problem.kind) == (
        "checkpoint", 2, "checkpoint_missing")


def test_a_deleted_middle_checkpoint_breaks_the_chain(db):
    signed_log(db)
    with unit_of_work(db):
        cps.create_checkpoint(db)
    sql(db, "DELETE FROM audit_checkpoints WHERE id = 2")
    report = verify_database(db)
    assert not report.ok and report.first_problem.kind in {"checkpoint_missing", "checkpoint_replaced"}


def test_stale_uncovered_events_fail_verify(db):
    signed_log(db)
    set_time(db, "audit_events", "recorded_at", "seq", 13, utcnow() - timedelta(hours=30))
    # (the time change also breaks its leaf; an honest old event is what the job leaves behind)
    from smecredit.audit.verify import checkpoint_dicts, coverage_cutoff, iter_events, verify_log

    events = list(iter_events(db))
    report = verify_log(events, checkpoint_dicts(db), cps.public_key_pem(), coverage_cutoff=coverage_cutoff(),
                        head=None)
    assert not report.ok and report.first_problem.ref == 13


def test_an_old_uncovered_event_is_reported(db, monkeypatch):
    """Events recorded more than the interval ago and covered by no checkpoint: verify fails."""
    append(db, 2)
    from smecredit.audit import verify as verify_module

    monkeypatch.setattr(verify_module, "coverage_cutoff", lambda now=None: utcnow() + timedelta(seconds=1))
    report = verify_database(db)
    assert not report.ok and (report.first_problem.ref, report.first_problem.kind) == (1, "stale_uncovered_event")
    with unit_of_work(db):
        cps.create_checkpoint(db)
    assert verify_database(db).ok


def test_the_scheduler_signs_before_an_event_waits_longer_than_the_interval(db):
    append(db, 1)
    first = cps.ensure_recent_checkpoint(db)
    db.commit()
    append(db, 1, start=1)
    assert cps.ensure_recent_checkpoint(db, max_age_hours=24) is None
    set_time(db, "audit_checkpoints", "created_at", "id", first.id, utcnow() - timedelta(hours=2))
    set_time(db, "audit_events", "recorded_at", "seq", 3, utcnow() - timedelta(hours=23, minutes=1))
    db.execute(text("SELECT 1"))
    # the uncovered event would pass 24 h before the next hourly run: sign now
    assert cps._due(db, cps.lock_head(db), 24)


def test_append_only_triggers_on_postgresql(db):
    if get_engine().dialect.name != "postgresql":
        pytest.skip("PostgreSQL triggers: set SMECREDIT_TEST_DATABASE_URL to run this on PostgreSQL")
    from sqlalchemy.exc import DBAPIError

    signed_log(db)
    for statement in ("UPDATE audit_events SET actor = 'x' WHERE seq = 1", "DELETE FROM audit_events WHERE seq = 14",
                      "UPDATE audit_checkpoints SET root_hash = 'x' WHERE id = 1", "DELETE FROM audit_checkpoints",
                      "TRUNCATE audit_events CASCADE", "TRUNCATE audit_checkpoints CASCADE",
                      "TRUNCATE audit_cosignatures"):  # (a row trigger has no row to refuse in an empty table)
        with pytest.raises(DBAPIError) as caught:
            db.execute(text(statement))
        db.rollback()
        assert "append-only" in str(caught.value)
    db.execute(text("UPDATE audit_head SET updated_at = updated_at WHERE id = 1"))  # the append point stays open
    db.rollback()
    assert db.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == 14


def test_append_only_triggers_on_sqlite(db):
    if get_engine().dialect.name != "sqlite":
        pytest.skip("the SQLite variant")
    from sqlalchemy.exc import DBAPIError

    append(db, 2)
    for statement in ("UPDATE audit_events SET actor = 'x' WHERE seq = 1", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError):
            db.execute(text(statement))
        db.rollback()
