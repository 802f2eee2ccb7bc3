"""Personal information at rest: AES-256-GCM in the column, the key in a 0600 file, a blind index."""

from __future__ import annotations

import stat

from cryptography.exceptions import InvalidTag

import pytest
from sqlalchemy import select, text

from smecredit.enterprises import data
from smecredit.audit.models import AuditEvent
from smecredit.enterprises.models import DataSnapshot, EnterprisePerson
from smecredit.identity.roles import Role
from smecredit.kernel import pii
from tests.enterprises.helpers import ID_ZHANG, ready


def test_round_trip_and_versioned_format(clean_db):
    token = pii.encrypt("110105198005171239")
    assert token.startswith("v1:") and "1101051980" not in token
    assert pii.encrypt("same") != pii.encrypt("same")  # random nonce
    assert pii.decrypt(token) == "110105198005171239"
    assert pii.blind_index(" 110105198005171239 ") == pii.blind_index("110105198005171239")
    assert pii.blind_index("") is None


def test_tampered_ciphertext_is_refused(clean_db):
    token = pii.encrypt("张三丰")
    raw = bytearray(token.encode())
    raw[12] = ord("A") if raw[12] != ord("A") else ord("B")  # inside the nonce/ciphertext, not padding
    with pytest.raises(InvalidTag):  # AES-GCM authentication fails
        pii.decrypt(raw.decode())


def test_key_file_is_private_and_outside_the_database(clean_db):
    pii.encrypt("x")
    path = pii.key_path()
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_columns_hold_no_plaintext(db, make_user):
    enterprise, applicant, _officer = ready(db, make_user, 11, owner="owner-pii")
    data.pull(db, user=applicant, enterprise=enterprise, kind="registry")
    rows = db.execute(text("SELECT name, id_number, phone, address, id_index FROM enterprise_persons")).all()
    assert rows
    for name, id_number, phone, address, id_index in rows:
        for value in (name, id_number, phone, address):
            assert value is None or value.startswith("v1:")
        dump = " ".join(str(v) for v in (name, id_number, phone, address, id_index))
        for secret in ("张三丰", "李四", ID_ZHANG, "13812345678", "13900001111", "示例路"):
            assert secret not in dump
    content = db.execute(text("SELECT content FROM data_snapshots")).scalar_one()
    assert content.startswith("v1:") and "registry" not in content
    # ...and the ORM reads them back; the blind index finds a person by exact ID number.
    found = db.execute(select(EnterprisePerson).where(EnterprisePerson.id_index == pii.blind_index(ID_ZHANG))).scalars().all()
    assert {p.role for p in found} == {"legal_rep", "controller"} and found[0].name == "张三丰"
    assert '"schema"' in db.execute(select(DataSnapshot)).scalar_one().content


def test_uploaded_originals_are_encrypted_and_private(db, make_user, data_dir):
    from smecredit.enterprises.connectors.sandbox import sandbox_file
    from smecredit.kernel.clock import business_date

    enterprise, applicant, _officer = ready(db, make_user, 12, owner="owner-files")
    raw, filename, _ = sandbox_file("registry", enterprise.uscc, as_of=business_date())
    outcome = data.upload(db, user=applicant, enterprise=enterprise, kind="registry", data=raw, filename=filename)
    snap = outcome.snapshots[0]
    assert snap.origin == "applicant_upload" and snap.file_encrypted
    stored = data_dir / "uploads" / snap.stored_name
    assert stored.read_bytes() != raw and raw[:40] not in stored.read_bytes()
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    name, original = data.original(db, user=applicant, enterprise=enterprise, snapshot_id=snap.id)
    assert original == raw and name == filename
    assert db.execute(select(AuditEvent).where(AuditEvent.action == "enterprise.original_downloaded")).scalar_one()


def test_the_data_directory_and_the_sqlite_file_are_owner_only(db, data_dir):
    from smecredit.kernel.settings import get_settings

    get_settings().ensure_dirs()
    for folder in (data_dir, data_dir / "keys", data_dir / "uploads"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    url = get_settings().resolved_database_url
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        from smecredit.kernel.db import get_engine

        get_engine().dispose()
        db.execute(text("SELECT 1"))
        assert stat.S_IMODE(__import__("os").stat(path).st_mode) == 0o600


def test_personal_information_inside_snapshots_is_masked_until_revealed(db, make_user):
    from smecredit.enterprises.access import Action
    from smecredit.enterprises.records import may

    enterprise, applicant, officer = ready(db, make_user, 13, owner="owner-snap")
    snaps = data.pull_all(db, user=applicant, enterprise=enterprise).snapshots
    registry = next(s for s in snaps if s.kind == "registry")
    bureau = next(s for s in snaps if s.kind == "credit_bureau")
    full = __import__("json").loads(registry.content)
    shown = data.content_for(officer, enterprise, registry)
    assert shown["legal_representative"] != full["legal_representative"] and "*" in shown["legal_representative"]
    assert all("*" in h["name"] for h in shown["shareholders"])
    auditor = make_user(Role.AUDITOR, "auditor-snap")
    assert not may(auditor, enterprise, Action.REVEAL)
    withheld = data.content_for(auditor, enterprise, bureau)
    assert withheld["controller"]["loans"] is None and "loans" in withheld["controller"]["masked_fields"]
    revealed = data.reveal_content(db, user=officer, enterprise=enterprise, snapshot_id=registry.id)
    assert revealed == full
    event = db.execute(select(AuditEvent).where(AuditEvent.action == "enterprise.snapshot_pii_revealed")).scalar_one()
    assert full["legal_representative"] not in event.payload
