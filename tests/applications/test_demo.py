"""The demo data: applications in every state, each reached through the use cases; idempotent."""

from __future__ import annotations

from sqlalchemy import select

from smecredit.applications.models import Application
from smecredit.applications.states import State
from smecredit.identity.roles import Role
from smecredit.kernel.db import unit_of_work
from smecredit.notifications.models import Notification


def test_the_demo_has_applications_in_every_state(db, make_user):
    from smecredit.applications.demo import seed_demo
    from smecredit.enterprises.demo import seed_demo as seed_enterprises
    from tests.products.helpers import load_defaults

    applicant = make_user(Role.APPLICANT, "applicant")
    for role, name in ((Role.LOAN_OFFICER, "officer"), (Role.CREDIT_REVIEWER, "reviewer"), (Role.APPROVER, "approver")):
        make_user(role, name)
    with unit_of_work(db):
        seed_enterprises(db)
    load_defaults(db)  # the default catalogue, as on first start
    with unit_of_work(db):
        created = seed_demo(db)
    assert created >= len(State)
    found = db.execute(select(Application.status, Application.outcome)).all()
    assert {status for status, _ in found} == {s.value for s in State}
    assert {outcome for status, outcome in found if status == "decided"} == {"approved", "declined"}
    told = db.execute(select(Notification.kind).where(Notification.recipient_id == applicant.id)).scalars().all()
    assert "application.documents_requested" in told
    with unit_of_work(db):
        assert seed_demo(db) == 0
