"""Parallel requests at the rules stages 2–3 hold with row locks (review of issue 8): submit against
withdraw, two approvers deciding, the same file uploaded twice at once, an upload racing the submit.
Meant for PostgreSQL (SMECREDIT_TEST_DATABASE_URL); SQLite runs pass too (one writer at a time)."""

from __future__ import annotations

import json
from collections import Counter

from sqlalchemy import func, select

from smecredit.applications import service
from smecredit.applications.models import Application, ApplicationDocument, ApplicationStep
from smecredit.audit.models import AuditEvent
from smecredit.documents.models import StoredFile
from smecredit.identity.roles import Role
from tests.applications.helpers import draft, file_for, fill, run, to_review, world
from tests.applications.test_concurrency import _as_edge
from tests.enterprises.test_concurrency import _parallel


def _count(db, model, *where) -> int:
    return db.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_submit_against_withdraw_ends_in_one_state_with_its_one_step(db, make_user):
    w = world(db, make_user)
    a = fill(db, w, draft(db, w))
    ops = [lambda s, u, app: service.submit(s, user=u, application=app),
           lambda s, u, app: service.withdraw(s, user=u, application=app, reason="不需要了")] * 3
    outcomes = _parallel(len(ops), lambda i: _as_edge(w.applicant.username, a.id, ops[i]))
    assert set(outcomes) <= {"ok", "illegal_transition"}, outcomes
    db.expire_all()
    final = db.get(Application, a.id).status
    actions = [s.action for s in db.execute(select(ApplicationStep).where(ApplicationStep.application_id == a.id)
                                            .order_by(ApplicationStep.id)).scalars()]
    # Either withdrawn straight from the draft, or submitted then withdrawn: never two submits or withdrawals.
    assert final == "withdrawn", (final, outcomes)
    assert actions.count("withdraw") == 1 and actions.count("submit") <= 1, actions
    assert outcomes.count("ok") == 1 + actions.count("submit"), (outcomes, actions)


def test_two_approvers_deciding_at_once_record_one_decision(db, make_user):
    from smecredit.decisioning import reviews
    from tests.applications.helpers import reviewed

    w = world(db, make_user)
    a = reviewed(db, w, to_review(db, w, draft(db, w)))
    approvers = [w.approver.username] + [make_user(Role.APPROVER, f"approver-x{i}").username for i in range(3)]
    outcomes = _parallel(len(approvers), lambda i: _as_edge(approvers[i], a.id, lambda s, u, app: reviews.review(
        s, user=u, application=app, action="approve" if i % 2 else "decline", comment=f"理由 {i}")))
    assert Counter(outcomes) == {"ok": 1, "illegal_transition": len(approvers) - 1}, outcomes
    db.expire_all()
    assert db.get(Application, a.id).status in ("approved", "declined")
    assert _count(db, AuditEvent, AuditEvent.action == "application.decided") == 1
    assert _count(db, ApplicationStep, ApplicationStep.application_id == a.id, ApplicationStep.action == "review",
                  ApplicationStep.from_status == "awaiting_approval") == 1


def test_the_same_file_uploaded_twice_at_once_is_stored_once(db, make_user):
    w = world(db, make_user)
    a = draft(db, w)
    item = w.required()[0]
    name, data = file_for(item, 7)
    outcomes = _parallel(4, lambda i: _as_edge(w.applicant.username, a.id, lambda s, u, app: service.attach_document(
        s, user=u, application=app, kind=item.kind, upload=data, filename=name)))
    assert outcomes == ["ok"] * 4, outcomes
    db.expire_all()
    assert _count(db, StoredFile) == 1  # content-addressed: one object, one row
    assert _count(db, ApplicationDocument, ApplicationDocument.application_id == a.id) == 4
    assert db.get(Application, a.id).version == 1 + 4


def test_an_upload_racing_the_submit_is_either_in_the_submission_or_refused(db, make_user):
    w = world(db, make_user)
    a = fill(db, w, draft(db, w))
    item = w.required()[0]
    name, data = file_for(item, 9)
    ops = [lambda s, u, app: service.submit(s, user=u, application=app),
           lambda s, u, app: service.attach_document(s, user=u, application=app, kind=item.kind, upload=data,
                                                     filename=name)]
    outcomes = _parallel(2, lambda i: _as_edge(w.applicant.username, a.id, ops[i]))
    assert outcomes[0] == "ok" and outcomes[1] in ("ok", "illegal_transition"), outcomes
    db.expire_all()
    submitted = db.execute(select(AuditEvent).where(AuditEvent.action == "application.submitted")).scalar_one()
    documents = db.execute(select(ApplicationDocument.sha256).where(ApplicationDocument.application_id == a.id)).scalars()
    # What the submission event lists is exactly what the application holds: nothing slipped in after it.
    assert sorted(json.loads(submitted.payload)["document_sha256"]) == sorted(documents)
    if outcomes[1] == "illegal_transition":
        assert _count(db, StoredFile) == len(w.required())
