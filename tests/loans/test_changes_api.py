"""Change requests through the API: the maker asks, a checker decides; the borrower can neither
request nor approve, another enterprise's loan is 404, the old reversal endpoint makes a request."""

from __future__ import annotations

from datetime import date

from smecredit.identity.roles import Role
from tests.conftest import api_token
from tests.loans.helpers import disbursed, on, run, world

MARCH = date(2025, 3, 20)


def test_request_and_approve_an_extension_through_the_api(client, db, make_user):
    w = world(db, make_user)
    loan = disbursed(db, w)
    make_user(Role.RISK_MANAGER, "risk-1")
    officer, borrower = api_token(client, w.officer.username), api_token(client, w.applicant.username)
    risk, approver = api_token(client, "risk-1"), api_token(client, w.approver.username)
    body = {"kind": "extension", "extra_months": 6, "reason": "回款延迟 receivables late"}
    with on(MARCH):
        assert client.post(f"/api/v1/loans/{loan.id}/change-requests", json=body, headers=borrower).status_code == 403
        too_long = client.post(f"/api/v1/loans/{loan.id}/change-requests", json={**body, "extra_months": 13}, headers=officer)
        assert too_long.status_code == 422 and too_long.json()["error"]["field"] == "extra_months"
        assert "《贷款通则》" in too_long.json()["error"]["message"]["zh"]
        no_reason = client.post(f"/api/v1/loans/{loan.id}/change-requests", json={**body, "reason": " "}, headers=officer)
        assert no_reason.status_code == 422
        made = client.post(f"/api/v1/loans/{loan.id}/change-requests", json=body, headers=officer)
        assert made.status_code == 201, made.text
        change = made.json()
        assert change["status"] == "pending" and change["extra_months"] == 6
        again = client.post(f"/api/v1/loans/{loan.id}/change-requests", json=body, headers=officer)
        assert again.status_code == 409 and again.json()["error"]["code"] == "pending_exists"
        url = f"/api/v1/loan-change-requests/{change['id']}"
        assert client.post(f"{url}/approve", json={}, headers=borrower).status_code == 403
        refused = client.post(f"{url}/approve", json={}, headers=approver)  # approved the loan itself
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "four_eyes_loan_approver"
        assert refused.json()["error"]["message"]["zh"] and refused.json()["error"]["message"]["en"]
        listed = client.get("/api/v1/loan-change-requests", headers=risk).json()
        assert [c["id"] for c in listed["items"]] == [change["id"]]
        approved = client.post(f"{url}/approve", json={"comment": "同意"}, headers=risk)
        assert approved.status_code == 200 and approved.json()["status"] == "approved"
        applied = [t for t in client.get(f"/api/v1/loans/{loan.id}/transactions", headers=officer).json()["items"]
                   if t["id"] == approved.json()["applied_transaction_id"]]
        assert [t["source"] for t in applied] == ["api"]  # approved through the API, recorded so
        twice = client.post(f"{url}/reject", json={"comment": "no"}, headers=risk)
        assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_decided"
        shown = client.get(f"/api/v1/loans/{loan.id}", headers=borrower).json()
        assert shown["maturity_date"] == "2026-07-10"
        assert (shown["months"], shown["current_months"]) == (12, 18)  # the contract's term, and the term now
        assert shown["annual_rate"] == shown["current_annual_rate"] == "6.0000" and shown["restructured_on"] is None
        history = client.get(f"/api/v1/loans/{loan.id}/change-requests", headers=officer).json()
        assert history["total"] == 1 and history["items"][0]["status"] == "approved"


def test_the_reversal_endpoint_makes_a_request(client, db, make_user):
    from smecredit.loans import service

    w = world(db, make_user)
    loan = disbursed(db, w)
    ops = api_token(client, w.operations.username)
    with on(date(2025, 2, 10)):
        paid = run(db, service.record_payment, user=w.operations, loan=loan, amount="100", idempotency_key="p")
        made = client.post(f"/api/v1/loans/{loan.id}/transactions/{paid.id}/reversal", json={"reason": "录错"}, headers=ops)
        assert made.status_code == 202 and made.json()["kind"] == "reversal" and made.json()["status"] == "pending"
        assert made.json()["transaction_id"] == paid.id
        kinds = [t["kind"] for t in client.get(f"/api/v1/loans/{loan.id}/transactions", headers=ops).json()["items"]]
        assert kinds == ["disbursement", "repayment"]  # not reversed until approved
        cancel = client.post(f"/api/v1/loan-change-requests/{made.json()['id']}/cancel", headers=ops)
        assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"


def test_another_enterprises_loan_and_its_requests_are_not_found(client, db, make_user):
    mine, theirs = world(db, make_user, 1), world(db, make_user, 2)
    loan = disbursed(db, theirs)
    with on(MARCH):
        from smecredit.loans import changes

        change = run(db, changes.request_change, user=theirs.officer, loan=loan, kind="write_off", reason="lost")
    officer = api_token(client, mine.officer.username)
    body = {"kind": "extension", "extra_months": 1, "reason": "x"}
    assert client.post(f"/api/v1/loans/{loan.id}/change-requests", json=body, headers=officer).status_code == 404
    assert client.get(f"/api/v1/loans/{loan.id}/change-requests", headers=officer).status_code == 404
    assert client.post(f"/api/v1/loan-change-requests/{change.id}/cancel", headers=officer).status_code == 404
    assert client.get("/api/v1/loan-change-requests", headers=officer).json()["total"] == 0
    borrower = api_token(client, mine.applicant.username)
    assert client.get(f"/api/v1/loans/{loan.id}/change-requests", headers=borrower).status_code == 403


def test_after_a_restructuring_the_api_shows_the_rate_term_and_observation_period_now(client, db, make_user):
    from smecredit.loans import changes

    w = world(db, make_user)
    loan = disbursed(db, w)
    with on(MARCH):
        change = run(db, changes.request_change, user=w.operations, loan=loan, kind="restructuring", new_months=24,
                     new_annual_rate="4.5", new_method="equal_principal", reason="经营困难 financial difficulty")
        run(db, changes.approve, user=make_user(Role.APPROVER, "approver-other"), change=change)
        officer = api_token(client, w.officer.username)
        one = client.get(f"/api/v1/loans/{loan.id}", headers=officer).json()
        listed = next(x for x in client.get("/api/v1/loans", headers=officer).json()["items"] if x["id"] == loan.id)
    for shown in (one, listed):
        assert (shown["annual_rate"], shown["months"], shown["method"]) == ("6.0000", 12, "equal_installment")
        assert (shown["current_annual_rate"], shown["current_months"], shown["current_method"]) == \
            ("4.5000", 24, "equal_principal")
        assert (shown["restructured_on"], shown["observation_start"], shown["observation_until"]) == \
            ("2025-03-20", "2025-04-10", "2026-04-10")
        assert shown["maturity_date"] == "2027-01-10"
