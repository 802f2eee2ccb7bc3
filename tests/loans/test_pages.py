"""The loan pages with a real session: the borrower gives the accounts and accepts the contract,
operations disburse and record a payment, a wrong payment is reversed, the journal and the trial
balance show, and another borrower's loan is a 404."""

from __future__ import annotations

import re
from datetime import date

from tests.conftest import csrf_of, login
from tests.loans.helpers import START, disbursed, on, open_loan, world


def _post(client, path, data):
    return client.post(path, data={"csrf_token": csrf_of(client), **data}, follow_redirects=False)


def test_the_borrower_accepts_and_operations_disburse_in_the_pages(client, db, make_user):
    w = world(db, make_user)
    loan = open_loan(db, w, accept=False)
    login(client, w.applicant.username)
    with on(START):
        page = client.get(f"/loans/{loan.id}")
        assert page.status_code == 200 and "年化利率" in page.text and 'data-testid="accept-contract"' in page.text
        bad = _post(client, f"/loans/{loan.id}/accounts", {"payee_account": "x", "repayment_account": "6222020200007654321"})
        assert bad.status_code == 422 and "收款账号" in bad.text
        sha = re.search(r'name="contract_sha256" value="([0-9a-f]{64})"', page.text).group(1)
        accepted = _post(client, f"/loans/{loan.id}/contract/accept", {"contract_sha256": sha})
        assert accepted.status_code == 303
        assert client.get(f"/loans/{loan.id}/contract").text.count("借款合同") >= 1
        mine = client.get("/my/loans")
        assert loan.no in mine.text and "待放款" in mine.text
        client.post("/logout", data={"csrf_token": csrf_of(client)})
        login(client, w.operations.username)
        queue = client.get("/loans?status=pending")
        assert loan.no in queue.text
        page = client.get(f"/loans/{loan.id}")
        key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page.text).group(1)
        assert _post(client, f"/loans/{loan.id}/disburse", {"idempotency_key": key}).status_code == 303
        assert _post(client, f"/loans/{loan.id}/disburse", {"idempotency_key": key}).status_code == 303  # a double click
        page = client.get(f"/loans/{loan.id}")
        assert 'data-status="active"' in page.text and 'data-testid="journal"' in page.text
        assert client.get("/loans-sandbox-bank").text.count("SBX") == 1


def test_operations_record_and_reverse_a_payment_and_read_the_trial_balance(client, db, make_user):
    w = world(db, make_user)
    loan = disbursed(db, w)
    login(client, w.operations.username)
    with on(date(2025, 2, 20)):
        paid = _post(client, f"/loans/{loan.id}/payments", {"amount": "11000", "value_date": "2025-02-20",
                                                           "kind": "repayment", "idempotency_key": "p1"})
        assert paid.status_code == 303
        page = client.get(f"/loans/{loan.id}")
        assert "646.21" in page.text
        txn_id = re.search(r'/transactions/(\d+)/reverse', page.text).group(1)
        no_reason = _post(client, f"/loans/{loan.id}/transactions/{txn_id}/reverse", {"reason": ""})
        assert no_reason.status_code == 422
        assert _post(client, f"/loans/{loan.id}/transactions/{txn_id}/reverse", {"reason": "录错 wrong"}).status_code == 303
        page = client.get(f"/loans/{loan.id}")
        assert 'data-status="overdue"' in page.text
        trial = client.get("/accounting/trial-balance?date=2025-02-20")
        assert trial.status_code == 200 and "贷款—本金" in trial.text
        assert client.get("/accounting/trial-balance?date=2025-02-20&format=xlsx").content[:2] == b"PK"
        assert client.get(f"/loans/{loan.id}/statement.xlsx").content[:2] == b"PK"


def test_another_borrowers_loan_page_is_not_found(client, db, make_user):
    mine, theirs = world(db, make_user, 1), world(db, make_user, 2)
    loan = open_loan(db, theirs)
    login(client, mine.applicant.username)
    assert client.get(f"/loans/{loan.id}").status_code == 404
    assert loan.no not in client.get("/my/loans").text
    assert client.get("/loans").status_code in (303, 403)
