"""Personal information at rest: AES-256-GCM in the column, the key in a 0600 file, a blind index."""

from __future__ import annotations

import stat

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import select, text

from smecredit.enterprises import schemas, service
from smecredit.enterprises.models import DataSnapshot, EnterprisePerson
from smecredit.identity.roles import Role
from smecredit.kernel import pii
from tests.enterprises.helpers import ID_ZHANG, registration


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
    applicant = make_user(Role.APPLICANT, "owner-pii")
    enterprise = service.register_enterprise(db, user=applicant, data=schemas.EnterpriseCreate(**registration(11)))
    service.pull(db, user=applicant, enterprise_id=enterprise.id, kind="registry")
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
