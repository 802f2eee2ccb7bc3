"""Submitting decides at once (automatic approval with an offer, automatic decline, referral to the
queue); people finish referrals (审查 → 审批 → 贷审会) within their authority and four-eyes; the
applicant answers the offer; every step is recorded, audited and told. On the sandbox data the
default policy decides enterprise 1 (tax grade D, overdue) declined, 2 approved (tax-data loan),
8 referred (a lawsuit), and a 9,000,000 IP-pledge loan of enterprise 6 goes to the committee."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from smecredit.applications.models import Application
from smecredit.audit.models import AuditEvent
from smecredit.decisioning import reviews, service
from smecredit.decisioning.models import CommitteeVote, Decision, DecisionOverride, DecisionReview, Offer
from smecredit.identity.roles import Role
from smecredit.kernel.errors import Conflict, Forbidden, Invalid
from smecredit.notifications.models import Notification
from tests.decisioning.helpers import run, submitted, world


def _inbox(db, user) -> list[str]:
    return list(db.execute(select(Notification.kind).where(Notification.recipient_id == user.id)
                           .order_by(Notification.id)).scalars())


def _events(db, action: str) -> list[dict]:
    return [json.loads(p) | {"entity_id": e} for e, p in db.execute(
        select(AuditEvent.entity_id, AuditEvent.payload).where(AuditEvent.action == action).order_by(AuditEvent.seq))]


def _claimed(db, w, a):
    from smecredit.applications import service as applications

    run(db, applications.claim, user=w.reviewer, application=a)
    return run(db, applications.start_review, user=w.reviewer, application=a)


def test_an_automatic_approval_makes_an_offer_in_the_same_transaction(db, make_user):
    w = world(db, make_user, 2, code="tax_loan")
    a = submitted(db, w, "300000")
    assert a.status == "approved" and a.outcome == "approved"
    d = service.decision_of(db, a)
    assert (d.outcome, d.route, d.sequence) == ("approved", "automatic", 1)
    assert d.score is not None and d.grade and d.pd is not None and d.annual_rate and d.apr
    assert d.approved_amount == Decimal("300000.00") and d.elapsed_ms > 0
    offer = db.execute(select(Offer).where(Offer.application_id == a.id)).scalar_one()
    assert (offer.status, offer.amount, offer.apr, offer.decision_id) == ("open", d.approved_amount, d.apr, d.id)
    made = _events(db, "decision.made")
    assert made[-1]["entity_id"] == str(d.id) and made[-1]["inputs_sha256"] == d.inputs_sha256
    assert made[-1]["policy_version_id"] == d.policy_version_id and made[-1]["outcome"] == "approved"
    assert "decision.approved" in _inbox(db, w.applicant)
    inputs = json.loads(d.inputs_json)
    assert inputs["application"]["no"] == a.no and inputs["features"] and inputs["profile_id"]
    assert [s.action for s in a.steps][-2:] == ["submit", "decide"]


def test_an_automatic_decline_tells_the_applicant_why(db, make_user):
    w = world(db, make_user, 1, code="tax_loan")
    a = submitted(db, w, "300000")
    assert (a.status, a.outcome) == ("declined", "declined")
    d = service.decision_of(db, a)
    codes = [r["code"] for r in service.reasons_of(d)]
    assert "tax_grade_d" in codes
    assert db.execute(select(func.count()).select_from(Offer)).scalar_one() == 0
    body = db.execute(select(Notification.body_zh).where(Notification.recipient_id == w.applicant.id,
                                                         Notification.kind == "decision.declined")).scalar_one()
    assert "纳税信用" in body


def test_a_referral_waits_in_the_queue_then_review_and_approval_make_the_offer(db, make_user):
    w = world(db, make_user, 8, code="tax_loan")
    a = submitted(db, w, "300000")
    d = service.decision_of(db, a)
    assert (a.status, d.outcome, d.route) == ("submitted", "referred", "review")
    assert "decision.referred" in _inbox(db, w.applicant)
    _claimed(db, w, a)
    run(db, reviews.review, user=w.reviewer, application=a, action="approve", comment="诉讼金额小 / a small lawsuit")
    assert a.status == "awaiting_approval"
    run(db, reviews.review, user=w.approver, application=a, action="approve", comment=None)
    assert a.status == "approved"
    offer = db.execute(select(Offer).where(Offer.application_id == a.id)).scalar_one()
    assert offer.amount == d.approved_amount
    stages = [(r.stage, r.action, r.username) for r in db.execute(select(DecisionReview).order_by(DecisionReview.id)).scalars()]
    assert stages == [("review", "approve", w.reviewer.username), ("approval", "approve", w.approver.username)]
    assert db.execute(select(func.count()).select_from(DecisionOverride)).scalar_one() == 0  # the policy left it to people


def test_the_committee_votes_to_a_quorum_and_records_the_dissent(db, make_user):
    w = world(db, make_user, 6, code="ip_pledge_loan")
    a = submitted(db, w, "9000000")
    d = service.decision_of(db, a)
    assert (a.status, d.outcome, d.route) == ("submitted", "referred", "committee")
    _claimed(db, w, a)
    run(db, reviews.review, user=w.reviewer, application=a, action="approve", comment="同意上报")
    run(db, reviews.review, user=w.approver, application=a, action="approve", comment="超权限，提交贷审会")
    assert a.status == "committee"
    with pytest.raises(Invalid) as refused:  # a vote is approve or decline, with a comment
        run(db, reviews.review, user=w.risk, application=a, action="return", comment="x")
    assert refused.value.code == "vote_approve_or_decline"
    with pytest.raises(Invalid):
        run(db, reviews.review, user=w.risk, application=a, action="approve", comment=" ")
    with pytest.raises(Forbidden) as refused:  # the reviewer reviewed it: not a committee member anyway
        run(db, reviews.review, user=w.reviewer, application=a, action="approve", comment="x")
    assert refused.value.code == "not_your_role"
    with pytest.raises(Forbidden) as refused:  # the approver who passed it up does not vote on it
        run(db, reviews.review, user=w.approver, application=a, action="approve", comment="同意")
    assert refused.value.code == "four_eyes_approved"
    run(db, reviews.review, user=w.risk, application=a, action="approve", comment="抵押充足 / well secured")
    with pytest.raises(Conflict) as refused:
        run(db, reviews.review, user=w.risk, application=a, action="decline", comment="改主意")
    assert refused.value.code == "already_voted"
    run(db, reviews.review, user=w.risk2, application=a, action="decline", comment="集中度偏高 / concentrated")
    assert a.status == "committee"  # two of a quorum of three
    run(db, reviews.review, user=w.approver2, application=a, action="approve", comment="同意 / for")
    assert a.status == "approved"
    votes = db.execute(select(CommitteeVote.username, CommitteeVote.vote).order_by(CommitteeVote.id)).all()
    assert [v for _, v in votes] == ["approve", "decline", "approve"]
    resolved = _events(db, "decision.committee_resolved")[-1]
    assert resolved["result"] == "approve" and resolved["dissent"] == [w.risk2.username]
    assert (resolved["approve"], resolved["decline"], resolved["quorum"]) == (2, 1, 3)
    resolution = db.execute(select(DecisionReview).where(DecisionReview.stage == "committee")).scalar_one()
    assert resolution.user_id is None and resolution.action == "approve" and w.risk2.username in resolution.comment


def test_four_eyes_and_authority_for_every_role_at_every_stage(db, make_user):
    """审查 is the reviewer's who claimed it; 审批 an approver's who neither prepared nor reviewed it;
    the committee its members'; nobody else — each refusal says why."""
    w = world(db, make_user, 8, code="tax_loan")
    a = submitted(db, w, "300000")
    officer_reviewer = make_user(Role.CREDIT_REVIEWER, "reviewer-other")

    def refused(user, action="approve", comment="意见"):
        with pytest.raises((Forbidden, Conflict)) as caught:
            run(db, reviews.review, user=user, application=a, action=action, comment=comment)
        return caught.value

    # not yet under review: nobody reviews a queued application
    assert refused(w.reviewer).code == "illegal_transition"
    _claimed(db, w, a)
    # 审查: only the reviewer holding it; approvers and risk managers are refused by role
    assert refused(officer_reviewer).code == "already_claimed"
    for user in (w.approver, w.risk):
        assert refused(user).code == "not_your_role"
    assert refused(w.officer).code == "not_your_role"
    run(db, reviews.review, user=w.reviewer, application=a, action="approve", comment="同意")
    # 审批: the reviewer who reviewed it and risk managers may not; the approver may
    for user in (w.reviewer, officer_reviewer, w.risk):
        assert refused(user).code == "not_your_role"
    from smecredit.identity.models import UserRole
    from smecredit.kernel.db import unit_of_work

    with unit_of_work(db):  # the reviewer, were they also an approver, still reviewed it (four-eyes)
        db.add(UserRole(user_id=w.reviewer.id, role=Role.APPROVER.value))
    db.refresh(w.reviewer)
    assert refused(w.reviewer).code in ("four_eyes", "four_eyes_reviewed", "four_eyes_prepared")
    run(db, reviews.review, user=w.approver, application=a, action="return", comment="请补充说明诉讼情况")
    assert a.status == "under_review" and a.assignee_id == w.reviewer.id


