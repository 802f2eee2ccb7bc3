"""The credit profile as an officer's summary: red flags first, key figures, trend charts drawn
from JSON data blocks (no inline script), the full feature table with rules in the page's
language, and two versions compared from a select."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from smecredit.enterprises import data, profile
from smecredit.enterprises.models import ProfileFeature
from smecredit.identity.service import actor_of
from smecredit.kernel.db import unit_of_work
from tests.conftest import login
from smecredit.identity.roles import Role
from tests.enterprises.helpers import authorise, confirm, register


@pytest.fixture()
def pulled(db, make_user):
    applicant = make_user(Role.APPLICANT, "owner-pp")
    officer = make_user(Role.LOAN_OFFICER, "officer-pp")
    with unit_of_work(db):
        enterprise = register(db, applicant, 1)
        confirm(db, officer, enterprise)
        authorise(db, applicant, enterprise)
        data.pull_all(db, user=officer, enterprise=enterprise)
        profile.compute(db, enterprise=enterprise, actor=actor_of(officer), trigger="manual")
    return enterprise


def test_summary_comes_first_with_flags_figures_and_chart_data(client, db, pulled):
    login(client, "officer-pp")
    page = client.get(f"/enterprises/{pulled.id}").text
    summary_at = page.index('data-testid="profile-summary"')
    assert summary_at < page.index('data-testid="features"')
    assert 'data-testid="red-flags"' in page or 'data-testid="no-red-flags"' in page
    figures = re.findall(r'data-figure="([a-z0-9_]+)"', page)
    assert figures == ["annual_revenue", "tax_paid_last12m", "bank_monthly_inflow_avg", "leverage", "current_ratio",
                       "years_in_operation", "tax_credit_grade"]
    assert " 倍</div>" in page and "万元</div>" in page
    blocks = re.findall(r'<script type="application/json" id="chart-(\w+)-data">(.*?)</script>', page, re.S)
    assert [name for name, _ in blocks] == ["bank", "tax", "revenue"]
    bank = json.loads(blocks[0][1])
    assert bank["labels"] and all(v is None or float(v) >= 0 for v in bank["series"][0]["values"])
    assert "/static/vendor/echarts/echarts.min.js" in page
    assert "<script>" not in page and " onclick=" not in page and ' style="' not in page
    assert "存续（在业）" in page  # a code read by its name


def test_rules_are_stored_and_shown_in_the_page_language(client, db, pulled):
    rows = db.execute(select(ProfileFeature).where(ProfileFeature.key == "leverage")).scalars().all()
    assert rows and all(r.rule_zh and r.rule_zh.startswith("leverage：负债合计") for r in rows)
    login(client, "officer-pp")
    page = client.get(f"/enterprises/{pulled.id}").text
    assert "负债合计 ÷ 资产总计" in page and "leverage：" not in page
    client.cookies.set("smecredit_lang", "en")
    english = client.get(f"/enterprises/{pulled.id}").text
    assert "total_liabilities ÷ total_assets" in english
    # a row stored before revision 0006 has only the English rule: the page falls back to it
    for r in rows:
        r.rule_zh = None
    db.commit()
    client.cookies.set("smecredit_lang", "zh")
    assert "total_liabilities ÷ total_assets" in client.get(f"/enterprises/{pulled.id}").text


def test_versions_are_compared_from_a_select(client, db, pulled):
    login(client, "officer-pp")
    latest = profile.latest_profile(db, enterprise_id=pulled.id).version
    page = client.get(f"/enterprises/{pulled.id}/profiles/{latest}").text
    assert 'data-testid="compare-select"' in page
    options = re.findall(r'<option value="(\d+)"', page.split('data-testid="compare-select"')[1].split("</select>")[0])
    assert str(latest) not in options and options
    compared = client.get(f"/enterprises/{pulled.id}/profiles/{latest}", params={"compare_to": options[-1]})
    assert compared.status_code == 200 and 'data-testid="profile-changes"' in compared.text
    assert client.get(f"/enterprises/{pulled.id}/profiles/{latest}", params={"compare_to": "x1"}).status_code == 200
    assert client.get(f"/enterprises/{pulled.id}/profiles/{latest}", params={"compare_to": "999"}).status_code == 404


def test_each_snapshot_reads_as_tables_with_the_json_folded(client, db, pulled):
    from smecredit.enterprises.models import DataSnapshot

    login(client, "officer-pp")
    snaps = {s.kind: s.id for s in db.execute(select(DataSnapshot).where(DataSnapshot.enterprise_id == pulled.id)).scalars()}
    expected = {"registry": "snapshot-table-shareholders", "tax": "snapshot-table-periods",
                "financial_statements": "snapshot-table-income_statement", "credit_bureau": "snapshot-table-loans",
                "judicial": "snapshot-table-lawsuits", "bank_statement": "list-transactions"}
    for kind, testid in expected.items():
        page = client.get(f"/enterprises/{pulled.id}/snapshots/{snaps[kind]}").text
        assert 'data-testid="snapshot-facts"' in page, kind
        assert f'data-testid="{testid}' in page, kind
        assert re.search(r'<details\s+data-testid="content-json">', page), kind  # folded unless revealed
    registry = client.get(f"/enterprises/{pulled.id}/snapshots/{snaps['registry']}").text
    assert "存续（在业）" in registry and "自然人" in registry and "natural_person</td>" not in registry
    credit = client.get(f"/enterprises/{pulled.id}/snapshots/{snaps['credit_bureau']}").text
    assert "已隐藏（个人信用记录" in credit  # the controller's credit history stays withheld until revealed
    bank = client.get(f"/enterprises/{pulled.id}/snapshots/{snaps['bank_statement']}").text
    assert 'id="chart-bank-data"' in bank and "第 1 / " in bank
    dates = re.findall(r'data-col="date">([0-9-]+)<', bank)
    assert dates == sorted(dates, reverse=True) and len(dates) == 50  # newest first, one page
    outflows = client.get(f"/enterprises/{pulled.id}/snapshots/{snaps['bank_statement']}", params={"direction": "out"}).text
    assert "流入</span>" not in outflows and "流出</span>" in outflows
    last = client.get(f"/enterprises/{pulled.id}/snapshots/{snaps['bank_statement']}", params={"page": "999"}).text
    assert 'data-testid="page-next"' in last and 'aria-disabled="true"' in last
