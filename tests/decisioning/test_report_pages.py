"""The risk report a reviewer decides from: the page in Chinese (no internal code shown), the PDF
with its Chinese text extractable and its download audited, the overrides report and its export,
and nobody else — an applicant, even of the same application — finds any of it."""

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

SECTIONS = ("一、申请概况", "二、企业画像及数据来源", "三、准入与拒绝规则结果", "四、评分卡得分明细", "五、额度测算",
            "六、定价测算", "七、授信敞口", "八、审批路径与审批意见", "九、材料清单", "十、时间线")


@pytest.fixture()
def rw(db, make_user):
    return report_world.make(db, make_user, 2)  # a clean enterprise in the sandbox: a decision with a price


def test_a_reviewer_reads_every_section_in_chinese_without_codes(client, rw):
    login(client, rw.w.reviewer.username)
    page = client.get(f"/applications/{rw.application.id}/risk-report")
    assert page.status_code == 200, page.text[:500]
    html = page.text
    for title in SECTIONS:
        assert title in html
    assert rw.w.enterprise.name in html and rw.application.no in html
    # the versions, the score, every rule with its result, the steps of the limit and the price
    assert "sme-default v1" in html and "毫秒" in html
    assert str(rw.result["score"]) in html and 'data-testid="report-contributions"' in html
    assert html.count("data-rule=") == len(rw.result["rule_results"])
    assert 'data-testid="limit-steps"' in html and 'data-testid="rate-steps"' in html
    assert "贷款市场报价利率（LPR）" in html and "年化利率" in html
    # exposure with the related enterprise; the committee's dissent and the override with its reason
    assert "关联示例贸易有限公司" in html and "¥1,000,000.00" in html
    assert 'data-dissent="yes"' in html and "负债率偏高，不同意" in html and "贷审会多数同意：订单充足" in html
    # every feature the decision used, with its source and snapshot
    assert 'data-feature="tax_credit_grade"' in html and "/snapshots/" in html
    assert visible_codes(html) == []


def test_the_page_reads_in_english_too(client, rw):
    login(client, rw.w.reviewer.username)
    client.post("/lang", data={"lang": "en", "next": "/", "csrf_token": csrf_of(client)})
    html = client.get(f"/applications/{rw.application.id}/risk-report").text
    assert "Risk assessment report" in html and "1. The application" in html and "Scorecard breakdown" in html


@pytest.mark.skipif(not pdf.available(), reason=f"PDF needs: apt-get install {pdf.SYSTEM_PACKAGES}")
def test_the_pdf_has_the_report_in_extractable_chinese_and_its_download_is_audited(client, db, rw):
    pypdf = pytest.importorskip("pypdf")
    login(client, rw.w.reviewer.username)
    response = client.get(f"/applications/{rw.application.id}/risk-report.pdf")
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "风险评估报告" in text and rw.w.enterprise.name in text and rw.application.no in text
    assert "三、准入与拒绝规则结果" in text and "机密" in text
    event = db.execute(select(AuditEvent).where(AuditEvent.action == "decision.report_downloaded")).scalar_one()
    payload = json.loads(event.payload)
    assert event.entity_id == str(rw.application.id)
    assert payload["sha256"] == hashlib.sha256(response.content).hexdigest() and payload["decision_id"] == rw.decision.id


def test_an_applicant_finds_no_report_not_even_for_their_own_application(client, rw):
    login(client, rw.w.applicant.username)
    assert client.get(f"/applications/{rw.application.id}").status_code == 200  # they see their application
    for path in (f"/applications/{rw.application.id}/risk-report", f"/applications/{rw.application.id}/risk-report.pdf"):
        assert client.get(path).status_code == 404, path
    assert client.get("/decisions/overrides").status_code == 403


def test_a_missing_application_is_not_found_for_staff(client, rw):
    login(client, rw.w.reviewer.username)
    assert client.get("/applications/999999/risk-report").status_code == 404
    assert client.get("/applications/999999/risk-report.pdf").status_code == 404


def test_an_application_not_decided_yet_has_a_report_that_says_so(client, db, make_user):
    from tests.applications.helpers import draft, to_review, world

    w = world(db, make_user, 3)
    application = to_review(db, w, draft(db, w))
    login(client, w.reviewer.username)
    html = client.get(f"/applications/{application.id}/risk-report").text
    assert "尚未决策" in html and 'data-decided="no"' in html and "十、时间线" in html
    assert visible_codes(html) == []


def test_the_overrides_report_lists_the_override_with_its_reason_and_exports_it(client, rw):
    login(client, rw.w.reviewer.username)
    page = client.get("/decisions/overrides")
    assert page.status_code == 200
    assert rw.application.no in page.text and "贷审会多数同意：订单充足" in page.text and "拒绝 → 批准" in page.text
    assert f"/applications/{rw.application.id}/risk-report" in page.text
    assert visible_codes(page.text) == []
    assert rw.application.no not in client.get("/decisions/overrides?human=declined").text
    assert rw.application.no in client.get("/decisions/overrides?human=approved&stage=committee").text
    exported = client.get("/decisions/overrides/export.csv?human=approved")
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["申请编号", "企业", "自动结果 → 人工结果"]
    assert any(rw.application.no in row and "贷审会多数同意：订单充足" in row for row in rows[1:])
    assert client.get("/decisions/overrides/export.xlsx").status_code == 200


def test_without_the_pdf_packages_the_download_says_what_to_install_and_records_nothing(client, db, rw, monkeypatch):
    monkeypatch.setattr(pdf, "cjk_font_files", lambda: ())
    login(client, rw.w.reviewer.username)
    response = client.get(f"/applications/{rw.application.id}/risk-report.pdf")
    assert response.status_code == 503
    assert "fonts-noto-cjk" in response.text or "系统软件包" in response.text
    assert db.execute(select(AuditEvent).where(AuditEvent.action == "decision.report_downloaded")).first() is None
    assert client.get(f"/applications/{rw.application.id}/risk-report").status_code == 200
