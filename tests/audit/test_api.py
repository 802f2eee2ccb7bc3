"""Audit API: bearer tokens, auditors and administrators only."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from smecredit.audit import merkle
from smecredit.audit.log import Actor
from smecredit.audit.models import AuditEvent
from smecredit.identity.roles import Role

from tests.audit.support import append
from tests.conftest import api_token


@pytest.fixture()
def web(client):
    return client


@pytest.fixture()
def headers(web, make_user, db):
    make_user(Role.AUDITOR, "carol")
    append(db, 4, actor=Actor("alice", "loan_officer", 7))
    append(db, 2, actor=Actor("bob", "credit_reviewer", 8), action="review.done", start=50)
    return api_token(web, "carol")


def test_events_and_filters(web, headers):
    body = web.get("/api/v1/audit/events", headers=headers).json()
    assert body["total"] >= 6 and set(body) == {"total", "items"}
    assert [e["seq"] for e in body["items"]] == sorted((e["seq"] for e in body["items"]), reverse=True)
    alice = web.get("/api/v1/audit/events", params={"actor": "alice"}, headers=headers).json()
    assert alice["total"] == 4 and {e["actor"] for e in alice["items"]} == {"alice"}
    item = alice["items"][0]
    assert item["payload"]["amount"] == "1234.50" and item["payload_canonical"].startswith("{")
    reviews = web.get("/api/v1/audit/events", params={"action": "review.*", "limit": 1}, headers=headers).json()
    assert reviews["total"] == 2 and len(reviews["items"]) == 1
    second = web.get("/api/v1/audit/events", params={"action": "review.*", "limit": 1, "offset": 1}, headers=headers).json()
    assert second["items"][0]["seq"] < reviews["items"][0]["seq"]


def test_time_filters(web, headers):
    everything = web.get("/api/v1/audit/events", params={"since": "2000-01-01T00:00:00Z"}, headers=headers).json()
    assert everything["total"] >= 6
    nothing = web.get("/api/v1/audit/events", params={"until": "2000-01-01T00:00:00+08:00"}, headers=headers).json()
    assert nothing["total"] == 0
    local = web.get("/api/v1/audit/events", params={"since": "2000-01-01T00:00:00"}, headers=headers).json()
    assert local["total"] == everything["total"]
    assert web.get("/api/v1/audit/events", params={"since": "soon"}, headers=headers).status_code == 422


def test_bad_paging(web, headers):
    for bad in ({"limit": 500}, {"limit": 0}, {"offset": -1}, {"limit": "x"}):
        assert web.get("/api/v1/audit/events", params=bad, headers=headers).status_code == 422


def test_proof_checkpoints_and_key(web, headers, db):
    append(db, 1, start=500)
    newest = db.execute(select(func.max(AuditEvent.seq))).scalar_one()
    response = web.get(f"/api/v1/audit/events/{newest}/proof", headers=headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_checkpointed"
    from smecredit.audit.checkpoints import create_checkpoint

    checkpoint = create_checkpoint(db)
    db.commit()
    proof = web.get("/api/v1/audit/events/2/proof", headers=headers).json()
    assert proof["verified"] and proof["root_hash"] == checkpoint.root_hash
    assert merkle.verify_inclusion(bytes.fromhex(proof["leaf_hash"]), 1, proof["tree_size"],
                                   [bytes.fromhex(h) for h in proof["proof"]], bytes.fromhex(proof["root_hash"]))
    assert web.get("/api/v1/audit/events/99999/proof", headers=headers).status_code == 404
    listed = web.get("/api/v1/audit/checkpoints", headers=headers).json()
    assert listed["total"] >= 1
    assert listed["items"][0]["id"] == checkpoint.id and listed["items"][0]["signature"] == checkpoint.signature
    key = web.get("/api/v1/audit/public-key", headers=headers).json()
    assert key["algorithm"] == "Ed25519" and key["key_id"] == checkpoint.key_id
    assert key["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")


def test_openapi_lists_the_audit_api(web):
    paths = web.get("/openapi.json").json()["paths"]
    assert "/api/v1/audit/events" in paths and "/api/v1/audit/events/{seq}/proof" in paths
    assert "/audit" not in paths  # pages stay out of the schema


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.LOAN_OFFICER, Role.CREDIT_REVIEWER])
def test_other_roles_get_403(web, make_user, role):
    user = make_user(role)
    headers = api_token(web, user.username)
    for path in ("/api/v1/audit/events", "/api/v1/audit/checkpoints", "/api/v1/audit/public-key",
                 "/api/v1/audit/events/1/proof"):
        response = web.get(path, headers=headers)
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "forbidden"


def test_admin_allowed(web, make_user):
    make_user(Role.ADMIN, "root-admin")
    assert web.get("/api/v1/audit/events", headers=api_token(web, "root-admin")).status_code == 200


def test_no_token_gets_401(web, clean_db):
    for path in ("/api/v1/audit/events", "/api/v1/audit/checkpoints", "/api/v1/audit/public-key"):
        response = web.get(path)
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert web.get("/api/v1/audit/events", headers={"Authorization": "Bearer nonsense"}).status_code == 401
