"""Lockout that holds under parallel guesses, a per-address throttle, and answers that tell a
stranger nothing about which user names exist (issues 6 and 7, points 1 and 4)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from smecredit.audit.models import AuditEvent
from smecredit.identity.models import User
from smecredit.identity.roles import Role
from tests.conftest import PASSWORD, PG_URL, csrf_of, login

postgres_only = pytest.mark.skipif(not PG_URL, reason="parallel sign-ins need PostgreSQL (SQLite has one writer at a "
                                                      "time); set SMECREDIT_TEST_DATABASE_URL")


@pytest.fixture()
def settings_env(monkeypatch):
    from smecredit.kernel.settings import get_settings

    def set_(**values):
        for name, value in values.items():
            monkeypatch.setenv(f"SMECREDIT_{name.upper()}", str(value))
        get_settings.cache_clear()

    yield set_
    get_settings.cache_clear()


def token_answer(client, username, password=PASSWORD):
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    return response.status_code, response.json()


def _without_time(body):
    error = dict(body["error"])
    error.pop("details", None)
    message = {k: v.split("锁定至")[0].split("locked until")[0] for k, v in error.pop("message").items()}
    return error, message


def actions(db):
    db.expire_all()
    return [e.action for e in db.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()]


def test_unknown_names_lock_exactly_like_real_accounts(client, make_user):
    make_user(Role.APPROVER, "approver7")
    known = [token_answer(client, "approver7", f"Wrong-Password-{i}") for i in range(6)]
    unknown = [token_answer(client, "nobody-such", f"Wrong-Password-{i}") for i in range(6)]
    assert [s for s, _ in known] == [s for s, _ in unknown] == [401, 401, 401, 401, 423, 423]
    for (_, a), (_, b) in zip(known, unknown):
        assert _without_time(a) == _without_time(b)
    # Even the right password is refused while the real account is locked.
    assert token_answer(client, "approver7")[0] == 423


def test_a_disabled_account_with_its_password_answers_like_a_wrong_password(client, make_user, db):
    make_user(Role.LOAN_OFFICER, "officer5")
    admin = make_user(Role.ADMIN, "admin5")
    from smecredit.identity import service
    from smecredit.kernel.db import unit_of_work

    with unit_of_work(db):
        service.set_active(db, actor=service.actor_of(admin), username="officer5", active=False)
    right = token_answer(client, "officer5")
    wrong = token_answer(client, "officer5", "Wrong-Password-1")
    assert right[0] == wrong[0] == 401
    assert right[1] == wrong[1]
    page = login(client, "officer5")
    assert page.status_code == 401 and "用户名或密码错误" in page.text


def test_the_argon2_work_is_the_same_for_unknown_known_and_disabled_names(client, make_user, monkeypatch):
    from smecredit.identity import login as signin

    make_user(Role.AUDITOR, "auditor7")
    calls = []
    real = signin.verify_password
    monkeypatch.setattr(signin, "verify_password", lambda h, p: calls.append(h) or real(h, p))
    for name in ("auditor7", "nobody-such"):
        token_answer(client, name, "Wrong-Password-1")
    assert len(calls) == 2
    assert calls[0].startswith("$argon2") and calls[1].startswith("$argon2")


def test_a_source_address_is_throttled_before_any_account_counter(client, make_user, db, settings_env):
    settings_env(login_ip_failures=3, login_ip_window_minutes=15)
    make_user(Role.APPROVER, "approver8")
    for name in ("someone-a", "someone-b", "someone-c"):
        assert token_answer(client, name, "Wrong-Password-1")[0] == 401
    response = client.post("/api/v1/auth/token", json={"username": "approver8", "password": "Wrong-Password-1"})
    assert response.status_code == 429
    body = response.json()["error"]
    assert body["code"] == "too_many_attempts" and body["details"]["retry_after_seconds"] > 0
    assert 0 < int(response.headers["retry-after"]) <= 15 * 60 + 1
    assert "请于" in body["message"]["zh"] and "try again after" in body["message"]["en"]
    db.expire_all()
    assert db.execute(select(User.failed_logins).where(User.username == "approver8")).scalar_one() == 0
    # The right password from the throttled address is refused too, and the page says when to retry.
    page = login(client, "approver8")
    assert page.status_code == 429 and "请于" in page.text and page.headers["retry-after"]
    assert "auth.source_throttled" in actions(db)


def test_a_successful_sign_in_does_not_count_against_the_address(client, make_user, settings_env):
    settings_env(login_ip_failures=3)
    make_user(Role.APPROVER, "approver9")
    for _ in range(5):
        assert token_answer(client, "approver9")[0] == 200


def test_the_counter_is_decided_by_one_atomic_update(client, make_user, db):
    """Four wrong passwords are four LoginFailed events with counts 1..4; the fifth locks."""
    make_user(Role.APPROVER, "approver6")
    for i in range(5):
        token_answer(client, "approver6", f"Wrong-{i}-Password")
    db.expire_all()
    events = [e for e in db.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
              if e.action in ("auth.login_failed", "user.locked")]
    assert [e.action for e in events] == ["auth.login_failed"] * 4 + ["user.locked"]
    assert ['"failed_logins":%d' % n in e.payload for n, e in zip(range(1, 5), events)] == [True] * 4


def _parallel(count, call):
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(call, range(count)))


@postgres_only
def test_sixty_parallel_wrong_passwords_lock_the_account_via_the_api(app, make_user, db, settings_env):
    from fastapi.testclient import TestClient

    settings_env(login_ip_failures=1000)
    make_user(Role.APPROVER, "target1")

    def guess(i):
        client = TestClient(app, base_url="http://127.0.0.1")  # one event loop per request: truly parallel
        return client.post("/api/v1/auth/token", json={"username": "target1", "password": f"Wrong-{i}-Password"}).status_code

    statuses = _parallel(60, guess)
    assert sorted(set(statuses)) == [401, 423]
    assert statuses.count(401) == 4, statuses  # only the guesses before the lock were answered "wrong"
    right = TestClient(app, base_url="http://127.0.0.1").post("/api/v1/auth/token",
                                                               json={"username": "target1", "password": PASSWORD})
    assert right.status_code == 423 and "access_token" not in right.text
    seen = actions(db)
    assert seen.count("auth.login_failed") == 4 and seen.count("user.locked") == 1


@postgres_only
def test_sixty_parallel_wrong_passwords_lock_the_account_via_the_page(app, make_user, db, settings_env):
    from fastapi.testclient import TestClient

    settings_env(login_ip_failures=1000)
    make_user(Role.APPROVER, "target2")
    first = TestClient(app, base_url="http://127.0.0.1")
    csrf = csrf_of(first)

    def guess(i):
        client = TestClient(app, base_url="http://127.0.0.1", cookies={"smecredit_csrf": csrf})
        return client.post("/login", data={"username": "target2", "password": f"Wrong-{i}-Password", "csrf_token": csrf},
                           follow_redirects=False).status_code

    statuses = _parallel(60, guess)
    assert statuses.count(401) == 4 and statuses.count(423) == 56, statuses
    assert login(first, "target2").status_code == 423


@postgres_only
def test_parallel_guesses_from_one_address_stop_at_its_limit(app, make_user, db, settings_env):
    from fastapi.testclient import TestClient

    settings_env(login_ip_failures=20, lockout_threshold=1000)
    make_user(Role.APPROVER, "target3")

    def guess(i):
        client = TestClient(app, base_url="http://127.0.0.1")
        return client.post("/api/v1/auth/token", json={"username": "target3", "password": f"Wrong-{i}-Password"}).status_code

    statuses = _parallel(60, guess)
    assert statuses.count(429) == 40 and statuses.count(401) == 20, statuses
    db.expire_all()
    assert db.execute(select(User.failed_logins).where(User.username == "target3")).scalar_one() == 20


@postgres_only
def test_parallel_guesses_at_an_unknown_name_lock_it_like_an_account(app, db, settings_env):
    from fastapi.testclient import TestClient

    settings_env(login_ip_failures=1000)

    def guess(i):
        client = TestClient(app, base_url="http://127.0.0.1")
        return client.post("/api/v1/auth/token", json={"username": "ghost-name", "password": f"Wrong-{i}-Password"}).status_code

    statuses = _parallel(40, guess)
    assert statuses.count(401) == 4 and statuses.count(423) == 36, statuses
