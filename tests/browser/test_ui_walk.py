"""Every stage-1 page and the audit pages, walked in a real browser at phone width (390×844) and at
desktop width, as the applicant, the loan officer and the auditor: no console error, nothing wider
than the screen (lists become cards on a phone), the section tabs on one line, the menu button at
the right of the bar, errors where the user is looking, exports that hold the filtered rows.
Screenshots go to the test's tmp dir."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from smecredit.identity.roles import Role
from smecredit.kernel.db import unit_of_work
from smecredit.standards.resident_id import make_resident_id
from smecredit.standards.uscc import make_uscc
from tests.browser.ui_support import open_walker
from tests.enterprises.helpers import authorise, register

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parents[1] / "enterprises" / "data"
FORMULA = '=HYPERLINK("http://example.invalid","点我")'
SAMPLE = ("某某农商银行账户明细\n户名：福州示例贸易有限公司，账号：6222000011112222\n"
          "入账时间,发生金额,收支,当前余额,交易对手名称,附言\n"
          "2025/03/01,\"12,000.00\",收,112000.00,厦门海峡商贸有限公司,货款\n"
          "2025/03/02,500.00,支,111500.00,国网福州供电公司,电费\n").encode("gb18030")


def _menu_and_tabs(w) -> None:
    """The menu button at the right end of the bar (phone); the section tabs on one line each."""
    page = w.page
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        box = toggler.bounding_box()
        assert box is not None and page.viewport_size["width"] - (box["x"] + box["width"]) < 24, box
    heights = page.eval_on_selector_all("[data-testid=section-nav] .nav-link", "els => els.map(e => e.getBoundingClientRect().height)")
    assert heights and max(heights) < 48, heights  # one line of text, not a letter per line


def _bar_on_one_line(w) -> None:
    """The brand, language switch, bell and (phone) menu button share the top bar's one line."""
    tops = w.page.eval_on_selector_all(
        ".navbar-brand, [data-testid=lang-switch], [data-testid=bell], .navbar-toggler",
        "els => els.filter(e => e.offsetParent !== null).map(e => e.getBoundingClientRect().top)")
    assert len(tops) >= 3 and max(tops) - min(tops) < 16, tops
    _menu_and_tabs_toggler(w)


def _menu_and_tabs_toggler(w) -> None:
    toggler = w.page.locator(".navbar-toggler")
    if toggler.is_visible():
        box = toggler.bounding_box()
        assert box is not None and w.page.viewport_size["width"] - (box["x"] + box["width"]) < 24, box


def _upload_broken_file(w, enterprise_path: str) -> None:
    """A failed upload at the bottom of the data section shows its error where the user looks."""
    page = w.page
    page.goto(enterprise_path + "#data")
    box = page.locator("[data-kind=judicial]")
    box.locator("summary").click()
    box.locator("input[type=file]").set_input_files(str(DATA / "judicial_bad.json"))
    box.locator("button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("upload-error")).to_be_visible()
    w.answered(422)
    w.wait_in_view("[data-testid=upload-error]")  # the error is where the user looks
    w.check("upload-error")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_applicant_registers_with_prefill_authorises_and_reads_their_pages(browser, live_server, make_user, tmp_path,
                                                                            viewport):
    make_user(Role.APPLICANT, "owner-walk")
    w = open_walker(browser, live_server, viewport, "applicant", tmp_path, "owner-walk")
    page = w.page
    w.visit("/my/enterprises")
    page.get_by_test_id("register-enterprise").click()
    w.check("register-form")
    code = make_uscc("9", "1", "350100", "MA0WALK1")
    page.fill("#f-uscc", code)
    expect(page.get_by_test_id("uscc-check")).to_contain_text("代码有效")
    page.get_by_test_id("prefill").click()
    expect(page.get_by_test_id("prefill-result")).to_be_visible()
    page.locator("[data-prefill]").click()
    expect(page.locator("#f-name")).not_to_have_value("")

    # the 划型 indicators an industry needs are marked before submitting
    page.select_option("#f-industry", "construction")
    expect(page.locator('[data-required-mark="assets_wan"]')).to_be_visible()
    assert page.locator("#f-assets_wan").evaluate("el => el.required")
    expect(page.locator("[data-industry-hint]")).to_contain_text("建筑业划型需要")
    page.select_option("#f-industry", "leasing_business_services")
    expect(page.locator('[data-required-mark="assets_wan"]')).to_be_visible()
    page.select_option("#f-industry", "wholesale")
    expect(page.locator('[data-required-mark="assets_wan"]')).to_be_hidden()
    assert not page.locator("#f-assets_wan").evaluate("el => el.required")
    w.check("register-filled")

    page.fill("#f-employees", "12")
    page.fill("#f-revenue_wan", "1500")
    page.fill("#f-legal_rep-id_number", make_resident_id("350102", date(1985, 3, 8), 123))
    page.fill("#f-legal_rep-phone", "13800001111")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("enterprise-name")).to_be_visible()
    enterprise_path = re.search(r"/enterprises/\d+", page.url).group(0)
    w.check("detail")
    _menu_and_tabs(w)

    w.visit(enterprise_path + "/authorise")
    page.check("input[name=agree]")
    page.get_by_test_id("authorise").click()
    expect(page.get_by_test_id("notice")).to_be_visible()
    w.check("authorised")
    w.visit(enterprise_path + "/data-held")
    w.visit("/my/enterprises")
    w.visit("/guide/data-preparation")
    _upload_broken_file(w, enterprise_path)
    page.context.close()


