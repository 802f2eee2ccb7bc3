"""The API's shapes (decimal strings), who may match which enterprise, drafting and four-eyes
approval through the API and the pages, the LPR table, and bad input answered 4xx on real ids."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

from sqlalchemy import func, select

from smecredit.kernel.clock import business_date
from smecredit.audit.models import AuditEvent
from smecredit.identity.roles import Role
from smecredit.products import catalogue
from smecredit.products.models import ProductVersion
from tests.conftest import api_token, csrf_of, login
from tests.loans.helpers import on
from tests.products.helpers import default_dict, load_defaults, profiled

CLEAN = 7  # tests.enterprises.helpers.code(7): a sandbox enterprise of the "clean" tier


def test_products_list_has_the_fields_of_the_issue(db, client, make_user):
    load_defaults(db)
    make_user(Role.APPLICANT, "app-one")
    headers = api_token(client, "app-one")
    body = client.get("/api/v1/products", headers=headers).json()
    assert body["total"] == 7
    item = next(i for i in body["items"] if i["code"] == "tax_loan")
    for key in ("code", "version", "name", "kind", "min_amount", "max_amount", "min_term_months", "max_term_months",
                "repayment_methods", "guarantee_modes", "checklist"):
        assert key in item
    assert item["name"] == {"zh": "税贷（银税互动）", "en": "Tax-data loan"}
    assert item["min_amount"] == "30000.00" and isinstance(item["min_amount"], str)
    assert item["checklist"]["credit"][0]["kind"] == "business_licence"
    assert set(item["checklist"]["credit"][0]) == {"kind", "label", "required", "accepted", "note"}
    assert client.get("/api/v1/products/nope", headers=headers).status_code == 404


def test_matches_answer_exactly_the_shape_of_the_issue(db, client, make_user):
    load_defaults(db)
    enterprise, applicant, _ = profiled(db, make_user, CLEAN)
    headers = api_token(client, applicant.username)
    response = client.post(f"/api/v1/enterprises/{enterprise.id}/matches", headers=headers,
                           json={"amount": "300000", "term_months": 12, "purpose": "采购原材料"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["matches"] and len(body["matches"]) == 7
    for m in body["matches"]:
        assert {"product_code", "product_version", "eligible", "reasons", "indicative_limit", "rate_min", "rate_max",
                "rank"} <= set(m)
        for reason in m["reasons"]:
            assert set(reason) >= {"code", "message"} and set(reason["message"]) == {"zh", "en"}
        if m["eligible"]:
            assert isinstance(m["rate_min"], str) and "." in m["rate_min"] and m["rank"] >= 1
            assert m["indicative_limit"] is None or isinstance(m["indicative_limit"], str)
        else:
            assert m["rank"] is None and m["reasons"]
    ranks = [m["rank"] for m in body["matches"] if m["rank"] is not None]
    assert ranks == list(range(1, len(ranks) + 1))
    bad = client.post(f"/api/v1/enterprises/{enterprise.id}/matches", headers=headers,
                      json={"amount": 300000.5, "term_months": 12, "purpose": "x"})
    assert bad.status_code == 422
    bad = client.post(f"/api/v1/enterprises/{enterprise.id}/matches", headers=headers,
                      json={"amount": "-1", "term_months": 12, "purpose": ""})
    assert bad.status_code == 422 and bad.json()["error"]["details"]["errors"]


def test_an_applicant_matches_only_their_own_enterprise(db, client, make_user):
    load_defaults(db)
    enterprise, _, _ = profiled(db, make_user, CLEAN)
    make_user(Role.APPLICANT, "stranger")
    headers = api_token(client, "stranger")
    response = client.post(f"/api/v1/enterprises/{enterprise.id}/matches", headers=headers,
                           json={"amount": "300000", "term_months": 12, "purpose": "x"})
    assert response.status_code == 404
    login(client, "stranger")
    assert client.get(f"/enterprises/{enterprise.id}/matches").status_code == 404


def test_four_eyes_through_the_api_with_audit_events(db, client, make_user):
    load_defaults(db)
    make_user(Role.RISK_MANAGER, "rm-author")
    make_user(Role.RISK_MANAGER, "rm-approver")
    make_user(Role.LOAN_OFFICER, "officer")
    author, approver, officer = (api_token(client, n) for n in ("rm-author", "rm-approver", "officer"))
    data = default_dict("invoice_loan")
    data["limit"]["params"]["rate"] = "0.20"
    assert client.post("/api/v1/products/invoice_loan/versions", headers=officer, json={"definition": data}).status_code == 403
    bad = dict(data, rules=[{**data["rules"][0], "expression": "years_in_operation >="}])
    refused = client.post("/api/v1/products/invoice_loan/versions", headers=author, json={"definition": bad})
    assert refused.status_code == 422
    first = refused.json()["error"]["details"]["errors"][0]
    assert first["field"] == "rules[0].expression" and first["line"] == 1 and first["column"] == 22
    made = client.post("/api/v1/products/invoice_loan/versions", headers=author, json={"definition": data, "note": "20 %"})
    assert made.status_code == 201 and made.json()["status"] == "draft" and made.json()["version"] == 2
    version_id = made.json()["id"]
    today = business_date().isoformat()
    own = client.post(f"/api/v1/products/versions/{version_id}/approve", headers=author, json={"effective_from": today})
    assert own.status_code == 403 and own.json()["error"]["code"] == "four_eyes"
    done = client.post(f"/api/v1/products/versions/{version_id}/approve", headers=approver, json={"effective_from": today})
    assert done.status_code == 200 and done.json()["status"] == "approved"
    again = client.post(f"/api/v1/products/versions/{version_id}/approve", headers=approver, json={"effective_from": today})
    assert again.status_code == 409
    current = client.get("/api/v1/products/invoice_loan", headers=approver).json()
    assert current["version"] == 2
    detail = client.get(f"/api/v1/products/versions/{version_id}", headers=approver).json()
    assert detail["definition"]["limit"]["params"]["rate"] == "0.20"
    actions = [a for (a,) in db.execute(select(AuditEvent.action).where(AuditEvent.entity_type == "product")
                                        .order_by(AuditEvent.seq)).all()]
    assert actions[-2:] == ["product.version_drafted", "product.version_approved"]


def test_rates_api_reads_and_a_risk_manager_sets(db, client, make_user):
    load_defaults(db)
    make_user(Role.RISK_MANAGER, "rm-one")
    make_user(Role.APPLICANT, "app-one")
    manager, applicant = api_token(client, "rm-one"), api_token(client, "app-one")
    table = client.get("/api/v1/reference-rates?limit=200", headers=applicant).json()
    assert table["total"] == 30 and table["items"][0]["effective_from"] == "2025-05-20"
    body = {"tenor": "1y", "effective_from": "2025-06-20", "published_on": "2025-06-20", "rate": "3.00"}
    assert client.post("/api/v1/reference-rates", headers=applicant, json=body).status_code == 403
    assert client.post("/api/v1/reference-rates", headers=manager, json=body).status_code == 201
    assert client.post("/api/v1/reference-rates", headers=manager, json={**body, "rate": 3.0}).status_code == 422
    assert client.post("/api/v1/reference-rates", headers=manager, json={**body, "effective_from": "2019-01-01",
                                                                          "published_on": "2019-01-01"}).status_code == 422


# --- pages ---------------------------------------------------------------------------------------------

def test_the_match_page_explains_and_offers_the_apply_form(db, client, make_user):
    load_defaults(db)
    enterprise, applicant, _ = profiled(db, make_user, CLEAN)
    login(client, applicant.username)
    home = client.get("/").text
    assert 'href="/my/matches"' in home
    page = client.get("/my/matches", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == f"/enterprises/{enterprise.id}/matches"
    assert 'data-testid="need-form"' in client.get(f"/enterprises/{enterprise.id}/matches").text
    text = client.get(f"/enterprises/{enterprise.id}/matches",
                      params={"amount": "300000", "term_months": "12", "purpose": "采购原材料", "order_value": "800000"}).text
    assert 'data-eligible="yes"' in text
    assert 'action="/applications"' in text and 'name="product_code" value="order_financing"' in text
    assert 'name="csrf_token"' in text and 'name="amount" value="300000.00"' in text
    assert "560,000.00" in text.replace("¥", "")  # 800,000 × 0.70
    bad = client.get(f"/enterprises/{enterprise.id}/matches", params={"amount": "abc", "term_months": "12", "purpose": "x"})
    assert bad.status_code == 422 and 'data-testid="form-error"' in bad.text


def test_missing_data_links_to_the_stage_one_data_page(db, client, make_user):
    from smecredit.kernel.db import unit_of_work
    from tests.enterprises.helpers import confirm, register

    load_defaults(db)
    applicant, officer = make_user(Role.APPLICANT, "a-new"), make_user(Role.LOAN_OFFICER, "o-new")
    with unit_of_work(db):
        enterprise = register(db, applicant, 3)
        confirm(db, officer, enterprise)
    login(client, "a-new")
    text = client.get(f"/enterprises/{enterprise.id}/matches",
                      params={"amount": "300000", "term_months": "12", "purpose": "采购"}).text
    assert f'href="/enterprises/{enterprise.id}#data"' in text and "无法判断" in text
    assert 'data-eligible="yes"' not in text and 'action="/applications"' not in text


def test_the_editor_refuses_with_positions_and_the_second_manager_approves(db, client, make_user):
    load_defaults(db)
    make_user(Role.RISK_MANAGER, "rm-a")
    make_user(Role.RISK_MANAGER, "rm-b")
    login(client, "rm-a")
    assert "working_capital_loan" in client.get("/products/working_capital_loan/edit").text
    data = default_dict("order_financing")
    data["rules"][0]["expression"] = "years_in_operation >= 1 &&"
    refused = client.post("/products/versions", data={"csrf_token": csrf_of(client), "code": "order_financing",
                                                      "definition": json.dumps(data, ensure_ascii=False)})
    assert refused.status_code == 422 and "rules[0].expression" in refused.text and "第 1 行第 27 列" in refused.text
    # the refused page still names the product (not its code) and the version it starts from
    assert re.search(r'<a href="/products/order_financing">订单融资</a>', refused.text) and "为底稿" in refused.text
    data = default_dict("order_financing")
    data["limit"]["params"]["advance_rate"] = "0.75"
    saved = client.post("/products/versions", data={"csrf_token": csrf_of(client), "code": "order_financing",
                                                    "definition": json.dumps(data, ensure_ascii=False), "note": "75 %"},
                        follow_redirects=False)
    assert saved.status_code == 303
    version_url = saved.headers["location"].split("?")[0]
    page = client.get(version_url).text
    assert 'data-testid="own-draft"' in page and 'data-testid="approve-form"' not in page and "额度测算" in page
    client.cookies.clear()
    login(client, "rm-b")
    assert 'data-testid="pending-version"' in client.get("/products").text
    page = client.get(version_url).text
    assert 'data-testid="approve-form"' in page
    tomorrow = (business_date() + timedelta(days=1)).isoformat()
    done = client.post(version_url + "/approve", data={"csrf_token": csrf_of(client), "effective_from": tomorrow},
                       follow_redirects=False)
    assert done.status_code == 303
    row = db.execute(select(ProductVersion).where(ProductVersion.product_code == "order_financing",
                                                  ProductVersion.version == 2)).scalar_one()
    db.refresh(row)
    assert row.status == "approved" and row.approver == "rm-b" and row.effective_from == business_date() + timedelta(days=1)
    assert catalogue.current_version(db, "order_financing", business_date()).version == 1


def test_the_rate_page_adds_a_rate(db, client, make_user):
    load_defaults(db)
    make_user(Role.RISK_MANAGER, "rm-one")
    login(client, "rm-one")
    page = client.get("/reference-rates").text
    assert "2019-08-20" in page and 'data-testid="rate-form"' in page
    bad = client.post("/reference-rates", data={"csrf_token": csrf_of(client), "tenor": "1y", "effective_from": "2025-06-20",
                                                "published_on": "2025-06-20", "rate": "abc"})
    assert bad.status_code == 422 and 'data-testid="form-error"' in bad.text
    # said inside the form, the rate field marked and still holding what was typed
    form = re.search(r'data-testid="rate-form".*?</form>', bad.text, re.S).group(0)
    assert 'data-testid="form-error"' in form and re.search(r'class="form-control is-invalid" id="r-rate"[^>]*value="abc"', form)
    ok = client.post("/reference-rates", data={"csrf_token": csrf_of(client), "tenor": "5y+", "effective_from": "2025-06-20",
                                               "published_on": "2025-06-20", "rate": "3.45"}, follow_redirects=False)
    assert ok.status_code == 303
    assert db.execute(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "reference_rate.set")).scalar() == 1


def test_no_product_route_answers_500_to_bad_input_on_real_ids(db, client, make_user):
    load_defaults(db)
    enterprise, _, _ = profiled(db, make_user, CLEAN)
    make_user(Role.RISK_MANAGER, "rm-one")
    make_user(Role.RISK_MANAGER, "rm-two")
    headers = api_token(client, "rm-one")
    made = client.post("/api/v1/products/tax_loan/versions", headers=headers, json={"definition": default_dict("tax_loan")})
    version_id = made.json()["id"]
    login(client, "rm-two")
    csrf = csrf_of(client)
    odd = ["", "x", "1e999", "-1", "2019-02-30", "中文", "0" * 5000]
    for value in odd:
        for url, fields in ((f"/products/versions/{version_id}/approve", ("effective_from", "note")),
                            (f"/products/versions/{version_id}/reject", ("note",)),
                            ("/products/versions", ("definition", "code", "note")),
                            ("/reference-rates", ("tenor", "effective_from", "published_on", "rate"))):
            response = client.post(url, data={"csrf_token": csrf, **{f: value for f in fields}}, follow_redirects=False)
            assert response.status_code < 500, (url, value, response.text[:300])
        response = client.get(f"/enterprises/{enterprise.id}/matches",
                              params={"amount": value, "term_months": value, "purpose": value, "order_value": value})
        assert response.status_code < 500, (value, response.text[:300])
    for body in ({"definition": {"code": 5}}, {"definition": {"limit": []}}, {"definition": {"rules": "x", "checklist": 3}},
                 {"definition": {**default_dict("tax_loan"), "checklist": {"credit": [{"kind": "business_licence", "accepted": "pdf"}]}}}):
        response = client.post("/api/v1/products/tax_loan/versions", headers=headers, json=body)
        assert response.status_code == 422, (body, response.text[:300])


def test_the_working_capital_computation_is_shown_with_its_sources_and_downloads(db, client, make_user):
    import csv
    import io

    from openpyxl import load_workbook

    load_defaults(db)
    enterprise, applicant, _ = profiled(db, make_user, CLEAN)
    login(client, applicant.username)
    params = {"amount": "300000", "term_months": "12", "purpose": "采购原材料", "inventory_days": "60", "receivable_days": "45",
              "payable_days": "30", "prepaid_days": "10", "advance_days": "5", "own_funds": "0", "existing_loans": "0",
              "other_funding": "0"}
    page = client.get(f"/enterprises/{enterprise.id}/matches", params=params).text
    assert 'data-testid="wc-link"' in page
    text = client.get(f"/enterprises/{enterprise.id}/matches/working-capital", params=params).text
    assert 'data-testid="working-capital"' in text and "信用画像" in text and "申请人填写" in text
    assert 'data-key="new_loan_limit"' in text
    got = client.get(f"/enterprises/{enterprise.id}/matches/working-capital.csv", params=params)
    assert got.status_code == 200
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows[0] == ["项目", "数值", "单位", "来源或公式"]
    by_item = {r[0]: r for r in rows[1:]}
    assert by_item["存货周转天数"][1] in ("60.00", "60") and by_item["存货周转天数"][3] == "申请人填写"
    assert by_item["上年度销售收入"][3] == "信用画像"
    # the figures agree with the arithmetic: need = sales × (1 − m) × (1 + g) × 80 ÷ 360
    from decimal import ROUND_HALF_UP, Decimal
    sales, margin, growth = (Decimal(by_item[k][1].replace(",", "")) for k in ("上年度销售收入", "上年度销售利润率", "预计销售收入年增长率"))
    need = (sales * (100 - margin) * (100 + growth) * 80 / (100 * 100 * 360)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert Decimal(by_item["营运资金量"][1].replace(",", "")) == need
    book = client.get(f"/enterprises/{enterprise.id}/matches/working-capital.xlsx", params=params)
    assert book.status_code == 200
    sheet = load_workbook(io.BytesIO(book.content)).active
    assert [c.value for c in next(sheet.iter_rows(max_row=1))] == ["项目", "数值", "单位", "来源或公式"]
    missing = client.get(f"/enterprises/{enterprise.id}/matches/working-capital.csv",
                         params={**params, "product": "tax_loan"})
    assert missing.status_code == 422


def test_working_capital_days_default_to_the_financial_statements(db, client, make_user):
    with on(date(2026, 11, 29)):  # the sandbox's figures as of a known date (they vary with the date)
        load_defaults(db)
        enterprise, applicant, _ = profiled(db, make_user, CLEAN)
        login(client, applicant.username)
        params = {"amount": "300000", "term_months": "12", "purpose": "采购原材料"}
        text = client.get(f"/enterprises/{enterprise.id}/matches/working-capital", params=params).text
    assert 'data-testid="working-capital"' in text and "财务报表推算" in text and "未填写，按 0 计" in text


def test_the_working_capital_page_without_a_need_leads_to_the_match_page(db, client, make_user):
    """Opened from a bookmark without the stated need, the page sends the applicant to where the need
    is asked, not to an error page naming the field ``amount``."""
    load_defaults(db)
    enterprise, applicant, _ = profiled(db, make_user, CLEAN)
    login(client, applicant.username)
    got = client.get(f"/enterprises/{enterprise.id}/matches/working-capital", follow_redirects=False)
    assert got.status_code == 303 and got.headers["location"] == f"/enterprises/{enterprise.id}/matches"
    assert 'data-testid="working-capital"' not in client.get(f"/enterprises/{enterprise.id}/matches/working-capital").text


def test_a_product_page_leads_an_applicant_to_their_match(db, client, make_user):
    """An applicant reading a product is shown the way on (the match page, which says whether they
    qualify and applies in one click); staff are not."""
    load_defaults(db)
    make_user(Role.APPLICANT, "reader-a")
    make_user(Role.RISK_MANAGER, "reader-rm")
    login(client, "reader-a")
    page = client.get("/products/working_capital_loan").text
    assert 'data-testid="match-mine"' in page and 'href="/my/matches"' in page
    client.cookies.clear()
    login(client, "reader-rm")
    assert 'data-testid="match-mine"' not in client.get("/products/working_capital_loan").text
