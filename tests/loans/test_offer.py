"""From an accepted offer (stage 4) to a disbursed loan through the API: the accept answers with the
new loan's id; the borrower gives the accounts, reads and accepts the contract; operations disburse."""

from __future__ import annotations

from decimal import Decimal

from tests.conftest import api_token
from tests.decisioning.helpers import submitted, world

D = Decimal


def test_accepting_an_offer_makes_a_loan_that_operations_disburse(client, db, make_user):
    from smecredit.identity.roles import Role

    w = world(db, make_user, 2, code="tax_loan")
    a = submitted(db, w, "300000", repayment_method="equal_installment")  # revolving would make a line (drawn, not paid out)
    borrower = api_token(client, w.applicant.username)
    offer = client.get(f"/api/v1/applications/{a.id}/offer", headers=borrower).json()
    accepted = client.post(f"/api/v1/applications/{a.id}/offer/accept", headers=borrower)
    assert accepted.status_code == 200, accepted.text
    loan_id = accepted.json()["loan_id"]
    loan = client.get(f"/api/v1/loans/{loan_id}", headers=borrower).json()
    assert loan["status"] == "pending" and loan["principal"] == f"{D(offer['amount']):.2f}"
    assert loan["apr"] == f"{D(offer['apr']):.4f}" and loan["months"] == offer["term_months"]

    ops_user = make_user(Role.OPERATIONS, "ops-offer")
    ops = api_token(client, ops_user.username)
    early = client.post(f"/api/v1/loans/{loan_id}/disburse", headers={**ops, "Idempotency-Key": "d"})
    assert early.status_code == 409 and early.json()["error"]["code"] == "contract_not_accepted"
    no_accounts = client.post(f"/api/v1/loans/{loan_id}/contract/accept", headers=borrower,
                              json={"contract_sha256": "0" * 64})
    assert no_accounts.status_code == 409 and no_accounts.json()["error"]["code"] == "accounts_missing"
    bad = client.put(f"/api/v1/loans/{loan_id}/accounts", headers=borrower,
                     json={"payee_account": "12", "repayment_account": "6222020200001234567"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "payee_account"
    given = client.put(f"/api/v1/loans/{loan_id}/accounts", headers=borrower,
                       json={"payee_account": "6222020200001234567", "payee_name": "交易对手 甲公司",
                             "repayment_account": "6222020200007654321"})
    assert given.status_code == 200, given.text
    assert client.put(f"/api/v1/loans/{loan_id}/accounts", headers=ops,
                      json={"payee_account": "6222020200001234567", "repayment_account": "6222020200007654321"}).status_code == 403
    contract = client.get(f"/api/v1/loans/{loan_id}/contract", headers=borrower).json()
    assert "年化利率" in contract["html"] and "6222020200001234567" in contract["html"] and contract["accepted_at"] is None
    assert "担保方式：信用。本借款无担保。" in contract["html"]  # the guarantee by its name, never its code
    ok = client.post(f"/api/v1/loans/{loan_id}/contract/accept", headers=borrower, json={"contract_sha256": contract["sha256"]})
    assert ok.status_code == 200, ok.text
    paid = client.post(f"/api/v1/loans/{loan_id}/disburse", headers={**ops, "Idempotency-Key": "d"})
    assert paid.status_code == 201, paid.text
    assert client.get(f"/api/v1/loans/{loan_id}", headers=borrower).json()["status"] == "active"
