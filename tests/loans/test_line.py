"""A revolving line (随借随还) on a real database: drawdowns through the API with an Idempotency-Key,
paid through the sandbox bank and posted to the journal; the refusals (over the limit, expired,
overdue, someone else's line); repayments making the limit available again; the end of day
collecting the monthly interest."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from smecredit.audit.models import AuditEvent
from smecredit.identity.roles import Role
from smecredit.kernel.errors import Conflict, Forbidden
from smecredit.loans import eod, ledger, service
from smecredit.loans.bank import SandboxBank
from smecredit.loans.models import JournalEntry, JournalLine, SandboxAccount, SandboxTransfer
from tests.conftest import api_token
from tests.loans.helpers import START, on, open_loan, run, world
from tests.loans.test_service import journal_figures, loan_figures

D = Decimal
LINE = dict(principal="100000", annual_rate="3.6", months=12, method="revolving")  # 50,000 drawn: 5.00 a day


def test_draw_repay_and_read_a_line_through_the_api(client, db, make_user):
    w = world(db, make_user)
    line = open_loan(db, w, **LINE)
    borrower = api_token(client, w.applicant.username)
    ops = api_token(client, w.operations.username)
    url = f"/api/v1/loans/{line.id}"
    with on(START):
        got = client.get(url, headers=borrower).json()
    assert got["is_line"] and got["status"] == "pending" and got["line_available"] == "100000.00"
    assert got["line_expires_on"] == "2026-01-10" and got["principal"] == "100000.00"
    with on(date(2025, 1, 15)):
        assert client.post(f"{url}/disburse", headers={**ops, "Idempotency-Key": "d"}).json()["error"]["code"] == \
            "revolving_line"
        missing = client.post(f"{url}/drawdowns", json={"amount": "50000"}, headers=borrower)
        assert missing.status_code == 422 and missing.json()["error"]["field"] == "Idempotency-Key"
        first = client.post(f"{url}/drawdowns", json={"amount": "50000"}, headers={**borrower, "Idempotency-Key": "t-1"})
        assert first.status_code == 201, first.text
        assert first.json()["kind"] == "drawdown" and first.json()["bank_reference"].startswith("SBX")
        again = client.post(f"{url}/drawdowns", json={"amount": "50000"}, headers={**borrower, "Idempotency-Key": "t-1"})
        assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
        over = client.post(f"{url}/drawdowns", json={"amount": "50000.01"}, headers={**ops, "Idempotency-Key": "t-2"})
        assert over.status_code == 422, over.text
        error = over.json()["error"]
        assert error["field"] == "amount" and error["code"] == "over_limit" and error["details"]["available"] == "50000.00"
        assert "可用额度" in error["message"]["zh"] and "available" in error["message"]["en"]
        by_ops = client.post(f"{url}/drawdowns", json={"amount": "20000"}, headers={**ops, "Idempotency-Key": "t-3"})
        assert by_ops.status_code == 201  # operations draw for the borrower
        got = client.get(url, headers=borrower).json()
        assert (got["status"], got["outstanding_principal"], got["line_available"]) == ("active", "70000.00", "30000.00")
        assert got["disbursed_on"] == "2025-01-15" and got["next_due_date"] == "2025-02-10"
    # each drawdown paid once to the designated account, posted 1303.01 / 1002 with the same figures as the line
    transfers = db.execute(select(SandboxTransfer).where(SandboxTransfer.reference == line.no)).scalars().all()
    assert sorted(t.amount for t in transfers) == [D("20000.00"), D("50000.00")]
    assert {t.to_account for t in transfers} == {line.payee_account}
    entries = db.execute(select(JournalEntry).where(JournalEntry.loan_id == line.id, JournalEntry.kind == "drawdown")).scalars().all()
    assert len(entries) == 2
    first_lines = db.execute(select(JournalLine.account, JournalLine.debit, JournalLine.credit)
                             .where(JournalLine.entry_id == entries[0].id).order_by(JournalLine.account)).all()
    assert first_lines == [("1002", D("0.00"), D("50000.00")), ("1303.01", D("50000.00"), D("0.00"))]
    db.expire_all()
    assert journal_figures(db, line) == loan_figures(line)
    events = db.execute(select(AuditEvent.action).where(AuditEvent.entity_id == str(line.id))).scalars().all()
    assert events.count("loan.drawn") == 2

    # the borrower spends the money; the end of day finds nothing to collect on 10 February
    run(db, SandboxBank().collect, idempotency_key="spent", from_account=line.repayment_account, amount=D("70000"),
        purpose="spent", reference="test")
    eod.run(date(2025, 2, 19))
    with on(date(2025, 2, 20)):  # interest of 26 days on 50,000 and 26 days on 20,000 fell due on 10 February
        schedule = client.get(f"{url}/schedule", headers=borrower).json()
        assert [(r["kind"], r["due_date"], r["interest"], r["principal"]) for r in schedule] == [
            ("interest", "2025-02-10", "182.00", "0.00"), ("interest", "2025-03-10", "70.00", "0.00"),
            ("drawdown", "2026-01-10", "0.00", "50000.00"), ("drawdown", "2026-01-10", "0.00", "20000.00")]
        assert schedule[0]["status"] == "overdue" and schedule[2]["drawn_on"] == "2025-01-15"
        got = client.get(url, headers=borrower).json()
        assert got["status"] == "overdue" and got["line_available"] == "0.00"
        refused = client.post(f"{url}/drawdowns", json={"amount": "1"}, headers={**borrower, "Idempotency-Key": "t-4"})
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "line_overdue"
        assert refused.json()["error"]["message"]["zh"] and refused.json()["error"]["message"]["en"]
        paid = client.post(f"{url}/repayments", json={"amount": "60000"}, headers={**ops, "Idempotency-Key": "r-1"})
        assert paid.status_code == 201, paid.text
        got = client.get(url, headers=borrower).json()
        assert got["status"] == "active" and got["outstanding_principal"] == "10252.27"  # 60,000 − 0.27 − 182 − 70
        assert D(got["line_available"]) == D("100000") - D(got["outstanding_principal"])
        quote = client.get(f"{url}/payoff?date=2025-02-20", headers=borrower).json()
        assert quote["principal"] == got["outstanding_principal"] and quote["interest"] == "0.00"
        again = client.post(f"{url}/drawdowns", json={"amount": "80000"}, headers={**borrower, "Idempotency-Key": "t-5"})
        assert again.status_code == 201  # the repaid principal may be drawn again
        statement = client.get(f"{url}/statement", headers=borrower).json()
        assert [line["kind"] for line in statement["lines"]] == ["drawdown", "drawdown", "repayment", "drawdown"]
    db.expire_all()
    assert journal_figures(db, line) == loan_figures(line)


def test_someone_elses_line_is_not_found_and_only_the_borrower_or_operations_draw(client, db, make_user):
    mine, theirs = world(db, make_user, 1), world(db, make_user, 2)
    line = open_loan(db, theirs, **LINE)
    with on(START):
        headers = {**api_token(client, mine.applicant.username), "Idempotency-Key": "x"}
        assert client.post(f"/api/v1/loans/{line.id}/drawdowns", json={"amount": "1"}, headers=headers).status_code == 404
        officer = {**api_token(client, theirs.officer.username), "Idempotency-Key": "x"}
        assert client.post(f"/api/v1/loans/{line.id}/drawdowns", json={"amount": "1"}, headers=officer).status_code == 403
        approver_ops = make_user(Role.OPERATIONS, "ops-approver")
        line.approved_by_id = approver_ops.id
        db.commit()
        with pytest.raises(Forbidden) as refused:
            run(db, service.draw, user=approver_ops, loan=line, amount="1", idempotency_key="k")
        assert refused.value.code == "approver_may_not_draw"


def test_a_line_draws_only_once_its_contract_is_accepted_until_it_expires_and_never_as_a_loan(db, make_user):
    w = world(db, make_user)
    waiting = open_loan(db, w, accept=False, **LINE)
    with on(START), pytest.raises(Conflict) as refused:
        run(db, service.draw, user=w.applicant, loan=waiting, amount="1", idempotency_key="k")
    assert refused.value.code == "contract_not_accepted"
    line = open_loan(db, w, **LINE)
    with on(date(2026, 1, 9)):  # the last day of the line
        run(db, service.draw, user=w.applicant, loan=line, amount="1000", idempotency_key="k-last")
    with on(date(2026, 1, 10)), pytest.raises(Conflict) as refused:
        run(db, service.draw, user=w.applicant, loan=line, amount="1", idempotency_key="k-expired")
    assert refused.value.code == "line_expired" and "2026-01-10" in refused.value.message.zh
    loan = open_loan(db, w)
    with on(START), pytest.raises(Conflict) as refused:
        run(db, service.draw, user=w.applicant, loan=loan, amount="1", idempotency_key="k")
    assert refused.value.code == "not_a_line"


def test_the_end_of_day_collects_the_months_interest_and_the_journal_equals_the_line(db, make_user):
    w = world(db, make_user)
    line = open_loan(db, w, **LINE)
    with on(date(2025, 1, 15)):
        run(db, service.draw, user=w.applicant, loan=line, amount="50000", idempotency_key="k")
    eod.run(date(2025, 2, 12))
    db.expire_all()
    line = db.get(type(line), line.id)
    assert line.status == ledger.ACTIVE and line.days_past_due == 0 and line.eod_date == date(2025, 2, 12)
    assert line.accrued_interest == D("10.00")  # 11 and 12 February
    debit = db.execute(select(SandboxTransfer).where(SandboxTransfer.from_account == line.repayment_account)).scalar_one()
    assert debit.amount == D("130.00")  # 26 days of 5.00, collected on 10 February
    assert db.get(SandboxAccount, line.repayment_account).balance == D("50000") - D("130.00")
    assert journal_figures(db, line) == loan_figures(line)


def test_a_line_is_written_off_with_a_checker_but_not_extended(db, make_user):
    from smecredit.loans import changes

    w = world(db, make_user)
    line = open_loan(db, w, **LINE)
    with on(date(2025, 1, 15)):
        run(db, service.draw, user=w.applicant, loan=line, amount="50000", idempotency_key="k")
    with on(date(2025, 3, 1)):
        with pytest.raises(Conflict) as refused:
            run(db, changes.request_change, user=w.officer, loan=line, kind="extension", extra_months=3, reason="r")
        assert refused.value.code == "line_not_rescheduled"
        change = run(db, changes.request_change, user=w.officer, loan=line, kind="write_off", reason="破产")
        run(db, changes.approve, user=make_user(Role.RISK_MANAGER, "risk-line"), change=change)
        with pytest.raises(Conflict) as refused:
            run(db, service.draw, user=w.applicant, loan=line, amount="1", idempotency_key="k-after")
    assert refused.value.code == "line_written_off"
    db.expire_all()
    assert journal_figures(db, line) == loan_figures(line)


def test_the_line_in_the_pages_limit_used_available_and_a_drawdown_form(client, db, make_user):
    import re

    from tests.conftest import csrf_of, login

    w = world(db, make_user)
    line = open_loan(db, w, **LINE)
    login(client, w.applicant.username)
    with on(date(2025, 1, 15)):
        mine = client.get("/my/loans").text
        assert "可用额度" in mine and "100,000.00" in mine and 'data-testid="to-draw"' in mine
        page = client.get(f"/loans/{line.id}").text
        assert 'data-testid="draw-form"' in page and "尚未提款" in page and "2025-01-10 – 2026-01-10" in page
        key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page).group(1)
        over = client.post(f"/loans/{line.id}/drawdowns", data={"csrf_token": csrf_of(client), "amount": "100000.01",
                                                                "idempotency_key": key}, follow_redirects=False)
        assert over.status_code == 422 and "可用额度" in over.text and 'id="draw_amount"' in over.text
        assert re.search(r'class="form-control is-invalid" id="draw_amount"', over.text)
        assert not re.search(r'is-invalid" id="amount"', over.text)  # the repay form's amount is not the one refused
        done = client.post(f"/loans/{line.id}/drawdowns", data={"csrf_token": csrf_of(client), "amount": "30000",
                                                                "idempotency_key": key}, follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"].endswith("#draw")
        page = client.get(f"/loans/{line.id}").text
        assert 'data-testid="drawdown"' in page and "70,000.00" in page  # available
        assert 'data-testid="kind"' not in page and 'id="kind"' not in page  # every repayment pays principal on a line
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    login(client, w.operations.username)
    with on(date(2025, 1, 16)):
        page = client.get(f"/loans/{line.id}").text
        assert "代借款人提款" in page and 'data-testid="disburse"' not in page
