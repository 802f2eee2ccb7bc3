"""The stage-4 API: the decision's shape (the issue's fields), reviews within authority (403 with
the reason), the offer, replay (identical, or the differences a hand edit makes), versions with four
eyes, and what other applicants and bad input get (404, 4xx — never a 500)."""

from __future__ import annotations

from decimal import Decimal

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from smecredit.decisioning.models import Decision, PolicyVersion
from smecredit.identity.roles import Role
from smecredit.kernel.clock import business_date
from smecredit.kernel.db import unit_of_work
from tests.conftest import api_token
from tests.decisioning.helpers import load_decisioning, run, submitted, world

DECISION_KEYS = {"id", "outcome", "score", "grade", "pd", "limit", "annual_rate", "apr", "repayment_method", "term_months",
                 "reasons", "policy_version", "scorecard_version", "elapsed_ms"}


def h(client, user) -> dict:
    return api_token(client, user.username)


def test_the_decision_has_the_issues_shape_and_other_applicants_get_404(client, db, make_user):
    w = world(db, make_user, 2, code="tax_loan")
    a = submitted(db, w, "300000")
    got = client.get(f"/api/v1/applications/{a.id}/decision", headers=h(client, w.applicant))
    assert got.status_code == 200
    body = got.json()
    assert DECISION_KEYS <= set(body)
    assert body["outcome"] == "approved" and body["reasons"][0]["message"]["zh"] and body["reasons"][0]["code"]
    assert body["policy_version"]["code"] == "sme-default" and body["scorecard_version"]["code"]
    assert float(body["elapsed_ms"]) > 0 and body["limit"] and body["apr"]
    stranger = make_user(Role.APPLICANT, "stranger")
    for path in (f"/api/v1/applications/{a.id}/decision", f"/api/v1/applications/{a.id}/offer"):
        assert client.get(path, headers=h(client, stranger)).status_code == 404
    for path in (f"/api/v1/applications/{a.id}/offer/accept", f"/api/v1/applications/{a.id}/offer/decline"):
        assert client.post(path, headers=h(client, stranger), json={}).status_code == 404
    assert client.get("/api/v1/applications/999999/decision", headers=h(client, w.applicant)).status_code == 404
    # staff read the whole record
    record = client.get(f"/api/v1/decisions/{body['id']}", headers=h(client, w.reviewer)).json()
    assert record["inputs"]["application"]["no"] == a.no and record["result"]["outcome"] == "approved"
    assert client.get(f"/api/v1/decisions/{body['id']}", headers=h(client, w.applicant)).status_code == 403


def test_a_draft_has_no_decision_yet(client, db, make_user):
    from smecredit.applications import service as applications
    from tests.decisioning.helpers import need

    w = world(db, make_user, 2, code="tax_loan")
    a = run(db, applications.create_draft, user=w.applicant, enterprise_id=w.enterprise.id, product_code=w.code,
            need=need(w, "300000"))
    assert client.get(f"/api/v1/applications/{a.id}/decision", headers=h(client, w.applicant)).status_code == 404


