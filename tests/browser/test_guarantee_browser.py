"""A guarantor on a phone (390 px), with no account: the link sent by SMS opens the guarantee
contract; they ask for a code, type a wrong one (the message shows where they are looking), then
the right one, and the page says the contract is accepted. Nothing is wider than the screen."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.ui_support import PHONE, Walker
from tests.loans.test_guarantees import code_of, guaranteed_loan, token_of

pytestmark = pytest.mark.browser


def test_a_guarantor_accepts_on_a_phone(browser, live_server, db, make_user, tmp_path):
    _, loan = guaranteed_loan(db, make_user, guarantors=(("张保证", "13800138001", "200000"),))
    token = token_of(db, "13800138001")
    shots = Path(os.environ.get("SMECREDIT_SHOTS", tmp_path))
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    walker = Walker(page, "phone-guarantor", shots)
    page.on("console", lambda message: walker.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: walker.errors.append(str(error)))

    response = page.goto(f"/guarantee/{token}")
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")
    walker.check("guarantee-page")  # (named so: the token stays out of the file names)
    expect(page.get_by_test_id("guarantee-text")).to_contain_text("保证合同")
    expect(page.get_by_test_id("guarantee-text")).to_contain_text(loan.no)
    page.get_by_test_id("send-code").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("code-sent")).to_contain_text("138****8001")
    walker.wait_in_view("[data-testid=code-sent]")  # said where the code is typed, not only at the top
    walker.check("code-sent")
    right = code_of(db, "13800138001")
    page.get_by_test_id("code").fill(f"{(int(right) + 1) % 10**6:06d}")
    page.get_by_test_id("accept-guarantee").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("form-error")).to_be_visible()
    walker.answered(422)
    walker.wait_in_view("[data-testid=form-error]")
    walker.check("wrong-code")
    page.get_by_test_id("code").fill(right)
    page.get_by_test_id("accept-guarantee").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("guarantee-accepted")).to_be_visible()
    walker.check("accepted")
    context.close()
