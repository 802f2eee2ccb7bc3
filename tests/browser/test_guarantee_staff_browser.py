"""Operations on the loan page's guarantee section, on a phone (390 px) and a desktop (1280 px): a
guarantor added after the borrower accepted has no contract; 补充生成保证合同 makes it; 重新发送链接
too soon shows its reason in the section. Nothing is wider than the screen; screenshots of each."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.ui_support import open_walker
from tests.loans.helpers import on
from tests.loans.test_guarantee_staff import add_guarantor
from tests.loans.test_guarantees import DAY, guaranteed_loan

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_operations_complete_the_guarantee_contracts(browser, live_server, db, make_user, tmp_path, viewport):
    w, loan = guaranteed_loan(db, make_user)
    add_guarantor(db, w, "赵后来", "13600136004", "80000", 9)
    shots = Path(os.environ.get("SMECREDIT_SHOTS", tmp_path))
    with on(DAY):
        ops = open_walker(browser, live_server, viewport, "guarantee-staff", shots, w.operations.username)
        page = ops.page
        ops.visit(f"/loans/{loan.id}#guarantees")
        section = page.get_by_test_id("guarantee-section")
        expect(section.get_by_test_id("guarantees-missing")).to_contain_text("1")
        expect(section.get_by_test_id("resend-guarantee")).to_have_count(2)
        section.scroll_into_view_if_needed()
        ops.check("guarantees-missing")
        page.get_by_test_id("complete-guarantees").click()
        page.wait_for_load_state("networkidle")
        expect(page.get_by_test_id("guarantee")).to_have_count(3)
        expect(page.get_by_test_id("complete-guarantees")).to_have_count(0)
        ops.check("guarantees-completed")
        page.get_by_test_id("resend-guarantee").first.click()  # the link went out a moment ago
        page.wait_for_load_state("networkidle")
        expect(section.get_by_test_id("error")).to_contain_text("每分钟至多一次")
        ops.answered(429)
        ops.wait_in_view("#guarantees [data-testid=error]")
        ops.check("resend-too-soon")
        page.context.close()
