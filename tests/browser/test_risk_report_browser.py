"""The risk report in a real browser: a reviewer opens it at phone and desktop widths (tables become
cards on the phone), jumps between sections, and downloads the PDF; the overrides report too. No
console error and nothing wider than the screen anywhere."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from smecredit.kernel import pdf
from tests.browser.ui_support import open_walker
from tests.decisioning import report_world

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_reviewer_reads_the_risk_report_and_downloads_the_pdf(browser, live_server, db, make_user, tmp_path, viewport):
    rw = report_world.make(db, make_user)
    case = rw.committee
    shots = Path(os.environ.get("SMECREDIT_SHOTS", tmp_path))
    w = open_walker(browser, live_server, viewport, "risk-report", shots, rw.w.reviewer.username)
    page = w.page

    w.visit(f"/applications/{case.application.id}/risk-report")
    expect(page.locator("h1")).to_have_text("风险评估报告")
    expect(page.get_by_test_id("enterprise-name")).to_have_text(rw.w.enterprise.name)
    for section in ("overview", "profile", "rules", "score", "limit", "pricing", "exposure", "approval", "documents", "timeline"):
        expect(page.locator(f"section[data-section={section}]")).to_be_visible()
    rules = page.locator("section[data-section=rules] table").first
    if viewport == "phone":  # one card per rule: the header row is hidden and each cell says what it is
        expect(rules.locator("thead")).to_have_css("position", "absolute")
        expect(rules.locator("tbody tr").first).to_have_css("display", "grid")
    else:
        expect(rules.locator("thead")).to_be_visible()

    page.locator(".report-nav a[href='#pricing']").click()
    w.wait_in_view("#pricing")
    w.check("risk-report-pricing")

    if pdf.available():
        # WeasyPrint lays the report out with its CJK fonts: seconds on a loaded machine
        with page.expect_download(timeout=60_000) as download:
            page.get_by_test_id("download-pdf").click(timeout=60_000)
        saved = tmp_path / "report.pdf"
        download.value.save_as(saved)
        assert saved.read_bytes().startswith(b"%PDF")
        assert download.value.suggested_filename.endswith(".pdf")

    w.visit("/decisions/overrides")
    expect(page.get_by_test_id("override-report-link")).to_have_text(rw.overridden.application.no)
    page.get_by_test_id("override-report-link").click()
    page.wait_for_url(f"**/applications/{rw.overridden.application.id}/risk-report")
    expect(page.get_by_test_id("overrides")).to_be_visible()
    w.check("risk-report-from-overrides")
    page.context.close()