@pytest.fixture()
def officer_world(db, make_user):
    """An applicant's enterprise waiting in the queue (authorised online), and 120 enterprises the
    officer registered on behalf — one of them named like a spreadsheet formula."""
    applicant = make_user(Role.APPLICANT, "owner-queue")
    officer = make_user(Role.LOAN_OFFICER, "officer-walk")
    with unit_of_work(db):
        queued = register(db, applicant, 500, name="福州队列示例贸易有限公司")
        authorise(db, applicant, queued)
        for n in range(1, 121):
            register(db, officer, n, industry="retail" if n % 4 == 0 else "wholesale",
                     **({"name": FORMULA} if n == 9 else {}))
    return queued


def _open_filters(page, name: str) -> None:
    """On a phone the filters fold away; wait until Bootstrap has finished unfolding them (a click
    or a select while they are still collapsing can be lost)."""
    page.get_by_test_id("list-filters-toggle").click()
    expect(page.locator(f"#lf-{name}")).to_have_class(re.compile(r"\bshow\b"))


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_officer_walks_every_stage1_page(browser, live_server, officer_world, tmp_path, viewport):
    w = open_walker(browser, live_server, viewport, "officer", tmp_path, "officer-walk")
    page = w.page

    # the list: filters, paging to the last page, sorting, both exports of the filtered rows
    w.visit("/enterprises")
    expect(page.get_by_test_id("list-summary")).to_contain_text("共 121 条")
    if viewport == "phone":
        _open_filters(page, "enterprises")
    page.select_option("#lf-enterprises-industry", "wholesale")
    with page.expect_navigation():
        page.get_by_test_id("list-filter-submit").click()
    expect(page.get_by_test_id("list-summary")).to_contain_text("共 91 条")
    page.get_by_test_id("page-last").click()
    expect(page.get_by_test_id("list-summary")).to_contain_text("第 2 / 2 页")
    assert "industry=wholesale" in page.url
    w.check("list-last-page")
    w.visit("/enterprises?page=3")
    expect(page.get_by_test_id("list-summary")).to_contain_text("第 3 / 3 页")
    w.visit("/enterprises?industry=retail&sort=name")
    with page.expect_download() as info:
        page.get_by_test_id("export-xlsx").click()
    assert info.value.suggested_filename.endswith(".xlsx")
    rows = list(load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).active.iter_rows(values_only=True))
    assert len(rows) == 1 + 30 and rows[0][0] == "企业名称"
    w.visit("/enterprises?q=HYPERLINK")
    with page.expect_download() as info:
        page.get_by_test_id("export-xlsx").click()
    rows = list(load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["'" + FORMULA]
    with page.expect_download() as info:
        page.get_by_test_id("export-csv").click()
    text = Path(info.value.path()).read_bytes()
    assert text.startswith(b"\xef\xbb\xbf") and len(list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))) == 2

    # the queued enterprise: take it, confirm ownership, pull every source, recompute, reveal a person
    w.visit("/enterprises?officer=queue")
    page.get_by_test_id("enterprise-link").first.click()
    enterprise_path = re.search(r"/enterprises/\d+", page.url).group(0)
    _menu_and_tabs(w)
    page.get_by_test_id("take").click()
    page.fill("input[name=checked]", "核验营业执照原件")
    page.get_by_test_id("confirm-ownership").click()
    expect(page.get_by_test_id("ownership")).to_contain_text("已核实")
    page.get_by_test_id("pull-all").click()
    expect(page.get_by_test_id("snapshots").locator("li")).to_have_count(6)
    with page.expect_navigation():
        page.get_by_test_id("recompute").click()  # a second profile version to compare
    expect(page.get_by_test_id("profile-history")).to_be_visible()
    expect(page.locator("[data-chart-drawn=true] svg").first).to_be_attached()
    expect(page.get_by_test_id("key-figures")).to_contain_text("流动比率")
    page.get_by_test_id("reveal").first.click()
    expect(page.locator("[data-testid^=revealed-]").first).to_contain_text("审计日志")
    w.check("detail-full")
    for section in ("facts", "persons", "counterparties", "authorisations", "data", "profile"):
        page.locator(f"[data-testid=section-nav] a[href='#{section}']").click()
        w.wait_in_view(f"#{section}")  # scrolling is smooth: give it time

    # every snapshot page, the profile page and a comparison, data held
    found = page.eval_on_selector_all("[data-testid=snapshots] li",
                                      "els => els.map(e => [e.querySelector('a').getAttribute('href'), e.textContent])")
    assert len(found) == 6
    for link, _text in found:
        w.visit(link)
        expect(page.get_by_test_id("snapshot-facts").first).to_be_visible()
    bank = next(link for link, text in found if "银行流水" in text)
    w.visit(bank + "?page=2")
    expect(page.get_by_test_id("list-transactions")).to_be_visible()
    w.visit(enterprise_path)
    page.get_by_test_id("profile-page-link").click()
    page.select_option("[data-testid=compare-select]", index=1)
    page.get_by_test_id("compare").click()
    expect(page.get_by_test_id("profile-changes")).to_be_visible()
    w.check("profile-compare")
    w.visit(enterprise_path + "/data-held")
    _upload_broken_file(w, enterprise_path)

    # a new bank's column mapping made in the form, previewed before saving
    sample = tmp_path / "明细.csv"
    sample.write_bytes(SAMPLE)
    w.visit("/bank-mappings")
    page.fill("#bank_name", "某某农商银行")
    page.get_by_test_id("sample-file").set_input_files(str(sample))
    page.get_by_test_id("read-sample").click()
    expect(page.get_by_test_id("sample-rows")).to_be_visible()
    w.check("mapping-sample")
    for field, column in (("date_column", "入账时间"), ("amount_column", "发生金额"), ("direction_column", "收支"),
                          ("balance_column", "当前余额"), ("counterparty_column", "交易对手名称"), ("memo_column", "附言")):
        page.select_option(f"[data-testid=column-{field}]", column)
    page.fill("#m-inflow", "收")
    page.fill("#m-outflow", "支")
    page.get_by_test_id("preview-mapping").click()
    expect(page.get_by_test_id("preview-rows")).to_contain_text("厦门海峡商贸有限公司")
    w.check("mapping-preview")
    page.get_by_test_id("save-mapping").click()
    expect(page.get_by_test_id("mappings")).to_contain_text("某某农商银行")
    w.check("mapping-saved")
    page.context.close()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_auditor_walks_the_audit_pages(browser, live_server, make_user, officer_world, tmp_path, viewport):
    make_user(Role.AUDITOR, "auditor-walk")
    w = open_walker(browser, live_server, viewport, "auditor", tmp_path, "auditor-walk")
    page = w.page
    w.visit("/audit")
    expect(page.get_by_test_id("audit-table")).to_contain_text("登记企业")
    w.visit("/audit?action=enterprise.registered")
    expect(page.get_by_test_id("list-summary")).to_contain_text("共 121 条")
    page.get_by_test_id("page-next").click()
    expect(page.get_by_test_id("list-summary")).to_contain_text("第 2 / 3 页")
    w.check("audit-page-2")
    with page.expect_download() as info:
        page.get_by_test_id("export-csv").click()
    lines = Path(info.value.path()).read_bytes().decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 1 + 121
    page.get_by_test_id("event-link").first.click()
    expect(page.get_by_test_id("event-payload")).to_be_visible()
    w.check("audit-event")
    w.visit("/audit/checkpoints")
    page.get_by_test_id("make-checkpoint").click()
    expect(page.get_by_test_id("checkpoints-table")).to_be_visible()
    w.check("checkpoints")
    page.context.close()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_notification_pages_walk(browser, live_server, db, make_user, tmp_path, viewport):
    """The inbox of an applicant (long texts, a notification with an SMS) and the administrators'
    SMS sandbox, which shows the notification's SMS and a message whose delivery failed."""
    from smecredit.notifications import service
    from smecredit.notifications.gateways import GatewayError
    from smecredit.notifications.inbox import notify
    from tests.notifications.helpers import QUIET, STATUS_CHANGED, give_mobile

    class Down:
        name = "down"

        def send(self, *, to, text, message_id):
            raise GatewayError("运营商网关超时 / operator gateway timed out " + "x" * 80)

    applicant = give_mobile(db, make_user(Role.APPLICANT, "inbox-walk"))
    make_user(Role.ADMIN, "admin-walk")
    with unit_of_work(db):
        for n in range(11):  # a two-digit count on the bell, which widens it
            notify(db, recipient=applicant, kind=QUIET, params={"n": "很长的通知内容，" * 12 + str(n)})
        notify(db, recipient=applicant, kind=STATUS_CHANGED,
               params={"no": "SQ-2026-000123", "status": "进入审查 under review", "id": 1})
    with unit_of_work(db):
        failing = service.enqueue_text(db, to="13700137000", template="test.quiet", text="失败的短信 / failing SMS")
    service.deliver(failing.id, Down())

    w = open_walker(browser, live_server, viewport, "inbox", tmp_path, "inbox-walk")
    w.visit("/me/notifications")
    expect(w.page.get_by_test_id("bell-count")).to_have_text("12")
    _bar_on_one_line(w)  # the bell's count takes room: the menu button must still stay on the bar's line
    w.visit("/me/notifications?status=unread&page=2")
    w.page.context.close()

    w = open_walker(browser, live_server, viewport, "admin", tmp_path, "admin-walk")
    w.visit("/admin/sms-sandbox")
    expect(w.page.get_by_test_id("sandbox-messages")).to_contain_text("申请 SQ-2026-000123 状态更新")
    expect(w.page.get_by_test_id("failed-messages")).to_contain_text("operator gateway timed out")
    w.visit("/me/notifications")
    expect(w.page.get_by_test_id("list-empty")).to_be_visible()
    w.page.context.close()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_admin_walks_the_users_list(browser, live_server, make_user, db, tmp_path, viewport):
    from smecredit.audit.log import Actor
    from smecredit.identity import service

    make_user(Role.ADMIN, "admin-walk")
    for i in range(3):
        make_user(Role.LOAN_OFFICER, f"officer-u{i}", display_name=f"客户经理 {i}")
    make_user(Role.AUDITOR, "auditor-u")
    with unit_of_work(db):
        service.save_branch(db, actor=Actor("test-setup", "system"), code="FZ01", name="福州分行")
        service.set_branch(db, actor=Actor("test-setup", "system"), username="officer-u1", branch_code="FZ01")
    w = open_walker(browser, live_server, viewport, "admin", tmp_path, "admin-walk")
    page = w.page
    w.visit("/admin/users")
    # an administrator's long menu: the bar keeps one line and every item one line (they broke in two at 1280)
    _bar_on_one_line(w)
    heights = page.eval_on_selector_all("[data-testid=menu] .nav-link",
                                        "els => els.filter(e => e.offsetParent !== null).map(e => e.getBoundingClientRect().height)")
    assert viewport == "phone" or (len(heights) >= 6 and max(heights) < 48), heights
    expect(page.get_by_test_id("list-summary")).to_contain_text("共 5 条")
    if viewport == "phone":
        _open_filters(page, "users")
    page.select_option("#lf-users-role", "loan_officer")
    page.select_option("#lf-users-branch", "FZ01")
    with page.expect_navigation():
        page.get_by_test_id("list-filter-submit").click()
    expect(page.get_by_test_id("list-summary")).to_contain_text("共 1 条")
    expect(page.get_by_test_id("users-table")).to_contain_text("officer-u1")
    expect(page.get_by_test_id("users-table")).to_contain_text("福州分行（FZ01）")
    w.check("users-filtered")
    with page.expect_download() as info:
        page.get_by_test_id("export-csv").click()
    lines = Path(info.value.path()).read_bytes().decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith("officer-u1,")
    w.visit("/admin/users?sort=-username")
    page.get_by_test_id("user-link").first.click()
    expect(page.get_by_test_id("user-status")).to_be_visible()
    w.check("user-detail")
    page.context.close()


