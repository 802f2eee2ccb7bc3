"""Branches (网点): an administrator keeps the list and places staff in them (pages, API, CLI alike);
officers of one branch share its portfolio."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from smecredit.audit.models import AuditEvent
from smecredit.cli import app
from smecredit.identity import service
from smecredit.identity.roles import Role
from smecredit.kernel.db import unit_of_work
from smecredit.kernel.errors import Invalid
from tests.conftest import api_token, csrf_of, login


def test_branches_and_staff_through_the_service(db, make_user):
    admin = make_user(Role.ADMIN, "admin-br")
    officer = make_user(Role.LOAN_OFFICER, "officer-br")
    applicant = make_user(Role.APPLICANT, "owner-br")
    actor = service.actor_of(admin)
    with unit_of_work(db):
        service.save_branch(db, actor=actor, code="FZ-GL", name="福州鼓楼支行", region_code="350102")
        service.set_branch(db, actor=actor, username="officer-br", branch_code="FZ-GL")
    assert officer.branch_code == "FZ-GL"
    for code, field in (("bad code", "code"), ("X" * 30, "code")):
        with pytest.raises(Invalid) as caught:
            service.save_branch(db, actor=actor, code=code, name="x")
        assert caught.value.field == field
    with pytest.raises(Invalid) as caught:
        service.set_branch(db, actor=actor, username="officer-br", branch_code="NOPE")
    assert caught.value.code == "unknown_branch"
    with pytest.raises(Invalid):
        service.set_branch(db, actor=actor, username=applicant.username, branch_code="FZ-GL")
    actions = [e.action for e in db.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()]
    assert {"branch.saved", "user.branch_changed"} <= set(actions)


def test_branches_over_the_api_and_the_page(client, make_user):
    make_user(Role.ADMIN, "admin-br2")
    make_user(Role.LOAN_OFFICER, "officer-br2")
    headers = api_token(client, "admin-br2")
    made = client.post("/api/v1/branches", json={"code": "FZ-TJ", "name": "福州台江支行"}, headers=headers)
    assert made.status_code == 200 and made.json()["code"] == "FZ-TJ"
    assert client.get("/api/v1/branches", headers=headers).json()["total"] == 1
    placed = client.put("/api/v1/users/officer-br2/branch", json={"branch_code": "FZ-TJ"}, headers=headers)
    assert placed.status_code == 200 and placed.json()["branch_code"] == "FZ-TJ"
    assert client.put("/api/v1/users/officer-br2/branch", json={"branch_code": 5}, headers=headers).status_code == 422
    login(client, "admin-br2")
    page = client.get("/admin/users/officer-br2")
    assert 'data-testid="branch"' in page.text and "福州台江支行" in page.text
    cleared = client.post("/admin/users/officer-br2/branch", data={"csrf_token": csrf_of(client), "branch_code": ""},
                          follow_redirects=False)
    assert cleared.status_code == 303
    assert client.get("/api/v1/users/officer-br2", headers=headers).json()["branch_code"] is None


def test_branches_on_the_command_line(clean_db, make_user):
    make_user(Role.LOAN_OFFICER, "officer-br3")
    runner = CliRunner()
    added = runner.invoke(app, ["users", "branches", "--add", "XM-SM", "--name", "厦门思明支行", "--region", "350203"])
    assert added.exit_code == 0 and "XM-SM" in added.output
    placed = runner.invoke(app, ["users", "branch", "officer-br3", "--set", "XM-SM"])
    assert placed.exit_code == 0 and "XM-SM" in placed.output
    refused = runner.invoke(app, ["users", "branch", "officer-br3", "--set", "NOPE"])
    assert refused.exit_code == 2 and "NOPE" in refused.output