def test_reviews_through_the_api_within_authority(client, db, make_user):
    from smecredit.applications import service as applications

    w = world(db, make_user, 8, code="tax_loan")
    a = submitted(db, w, "300000")
    url = f"/api/v1/applications/{a.id}/reviews"
    # roles without the permission: 403 at the door
    for user in (w.applicant, w.officer):
        assert client.post(url, headers=h(client, user), json={"action": "approve"}).status_code == 403
    # bad input: 422
    for body in ({}, {"action": "maybe"}, {"action": "approve", "comment": 5}, {"action": "approve", "extra": 1},
                 {"action": "decline", "comment": "x" * 1001}):
        assert client.post(url, headers=h(client, w.reviewer), json=body).status_code == 422, body
    decision_url = f"/api/v1/applications/{a.id}/decision"
    referred = client.get(decision_url, headers=h(client, w.applicant)).json()
    assert (referred["outcome"], referred["final_outcome"]) == ("referred", "pending")
    run(db, applications.claim, user=w.reviewer, application=a)
    run(db, applications.start_review, user=w.reviewer, application=a)
    refused = client.post(url, headers=h(client, w.approver), json={"action": "approve", "comment": "x"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_your_role"
    assert refused.json()["error"]["message"]["zh"]
    missing = client.post(url, headers=h(client, w.reviewer), json={"action": "decline"})
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "comment"
    ok = client.post(url, headers=h(client, w.reviewer), json={"action": "approve", "comment": "同意"})
    assert ok.status_code == 200 and ok.json()["status"] == "awaiting_approval"
    again = client.post(url, headers=h(client, w.reviewer), json={"action": "approve", "comment": "同意"})
    assert again.status_code == 403 and again.json()["error"]["code"] == "not_your_role"
    done = client.post(url, headers=h(client, w.approver), json={"action": "approve"})
    assert done.status_code == 200 and done.json()["status"] == "approved"
    # the record keeps the automatic outcome; final_outcome says people approved it since
    decided = client.get(decision_url, headers=h(client, w.applicant)).json()
    assert (decided["outcome"], decided["final_outcome"]) == ("referred", "approved")
    offer = client.get(f"/api/v1/applications/{a.id}/offer", headers=h(client, w.applicant)).json()
    assert offer["status"] == "open" and offer["apr"] and offer["amount"]
    # the schedule preview the applicant sees in the pages, through the API too
    preview = offer["schedule_preview"]
    assert preview["count"] == offer["term_months"] and preview["instalments"][0]["number"] == 1
    assert Decimal(preview["total_principal"]) == Decimal(offer["amount"])
    assert Decimal(preview["total_payment"]) == Decimal(preview["total_principal"]) + Decimal(preview["total_interest"])
    declined = client.post(f"/api/v1/applications/{a.id}/offer/decline", headers=h(client, w.applicant),
                           json={"reason": "利率偏高 / too dear"})
    assert declined.status_code == 200 and declined.json()["status"] == "offer_declined"
    assert client.post(f"/api/v1/applications/{a.id}/offer/accept", headers=h(client, w.applicant)).status_code == 409


def test_replay_is_identical_and_a_hand_edit_shows(client, db, make_user):
    w = world(db, make_user, 2, code="tax_loan")
    a = submitted(db, w, "300000")
    d = db.execute(select(Decision).where(Decision.application_id == a.id)).scalar_one()
    url = f"/api/v1/decisions/{d.id}/replay"
    staff = h(client, w.reviewer)
    assert client.post(url, headers=staff).json() == {"decision_id": d.id, "identical": True, "differences": []}
    assert client.post(url, headers=h(client, w.applicant)).status_code == 403
    assert client.post("/api/v1/decisions/999999/replay", headers=staff).status_code == 404
    # a hand-edited result: the stored result no longer matches its hash nor the recomputation
    with unit_of_work(db):
        db.execute(update(Decision).where(Decision.id == d.id)
                   .values(result_json=d.result_json.replace('"outcome":"approved"', '"outcome":"declined"')))
    body = client.post(url, headers=staff).json()
    assert body["identical"] is False
    paths = {x["path"] for x in body["differences"]}
    assert "record.result_sha256" in paths and any(p.endswith("outcome") and not p.startswith("record") for p in paths)
    # a hand-edited input (the amount asked for): recomputed differently
    with unit_of_work(db):
        db.execute(update(Decision).where(Decision.id == d.id)
                   .values(result_json=db.get(Decision, d.id).result_json.replace('"outcome":"declined"', '"outcome":"approved"')))
    db.expire_all()
    fresh = db.get(Decision, d.id)
    with unit_of_work(db):
        db.execute(update(Decision).where(Decision.id == d.id)
                   .values(inputs_json=fresh.inputs_json.replace('"amount":"300000.00"', '"amount":"200000.00"')))
    body = client.post(url, headers=staff).json()
    assert body["identical"] is False
    paths = {x["path"] for x in body["differences"]}
    assert "record.inputs_sha256" in paths and any("approved_amount" in p or "amount_asked" in p for p in paths)


def test_policy_versions_with_four_eyes_and_a_damaged_text_is_503(client, db, make_user):
    load_decisioning(db)
    risk, risk2 = make_user(Role.RISK_MANAGER, "risk"), make_user(Role.RISK_MANAGER, "risk2")
    current = db.execute(select(PolicyVersion)).scalars().first()
    listed = client.get("/api/v1/policies", headers=h(client, risk)).json()
    assert listed["total"] == 1 and listed["items"][0]["status"] == "approved"
    text = current.text.replace("max_amount: 1000000, min_grade: B", "max_amount: 800000, min_grade: B")
    assert text != current.text
    drafted = client.post("/api/v1/policies/versions", headers=h(client, risk), json={"text": text, "note": "收紧 / tighter"})
    assert drafted.status_code == 201, drafted.text
    vid = drafted.json()["id"]
    assert drafted.json()["version"] == 2 and drafted.json()["status"] == "draft"
    tomorrow = (business_date() + timedelta(days=1)).isoformat()
    own = client.post(f"/api/v1/policies/versions/{vid}/approve", headers=h(client, risk), json={"effective_from": tomorrow})
    assert own.status_code == 403 and own.json()["error"]["code"] == "four_eyes"
    past = client.post(f"/api/v1/policies/versions/{vid}/approve", headers=h(client, risk2),
                       json={"effective_from": "2020-01-01"})
    assert past.status_code == 422
    ok = client.post(f"/api/v1/policies/versions/{vid}/approve", headers=h(client, risk2), json={"effective_from": tomorrow})
    assert ok.status_code == 200 and ok.json()["effective_from"] == tomorrow
    twice = client.post(f"/api/v1/policies/versions/{vid}/reject", headers=h(client, risk2), json={"note": "x"})
    assert twice.status_code == 409
    bad = client.post("/api/v1/policies/versions", headers=h(client, risk), json={"text": "format: nope\n  - ["})
    assert bad.status_code == 422
    for user in (make_user(Role.APPROVER, "approver-p"), make_user(Role.APPLICANT, "applicant-p")):
        assert client.post("/api/v1/policies/versions", headers=h(client, user), json={"text": text}).status_code == 403
    # a text changed in the database by hand is refused, naming the version, never used
    with unit_of_work(db):
        db.execute(update(PolicyVersion).where(PolicyVersion.id == current.id)
                   .values(text=current.text.replace("min_grade: B", "min_grade: E")))
    damaged = client.get(f"/api/v1/policies/versions/{current.id}", headers=h(client, risk))
    assert damaged.status_code == 503 and damaged.json()["error"]["code"] == "policy_damaged"


def test_a_policy_naming_a_scorecard_without_an_approved_version_is_not_approved(client, db, make_user):
    load_decisioning(db)
    risk, risk2 = make_user(Role.RISK_MANAGER, "risk"), make_user(Role.RISK_MANAGER, "risk2")
    current = db.execute(select(PolicyVersion)).scalars().first()
    text = current.text.replace("scorecard: sme-expert-medium", "scorecard: sme-medium-2027")
    assert text != current.text
    drafted = client.post("/api/v1/policies/versions", headers=h(client, risk), json={"text": text})
    assert drafted.status_code == 201, drafted.text
    tomorrow = (business_date() + timedelta(days=1)).isoformat()
    refused = client.post(f"/api/v1/policies/versions/{drafted.json()['id']}/approve", headers=h(client, risk2),
                          json={"effective_from": tomorrow})
    error = refused.json()["error"]
    assert refused.status_code == 409 and error["code"] == "scorecard_not_approved", refused.text
    assert "sme-medium-2027" in error["message"]["zh"] and error["details"]["scorecards"] == ["sme-medium-2027"]
    assert client.get(f"/api/v1/policies/versions/{drafted.json()['id']}", headers=h(client, risk)).json()["status"] == "draft"


def test_a_scorecard_scoring_columns_no_profile_has_is_refused_at_draft(client, db, make_user):
    import json

    load_decisioning(db)
    risk = make_user(Role.RISK_MANAGER, "risk")
    listed = client.get("/api/v1/scorecards", headers=h(client, risk)).json()
    data = json.loads(client.get(f"/api/v1/scorecards/versions/{listed['items'][0]['id']}", headers=h(client, risk)).json()["text"])
    data["characteristics"][0]["feature"] = "checking_status"  # a German-credit column, not a profile feature
    refused = client.post("/api/v1/scorecards/versions", headers=h(client, risk), json={"scorecard": data})
    error = refused.json()["error"]
    assert refused.status_code == 422 and error["code"] == "unknown_features", refused.text
    assert "checking_status" in error["message"]["zh"] and error["details"]["features"] == ["checking_status"]


def test_scorecard_versions_draft_and_reject(client, db, make_user):
    load_decisioning(db)
    risk, risk2 = make_user(Role.RISK_MANAGER, "risk"), make_user(Role.RISK_MANAGER, "risk2")
    listed = client.get("/api/v1/scorecards", headers=h(client, risk)).json()
    assert listed["total"] >= 1
    card = client.get(f"/api/v1/scorecards/versions/{listed['items'][0]['id']}", headers=h(client, risk)).json()
    import json

    data = json.loads(card["text"])
    data["intercept_points"] = 5
    drafted = client.post("/api/v1/scorecards/versions", headers=h(client, risk), json={"scorecard": data, "note": "+5"})
    assert drafted.status_code == 201, drafted.text
    rejected = client.post(f"/api/v1/scorecards/versions/{drafted.json()['id']}/reject", headers=h(client, risk2),
                           json={"note": "没有依据 / no evidence"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    data["characteristics"][0]["bins"] = []
    broken = client.post("/api/v1/scorecards/versions", headers=h(client, risk), json={"scorecard": data})
    assert broken.status_code == 422


@pytest.mark.parametrize("path", ["/api/v1/policies/versions/0", "/api/v1/policies/versions/abc",
                                  "/api/v1/scorecards/versions/99999999999", "/api/v1/decisions/-1/replay"])
def test_bad_ids_are_4xx(client, db, make_user, path):
    risk = make_user(Role.RISK_MANAGER, "risk")
    method = client.post if path.endswith("replay") else client.get
    assert method(path, headers=h(client, risk)).status_code == 422
