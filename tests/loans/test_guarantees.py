"""Guarantors accept their guarantee contracts (保证合同): a loan whose guarantee mode includes 保证
gets one contract per guarantor when the borrower accepts the loan contract, each stored with its
SHA-256 and sent as a link with an unguessable token (only its hash stored); the guarantor accepts
on the public page with a one-time code sent by SMS; disbursement is refused until all have."""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from smecredit.audit.models import AuditEvent
from smecredit.kernel.clock import utcnow
from smecredit.loans.models import GuaranteeContract
from tests.conftest import api_token, csrf_of
from tests.loans.helpers import on, run, world

DAY = date(2025, 3, 3)
GUARANTORS = (("张保证", "13800138001", "200000"), ("李担保", "13900139002", "100000"))


def guaranteed_loan(db, make_user, n: int = 1, *, guarantors=GUARANTORS, mode: str = "guarantee", accept: bool = True):
    """A loan of an application under ``mode`` for an enterprise with these guarantors; the borrower
    gave the accounts and (``accept``) accepted the loan contract."""
    from smecredit.applications import service as applications
    from smecredit.audit.log import Actor
    from smecredit.enterprises import people, schemas
    from smecredit.loans import contract, service
    from smecredit.standards.resident_id import make_resident_id
    from tests.products.helpers import load_defaults

    w = world(db, make_user, n)
    load_defaults(db)
    for k, (name, phone, amount) in enumerate(guarantors):
        run(db, people.add, user=w.applicant, enterprise=w.enterprise, data=schemas.PersonIn(
            role="guarantor", name=name, id_number=make_resident_id("350102", date(1980, 1, 2 + k), 100 + 10 * n + k),
            phone=phone, guarantee_amount=Decimal(amount)))
    with on(DAY):
        application = run(db, applications.create_draft, user=w.applicant, enterprise_id=w.enterprise.id,
                          product_code="working_capital_loan",
                          need=applications.Need(amount=Decimal("300000"), term_months=12, purpose="备货 / stock",
                                                 repayment_method="equal_installment", guarantee_mode=mode))
        account = f"6222{w.enterprise.id:08d}"
        loan = run(db, service.open_loan, actor=Actor("test-setup", "system"), enterprise_id=w.enterprise.id,
                   product_code="working_capital_loan", principal="300000", annual_rate=Decimal("4.35"), months=12,
                   method="equal_installment", penalty_markup=Decimal(50), payment_mode="self", payee_account=account,
                   payee_name=w.enterprise.name, repayment_account=account, application_id=application.id,
                   approved_by_id=w.approver.id)
        if accept:
            run(db, service.accept_contract, user=w.applicant, loan=loan, contract_sha256=contract.sha256_of(db, loan))
    return w, loan


def sms_to(db, mobile: str, template: str) -> list[str]:
    """The texts the sandbox SMS gateway delivered to ``mobile`` (links or codes), oldest first."""
    from smecredit.kernel.pii import blind_index
    from smecredit.notifications.models import SandboxSms

    texts = db.execute(select(SandboxSms.text).where(SandboxSms.recipient_index == blind_index(mobile))
                       .order_by(SandboxSms.id)).scalars().all()
    mark = "/guarantee/" if template == "guarantee_link" else "保证合同，验证码为"
    return [t for t in texts if mark in t]


def token_of(db, mobile: str) -> str:
    return re.search(r"/guarantee/([A-Za-z0-9_-]+)", sms_to(db, mobile, "guarantee_link")[-1]).group(1)


def code_of(db, mobile: str) -> str:
    return re.search(r"验证码为 (\d{6})", sms_to(db, mobile, "guarantee_code")[-1]).group(1)


def post(client, path, data=None):
    return client.post(path, data={"csrf_token": csrf_of(client), **(data or {})}, follow_redirects=False)


def accept_on_page(client, db, mobile: str) -> None:
    token = token_of(db, mobile)
    assert post(client, f"/guarantee/{token}/code").status_code == 303
    page = client.get(f"/guarantee/{token}").text
    sha = re.search(r'name="contract_sha256" value="([0-9a-f]{64})"', page).group(1)
    done = post(client, f"/guarantee/{token}/accept", {"code": code_of(db, mobile), "contract_sha256": sha})
    assert done.status_code == 303, done.text[:500]


