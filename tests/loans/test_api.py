"""The loan API as an integrator uses it: disbursement and repayments with Idempotency-Key, the
loan's figures, schedule, transactions, statement (JSON and XLSX), payoff and the trial balance."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from tests.conftest import api_token
from tests.loans.helpers import START, on, open_loan, world

D = Decimal


def test_disburse_repay_and_read_a_loan(client, db, make_user):
    w = world(db, make_user)
    loan = open_loan(db, w)
    ops = api_token(client, w.operations.username)
    borrower = api_token(client, w.applicant.username)
    with on(START):
        missing = client.post(f"/api/v1/loans/{loan.id}/disburse", headers=ops)
        assert missing.status_code == 422 and missing.json()["error"]["field"] == "Idempotency-Key"
        first = client.post(f"/api/v1/loans/{loan.id}/disburse", headers={**ops, "Idempotency-Key": "d-1"})
        assert first.status_code == 201, first.text
        again = client.post(f"/api/v1/loans/{loan.id}/disburse", headers={**ops, "Idempotency-Key": "d-1"})
        assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
        other = client.post(f"/api/v1/loans/{loan.id}/disburse", headers={**ops, "Idempotency-Key": "d-2"})
        assert other.status_code == 409
        assert client.post(f"/api/v1/loans/{loan.id}/disburse", headers={**borrower, "Idempotency-Key": "x"}).status_code == 403
    got = client.get(f"/api/v1/loans/{loan.id}", headers=borrower).json()
    assert got["status"] == "active" and got["outstanding_principal"] == "120000.00"
    assert got["next_due_date"] == "2025-02-10" and got["next_due_amount"] == "10327.97" and got["apr"] == "6.0000"
    # an integrator sees whether the contract was accepted (a loan cannot be paid out before) and the accounts
    assert got["contract_accepted_at"] and len(got["contract_sha256"]) == 64
    assert got["payee_account"] == got["repayment_account"] == f"6222{w.enterprise.id:08d}"

    with on(date(2025, 2, 20)):
        body = {"amount": "11000", "value_date": "2025-02-20"}
        paid = client.post(f"/api/v1/loans/{loan.id}/repayments", json=body, headers={**ops, "Idempotency-Key": "r-1"})
        assert paid.status_code == 201, paid.text
        replay = client.post(f"/api/v1/loans/{loan.id}/repayments", json=body, headers={**ops, "Idempotency-Key": "r-1"})
        assert replay.status_code == 200 and replay.json()["id"] == paid.json()["id"]
        clash = client.post(f"/api/v1/loans/{loan.id}/repayments", json={**body, "amount": "1"},
                            headers={**ops, "Idempotency-Key": "r-1"})
        assert clash.status_code == 409
        # another caller's key is not theirs to replay: 409, and nothing collected from the borrower
        theirs = client.post(f"/api/v1/loans/{loan.id}/repayments", json=body, headers={**borrower, "Idempotency-Key": "r-1"})
        assert theirs.status_code == 409 and theirs.json()["error"]["code"] == "idempotency_key_reused"
        assert client.post(f"/api/v1/loans/{loan.id}/repayments", json={"amount": 1.5, "value_date": "2025-02-20"},
                           headers={**ops, "Idempotency-Key": "r-2"}).status_code == 422
        got = client.get(f"/api/v1/loans/{loan.id}", headers=ops).json()
        assert got["penalty"] == "0.00" and got["credit"] == "646.21" and got["days_past_due"] == 0

        schedule = client.get(f"/api/v1/loans/{loan.id}/schedule", headers=borrower).json()
        assert schedule[0]["status"] == "paid" and len(schedule) == 12
        statement = client.get(f"/api/v1/loans/{loan.id}/statement", headers=borrower).json()
        assert [line["kind"] for line in statement["lines"]] == ["disbursement", "repayment"]
        assert statement["lines"][1]["penalty"] == "24.32" and statement["lines"][1]["to_credit"] == "646.21"
        sheet = client.get(f"/api/v1/loans/{loan.id}/statement?format=xlsx", headers=borrower)
        assert sheet.status_code == 200
        rows = list(load_workbook(io.BytesIO(sheet.content)).active.values)
        assert rows[0][0] == "日期 Date" and len(rows) == 3
        assert [r[1] for r in rows[1:]] == ["放款 Disbursement", "还款 Repayment"]  # names, not the API's codes
        quote = client.get(f"/api/v1/loans/{loan.id}/payoff?date=2025-02-20", headers=borrower).json()
        assert D(quote["total"]) == D(quote["principal"]) + D(quote["interest"]) - D("646.21")
        assert client.get(f"/api/v1/loans/{loan.id}/transactions", headers=ops).json()["total"] == 2

        trial = client.get("/api/v1/accounting/trial-balance?date=2025-02-20", headers=ops).json()
        assert trial["total_debit"] == trial["total_credit"]
        by_code = {row["account"]: row for row in trial["rows"]}
        assert by_code["1303.01"]["balance"] == got["outstanding_principal"]
        assert by_code["2241.01"]["balance"] == "646.21"
        assert client.get("/api/v1/accounting/trial-balance", headers=borrower).status_code == 403


def test_another_borrowers_loan_is_not_found(client, db, make_user):
    mine, theirs = world(db, make_user, 1), world(db, make_user, 2)
    loan = open_loan(db, theirs)
    token = api_token(client, mine.applicant.username)
    assert client.get(f"/api/v1/loans/{loan.id}", headers=token).status_code == 404
    assert client.get("/api/v1/loans/999999", headers=token).status_code == 404
    listed = client.get("/api/v1/loans", headers=token).json()
    assert listed["total"] == 0
    assert client.get("/api/v1/loans", headers=api_token(client, theirs.applicant.username)).json()["total"] == 1
    assert client.get("/api/v1/loans", headers=api_token(client, theirs.operations.username)).json()["total"] == 1
