"""The stage-2 pages read in Chinese: no product kind, repayment method, guarantee mode, document
kind, payment mode, status, tenor or limit source shown as a code (the expressions and the raw
definition, kept for risk managers, sit in code fonts)."""

from __future__ import annotations

import re

from smecredit.identity.roles import Role
from smecredit.products import limits, vocabulary
from tests.conftest import api_token, login
from tests.enterprises.test_chinese_text import VisibleText, codes_in
from tests.products.helpers import default_dict, load_defaults, profiled

PRODUCT_CODES = (set(vocabulary.KINDS) | set(vocabulary.REPAYMENT_METHODS) | set(vocabulary.GUARANTEE_BASE)
                 | set(vocabulary.DOCUMENT_KINDS) | set(vocabulary.PAYMENT_MODES) | set(vocabulary.VERSION_STATUSES)
                 | set(limits.METHODS) | set(limits.SOURCE_LABELS) | {"entrusted", "self", "system", "draft", "approved",
                                                                      "rejected", "1y", "5y+", "credit+guarantee"})


def product_codes_in(html: str) -> list[str]:
    bad = codes_in(html)
    parser = VisibleText()
    parser.feed(html)
    for text in parser.found:
        bad += [w for w in re.findall(r"[A-Za-z_0-9+]+", text) if w in PRODUCT_CODES and w not in ("PDF", "JPEG", "PNG")]
    return bad


def test_stage_two_pages_show_no_codes_in_chinese(db, client, make_user):
    load_defaults(db)
    enterprise, applicant, _ = profiled(db, make_user, 7)
    profiled(db, make_user, 1)  # a risky enterprise: many failed rules
    make_user(Role.RISK_MANAGER, "rm-author")
    make_user(Role.RISK_MANAGER, "rm-approver")
    made = client.post("/api/v1/products/working_capital_loan/versions", headers=api_token(client, "rm-author"),
                       json={"definition": default_dict("working_capital_loan"), "note": "调整"}).json()
    e = enterprise.id
    match = f"/enterprises/{e}/matches?amount=300000&term_months=12&purpose=采购&order_value=900000&project_cost=2000000"
    pages = {
        applicant.username: ["/", "/products", "/products?kind=tax_loan", "/products/tax_loan", "/products/working_capital_loan",
                             f"/enterprises/{e}/matches", match, "/reference-rates", f"/enterprises/{e}",
                             f"/enterprises/{e}/matches/working-capital?amount=300000&term_months=12&purpose=采购"],
        "owner-1": [f"/enterprises/{e + 1}/matches?amount=300000&term_months=72&purpose=采购"],
        "rm-approver": ["/products", "/products/fixed_asset_loan", f"/products/versions/{made['id']}", "/reference-rates",
                        "/products/supply_chain_receivables"],
    }
    found = {}
    for username, paths in pages.items():
        client.cookies.clear()
        login(client, username)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (username, path, response.status_code)
            bad = product_codes_in(response.text)
            if bad:
                found[f"{username} {path}"] = sorted(set(bad))
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())


def test_the_checker_sees_product_codes():
    assert {"equal_installment", "tax_loan"} <= set(product_codes_in("<td>equal_installment</td><p>tax_loan</p>"))
    assert product_codes_in("<code>equal_installment</code><td>等额本息</td>") == []
