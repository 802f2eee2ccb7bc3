"""Sessions and tokens end when they should (point 2): a password change, an administrator's reset,
disable or role change end the user's other sessions and tokens; tokens are listed and revoked by
their owner and an administrator; page sessions have an absolute lifetime."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from smecredit.audit.models import AuditEvent
from smecredit.identity import service
from smecredit.identity.models import ApiToken, WebSession
from smecredit.identity.roles import Role
from smecredit.kernel.db import unit_of_work
from tests.conftest import PASSWORD, api_token, csrf_of, login

NEW_PASSWORD = "Brand-New-Passw0rd-9"


@pytest.fixture()
def second_client(app):
    with TestClient(app, base_url="http://127.0.0.1") as other:
        yield other


def payloads(db, action):
    db.expire_all()
    return [e.payload for e in db.execute(select(AuditEvent).where(AuditEvent.action == action)
                                          .order_by(AuditEvent.seq)).scalars()]


def signed_in(client) -> bool:
    return client.get("/", follow_redirects=False).status_code == 200


def test_a_password_change_in_the_pages_ends_every_other_session_and_token(client, second_client, make_user, db):
    make_user(Role.LOAN_OFFICER, "officer1")
    login(client, "officer1")
    login(second_client, "officer1")
    token = api_token(second_client, "officer1")
    assert signed_in(client) and signed_in(second_client)
    changed = client.post("/account/password", data={"old_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                     "csrf_token": csrf_of(client)}, follow_redirects=False)
    assert changed.status_code == 303
    assert signed_in(client)  # the session that changed it stays
    assert not signed_in(second_client)
    assert second_client.get("/api/v1/me", headers=token).status_code == 401
    ended = payloads(db, "auth.sessions_ended")
    assert ended and '"reason":"password_changed"' in ended[-1] and '"sessions":1' in ended[-1] and '"tokens":1' in ended[-1]


def test_a_password_change_through_the_api_keeps_only_the_token_used(client, second_client, make_user):
    make_user(Role.RISK_MANAGER, "risk1")
    login(second_client, "risk1")
    used = api_token(client, "risk1")
    other = api_token(client, "risk1")
    response = client.post("/api/v1/me/password", headers=used,
                           json={"old_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 200 and response.json() == {"sessions_ended": 1, "tokens_revoked": 1}
    assert client.get("/api/v1/me", headers=used).status_code == 200
    assert client.get("/api/v1/me", headers=other).status_code == 401
    assert not signed_in(second_client)
    wrong = client.post("/api/v1/me/password", headers=used, json={"old_password": "nope", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "old_password"


@pytest.mark.parametrize("operation", ["reset", "disable", "roles"])
def test_an_administrators_change_ends_the_users_sessions_and_tokens(client, second_client, make_user, db, operation):
    make_user(Role.LOAN_OFFICER, "officer2")
    admin = make_user(Role.ADMIN, "admin2")
    login(second_client, "officer2")
    token = api_token(client, "officer2")
    actor = service.actor_of(admin)
    with unit_of_work(db):
        if operation == "reset":
            service.reset_password(db, actor=actor, username="officer2", new_password="Temp-Passw0rd-22")
        elif operation == "disable":
            service.set_active(db, actor=actor, username="officer2", active=False)
        else:
            service.set_roles(db, actor=actor, username="officer2", roles=[Role.RISK_MANAGER])
    assert not signed_in(second_client)
    assert client.get("/api/v1/me", headers=token).status_code == 401
    reason = {"reset": "password_reset", "disable": "disabled", "roles": "roles_changed"}[operation]
    assert any(f'"reason":"{reason}"' in p for p in payloads(db, "auth.sessions_ended"))
    db.expire_all()
    assert db.execute(select(WebSession.end_reason)).scalar_one() == reason


def test_saving_the_same_roles_ends_nothing(client, make_user, db):
    make_user(Role.LOAN_OFFICER, "officer3")
    admin = make_user(Role.ADMIN, "admin3")
    token = api_token(client, "officer3")
    with unit_of_work(db):
        service.set_roles(db, actor=service.actor_of(admin), username="officer3", roles=[Role.LOAN_OFFICER])
    assert client.get("/api/v1/me", headers=token).status_code == 200


def test_owner_lists_and_revokes_tokens_through_the_api(client, make_user, db):
    make_user(Role.AUDITOR, "auditor1")
    first = client.post("/api/v1/auth/token", json={"username": "auditor1", "password": PASSWORD, "label": "nightly export"})
    headers = {"Authorization": f"Bearer {first.json()['access_token']}"}
    second = api_token(client, "auditor1")
    listed = client.get("/api/v1/me/tokens", headers=headers).json()
    assert listed["total"] == 2 and {t["label"] for t in listed["items"]} == {"nightly export", None}
    assert all("token" not in k or k == "id" for item in listed["items"] for k in item)  # never the secret
    other_id = next(t["id"] for t in listed["items"] if t["label"] is None)
    revoked = client.delete(f"/api/v1/me/tokens/{other_id}", headers=headers)
    assert revoked.status_code == 200 and revoked.json()["revoke_reason"] == "owner" and revoked.json()["revoked_at"]
    assert client.get("/api/v1/me", headers=second).status_code == 401
    assert client.get("/api/v1/me/tokens", headers=headers).json()["total"] == 1
    assert client.delete(f"/api/v1/me/tokens/{other_id}", headers=headers).status_code == 404  # already ended
    assert '"by":"owner"' in payloads(db, "auth.token_revoked")[-1]


def test_nobody_revokes_someone_elses_token_through_their_own_list(client, make_user):
    make_user(Role.AUDITOR, "auditor2")
    make_user(Role.AUDITOR, "auditor3")
    mine = api_token(client, "auditor2")
    theirs = api_token(client, "auditor3")
    their_id = client.get("/api/v1/me/tokens", headers=theirs).json()["items"][0]["id"]
    assert client.delete(f"/api/v1/me/tokens/{their_id}", headers=mine).status_code == 404
    assert client.get("/api/v1/me", headers=theirs).status_code == 200


def test_administrator_lists_and_revokes_a_users_tokens_through_the_api(client, make_user, db):
    make_user(Role.LOAN_OFFICER, "officer4")
    make_user(Role.ADMIN, "admin4")
    victim = api_token(client, "officer4")
    admin = api_token(client, "admin4")
    listed = client.get("/api/v1/users/officer4/tokens", headers=admin)
    assert listed.status_code == 200 and listed.json()["total"] == 1
    token_id = listed.json()["items"][0]["id"]
    assert client.delete(f"/api/v1/users/officer4/tokens/{token_id}", headers=admin).json()["revoke_reason"] == "admin"
    assert client.get("/api/v1/me", headers=victim).status_code == 401
    assert client.get("/api/v1/users/officer4/tokens", headers=victim).status_code == 401
    assert '"by":"admin"' in payloads(db, "auth.token_revoked")[-1]


def test_owner_and_administrator_revoke_tokens_in_the_pages(client, second_client, make_user):
    make_user(Role.APPROVER, "approver1")
    make_user(Role.ADMIN, "admin5")
    kept = api_token(client, "approver1")
    doomed = api_token(client, "approver1")
    login(client, "approver1")
    page = client.get("/account")
    assert page.status_code == 200 and page.text.count('data-testid="token-row"') == 2
    ids = [int(i) for i in re.findall(r'/account/tokens/(\d+)/revoke', page.text)]
    doomed_id = max(ids)
    done = client.post(f"/account/tokens/{doomed_id}/revoke", data={"csrf_token": csrf_of(client)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/account?notice=token_revoked")
    assert client.get("/api/v1/me", headers=doomed).status_code == 401
    assert "接口令牌已吊销" in client.get(done.headers["location"]).text

    login(second_client, "admin5")
    detail = second_client.get("/admin/users/approver1")
    assert detail.text.count('data-testid="token-row"') == 1
    kept_id = int(re.search(r'/admin/users/approver1/tokens/(\d+)/revoke', detail.text).group(1))
    second_client.post(f"/admin/users/approver1/tokens/{kept_id}/revoke", data={"csrf_token": csrf_of(second_client)})
    assert client.get("/api/v1/me", headers=kept).status_code == 401
    # A token id of another user is "not found" on this user's page.
    assert second_client.post(f"/admin/users/admin5/tokens/{kept_id}/revoke",
                              data={"csrf_token": csrf_of(second_client)}).status_code == 404


def test_a_page_session_ends_after_its_absolute_lifetime_however_busy(client, make_user, db):
    make_user(Role.AUDITOR, "auditor4")
    login(client, "auditor4")
    session = db.execute(select(WebSession)).scalar_one()
    # Busy (seen a moment ago) but signed in 13 hours ago.
    db.execute(update(WebSession).values(created_at=session.created_at - timedelta(hours=13)))
    db.commit()
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    db.expire_all()
    assert db.get(WebSession, session.id).end_reason == "max_age"
    assert any('"reason":"max_age"' in p for p in payloads(db, "auth.session_expired"))


def test_the_absolute_lifetime_is_a_setting(client, make_user, db, monkeypatch):
    from smecredit.kernel.settings import get_settings

    monkeypatch.setenv("SMECREDIT_SESSION_MAX_HOURS", "24")
    get_settings.cache_clear()
    make_user(Role.AUDITOR, "auditor5")
    login(client, "auditor5")
    db.execute(update(WebSession).values(created_at=db.execute(select(WebSession.created_at)).scalar_one()
                                         - timedelta(hours=13)))
    db.commit()
    assert signed_in(client)
    get_settings.cache_clear()


def test_token_last_use_is_recorded_at_most_once_a_minute(client, make_user, db):
    make_user(Role.AUDITOR, "auditor6")
    headers = api_token(client, "auditor6")
    client.get("/api/v1/me", headers=headers)
    db.expire_all()
    first = db.execute(select(ApiToken.last_used_at)).scalar_one()
    client.get("/api/v1/me", headers=headers)
    db.expire_all()
    assert first is not None and db.execute(select(ApiToken.last_used_at)).scalar_one() == first
