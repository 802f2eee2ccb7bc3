"""The audit log through the list component: actions read by their labels (raw code kept small),
sorting oldest first, and exports that are themselves recorded in the log."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from smecredit.audit.log import Actor
from smecredit.audit.models import AuditEvent
from smecredit.identity.roles import Role
from tests.audit.support import append
from tests.conftest import login


@pytest.fixture()
def auditor(client, make_user, db):
    make_user(Role.AUDITOR, "carol")
    make_user(Role.ADMIN, "adam")  # user.created events, catalogued with labels
    append(db, 3, actor=Actor("=cmd|' /C calc'!A0", "loan_officer", 7), action="loan.update")
    assert login(client, "carol").status_code == 303
    return client


def test_actions_show_their_labels_and_codes(auditor):
    page = auditor.get("/audit", params={"action": "user.created"}).text
    assert "创建用户" in page and '<div class="code-small">user.created</div>' in page
    auditor.cookies.set("smecredit_lang", "en")
    assert "User created" in auditor.get("/audit", params={"action": "user.created"}).text


def test_oldest_first_and_paging_keep_the_filters(auditor, db):
    append(db, 60, actor=Actor("dave", "loan_officer", 9), start=1000)
    newest = auditor.get("/audit", params={"actor": "dave"}).text
    oldest = auditor.get("/audit", params={"actor": "dave", "sort": "-seq"}).text
    first_new = int(newest.split('data-seq="')[1].split('"')[0])
    first_old = int(oldest.split('data-seq="')[1].split('"')[0])
    assert first_old < first_new
    assert "actor=dave&amp;sort=-seq&amp;page=2" in oldest
    assert "第 1 / 2 页，共 60 条" in oldest


def test_export_is_recorded_and_neutralises_formulas(auditor, db):
    response = auditor.get("/audit/export.csv", params={"action": "loan.update"})
    assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0][:3] == ["序号", "时间", "人员"] and len(table) == 4
    assert all(row[2].startswith("'=cmd") for row in table[1:])
    event = db.execute(select(AuditEvent).where(AuditEvent.action == "audit.events_exported")).scalar_one()
    assert event.actor == "carol"
    assert json.loads(event.payload) == {"format": "csv", "filters": {"action": "loan.update"}, "rows": 3, "total": 3}

    xlsx = auditor.get("/audit/export.xlsx", params={"sort": "-seq"})
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert isinstance(rows[1][0], int) and rows[1][0] < rows[2][0]  # oldest first, numbers stay numbers
    bad = auditor.get("/audit/export.csv", params={"date_from": "soon"})
    assert bad.status_code == 422
