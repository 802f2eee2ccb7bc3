"""A loan in a real browser, from the accepted offer to payoff: the applicant accepts the offer,
gives the accounts and accepts the contract; operations disburse; the applicant repays the first
instalment; the second goes unpaid and the day after it the page shows the overdue day and its
penalty; the applicant pays the payoff quote and the loan is closed."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from smecredit.loans import eod
from smecredit.loans.models import Loan
from tests.browser.ui_support import open_walker
from tests.decisioning.helpers import submitted, world
from tests.loans.helpers import on

pytestmark = pytest.mark.browser


def test_a_loan_from_the_offer_to_payoff(browser, live_server, db, make_user, tmp_path):
    from smecredit.identity.roles import Role
    from smecredit.kernel.clock import business_date

    w = world(db, make_user, 2, code="tax_loan")
    # 等额本息: the unpaid instalment has principal in it, so the overdue day bears 罚息 (on the
    # principal) as well as 复利 (on the interest)
    application = submitted(db, w, "300000", repayment_method="equal_installment")
    operations = make_user(Role.OPERATIONS, "ops-browser")
    shots = Path(os.environ.get("SMECREDIT_SHOTS", tmp_path))
    start = business_date()
    with on(start):
        borrower = open_walker(browser, live_server, "phone", "loan-borrower", shots, w.applicant.username)
        page = borrower.page
        borrower.visit(f"/applications/{application.id}")
        page.get_by_test_id("accept-offer").click()
        page.get_by_test_id("go-to-loan").click()  # the accepted offer leads to the loan
        page.wait_for_url("**/my/loans")
        borrower.check("my-loans")
        page.get_by_test_id("my-loan").first.click()
        page.wait_for_url("**/loans/*")
        page.fill("#payee_account", "6222020200001234567")
        if page.locator("#payee_name").count():
            page.fill("#payee_name", "福州示例交易对手有限公司")
        page.fill("#repayment_account", "6222020200001234567")
        page.get_by_test_id("save-accounts").click()
        expect(page.get_by_test_id("accept-contract")).to_be_visible()
        borrower.check("contract")
        page.get_by_test_id("accept-contract").click()
        expect(page.get_by_test_id("contract-accepted")).to_be_visible()
        loan = db.execute(select(Loan).where(Loan.application_id == application.id)).scalar_one()

        ops = open_walker(browser, live_server, "desktop", "loan-ops", shots, operations.username)
        ops.visit("/loans?status=pending")
        ops.page.get_by_role("link", name=loan.no).click()
        ops.page.get_by_test_id("disburse").click()
        expect(ops.page.get_by_test_id("loan-status")).to_have_attribute("data-status", "active")
        ops.check("disbursed")
        ops.page.context.close()

    db.expire_all()
    loan = db.get(Loan, loan.id)
    first_due = loan.next_due_date
    with on(first_due):
        borrower.visit(f"/loans/{loan.id}")
        page.get_by_test_id("repay").click()
        expect(page.get_by_test_id("notice")).to_be_visible()
        borrower.check("repaid")

    db.expire_all()
    second_due = db.get(Loan, loan.id).next_due_date
    # nothing left in the repayment account: the second instalment goes unpaid at the end of day
    from smecredit.kernel.db import unit_of_work
    from smecredit.loans.bank import SandboxBank
    from smecredit.loans.models import SandboxAccount

    with unit_of_work(db):
        balance = db.get(SandboxAccount, loan.repayment_account).balance
        SandboxBank().collect(db, idempotency_key="spent", from_account=loan.repayment_account, amount=balance,
                              purpose="spent", reference="test")
    overdue_day = second_due + timedelta(days=1)
    eod.run(overdue_day)
    with on(overdue_day):
        borrower.visit(f"/loans/{loan.id}")
        expect(page.get_by_test_id("loan-status")).to_have_attribute("data-status", "overdue")
        expect(page.get_by_test_id("dpd")).to_have_text("1")
        penalty, compound = (part.strip() for part in page.get_by_test_id("penalty").inner_text().split("/"))
        assert penalty != "¥0.00" and compound != "¥0.00", (penalty, compound)
        borrower.check("overdue")
        total = page.get_by_test_id("payoff-total").inner_text().replace("¥", "").replace(",", "")
        with unit_of_work(db):
            from decimal import Decimal

            SandboxBank().deposit(db, account_no=loan.repayment_account, holder="test", amount=Decimal(total))
        page.fill("#amount", total)
        page.select_option("#kind", "prepayment")
        page.get_by_test_id("repay").click()
        expect(page.get_by_test_id("loan-status")).to_have_attribute("data-status", "closed")
        borrower.check("closed")
    page.context.close()


def _loans_in_every_state(db, make_user):
    """One borrower with a loan whose contract is not yet accepted, one awaiting disbursement, and
    one disbursed on START that has a payment, a reversed payment and, by 2025-03-15, an overdue
    instalment with 罚息; operations and a loan officer."""
    from datetime import date

    from smecredit.loans import service
    from tests.loans.helpers import START, disbursed, open_loan, reversed_by_two, run, world

    w = world(db, make_user)
    officer = w.officer  # the enterprise's own officer (客户经理)
    fresh = open_loan(db, w, accept=False)
    waiting = open_loan(db, w, principal="50000")
    served = disbursed(db, w, day=START)
    with on(date(2025, 2, 10)):
        run(db, service.record_payment, user=w.operations, loan=served, amount="10327.97", value_date=date(2025, 2, 10),
            idempotency_key="first", source="page")
        wrong = run(db, service.record_payment, user=w.operations, loan=served, amount="5000", value_date=date(2025, 2, 10),
                    idempotency_key="wrong", source="page")
        reversed_by_two(db, w, served, wrong.id, "录错金额")
    # the principal was paid into the repayment account: spend it, so the 2025-03-10 instalment goes unpaid
    from smecredit.loans.bank import SandboxBank
    from smecredit.loans.models import SandboxAccount

    with on(date(2025, 2, 11)):
        balance = db.get(SandboxAccount, served.repayment_account).balance
        run(db, SandboxBank().collect, idempotency_key="spent", from_account=served.repayment_account, amount=balance,
            purpose="spent", reference="test")
    return w, officer, fresh, waiting, served


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_every_loan_page_fits_the_screen(browser, live_server, db, make_user, tmp_path, viewport):
    """Every loan page as the borrower, operations and the loan officer, at phone and desktop width:
    no console error, nothing wider than the screen, tables that fit (cards on a phone), no
    internal code shown, and a refused payment's message where the user is looking."""
    from datetime import date

    w, officer, fresh, waiting, served = _loans_in_every_state(db, make_user)
    shots = Path(os.environ.get("SMECREDIT_SHOTS", tmp_path))
    codes = ("awaiting_disbursement", "pending", "active", "overdue", "closed", "repayment", "prepayment",
             "reversal", "disbursement", "accrual", "partly_paid", "scheduled_debit", "keep_term", "equal_installment")
    with on(date(2025, 3, 15)):
        from smecredit.loans import eod

        eod.run(date(2025, 3, 15))
        borrower = open_walker(browser, live_server, viewport, "loans-borrower", shots, w.applicant.username)
        for path in ("/my/loans", f"/loans/{fresh.id}", f"/loans/{fresh.id}/contract", f"/loans/{waiting.id}",
                     f"/loans/{served.id}"):
            borrower.visit(path)
            _no_codes(borrower.page, codes)
        expect(borrower.page.get_by_test_id("loan-status")).to_have_attribute("data-status", "overdue")
        borrower.page.fill("#amount", "abc")
        borrower.page.get_by_test_id("repay").click()
        borrower.page.wait_for_load_state("networkidle")
        expect(borrower.page.get_by_test_id("error")).to_be_visible()
        borrower.answered(422)
        borrower.wait_in_view("[data-testid=error]")
        borrower.check("repay-refused")
        borrower.page.context.close()

        ops = open_walker(browser, live_server, viewport, "loans-ops", shots, w.operations.username)
        pages = ("/loans", "/loans?status=pending", f"/loans/{waiting.id}", f"/loans/{served.id}",
                 "/accounting/trial-balance", "/loans-sandbox-bank", "/loan-transactions")
        for path in pages:
            ops.visit(path)
            _no_codes(ops.page, codes)
        ops.page.get_by_test_id("lang-switch").click()  # in English: every label, header and button too
        for path in pages:  # (the codes are English words: looked for in the Chinese pages above)
            ops.visit(path)
            _labels_in_english(ops.page)
        ops.page.context.close()

        looking = open_walker(browser, live_server, viewport, "loans-officer", shots, officer.username)
        for path in ("/loans", f"/loans/{served.id}"):
            looking.visit(path)
            _no_codes(looking.page, codes)
        looking.page.context.close()


