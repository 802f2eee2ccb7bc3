"""Staff handle guarantee contracts before the loan is paid out: 重新发送保证合同链接 (a new token,
the old link dead, once a minute at most, never once accepted) and 补充生成保证合同 (a contract for
every current guarantor who has none: added after the borrower accepted, or a loan accepted before
guarantee contracts existed). The responsible loan officer or operations; never the borrower."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from smecredit.audit.models import AuditEvent
from smecredit.identity.roles import Role
from smecredit.kernel.clock import utcnow
from smecredit.loans.models import GuaranteeContract, Loan
from tests.conftest import api_token, login
from tests.loans.helpers import on, run
from tests.loans.test_guarantees import DAY, accept_on_page, guaranteed_loan, post, sms_to, token_of

ONE = (("张保证", "13800138001", "200000"),)


def contracts_of(db, loan) -> list[GuaranteeContract]:
    db.expire_all()
    return db.execute(select(GuaranteeContract).where(GuaranteeContract.loan_id == loan.id)
                      .order_by(GuaranteeContract.id)).scalars().all()


def sent_a_while_ago(db, loan) -> None:
    """The links went out two minutes ago (a resend is due)."""
    for g in contracts_of(db, loan):
        g.created_at = utcnow() - timedelta(minutes=2)
    db.commit()


def actions(db, loan, action: str) -> list[str]:
    return db.execute(select(AuditEvent.payload).where(AuditEvent.action == action,
                                                       AuditEvent.entity_id == str(loan.id))).scalars().all()


def add_guarantor(db, w, name: str, phone: str | None, amount: str, k: int):
    from smecredit.enterprises import people, schemas
    from smecredit.standards.resident_id import make_resident_id

    return run(db, people.add, user=w.applicant, enterprise=w.enterprise, data=schemas.PersonIn(
        role="guarantor", name=name, id_number=make_resident_id("350102", date(1975, 3, k), 500 + k), phone=phone,
        guarantee_amount=Decimal(amount)))


def accepted_before_guarantee_contracts(db, make_user, n: int = 1, **kwargs):
    """A guaranteed loan whose borrower accepted the contract before guarantee contracts existed."""
    w, loan = guaranteed_loan(db, make_user, n, accept=False, **kwargs)
    loan = db.get(Loan, loan.id)
    loan.contract_accepted_at, loan.contract_accepted_by_id = utcnow(), w.applicant.id
    db.commit()
    return w, loan


# --- a link again -------------------------------------------------------------------------------------

def test_a_new_link_replaces_the_old_one_which_then_opens_nothing(client, db, make_user):
    w, loan = guaranteed_loan(db, make_user, guarantors=ONE)
    old = token_of(db, "13800138001")
    sent_a_while_ago(db, loan)
    g = contracts_of(db, loan)[0]
    ops = api_token(client, w.operations.username)
    done = client.post(f"/api/v1/loans/{loan.id}/guarantees/{g.id}/resend", headers=ops)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "pending" and done.json()["guarantor"] == "张**"
    assert "13800138001" not in done.text and old not in done.text  # neither the mobile nor a link in the answer
    new = token_of(db, "13800138001")
    assert new != old and len(sms_to(db, "13800138001", "guarantee_link")) == 2
    assert client.get(f"/guarantee/{old}").status_code == 404
    assert post(client, f"/guarantee/{old}/code").status_code == 404
    assert client.get(f"/guarantee/{new}").status_code == 200
    payloads = actions(db, loan, "loan.guarantee_link_resent")
    assert len(payloads) == 1 and "138****8001" in payloads[0] and "13800138001" not in payloads[0]
    accept_on_page(client, db, "13800138001")  # the new link works to the end
    assert contracts_of(db, loan)[0].status == "accepted"


def test_a_code_asked_for_on_the_old_link_is_void_after_a_resend(client, db, make_user):
    w, loan = guaranteed_loan(db, make_user, guarantors=ONE)
    assert post(client, f"/guarantee/{token_of(db, '13800138001')}/code").status_code == 303
    sent_a_while_ago(db, loan)
    g = contracts_of(db, loan)[0]
    assert g.code_hash is not None
    ops = api_token(client, w.operations.username)
    assert client.post(f"/api/v1/loans/{loan.id}/guarantees/{g.id}/resend", headers=ops).status_code == 200
    assert contracts_of(db, loan)[0].code_hash is None


def test_a_link_goes_at_most_once_a_minute_per_contract(client, db, make_user):
    w, loan = guaranteed_loan(db, make_user)
    first, second = contracts_of(db, loan)
    ops = api_token(client, w.operations.username)
    just_made = client.post(f"/api/v1/loans/{loan.id}/guarantees/{first.id}/resend", headers=ops)
    assert just_made.status_code == 429 and just_made.headers.get("Retry-After")
    error = just_made.json()["error"]
    assert error["code"] == "link_sent_recently" and "每分钟至多一次" in error["message"]["zh"] and error["message"]["en"]
    sent_a_while_ago(db, loan)
    assert client.post(f"/api/v1/loans/{loan.id}/guarantees/{first.id}/resend", headers=ops).status_code == 200
    again = client.post(f"/api/v1/loans/{loan.id}/guarantees/{first.id}/resend", headers=ops)
    assert again.status_code == 429
    assert client.post(f"/api/v1/loans/{loan.id}/guarantees/{second.id}/resend", headers=ops).status_code == 200  # per contract
    assert len(sms_to(db, "13800138001", "guarantee_link")) == 2 and len(sms_to(db, "13900139002", "guarantee_link")) == 2


def test_an_accepted_contract_gets_no_new_link(client, db, make_user):
    w, loan = guaranteed_loan(db, make_user, guarantors=ONE)
    accept_on_page(client, db, "13800138001")
    sent_a_while_ago(db, loan)
    g = contracts_of(db, loan)[0]
    token = token_of(db, "13800138001")
    refused = client.post(f"/api/v1/loans/{loan.id}/guarantees/{g.id}/resend", headers=api_token(client, w.operations.username))
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "guarantee_already_accepted" and "已确认" in error["message"]["zh"] and "accepted" in error["message"]["en"]
    assert token_of(db, "13800138001") == token and client.get(f"/guarantee/{token}").status_code == 200


def test_another_loans_contract_is_not_found_through_this_loan(client, db, make_user):
    w, mine = guaranteed_loan(db, make_user, 1, guarantors=ONE)
    _, theirs = guaranteed_loan(db, make_user, 2, guarantors=(("王他人", "13700137003", "50000"),))
    sent_a_while_ago(db, theirs)
    their_g = contracts_of(db, theirs)[0]
    answer = client.post(f"/api/v1/loans/{mine.id}/guarantees/{their_g.id}/resend",
                         headers=api_token(client, w.operations.username))
    assert answer.status_code == 404
    assert len(sms_to(db, "13700137003", "guarantee_link")) == 1


# --- the missing contracts ------------------------------------------------------------------------------

def test_a_guarantor_added_after_acceptance_gets_a_contract_once(client, db, make_user):
    w, loan = guaranteed_loan(db, make_user, guarantors=ONE)
    add_guarantor(db, w, "赵后来", "13600136004", "80000", 9)
    officer = api_token(client, w.officer.username)
    made = client.post(f"/api/v1/loans/{loan.id}/guarantees/complete", headers=officer)
    assert made.status_code == 201, made.text
    assert [(g["guarantor"], g["amount"]) for g in made.json()] == [("赵**", "80000.00")]
    rows = contracts_of(db, loan)
    assert len(rows) == 2 and rows[1].guarantor_name == "赵后来" and rows[1].status == "pending"
    assert "赵后来" in rows[1].text and "80,000.00" in rows[1].text and loan.no in rows[1].text
    import hashlib
    assert rows[1].sha256 == hashlib.sha256(rows[1].text.encode()).hexdigest()
    assert len(sms_to(db, "13600136004", "guarantee_link")) == 1
    assert len(sms_to(db, "13800138001", "guarantee_link")) == 1  # the first guarantor is not sent anything again
    assert len(actions(db, loan, "loan.guarantee_made")) == 2
    again = client.post(f"/api/v1/loans/{loan.id}/guarantees/complete", headers=officer)
    assert again.status_code == 409 and again.json()["error"]["code"] == "guarantees_complete"
    assert len(contracts_of(db, loan)) == 2 and len(sms_to(db, "13600136004", "guarantee_link")) == 1


def test_a_guarantor_added_after_acceptance_holds_the_disbursement_until_they_accept(client, db, make_user):
    w, loan = guaranteed_loan(db, make_user, guarantors=ONE)
    accept_on_page(client, db, "13800138001")
    add_guarantor(db, w, "赵后来", "13600136004", "80000", 9)
    ops = api_token(client, w.operations.username)
    with on(DAY):
        refused = client.post(f"/api/v1/loans/{loan.id}/disburse", headers={**ops, "Idempotency-Key": "k1"})
        error = refused.json()["error"]
        assert refused.status_code == 409 and error["code"] == "guarantors_without_contract", refused.text
        assert "补充生成保证合同" in error["message"]["zh"] and error["details"]["waiting"] == 1
        assert client.post(f"/api/v1/loans/{loan.id}/guarantees/complete", headers=ops).status_code == 201
        waiting = client.post(f"/api/v1/loans/{loan.id}/disburse", headers={**ops, "Idempotency-Key": "k2"})
        assert waiting.status_code == 409 and waiting.json()["error"]["code"] == "guarantees_not_accepted"
        accept_on_page(client, db, "13600136004")
        paid = client.post(f"/api/v1/loans/{loan.id}/disburse", headers={**ops, "Idempotency-Key": "k3"})
        assert paid.status_code == 201, paid.text


def test_a_loan_accepted_before_guarantee_contracts_existed_has_a_way_forward(client, db, make_user):
    w, loan = accepted_before_guarantee_contracts(db, make_user)
    ops = api_token(client, w.operations.username)
    with on(DAY):
        refused = client.post(f"/api/v1/loans/{loan.id}/disburse", headers={**ops, "Idempotency-Key": "k1"})
        error = refused.json()["error"]
        assert refused.status_code == 409 and error["code"] == "guarantees_missing"
        assert "补充生成保证合同" in error["message"]["zh"] and f"/api/v1/loans/{loan.id}/guarantees/complete" in error["message"]["en"]
        made = client.post(f"/api/v1/loans/{loan.id}/guarantees/complete", headers=ops)
        assert made.status_code == 201 and len(made.json()) == 2
        listed = client.get(f"/api/v1/loans/{loan.id}/guarantees", headers=ops).json()
        assert listed["total"] == 2 and {g["status"] for g in listed["items"]} == {"pending"}
        waiting = client.post(f"/api/v1/loans/{loan.id}/disburse", headers={**ops, "Idempotency-Key": "k2"})
        assert waiting.status_code == 409 and waiting.json()["error"]["code"] == "guarantees_not_accepted"
        accept_on_page(client, db, "13800138001")
        accept_on_page(client, db, "13900139002")
        paid = client.post(f"/api/v1/loans/{loan.id}/disburse", headers={**ops, "Idempotency-Key": "k3"})
        assert paid.status_code == 201, paid.text
        late = client.post(f"/api/v1/loans/{loan.id}/guarantees/complete", headers=ops)
        assert late.status_code == 409 and late.json()["error"]["code"] == "loan_disbursed"


def test_completing_is_refused_for_the_same_reasons_as_the_acceptance(client, db, make_user):
    w, bare = accepted_before_guarantee_contracts(db, make_user, 1, guarantors=())
    ops = api_token(client, w.operations.username)
    none = client.post(f"/api/v1/loans/{bare.id}/guarantees/complete", headers=ops)
    assert none.status_code == 409 and none.json()["error"]["code"] == "no_guarantors"
    assert "保证人" in none.json()["error"]["message"]["zh"] and none.json()["error"]["message"]["en"]
    w2, loan = accepted_before_guarantee_contracts(db, make_user, 2)
    add_guarantor(db, w2, "钱无号", None, "50000", 11)
    no_mobile = client.post(f"/api/v1/loans/{loan.id}/guarantees/complete", headers=api_token(client, w2.operations.username))
    assert no_mobile.status_code == 409 and no_mobile.json()["error"]["code"] == "guarantor_without_mobile"
    assert "钱**" in no_mobile.json()["error"]["message"]["zh"]
    assert contracts_of(db, loan) == [] and sms_to(db, "13800138001", "guarantee_link") == []  # nothing written, nothing sent


def test_before_the_borrower_accepts_there_is_nothing_to_complete(client, db, make_user):
    w, loan = guaranteed_loan(db, make_user, accept=False)
    refused = client.post(f"/api/v1/loans/{loan.id}/guarantees/complete", headers=api_token(client, w.operations.username))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "contract_not_accepted"
    assert contracts_of(db, loan) == []


# --- who may -------------------------------------------------------------------------------------------

def test_who_may_resend_and_complete(client, db, make_user):
    w, loan = guaranteed_loan(db, make_user, guarantors=ONE)
    sent_a_while_ago(db, loan)
    g = contracts_of(db, loan)[0]
    resend, complete = f"/api/v1/loans/{loan.id}/guarantees/{g.id}/resend", f"/api/v1/loans/{loan.id}/guarantees/complete"
    for role in (Role.APPLICANT, Role.CREDIT_REVIEWER, Role.APPROVER, Role.RISK_MANAGER, Role.AUDITOR, Role.ADMIN):
        other = make_user(role, f"probe-{role.value.replace('_', '-')}")
        headers = api_token(client, other.username)
        assert client.post(resend, headers=headers).status_code == 403, role
        assert client.post(complete, headers=headers).status_code == 403, role
    # the borrower itself: 403 (the role), and nothing was sent
    assert client.post(resend, headers=api_token(client, w.applicant.username)).status_code == 403
    assert len(sms_to(db, "13800138001", "guarantee_link")) == 1
    # an officer of another portfolio does not know the loan exists
    stranger = make_user(Role.LOAN_OFFICER, "officer-elsewhere")
    assert client.post(resend, headers=api_token(client, stranger.username)).status_code == 404
    assert client.post(complete, headers=api_token(client, stranger.username)).status_code == 404
    # the responsible officer may
    assert client.post(resend, headers=api_token(client, w.officer.username)).status_code == 200


def test_an_officer_sees_an_unassigned_enterprises_loan_but_must_take_it_first(client, db, make_user):
    from smecredit.enterprises.models import Enterprise

    w, loan = guaranteed_loan(db, make_user, guarantors=ONE)
    sent_a_while_ago(db, loan)
    enterprise = db.get(Enterprise, w.enterprise.id)
    enterprise.officer_id, enterprise.branch_code = None, None  # back in the unassigned queue
    db.commit()
    g = contracts_of(db, loan)[0]
    refused = client.post(f"/api/v1/loans/{loan.id}/guarantees/{g.id}/resend", headers=api_token(client, w.officer.username))
    assert refused.status_code == 403 and "认领" in refused.json()["error"]["message"]["zh"]


# --- the loan page --------------------------------------------------------------------------------------

def test_the_loan_page_offers_both_to_staff_who_may_and_not_to_the_borrower(client, db, make_user):
    w, loan = guaranteed_loan(db, make_user, guarantors=ONE)
    add_guarantor(db, w, "赵后来", "13600136004", "80000", 9)
    login(client, w.applicant.username)
    with on(DAY):
        mine = client.get(f"/loans/{loan.id}").text
    assert 'data-testid="resend-guarantee"' not in mine and 'data-testid="complete-guarantees"' not in mine
    client.cookies.clear()
    login(client, w.operations.username)
    with on(DAY):
        page = client.get(f"/loans/{loan.id}").text
        assert page.count('data-testid="resend-guarantee"') == 1 and 'data-testid="complete-guarantees"' in page
        assert "补充生成保证合同" in page and "重新发送链接" in page
        made = post(client, f"/loans/{loan.id}/guarantees/complete")
        assert made.status_code == 303 and made.headers["location"].endswith("notice=guarantees_completed#guarantees")
        page = client.get(f"/loans/{loan.id}").text
        assert page.count('data-testid="resend-guarantee"') == 2 and 'data-testid="complete-guarantees"' not in page
        g = contracts_of(db, loan)[0]
        too_soon = post(client, f"/loans/{loan.id}/guarantees/{g.id}/resend")
        assert too_soon.status_code == 429 and "每分钟至多一次" in too_soon.text
        assert re.search(r'id="guarantees"[\s\S]*data-testid="error"', too_soon.text)  # shown in the section
        sent_a_while_ago(db, loan)
        sent = post(client, f"/loans/{loan.id}/guarantees/{g.id}/resend")
        assert sent.status_code == 303 and "notice=guarantee_link_resent" in sent.headers["location"]
        forged = client.post(f"/loans/{loan.id}/guarantees/{g.id}/resend", data={}, follow_redirects=False)
        assert forged.status_code in (400, 403)  # no CSRF token
