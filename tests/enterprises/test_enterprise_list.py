"""The enterprise list page and its exports: paging over 120 enterprises, filters that narrow the
list and stay in every link, header sorting, and exports holding exactly the filtered rows with
formulas neutralised (one query for page, API and exports)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from smecredit.identity.roles import Role
from smecredit.kernel.db import unit_of_work
from tests.conftest import login
from tests.enterprises.helpers import register

FORMULA = '=HYPERLINK("http://example.invalid","点我")'


@pytest.fixture()
def portfolio(db, make_user):
    """An officer with 120 enterprises on behalf (every fourth retail, the rest wholesale; one
    named like a spreadsheet formula) and a reviewer who reads them all."""
    officer = make_user(Role.LOAN_OFFICER, "officer-list")
    make_user(Role.CREDIT_REVIEWER, "reviewer-list")
    with unit_of_work(db):
        for n in range(1, 121):
            overrides = {"industry": "retail" if n % 4 == 0 else "wholesale"}
            if n == 7:
                overrides["name"] = FORMULA
            register(db, officer, n, **overrides)
    return officer


def test_page_three_is_reachable_and_filters_narrow_and_stay_in_links(client, portfolio):
    login(client, "officer-list")
    first = client.get("/enterprises")
    assert first.status_code == 200
    assert 'data-total="120"' in first.text and "第 1 / 3 页，共 120 条" in first.text
    assert 'data-testid="page-last"' in first.text
    third = client.get("/enterprises?page=3")
    assert "第 3 / 3 页，共 120 条" in third.text and third.text.count("data-row") == 20
    beyond = client.get("/enterprises?page=99")
    assert "第 3 / 3 页" in beyond.text  # a page past the end shows the last one

    retail = client.get("/enterprises?industry=retail")
    assert 'data-total="30"' in retail.text and "第 1 / 1 页，共 30 条" in retail.text
    assert 'href="/enterprises/export.xlsx?industry=retail"' in retail.text
    by_name = client.get("/enterprises?industry=retail&sort=name")
    assert 'href="/enterprises?industry=retail&amp;sort=-name"' in by_name.text  # the header reverses it next
    two_filters = client.get("/enterprises?industry=wholesale&size_class=small&q=示例")
    assert re.search(r'data-total="(\d+)"', two_filters.text)
    assert client.get("/enterprises?sort=bogus").status_code == 422  # same validation as the API


def test_exports_hold_exactly_the_filtered_rows_and_neutralise_formulas(client, portfolio):
    login(client, "officer-list")
    response = client.get("/enterprises/export.xlsx?industry=wholesale&sort=name")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response.headers["content-disposition"] and response.headers["x-export-rows"] == "90"
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "企业名称" and "营业收入（万元）" in rows[0]
    assert len(rows) == 1 + 90
    names = [r[0] for r in rows[1:]]
    assert f"'{FORMULA}" in names and FORMULA not in names
    assert names == sorted(names)  # exported in the list's order
    revenue = rows[0].index("营业收入（万元）")
    assert all(isinstance(r[revenue], (int, float)) for r in rows[1:])  # numbers stay numbers

    api = client.get("/api/v1/enterprises", params={"industry": "wholesale", "limit": 200},
                     headers={"Authorization": "Bearer " + client.post("/api/v1/auth/token", json={
                         "username": "officer-list", "password": "Test-Passw0rd-2026"}).json()["access_token"]})
    assert api.json()["total"] == 90  # the page, the API and the export agree

    client.cookies.set("smecredit_lang", "en")
    text = client.get("/enterprises/export.csv?industry=retail").content
    assert text.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert table[0][0] == "Name" and len(table) == 1 + 30


def test_export_is_not_audited_and_other_roles_export_what_they_see(client, db, portfolio, make_user):
    from sqlalchemy import func, select

    from smecredit.audit.models import AuditEvent

    login(client, "reviewer-list")
    before = db.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    response = client.get("/enterprises/export.csv?officer=queue")
    assert response.status_code == 200 and len(response.content.decode("utf-8-sig").strip().splitlines()) == 1
    db.expire_all()
    assert db.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == before
    make_user(Role.APPLICANT, "someone")
    client.cookies.clear()
    login(client, "someone")
    assert client.get("/enterprises/export.xlsx").status_code == 403


def test_the_filter_form_sends_empty_filters_and_they_mean_any(client, portfolio):
    login(client, "officer-list")
    form = {"q": "", "size_class": "", "industry": "retail", "region": "", "authorisation": "", "completeness": "",
            "officer": "", "ownership": "", "sort": "name"}
    response = client.get("/enterprises", params=form)
    assert response.status_code == 200 and 'data-total="30"' in response.text
    assert 'href="/enterprises/export.xlsx?industry=retail&amp;sort=name"' in response.text
    assert client.get("/enterprises", params={"size_class": "huge"}).status_code == 422


def test_region_is_chosen_by_province_and_a_deeper_prefix_is_kept(client, portfolio):
    login(client, "officer-list")
    page = client.get("/enterprises", params={"region": "35"}).text
    assert 'data-total="120"' in page and '<option value="35" selected>福建（35）</option>' in page
    deeper = client.get("/enterprises", params={"region": "3501"}).text
    assert 'data-total="120"' in deeper and '<option value="3501" selected>3501</option>' in deeper
    assert 'data-total="0"' in client.get("/enterprises", params={"region": "11"}).text
