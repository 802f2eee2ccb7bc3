"""Races the existing concurrency tests do not cover, each ending in exactly one result: a submit
sent four times at once makes one decision (and one offer); the applicant withdrawing while the
approver approves, or while the committee's deciding vote is cast, ends either withdrawn with no
offer or approved with one — never both; approvers approving, declining and returning at once give
one result whose offer matches it. Meant for PostgreSQL (SMECREDIT_TEST_DATABASE_URL); SQLite
passes too (one writer at a time)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from smecredit.applications import service as applications
from smecredit.applications.models import Application
from smecredit.audit.models import AuditEvent
from smecredit.decisioning import reviews
from smecredit.decisioning.models import CommitteeVote, Decision, DecisionReview, Offer
from smecredit.identity.roles import Role
from tests.applications.helpers import file_for
from tests.applications.test_concurrency import _as_edge
from tests.decisioning.helpers import need, run, submitted, world
from tests.decisioning.test_concurrency import _to
from tests.enterprises.test_concurrency import _parallel


def _count(db, model, *where) -> int:
    return db.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_a_submit_sent_four_times_at_once_makes_one_decision_and_one_offer(db, make_user):
    w = world(db, make_user, 2, code="tax_loan")
    a = run(db, applications.create_draft, user=w.applicant, enterprise_id=w.enterprise.id, product_code=w.code,
            need=need(w, "300000"))
    for n, item in enumerate(w.required()):
        name, data = file_for(item, n)
        run(db, applications.attach_document, user=w.applicant, application=a, kind=item.kind, upload=data, filename=name)
    outcomes = _parallel(4, lambda i: _as_edge(w.applicant.username, a.id, lambda s, u, app: applications.submit(
        s, user=u, application=app)))
    assert Counter(outcomes) == {"ok": 1, "illegal_transition": 3}, outcomes
    db.expire_all()
    assert db.get(Application, a.id).status == "approved"
    assert _count(db, Decision, Decision.application_id == a.id) == 1
    assert _count(db, AuditEvent, AuditEvent.action == "decision.made") == 1
    assert _count(db, Offer, Offer.application_id == a.id) == 1


def _withdraw(s, u, app):
    return applications.withdraw(s, user=u, application=app, reason="不再需要 / no longer needed")


def test_withdrawing_while_the_approver_approves_ends_one_way(db, make_user):
    w = world(db, make_user, 8, code="tax_loan")
    a = _to(db, w, submitted(db, w, "300000"), "awaiting_approval")
    work = [(w.applicant.username, _withdraw),
            (w.approver.username, lambda s, u, app: reviews.review(s, user=u, application=app, action="approve", comment="同意"))]
    outcomes = _parallel(2, lambda i: _as_edge(work[i][0], a.id, work[i][1]))
    assert sorted(outcomes) == ["illegal_transition", "ok"], outcomes
    db.expire_all()
    status = db.get(Application, a.id).status
    offers = _count(db, Offer, Offer.application_id == a.id)
    assert (status, offers) in (("withdrawn", 0), ("approved", 1)), (status, offers)


def test_withdrawing_while_the_deciding_vote_is_cast_ends_one_way(db, make_user):
    w = world(db, make_user, 6, code="ip_pledge_loan")
    a = _to(db, w, submitted(db, w, "9000000"), "committee")
    for member in (w.risk, w.risk2):
        run(db, reviews.review, user=member, application=a, action="approve", comment="同意")
    work = [(w.applicant.username, _withdraw),
            (w.approver2.username, lambda s, u, app: reviews.review(s, user=u, application=app, action="approve",
                                                                    comment="同意"))]
    outcomes = _parallel(2, lambda i: _as_edge(work[i][0], a.id, work[i][1]))
    assert sorted(outcomes) == ["illegal_transition", "ok"], outcomes
    db.expire_all()
    status = db.get(Application, a.id).status
    offers = _count(db, Offer, Offer.application_id == a.id)
    resolved = _count(db, AuditEvent, AuditEvent.action == "decision.committee_resolved")
    assert (status, offers, resolved) in (("withdrawn", 0, 0), ("approved", 1, 1)), (status, offers, resolved)
    assert _count(db, CommitteeVote, CommitteeVote.application_id == a.id) == (3 if status == "approved" else 2)


def test_approvers_approving_declining_and_returning_at_once_give_one_result(db, make_user):
    w = world(db, make_user, 8, code="tax_loan")
    a = _to(db, w, submitted(db, w, "300000"), "awaiting_approval")
    names = [w.approver.username, w.approver2.username, make_user(Role.APPROVER, "approver-r3").username]
    acts = [("approve", None), ("decline", "经营下滑 / business shrinking"), ("return", "请补充说明 / explain more")]
    outcomes = _parallel(3, lambda i: _as_edge(names[i], a.id, lambda s, u, app: reviews.review(
        s, user=u, application=app, action=acts[i][0], comment=acts[i][1])))
    # the first to commit wins; the others are refused: the application has left 待审批 (409), or, when
    # the winner returned it to 审查, that stage is not an approver's (403 not_your_role)
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) - {"ok"} <= {"illegal_transition", "not_your_role"}, outcomes
    db.expire_all()
    status = db.get(Application, a.id).status
    offers = _count(db, Offer, Offer.application_id == a.id)
    assert (status, offers) in (("approved", 1), ("declined", 0), ("under_review", 0)), (status, offers)
    if "not_your_role" in outcomes:
        assert status == "under_review", outcomes
    assert _count(db, DecisionReview, DecisionReview.stage == "approval") == 1
