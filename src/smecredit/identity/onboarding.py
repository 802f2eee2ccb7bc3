"""Self-service: an applicant signs up with a mobile number and a one-time code sent by SMS, and
resets a forgotten password the same way (decision 0006).

One-time codes: 6 digits, only a keyed hash stored (HMAC with the server's blind-index key, so a
copy of the database does not give them away), valid `SMECREDIT_OTP_TTL_MINUTES` (5), at most
`SMECREDIT_OTP_MAX_ATTEMPTS` (5) tries, used once, and a new code replaces the previous one. Sending
is limited per number (one every `SMECREDIT_OTP_RESEND_SECONDS`, `SMECREDIT_OTP_PER_MOBILE_PER_HOUR`
an hour) and per source address (`SMECREDIT_OTP_PER_IP_PER_HOUR`); wrong codes count towards the
same per-address failure window as wrong passwords. Every counter moves by one atomic statement.

Nothing here tells a stranger whether a number has an account: asking for a code answers the same
either way (a registered number asking to sign up gets a text saying so instead of a code; an
unknown number asking for a reset gets nothing).

The identity verifier is called only once the code is known to be right, and before anything is
written (no lock held during an outside call); a rejected identity uses up one try of the code,
so the sign-up form cannot be used to test names against numbers.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from smecredit.audit.log import Actor, record
from smecredit.identity import events, login, sessions, throttle
from smecredit.identity.mobile import mask_mobile, normalise_mobile
from smecredit.identity.models import OneTimeCode, User
from smecredit.identity.passwords import check_strength, hash_password
from smecredit.identity.roles import Role
from smecredit.identity.service import create_user, normalise_username
from smecredit.identity.verification import IdentityVerifier, load_verifier
from smecredit.kernel.clock import as_utc, utcnow
from smecredit.kernel.errors import Conflict, Invalid, RateLimited
from smecredit.kernel.pii import blind_index
from smecredit.kernel.settings import get_settings
from smecredit.kernel.text import Text
from smecredit.notifications.service import enqueue_sms
from smecredit.standards.resident_id import mask_name, mask_resident_id, require_valid_resident_id

PURPOSES = ("signup", "password_reset")
SIGNUP_ACTOR = Actor(username="system:signup", role="system")
CODE_TEMPLATES = {"signup": "otp_signup", "password_reset": "otp_password_reset"}
_NAME_CHARS = re.compile(r"^[\u3400-\u9fffA-Za-z·•.\- ]{1,50}$")

CONSENT = Text("为开立账户和审核贷款，平台将处理您的手机号、姓名与公民身份号码：加密存储，页面上脱敏显示，"
               "仅用于实名核验、找回密码和确认贷款企业的归属。",
               "To open your account and review loans, the platform processes your mobile number, name and resident "
               "identity number: stored encrypted, shown masked, used only to verify your identity, reset your "
               "password and confirm which enterprise is yours.")
CONSENT_REQUIRED = Text("请阅读并同意个人信息处理说明", "Read and agree to how your personal information is used")
WRONG_CODE = Text("验证码错误或已失效，请重新获取", "The code is wrong or no longer valid; ask for a new one")
CODE_FAILURES = Text("验证码错误", "wrong codes")


def _code_hash(nonce: str, purpose: str, code: str) -> str:
    return blind_index(f"otp:{nonce}:{purpose}:{code}") or ""


def _wrong_code() -> Invalid:
    return Invalid("code_invalid", WRONG_CODE, "code")


def _too_soon(retry_at, what: Text) -> RateLimited:
    now = utcnow()
    seconds = max(1, int((as_utc(retry_at) - now).total_seconds()) + 1)
    local = as_utc(retry_at).astimezone(get_settings().tz).strftime("%H:%M:%S")
    return RateLimited("too_many_codes", Text(f"{what.zh}，请于 {local} 后再试", f"{what.en}; try again after {local}"),
                       "mobile", {"retry_after_seconds": seconds, "retry_at": as_utc(retry_at).isoformat()})


# --- asking for a code ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CodeRequested:
    mobile_masked: str
    outbox_id: int | None  # the message to deliver once the transaction commits (None: nothing to send)
    expires_in: int
    resend_after: int


def request_code(db: Session, *, mobile: str, purpose: str, ip: str | None) -> CodeRequested:
    settings = get_settings()
    if purpose not in PURPOSES:
        raise Invalid("invalid_purpose", Text("不支持的用途", "Unknown purpose"), "purpose")
    mobile = normalise_mobile(mobile)
    index = blind_index(mobile)
    hour = timedelta(hours=1)
    per_ip = throttle.hit(db, throttle.key_for("otp-ip", ip or "unknown"), window=hour)
    if per_ip.count > settings.otp_per_ip_per_hour:
        raise _too_soon(per_ip.retry_at, Text("您所在网络获取验证码过于频繁", "Too many codes asked for from your network")).kept()
    wait_until = throttle.claim_once(db, throttle.key_for("otp-resend", f"{purpose}:{mobile}"),
                                     every=timedelta(seconds=settings.otp_resend_seconds))
    if wait_until is not None:
        raise _too_soon(wait_until, Text("验证码发送过于频繁", "A code was sent a moment ago")).kept()
    per_mobile = throttle.hit(db, throttle.key_for("otp-mobile", mobile), window=hour)
    if per_mobile.count > settings.otp_per_mobile_per_hour:
        raise _too_soon(per_mobile.retry_at, Text("该手机号获取验证码次数过多", "Too many codes for this number")).kept()

    now = utcnow()
    ttl = timedelta(minutes=settings.otp_ttl_minutes)
    owner = db.execute(select(User).where(User.mobile_index == index)).scalar_one_or_none()
    # Any earlier code for this number and purpose stops working.
    db.execute(update(OneTimeCode).where(OneTimeCode.purpose == purpose, OneTimeCode.mobile_index == index,
                                         OneTimeCode.consumed_at.is_(None)).values(consumed_at=now))
    message = None
    code_id: int | str = "-"
    if purpose == "signup" and owner is not None:
        message = enqueue_sms(db, to=mobile, template="signup_already_registered", expires_at=now + ttl)
    elif purpose == "signup" or (owner is not None and owner.is_active):
        code = f"{secrets.randbelow(10**6):06d}"
        nonce = secrets.token_hex(16)
        row = OneTimeCode(purpose=purpose, mobile_index=index, nonce=nonce, code_hash=_code_hash(nonce, purpose, code),
                          created_at=now, expires_at=now + ttl, attempts=0, ip=(ip or "")[:64] or None)
        db.add(row)
        db.flush()
        code_id = row.id
        message = enqueue_sms(db, to=mobile, template=CODE_TEMPLATES[purpose],
                              params={"code": code, "minutes": settings.otp_ttl_minutes}, expires_at=row.expires_at)
    record(db, SIGNUP_ACTOR, events.CodeSent(entity_id=code_id, purpose=purpose, mobile=mask_mobile(mobile),
                                             delivered=message is not None))
    return CodeRequested(mask_mobile(mobile), message.id if message is not None else None,
                         int(ttl.total_seconds()), settings.otp_resend_seconds)


# --- checking a code -----------------------------------------------------------------------------

def _live_code(db: Session, *, purpose: str, index: str) -> OneTimeCode | None:
    return db.execute(select(OneTimeCode).where(OneTimeCode.purpose == purpose, OneTimeCode.mobile_index == index,
                                                OneTimeCode.consumed_at.is_(None))
                      .order_by(OneTimeCode.id.desc()).limit(1)).scalar_one_or_none()


def _check_code(db: Session, *, mobile: str, purpose: str, code: str, ip: str | None) -> OneTimeCode:
    """The live code row if `code` is right; otherwise count the failure (per code and per source
    address) and refuse, kept. Reads only until it knows the code is wrong, so a right code leaves
    nothing locked while the caller talks to an outside service."""
    settings = get_settings()
    window = timedelta(minutes=settings.login_ip_window_minutes)
    source = login.ip_key(ip)
    seen = throttle.peek(db, source, window=window)
    if seen is not None and seen.count >= settings.login_ip_failures:
        login.refuse_source(db, source, ip, seen, CODE_FAILURES)
    row = _live_code(db, purpose=purpose, index=blind_index(mobile))
    typed = re.sub(r"\s", "", code or "")
    if row is not None and as_utc(row.expires_at) > utcnow() and row.attempts < settings.otp_max_attempts \
            and hmac.compare_digest(row.code_hash, _code_hash(row.nonce, purpose, typed)):
        return row
    throttle.hit(db, source, window=window)
    if row is not None:
        _use_a_try(db, row, mobile=mobile, purpose=purpose)
    raise _wrong_code().kept()


def _use_a_try(db: Session, row: OneTimeCode, *, mobile: str, purpose: str) -> None:
    settings = get_settings()
    tried = db.execute(update(OneTimeCode).where(OneTimeCode.id == row.id, OneTimeCode.attempts < settings.otp_max_attempts)
                       .values(attempts=OneTimeCode.attempts + 1).returning(OneTimeCode.attempts)).first()
    if tried is not None:  # a code already out of tries has nothing left to count
        record(db, SIGNUP_ACTOR, events.CodeFailed(entity_id=row.id, purpose=purpose, mobile=mask_mobile(mobile),
                                                   attempts=tried[0]))


def _consume(db: Session, row: OneTimeCode) -> None:
    """Use the code up, once: of parallel requests with the same right code only one gets here."""
    settings = get_settings()
    now = utcnow()
    done = db.execute(update(OneTimeCode).where(OneTimeCode.id == row.id, OneTimeCode.consumed_at.is_(None),
                                                OneTimeCode.attempts < settings.otp_max_attempts,
                                                OneTimeCode.expires_at > now)
                      .values(consumed_at=now, attempts=OneTimeCode.attempts + 1).returning(OneTimeCode.id)).first()
    if done is None:
        raise Conflict("code_used", Text("验证码已被使用，请重新获取", "The code was used already; ask for a new one"), "code")


# --- sign-up -------------------------------------------------------------------------------------

def clean_real_name(name: str) -> str:
    text = " ".join((name or "").split())
    if not _NAME_CHARS.match(text):
        raise Invalid("invalid_real_name", Text("请填写身份证上的姓名", "Enter the name as on the identity card"), "real_name")
    return text


def sign_up(db: Session, *, mobile: str, code: str, username: str, password: str, real_name: str, id_number: str,
            agreed: bool, ip: str | None, verifier: IdentityVerifier | None = None) -> User:
    """Create an applicant account proved by a one-time code, with a verified identity. `agreed`:
    the person accepted `CONSENT` (个人信息保护法 asks for it before processing their ID number)."""
    settings = get_settings()
    if agreed is not True:
        raise Invalid("consent_required", CONSENT_REQUIRED, "agree")
    mobile = normalise_mobile(mobile)
    username = normalise_username(username)
    check_strength(password, username=username, min_length=settings.password_min_length)
    real_name = clean_real_name(real_name)
    id_number = require_valid_resident_id(id_number, field="id_number").number
    row = _check_code(db, mobile=mobile, purpose="signup", code=code, ip=ip)
    index = blind_index(mobile)
    if db.execute(select(User.id).where(User.mobile_index == index)).first() is not None:
        raise Conflict("mobile_taken", Text("该手机号已注册，请直接登录或找回密码",
                                            "This number already has an account; sign in or reset the password"), "mobile")
    if db.execute(select(User.id).where(User.username == username)).first() is not None:
        # Checked only once the code is right: names cannot be probed without a phone and a code.
        raise Conflict("username_taken", Text(f"用户名 {username} 已被使用", f"User name {username} is taken"), "username")
    verification = (verifier or load_verifier()).verify(name=real_name, id_number=id_number)
    if not verification.verified:
        _use_a_try(db, row, mobile=mobile, purpose="signup")
        reason = verification.reason or Text("姓名与号码不符", "the name does not match the number")
        raise Invalid("identity_not_verified", reason.prefixed("实名核验未通过：", "Identity not verified: "),
                      "id_number").kept()
    _consume(db, row)
    user = create_user(db, actor=SIGNUP_ACTOR, username=username, display_name=mask_name(real_name),
                       password=password, roles=[Role.APPLICANT])
    user.mobile, user.mobile_index = mobile, index
    user.real_name, user.id_number, user.id_index = real_name, id_number, blind_index(id_number)
    user.identity_verified_at = verification.checked_at
    user.identity_provider = verification.provider[:40]
    user.identity_reference = verification.reference[:100]
    db.flush()
    actor = sessions.actor_of(user)
    record(db, actor, events.UserSignedUp(entity_id=user.id, username=user.username, mobile=mask_mobile(mobile),
                                          roles=[Role.APPLICANT.value]))
    record(db, Actor(username=f"verifier:{verification.provider}"[:100], role="system"),
           events.IdentityVerified(entity_id=user.id, username=user.username, provider=verification.provider,
                                   reference=verification.reference, name=mask_name(real_name),
                                   id_number=mask_resident_id(id_number)))
    return user


# --- forgotten password --------------------------------------------------------------------------

def _new_password_strong(password: str, *, username: str) -> None:
    try:
        check_strength(password, username=username, min_length=get_settings().password_min_length)
    except Invalid as error:
        raise error.with_field("new_password") from None


def reset_password_by_code(db: Session, *, mobile: str, code: str, new_password: str, ip: str | None) -> User:
    """Set a new password for the account of this mobile, proved by a one-time code; every session
    and token of the account ends, and a lock from wrong passwords is lifted."""
    mobile = normalise_mobile(mobile)
    _new_password_strong(new_password, username="")  # the same answer for every number before the code
    row = _check_code(db, mobile=mobile, purpose="password_reset", code=code, ip=ip)
    user = db.execute(select(User).where(User.mobile_index == blind_index(mobile))).scalar_one_or_none()
    if user is None or not user.is_active:
        raise _wrong_code()  # a code is only ever sent to an active account's number
    _new_password_strong(new_password, username=user.username)
    _consume(db, row)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    user.failed_logins = 0
    user.locked_until = None
    actor = sessions.actor_of(user)
    record(db, actor, events.PasswordResetByCode(entity_id=user.id, username=user.username, mobile=mask_mobile(mobile)))
    sessions.end_sessions_and_tokens(db, actor=actor, user=user, reason="reset_by_code")
    return user