def test_each_guarantor_gets_a_contract_with_its_hash_and_a_link_whose_token_is_stored_only_hashed(db, make_user):
    w, loan = guaranteed_loan(db, make_user)
    made = db.execute(select(GuaranteeContract).where(GuaranteeContract.loan_id == loan.id)
                      .order_by(GuaranteeContract.id)).scalars().all()
    assert [(g.guarantor_name, g.mobile, g.amount) for g in made] == [
        ("张保证", "13800138001", Decimal("200000.00")), ("李担保", "13900139002", Decimal("100000.00"))]
    first = made[0]
    assert first.status == "pending" and first.sha256 == hashlib.sha256(first.text.encode()).hexdigest()
    for words in ("保证合同", "Guarantee Contract", loan.no, "200,000.00", "12 个月", "张保证", w.enterprise.name, "连带责任保证"):
        assert words in first.text
    token = token_of(db, "13800138001")
    assert len(token) >= 40 and first.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str([(g.text, g.token_hash) for g in made])  # the token itself is nowhere in the row
    assert token_of(db, "13900139002") != token
    events = db.execute(select(AuditEvent.action).where(AuditEvent.entity_id == str(loan.id))).scalars().all()
    assert events.count("loan.guarantee_made") == 2


def test_a_credit_loan_has_no_guarantors_and_a_guaranteed_one_needs_them_on_record(db, make_user):
    from smecredit.kernel.errors import Conflict
    from smecredit.loans import contract, service

    _, credit = guaranteed_loan(db, make_user, 1, mode="credit")
    assert db.execute(select(GuaranteeContract)).first() is None and credit.contract_accepted_at is not None
    w, bare = guaranteed_loan(db, make_user, 2, guarantors=(), accept=False)
    with on(DAY), pytest.raises(Conflict) as refused:
        run(db, service.accept_contract, user=w.applicant, loan=bare, contract_sha256=contract.sha256_of(db, bare))
    assert refused.value.code == "no_guarantors" and "保证人" in refused.value.message.zh
    db.rollback()
    assert db.get(type(bare), bare.id).contract_accepted_at is None  # the acceptance rolled back with it


def test_disbursement_is_refused_until_every_guarantor_accepted(client, db, make_user):
    w, loan = guaranteed_loan(db, make_user)
    ops = api_token(client, w.operations.username)
    with on(DAY):
        refused = client.post(f"/api/v1/loans/{loan.id}/disburse", headers={**ops, "Idempotency-Key": "k1"})
        assert refused.status_code == 409, refused.text
        error = refused.json()["error"]
        assert error["code"] == "guarantees_not_accepted" and "2" in error["message"]["zh"] and error["message"]["en"]
        accept_on_page(client, db, "13800138001")
        again = client.post(f"/api/v1/loans/{loan.id}/disburse", headers={**ops, "Idempotency-Key": "k2"})
        assert again.status_code == 409 and "1 位保证人" in again.json()["error"]["message"]["zh"]
        accept_on_page(client, db, "13900139002")
        paid = client.post(f"/api/v1/loans/{loan.id}/disburse", headers={**ops, "Idempotency-Key": "k3"})
        assert paid.status_code == 201, paid.text


def test_the_acceptance_is_recorded_with_time_hash_and_audit_event(client, db, make_user):
    _, loan = guaranteed_loan(db, make_user)
    before = utcnow()
    accept_on_page(client, db, "13800138001")
    db.expire_all()
    g = db.execute(select(GuaranteeContract).where(GuaranteeContract.loan_id == loan.id)
                   .order_by(GuaranteeContract.id)).scalars().first()
    assert g.status == "accepted" and g.accepted_at is not None and g.accepted_at.replace(tzinfo=before.tzinfo) >= before - timedelta(seconds=1)
    assert g.code_hash is None  # the code is used up
    payload = db.execute(select(AuditEvent.payload).where(AuditEvent.action == "loan.guarantee_accepted")).scalar_one()
    assert g.sha256 in payload and "138****8001" in payload and "13800138001" not in payload
    page = client.get(f"/guarantee/{token_of(db, '13800138001')}")
    assert page.status_code == 200 and 'data-testid="guarantee-accepted"' in page.text and g.sha256 in page.text
    token = token_of(db, "13800138001")
    assert post(client, f"/guarantee/{token}/code").status_code == 409  # nothing more to send


