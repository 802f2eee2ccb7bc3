"""Tamper detection: every kind of change to the stored log is found, and the first bad entry named."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from smecredit.audit import merkle
from smecredit.audit.canonical import canonical_json, leaf_data, sha256_hex
from smecredit.audit.checkpoints import (
    checkpoint_message,
    create_checkpoint,
    key_id,
    public_key_pem,
    sign_message,
)
from smecredit.audit.log import current_root
from smecredit.audit.models import AuditCheckpoint, AuditEvent, AuditHead
from smecredit.audit.verify import checkpoint_dicts, iter_events, verify_database, verify_log
from smecredit.kernel.clock import utcnow

from tests.audit.support import append, set_time, sql


def problem(report):
    assert not report.ok, "tampering went unnoticed"
    p = report.first_problem
    return p.where, p.ref, p.kind


@pytest.fixture()
def log(db):
    """14 events: 5, checkpoint 1 (its own event #6), 5 more, checkpoint 2 (event #12), 2 uncovered."""
    append(db, 5)
    first = create_checkpoint(db)
    append(db, 5, start=5)
    second = create_checkpoint(db)
    append(db, 2, start=10)
    return db, first.id, second.id


def test_untouched_log_verifies(log):
    db, _, _ = log
    report = verify_database(db)
    assert report.ok, report.first_problem
    assert report.events_checked == 14 and report.checkpoints_checked == 2
    assert report.macs_checked and report.trusted_checked == 1  # the signer's state
    size, root = current_root(db)
    assert report.root_hash == root.hex() and size == 14
    leaves = [bytes.fromhex(h) for h in db.execute(select(AuditEvent.leaf_hash).order_by(AuditEvent.seq)).scalars()]
    assert merkle.root_hash(leaves) == root


def test_empty_log_verifies(db):
    report = verify_database(db)
    assert report.ok and report.events_checked == 0


@pytest.mark.parametrize("column,value", [
    ("actor", "'mallory'"),
    ("actor_id", "99"),
    ("role", "'admin'"),
    ("action", "'loan.approve'"),
    ("entity_type", "'enterprise'"),
    ("entity_id", "'999'"),
    ("leaf_hash", "'" + "ab" * 32 + "'"),
])
def test_editing_an_event_column_is_detected(log, column, value):
    db, _, _ = log
    sql(db, f"UPDATE audit_events SET {column} = {value} WHERE seq = 7")
    assert problem(verify_database(db)) == ("event", 7, "leaf_hash_mismatch")


def test_editing_the_time_is_detected(log):
    db, _, _ = log
    moment = db.get(AuditEvent, 3).recorded_at
    set_time(db, "audit_events", "recorded_at", "seq", 3, moment + timedelta(microseconds=1))
    assert problem(verify_database(db)) == ("event", 3, "leaf_hash_mismatch")


def test_editing_a_payload_is_detected(log):
    db, _, _ = log
    sql(db, "UPDATE audit_events SET payload = :p WHERE seq = 4", p='{"amount":"9999.00","i":3,"note":"x"}')
    assert problem(verify_database(db)) == ("event", 4, "payload_hash_mismatch")


def test_editing_the_payload_hash_is_detected(log):
    db, _, _ = log
    payload = '{"amount":"1.00"}'
    sql(db, "UPDATE audit_events SET payload = :p, payload_sha256 = :h WHERE seq = 2",
        p=payload, h=sha256_hex(payload.encode()))
    assert problem(verify_database(db)) == ("event", 2, "leaf_hash_mismatch")


def _rewrite_consistently(db, seq, payload):
    """What a careful attacker does: change the payload and recompute its hash and the leaf."""
    event = db.get(AuditEvent, seq)
    body = canonical_json(payload)
    digest = sha256_hex(body)
    leaf = merkle.leaf_hash(leaf_data(seq=seq, recorded_at=event.recorded_at, actor=event.actor,
                                      actor_id=event.actor_id, role=event.role, action=event.action,
                                      entity_type=event.entity_type, entity_id=event.entity_id,
                                      payload_sha256=digest))
    sql(db, "UPDATE audit_events SET payload = :p, payload_sha256 = :h, leaf_hash = :l WHERE seq = :s",
        p=body.decode(), h=digest, l=leaf.hex(), s=seq)


def _without_mac(db):
    """What an outside verifier sees: no leaf MAC key, the local signer state not trusted."""
    from smecredit.audit.verify import read_head

    return verify_log(iter_events(db), checkpoint_dicts(db), public_key_pem(), read_head(db),
                      head_after=lambda: read_head(db))


def test_consistent_rewrite_is_caught_by_the_checkpoint_covering_it(log):
    db, first, second = log
    _rewrite_consistently(db, 8, {"amount": "0.01"})
    assert problem(_without_mac(db)) == ("checkpoint", second, "checkpoint_root_mismatch")
    assert problem(verify_database(db)) == ("event", 8, "leaf_mac_mismatch")  # the platform's key sees it first


def test_consistent_rewrite_after_the_last_checkpoint_is_caught_by_the_head(log):
    db, _, _ = log
    _rewrite_consistently(db, 14, {"amount": "0.01"})
    assert problem(_without_mac(db)) == ("head", None, "head_frontier_mismatch")
    assert problem(verify_database(db)) == ("event", 14, "leaf_mac_mismatch")


def test_deleting_a_row_is_detected(log):
    db, _, _ = log
    sql(db, "DELETE FROM audit_events WHERE seq = 6")
    where, ref, kind = problem(verify_database(db))
    assert (where, ref, kind) == ("event", 6, "missing_event")
    assert "#6" in verify_database(db).first_problem.message_en


def test_deleting_the_first_row_is_detected(log):
    db, _, _ = log
    sql(db, "DELETE FROM audit_events WHERE seq = 1")
    assert problem(verify_database(db)) == ("event", 1, "missing_event")


def test_deleting_the_newest_rows_is_detected_by_the_head(log):
    db, _, _ = log
    sql(db, "DELETE FROM audit_events WHERE seq >= 13")
    assert problem(verify_database(db)) == ("event", 13, "missing_event")


def test_deleting_rows_a_checkpoint_covers_is_detected(log):
    db, _, second = log
    sql(db, "DELETE FROM audit_events WHERE seq >= 9")
    leaves = [bytes.fromhex(h) for h in db.execute(select(AuditEvent.leaf_hash).order_by(AuditEvent.seq)).scalars()]
    frontier = json.dumps([h.hex() for h in merkle.frontier_from_leaves(leaves)])
    sql(db, "UPDATE audit_head SET tree_size = 8, frontier = :f", f=frontier)  # even with the head rewound
    assert problem(verify_database(db)) == ("checkpoint", second, "checkpoint_beyond_log")


def test_swapping_two_rows_seq_is_detected(log):
    db, _, _ = log
    sql(db, "UPDATE audit_events SET seq = -1 WHERE seq = 3")
    sql(db, "UPDATE audit_events SET seq = 3 WHERE seq = 9")
    sql(db, "UPDATE audit_events SET seq = 9 WHERE seq = -1")
    assert problem(verify_database(db)) == ("event", 3, "leaf_hash_mismatch")


def test_a_forged_row_appended_is_detected(log):
    db, _, _ = log
    last = db.get(AuditEvent, 14)
    body = canonical_json({"forged": True})
    digest = sha256_hex(body)
    leaf = merkle.leaf_hash(leaf_data(seq=15, recorded_at=last.recorded_at, actor="mallory", actor_id=None,
                                      role="admin", action="loan.approve", entity_type="loan", entity_id="1",
                                      payload_sha256=digest))
    db.add(AuditEvent(seq=15, recorded_at=last.recorded_at, actor="mallory", actor_id=None, role="admin",
                      action="loan.approve", entity_type="loan", entity_id="1", payload=body.decode(),
                      payload_sha256=digest, leaf_hash=leaf.hex(), leaf_mac="00" * 32))
    db.commit()
    assert problem(_without_mac(db)) == ("event", 15, "event_beyond_head")
    assert problem(verify_database(db)) == ("event", 15, "leaf_mac_mismatch")


def test_editing_the_head_is_detected(log):
    db, _, _ = log
    head = db.get(AuditHead, 1)
    frontier = json.loads(head.frontier)
    frontier[0] = "00" * 32
    sql(db, "UPDATE audit_head SET frontier = :f", f=json.dumps(frontier))
    assert problem(verify_database(db)) == ("head", None, "head_frontier_mismatch")


@pytest.mark.parametrize("statement,kind", [
    ("UPDATE audit_checkpoints SET root_hash = :bad WHERE id = :id", "checkpoint_root_mismatch"),
    ("UPDATE audit_checkpoints SET tree_size = 4 WHERE id = :id", "checkpoint_root_mismatch"),
    ("UPDATE audit_checkpoints SET tree_size = 50 WHERE id = :id", "checkpoint_beyond_log"),
    ("UPDATE audit_checkpoints SET signature = :sig WHERE id = :id", "bad_signature"),
    ("UPDATE audit_checkpoints SET key_id = :bad WHERE id = :id", "key_id_mismatch"),
])
def test_editing_a_checkpoint_is_detected(log, statement, kind):
    db, first, _ = log
    other = db.execute(select(AuditCheckpoint.signature).where(AuditCheckpoint.id != first)).scalar_one()
    sql(db, statement, id=first, bad="cd" * 32, sig=other)
    assert problem(verify_database(db)) == ("checkpoint", first, kind)


def test_editing_a_checkpoint_time_is_detected(log):
    db, first, _ = log
    set_time(db, "audit_checkpoints", "created_at", "id", first, utcnow() - timedelta(days=3))
    assert problem(verify_database(db)) == ("checkpoint", first, "bad_signature")


def test_reordering_checkpoints_is_detected(log):
    db, first, second = log
    sql(db, "UPDATE audit_checkpoints SET id = -1 WHERE id = :a", a=first)
    sql(db, "UPDATE audit_checkpoints SET id = :a WHERE id = :b", a=first, b=second)
    sql(db, "UPDATE audit_checkpoints SET id = :b WHERE id = -1", b=second)
    # the notes name their ids, so the swapped rows no longer match their signatures
    assert problem(verify_database(db)) == ("checkpoint", second, "bad_signature")


def test_the_first_bad_entry_is_named(log):
    db, first, _ = log
    sql(db, "UPDATE audit_events SET actor = 'x' WHERE seq = 9")
    sql(db, "UPDATE audit_events SET actor = 'x' WHERE seq = 4")
    sql(db, "UPDATE audit_checkpoints SET signature = 'AAAA' WHERE id = :id", id=first)
    assert problem(verify_database(db)) == ("event", 4, "leaf_hash_mismatch")


def test_a_foreign_signing_key_is_detected(log):
    db, first, _ = log
    other = Ed25519PrivateKey.generate()
    from cryptography.hazmat.primitives import serialization

    pem = other.public_key().public_bytes(serialization.Encoding.PEM,
                                          serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    assert problem(verify_database(db, public_key_pem=pem)) == ("checkpoint", first, "key_id_mismatch")


def test_verify_streams_in_chunks(log):
    db, _, _ = log
    seen = []
    report = verify_database(db, chunk=3, progress=seen.append)
    assert report.ok and seen[-1] == 14


def test_concurrent_append_during_verify_is_not_a_forgery(log):
    """Events committed after the head was read are checked when a re-read head covers them."""
    db, _, _ = log
    from smecredit.audit.verify import read_head

    head = read_head(db)
    append(db, 3, start=100)
    report = verify_log(iter_events(db), checkpoint_dicts(db), public_key_pem(), head,
                        head_after=lambda: read_head(db))
    assert report.ok and report.events_checked == 17


# --- pure data: verify_log over dicts (no database) ------------------------------------------

KEY = Ed25519PrivateKey.generate()


def _pem():
    from cryptography.hazmat.primitives import serialization

    return KEY.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def make_log(n: int, checkpoint_sizes=()):
    from smecredit.audit.canonical import iso_utc

    now = utcnow()
    events, leaves = [], []
    for seq in range(1, n + 1):
        body = canonical_json({"n": seq})
        digest = sha256_hex(body)
        moment = now + timedelta(seconds=seq)
        leaf = merkle.leaf_hash(leaf_data(seq=seq, recorded_at=moment, actor="a", actor_id=1, role="admin",
                                          action="x.y", entity_type="t", entity_id=str(seq), payload_sha256=digest))
        leaves.append(leaf)
        events.append({"seq": seq, "recorded_at": iso_utc(moment), "actor": "a", "actor_id": 1, "role": "admin",
                       "action": "x.y", "entity_type": "t", "entity_id": str(seq), "payload": body.decode(),
                       "payload_sha256": digest, "leaf_hash": leaf.hex()})
    cps = []
    for i, size in enumerate(checkpoint_sizes, start=1):
        root = merkle.root_hash(leaves[:size]).hex()
        kid = key_id(KEY)
        msg = checkpoint_message(tree_size=size, root_hash=root, timestamp=now, key_id=kid)
        cps.append({"id": i, "tree_size": size, "root_hash": root, "created_at": iso_utc(now), "key_id": kid,
                    "signature": sign_message(KEY, msg)})
    return events, cps, leaves


def test_pure_log_verifies_and_matches_the_rfc_root():
    events, cps, leaves = make_log(37, (0, 1, 16, 37))
    report = verify_log(events, cps, _pem(), (37, merkle.frontier_from_leaves(leaves)), require_covered=True)
    assert report.ok and report.checkpoints_checked == 4
    assert report.root_hash == merkle.root_hash(leaves).hex()


FIELDS = ["recorded_at", "actor", "actor_id", "role", "action", "entity_type", "entity_id", "payload",
          "payload_sha256", "leaf_hash"]


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 40), data=st.data())
def test_any_single_field_change_names_that_event(n, data):
    events, cps, leaves = make_log(n, (n,))
    seq = data.draw(st.integers(1, n))
    field = data.draw(st.sampled_from(FIELDS))
    event = events[seq - 1]
    original = event[field]
    if field == "actor_id":
        event[field] = original + 1
    elif field == "recorded_at":
        event[field] = original.replace("Z", "+00:01")
    else:
        event[field] = original + "x" if field != "leaf_hash" else ("0" if original[0] != "0" else "1") + original[1:]
    report = verify_log(events, cps, _pem(), require_covered=True)
    assert not report.ok
    assert (report.first_problem.where, report.first_problem.ref) == ("event", seq)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 30), data=st.data())
