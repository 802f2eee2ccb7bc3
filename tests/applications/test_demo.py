"""The demo data: applications in every stage-3 state (submitting decides by the default policy),
each reached through the use cases; idempotent. Stage 4's demo adds the rest (tests/decisioning/test_demo.py)."""

from __future__ import annotations

from sqlalchemy import select

from smecredit.applications.models import Application
from smecredit.applications.states import State
from smecredit.identity.roles import Role
from smecredit.kernel.db import unit_of_work
from smecredit.notifications.models import Notification


STAGE_3 = {"draft", "submitted", "under_review", "documents_requested", "resubmitted", "withdrawn", "approved", "declined"}


def test_the_demo_has_applications_in_every_state(db, make_user):
    from smecredit.applications.demo import seed_demo
    from smecredit.enterprises.demo import seed_demo as seed_enterprises
    from tests.products.helpers import load_defaults

    applicant = make_user(Role.APPLICANT, "applicant")
    for role, name in ((Role.LOAN_OFFICER, "officer"), (Role.CREDIT_REVIEWER, "reviewer"), (Role.APPROVER, "approver")):
        make_user(role, name)
    with unit_of_work(db):
        seed_enterprises(db)
    from tests.decisioning.helpers import load_decisioning

    load_decisioning(db)  # the default catalogue and credit policy, as on first start
    with unit_of_work(db):
        created = seed_demo(db)
    assert created >= len(STAGE_3)
    found = db.execute(select(Application.status, Application.outcome)).all()
    assert {status for status, _ in found} == STAGE_3 and STAGE_3 <= {s.value for s in State}
    assert {outcome for status, outcome in found if status in ("approved", "declined")} == {"approved", "declined"}
    told = db.execute(select(Notification.kind).where(Notification.recipient_id == applicant.id)).scalars().all()
    assert "application.documents_requested" in told
    with unit_of_work(db):
        assert seed_demo(db) == 0
