"""Sign-up by SMS code, forgotten password, API token revocation, the SMS sandbox and Swagger UI's
Authorize — in Chromium at phone width (390 px) and on a desktop, with no console errors (the CSP
refuses inline scripts and styles, so a violation shows up here). Screenshots go to the test's tmp
directory."""

from __future__ import annotations

import re
import time
from datetime import date

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from smecredit.identity.models import User
from smecredit.identity.roles import Role
from smecredit.kernel.db import new_session, unit_of_work
from smecredit.kernel.pii import blind_index
from smecredit.notifications.service import latest_sandbox_text
from smecredit.standards.resident_id import make_resident_id
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

VIEWPORTS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}
ID_NUMBER = make_resident_id("350102", date(1988, 5, 20), 246)


class Watched:
    """A page whose console errors and uncaught exceptions are collected."""

    def __init__(self, browser, base_url: str, kind: str, shots):
        self.context = browser.new_context(base_url=base_url, locale="zh-CN", **VIEWPORTS[kind])
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.kind, self.shots, self.errors, self.refusals = kind, shots, [], []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def _console(self, message) -> None:
        if message.type != "error":
            return
        # A form answered with its error status (422, 401…) is logged by Chromium as a failed
        # load of the document; that is expected exactly where the test said it would be.
        for status in self.refusals:
            if message.text.startswith(f"Failed to load resource: the server responded with a status of {status}"):
                self.refusals.remove(status)
                return
        self.errors.append(f"console on {self.page.url}: {message.text} at {message.location}")

    def expect_refusal(self, status: int) -> None:
        self.refusals.append(status)

    def shot(self, name: str, *, full_page: bool = True) -> None:
        path = self.shots / f"{name}-{self.kind}.png"
        self.page.screenshot(path=str(path), full_page=full_page)

    def fits(self) -> None:
        if self.kind == "phone":
            width = self.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{self.page.url} scrolls sideways on a phone ({width}px)"

    def close(self) -> None:
        self.context.close()
        assert self.errors == [], self.errors


@pytest.fixture()
def shots(tmp_path):
    return tmp_path