def test_a_wrong_or_expired_code_is_refused_and_tries_run_out(client, db, make_user):
    _, loan = guaranteed_loan(db, make_user)
    token = token_of(db, "13800138001")
    g = db.execute(select(GuaranteeContract).where(GuaranteeContract.loan_id == loan.id)
                   .order_by(GuaranteeContract.id)).scalars().first()
    sha = g.sha256
    no_code_yet = post(client, f"/guarantee/{token}/accept", {"code": "123456", "contract_sha256": sha})
    assert no_code_yet.status_code == 422 and "验证码错误" in no_code_yet.text
    assert post(client, f"/guarantee/{token}/code").status_code == 303
    right = code_of(db, "13800138001")
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    refused = post(client, f"/guarantee/{token}/accept", {"code": wrong, "contract_sha256": sha})
    assert refused.status_code == 422 and "验证码错误或已失效" in refused.text
    db.expire_all()
    assert db.get(GuaranteeContract, g.id).code_attempts == 1 and db.get(GuaranteeContract, g.id).status == "pending"
    # the code expires
    db.get(GuaranteeContract, g.id).code_expires_at = utcnow() - timedelta(seconds=1)
    db.commit()
    expired = post(client, f"/guarantee/{token}/accept", {"code": right, "contract_sha256": sha})
    assert expired.status_code == 422
    db.expire_all()
    assert db.get(GuaranteeContract, g.id).status == "pending"
    # a fresh code, then the tries run out: even the right code is refused
    db.get(GuaranteeContract, g.id).code_expires_at = utcnow() + timedelta(minutes=5)
    db.get(GuaranteeContract, g.id).code_attempts = 5
    db.commit()
    assert post(client, f"/guarantee/{token}/accept", {"code": right, "contract_sha256": sha}).status_code == 422
    db.expire_all()
    assert db.get(GuaranteeContract, g.id).status == "pending"
    failed = db.execute(select(AuditEvent.action).where(AuditEvent.action == "loan.guarantee_code_failed")).scalars().all()
    assert len(failed) >= 2


def test_sending_codes_is_rate_limited(client, db, make_user):
    guaranteed_loan(db, make_user)
    token = token_of(db, "13800138001")
    assert post(client, f"/guarantee/{token}/code").status_code == 303
    too_soon = post(client, f"/guarantee/{token}/code")
    assert too_soon.status_code == 429 and "验证码发送过于频繁" in too_soon.text and too_soon.headers.get("Retry-After")
    assert len(sms_to(db, "13800138001", "guarantee_code")) == 1


def test_another_loans_token_or_a_made_up_one_opens_nothing_of_this_loan(client, db, make_user):
    _, mine = guaranteed_loan(db, make_user, 1, guarantors=(("张保证", "13800138001", "200000"),))
    _, theirs = guaranteed_loan(db, make_user, 2, guarantors=(("王他人", "13700137003", "50000"),))
    my_token, their_token = token_of(db, "13800138001"), token_of(db, "13700137003")
    mine_g = db.execute(select(GuaranteeContract).where(GuaranteeContract.loan_id == mine.id)).scalar_one()
    assert client.get(f"/guarantee/{'x' * 43}").status_code == 404
    assert client.get("/guarantee/short").status_code == 404
    assert mine.no not in client.get(f"/guarantee/{their_token}").text  # their page shows their loan only
    # their token with my contract's hash and my code: refused, and my contract stays waiting
    assert post(client, f"/guarantee/{my_token}/code").status_code == 303
    my_code = code_of(db, "13800138001")
    crossed = post(client, f"/guarantee/{their_token}/accept", {"code": my_code, "contract_sha256": mine_g.sha256})
    assert crossed.status_code == 409  # not the text that token's page shows
    db.expire_all()
    assert {g.status for g in db.execute(select(GuaranteeContract)).scalars()} == {"pending"}
    assert post(client, f"/guarantee/{'y' * 43}/accept", {"code": my_code, "contract_sha256": mine_g.sha256}).status_code == 404


def test_the_loan_page_lists_the_guarantors_and_operations_cannot_disburse_yet(client, db, make_user):
    from tests.conftest import login

    w, loan = guaranteed_loan(db, make_user)
    login(client, w.operations.username)
    with on(DAY):
        page = client.get(f"/loans/{loan.id}").text
    assert page.count('data-testid="guarantee"') == 2 and "张**" in page and "张保证" not in page
    assert re.search(r'data-testid="disburse" disabled', page) and "保证人未确认保证合同" in page