def test_the_staff_view_of_an_application_draws_the_profile_charts(browser, live_server, db, make_user, tmp_path):
    """The side-by-side view includes the enterprise's profile summary: its charts are drawn (the page
    once left out the chart library, leaving three empty boxes) and its key figures keep their numbers
    on one line in the narrow side column."""
    from smecredit.applications import service
    from smecredit.enterprises import data
    from tests.applications.helpers import draft, run, to_review, world

    w = world(db, make_user, 2)  # the sandbox's second enterprise: the policy refers it to people (stage 4)
    with unit_of_work(db):
        data.pull_all(db, user=w.officer, enterprise=w.enterprise)
    a = to_review(db, w, draft(db, w))
    run(db, service.request_documents, user=w.officer, application=a, items=[(w.required()[0].kind, "请补充盖章件")])
    walker = open_walker(browser, live_server, "desktop", "staff-charts", tmp_path, w.officer.username)
    page = walker.page
    walker.visit(f"/applications/{a.id}")
    expect(page.locator("#profile [data-chart]").first).to_be_visible()
    expect(page.locator("#profile [data-chart-drawn=true] svg").first).to_be_attached()
    charts = page.locator("#profile [data-chart]").count()
    assert page.locator("#profile [data-chart-drawn=true]").count() == charts
    heights = page.eval_on_selector_all("#profile .kpi-value", "els => els.map(e => e.getBoundingClientRect().height)")
    assert heights and max(heights) < 40, heights  # one line each
    walker.check("staff-view-charts")
    page.context.close()
