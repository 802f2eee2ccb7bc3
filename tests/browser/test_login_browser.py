"""Sign-in, lockout, role checks and the language switch in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from smecredit.identity.roles import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("[data-testid=login-submit]")


def test_officer_signs_in_sees_only_their_menu_and_signs_out(page: Page, make_user):
    make_user(Role.LOAN_OFFICER, "officer1", display_name="客户经理 小王")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    sign_in(page, "officer1")
    expect(page.get_by_test_id("role-home")).to_contain_text("企业客户")
    expect(page.locator("[data-menu=users]")).to_have_count(0)
    expect(page.locator("[data-menu=audit]")).to_have_count(0)
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))


def test_five_wrong_passwords_lock_and_the_admin_unlocks_in_the_pages(browser, live_server, make_user):
    make_user(Role.CREDIT_REVIEWER, "reviewer1")
    make_user(Role.ADMIN, "admin1")
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    page.set_default_timeout(10_000)
    for attempt in range(4):
        sign_in(page, "reviewer1", f"Wrong-Password-{attempt}")
        expect(page.get_by_test_id("login-error")).to_contain_text("用户名或密码错误")
    sign_in(page, "reviewer1", "Wrong-Password-5")
    expect(page.get_by_test_id("login-error")).to_contain_text("锁定")
    sign_in(page, "reviewer1")  # the right password is refused while locked
    expect(page.get_by_test_id("login-error")).to_contain_text("锁定")

    admin = browser.new_context(base_url=live_server).new_page()
    admin.set_default_timeout(10_000)
    sign_in(admin, "admin1")
    admin.goto("/admin/users/reviewer1")
    expect(admin.get_by_test_id("user-status")).to_contain_text("已锁定")
    admin.get_by_test_id("unlock").click()
    expect(admin.get_by_test_id("user-status")).to_contain_text("正常")

    sign_in(page, "reviewer1")
    expect(page.get_by_test_id("role-home")).to_be_visible()
    context.close()


def test_applicant_is_refused_admin_pages_and_admin_manages_users(page: Page, browser, live_server, make_user):
    make_user(Role.APPLICANT, "applicant1")
    sign_in(page, "applicant1")
    response = page.goto("/admin/users")
    assert response.status == 403
    expect(page.get_by_test_id("error-message")).to_contain_text("无权")

    make_user(Role.ADMIN, "admin2")
    admin = browser.new_context(base_url=live_server).new_page()
    admin.set_default_timeout(10_000)
    sign_in(admin, "admin2")
    admin.goto("/admin/users")
    admin.get_by_test_id("new-user").click()
    admin.fill("#username", "approver9")
    admin.fill("#display_name", "审批人 九")
    admin.fill("#password", "weak")
    admin.check("#role-approver")
    admin.get_by_role("button", name="创建").click()
    expect(admin.get_by_test_id("form-error")).to_contain_text("密码强度不足")
    admin.fill("#password", "Strong-Passw0rd-9")
    admin.get_by_role("button", name="创建").click()
    expect(admin.get_by_test_id("notice")).to_be_visible()
    admin.goto("/admin/users")
    expect(admin.get_by_test_id("users-table")).to_contain_text("approver9")


def test_language_switch_is_remembered_across_pages(page: Page, make_user):
    make_user(Role.AUDITOR, "auditor1")
    page.goto("/login")
    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_role("heading")).to_contain_text("Sign in to SME Credit")
    sign_in(page, "auditor1")
    expect(page.get_by_test_id("role-home")).to_contain_text("audit log")
    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_test_id("role-home")).to_contain_text("审计日志")


def test_pages_work_on_a_phone_sized_screen(phone_page: Page, make_user):
    make_user(Role.ADMIN, "admin3")
    sign_in(phone_page, "admin3")
    menu_link = phone_page.locator("[data-menu=users]")
    expect(menu_link).to_be_hidden()  # collapsed behind the toggler on a narrow screen
    phone_page.locator(".navbar-toggler").click()
    expect(menu_link).to_be_visible()
    menu_link.click()
    expect(phone_page.get_by_test_id("users-table")).to_be_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375 + 1, f"page scrolls sideways on a phone ({width}px)"
