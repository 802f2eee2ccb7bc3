"""Separation of duties (point 6): one table of incompatible roles, enforced in the service for the
pages, the API and the command line; the last active administrator stays one."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from smecredit.cli import app as cli
from smecredit.identity import duties, service
from smecredit.identity.demo import DEMO_USERS
from smecredit.identity.models import User, UserRole
from smecredit.identity.roles import Role
from smecredit.kernel.db import new_session, unit_of_work
from smecredit.kernel.errors import Conflict, Invalid
from tests.conftest import PASSWORD, PG_URL, api_token, csrf_of, login

A, O, R, P, M, U, D = (Role.APPLICANT, Role.LOAN_OFFICER, Role.CREDIT_REVIEWER, Role.APPROVER,
                       Role.RISK_MANAGER, Role.AUDITOR, Role.ADMIN)
runner = CliRunner()

REQUIRED = [(A, O), (A, R), (A, P), (A, M), (A, U), (A, D), (O, R), (O, P), (R, P),
            (D, A), (D, O), (D, R), (D, P), (D, M), (D, U)]


@pytest.mark.parametrize("a, b", REQUIRED)
def test_the_table_holds_every_required_incompatibility(a, b):
    assert frozenset({a, b}) in duties.INCOMPATIBLE
    with pytest.raises(Invalid) as caught:
        duties.check_compatible([a, b])
    assert caught.value.code == "incompatible_roles" and caught.value.field == "roles"
    assert a.label_zh in caught.value.message_zh and b.label_en in caught.value.message_en


@pytest.mark.parametrize("roles", [[O, M], [R, M], [P, M], [O], [D]])
def test_compatible_combinations_pass(roles):
    duties.check_compatible(roles)


def test_the_demo_users_hold_compatible_roles():
    for _, _, role in DEMO_USERS:
        duties.check_compatible([role])


def test_the_service_refuses_incompatible_roles_on_create_and_change(db, make_user):
    admin = make_user(D, "admin1")
    with pytest.raises(Invalid, match="incompatible"):
        with unit_of_work(db):
            service.create_user(db, actor=service.actor_of(admin), username="both1", display_name="x",
                                password=PASSWORD, roles=[O, P])
    make_user(O, "officer1")
    with pytest.raises(Invalid):
        with unit_of_work(db):
            service.set_roles(db, actor=service.actor_of(admin), username="officer1", roles=[O, R])
    db.expire_all()
    assert db.execute(select(func.count()).select_from(User).where(User.username == "both1")).scalar() == 0
    assert db.execute(select(UserRole.role).join(User).where(User.username == "officer1")).scalars().all() == ["loan_officer"]


def test_the_api_refuses_incompatible_roles(client, make_user):
    make_user(D, "admin2")
    make_user(O, "officer2")
    headers = api_token(client, "admin2")
    created = client.post("/api/v1/users", headers=headers, json={
        "username": "both2", "display_name": "x", "password": PASSWORD, "roles": ["applicant", "loan_officer"]})
    assert created.status_code == 422 and created.json()["error"]["code"] == "incompatible_roles"
    assert created.json()["error"]["details"]["pairs"] == [["applicant", "loan_officer"]]
    changed = client.put("/api/v1/users/officer2/roles", headers=headers, json={"roles": ["loan_officer", "approver"]})
    assert changed.status_code == 422 and changed.json()["error"]["code"] == "incompatible_roles"
    ok = client.put("/api/v1/users/officer2/roles", headers=headers, json={"roles": ["loan_officer", "risk_manager"]})
    assert ok.status_code == 200 and ok.json()["roles"] == ["loan_officer", "risk_manager"]


def test_the_pages_refuse_incompatible_roles(client, make_user):
    make_user(D, "admin3")
    make_user(R, "reviewer3")
    login(client, "admin3")
    created = client.post("/admin/users", data={"username": "both3", "display_name": "x", "password": PASSWORD,
                                                "roles": ["admin", "auditor"], "csrf_token": csrf_of(client)})
    assert created.status_code == 422 and "岗位不相容" in created.text
    changed = client.post("/admin/users/reviewer3/roles", data={"roles": ["credit_reviewer", "approver"],
                                                                "csrf_token": csrf_of(client)})
    assert changed.status_code == 422 and "审贷分离" in changed.text


def test_the_command_line_refuses_incompatible_roles(db, make_user):
    make_user(P, "approver4")
    created = runner.invoke(cli, ["users", "create", "both4", "--role", "auditor", "--role", "approver",
                                  "--password-stdin"], input=PASSWORD + "\n")
    assert created.exit_code == 2 and "岗位不相容" in created.output
    changed = runner.invoke(cli, ["users", "roles", "approver4", "--set", "approver", "--set", "credit_reviewer"])
    assert changed.exit_code == 2 and "incompatible" in changed.output
    ok = runner.invoke(cli, ["users", "roles", "approver4", "--set", "approver", "--set", "risk_manager"])
    assert ok.exit_code == 0 and "approver, risk_manager" in ok.output


def test_the_last_active_administrator_cannot_be_disabled_or_demoted(client, db, make_user):
    admin = make_user(D, "admin5")
    headers = api_token(client, "admin5")
    demoted = client.put("/api/v1/users/admin5/roles", headers=headers, json={"roles": ["risk_manager"]})
    assert demoted.status_code == 409 and demoted.json()["error"]["code"] == "last_admin"
    for args in (["users", "disable", "admin5"], ["users", "roles", "admin5", "--set", "auditor"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2 and "最后一个" in result.output, args
    # With a second administrator, one of them may go.
    make_user(D, "admin6")
    assert client.put("/api/v1/users/admin5/roles", headers=headers, json={"roles": ["risk_manager"]}).status_code == 200
    with pytest.raises(Conflict):
        with unit_of_work(db):
            service.set_active(db, actor=service.actor_of(admin), username="admin6", active=False)


def test_a_disabled_administrator_does_not_count(db, make_user):
    make_user(D, "admin7")
    other = make_user(D, "admin8")
    with unit_of_work(db):
        service.set_active(db, actor=service.actor_of(other), username="admin7", active=False)
    with pytest.raises(Conflict):
        with unit_of_work(db):
            service.set_roles(db, actor=service.actor_of(other), username="admin8", roles=[M])


@pytest.mark.skipif(not PG_URL, reason="row locks under parallel transactions need PostgreSQL; set SMECREDIT_TEST_DATABASE_URL")
def test_two_administrators_removing_each_other_in_parallel_leave_one(make_user, db):
    a = make_user(D, "admin-a")
    b = make_user(D, "admin-b")
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def remove(actor, target):
        with new_session() as session:
            try:
                with unit_of_work(session):
                    user = service.get_user(session, username=target)
                    barrier.wait()  # both read "two admins" before either writes
                    if target == "admin-a":
                        service.set_active(session, actor=service.actor_of(actor), username=user.username, active=False)
                    else:
                        service.set_roles(session, actor=service.actor_of(actor), username=user.username, roles=[M])
                outcomes[target] = "done"
            except Conflict as error:
                outcomes[target] = error.code

    threads = [threading.Thread(target=remove, args=(b, "admin-a")), threading.Thread(target=remove, args=(a, "admin-b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes.values()) == ["done", "last_admin"], outcomes
    db.expire_all()
    admins = db.execute(select(func.count()).select_from(User).join(UserRole)
                        .where(UserRole.role == "admin", User.is_active.is_(True))).scalar()
    assert admins == 1
