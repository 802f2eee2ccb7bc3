"""Guarantee contracts (保证合同): when a loan's guarantee mode includes 保证, every guarantor of the
borrowing enterprise (its people with the role ``guarantor``) accepts a contract of their own before
the loan may be paid out.

* **Made** when the borrower accepts the loan contract (the terms and accounts are final then): one
  text per guarantor — Chinese, with an English heading: the amount guaranteed, the loan, its term —
  stored with its SHA-256, and a link with an unguessable token sent to the guarantor's mobile by
  SMS. Only the token's SHA-256 is stored.
* **Accepted** on the public page the link opens (`guarantee_pages`), by a one-time code sent by
  SMS to that mobile: 6 digits, only a keyed hash stored, it expires (``otp_ttl_minutes``), allows
  ``otp_max_attempts`` tries and is used once; sending is rate-limited per contract and per source
  address, wrong codes per source address too. The acceptance records the time and the SHA-256 of
  the text shown, and an audit event.
* **Disbursement** is refused (409) while any guarantor has not accepted.
* **Staff** (the responsible loan officer, or operations) may, while the loan is not paid out, send
  a contract's link again (`resend_link`: a new token, the old link stops working; once a minute at
  most) and make the contracts missing (`complete`: guarantors added after the borrower accepted,
  or a loan accepted before guarantee contracts existed), exactly as at the acceptance.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from smecredit.audit.log import Actor, record
from smecredit.enterprises.models import Enterprise, EnterprisePerson
from smecredit.identity import throttle
from smecredit.identity.models import User
from smecredit.identity.sessions import actor_of
from smecredit.kernel.clock import as_utc, utcnow
from smecredit.kernel.db import lock_row
from smecredit.kernel.errors import Conflict, Invalid, NotFound, RateLimited
from smecredit.kernel.pii import blind_index
from smecredit.kernel.settings import get_settings
from smecredit.kernel.text import Text
from smecredit.loans import events, ledger, schedules
from smecredit.loans.access import guarantee_staff_refusal
from smecredit.loans.models import GuaranteeContract, Loan
from smecredit.loans.records import facts_of, lock
from smecredit.notifications.dispatch import dispatch_after_commit
from smecredit.notifications.service import enqueue_sms
from smecredit.standards.resident_id import mask_name
from smecredit.standards.resident_id import mask_phone as mask_mobile

PENDING, ACCEPTED = "pending", "accepted"
GUARANTOR_ACTOR = Actor(username="guarantor", role="guarantor")  # a guarantor has no account: the code proves the mobile
WRONG_CODE = Text("验证码错误或已失效，请重新获取", "The code is wrong or no longer valid; ask for a new one")
LINK_PATH = "/guarantee/{token}"
LINK_RESEND_EVERY = timedelta(seconds=60)  # a contract's link at most once a minute (a new SMS each time)

_env = Environment(loader=FileSystemLoader(str(Path(__file__).resolve().parent / "templates" / "loans")),
                   autoescape=select_autoescape(["html"]), keep_trailing_newline=True)
_env.filters["yuan"] = lambda amount: f"{Decimal(amount):,.2f}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _code_hash(nonce: str, code: str) -> str:
    return blind_index(f"guarantee-otp:{nonce}:{code}") or ""


# --- which loans need guarantors ----------------------------------------------------------------------

def guarantee_mode(db: Session, loan: Loan) -> str | None:
    if loan.application_id is None:
        return None
    from smecredit.applications.models import Application

    application = db.get(Application, loan.application_id)
    return application.guarantee_mode if application is not None else None


def needs_guarantors(db: Session, loan: Loan) -> bool:
    """The loan's guarantee mode includes 保证 (``guarantee``, ``guarantee+mortgage`` …)."""
    return "guarantee" in (guarantee_mode(db, loan) or "").split("+")


def of_loan(db: Session, loan: Loan) -> list[GuaranteeContract]:
    return list(db.execute(select(GuaranteeContract).where(GuaranteeContract.loan_id == loan.id)
                           .order_by(GuaranteeContract.id)).scalars())


