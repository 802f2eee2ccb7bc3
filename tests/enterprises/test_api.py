"""The JSON API: registration errors, ownership (403), masking and audited reveal, uploads of good
and broken files per kind (broken → 422 with line numbers and nothing written), snapshots, profile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from smecredit.audit.models import AuditEvent
from smecredit.enterprises.connectors import SourceKind
from smecredit.enterprises.connectors.sandbox import sandbox_file
from smecredit.enterprises.models import DataSnapshot
from smecredit.identity.roles import Role
from smecredit.kernel.clock import business_date
from smecredit.kernel import files
from smecredit.kernel.settings import get_settings
from tests.conftest import api_token
from tests.enterprises.helpers import ID_ZHANG, code, registration

DATA = Path(__file__).parent / "data"
BASE = "/api/v1/enterprises"


@pytest.fixture()
def owner(client, make_user):
    """An applicant registers (a pending claim) and a loan officer takes it and confirms it."""
    make_user(Role.APPLICANT, "owner-api")
    headers = api_token(client, "owner-api")
    response = client.post(BASE, json=registration(5), headers=headers)
    assert response.status_code == 201, response.text
    registered = response.json()
    assert registered["ownership"] == "pending" and registered["enterprise"]["members"] == []
    eid = registered["enterprise"]["id"]
    make_user(Role.LOAN_OFFICER, "officer-owner")
    officer = api_token(client, "officer-owner")
    assert client.post(f"{BASE}/{eid}/take", headers=officer).status_code == 200
    confirmed = client.post(f"{BASE}/{eid}/ownership/confirm", json={"checked": "营业执照原件 / the licence"}, headers=officer)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["ownership"] == "confirmed"
    return headers, client.get(f"{BASE}/{eid}", headers=headers).json()


def _count(db, model) -> int:
    db.expire_all()
    return db.execute(select(func.count()).select_from(model)).scalar()


def test_register_answers_reason_and_conflict(client, owner):
    headers, body = owner
    assert body["size_class"] == "small" and "批发业" in body["size_rule_zh"] and body["members"] == ["owner-api"]
    bad = client.post(BASE, json=registration(6, uscc=code(6)[:-1] + "0"), headers=headers)
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert error["field"] == "uscc" and error["details"]["reason"] == "check_character"
    assert "第 18 位" in error["message"]["zh"]
    dup = client.post(BASE, json=registration(5), headers=headers)
    assert dup.status_code == 409 and dup.json()["error"]["field"] == "uscc"
    check = client.get(f"{BASE}/check-uscc", params={"code": code(5)}, headers=headers).json()
    assert check["valid"] and not check["taken"]  # applicants do not learn who banks here
    staff = api_token(client, "officer-owner")
    assert client.get(f"{BASE}/check-uscc", params={"code": code(5)}, headers=staff).json()["taken"]
    size_field = client.post(BASE, json=registration(7, employees=None), headers=headers)
    assert size_field.status_code == 422 and size_field.json()["error"]["field"] == "employees"


def test_applicant_cannot_see_or_change_another_enterprise(client, make_user, owner):
    _headers, body = owner
    make_user(Role.APPLICANT, "other-api")
    other = api_token(client, "other-api")
    eid = body["id"]
    missing = client.get(f"{BASE}/999999", headers=other)
    for response in (client.get(f"{BASE}/{eid}", headers=other),
                     client.patch(f"{BASE}/{eid}", json={"employees": 1}, headers=other),
                     client.get(f"{BASE}/{eid}/persons", headers=other),
                     client.post(f"{BASE}/{eid}/data/registry/pull", headers=other),
                     client.post(f"{BASE}/{eid}/persons/1/reveal", json={"fields": ["name"]}, headers=other)):
        # exactly the answer for an enterprise that does not exist: nothing leaks
        assert response.status_code == 404 and response.json() == missing.json()
    assert client.get(BASE, headers=other).json()["total"] == 0
    # another applicant registering the same code files a claim and learns nothing of the data
    claimed = client.post(BASE, json=registration(5, name="冒名公司"), headers=other)
    assert claimed.status_code == 202 and claimed.json()["enterprise"] is None
    assert claimed.json()["ownership"] == "disputed"
    make_user(Role.AUDITOR, "auditor-api")
    auditor = api_token(client, "auditor-api")
    assert client.get(f"{BASE}/{eid}", headers=auditor).status_code == 200
    assert client.patch(f"{BASE}/{eid}", json={"employees": 1}, headers=auditor).status_code == 403


def test_persons_are_masked_and_reveal_is_audited(client, db, make_user, owner):
    headers, body = owner
    eid = body["id"]
    persons = client.get(f"{BASE}/{eid}/persons", headers=headers).json()["items"]
    legal = next(p for p in persons if p["role"] == "legal_rep")
    assert legal["name"] == "张**" and legal["id_number"] == ID_ZHANG[:3] + "*" * 11 + ID_ZHANG[-4:]
    assert legal["phone"] == "138****5678" and legal["masked"]
    assert ID_ZHANG not in json.dumps(persons)
    make_user(Role.CREDIT_REVIEWER, "reviewer-api")
    reviewer = api_token(client, "reviewer-api")
    revealed = client.post(f"{BASE}/{eid}/persons/{legal['id']}/reveal", json={"fields": ["id_number"]}, headers=reviewer)
    assert revealed.status_code == 200 and revealed.json()["values"] == {"id_number": ID_ZHANG}
    empty = client.post(f"{BASE}/{eid}/persons/{legal['id']}/reveal", json={"fields": []}, headers=headers)
    assert empty.status_code == 422 and empty.json()["error"]["field"] == "fields"
    own = client.post(f"{BASE}/{eid}/persons/{legal['id']}/reveal", json={"fields": ["name", "id_number", "phone", "address"]},
                      headers=headers)
    assert own.json()["values"]["name"] == "张三丰"
    events = db.execute(select(AuditEvent).where(AuditEvent.action == "enterprise.pii_revealed")
                        .order_by(AuditEvent.seq)).scalars().all()
    assert [(e.actor, json.loads(e.payload)["fields"]) for e in events] == [
        ("reviewer-api", ["id_number"]), ("owner-api", ["name", "id_number", "phone", "address"])]
    assert all(json.loads(e.payload)["person_id"] == legal["id"] for e in events)
    assert all(ID_ZHANG not in e.payload for e in events)
    make_user(Role.AUDITOR, "auditor-rv")
    assert client.post(f"{BASE}/{eid}/persons/{legal['id']}/reveal", json={"fields": ["name"]},
                       headers=api_token(client, "auditor-rv")).status_code == 403


def test_person_crud_refuses_bad_id_number(client, owner):
    headers, body = owner
    eid = body["id"]
    bad = client.post(f"{BASE}/{eid}/persons", json={"role": "guarantor", "name": "王五", "id_number": "110105198005171230"},
                      headers=headers)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "id_number"
    assert bad.json()["error"]["details"]["reason"] == "check_character"
    made = client.post(f"{BASE}/{eid}/persons", json={"role": "guarantor", "name": "王五", "id_number": ID_ZHANG,
                                                       "guarantee_amount": "500000"}, headers=headers)
    assert made.status_code == 201 and made.json()["name"] == "王*"
    pid = made.json()["id"]
    changed = client.put(f"{BASE}/{eid}/persons/{pid}", json={"role": "guarantor", "name": "王五六", "id_number": ID_ZHANG},
                         headers=headers)
    assert changed.json()["name"] == "王**"
    assert client.delete(f"{BASE}/{eid}/persons/{pid}", headers=headers).status_code == 204
    cp = client.post(f"{BASE}/{eid}/counterparties", json={"relation": "customer", "name": "核心企业", "is_core_enterprise": True},
                     headers=headers)
    assert cp.status_code == 201 and client.get(f"{BASE}/{eid}/counterparties", headers=headers).json()["items"][0]["is_core_enterprise"]


GOOD_KINDS = [k.value for k in SourceKind]
BAD_FILES = {
    "registry": ("registry_bad_shares.json", False),
    "tax": ("tax_bad.csv", True),
    "bank_statement": ("bank_bad_rows.csv", True),
    "financial_statements": ("financials_unbalanced.csv", True),
    "credit_bureau": ("credit_bad.json", False),
    "judicial": ("judicial_bad.json", False),
}


@pytest.mark.parametrize("kind", GOOD_KINDS)
def test_upload_good_file_per_kind(client, db, owner, kind):
    headers, body = owner
    data, filename, options = sandbox_file(kind, body["uscc"], as_of=business_date())
    form = {"mapping": options["mapping"]} if "mapping" in options else {}  # a built-in mapping by name
    response = client.post(f"{BASE}/{body['id']}/data/{kind}/upload", headers=headers,
                           files={"file": (f"../../evil/{filename}", data)}, data=form)
    assert response.status_code == 201, response.text
    result = response.json()
    snap = result["snapshots"][0]
    assert snap["kind"] == kind and snap["provider"] == "file" and not snap["is_sandbox"]
    assert snap["filename"] == filename and "/" not in snap["filename"]
    assert result["profile_version"] == 1 and snap["origin"] == "applicant_upload"
    stored = db.execute(select(DataSnapshot)).scalar_one()
    path = get_settings().uploads_dir / stored.stored_name
    assert path.read_bytes() != data and files.read(stored.stored_name) == data  # encrypted at rest
    assert stored.file_sha256 and stored.file_size == len(data)
    event = db.execute(select(AuditEvent).where(AuditEvent.action == "enterprise.data_imported")).scalar_one()
    assert json.loads(event.payload)["content_sha256"] == snap["content_sha256"]
    detail = client.get(f"{BASE}/{body['id']}/snapshots/{snap['id']}", headers=headers).json()
    assert detail["content"] and detail["content_sha256"] == snap["content_sha256"]


@pytest.mark.parametrize("kind", GOOD_KINDS)
def test_upload_broken_file_writes_nothing(client, db, owner, kind):
    headers, body = owner
    filename, has_lines = BAD_FILES[kind]
    uploads = get_settings().uploads_dir
    before_files = sorted(p for p in uploads.rglob("*") if p.is_file()) if uploads.exists() else []
    before_events = _count(db, AuditEvent)
    response = client.post(f"{BASE}/{body['id']}/data/{kind}/upload", headers=headers,
                           files={"file": (filename, (DATA / filename).read_bytes())})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "import_rejected"
    errors = error["details"]["errors"]
    assert errors and all({"line", "field", "reason_zh", "reason_en"} <= set(e) for e in errors)
    if has_lines:
        assert any(isinstance(e["line"], int) and e["line"] > 1 for e in errors)
    assert _count(db, DataSnapshot) == 0
    assert _count(db, AuditEvent) == before_events
    after_files = sorted(p for p in uploads.rglob("*") if p.is_file()) if uploads.exists() else []
    assert after_files == before_files


def test_upload_too_large_and_wrong_enterprise(client, db, owner, monkeypatch):
    headers, body = owner
    from smecredit.enterprises import data as data_service

    monkeypatch.setattr(data_service, "max_upload_bytes", lambda: 100)
    big = client.post(f"{BASE}/{body['id']}/data/registry/upload", headers=headers, files={"file": ("r.json", b"{" + b" " * 200 + b"}")})
    assert big.status_code == 413
    monkeypatch.undo()
    data, filename, _ = sandbox_file("registry", code(8), as_of=business_date())
    other = client.post(f"{BASE}/{body['id']}/data/registry/upload", headers=headers, files={"file": (filename, data)})
    assert other.status_code == 422 and other.json()["error"]["code"] == "uscc_mismatch"
    assert _count(db, DataSnapshot) == 0


def test_pull_snapshots_profile_and_history(client, owner):
    headers, body = owner
    eid = body["id"]
    for kind in ("credit_bureau", "registry"):  # every source needs it, not only the bureau
        refused = client.post(f"{BASE}/{eid}/data/{kind}/pull", headers=headers)
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "authorisation_required"
    text = client.get(f"{BASE}/authorisation-text", headers=headers).json()
    auth = client.post(f"{BASE}/{eid}/authorisations", json={"text_version": text["version"], "text_sha256": text["sha256"]},
                       headers=headers)
    assert auth.status_code == 201
    result = client.post(f"{BASE}/{eid}/data/pull-all", headers=headers).json()
    assert len(result["snapshots"]) == 6 and result["skipped"] == [] and result["profile_version"] == 1
    assert client.post(f"{BASE}/{eid}/data/nonsense/pull", headers=headers).status_code == 404
    snaps = client.get(f"{BASE}/{eid}/snapshots", headers=headers).json()["items"]
    assert len(snaps) == 6 and all(s["is_sandbox"] for s in snaps)
    latest = client.get(f"{BASE}/{eid}/profile", headers=headers).json()
    assert latest["version"] == 1 and len(latest["snapshots"]) == 6
    sourced = [f for f in latest["features"] if f["snapshot_id"]]
    assert sourced and all(f["source_kind"] for f in sourced)
    client.post(f"{BASE}/{eid}/data/tax/pull", headers=headers)
    history = client.get(f"{BASE}/{eid}/profiles", headers=headers).json()["items"]
    assert [h["version"] for h in history] == [2, 1]
    assert client.get(f"{BASE}/{eid}/profiles/1", headers=headers).json()["version"] == 1
    assert client.patch(f"{BASE}/{eid}", json={"employees": 2}, headers=headers).json()["size_class"] == "micro"


def test_bank_mapping_api_and_upload_with_saved_mapping(client, make_user, owner):
    headers, body = owner
    make_user(Role.LOAN_OFFICER, "officer-api")
    officer = api_token(client, "officer-api")
    mapping = {"date_column": "交易日期", "amount_column": "交易金额", "direction_column": "借贷标志", "balance_column": "余额",
               "counterparty_column": "对方户名", "memo_column": "摘要"}
    created = client.post("/api/v1/bank-mappings", json={"bank_name": "示例银行", "mapping": mapping}, headers=officer)
    assert created.status_code == 201, created.text
    mid = created.json()["id"]
    listed = client.get("/api/v1/bank-mappings", headers=headers).json()["items"]
    assert any(m["id"] == mid for m in listed) and any(m["builtin"] for m in listed)
    upload = client.post(f"{BASE}/{body['id']}/data/bank_statement/upload", headers=headers, data={"mapping_id": str(mid)},
                         files={"file": ("statement.csv", (DATA / "bank_good_generic_zh.csv").read_bytes())})
    assert upload.status_code == 201, upload.text
    assert upload.json()["snapshots"][0]["mapping_name"] == f"示例银行 (#{mid})"
    assert client.put(f"/api/v1/bank-mappings/{mid}", json={"bank_name": "示例银行2", "mapping": mapping},
                      headers=officer).json()["bank_name"] == "示例银行2"
    assert client.delete(f"/api/v1/bank-mappings/{mid}", headers=officer).status_code == 204
    spec = client.get("/openapi.json").json()
    assert "/api/v1/enterprises/{enterprise_id}/persons/{person_id}/reveal" in spec["paths"]
    assert "EnterpriseOut" in spec["components"]["schemas"]


def test_every_api_list_has_one_shape(client, owner):
    """{"total", "items"} with limit and offset everywhere; bad bounds answered 422."""
    headers, body = owner
    eid = body["id"]
    lists = [BASE, f"{BASE}/{eid}/persons", f"{BASE}/{eid}/counterparties", f"{BASE}/{eid}/snapshots",
             f"{BASE}/{eid}/profiles", f"{BASE}/{eid}/authorisations", "/api/v1/bank-mappings"]
    for path in lists:
        page = client.get(path, params={"limit": 1}, headers=headers)
        assert page.status_code == 200 and set(page.json()) == {"total", "items"}, path
        assert len(page.json()["items"]) <= 1
        for bad in ({"limit": 0}, {"limit": 201}, {"offset": -1}, {"limit": "many"}):
            assert client.get(path, params=bad, headers=headers).status_code == 422, (path, bad)
    persons = client.get(f"{BASE}/{eid}/persons", params={"limit": 1, "offset": 1}, headers=headers).json()
    assert persons["total"] == 3 and len(persons["items"]) == 1
