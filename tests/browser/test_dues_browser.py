"""到期还款 (dues by date) in a browser at 390 and 1280 px, as operations: the tabs 今日到期, 未来7天
and 已逾期 with their rows (cards on a phone), the export links; no console error, nothing wider than
the screen, nothing in English only or a raw code; screenshots of each."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from smecredit.loans import eod
from smecredit.loans.models import SandboxAccount
from tests.browser.ui_support import open_walker
from tests.loans.helpers import disbursed, on, world

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_operations_follow_up_dues_by_date(browser, live_server, db, make_user, tmp_path, viewport):
    w = world(db, make_user)
    late = disbursed(db, w, day=date(2025, 1, 10))  # falls due on the 10th of each month
    due = disbursed(db, w, day=date(2025, 2, 12), principal="60000", months=6)  # on the 12th
    db.execute(update(SandboxAccount).values(balance=0))  # nothing to collect: the 10 March instalment is late
    db.commit()
    shots = Path(os.environ.get("SMECREDIT_SHOTS", tmp_path))
    with on(date(2025, 3, 12)):
        eod.run(date(2025, 3, 11))  # the end of day closed yesterday; today's dues are due
        ops = open_walker(browser, live_server, viewport, "dues", shots, w.operations.username)
        page = ops.page
        ops.visit("/")
        if viewport == "phone":
            page.locator(".navbar-toggler").click()
        page.locator("[data-menu=loan_dues]").first.click()  # in the menu of operations
        page.wait_for_load_state("networkidle")
        expect(page.get_by_test_id("tab-today")).to_have_class("nav-link active")
        table = page.get_by_test_id("list-loan-dues")
        expect(table).to_contain_text(due.no)
        expect(table).not_to_contain_text(late.no)
        ops.check("today")
        page.get_by_test_id("tab-week").click()
        page.wait_for_load_state("networkidle")
        expect(page.get_by_test_id("list-empty")).to_be_visible()
        ops.check("week")
        page.get_by_test_id("tab-overdue").click()
        page.wait_for_load_state("networkidle")
        expect(table).to_contain_text(late.no)
        expect(table).to_contain_text("逾期")
        text = page.inner_text("main")
        for code in ("overdue", "future", "current", "scheduled"):
            assert code not in text, code
        ops.check("overdue")
        expect(page.locator("a[href^='/loan-dues/export.xlsx']")).to_have_count(1)
        page.context.close()
