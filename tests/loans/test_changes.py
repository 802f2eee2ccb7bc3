"""Changes a second person approves (maker-checker, 四眼原则) on a real database: who may request and
who may decide, one pending request per kind, a decision taken once, and — after approval — the
ledger, the journal (balanced; the balances it derives equal the loan's) and the audit log."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from smecredit.audit.models import AuditEvent
from smecredit.identity.models import UserRole
from smecredit.identity.roles import Role
from smecredit.kernel.errors import Conflict, Forbidden, Invalid
from smecredit.loans import accounting, change_rules, changes, ledger, service
from smecredit.loans.models import JournalLine, LoanChangeRequest, LoanTransaction
from smecredit.notifications.models import Notification
from tests.loans.helpers import START, disbursed, on, run, world

D = Decimal
MARCH = date(2025, 3, 20)


def journal_figures(db, loan):
    rows = db.execute(select(JournalLine.account, func.sum(JournalLine.debit), func.sum(JournalLine.credit))
                      .where(JournalLine.loan_id == loan.id).group_by(JournalLine.account)).all()
    debits = sum((D(str(d)) for _, d, _ in rows), D(0))
    credits = sum((D(str(c)) for _, _, c in rows), D(0))
    assert debits == credits  # the loan's journal balances
    return {account: (D(str(d)) - D(str(c))).quantize(D("0.01")) for account, d, c in rows}


def assert_journal_matches_the_loan(db, loan):
    db.refresh(loan)
    balances = journal_figures(db, loan)
    assert accounting.loan_figures(balances) == accounting.position_figures(service.position_from_json(loan.posted_position))
    assert balances.get(accounting.LOANS, D("0.00")) == loan.outstanding_principal
    assert -balances.get(accounting.CUSTOMER_CREDIT, D("0.00")) == loan.credit
    state = service.state_of(db, loan, loan.as_of)  # recomputed from the history, equal to the row
    assert (state.outstanding_principal, state.status, state.maturity_date) == \
        (loan.outstanding_principal, loan.status, loan.maturity_date)
    return balances


def both_roles(db, make_user, name, *roles):
    user = make_user(roles[0], name)
    for role in roles[1:]:
        db.add(UserRole(user_id=user.id, role=role.value))
    db.commit()
    db.refresh(user)
    return user


def test_who_may_request_and_decide_every_kind():
    """The pure rule, for every role and kind."""
    for kind in change_rules.KINDS:
        for role in Role:
            refused = change_rules.request_refusal(kind, frozenset({role}))
            makers = {Role.OPERATIONS} if kind in ("reversal", "refund") else {Role.OPERATIONS, Role.LOAN_OFFICER}
            assert (refused is None) == (role in makers), (kind, role)
            decided = change_rules.decision_refusal(kind, user_id=1, roles=frozenset({role}), requested_by_id=2,
                                                    loan_approved_by_id=3)
            assert (decided is None) == (role in {Role.APPROVER, Role.RISK_MANAGER}), (kind, role)
        assert change_rules.decision_refusal(kind, user_id=2, roles=frozenset({Role.APPROVER}), requested_by_id=2,
                                             loan_approved_by_id=3).code == "four_eyes_requester"
        by_loan_approver = change_rules.decision_refusal(kind, user_id=3, roles=frozenset({Role.RISK_MANAGER}),
                                                         requested_by_id=2, loan_approved_by_id=3)
        assert (by_loan_approver is None) == (kind in ("reversal", "refund"))  # not credit decisions
    refused = change_rules.request_refusal("reversal", frozenset({Role.LOAN_OFFICER}))
    assert "放款/运营岗" in refused.message.zh and "operations" in refused.message.en


def test_extension_limits_follow_the_general_rules_on_loans():
    assert [change_rules.max_extension_months(m) for m in (6, 12, 13, 36, 60, 61, 120)] == [6, 12, 6, 18, 30, 36, 36]
    facts = change_rules.ExtensionFacts(original_months=12, extensions_before=0, maturity_date=date(2026, 1, 10),
                                        today=date(2025, 6, 1))
    assert change_rules.extension_refusal(facts, 12) is None
    assert change_rules.extension_refusal(facts, 13)[0] == "extension_too_long"
    assert change_rules.extension_refusal(facts, 0)[0] == change_rules.extension_refusal(facts, -3)[0] == "extension_not_positive"
    from dataclasses import replace

    assert change_rules.extension_refusal(replace(facts, extensions_before=1), 1)[0] == "already_extended"
    assert change_rules.extension_refusal(replace(facts, today=date(2026, 1, 11)), 1)[0] == "after_maturity"


def test_observation_period_is_at_least_a_year_and_two_periods():
    monthly = [date(2025, m, 10) for m in range(4, 13)] + [date(2026, m, 10) for m in range(1, 7)]
    assert change_rules.observation_period(monthly, date(2025, 3, 20)) == (date(2025, 4, 10), date(2026, 4, 10))
    yearly = [date(2026, 3, 10), date(2027, 3, 10), date(2028, 3, 10)]
    assert change_rules.observation_period(yearly, date(2025, 3, 20)) == (date(2026, 3, 10), date(2028, 3, 10))
    assert change_rules.observation_period([], date(2025, 3, 20)) is None


def test_the_borrower_and_the_wrong_roles_are_refused_in_the_use_case(db, make_user):
    w = world(db, make_user)
    loan = disbursed(db, w)
    risk = make_user(Role.RISK_MANAGER, "risk-1")
    with on(MARCH):
        for user in (w.applicant, risk, w.approver):
            with pytest.raises(Forbidden) as refused:
                run(db, changes.request_change, user=user, loan=loan, kind="extension", extra_months=3, reason="r")
            assert refused.value.code == "may_not_request"
        with pytest.raises(Forbidden):  # reversals are for operations
            run(db, changes.request_change, user=w.officer, loan=loan, kind="reversal", transaction_id=1, reason="r")
        change = run(db, changes.request_change, user=w.officer, loan=loan, kind="extension", extra_months=3,
                     reason="回款延迟 receivables late")
        for user, code in ((w.applicant, "not_a_checker"), (w.operations, "not_a_checker"),
                           (w.officer, "not_a_checker"), (w.approver, "four_eyes_loan_approver")):
            with pytest.raises(Forbidden) as refused:
                run(db, changes.approve, user=user, change=change)
            assert refused.value.code == code, user.username
            assert refused.value.message.zh and refused.value.message.en
        maker_checker = both_roles(db, make_user, "ops-approver", Role.OPERATIONS, Role.APPROVER)
        own = run(db, changes.request_change, user=maker_checker, loan=loan, kind="write_off", reason="无法收回")
        with pytest.raises(Forbidden) as refused:
            run(db, changes.approve, user=maker_checker, change=own)
        assert refused.value.code == "four_eyes_requester"
        with pytest.raises(Forbidden) as refused:
            run(db, changes.reject, user=maker_checker, change=own, comment="no")
        assert refused.value.code == "four_eyes_requester"
        with pytest.raises(Forbidden) as refused:
            run(db, changes.cancel, user=w.officer, change=own)
        assert refused.value.code == "requester_only"
    db.refresh(loan)
    assert loan.status == ledger.ACTIVE and loan.maturity_date == date(2026, 1, 10)
    assert db.execute(select(func.count()).select_from(LoanTransaction).where(
        LoanTransaction.loan_id == loan.id)).scalar_one() == 1  # only the disbursement


def test_one_pending_request_per_kind_and_a_decision_once(db, make_user):
    w = world(db, make_user)
    loan = disbursed(db, w)
    risk = make_user(Role.RISK_MANAGER, "risk-1")
    with on(MARCH):
        first = run(db, changes.request_change, user=w.officer, loan=loan, kind="extension", extra_months=3, reason="a")
        with pytest.raises(Conflict) as refused:
            run(db, changes.request_change, user=w.operations, loan=loan, kind="extension", extra_months=2, reason="b")
        assert refused.value.code == "pending_exists"
        other_kind = run(db, changes.request_change, user=w.operations, loan=loan, kind="restructuring", new_months=24,
                         reason="c")
        run(db, changes.cancel, user=w.operations, change=other_kind)
        with pytest.raises(Invalid) as refused:
            run(db, changes.reject, user=risk, change=first, comment="  ")
        assert refused.value.field == "comment"
        run(db, changes.reject, user=risk, change=first, comment="材料不足 not enough evidence")
        for use_case, kwargs in ((changes.approve, {}), (changes.reject, {"comment": "again"})):
            with pytest.raises(Conflict) as refused:
                run(db, use_case, user=risk, change=first, **kwargs)
            assert refused.value.code == "already_decided"
        with pytest.raises(Conflict):
            run(db, changes.cancel, user=w.operations, change=other_kind)
        again = run(db, changes.request_change, user=w.officer, loan=loan, kind="extension", extra_months=3, reason="d")
    assert (first.status, other_kind.status, again.status) == ("rejected", "cancelled", "pending")
    assert first.decided_by_id == risk.id and first.comment == "材料不足 not enough evidence"
    actions = [a for (a,) in db.execute(select(AuditEvent.action).where(AuditEvent.action.like("loan.change_%"))
                                        .order_by(AuditEvent.seq))]
    assert actions == ["loan.change_requested", "loan.change_requested", "loan.change_cancelled",
                       "loan.change_rejected", "loan.change_requested"]


def test_an_extension_is_applied_once_within_the_rules(db, make_user):
    w = world(db, make_user)
    loan = disbursed(db, w)
    risk = make_user(Role.RISK_MANAGER, "risk-1")
    with on(MARCH):
        with pytest.raises(Invalid) as refused:  # a 12-month loan: at most 12 more months
            run(db, changes.request_change, user=w.officer, loan=loan, kind="extension", extra_months=13, reason="r")
        assert refused.value.field == "extra_months" and "12" in refused.value.message.zh
        change = run(db, changes.request_change, user=w.officer, loan=loan, kind="extension", extra_months=6,
                     reason="回款延迟 receivables late")
        run(db, changes.approve, user=risk, change=change, comment="同意 agreed")
        with pytest.raises(Conflict) as refused:
            run(db, changes.request_change, user=w.officer, loan=loan, kind="extension", extra_months=1, reason="again")
        assert refused.value.code == "already_extended"
    db.refresh(loan)
    assert change.status == "approved" and change.applied_transaction_id is not None
    # the principal not yet due runs 6 months longer; the two instalments unpaid stay overdue
    assert loan.maturity_date == date(2026, 7, 10) and loan.status == ledger.OVERDUE and loan.days_past_due == 38
    applied = db.get(LoanTransaction, change.applied_transaction_id)
    assert (applied.kind, applied.months, applied.value_date) == (ledger.RESCHEDULE, 18, MARCH)
    assert_journal_matches_the_loan(db, loan)
    assert db.execute(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "loan.extended")).scalar_one() == 1
    told = db.execute(select(Notification).where(Notification.recipient_id == w.applicant.id,
                                                 Notification.kind == "loan.extended")).scalar_one()
    assert "2026-07-10" in told.body_zh


def test_a_restructuring_marks_the_loan_with_its_observation_period(db, make_user):
    w = world(db, make_user)
    loan = disbursed(db, w)
    with on(MARCH):
        change = run(db, changes.request_change, user=w.operations, loan=loan, kind="restructuring", new_months=24,
                     new_annual_rate="4.5", new_method="equal_principal", reason="经营困难 financial difficulty")
        with pytest.raises(Invalid) as refused:
            run(db, changes.request_change, user=w.officer, loan=loan, kind="write_off", effective_on="2025-03-21",
                reason="future")
        assert refused.value.field == "effective_on"
        run(db, changes.approve, user=make_user(Role.APPROVER, "approver-other"), change=change)
    db.refresh(loan)
    assert loan.restructured_on == MARCH
    assert loan.observation_start == date(2025, 4, 10) and loan.observation_until == date(2026, 4, 10)
    state = service.state_of(db, loan, MARCH)
    assert state.annual_rate == D("4.5") and loan.maturity_date == date(2027, 1, 10)
    assert_journal_matches_the_loan(db, loan)


def test_a_reversal_and_a_write_off_post_the_journal(db, make_user):
    w = world(db, make_user)
    loan = disbursed(db, w)
    risk = make_user(Role.RISK_MANAGER, "risk-1")
    with on(date(2025, 2, 10)):
        paid = run(db, service.record_payment, user=w.operations, loan=loan, amount="10327.97", idempotency_key="p1")
    with on(MARCH):
        reversal = run(db, changes.request_change, user=w.operations, loan=loan, kind="reversal",
                       transaction_id=paid.id, reason="录错 wrong account")
        db.refresh(loan)
        assert loan.overdue_principal == 0  # nothing happens before a second person approves
        run(db, changes.approve, user=w.approver, change=reversal)  # the loan's approver may check a reversal
        db.refresh(loan)
        assert loan.status == ledger.OVERDUE and loan.overdue_principal > 0
        assert_journal_matches_the_loan(db, loan)
        from smecredit.loans import views

        lines = views.statement(db, loan, MARCH)["lines"]  # the wrong payment and its reversal both shown
        assert [(line["kind"], line["amount"]) for line in lines] == [
            ("disbursement", loan.principal), ("repayment", D("10327.97")), ("reversal", D("-10327.97"))]
        assert all(line["principal"] == line["interest"] == 0 for line in lines[1:])
        with pytest.raises(Conflict) as refused:
            run(db, changes.request_change, user=w.operations, loan=loan, kind="reversal", transaction_id=paid.id,
                reason="again")
        assert refused.value.code == "already_reversed"
        owed = loan.outstanding_principal
        write_off = run(db, changes.request_change, user=w.officer, loan=loan, kind="write_off", reason="无法收回 lost")
        run(db, changes.approve, user=risk, change=write_off, comment="核销 approved")
    db.refresh(loan)
    assert loan.status == ledger.WRITTEN_OFF and loan.outstanding_principal == 0
    balances = assert_journal_matches_the_loan(db, loan)
    written = service.position_from_json(loan.posted_position)
    assert written.principal_written_off == owed
    assert balances[accounting.ALLOWANCE] == written.written_off  # principal and interest to the write-off account
    # 账销案存: off the books, not forgiven — the API and the page say what is still owed
    from smecredit.loans.schemas import LoanOut

    shown = LoanOut.model_validate(loan)
    assert shown.written_off_amount == written.written_off > owed and shown.recovered_amount == 0
    assert balances[accounting.INTEREST_RECEIVABLE] == 0
    assert db.get(LoanTransaction, write_off.applied_transaction_id).amount == owed
    kinds = [t.kind for t in db.execute(select(LoanTransaction).where(LoanTransaction.loan_id == loan.id)
                                        .order_by(LoanTransaction.id)).scalars()]
    assert kinds == ["disbursement", "repayment", "reversal", "write_off"]
    reversed_event = db.execute(select(AuditEvent).where(AuditEvent.action == "loan.payment_reversed")).scalar_one()
    assert f'"request_id":{reversal.id}' in reversed_event.payload
    with on(MARCH), pytest.raises(Conflict) as refused:
        run(db, changes.request_change, user=w.officer, loan=loan, kind="extension", extra_months=1, reason="late")
    assert refused.value.code == "loan_not_live"
    assert db.execute(select(func.count()).select_from(LoanChangeRequest)).scalar_one() == 2
