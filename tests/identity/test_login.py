"""Sign-in, lockout, idle timeout, logout, passwords — through the pages and the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from smecredit.audit.models import AuditEvent
from smecredit.identity import service
from smecredit.kernel.db import unit_of_work
from smecredit.identity.models import User, WebSession
from smecredit.identity.roles import Role
from smecredit.kernel.errors import DomainError
from tests.conftest import PASSWORD, api_token, csrf_of, login


def test_login_lands_on_role_home_and_logout_ends_session(client, make_user, db):
    make_user(Role.LOAN_OFFICER, "officer1")
    response = login(client, "officer1")
    assert response.status_code == 303 and response.headers["location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "客户经理" in home.text  # the role is named on the home page
    out = client.post("/logout", data={"csrf_token": csrf_of(client)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303
    ended = db.execute(select(WebSession)).scalar_one()
    db.refresh(ended)
    assert ended.end_reason == "logout"


def test_wrong_password_is_refused_without_naming_which_part(client, make_user):
    make_user(Role.APPROVER, "approver1")
    response = login(client, "approver1", "Wrong-Password-1")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    unknown = login(client, "nobody-here", "Wrong-Password-1")
    assert unknown.status_code == 401
    assert "用户名或密码错误" in unknown.text


def test_five_wrong_passwords_lock_the_account_until_admin_unlocks(client, make_user, db):
    make_user(Role.CREDIT_REVIEWER, "reviewer1")
    for attempt in range(4):
        assert login(client, "reviewer1", f"Wrong-Password-{attempt}").status_code == 401
    locked = login(client, "reviewer1", "Wrong-Password-5")
    assert locked.status_code == 423
    assert "锁定" in locked.text
    # Even the right password is refused while locked.
    assert login(client, "reviewer1").status_code == 423
    admin = make_user(Role.ADMIN, "admin1")
    with unit_of_work(db):
        service.unlock(db, actor=service.actor_of(admin), username="reviewer1")
    assert login(client, "reviewer1").status_code == 303
    actions = [e.action for e in db.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()]
    assert actions.count("auth.login_failed") == 4
    assert "user.locked" in actions and "user.unlocked" in actions


def test_a_correct_password_resets_the_wrong_password_count(client, make_user, db):
    make_user(Role.APPROVER, "approver2")
    for _ in range(4):
        login(client, "approver2", "Wrong-Password-1")
    assert login(client, "approver2").status_code == 303
    for _ in range(4):
        assert login(client, "approver2", "Wrong-Password-1").status_code == 401


def test_lock_expires_after_the_configured_time(client, make_user, db):
    make_user(Role.APPROVER, "approver3")
    for _ in range(5):
        login(client, "approver3", "Wrong-Password-1")
    user = db.execute(select(User).where(User.username == "approver3")).scalar_one()
    db.execute(update(User).where(User.id == user.id).values(locked_until=user.locked_until - timedelta(minutes=16)))
    db.commit()
    assert login(client, "approver3").status_code == 303


def test_idle_session_ends_after_configured_minutes(client, make_user, db):
    make_user(Role.AUDITOR, "auditor1")
    login(client, "auditor1")
    assert client.get("/").status_code == 200
    session = db.execute(select(WebSession)).scalar_one()
    db.execute(update(WebSession).values(last_seen_at=session.last_seen_at - timedelta(minutes=31)))
    db.commit()
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    db.expire_all()
    assert db.get(WebSession, session.id).end_reason == "idle"


def test_idle_timeout_is_configurable(client, make_user, db, monkeypatch):
    from smecredit.kernel.settings import get_settings

    monkeypatch.setenv("SMECREDIT_SESSION_IDLE_MINUTES", "120")
    get_settings.cache_clear()
    make_user(Role.AUDITOR, "auditor2")
    login(client, "auditor2")
    session = db.execute(select(WebSession)).scalar_one()
    db.execute(update(WebSession).values(last_seen_at=session.last_seen_at - timedelta(minutes=61)))
    db.commit()
    assert client.get("/", follow_redirects=False).status_code == 200


def test_disabled_user_cannot_sign_in_and_loses_sessions(client, make_user, db):
    make_user(Role.LOAN_OFFICER, "officer2")
    admin = make_user(Role.ADMIN, "admin2")
    login(client, "officer2")
    with unit_of_work(db):
        service.set_active(db, actor=service.actor_of(admin), username="officer2", active=False)
    assert client.get("/", follow_redirects=False).status_code == 303
    # A disabled account with its right password answers exactly like a wrong password.
    refused = login(client, "officer2")
    wrong = login(client, "officer2", "Wrong-Password-1")
    assert refused.status_code == wrong.status_code == 401
    assert "用户名或密码错误" in refused.text and "停用" not in refused.text


@pytest.mark.parametrize(
    "password, fragment",
    [("Short-1a", "10"), ("alllowercaseletters", "三类"), ("Officer9-Password", "用户名"), ("Password123", "过于常见")],
)
def test_weak_passwords_are_refused_with_the_reason(db, make_user, password, fragment):
    with pytest.raises(DomainError) as caught:
        make_user(Role.LOAN_OFFICER, "officer9", password=password)
    assert caught.value.code == "weak_password" and caught.value.field == "password"
    assert fragment in caught.value.message_zh


def test_reset_password_forces_a_change_at_next_sign_in(client, make_user, db):
    make_user(Role.APPROVER, "approver4")
    admin = make_user(Role.ADMIN, "admin3")
    with unit_of_work(db):
        service.reset_password(db, actor=service.actor_of(admin), username="approver4", new_password="Temp-Passw0rd-1")
    response = login(client, "approver4", "Temp-Passw0rd-1")
    assert response.headers["location"] == "/account/password"
    changed = client.post("/account/password", data={
        "old_password": "Temp-Passw0rd-1", "new_password": "Brand-New-Passw0rd", "csrf_token": csrf_of(client)})
    assert changed.status_code == 200 and "密码已修改" in changed.text
    db.expire_all()
    assert db.execute(select(User).where(User.username == "approver4")).scalar_one().must_change_password is False


def test_a_temporary_password_opens_nothing_until_it_is_changed(client, make_user, db):
    make_user(Role.AUDITOR, "auditor5")
    admin = make_user(Role.ADMIN, "admin5")
    with unit_of_work(db):
        service.reset_password(db, actor=service.actor_of(admin), username="auditor5", new_password="Temp-Passw0rd-5")
    login(client, "auditor5", "Temp-Passw0rd-5")
    for path in ("/", "/audit"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/account/password", path
    headers = api_token(client, "auditor5", "Temp-Passw0rd-5")
    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "password_change_required"
    client.post("/account/password", data={"old_password": "Temp-Passw0rd-5", "new_password": "Own-Passw0rd-55",
                                           "csrf_token": csrf_of(client)})
    assert client.get("/audit", follow_redirects=False).status_code == 200
    # The token got with the temporary password ended with the change; a new one works.
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.get("/api/v1/me", headers=api_token(client, "auditor5", "Own-Passw0rd-55")).status_code == 200


def test_api_token_flow_and_errors(client, make_user):
    make_user(Role.RISK_MANAGER, "risk1")
    headers = api_token(client, "risk1")
    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200 and me.json()["roles"] == ["risk_manager"]
    bad = client.post("/api/v1/auth/token", json={"username": "risk1", "password": "nope-nope"})
    assert bad.status_code == 401
    body = bad.json()["error"]
    assert body["code"] == "invalid_credentials" and body["message"]["zh"] and body["message"]["en"]
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer smc_forged"}).status_code == 401
    missing = client.post("/api/v1/auth/token", json={"username": "risk1"})
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "password"


def test_api_tokens_of_a_disabled_user_stop_working(client, make_user, db):
    make_user(Role.RISK_MANAGER, "risk2")
    admin = make_user(Role.ADMIN, "admin4")
    headers = api_token(client, "risk2")
    with unit_of_work(db):
        service.set_active(db, actor=service.actor_of(admin), username="risk2", active=False)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_login_and_logout_are_audited(client, make_user, db):
    make_user(Role.LOAN_OFFICER, "officer3")
    login(client, "officer3")
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    actions = [e.action for e in db.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()]
    assert actions[-2:] == ["auth.login", "auth.logout"]


def test_next_parameter_cannot_redirect_off_site(client, make_user):
    make_user(Role.LOAN_OFFICER, "officer4")
    response = client.post("/login", data={"username": "officer4", "password": PASSWORD, "next": "//evil.example/x",
                                            "csrf_token": csrf_of(client)}, follow_redirects=False)
    assert response.headers["location"] == "/"
