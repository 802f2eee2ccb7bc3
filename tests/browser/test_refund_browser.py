"""溢缴款退还 on the loan page at 390 and 1280 px: operations see the credit held and ask for its
refund in the 变更申请 section (the amount field shown for that kind, all the credit by default); an
approver approves it. No console error, nothing wider than the screen; screenshots of each step."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.ui_support import open_walker
from tests.loans.helpers import on
from tests.loans.test_refunds import with_credit

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_operations_ask_and_an_approver_refunds_the_credit(browser, live_server, db, make_user, tmp_path, viewport):
    w, loan = with_credit(db, make_user)
    shots = Path(os.environ.get("SMECREDIT_SHOTS", tmp_path))
    with on(date(2025, 2, 12)):
        ops = open_walker(browser, live_server, viewport, "refund-ops", shots, w.operations.username)
        page = ops.page
        ops.visit(f"/loans/{loan.id}#changes")
        expect(page.get_by_test_id("credit-held")).to_contain_text("¥4,672.03")
        page.select_option("#change_kind", "refund")
        amount = page.get_by_test_id("refund-amount")
        expect(amount).to_be_visible()
        expect(amount).to_have_value("4672.03")
        page.fill("#change_reason", "客户多缴，申请退还")
        page.get_by_test_id("change-form").scroll_into_view_if_needed()
        ops.check("refund-form")
        page.get_by_test_id("request-change").click()
        page.wait_for_load_state("networkidle")
        expect(page.locator("[data-testid=change-request][data-kind=refund]")).to_contain_text("退还溢缴款 ¥4,672.03")
        ops.check("refund-requested")
        page.context.close()
        checker = open_walker(browser, live_server, viewport, "refund-checker", shots, w.approver.username)
        page = checker.page
        checker.visit(f"/loans/{loan.id}#changes")
        page.locator("[data-testid=change-request][data-kind=refund] [data-testid=approve-change]").click()
        page.wait_for_load_state("networkidle")
        expect(page.locator("[data-testid=change-request][data-kind=refund]")).to_have_attribute("data-status", "approved")
        expect(page.get_by_test_id("transactions")).to_contain_text("退款")  # paid out: a refund in the history
        expect(page.get_by_test_id("transactions")).to_contain_text("¥4,672.03")
        checker.check("refund-approved")
        page.context.close()
