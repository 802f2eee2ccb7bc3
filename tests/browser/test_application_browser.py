"""Stage 3 in a real browser at phone width, as issue 8's "Done when" describes it: an applicant
registers, matches, applies in one click, uploads, submits, answers a 补件 request and follows the
progress; then the staff pages (queue, side-by-side view) are walked at phone and desktop widths.
Every page is checked for console errors and for nothing wider than the screen."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from smecredit.applications import service
from smecredit.applications.models import Application
from smecredit.enterprises import data
from smecredit.enterprises.models import Enterprise
from smecredit.identity.roles import Role
from smecredit.kernel.db import unit_of_work
from smecredit.standards.resident_id import make_resident_id
from tests.applications.helpers import file_for
from tests.browser.ui_support import open_walker
from tests.enterprises.helpers import code as clean_code
from tests.enterprises.helpers import confirm

pytestmark = pytest.mark.browser


def _upload(w, item, path) -> None:
    page = w.page
    box = page.locator(f"[data-testid=checklist-item][data-kind='{item}']")
    box.locator("input[type=file]").set_input_files(str(path))
    box.get_by_test_id("upload").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(f"[data-testid=checklist-item][data-kind='{item}']")).to_have_attribute("data-provided", "yes")


def test_an_applicant_applies_on_a_phone_and_answers_a_document_request(browser, live_server, db, make_user, tmp_path):
    from tests.products.helpers import load_defaults

    load_defaults(db)
    from tests.decisioning.helpers import referring_policy

    referring_policy(db, make_user)  # the policy refers it to people: the walk follows 补件
    make_user(Role.APPLICANT, "owner-apply")
    officer = make_user(Role.LOAN_OFFICER, "officer-apply")
    w = open_walker(browser, live_server, "phone", "apply", tmp_path, "owner-apply")
    page = w.page

    # register the enterprise and authorise data enquiries
    w.visit("/my/enterprises")
    page.get_by_test_id("register-enterprise").click()
    code = clean_code(7)  # a sandbox enterprise of the "clean" tier: some products will fit
    page.fill("#f-uscc", code)
    expect(page.get_by_test_id("uscc-check")).to_contain_text("代码有效")
    page.get_by_test_id("prefill").click()
    expect(page.get_by_test_id("prefill-result")).to_be_visible()
    page.locator("[data-prefill]").click()
    page.select_option("#f-industry", "wholesale")
    page.fill("#f-employees", "18")
    page.fill("#f-revenue_wan", "1500")
    page.fill("#f-legal_rep-id_number", make_resident_id("350102", date(1985, 3, 8), 123))
    page.fill("#f-legal_rep-phone", "13800001111")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("enterprise-name")).to_be_visible()
    enterprise_id = int(re.search(r"/enterprises/(\d+)", page.url).group(1))
    w.visit(f"/enterprises/{enterprise_id}/authorise")
    page.check("input[name=agree]")
    page.get_by_test_id("authorise").click()
    expect(page.get_by_test_id("notice")).to_be_visible()

    # the loan officer checks the licence and pulls the data (the lender's side, not this walk)
    with unit_of_work(db):
        enterprise = db.get(Enterprise, enterprise_id)
        confirm(db, officer, enterprise)
        data.pull_all(db, user=officer, enterprise=enterprise)

    # match and apply in one click
    w.visit(f"/enterprises/{enterprise_id}/matches?amount=300000&term_months=12&purpose=%E9%87%87%E8%B4%AD%E5%8E%9F%E6%9D%90%E6%96%99"
            "&order_value=800000")
    expect(page.get_by_test_id("match-result").first).to_be_visible()
    apply = page.get_by_test_id("apply").first
    expect(apply).to_be_visible()
    apply.click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "draft")
    expect(page.get_by_test_id("notice")).to_be_visible()
    w.check("draft")
    application_id = int(re.search(r"/applications/(\d+)", page.url).group(1))

    # submitting too early names what is missing
    page.get_by_test_id("missing").scroll_into_view_if_needed()
    expect(page.get_by_test_id("submit")).to_be_visible()
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("还缺少必备材料")
    w.answered(422)
    w.check("missing")

    # a wrong file is refused with the reason; then every required document
    required = [i for i in service.document_items(db, db.get(Application, application_id)) if i.required]
    db.rollback()
    wrong = tmp_path / "营业执照.pdf"
    wrong.write_bytes(b"this is not a pdf")
    box = page.locator(f"[data-testid=checklist-item][data-kind='{required[0].kind}']")
    box.locator("input[type=file]").set_input_files(str(wrong))
    box.get_by_test_id("upload").click()
    expect(page.get_by_test_id("form-error")).to_be_visible()
    w.answered(422)
    w.wait_in_view("[data-testid=form-error]")
    for n, item in enumerate(required):
        name, content = file_for(item, n)
        path = tmp_path / name
        path.write_bytes(content)
        _upload(w, item.kind, path)
    expect(page.get_by_test_id("missing")).to_have_count(0)
    w.check("complete")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "submitted")
    w.check("submitted")

    # the officer claims it, reviews it and asks for one more document, with a reason
    with unit_of_work(db):
        application = db.get(Application, application_id)
        service.claim(db, user=officer, application=application)
        service.start_review(db, user=officer, application=application)
        service.request_documents(db, user=officer, application=application,
                                  items=[(required[0].kind, "请上传加盖公章的版本")])

    # the applicant is told (inbox), sees what is needed, answers and resubmits
    w.visit("/me/notifications")
    expect(page.locator("body")).to_contain_text("请补充材料")
    w.visit(f"/applications/{application_id}")
    expect(page.get_by_test_id("open-request")).to_contain_text("请上传加盖公章的版本")
    w.check("documents-requested")
    page.get_by_test_id("resubmit").click()  # not answered yet: refused, saying which
    expect(page.get_by_test_id("form-error")).to_contain_text("补件")
    w.answered(422)
    name, content = file_for(required[0], 99)
    path = tmp_path / f"盖章-{name}"
    path.write_bytes(content)
    _upload(w, required[0].kind, path)
    page.get_by_test_id("resubmit").click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "resubmitted")

    # progress: every step with its time and who acted
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("要求补件")
    expect(timeline).to_contain_text("补件后重新提交")
    expect(timeline).to_contain_text("客户经理")
    assert page.get_by_test_id("step").count() >= 6
    w.check("progress")
    w.visit("/my/applications")
    expect(page.get_by_test_id("my-application")).to_have_count(1)
    page.context.close()


@pytest.fixture()
def queue_world(db, make_user):
    from tests.applications.helpers import draft, run, to_review, world

    w = world(db, make_user)
    a = to_review(db, w, draft(db, w))
    run(db, service.request_documents, user=w.officer, application=a, items=[(w.required()[0].kind, "请补充盖章件")])
    b = to_review(db, w, draft(db, w))
    waiting = draft(db, w)
    from tests.applications.helpers import fill

    fill(db, w, waiting)
    run(db, service.submit, user=w.applicant, application=waiting)
    return w, a, b, db


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_staff_walk_the_queue_and_the_side_by_side_view(browser, live_server, queue_world, tmp_path, viewport):
    w, asked, reviewing, db = queue_world
    walker = open_walker(browser, live_server, viewport, "officer-apps", tmp_path, w.officer.username)
    page = walker.page
    walker.visit("/applications")
    expect(page.get_by_test_id("application-link").first).to_be_visible()
    walker.visit("/applications?status=submitted&assignee=unassigned")
    walker.visit(f"/applications/{reviewing.id}")
    expect(page.get_by_test_id("request-form")).to_be_visible()
    expect(page.locator("#match")).to_be_visible()
    page.get_by_test_id("request-documents").click()  # no item chosen: refused where the form is
    expect(page.get_by_test_id("form-error")).to_be_visible()
    walker.answered(422)
    walker.wait_in_view("[data-testid=form-error]")
    walker.check("request-refused")
    walker.visit(f"/applications/{asked.id}")
    page.context.close()
    # the reviewer takes it over and approves (审查); the approver approves (审批) from the review form
    from tests.applications.helpers import reviewed

    reviewed(db, w, reviewing)
    approver = open_walker(browser, live_server, viewport, "approver-apps", tmp_path, w.approver.username)
    approver.visit(f"/applications/{reviewing.id}")
    expect(approver.page.get_by_test_id("decision-panel")).to_be_visible()
    expect(approver.page.get_by_test_id("review-form")).to_be_visible()
    approver.page.check("#action-approve")
    approver.page.fill("textarea[name=comment]", "经营稳定")
    approver.page.get_by_test_id("submit-review").click()
    expect(approver.page.get_by_test_id("status")).to_have_attribute("data-status", "approved")
    approver.check("approved")
    applicant = open_walker(browser, live_server, viewport, "applicant-apps", tmp_path, w.applicant.username)
    applicant.visit("/my/applications")
    applicant.visit(f"/applications/{asked.id}")
    applicant.visit(f"/applications/{reviewing.id}")
    expect(applicant.page.get_by_test_id("offer-apr")).to_be_visible()
    applicant.check("offer")
    applicant.page.get_by_test_id("accept-offer").click()
    expect(applicant.page.get_by_test_id("status")).to_have_attribute("data-status", "offer_accepted")
    applicant.page.context.close()
    approver.page.context.close()
    assert db_status(reviewing.id) == "offer_accepted"


def db_status(application_id: int) -> str:
    from smecredit.kernel.db import new_session

    with new_session() as s:
        return s.execute(select(Application.status).where(Application.id == application_id)).scalar_one()
