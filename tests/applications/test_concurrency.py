"""Parallel claims, submits and new numbers: of several officers claiming at once exactly one gets
the application; a double-clicked submit submits once; parallel drafts get distinct numbers.
Proven on PostgreSQL (row locks, the counter's atomic upsert); the SQLite runs pass too (one
writer at a time)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from smecredit.applications import service
from smecredit.applications.models import Application, ApplicationStep
from smecredit.applications.records import load_for
from smecredit.audit.models import AuditEvent
from smecredit.identity.models import User
from smecredit.identity.roles import Role
from smecredit.kernel.db import new_session, unit_of_work
from tests.applications.helpers import draft, fill, need, run, world
from tests.enterprises.test_concurrency import _parallel

WORKERS = 8


def _as_edge(username: str, application_id: int, use_case):
    with new_session() as db, unit_of_work(db):
        user = db.execute(select(User).where(User.username == username)).scalar_one()
        use_case(db, user, load_for(db, user=user, application_id=application_id))


def test_parallel_claims_give_the_application_to_one(db, make_user):
    w = world(db, make_user)
    a = fill(db, w, draft(db, w))
    run(db, service.submit, user=w.applicant, application=a)
    names = [make_user(Role.LOAN_OFFICER if i % 2 else Role.CREDIT_REVIEWER, f"handler-{i}").username
             for i in range(WORKERS)]
    outcomes = _parallel(WORKERS, lambda i: _as_edge(names[i], a.id, lambda s, u, app: service.claim(
        s, user=u, application=app)))
    # Officers outside the enterprise's portfolio see it (unassigned queue) or not: the claim goes
    # to exactly one, the others are told it is taken (or cannot see it).
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) <= {"ok", "already_claimed", "not_found"}, outcomes
    db.expire_all()
    winner = db.get(Application, a.id)
    assert winner.assignee_id is not None
    claims = db.execute(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "application.claimed")).scalar_one()
    assert claims == 1


def test_a_double_submit_submits_once(db, make_user):
    w = world(db, make_user)
    a = fill(db, w, draft(db, w))
    outcomes = _parallel(4, lambda i: _as_edge(w.applicant.username, a.id, lambda s, u, app: service.submit(
        s, user=u, application=app)))
    assert Counter(outcomes) == {"ok": 1, "illegal_transition": 3}, outcomes
    steps = db.execute(select(func.count()).select_from(ApplicationStep).where(
        ApplicationStep.application_id == a.id, ApplicationStep.action == "submit")).scalar_one()
    assert steps == 1


def test_parallel_drafts_get_distinct_numbers(db, make_user):
    w = world(db, make_user)
    username, enterprise_id, code = w.applicant.username, w.enterprise.id, w.code
    wanted = need(w)

    def create(i):
        with new_session() as s, unit_of_work(s):
            user = s.execute(select(User).where(User.username == username)).scalar_one()
            service.create_draft(s, user=user, enterprise_id=enterprise_id, product_code=code, need=wanted)

    outcomes = _parallel(WORKERS, create)
    assert outcomes == ["ok"] * WORKERS, outcomes
    numbers = db.execute(select(Application.no)).scalars().all()
    assert len(numbers) == len(set(numbers)) == WORKERS
    assert sorted(int(n[-5:]) for n in numbers) == list(range(1, WORKERS + 1))
