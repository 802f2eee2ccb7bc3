"""The risk report a reviewer decides from, on applications decided and handled through the real
flow: the page in Chinese (no internal code shown), the PDF with its Chinese text extractable and its
download audited, the overrides report and its export, and nobody else — an applicant, even of the
same application — finds any of it."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest
from sqlalchemy import select

from smecredit.audit.models import AuditEvent
from smecredit.kernel import pdf
from tests.applications.test_pages import visible_codes
from tests.conftest import csrf_of, login
from tests.decisioning import report_world
from tests.decisioning.report_world import OVERRIDE_REASON, VOTES

SECTIONS = ("一、申请概况", "二、企业画像及数据来源", "三、准入与拒绝规则结果", "四、评分卡得分明细", "五、额度测算",
            "六、定价测算", "七、授信敞口", "八、审批路径与审批意见", "九、材料清单", "十、时间线")


@pytest.fixture()
def rw(db, make_user):
    return report_world.make(db, make_user)


def _page(client, case) -> str:
    page = client.get(f"/applications/{case.application.id}/risk-report")
    assert page.status_code == 200, page.text[:500]
    return page.text


def test_a_reviewer_reads_every_section_in_chinese_without_codes(client, rw):
    login(client, rw.w.reviewer.username)
    case = rw.committee
    html = _page(client, case)
    for title in SECTIONS:
        assert title in html
    assert rw.w.enterprise.name in html and case.application.no in html
    # the versions and the time taken, the score, every rule with its result, the steps of the limit and the price
    assert "sme-default v1" in html and "毫秒" in html
    assert str(case.result["score"]) in html and 'data-testid="report-contributions"' in html
    assert html.count("data-rule=") == len(case.result["rule_results"])
    assert 'data-result="failed"' in html and "大额" in html  # the large-amount referral
    assert 'data-testid="limit-steps"' in html and 'data-testid="rate-steps"' in html
    assert "贷款市场报价利率（LPR）" in html and "年化利率" in html
    # the route, the opinions of review and approval, the committee's votes with the dissent
    assert "审查 → 贷审会" in html
    assert "同意上报 / agreed" in html and "超权限，提交贷审会 / above my authority" in html
    assert html.count('data-dissent="yes"') == 1 and VOTES[0][2] in html
    # every feature the decision used, with its source and snapshot
    assert 'data-feature="tax_credit_grade"' in html and "/snapshots/" in html
    assert visible_codes(html) == []


def test_an_override_shows_with_its_reason(client, rw):
    login(client, rw.w.approver.username)
    html = _page(client, rw.overridden)
    assert 'data-testid="overrides"' in html and OVERRIDE_REASON in html and "批准 → 拒绝" in html
    assert "审查 → 审批" in html
    assert visible_codes(html) == []


def test_the_page_reads_in_english_too(client, rw):
    login(client, rw.w.reviewer.username)
    client.post("/lang", data={"lang": "en", "next": "/", "csrf_token": csrf_of(client)})
    html = _page(client, rw.committee)
    assert "Risk assessment report" in html and "1. The application" in html and "Scorecard breakdown" in html


@pytest.mark.skipif(not pdf.available(), reason=f"PDF needs: apt-get install {pdf.SYSTEM_PACKAGES}")
def test_the_pdf_has_the_report_in_extractable_chinese_and_its_download_is_audited(client, db, rw):
    pypdf = pytest.importorskip("pypdf")
    case = rw.committee
    login(client, rw.w.reviewer.username)
    response = client.get(f"/applications/{case.application.id}/risk-report.pdf")
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "风险评估报告" in text and rw.w.enterprise.name in text and case.application.no in text
    assert "三、准入与拒绝规则结果" in text and "机密" in text and "负债率偏高，不同意" in text
    event = db.execute(select(AuditEvent).where(AuditEvent.action == "decision.report_downloaded")).scalar_one()
    payload = json.loads(event.payload)
    assert event.entity_id == str(case.application.id)
    assert payload["sha256"] == hashlib.sha256(response.content).hexdigest() and payload["decision_id"] == case.decision.id


def test_an_applicant_finds_no_report_not_even_for_their_own_application(client, rw):
    login(client, rw.w.applicant.username)
    application = rw.committee.application
    assert client.get(f"/applications/{application.id}").status_code == 200  # they see their application
    for path in (f"/applications/{application.id}/risk-report", f"/applications/{application.id}/risk-report.pdf"):
        assert client.get(path).status_code == 404, path
    assert client.get("/decisions/overrides").status_code == 403


def test_a_missing_application_is_not_found_for_staff(client, rw):
    login(client, rw.w.reviewer.username)
    assert client.get("/applications/999999/risk-report").status_code == 404
    assert client.get("/applications/999999/risk-report.pdf").status_code == 404


def test_an_application_not_decided_yet_has_a_report_that_says_so(client, db, make_user):
    from tests.applications.helpers import draft, world

    w = world(db, make_user, 3)
    application = draft(db, w)  # submitting decides at once: only a draft has no decision
    login(client, w.reviewer.username)
    html = _page(client, report_world.Case(application, None))
    assert "尚未决策" in html and 'data-decided="no"' in html and "十、时间线" in html
    assert visible_codes(html) == []


def test_the_overrides_report_lists_the_override_with_its_reason_and_exports_it(client, rw):
    login(client, rw.w.reviewer.username)
    no = rw.overridden.application.no
    page = client.get("/decisions/overrides")
    assert page.status_code == 200
    assert no in page.text and OVERRIDE_REASON in page.text and "批准 → 拒绝" in page.text
    assert rw.committee.application.no not in page.text  # the committee followed no recommendation: not an override
    assert f"/applications/{rw.overridden.application.id}/risk-report" in page.text
    assert visible_codes(page.text) == []
    assert no not in client.get("/decisions/overrides?human=approved").text
    assert no in client.get("/decisions/overrides?human=declined&stage=approval").text
    exported = client.get("/decisions/overrides/export.csv?human=declined")
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["申请编号", "企业", "自动结果 → 人工结果"]
    assert any(no in row and OVERRIDE_REASON in row for row in rows[1:])
    assert client.get("/decisions/overrides/export.xlsx").status_code == 200


def test_without_the_pdf_packages_the_download_says_what_to_install_and_records_nothing(client, db, rw, monkeypatch):
    monkeypatch.setattr(pdf, "cjk_font_files", lambda: ())
    application = rw.committee.application
    login(client, rw.w.reviewer.username)
    response = client.get(f"/applications/{application.id}/risk-report.pdf")
    assert response.status_code == 503
    assert "fonts-noto-cjk" in response.text or "系统软件包" in response.text
    assert db.execute(select(AuditEvent).where(AuditEvent.action == "decision.report_downloaded")).first() is None
    assert client.get(f"/applications/{application.id}/risk-report").status_code == 200


def _typed_by_people(db) -> list[str]:
    from smecredit.applications.models import Application
    from smecredit.decisioning.models import CommitteeVote, DecisionOverride, DecisionReview

    found = [*db.execute(select(DecisionReview.comment)).scalars(), *db.execute(select(CommitteeVote.comment)).scalars(),
             *db.execute(select(DecisionOverride.reason)).scalars(), *db.execute(select(Application.purpose)).scalars()]
    return sorted({t for t in found if t}, key=len, reverse=True)


def test_every_demo_application_has_a_report_in_chinese(client, db):
    """From a clean install's demo data: every application's report opens, in Chinese, without codes,
    and the demo's override is in the overrides report."""
    from smecredit.applications.models import Application
    from smecredit.decisioning.models import DecisionOverride
    from smecredit.identity.demo import DEMO_PASSWORD
    from tests.decisioning.test_demo import _seed

    _seed(db)
    assert login(client, "risk", DEMO_PASSWORD).status_code == 303
    applications = list(db.execute(select(Application).where(Application.status != "draft")).scalars())
    assert applications
    typed = _typed_by_people(db)
    for application in applications:
        html = _page(client, report_world.Case(application, None))
        assert "风险评估报告" in html and application.no in html
        for text in typed:  # what people wrote (bilingual demo comments) is theirs, not a code
            html = html.replace(text, "")
        assert visible_codes(html) == [], (application.no, visible_codes(html))
    override = db.execute(select(DecisionOverride)).scalar_one()
    no = db.get(Application, override.application_id).no
    assert no in client.get("/decisions/overrides").text