def _labels_in_english(page) -> None:
    """Headings, headers, terms, labels, buttons and badges have no Chinese once English is chosen
    (names, memos and the contract's own text are data and stay as they are)."""
    import re

    texts = page.eval_on_selector_all(
        "main h1, main h2, main h3, main th, main dt, main label, main button, main .badge, main .nav-link, main .alert",
        "els => els.filter(e => e.offsetParent !== null).map(e => e.innerText)")
    chinese = [text for text in texts if re.search(r"[\u4e00-\u9fff]", text)]
    assert chinese == [], (page.url, chinese)


def _no_codes(page, codes) -> None:
    text = page.locator("main").inner_text() if page.locator("main").count() else page.locator("body").inner_text()
    shown = [code for code in codes if code in text]
    assert shown == [], (page.url, shown)


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_changes_are_requested_and_approved_by_two_people(browser, live_server, db, make_user, tmp_path, viewport):
    """The loan page's 变更申请 section and the checkers' 待审批变更 list at phone and desktop width:
    operations ask for an extension, the loan officer for a write-off, the loan's own approver may
    decide neither credit change (the reason is shown), a risk manager approves the extension and
    rejects the write-off; no console error, nothing wider than the screen, no code shown."""
    from datetime import date

    from smecredit.identity.roles import Role

    w, officer, _fresh, _waiting, served = _loans_in_every_state(db, make_user)
    risk = make_user(Role.RISK_MANAGER, f"risk-{viewport}")
    shots = Path(os.environ.get("SMECREDIT_SHOTS", tmp_path))
    codes = ("pending", "approved", "rejected", "extension", "restructuring", "write_off", "reversal",
             "four_eyes", "not_a_checker", "equal_installment")
    with on(date(2025, 3, 15)):
        ops = open_walker(browser, live_server, viewport, "changes-ops", shots, w.operations.username)
        ops.visit(f"/loans/{served.id}#changes")
        ops.page.select_option("#change_kind", "extension")
        ops.page.fill("#extra_months", "3")
        ops.page.fill("#change_reason", "受回款延迟影响，申请展期")
        ops.page.get_by_test_id("request-change").click()
        expect(ops.page.get_by_test_id("notice")).to_be_visible()
        expect(ops.page.locator("[data-testid=change-request][data-kind=extension]")).to_have_attribute("data-status", "pending")
        ops.check("extension-requested")
        _no_codes(ops.page, codes)
        ops.page.context.close()

        looking = open_walker(browser, live_server, viewport, "changes-officer", shots, officer.username)
        looking.visit(f"/loans/{served.id}#changes")
        looking.page.select_option("#change_kind", "write_off")
        looking.page.fill("#change_reason", "")
        looking.page.get_by_test_id("request-change").click()  # the browser asks for the reason first
        looking.page.fill("#change_reason", "借款人失联，无法收回")
        looking.page.get_by_test_id("request-change").click()
        expect(looking.page.locator("[data-testid=change-request][data-kind=write_off]")).to_be_visible()
        looking.check("write-off-requested")
        looking.page.context.close()

        own = open_walker(browser, live_server, viewport, "changes-loan-approver", shots, w.approver.username)
        own.visit("/loan-change-requests")
        expect(own.page.get_by_test_id("open-change")).to_have_count(2)
        own.visit(f"/loans/{served.id}#changes")
        expect(own.page.get_by_test_id("cannot-decide")).to_have_count(2)  # four-eyes: they approved the loan
        expect(own.page.get_by_test_id("approve-change")).to_have_count(0)
        _no_codes(own.page, codes)
        own.page.context.close()

        checker = open_walker(browser, live_server, viewport, "changes-risk", shots, risk.username)
        checker.visit("/loan-change-requests")
        _no_codes(checker.page, codes)
        checker.page.locator("[data-testid=open-change]").first.click()
        checker.page.wait_for_load_state("networkidle")
        extension = checker.page.locator("[data-testid=change-request][data-kind=extension]")
        extension.get_by_test_id("approve-change").click()
        expect(checker.page.get_by_test_id("notice")).to_be_visible()
        expect(extension).to_have_attribute("data-status", "approved")
        write_off = checker.page.locator("[data-testid=change-request][data-kind=write_off]")
        write_off.get_by_test_id("reject-change").click()  # no comment: refused, the message where they look
        checker.page.wait_for_load_state("networkidle")
        expect(checker.page.get_by_test_id("error")).to_be_visible()
        checker.answered(422)
        checker.check("reject-needs-a-comment")
        write_off = checker.page.locator("[data-testid=change-request][data-kind=write_off]")
        write_off.locator("input[name=comment]").fill("证据不足，先催收")
        write_off.get_by_test_id("reject-change").click()
        expect(checker.page.locator("[data-testid=change-request][data-kind=write_off]")).to_have_attribute("data-status", "rejected")
        checker.check("decided")
        _no_codes(checker.page, codes)
        checker.visit("/loan-change-requests")
        expect(checker.page.get_by_test_id("list-empty")).to_be_visible()
        checker.page.get_by_test_id("lang-switch").click()
        for path in ("/loan-change-requests?status=approved", f"/loans/{served.id}#changes"):
            checker.visit(path)
            _labels_in_english(checker.page)
        checker.page.context.close()
