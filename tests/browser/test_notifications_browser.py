"""The inbox on a phone (390 px): the bell shows the unread count, opening a notification marks it
read and follows its link, "全部标为已读" clears the count."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from smecredit.identity.roles import Role
from smecredit.kernel.db import unit_of_work
from smecredit.notifications.inbox import notify
from tests.browser.ui_support import open_walker
from tests.notifications.helpers import QUIET

pytestmark = pytest.mark.browser


def test_bell_count_open_and_mark_all_read_at_390px(browser, live_server, db, make_user, tmp_path):
    applicant = make_user(Role.APPLICANT, "inbox-phone")
    with unit_of_work(db):
        for n in range(2):
            notify(db, recipient=applicant, kind=QUIET, params={"n": n})
        notify(db, recipient=applicant, kind=QUIET, params={"n": "linked"}, link="/my/enterprises")
    w = open_walker(browser, live_server, "phone", "inbox", tmp_path, "inbox-phone")
    page = w.page
    w.visit("/")
    bell = page.get_by_test_id("bell")
    expect(bell).to_be_visible()  # in the bar, not folded into the menu
    expect(page.get_by_test_id("bell-count")).to_have_text("3")
    box = bell.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
    bell.click()
    expect(page).to_have_url(re.compile(r"/me/notifications$"))
    rows = page.locator("[data-testid=list-notifications] tr[data-row]")
    expect(rows).to_have_count(3)
    expect(page.locator("tr[data-unread='1']")).to_have_count(3)
    expect(rows.first).to_contain_text("内容 linked")  # newest first
    w.check("inbox")

    rows.first.get_by_test_id("notification-open").click()
    expect(page).to_have_url(re.compile(r"/my/enterprises$"))
    expect(page.get_by_test_id("bell-count")).to_have_text("2")
    page.get_by_test_id("bell").click()
    expect(page.locator("tr[data-unread='1']")).to_have_count(2)
    expect(page.locator("tr[data-unread='0']")).to_contain_text("内容 linked")

    w.visit("/me/notifications?status=unread")
    expect(rows).to_have_count(2)
    page.get_by_test_id("read-all").click()
    expect(page.get_by_test_id("notice")).to_contain_text("全部通知已标为已读")
    expect(page.get_by_test_id("bell-count")).to_have_count(0)
    expect(page.locator("tr[data-unread='1']")).to_have_count(0)
    expect(page.locator("tr[data-unread='0']")).to_have_count(3)
    w.check("all-read")
    page.context.close()