def disbursement_refusal(db: Session, loan: Loan) -> Conflict | None:
    """Why the loan may not be paid out yet as far as its guarantors go (None: nothing stops it)."""
    if not needs_guarantors(db, loan):
        return None
    contracts = of_loan(db, loan)
    if not contracts:  # only a loan whose contract was accepted before guarantee contracts existed
        return Conflict("guarantees_missing",
                        Text("该笔贷款为保证担保，但尚无保证合同，不能放款。请负责的客户经理或放款/运营岗在贷款页"
                             "“保证合同”处点击“补充生成保证合同”，保证人全部确认后再放款",
                             "The loan is guaranteed but has no guarantee contracts: it cannot be paid out. The "
                             "responsible loan officer or operations: use 'Make the missing guarantee contracts' in "
                             f"the loan page's guarantee section (POST /api/v1/loans/{loan.id}/guarantees/complete), "
                             "then disburse once every guarantor has accepted"),
                        details={"waiting": 0, "guarantors": 0})
    late = missing(db, loan)
    if late:  # a guarantor on record now (added after the borrower accepted) must guarantee this loan too
        return Conflict("guarantors_without_contract",
                        Text(f"有 {len(late)} 位保证人尚无本笔贷款的保证合同，不能放款。请在贷款页“保证合同”处点击"
                             "“补充生成保证合同”，保证人全部确认后再放款",
                             f"{len(late)} guarantor{'s have' if len(late) != 1 else ' has'} no guarantee contract "
                             "for this loan yet: it cannot be paid out. Use 'Make the missing guarantee contracts' "
                             f"in the loan page's guarantee section (POST /api/v1/loans/{loan.id}/guarantees/complete), "
                             "then disburse once every guarantor has accepted"),
                        details={"waiting": len(late), "guarantors": len(contracts) + len(late)})
    waiting = sum(1 for c in contracts if c.status != ACCEPTED)
    if waiting:
        return Conflict("guarantees_not_accepted",
                        Text(f"尚有 {waiting} 位保证人未确认保证合同，不能放款",
                             f"{waiting} guarantor{'s have' if waiting != 1 else ' has'} not accepted the "
                             "guarantee contract yet: the loan cannot be paid out"),
                        details={"waiting": waiting, "guarantors": len(contracts)})
    return None


# --- making the contracts ------------------------------------------------------------------------------

def render(*, loan: Loan, enterprise: Enterprise, guarantor_name: str, amount: Decimal) -> str:
    """The guarantee contract's text (what its SHA-256 is of)."""
    from smecredit.loans.contract import LENDER, opened_on, percent

    lines = schedules.build_schedule(principal=loan.principal, annual_rate=loan.annual_rate, months=loan.months,
                                     method=loan.method, start=opened_on(loan), day_count=loan.day_count)
    return _env.get_template("guarantee_contract.html").render(
        loan=loan, lender=LENDER, borrower=enterprise.name, guarantor=guarantor_name, amount=amount,
        rate=percent(loan.annual_rate), apr=percent(loan.apr) if loan.apr is not None else None,
        method=schedules.METHOD_LABELS[loan.method].zh, last_due=lines[-1].due_date)


