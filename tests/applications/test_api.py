"""The API of stage 3 as issue 8 lists it, and applicants seeing only their own applications."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import func, select

from smecredit.applications.models import Application, ApplicationDocument
from smecredit.identity.roles import Role
from tests.applications.helpers import body, draft, file_for, fill, run, to_review, world
from tests.conftest import api_token, csrf_of, login


@pytest.fixture()
def w(db, make_user):
    return world(db, make_user)


def headers_of(client, user):
    return api_token(client, user.username)


def test_create_upload_submit_and_follow(client, db, w):
    h = headers_of(client, w.applicant)
    created = client.post("/api/v1/applications", json=body(w), headers=h)
    assert created.status_code == 201, created.text
    out = created.json()
    assert out["status"] == "draft" and re.fullmatch(r"SQ\d{13}", out["no"])
    assert {i["kind"] for i in out["checklist"] if i["required"]} == {i.kind for i in w.required()}
    assert set(out["missing"]) == {i.kind for i in w.required()}
    assert "submit" in out["allowed_actions"] and "claim" not in out["allowed_actions"]
    app_id = out["id"]

    refused = client.post(f"/api/v1/applications/{app_id}/submit", headers=h)
    assert refused.status_code == 422
    assert {m["kind"] for m in refused.json()["error"]["details"]["missing"]} == {i.kind for i in w.required()}

    for n, item in enumerate(w.required()):
        name, data = file_for(item, n)
        up = client.post(f"/api/v1/applications/{app_id}/documents", data={"kind": item.kind},
                         files={"file": (name, data, "application/octet-stream")}, headers=h)
        assert up.status_code == 201, up.text
        doc = up.json()
        assert doc["sha256"] == hashlib.sha256(data).hexdigest() and doc["size"] == len(data)
        assert doc["content_type"].startswith(("application/", "image/"))
    done = client.post(f"/api/v1/applications/{app_id}/submit", headers=h)
    assert done.status_code == 200 and done.json()["status"] == "submitted"

    again = client.post(f"/api/v1/applications/{app_id}/submit", headers=h)
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "illegal_transition"
    assert error["details"]["status"] == "submitted" and error["details"]["allowed_actions"] == ["withdraw"]

    staff = headers_of(client, w.officer)
    assert client.post(f"/api/v1/applications/{app_id}/claim", headers=staff).status_code == 200
    assert client.post(f"/api/v1/applications/{app_id}/review", headers=staff).json()["status"] == "under_review"
    item = w.required()[0]
    asked = client.post(f"/api/v1/applications/{app_id}/document-requests", headers=staff,
                        json={"items": [{"kind": item.kind, "reason": "请补充盖章版 / stamped copy"}]})
    assert asked.status_code == 201 and asked.json()["status"] == "documents_requested"
    seen = client.get(f"/api/v1/applications/{app_id}", headers=h).json()
    assert seen["allowed_actions"] == ["edit_documents", "resubmit", "withdraw"]
    assert seen["document_requests"][0]["items"][0]["reason"] == "请补充盖章版 / stamped copy"
    name, data = file_for(item, 50)
    client.post(f"/api/v1/applications/{app_id}/documents", data={"kind": item.kind}, files={"file": (name, data)},
                headers=h)
    assert client.post(f"/api/v1/applications/{app_id}/resubmit", headers=h).json()["status"] == "resubmitted"
    client.post(f"/api/v1/applications/{app_id}/review", headers=staff)
    client.post(f"/api/v1/applications/{app_id}/release", headers=staff)  # 审查 is the credit reviewer's
    reviewer = headers_of(client, w.reviewer)
    assert client.post(f"/api/v1/applications/{app_id}/claim", headers=reviewer).status_code == 200
    reviewed = client.post(f"/api/v1/applications/{app_id}/reviews", headers=reviewer,
                           json={"action": "approve", "comment": "材料齐全 / complete"})
    assert reviewed.status_code == 200 and reviewed.json()["status"] == "awaiting_approval"
    decided = client.post(f"/api/v1/applications/{app_id}/reviews", headers=headers_of(client, w.approver),
                          json={"action": "approve", "comment": "符合条件 / meets the criteria"})
    assert decided.status_code == 200 and decided.json()["outcome"] == "approved"
    assert decided.json()["status"] == "approved"
    timeline = client.get(f"/api/v1/applications/{app_id}", headers=h).json()["timeline"]
    assert [s["action"] for s in timeline if s["from_status"] not in (None, s["to_status"])] == [
        "submit", "start_review", "request_documents", "resubmit", "start_review", "review", "review"]
    assert all(s["actor_role_label"]["zh"] and s["at"] for s in timeline)
    notes = client.get("/api/v1/me/notifications", headers=h).json()
    assert notes["total"] >= 6


def test_an_approval_by_the_handler_is_refused_and_two_approvals_make_one(client, db, w, make_user):
    from tests.applications.helpers import reviewed

    a = reviewed(db, w, to_review(db, w, draft(db, w)))
    from smecredit.identity.models import UserRole
    from smecredit.kernel.db import unit_of_work

    with unit_of_work(db):  # the officer who handled it, were they also an approver
        db.add(UserRole(user_id=w.officer.id, role=Role.APPROVER.value))
    refused = client.post(f"/api/v1/applications/{a.id}/reviews", headers=headers_of(client, w.officer),
                          json={"action": "approve", "comment": "x"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "four_eyes"
    other = make_user(Role.APPROVER, "approver-2")
    response = client.post(f"/api/v1/applications/{a.id}/reviews", headers=headers_of(client, other),
                           json={"action": "decline", "comment": "负债过高 / too much debt"})
    assert response.status_code == 200 and response.json()["status"] == "declined"
    assert client.post(f"/api/v1/applications/{a.id}/reviews", headers=headers_of(client, w.approver),
                       json={"action": "approve", "comment": "x"}).status_code == 409


def test_the_assignee_hands_over_and_a_reviewer_claims_it_where_it_stands(client, db, w):
    a = to_review(db, w, draft(db, w))  # the officer holds it, under review
    officer, reviewer = headers_of(client, w.officer), headers_of(client, w.reviewer)
    seen = client.get(f"/api/v1/applications/{a.id}", headers=reviewer).json()
    assert "claim" not in seen["allowed_actions"] and "release" not in seen["allowed_actions"]
    refused = client.post(f"/api/v1/applications/{a.id}/release", headers=reviewer)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "already_claimed"
    assert "release" in client.get(f"/api/v1/applications/{a.id}", headers=officer).json()["allowed_actions"]
    released = client.post(f"/api/v1/applications/{a.id}/release", headers=officer)
    assert released.status_code == 200 and released.json()["status"] == "under_review"
    assert "claim" in client.get(f"/api/v1/applications/{a.id}", headers=reviewer).json()["allowed_actions"]
    taken = client.post(f"/api/v1/applications/{a.id}/claim", headers=reviewer)
    assert taken.status_code == 200 and "request_documents" in taken.json()["allowed_actions"]
    assert [s["action"] for s in taken.json()["timeline"]][-2:] == ["release", "claim"]


def test_bad_files_leave_nothing_behind(client, db, w):
    from smecredit.documents import storage
    from smecredit.documents.models import StoredFile
    from smecredit.kernel.settings import get_settings

    a = draft(db, w)
    h = headers_of(client, w.applicant)
    item = w.required()[0]
    too_big = b"%PDF-1.7\n" + b"0" * (get_settings().max_upload_mb * 1024 * 1024 + 10)
    payloads = {"licence.pdf": b"MZ\x90\x00 this is a program", "empty.pdf": b"", "big.pdf": too_big,
                "broken.pdf": b"%PDF-1.7\n1 0 obj <<"}
    for name, data in payloads.items():
        response = client.post(f"/api/v1/applications/{a.id}/documents", data={"kind": item.kind},
                               files={"file": (name, data, "application/pdf")}, headers=h)
        assert response.status_code in (413, 422), (name, response.text[:300])
        error = response.json()["error"]
        assert error["message"]["zh"] and error["message"]["en"], name
        assert not storage.configured().exists(hashlib.sha256(data).hexdigest()), name
    assert db.execute(select(func.count()).select_from(ApplicationDocument)).scalar_one() == 0
    assert db.execute(select(func.count()).select_from(StoredFile)).scalar_one() == 0
    db.expire_all()
    assert db.get(Application, a.id).version == 1  # the application did not change either


def test_the_queue_filters_and_applicants_get_only_their_own(client, db, w, make_user):
    from tests.applications.helpers import World

    other = world(db, make_user, 2)
    mine = to_review(db, w, draft(db, w))
    waiting = fill(db, w, draft(db, w))
    run(db, __import__("smecredit.applications.service", fromlist=["submit"]).submit, user=w.applicant, application=waiting)
    theirs = draft(db, other)
    assert isinstance(other, World)

    listed = client.get("/api/v1/applications", headers=headers_of(client, w.applicant)).json()
    assert {i["id"] for i in listed["items"]} == {mine.id, waiting.id}
    assert client.get("/api/v1/applications", headers=headers_of(client, other.applicant)).json()["items"][0]["id"] == theirs.id

    staff = headers_of(client, w.reviewer)
    everything = client.get("/api/v1/applications", headers=staff).json()
    assert {i["id"] for i in everything["items"]} == {mine.id, waiting.id}  # drafts are not in the staff queue
    assert client.get("/api/v1/applications?status=draft", headers=staff).json()["items"][0]["id"] == theirs.id
    assert [i["id"] for i in client.get("/api/v1/applications?status=submitted", headers=staff).json()["items"]] == [waiting.id]
    assert [i["id"] for i in client.get("/api/v1/applications?assignee=unassigned", headers=staff).json()["items"]] == [waiting.id]
    officer = headers_of(client, w.officer)
    assert [i["id"] for i in client.get("/api/v1/applications?assignee=me", headers=officer).json()["items"]] == [mine.id]
    assert client.get(f"/api/v1/applications?product={w.code}", headers=staff).json()["total"] == 2
    assert client.get("/api/v1/applications?product=NOPE", headers=staff).json()["total"] == 0
    assert client.get("/api/v1/applications?age=1", headers=staff).json()["total"] == 0
    assert client.get("/api/v1/applications?age=0", headers=staff).json()["total"] == 2
    assert client.get("/api/v1/applications?status=bogus", headers=staff).status_code == 422
    assert client.get("/api/v1/applications?assignee=someone", headers=staff).status_code == 422


def _application_routes(app):
    from tests.web.test_route_permissions import protected_routes

    return [(m, p, allow) for m, p, allow in protected_routes(app) if "{application_id}" in p]


def test_every_application_route_answers_another_applicant_as_if_it_did_not_exist(app, client, db, w, make_user):
    a = fill(db, w, draft(db, w))
    document = db.execute(select(ApplicationDocument).where(ApplicationDocument.application_id == a.id)).scalars().first()
    intruder = make_user(Role.APPLICANT, "intruder")
    login(client, "intruder")
    h = api_token(client, "intruder")
    routes = _application_routes(app)
    assert len(routes) >= 20

    def call(method, path, allow, application_id):
        url = path.replace("{application_id}", str(application_id)).replace("{document_id}", str(document.id))
        if allow.api:
            kwargs = {"headers": h}
            if method != "GET":
                kwargs["json"] = {}
        else:
            kwargs = {"follow_redirects": False}
            if method != "GET":
                kwargs["data"] = {"csrf_token": csrf_of(client)}
        return client.request(method, url, **kwargs)

    for method, path, allow in routes:
        real = call(method, path, allow, a.id)
        missing = call(method, path, allow, 999999)
        if Role.APPLICANT in allow.roles:
            assert real.status_code == 404, (method, path, real.status_code, real.text[:200])
        else:
            assert real.status_code == 403, (method, path, real.status_code)
        assert missing.status_code == real.status_code, (method, path)
        if allow.api:
            assert real.json()["error"] == missing.json()["error"], (method, path)
    db.expire_all()
    assert db.get(Application, a.id).status == "draft"
    assert intruder.id != w.applicant.id