def test_dropping_or_moving_an_event_is_named(n, data):
    events, cps, _ = make_log(n, (n,))
    i = data.draw(st.integers(0, n - 1))
    if data.draw(st.booleans()):
        del events[i]
        report = verify_log(events, cps, _pem(), require_covered=True)
        assert not report.ok
        if i == n - 1:
            assert report.first_problem.where == "checkpoint"
        else:
            assert (report.first_problem.ref, report.first_problem.kind) == (i + 1, "missing_event")
    else:
        j = data.draw(st.integers(0, n - 1).filter(lambda j: j != i))
        events[i], events[j] = events[j], events[i]
        report = verify_log(events, cps, _pem(), require_covered=True)
        assert not report.ok and report.first_problem.where == "event"
        assert report.first_problem.kind in {"missing_event", "out_of_order"}
        assert report.first_problem.ref == min(i, j) + 1 or report.first_problem.kind == "out_of_order"


@pytest.mark.parametrize("bad", [
    None, 5, "text", [], {"seq": 1}, {"seq": True}, {"seq": "1"},
])
def test_malformed_events_are_reported_not_raised(bad):
    events, cps, _ = make_log(3, (3,))
    events[1] = bad if not isinstance(bad, dict) else {**events[1], **bad} if len(bad) > 1 else bad
    report = verify_log(events, cps, _pem())
    assert not report.ok and report.first_problem.kind in {"malformed_event", "missing_event"}