def test_an_approver_declining_what_the_policy_would_approve_is_an_override_with_its_reason(db, make_user):
    w = world(db, make_user, 2, code="working_capital_loan")
    a = submitted(db, w, "8000000")  # above the automatic authority: referred for the amount only
    d = service.decision_of(db, a)
    assert d.outcome == "referred"
    _claimed(db, w, a)
    run(db, reviews.review, user=w.reviewer, application=a, action="approve", comment="同意")
    run(db, reviews.review, user=w.approver, application=a, action="decline", comment="行业下行，暂不支持 / sector falling")
    assert a.status == "declined"
    override = db.execute(select(DecisionOverride)).scalar_one_or_none()
    from smecredit.decisioning.outcomes import recommended

    if recommended(d) == "approved":
        assert override is not None and override.human == "declined" and "行业下行" in override.reason
        assert _events(db, "decision.overridden")
    else:  # the policy left it to people (a referral rule fired): no override
        assert override is None


def test_the_applicant_accepts_the_offer_once(db, make_user):
    w = world(db, make_user, 2, code="tax_loan")
    a = submitted(db, w, "300000")
    with pytest.raises(Forbidden):  # the officer applies on the enterprise's behalf, but does not borrow for it
        run(db, reviews.accept_offer, user=w.officer, application=a)
    run(db, reviews.accept_offer, user=w.applicant, application=a)
    assert a.status == "offer_accepted"
    offer = db.execute(select(Offer)).scalar_one()
    assert offer.status == "accepted" and offer.accepted_at is not None and offer.answered_by_id == w.applicant.id
    with pytest.raises(Conflict):
        run(db, reviews.decline_offer, user=w.applicant, application=a)
    assert "decision.offer_accepted" in _inbox(db, w.applicant)
    assert _events(db, "offer.accepted")[-1]["amount"] == str(offer.amount)


