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
        page = client.get(f"/loans/{loan.id}")  # a request: nothing changes until a second person approves
        assert 'data-status="active"' in page.text and 'data-testid="reversal-pending"' in page.text
        change_id = re.search(r'/loan-change-requests/(\d+)/cancel', page.text).group(1)
        assert 'data-testid="approve-change"' not in page.text  # operations do not check
        client.post("/logout", data={"csrf_token": csrf_of(client)})
        login(client, w.approver.username)
        queue = client.get("/loan-change-requests")
        assert loan.no in queue.text and "冲正" in queue.text and ">reversal<" not in queue.text
        assert _post(client, f"/loan-change-requests/{change_id}/approve", {"comment": "同意"}).status_code == 303
        page = client.get(f"/loans/{loan.id}")
        assert 'data-status="overdue"' in page.text and "已批准并执行" in page.text
        assert loan.no not in client.get("/loan-change-requests").text
        client.post("/logout", data={"csrf_token": csrf_of(client)})
        login(client, w.operations.username)
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


def test_bad_payment_input_is_refused_with_its_field_and_changes_nothing(client, db, make_user):
    from smecredit.loans.models import Loan, LoanTransaction
    from sqlalchemy import func, select

    w = world(db, make_user)
    loan = disbursed(db, w)
    login(client, w.operations.username)
    with on(date(2025, 2, 20)):
        for data, field in (({"amount": "abc"}, "amount"), ({"amount": "1e999"}, "amount"), ({"amount": "-5"}, "amount"),
                            ({"amount": "12.345"}, "amount"), ({"amount": ""}, "amount"),
                            ({"amount": "100", "kind": "write_off"}, "kind"),
                            ({"amount": "100", "kind": "prepayment", "mode": "shorter"}, "mode"),
                            ({"amount": "100", "value_date": "yesterday"}, "value_date"),
                            ({"amount": "100", "value_date": "2025-02-21"}, "value_date")):
            refused = _post(client, f"/loans/{loan.id}/payments", {"idempotency_key": f"k-{field}-{len(data)}", **data})
            assert refused.status_code == 422, (data, refused.status_code)
            assert 'data-testid="error"' in refused.text and 'is-invalid' in refused.text, data
            assert f'id="{field}"' in refused.text, data
        db.expire_all()
        count = db.execute(select(func.count()).select_from(LoanTransaction).where(LoanTransaction.loan_id == loan.id)).scalar_one()
        assert count == 1  # the disbursement only
        assert db.get(Loan, loan.id).outstanding_principal == loan.principal
        before = client.get(f"/loans/{loan.id}?quote=2025-01-01")
        assert before.status_code == 422 and "结清日不能早于放款日" in before.text
        assert client.get(f"/loans/{loan.id}?quote=someday").status_code == 422
        quoted = client.get(f"/loans/{loan.id}?quote=2025-02-20")
        assert quoted.status_code == 200 and 'data-testid="payoff-total"' in quoted.text
        assert client.get("/accounting/trial-balance?date=31/12/2025").status_code == 422


def test_the_loan_book_lists_filters_and_exports_what_the_user_may_see(client, db, make_user):
    import csv
    import io

    mine, theirs = world(db, make_user, 1), world(db, make_user, 2)
    waiting = open_loan(db, mine)
    served = disbursed(db, mine, principal="50000")
    elsewhere = open_loan(db, theirs)
    login(client, mine.officer.username)  # the officer of enterprise 1 only
    book = client.get("/loans")
    assert book.status_code == 200 and waiting.no in book.text and served.no in book.text
    assert elsewhere.no not in book.text
    queue = client.get("/loans?status=pending")
    assert waiting.no in queue.text and served.no not in queue.text and "可放款" in queue.text
    assert 'data-testid="to-disburse"' not in queue.text  # an officer does not disburse
    found = client.get(f"/loans?q={served.no}")
    assert served.no in found.text and waiting.no not in found.text
    assert client.get("/loans?status=nonsense&sort=bogus&page=-3").status_code == 200
    exported = client.get("/loans/export.csv?status=pending")
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == [waiting.no] and "待放款" in rows[1]
    assert client.get("/loans/export.xlsx").content[:2] == b"PK"
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    login(client, mine.operations.username)
    assert f'href="/loans/{waiting.id}#summary" data-testid="to-disburse"' in client.get("/loans?status=pending").text
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    login(client, mine.applicant.username)
    assert client.get("/loans/export.csv", follow_redirects=False).status_code == 403


def test_the_contract_page_shows_the_text_the_borrower_accepts(client, db, make_user):
    from smecredit.loans import contract
    from smecredit.loans.models import Loan

    w = world(db, make_user)
    loan = open_loan(db, w, accept=False)
    login(client, w.applicant.username)
    with on(START):
        page = client.get(f"/loans/{loan.id}/contract")
        assert page.status_code == 200 and 'data-testid="contract-text"' in page.text
        assert "<style>" not in page.text  # the platform's page: no inline style for the CSP to refuse
        body = contract.render(db, loan).split("<body>\n", 1)[1].split("</body>", 1)[0]
        assert body in page.text  # the very text whose SHA-256 is accepted
        sha = re.search(r'name="contract_sha256" value="([0-9a-f]{64})"', page.text).group(1)
        assert sha == contract.sha256_of(db, loan)
        assert _post(client, f"/loans/{loan.id}/contract/accept", {"contract_sha256": sha}).status_code == 303
        db.expire_all()
        assert db.get(Loan, loan.id).contract_sha256 == sha
        again = client.get(f"/loans/{loan.id}/contract")
        assert 'data-testid="accept-contract"' not in again.text and sha in again.text


def test_after_a_restructuring_the_loan_page_shows_the_rate_and_term_now(client, db, make_user):
    from smecredit.identity.roles import Role
    from smecredit.loans import changes
    from tests.loans.helpers import run

    w = world(db, make_user)
    loan = disbursed(db, w)
    login(client, w.officer.username)
    with on(date(2025, 3, 20)):
        assert 'data-testid="rate-now"' not in client.get(f"/loans/{loan.id}").text  # the contract's terms still
        change = run(db, changes.request_change, user=w.operations, loan=loan, kind="restructuring", new_months=24,
                     new_annual_rate="4.5", new_method="equal_principal", reason="经营困难 financial difficulty")
        run(db, changes.approve, user=make_user(Role.APPROVER, "approver-other"), change=change)
        page = client.get(f"/loans/{loan.id}").text
    rate_now = re.search(r'data-testid="rate-now">([^<]*)<', page).group(1)
    term_now = re.search(r'data-testid="term-now">([^<]*)<', page).group(1)
    assert rate_now.startswith("4.50%（展期/重组后）")
    assert term_now.startswith("等额本金 · 24 个月（自放款日起） · 到期日 2027-01-10")
    contract_rate = re.search(r"合同年利率</dt><dd[^>]*>([^<]*)<", page).group(1)
    assert contract_rate.startswith("6.00%")  # the contract's rate stays shown, as contracted
    assert "年化利率（内部收益率法），按合同" in page
