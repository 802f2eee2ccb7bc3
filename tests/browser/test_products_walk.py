"""Stage 2 pages walked in a real browser at phone width (390×844) and desktop width: the
applicant from the home tile to the match page (a refused need, then every product with its
reasons, limit, rate range and the apply button), the catalogue and a product; the risk manager's
editor refusing a rule with its position, the version page and the LPR table. No console error,
nothing wider than the screen."""

from __future__ import annotations

import json
from datetime import date

import pytest
from playwright.sync_api import expect

from smecredit.identity.roles import Role
from tests.browser.ui_support import open_walker
from tests.loans.helpers import on
from tests.products.helpers import default_dict, load_defaults, profiled

pytestmark = pytest.mark.browser


@pytest.fixture()
def products_world(db, make_user):
    # the sandbox's figures vary with the business date (on 2026-11-30 this enterprise needs no
    # working capital): the walk runs on a known date
    with on(date(2026, 11, 29)):
        load_defaults(db)
        enterprise, applicant, _ = profiled(db, make_user, 7)
        make_user(Role.RISK_MANAGER, "rm-walk")
        yield enterprise


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_applicant_matches_products(browser, live_server, products_world, tmp_path, viewport):
    w = open_walker(browser, live_server, viewport, "applicant", tmp_path, "owner-7")
    page = w.page
    w.visit("/")
    page.locator("[data-tile=find_loan]").click()
    page.wait_for_url(f"**/enterprises/{products_world.id}/matches")
    w.check("match-form")
    page.fill("#n-amount", "abc")
    page.fill("#n-term", "12")
    page.fill("#n-purpose", "采购原材料")
    page.get_by_test_id("match").click()
    page.wait_for_load_state("networkidle")
    w.answered(422)
    expect(page.get_by_test_id("form-error")).to_be_visible()
    w.check("match-refused")
    page.fill("#n-amount", "300000")
    page.locator("details summary").first.click()
    page.fill("#n-order_value", "800000")
    page.get_by_test_id("match").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-testid=match-result]")).to_have_count(7)
    expect(page.locator("[data-product=order_financing]")).to_have_attribute("data-eligible", "yes")
    expect(page.locator("[data-product=order_financing] [data-testid=indicative-limit]")).to_contain_text("560,000.00")
    expect(page.locator("[data-testid=apply]").first).to_be_visible()
    page.locator("[data-product=order_financing] details summary").click()
    w.check("match-results")
    page.locator("[data-product=working_capital_loan] details summary").click()
    page.locator("[data-product=working_capital_loan] [data-testid=wc-link]").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("working-capital")).to_contain_text("财务报表推算")
    w.check("working-capital")
    with page.expect_download() as info:
        page.get_by_test_id("wc-csv").click()
    assert "营运资金量" in open(info.value.path(), encoding="utf-8-sig").read()
    w.visit("/products")
    expect(page.get_by_test_id("total")).to_contain_text("7")
    page.get_by_test_id("product-link").first.click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("checklist").first).to_be_visible()
    w.check("product-detail")
    w.visit("/products/working_capital_loan")
    w.visit("/reference-rates")
    page.context.close()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_risk_manager_edits_and_reads_the_rates(browser, live_server, products_world, tmp_path, viewport):
    w = open_walker(browser, live_server, viewport, "risk", tmp_path, "rm-walk")
    page = w.page
    w.visit("/products/tax_loan")
    page.get_by_test_id("edit-product").click()
    page.wait_for_load_state("networkidle")
    data = default_dict("tax_loan")
    data["rules"][0]["expression"] = "years_in_operation >= 2 &&"
    page.get_by_test_id("definition").fill(json.dumps(data, ensure_ascii=False, indent=2))
    page.get_by_test_id("save-draft").click()
    page.wait_for_load_state("networkidle")
    w.answered(422)
    expect(page.get_by_test_id("definition-errors")).to_contain_text("第 1 行第 27 列")
    w.check("editor-refused")
    data["rules"][0]["expression"] = "years_in_operation >= 3"
    page.get_by_test_id("definition").fill(json.dumps(data, ensure_ascii=False, indent=2))
    page.get_by_test_id("save-draft").click()
    page.wait_for_url("**/products/versions/**")
    expect(page.get_by_test_id("own-draft")).to_be_visible()
    w.check("version-own-draft")
    w.visit("/products")
    expect(page.get_by_test_id("pending-version")).to_be_visible()
    w.visit("/reference-rates")
    page.fill("#r-date", "2025-06-20")
    page.fill("#r-pub", "2025-06-20")
    page.fill("#r-rate", "3.00")
    page.get_by_test_id("save-rate").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("rates")).to_contain_text("2025-06-20")
    w.check("rates-saved")
    page.context.close()
