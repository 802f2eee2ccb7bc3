"""Self-service sign-up and forgotten password by SMS one-time code (point 8): codes hashed, short
lived, few tries, used once; limits per number and per address; nothing tells a stranger whether a
number has an account; identity verified and kept encrypted; every step audited without the code,
the full mobile or the ID number."""

from __future__ import annotations

import re
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text, update

from smecredit.audit.models import AuditEvent
from smecredit.identity.models import OneTimeCode, User, WebSession
from smecredit.identity.roles import Role
from smecredit.identity.verification import Verification
from smecredit.kernel.clock import utcnow
from smecredit.kernel.db import new_session
from smecredit.notifications.service import latest_sandbox_text
from smecredit.standards.resident_id import make_resident_id
from tests.conftest import PG_URL, api_token, csrf_of, login

MOBILE = "13800138000"
ID_NUMBER = make_resident_id("110105", date(1990, 1, 1), 123)
PASSWORD = "Sign-Up-Passw0rd-1"


@pytest.fixture()
def settings_env(monkeypatch):
    from smecredit.kernel.settings import get_settings

    def set_(**values):
        for name, value in values.items():
            monkeypatch.setenv(f"SMECREDIT_{name.upper()}", str(value))
        get_settings.cache_clear()

    yield set_
    get_settings.cache_clear()


def send_code(client, mobile=MOBILE, purpose="signup"):
    return client.post("/api/v1/signup/code", json={"mobile": mobile, "purpose": purpose})


def code_for(db, mobile=MOBILE) -> str:
    text_ = latest_sandbox_text(db, mobile=mobile)
    assert text_ is not None, "no sandbox message"
    return re.search(r"\b(\d{6})\b", text_).group(1)


def sign_up(client, code, **overrides):
    body = {"mobile": MOBILE, "code": code, "username": "zhangsan", "password": PASSWORD, "real_name": "张三",
            "id_number": ID_NUMBER, "agree": True, **overrides}
    return client.post("/api/v1/signup", json=body)


def audit(db):
    db.expire_all()
    return list(db.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars())


def test_sign_up_by_sms_code_through_the_api(client, db):
    sent = send_code(client)
    assert sent.status_code == 202
    assert sent.json() == {"sent": True, "mobile_masked": "138****8000", "expires_in": 300, "resend_after": 60}
    code = code_for(db)
    assert "【小微信贷】" in latest_sandbox_text(db, mobile=MOBILE)
    created = sign_up(client, code)
    assert created.status_code == 201, created.text
    user = created.json()["user"]
    assert user["roles"] == ["applicant"] and user["mobile_masked"] == "138****8000" and user["identity_verified"]
    assert created.json()["identity_provider"] == "sandbox"
    assert user["display_name"] == "张*"  # the display name is masked too
    # They can sign in with the user name and password they chose.
    assert client.get("/api/v1/me", headers=api_token(client, "zhangsan", PASSWORD)).json()["username"] == "zhangsan"

    db.expire_all()
    row = db.execute(select(User).where(User.username == "zhangsan")).scalar_one()
    identity = row.verified_identity()
    assert identity is not None and (identity.name, identity.id_number) == ("张三", ID_NUMBER)
    assert identity.provider == "sandbox" and identity.verified_at is not None
    raw = db.execute(text("SELECT mobile, real_name, id_number, mobile_index FROM users WHERE username = 'zhangsan'")).one()
    assert all(value.startswith("v1:") for value in raw[:3])  # encrypted at rest
    assert MOBILE not in raw[3] and len(raw[3]) == 64  # a blind index, not the number
    code_row = db.execute(select(OneTimeCode)).scalar_one()
    assert code not in code_row.code_hash and code_row.consumed_at is not None

    events = audit(db)
    actions = [e.action for e in events]
    for action in ("signup.code_sent", "notification.sent", "user.created", "user.signed_up", "user.identity_verified"):
        assert action in actions, action
    for event in events:
        for secret in (code, MOBILE, ID_NUMBER, "张三"):
            assert secret not in event.payload, (event.action, secret)


def test_a_wrong_code_counts_and_five_end_the_code(client, db):
    send_code(client)
    code = code_for(db)
    wrong = "000000" if code != "000000" else "111111"
    for attempt in range(5):
        refused = sign_up(client, wrong)
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "code_invalid", attempt
    assert sign_up(client, code).status_code == 422  # the right code no longer works
    assert [e.action for e in audit(db)].count("signup.code_failed") == 5


