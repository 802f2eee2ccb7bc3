"""Export a bundle and verify it with nothing but the file."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from smecredit.audit.bundle import BUNDLE_FORMAT, export_bundle, verify_bundle
from smecredit.audit.checkpoints import create_checkpoint, public_key_pem
from smecredit.audit.models import AuditCheckpoint

from tests.audit.support import append


@pytest.fixture()
def bundle(db, tmp_path):
    append(db, 6)
    create_checkpoint(db)
    append(db, 3, start=6)  # not yet covered: the export makes a fresh checkpoint
    path = tmp_path / "audit.json"
    summary = export_bundle(db, path)
    # 6 events, checkpoint 1 (its event #7), 3 more, checkpoint 2 made by the export (#11)
    assert (summary.events, summary.checkpoints, summary.tree_size) == (11, 2, 11)
    return path


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def save(path, data):
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_exported_bundle_verifies_without_a_database(bundle, monkeypatch):
    # Make any database access fail: verify_bundle must not need one.
    monkeypatch.setenv("SMECREDIT_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    from smecredit.kernel.settings import get_settings

    get_settings.cache_clear()
    report = verify_bundle(bundle)
    assert report.ok, report.first_problem
    assert (report.events_checked, report.checkpoints_checked, report.latest_checkpoint_size) == (11, 2, 11)
    data = load(bundle)
    assert data["format"] == BUNDLE_FORMAT and data["tree_size"] == 11 and data["checkpoint_id"] == 2
    assert [e["seq"] for e in data["events"]] == list(range(1, 12))
    assert data["origin"] == "smecredit/audit" and data["log_vkey"].startswith("smecredit/audit+")
    assert set(data["events"][0]) == {"seq", "recorded_at", "actor", "actor_id", "role", "action", "entity_type",
                                      "entity_id", "payload", "payload_sha256", "leaf_hash"}
    assert report.key_id == data["key_id"]
    assert "第0笔" in bundle.read_text(encoding="utf-8")  # UTF-8, not escaped


def test_export_needs_no_new_checkpoint_when_covered(db, tmp_path):
    append(db, 2)
    create_checkpoint(db)
    export_bundle(db, tmp_path / "a.json")
    assert db.execute(select(func.count()).select_from(AuditCheckpoint)).scalar_one() == 1
    assert verify_bundle(tmp_path / "a.json").ok


def test_empty_log_exports_and_verifies(db, tmp_path):
    summary = export_bundle(db, tmp_path / "empty.json")
    assert summary.events == 1  # the record of the checkpoint the export made
    assert verify_bundle(tmp_path / "empty.json").ok


@pytest.mark.parametrize("edit,expected", [
    (lambda d: d["events"][3].__setitem__("actor", "mallory"), ("event", 4, "leaf_hash_mismatch")),
    (lambda d: d["events"][1].__setitem__("payload", '{"i":1}'), ("event", 2, "payload_hash_mismatch")),
    (lambda d: d["events"][5].__setitem__("leaf_hash", "0" * 64), ("event", 6, "leaf_hash_mismatch")),
    (lambda d: d["events"].pop(4), ("bundle", None, "bundle_truncated")),
    (lambda d: (d["events"].pop(4), d["events"].append(d["events"][-1])), ("event", 5, "missing_event")),
    (lambda d: d["events"].insert(2, d["events"].pop(6)), ("event", 3, "missing_event")),
    (lambda d: d["events"].append({**d["events"][-1], "seq": 12}), ("bundle", None, "bundle_truncated")),
    (lambda d: (d["events"].append({**d["events"][-1], "seq": 12}), d.__setitem__("tree_size", 12)),
     ("bundle", None, "bundle_truncated")),
    (lambda d: (d["events"].append({**d["events"][-1], "seq": 12}), d.__setitem__("tree_size", 12),
                d["checkpoints"].append({**d["checkpoints"][-1], "tree_size": 12, "id": 3})),
     ("event", 12, "leaf_hash_mismatch")),
    (lambda d: d["checkpoints"][0].__setitem__("root_hash", "ab" * 32), ("checkpoint", 1, "checkpoint_root_mismatch")),
    (lambda d: d["checkpoints"][0].__setitem__("tree_size", 5), ("checkpoint", 1, "checkpoint_root_mismatch")),
    (lambda d: d["checkpoints"][0].__setitem__("created_at", "2020-01-01T00:00:00.000000Z"),
     ("checkpoint", 1, "bad_signature")),
])
def test_tampered_bundle_names_the_entry(bundle, edit, expected):
    data = load(bundle)
    edit(data)
    save(bundle, data)
    report = verify_bundle(bundle)
    assert not report.ok
    p = report.first_problem
    assert (p.where, p.ref, p.kind) == expected


def test_dropping_the_tail_is_caught_by_the_checkpoint(bundle):
    data = load(bundle)
    del data["events"][-2:]
    data["tree_size"] = 9  # even with the header made to agree
    save(bundle, data)
    p = verify_bundle(bundle).first_problem
    assert (p.where, p.kind) == ("bundle", "bundle_truncated")
    data["checkpoints"][-1]["tree_size"] = 9
    save(bundle, data)
    p = verify_bundle(bundle).first_problem
    assert (p.where, p.kind) == ("checkpoint", "checkpoint_root_mismatch")


def test_a_bundle_cut_short_with_its_original_header_fails(bundle):
    """Issue 6: the header still gives the original size; events and checkpoints were cut."""
    data = load(bundle)
    del data["events"][7:]
    del data["checkpoints"][1:]
    save(bundle, data)
    report = verify_bundle(bundle)
    assert not report.ok and report.first_problem.kind == "bundle_truncated"
    assert "11" in report.first_problem.message_en and "7" in report.first_problem.message_en


@pytest.mark.parametrize("cut", ["events", "checkpoints", "both"])
def test_an_empty_bundle_fails(bundle, cut):
    data = load(bundle)
    if cut in ("events", "both"):
        data["events"] = []
        data["tree_size"] = 0
    if cut in ("checkpoints", "both"):
        data["checkpoints"] = []
    save(bundle, data)
    report = verify_bundle(bundle)
    assert not report.ok and report.first_problem.kind == "bundle_empty"


def test_a_resigned_bundle_fails_against_the_pinned_key(bundle):
    """An attacker who re-signs with their own key passes only if the auditor trusts the bundle's key."""
    from smecredit.audit.checkpoints import build_signed_note, key_id, note_text_of
    from smecredit.audit.note import text_hash

    data = load(bundle)
    evil = Ed25519PrivateKey.generate()
    data["public_key_pem"] = evil.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    data["key_id"] = key_id(evil)
    previous = None
    for cp in data["checkpoints"]:
        cp["key_id"] = key_id(evil)
        cp["note"], cp["signature"] = build_signed_note(
            evil, log_origin=data["origin"], checkpoint_id=cp["id"], tree_size=cp["tree_size"],
            root=bytes.fromhex(cp["root_hash"]), created_at=cp["created_at"], previous=previous)
        previous = (cp["id"], text_hash(note_text_of(cp["note"])))
    save(bundle, data)
    assert verify_bundle(bundle).ok  # self-consistent…
    report = verify_bundle(bundle, public_key_pem=public_key_pem())  # …but not ours
    assert not report.ok and report.first_problem.kind == "key_id_mismatch"


