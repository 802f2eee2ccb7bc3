"""Stage 1 in a real browser: an applicant registers its enterprise (the code is checked as it is
typed), authorises queries, and the officer pulls the data and reads the profile."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from smecredit.identity.roles import Role
from smecredit.standards.resident_id import make_resident_id
from smecredit.standards.uscc import make_uscc
from tests.browser.test_login_browser import sign_in

pytestmark = pytest.mark.browser


def test_applicant_registers_and_officer_builds_the_profile(page: Page, browser, live_server, make_user):
    make_user(Role.APPLICANT, "applicant1")
    make_user(Role.LOAN_OFFICER, "officer1")
    sign_in(page, "applicant1")
    page.goto("/my/enterprises")
    page.get_by_test_id("register-enterprise").click()

    page.fill("#f-uscc", "91350100M000100Y4Z")  # the standard's example with a wrong check character
    expect(page.get_by_test_id("uscc-check")).to_contain_text("校验")
    code = make_uscc("9", "1", "350100", "MA0BRW8R")
    page.fill("#f-uscc", code)
    expect(page.get_by_test_id("uscc-check")).to_contain_text("代码有效")

    page.fill("#f-name", "福州浏览器测试贸易有限公司")
    page.select_option("#f-industry", "wholesale")
    page.fill("#f-employees", "12")
    page.fill("#f-revenue_wan", "1500")
    page.fill("#f-assets_wan", "800")
    page.fill("#f-legal_rep-name", "林小华")
    page.fill("#f-legal_rep-id_number", make_resident_id("350102", date(1985, 3, 8), 123))
    page.fill("#f-legal_rep-phone", "13800001111")
    page.get_by_test_id("submit").click()

    expect(page.get_by_test_id("enterprise-name")).to_have_text("福州浏览器测试贸易有限公司")
    expect(page.get_by_test_id("size-rule")).to_contain_text("批发业")  # size class is derived, with its rule
    expect(page.get_by_test_id("persons")).to_contain_text("350***********")  # ID number masked
    enterprise_path = re.search(r"/enterprises/\d+", page.url).group(0)

    page.goto(enterprise_path + "/authorise")
    page.get_by_test_id("authorise").click()  # not ticked: the browser keeps the form (consent must be explicit)
    expect(page.get_by_test_id("authorisation-text")).to_be_visible()
    page.check("input[name=agree]")
    page.get_by_test_id("authorise").click()
    expect(page.locator("body")).to_contain_text("已授权数据查询")
    expect(page.get_by_test_id("ownership")).to_contain_text("待核实")

    officer = browser.new_context(base_url=live_server).new_page()
    officer.set_default_timeout(10_000)
    sign_in(officer, "officer1")
    officer.goto("/enterprises")
    officer.get_by_role("link", name="福州浏览器测试贸易有限公司").click()
    expect(officer).to_have_url(re.compile(r"/enterprises/\d+$"))
    officer.get_by_test_id("take").click()  # from the unassigned queue into the officer's portfolio
    officer.fill("input[name=checked]", "核验营业执照原件与法定代表人身份证")
    officer.get_by_test_id("confirm-ownership").click()
    expect(officer.get_by_test_id("ownership")).to_contain_text("已核实")
    officer.get_by_test_id("pull-all").click()
    expect(officer.get_by_test_id("snapshots").locator("li")).to_have_count(6)
    profile = officer.locator("#profile")
    expect(profile).to_contain_text("v1")
    expect(profile).to_contain_text("经营年限")  # a feature, shown with its source
    expect(officer.locator("body")).to_contain_text("演示沙箱数据")