def test_a_code_expires(client, db):
    send_code(client)
    code = code_for(db)
    db.execute(update(OneTimeCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()
    assert sign_up(client, code).json()["error"]["code"] == "code_invalid"


def test_a_code_is_used_once_and_a_new_code_replaces_the_old(client, db, settings_env):
    settings_env(otp_resend_seconds=0)
    send_code(client)
    first = code_for(db)
    send_code(client)
    second = code_for(db)
    if first != second:
        assert sign_up(client, first).status_code == 422
    assert sign_up(client, second).status_code == 201
    assert sign_up(client, second, username="lisi", mobile=MOBILE).status_code in (409, 422)


def test_resend_cool_down_and_limits_per_number_and_address(client, db, settings_env):
    assert send_code(client).status_code == 202
    again = send_code(client)
    assert again.status_code == 429 and again.json()["error"]["code"] == "too_many_codes"
    assert 0 < int(again.headers["retry-after"]) <= 61
    settings_env(otp_resend_seconds=0, otp_per_mobile_per_hour=3, otp_per_ip_per_hour=6)
    assert [send_code(client, "13900139000").status_code for _ in range(4)] == [202, 202, 202, 429]
    statuses = [send_code(client, f"1370013700{i}").status_code for i in range(3)]
    assert statuses[-1] == 429  # the address passed its hourly allowance (6 counting the ones above)


def test_asking_for_a_code_answers_the_same_whether_or_not_the_number_has_an_account(client, db, settings_env):
    settings_env(otp_resend_seconds=0)
    send_code(client)
    sign_up(client, code_for(db))
    registered = send_code(client, MOBILE, "signup")
    fresh = send_code(client, "13600136000", "signup")
    assert registered.status_code == fresh.status_code == 202
    assert registered.json().keys() == fresh.json().keys()
    assert "已注册" in latest_sandbox_text(db, mobile=MOBILE)  # the owner is told, with no code
    reset_known = send_code(client, MOBILE, "password_reset")
    reset_unknown = send_code(client, "13500135000", "password_reset")
    assert reset_known.status_code == reset_unknown.status_code == 202
    assert latest_sandbox_text(db, mobile="13500135000") is None  # nothing sent to a stranger
    assert "重置密码" in latest_sandbox_text(db, mobile=MOBILE)


@pytest.mark.parametrize("overrides, field, code_", [
    ({"id_number": "110105199001011230"}, "id_number", "invalid_resident_id"),
    ({"username": "13800138000"}, "username", "username_is_mobile"),
    ({"password": "weakpass"}, "password", "weak_password"),
    ({"real_name": "张三3"}, "real_name", "invalid_real_name"),
    ({"agree": False}, "agree", "consent_required"),
    ({"mobile": "12345"}, "mobile", "invalid_mobile"),
])
def test_sign_up_input_is_checked_with_the_field_named(client, db, overrides, field, code_):
    send_code(client)
    refused = sign_up(client, code_for(db), **overrides)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["field"] == field and refused.json()["error"]["code"] == code_


def test_a_taken_user_name_is_only_told_with_a_right_code(client, db, make_user):
    make_user(Role.LOAN_OFFICER, "wangwu")
    send_code(client)
    code = code_for(db)
    assert sign_up(client, "999999" if code != "999999" else "888888", username="wangwu").json()["error"]["code"] == "code_invalid"
    taken = sign_up(client, code, username="wangwu")
    assert taken.status_code == 409 and taken.json()["error"]["field"] == "username"
    assert sign_up(client, code, username="wangwu2").status_code == 201  # the code still works once


class RejectingVerifier:
    name = "test-registry"

    def verify(self, *, name, id_number):
        return Verification(False, self.name, "ref-1", utcnow())


def test_a_rejected_identity_uses_up_a_try_of_the_code(client, db, settings_env):
    settings_env(identity_verifier="tests.identity.test_onboarding:RejectingVerifier", otp_max_attempts=2)
    send_code(client)
    code = code_for(db)
    first = sign_up(client, code)
    assert first.status_code == 422 and first.json()["error"]["code"] == "identity_not_verified"
    assert sign_up(client, code).status_code == 422
    assert sign_up(client, code).json()["error"]["code"] == "code_invalid"  # tries used up: no oracle


def test_forgotten_password_by_code_ends_every_session_and_unlocks(client, db, settings_env):
    settings_env(otp_resend_seconds=0)
    send_code(client)
    sign_up(client, code_for(db))
    token = api_token(client, "zhangsan", PASSWORD)
    login(client, "zhangsan", PASSWORD)
    for i in range(5):
        client.post("/api/v1/auth/token", json={"username": "zhangsan", "password": f"Wrong-{i}-Password"})
    assert send_code(client, MOBILE, "password_reset").status_code == 202
    code = code_for(db)
    weak = client.post("/api/v1/signup/password-reset", json={"mobile": MOBILE, "code": code, "new_password": "weak"})
    assert weak.status_code == 422 and weak.json()["error"]["field"] == "new_password"
    done = client.post("/api/v1/signup/password-reset", json={"mobile": MOBILE, "code": code,
                                                              "new_password": "Reset-Passw0rd-2"})
    assert done.status_code == 200 and done.json() == {"reset": True}
    assert client.get("/api/v1/me", headers=token).status_code == 401
    assert client.get("/", follow_redirects=False).status_code == 303
    db.expire_all()
    assert db.execute(select(WebSession.end_reason)).scalar_one() == "reset_by_code"
    assert client.post("/api/v1/auth/token", json={"username": "zhangsan", "password": "Reset-Passw0rd-2"}).status_code == 200
    assert client.post("/api/v1/auth/token", json={"username": "zhangsan", "password": PASSWORD}).status_code == 401
    again = client.post("/api/v1/signup/password-reset", json={"mobile": MOBILE, "code": code,
                                                               "new_password": "Reset-Passw0rd-3"})
    assert again.status_code == 422  # used once
    assert "user.password_reset_by_code" in [e.action for e in audit(db)]


def test_a_reset_for_a_number_without_account_learns_nothing(client, db):
    send_code(client, "13500135000", "password_reset")
    answer = client.post("/api/v1/signup/password-reset", json={"mobile": "13500135000", "code": "123456",
                                                                "new_password": "weak"})
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "new_password"
    answer = client.post("/api/v1/signup/password-reset", json={"mobile": "13500135000", "code": "123456",
                                                                "new_password": "Reset-Passw0rd-2"})
    assert answer.json()["error"]["code"] == "code_invalid"


def test_sign_up_and_forgotten_password_in_the_pages(client, db, settings_env):
    settings_env(otp_resend_seconds=0)
    page = client.get("/login")
    assert 'href="/signup"' in page.text and 'href="/password/forgot"' in page.text
    assert "演示环境" in client.get("/signup").text
    sent = client.post("/signup/code", data={"mobile": "138 0013 8000", "csrf_token": csrf_of(client)})
    assert sent.status_code == 200 and "138****8000" in sent.text and 'data-testid="signup-form"' in sent.text
    form = {"mobile": MOBILE, "code": code_for(db), "username": "zhaoliu", "password": PASSWORD, "real_name": "赵六",
            "id_number": ID_NUMBER, "csrf_token": csrf_of(client)}
    refused = client.post("/signup", data=form)  # consent not ticked
    assert refused.status_code == 422 and "个人信息" in refused.text and 'value="zhaoliu"' in refused.text
    done = client.post("/signup", data={**form, "agree": "yes"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/?notice=signed_up"
    home = client.get(done.headers["location"])
    assert "注册成功" in home.text and "申请企业" in home.text
    account = client.get("/account").text
    assert "138****8000" in account and "赵*" in account and ID_NUMBER not in account and "已核验" in account

    client.post("/logout", data={"csrf_token": csrf_of(client)})
    client.post("/password/forgot/code", data={"mobile": MOBILE, "csrf_token": csrf_of(client)})
    reset = client.post("/password/forgot", data={"mobile": MOBILE, "code": code_for(db), "new_password": "Reset-Passw0rd-7",
                                                  "csrf_token": csrf_of(client)}, follow_redirects=False)
    assert reset.status_code == 303 and reset.headers["location"] == "/login?notice=password_reset"
    assert "密码已重置" in client.get(reset.headers["location"]).text
    assert login(client, "zhaoliu", "Reset-Passw0rd-7").status_code == 303


def test_the_sms_sandbox_page_is_for_administrators(client, db, make_user):
    send_code(client)
    code = code_for(db)
    make_user(Role.AUDITOR, "auditor1")
    login(client, "auditor1")
    assert client.get("/admin/sms-sandbox", follow_redirects=False).status_code == 403
    client.cookies.clear()
    make_user(Role.ADMIN, "admin1")
    login(client, "admin1")
    page = client.get("/admin/sms-sandbox")
    assert page.status_code == 200 and "短信沙箱" in page.text and "不发送任何短信" in page.text
    assert "138****8000" in page.text and MOBILE not in page.text and code in page.text


@pytest.mark.skipif(not PG_URL, reason="parallel use of one code needs PostgreSQL; set SMECREDIT_TEST_DATABASE_URL")
def test_one_code_signs_up_once_under_parallel_requests(app, db):
    from fastapi.testclient import TestClient

    client = TestClient(app, base_url="http://127.0.0.1")
    send_code(client)
    code = code_for(db)
    barrier = threading.Barrier(4)
    statuses = []

    def attempt(i):
        barrier.wait()
        statuses.append(sign_up(TestClient(app, base_url="http://127.0.0.1"), code, username=f"racer{i}").status_code)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(statuses).count(201) == 1, statuses
    with new_session() as other:
        assert other.execute(select(User).where(User.mobile.is_not(None))).scalars().all().__len__() == 1