def test_an_expired_offer_cannot_be_accepted(db, make_user):
    from datetime import timedelta

    from smecredit.kernel.db import unit_of_work

    w = world(db, make_user, 2, code="tax_loan")
    a = submitted(db, w, "300000")
    with unit_of_work(db):
        offer = db.execute(select(Offer)).scalar_one()
        offer.expires_on = offer.expires_on - timedelta(days=400)
    with pytest.raises(Conflict) as refused:
        run(db, reviews.accept_offer, user=w.applicant, application=a)
    assert refused.value.code == "offer_expired"


def test_an_application_of_stage_3_is_decided_when_first_reviewed(db, make_user):
    """Applications submitted before the policy decided at submission have no decision; the first
    review makes one (sequence 1), so every reviewed application has its record."""
    from smecredit.kernel.db import unit_of_work

    w = world(db, make_user, 8, code="tax_loan")
    a = submitted(db, w, "300000")
    with unit_of_work(db):
        db.execute(Decision.__table__.delete())  # as if submitted in stage 3
    _claimed(db, w, a)
    run(db, reviews.review, user=w.reviewer, application=a, action="approve", comment="同意")
    assert service.decision_of(db, a).sequence == 1 and a.status == "awaiting_approval"
    assert db.get(Application, a.id).status == "awaiting_approval"