def wait_for_code(mobile: str, *, after: str | None = None, timeout: float = 10) -> str:
    """The newest code the sandbox "sent" to this mobile (delivered just after the response)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with new_session() as db:
            text = latest_sandbox_text(db, mobile=mobile)
        if text and text != after:
            found = re.search(r"\b(\d{6})\b", text)
            if found:
                return found.group(1)
        time.sleep(0.1)
    raise AssertionError(f"no code for {mobile}")


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("[data-testid=login-submit]")


def give_mobile(username: str, mobile: str) -> None:
    with new_session() as db, unit_of_work(db):
        user = db.execute(select(User).where(User.username == username)).scalar_one()
        user.mobile, user.mobile_index = mobile, blind_index(mobile)


@pytest.mark.parametrize("kind", ["phone", "desktop"])
def test_sign_up_by_sms_code_end_to_end(browser, live_server, make_user, shots, kind):
    mobile = "13800138001" if kind == "phone" else "13800138002"
    make_user(Role.ADMIN, "admin1")
    w = Watched(browser, live_server, kind, shots)
    page = w.page
    page.goto("/login")
    page.get_by_test_id("signup-link").click()
    expect(page).to_have_url(re.compile(r"/signup$"))
    expect(page.get_by_test_id("sandbox-hint")).to_be_visible()
    w.fits()
    page.fill("#mobile", mobile)
    page.get_by_test_id("send-code").click()
    expect(page.get_by_test_id("code-sent")).to_contain_text(mobile[:3] + "****" + mobile[-4:])
    w.shot("signup-code-sent")

    if kind == "desktop":
        # The demo path: an administrator reads the code on the SMS sandbox page and passes it on.
        admin = Watched(browser, live_server, kind, shots)
        sign_in(admin.page, "admin1")
        wait_for_code(mobile)
        admin.page.goto("/admin/sms-sandbox")
        expect(admin.page.get_by_test_id("sandbox-note")).to_contain_text("不发送任何短信")
        message = admin.page.get_by_test_id("sms-text").first.inner_text()
        code = re.search(r"\b(\d{6})\b", message).group(1)
        expect(admin.page.get_by_test_id("sandbox-messages")).to_contain_text(mobile[:3] + "****")
        expect(admin.page.get_by_test_id("sandbox-messages")).not_to_contain_text(mobile)
        admin.shot("sms-sandbox")
        admin.close()
    else:
        code = wait_for_code(mobile)

    page.fill("#code", code)
    page.fill("#username", f"owner-{kind}")
    page.fill("#password", "Owner-Passw0rd-2026")
    page.fill("#real_name", "林晓明")
    page.fill("#id_number", ID_NUMBER)
    page.check("#agree")
    w.fits()
    w.shot("signup-form")
    page.get_by_test_id("signup-submit").click()
    expect(page.get_by_test_id("notice")).to_contain_text("注册成功")
    expect(page.get_by_test_id("role-home")).to_be_visible()
    w.fits()
    w.shot("signup-done")
    page.goto("/account")
    expect(page.get_by_test_id("my-identity")).to_contain_text("林**")
    expect(page.get_by_test_id("my-identity")).to_contain_text("已核验")
    expect(page.locator("body")).not_to_contain_text(ID_NUMBER)
    w.fits()
    w.shot("account-after-signup")
    w.close()


@pytest.mark.parametrize("kind", ["phone", "desktop"])
def test_forgotten_password_by_sms_code(browser, live_server, make_user, shots, kind):
    mobile = "13900139001" if kind == "phone" else "13900139002"
    make_user(Role.APPLICANT, "forgetful")
    give_mobile("forgetful", mobile)
    w = Watched(browser, live_server, kind, shots)
    page = w.page
    page.goto("/login")
    page.get_by_test_id("forgot-link").click()
    page.fill("#mobile", mobile)
    page.get_by_test_id("send-code").click()
    expect(page.get_by_test_id("code-sent")).to_be_visible()
    page.fill("#code", "000000" if wait_for_code(mobile) != "000000" else "111111")
    page.fill("#new_password", "Fresh-Passw0rd-2026")
    w.expect_refusal(422)
    page.get_by_test_id("reset-submit").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("验证码错误")
    w.shot("forgot-wrong-code")
    page.fill("#code", wait_for_code(mobile))
    page.fill("#new_password", "Fresh-Passw0rd-2026")
    w.fits()
    page.get_by_test_id("reset-submit").click()
    expect(page).to_have_url(re.compile(r"/login\?notice=password_reset$"))
    expect(page.get_by_test_id("notice")).to_contain_text("密码已重置")
    w.fits()
    w.shot("forgot-done")
    sign_in(page, "forgetful", "Fresh-Passw0rd-2026")
    expect(page.get_by_test_id("role-home")).to_be_visible()
    w.close()


@pytest.mark.parametrize("kind", ["phone", "desktop"])
def test_the_owner_revokes_an_api_token_in_the_pages(browser, live_server, make_user, shots, kind):
    make_user(Role.LOAN_OFFICER, "officer1")
    tokens = [httpx.post(f"{live_server}/api/v1/auth/token",
                         json={"username": "officer1", "password": PASSWORD, "label": label}).json()["access_token"]
              for label in ("夜间导出 nightly export", "测试脚本")]
    w = Watched(browser, live_server, kind, shots)
    page = w.page
    sign_in(page, "officer1")
    if kind == "phone":
        page.locator(".navbar-toggler").click()
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("account-link").click()
    expect(page.get_by_test_id("token-row")).to_have_count(2)
    w.fits()
    w.shot("account-tokens")
    page.get_by_test_id("token-row").filter(has_text="测试脚本").get_by_test_id("revoke-token").click()
    expect(page.get_by_test_id("notice")).to_contain_text("接口令牌已吊销")
    expect(page.get_by_test_id("token-row")).to_have_count(1)
    expect(page.get_by_test_id("my-tokens")).to_contain_text("nightly export")
    w.fits()
    w.shot("account-token-revoked")
    answers = [httpx.get(f"{live_server}/api/v1/me", headers={"Authorization": f"Bearer {t}"}).status_code for t in tokens]
    assert answers == [200, 401]
    w.close()


@pytest.mark.parametrize("kind", ["phone", "desktop"])
def test_the_administrators_pages_fit_a_phone(browser, live_server, make_user, shots, kind):
    make_user(Role.ADMIN, "admin2")
    make_user(Role.LOAN_OFFICER, "officer-with-a-rather-long-user-name-2026", display_name="客户经理 欧阳明月")
    httpx.post(f"{live_server}/api/v1/auth/token", json={"username": "officer-with-a-rather-long-user-name-2026",
                                                           "password": PASSWORD, "label": "a label " * 10})
    httpx.post(f"{live_server}/api/v1/signup/code", json={"mobile": "13700137000"})
    w = Watched(browser, live_server, kind, shots)
    sign_in(w.page, "admin2")
    for path, name in (("/admin/users", "users"), ("/admin/users/new", "user-new"),
                       ("/admin/users/officer-with-a-rather-long-user-name-2026", "user-detail"),
                       ("/admin/sms-sandbox", "sms-sandbox-admin"), ("/account", "account"),
                       ("/account/password", "password")):
        w.page.goto(path)
        expect(w.page.locator("main")).to_be_visible()
        w.fits()
        w.shot(name)
    w.page.goto("/admin/users/officer-with-a-rather-long-user-name-2026")
    w.page.get_by_test_id("token-row").get_by_test_id("revoke-token").click()
    expect(w.page.get_by_test_id("notice")).to_contain_text("接口令牌已吊销")
    w.close()
    anonymous = Watched(browser, live_server, kind, shots)
    for path, name in (("/login", "login"), ("/signup", "signup"), ("/password/forgot", "forgot")):
        anonymous.page.goto(path)
        anonymous.fits()
        anonymous.shot(name)
    anonymous.close()


def test_swagger_authorize_uses_the_password_flow(browser, live_server, make_user, shots):
    make_user(Role.AUDITOR, "auditor1")
    w = Watched(browser, live_server, "desktop", shots)
    page = w.page
    page.goto("/docs")
    expect(page.get_by_test_id("docs-back")).to_be_visible()
    # Swagger UI's bundle (~1.4 MB of JavaScript) takes a while to parse on a loaded machine
    page.locator("button.authorize").first.click(timeout=45_000)
    dialog = page.locator(".dialog-ux")
    oauth2 = dialog.locator(".auth-container").filter(has_text="OAuth2PasswordBearer")
    oauth2.locator("input#oauth_username").fill("auditor1")
    oauth2.locator("input#oauth_password").fill(PASSWORD)
    oauth2.locator("button.authorize").click()
    expect(oauth2).to_contain_text("Authorized")
    w.shot("swagger-authorize-dialog", full_page=False)
    dialog.locator("button.close-modal").first.click()
    operation = page.locator("#operations-auth-me_api_v1_me_get")
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    live = operation.locator(".live-responses-table")
    expect(live.locator("tbody .response-col_status").first).to_contain_text("200")
    expect(live).to_contain_text("auditor1")
    operation.scroll_into_view_if_needed()
    w.shot("swagger-authorized", full_page=False)
    page.get_by_test_id("docs-back").click()
    expect(page).to_have_url(re.compile(r"/login"))
    w.close()
