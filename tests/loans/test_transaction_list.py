"""交易流水: the transactions of the loans a user may see, filtered by kind, source and value date,
with reversed entries marked, exported as filtered; bad dates refused with the field."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import get_args

from smecredit.loans import transaction_list
from smecredit.loans.api import TransactionKind

from tests.conftest import api_token, login
from tests.loans.helpers import START, disbursed, on, reversed_by_two, run, world


def _pay(db, w, loan, amount, day, key):
    from smecredit.loans import service

    with on(day):
        return run(db, service.record_payment, user=w.operations, loan=loan, amount=amount, value_date=day,
                   idempotency_key=key, source="page")


def test_operations_read_filter_and_export_the_transactions(client, db, make_user):
    mine, theirs = world(db, make_user, 1), world(db, make_user, 2)
    loan = disbursed(db, mine, principal="60000")
    other = disbursed(db, theirs, principal="70000")
    paid_day = START + timedelta(days=20)
    kept = _pay(db, mine, loan, "1000.00", paid_day, "pay-1")
    wrong = _pay(db, mine, loan, "2345.67", paid_day, "pay-2")
    with on(paid_day):
        reversed_by_two(db, mine, loan, wrong.id, "录错金额 / wrong amount")

    login(client, mine.operations.username)  # operations see every loan
    with on(paid_day):
        page = client.get("/loan-transactions")
        assert page.status_code == 200
        assert loan.no in page.text and other.no in page.text
        assert "2,345.67" in page.text and "已冲正" in page.text and "冲正" in page.text
        received = client.get("/loan-transactions?kind=received").text
        assert "1,000.00" in received and "2,345.67" in received and "60,000.00" not in received
        disbursements = client.get(f"/loan-transactions?kind=disbursement&q={loan.no}").text
        assert "60,000.00" in disbursements and "70,000.00" not in disbursements and "1,000.00" not in disbursements
        only_start = client.get(f"/loan-transactions?to={START.isoformat()}").text
        assert "60,000.00" in only_start and "1,000.00" not in only_start

        exported = client.get("/loan-transactions/export.csv?kind=received")
        assert exported.status_code == 200
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        header, body = rows[0], rows[1:]
        assert "录入" not in header and "录入日期" in header  # who entered it stays on the page
        amounts = sorted(r[header.index("金额（元）")] for r in body)
        assert amounts == ["1000.00", "2345.67"]
        assert {r[header.index("已冲正")] for r in body} == {"是", "否"}
        assert client.get("/loan-transactions/export.xlsx").content[:2] == b"PK"


def test_bad_dates_are_refused_with_the_field(client, db, make_user):
    w = world(db, make_user)
    disbursed(db, w)
    login(client, w.operations.username)
    bad = client.get("/loan-transactions?from=2025-02-30")
    assert bad.status_code == 422 and "起息日自不是有效日期" in bad.text and "is-invalid" in bad.text
    backwards = client.get("/loan-transactions?from=2025-03-01&to=2025-02-01")
    assert backwards.status_code == 422 and "起息日至不能早于起息日自" in backwards.text
    assert client.get("/loan-transactions/export.csv?to=yesterday").status_code == 422
    assert client.get("/loan-transactions?kind=nonsense&source=x&sort=bogus&page=-1").status_code == 200


def test_an_officer_sees_only_their_portfolio_and_a_borrower_none(client, db, make_user):
    mine, theirs = world(db, make_user, 1), world(db, make_user, 2)
    own = disbursed(db, mine, principal="51000")
    elsewhere = disbursed(db, theirs, principal="52000")
    login(client, mine.officer.username)
    page = client.get("/loan-transactions").text
    assert own.no in page and elsewhere.no not in page
    exported = client.get("/loan-transactions/export.csv").content.decode("utf-8-sig")
    assert own.no in exported and elsewhere.no not in exported
    client.cookies.clear()
    login(client, mine.applicant.username)
    assert client.get("/loan-transactions", follow_redirects=False).status_code == 403
    assert client.get("/loan-transactions/export.csv", follow_redirects=False).status_code == 403


def test_the_api_lists_the_transactions_the_caller_may_see(client, db, make_user):
    mine, theirs = world(db, make_user, 1), world(db, make_user, 2)
    loan = disbursed(db, mine, principal="61000")
    disbursed(db, theirs, principal="62000")
    paid_day = START + timedelta(days=5)
    _pay(db, mine, loan, "700.00", paid_day, "pay-api")
    officer = api_token(client, mine.officer.username)
    listed = client.get("/api/v1/loan-transactions", headers=officer)
    assert listed.status_code == 200
    body = listed.json()
    assert body["total"] == 2 and {i["loan_no"] for i in body["items"]} == {loan.no}
    assert body["items"][0]["kind"] == "repayment" and body["items"][0]["amount"] == "700.00"
    assert body["items"][0]["reversed"] is False and body["items"][0]["value_date"] == paid_day.isoformat()
    received = client.get("/api/v1/loan-transactions", headers=officer,
                          params={"kind": "received", "from": paid_day.isoformat()}).json()
    assert [i["amount"] for i in received["items"]] == ["700.00"]
    assert client.get("/api/v1/loan-transactions", headers=officer, params={"kind": "bogus"}).status_code == 422
    assert set(get_args(TransactionKind)) == {"received", *transaction_list.HISTORY_KINDS}  # one list of kinds
    bad = client.get("/api/v1/loan-transactions", headers=officer, params={"from": "2025-13-01"})
    assert bad.status_code == 422
    backwards = client.get("/api/v1/loan-transactions", headers=officer,
                           params={"from": "2025-03-01", "to": "2025-01-01"})
    assert backwards.status_code == 422 and backwards.json()["error"]["field"] == "to"
    borrower = api_token(client, mine.applicant.username)
    assert client.get("/api/v1/loan-transactions", headers=borrower).status_code == 403
