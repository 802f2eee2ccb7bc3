"""A revolving line (随借随还) in a real browser: the borrower on a phone sees 额度/已用/可用 under
我的贷款 and on the line's page, asks for more than is available (refused next to the field), draws,
and sees the drawdown; operations at desktop width draw for the borrower, in Chinese and in English.
No console error, nothing wider than the screen, no internal code shown."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_loan_browser import _labels_in_english, _no_codes
from tests.browser.ui_support import open_walker
from tests.loans.helpers import on, open_loan, run, world

pytestmark = pytest.mark.browser

CODES = ("revolving", "drawdown", "interest", "pending", "active", "overdue", "partly_paid", "future", "scheduled_debit",
         "over_limit", "line_overdue", "entrusted", "self")


def test_a_revolving_line_drawn_on_a_phone_and_by_operations(browser, live_server, db, make_user, tmp_path):
    from smecredit.loans import eod, service

    w = world(db, make_user)
    line = open_loan(db, w, principal="100000", annual_rate="3.6", months=12, method="revolving")
    with on(date(2025, 1, 15)):
        run(db, service.draw, user=w.applicant, loan=line, amount="50000", idempotency_key="first")
    eod.run(date(2025, 2, 12))  # the first month's interest collected on 10 February
    shots = Path(os.environ.get("SMECREDIT_SHOTS", tmp_path))
    with on(date(2025, 2, 13)):
        borrower = open_walker(browser, live_server, "phone", "line-borrower", shots, w.applicant.username)
        page = borrower.page
        borrower.visit("/my/loans")
        expect(page.get_by_test_id("line-available")).to_contain_text("50,000.00")
        _no_codes(page, CODES)
        borrower.visit(f"/loans/{line.id}")
        expect(page.get_by_test_id("line-limit")).to_contain_text("100,000.00")
        expect(page.get_by_test_id("line-used")).to_contain_text("50,000.00")
        _no_codes(page, CODES)
        page.fill("#draw_amount", "60000")
        page.get_by_test_id("draw").click()
        page.wait_for_load_state("networkidle")
        expect(page.get_by_test_id("error")).to_contain_text("可用额度")
        borrower.answered(422)
        borrower.wait_in_view("[data-testid=error]")
        borrower.check("draw-refused")
        page.fill("#draw_amount", "20000")
        page.get_by_test_id("draw").click()
        expect(page.get_by_test_id("notice")).to_be_visible()
        expect(page.get_by_test_id("drawdown")).to_have_count(2)
        expect(page.get_by_test_id("line-available")).to_contain_text("30,000.00")
        borrower.page.locator("#draw").scroll_into_view_if_needed()
        borrower.check("drawn")
        page.context.close()

        ops = open_walker(browser, live_server, "desktop", "line-ops", shots, w.operations.username)
        ops.visit(f"/loans/{line.id}")
        _no_codes(ops.page, CODES)
        ops.page.fill("#draw_amount", "5000")
        ops.page.get_by_test_id("draw").click()
        expect(ops.page.get_by_test_id("drawdown")).to_have_count(3)
        ops.check("drawn-for-the-borrower")
        ops.page.get_by_test_id("lang-switch").click()
        ops.visit(f"/loans/{line.id}")
        _labels_in_english(ops.page)
        ops.page.context.close()
