"""The pages of stage 3: one click from a match to a draft, the application page (terms, checklist,
uploads, submit, 补件, timeline), the staff queue and view, and Chinese text without codes."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from smecredit.applications import service
from smecredit.applications.models import Application, ApplicationDocument
from smecredit.identity.roles import Role
from tests.applications.helpers import decide, draft, file_for, fill, run, to_review, world
from tests.conftest import csrf_of, login
from tests.enterprises.test_chinese_text import codes_in

APPLICATION_CODES = re.compile(r"(?<![\w.])(draft|submitted|under_review|documents_requested|resubmitted|decided|"
                               r"awaiting_approval|committee|offer_accepted|offer_declined|referred|automatic|"
                               r"withdrawn|approved|declined|equal_installment|equal_principal|interest_only|bullet|"
                               r"revolving|credit|guarantee|mortgage|receivables_pledge|ip_pledge|application\.[a-z_]+)(?![\w.])")


@pytest.fixture()
def w(db, make_user):
    return world(db, make_user)


def visible_codes(html: str) -> list[str]:
    from tests.enterprises.test_chinese_text import VisibleText

    parser = VisibleText()
    parser.feed(html)
    found = codes_in(html)
    for text in parser.found:
        found += APPLICATION_CODES.findall(text)
    return found


def test_one_click_from_a_match_makes_a_draft_and_opens_it(client, db, w):
    login(client, w.applicant.username)
    response = client.post("/applications", data={
        "csrf_token": csrf_of(client), "enterprise_id": str(w.enterprise.id), "product_code": w.code,
        "amount": str(max(w.definition.min_amount, min(w.definition.max_amount, 300000))),
        "term_months": str(max(w.definition.min_term_months, 12)), "purpose": "采购原材料"}, follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    location = response.headers["location"]
    assert re.fullmatch(r"/applications/\d+\?notice=draft_created", location)
    page = client.get(location)
    assert page.status_code == 200
    assert 'data-status="draft"' in page.text and "草稿" in page.text
    for item in w.required():
        assert item.label.zh in page.text
    assert 'data-testid="missing"' in page.text and 'data-testid="upload-form"' in page.text


def test_a_draft_with_terms_out_of_range_says_which(client, db, w):
    login(client, w.applicant.username)
    response = client.post("/applications", data={
        "csrf_token": csrf_of(client), "enterprise_id": str(w.enterprise.id), "product_code": w.code,
        "amount": str(w.definition.max_amount * 10), "term_months": "12", "purpose": "x"}, follow_redirects=False)
    assert response.status_code == 422
    assert "申请金额须在" in response.text
    assert db.execute(select(func.count()).select_from(Application)).scalar_one() == 0


def test_upload_submit_and_errors_on_the_page(client, db, w):
    a = draft(db, w)
    login(client, w.applicant.username)
    item = w.required()[0]
    bad = client.post(f"/applications/{a.id}/documents", data={"csrf_token": csrf_of(client), "kind": item.kind},
                      files={"file": ("x.pdf", b"not a pdf at all", "application/pdf")}, follow_redirects=False)
    assert bad.status_code == 422 and 'data-testid="form-error"' in bad.text
    assert db.execute(select(func.count()).select_from(ApplicationDocument)).scalar_one() == 0
    refused = client.post(f"/applications/{a.id}/submit", data={"csrf_token": csrf_of(client)}, follow_redirects=False)
    assert refused.status_code == 422 and "还缺少必备材料" in refused.text
    for n, it in enumerate(w.required()):
        name, data = file_for(it, n)
        ok = client.post(f"/applications/{a.id}/documents", data={"csrf_token": csrf_of(client), "kind": it.kind},
                         files={"file": (name, data)}, follow_redirects=False)
        assert ok.status_code == 303
    done = client.post(f"/applications/{a.id}/submit", data={"csrf_token": csrf_of(client)}, follow_redirects=True)
    assert 'data-status="submitted"' in done.text and "申请已提交" in done.text
    again = client.post(f"/applications/{a.id}/submit", data={"csrf_token": csrf_of(client)}, follow_redirects=False)
    assert again.status_code == 409 and "撤回申请" in again.text  # the actions allowed now, by name


def test_staff_queue_claim_request_and_the_side_by_side_view(client, db, make_user):
    from smecredit.enterprises import data
    from smecredit.kernel.db import unit_of_work

    w = world(db, make_user, 2)  # the sandbox's second enterprise: a profile the policy refers to people
    with unit_of_work(db):
        data.pull_all(db, user=w.officer, enterprise=w.enterprise)
    a = fill(db, w, draft(db, w))
    run(db, service.submit, user=w.applicant, application=a)
    login(client, w.officer.username)
    queue = client.get("/applications")
    assert queue.status_code == 200 and a.no in queue.text and "未认领" in queue.text
    assert "转人工" in queue.text  # the queue says why a person looks at it
    assert client.get("/applications?status=submitted&assignee=unassigned&age=0&sort=-no").status_code == 200
    assert client.post(f"/applications/{a.id}/claim", data={"csrf_token": csrf_of(client)}).status_code == 200
    client.post(f"/applications/{a.id}/review", data={"csrf_token": csrf_of(client)})
    item = w.required()[0]
    asked = client.post(f"/applications/{a.id}/document-requests", data={
        "csrf_token": csrf_of(client), "items.0.kind": item.kind, "items.0.reason": "请补充盖章件"}, follow_redirects=True)
    assert 'data-status="documents_requested"' in asked.text
    view = client.get(f"/applications/{a.id}").text
    assert 'data-testid="profile-summary"' in view and w.enterprise.name in view
    assert 'id="match"' in view
    client.cookies.clear()
    login(client, w.applicant.username)
    mine = client.get(f"/applications/{a.id}").text
    assert 'data-testid="open-request"' in mine and "请补充盖章件" in mine
    assert client.get("/my/applications").text.count('data-testid="my-application"') == 1


def test_pages_read_in_chinese_without_codes(client, db, w):
    drafted = draft(db, w)
    reviewing = to_review(db, w, draft(db, w))
    item = w.required()[0]
    asked = to_review(db, w, draft(db, w))
    run(db, service.request_documents, user=w.officer, application=asked, items=[(item.kind, "请补充")])
    decided = decide(db, w, to_review(db, w, draft(db, w)), "declined", "资料不足")
    run(db, service.withdraw, user=w.applicant, application=drafted)
    found = {}
    pages = {
        w.applicant.username: ["/my/applications"] + [f"/applications/{x.id}" for x in (drafted, reviewing, asked, decided)],
        w.officer.username: ["/applications", "/applications?status=declined"] + [f"/applications/{x.id}" for x in (reviewing, asked)],
        w.approver.username: ["/applications", f"/applications/{reviewing.id}"],
    }
    for username, paths in pages.items():
        client.cookies.clear()
        login(client, username)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (username, path)
            bad = visible_codes(response.text)
            if bad:
                found[f"{username} {path}"] = sorted(set(bad))
    assert found == {}, found


def test_the_checker_sees_application_codes():
    assert {"under_review", "equal_installment"} <= set(visible_codes("<p>under_review</p><td>equal_installment</td>"))


def test_the_applicant_sees_only_their_own_in_the_menu_pages(client, db, w, make_user):
    draft(db, w)
    make_user(Role.APPLICANT, "nobody-else")
    login(client, "nobody-else")
    assert 'data-testid="no-applications"' in client.get("/my/applications").text
    assert client.get("/applications", follow_redirects=False).status_code == 403


def test_refused_terms_keep_what_was_typed_and_a_refused_file_is_said_at_its_item(client, db, w):
    """Amount out of range: the field still holds what the applicant typed, next to the reason; a
    refused upload: the reason sits inside the checklist item the file was chosen for (on a phone the
    checklist is several screens long), not above the first item. Amounts carry one currency sign."""
    a = draft(db, w)
    login(client, w.applicant.username)
    typed = str(w.definition.min_amount - 1)
    bad = client.post(f"/applications/{a.id}/terms", data={
        "csrf_token": csrf_of(client), "amount": typed, "term_months": str(a.term_months), "purpose": "扩大经营",
        "repayment_method": a.repayment_method, "guarantee_mode": a.guarantee_mode})
    assert bad.status_code == 422
    assert re.search(r'id="amount" name="amount"[^>]*value="' + re.escape(typed) + '"', bad.text)
    assert re.search(r'id="purpose" name="purpose"[^>]*value="扩大经营"', bad.text)
    assert "元 元" not in bad.text and not re.search(r"¥[\d,.]+ 元", bad.text)

    second = w.required()[1]
    refused = client.post(f"/applications/{a.id}/documents", data={"csrf_token": csrf_of(client), "kind": second.kind},
                          files={"file": ("x.pdf", b"not a pdf at all", "application/pdf")})
    assert refused.status_code == 422
    item = re.search(r'data-testid="checklist-item" data-kind="' + re.escape(second.kind) + r'".*?</li>', refused.text, re.S)
    assert item and 'data-testid="form-error"' in item.group(0)
    assert refused.text.count('data-testid="form-error"') == 1
