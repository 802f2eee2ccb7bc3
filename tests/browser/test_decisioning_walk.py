"""Stage 4 walked in a real browser on the demo data, at phone width (390 px) and on a laptop (1280 px),
as the people who use it: the applicant reads the offer (年化利率 first, 第 1 期…, the total to repay)
and accepts it; the reviewer reads the queue (the actions in sight, the referral's route and reasons);
the approver's refused review keeps what they chose; a committee member sees the tally against the
quorum; the risk report names staff as colleagues know them and its PDF keeps dates whole; a policy
version keeps its lines and a scorecard version reads as a points table. No console error and nothing
wider than the screen on any page (`ui_support.Walker.check`)."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from smecredit.applications.models import Application
from smecredit.decisioning.models import PolicyVersion, ScorecardVersion
from smecredit.kernel import pdf
from smecredit.kernel.db import unit_of_work
from tests.browser.ui_support import VIEWPORTS, Walker

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "Demo-2026-smecredit"


@pytest.fixture()
def demo(db):
    """The platform's demo, every stage's part, as a first start seeds it."""
    from smecredit import demo as platform_demo
    from smecredit.stages import all_stages, load

    platform_demo.setup_all()
    for stage in all_stages():
        if stage.demo:
            with unit_of_work(db):
                load(stage.demo)(db)
    return {a.status: a for a in db.execute(select(Application).order_by(Application.id)).scalars()}


def _as(browser, live_server: str, viewport: str, username: str, shots: Path) -> Walker:
    phone = viewport == "phone"
    context = browser.new_context(base_url=live_server, viewport=VIEWPORTS[viewport], locale="zh-CN", is_mobile=phone,
                                  has_touch=phone, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    walker = Walker(page, f"{viewport}-{username}", shots)
    page.on("console", lambda message: walker.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: walker.errors.append(str(error)))
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return walker


def _shots(tmp_path: Path) -> Path:
    return Path(os.environ.get("SMECREDIT_SHOTS", tmp_path))


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_applicant_reads_the_offer_and_accepts_it(browser, live_server, demo, tmp_path, viewport):
    approved = demo["approved"]
    w = _as(browser, live_server, viewport, "applicant", _shots(tmp_path))
    page = w.page
    w.visit(f"/applications/{approved.id}")
    expect(page.get_by_test_id("offer-apr")).to_have_text(re.compile(r"^\d+\.\d\d%$"))
    preview = page.get_by_test_id("schedule-preview")
    expect(preview.locator("tbody tr").first.locator("td").first).to_have_text("第 1 期")
    summary = page.get_by_test_id("schedule-summary")
    expect(summary).to_contain_text("应还本息合计")  # the principal is in the total, not only the interest
    expect(summary).to_contain_text("本金 ¥")
    expect(page.get_by_test_id("outcome")).not_to_contain_text(re.compile(r"\d\.\d{3} 毫秒"))  # 0.8 毫秒, not 0.819
    page.get_by_test_id("accept-offer").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("offer-status")).to_have_text("已接受")
    w.check("offer-accepted")
    page.context.close()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_staff_read_the_queue_review_and_vote(browser, live_server, demo, tmp_path, viewport):
    shots = _shots(tmp_path)
    w = _as(browser, live_server, viewport, "reviewer", shots)
    page = w.page
    w.visit("/applications")
    committee = demo["committee"]
    row = page.locator("tr[data-row]", has=page.get_by_text(committee.no, exact=True))
    expect(row.locator("td[data-col=decision]")).to_contain_text("转人工")
    expect(row.locator("td[data-col=decision]")).to_contain_text("贷审会：")  # the route, then the reasons
    if viewport == "desktop":  # the whole queue, its actions included, fits a laptop's screen
        fits = page.evaluate("() => { const box = document.querySelector('.table-responsive');"
                             " return box.scrollWidth <= box.clientWidth + 1; }")
        assert fits, "the queue scrolls sideways at 1280 px: its actions are out of sight"
        widths = page.eval_on_selector_all("td[data-col=enterprise]", "els => els.map(e => e.getBoundingClientRect().width)")
        assert min(widths) > 100, widths  # not a character per line
    page.context.close()

    w = _as(browser, live_server, viewport, "approver", shots)
    page = w.page
    awaiting = demo["awaiting_approval"]
    w.visit(f"/applications/{awaiting.id}")
    score = page.get_by_test_id("decision-score")
    expect(score).to_contain_text("分")
    expect(score).to_contain_text(re.compile(r"\d+\.\d\d%$"))  # PD 0.80%, not 0.008000
    page.check("#action-decline")
    page.get_by_test_id("submit-review").click()  # declining needs a comment
    page.wait_for_load_state("networkidle")
    w.answered(422)
    expect(page.locator("#review [data-testid=form-error], #review .alert-danger").first).to_be_visible()
    expect(page.locator("#action-decline")).to_be_checked()  # what they chose is still chosen
    w.check("review-refused")
    page.context.close()

    w = _as(browser, live_server, viewport, "approver2", shots)
    page = w.page
    w.visit(f"/applications/{committee.id}")
    expect(page.get_by_test_id("committee-tally")).to_contain_text("法定人数")
    w.visit(f"/applications/{committee.id}/risk-report")
    reviews = page.locator("[data-testid=reviews]")
    expect(reviews).not_to_contain_text("reviewer（")  # a display name, not the login
    expect(page.locator("[data-testid=report-timeline]")).not_to_contain_text("***")  # staff unmasked for staff
    if viewport == "desktop" and pdf.available():
        import pypdf

        with page.expect_download(timeout=120_000) as download:  # WeasyPrint with CJK fonts: seconds on a busy CI
            page.get_by_test_id("download-pdf").click(timeout=120_000)
        text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(Path(download.value.path()).read_bytes())).pages)
        assert re.search(r"\d{4}-\d{2}-\d{2}", text)
        assert not re.search(r"\d{4}-\d{2}\s*\n\s*-\d{2}", text), "a date is split over two lines in the PDF"
    page.context.close()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_risk_manager_reads_a_policy_version_and_a_scorecard(browser, live_server, db, demo, tmp_path, viewport):
    draft = db.execute(select(PolicyVersion).where(PolicyVersion.status == "draft")).scalars().first()
    card = db.execute(select(ScorecardVersion).where(ScorecardVersion.status == "approved")).scalars().first()
    w = _as(browser, live_server, viewport, "risk2", _shots(tmp_path))
    page = w.page
    w.visit("/policies")
    expect(page.get_by_test_id("segments")).not_to_contain_text("sme-expert")  # scorecards by their names
    w.visit(f"/policies/versions/{draft.id}")
    text = page.get_by_test_id("version-text")
    assert text.evaluate("e => getComputedStyle(e).whiteSpace") in ("pre", "pre-wrap")  # the YAML keeps its lines
    expect(page.get_by_test_id("approve-form")).to_be_visible()
    w.visit(f"/scorecards/versions/{card.id}")
    points = page.get_by_test_id("scorecard-points")
    expect(points).to_contain_text("分箱与分值")
    expect(points.locator("tbody tr").first).to_contain_text(" 分")
    page.context.close()