def test_mismatched_stated_key_id(bundle):
    data = load(bundle)
    data["key_id"] = "00" * 32
    save(bundle, data)
    assert verify_bundle(bundle).first_problem.kind == "key_id_mismatch"


@pytest.mark.parametrize("content", [
    b"", b"garbage", b"\xff\xfe\x00", b"[1, 2, 3]", b'{"format": "something-else"}',
    b'{"format": "smecredit-audit-bundle/1"}',
    b'{"format": "smecredit-audit-bundle/1", "events": {}, "checkpoints": [], "public_key_pem": ""}',
    b'{"format": "smecredit-audit-bundle/1", "events": [1], "checkpoints": [], "public_key_pem": "x"}',
    b'{"format": "smecredit-audit-bundle/1", "events": [], "checkpoints": [{}], "public_key_pem": "x"}',
    b'{"format": "smecredit-audit-bundle/1", "events": [], "checkpoints": [], "public_key_pem": "x", "key_id": 5}',
    b'{"format": "smecredit-audit-bundle/1", "events": [' + b"[" * 100000 + b"]",
])
def test_garbage_is_a_clear_failure(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    report = verify_bundle(path)
    assert not report.ok
    assert report.first_problem.message_en and report.first_problem.message_zh


def test_truncated_bundle(bundle):
    raw = bundle.read_bytes()
    bundle.write_bytes(raw[: len(raw) // 2])
    report = verify_bundle(bundle)
    assert not report.ok and report.first_problem.kind == "bundle_malformed"


def test_missing_file(tmp_path):
    report = verify_bundle(tmp_path / "nope.json")
    assert not report.ok and report.first_problem.kind == "bundle_not_found"


def test_export_to_a_bad_path(db, tmp_path):
    from smecredit.kernel.errors import DomainError

    with pytest.raises(DomainError):
        export_bundle(db, tmp_path)
    with pytest.raises(DomainError):
        export_bundle(db, tmp_path / "missing" / "x.json")
