"""Parallel acts on one application end in one result (row lock on the application before the
audit head; unique constraints behind it): approvers at once, a member voting twice, members voting
past the quorum, the applicant accepting and declining the offer at once, two drafts of one policy,
two approvals of one draft. Meant for PostgreSQL (SMECREDIT_TEST_DATABASE_URL); SQLite runs pass
too (one writer at a time)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from smecredit.applications.models import Application
from smecredit.audit.models import AuditEvent
from smecredit.decisioning import reviews, versions
from smecredit.decisioning.models import CommitteeVote, DecisionReview, Offer, PolicyVersion
from smecredit.identity.roles import Role
from tests.applications.test_concurrency import _as_edge
from tests.decisioning.helpers import run, submitted, world
from tests.enterprises.test_concurrency import _parallel


def _count(db, model, *where) -> int:
    return db.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _to(db, w, a, status: str):
    from smecredit.applications import service as applications

    run(db, applications.claim, user=w.reviewer, application=a)
    run(db, applications.start_review, user=w.reviewer, application=a)
    run(db, reviews.review, user=w.reviewer, application=a, action="approve", comment="同意")
    if status == "committee":
        run(db, reviews.review, user=w.approver, application=a, action="approve", comment="提交贷审会")
    assert a.status == status
    return a


def test_two_approvers_at_once_make_one_approval_and_one_offer(db, make_user):
    w = world(db, make_user, 8, code="tax_loan")
    a = _to(db, w, submitted(db, w, "300000"), "awaiting_approval")
    names = [w.approver.username, w.approver2.username] + [make_user(Role.APPROVER, f"approver-y{i}").username for i in range(2)]
    outcomes = _parallel(len(names), lambda i: _as_edge(names[i], a.id, lambda s, u, app: reviews.review(
        s, user=u, application=app, action="approve", comment=f"同意 {i}")))
    assert Counter(outcomes) == {"ok": 1, "illegal_transition": len(names) - 1}, outcomes
    db.expire_all()
    assert db.get(Application, a.id).status == "approved"
    assert _count(db, Offer, Offer.application_id == a.id) == 1
    assert _count(db, DecisionReview, DecisionReview.stage == "approval") == 1


def test_a_member_voting_twice_at_once_votes_once(db, make_user):
    w = world(db, make_user, 6, code="ip_pledge_loan")
    a = _to(db, w, submitted(db, w, "9000000"), "committee")
    outcomes = _parallel(4, lambda i: _as_edge(w.risk.username, a.id, lambda s, u, app: reviews.review(
        s, user=u, application=app, action="approve" if i % 2 else "decline", comment=f"表决 {i}")))
    assert sorted(outcomes) == ["already_voted"] * 3 + ["ok"], outcomes
    db.expire_all()
    assert _count(db, CommitteeVote, CommitteeVote.application_id == a.id) == 1
    assert _count(db, AuditEvent, AuditEvent.action == "decision.vote_cast") == 1


def test_members_voting_at_once_resolve_once_at_the_quorum(db, make_user):
    w = world(db, make_user, 6, code="ip_pledge_loan")
    a = _to(db, w, submitted(db, w, "9000000"), "committee")
    members = [w.risk.username, w.risk2.username, w.approver2.username,
               make_user(Role.RISK_MANAGER, "risk-z").username]
    outcomes = _parallel(len(members), lambda i: _as_edge(members[i], a.id, lambda s, u, app: reviews.review(
        s, user=u, application=app, action="approve", comment=f"同意 {i}")))
    # three votes reach the quorum and resolve; the fourth finds the application decided
    assert Counter(outcomes) == {"ok": 3, "illegal_transition": 1}, outcomes
    db.expire_all()
    assert db.get(Application, a.id).status == "approved"
    assert _count(db, CommitteeVote, CommitteeVote.application_id == a.id) == 3
    assert _count(db, AuditEvent, AuditEvent.action == "decision.committee_resolved") == 1
    assert _count(db, Offer, Offer.application_id == a.id) == 1


def test_accepting_and_declining_the_offer_at_once_end_in_one_answer(db, make_user):
    w = world(db, make_user, 2, code="tax_loan")
    a = submitted(db, w, "300000")
    assert a.status == "approved"
    ops = [lambda s, u, app: reviews.accept_offer(s, user=u, application=app),
           lambda s, u, app: reviews.decline_offer(s, user=u, application=app, reason="不需要")] * 2
    outcomes = _parallel(len(ops), lambda i: _as_edge(w.applicant.username, a.id, ops[i]))
    assert Counter(outcomes) == {"ok": 1, "illegal_transition": 3}, outcomes
    db.expire_all()
    status = db.get(Application, a.id).status
    offer = db.execute(select(Offer).where(Offer.application_id == a.id)).scalar_one()
    assert (status, offer.status) in (("offer_accepted", "accepted"), ("offer_declined", "declined"))
    answered = _count(db, AuditEvent, AuditEvent.action.in_(("offer.accepted", "offer.declined")))
    assert answered == 1


def test_two_approvals_of_one_draft_make_one_and_drafts_get_their_own_numbers(db, make_user):
    from datetime import timedelta

    from smecredit.kernel.clock import business_date
    from smecredit.kernel.db import new_session, unit_of_work
    from smecredit.identity.models import User
    from tests.decisioning.helpers import load_decisioning

    load_decisioning(db)
    author = make_user(Role.RISK_MANAGER, "author")
    deciders = [make_user(Role.RISK_MANAGER, f"decider-{i}").username for i in range(4)]
    current = db.execute(select(PolicyVersion)).scalars().first()
    texts = [current.text.replace("min_grade: B}", f"min_grade: B}}  # {i}", 1) for i in range(4)]

    def draft(i):
        with new_session() as s, unit_of_work(s):
            user = s.execute(select(User).where(User.username == author.username)).scalar_one()
            versions.draft(s, kind=versions.POLICY, user=user, text=texts[i], note=f"草稿 {i}")

    outcomes = _parallel(4, draft)
    assert set(outcomes) <= {"ok", "version_conflict"} and "ok" in outcomes, outcomes
    numbers = list(db.execute(select(PolicyVersion.version).where(PolicyVersion.status == "draft")).scalars())
    assert len(numbers) == len(set(numbers)) == outcomes.count("ok")
    target = db.execute(select(PolicyVersion.id).where(PolicyVersion.status == "draft").limit(1)).scalar_one()

    def approve(i):
        with new_session() as s, unit_of_work(s):
            user = s.execute(select(User).where(User.username == deciders[i])).scalar_one()
            versions.approve(s, kind=versions.POLICY, user=user, version_id=target,
                             effective_from=business_date() + timedelta(days=1))

    outcomes = _parallel(4, approve)
    assert Counter(outcomes) == {"ok": 1, "not_a_draft": 3}, outcomes
    assert _count(db, AuditEvent, AuditEvent.action == "policy.version_approved") == 1


def test_two_submissions_at_once_never_pass_the_single_borrower_cap_together(db, make_user):
    """普惠型小微 单户授信总额 ≤ 10,000,000 including what the enterprise already has: two approvals
    decided at once would each see the same room; the enterprise's row lock decides them in turn."""
    from sqlalchemy import update

    from smecredit.applications import service as applications
    from smecredit.kernel.db import unit_of_work
    from tests.applications.helpers import file_for
    from tests.decisioning.helpers import need

    w = world(db, make_user, 2, code="tax_loan")
    first = submitted(db, w, "300000")
    assert first.status == "approved"
    with unit_of_work(db):  # as if it had accepted 9,600,000 before
        db.execute(update(Offer).where(Offer.application_id == first.id).values(amount="9600000.00", status="accepted"))
    drafts = []
    for _ in range(2):
        a = run(db, applications.create_draft, user=w.applicant, enterprise_id=w.enterprise.id, product_code=w.code,
                need=need(w, "300000"))
        for n, item in enumerate(w.required()):
            name, data = file_for(item, n)
            run(db, applications.attach_document, user=w.applicant, application=a, kind=item.kind, upload=data,
                filename=name)
        drafts.append(a.id)
    outcomes = _parallel(2, lambda i: _as_edge(w.applicant.username, drafts[i], lambda s, u, app: applications.submit(
        s, user=u, application=app)))
    assert outcomes == ["ok", "ok"], outcomes
    db.expire_all()
    total = db.execute(select(func.sum(Offer.amount)).where(Offer.enterprise_id == w.enterprise.id,
                                                            Offer.status.in_(("open", "accepted")))).scalar_one()
    assert total <= 10_000_000, total
    assert total > 9_600_000  # the first of the two got its 300,000 (or the room left)