@pytest.mark.parametrize("mutate", [
    lambda e: e.__setitem__("actor_id", "1"),
    lambda e: e.__setitem__("recorded_at", "yesterday"),
    lambda e: e.__setitem__("payload", None),
    lambda e: e.__setitem__("entity_id", "\ud800"),
    lambda e: e.__setitem__("seq", 2 ** 80),
])
def test_hostile_field_values_are_reported_not_raised(mutate):
    events, cps, _ = make_log(3, (3,))
    mutate(events[1])
    report = verify_log(events, cps, _pem())
    assert not report.ok and report.first_problem.where == "event"


@pytest.mark.parametrize("mutate,kind", [
    (lambda c: c.__setitem__("tree_size", -1), "malformed_checkpoint"),
    (lambda c: c.__setitem__("tree_size", "3"), "malformed_checkpoint"),
    (lambda c: c.pop("signature"), "malformed_checkpoint"),
    (lambda c: c.__setitem__("created_at", 12), "malformed_checkpoint"),
    (lambda c: c.__setitem__("signature", "!!not base64!!"), "bad_signature"),
    (lambda c: c.__setitem__("root_hash", "\ud800"), "checkpoint_root_mismatch"),
])
def test_hostile_checkpoints_are_reported_not_raised(mutate, kind):
    events, cps, _ = make_log(3, (3,))
    mutate(cps[0])
    report = verify_log(events, cps, _pem())
    assert not report.ok and (report.first_problem.where, report.first_problem.kind) == ("checkpoint", kind)


def test_bad_or_missing_public_key():
    events, cps, _ = make_log(3, (3,))
    assert verify_log(events, cps, "not a key").first_problem.kind == "bad_public_key"
    assert verify_log(events, cps, None).first_problem.kind == "missing_public_key"
    assert verify_log(events, [], None).ok  # nothing signed to check


def test_duplicate_checkpoint_ids():
    events, cps, _ = make_log(3, (2, 3))
    cps[1]["id"] = cps[0]["id"]
    assert verify_log(events, cps, _pem()).first_problem.kind == "duplicate_checkpoint"


def test_uncovered_events_in_a_bundle():
    events, cps, _ = make_log(5, (3,))
    report = verify_log(events, cps, _pem(), require_covered=True)
    assert (report.first_problem.ref, report.first_problem.kind) == (4, "uncovered_event")
    assert verify_log(events, cps, _pem()).ok  # a database verify allows them (the head covers them)