def link(token: str) -> str:
    settings = get_settings()
    base = (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")
    return base + LINK_PATH.format(token=token)


def _guarantors(db: Session, loan: Loan) -> list[EnterprisePerson]:
    return list(db.execute(select(EnterprisePerson).where(EnterprisePerson.enterprise_id == loan.enterprise_id,
                                                          EnterprisePerson.role == "guarantor")
                           .order_by(EnterprisePerson.id)).scalars())


def _check_guarantors(people: list[EnterprisePerson]) -> None:
    """The guarantors a contract is made for: at least one, each with a mobile to send it to."""
    if not people:
        raise Conflict("no_guarantors", Text("该笔贷款的担保方式为保证，请先在企业信息中登记保证人（含手机号与担保金额）",
                                             "This loan is guaranteed: add the guarantors (with mobile and amount) "
                                             "to the enterprise first"), "guarantors")
    for person in people:
        if not person.phone:
            raise Conflict("guarantor_without_mobile",
                           Text(f"保证人 {mask_name(person.name)} 没有手机号，无法发送保证合同",
                                f"The guarantor {mask_name(person.name)} has no mobile to send the contract to"),
                           "guarantors")


def _make(db: Session, *, actor: Actor, loan: Loan, enterprise: Enterprise, person: EnterprisePerson) -> GuaranteeContract:
    """One guarantor's contract: the text and its SHA-256, a link by SMS (only the token's hash kept), the event."""
    amount = person.guarantee_amount if person.guarantee_amount else loan.principal
    text = render(loan=loan, enterprise=enterprise, guarantor_name=person.name, amount=amount)
    token = secrets.token_urlsafe(32)
    row = GuaranteeContract(loan_id=loan.id, person_id=person.id, guarantor_name=person.name, mobile=person.phone,
                            amount=amount, text=text, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                            token_hash=token_hash(token), status=PENDING, code_attempts=0, created_at=utcnow())
    db.add(row)
    db.flush()
    message = enqueue_sms(db, to=person.phone, template="guarantee_link", params={"no": loan.no, "link": link(token)})
    dispatch_after_commit(db, message.id)
    record(db, actor, events.GuaranteeContractMade(entity_id=loan.id, no=loan.no, guarantee_id=row.id,
                                                   amount=str(amount), contract_sha256=row.sha256,
                                                   mobile=mask_mobile(person.phone)))
    return row


def prepare(db: Session, *, actor: Actor, loan: Loan) -> list[GuaranteeContract]:
    """One guarantee contract per guarantor of the borrowing enterprise, each with a link sent by
    SMS (the loan row is locked by the caller: the borrower accepting the loan contract). Refused
    when the loan needs guarantors and the enterprise has none, or one has no mobile."""
    if not needs_guarantors(db, loan) or of_loan(db, loan):
        return of_loan(db, loan)
    enterprise = db.get(Enterprise, loan.enterprise_id)
    people = _guarantors(db, loan)
    _check_guarantors(people)
    return [_make(db, actor=actor, loan=loan, enterprise=enterprise, person=person) for person in people]


# --- staff: a link again, the missing contracts -----------------------------------------------------------

def missing(db: Session, loan: Loan) -> list[EnterprisePerson]:
    """The enterprise's current guarantors who have no contract for this loan (added after the borrower
    accepted, or every one of them on a loan accepted before guarantee contracts existed)."""
    have = {c.person_id for c in of_loan(db, loan)}
    return [person for person in _guarantors(db, loan) if person.id not in have]


def _staff_may(db: Session, user: User, loan: Loan) -> None:
    refused = guarantee_staff_refusal(user.roles, facts_of(db, user, loan))
    if refused is not None:
        raise refused


def _not_paid_out(loan: Loan) -> None:
    if loan.status != ledger.PENDING or loan.disbursed_on is not None:
        raise Conflict("loan_disbursed", Text("贷款已放款，保证合同不再变更",
                                              "The loan has been paid out: its guarantee contracts no longer change"))


def _of_this_loan(db: Session, loan: Loan, guarantee_id: object) -> GuaranteeContract:
    row = lock_row(db, GuaranteeContract, guarantee_id) if isinstance(guarantee_id, int) else None
    if row is None or row.loan_id != loan.id:  # another loan's contract answers like a missing one
        raise NotFound("not_found", Text("该笔贷款没有这份保证合同", "This loan has no such guarantee contract"),
                       "guarantee_id")
    return row


def resend_link(db: Session, *, user: User, loan: Loan, guarantee_id: int) -> GuaranteeContract:
    """重新发送保证合同链接: a new token and a new SMS to the mobile on the contract; the old link
    stops working (404) and a code sent before is void. At most once a minute per contract (counted
    from the last link, the first one included); refused once the guarantor accepted."""
    _staff_may(db, user, loan)
    loan = lock(db, loan)  # the loan before the contract, as acceptance and disbursement take them
    guarantee = _of_this_loan(db, loan, guarantee_id)
    _not_paid_out(loan)
    if guarantee.status == ACCEPTED:
        raise Conflict("guarantee_already_accepted", Text("保证人已确认该保证合同，无需重新发送链接",
                                                          "The guarantor accepted this contract already: no new link is needed"))
    if as_utc(guarantee.created_at) + LINK_RESEND_EVERY > utcnow():
        raise _link_too_soon(as_utc(guarantee.created_at) + LINK_RESEND_EVERY)
    wait_until = throttle.claim_once(db, throttle.key_for("guarantee-link", str(guarantee.id)), every=LINK_RESEND_EVERY)
    if wait_until is not None:
        raise _link_too_soon(wait_until)
    token = secrets.token_urlsafe(32)
    guarantee.token_hash = token_hash(token)
    guarantee.code_hash = guarantee.code_nonce = guarantee.code_expires_at = None  # a code for the old link is void
    guarantee.code_attempts = 0
    message = enqueue_sms(db, to=guarantee.mobile, template="guarantee_link", params={"no": loan.no, "link": link(token)})
    dispatch_after_commit(db, message.id)
    record(db, actor_of(user), events.GuaranteeLinkResent(entity_id=loan.id, no=loan.no, guarantee_id=guarantee.id,
                                                          mobile=mask_mobile(guarantee.mobile)))
    db.flush()
    return guarantee


def _link_too_soon(retry_at) -> RateLimited:
    seconds = max(1, int((as_utc(retry_at) - utcnow()).total_seconds()) + 1)
    local = as_utc(retry_at).astimezone(get_settings().tz).strftime("%H:%M:%S")
    return RateLimited("link_sent_recently",
                       Text(f"该保证合同的链接刚刚发送过（每分钟至多一次），请于 {local} 后再试",
                            f"A link for this contract was sent less than a minute ago; try again after {local}"),
                       "guarantee_id", {"retry_after_seconds": seconds})


def complete(db: Session, *, user: User, loan: Loan) -> list[GuaranteeContract]:
    """补充生成保证合同: a contract for every current guarantor of the enterprise who has none for this
    loan, exactly as at the borrower's acceptance (same template, text and SHA-256, a link by SMS, an
    audit event). Refused before the borrower accepted (the contracts are made then), once paid out,
    with no guarantor or one without a mobile, and when every guarantor has a contract already."""
    _staff_may(db, user, loan)
    loan = lock(db, loan)  # two staff at once: the second waits here, then finds nothing missing
    _not_paid_out(loan)
    if not needs_guarantors(db, loan):
        raise Conflict("no_guarantee_needed", Text("该笔贷款的担保方式不含保证，无需保证合同",
                                                   "This loan is not guaranteed by guarantors: it needs no guarantee contracts"))
    if loan.contract_accepted_at is None:
        raise Conflict("contract_not_accepted", Text("借款人确认借款合同时将自动生成保证合同，请等待借款人确认",
                                                     "The guarantee contracts are made when the borrower accepts the "
                                                     "loan contract: wait for the borrower"))
    people = _guarantors(db, loan)
    _check_guarantors(people)
    wanted = missing(db, loan)
    if not wanted:
        raise Conflict("guarantees_complete", Text("每位保证人都已有保证合同，无需补充；未收到链接的可重新发送",
                                                   "Every guarantor has a contract already; send a link again if one "
                                                   "was lost"), "guarantors")
    enterprise = db.get(Enterprise, loan.enterprise_id)
    actor = actor_of(user)
    made = [_make(db, actor=actor, loan=loan, enterprise=enterprise, person=person) for person in wanted]
    db.flush()
    return made


# --- the guarantor's page ------------------------------------------------------------------------------

def by_token(db: Session, token: str) -> GuaranteeContract:
    """The contract a link's token opens; NotFound for any other string (nothing tells them apart)."""
    text = (token or "").strip()
    found = None
    if 20 <= len(text) <= 100 and re.fullmatch(r"[A-Za-z0-9_-]+", text):
        found = db.execute(select(GuaranteeContract).where(GuaranteeContract.token_hash == token_hash(text))
                           ).scalar_one_or_none()
    if found is None:
        raise NotFound("not_found", Text("链接无效或已失效", "This link is not valid"), "token")
    return found


def _too_soon(retry_at, what: Text) -> RateLimited:
    seconds = max(1, int((as_utc(retry_at) - utcnow()).total_seconds()) + 1)
    local = as_utc(retry_at).astimezone(get_settings().tz).strftime("%H:%M:%S")
    return RateLimited("too_many_codes", Text(f"{what.zh}，请于 {local} 后再试", f"{what.en}; try again after {local}"),
                       "code", {"retry_after_seconds": seconds})


def send_code(db: Session, *, guarantee: GuaranteeContract, ip: str | None) -> GuaranteeContract:
    """A new one-time code to the guarantor's mobile (the previous one stops working)."""
    settings = get_settings()
    guarantee = lock_row(db, GuaranteeContract, guarantee.id)
    if guarantee.status == ACCEPTED:
        raise Conflict("guarantee_already_accepted", Text("保证合同已确认", "The guarantee contract was accepted already"))
    hour = timedelta(hours=1)
    per_ip = throttle.hit(db, throttle.key_for("guarantee-otp-ip", ip or "unknown"), window=hour)
    if per_ip.count > settings.otp_per_ip_per_hour:
        raise _too_soon(per_ip.retry_at, Text("您所在网络获取验证码过于频繁", "Too many codes asked for from your network")).kept()
    wait_until = throttle.claim_once(db, throttle.key_for("guarantee-otp-resend", str(guarantee.id)),
                                     every=timedelta(seconds=settings.otp_resend_seconds))
    if wait_until is not None:
        raise _too_soon(wait_until, Text("验证码发送过于频繁", "A code was sent a moment ago")).kept()
    per_contract = throttle.hit(db, throttle.key_for("guarantee-otp", str(guarantee.id)), window=hour)
    if per_contract.count > settings.otp_per_mobile_per_hour:
        raise _too_soon(per_contract.retry_at, Text("该合同获取验证码次数过多", "Too many codes for this contract")).kept()
    code = f"{secrets.randbelow(10**6):06d}"
    nonce = secrets.token_hex(16)
    guarantee.code_nonce, guarantee.code_hash = nonce, _code_hash(nonce, code)
    guarantee.code_expires_at = utcnow() + timedelta(minutes=settings.otp_ttl_minutes)
    guarantee.code_attempts = 0
    loan = db.get(Loan, guarantee.loan_id)
    message = enqueue_sms(db, to=guarantee.mobile, template="guarantee_code",
                          params={"no": loan.no, "code": code, "minutes": settings.otp_ttl_minutes},
                          expires_at=guarantee.code_expires_at)
    dispatch_after_commit(db, message.id)
    record(db, GUARANTOR_ACTOR, events.GuaranteeCodeSent(entity_id=loan.id, no=loan.no, guarantee_id=guarantee.id,
                                                         mobile=mask_mobile(guarantee.mobile)))
    db.flush()
    return guarantee


def accept(db: Session, *, guarantee: GuaranteeContract, code: str, contract_sha256: str,
           ip: str | None) -> GuaranteeContract:
    """The guarantor accepts the text they were shown (its SHA-256) with the code sent to their
    mobile. A wrong code uses up one try (kept, even though the request is refused)."""
    settings = get_settings()
    source = throttle.key_for("guarantee-otp-fail", ip or "unknown")
    window = timedelta(minutes=settings.login_ip_window_minutes)
    seen = throttle.peek(db, source, window=window)
    if seen is not None and seen.count >= settings.login_ip_failures:
        raise _too_soon(seen.retry_at, Text("验证码错误次数过多", "Too many wrong codes")).kept()
    loan = lock_row(db, Loan, guarantee.loan_id)  # the loan before the contract, as disbursement takes them
    guarantee = lock_row(db, GuaranteeContract, guarantee.id)
    if guarantee.status == ACCEPTED:
        raise Conflict("guarantee_already_accepted", Text("保证合同已确认", "The guarantee contract was accepted already"))
    if contract_sha256 != guarantee.sha256:
        raise Conflict("contract_changed", Text("合同文本与您阅读的不一致，请重新阅读后确认",
                                                "The contract text differs from the one you read; read it again"),
                       "contract_sha256")
    typed = re.sub(r"\s", "", code or "")
    right = (guarantee.code_hash is not None and guarantee.code_expires_at is not None
             and as_utc(guarantee.code_expires_at) > utcnow() and guarantee.code_attempts < settings.otp_max_attempts
             and hmac.compare_digest(guarantee.code_hash, _code_hash(guarantee.code_nonce, typed)))
    if not right:
        throttle.hit(db, source, window=window)
        if guarantee.code_hash is not None:
            guarantee.code_attempts += 1
            record(db, GUARANTOR_ACTOR, events.GuaranteeCodeFailed(entity_id=loan.id, no=loan.no,
                                                                   guarantee_id=guarantee.id,
                                                                   attempts=guarantee.code_attempts))
        db.flush()
        raise Invalid("code_invalid", WRONG_CODE, "code").kept()
    now = utcnow()
    guarantee.status, guarantee.accepted_at = ACCEPTED, now
    guarantee.code_hash = guarantee.code_nonce = None  # used once
    record(db, GUARANTOR_ACTOR, events.GuaranteeAccepted(entity_id=loan.id, no=loan.no, guarantee_id=guarantee.id,
                                                         contract_sha256=guarantee.sha256,
                                                         mobile=mask_mobile(guarantee.mobile)))
    db.flush()
    return guarantee


__all__ = ["prepare", "resend_link", "complete", "missing", "by_token", "send_code", "accept", "disbursement_refusal",
           "needs_guarantors", "of_loan"]
