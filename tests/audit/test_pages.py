"""Audit pages: auditors and administrators read and filter the log; nobody else does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from smecredit.audit.log import Actor
from smecredit.audit.models import AuditEvent
from smecredit.identity.roles import Role
from smecredit.kernel.clock import local_now, utcnow

from tests.audit.support import append, set_time
from tests.conftest import csrf_of, login


@pytest.fixture()
def web(client):
    return client


@pytest.fixture()
def auditor(web, make_user, db):
    make_user(Role.AUDITOR, "carol")
    append(db, 3, actor=Actor("alice", "loan_officer", 7), action="loan.update")
    append(db, 2, actor=Actor("bob", "credit_reviewer", 8), action="review.done", entity_type="application",
           start=100)
    assert login(web, "carol").status_code == 303
    return web


def rows(response) -> list[str]:
    return [line for line in response.text.splitlines() if "data-seq=" in line]


def test_auditor_sees_the_log(auditor):
    response = auditor.get("/audit")
    assert response.status_code == 200
    assert 'data-testid="audit-table"' in response.text
    assert "审计日志" in response.text and "loan.update" in response.text and "review.done" in response.text
    assert "第0笔" in response.text  # payload shown compactly
    assert len(rows(response)) >= 5


def test_english(auditor):
    auditor.cookies.set("smecredit_lang", "en")
    response = auditor.get("/audit")
    assert "Audit log" in response.text and "Filter" in response.text


@pytest.mark.parametrize("query,expected", [
    ({"actor": "bob"}, 2),
    ({"actor": "ali*"}, 3),
    ({"action": "loan.update"}, 3),
    ({"action": "review.*"}, 2),
    ({"entity_type": "application"}, 2),
    ({"entity_type": "loan", "entity_id": "1"}, 1),
    ({"actor": "nobody"}, 0),
])
def test_filters(auditor, query, expected):
    response = auditor.get("/audit", params=query)
    assert response.status_code == 200
    assert len(rows(response)) == expected
    if expected == 0:
        assert 'data-testid="audit-empty"' in response.text


def test_date_filters(auditor, db):
    today = local_now().date()
    first_alice = min(e.seq for e in db.query(AuditEvent).filter_by(actor="alice"))
    set_time(db, "audit_events", "recorded_at", "seq", first_alice, utcnow() - timedelta(days=10))
    response = auditor.get("/audit", params={"actor": "alice", "date_from": today.isoformat()})
    assert len(rows(response)) == 2
    old = (today - timedelta(days=10)).isoformat()
    response = auditor.get("/audit", params={"actor": "alice", "date_from": old, "date_to": old})
    assert len(rows(response)) == 1
    response = auditor.get("/audit", params={"date_from": "yesterday"})
    assert response.status_code == 400 and "YYYY-MM-DD" in response.text
    response = auditor.get("/audit", params={"date_from": today.isoformat(), "date_to": old})
    assert response.status_code == 400


def test_pagination(auditor, db):
    append(db, 60, actor=Actor("dave", "loan_officer", 9), start=1000)
    first = auditor.get("/audit", params={"actor": "dave"})
    assert len(rows(first)) == 50 and "page=2" in first.text and "actor=dave" in first.text
    second = auditor.get("/audit", params={"actor": "dave", "page": "2"})
    assert len(rows(second)) == 10
    assert auditor.get("/audit", params={"page": "nonsense"}).status_code == 200


def test_event_detail_with_proof(auditor, db):
    append(db, 1, start=500)
    newest = db.execute(select(func.max(AuditEvent.seq))).scalar_one()
    response = auditor.get(f"/audit/events/{newest}")
    assert response.status_code == 200
    assert "smecredit audit checkpoint" in response.text  # not yet covered by a checkpoint
    token = csrf_of(auditor)
    made = auditor.post("/audit/checkpoints", data={"csrf_token": token}, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == "/audit/checkpoints?notice=created"
    response = auditor.get("/audit/events/2")
    assert 'class="alert alert-success" data-testid="proof-status"' in response.text
    assert auditor.get("/audit/events/99999").status_code == 404


def test_checkpoints_page_and_key(auditor):
    response = auditor.get("/audit/checkpoints")
    assert response.status_code == 200 and 'data-testid="key-id"' in response.text
    token = csrf_of(auditor)
    response = auditor.post("/audit/checkpoints", data={"csrf_token": token})
    assert response.status_code == 200
    assert 'data-testid="checkpoints-table"' in response.text and "已生成新的签名检查点" in response.text
    pem = auditor.get("/audit/public-key.pem")
    assert pem.status_code == 200 and pem.text.startswith("-----BEGIN PUBLIC KEY-----")
    assert "attachment" in pem.headers["content-disposition"]


def test_making_a_checkpoint_needs_the_csrf_token(auditor):
    response = auditor.post("/audit/checkpoints", data={})
    assert response.status_code == 403


def test_admin_may_open_the_log(web, make_user):
    make_user(Role.ADMIN, "root-admin")
    login(web, "root-admin")
    assert web.get("/audit").status_code == 200
    assert web.get("/audit/checkpoints").status_code == 200


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.LOAN_OFFICER, Role.APPROVER, Role.RISK_MANAGER])
def test_other_roles_are_refused(web, make_user, role):
    user = make_user(role)
    login(web, user.username)
    for path in ("/audit", "/audit/checkpoints", "/audit/public-key.pem", "/audit/events/1"):
        assert web.get(path).status_code == 403, path
    assert web.post("/audit/checkpoints", data={"csrf_token": csrf_of(web)}).status_code == 403


def test_anonymous_is_sent_to_login(web):
    for path in ("/audit", "/audit/checkpoints", "/audit/public-key.pem"):
        response = web.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")


def test_a_refused_signature_is_shown_on_the_audit_pages_until_cleared(auditor, db):
    """The alert lives beside the key (not in the database), so the pages show it whatever the
    database says; clearing it needs a reason and is recorded in the log."""
    from typer.testing import CliRunner

    from smecredit.audit import checkpoints as cps
    from smecredit.cli import app
    from smecredit.kernel.db import unit_of_work
    from smecredit.kernel.errors import Unavailable
    from tests.audit.support import sql

    with unit_of_work(db):
        cps.create_checkpoint(db)
    assert 'data-testid="audit-alert"' not in auditor.get("/audit").text
    sql(db, "DELETE FROM audit_checkpoints")
    with pytest.raises(Unavailable):
        cps.create_checkpoint(db)
    db.rollback()
    for path in ("/audit", "/audit/checkpoints", "/audit/events/1"):
        page = auditor.get(path)
        assert 'data-testid="audit-alert"' in page.text and "audit_log_rolled_back" in page.text, path
    assert "拒绝签名" in auditor.get("/audit").text
    runner = CliRunner()
    assert runner.invoke(app, ["audit", "alert"]).exit_code == 1
    assert runner.invoke(app, ["audit", "alert", "--clear"]).exit_code == 2  # a reason is required
    cleared = runner.invoke(app, ["audit", "alert", "--clear", "--reason", "restored from backup, ticket 42"])
    assert cleared.exit_code == 0, cleared.output
    assert 'data-testid="audit-alert"' not in auditor.get("/audit").text
    assert "audit.alert_cleared" in auditor.get("/audit", params={"action": "audit.alert_cleared"}).text
