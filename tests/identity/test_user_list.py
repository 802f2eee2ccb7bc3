"""The administrators' users list on the list component: filters by role, status and branch,
sorting, phone cards, and XLSX/CSV exports of exactly the filtered rows, masked and audited."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from smecredit.audit.log import Actor
from smecredit.audit.models import AuditEvent
from smecredit.identity import service
from smecredit.identity.mobile import normalise_mobile
from smecredit.identity.roles import Role
from smecredit.kernel.clock import utcnow
from smecredit.kernel.db import unit_of_work
from smecredit.kernel.pii import blind_index
from tests.conftest import login

MOBILE = "13812345678"
SETUP = Actor("test-setup", "system")


@pytest.fixture
def staff(client, db, make_user):
    """An administrator signed in, officers in two branches, a disabled approver, an applicant with a mobile."""
    make_user(Role.ADMIN, "admin-l")
    with unit_of_work(db):
        service.save_branch(db, actor=SETUP, code="FZ01", name="福州分行")
        service.save_branch(db, actor=SETUP, code="XM01", name="厦门分行")
    for i in range(3):
        make_user(Role.LOAN_OFFICER, f"officer-fz{i}", display_name=f"福州经理{i}")
    make_user(Role.LOAN_OFFICER, "officer-xm", display_name="厦门经理")
    make_user(Role.APPROVER, "approver-off", display_name="审批人 停用")
    make_user(Role.APPLICANT, "owner-m", display_name="企业主 王")
    now = utcnow().replace(microsecond=0)
    with unit_of_work(db):
        for i in range(3):
            service.set_branch(db, actor=SETUP, username=f"officer-fz{i}", branch_code="FZ01")
        service.set_branch(db, actor=SETUP, username="officer-xm", branch_code="XM01")
        service.set_active(db, actor=SETUP, username="approver-off", active=False)
        # set as the sign-up by SMS code would (the mobile encrypted, its blind index for look-up)
        owner = service.get_user(db, username="owner-m")
        owner.mobile, owner.mobile_index = MOBILE, blind_index(normalise_mobile(MOBILE))
        # officer-fz1 signed in a minute ago, officer-xm an hour ago; nobody else ever
        service.get_user(db, username="officer-fz1").last_login_at = now - timedelta(minutes=1)
        service.get_user(db, username="officer-xm").last_login_at = now - timedelta(hours=1)
    login(client, "admin-l")
    return client


def usernames(html: str) -> list[str]:
    return re.findall(r'data-testid="user-link"[^>]*>([^<]+)<', html) or \
        re.findall(r'href="/admin/users/([a-z0-9._-]+)"[^>]*data-testid="user-link"', html)


def test_the_list_shows_every_user_as_cards_with_masked_mobiles(staff):
    page = staff.get("/admin/users")
    assert page.status_code == 200
    assert usernames(page.text) == ["admin-l", "approver-off", "officer-fz0", "officer-fz1", "officer-fz2",
                                    "officer-xm", "owner-m"]
    assert 'data-testid="users-table"' in page.text and "table-stack" in page.text
    assert 'data-label="岗位"' in page.text and 'data-label="状态"' in page.text
    assert "138****5678" in page.text and MOBILE not in page.text
    assert "已停用" in page.text and "客户经理" in page.text and "福州分行（FZ01）" in page.text
    assert 'href="/admin/users-export.xlsx"' in page.text and 'href="/admin/users-export.csv"' in page.text


def test_filters_by_role_status_branch_and_text_stay_in_links(staff):
    assert usernames(staff.get("/admin/users?branch=FZ01").text) == ["officer-fz0", "officer-fz1", "officer-fz2"]
    officers = staff.get("/admin/users?role=loan_officer&branch=XM01")
    assert usernames(officers.text) == ["officer-xm"]
    assert 'href="/admin/users-export.csv?role=loan_officer&amp;branch=XM01"' in officers.text
    assert usernames(staff.get("/admin/users?status=disabled").text) == ["approver-off"]
    no_branch = usernames(staff.get("/admin/users?branch=_none&status=active").text)
    assert no_branch == ["admin-l", "owner-m"]
    assert usernames(staff.get("/admin/users?q=福州经理1").text) == ["officer-fz1"]
    assert usernames(staff.get(f"/admin/users?q={MOBILE}").text) == ["owner-m"]  # the full mobile finds its owner
    assert usernames(staff.get("/admin/users?q=1234").text) == []  # a fragment of it does not
    # the branch options come from the branches table, by name
    assert re.search(r'<option value="FZ01"[^>]*>福州分行（FZ01）</option>', staff.get("/admin/users").text)


def test_sorting_by_last_sign_in_puts_never_signed_in_last_both_ways(staff):
    # admin-l signed in just now (to read the page), officer-fz1 a minute ago, officer-xm an hour ago
    never = {"approver-off", "officer-fz0", "officer-fz2", "owner-m"}
    newest_first = usernames(staff.get("/admin/users?sort=last_login&branch=").text)
    assert newest_first[:3] == ["admin-l", "officer-fz1", "officer-xm"] and set(newest_first[3:]) == never
    oldest_first = usernames(staff.get("/admin/users?sort=-last_login").text)
    assert oldest_first[:3] == ["officer-xm", "officer-fz1", "admin-l"] and set(oldest_first[3:]) == never
    by_name = usernames(staff.get("/admin/users?sort=-username").text)
    assert by_name == sorted(by_name, reverse=True)


def test_a_value_the_list_does_not_offer_is_refused_next_to_its_filter(staff):
    for query, field in (("role=pilot", "role"), ("status=sleeping", "status"), ("branch=NOPE", "branch")):
        page = staff.get(f"/admin/users?{query}")
        assert page.status_code == 400, query
        assert "users-export" not in page.text  # nothing to export from a refused filter
        assert re.search(r"未知|没有网点", page.text)


def test_export_holds_the_filtered_rows_masked_and_is_audited(staff, db):
    response = staff.get("/admin/users-export.xlsx?role=loan_officer&sort=-username")
    assert response.status_code == 200 and response.headers["x-export-rows"] == "4"
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("用户名", "姓名", "岗位", "状态", "网点", "手机号（已脱敏）", "最近登录", "创建时间")
    assert [r[0] for r in rows[1:]] == ["officer-xm", "officer-fz2", "officer-fz1", "officer-fz0"]
    assert rows[1][2:5] == ("客户经理", "正常", "厦门分行（XM01）")
    text = staff.get("/admin/users-export.csv?q=owner").content.decode("utf-8-sig")
    found = list(csv.reader(io.StringIO(text)))
    assert found[1][:6] == ["owner-m", "企业主 王", "申请企业", "正常", "", "138****5678"]
    assert MOBILE not in text
    events = db.execute(select(AuditEvent).where(AuditEvent.action == "user.list_exported")
                        .order_by(AuditEvent.seq)).scalars().all()
    assert [(e.actor, json.loads(e.payload)) for e in events] == [
        ("admin-l", {"format": "xlsx", "filters": {"role": "loan_officer"}, "rows": 4, "total": 4}),
        ("admin-l", {"format": "csv", "filters": {"q": "owner"}, "rows": 1, "total": 1}),
    ]


def test_export_in_english_and_refusals(staff, make_user, client):
    staff.post("/lang", data={"lang": "en", "csrf_token": client.cookies["smecredit_csrf"]})
    rows = list(csv.reader(io.StringIO(staff.get("/admin/users-export.csv?status=disabled").content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["User name", "Name", "Roles", "Status"] and rows[1][:4] == ["approver-off", "审批人 停用", "Approver", "Disabled"]
    assert staff.get("/admin/users-export.csv?role=pilot").status_code == 422
    assert staff.get("/admin/users-export.pdf").status_code == 422
    make_user(Role.AUDITOR, "auditor-l")
    client.cookies.clear()
    login(client, "auditor-l")
    assert client.get("/admin/users-export.csv").status_code == 403
    assert client.get("/admin/users").status_code == 403
